"""isin_mask, boolean_select, masked_fill and argwhere on every backend."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from _helpers import assert_equal, raises_and_leaves_input, spy_on, to_numpy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraymask as am
from arraymask import _validate
from arraymask.masks import _generic, select

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _supported(backend, dtype: str) -> bool:
    if backend.name.startswith("torch") and dtype in {"uint16", "uint32", "uint64"}:
        return False
    return not (backend.name == "jax" and dtype in {"int64", "uint64", "float64", "complex128"})


# ---------------------------------------------------------------- references


def ref_isin(x: np.ndarray, values, invert: bool = False) -> np.ndarray:
    """Python equality of the numbers themselves (exact across int/float)."""
    objects = np.asarray(values, dtype=object).ravel()
    vals = [v.item() if isinstance(v, np.generic) else v for v in objects]
    out = np.zeros(x.shape, dtype=bool)
    for pos in np.ndindex(*x.shape):
        e = x[pos].item()
        out[pos] = any(e == v for v in vals)
    return ~out if invert else out


def ref_select(x: np.ndarray, mask: np.ndarray, axis: int) -> np.ndarray:
    k = mask.ndim
    picked = [pos for pos in itertools.product(*map(range, mask.shape)) if mask[pos]]
    slices = [x[(slice(None),) * axis + pos] for pos in picked]
    shape = (*x.shape[:axis], len(picked), *x.shape[axis + k:])
    if not slices:
        return np.zeros(shape, dtype=x.dtype)
    return np.stack(slices, axis=axis).reshape(shape)


def ref_fill(x: np.ndarray, mask: np.ndarray, value) -> np.ndarray:
    out = x.copy()
    m = np.broadcast_to(mask, x.shape)
    v = np.broadcast_to(np.asarray(value), x.shape)
    for pos in np.ndindex(*x.shape):
        if m[pos]:
            out[pos] = v[pos]
    return out


def ref_argwhere(mask: np.ndarray) -> np.ndarray:
    rows = [pos for pos in np.ndindex(*mask.shape) if mask[pos]]
    return np.array(rows, dtype=np.int64).reshape(len(rows), mask.ndim)


def index_dtype(backend) -> str:
    return "int32" if backend.name == "jax" else "int64"


# ----------------------------------------------------------------- isin_mask


def test_isin_article_example(backend):
    tokens = backend.asarray(np.array([[1, 2, 3, 4], [7, 0, 4, 2]]))
    want = np.array([[False, True, False, True], [True, False, True, True]])
    assert_equal(am.isin_mask(tokens, [2, 4, 7]), want, like=tokens)
    assert_equal(am.isin_mask(tokens, [2, 4, 7], invert=True), ~want, like=tokens)
    ids = backend.asarray(np.array([2, 4, 7]))
    assert_equal(am.isin_mask(tokens, ids), want, like=tokens)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_isin_integers_against_reference(backend, dtype):
    if not _supported(backend, dtype):
        pytest.skip(f"{dtype} on {backend.name}")
    rng = np.random.default_rng(11)
    info = np.iinfo(dtype)
    host = rng.integers(max(info.min, -50), 50, size=(4, 7)).astype(dtype)
    host[0, :2] = [info.min, info.max]
    x = backend.asarray(host)
    values = [3, -2, 7, 7, int(info.max), int(info.min), 1000, -1000, 2.0, 2.5, math.nan, 2**70]
    for invert in (False, True):
        want = ref_isin(host, np.array(values, dtype=object), invert)
        assert_equal(am.isin_mask(x, [*values[:-1], float(2 ** 70)], invert=invert), want, like=x)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_isin_floats_against_reference(backend, dtype):
    if not _supported(backend, dtype):
        pytest.skip(f"{dtype} on {backend.name}")
    host = np.array([0.0, -0.0, 0.1, 2.0, np.nan, np.inf, -np.inf, 3.5, 1e30], dtype=dtype)
    x = backend.asarray(host)
    values = [0.0, 0.1, 2, np.nan, np.inf, 3.5]
    assert_equal(am.isin_mask(x, values), ref_isin(host, values), like=x)
    vals = backend.asarray(np.array(values, dtype=np.float64 if _supported(backend, "float64")
                                    else np.float32))
    assert_equal(am.isin_mask(x, vals), ref_isin(host, to_numpy(vals)), like=x)


def test_isin_device_values_of_other_dtype(backend):
    host = np.array([[1, 2, 3], [250, 4, 0]], dtype=np.int16)
    x = backend.asarray(host)
    vals_host = np.array([2.0, 2.5, 250.0, -1.0, np.nan], dtype=np.float32)
    vals = backend.asarray(vals_host)
    assert_equal(am.isin_mask(x, vals), ref_isin(host, vals_host), like=x)
    none_exact = backend.asarray(np.array([0.5, np.nan], dtype=np.float32))
    assert_equal(am.isin_mask(x, none_exact), np.zeros((2, 3), dtype=bool), like=x)
    empty = backend.asarray(np.zeros((0,), dtype=np.int16))
    assert_equal(am.isin_mask(x, empty, invert=True), np.ones((2, 3), dtype=bool), like=x)


def test_isin_bool_and_complex(backend):
    flags = backend.asarray(np.array([True, False, True]))
    assert_equal(am.isin_mask(flags, [True]), np.array([True, False, True]), like=flags)
    assert_equal(am.isin_mask(flags, [0, 2]), np.array([False, True, False]), like=flags)
    if backend.name == "jax":
        return
    host = np.array([1 + 1j, 2, 3j], dtype=np.complex128)
    z = backend.asarray(host)
    assert_equal(am.isin_mask(z, [2, 3j]), np.array([False, True, True]), like=z)


def test_isin_empty_and_zero_d(backend):
    x = backend.asarray(np.zeros((0, 3), dtype=np.int32))
    assert_equal(am.isin_mask(x, [1]), np.zeros((0, 3), dtype=bool), like=x)
    s = backend.asarray(np.array(4, dtype=np.int32))
    assert_equal(am.isin_mask(s, [4, 5]), np.array(True), like=s)
    assert_equal(am.isin_mask(s, []), np.array(False), like=s)


def test_isin_bad_input(backend):
    x = backend.asarray(np.array([1, 2, 3]))
    raises_and_leaves_input(TypeError, "values are complex", lambda: am.isin_mask(x, [1j]), x)
    raises_and_leaves_input(TypeError, "values must be numbers",
                            lambda: am.isin_mask(x, ["a"]), x)
    raises_and_leaves_input(TypeError, "invert must be a bool",
                            lambda: am.isin_mask(x, [1], invert=1), x)
    with pytest.raises(TypeError, match="x must be an array, got list"):
        am.isin_mask([1, 2], [1])
    if not backend.name.startswith(("numpy", "torch")):
        torch = pytest.importorskip("torch")
        other = torch.asarray([1, 2])
        raises_and_leaves_input(TypeError, "different namespaces",
                                lambda: am.isin_mask(x, other), x)


def test_isin_numpy_values_go_with_any_namespace(backend):
    # NumPy values are host data, like a sequence (the common Dask/torch call)
    tokens = backend.asarray(np.array([[1, 2, 3, 4], [7, 0, 4, 2]]))
    want = np.array([[False, True, False, True], [True, False, True, True]])
    assert_equal(am.isin_mask(tokens, np.array([2, 4, 7])), want, like=tokens)
    assert_equal(am.isin_mask(tokens, np.array([[2], [4]]), invert=True),
                 ~np.isin(to_numpy(tokens), [2, 4]), like=tokens)


def test_isin_under_jax_jit():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.asarray([[1, 2, 3, 4], [7, 0, 4, 2]])
    host = np.array([[1, 2, 3, 4], [7, 0, 4, 2]])
    got = jax.jit(lambda a: am.isin_mask(a, [2, 4, 7]))(x)
    assert_equal(got, ref_isin(host, [2, 4, 7]), like=x)
    got = jax.jit(lambda a, v: am.isin_mask(a, v, invert=True))(x, jnp.asarray([2.0, 4.5]))
    assert_equal(got, ref_isin(host, [2.0, 4.5], invert=True), like=x)


def test_isin_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    host = np.arange(20).reshape(4, 5)
    x = da.from_array(host, chunks=(2, 3))
    for values in ([3, 7, 19], da.from_array(np.array([3, 7, 19]), chunks=2)):
        got = am.isin_mask(x, values)
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(got.compute(), ref_isin(host, [3, 7, 19]))


# -------------------------------------------------------- isin compiled paths


@pytest.mark.parametrize("kind", ["numpy", "torch"])
@pytest.mark.parametrize(
    ("values", "kernel"),
    [
        ([3, 9, -4], "isin_table"),
        ([0, 400_000], "isin_bitmap"),
        ([-(2**40), 5, 2**40], "isin_sorted"),
    ],
)
def test_isin_compiled_route_is_taken(monkeypatch, kind, values, kernel):
    from arraymask._ext import lookup

    calls = spy_on(monkeypatch, lookup, kernel)
    host = np.arange(-10, 100_000, 7).reshape(-1, 4)
    host[0, : len(values)] = values
    x = host if kind == "numpy" else pytest.importorskip("torch").from_numpy(host)
    got = am.isin_mask(x, values)
    assert calls == [kernel]
    assert type(got) is type(x)
    np.testing.assert_array_equal(to_numpy(got), np.isin(host, values))


def test_isin_sorted_route_for_floats(monkeypatch):
    from arraymask._ext import lookup

    calls = spy_on(monkeypatch, lookup, "isin_sorted")
    host = np.array([0.5, -0.0, np.nan, 2.0], dtype=np.float32)
    np.testing.assert_array_equal(am.isin_mask(host, [0.0, 0.5, np.nan]), [1, 1, 0, 0])
    assert calls == ["isin_sorted"]


def _twin(x: np.ndarray, values, invert: bool) -> np.ndarray:
    import array_api_compat

    xp = array_api_compat.array_namespace(x)
    vals = _validate.exact_values(values, x.dtype)
    return _generic.isin(x, xp.asarray(vals), None, invert, xp)


@given(
    x=hnp.arrays(
        st.sampled_from([*INT_DTYPES, "float32", "float64"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    ),
    data=st.data(),
    invert=st.booleans(),
    flip=st.booleans(),
)
def test_isin_compiled_agrees_with_twin(x, data, invert, flip):
    if flip and x.ndim:
        x = x[..., ::-1]  # negative strides
    pool = list(x.ravel()[:5].tolist())  # hits, including ties with x
    spread = data.draw(st.sampled_from([10, 2**20, 2**62]))
    values = data.draw(
        st.lists(st.one_of(st.sampled_from(pool or [0]), st.integers(-spread, spread)),
                 max_size=8)
    )
    got = am.isin_mask(x, values, invert=invert)
    np.testing.assert_array_equal(got, _twin(x, values, invert), strict=True)
    np.testing.assert_array_equal(got, ref_isin(x, np.array(values, dtype=object), invert))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_isin_compiled_extreme_values(dtype):
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min + 1, 0, info.max - 1, info.max], dtype=dtype)
    for values in ([int(info.min)], [int(info.max)], [int(info.min), int(info.max)], [0, 1]):
        np.testing.assert_array_equal(am.isin_mask(x, values), ref_isin(x, values))
        np.testing.assert_array_equal(am.isin_mask(x, values), _twin(x, values, False))


# ------------------------------------------------------------ boolean_select


def test_select_article_example(backend):
    host = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    x = backend.asarray(host)
    mask = backend.asarray(host > 4)
    if backend.name == "array_api_strict_static":
        with pytest.raises(TypeError, match="data-dependent output shape"):
            am.boolean_select(x, mask)
        return
    want = np.array([5, 6, 7, 8, 9], dtype=to_numpy(x).dtype)
    assert_equal(am.boolean_select(x, mask), want, like=x)


@pytest.mark.parametrize(
    ("shape", "axis", "k"),
    [((6,), 0, 1), ((3, 4), 0, 2), ((3, 4), 1, 1), ((2, 3, 4), 1, 2),
     ((2, 3, 4, 2), -3, 2), ((2, 0, 3), 1, 1), ((3, 4), -1, 1)],
)
def test_select_against_reference(backend, shape, axis, k):
    if not backend.data_dependent_shapes and backend.name != "jax":
        pytest.skip("covered by test_select_refused_without_dynamic_shapes")
    rng = np.random.default_rng(2)
    host = rng.normal(size=shape).astype(np.float32)
    ax = axis % len(shape)
    mhost = rng.random(shape[ax : ax + k]) < 0.5
    x, mask = backend.asarray(host), backend.asarray(mhost)
    assert_equal(am.boolean_select(x, mask, axis=axis), ref_select(host, mhost, ax), like=x)
    assert_equal(am.boolean_select(x, backend.asarray(np.zeros_like(mhost)), axis=axis),
                 ref_select(host, np.zeros_like(mhost), ax), like=x)


def test_select_twin_agrees_with_native():
    import array_api_compat

    rng = np.random.default_rng(4)
    for shape, ax, k in [((5,), 0, 1), ((3, 4, 2), 1, 2), ((3, 4, 2), 0, 3), ((2, 5), 1, 1)]:
        host = rng.integers(0, 9, size=shape)
        mhost = rng.random(shape[ax : ax + k]) < 0.4
        xp = array_api_compat.array_namespace(host)
        twin = _generic.boolean_select(host, mhost, ax, xp)
        np.testing.assert_array_equal(am.boolean_select(host, mhost, axis=ax), twin, strict=True)


def test_select_bad_input(backend):
    x = backend.asarray(np.arange(12).reshape(3, 4))
    ints = backend.asarray(np.array([1, 0, 1]))
    wrong = backend.asarray(np.array([True, False]))
    zero_d = backend.asarray(np.array(True))
    ok = backend.asarray(np.array([True, False, True]))
    raises_and_leaves_input(TypeError, "mask must be boolean, got dtype",
                            lambda: am.boolean_select(x, ints), x, ints)
    raises_and_leaves_input(ValueError, r"mask shape \(2,\) does not match x.shape\[0:1\]",
                            lambda: am.boolean_select(x, wrong), x, wrong)
    raises_and_leaves_input(ValueError, r"mask shape \(3,\) does not match x.shape\[1:2\]",
                            lambda: am.boolean_select(x, ok, axis=1), x, ok)
    raises_and_leaves_input(ValueError, "at least one dimension",
                            lambda: am.boolean_select(x, zero_d), x)
    raises_and_leaves_input(ValueError, "axis=2 is out of range",
                            lambda: am.boolean_select(x, ok, axis=2), x, ok)
    big = backend.asarray(np.ones((4, 5), dtype=bool))
    raises_and_leaves_input(ValueError, r"mask shape \(4, 5\) does not match x.shape\[1:3\]",
                            lambda: am.boolean_select(x, big, axis=1), x, big)


def test_select_refused_without_dynamic_shapes():
    strict = pytest.importorskip("array_api_strict")
    with strict.ArrayAPIStrictFlags(data_dependent_shapes=False, boolean_indexing=False):
        x = strict.asarray([1, 2, 3])
        m = strict.asarray([True, False, True])
        with pytest.raises(TypeError, match="boolean_select has a data-dependent output shape"):
            am.boolean_select(x, m)
        with pytest.raises(TypeError, match="argwhere has a data-dependent output shape"):
            am.argwhere(m)
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(TypeError, match=r"cannot run under jax\.jit"):
        jax.jit(am.boolean_select)(jnp.arange(3), jnp.asarray([True, False, True]))
    with pytest.raises(TypeError, match=r"cannot run under jax\.jit"):
        jax.jit(am.argwhere)(jnp.asarray([True, False, True]))


# ---------------------------------------------------------------- masked_fill


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float32", "float64", "bool"])
def test_fill_against_reference(backend, dtype):
    if not _supported(backend, dtype):
        pytest.skip(f"{dtype} on {backend.name}")
    rng = np.random.default_rng(9)
    host = rng.integers(0, 2 if dtype == "bool" else 100, size=(3, 4, 5)).astype(dtype)
    x = backend.asarray(host)
    value = True if dtype == "bool" else 7
    for mshape in [(3, 4, 5), (4, 5), (5,), (3, 1, 1), ()]:
        mhost = rng.random(mshape) < 0.5
        mask = backend.asarray(mhost)
        assert_equal(am.masked_fill(x, mask, value), ref_fill(host, mhost, value), like=x)
    # an array value that broadcasts, of x's dtype
    vhost = rng.integers(0, 2, size=(5,)).astype(dtype)
    mhost = rng.random((3, 4, 5)) < 0.5
    got = am.masked_fill(x, backend.asarray(mhost), backend.asarray(vhost))
    assert_equal(got, ref_fill(host, mhost, vhost), like=x)


def test_fill_value_rules(backend):
    ints = backend.asarray(np.array([1, 2, 3], dtype=np.int32))
    floats = backend.asarray(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    flags = backend.asarray(np.array([True, False, True]))
    mask = backend.asarray(np.array([True, False, False]))
    # accepted: integral floats into ints, numpy scalars, inf/NaN into floats, 0/1 into bool
    assert_equal(am.masked_fill(ints, mask, 9.0), np.array([9, 2, 3], dtype=np.int32), like=ints)
    assert_equal(am.masked_fill(ints, mask, np.int64(-5)), np.array([-5, 2, 3], dtype=np.int32),
                 like=ints)
    got = am.masked_fill(floats, mask, math.inf)
    assert_equal(got, np.array([np.inf, 2, 3], dtype=np.float32), like=floats)
    got = am.masked_fill(floats, mask, math.nan)
    assert_equal(got, np.array([np.nan, 2, 3], dtype=np.float32), like=floats)
    assert_equal(am.masked_fill(flags, mask, 0), np.array([False, False, True]), like=flags)
    assert_equal(am.masked_fill(floats, mask, 1 / 3), np.array([1 / 3, 2, 3], dtype=np.float32),
                 like=floats)
    # refused
    for x, value, exc, match in [
        (ints, 1.5, ValueError, "value=1.5 is not representable"),
        (ints, math.nan, ValueError, "value=nan is not representable"),
        (ints, 2**40, ValueError, "value=1099511627776 is out of range for"),
        (flags, 2, ValueError, "value=2 is not representable"),
        (floats, 1e300, ValueError, "value=1e\\+300 overflows"),
        (floats, 2**1030, ValueError, "overflows"),
        (floats, 1j, TypeError, "is complex"),
        (ints, "7", TypeError, "value must be a number or an array"),
    ]:
        raises_and_leaves_input(exc, match, lambda x=x, value=value: am.masked_fill(x, mask, value),
                                x, mask)


def test_fill_array_value_dtypes(backend):
    x = backend.asarray(np.array([1, 2, 3], dtype=np.int32))
    mask = backend.asarray(np.array([True, False, True]))
    small = backend.asarray(np.array([7, 8, 9], dtype=np.int8))
    assert_equal(am.masked_fill(x, mask, small), np.array([7, 2, 9], dtype=np.int32), like=x)
    if _supported(backend, "float64"):
        wide = backend.asarray(np.array([7.0, 8.0, 9.0]))
        raises_and_leaves_input(TypeError, "does not cast safely",
                                lambda: am.masked_fill(x, mask, wide), x, mask, wide)
    long = backend.asarray(np.zeros((4,), dtype=np.int32))
    raises_and_leaves_input(ValueError, r"value of shape \(4,\) does not broadcast",
                            lambda: am.masked_fill(x, mask, long), x, mask, long)


def test_fill_bad_mask(backend):
    x = backend.asarray(np.arange(6).reshape(2, 3))
    ints = backend.asarray(np.array([1, 0, 1]))
    wrong = backend.asarray(np.array([True, False]))
    bigger = backend.asarray(np.ones((3, 2, 3), dtype=bool))
    raises_and_leaves_input(TypeError, "mask must be boolean",
                            lambda: am.masked_fill(x, ints, 0), x, ints)
    raises_and_leaves_input(ValueError, r"mask of shape \(2,\) does not broadcast",
                            lambda: am.masked_fill(x, wrong, 0), x, wrong)
    raises_and_leaves_input(ValueError, r"mask of shape \(3, 2, 3\) does not broadcast",
                            lambda: am.masked_fill(x, bigger, 0), x, bigger)
    with pytest.raises(TypeError, match="x must be an array"):
        am.masked_fill([1, 2], [True, False], 0)


def test_fill_under_jax_jit():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.asarray([[1, 2, 3], [4, 5, 6]], dtype=jnp.int32)
    got = jax.jit(lambda a: am.masked_fill(a, a > 4, -1))(x)
    assert_equal(got, np.array([[1, 2, 3], [4, -1, -1]], dtype=np.int32), like=x)
    got = jax.jit(am.masked_fill)(x, x < 2, jnp.asarray(0, dtype=jnp.int8))
    assert_equal(got, np.array([[0, 2, 3], [4, 5, 6]], dtype=np.int32), like=x)


def test_fill_numpy_and_torch_routes_agree_with_twin():
    torch = pytest.importorskip("torch")
    import array_api_compat

    rng = np.random.default_rng(1)
    host = rng.normal(size=(4, 6)).astype(np.float32)
    mhost = rng.random((4, 6)) < 0.5
    for x, mask in [(host, mhost), (host[:, ::-2], mhost[:, ::-2]),
                    (torch.from_numpy(host), torch.from_numpy(mhost))]:
        xp = array_api_compat.array_namespace(x)
        twin = xp.where(mask, xp.asarray(-0.0, dtype=x.dtype), x)
        assert_equal(am.masked_fill(x, mask, -0.0), twin)


# ------------------------------------------------------------------- argwhere


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (0, 3), (), (1,)])
def test_argwhere_against_reference(backend, shape):
    rng = np.random.default_rng(6)
    mhost = rng.random(shape) < 0.4
    mask = backend.asarray(mhost)
    if backend.name == "array_api_strict_static":
        with pytest.raises(TypeError, match="data-dependent output shape"):
            am.argwhere(mask)
        return
    want = ref_argwhere(mhost).astype(index_dtype(backend))
    assert_equal(am.argwhere(mask), want, like=mask)
    if shape == ():
        assert_equal(am.argwhere(backend.asarray(np.array(True))),
                     np.zeros((1, 0), dtype=index_dtype(backend)), like=mask)


def test_argwhere_article_example(backend):
    host = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    if backend.name == "array_api_strict_static":
        return
    x = backend.asarray(host)
    want = np.array([[1, 1], [1, 2], [2, 0], [2, 1], [2, 2]], dtype=index_dtype(backend))
    assert_equal(am.argwhere(x > 4), want, like=x)


def test_argwhere_twin_agrees_with_native():
    import array_api_compat

    rng = np.random.default_rng(8)
    for shape in [(5,), (3, 4), (2, 2, 3), (), (0,)]:
        mhost = np.asarray(rng.random(shape) < 0.5)
        xp = array_api_compat.array_namespace(mhost)
        np.testing.assert_array_equal(
            am.argwhere(mhost), _generic.argwhere(mhost, xp), strict=True
        )


def test_argwhere_bad_input(backend):
    ints = backend.asarray(np.array([1, 0, 2]))
    raises_and_leaves_input(TypeError, "mask must be boolean, got dtype",
                            lambda: am.argwhere(ints), ints)
    with pytest.raises(TypeError, match="mask must be a boolean array, got int"):
        am.argwhere(3)


def test_argwhere_python_list():
    np.testing.assert_array_equal(am.argwhere([[True, False], [False, True]]), [[0, 0], [1, 1]])


# ----------------------------------------------- torch CPU through NumPy views


def test_torch_cpu_takes_numpy_route_and_agrees(monkeypatch):
    torch = pytest.importorskip("torch")
    calls = spy_on(monkeypatch, select, "from_host")
    rng = np.random.default_rng(12)
    x = torch.from_numpy(rng.normal(size=(5, 6)).astype(np.float32))
    mask = torch.from_numpy(rng.random((5, 6)) < 0.5)
    row = torch.from_numpy(rng.random(6) < 0.5)
    assert_equal(am.boolean_select(x, mask), x[mask])
    assert_equal(am.boolean_select(x, row, axis=1), x[:, row])
    assert_equal(am.masked_fill(x, mask, 2.5), x.masked_fill(mask, 2.5))
    assert_equal(am.masked_fill(x, row, torch.arange(6.0)), torch.where(row, torch.arange(6.0), x))
    assert_equal(am.argwhere(mask), torch.argwhere(mask))
    assert_equal(am.argwhere(mask[:, ::2]), torch.argwhere(mask[:, ::2]))
    assert len(calls) == 2  # boolean_select only: torch's where/argwhere are faster


def test_torch_requires_grad_keeps_torch_route():
    torch = pytest.importorskip("torch")
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    mask = torch.tensor([[True, False, True], [False, True, False]])
    (am.boolean_select(x, mask).sum() + am.masked_fill(x, mask, 0.0).sum()).backward()
    assert_equal(x.grad, torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]))


def test_bfloat16_takes_the_device_route():
    torch = pytest.importorskip("torch")
    x = torch.arange(5, dtype=torch.bfloat16)
    assert_equal(am.isin_mask(x, [1, 2.5, 4.0]), torch.tensor([False, True, False, False, True]))
    got = am.masked_fill(x, x > 2, 1e30)
    assert got.dtype == torch.bfloat16
    with pytest.raises(ValueError, match=r"overflows torch\.bfloat16"):
        am.masked_fill(x, x > 2, 1e39)


@pytest.mark.parametrize(
    "values", [[3, 9, -4, 70_000], [0, 2_000_000, 131_000], [-(2**40), 5, 2**40, 131_071]]
)
def test_isin_threaded_kernels_agree(monkeypatch, values):
    # the parallel loops must give the answer of one thread
    from arraymask._backend import override_threads
    from arraymask.masks import _kernels

    monkeypatch.setattr(_kernels, "ISIN_GRAIN", 1)
    host = np.random.default_rng(13).integers(-10, 140_000, size=(300, 700))
    floats = host.astype(np.float64)
    with override_threads(2):
        for invert in (False, True):
            got = am.isin_mask(host, values, invert=invert)
            np.testing.assert_array_equal(got, np.isin(host, values, invert=invert), strict=True)
        np.testing.assert_array_equal(am.isin_mask(floats, values), np.isin(floats, values))
