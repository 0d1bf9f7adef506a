"""``arraymask spy``: pixels against references from the dense matrix, streaming, errors."""

from __future__ import annotations

import bz2
import gzip
import math
from pathlib import Path

import numpy as np
import pytest
from cli_reference import SUFFIX, listing, needs, sample, write_reference
from test_malformed import MTX_CASES, VALUE_CASES

from arraymask.io.png import read_png
from arraymask.io.spy import layout, spy

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "poisson2d_p1_elements.mtx"
HEADER = "%%MatrixMarket matrix coordinate real general\n"


def _image(path: Path) -> np.ndarray:
    return read_png(path.read_bytes())


def _reference(dense: np.ndarray, size: int) -> np.ndarray:
    """The expected picture, from the dense matrix of counts of drawn entries."""
    bin_, scale, height, width = layout(dense.shape, size)
    rows, cols = math.ceil(dense.shape[0] / bin_), math.ceil(dense.shape[1] / bin_)
    padded = np.zeros((rows * bin_, cols * bin_), dtype=np.int64)
    padded[: dense.shape[0], : dense.shape[1]] = dense
    counts = padded.reshape(rows, bin_, cols, bin_).sum(axis=(1, 3))
    if bin_ == 1:
        counts = np.minimum(counts, 1)
    out = np.full(counts.shape, 255.0)
    if counts.max() > 0:
        top = 1 + np.log(counts.max())
        filled = counts > 0
        out[filled] = np.round(255 * (1 - (1 + np.log(counts[filled])) / top))
    out = np.repeat(np.repeat(out, scale, axis=0), scale, axis=1)
    assert out.shape == (height, width)
    return out.astype(np.uint8)


def test_example_matches_the_dense_matrix(tmp_path, run):
    needs("mtx", "npz")
    import scipy.io

    # the assembled matrix: dark exactly where the dense matrix is not zero
    assert run("convert", EXAMPLE, tmp_path / "a.npz")[0] == 0
    status, out, err = run("spy", tmp_path / "a.npz", tmp_path / "a.png")
    assert status == 0, err
    assert "961 x 961, 6481 entries (4681 drawn), 961 x 961 pixels" in out
    dense = scipy.io.mmread(EXAMPLE).toarray()  # duplicates summed
    expected = np.where(dense != 0, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(_image(tmp_path / "a.png"), expected)

    # the file as stored (--present): every stored coordinate, explicit zeros included
    status, _, err = run("spy", EXAMPLE, tmp_path / "b.png", "--present")
    assert status == 0, err
    raw = scipy.io.mmread(EXAMPLE)
    pattern = np.zeros(raw.shape, dtype=np.int64)
    np.add.at(pattern, (raw.row, raw.col), 1)
    np.testing.assert_array_equal(
        _image(tmp_path / "b.png"), np.where(pattern > 0, 0, 255).astype(np.uint8)
    )

    # binned: 961 -> 100 pixels, bins of 10 x 10 elements, grey levels from the counts
    status, out, err = run("spy", tmp_path / "a.npz", tmp_path / "c.png", "--size", "100")
    assert status == 0, err
    assert "97 x 97 pixels, 10 x 10 elements per pixel" in out
    np.testing.assert_array_equal(_image(tmp_path / "c.png"), _reference(dense != 0, 100))


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_every_format_gives_the_same_picture(fmt, tmp_path, run):
    needs(fmt, "npz")
    m = sample("integer")
    src = tmp_path / f"m{SUFFIX[fmt]}"
    write_reference(fmt, str(src), m)
    # nonzero stored entries, counted per pixel (the npy and binsparse references sum them)
    status, _, err = run("spy", src, tmp_path / "m.png", "--size", "35")
    assert status == 0, err
    drawn = np.zeros(m.shape, dtype=np.int64)
    if fmt == "npy" or fmt.startswith("bsp"):
        drawn = (m.dense() != 0).astype(np.int64)
    else:
        np.add.at(drawn, (m.rows, m.cols), (m.values != 0).astype(np.int64))
    np.testing.assert_array_equal(_image(tmp_path / "m.png"), _reference(drawn, 35))


@pytest.mark.parametrize("fmt", ["mtx", "mtx.gz", "mtx.bz2", "npy", "bsp.h5", "npz", "pt"])
def test_small_chunks_give_the_same_picture(fmt, tmp_path):
    needs(fmt, "npz")
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    n = 3000
    rows, cols = rng.integers(0, 250, n), rng.integers(0, 400, n)
    values = rng.standard_normal(n)
    a = sp.coo_array((values, (rows, cols)), shape=(250, 400))
    sp.save_npz(tmp_path / "a.npz", a)
    from arraymask.cli import main

    src = tmp_path / f"a{SUFFIX[fmt]}"
    if fmt != "npz":
        assert main(["convert", str(tmp_path / "a.npz"), str(src), "-q"]) == 0
    whole = spy(str(src), str(tmp_path / "whole.png"), size=64)
    chunked = spy(str(src), str(tmp_path / "chunked.png"), size=64, chunk=97)
    assert whole.marked == chunked.marked
    np.testing.assert_array_equal(_image(tmp_path / "whole.png"), _image(tmp_path / "chunked.png"))
    b = a.copy()
    b.sum_duplicates()
    drawn = np.zeros(a.shape, dtype=np.int64)
    stored = a if fmt == "npz" else b  # convert combined the duplicates of the others
    np.add.at(drawn, (stored.row, stored.col), 1)
    np.testing.assert_array_equal(_image(tmp_path / "whole.png"), _reference(drawn, 64))


def test_streaming_never_reads_a_text_file_whole(tmp_path, monkeypatch):
    """Matrix Market, .npy and binsparse COO files are read a block at a time."""
    needs("mtx", "bsp.h5")
    import scipy.io

    from arraymask.io import binsparse_io, matrix_market

    write_reference("mtx", str(tmp_path / "m.mtx"), sample("real"))
    write_reference("mtx.bz2", str(tmp_path / "m.mtx.bz2"), sample("real"))
    from arraymask.cli import main

    assert main(["convert", str(tmp_path / "m.mtx"), str(tmp_path / "m.bsp.h5"), "-q"]) == 0
    np.save(tmp_path / "m.npy", sample("real").dense())

    def refuse(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(scipy.io, "mmread", refuse)
    monkeypatch.setattr(matrix_market, "read", refuse)
    monkeypatch.setattr(binsparse_io, "read", refuse)
    for name in ("m.mtx", "m.mtx.bz2", "m.bsp.h5", "m.npy"):
        done = spy(str(tmp_path / name), str(tmp_path / f"{name}.png"), chunk=2)
        assert done.streamed, name


SYMMETRIC = (
    "%%MatrixMarket matrix coordinate real symmetric\n% a comment\n4 4 4\n"
    "1 1 2.5\n\n2 1 -1\n% inside the data\n4 2 0\n4 4 1e3\n"
)


def test_symmetric_comments_blank_lines_and_precision(tmp_path, run):
    needs("mtx")
    src = tmp_path / "s.mtx"
    src.write_text(SYMMETRIC)
    for extra, drawn in {
        (): [(0, 0), (1, 0), (0, 1), (3, 3)],
        ("--present",): [(0, 0), (1, 0), (0, 1), (3, 3), (3, 1), (1, 3)],
        ("--precision", "1"): [(0, 0), (3, 3)],
    }.items():
        status, _, err = run("spy", src, tmp_path / "s.png", "--size", "4", "--force", *extra)
        assert status == 0, err
        expected = np.full((4, 4), 255, dtype=np.uint8)
        for i, j in drawn:
            expected[i, j] = 0
        np.testing.assert_array_equal(_image(tmp_path / "s.png"), expected)


def test_vectors_nan_and_complex(tmp_path, run):
    np.save(tmp_path / "v.npy", np.array([0.0, np.nan, 0.0, 2.0]))
    status, _, err = run("spy", tmp_path / "v.npy", tmp_path / "v.png", "--size", "4")
    assert status == 0, err
    np.testing.assert_array_equal(_image(tmp_path / "v.png"), [[255, 0, 255, 0]])
    np.save(tmp_path / "c.npy", np.array([[0, 1j], [0.5, 0]]))
    status, _, err = run("spy", tmp_path / "c.npy", tmp_path / "c.png", "--size", "2",
                         "--precision", "0.75")
    assert status == 0, err
    np.testing.assert_array_equal(_image(tmp_path / "c.png"), [[255, 0], [255, 255]])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("a.npy", "out.jpg"), "give the name a .png extension"),
        (("a.npy", "out.png", "--size", "0"), "--size"),
        (("a.npy", "out.png", "--precision", "-1"), "--precision"),
        (("three.npy", "out.png"), "1-D and 2-D"),
        (("empty.npy", "out.png"), "nothing to draw"),
        (("missing.npy", "out.png"), "no such file"),
        (("a.npy", "exists.png"), "pass --force"),
        (("a.npy", "out.png", "--from", "npz"), "zip"),
    ],
)
def test_spy_refusals(argv, words, tmp_path, run, monkeypatch):
    needs("npz")
    monkeypatch.chdir(tmp_path)
    np.save("a.npy", np.eye(3))
    np.save("three.npy", np.ones((2, 2, 2)))
    np.save("empty.npy", np.ones((0, 3)))
    Path("exists.png").write_bytes(b"precious")
    before = listing(tmp_path)
    status, out, err = run("spy", *argv)
    assert status == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1
    assert words in err, err
    assert listing(tmp_path) == before
    assert Path("exists.png").read_bytes() == b"precious"


@pytest.mark.parametrize("case", sorted(set(MTX_CASES) - VALUE_CASES))
@pytest.mark.parametrize("compression", ["", ".gz", ".bz2"])
def test_malformed_matrix_market_in_spy(case, compression, tmp_path, run):
    needs("mtx")
    text, line, _ = MTX_CASES[case]
    data = text.encode("latin-1")
    data = {"": lambda d: d, ".gz": gzip.compress, ".bz2": bz2.compress}[compression](data)
    src = tmp_path / f"bad.mtx{compression}"
    src.write_bytes(data)
    dst = tmp_path / "out.png"
    dst.write_bytes(b"precious")
    status, out, err = run("spy", src, dst, "--force")
    assert status == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert str(src) in err and "malformed input" in err, err
    if line is not None:
        assert f"line {line}:" in err, err
    assert dst.read_bytes() == b"precious"
    assert listing(tmp_path) == sorted([src.name, "out.png"])


def test_progress_bar_on_request(tmp_path, run):
    needs("mtx")
    status, out, err = run("spy", EXAMPLE, tmp_path / "e.png", "--progress")
    assert status == 0
    assert "reading poisson2d_p1_elements.mtx" in err or "reading" in err
    status, out, err = run("spy", EXAMPLE, tmp_path / "f.png", "--quiet")
    assert status == 0 and out == "" and err == ""
