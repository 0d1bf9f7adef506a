"""COO constructors, conversions and exports on chunked dask arrays."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from _dask_helpers import Tripwire, chunked, no_compute  # noqa: E402

from arraymask.sparse.coo import COO, LazyCOO  # noqa: E402

LAYOUTS = [
    ((7, 9), ((3, 4), (9,))),          # row bands: pieces concatenated as they are
    ((7, 9), ((3, 4), (2, 3, 4))),     # tiles: the blocks of each band merged sparsely
    ((7, 9), ((1,) * 7, (2, 3, 4))),   # single rows, chunked columns: already row-major
    ((11,), ((2, 5, 4),)),
    ((4, 3, 5), ((1, 3), (2, 1), (2, 3))),
    ((0, 4), ((0,), (2, 2))),
]


def _sparse(rng, shape, dtype="float64"):
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    x[rng.random(shape) < 0.5] = 0
    if np.dtype(dtype).kind == "f" and x.size:
        x.flat[0] = np.nan
        x[rng.random(shape) < 0.1] = -0.0
    return x


def _same(actual, expected):
    assert actual.shape == expected.shape and actual.is_canonical and expected.is_canonical
    np.testing.assert_array_equal(actual.coords, expected.coords, strict=True)
    np.testing.assert_array_equal(actual.values, expected.values, strict=True)


@pytest.mark.parametrize(("shape", "chunks"), LAYOUTS)
@pytest.mark.parametrize("dtype", ["float64", "int16", "bool", "complex64", "uint8"])
def test_from_dense_matches_numpy(shape, chunks, dtype):
    rng = np.random.default_rng(len(shape) + len(dtype))
    x = _sparse(rng, shape, dtype)
    d = da.from_array(x, chunks=chunks)
    with no_compute():
        lazy = COO.from_dense(d)
        dense = lazy.to_dense()
        pieces = lazy.to_dask()
    assert isinstance(lazy, COO) and isinstance(lazy, LazyCOO)
    assert lazy.is_canonical and lazy.shape == shape and lazy.dtype == x.dtype
    want = COO.from_dense(x)
    _same(lazy.compute(), want)
    assert lazy.compute_nnz() == want.nnz
    np.testing.assert_array_equal(dense.compute(), x)
    np.testing.assert_array_equal(pieces.compute().todense(), x)


def test_from_dense_fill_value_and_mask():
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=(9, 8)).astype(np.int32)
    d = chunked(x, rng)
    _same(COO.from_dense(d, fill_value=2).compute(), COO.from_dense(x, fill_value=2))
    np.testing.assert_array_equal(COO.from_dense(d, fill_value=2).to_dense(fill_value=2).compute(),
                                  x)
    m = x > 1
    dm = da.from_array(m, chunks=((4, 5), (8,)))
    with no_compute():
        lazy = COO.from_mask(dm, d * 10)   # values chunked differently: aligned lazily
        flags = COO.from_mask(dm)
    _same(lazy.compute(), COO.from_mask(m, x * 10))
    _same(flags.compute(), COO.from_mask(m))


def test_layouts_pieces_and_no_dense_rechunk():
    rows = COO.from_dense(da.zeros((100, 50), chunks=(10, 50)))
    assert "10 pieces" in repr(rows)            # row bands: one piece per block
    tiles = COO.from_dense(da.zeros((100, 50), chunks=(10, 10)))
    assert "10 pieces" in repr(tiles)           # tiles: one merged piece per band of rows
    slabs = COO.from_dense(da.zeros((1, 40, 40), chunks=(1, 10, 20)))
    assert "4 pieces" in repr(slabs)            # slabs along the first axis of extent > 1
    whole = COO.from_dense(da.zeros((3, 40, 40), chunks=(3, 10, 20)))
    assert "1 pieces" in repr(whole)            # any slab would interleave rows: one merge
    for lazy in (tiles, slabs):
        assert not any("rechunk" in str(name) for name in lazy.values.dask.layers)


def test_lazy_coo_exports_compute():
    pytest.importorskip("scipy")
    rng = np.random.default_rng(8)
    x = _sparse(rng, (6, 7))
    x[np.isnan(x)] = 3.0
    lazy = COO.from_dense(chunked(x, rng))
    np.testing.assert_array_equal(lazy.to_scipy().toarray(), x)
    np.testing.assert_array_equal(lazy.to_pydata().todense(), x)
    assert lazy.canonical() is lazy
    assert "nnz=?" in repr(lazy)
    with pytest.raises(ValueError, match="unknown until computed"):
        lazy.nnz  # noqa: B018
    again = lazy.persist()
    _same(again.compute(), COO.from_dense(x))


def test_to_dask_of_an_in_memory_coo():
    x = np.diag(np.arange(1.0, 6.0))
    c = COO.from_dense(x)
    d = c.to_dask(chunks=2)
    assert d.chunks == ((2, 2, 1), (2, 2, 1))
    assert type(d.blocks[0, 0].compute()).__name__ == "COO"
    np.testing.assert_array_equal(d.compute().todense(), x)
    np.testing.assert_array_equal(c.to_dask(chunks=3, dense=True).compute(), x)


def test_constructors_do_not_read_the_data():
    x = np.eye(6)
    wire = Tripwire(x, ((2, 4), (3, 3)))
    wire.armed = True
    lazy = COO.from_dense(wire.array)
    lazy.to_dense()
    lazy.to_dask()
    COO.from_mask(wire.array > 0, wire.array)
    assert wire.calls == 0
    wire.armed = False
    _same(lazy.compute(), COO.from_dense(x))


def test_bad_input():
    y = da.from_array(np.arange(12.0), chunks=4)
    z = y[y > 3]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        COO.from_dense(z)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        COO.from_mask(z > 5)
    m = da.ones((3, 4), dtype=bool, chunks=2)
    with pytest.raises(ValueError, match="shape of mask"):
        COO.from_mask(m, da.ones((3, 5), chunks=2))
    with pytest.raises(TypeError, match="boolean"):
        COO.from_mask(da.ones((3, 4), chunks=2))
    with pytest.raises(ValueError, match="fill_value"):
        COO.from_dense(da.ones((3, 4), dtype=np.int8, chunks=2), fill_value=1000)


def test_each_input_block_is_computed_once():
    import dask

    import arraymask as am

    x = np.random.default_rng(5).random((8, 50))
    for chunks, blocks in (((2, 50), 4), ((2, 10), 20)):
        wire = Tripwire(x, chunks)
        top = COO.from_mask(am.topk_mask(wire.array, 3), wire.array)
        low = COO.from_dense(da.where(wire.array < 0.1, wire.array, 0))
        dask.compute(top.values, low.coords, scheduler="sync")
        assert wire.calls == blocks
