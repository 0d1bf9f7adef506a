"""The top-k family on every backend, ndim 1-4, every axis, per-slice parameters.

Hypothesis draws the shape, the axis, the dtype and the form of ``k`` (a
Python int, a 0-d array, an array over the whole batch, or one that
broadcasts: size-1 axes and missing leading axes), and every result is
compared with the slow reference of ``_topk_reference``. The same for the
array-valued ``fraction`` of ``top_fraction_mask``, ``nucleus_mask``,
``nm_mask`` at every axis and the per-slice ``rate`` of exact random masks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from _helpers import assert_equal, to_numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import arraymask as am

sys.path.insert(0, str(Path(__file__).parent))
import _topk_reference as ref
from _helpers import make


@st.composite
def layouts(draw, max_side: int = 5):
    """``(shape, axis, batch)``: ndim 1-4, an axis or None, the shape without the axis."""
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, max_side), min_size=ndim, max_size=ndim)))
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1)))
    batch = () if axis is None else shape[: axis % ndim] + shape[axis % ndim + 1:]
    return shape, axis, batch


@st.composite
def batch_shapes(draw, batch: tuple[int, ...]):
    """A shape that broadcasts to ``batch``: some axes 1, some leading axes dropped."""
    drop = draw(st.integers(0, len(batch)))
    kept = batch[drop:]
    return tuple(1 if draw(st.booleans()) else d for d in kept)


def _counts(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, n + 1, shape)


def _param(backend, host: np.ndarray, where: str):
    """The per-slice parameter as the test asks: backend array, NumPy array or list."""
    if where == "backend":
        return backend.asarray(host)
    return host if where == "numpy" else host.tolist()


@settings(max_examples=25)
@given(layout=layouts(), data=st.data())
def test_topk_any_ndim_axis_and_k(backend, layout, data):
    shape, axis, batch = layout
    dtype = data.draw(st.sampled_from(["float32", "int16", "bool", "uint8"]))
    style = data.draw(st.sampled_from(["ties", "special", "wide"]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = backend.asarray(make(rng, dtype, shape, style))
    host = to_numpy(x).copy()
    n = host.size if axis is None else shape[axis]
    form = data.draw(st.sampled_from(["int", "0d", "batch", "broadcast"]))
    if axis is None and form in ("batch", "broadcast"):
        form = "0d"
    if form == "int":
        k_host = np.asarray(rng.integers(0, n + 1))
        k = int(k_host)
    elif form == "0d":
        k_host = np.asarray(rng.integers(0, n + 1))
        k = backend.asarray(k_host)
    else:
        kshape = batch if form == "batch" else data.draw(batch_shapes(batch))
        k_host = _counts(rng, n, kshape)
        k = _param(backend, k_host, data.draw(st.sampled_from(["backend", "numpy", "list"])))
    largest = data.draw(st.booleans())
    ties = data.draw(st.sampled_from(["index", "all"]))
    got = am.topk_mask(x, k, axis=axis, largest=largest, ties=ties)
    assert_equal(got, ref.topk(host, k_host, axis, largest, ties), like=x)
    assert_equal(x, host, like=x)  # the input is untouched


@settings(max_examples=20)
@given(layout=layouts(), data=st.data())
def test_top_fraction_per_slice(backend, layout, data):
    shape, axis, batch = layout
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = backend.asarray(make(rng, "float32", shape, "ties"))
    host = to_numpy(x).copy()
    n = host.size if axis is None else shape[axis]
    rounding = data.draw(st.sampled_from(["floor", "round", "ceil"]))
    if axis is None:
        fraction = float(rng.random())
        want = ref.topk(host, ref.fraction_k(fraction, n, rounding), None)
        got = am.top_fraction_mask(x, fraction, axis=None, rounding=rounding)
    else:
        fshape = data.draw(st.one_of(st.just(batch), batch_shapes(batch)))
        fraction = rng.random(fshape)
        counts = np.vectorize(lambda f: ref.fraction_k(f, n, rounding), otypes=[np.int64])(
            fraction) if fraction.size else fraction.astype(np.int64)
        want = ref.topk(host, counts, axis)
        f = _param(backend, fraction, data.draw(st.sampled_from(["backend", "numpy"])))
        got = am.top_fraction_mask(x, f, axis=axis, rounding=rounding)
    assert_equal(got, want, like=x)


@settings(max_examples=15)
@given(layout=layouts(), data=st.data())
def test_nucleus_and_nm_every_axis(backend, layout, data):
    shape, axis, _ = layout
    axis = -1 if axis is None else axis
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    probs = rng.random(shape).astype(np.float32)
    probs /= probs.sum(axis=axis, keepdims=True)
    x = backend.asarray(probs)
    host = to_numpy(x).copy()
    p = data.draw(st.sampled_from([0.3, 0.75, 1.0]))
    assert_equal(am.nucleus_mask(x, p, axis=axis), ref.nucleus(host, p, axis), like=x)
    m = shape[axis]
    n = data.draw(st.integers(0, m))
    assert_equal(am.nm_mask(x, n, m, axis=axis), ref.nm(host, n, m, axis), like=x)


@settings(max_examples=15)
@given(layout=layouts(max_side=6), data=st.data())
def test_exact_random_mask_per_slice_rates(backend, layout, data):
    """Per-slice rates on every backend give NumPy's bits (the same seed)."""
    shape, axis, batch = layout
    if axis is None:
        rate: object = data.draw(st.floats(0, 1))
    else:
        rate = np.random.default_rng(1).random(data.draw(st.one_of(st.just(batch),
                                                                    batch_shapes(batch))))
    seed = data.draw(st.integers(0, 2**64 - 1))
    want = am.random_mask(shape, rate, seed=seed, exact=True, axis=axis)
    rate_b = backend.asarray(rate) if isinstance(rate, np.ndarray) else rate
    xp = backend.module if not isinstance(rate, np.ndarray) else None
    probe = backend.asarray(np.zeros(1))
    kwargs = {"xp": xp, "device": backend.device} if xp is not None else {}
    got = am.random_mask(shape, rate_b, seed=seed, exact=True, axis=axis, **kwargs)
    assert_equal(got, want, like=probe)


def test_jit_per_row_k_on_jax(backend):
    """Under jax.jit the per-slice k is traced: the same masks (ranges cannot be checked)."""
    if backend.name != "jax":
        pytest.skip("jax.jit only")
    import jax

    rng = np.random.default_rng(3)
    host = make(rng, "float32", (2, 3, 7), "ties")
    k = rng.integers(0, 8, (2, 7))
    fn = jax.jit(lambda x, k: am.topk_mask(x, k, axis=1, ties="index"))
    got = fn(backend.asarray(host), backend.asarray(k))
    assert_equal(got, ref.topk(host, k, 1), like=backend.asarray(host))
    frac = jax.jit(lambda x, f: am.top_fraction_mask(x, f, axis=-1))
    f = rng.random((2, 3)).astype(np.float32)
    counts = np.floor(f.astype(np.float64) * 7).astype(np.int64)
    assert_equal(frac(backend.asarray(host), backend.asarray(f)), ref.topk(host, counts, -1),
                 like=backend.asarray(host))
