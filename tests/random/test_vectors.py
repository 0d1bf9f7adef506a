"""The published test vectors of docs/random.md, on every implementation of the hash."""

from __future__ import annotations

import numpy as np
import pytest

import arraymask as am
from arraymask._ext import rng
from arraymask.random import _generic as generic

# (seed, counter, word): the table of docs/random.md
VECTORS = [
    (0, 0, 509658803),
    (0, 1, 2713739642),
    (0, 2, 4278815352),
    (1, 0, 1036029511),
    (1, 1, 1519230692),
    (2**32 - 1, 0, 2096393489),
    (2**32, 0, 2661955693),
    (2**64 - 1, 0, 66704676),
    (2**64 - 1, 2**32 - 1, 641366732),
    (2**64 - 1, 2**32, 785861117),
    (0x0123456789ABCDEF, 123456789, 323661682),
    (0x0123456789ABCDEF, 2**62 + 5, 1092908899),
]

KEYS = [
    (0, 0, 0xFF3CD4BF, 0x48218226),
    (0, 1, 0x82C0D5B8, 0xDCE423FC),
    (2**64 - 1, 0, 0x6A95B080, 0xF2C27EF8),
]


@pytest.mark.parametrize(("seed", "counter", "word"), VECTORS)
def test_reference_word(seed: int, counter: int, word: int) -> None:
    assert generic.stream_word(seed, counter) == word


@pytest.mark.parametrize(("seed", "high", "k0", "k1"), KEYS)
def test_round_keys(seed: int, high: int, k0: int, k1: int) -> None:
    assert generic.round_keys(seed, high) == (k0, k1)


@pytest.mark.parametrize(("seed", "counter", "word"), VECTORS)
def test_kernel_word(seed: int, counter: int, word: int) -> None:
    out = np.empty(1, dtype=np.uint32)
    rng.fill_bits(out, 1, np.array([counter], dtype=np.int64), seed)
    assert int(out[0]) == word


@pytest.mark.parametrize(("seed", "counter", "word"), VECTORS)
def test_twin_word(seed: int, counter: int, word: int) -> None:
    import array_api_compat.numpy as xnp

    assert int(generic.bits_array((1,), seed, xnp, start=counter)[0]) == word


@pytest.mark.parametrize(("seed", "counter", "word"), [v for v in VECTORS if v[1] < 8])
def test_public_bits_word(seed: int, counter: int, word: int) -> None:
    assert int(am.random.bits(8, seed=seed)[counter]) == word


def test_uniform_from_words() -> None:
    w = am.random.bits(6, seed=11).astype(np.uint64)
    f32 = am.random.uniform(6, seed=11)
    np.testing.assert_array_equal(f32, ((w >> 8).astype(np.float32) * np.float32(2**-24)))
    f64 = am.random.uniform(3, seed=11, dtype="float64")
    a, b = w[0::2], w[1::2]
    np.testing.assert_array_equal(f64, ((a >> 5) * 2.0**26 + (b >> 6)) * 2.0**-53)


def test_mask_is_threshold_of_words() -> None:
    w = am.random.bits((40, 50), seed=5)
    for rate in [0.0, 0.15, 0.5, 1.0, 2.0**-32, 1 - 2.0**-53]:
        threshold = int(np.floor(rate * 2.0**32))
        np.testing.assert_array_equal(am.random_mask((40, 50), rate, seed=5), w < threshold)
