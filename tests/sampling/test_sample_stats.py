"""sample: the filtered distribution (chi-square of 10**6 draws) and the same tokens
on every backend for 10,000 seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _helpers import make_backend, to_numpy

import arraymask as am

LOGITS = np.log(np.array([0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05, 0.03, 0.02, 0.01]))


def _filtered(logits: np.ndarray, **kw) -> np.ndarray:
    keep = am.sampling_mask(logits, **kw)
    t = kw.get("temperature", 1.0)
    p = np.where(keep, np.exp((logits - logits.max()) / t), 0.0)
    return p / p.sum()


def _chi_square_p(counts: np.ndarray, probs: np.ndarray) -> float:
    from scipy import stats

    support = probs > 0
    assert counts[~support].sum() == 0, "a dropped token was drawn"
    return float(stats.chisquare(counts[support], counts.sum() * probs[support]).pvalue)


@pytest.mark.parametrize("name", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("kw", [{}, {"top_k": 6, "top_p": 0.8}, {"min_p": 0.2, "temperature": 0.7},
                                {"top_k": 8, "top_p": 0.7, "order": "joint"}])
def test_a_million_draws_follow_the_filtered_distribution(name, kw):
    pytest.importorskip("scipy")
    backend = make_backend(name)
    draws = to_numpy(am.sample(backend.asarray(LOGITS), seed=2024, num_samples=10**6, **kw))
    counts = np.bincount(draws, minlength=LOGITS.size)
    assert _chi_square_p(counts, _filtered(LOGITS, **kw)) > 1e-4


def test_draws_are_not_biased_towards_low_indices():
    # eight equal tokens: every one drawn about 1/8 of the time
    draws = am.sample(np.zeros(8), seed=5, num_samples=200_000)
    counts = np.bincount(draws, minlength=8)
    assert _chi_square_p(counts, np.full(8, 1 / 8)) > 1e-4


SEEDS = 10_000
#: Seeds on the backends whose every call runs the twin op by op (about 7 ms a call
#: on array-api-strict, 10 on Dask): fewer, so that the file stays well under a minute.
TWIN_SEEDS = 1_000


def _tokens(backend, seeds: range) -> np.ndarray:
    rng = np.random.default_rng(0)
    host = (rng.standard_normal((3, 40)) * 2).astype(np.float32)
    host[1, :5] = host[1, 5]  # ties
    k, p = np.array([5, 40, 12]), np.array([0.9, 0.6, 1.0])
    x, kk, pp = backend.asarray(host), backend.asarray(k), backend.asarray(p)
    return np.stack([to_numpy(am.sample(x, seed=s, top_k=kk, top_p=pp, min_p=0.02,
                                        num_samples=2)) for s in seeds])


@pytest.mark.slow
def test_the_same_tokens_on_every_backend_for_ten_thousand_seeds():
    want = _tokens(make_backend("numpy"), range(SEEDS))
    assert len(np.unique(want.reshape(SEEDS, -1), axis=0)) > SEEDS // 2
    compared: list[str] = []
    for name, count in [("torch", SEEDS), ("cupy", SEEDS), ("torch_cuda", SEEDS),
                        ("array_api_strict", TWIN_SEEDS),
                        ("array_api_strict_device1", TWIN_SEEDS // 3)]:
        try:
            backend = make_backend(name)
        except pytest.skip.Exception:
            continue
        np.testing.assert_array_equal(_tokens(backend, range(count)), want[:count],
                                      err_msg=name)
        compared.append(name)
    if not compared:  # a visible skip, not a pass that compared NumPy with itself
        pytest.skip("no second backend requested or installed")


@pytest.mark.slow
def test_the_same_tokens_with_jax_x64_and_dask(jax_mode):
    _, x64 = jax_mode
    if not x64:
        pytest.skip("without x64 JAX draws from float32 uniforms (documented)")
    seeds = range(0, SEEDS, 8)  # 1,250 seeds spread over the 10,000
    want = _tokens(make_backend("numpy"), seeds)
    np.testing.assert_array_equal(_tokens(make_backend("jax"), seeds), want)
    dask = make_backend("dask")
    np.testing.assert_array_equal(_tokens(dask, range(0, SEEDS, 80)), want[::10])


def test_the_draw_is_the_documented_inverse_cdf():
    # one sequence, two tokens of probabilities 1/4 and 3/4 (integer weights w, 3w):
    # token 1 (probability 3/4) ranks first: u < 3/4 draws it, the rest token 0
    logits = np.log(np.array([0.25, 0.75]))
    u = am.random.uniform((1, 1000), seed=77, dtype="float64")
    tokens = am.sample(logits[None], seed=77, num_samples=1000)
    # ranking order: token 1 first (weight 3/4), then token 0
    np.testing.assert_array_equal(tokens[0], np.where(u[0] < 0.75, 1, 0))
    assert math.isclose((tokens == 1).mean(), 0.75, abs_tol=0.05)
