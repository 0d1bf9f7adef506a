"""Backends for the test suite and a strict equality check.

A :class:`Backend` knows how to make input arrays for one namespace/device
(``backend.asarray(numpy_array)``) and how to bring results back to NumPy
(``backend.to_numpy``). ``ARRAYMASK_TEST_BACKENDS=numpy,torch`` narrows the
set the ``backend`` / ``xp`` fixtures run over.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import array_api_compat as compat
import numpy as np
import pytest

ALL_BACKENDS = [
    "numpy",
    "numpy_readonly",
    "array_api_strict",
    "array_api_strict_device1",
    "array_api_strict_static",
    "torch",
    "jax",
    "dask",
    "cupy",
    "torch_cuda",
]


@dataclass
class Backend:
    """One namespace/device pair the suite runs on."""

    name: str
    module: Any  # the plain module (numpy, torch, jax.numpy, ...)
    device: Any = None
    readonly: bool = False
    flags: dict[str, bool] = field(default_factory=dict)

    @property
    def xp(self) -> Any:
        """The array-API namespace (array-api-compat wrapper where there is one)."""
        return compat.array_namespace(self.asarray(np.zeros(1)))

    @property
    def has_float16(self) -> bool:
        """The backend holds float16 arrays (array-api-strict has no float16)."""
        return not self.name.startswith("array_api_strict")

    @property
    def data_dependent_shapes(self) -> bool:
        return self.name not in {"array_api_strict_static", "jax"}

    def asarray(self, obj: Any, dtype: Any = None) -> Any:
        """An input array of this backend with the values of ``obj`` (NumPy-like)."""
        host = np.asarray(obj, dtype=dtype)
        if self.name.startswith("numpy"):
            out = host.copy()
            out.flags.writeable = not self.readonly
            return out
        if self.name in {"torch", "torch_cuda"}:
            return self.module.asarray(host.copy(), device=self.device)
        if self.name == "dask":
            chunks = tuple(max(1, (s + 1) // 2) for s in host.shape)  # irregular-ish chunks
            return self.module.from_array(host, chunks=chunks or ())
        if self.name == "cupy":
            return self.module.asarray(host)
        if self.device is not None:
            return self.module.asarray(host, device=self.device)
        return self.module.asarray(host)

    def to_numpy(self, x: Any) -> np.ndarray:
        return to_numpy(x)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Set the global flags this backend needs while a test runs."""
        if self.flags:
            import array_api_strict

            array_api_strict.set_array_api_strict_flags(**self.flags)
            try:
                yield
            finally:
                array_api_strict.reset_array_api_strict_flags()
        else:
            yield


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy copy/view of an array of any supported namespace."""
    if isinstance(x, np.ndarray):
        return x
    if compat.is_torch_array(x):
        return x.detach().cpu().resolve_conj().numpy()
    if compat.is_cupy_array(x):
        return x.get()
    if compat.is_dask_array(x):
        return np.asarray(x.compute())
    if compat.is_array_api_strict_namespace(compat.array_namespace(x)):
        return np.asarray(x._array)
    return np.asarray(x)


def _cuda_count(module: str) -> int:
    try:
        mod = importlib.import_module(module)
        if module == "torch":
            return mod.cuda.device_count() if mod.cuda.is_available() else 0
        return int(mod.cuda.runtime.getDeviceCount())
    except Exception:
        return 0


def make(rng: np.random.Generator, dtype: str, shape: tuple[int, ...], style: str) -> np.ndarray:
    """Values of ``dtype``: ``ties`` (few distinct), ``special`` (NaN, inf, -0.0, extremes),
    ``wide`` (the whole range)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind == "f":
        if style == "special":
            pool = np.array([np.nan, -np.inf, np.inf, 0.0, -0.0, 1.0, -1.0, 2.5], dtype=dt)
            return rng.choice(pool, shape)
        if style == "ties":
            return rng.integers(-2, 3, shape).astype(dt)
        return rng.standard_normal(shape).astype(dt)
    info = np.iinfo(dt)
    if style == "special":
        return rng.choice(np.array([info.min, info.max, 0, 1, info.max - 1], dtype=dt), shape)
    if style == "ties":
        return rng.integers(max(info.min, -2), 3, shape).astype(dt)
    return rng.integers(info.min, info.max, shape, dtype=dt, endpoint=True)


def make_backend(name: str) -> Backend:
    """The :class:`Backend` called ``name``; skips the test when it is missing."""
    requested = os.environ.get("ARRAYMASK_TEST_BACKENDS")
    if requested and name not in {b.strip() for b in requested.split(",")}:
        pytest.skip(f"{name} not in ARRAYMASK_TEST_BACKENDS={requested}")
    if name == "numpy":
        return Backend(name, np)
    if name == "numpy_readonly":
        return Backend(name, np, readonly=True)
    if name == "array_api_strict":
        return Backend(name, pytest.importorskip("array_api_strict"))
    if name == "array_api_strict_device1":
        mod = pytest.importorskip("array_api_strict")
        return Backend(name, mod, device=mod.Device("device1"))
    if name == "array_api_strict_static":
        mod = pytest.importorskip("array_api_strict")
        return Backend(name, mod, flags={"boolean_indexing": False, "data_dependent_shapes": False})
    if name == "torch":
        return Backend(name, pytest.importorskip("torch"), device="cpu")
    if name == "jax":
        pytest.importorskip("jax")
        return Backend(name, importlib.import_module("jax.numpy"))
    if name == "dask":
        pytest.importorskip("dask.array")
        return Backend(name, importlib.import_module("dask.array"))
    if name == "cupy":
        if _cuda_count("cupy") == 0:
            pytest.skip("cupy: no CUDA device")
        return Backend(name, importlib.import_module("cupy"))
    if name == "torch_cuda":
        if _cuda_count("torch") == 0:
            pytest.skip("torch_cuda: no CUDA device")
        return Backend(name, importlib.import_module("torch"), device="cuda")
    raise ValueError(name)


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def assert_equal(actual: Any, desired: Any, *, like: Any = None, device: Any = None) -> None:
    """Strict equality: namespace, dtype, shape, device, then values (NaN == NaN).

    ``desired`` may be a NumPy array (then ``like`` names an array whose
    namespace and device ``actual`` must have) or an array of ``actual``'s
    namespace.
    """
    ref = desired if like is None and not isinstance(desired, np.ndarray) else like
    if ref is not None:
        want_ns = compat.array_namespace(ref)
        got_ns = compat.array_namespace(actual)
        assert got_ns is want_ns, f"namespace {got_ns.__name__} != {want_ns.__name__}"
        want_device = compat.device(ref) if device is None else device
        assert compat.device(actual) == want_device, (
            f"device {compat.device(actual)} != {want_device}"
        )
    a = to_numpy(actual)
    d = to_numpy(desired) if not isinstance(desired, np.ndarray) else desired
    assert _dtype_name(actual.dtype) == _dtype_name(d.dtype), f"dtype {actual.dtype} != {d.dtype}"
    assert a.shape == d.shape, f"shape {a.shape} != {d.shape}"
    np.testing.assert_array_equal(a, d, strict=True)


def assert_unchanged(before: np.ndarray, after_array: Any) -> None:
    """The input array still holds what it held before the call."""
    np.testing.assert_array_equal(to_numpy(after_array), before, strict=True)


def raises_and_leaves_input(
    exc: type[BaseException], match: str, fn: Callable[[], Any], *inputs: Any
) -> None:
    """``fn()`` raises ``exc`` matching ``match`` and ``inputs`` keep their values."""
    before = [to_numpy(a).copy() for a in inputs]
    with pytest.raises(exc, match=match):
        fn()
    for b, a in zip(before, inputs, strict=True):
        assert_unchanged(b, a)


def assert_same_coo(actual: Any, expected: Any) -> None:
    """Two COO arrays hold the same coordinates, values (dtype included), shape and flag.

    The arrays may live in different namespaces (compared on the host).
    """
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    assert actual.is_canonical == expected.is_canonical, "is_canonical differs"
    assert _dtype_name(actual.dtype) == _dtype_name(expected.dtype), (
        f"dtype {actual.dtype} != {expected.dtype}"
    )
    np.testing.assert_array_equal(to_numpy(actual.coords), to_numpy(expected.coords), strict=True)
    np.testing.assert_array_equal(to_numpy(actual.values), to_numpy(expected.values), strict=True)


def spy_on(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """Record calls of ``module.name`` (still calling it): proves a route is taken."""
    calls: list[str] = []
    original = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls
