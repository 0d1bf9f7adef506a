"""Safe writing: --force, atomic output, interruptions, failures, size checks."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_reference import listing, needs, read_reference, sample, write_reference

from arraymask.cli import Terminated
from arraymask.io import npy as npy_module
from arraymask.io import npz as npz_module
from arraymask.io._atomic import TEMP_MARKER

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def source(tmp_path):
    needs("npz")
    path = tmp_path / "src.npz"
    write_reference("npz", str(path), sample("real"))
    return path


def test_existing_destination_needs_force(source, tmp_path, run):
    dst = tmp_path / "out.mtx"
    dst.write_text("precious")
    status, out, err = run("convert", source, dst)
    assert status == 2
    assert out == ""
    assert err.strip() == f"arraymask: error: {dst}: exists; pass --force to overwrite it"
    assert dst.read_text() == "precious"
    assert listing(tmp_path) == ["out.mtx", "src.npz"]

    status, _, err = run("convert", source, dst, "--force")
    assert status == 0, err
    np.testing.assert_array_equal(read_reference("mtx", str(dst)).dense, sample("real").dense())
    assert listing(tmp_path) == ["out.mtx", "src.npz"]


def test_output_has_ordinary_permissions(source, tmp_path, run):
    umask = os.umask(0o022)
    try:
        assert run("convert", source, tmp_path / "out.npz")[0] == 0
    finally:
        os.umask(umask)
    assert (tmp_path / "out.npz").stat().st_mode & 0o777 == 0o644


def test_converting_a_file_onto_itself(source, tmp_path, run):
    status, _, err = run("convert", source, source, "--force")
    assert status == 0, err
    got = read_reference("npz", str(source))
    np.testing.assert_array_equal(got.dense, sample("real").dense())
    assert got.values.size == sample("real").canonical()[1].size


def _failing_writer(exc: BaseException):
    def write(coo, handle, **_):
        handle.write(b"partial data " * 1000)
        handle.flush()
        raise exc

    return write


@pytest.mark.parametrize(
    ("exc", "status", "words"),
    [
        (KeyboardInterrupt(), 130, "interrupted; no output was written"),
        (Terminated(), 143, "terminated; no output was written"),
        (OSError(errno.ENOSPC, "No space left on device"), 1, "No space left on device"),
    ],
)
@pytest.mark.parametrize("existing", [False, True])
def test_failed_write_leaves_nothing(
    exc, status, words, existing, source, tmp_path, run, monkeypatch
):
    monkeypatch.setattr(npz_module, "write", _failing_writer(exc))
    dst = tmp_path / "out.npz"
    if existing:
        dst.write_bytes(b"precious")
    got, out, err = run("convert", source, dst, "--force")
    assert got == status
    assert out == ""
    assert words in err
    if status == 1:
        assert str(dst) in err
    assert len(err.strip().splitlines()) == 1
    expected = ["out.npz", "src.npz"] if existing else ["src.npz"]
    assert listing(tmp_path) == expected  # no temporary file left
    if existing:
        assert dst.read_bytes() == b"precious"


def test_interrupt_while_reading_leaves_nothing(source, tmp_path, run, monkeypatch):
    def interrupted(path, **_):
        raise KeyboardInterrupt

    monkeypatch.setattr(npz_module, "read", interrupted)
    status, _, err = run("convert", source, tmp_path / "out.mtx")
    assert status == 130
    assert "interrupted" in err
    assert listing(tmp_path) == ["src.npz"]


def test_destination_created_meanwhile_is_not_replaced(source, tmp_path, run, monkeypatch):
    dst = tmp_path / "out.npz"
    real_write = npz_module.write

    def racing(coo, handle, **kwargs):
        dst.write_bytes(b"someone else's")
        real_write(coo, handle, **kwargs)

    monkeypatch.setattr(npz_module, "write", racing)
    status, _, err = run("convert", source, dst)
    assert status == 2
    assert "exists" in err
    assert dst.read_bytes() == b"someone else's"
    assert listing(tmp_path) == ["out.npz", "src.npz"]


@pytest.mark.parametrize(
    ("dst", "words"),
    [("missing/out.npz", "does not exist"), ("folder.npz", "is a folder"), ("out.xyz", "--to")],
)
def test_bad_destination(dst, words, source, tmp_path, run):
    (tmp_path / "folder.npz").mkdir()
    status, _, err = run("convert", source, tmp_path / dst)
    assert status == 2
    assert words in err
    assert listing(tmp_path) == ["folder.npz", "src.npz"]
    assert listing(tmp_path / "folder.npz") == []


@pytest.mark.parametrize(("src", "words"), [("nope.npz", "no such file"), ("dir.npz", "folder")])
def test_bad_source(src, words, tmp_path, run):
    (tmp_path / "dir.npz").mkdir()
    status, _, err = run("convert", tmp_path / src, tmp_path / "out.mtx")
    assert status == 2
    assert words in err
    assert str(tmp_path / src) in err


def test_dense_output_checks_the_size_first(tmp_path, run, monkeypatch):
    needs("npz")
    import scipy.sparse as sp

    huge = tmp_path / "huge.npz"
    sp.save_npz(huge, sp.coo_array(([1.0], ([5], [7])), shape=(10**6, 10**6)))
    status, _, err = run("convert", huge, tmp_path / "huge.npy")
    assert status == 2
    assert "needs 7450.6 GiB of memory" in err and "--allow-large" in err
    assert listing(tmp_path) == ["huge.npz"]

    small = tmp_path / "small.npz"
    sp.save_npz(small, sp.coo_array(([1.0], ([5], [7])), shape=(100, 100)))
    monkeypatch.setattr(npy_module, "available_memory", lambda: 1000)
    status, _, err = run("convert", small, tmp_path / "small.npy")
    assert status == 2
    assert "78.1 KiB" in err or "MiB" in err
    status, _, err = run("convert", small, tmp_path / "small.npy", "--allow-large")
    assert status == 0, err
    assert np.load(tmp_path / "small.npy")[5, 7] == 1.0


def test_dense_output_too_large_for_numpy(tmp_path, run):
    needs("npz")
    import scipy.sparse as sp

    src = tmp_path / "a.npz"
    sp.save_npz(src, sp.coo_array(([1.0], ([0], [0])), shape=(2**40, 2**40)))
    status, _, err = run("convert", src, tmp_path / "a.npy", "--allow-large")
    assert status == 2
    assert "too large for NumPy" in err


def _env() -> dict[str, str]:
    # The inherited environment: the installed package (or a dev build on an
    # absolute PYTHONPATH); conftest keeps the checkout's cwd off sys.path.
    return dict(os.environ)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_write_leaves_nothing(sig, status, tmp_path):
    needs("npz")
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    n = 1_500_000
    src = tmp_path / "big.npz"
    sp.save_npz(
        src,
        sp.coo_array(
            (rng.standard_normal(n), (rng.integers(0, 10**5, n), rng.integers(0, 10**5, n))),
            shape=(10**5, 10**5),
        ),
        compressed=False,
    )
    dst = tmp_path / "big.mtx.gz"
    dst.write_bytes(b"precious")
    # a process started with SIGINT ignored (as a background job or a test
    # worker may be) keeps ignoring it: start the command as from a terminal
    proc = subprocess.Popen(
        [sys.executable, "-m", "arraymask", "convert", str(src), str(dst), "--force"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not any(TEMP_MARKER in name for name in os.listdir(tmp_path)):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    assert "no output was written" in err
    assert sorted(os.listdir(tmp_path)) == ["big.mtx.gz", "big.npz"]
    assert dst.read_bytes() == b"precious"
