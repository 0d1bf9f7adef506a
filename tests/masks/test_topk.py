"""topk_mask, top_fraction_mask, nucleus_mask and nm_mask on every backend."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from _helpers import assert_equal, make, raises_and_leaves_input, to_numpy

import arraymask as am

sys.path.insert(0, str(Path(__file__).parent))
import _topk_reference as ref

# dtypes every backend can hold (JAX without x64 narrows 64-bit ones itself)
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64"]


def _input(backend, host: np.ndarray):
    """Backend array and the NumPy values it really holds (JAX narrows 64-bit)."""
    x = backend.asarray(host)
    return x, to_numpy(x).copy()


# ------------------------------------------------------------- the articles


def test_articles_examples(backend):
    x = backend.asarray(np.array([3, 1, 4, 1, 5, 9, 2, 6]))
    expected = np.array([False, False, False, False, True, True, False, True])
    assert_equal(am.topk_mask(x, 3), expected, like=x)

    rows = backend.asarray(np.array([[3, 1, 4, 1], [5, 9, 2, 6], [8, 7, 0, 5]]))
    per_row = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]], dtype=bool)
    assert_equal(am.topk_mask(rows, 2), per_row, like=rows)

    k = backend.asarray(np.array(2))  # dynamic k: a 0-d array
    assert_equal(am.topk_mask(rows, k), per_row, like=rows)

    scores = backend.asarray(np.arange(40, dtype=np.float32)[::-1].copy())
    top10 = np.zeros(40, dtype=bool)
    top10[:4] = True
    assert_equal(am.top_fraction_mask(scores, 0.1), top10, like=scores)


# ---------------------------------------------------- against the reference


CASES = [  # (shape, axis)
    ((3, 17), -1),
    ((17, 3), 0),
    ((2, 5, 6), 1),
    ((40,), None),
    ((3, 4, 5), None),
]


@pytest.mark.parametrize("dtype", DTYPES)
def test_topk_matches_reference(backend, dtype):
    if dtype == "float16" and backend.name.startswith("array_api_strict"):
        pytest.skip("array-api-strict has no float16")
    rng = np.random.default_rng(abs(hash((backend.name, dtype))) % 2**32)
    for i, (shape, axis) in enumerate(CASES):
        style = ["ties", "special", "wide"][i % 3]
        x, host = _input(backend, make(rng, dtype, shape, style))
        n = host.size if axis is None else host.shape[axis]
        for largest in (True, False):
            for ties in ("index", "all"):
                k = int(rng.integers(0, n + 1))
                got = am.topk_mask(x, k, axis=axis, largest=largest, ties=ties)
                assert_equal(got, ref.topk(host, k, axis, largest, ties), like=x)
        assert_equal(x, host, like=x)  # input untouched


@pytest.mark.parametrize("dtype", ["int16", "float32", "bool"])
def test_topk_per_row_and_0d_k(backend, dtype):
    rng = np.random.default_rng(7)
    x, host = _input(backend, make(rng, dtype, (4, 3, 9), "ties"))
    k_rows = rng.integers(0, 4, (4, 9))
    for ties in ("index", "all"):
        got = am.topk_mask(x, backend.asarray(k_rows), axis=1, ties=ties)
        assert_equal(got, ref.topk(host, k_rows, 1, True, ties), like=x)
    k_col = rng.integers(0, 4, (4, 1))  # broadcasts over the last batch axis
    got = am.topk_mask(x, k_col, axis=2, largest=False)  # a NumPy k for any backend
    assert_equal(got, ref.topk(host, k_col, 2, False), like=x)
    k0 = backend.asarray(np.array(5))
    assert_equal(am.topk_mask(x, k0, axis=None), ref.topk(host, 5, None), like=x)
    k_list = [[1], [2], [4]]  # a Python sequence broadcasting against (3, 9)
    assert_equal(am.topk_mask(x, k_list, axis=0), ref.topk(host, k_list, 0), like=x)


def test_topk_edges(backend):
    x, _host = _input(backend, np.array([[2.0, np.nan, -0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))
    assert_equal(am.topk_mask(x, 0), np.zeros((2, 4), dtype=bool), like=x)
    assert_equal(am.topk_mask(x, 0, ties="all"), np.zeros((2, 4), dtype=bool), like=x)
    assert_equal(am.topk_mask(x, 4), np.ones((2, 4), dtype=bool), like=x)
    # NaN ranks above +inf; -0.0 ties 0.0 (lower index first)
    assert_equal(am.topk_mask(x, 1), np.array([[0, 1, 0, 0], [1, 0, 0, 0]], bool), like=x)
    assert_equal(am.topk_mask(x, 3), np.array([[1, 1, 1, 0], [1, 1, 1, 0]], bool), like=x)
    assert_equal(am.topk_mask(x, 1, largest=False), np.array([[0, 0, 1, 0], [1, 0, 0, 0]], bool),
                 like=x)
    assert_equal(am.topk_mask(x, 1, largest=False, ties="all"),
                 np.array([[0, 0, 1, 1], [1, 1, 1, 1]], bool), like=x)
    for shape, axis in [((3, 0), -1), ((0, 5), -1), ((0,), None), ((2, 0, 3), 1)]:
        e = backend.asarray(np.zeros(shape, dtype=np.float32))
        assert_equal(am.topk_mask(e, 0, axis=axis), np.zeros(shape, dtype=bool), like=e)
    s = backend.asarray(np.array(3.0))  # 0-d input ranks its one element
    assert_equal(am.topk_mask(s, 1, axis=None), np.array(True), like=s)


# ------------------------------------------------------------- bad input


def test_topk_bad_input(backend):
    x = backend.asarray(np.array([[3, 1, 4], [1, 5, 9]]))
    cases = [
        (TypeError, "k must be an integer", lambda: am.topk_mask(x, 1.5)),
        (TypeError, "bool", lambda: am.topk_mask(x, True)),
        (ValueError, "0 <= k <= 3", lambda: am.topk_mask(x, -1)),
        (ValueError, "0 <= k <= 3", lambda: am.topk_mask(x, 4)),
        (ValueError, "0 <= k <= 6", lambda: am.topk_mask(x, 7, axis=None)),
        (ValueError, "0 <= k <= 3", lambda: am.topk_mask(x, np.array([1, 4]))),
        (TypeError, "k must be an integer array", lambda: am.topk_mask(x, np.array([1.0, 2.0]))),
        (ValueError, "does not broadcast", lambda: am.topk_mask(x, np.array([1, 2, 3]))),
        (ValueError, "scalar when axis=None", lambda: am.topk_mask(x, np.array([1]), axis=None)),
        (ValueError, "axis=2", lambda: am.topk_mask(x, 1, axis=2)),
        (ValueError, "ties must be one of", lambda: am.topk_mask(x, 1, ties="first")),
        (TypeError, "largest must be a bool", lambda: am.topk_mask(x, 1, largest=1)),
        (TypeError, "x must be an array", lambda: am.topk_mask("abc", 1)),
    ]
    for exc, match, call in cases:
        raises_and_leaves_input(exc, match, call, x)


def test_topk_rejects_complex():
    z = np.array([1 + 1j, 2 + 0j])
    raises_and_leaves_input(TypeError, "x must have a bool, integer or real floating dtype",
                            lambda: am.topk_mask(z, 1), z)


# ------------------------------------------------------------- fraction


@pytest.mark.parametrize("rounding", ["floor", "round", "ceil"])
def test_top_fraction_matches_reference(backend, rounding):
    rng = np.random.default_rng(3)
    x, host = _input(backend, make(rng, "float32", (4, 10), "ties"))
    for fraction in (0.0, 0.05, 0.25, 0.35, 0.5, 1.0):
        k = ref.fraction_k(fraction, host.size, rounding)
        got = am.top_fraction_mask(x, fraction, rounding=rounding)
        assert_equal(got, ref.topk(host, k, None), like=x)
        k_row = ref.fraction_k(fraction, 10, rounding)
        got = am.top_fraction_mask(x, fraction, axis=1, rounding=rounding, largest=False)
        assert_equal(got, ref.topk(host, k_row, 1, False), like=x)
    fractions = np.array([0.0, 0.25, 0.55, 1.0])
    ks = np.array([ref.fraction_k(f, 10, rounding) for f in fractions])
    got = am.top_fraction_mask(x, backend.asarray(fractions), axis=1, rounding=rounding)
    assert_equal(got, ref.topk(host, ks, 1), like=x)


def test_top_fraction_rounds_half_to_even():
    x = np.arange(10)
    assert int(am.top_fraction_mask(x, 0.25, rounding="round").sum()) == 2  # 2.5 -> 2
    assert int(am.top_fraction_mask(x, 0.35, rounding="round").sum()) == 4  # 3.5 -> 4


def test_top_fraction_bad_input(backend):
    x = backend.asarray(np.arange(6.0).reshape(2, 3))
    cases = [
        (ValueError, r"fraction must be in \[0, 1\]", lambda: am.top_fraction_mask(x, 1.5)),
        (ValueError, r"fraction must be in \[0, 1\]", lambda: am.top_fraction_mask(x, -0.1)),
        (ValueError, r"fraction must be in \[0, 1\]",
         lambda: am.top_fraction_mask(x, float("nan"))),
        (TypeError, "fraction must be a real number", lambda: am.top_fraction_mask(x, "half")),
        (ValueError, r"fraction must be in \[0, 1\]",
         lambda: am.top_fraction_mask(x, np.array([0.5, 2.0]), axis=1)),
        (ValueError, "does not broadcast",
         lambda: am.top_fraction_mask(x, np.array([0.5, 0.5, 0.5]), axis=1)),
        (ValueError, "rounding must be one of",
         lambda: am.top_fraction_mask(x, 0.5, rounding="up")),
    ]
    for exc, match, call in cases:
        raises_and_leaves_input(exc, match, call, x)


# ------------------------------------------------------------- nucleus


def test_nucleus_matches_reference(backend):
    rng = np.random.default_rng(11)
    raw = rng.random((5, 12)) ** 3
    raw[1, :] = 1.0 / 12  # all tied
    raw[2, 3] = np.nan  # a NaN slice is taken whole
    probs = (raw / np.nansum(raw, axis=1, keepdims=True)).astype(np.float32)
    x, host = _input(backend, probs)
    for p in (0.1, 0.5, 0.9, 1.0):
        assert_equal(am.nucleus_mask(x, p), ref.nucleus(host, p), like=x)
        assert_equal(am.nucleus_mask(x, p, axis=0), ref.nucleus(host, p, axis=0), like=x)


def test_nucleus_long_slices_double_the_guess(backend):
    rng = np.random.default_rng(5)
    probs = rng.random((3, 700)).astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)
    x, host = _input(backend, probs)
    for p in (0.2, 0.8, 0.999):
        assert_equal(am.nucleus_mask(x, p), ref.nucleus(host, p), like=x)


def test_nucleus_example():
    probs = np.array([0.05, 0.5, 0.2, 0.25])
    np.testing.assert_array_equal(am.nucleus_mask(probs, 0.7), [False, True, False, True])
    np.testing.assert_array_equal(am.nucleus_mask(probs, 1.0), [True] * 4)


def test_nucleus_bad_input(backend):
    x = backend.asarray(np.full((2, 4), 0.25))
    cases = [
        (ValueError, r"p must be in \(0, 1\]", lambda: am.nucleus_mask(x, 0.0)),
        (ValueError, r"p must be in \(0, 1\]", lambda: am.nucleus_mask(x, 1.01)),
        (TypeError, "p must be a real number", lambda: am.nucleus_mask(x, None)),
        (ValueError, "axis=2", lambda: am.nucleus_mask(x, 0.5, axis=2)),
    ]
    for exc, match, call in cases:
        raises_and_leaves_input(exc, match, call, x)
    ints = backend.asarray(np.ones((2, 4), dtype=np.int32))
    raises_and_leaves_input(TypeError, "probs must have a real floating dtype",
                            lambda: am.nucleus_mask(ints, 0.5), ints)


# ------------------------------------------------------------- N:M


@pytest.mark.parametrize("dtype", ["float32", "int8", "int32", "uint8", "bool"])
def test_nm_matches_reference(backend, dtype):
    rng = np.random.default_rng(13)
    for style in ("ties", "special"):
        x, host = _input(backend, make(rng, dtype, (3, 8), style))
        for n, m in [(2, 4), (0, 4), (4, 4), (1, 2), (3, 8)]:
            assert_equal(am.nm_mask(x, n, m), ref.nm(host, n, m), like=x)
        assert_equal(am.nm_mask(x, 1, 3, axis=0), ref.nm(host, 1, 3, axis=0), like=x)


def test_nm_most_negative_integer_has_largest_magnitude():
    x = np.array([127, -128, 5, -127], dtype=np.int8)
    np.testing.assert_array_equal(am.nm_mask(x, 1, 4), [False, True, False, False])
    np.testing.assert_array_equal(am.nm_mask(x, 2, 4), [True, True, False, False])


def test_nm_bad_input(backend):
    x = backend.asarray(np.arange(12.0).reshape(2, 6))
    cases = [
        (ValueError, "not divisible by m=4", lambda: am.nm_mask(x, 2, 4)),
        (ValueError, r"0 <= n <= m=3", lambda: am.nm_mask(x, 4, 3)),
        (ValueError, r"0 <= n <= m=3", lambda: am.nm_mask(x, -1, 3)),
        (ValueError, "m must be >= 1", lambda: am.nm_mask(x, 0, 0)),
        (TypeError, "n must be an integer", lambda: am.nm_mask(x, 1.0, 3)),
        (ValueError, "axis=3", lambda: am.nm_mask(x, 1, 2, axis=3)),
    ]
    for exc, match, call in cases:
        raises_and_leaves_input(exc, match, call, x)


# ------------------------------------------------------------- JAX under jit


def test_jax_jit_static_shapes():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    rng = np.random.default_rng(17)
    host = make(rng, "float32", (6, 8), "special")
    x = jnp.asarray(host)
    probs = jnp.asarray(rng.random((6, 8)).astype(np.float32))
    calls = {
        "topk": lambda a: am.topk_mask(a, 3, largest=False, ties="all"),
        "topk_none": lambda a: am.topk_mask(a, 10, axis=None),
        "fraction": lambda a: am.top_fraction_mask(a, 0.3, axis=0, rounding="ceil"),
        "nm": lambda a: am.nm_mask(a, 2, 4),
    }
    for name, fn in calls.items():
        eager = fn(x)
        jitted = jax.jit(fn)(x)
        np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager), err_msg=name)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda a: am.topk_mask(a, 3))(x)),
                                  ref.topk(host, 3))
    dyn = jax.jit(lambda a, k: am.topk_mask(a, k))(x, jnp.asarray(2))  # traced dynamic k
    np.testing.assert_array_equal(np.asarray(dyn), ref.topk(host, 2))
    nuc = jax.jit(lambda a: am.nucleus_mask(a, 0.6))(probs)
    np.testing.assert_array_equal(np.asarray(nuc), np.asarray(am.nucleus_mask(probs, 0.6)))


# ------------------------------------------------------------- Dask stays lazy


def test_dask_result_is_lazy():
    da = pytest.importorskip("dask.array")
    host = np.random.default_rng(2).standard_normal((6, 10))
    x = da.from_array(host, chunks=(4, 3))
    out = am.topk_mask(x, np.array([1, 2, 3, 4, 5, 6])[:, None][:, 0], axis=1)
    assert isinstance(out, da.Array)
    np.testing.assert_array_equal(out.compute(), ref.topk(host, np.arange(1, 7), 1))
    out = am.topk_mask(x, 7, axis=None, largest=False)
    assert isinstance(out, da.Array)
    np.testing.assert_array_equal(out.compute(), ref.topk(host, 7, None, False))
