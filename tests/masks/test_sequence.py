"""lengths_mask and index_mask on every backend, against slow references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _helpers import assert_equal, raises_and_leaves_input, spy_on, to_numpy
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraymask as am
from arraymask.masks import _generic

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


# ---------------------------------------------------------------- references


def ref_lengths(lengths: np.ndarray, maxlen: int, side: str = "right") -> np.ndarray:
    out = np.zeros((*lengths.shape, maxlen), dtype=bool)
    for pos in np.ndindex(*lengths.shape):
        n = int(lengths[pos])
        for j in range(maxlen):
            out[(*pos, j)] = j < n if side == "right" else j >= maxlen - n
    return out


def ref_index(indices: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((*indices.shape[:-1], size), dtype=bool)
    for pos in np.ndindex(*indices.shape[:-1]):
        for i in indices[pos]:
            out[(*pos, int(i) % size)] = True
    return out


def _supported(backend, dtype: str) -> bool:
    if backend.name.startswith("torch") and dtype in {"uint16", "uint32", "uint64"}:
        return False  # torch has these dtypes but few operations on them
    return not (backend.name == "jax" and dtype in {"int64", "uint64"})  # no x64


# --------------------------------------------------------------- lengths_mask


def test_lengths_article_example(backend):
    lengths = backend.asarray([2, 4, 3])
    expected = np.array(
        [
            [True, True, False, False, False],
            [True, True, True, True, False],
            [True, True, True, False, False],
        ]
    )
    assert_equal(am.lengths_mask(lengths, 5), expected, like=lengths)
    assert_equal(am.lengths_mask(lengths, 5, side="left"), expected[:, ::-1], like=lengths)
    assert_equal(am.lengths_mask(lengths), expected[:, :4], like=lengths)


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_lengths_random_against_reference(backend, dtype, side):
    if not _supported(backend, dtype):
        pytest.skip(f"{dtype} on {backend.name}")
    rng = np.random.default_rng(7)
    host = rng.integers(0, 9, size=(3, 4)).astype(dtype)
    lengths = backend.asarray(host)
    for maxlen in (None, 0, 1, 5, 12):
        want = ref_lengths(host, int(host.max()) if maxlen is None else maxlen, side)
        assert_equal(am.lengths_mask(lengths, maxlen, side=side), want, like=lengths)


def test_lengths_maxlen_beyond_dtype_range(backend):
    host = np.array([0, 3, 255], dtype=np.uint8)
    lengths = backend.asarray(host)
    for side in ("right", "left"):
        got = am.lengths_mask(lengths, 300, side=side)
        assert_equal(got, ref_lengths(host, 300, side), like=lengths)


def test_lengths_empty_and_zero_d(backend):
    empty = backend.asarray(np.zeros((0,), dtype=np.int32))
    assert_equal(am.lengths_mask(empty), np.zeros((0, 0), dtype=bool), like=empty)
    assert_equal(am.lengths_mask(empty, 3), np.zeros((0, 3), dtype=bool), like=empty)
    scalar = backend.asarray(np.array(2, dtype=np.int32))
    assert_equal(am.lengths_mask(scalar, 4), np.array([True, True, False, False]), like=scalar)


def test_lengths_python_lists_follow_xp_and_device(backend):
    got = am.lengths_mask([2, 4, 3], 5, xp=backend.module, device=backend.device)
    like = backend.asarray(np.zeros(1, dtype=np.int64))
    assert_equal(got, ref_lengths(np.array([2, 4, 3]), 5), like=like)
    assert_equal(am.lengths_mask([], xp=backend.module, device=backend.device),
                 np.zeros((0, 0), dtype=bool), like=like)


def test_lengths_default_namespace_is_numpy():
    got = am.lengths_mask((1, 0), 2)
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, [[True, False], [False, False]])


def test_lengths_bad_input(backend):
    lengths = backend.asarray(np.array([2, -1, 3]))
    if backend.name == "dask":
        result = am.lengths_mask(lengths, 4)  # lazy: the check runs with the graph
        with pytest.raises(ValueError, match="lengths must be non-negative, got -1"):
            to_numpy(result)
    else:
        raises_and_leaves_input(
            ValueError, "lengths must be non-negative, got -1",
            lambda: am.lengths_mask(lengths, 4), lengths,
        )
    good = backend.asarray(np.array([2, 1]))
    floats = backend.asarray(np.array([2.0, 1.0]))
    bools = backend.asarray(np.array([True, False]))
    raises_and_leaves_input(TypeError, "lengths must be an array of integers.*float",
                            lambda: am.lengths_mask(floats, 3), floats)
    raises_and_leaves_input(TypeError, "lengths must be an array of integers.*bool",
                            lambda: am.lengths_mask(bools, 3), bools)
    raises_and_leaves_input(ValueError, "maxlen must be >= 0, got -2",
                            lambda: am.lengths_mask(good, -2), good)
    raises_and_leaves_input(TypeError, "maxlen must be an integer, got 2.5",
                            lambda: am.lengths_mask(good, 2.5), good)
    raises_and_leaves_input(TypeError, "maxlen must be an integer, got True",
                            lambda: am.lengths_mask(good, True), good)
    raises_and_leaves_input(ValueError, "side must be one of",
                            lambda: am.lengths_mask(good, 3, side="middle"), good)


def test_lengths_bad_sequences():
    with pytest.raises(TypeError, match=r"lengths must hold integers, got float64 values \[1.5\]"):
        am.lengths_mask([1.5])
    with pytest.raises(TypeError, match="lengths must be an integer array or a sequence"):
        am.lengths_mask("abc")
    with pytest.raises(TypeError, match="lengths must be an integer array or a sequence"):
        am.lengths_mask(True)
    with pytest.raises(ValueError, match="lengths must be non-negative, got -3"):
        am.lengths_mask([1, -3])


def test_lengths_under_jax_jit():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    lengths = jnp.asarray([2, 4, 3])
    for side in ("right", "left"):
        fn = jax.jit(lambda n, side=side: am.lengths_mask(n, 5, side=side))
        want = ref_lengths(np.array([2, 4, 3]), 5, side)
        assert_equal(fn(lengths), want, like=lengths)
    with pytest.raises(TypeError, match="static maxlen"):
        jax.jit(am.lengths_mask)(lengths)


def test_lengths_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    lengths = da.from_array(np.array([2, 4, 3, 1]), chunks=2)
    got = am.lengths_mask(lengths, 5)
    assert isinstance(got, da.Array)
    np.testing.assert_array_equal(got.compute(), ref_lengths(np.array([2, 4, 3, 1]), 5))


# ------------------------------------------------------- lengths fast path


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_lengths_compiled_route_is_taken(monkeypatch, kind):
    from arraymask._ext import sequence as seq_kernels

    calls = spy_on(monkeypatch, seq_kernels, "lengths_fill")
    host = np.array([[3, 0], [7, 2]], dtype=np.int32)
    lengths = host if kind == "numpy" else pytest.importorskip("torch").from_numpy(host)
    got = am.lengths_mask(lengths, 5, side="left")
    assert calls == ["lengths_fill"]
    assert type(got) is type(lengths)
    np.testing.assert_array_equal(to_numpy(got), ref_lengths(host, 5, "left"))


@given(
    host=hnp.arrays(
        st.sampled_from(INT_DTYPES),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
        elements={"min_value": 0, "max_value": 40},
    ),
    maxlen=st.integers(0, 45),
    side=st.sampled_from(["right", "left"]),
    flip=st.booleans(),
)
def test_lengths_compiled_agrees_with_twin(host, maxlen, side, flip):
    import array_api_compat

    if flip and host.ndim:
        host = host[..., ::-1]  # negative strides
    xp = array_api_compat.array_namespace(host)
    want = _generic.lengths(host, maxlen, side == "left", xp)
    np.testing.assert_array_equal(am.lengths_mask(host, maxlen, side=side), want, strict=True)
    np.testing.assert_array_equal(want, ref_lengths(host, maxlen, side))


def test_lengths_compiled_extreme_values():
    for dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        host = np.array([0, info.max, 1], dtype=dtype)
        np.testing.assert_array_equal(
            am.lengths_mask(host, 3), [[False] * 3, [True] * 3, [True, False, False]]
        )


# ----------------------------------------------------------------- index_mask


def test_index_article_example(backend):
    indices = backend.asarray([2, 5, 7])
    want = np.zeros(10, dtype=bool)
    want[[2, 5, 7]] = True
    assert_equal(am.index_mask(indices, 10), want, like=indices)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_index_random_against_reference(backend, dtype):
    if not _supported(backend, dtype):
        pytest.skip(f"{dtype} on {backend.name}")
    rng = np.random.default_rng(3)
    size = 9
    signed = not dtype.startswith("u")
    for shape in [(4,), (3, 4), (2, 3, 5), (2, 0), (0, 3)]:
        low = -size if signed else 0
        host = rng.integers(low, size, size=shape).astype(dtype)  # with duplicates
        indices = backend.asarray(host)
        assert_equal(am.index_mask(indices, size), ref_index(host, size), like=indices)


def test_index_empty_rows_and_size_zero(backend):
    none = backend.asarray(np.zeros((3, 0), dtype=np.int32))
    assert_equal(am.index_mask(none, 4), np.zeros((3, 4), dtype=bool), like=none)
    assert_equal(am.index_mask(none, 0), np.zeros((3, 0), dtype=bool), like=none)


def test_index_python_lists(backend):
    got = am.index_mask([[0, -1], [1, 1]], 4, xp=backend.module, device=backend.device)
    like = backend.asarray(np.zeros(1, dtype=np.int64))
    assert_equal(got, np.array([[1, 0, 0, 1], [0, 1, 0, 0]], dtype=bool), like=like)


def test_index_bad_input(backend):
    # to_numpy inside: Dask raises when the mask is computed
    for bad, value in [([1, 10], 10), ([1, -11], -11)]:
        indices = backend.asarray(np.array(bad))
        raises_and_leaves_input(
            IndexError, f"indices: {value} is out of range for size 10",
            lambda indices=indices: to_numpy(am.index_mask(indices, 10)), indices,
        )
    good = backend.asarray(np.array([1, 2]))
    floats = backend.asarray(np.array([1.0, 2.0]))
    zero_d = backend.asarray(np.array(3))
    raises_and_leaves_input(TypeError, "indices must be an array of integers",
                            lambda: am.index_mask(floats, 4), floats)
    raises_and_leaves_input(ValueError, "indices must have shape",
                            lambda: am.index_mask(zero_d, 4), zero_d)
    raises_and_leaves_input(ValueError, "size must be >= 0, got -1",
                            lambda: am.index_mask(good, -1), good)
    raises_and_leaves_input(TypeError, "size must be an integer, got 4.0",
                            lambda: am.index_mask(good, 4.0), good)
    raises_and_leaves_input(IndexError, "indices: 2 is out of range for size 0",
                            lambda: to_numpy(am.index_mask(good, 0)), good)


def test_index_under_jax_jit():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    indices = jnp.asarray([[2, -1, 2], [0, 1, 3]])
    got = jax.jit(lambda i: am.index_mask(i, 5))(indices)
    assert_equal(got, ref_index(np.array([[2, -1, 2], [0, 1, 3]]), 5), like=indices)
    # out-of-range values cannot raise under jit: they are dropped, never wrapped twice
    bad = jnp.asarray([[7, -6, 1]])
    np.testing.assert_array_equal(
        np.asarray(jax.jit(lambda i: am.index_mask(i, 5))(bad)), [[0, 1, 0, 0, 0]]
    )


def test_index_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    host = np.array([[1, 2], [3, -1], [0, 0]])
    indices = da.from_array(host, chunks=(2, 1))
    got = am.index_mask(indices, 4)
    assert isinstance(got, da.Array)
    np.testing.assert_array_equal(got.compute(), ref_index(host, 4))


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_index_native_route_is_taken_and_agrees(monkeypatch, kind):
    import array_api_compat

    route = "index_scatter"
    calls = spy_on(monkeypatch, _generic, route)
    rng = np.random.default_rng(5)
    for shape, size in itertools.product([(5,), (4, 6), (2, 3, 1), (3, 0)], [1, 7]):
        host = rng.integers(-size, size, size=shape)
        indices = host if kind == "numpy" else pytest.importorskip("torch").from_numpy(host)
        got = am.index_mask(indices, size)
        twin = _generic.index_compare(indices, size, array_api_compat.array_namespace(indices))
        assert_equal(got, twin)
        np.testing.assert_array_equal(to_numpy(got), ref_index(host, size))
    assert calls and set(calls) == {route}
