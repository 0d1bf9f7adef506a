"""Statistical checks that cannot flake: fixed seeds, bounds of six standard deviations.

The streams are deterministic, so each check either always passes or always
fails; the 6-sigma bounds leave a broken generator nowhere to hide while a
sound one passes with overwhelming margin for any seed (documented in
docs/random.md, "How the stream is tested").
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraymask as am

SIX = 6.0


def _chi2_bound(dof: int) -> float:
    return dof + SIX * math.sqrt(2 * dof)


@pytest.mark.parametrize("rate", [0.001, 0.15, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1, 2**64 - 1])
def test_bernoulli_frequency(rate: float, seed: int) -> None:
    n = 1_000_000
    count = int(am.random_mask((1000, 1000), rate, seed=seed).sum())
    assert abs(count - n * rate) <= SIX * math.sqrt(n * rate * (1 - rate))


@pytest.mark.parametrize("seed", [0, 2**32, 0xDEADBEEF_CAFEBABE])
def test_chi_square_uniform_buckets(seed: int) -> None:
    w = am.random.bits(1 << 22, seed=seed)
    for buckets in (w >> 24, w & 0xFF, (w >> 12) & 0xFF):  # high, low and middle bytes
        counts = np.bincount(buckets.astype(np.intp), minlength=256)
        expected = w.size / 256
        chi2 = float(((counts - expected) ** 2 / expected).sum())
        assert chi2 < _chi2_bound(255), chi2


@pytest.mark.parametrize("seed", [0, 7])
def test_serial_pairs_uniform(seed: int) -> None:
    """Consecutive words (top 4 bits each) fill the 16x16 grid evenly."""
    w = am.random.bits(1 << 22, seed=seed) >> 28
    cells = (w[:-1] * 16 + w[1:]).astype(np.intp)
    counts = np.bincount(cells, minlength=256)
    expected = cells.size / 256
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < _chi2_bound(255), chi2


def _bit_agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For every pair of bit positions (p, q): fraction of i with bit p of a == bit q of b."""
    bits_a = ((a[:, None] >> np.arange(32, dtype=np.uint32)) & 1).astype(np.float32)
    bits_b = ((b[:, None] >> np.arange(32, dtype=np.uint32)) & 1).astype(np.float32)
    both = bits_a.T @ bits_b  # 32 x 32 counts of (1, 1)
    ones_a, ones_b = bits_a.sum(0), bits_b.sum(0)
    zeros = a.size - ones_a[:, None] - ones_b[None, :] + both
    return (both + zeros) / a.size


def _assert_uncorrelated(a: np.ndarray, b: np.ndarray) -> None:
    n = a.size
    agree = _bit_agreement(a, b)
    assert np.abs(agree - 0.5).max() <= SIX * 0.5 / math.sqrt(n)
    ua, ub = a / 2.0**32 - 0.5, b / 2.0**32 - 0.5
    corr = float((ua * ub).mean() / math.sqrt((ua * ua).mean() * (ub * ub).mean()))
    assert abs(corr) <= SIX / math.sqrt(n)


@pytest.mark.parametrize("seed", [0, 2**32 - 1, 2**64 - 2])
def test_neighbouring_counters_uncorrelated(seed: int) -> None:
    w = am.random.bits(1 << 17, seed=seed).astype(np.uint64)
    for lag in (1, 2, 4096):
        _assert_uncorrelated(w[:-lag], w[lag:])


@pytest.mark.parametrize(("seed", "other"), [
    (0, 1), (1, 2), (2**32 - 1, 2**32), (5, 5 + 2**32), (5, 5 ^ (1 << 63)), (2**64 - 2, 2**64 - 1),
])
def test_neighbouring_seeds_uncorrelated(seed: int, other: int) -> None:
    a = am.random.bits(1 << 17, seed=seed).astype(np.uint64)
    b = am.random.bits(1 << 17, seed=other).astype(np.uint64)
    _assert_uncorrelated(a, b)
    for lag in (1, 1000):  # a shifted copy of the other stream would show here
        _assert_uncorrelated(a[:-lag], b[lag:])


@pytest.mark.parametrize(("seed", "other"), [(0, 1), (3, 3 + 2**32), (9, 9 ^ (1 << 40))])
def test_streams_of_neighbouring_seeds_do_not_overlap(seed: int, other: int) -> None:
    """Shared words between two streams of 2**20: about 2**40 / 2**32 = 256 by chance.

    A seed that only shifted or permuted the counter would share all of them.
    """
    n = 1 << 20
    shared = np.intersect1d(am.random.bits(n, seed=seed), am.random.bits(n, seed=other)).size
    expected = n * n / 2.0**32
    assert abs(shared - expected) <= SIX * math.sqrt(expected), shared


def test_high_counter_words_are_fresh() -> None:
    """Counters past 2**32 take new round keys: no overlap with the first block."""
    import array_api_compat.numpy as xnp

    from arraymask.random import _generic as generic

    n = 1 << 20
    low = generic.bits_array((n,), 11, xnp)
    high = generic.bits_array((n,), 11, xnp, start=1 << 32)
    expected = n * n / 2.0**32
    assert abs(np.intersect1d(low, high).size - expected) <= SIX * math.sqrt(expected)
    _assert_uncorrelated(low[: 1 << 17].astype(np.uint64), high[: 1 << 17].astype(np.uint64))


def test_counter_avalanche() -> None:
    """Flipping one bit of the counter flips each output bit half of the time."""
    from arraymask._ext import rng
    from arraymask.random import _generic as generic

    n = 1 << 16
    counters = np.random.default_rng(5).integers(0, 2**62, n, dtype=np.int64)

    def words(c: np.ndarray) -> np.ndarray:
        out = np.empty(c.size, dtype=np.uint32)
        rng.fill_bits(out, 1, c, 77, 2)
        return out

    base = words(counters)
    assert int(base[0]) == generic.stream_word(77, int(counters[0]))
    shifts = np.arange(32, dtype=np.uint32)
    for bit in range(32):
        flipped = words(counters ^ (1 << bit))
        freq = (((base ^ flipped)[:, None] >> shifts) & 1).mean(axis=0)
        assert np.abs(freq - 0.5).max() <= SIX * 0.5 / math.sqrt(n), (bit, freq)


@pytest.mark.parametrize("n", [1, 2, 7, 10, 64, 1000])
def test_exact_counts_exact(n: int) -> None:
    rates = np.array([0.0, 0.05, 0.15, 0.25, 0.35, 0.5, 0.999, 1.0])
    for axis in (0, 1):
        shape = (len(rates), n) if axis == 1 else (n, len(rates))
        mask = am.random_mask(shape, rates, seed=n, exact=True, axis=axis)
        counts = mask.sum(axis=axis)
        np.testing.assert_array_equal(counts, [round(float(r) * n) for r in rates])
    for rate in rates:
        whole = am.random_mask((3, n), float(rate), seed=1, exact=True, axis=None)
        assert int(whole.sum()) == round(float(rate) * 3 * n)


def test_exact_positions_uniform() -> None:
    """Each position of a slice is chosen with probability k / n."""
    rows, n, k = 40000, 10, 3
    mask = am.random_mask((rows, n), k / n, seed=2024, exact=True)
    per_position = mask.sum(axis=0)
    p = k / n
    assert np.all(np.abs(per_position - rows * p) <= SIX * math.sqrt(rows * p * (1 - p)))
    # every 3-subset of 10 positions (120 of them) equally often
    codes = (mask.astype(np.int64) << np.arange(n)).sum(axis=1)
    counts = np.unique(codes, return_counts=True)[1]
    assert counts.size == math.comb(n, k)
    expected = rows / counts.size
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < _chi2_bound(counts.size - 1), chi2


def test_uniform_moments() -> None:
    for dtype in ("float32", "float64"):
        u = am.random.uniform(1 << 20, seed=99, dtype=dtype).astype(np.float64)
        n = u.size
        assert abs(u.mean() - 0.5) <= SIX * math.sqrt(1 / 12 / n)
        assert abs(u.var() - 1 / 12) <= SIX * math.sqrt(1 / 180 / n)
