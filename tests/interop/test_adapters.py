"""COO ⇄ torch, SciPy, pydata sparse, cupyx; ``from_sparse`` dispatch and bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _helpers import assert_same_coo, make_backend, raises_and_leaves_input, to_numpy

from arraymask import COO
from arraymask.interop import from_sparse

torch = pytest.importorskip("torch")
sp = pytest.importorskip("scipy.sparse")
sparse = pytest.importorskip("sparse")

ALL_DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
]

SHAPES = [(7,), (3, 4), (2, 3, 5), (0, 3)]

POLICIES = ["sum", "min", "max", "first", "last", "keep"]


def random_coo(shape: tuple[int, ...], dtype: str = "float64", *, density: float = 0.4,
               seed: int = 0) -> COO:
    """A canonical COO with random entries of ``dtype`` (values never 0)."""
    rng = np.random.default_rng(seed)
    dense = rng.random(shape) < density
    values = (rng.integers(1, 100, size=shape)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.integers(1, 9, size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        values = np.ones(shape, dtype=bool)
    return COO.from_mask(dense, values)


def with_duplicates() -> COO:
    """A non-canonical 2-D COO with unsorted, repeated coordinates."""
    coords = np.array([[2, 0, 2, 1, 0, 2], [1, 3, 1, 0, 3, 1]])
    values = np.array([5.0, 1.0, -2.0, 4.0, 7.0, 3.0])
    return COO(coords, values, (3, 4))


SCIPY_DTYPES = [d for d in ALL_DTYPES if d != "float16"]


def data_pointer(x):
    """Address of the first element of a NumPy array or torch tensor."""
    return int(x.ctypes.data) if isinstance(x, np.ndarray) else int(x.data_ptr())


# ---------------------------------------------------------------- torch


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_torch_round_trip(shape, dtype):
    coo = random_coo(shape, dtype)
    t = coo.to_torch()
    assert t.layout == torch.sparse_coo and t.is_coalesced()
    assert t.dtype == getattr(torch, dtype) and tuple(t.shape) == shape
    assert_same_coo(from_sparse(t), coo)


def test_torch_shares_memory_with_numpy_coo():
    coo = random_coo((30, 40))
    t = coo.to_torch()
    assert t._indices().data_ptr() == data_pointer(coo.coords)
    assert t._values().data_ptr() == data_pointer(coo.values)


def test_torch_coo_stays_torch_without_copy():
    coo = COO.from_sparse(random_coo((5, 6)).to_torch())
    assert isinstance(coo.values, torch.Tensor)
    again = coo.to_torch()
    assert again._values().data_ptr() == coo.values.data_ptr()
    assert again._indices().data_ptr() == coo.coords.data_ptr()


@pytest.mark.parametrize("policy", POLICIES)
def test_torch_export_combines_duplicates_per_policy(policy):
    coo = with_duplicates()
    t = coo.to_torch(duplicates=policy)
    expected = coo.canonical(policy)
    assert t.is_coalesced() == expected.is_canonical  # honest flag: False for "keep"
    np.testing.assert_array_equal(t._indices().numpy(), expected.coords)
    np.testing.assert_array_equal(t._values().numpy(), expected.values)


def test_torch_duplicates_error_policy():
    with pytest.raises(ValueError, match="appears more than once"):
        with_duplicates().to_torch(duplicates="error")


@pytest.mark.parametrize("policy", POLICIES)
def test_from_torch_uncoalesced_per_policy(policy):
    coo = with_duplicates()
    t = torch.sparse_coo_tensor(torch.from_numpy(np.array(coo.coords)),
                                torch.from_numpy(np.array(coo.values)), coo.shape)
    assert not t.is_coalesced()
    assert_same_coo(from_sparse(t, duplicates=policy), coo.canonical(policy))


@pytest.mark.parametrize("layout", ["csr", "csc", "bsr", "bsc"])
def test_from_torch_compressed_layouts(layout):
    dense = np.array([[0, 2, 0, 0], [1, 0, 0, 3], [0, 0, 0, 0], [4, 0, 5, 0]], dtype=np.float32)
    t = torch.from_numpy(dense)
    compressed = getattr(t, f"to_sparse_{layout}")(*((2, 2),) if layout.startswith("b") else ())
    got = from_sparse(compressed)
    np.testing.assert_array_equal(to_numpy(got.to_dense()), dense)
    assert got.is_canonical


def test_from_torch_batched_csr():
    dense = np.zeros((2, 3, 4), dtype=np.float64)
    dense[0, 1, 2], dense[0, 2, 0], dense[1, 0, 0], dense[1, 2, 3] = 1, 4, 2, 3  # 2 per batch
    got = from_sparse(torch.from_numpy(dense).to_sparse_csr())
    np.testing.assert_array_equal(to_numpy(got.to_dense()), dense)


def test_to_torch_device_argument_and_cuda():
    coo = random_coo((4, 5))
    t = coo.to_torch(device="cpu")
    assert t.device.type == "cpu"
    if not torch.cuda.is_available():
        return
    g = coo.to_torch(device="cuda")  # pragma: no cover - GPU machines only
    assert g.is_cuda and g.is_coalesced()
    back = from_sparse(g)
    assert back.values.is_cuda
    assert_same_coo(back, coo)


def test_to_torch_from_cuda_coo_stays_on_device():
    backend = make_backend("torch_cuda")  # skips without a GPU
    coo = COO(backend.asarray(np.array([[0, 1], [2, 0]])), backend.asarray(np.array([1.0, 2.0])),
              (2, 3))
    t = coo.to_torch()
    assert t.is_cuda and t.is_coalesced()
    assert t._values().data_ptr() == coo.values.data_ptr()


@pytest.mark.parametrize("name", ["array_api_strict", "jax", "dask"])
def test_to_torch_from_other_namespaces(name):
    backend = make_backend(name)
    base = random_coo((4, 5), "float32")
    coo = COO(backend.asarray(base.coords), backend.asarray(base.values), base.shape)
    t = coo.to_torch()
    assert t.is_coalesced()
    np.testing.assert_array_equal(t.to_dense().numpy(), to_numpy(base.to_dense()))


def test_from_torch_bad_input():
    with pytest.raises(TypeError, match="dense"):
        from_sparse(torch.zeros(3))
    hybrid = torch.sparse_coo_tensor(torch.tensor([[0, 1]]), torch.ones(2, 3), (2, 3))
    with pytest.raises(ValueError, match="hybrid"):
        from_sparse(hybrid)
    out_of_range = torch.sparse_coo_tensor(torch.tensor([[0, 5]]), torch.ones(2), (3,),
                                           check_invariants=False)
    with pytest.raises(IndexError):
        from_sparse(out_of_range)


# ---------------------------------------------------------------- SciPy


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", SCIPY_DTYPES)
def test_scipy_round_trip(shape, dtype):
    coo = random_coo(shape, dtype)
    a = coo.to_scipy()
    assert isinstance(a, sp.coo_array) and a.has_canonical_format
    assert a.dtype == np.dtype(dtype) and a.shape == shape and a.nnz == coo.nnz
    np.testing.assert_array_equal(a.toarray(), coo.to_dense())
    assert_same_coo(from_sparse(a), coo)


def test_scipy_shares_memory():
    coo = random_coo((30, 40))
    a = coo.to_scipy()
    assert np.shares_memory(a.data, coo.values)
    assert all(np.shares_memory(row, coo.coords) for row in a.coords)
    assert a.coords[0].dtype == np.int64
    dense = coo.to_dense()
    np.testing.assert_array_equal(a.toarray(), dense)  # SciPy's own kernels accept it
    np.testing.assert_array_equal(a.tocsr().toarray(), dense)
    np.testing.assert_allclose(a @ np.ones(40), dense @ np.ones(40))
    # SciPy trusts the flag: no re-sort; the result agrees with SciPy's own canonical form
    ref = sp.coo_array((np.array(coo.values), tuple(np.array(coo.coords))), shape=coo.shape)
    ref.sum_duplicates()
    np.testing.assert_array_equal(np.stack(ref.coords), coo.coords)


def test_scipy_float16_is_a_type_error():
    coo = random_coo((3, 4), "float16")
    with pytest.raises(TypeError, match="float16"):
        coo.to_scipy()


def test_scipy_sums_duplicates_on_export():
    coo = with_duplicates()
    a = coo.to_scipy()
    expected = coo.canonical("sum")
    np.testing.assert_array_equal(np.stack(a.coords), expected.coords)
    np.testing.assert_array_equal(a.data, expected.values)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"])
@pytest.mark.parametrize("kind", ["array", "matrix"])
def test_from_scipy_every_format(fmt, kind):
    dense = np.array([[0, 2, 0, 0], [1, 0, 0, 3], [0, 0, 0, 0], [4, 0, 5, 0]], dtype=np.float32)
    obj = getattr(sp, f"{fmt}_{kind}")(dense)
    got = from_sparse(obj)
    assert got.is_canonical and got.dtype == np.float32
    assert_same_coo(got, COO.from_dense(dense))


@pytest.mark.parametrize("policy", POLICIES)
def test_from_scipy_duplicates_per_policy(policy):
    coo = with_duplicates()
    a = sp.coo_array((np.array(coo.values), tuple(np.array(coo.coords))), shape=coo.shape)
    assert_same_coo(from_sparse(a, duplicates=policy), coo.canonical(policy))


def test_from_scipy_keeps_explicit_zeros_and_int32_indices():
    a = sp.csr_array((np.array([0.0, 2.0]), np.array([0, 1], np.int32),
                      np.array([0, 1, 2], np.int32)), shape=(2, 2))
    got = from_sparse(a)
    assert got.nnz == 2 and got.coords.dtype == np.int64
    np.testing.assert_array_equal(got.values, [0.0, 2.0])


def test_from_scipy_out_of_range_and_duplicates_error():
    bad = sp.coo_array((np.ones(1), (np.array([0]), np.array([0]))), shape=(2, 2))
    bad.coords = (np.array([5]), np.array([0]))
    with pytest.raises(IndexError):
        from_sparse(bad)
    coo = with_duplicates()
    dup = sp.coo_array((np.array(coo.values), tuple(np.array(coo.coords))), shape=coo.shape)
    raises_and_leaves_input(ValueError, "more than once",
                            lambda: from_sparse(dup, duplicates="error"), dup.data)


# ---------------------------------------------------------------- pydata


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_pydata_round_trip(shape, dtype):
    coo = random_coo(shape, dtype)
    s = coo.to_pydata()
    assert isinstance(s, sparse.COO)
    assert s.dtype == np.dtype(dtype) and s.shape == shape
    assert_same_coo(from_sparse(s), coo)


def test_pydata_shares_memory_both_ways():
    coo = random_coo((30, 40))
    s = coo.to_pydata()
    assert np.shares_memory(s.coords, coo.coords) and np.shares_memory(s.data, coo.values)
    back = from_sparse(s)
    assert np.shares_memory(back.values, s.data) and np.shares_memory(back.coords, s.coords)


def test_from_pydata_input_is_canonical_already():
    # pydata sorts and sums duplicates when a sparse.COO is built, so every
    # policy sees the summed entries
    coo = with_duplicates()
    s = sparse.COO(np.array(coo.coords), np.array(coo.values), shape=coo.shape,
                   has_duplicates=True, sorted=False)
    for policy in POLICIES:
        assert_same_coo(from_sparse(s, duplicates=policy), coo.canonical("sum"))


def test_from_pydata_gcxs_and_dok():
    dense = np.array([[0, 2, 0], [1, 0, 3]], dtype=np.int16)
    for obj in (sparse.GCXS.from_numpy(dense), sparse.DOK.from_numpy(dense)):
        assert_same_coo(from_sparse(obj), COO.from_dense(dense))


def test_from_pydata_rejects_nonzero_fill_value():
    s = sparse.COO.from_numpy(np.array([1.0, 5.0, 1.0]), fill_value=1.0)
    with pytest.raises(ValueError, match="fill_value"):
        from_sparse(s)


# ---------------------------------------------------------------- cupyx


def test_cupyx_round_trip():
    make_backend("cupy")  # skips without a GPU
    import cupyx.scipy.sparse as csp  # pragma: no cover - GPU machines only

    coo = random_coo((30, 40), "float32")
    m = coo.to_cupyx()
    assert isinstance(m, csp.coo_matrix) and m.has_canonical_format
    assert_same_coo(from_sparse(m), coo)
    assert_same_coo(from_sparse(m.tocsr()), coo)


def test_cupyx_rejects_before_touching_the_gpu():
    # these checks come before cupy is imported, so they run everywhere
    with pytest.raises(ValueError, match="2-D"):
        random_coo((2, 3, 4), "float32").to_cupyx()
    with pytest.raises(TypeError, match="int16"):
        random_coo((2, 3), "int16").to_cupyx()


# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize("obj", [np.zeros((2, 2)), [[1, 0]], {(0, 1): 2.0}, "coo", None])
def test_from_sparse_unsupported_type_is_named(obj):
    with pytest.raises(TypeError, match=type(obj).__name__):
        from_sparse(obj)


def test_from_sparse_bad_policy_and_coo_input():
    with pytest.raises(ValueError, match="duplicates"):
        from_sparse(random_coo((3,)), duplicates="mean")
    coo = with_duplicates()
    assert_same_coo(COO.from_sparse(coo, duplicates="max"), coo.canonical("max"))
    canonical = random_coo((3, 3))
    assert from_sparse(canonical) is canonical


def test_exporters_reject_non_coo():
    from arraymask.interop.pydata import to_pydata
    from arraymask.interop.scipy import to_scipy
    from arraymask.interop.torch import to_torch

    for fn in (to_torch, to_scipy, to_pydata):
        with pytest.raises(TypeError, match=r"arraymask\.COO"):
            fn(np.zeros(3))


def test_from_sparse_does_not_import_frameworks():
    code = (
        "import sys, numpy as np, scipy.sparse as sp, arraymask as am\n"
        "am.COO.from_sparse(sp.eye(3, format='csr')).to_scipy()\n"
        "bad = [m for m in ('torch', 'tensorflow', 'sparse', 'cupy', 'jax') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_source_article_numpy_nonzero_route():
    # np.nonzero -> indices/values -> SparseTensor, done by hand in the articles
    x = np.array([[0, 2, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0], [0, 0, 1, 0]])
    coo = COO.from_dense(x)
    np.testing.assert_array_equal(coo.indices, np.argwhere(x))
    np.testing.assert_array_equal(coo.values, x[np.nonzero(x)])
