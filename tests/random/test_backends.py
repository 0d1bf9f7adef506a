"""The same call gives the same bits, uniforms and masks on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import Backend, assert_equal, to_numpy

import arraymask as am

SEEDS = [0, 1, 2**32 - 1, 2**32, 2**64 - 1, 0x5EED_CAFE_F00D_D00D]
SHAPES = [(), (0,), (3, 0), (1,), (7,), (5, 70), (2, 3, 33), (4097,)]


def _like(backend: Backend):
    return backend.asarray(np.zeros(1, dtype=np.float32))


def _word_dtype(backend: Backend):
    return np.int64 if backend.name.startswith("torch") else np.uint32


def _kw(backend: Backend) -> dict:
    return {"xp": backend.module, "device": backend.device}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_bits_identical(backend: Backend, shape) -> None:
    for seed in SEEDS:
        ref = am.random.bits(shape, seed=seed)
        assert ref.dtype == np.uint32 and ref.shape == shape
        got = am.random.bits(shape, seed=seed, **_kw(backend))
        assert_equal(got, ref.astype(_word_dtype(backend)), like=_like(backend))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 2**64 - 1])
@pytest.mark.parametrize("shape", [(), (0,), (5, 70), (3, 4, 5)], ids=str)
def test_uniform_identical(backend: Backend, shape, seed, dtype) -> None:
    ref = am.random.uniform(shape, seed=seed, dtype=dtype)
    assert ref.dtype == np.dtype(dtype)
    if ref.size:
        assert ref.min() >= 0.0 and ref.max() < 1.0
    if backend.name == "jax" and dtype == "float64":  # the fixture's JAX has no x64
        with pytest.raises(TypeError, match="float64"):
            am.random.uniform(shape, seed=seed, dtype=dtype, **_kw(backend))
        return
    got = am.random.uniform(shape, seed=seed, dtype=dtype, **_kw(backend))
    assert_equal(got, ref, like=_like(backend))


RATES = [0.0, 1.0, 0.15, 0.5, 2.0**-32]


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("shape", [(), (0,), (4, 0), (9,), (6, 70), (2, 5, 17)], ids=str)
def test_scalar_rate_identical(backend: Backend, shape, exact) -> None:
    for seed in [0, 2**32, 2**64 - 1]:
        for rate in RATES:
            ref = am.random_mask(shape, rate, seed=seed, exact=exact)
            got = am.random_mask(shape, rate, seed=seed, exact=exact, **_kw(backend))
            assert_equal(got, ref, like=_like(backend))


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1, 2, None])
def test_axes_identical(backend: Backend, axis, exact) -> None:
    shape = (4, 6, 31)
    ref = am.random_mask(shape, 0.3, seed=42, exact=exact, axis=axis)
    got = am.random_mask(shape, 0.3, seed=42, exact=exact, axis=axis, **_kw(backend))
    assert_equal(got, ref, like=_like(backend))


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_per_row_rates_identical(backend: Backend, axis, exact) -> None:
    shape = (5, 6, 40)
    slice_shape = shape[:axis] + shape[axis + 1:]
    rates = np.random.default_rng(axis).random(slice_shape)
    rates.reshape(-1)[:3] = [0.0, 1.0, 0.5]
    ref = am.random_mask(shape, rates, seed=3, exact=exact, axis=axis)
    # the rates as an array of the backend give the backend's result
    got = am.random_mask(shape, backend.asarray(rates), seed=3, exact=exact, axis=axis)
    assert_equal(got, ref, like=_like(backend))
    if axis != 1:
        return
    # and a broadcasting rate (one per leading index)
    col = rates[:, :1]
    ref_b = am.random_mask(shape, col, seed=3, exact=exact, axis=axis)
    got_b = am.random_mask(shape, col, seed=3, exact=exact, axis=axis, **_kw(backend))
    assert_equal(got_b, ref_b, like=_like(backend))


@pytest.mark.parametrize("exact", [False, True])
def test_empty_with_per_row_rates(backend: Backend, exact: bool) -> None:
    cases = [((3, 0), np.full(3, 0.5)), ((0, 4), np.zeros(0)), ((2, 0, 3), np.ones((2, 0)))]
    for shape, rates in cases:
        got = am.random_mask(shape, rates, seed=1, exact=exact, **_kw(backend))
        assert_equal(got, np.zeros(shape, dtype=bool), like=_like(backend))


def test_exact_counts_on_backend(backend: Backend) -> None:
    shape = (7, 300)
    rates = np.linspace(0, 1, 7)
    got = to_numpy(am.random_mask(shape, rates, seed=9, exact=True, **_kw(backend)))
    want = np.array([round(r * 300) for r in rates])
    np.testing.assert_array_equal(got.sum(axis=1), want)


def test_float32_rates(backend: Backend) -> None:
    rates = np.array([0.1, 0.7, 0.3333], dtype=np.float32)
    ref = am.random_mask((3, 50), rates, seed=1)
    got = am.random_mask((3, 50), backend.asarray(rates), seed=1)
    assert_equal(got, ref, like=_like(backend))


# --------------------------------------------------------------------------
# JAX with and without 64-bit types


def test_jax_both_modes(jax_xp) -> None:
    import jax

    seed = 2**63 + 11
    assert_equal(am.random.bits((5, 70), seed=seed, xp=jax_xp),
                 am.random.bits((5, 70), seed=seed), like=jax_xp.zeros(1))
    assert_equal(am.random.uniform((5, 7), seed=seed, xp=jax_xp),
                 am.random.uniform((5, 7), seed=seed), like=jax_xp.zeros(1))
    for exact, axis in [(False, -1), (True, -1), (True, None)]:
        assert_equal(
            am.random_mask((6, 70), 0.15, seed=seed, exact=exact, axis=axis, xp=jax_xp),
            am.random_mask((6, 70), 0.15, seed=seed, exact=exact, axis=axis),
            like=jax_xp.zeros(1),
        )
    rates = jax_xp.asarray([0.0, 0.2, 0.9, 1.0, 0.5, 0.15])  # float32 without x64
    for exact in (False, True):
        assert_equal(am.random_mask((6, 70), rates, seed=seed, exact=exact),
                     am.random_mask((6, 70), np.asarray(rates), seed=seed, exact=exact),
                     like=jax_xp.zeros(1))
    if jax.config.read("jax_enable_x64"):
        assert_equal(am.random.uniform((5, 7), seed=seed, dtype="float64", xp=jax_xp),
                     am.random.uniform((5, 7), seed=seed, dtype="float64"), like=jax_xp.zeros(1))
    else:
        with pytest.raises(TypeError, match="float64"):
            am.random.uniform(3, seed=seed, dtype="float64", xp=jax_xp)


# --------------------------------------------------------------------------
# Dask: chunks compute their own counters


@pytest.mark.parametrize("exact", [False, True])
def test_dask_chunked_equals_numpy(exact) -> None:
    da = pytest.importorskip("dask.array")
    from arraymask.random import _dask, _kernels

    shape = (37, 23, 11)
    for chunks in [(5, 7, 3), (37, 1, 11), (1, 23, 4)]:
        got = _dask.bits(shape, 77).rechunk(chunks)
        direct = da.map_blocks(
            lambda b, block_info=None: _kernels.bits(
                b.shape, 77, tuple(lo for lo, _ in block_info[0]["array-location"]), shape),
            da.zeros(shape, chunks=chunks, dtype=np.uint32), dtype=np.uint32,
        )
        np.testing.assert_array_equal(direct.compute(), am.random.bits(shape, seed=77))
        np.testing.assert_array_equal(got.compute(), am.random.bits(shape, seed=77))
    mask = am.random_mask(shape, 0.4, seed=5, exact=exact, axis=1, xp=da)
    assert mask.chunks is not None
    np.testing.assert_array_equal(mask.compute(), am.random_mask(shape, 0.4, seed=5, exact=exact,
                                                                  axis=1))


def test_dask_is_lazy() -> None:
    da = pytest.importorskip("dask.array")
    mask = am.random_mask((1000, 1000), 0.5, seed=1, xp=da)
    assert isinstance(mask, da.Array)
    assert len(mask.chunks[0]) >= 1


@pytest.mark.slow
def test_large_identical_across_paths() -> None:
    """A large-ish mask: compiled kernel, array-API twin on NumPy and torch agree."""
    import array_api_compat.numpy as xnp

    from arraymask.random import _generic as generic

    shape = (1024, 3000)
    words = am.random.bits(shape, seed=2**40 + 3)
    np.testing.assert_array_equal(generic.bits_array(shape, 2**40 + 3, xnp), words)
    np.testing.assert_array_equal(am.random_mask(shape, 0.15, seed=2**40 + 3),
                                  words < int(0.15 * 2**32))
    torch = pytest.importorskip("torch")
    import array_api_compat.torch as xt

    np.testing.assert_array_equal(generic.bits_array(shape, 2**40 + 3, xt).numpy(),
                                  words.astype(np.int64))
    assert am.random_mask(shape, 0.15, seed=2**40 + 3, xp=torch).dtype == torch.bool


def test_inside_jax_jit(jax_xp) -> None:
    """Shapes, seed and rate are Python values: the mask can be built inside jax.jit."""
    import jax

    def drop(x):
        keep = am.random_mask(x.shape, 0.3, seed=5, xp=jax_xp)
        exact = am.random_mask(x.shape, 0.3, seed=5, exact=True, xp=jax_xp)
        return jax_xp.where(keep, 0.0, x), jax_xp.where(exact, 0.0, x)

    bern, exact = jax.jit(drop)(jax_xp.ones((4, 100)))
    np.testing.assert_array_equal(np.asarray(bern) == 0.0, am.random_mask((4, 100), 0.3, seed=5))
    np.testing.assert_array_equal(np.asarray(exact) == 0.0,
                                  am.random_mask((4, 100), 0.3, seed=5, exact=True))
