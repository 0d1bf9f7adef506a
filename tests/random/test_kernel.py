"""The compiled kernel agrees with the array-API twin, and is the path NumPy/torch take."""

from __future__ import annotations

import array_api_compat.numpy as xnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arraymask as am
from arraymask import random as rnd
from arraymask._ext import rng
from arraymask._ext import topk as topk_kernel
from arraymask.random import _generic as generic
from arraymask.random import _kernels as rk

seeds = st.one_of(st.sampled_from([0, 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1]),
                  st.integers(0, 2**64 - 1))
# counters near the interesting boundaries: 0, the high-word step, far out
starts = st.one_of(st.integers(0, 1000), st.integers(2**32 - 300, 2**32 + 300),
                   st.integers(2**33 - 50, 2**33), st.integers(2**62 - 10**6, 2**62))


def _smallest(keys: np.ndarray, k: np.ndarray, out: np.ndarray) -> None:
    """The selection exact-count masks use: the top-k kernel, smallest first."""
    rows, n = keys.shape
    topk_kernel.topk_slices(keys.reshape(rows, n, 1), np.broadcast_to(k, (rows,)),
                            out.reshape(rows, n, 1), 0, False, False, 2)


def _oracle_smallest(keys: np.ndarray, k: np.ndarray) -> np.ndarray:
    """k smallest per row, ties by lower index, by two stable sorts."""
    order = np.argsort(keys, axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    return rank < np.asarray(k).reshape(-1, 1)


@given(n=st.integers(0, 3000), start=starts, seed=seeds, row=st.integers(1, 700))
def test_fill_bits_equals_twin(n: int, start: int, seed: int, row: int) -> None:
    out = np.empty(n, dtype=np.uint32)
    rows = -(-n // row)
    rng.fill_bits(out, row, start + np.arange(rows, dtype=np.int64) * row, seed, 2)
    np.testing.assert_array_equal(out, generic.bits_array((n,), seed, xnp, start=start))


@given(seed=seeds, rows=st.integers(1, 9), length=st.integers(1, 300), start=starts,
       gap=st.integers(0, 5000))
def test_fill_bits_scattered_rows(seed: int, rows: int, length: int, start: int, gap: int) -> None:
    """Rows whose counters are not contiguous (Dask chunks) each get their own counters."""
    row_starts = start + np.arange(rows, dtype=np.int64) * (length + gap)
    out = np.empty(rows * length, dtype=np.uint32)
    rng.fill_bits(out, length, row_starts, seed, 2)
    want = np.stack([generic.bits_array((length,), seed, xnp, start=int(s)) for s in row_starts])
    np.testing.assert_array_equal(out.reshape(rows, length), want)


@given(seed=seeds, rows=st.integers(1, 6), length=st.integers(1, 200), start=starts,
       data=st.data())
def test_fill_bernoulli_equals_twin(seed: int, rows: int, length: int, start: int, data) -> None:
    special = st.sampled_from([0, 1, 2**31, 2**32 - 1, 2**32])
    thresholds = np.array(
        data.draw(st.lists(st.one_of(special, st.integers(0, 2**32)), min_size=rows,
                           max_size=rows)), dtype=np.uint64)
    row_starts = start + np.arange(rows, dtype=np.int64) * length
    out = np.empty(rows * length, dtype=np.uint8)
    rng.fill_bernoulli(out, length, row_starts, thresholds, seed, 2)
    words = generic.bits_array((rows * length,), seed, xnp, start=start).reshape(rows, length)
    np.testing.assert_array_equal(out.reshape(rows, length).view(bool),
                                  words.astype(np.uint64) < thresholds[:, None])
    one = np.empty(rows * length, dtype=np.uint8)
    rng.fill_bernoulli(one, length, row_starts, thresholds[:1], seed, 1)
    np.testing.assert_array_equal(one.reshape(rows, length).view(bool),
                                  words.astype(np.uint64) < thresholds[0])


@given(data=st.data(), rows=st.integers(1, 5), n=st.integers(1, 600))
def test_smallest_selection_adversarial(data, rows: int, n: int) -> None:
    """Ties (few distinct values), extremes, k = 0 and k = n: the oracle's mask."""
    pool = data.draw(st.sampled_from([
        st.sampled_from([0, 2**32 - 1]),
        st.integers(0, 3),
        st.integers(2**31 - 2, 2**31 + 2),
        st.integers(0, 2**32 - 1),
    ]))
    keys = np.array(data.draw(st.lists(pool, min_size=rows * n, max_size=rows * n)),
                    dtype=np.uint32).reshape(rows, n)
    k = np.array(data.draw(st.lists(st.one_of(st.sampled_from([0, n]), st.integers(0, n)),
                                    min_size=rows, max_size=rows)), dtype=np.int64)
    out = np.empty((rows, n), dtype=np.uint8)
    _smallest(keys, k, out)
    np.testing.assert_array_equal(out.view(bool), _oracle_smallest(keys, k))
    # and the shared top-k machinery agrees (it is what other backends use)
    np.testing.assert_array_equal(
        am.topk_mask(keys, k, axis=-1, largest=False, ties="index"), out.view(bool))


def test_smallest_selection_many_per_bucket() -> None:
    """Every key in one radix bucket: the candidate sort decides everything."""
    keys = (np.arange(5000, dtype=np.uint32)[::-1] % 7).reshape(1, -1).copy()
    for k in [0, 1, 700, 714, 715, 2500, 4999, 5000]:
        out = np.empty(keys.shape, dtype=np.uint8)
        _smallest(keys, np.array([k]), out)
        np.testing.assert_array_equal(out.view(bool), _oracle_smallest(keys, np.array([k])))


@given(seed=seeds, rows=st.integers(1, 8), n=st.integers(1, 500), data=st.data())
def test_exact_equals_select_on_bits(seed: int, rows: int, n: int, data) -> None:
    k = np.array(data.draw(st.lists(st.integers(0, n), min_size=rows, max_size=rows)),
                 dtype=np.int64)
    out = rk.exact((rows, n), seed, k, 1)
    keys = generic.bits_array((rows, n), seed, xnp)
    np.testing.assert_array_equal(out, _oracle_smallest(keys, k))


def test_twin_on_numpy_equals_public(monkeypatch: pytest.MonkeyPatch) -> None:
    shape = (33, 129)
    for seed in [0, 2**64 - 1, 123]:
        np.testing.assert_array_equal(generic.bits_array(shape, seed, xnp),
                                      am.random.bits(shape, seed=seed))
        twin_mask = generic.bits_array(shape, seed, xnp) < int(0.3 * 2**32)
        np.testing.assert_array_equal(twin_mask, am.random_mask(shape, 0.3, seed=seed))


@pytest.mark.parametrize("module", ["numpy", "torch"])
def test_fast_path_is_taken(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    xp = pytest.importorskip(module)
    calls: list[str] = []

    def spy(module, name):
        real = getattr(module, name)

        def wrapped(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        return wrapped

    for name in ["fill_bits", "fill_bernoulli"]:
        monkeypatch.setattr(rng, name, spy(rng, name))
    monkeypatch.setattr(topk_kernel, "topk_slices", spy(topk_kernel, "topk_slices"))

    def no_twin(*args, **kwargs):
        raise AssertionError("the array-API twin ran on a host array")

    monkeypatch.setattr(generic, "bits_array", no_twin)
    am.random_mask((20, 30), 0.2, seed=1, xp=xp)
    am.random_mask((20, 30), np.linspace(0, 1, 20), seed=1, xp=xp)
    am.random_mask((20, 30), 0.2, seed=1, exact=True, xp=xp)
    am.random_mask((20, 30), 0.2, seed=1, exact=True, axis=0, xp=xp)
    am.random.bits((3, 4), seed=1, xp=xp)
    am.random.uniform((3, 4), seed=1, xp=xp)
    assert calls == ["fill_bernoulli", "fill_bernoulli", "fill_bits", "topk_slices",
                     "fill_bits", "topk_slices", "fill_bits", "fill_bits"]


def test_torch_result_shares_the_kernel_output() -> None:
    torch = pytest.importorskip("torch")
    mask = am.random_mask((64, 64), 0.5, seed=3, xp=torch)
    assert mask.dtype == torch.bool and mask.device.type == "cpu"
    words = am.random.bits((64, 64), seed=3, xp=torch)
    assert words.dtype == torch.int64  # torch's uint32 lacks shifts and adds
    np.testing.assert_array_equal(words.numpy(), am.random.bits((64, 64), seed=3))


def test_dask_blocks_use_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    da = pytest.importorskip("dask.array")
    calls: list[int] = []
    real = rng.fill_bernoulli

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(rng, "fill_bernoulli", spy)
    mask = am.random_mask((10, 10), 0.5, seed=1, xp=da)
    monkeypatch.setattr(generic, "bits_array", None)
    np.testing.assert_array_equal(mask.compute(), am.random_mask((10, 10), 0.5, seed=1))
    assert calls


def test_row_starts_of_blocks() -> None:
    shape = (4, 5, 6)
    full = np.arange(120).reshape(shape)
    block = full[1:3, 2:5, 3:6]
    starts = rk._row_starts(block.shape, (1, 2, 3), shape)
    np.testing.assert_array_equal(starts, block[..., 0].reshape(-1))


def test_kernel_guards_layout() -> None:
    """The O(1) checks in front of the unchecked loops."""
    out = np.empty(10, dtype=np.uint32)
    with pytest.raises(ValueError, match="do not cover"):
        rng.fill_bits(out, 3, np.zeros(2, dtype=np.int64), 0)
    with pytest.raises(ValueError, match="do not cover"):
        rng.fill_bits(out, 3, np.zeros(5, dtype=np.int64), 0)
    with pytest.raises(ValueError, match="thresholds"):
        rng.fill_bernoulli(np.empty(10, np.uint8), 5, np.zeros(2, dtype=np.int64),
                           np.zeros(3, dtype=np.uint64), 0)


@pytest.mark.parametrize("module", ["numpy", "torch"])
def test_twin_route_on_host_backends(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The array-API route, forced on NumPy (as CuPy runs it: native uint32) and on
    CPU torch (as torch-CUDA runs it: int64 words), gives the compiled results."""
    xp = pytest.importorskip(module)
    want = {
        "bern": am.random_mask((6, 80), 0.15, seed=8, xp=xp),
        "rows": am.random_mask((6, 80), np.linspace(0, 1, 6), seed=8, xp=xp),
        "cols": am.random_mask((6, 80), np.linspace(0, 1, 80), seed=8, axis=0, xp=xp),
        "exact": am.random_mask((6, 80), 0.15, seed=8, exact=True, xp=xp),
        "exact_rows": am.random_mask((6, 80), np.linspace(0, 1, 6), seed=8, exact=True, xp=xp),
        "exact_all": am.random_mask((6, 80), 0.3, seed=8, exact=True, axis=None, xp=xp),
        "bits": am.random.bits((6, 80), seed=8, xp=xp),
        "u64": am.random.uniform((6, 80), seed=8, dtype="float64", xp=xp),
    }
    real = rnd._resolve

    def generic_route(xp_arg, device):
        ns, _ = real(xp_arg, device)
        return ns, "generic"

    monkeypatch.setattr(rnd, "_resolve", generic_route)
    got = {
        "bern": am.random_mask((6, 80), 0.15, seed=8, xp=xp),
        "rows": am.random_mask((6, 80), np.linspace(0, 1, 6), seed=8, xp=xp),
        "cols": am.random_mask((6, 80), np.linspace(0, 1, 80), seed=8, axis=0, xp=xp),
        "exact": am.random_mask((6, 80), 0.15, seed=8, exact=True, xp=xp),
        "exact_rows": am.random_mask((6, 80), np.linspace(0, 1, 6), seed=8, exact=True, xp=xp),
        "exact_all": am.random_mask((6, 80), 0.3, seed=8, exact=True, axis=None, xp=xp),
        "bits": am.random.bits((6, 80), seed=8, xp=xp),
        "u64": am.random.uniform((6, 80), seed=8, dtype="float64", xp=xp),
    }
    for key, value in want.items():
        assert type(got[key]) is type(value), key
        assert got[key].dtype == value.dtype, key
        np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(value), err_msg=key)


def test_non_default_device() -> None:
    """array-api-strict's second device: the result is made there."""
    strict = pytest.importorskip("array_api_strict")
    device = strict.Device("device1")
    for result in [
        am.random.bits((4, 70), seed=1, xp=strict, device=device),
        am.random.uniform((4, 70), seed=1, xp=strict, device=device),
        am.random_mask((4, 70), 0.2, seed=1, xp=strict, device=device),
        am.random_mask((4, 70), [0.1, 0.2, 0.3, 1.0], seed=1, xp=strict, device=device),
        am.random_mask((4, 70), 0.2, seed=1, exact=True, xp=strict, device=device),
    ]:
        assert result.device == device
    rates = strict.asarray([0.1, 0.2, 0.3, 1.0], device=device)
    mask = am.random_mask((4, 70), rates, seed=1, exact=True)
    assert mask.device == device
    np.testing.assert_array_equal(
        np.asarray(mask.to_device(strict.Device("CPU_DEVICE"))._array),
        am.random_mask((4, 70), [0.1, 0.2, 0.3, 1.0], seed=1, exact=True))
