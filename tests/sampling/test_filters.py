"""sampling_mask, filter_logits and sample on NumPy: the contract, case by case,
and agreement with the slow references (exact arithmetic and ideal float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _reference import exact, ideal, rows, table_exp

import arraymask as am
from arraymask.sampling._common import exp_table

RNG = np.random.default_rng(17)


def logp(*probs: float) -> np.ndarray:
    return np.log(np.array(probs, dtype=np.float64))


# ------------------------------------------------------------- the arithmetic


def test_the_table_holds_correctly_rounded_exponentials():
    import decimal

    table = exp_table()
    ctx = decimal.Context(prec=50)
    for j, v in [(0, 1), (0, 511), (1, 7), (2, 300), (3, 1), (4, 444), (5, 128), (6, 177)]:
        arg = ctx.multiply(v, ctx.power(decimal.Decimal(2), 9 * j - 52))
        assert float(table[j * 512 + v]) == float(ctx.exp(-arg))
    assert table[0] == 1.0 and table.shape == (7 * 512,)


def test_table_exp_is_close_to_exp():
    xs = np.concatenate([RNG.random(20000) * 40, RNG.random(2000) * 700, [0.0, 1e-300, 707.9]])
    worst = max(abs(table_exp(float(x)) / math.exp(-float(x)) - 1) for x in xs)
    assert worst < 2e-15
    assert table_exp(0.0) == 1.0 and table_exp(708.0) == 0.0 and table_exp(math.inf) == 0.0


# ------------------------------------------------------------- the contract


def test_top_p_keeps_the_crossing_token():
    x = logp(0.5, 0.2, 0.15, 0.1, 0.05)
    assert am.sampling_mask(x, top_p=0.45).tolist() == [True, False, False, False, False]
    assert am.sampling_mask(x, top_p=0.6).tolist() == [True, True, False, False, False]
    assert am.sampling_mask(x, top_p=0.75).tolist() == [True, True, True, False, False]
    assert am.sampling_mask(x, top_p=0.9).tolist() == [True, True, True, True, False]
    assert am.sampling_mask(x, top_p=1.0).all()
    assert am.sampling_mask(x, top_p=1e-9).sum() == 1


def test_top_p_at_an_exact_boundary():
    # equal logits weigh exactly 2**s each: the sums hit p * W exactly, and the token
    # that reaches p is the last one kept
    x = np.zeros(4)
    assert am.sampling_mask(x, top_p=0.25).tolist() == [True, False, False, False]
    assert am.sampling_mask(x, top_p=0.5).tolist() == [True, True, False, False]
    assert am.sampling_mask(x, top_p=0.5000001).tolist() == [True, True, True, False]
    assert am.sampling_mask(x, top_p=0.75).tolist() == [True, True, True, False]


def test_min_p_relative_to_the_top_probability():
    x = logp(0.5, 0.3, 0.15, 0.05)
    assert am.sampling_mask(x, min_p=0.5).tolist() == [True, True, False, False]
    assert am.sampling_mask(x, min_p=0.2).tolist() == [True, True, True, False]
    assert am.sampling_mask(x, min_p=1.0).tolist() == [True, False, False, False]
    assert am.sampling_mask(x, min_p=0.0).all()
    assert am.sampling_mask(np.zeros(3), min_p=1.0).all()  # E(0) == 1: ties pass min_p=1


def test_top_k_ties_go_to_the_lower_index():
    x = np.array([1.0, 3.0, 2.0, 3.0, 2.0])
    assert am.sampling_mask(x, top_k=1).tolist() == [False, True, False, False, False]
    assert am.sampling_mask(x, top_k=3).tolist() == [False, True, True, True, False]
    assert am.sampling_mask(x, top_k=99).all()


def test_banned_tokens_and_the_always_keep_one_rule():
    x = np.array([[0.0, -np.inf, 1.0, -np.inf], [-np.inf] * 4, [np.nan, 0.0, -np.inf, np.nan]])
    got = am.sampling_mask(x, top_k=4)
    assert got.tolist() == [[True, False, True, False], [True, False, False, False],
                            [False, True, False, False]]
    assert am.sampling_mask(x, top_p=1.0).tolist() == got.tolist()
    assert am.sampling_mask(x, min_p=0.0).tolist() == got.tolist()
    assert (am.sampling_mask(x, top_p=0.01).sum(axis=-1) == 1).all()
    tokens = am.sample(x, seed=1, num_samples=50)
    assert set(tokens[0].tolist()) <= {0, 2} and set(tokens[1].tolist()) == {0}
    assert set(tokens[2].tolist()) == {1}


def test_positive_infinity_takes_all_the_probability():
    x = np.array([0.0, np.inf, 5.0, np.inf])
    assert am.sampling_mask(x, top_p=0.5).tolist() == [False, True, False, False]
    assert am.sampling_mask(x, top_p=0.6).tolist() == [False, True, False, True]
    assert am.sampling_mask(x, min_p=0.1).tolist() == [False, True, False, True]
    assert set(am.sample(x, seed=3, num_samples=40).tolist()) == {1, 3}


def test_temperature_sharpens_and_flattens():
    x = logp(0.4, 0.3, 0.2, 0.1)
    assert am.sampling_mask(x, top_p=0.8, temperature=0.1).sum() == 1
    assert am.sampling_mask(x, top_p=0.8, temperature=10.0).sum() == 4
    t = np.array([0.1, 10.0])
    got = am.sampling_mask(np.stack([x, x]), top_p=0.8, temperature=t)
    assert got.sum(axis=1).tolist() == [1, 4]


def test_sequential_renormalises_joint_does_not():
    x = logp(0.3, 0.25, 0.2, 0.15, 0.1)
    seq = am.sampling_mask(x, top_k=2, top_p=0.5)  # 0.3/0.55 = 0.545 >= 0.5
    joint = am.sampling_mask(x, top_k=2, top_p=0.5, order="joint")  # 0.3 < 0.5: two
    assert seq.tolist() == [True, False, False, False, False]
    assert joint.tolist() == [True, True, False, False, False]
    # min-p is relative to the top token: the order does not change it
    for order in ("sequential", "joint"):
        assert am.sampling_mask(x, min_p=0.6, order=order).tolist() == [
            True, True, True, False, False]


def test_per_sequence_parameters_broadcast():
    x = RNG.standard_normal((2, 3, 40))
    k = np.array([[1], [5]])  # (2, 1) against the batch (2, 3)
    p = np.array([0.5, 0.9, 1.0])  # (3,)
    got = am.sampling_mask(x, top_k=k, top_p=p, min_p=0.01)
    want = rows(exact, x, k=np.broadcast_to(k, (2, 3)), p=np.broadcast_to(p, (2, 3)), mp=0.01)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_any_axis(axis):
    x = RNG.standard_normal((7, 9, 11)).astype(np.float32)
    batch = tuple(np.delete(np.array(x.shape), axis % 3))
    k = RNG.integers(1, 12, batch)
    got = am.sampling_mask(x, top_k=k, top_p=0.7, axis=axis)
    np.testing.assert_array_equal(got, rows(exact, x, axis=axis, k=k, p=0.7))
    toks = am.sample(x, seed=4, top_k=k, top_p=0.7, axis=axis, num_samples=3)
    assert toks.shape == tuple(3 if d == axis % 3 else s for d, s in enumerate(x.shape))
    assert np.take_along_axis(got, toks, axis=axis).all()


def test_empty_batches_and_a_vocabulary_of_one():
    assert am.sampling_mask(np.zeros((0, 5)), top_k=2).shape == (0, 5)
    assert am.sampling_mask(np.zeros((3, 0)), top_p=0.5).shape == (3, 0)
    assert am.sample(np.zeros((0, 5)), seed=0, num_samples=2).shape == (0, 2)
    assert am.sampling_mask(np.zeros((2, 1)), top_k=3, top_p=0.1, min_p=1.0).all()
    assert am.sample(np.zeros((2, 1)), seed=0).tolist() == [[0], [0]]


# ------------------------------------------------------------- the references


def _random_params(rng, batch, n):
    kw = {}
    if rng.random() < 0.7:
        kw["top_k"] = rng.integers(1, n + 3, batch) if rng.random() < 0.5 else int(
            rng.integers(1, n + 3))
    if rng.random() < 0.7:
        kw["top_p"] = rng.uniform(0.05, 1.0, batch) if rng.random() < 0.5 else float(
            rng.choice([0.3, 0.9, 1.0]))
    if rng.random() < 0.5:
        kw["min_p"] = rng.uniform(0, 1, batch) if rng.random() < 0.5 else 0.1
    if rng.random() < 0.5:
        kw["temperature"] = rng.uniform(0.3, 2, batch) if rng.random() < 0.5 else 0.7
    return kw


def _logits(rng, shape, style, dtype):
    if style == "ties":
        x = rng.integers(-3, 3, shape).astype(float)
    else:
        x = rng.standard_normal(shape) * 3
    if style == "banned":
        x[rng.random(shape) < 0.3] = -np.inf
        x[0] = -np.inf
        x[..., -1] = np.nan
    return x.astype(dtype)


def _as_reference(kw):
    names = {"top_k": "k", "top_p": "p", "min_p": "mp", "temperature": "t"}
    return {names[k]: v for k, v in kw.items()}


@pytest.mark.parametrize("style", ["normal", "ties", "banned"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_equal_to_the_exact_reference(style, dtype):
    rng = np.random.default_rng(abs(hash((style, dtype))) % 2**32)
    for _ in range(25):
        batch, n = (int(rng.integers(1, 5)),), int(rng.integers(1, 90))
        x = _logits(rng, (*batch, n), style, dtype)
        kw = _random_params(rng, batch, n)
        order = str(rng.choice(["sequential", "joint"]))
        u = am.random.uniform((*batch, 4), seed=5, dtype="float64")
        mask, tokens = rows(exact, x, u=u, joint=order == "joint", **_as_reference(kw))
        np.testing.assert_array_equal(am.sampling_mask(x, order=order, **kw), mask)
        np.testing.assert_array_equal(am.sample(x, seed=5, order=order, num_samples=4, **kw),
                                      tokens)


def test_agrees_with_ideal_float64_softmax_away_from_boundaries():
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(2, 200))
        x = rng.standard_normal(n) * rng.choice([0.5, 3, 10])
        kw = {"k": int(rng.integers(1, n + 1)), "p": float(rng.uniform(0.1, 1)),
              "mp": float(rng.uniform(0, 0.5)), "t": float(rng.uniform(0.5, 2))}
        joint = bool(rng.random() < 0.5)
        want, margin = ideal(x, joint=joint, **kw)
        if margin < 1e-9:
            continue
        got = am.sampling_mask(x, top_k=kw["k"], top_p=kw["p"], min_p=kw["mp"],
                               temperature=kw["t"], order="joint" if joint else "sequential")
        np.testing.assert_array_equal(got, want)
        checked += 1
    assert checked > 250


def test_filter_logits_is_the_scaled_logits_with_minus_inf():
    x = RNG.standard_normal((3, 20)).astype(np.float32)
    t = np.array([0.5, 1.0, 3.0])
    got = am.filter_logits(x, top_k=5, top_p=0.9, temperature=t)
    keep = am.sampling_mask(x, top_k=5, top_p=0.9, temperature=t)
    scaled = (x.astype(np.float64) * (1.0 / t[:, None])).astype(np.float32)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.where(keep, scaled, -np.inf))
    np.testing.assert_array_equal(am.filter_logits(x), x)  # nothing off, T = 1: unchanged


def test_sample_shape_dtype_and_determinism():
    x = RNG.standard_normal((2, 3, 30))
    a = am.sample(x, seed=9, top_k=10, num_samples=5)
    assert a.shape == (2, 3, 5) and a.dtype == np.int64
    np.testing.assert_array_equal(a, am.sample(x, seed=9, top_k=10, num_samples=5))
    assert not np.array_equal(a, am.sample(x, seed=10, top_k=10, num_samples=5))
    b = am.sample(x, seed=9, top_k=10, axis=1, num_samples=2)
    assert b.shape == (2, 2, 30)
    # draws use the uniforms at the result's row-major positions
    one = am.sample(x, seed=9, top_k=10)
    assert one.shape == (2, 3, 1)


def test_inputs_are_not_modified():
    x = RNG.standard_normal((4, 50)).astype(np.float32)
    x[0, 3] = np.nan
    before = x.copy()
    k = np.array([1, 2, 3, 4])
    am.sampling_mask(x, top_k=k, top_p=0.5)
    am.filter_logits(x, top_k=k, min_p=0.1)
    am.sample(x, seed=0, top_k=k)
    np.testing.assert_array_equal(x, before)
    assert k.tolist() == [1, 2, 3, 4]
