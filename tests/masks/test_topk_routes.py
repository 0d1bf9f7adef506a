"""The compiled top-k route: taken for NumPy and CPU torch, identical to the twin."""

from __future__ import annotations

import array_api_compat
import array_api_compat.numpy as cnp
import numpy as np
import pytest
from _helpers import spy_on
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraymask as am
from arraymask.masks import _generic as twins
from arraymask.masks import _kernels

KERNEL_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64"]


def _twin(x: np.ndarray, k, axis, largest: bool, ties: str) -> np.ndarray:
    return np.asarray(twins.topk(x, k, axis, cnp, largest=largest, ties=ties))


@pytest.fixture
def spies(monkeypatch):
    """Count compiled calls; make the array-API twin fail loudly if reached."""
    calls = {"host": 0}
    real = _kernels.topk

    def host(*args, **kwargs):
        calls["host"] += 1
        return real(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the array-API twin ran instead of the compiled kernel")

    monkeypatch.setattr(_kernels, "topk", host)
    monkeypatch.setattr(twins, "topk_last_axis", forbidden)
    monkeypatch.setattr(twins, "nucleus_counts", forbidden)
    return calls


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_compiled_route_is_taken(spies, library):
    host = np.random.default_rng(0).random((4, 8)).astype(np.float32)
    if library == "torch":
        torch = pytest.importorskip("torch")
        x = torch.from_numpy(host)
        k = torch.tensor([1, 2, 3, 4])
    else:
        x, k = host, np.array([1, 2, 3, 4])
    am.topk_mask(x, 3)
    am.topk_mask(x, k, ties="all")
    am.topk_mask(x, 5, axis=None, largest=False)
    am.top_fraction_mask(x, 0.5)
    am.nucleus_mask(x, 0.5)
    am.nm_mask(x, 2, 4)
    assert spies["host"] >= 6


def test_twin_runs_where_there_is_no_host_view(monkeypatch):
    xps = pytest.importorskip("array_api_strict")
    called = []
    monkeypatch.setattr(_kernels, "topk", lambda *a, **k: called.append(1))
    am.topk_mask(xps.asarray([3.0, 1.0, 2.0]), 2)
    assert not called


@st.composite
def kernel_inputs(draw):
    dtype = np.dtype(draw(st.sampled_from(KERNEL_DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=9))
    if dtype.kind == "f":
        elements = st.one_of(
            st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0]),
            st.floats(width=8 * dtype.itemsize, allow_nan=True),
        )
    else:
        elements = None
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    view = draw(st.sampled_from(["plain", "reversed", "strided", "transposed"]))
    if view == "reversed":
        x = x[..., ::-1]
    elif view == "strided":
        x = x[..., ::2]
    elif view == "transposed":
        x = x.T
    axis = draw(st.sampled_from([None, *range(-x.ndim, x.ndim)]))
    n = x.size if axis is None else x.shape[axis]
    if axis is not None and draw(st.booleans()):
        batch = x.shape[:axis % x.ndim] + x.shape[axis % x.ndim + 1:]
        k = draw(hnp.arrays(np.int64, batch, elements=st.integers(0, n)))
    else:
        k = draw(st.integers(0, n))
    return x, k, axis, draw(st.booleans()), draw(st.sampled_from(["index", "all"]))


@given(kernel_inputs())
def test_kernel_agrees_with_twin(case):
    x, k, axis, largest, ties = case
    before = x.copy()
    ax = None if axis is None else axis % x.ndim
    got = _kernels.topk(x, k, ax, largest=largest, ties=ties)
    want = _twin(x, k, ax, largest, ties)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, before)


def _stable_reference(x: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """Top k of a 1-D float array by a stable lexsort (NaN above +inf)."""
    nan = np.isnan(x).astype(np.int8)
    v = np.where(nan, 0.0, x.astype(np.float64)) + 0.0
    order = np.lexsort((np.arange(x.size), -v, -nan)) if largest else np.lexsort(
        (np.arange(x.size), v, nan))
    out = np.zeros(x.size, dtype=bool)
    out[order[:k]] = True
    return out


@pytest.mark.parametrize("rows", [1, 3])
def test_long_slices(rows):
    """Slices of 70000 (keys block by block; one slice splits over the threads)."""
    rng = np.random.default_rng(rows)
    x = rng.integers(-50, 50, (rows, 70000)).astype(np.float32)
    x[:, ::97] = np.nan
    x[:, 5::89] = -0.0
    for k in (0, 1, 700, 35000, 69999, 70000):
        for largest in (True, False):
            got = am.topk_mask(x, k, largest=largest)
            for r in range(rows):
                np.testing.assert_array_equal(got[r], _stable_reference(x[r], k, largest))
    all_ties = am.topk_mask(x, 700, ties="all")
    assert (all_ties.sum(axis=1) >= 700).all()
    np.testing.assert_array_equal(all_ties, _twin(x, 700, 1, True, "all"))


@pytest.mark.parametrize("sampled", [-1.0, 100.0, np.nan])
def test_long_slice_sample_misled(sampled):
    """The sampled positions (8, 24, 40, ... for n = 70000) hold one value.

    With -1.0 the sample's band misses the k-th value (the radix fallback
    runs); with 100.0 or NaN the band holds only that value, which is right.
    """
    rng = np.random.default_rng(4)
    x = rng.standard_normal(70000)
    x[8::16] = sampled
    for k in (1, 700, 4000, 60000):
        for largest in (True, False):
            for ties in ("index", "all"):
                np.testing.assert_array_equal(
                    am.topk_mask(x, k, largest=largest, ties=ties),
                    _twin(x, k, 0, largest, ties),
                )


@pytest.mark.slow
def test_long_global_slice_matches_twin():
    x = np.random.default_rng(9).standard_normal(2_000_003).astype(np.float32)
    x[::3] = x[7]
    for k in (1, 20_000, 1_000_000):
        np.testing.assert_array_equal(am.topk_mask(x, k, axis=None),
                                      _twin(x, k, None, True, "index"))


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=150),
               elements=st.floats(0, 1)),
    st.floats(0.01, 1.0),
)
def test_kernels_counts_agree_with_twin(probs, p):
    got = _kernels.nucleus_counts(probs, p, probs.ndim - 1)
    want = np.asarray(twins.nucleus_counts(probs, p, probs.ndim - 1, cnp))
    np.testing.assert_array_equal(got, want)


@given(kernel_inputs())
def test_every_way_to_find_the_kth_value_agrees(case):
    """The twin's three ways to find the k-th value -- a sort (the reference), the
    bitwise search on order-preserving keys, the backend's own top-k (torch and
    JAX, whatever their tie order) -- give the compiled kernel's mask."""
    x, k, axis, largest, ties = case
    ax = None if axis is None else axis % x.ndim
    want = _kernels.topk(x, k, ax, largest=largest, ties=ties)
    for method in ("sort", "radix", "blocks"):
        got = twins.topk(x, k, ax, cnp, largest=largest, ties=ties, method=method)
        np.testing.assert_array_equal(np.asarray(got), want, err_msg=method)
    for name in ("torch", "jax.numpy"):
        lib = pytest.importorskip(name)
        if x.dtype == np.uint64 and name == "torch":
            continue  # torch's uint64 has no comparisons (CPU torch takes the kernel)
        if x.dtype.itemsize == 8 and name == "jax.numpy":
            continue  # JAX without x64 narrows 64-bit values
        xb = lib.asarray(np.array(x, copy=True))
        kb = k if isinstance(k, int) else lib.asarray(np.array(k, copy=True))
        xp = array_api_compat.array_namespace(xb)
        method = twins.kth_method(xp, xb.dtype, kb)  # "native" / "stable" where it applies
        got = twins.topk(xb, kb, ax, xp, largest=largest, ties=ties, method=method)
        np.testing.assert_array_equal(np.asarray(got), want, err_msg=f"{name} {method}")


_EXTREMES = {"float32": [-np.inf, np.inf, -0.0], "int16": [-(2**15), 2**15 - 1],
             "uint8": [0, 255]}


@given(st.sampled_from(sorted(_EXTREMES)), st.data())
def test_block_bound_finds_the_sorted_kth_value(dtype, data):
    """The block-maxima route gives the sort's k-th value for any group size, per-row
    ranks, ties and the dtype's extreme values (which are also its padding), with
    the candidates gathered and with the rows sorted whole."""
    xps = pytest.importorskip("array_api_strict")
    elements = st.integers(0, 40) | st.sampled_from(_EXTREMES[dtype])
    shape = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=40)
    z = data.draw(hnp.arrays(dtype, shape, elements=elements), label="z")
    n = z.shape[-1]
    rank = data.draw(hnp.arrays(np.int64, (*z.shape[:-1], 1), elements=st.integers(1, n)))
    block = data.draw(st.integers(1, n // int(rank.max())), label="block")  # rank <= groups
    largest = data.draw(st.booleans(), label="largest")
    zs, rs = xps.asarray(z), xps.asarray(rank)
    want = twins._kth_sorted(zs, rs, xps, largest=largest)
    for width in (n, 1):  # candidates gathered; rows sorted whole
        got = twins._kth_by_blocks(zs, rs, xps, largest=largest, block=block,
                                   max_width=width)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    np.testing.assert_array_equal(np.asarray(zs), z)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("ties", ["index", "all"])
def test_blocks_route_on_a_second_device(monkeypatch, largest, ties):
    """Public calls on array-api-strict's second device take the block bound (rows long
    enough for it) and give the kernel's mask, with NaN, ties and a per-row k."""
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(4)
    host = rng.integers(0, 300, (40, 900)).astype(np.float32)
    host[::7, ::11] = np.nan
    k = rng.integers(0, 20, 40)
    device = xps.Device("device1")
    calls = spy_on(monkeypatch, twins, "_kth_by_blocks")
    for kk in (7, k):
        want = _kernels.topk(host, kk, 1, largest=largest, ties=ties)
        got = am.topk_mask(xps.asarray(host, device=device),
                           kk if isinstance(kk, int) else xps.asarray(kk, device=device),
                           largest=largest, ties=ties)
        assert got.device == device
        np.testing.assert_array_equal(np.asarray(xps.asarray(got, device=xps.Device(
            "CPU_DEVICE"))), want)
    assert len(calls) == 2


def test_the_twin_chooses_the_native_or_sort_free_way(monkeypatch):
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    xps = pytest.importorskip("array_api_strict")
    k = np.array([1, 2])
    assert twins.kth_method(array_api_compat.array_namespace(torch.zeros(1)), torch.float32,
                            2) == "native"
    assert twins.kth_method(array_api_compat.array_namespace(torch.zeros(1)), torch.uint32,
                            2) == "blocks"
    jxp = array_api_compat.array_namespace(jnp.zeros(1))
    assert twins.kth_method(jxp, np.dtype("float32"), jnp.asarray(k)) == "stable"
    # XLA's top-k is slow on wide integers, and float32 does not hold them exactly
    assert twins.kth_method(jxp, np.dtype("int64"), 2) == "radix"
    assert twins.kth_method(cnp, np.float32, 2) == "radix"
    assert twins.kth_method(array_api_compat.array_namespace(xps.zeros(1)), xps.float32,
                            2) == "blocks"
    calls = spy_on(monkeypatch, torch, "topk")  # CPU torch takes the kernel, not torch.topk
    am.topk_mask(torch.arange(6.0).reshape(2, 3), 1)
    assert calls == []
