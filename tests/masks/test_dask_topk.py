"""Top-k family on chunked dask arrays: the NumPy mask exactly, lazily, with a tree."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from _dask_helpers import Tripwire, chunked, no_compute  # noqa: E402

import arraymask as am  # noqa: E402
from arraymask.masks import _dask as chunked_topk  # noqa: E402

DTYPES = ["float32", "float64", "float16", "int8", "int64", "uint16", "bool"]


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Few distinct values (many ties); floats also get NaN, +-inf and -0.0."""
    x = rng.integers(-3, 4, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        for value, share in ((np.nan, 0.15), (np.inf, 0.05), (-np.inf, 0.05), (-0.0, 0.1)):
            x[rng.random(shape) < share] = value
    return x


@pytest.mark.parametrize("dtype", DTYPES)
def test_topk_matches_numpy_on_irregular_chunks(dtype):
    rng = np.random.default_rng(abs(hash(dtype)) % 2**32)
    for _ in range(12):
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 25)))
        x = _data(rng, shape, dtype)
        d = chunked(x, rng)
        for axis in (0, 1, None):
            n = x.size if axis is None else x.shape[axis]
            k = int(rng.integers(0, n + 1))
            for largest, ties in itertools.product((True, False), ("index", "all")):
                want = am.topk_mask(x, k, axis=axis, largest=largest, ties=ties)
                got = am.topk_mask(d, k, axis=axis, largest=largest, ties=ties)
                assert got.chunks == d.chunks
                np.testing.assert_array_equal(got.compute(), want, strict=True)


@pytest.mark.parametrize("ties", ["index", "all"])
def test_per_row_k_and_3d(ties):
    rng = np.random.default_rng(5)
    x = _data(rng, (3, 17, 4), "float32")
    d = da.from_array(x, chunks=((1, 2), (5, 1, 8, 3), (3, 1)))
    k = rng.integers(0, 18, size=(3, 4))
    for largest in (True, False):
        want = am.topk_mask(x, k, axis=1, largest=largest, ties=ties)
        got = am.topk_mask(d, k, axis=1, largest=largest, ties=ties)
        np.testing.assert_array_equal(got.compute(), want)
        got = am.topk_mask(d, da.from_array(k, chunks=2), axis=1, largest=largest, ties=ties)
        np.testing.assert_array_equal(got.compute(), want)
    kb = np.array([[2], [0], [17]])  # broadcasting k
    np.testing.assert_array_equal(am.topk_mask(d, kb, axis=1).compute(),
                                  am.topk_mask(x, kb, axis=1))


def test_many_chunks_take_several_merge_levels():
    rng = np.random.default_rng(9)
    x = rng.integers(0, 50, size=(4, 700)).astype(np.float64)  # many ties
    d = da.from_array(x, chunks=(2, 7))  # 100 chunks along the axis: 3 levels
    for k in (1, 6, 7, 30, 699, 700):
        np.testing.assert_array_equal(am.topk_mask(d, k).compute(), am.topk_mask(x, k))
        np.testing.assert_array_equal(am.topk_mask(d, k, axis=None).compute(),
                                      am.topk_mask(x, k, axis=None))


def test_tree_does_not_rechunk_the_axis():
    from dask.callbacks import Callback

    x = da.random.default_rng(0).random((8, 1000), chunks=(4, 100))
    m = am.topk_mask(x, 5)
    assert m.chunks == x.chunks
    assert any("candidates" in str(name) for name in m.dask.layers)
    widest = []

    def posttask(key, result, dsk, state, worker_id):
        if isinstance(result, np.ndarray) and result.dtype == np.float64 and result.ndim == 2:
            widest.append(result.shape[1])

    with Callback(posttask=posttask):
        m.compute(scheduler="sync")
    assert widest and max(widest) == 100  # no task ever held a whole row of the input


def test_top_fraction_nm_nucleus_random_exact():
    rng = np.random.default_rng(2)
    x = _data(rng, (5, 24), "float64")
    d = chunked(x, rng)
    for axis, rounding in itertools.product((None, 1, 0), ("floor", "round", "ceil")):
        np.testing.assert_array_equal(
            am.top_fraction_mask(d, 0.35, axis=axis, rounding=rounding).compute(),
            am.top_fraction_mask(x, 0.35, axis=axis, rounding=rounding))
    np.testing.assert_array_equal(am.nm_mask(d, 2, 4).compute(), am.nm_mask(x, 2, 4))
    aligned = da.from_array(x, chunks=(2, (8, 4, 12)))
    assert am.nm_mask(aligned, 2, 4).chunks == aligned.chunks  # the axis is not gathered
    np.testing.assert_array_equal(am.nm_mask(da.from_array(x, chunks=(5, (5, 7, 12))), 2, 4)
                                  .compute(), am.nm_mask(x, 2, 4))
    np.testing.assert_array_equal(am.nm_mask(d, 1, 5, axis=0).compute(),
                                  am.nm_mask(x, 1, 5, axis=0))
    probs = rng.random((6, 30))
    probs /= probs.sum(axis=1, keepdims=True)
    dp = chunked(probs, rng)
    for p in (0.1, 0.5, 0.99, 1.0):
        np.testing.assert_array_equal(am.nucleus_mask(dp, p).compute(), am.nucleus_mask(probs, p))


def test_results_are_lazy():
    rng = np.random.default_rng(3)
    x = _data(rng, (6, 30), "float32")
    wire = Tripwire(x, ((2, 4), (7, 13, 10)))
    d = wire.array
    wire.armed = True
    with no_compute():
        masks = [
            am.topk_mask(d, 4), am.topk_mask(d, 4, axis=None), am.topk_mask(d, 2, axis=0),
            am.top_fraction_mask(d, 0.2), am.nm_mask(d, 1, 3),
            am.nucleus_mask(da.nan_to_num(d) ** 2, 0.5),
        ]
    wire.armed = False
    assert wire.calls == 0
    # a per-row k is read at call time (it is small); the data are not
    wire.armed = True
    lazy_k = am.topk_mask(d, np.arange(6) % 5)
    wire.armed = False
    assert wire.calls == 0
    np.testing.assert_array_equal(masks[0].compute(), am.topk_mask(x, 4))
    np.testing.assert_array_equal(lazy_k.compute(), am.topk_mask(x, np.arange(6) % 5))


def test_each_input_block_is_computed_once():
    import dask

    x = np.random.default_rng(4).random((4, 60))
    wire = Tripwire(x, (2, 10))
    dask.compute(am.topk_mask(wire.array, 5), am.topk_mask(wire.array, 7, axis=None),
                 scheduler="sync")
    assert wire.calls == 12


def test_unknown_chunks_give_a_clear_error():
    y = da.from_array(np.arange(12.0), chunks=4)
    z = y[y > 3]  # unknown sizes
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        chunked_topk.topk(z, 2, 0, largest=True, ties="index")
    with pytest.raises(ValueError, match="x has unknown chunk sizes along axis 0"):
        am.topk_mask(z, 2)
    rows = da.from_array(np.ones((4, 6)), chunks=2)
    rows = rows[rows[:, 0] > 0]
    for call in (lambda: am.topk_mask(rows, 1, axis=0), lambda: am.top_fraction_mask(rows, 0.5),
                 lambda: am.nm_mask(rows, 1, 2)):
        with pytest.raises(ValueError, match="x has unknown chunk sizes"):
            call()
    with pytest.raises(ValueError, match="probs has unknown chunk sizes"):
        am.nucleus_mask(rows, 0.5)


def test_empty_and_k_zero():
    d = da.zeros((0, 5), chunks=(1, 2))
    assert am.topk_mask(d, 0).compute().shape == (0, 5)
    d = da.ones((3, 5), chunks=(1, 2))
    assert not am.topk_mask(d, 0).compute().any()
    assert am.topk_mask(d, 5).compute().all()
    assert not am.topk_mask(d, 0, axis=None).compute().any()


def test_tree_agrees_with_numpy_on_adversarial_inputs():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    values = st.sampled_from([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.5])

    @hypothesis.given(
        rows=st.integers(1, 4), cols=st.integers(1, 16), data=st.data(),
        largest=st.booleans(), ties=st.sampled_from(["index", "all"]),
        axis=st.sampled_from([0, 1, None]),
    )
    @hypothesis.settings(max_examples=30, deadline=None)
    def check(rows, cols, data, largest, ties, axis):
        flat = data.draw(st.lists(values, min_size=rows * cols, max_size=rows * cols))
        x = np.array(flat, dtype=np.float32).reshape(rows, cols)
        cuts = [data.draw(st.lists(st.integers(1, n), min_size=1, max_size=4)) for n in x.shape]
        chunks = []
        for n, sizes in zip(x.shape, cuts, strict=True):
            out, left = [], n
            for s in sizes:
                if left == 0:
                    break
                out.append(min(s, left))
                left -= out[-1]
            if left:
                out.append(left)
            chunks.append(tuple(out))
        n = x.size if axis is None else x.shape[axis]
        k = data.draw(st.integers(0, n))
        d = da.from_array(x, chunks=tuple(chunks))
        got = am.topk_mask(d, k, axis=axis, largest=largest, ties=ties).compute()
        np.testing.assert_array_equal(
            got, am.topk_mask(x, k, axis=axis, largest=largest, ties=ties))

    check()
