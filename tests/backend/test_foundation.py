"""The package is built, imports lightly, and knows its backends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _helpers import assert_equal, make_backend

import arraymask
from arraymask import _backend


def test_compiled_extension_is_loaded():
    # No silent fallback to Python: the NumPy path needs the compiled modules.
    from arraymask import _ext

    for name in _ext.__all__:
        module = getattr(_ext, name)
        assert Path(module.__file__).suffix in {".so", ".pyd"}, module.__file__


def test_import_does_not_import_frameworks(tmp_path):
    code = (
        "import sys, arraymask; "
        "bad = [m for m in ('torch', 'tensorflow', 'jax', 'cupy', 'dask', 'scipy', 'sparse') "
        "if m in sys.modules]; "
        "assert not bad, bad"
    )
    # cwd outside the checkout: the installed package, not the source folder
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_namespace_of_sequences_defaults_to_numpy():
    assert _backend.namespace([1, 2, 3]).__name__ == "array_api_compat.numpy"


def test_namespace_rejects_mixed_and_mismatched():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="different namespaces"):
        _backend.namespace(np.zeros(2), torch.zeros(2))
    with pytest.raises(TypeError, match="does not match"):
        _backend.namespace(np.zeros(2), xp=torch)


def test_namespace_of_module_accepts_modules_and_namespaces():
    ns = _backend.namespace_of_module(np)
    assert _backend.namespace_of_module(ns) is ns
    assert _backend.namespace_of_module("numpy") is ns
    with pytest.raises(TypeError, match="xp must be"):
        _backend.namespace_of_module(42)


def test_host_view_is_zero_copy_for_torch_cpu():
    torch = pytest.importorskip("torch")
    t = torch.arange(6, dtype=torch.float32)
    view = _backend.host_view(t)
    assert view is not None and view.ctypes.data == t.data_ptr()
    back = _backend.from_host(view, t)
    assert back.data_ptr() == t.data_ptr()
    assert _backend.host_view(t.to(torch.bfloat16)) is None


def test_host_view_none_off_host(backend):
    x = backend.asarray(np.arange(4))
    view = _backend.host_view(x)
    if backend.name in {"numpy", "numpy_readonly", "torch"}:
        assert view is not None
        assert_equal(_backend.from_host(view, x), x)
    else:
        assert view is None


def test_capabilities(backend):
    caps = _backend.capabilities(backend.xp)
    expected = backend.name.split("_readonly")[0]
    for suffix in ("_static", "_cuda", "_device1"):
        expected = expected.replace(suffix, "")
    assert caps.name == expected
    if backend.name == "array_api_strict_static":
        assert not caps.data_dependent_shapes
    if backend.name in {"jax", "dask"}:
        assert not caps.inplace


def test_readonly_backend_refuses_writes():
    x = make_backend("numpy_readonly").asarray(np.arange(3))
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1


def test_cli_backends_reports_extension(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "arraymask", "backends"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout
    assert "compiled extension: loaded" in out
    assert "numpy" in out and np.__version__ in out


def test_version():
    assert arraymask.__version__.count(".") == 2
