"""The other mask functions and random masks on chunked dask arrays."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from _dask_helpers import Tripwire, chunked, no_compute  # noqa: E402
from _helpers import to_numpy  # noqa: E402

import arraymask as am  # noqa: E402
from arraymask import random as amr  # noqa: E402


def test_sequence_masks():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 9, size=11)
    d = da.from_array(lengths, chunks=(3, 1, 7))
    for side in ("right", "left"):
        with no_compute():
            lazy = am.lengths_mask(d, 8, side=side)
        np.testing.assert_array_equal(lazy.compute(), am.lengths_mask(lengths, 8, side=side))
    np.testing.assert_array_equal(am.lengths_mask(d).compute(), am.lengths_mask(lengths))
    idx = rng.integers(-6, 6, size=(5, 3))
    di = chunked(idx, rng)
    with no_compute():
        lazy = am.index_mask(di, 6)
    np.testing.assert_array_equal(lazy.compute(), am.index_mask(idx, 6))


def test_select_functions():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, size=(7, 9)).astype(np.float32)
    d = chunked(x, rng)
    mask = x > 2
    dm = da.from_array(mask, chunks=d.chunks)
    with no_compute():
        isin = am.isin_mask(d, [1, 4])
        notin = am.isin_mask(d, da.asarray(np.array([1.0, 4.0])), invert=True)
        filled = am.masked_fill(d, dm, -1.0)
        rows = am.boolean_select(d, dm[:, 0])
        flat = am.boolean_select(d, dm)
        where = am.argwhere(dm)
    np.testing.assert_array_equal(isin.compute(), am.isin_mask(x, [1, 4]))
    np.testing.assert_array_equal(notin.compute(), am.isin_mask(x, [1.0, 4.0], invert=True))
    np.testing.assert_array_equal(filled.compute(), am.masked_fill(x, mask, -1.0))
    np.testing.assert_array_equal(rows.compute(), am.boolean_select(x, mask[:, 0]))
    np.testing.assert_array_equal(flat.compute(), am.boolean_select(x, mask))
    np.testing.assert_array_equal(where.compute(), am.argwhere(mask))


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_random_mask_same_bits_as_numpy(exact, axis):
    shape = (37, 53)
    with no_compute():
        lazy = am.random_mask(shape, 0.3, seed=12345, exact=exact, axis=axis, xp=da)
    want = am.random_mask(shape, 0.3, seed=12345, exact=exact, axis=axis)
    np.testing.assert_array_equal(lazy.compute(), want, strict=True)


def test_random_generator_streams_are_chunk_independent():
    want_bits = amr.bits((41, 29), seed=7)
    want_u = amr.uniform((41, 29), seed=7)
    np.testing.assert_array_equal(amr.bits((41, 29), seed=7, xp=da).compute(), want_bits)
    np.testing.assert_array_equal(amr.uniform((41, 29), seed=7, xp=da).compute(), want_u)
    rates = np.linspace(0.0, 1.0, 41)
    np.testing.assert_array_equal(
        am.random_mask((41, 29), rates, seed=3, exact=True, xp=da).compute(),
        am.random_mask((41, 29), rates, seed=3, exact=True))


def test_masks_do_not_read_the_data():
    x = np.random.default_rng(2).random((6, 10))
    wire = Tripwire(x, ((2, 4), (3, 7)))
    wire.armed = True
    am.isin_mask(wire.array, [0.5])
    am.masked_fill(wire.array, wire.array > 0.5, 0.0)
    am.boolean_select(wire.array, wire.array[:, 0] > 0.5)
    assert wire.calls == 0


def test_unknown_chunks_in_shape_dependent_masks_give_a_clear_error():
    y = da.from_array(np.arange(8), chunks=3)
    z = y[y > 3]  # data-dependent size: unknown chunks
    with pytest.raises(ValueError, match="lengths has unknown chunk sizes along axis 0"):
        am.lengths_mask(z, 4)
    with pytest.raises(ValueError, match="x has unknown chunk sizes along axis 0"):
        am.masked_fill(z, z > 5, 0)


# A bad value in a Dask argument raises the contracted exception at the
# latest when the result is computed (docs/guarantees.md lists which checks
# are eager). Each case: the call, and whether the error may wait for compute.
BAD_VALUES = [
    ("negative length", ValueError, "non-negative", True,
     lambda da: am.lengths_mask(da.from_array(np.array([2, -1, 3]), chunks=2), 4)),
    ("index past the end", IndexError, "out of range", True,
     lambda da: am.index_mask(da.from_array(np.array([[0, 9]]), chunks=1), 4)),
    ("index before the start", IndexError, "out of range", True,
     lambda da: am.index_mask(da.from_array(np.array([[-5, 1]]), chunks=1), 4)),
    ("k above n", ValueError, "k must satisfy", False,
     lambda da: am.topk_mask(da.ones((2, 3), chunks=1), da.from_array(np.array([1, 4])))),
    ("fraction above 1", ValueError, "fraction must be in", False,
     lambda da: am.top_fraction_mask(da.ones((2, 3), chunks=1),
                                     da.from_array(np.array([0.5, 1.5])), axis=-1)),
    ("rate below 0", ValueError, "rate must be in", False,
     lambda da: am.random_mask((2, 3), da.from_array(np.array([0.5, -0.1])), seed=1)),
    ("coordinate out of range", IndexError, "out of range", False,
     lambda da: am.COO(da.from_array(np.array([[0, 7]])), da.ones(2), (5,))),
    ("fill value out of range", ValueError, "out of range", False,
     lambda da: am.COO.from_dense(da.zeros(4, dtype=np.uint8, chunks=2), fill_value=300)),
]


@pytest.mark.parametrize(("what", "exc", "match", "lazy", "call"), BAD_VALUES,
                         ids=[case[0] for case in BAD_VALUES])
def test_bad_values_raise_at_the_latest_when_computed(what, exc, match, lazy, call):
    with pytest.raises(exc, match=match):
        result = call(da)
        assert lazy, f"{what}: the check should have run at call time"
        to_numpy(result.compute() if isinstance(result, am.COO) else result)
