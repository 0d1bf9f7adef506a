"""The commands themselves: options, info output, progress, optional packages, entry points."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_reference import SUFFIX, needs, read_reference, sample, write_reference

from arraymask.io import Progress
from arraymask.io import _progress as progress_module

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "poisson2d_p1_elements.mtx"
HEADER = "%%MatrixMarket matrix coordinate real general\n"
_ENTRY_POINT = "import sys; from arraymask.cli import main; sys.exit(main())"


def _env() -> dict[str, str]:
    # The inherited environment: the installed package (or a dev build on an
    # absolute PYTHONPATH); conftest keeps the checkout's cwd off sys.path.
    return dict(os.environ)


def _cli(*argv: object, module: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the command in a fresh interpreter: ``python -m arraymask`` or the entry point."""
    if module:
        head = [sys.executable, "-m", "arraymask"]
    elif shutil.which("arraymask"):  # the installed script (project.scripts)
        head = [shutil.which("arraymask")]
    else:  # what that script runs
        head = [sys.executable, "-c", _ENTRY_POINT]
    return subprocess.run(
        [*head, *map(str, argv)], env=_env(), capture_output=True, text=True, timeout=300
    )


# ------------------------------------------------------------------ info


def test_info_of_the_example(run):
    needs("mtx")
    status, out, err = run("info", EXAMPLE, "--json")
    assert status == 0, err
    facts = json.loads(out)
    assert facts["shape"] == [961, 961]
    assert facts["nnz"] == 16200
    assert facts["duplicates"] == 16200 - 6481
    assert facts["distinct"] == 6481
    assert facts["density"] == pytest.approx(6481 / 961**2)
    assert facts["dtype"] == "float64"
    assert facts["canonical"] is False
    assert facts["order"] == "unsorted"
    assert facts["file_size"] == EXAMPLE.stat().st_size
    assert facts["format"] == "mtx"
    assert facts["details"] == {
        "layout": "coordinate", "field": "real", "symmetry": "general", "stored_entries": 16200,
    }


def test_the_main_job_on_the_example(tmp_path, run):
    """README: ``arraymask convert examples/...mtx X.npz --force && arraymask info X.npz``."""
    needs("mtx")
    import scipy.io
    import scipy.sparse as sp

    dst = tmp_path / "poisson.npz"
    status, out, err = run("convert", EXAMPLE, dst, "--force")
    assert status == 0, err
    assert "16200 entries read, 6481 written (9719 duplicates combined)" in out
    status, out, err = run("info", dst)
    assert status == 0, err
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["shape"].strip() == "961 x 961"
    assert lines["nnz"].strip() == "6481"
    assert lines["duplicates"].strip() == "0"
    assert lines["canonical"].strip() == "yes"
    assert lines["dtype"].strip() == "float64"
    assert "file size" in lines and "density" in lines
    # the assembled matrix is SciPy's sum of the element matrices
    a = sp.load_npz(dst)
    b = scipy.io.mmread(EXAMPLE).tocsr()
    assert abs(a.tocsr() - b).max() == 0
    assert np.allclose(a.sum(axis=1), 0)  # a Neumann Laplacian: rows sum to zero
    assert (a.data == 0).sum() == 1800  # the explicit zeros of the diagonal edges stay


@pytest.mark.parametrize(
    ("text", "order", "duplicates"),
    [
        (HEADER + "3 3 3\n1 1 1\n2 3 2\n3 1 3\n", "canonical", 0),
        (HEADER + "3 3 3\n1 1 1\n2 3 2\n2 3 3\n", "sorted with duplicates", 1),
        (HEADER + "3 3 3\n2 3 2\n1 1 1\n2 3 3\n", "unsorted", 1),
        (HEADER + "3 3 0\n", "canonical", 0),
    ],
)
def test_info_order_and_duplicates(text, order, duplicates, tmp_path, run):
    needs("mtx")
    src = tmp_path / "m.mtx"
    src.write_text(text)
    status, out, _ = run("info", src, "--json")
    facts = json.loads(out)
    assert status == 0
    assert facts["order"] == order
    assert facts["canonical"] is (order == "canonical")
    assert facts["duplicates"] == duplicates


def test_info_of_every_format(tmp_path, run):
    m = sample("real")
    for fmt, suffix in SUFFIX.items():
        needs(fmt)
        path = tmp_path / f"m{suffix}"
        write_reference(fmt, str(path), m)
        status, out, err = run("info", path, "--json")
        assert status == 0, err
        facts = json.loads(out)
        assert facts["shape"] == [7, 5]
        if fmt == "npy":
            assert facts["nnz"] == np.count_nonzero(m.dense())
            assert facts["canonical"] is True
        elif fmt.startswith("bsp"):  # the reference writer sums duplicates (CSR)
            assert facts["nnz"] == 6
            assert facts["duplicates"] == 0
            assert facts["canonical"] is True
        else:
            assert facts["nnz"] == 9
            assert facts["duplicates"] == 3
            assert facts["canonical"] is False


# ----------------------------------------------------------- options


def _dup_file(tmp_path: Path) -> Path:
    src = tmp_path / "dup.mtx"
    src.write_text(HEADER + "2 2 4\n2 1 5\n1 2 3\n2 1 -1\n2 1 4\n")
    return src


@pytest.mark.parametrize(
    ("policy", "value"),
    [("sum", 8.0), ("min", -1.0), ("max", 5.0), ("first", 5.0), ("last", 4.0)],
)
def test_duplicate_policies(policy, value, tmp_path, run):
    needs("mtx")
    src = _dup_file(tmp_path)
    status, _, err = run("convert", src, tmp_path / "out.npz", "--duplicates", policy)
    assert status == 0, err
    got = read_reference("npz", str(tmp_path / "out.npz"))
    assert got.coords.tolist() == [[0, 1], [1, 0]]
    assert got.values.tolist() == [3.0, value]


def test_duplicates_keep_sorts_stably(tmp_path, run):
    needs("mtx", "pt")
    import torch

    src = _dup_file(tmp_path)
    assert run("convert", src, tmp_path / "out.npz", "--duplicates", "keep")[0] == 0
    got = read_reference("npz", str(tmp_path / "out.npz"))
    assert got.coords.tolist() == [[0, 1, 1, 1], [1, 0, 0, 0]]
    assert got.values.tolist() == [3.0, 5.0, -1.0, 4.0]
    assert run("convert", src, tmp_path / "out.pt", "--duplicates", "keep")[0] == 0
    t = torch.load(tmp_path / "out.pt", weights_only=True)
    assert not t.is_coalesced()
    assert t._values().tolist() == [3.0, 5.0, -1.0, 4.0]


def test_min_of_complex_values_is_refused(tmp_path, run):
    needs("mtx")
    src = tmp_path / "c.mtx"
    src.write_text("%%MatrixMarket matrix coordinate complex general\n2 2 2\n1 1 1 1\n1 1 2 0\n")
    status, _, err = run("convert", src, tmp_path / "out.npz", "--duplicates", "min")
    assert status == 2
    assert "complex" in err
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize(
    ("values", "dtype", "ok"),
    [
        ([1.5, -2.0], "float32", True),
        ([1.0, -2.0], "int8", True),
        ([1.5, -2.0], "int64", False),
        ([1.0, 300.0], "int8", False),
        ([1.0, -2.0], "uint8", False),
        ([1.0, 0.0], "bool", True),
        ([1.0, 2.0], "bool", False),
        ([1e300, 1.0], "float32", False),
        ([1.0, 2.0], "complex64", True),
        ([np.nan, 1.0], "int32", False),
        ([np.nan, np.inf], "float16", True),
    ],
)
def test_dtype_option(values, dtype, ok, tmp_path, run):
    needs("npz")
    src = tmp_path / "a.npy"
    np.save(src, np.array([values]))
    dst = tmp_path / "out.npz"
    status, _, err = run("convert", src, tmp_path / "out.pt" if dtype == "float16" else dst,
                         "--dtype", dtype)
    if ok:
        assert status == 0, err
        if dtype != "float16":
            got = read_reference("npz", str(dst))
            assert got.values.dtype == np.dtype(dtype)
            expected = np.array([values]) != 0 if dtype == "bool" else np.array([values], dtype)
            np.testing.assert_array_equal(got.dense, expected)
    else:
        assert status == 2
        assert f"--dtype {dtype} would change the value" in err
        assert not dst.exists()


def test_dtype_option_complex_to_real(tmp_path, run):
    needs("npz")
    src = tmp_path / "c.npy"
    np.save(src, np.array([[1 + 0j, 0, 2.5]]))
    assert run("convert", src, tmp_path / "r.npz", "--dtype", "float64")[0] == 0
    assert read_reference("npz", str(tmp_path / "r.npz")).values.tolist() == [1.0, 2.5]
    np.save(src, np.array([[1 + 1j]]))
    status, _, err = run("convert", src, tmp_path / "r2.npz", "--dtype", "float64")
    assert status == 2 and "(1+1j)" in err


@pytest.mark.parametrize("name", ["float128", "object", "str", "bogus"])
def test_unsupported_dtype_names(name, tmp_path, run):
    src = tmp_path / "a.npy"
    np.save(src, np.eye(2))
    status, _, err = run("convert", src, tmp_path / "b.pt", "--dtype", name)
    assert status == 2
    assert "--dtype" in err and "not supported" in err


def test_formats_that_cannot_hold_the_data(tmp_path, run):
    needs("mtx", "npz")
    src = tmp_path / "v.npy"
    np.save(src, np.array([0.0, 1.5]))
    status, _, err = run("convert", src, tmp_path / "v.mtx")
    assert status == 2 and "2-D" in err
    h = tmp_path / "h.npy"
    np.save(h, np.eye(2, dtype=np.float16))
    status, _, err = run("convert", h, tmp_path / "h.npz")
    assert status == 2 and "--dtype float32" in err
    assert run("convert", h, tmp_path / "h.npz", "--dtype", "float32")[0] == 0
    assert sorted(os.listdir(tmp_path)) == ["h.npy", "h.npz", "v.npy"]


def test_n_dimensional_pt_to_npz(tmp_path, run):
    needs("pt", "npz")
    import scipy.sparse as sp
    import torch

    t = torch.zeros(2, 3, 4)
    t[1, 2, 3] = 5.0
    t[0, 1, 0] = -1.0
    torch.save(t.to_sparse(), tmp_path / "t.pt")
    assert run("convert", tmp_path / "t.pt", tmp_path / "t.npz")[0] == 0
    a = sp.load_npz(tmp_path / "t.npz")
    np.testing.assert_array_equal(a.toarray(), t.numpy())


def test_unknown_extension_asks_for_the_format(tmp_path, run):
    src = tmp_path / "data.bin"
    src.write_bytes(b"")
    status, _, err = run("convert", src, tmp_path / "out.npz")
    assert status == 2
    assert "--from" in err and "mtx, mtx.gz, mtx.bz2, npz, npy, pt, bsp.h5, bsp.npz" in err


def test_usage_errors_exit_2(run):
    assert run("convert", "only-one-argument")[0] == 2
    assert run("convert", "a.mtx", "b.npz", "--duplicates", "average")[0] == 2
    assert run("info")[0] == 2
    assert run("convert", "a.mtx", "b.npz", "--progress", "--quiet")[0] == 2


def test_help_and_version(run):
    status, out, _ = run("convert", "--help")
    assert status == 0
    for option in ("--from", "--to", "--duplicates", "--dtype", "--force", "--allow-large",
                   "--progress", "--quiet"):
        assert option in out
    status, out, _ = run("info", "--help")
    assert status == 0 and "--json" in out
    status, out, _ = run("--version")
    assert status == 0 and out.startswith("arraymask ")


# ----------------------------------------------------------- progress


def test_quiet_prints_nothing(tmp_path, run):
    needs("mtx")
    status, out, err = run("convert", EXAMPLE, tmp_path / "a.npz", "--quiet")
    assert (status, out, err) == (0, "", "")


def test_progress_bar_on_request(tmp_path, run):
    needs("mtx", "pt")
    pytest.importorskip("tqdm")
    status, out, err = run("convert", EXAMPLE, tmp_path / "a.mtx.gz", "--progress")
    assert status == 0
    assert "reading poisson2d_p1_elements.mtx" in err
    assert "writing a.mtx.gz" in err
    assert "->" in out
    for dst in ("a.npz", "a.npy", "a.pt"):
        assert run("convert", tmp_path / "a.mtx.gz", tmp_path / dst, "--progress")[0] == 0
        assert run("info", tmp_path / dst, "--progress")[0] == 0
    np.testing.assert_array_equal(
        read_reference("npz", str(tmp_path / "a.npz")).dense, np.load(tmp_path / "a.npy")
    )


def test_no_bar_by_default_off_a_terminal(tmp_path, run):
    needs("mtx")
    status, _, err = run("convert", EXAMPLE, tmp_path / "a.npz")
    assert status == 0 and err == ""


def test_progress_without_tqdm_degrades(tmp_path, run, monkeypatch):
    needs("mtx")
    monkeypatch.setitem(sys.modules, "tqdm", None)
    status, out, err = run("convert", EXAMPLE, tmp_path / "a.npz", "--progress")
    assert status == 0
    assert "install tqdm" in err
    assert "reading poisson2d_p1_elements.mtx..." in err
    assert "->" in out


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_automatic_bar_only_on_a_terminal_for_large_inputs():
    assert Progress("auto", _Tty()).wanted(progress_module.MIN_BYTES)
    assert not Progress("auto", _Tty()).wanted(progress_module.MIN_BYTES - 1)
    assert not Progress("auto", io.StringIO()).wanted(10**12)
    assert Progress("always", io.StringIO()).wanted(0)
    assert not Progress("never", _Tty()).wanted(10**12)
    with pytest.raises(ValueError, match="mode"):
        Progress("sometimes")


def test_bar_goes_to_stderr_stream():
    pytest.importorskip("tqdm")
    stream = _Tty()
    p = Progress("always", stream)
    p.wanted(0)
    with p.bar("reading x", 100) as update:
        update(100)
    assert "reading x" in stream.getvalue()


# ------------------------------------------------- optional packages


def test_missing_scipy_says_what_to_install(tmp_path, run, monkeypatch):
    src = tmp_path / "a.npy"
    np.save(src, np.eye(2))
    for name in ("scipy", "scipy.io", "scipy.sparse"):
        monkeypatch.setitem(sys.modules, name, None)
    for dst in ("a.mtx", "a.npz"):
        status, _, err = run("convert", src, tmp_path / dst)
        assert status == 1
        assert "needs scipy: pip install 'arraymask[cli]'" in err
    assert sorted(os.listdir(tmp_path)) == ["a.npy"]


def test_missing_torch_says_what_to_install(tmp_path, run, monkeypatch):
    src = tmp_path / "a.npy"
    np.save(src, np.eye(2))
    monkeypatch.setitem(sys.modules, "torch", None)
    status, _, err = run("convert", src, tmp_path / "a.pt")
    assert status == 1
    assert "needs torch: pip install 'arraymask[torch]'" in err


def test_imports_stay_lazy():
    code = (
        "import sys, arraymask.cli, arraymask.io; "
        "bad = [m for m in ('scipy', 'torch', 'tqdm', 'h5py', 'binsparse', 'matplotlib') "
        "if m in sys.modules]; "
        "assert not bad, bad; "
        "from arraymask.cli import main; "
        f"assert main(['convert', {str(EXAMPLE)!r}, sys.argv[1], '--force', '-q']) == 0; "
        "assert 'torch' not in sys.modules; "
        "assert 'tqdm' not in sys.modules"
    )
    needs("mtx")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "x.npz")
        subprocess.run([sys.executable, "-c", code, out], env=_env(), check=True, timeout=300)


# ------------------------------------------------------ entry points


def test_python_m_equals_the_entry_point(tmp_path):
    needs("mtx")
    a = _cli("info", EXAMPLE, "--json", module=True)
    b = _cli("info", EXAMPLE, "--json", module=False)
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    assert a.stdout == b.stdout and a.stderr == b.stderr == ""
    bad = tmp_path / "bad.mtx"
    bad.write_text(HEADER + "2 2 1\n3 1 1\n")
    a = _cli("convert", bad, tmp_path / "x.npz", module=True)
    b = _cli("convert", bad, tmp_path / "x.npz", module=False)
    assert a.returncode == b.returncode == 2
    assert a.stderr == b.stderr
    assert "line 3" in a.stderr
    c = _cli("convert", EXAMPLE, tmp_path / "x.npz", module=True)
    d = _cli("convert", EXAMPLE, tmp_path / "y.npz", module=False)
    assert c.returncode == d.returncode == 0
    assert (tmp_path / "x.npz").read_bytes() == (tmp_path / "y.npz").read_bytes()


def test_closed_stdout_is_quiet():
    needs("mtx")
    proc = subprocess.Popen(
        [sys.executable, "-m", "arraymask", "info", str(EXAMPLE), "--json"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like ``| head -0``
    _, err = proc.communicate(timeout=300)
    assert err == b""
    assert proc.returncode in (0, 141)


def test_example_file_is_what_its_generator_writes(tmp_path):
    needs("mtx")
    out = tmp_path / "example.mtx"
    subprocess.run(
        [sys.executable, str(REPO / "examples" / "make_example.py"), "-o", str(out)],
        env=_env(), check=True, capture_output=True, timeout=300,
    )
    assert out.read_bytes() == EXAMPLE.read_bytes()
    assert EXAMPLE.stat().st_size < 300_000
