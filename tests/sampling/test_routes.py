"""The compiled route is taken for NumPy and CPU torch, and equals the array-API twin."""

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
from arraymask._backend import override_threads
from arraymask.sampling import _generic, _kernels


@pytest.fixture
def spies(monkeypatch):
    """Record compiled calls; the twin fails loudly if reached."""

    def forbidden(*a, **k):
        raise AssertionError("the array-API twin ran instead of the compiled kernel")

    calls = {"filter": spy_on(monkeypatch, _kernels, "filter_rows"),
             "top_k": spy_on(monkeypatch, _kernels, "top_k")}
    monkeypatch.setattr(_generic, "filter_rows", forbidden)
    monkeypatch.setattr(_generic, "top_k", forbidden)
    return calls


@pytest.mark.parametrize("library", ["numpy", "torch"])
def test_compiled_route_is_taken(spies, library):
    host = np.random.default_rng(0).standard_normal((4, 30)).astype(np.float32)
    k = np.array([1, 5, 30, 40])
    if library == "torch":
        torch = pytest.importorskip("torch")
        x, k = torch.from_numpy(host), torch.from_numpy(k)
    else:
        x = host
    am.sampling_mask(x, top_k=k, top_p=0.9)
    am.filter_logits(x, min_p=0.1, temperature=0.5)
    am.sample(x, seed=1, top_p=0.8, order="joint")
    am.top_k(x, 3)
    assert {route: len(seen) for route, seen in spies.items()} == {"filter": 3, "top_k": 1}


def test_twin_where_there_is_no_host_view(monkeypatch):
    xps = pytest.importorskip("array_api_strict")
    monkeypatch.setattr(_kernels, "filter_rows", lambda *a, **k: 1 / 0)
    monkeypatch.setattr(_kernels, "top_k", lambda *a, **k: 1 / 0)
    am.sampling_mask(xps.asarray([[3.0, 1.0, 2.0]]), top_p=0.5)
    am.top_k(xps.asarray([3.0, 1.0, 2.0]), 2)


def _both(x, draws=3, **kw):
    """The kernel's and the twin's (mask, tokens) on NumPy data."""
    order = kw.pop("order", "sequential")
    u = am.random.uniform((*x.shape[:-1], draws), seed=2, dtype="float64")
    kernel_mask = am.sampling_mask(x, order=order, **kw)
    kernel_tokens = am.sample(x, seed=2, order=order, num_samples=draws, **kw)
    k = kw.get("top_k")
    bound = None if k is None else min(int(np.max(k)), x.shape[-1])
    twin = _generic.filter_rows(x, cnp, temperature=kw.get("temperature", 1.0), top_k=k,
                                top_p=kw.get("top_p"), min_p=kw.get("min_p"),
                                joint=order == "joint", bound=bound, uniforms=u)
    return (kernel_mask, kernel_tokens), (np.asarray(twin[0]), np.asarray(twin[1]))


@pytest.mark.parametrize("library", ["torch", "array_api_strict"])
@pytest.mark.parametrize("order", ["sequential", "joint"])
def test_twin_with_a_top_k_bound_on_eager_namespaces(monkeypatch, library, order):
    """The top max(k) by the generic top_k route (torch's: the CUDA route, on the CPU)
    gives the kernel's mask and tokens, with heavy ties, NaN and rows of one value."""
    lib = pytest.importorskip(library)
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, (6, 300)).astype(np.float64)
    x[0, 7] = np.nan
    x[1] = 1.0
    k = np.array([1, 5, 17, 40, 299, 64])
    (km, kt), _ = _both(x, top_k=k, top_p=0.7, order=order)
    xb = lib.asarray(x)
    xp = array_api_compat.array_namespace(xb)
    u = am.random.uniform((6, 3), seed=2, dtype="float64", xp=xp)
    calls = spy_on(monkeypatch, _generic, "top_k")
    mask, tokens = _generic.filter_rows(xb, xp, temperature=1.0, top_k=xp.asarray(k),
                                        top_p=0.7, min_p=None, joint=order == "joint",
                                        bound=299, uniforms=u)
    assert calls == ["top_k"]
    np.testing.assert_array_equal(np.asarray(mask), km)
    np.testing.assert_array_equal(np.asarray(tokens), kt)


@st.composite
def cases(draw):
    dtype = draw(st.sampled_from(["float16", "float32", "float64"]))
    rows = draw(st.integers(1, 4))
    n = draw(st.integers(1, 70))
    elements = st.one_of(
        st.sampled_from([np.nan, -np.inf, np.inf, 0.0, -0.0, 1.0, -1.0, 2.0]),
        st.floats(-30, 30, width=16 if dtype == "float16" else 32),
    )
    x = draw(hnp.arrays(dtype, (rows, n), elements=elements))
    kw = {}
    if draw(st.booleans()):
        kw["top_k"] = draw(hnp.arrays(np.int64, (rows,), elements=st.integers(1, n + 2)))
    if draw(st.booleans()):
        kw["top_p"] = draw(st.floats(0.01, 1.0))
    if draw(st.booleans()):
        kw["min_p"] = draw(hnp.arrays(np.float64, (rows,), elements=st.floats(0, 1)))
    if draw(st.booleans()):
        kw["temperature"] = draw(st.floats(0.05, 20))
    kw["order"] = draw(st.sampled_from(["sequential", "joint"]))
    return x, kw


@given(cases())
def test_kernel_equals_twin(case):
    x, kw = case
    (km, kt), (tm, tt) = _both(x, **kw)
    np.testing.assert_array_equal(km, tm)
    np.testing.assert_array_equal(kt, tt)


@pytest.mark.parametrize("draws", [3, 40])
@pytest.mark.parametrize("path", ["survivors", "nan fallback", "no top-k", "joint"])
def test_every_kernel_path_on_long_rows(path, draws):
    """Rows long enough for the radix steps to refine several digits."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((6, 5000)) * 4).astype(np.float32)
    x[:, ::7] = np.round(x[:, ::7])  # many ties
    kw = {"top_k": np.array([1, 10, 100, 700, 4999, 5000]), "top_p": 0.95, "min_p": 0.001}
    if path == "nan fallback":
        x[2, 17] = np.nan
        x[3, :50] = np.nan
    if path == "no top-k":
        del kw["top_k"]
        kw["top_p"] = np.array([0.05, 0.3, 0.6, 0.9, 0.999, 1.0])
    if path == "joint":
        kw["order"] = "joint"
    (km, kt), (tm, tt) = _both(x, draws, **kw)
    np.testing.assert_array_equal(km, tm)
    np.testing.assert_array_equal(kt, tt)


def test_the_thread_count_does_not_change_the_result():
    x = np.random.default_rng(1).standard_normal((64, 3000)).astype(np.float32)
    kw = {"top_p": 0.9, "min_p": 0.01}
    with override_threads(1):
        one = am.sampling_mask(x, **kw), am.sample(x, seed=3, num_samples=4, **kw)
    with override_threads(2):
        two = am.sampling_mask(x, **kw), am.sample(x, seed=3, num_samples=4, **kw)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


def test_strided_and_byte_swapped_logits():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((5, 80))
    want = am.sampling_mask(base[:, ::2].copy(), top_k=7, top_p=0.8)
    np.testing.assert_array_equal(am.sampling_mask(base[:, ::2], top_k=7, top_p=0.8), want)
    swapped = base[:, ::2].astype(">f8")
    np.testing.assert_array_equal(am.sampling_mask(swapped, top_k=7, top_p=0.8), want)
    flipped = base[::-1, ::-2]
    np.testing.assert_array_equal(am.sampling_mask(flipped, top_k=7),
                                  am.sampling_mask(flipped.copy(), top_k=7))
