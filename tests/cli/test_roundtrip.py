"""Conversions between every pair of formats, checked with each format's own library."""

from __future__ import annotations

import cli_reference as ref
import numpy as np
import pytest
from cli_reference import FORMATS, SUFFIX, needs, sample

#: dtype a reader of each format gives for each Matrix Market field.
MTX_DTYPE = {"real": "float64", "integer": "int64", "complex": "complex128", "pattern": "bool"}


def _as_complex(x: np.ndarray) -> np.ndarray:
    return np.asarray(x).astype(np.complex128)


@pytest.mark.parametrize("dst_fmt", FORMATS)
@pytest.mark.parametrize("src_fmt", FORMATS)
def test_every_pair(src_fmt, dst_fmt, matrix, tmp_path, run):
    needs(src_fmt, dst_fmt)
    src = tmp_path / f"src{SUFFIX[src_fmt]}"
    dst = tmp_path / f"out{SUFFIX[dst_fmt]}"
    ref.write_reference(src_fmt, str(src), matrix)

    status, out, err = run("convert", src, dst)
    assert status == 0, err
    assert err == ""
    assert "->" in out

    got = ref.read_reference(dst_fmt, str(dst))
    assert got.shape == matrix.shape
    np.testing.assert_array_equal(_as_complex(got.dense), _as_complex(matrix.dense()))
    if dst_fmt != "npy":
        coords, values = matrix.canonical(dense_source=src_fmt == "npy")
        assert ref.is_row_major_strict(got.coords), "output not in canonical order"
        np.testing.assert_array_equal(got.coords, coords)
        np.testing.assert_array_equal(_as_complex(got.values), _as_complex(values))

    read_dtype = MTX_DTYPE[matrix.field] if src_fmt.startswith("mtx") else matrix.values.dtype.name
    if dst_fmt.startswith("mtx"):
        import scipy.io

        field = scipy.io.mminfo(str(dst))[4]
        assert field == matrix.field
    else:
        dense = got.dense if dst_fmt != "pt" else got.values
        assert dense.dtype.name == read_dtype


@pytest.mark.parametrize("via", ["mtx", "mtx.gz", "npz", "pt"])
def test_sparse_round_trip_keeps_explicit_zeros_and_values(via, tmp_path, run):
    needs("npz", via)
    m = sample("real")
    src = tmp_path / "a.npz"
    mid = tmp_path / f"b{SUFFIX[via]}"
    back = tmp_path / "c.npz"
    ref.write_reference("npz", str(src), m)
    assert run("convert", src, mid)[0] == 0
    assert run("convert", mid, back)[0] == 0
    got = ref.read_reference("npz", str(back))
    coords, values = m.canonical()
    np.testing.assert_array_equal(got.coords, coords)
    np.testing.assert_array_equal(got.values, values)  # bit-exact through text too
    assert (got.values == 0).sum() == 1  # the explicit zero survived


def test_npz_output_loads_as_canonical_coo_array(tmp_path, run):
    needs("npz")
    import scipy.sparse as sp

    m = sample("integer")
    src = tmp_path / "a.mtx"
    ref.write_reference("mtx", str(src), m)
    assert run("convert", src, tmp_path / "b.npz")[0] == 0
    a = sp.load_npz(tmp_path / "b.npz")
    assert isinstance(a, sp.coo_array)
    assert a.row.dtype == np.int32  # SciPy's own index choice for small shapes
    a2 = a.copy()
    a2.sum_duplicates()
    np.testing.assert_array_equal(a2.row, a.row)
    np.testing.assert_array_equal(a2.col, a.col)


def test_npz_from_every_scipy_layout(tmp_path, run):
    needs("npz")
    import scipy.sparse as sp

    m = sample("real")
    base = sp.coo_array((m.values, (m.rows, m.cols)), shape=m.shape)
    for layout in ("csr", "csc", "bsr", "dia", "coo"):
        for kind in (lambda x: x, sp.csr_matrix):  # arrays and matrices
            obj = getattr(kind(base) if kind is not sp.csr_matrix else sp.coo_matrix(base),
                          f"to{layout}")()
            path = tmp_path / f"{layout}.npz"
            sp.save_npz(path, obj)
            status, _, err = run("convert", path, tmp_path / f"{layout}.mtx", "--force")
            assert status == 0, err
            got = ref.read_reference("mtx", str(tmp_path / f"{layout}.mtx"))
            np.testing.assert_array_equal(got.dense, obj.toarray())
            assert ref.is_row_major_strict(got.coords)


SYMMETRIC = {
    "real-symmetric": (
        "%%MatrixMarket matrix coordinate real symmetric\n4 4 5\n"
        "1 1 2.5\n2 1 -1\n3 2 4\n4 4 1e3\n4 1 0.5\n"
    ),
    "integer-skew": (
        "%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n2 1 5\n3 1 -7\n"
    ),
    "complex-hermitian": (
        "%%MatrixMarket matrix coordinate complex hermitian\n3 3 3\n1 1 2 0\n2 1 1 2\n3 2 0 -1\n"
    ),
    "pattern-symmetric": (
        "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n1 1\n2 1\n3 1\n"
    ),
    "dense-array": "%%MatrixMarket matrix array real general\n2 3\n1\n0\n0\n2.5\n-3\n0\n",
    "dense-array-symmetric": (
        "%%MatrixMarket matrix array integer symmetric\n3 3\n1\n2\n0\n4\n5\n6\n"
    ),
}


@pytest.mark.parametrize("dst_fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SYMMETRIC))
def test_symmetric_and_dense_matrix_market_sources(name, dst_fmt, tmp_path, run):
    needs("mtx", dst_fmt)
    import scipy.io

    src = tmp_path / "s.mtx"
    src.write_text(SYMMETRIC[name])
    expected = scipy.io.mmread(src)
    expected = expected if isinstance(expected, np.ndarray) else expected.toarray()
    dst = tmp_path / f"out{SUFFIX[dst_fmt]}"
    status, _, err = run("convert", src, dst)
    assert status == 0, err
    got = ref.read_reference(dst_fmt, str(dst))
    np.testing.assert_array_equal(_as_complex(got.dense), _as_complex(expected))
    if got.coords is not None:
        assert ref.is_row_major_strict(got.coords)
    if dst_fmt.startswith("mtx"):
        assert scipy.io.mminfo(str(dst))[5] == "general"


def test_gzip_is_recognised_by_content(tmp_path, run):
    needs("mtx")
    m = sample("real")
    gz = tmp_path / "a.mtx.gz"
    ref.write_reference("mtx.gz", str(gz), m)
    plain_name = tmp_path / "really-gzip.mtx"
    plain_name.write_bytes(gz.read_bytes())
    assert run("convert", plain_name, tmp_path / "b.npz")[0] == 0
    got = ref.read_reference("npz", str(tmp_path / "b.npz"))
    np.testing.assert_array_equal(got.dense, m.dense())


def test_mtx_gz_output_is_gzip_with_inner_name(tmp_path, run):
    needs("mtx")
    import gzip

    m = sample("real")
    src = tmp_path / "a.npy"
    np.save(src, m.dense())
    assert run("convert", src, tmp_path / "b.mtx.gz")[0] == 0
    raw = (tmp_path / "b.mtx.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert b"b.mtx\x00" in raw[:64]  # the inner name, not the temporary one
    text = gzip.decompress(raw).decode()
    assert text.startswith("%%MatrixMarket matrix coordinate real general")


def test_format_from_options(tmp_path, run):
    needs("mtx", "npz")
    m = sample("real")
    src = tmp_path / "data.txt"
    ref.write_reference("mtx", str(src), m)
    status, _, err = run("convert", src, tmp_path / "out.bin", "--from", "mtx", "--to", "npz")
    assert status == 0, err
    got = ref.read_reference("npz", str(tmp_path / "out.bin"))
    np.testing.assert_array_equal(got.dense, m.dense())


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta:UserWarning")
def test_pt_from_dense_and_csr_tensors(tmp_path, run):
    needs("pt", "npz")
    import torch

    m = sample("real")
    dense = torch.from_numpy(m.dense())
    for name, t in {
        "dense": dense,
        "csr": dense.to_sparse_csr(),
        "coalesced": dense.to_sparse().coalesce(),
        "bf16": dense.to(torch.bfloat16).to_sparse(),
    }.items():
        torch.save(t, tmp_path / f"{name}.pt")
        status, _, err = run("convert", tmp_path / f"{name}.pt", tmp_path / f"{name}.npz")
        assert status == 0, err
        got = ref.read_reference("npz", str(tmp_path / f"{name}.npz"))
        expected = t.to_dense().float().numpy() if name == "bf16" else m.dense()
        np.testing.assert_array_equal(got.dense, expected)
