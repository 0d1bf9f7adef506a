"""top_k: values and indices with topk_mask's rules, on every backend; native peers
where they give the identical result."""

from __future__ import annotations

import numpy as np
import pytest
from _dask_helpers import chunked, no_compute
from _helpers import assert_equal, make, to_numpy
from _reference import top_k as reference

import arraymask as am

DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float16", "float32", "float64"]


def _host(backend, host):
    x = backend.asarray(host)
    return x, to_numpy(x).copy()  # the values the backend really holds (JAX narrows 64-bit)


@pytest.mark.parametrize("dtype", DTYPES)
def test_equal_to_the_reference_on_every_backend(backend, dtype):
    if dtype == "float16" and not backend.has_float16:
        pytest.skip(f"{backend.name} has no float16")
    rng = np.random.default_rng(abs(hash(dtype)) % 2**32)
    for style, (k, axis, largest, sort) in zip(
        ["wide", "ties", "special", "ties", "special", "wide"],
        [(3, -1, True, True), (4, 0, False, True), (11, 2, True, False), (1, 1, False, False),
         (7, None, True, True), (0, -1, True, True)], strict=True,
    ):
        x, host = _host(backend, make(rng, dtype, (5, 4, 11), style))
        values, indices = am.top_k(x, k, axis=axis, largest=largest, sorted=sort)
        want_v, want_i = reference(host, k, axis, largest, sort)
        assert_equal(values, want_v, like=x)
        np.testing.assert_array_equal(to_numpy(indices), want_i)
        assert to_numpy(indices).dtype.kind == "i"
    x, host = _host(backend, make(rng, dtype, (5, 4, 11), "special"))
    for k, axis, largest, sort in [(2, 0, True, False), (11, -1, False, True)]:
        values, indices = am.top_k(x, k, axis=axis, largest=largest, sorted=sort)
        want_v, want_i = reference(host, k, axis, largest, sort)
        assert_equal(values, want_v, like=x)
        np.testing.assert_array_equal(to_numpy(indices), want_i)


def test_named_tuple_and_the_mask_it_matches():
    x = np.random.default_rng(0).standard_normal((5, 30))
    result = am.top_k(x, 4)
    assert result._fields == ("values", "indices")
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, result.indices, True, axis=-1)
    np.testing.assert_array_equal(mask, am.topk_mask(x, 4))
    assert (np.diff(result.values, axis=-1) <= 0).all()
    unsorted = am.top_k(x, 4, sorted=False)
    assert (np.diff(unsorted.indices, axis=-1) > 0).all()


def test_nan_zero_and_ties():
    x = np.array([1.0, np.nan, -0.0, 0.0, np.inf, np.nan, 1.0])
    v, i = am.top_k(x, 7)
    assert i.tolist() == [1, 5, 4, 0, 6, 2, 3]
    v, i = am.top_k(x, 4, largest=False)
    assert i.tolist() == [2, 3, 0, 6]
    assert np.signbit(v[0])  # the values are the input's: -0.0 stays -0.0


def test_jax_native_route_and_jit(jax_mode):
    jnp, _ = jax_mode
    import jax

    from arraymask._backend import namespace, native_topk

    host = make(np.random.default_rng(1), "float32", (4, 50), "special")
    x = jnp.asarray(host)
    assert native_topk(namespace(x), x.dtype)[1]  # stable: the route under test
    for largest in (True, False):
        want = reference(host, 9, -1, largest, True)
        got = jax.jit(lambda a, largest=largest: am.top_k(a, 9, largest=largest))(x)
        np.testing.assert_array_equal(np.asarray(got.values), want[0])
        np.testing.assert_array_equal(np.asarray(got.indices), want[1])
        # jax.lax.top_k itself is the peer: identical where no NaN or -0.0 is involved
        clean = jnp.asarray(np.nan_to_num(host, nan=7.0) + 0.0)
        native = jax.lax.top_k(clean if largest else -clean, 9)[1]
        np.testing.assert_array_equal(np.asarray(am.top_k(clean, 9, largest=largest).indices),
                                      np.asarray(native))
    with pytest.raises(TypeError, match="static"):
        jax.jit(lambda a, k: am.top_k(a, k))(x, jnp.asarray(3))


def test_torch_topk_is_the_same_without_ties():
    torch = pytest.importorskip("torch")
    x = torch.randn(8, 1000, generator=torch.Generator().manual_seed(0))
    for largest in (True, False):
        got = am.top_k(x, 16, largest=largest)
        want = torch.topk(x, 16, largest=largest)
        assert torch.equal(got.values, want.values) and torch.equal(got.indices, want.indices)


def _numpy_top_k(x: np.ndarray, k: int):
    """``np.top_k`` where NumPy has it (2.5), else its computation on tie-free data."""
    if hasattr(np, "top_k"):
        return np.top_k(x, k)
    part = np.argpartition(-x, k - 1, axis=-1)[..., :k]
    order = np.argsort(-np.take_along_axis(x, part, axis=-1), axis=-1, stable=True)
    indices = np.take_along_axis(part, order, axis=-1)
    return np.take_along_axis(x, indices, axis=-1), indices


def test_numpy_top_k_spelling_and_result():
    x = np.random.default_rng(2).standard_normal((6, 500))  # no ties
    got = am.top_k(x, 12)
    values, indices = _numpy_top_k(x, 12)
    assert got._fields == ("values", "indices")  # the standard's named tuple
    np.testing.assert_array_equal(got.values, values)
    np.testing.assert_array_equal(got.indices, indices)


def test_dask_lazily():
    pytest.importorskip("dask.array")
    rng = np.random.default_rng(3)
    host = make(rng, "float32", (9, 40), "ties")
    x = chunked(host, rng)
    with no_compute():
        by_row = am.top_k(x, 5, axis=1)
        by_col = am.top_k(x, 3, axis=0, largest=False, sorted=False)
        flat = am.top_k(x, 11, axis=None)
    for got, args in [(by_row, (5, 1, True, True)), (by_col, (3, 0, False, False)),
                      (flat, (11, None, True, True))]:
        want = reference(host, *args)
        np.testing.assert_array_equal(got.values.compute(), want[0])
        np.testing.assert_array_equal(got.indices.compute(), want[1])


def test_bad_arguments():
    x = np.arange(6.0)
    with pytest.raises(ValueError, match="k must satisfy"):
        am.top_k(x, 7)
    with pytest.raises(ValueError, match="k must satisfy"):
        am.top_k(x, -1)
    with pytest.raises(TypeError, match="k must be an integer"):
        am.top_k(x, 2.0)
    with pytest.raises(TypeError, match="sorted must be a bool"):
        am.top_k(x, 2, sorted=None)
    with pytest.raises(TypeError, match="x must have a bool, integer or real"):
        am.top_k(x.astype(complex), 2)
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        am.top_k(x, 2, axis=2)
    assert am.top_k(x, np.array(2)).indices.tolist() == [5, 4]


@pytest.mark.parametrize(("shape", "chunks"), [((6, 5, 4), (4, 3, 3)), ((3, 0), (2, 1)),
                                               ((0, 4), (1, 3)), ((7, 9), (5, 2))])
def test_dask_axis_none_with_uneven_chunks(shape, chunks):
    # Dask cannot flatten these chunkings with a reshape: the global route must not need one
    da = pytest.importorskip("dask.array")
    host = make(np.random.default_rng(4), "float32", shape, "ties")
    x = da.from_array(host, chunks=chunks)
    for k in {0, min(3, host.size)}:
        got = am.top_k(x, k, axis=None, largest=False)
        want = reference(host, k, None, False, True)
        np.testing.assert_array_equal(np.asarray(got.values), want[0])
        np.testing.assert_array_equal(np.asarray(got.indices), want[1])
