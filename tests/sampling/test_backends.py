"""The filters on every backend: the NumPy result, in the backend's namespace and on its device."""

from __future__ import annotations

import numpy as np
import pytest
from _dask_helpers import chunked, no_compute
from _helpers import assert_equal, to_numpy
from _reference import ideal

import arraymask as am

ROWS, N = 6, 64


def _clear_logits(seed: int = 0) -> tuple[np.ndarray, dict]:
    """Logits and per-sequence filters whose boundaries are far from every running sum
    (so that float32 arithmetic, JAX without x64, decides as float64 does)."""
    rng = np.random.default_rng(seed)
    while True:
        x = (rng.standard_normal((ROWS, N)) * 3).astype(np.float32)
        x[0, 5] = -np.inf
        x[1, :8] = x[1, 8]  # ties
        kw = {"top_k": rng.integers(1, N + 5, ROWS), "top_p": rng.uniform(0.3, 1.0, ROWS),
              "min_p": rng.uniform(0, 0.2, ROWS).astype(np.float32),
              "temperature": rng.uniform(0.5, 2.0, ROWS).astype(np.float32)}
        margins = [ideal(x[r].astype(np.float64), k=kw["top_k"][r], p=kw["top_p"][r],
                         mp=float(kw["min_p"][r]), t=float(kw["temperature"][r]))[1]
                   for r in range(ROWS)]
        if min(margins) > 1e-4:
            return x, kw


def _exact_backend(backend) -> bool:
    """The backend computes in 64 bits (all but JAX without x64)."""
    if backend.name != "jax":
        return True
    import jax

    return bool(jax.config.read("jax_enable_x64"))


@pytest.mark.parametrize("order", ["sequential", "joint"])
def test_filters_on_every_backend(backend, order):
    host, kw = _clear_logits()
    x = backend.asarray(host)
    params = {k: backend.asarray(v) for k, v in kw.items()}
    mask = am.sampling_mask(x, order=order, **params)
    assert_equal(mask, am.sampling_mask(host, order=order, **kw), like=x)
    tokens = am.sample(x, seed=21, order=order, num_samples=7, **params)
    want = am.sample(host, seed=21, order=order, num_samples=7, **kw)
    got = to_numpy(tokens)
    assert got.shape == (ROWS, 7) and np.take_along_axis(to_numpy(mask), got, -1).all()
    filtered = am.filter_logits(x, order=order, **params)
    if _exact_backend(backend):
        assert_equal(tokens, want if backend.name != "jax" or want.dtype == got.dtype
                     else want.astype(got.dtype), like=x)
        assert_equal(filtered, am.filter_logits(host, order=order, **kw), like=x)
    else:  # float32 probabilities and uniforms: other draws, the same kept set
        np.testing.assert_array_equal(np.isfinite(to_numpy(filtered)), to_numpy(mask))


def test_scalar_filters_and_float16(backend):
    if not backend.has_float16:
        pytest.skip(f"{backend.name} has no float16")
    rng = np.random.default_rng(1)
    host = (rng.standard_normal((3, 40)) * 2).astype(np.float16)
    x = backend.asarray(host)
    for kw in ({"top_k": 5}, {"top_p": 0.9}, {"min_p": 0.3, "temperature": 0.7},
               {"top_k": 10, "top_p": 0.5, "min_p": 0.01}):
        assert_equal(am.sampling_mask(x, **kw), am.sampling_mask(host, **kw), like=x)
        if _exact_backend(backend):
            assert_equal(am.filter_logits(x, **kw), am.filter_logits(host, **kw), like=x)


def test_jax_in_both_modes_and_under_jit(jax_mode):
    jnp, x64 = jax_mode
    import jax

    host, kw = _clear_logits(2)
    x = jnp.asarray(host)
    params = {k: jnp.asarray(v) for k, v in kw.items()}
    want_mask = am.sampling_mask(host, **kw)

    @jax.jit
    def both(x, p, m, t):
        # top_k is known (a NumPy array): lax.top_k takes only the survivors
        return (am.sampling_mask(x, top_k=kw["top_k"], top_p=p, min_p=m, temperature=t),
                am.sample(x, seed=4, top_k=kw["top_k"], top_p=p, min_p=m, temperature=t,
                          num_samples=3))

    mask, tokens = both(x, params["top_p"], params["min_p"], params["temperature"])
    np.testing.assert_array_equal(np.asarray(mask), want_mask)
    eager = am.sample(x, seed=4, num_samples=3, **params)
    np.testing.assert_array_equal(np.asarray(tokens), np.asarray(eager))
    traced_k = jax.jit(lambda x, k: am.sampling_mask(x, top_k=k, top_p=0.8))(x, params["top_k"])
    np.testing.assert_array_equal(np.asarray(traced_k),
                                  am.sampling_mask(host, top_k=kw["top_k"], top_p=0.8))
    if x64:  # the same integers as NumPy: the same tokens
        np.testing.assert_array_equal(np.asarray(tokens),
                                      am.sample(host, seed=4, num_samples=3, **kw))
        np.testing.assert_array_equal(np.asarray(am.filter_logits(x, **params)),
                                      am.filter_logits(host, **kw))


def test_bfloat16_logits():
    torch = pytest.importorskip("torch")
    host = np.random.default_rng(3).standard_normal((4, 50)).astype(np.float32)
    x = torch.from_numpy(host).to(torch.bfloat16)
    exact = x.to(torch.float32).numpy()  # the values bfloat16 holds
    got = am.sampling_mask(x, top_k=9, top_p=0.8)
    np.testing.assert_array_equal(got.numpy(), am.sampling_mask(exact, top_k=9, top_p=0.8))
    filtered = am.filter_logits(x, top_k=9, temperature=0.5)
    assert filtered.dtype == torch.bfloat16
    np.testing.assert_array_equal(am.sample(x, seed=1, top_k=9).numpy(),
                                  am.sample(exact, seed=1, top_k=9))


def test_dask_stays_lazy_with_row_chunks():
    pytest.importorskip("dask.array")
    import dask.array as da

    rng = np.random.default_rng(4)
    host = rng.standard_normal((9, 70)).astype(np.float32)
    x = chunked(host, rng)
    k = da.from_array(rng.integers(1, 80, 9), chunks=4)
    k_host = k.compute()
    p = rng.uniform(0.2, 1.0, 9)
    with no_compute():
        mask = am.sampling_mask(x, top_k=k_host, top_p=p, order="joint")
        tokens = am.sample(x, seed=8, top_p=p, min_p=0.05, num_samples=5)
        filtered = am.filter_logits(x, top_p=p, temperature=0.3)
    assert mask.chunks[0] == x.chunks[0] and tokens.shape == (9, 5)
    np.testing.assert_array_equal(mask.compute(),
                                  am.sampling_mask(host, top_k=k_host, top_p=p, order="joint"))
    np.testing.assert_array_equal(tokens.compute(),
                                  am.sample(host, seed=8, top_p=p, min_p=0.05, num_samples=5))
    np.testing.assert_array_equal(filtered.compute(),
                                  am.filter_logits(host, top_p=p, temperature=0.3))
    lazy_k = am.sampling_mask(x, top_k=k)  # a Dask k is computed at call time (small)
    np.testing.assert_array_equal(lazy_k.compute(), am.sampling_mask(host, top_k=k_host))


def test_dask_along_another_axis():
    pytest.importorskip("dask.array")
    rng = np.random.default_rng(6)
    host = rng.standard_normal((30, 4, 3)).astype(np.float64)
    x = chunked(host, rng)
    got = am.sample(x, seed=2, top_k=5, axis=0, num_samples=2)
    np.testing.assert_array_equal(got.compute(), am.sample(host, seed=2, top_k=5, axis=0,
                                                           num_samples=2))


def test_jax_compiles_once_per_power_of_two_of_the_largest_k(jax_mode):
    # a serving loop with a new top_k per request must not compile a function per value
    jnp, _ = jax_mode
    from arraymask._backend import _namespace

    x = jnp.asarray(np.random.default_rng(3).standard_normal((4, 300)).astype(np.float32))
    _namespace._jitted.cache_clear()
    am.sampling_mask(x, top_k=17, top_p=0.9)  # bound 32
    before = _namespace._jitted.cache_info().misses
    for k in range(18, 33):  # the same bound: no new function
        want = am.sampling_mask(np.asarray(x), top_k=k, top_p=0.9)
        np.testing.assert_array_equal(np.asarray(am.sampling_mask(x, top_k=k, top_p=0.9)), want)
    assert _namespace._jitted.cache_info().misses == before
    am.sampling_mask(x, top_k=33, top_p=0.9)  # bound 64: one more
    assert _namespace._jitted.cache_info().misses == before + 1
