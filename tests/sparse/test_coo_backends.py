"""COO on every backend: results in the input's namespace and device, equal to NumPy's."""

from __future__ import annotations

import numpy as np
import pytest
from _coo_reference import POLICIES, canonical, from_dense, to_dense
from _helpers import assert_equal, raises_and_leaves_input, to_numpy

from arraymask._backend import capabilities, namespace
from arraymask.sparse import COO, _generic


def index_dtype(backend) -> type:
    return np.int64 if capabilities(backend.xp).int64 else np.int32


def host_values(backend, values: np.ndarray) -> np.ndarray:
    """What the backend stores for ``values`` (JAX without x64 narrows 64-bit types)."""
    return to_numpy(backend.asarray(values))


CASES = [
    # coords, shape
    (np.array([[2, 0, 2, 1, 2, 0], [1, 3, 1, 0, 1, 3]]), (3, 4)),
    (np.array([[4, 1, 1, 0, 4]]), (5,)),
    (np.array([[1, 0, 1], [0, 1, 0], [2, 2, 2]]), (2, 2, 3)),
    (np.zeros((2, 0), dtype=np.int64), (3, 3)),
]


@pytest.mark.parametrize("policy", POLICIES)
def test_canonical(backend, policy):
    dtypes = (np.float32, np.int16, np.bool_)
    if backend.name in {"jax", "dask"}:  # slow to dispatch: one dtype per policy
        dtypes = (dtypes[POLICIES.index(policy) % 3],)
    for case, (coords_np, shape) in enumerate(CASES):
        for dtype in dtypes:
            _check_canonical(backend, case, coords_np, shape, policy, dtype)


def _check_canonical(backend, case, coords_np, shape, policy, dtype):
    rng = np.random.default_rng(case)
    values_np = (rng.normal(size=coords_np.shape[1]) * 5).astype(dtype)
    coords = backend.asarray(coords_np)
    values = backend.asarray(values_np)
    c = COO(coords, values, shape)
    ref = canonical(coords_np, host_values(backend, values_np), shape, policy)
    if ref[2] is not None:
        raises_and_leaves_input(ValueError, "appears more than once", lambda: c.canonical(policy),
                                coords, values)
        return
    out = c.canonical(policy)
    assert_equal(out.coords, ref[0].astype(index_dtype(backend)), like=coords)
    assert_equal(out.values, ref[1], like=values)
    assert out.shape == shape


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint8, np.bool_, np.complex64])
def test_from_dense(backend, dtype):
    rng = np.random.default_rng(1)
    x_np = np.where(rng.random((5, 6)) < 0.4, rng.normal(size=(5, 6)) * 3, 0).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x_np[0, 0], x_np[1, 1] = np.nan, -0.0
    x = backend.asarray(x_np)
    c = COO.from_dense(x)
    want = from_dense(to_numpy(x))
    assert c.is_canonical
    assert_equal(c.coords, want[0].astype(index_dtype(backend)), like=x)
    assert_equal(c.values, want[1], like=x)
    assert_equal(c.to_dense(), to_numpy(x), like=x)


def test_from_dense_fill_and_ndim(backend):
    x_np = np.arange(24, dtype=np.int32).reshape(2, 3, 4) % 5
    x = backend.asarray(x_np)
    c = COO.from_dense(x, fill_value=4)
    want = from_dense(x_np, 4)
    assert_equal(c.coords, want[0].astype(index_dtype(backend)), like=x)
    assert_equal(c.values, want[1], like=x)
    assert_equal(c.to_dense(fill_value=4), x_np, like=x)


def test_to_dense_sums_duplicates(backend):
    coords_np = np.array([[0, 2, 0, 1], [1, 1, 1, 0]])
    values_np = np.array([1.5, 2.0, 3.0, -1.0], dtype=np.float32)
    c = COO(backend.asarray(coords_np), backend.asarray(values_np), (3, 2))
    assert_equal(c.to_dense(fill_value=-7), to_dense(coords_np, values_np, (3, 2), -7),
                 like=c.values)


def test_from_mask(backend):
    m_np = np.array([[True, False, True], [False, False, True]])
    v_np = np.arange(6, dtype=np.float32).reshape(2, 3)
    m = backend.asarray(m_np)
    c = COO.from_mask(m, backend.asarray(v_np))
    assert_equal(c.values, v_np[m_np], like=m)
    assert_equal(COO.from_mask(m).values, np.ones(3, dtype=bool), like=m)


def test_bounds_and_promise(backend):
    coords = backend.asarray(np.array([[0, 3]]))
    values = backend.asarray(np.ones(2, dtype=np.float32))
    raises_and_leaves_input(IndexError, r"coords\[0, 1\] = 3", lambda: COO(coords, values, (3,)),
                            coords, values)
    rev = backend.asarray(np.array([[1, 0]]))
    raises_and_leaves_input(ValueError, "canonical=True",
                            lambda: COO(rev, values, (3,), canonical=True), rev, values)
    ok = COO(backend.asarray(np.array([[0, 2]])), values, (3,))
    assert ok.is_canonical and ok.canonical() is ok


def test_indices_layout(backend):
    coords_np = np.array([[0, 1], [2, 0]])
    c = COO(backend.asarray(coords_np), backend.asarray(np.ones(2)), (2, 3))
    assert_equal(c.indices, coords_np.T.astype(index_dtype(backend)), like=c.coords)


def test_twin_equals_kernel_on_backend(backend):
    """The array-API twin gives the kernel's answer (floats summed in order)."""
    rng = np.random.default_rng(5)
    coords_np = np.stack([rng.integers(0, 4, 200), rng.integers(0, 5, 200)])
    values_np = rng.normal(size=200).astype(np.float32)
    host = canonical(coords_np, values_np, (4, 5), "sum")
    xp = namespace(backend.asarray(values_np))
    got = _generic.canonicalize(backend.asarray(coords_np.astype(index_dtype(backend))),
                                backend.asarray(values_np), (4, 5), "sum", xp)
    np.testing.assert_array_equal(to_numpy(got[0]), host[0].astype(index_dtype(backend)))
    np.testing.assert_array_equal(to_numpy(got[1]), host[1])


@pytest.mark.parametrize("run", [3, 257, 1000])
def test_duplicate_sums_are_identical_on_every_backend(backend, run):
    """One summation order (the pairwise tree) on the compiled and the array-API routes."""
    rng = np.random.default_rng(run)
    n_other = 50
    coords_np = np.concatenate([np.full(run, 7), rng.integers(0, 40, n_other)])[None, :]
    values_np = (rng.standard_normal(run + n_other) * 10.0 ** rng.integers(-4, 5, run + n_other)
                 ).astype(np.float32)
    want = canonical(coords_np, values_np, (40,), "sum")
    coo = COO(backend.asarray(coords_np), backend.asarray(values_np), (40,)).canonical("sum")
    np.testing.assert_array_equal(to_numpy(coo.values), want[1], strict=True)
    dense = COO(backend.asarray(coords_np), backend.asarray(values_np), (40,)).to_dense()
    np.testing.assert_array_equal(to_numpy(dense), to_dense(coords_np, values_np, (40,)),
                                  strict=True)


def test_false_promises_with_check_false_never_read_or_write_out_of_bounds(backend):
    """check=False skips the O(nnz) scan, never the O(1) shape checks or the kernels' bounds."""
    coords = backend.asarray(np.array([[10**9]]))
    coo = COO(coords, backend.asarray(np.ones(1)), (3,), canonical=True, check=False)
    with pytest.raises(IndexError, match="out of range"):
        to_numpy(coo.to_dense())
    with pytest.raises(ValueError, match="values must have shape"):
        COO(backend.asarray(np.array([[1, 0, 2]])), backend.asarray(np.array([10.0, 20.0])),
            (3,), check=False)
    with pytest.raises(ValueError, match="coords must have shape"):
        COO(backend.asarray(np.array([[1, 0]])), backend.asarray(np.ones(2)), (3, 3), check=False)
    bad = COO(backend.asarray(np.array([[2, -1, 0]])), backend.asarray(np.ones(3)), (3,),
              check=False)
    with pytest.raises(IndexError, match="out of range"):
        bad.canonical()
