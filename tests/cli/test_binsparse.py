"""binsparse files: every format the reference package writes, exact round trips, bad files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from cli_reference import listing, read_reference, sample

bsp = pytest.importorskip("binsparse")
h5py = pytest.importorskip("h5py")
sp = pytest.importorskip("scipy.sparse")

from arraymask.io import describe  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "poisson2d_p1_elements.mtx"

#: (rows, cols, values, shape): unsorted, no duplicates, an explicit zero.
ROWS = np.array([3, 0, 2, 0, 4])
COLS = np.array([1, 4, 0, 2, 3])
VALUES = np.array([1.5, -2.0, 0.0, 7.25, 1e300])
SHAPE = (5, 6)


def _dense() -> np.ndarray:
    out = np.zeros(SHAPE)
    out[ROWS, COLS] = VALUES
    return out


def _scipy():
    return sp.coo_array((VALUES, (ROWS, COLS)), shape=SHAPE)


def _tensors():
    from binsparse.conversions import from_numpy, from_scipy

    csr = sp.csr_array(_scipy())
    csc = sp.csc_array(_scipy())
    coo = _scipy().copy()
    coo.sum_duplicates()
    nonempty = np.flatnonzero(np.diff(csr.indptr))
    dcsr = bsp.DCSRMatrix(
        SHAPE, csr.nnz, indices_0=nonempty,
        pointers_to_1=np.r_[0, np.cumsum(np.diff(csr.indptr)[nonempty])],
        indices_1=csr.indices, values=csr.data,
    )
    nonempty_c = np.flatnonzero(np.diff(csc.indptr))
    dcsc = bsp.DCSCMatrix(
        SHAPE, csc.nnz, indices_0=nonempty_c,
        pointers_to_1=np.r_[0, np.cumsum(np.diff(csc.indptr)[nonempty_c])],
        indices_1=csc.indices, values=csc.data,
    )
    cooc_order = np.lexsort((coo.row, coo.col))
    return {
        "COOR": from_scipy(coo),
        "COOC": bsp.COOCMatrix(SHAPE, coo.nnz, indices_0=coo.col[cooc_order],
                               indices_1=coo.row[cooc_order], values=coo.data[cooc_order]),
        "CSR": from_scipy(csr),
        "CSC": from_scipy(csc),
        "DCSR": dcsr,
        "DCSC": dcsc,
        "DMATR": from_numpy(_dense()),
        "DMATC": bsp.DMATCMatrix(SHAPE, _dense().size, values=_dense().ravel(order="F")),
    }


@pytest.mark.parametrize("suffix", [".bsp.h5", ".bsp.npz"])
@pytest.mark.parametrize("fmt", ["COOR", "COOC", "CSR", "CSC", "DCSR", "DCSC", "DMATR", "DMATC"])
@pytest.mark.parametrize("alias", [True, False])
def test_every_matrix_format_of_the_package(fmt, suffix, alias, tmp_path, run):
    src = tmp_path / f"m{suffix}"
    bsp.save_binsparse(_tensors()[fmt], src, alias=alias)  # alias=False: a custom descriptor
    status, _, err = run("convert", src, tmp_path / "out.npz")
    assert status == 0, err
    got = read_reference("npz", str(tmp_path / "out.npz"))
    np.testing.assert_array_equal(got.dense, _dense())
    if fmt.startswith("DMAT"):
        assert got.values.size == np.count_nonzero(_dense())  # dense: nonzero elements
    else:
        assert got.values.size == len(VALUES)  # stored entries: the explicit zero kept
    row_major = fmt in {"COOR", "CSR", "DCSR"} or fmt.startswith("DMAT")  # dense: from_dense
    assert describe(str(src))["canonical"] == row_major


def test_vectors_and_n_dimensional_tensors(tmp_path, run):
    torch = pytest.importorskip("torch")
    cvec = bsp.CVECVector((7,), 3, indices_0=np.array([1, 4, 6]), values=np.array([1, 2, 3]))
    bsp.save_binsparse(cvec, tmp_path / "v.bsp.h5")
    dvec = bsp.DVECVector((4,), 4, values=np.array([0.0, 1.0, 0.0, 2.0]))
    bsp.save_binsparse(dvec, tmp_path / "d.bsp.npz")
    for name, dense in {"v.bsp.h5": [0, 1, 0, 0, 2, 0, 3], "d.bsp.npz": [0, 1.0, 0, 2]}.items():
        assert run("convert", tmp_path / name, tmp_path / f"{name}.npy")[0] == 0
        np.testing.assert_array_equal(np.load(tmp_path / f"{name}.npy"), dense)

    # a 3-D COO written by arraymask is a custom format with one sparse level of rank 3
    t = torch.zeros(3, 4, 5)
    t[0, 1, 2], t[2, 3, 4], t[1, 0, 0] = 1.0, 2.0, -3.0
    torch.save(t.to_sparse(), tmp_path / "t.pt")
    assert run("convert", tmp_path / "t.pt", tmp_path / "t.bsp.h5")[0] == 0
    loaded = bsp.load_binsparse(tmp_path / "t.bsp.h5", alias=False)
    assert isinstance(loaded, bsp.CustomTensor) and loaded.level.rank == 3
    assert run("convert", tmp_path / "t.bsp.h5", tmp_path / "back.pt")[0] == 0
    back = torch.load(tmp_path / "back.pt", weights_only=True)
    assert torch.equal(back.to_dense(), t)


def test_iso_and_complex_values(tmp_path, run):
    iso = bsp.COORMatrix(
        (3, 3), 3, indices_0=np.array([0, 1, 2]), indices_1=np.array([2, 1, 0]),
        values=np.broadcast_to(np.array([4.5]), (3,)),
    )
    bsp.save_binsparse(iso, tmp_path / "iso.bsp.h5")
    with h5py.File(tmp_path / "iso.bsp.h5") as f:
        assert "iso[" in f.attrs["binsparse"]
    assert run("convert", tmp_path / "iso.bsp.h5", tmp_path / "iso.npy")[0] == 0
    np.testing.assert_array_equal(np.load(tmp_path / "iso.npy"), 4.5 * np.fliplr(np.eye(3)))

    m = sample("complex")
    a = sp.coo_array((m.values, (m.rows, m.cols)), shape=m.shape)
    sp.save_npz(tmp_path / "c.npz", a)
    assert run("convert", tmp_path / "c.npz", tmp_path / "c.bsp.h5")[0] == 0
    got = read_reference("bsp.h5", str(tmp_path / "c.bsp.h5"))
    assert got.values.dtype == np.complex128
    np.testing.assert_array_equal(got.dense, m.dense())


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("suffix", [".bsp.h5", ".bsp.npz"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_value_dtype_round_trips(dtype, suffix, tmp_path, run):
    values = np.array([1, 0, 3, 2, 5]).astype(dtype)
    a = sp.coo_array((values, (ROWS, COLS)), shape=SHAPE)
    sp.save_npz(tmp_path / "a.npz", a)
    mid = tmp_path / f"b{suffix}"
    assert run("convert", tmp_path / "a.npz", mid)[0] == 0
    t = bsp.load_binsparse(mid)
    assert t.values.dtype == np.dtype(dtype) and t.format == "COOR"
    assert run("convert", mid, tmp_path / "c.npz")[0] == 0
    back = sp.load_npz(tmp_path / "c.npz")
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back.toarray(), a.toarray())


def test_float16_and_duplicates_keep_are_refused(tmp_path, run):
    np.save(tmp_path / "h.npy", np.eye(2, dtype=np.float16))
    status, _, err = run("convert", tmp_path / "h.npy", tmp_path / "h.bsp.h5")
    assert status == 2 and "float16" in err and "--dtype float32" in err
    assert run("convert", tmp_path / "h.npy", tmp_path / "h.bsp.h5", "--dtype", "float32")[0] == 0

    (tmp_path / "d.mtx").write_text(
        "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 1 2\n"
    )
    status, _, err = run("convert", tmp_path / "d.mtx", tmp_path / "d.bsp.h5",
                         "--duplicates", "keep")
    assert status == 2 and "distinct coordinates" in err
    assert "d.bsp.h5" not in listing(tmp_path)


def _canonical(path: Path):
    a = sp.coo_array(__import__("scipy.io").io.mmread(path))
    a.sum_duplicates()
    return a


def _assert_exact(path: Path, fmt: str, expected) -> None:
    got = read_reference(fmt, str(path))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.coords, np.stack([expected.row, expected.col]))
    assert got.values.dtype == expected.data.dtype
    np.testing.assert_array_equal(got.values.view(np.uint8), expected.data.view(np.uint8))


def test_example_round_trip_mtx_bsp_npz_pt_exact(tmp_path, run):
    pytest.importorskip("torch")
    expected = _canonical(EXAMPLE)
    chain = ["a.bsp.h5", "b.npz", "c.pt", "d.bsp.hdf5", "e.bsp.npz", "f.mtx", "g.bsp.h5"]
    fmts = ["bsp.h5", "npz", "pt", "bsp.h5", "bsp.npz", "mtx", "bsp.h5"]
    src = EXAMPLE
    for name, fmt in zip(chain, fmts, strict=True):
        status, _, err = run("convert", src, tmp_path / name)
        assert status == 0, err
        _assert_exact(tmp_path / name, fmt, expected)
        src = tmp_path / name


def test_files_match_the_package_both_ways(tmp_path, run):
    """Ours reads back unchanged in the package; the package's file converts to the same arrays."""
    expected = _canonical(EXAMPLE)
    assert run("convert", EXAMPLE, tmp_path / "ours.bsp.h5")[0] == 0
    ours = bsp.load_binsparse(tmp_path / "ours.bsp.h5")
    assert isinstance(ours, bsp.COORMatrix) and ours.number_of_stored_values == expected.nnz
    assert ours.indices_0.dtype == np.int32  # SciPy's own index choice
    from binsparse.conversions import from_scipy, to_scipy

    theirs = from_scipy(expected)
    bsp.save_binsparse(theirs, tmp_path / "theirs.bsp.h5")
    for name in ("indices_0", "indices_1", "values"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name))
    assert (to_scipy(ours) != expected).nnz == 0
    # and the package's file through arraymask gives the same file contents
    assert run("convert", tmp_path / "theirs.bsp.h5", tmp_path / "again.bsp.h5")[0] == 0
    again = bsp.load_binsparse(tmp_path / "again.bsp.h5")
    for name in ("indices_0", "indices_1", "values"):
        np.testing.assert_array_equal(getattr(again, name), getattr(theirs, name))
    with h5py.File(tmp_path / "ours.bsp.h5") as f:
        descriptor = json.loads(f.attrs["binsparse"])["binsparse"]
    assert descriptor["format"] == "COOR" and descriptor["shape"] == [961, 961]


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def matrices(draw):
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    n = draw(st.integers(0, 30))
    r = draw(st.lists(st.integers(0, rows - 1), min_size=n, max_size=n))
    c = draw(st.lists(st.integers(0, cols - 1), min_size=n, max_size=n))
    dtype = draw(st.sampled_from(["float64", "int64", "float32", "complex128", "bool"]))
    # integers: duplicates sum exactly whatever the order of the additions
    v = np.array(draw(st.lists(st.integers(-1000, 1000), min_size=n, max_size=n)), dtype=float)
    v = v / 8  # and fractions with a short binary expansion
    values = (v + 1j * v[::-1]) if dtype == "complex128" else v.astype(dtype)
    return sp.coo_array((values, (r, c)), shape=(rows, cols))


@settings(max_examples=20, deadline=None)
@given(a=matrices())
def test_generated_round_trips_exact(a, tmp_path_factory):
    pytest.importorskip("torch")
    from arraymask.cli import main

    folder = tmp_path_factory.mktemp("bsp")
    sp.save_npz(folder / "src.npz", a)
    expected = a.copy()
    expected.sum_duplicates()
    src = folder / "src.npz"
    for name, fmt in [("a.bsp.h5", "bsp.h5"), ("b.pt", "pt"), ("c.bsp.npz", "bsp.npz"),
                      ("d.mtx", "mtx"), ("e.bsp.h5", "bsp.h5"), ("f.npz", "npz")]:
        assert main(["convert", str(src), str(folder / name), "-q"]) == 0
        got = read_reference(fmt, str(folder / name))
        np.testing.assert_array_equal(got.coords, np.stack([expected.row, expected.col]))
        want = expected.data
        if fmt == "mtx" and want.dtype == np.float32:
            # the shortest decimal of each float32, read back as float64
            np.testing.assert_array_equal(got.values.astype(np.float32), want)
            want = got.values
        elif fmt == "mtx" and want.dtype == np.bool_ and want.all():
            # a pattern file: SciPy reads ones as float64, arraymask reads True again
            np.testing.assert_array_equal(got.values, np.ones(len(want)))
            src = folder / name
            continue
        elif fmt == "mtx" and want.dtype == np.bool_:
            want = want.astype(np.int64)  # bool with False values is written as integer
        assert got.values.dtype == want.dtype, (fmt, got.values.dtype, want.dtype)
        np.testing.assert_array_equal(got.values, want)
        expected.data = want  # what the next file in the chain holds
        src = folder / name


# ---------------------------------------------------------------- malformed files


def _h5(path: Path, header: dict | None, arrays: dict[str, np.ndarray], raw: str | None = None):
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value)
        if raw is not None:
            f.attrs["binsparse"] = raw
        elif header is not None:
            f.attrs["binsparse"] = json.dumps({"binsparse": header})


def _coo_header(**changes):
    header = {
        "version": "0.1.0", "format": "COOR", "shape": [3, 3], "number_of_stored_values": 2,
        "data_types": {"indices_0": "int64", "indices_1": "int64", "values": "float64"},
    }
    header.update(changes)
    return header


GOOD = {"indices_0": np.array([0, 2]), "indices_1": np.array([1, 2]), "values": np.array([1.0, 2])}

H5_CASES = {
    "no-descriptor": (None, GOOD, None, "binsparse"),
    "bad-json": (None, GOOD, "{not json", ""),
    "not-an-object": (None, GOOD, "[1, 2]", "JSON object"),
    "wrong-version": (_coo_header(version="9.0.0"), GOOD, None, "version"),
    "unknown-format": (_coo_header(format="BLOCKY"), GOOD, None, "BLOCKY"),
    "missing-values": (_coo_header(), {k: v for k, v in GOOD.items() if k != "values"}, None,
                       "values"),
    "count-mismatch": (_coo_header(number_of_stored_values=3), GOOD, None, "values"),
    "float-indices": (
        _coo_header(data_types={"indices_0": "float64", "indices_1": "int64",
                                "values": "float64"}),
        {**GOOD, "indices_0": np.array([0.0, 2.0])}, None, "not integers"),
    "index-out-of-range": (_coo_header(), {**GOOD, "indices_1": np.array([1, 3])}, None,
                           "out of range"),
    "negative-index": (_coo_header(), {**GOOD, "indices_0": np.array([-1, 2])}, None,
                       "out of range"),
    "indices-length-mismatch": (_coo_header(), {**GOOD, "indices_1": np.array([1, 2, 0])}, None,
                                "entries"),
    "two-dimensional-indices": (_coo_header(), {**GOOD, "indices_0": np.array([[0], [2]])},
                                None, "dimensions"),
    "huge-unsigned-index": (
        _coo_header(data_types={"indices_0": "uint64", "indices_1": "int64",
                                "values": "float64"}),
        {**GOOD, "indices_0": np.array([0, 2**63 + 5], dtype=np.uint64)}, None, "int64 range"),
    "negative-shape": (_coo_header(shape=[-3, 3]), GOOD, None, "negative"),
    "string-shape": (_coo_header(shape=["3", 3]), GOOD, None, ""),
    "nonzero-fill": (
        {**_coo_header(fill=True),
         "data_types": {**_coo_header()["data_types"], "fill_value": "float64"}},
        {**GOOD, "fill_value": np.array([1.5])}, None, "fill value"),
    "unknown-type": (
        _coo_header(data_types={"indices_0": "int64", "indices_1": "int64",
                                "values": "float128"}), GOOD, None, "float128"),
    "csr-decreasing-pointers": (
        _coo_header(format="CSR", data_types={"pointers_to_1": "int64", "indices_1": "int64",
                                              "values": "float64"}),
        {"pointers_to_1": np.array([0, 2, 1, 2]), "indices_1": np.array([1, 2]),
         "values": np.array([1.0, 2])}, None, "decreases"),
    "csr-short-pointers": (
        _coo_header(format="CSR", data_types={"pointers_to_1": "int64", "indices_1": "int64",
                                              "values": "float64"}),
        {"pointers_to_1": np.array([0, 2]), "indices_1": np.array([1, 2]),
         "values": np.array([1.0, 2])}, None, "expected 4"),
    "csr-pointers-past-the-end": (
        _coo_header(format="CSR", data_types={"pointers_to_1": "int64", "indices_1": "int64",
                                              "values": "float64"}),
        {"pointers_to_1": np.array([0, 1, 2, 5]), "indices_1": np.array([1, 2]),
         "values": np.array([1.0, 2])}, None, "expected 0 to 2"),
    "rank-mismatch": (_coo_header(shape=[3, 3, 3]), GOOD, None, "rank"),
}


def _check_failure(status, out, err, path, words):
    assert status == 2, (status, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("arraymask: error: ") and str(path) in lines[0]
    assert words.lower() in lines[0].lower(), lines[0]


@pytest.mark.parametrize("case", sorted(H5_CASES))
def test_malformed_hdf5(case, tmp_path, run):
    header, arrays, raw, words = H5_CASES[case]
    src = tmp_path / "bad.bsp.h5"
    _h5(src, header, arrays, raw)
    for argv in (("convert", src, tmp_path / "out.npz"), ("info", src),
                 ("spy", src, tmp_path / "out.png")):
        status, out, err = run(*argv)
        _check_failure(status, out, err, src, words)
    assert listing(tmp_path) == ["bad.bsp.h5"]


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


NPZ_CASES = {
    "not-a-container": (lambda: b"hello, binsparse", "neither an HDF5 file nor a .npz"),
    "truncated-zip": (lambda: _npz(**GOOD)[:-30], ""),
    "no-descriptor": (lambda: _npz(**GOOD), "binsparse"),
    "pickled-descriptor": (
        lambda: _npz(binsparse=np.array([{"binsparse": 1}], dtype=object), **GOOD), "pickle"),
    "out-of-range": (
        lambda: _npz(binsparse=np.array(json.dumps({"binsparse": _coo_header()})),
                     **{**GOOD, "indices_0": np.array([0, 7])}), "out of range"),
}


@pytest.mark.parametrize("case", sorted(NPZ_CASES))
def test_malformed_npz_container(case, tmp_path, run):
    make, words = NPZ_CASES[case]
    src = tmp_path / "bad.bsp.npz"
    src.write_bytes(make())
    for argv in (("convert", src, tmp_path / "out.mtx"), ("info", src)):
        status, out, err = run(*argv)
        _check_failure(status, out, err, src, words)
    assert listing(tmp_path) == ["bad.bsp.npz"]


def test_missing_extra_names_it(tmp_path, run, monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "binsparse" or m.startswith("binsparse.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "binsparse", None)
    for argv in (("convert", EXAMPLE, tmp_path / "x.bsp.h5"), ("info", tmp_path / "y.bsp.npz")):
        (tmp_path / "y.bsp.npz").write_bytes(b"")
        status, _, err = run(*argv)
        assert status == 1, err
        assert "needs binsparse: pip install 'arraymask[binsparse]'" in err
    assert listing(tmp_path) == ["y.bsp.npz"]
