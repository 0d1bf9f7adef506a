"""Bad arguments raise clear exceptions and leave the inputs alone."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import Backend, raises_and_leaves_input

import arraymask as am


@pytest.mark.parametrize("rate", [-0.1, 1.0000001, float("nan"), float("inf"), -float("inf")])
def test_rate_out_of_range(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        am.random_mask((3, 4), rate, seed=0)
    with pytest.raises(ValueError, match="rate"):
        am.random_mask((3, 4), rate, seed=0, exact=True)


@pytest.mark.parametrize("rate", ["0.5", None, True, 1j, object()])
def test_rate_wrong_kind(rate: object) -> None:
    with pytest.raises(TypeError, match="rate"):
        am.random_mask((3, 4), rate, seed=0)


def test_rate_array_checks(backend: Backend) -> None:
    bad = backend.asarray(np.array([0.1, 1.5, 0.2]))
    raises_and_leaves_input(ValueError, r"rate must be in \[0, 1\], got 1.5",
                            lambda: am.random_mask((3, 4), bad, seed=0), bad)
    nan = backend.asarray(np.array([0.1, np.nan, 0.2]))
    raises_and_leaves_input(ValueError, "rate must be in",
                            lambda: am.random_mask((3, 4), nan, seed=0, exact=True), nan)
    shape_bad = backend.asarray(np.array([0.1, 0.2]))
    raises_and_leaves_input(ValueError, "does not broadcast",
                            lambda: am.random_mask((3, 4), shape_bad, seed=0), shape_bad)
    too_big = backend.asarray(np.full((2, 3), 0.5))
    raises_and_leaves_input(ValueError, "slice shape",
                            lambda: am.random_mask((3, 4), too_big, seed=0), too_big)
    ints = backend.asarray(np.array([0, 1, 0]))
    raises_and_leaves_input(TypeError, "floating",
                            lambda: am.random_mask((3, 4), ints, seed=0), ints)


def test_rate_array_with_axis_none() -> None:
    with pytest.raises(ValueError, match="slice shape"):
        am.random_mask((3, 4), np.array([0.1, 0.2, 0.3]), seed=0, axis=None)
    # a 0-d array rate is fine with axis=None
    mask = am.random_mask((3, 4), np.array(0.5), seed=0, axis=None, exact=True)
    assert int(mask.sum()) == 6


@pytest.mark.parametrize("seed", [-1, 2**64, 2**100])
def test_seed_out_of_range(seed: int) -> None:
    with pytest.raises(ValueError, match=f"seed must be in \\[0, 2\\*\\*64\\), got {seed}"):
        am.random_mask((3,), 0.5, seed=seed)
    with pytest.raises(ValueError, match="seed"):
        am.random.bits(3, seed=seed)
    with pytest.raises(ValueError, match="seed"):
        am.random.uniform(3, seed=seed)


@pytest.mark.parametrize("seed", [1.0, True, False, "1", np.float64(3.0), np.array([1]), 2 + 0j])
def test_seed_not_an_integer(seed: object) -> None:
    with pytest.raises(TypeError, match="seed"):
        am.random_mask((3,), 0.5, seed=seed)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed"):
        am.random.bits(3, seed=seed)  # type: ignore[arg-type]


def test_seed_integer_kinds_accepted() -> None:
    want = am.random.bits(5, seed=2**64 - 1)
    for seed in [np.uint64(2**64 - 1), np.array(2**64 - 1, dtype=np.uint64)]:
        np.testing.assert_array_equal(am.random.bits(5, seed=seed), want)  # type: ignore[arg-type]


def test_seed_none() -> None:
    with pytest.raises(TypeError, match="seed"):
        am.random.bits(3, seed=None)  # type: ignore[arg-type]
    # fresh entropy: two draws of 256 elements at rate 0.5 agree by chance with p = 2**-256
    a = am.random_mask((256,), 0.5)
    b = am.random_mask((256,), 0.5)
    assert a.shape == (256,) and not np.array_equal(a, b)


@pytest.mark.parametrize("shape", [(-1,), (3, -2), -4])
def test_negative_shape(shape: object) -> None:
    with pytest.raises(ValueError, match="shape"):
        am.random_mask(shape, 0.5, seed=0)
    with pytest.raises(ValueError, match="shape"):
        am.random.bits(shape, seed=0)
    with pytest.raises(ValueError, match="shape"):
        am.random.uniform(shape, seed=0)


@pytest.mark.parametrize("shape", [(2.0, 3), "ab", (None,), 3.5, (True, 2)])
def test_shape_wrong_kind(shape: object) -> None:
    with pytest.raises(TypeError, match="shape"):
        am.random_mask(shape, 0.5, seed=0)
    with pytest.raises(TypeError, match="shape"):
        am.random.bits(shape, seed=0)


def test_too_many_elements() -> None:
    with pytest.raises(ValueError, match="2\\*\\*63"):
        am.random.bits((2**32, 2**31), seed=0)
    with pytest.raises(ValueError, match="2\\*\\*63"):
        am.random.uniform((2**31, 2**31), seed=0, dtype="float64")


def test_axis_and_exact_checks() -> None:
    with pytest.raises(ValueError, match="axis"):
        am.random_mask((3, 4), 0.5, seed=0, axis=2)
    with pytest.raises(TypeError, match="axis"):
        am.random_mask((3, 4), 0.5, seed=0, axis=1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="exact"):
        am.random_mask((3, 4), 0.5, seed=0, exact="yes")  # type: ignore[arg-type]
    # a 0-d mask has one slice of one element, whatever the axis
    assert am.random_mask((), 1.0, seed=0, exact=True).shape == ()


@pytest.mark.parametrize("dtype", ["float16", "int32", np.int64, "double", None])
def test_uniform_dtype(dtype: object) -> None:
    with pytest.raises(TypeError, match="dtype"):
        am.random.uniform(3, seed=0, dtype=dtype)


def test_uniform_dtype_objects() -> None:
    want = am.random.uniform(4, seed=3, dtype="float64")
    np.testing.assert_array_equal(am.random.uniform(4, seed=3, dtype=np.float64), want)
    torch = pytest.importorskip("torch")
    got = am.random.uniform(4, seed=3, dtype=torch.float64, xp=torch)
    np.testing.assert_array_equal(got.numpy(), want)


def test_xp_and_rate_namespace_mismatch() -> None:
    torch = pytest.importorskip("torch")
    # a NumPy rate array with xp=torch: the rates are read, the mask is torch's
    mask = am.random_mask((2, 3), np.array([0.0, 1.0]), seed=0, xp=torch)
    assert mask.dtype == torch.bool
    assert mask.tolist() == [[False] * 3, [True] * 3]
    with pytest.raises(TypeError, match="xp"):
        am.random_mask((2, 3), 0.5, seed=0, xp=42)
