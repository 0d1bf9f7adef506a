"""COO ⇄ ``tf.sparse.SparseTensor``: the articles' examples, dtypes, policies, sharing.

TensorFlow is slow to import: the tests here are few and small.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import assert_same_coo

from arraymask import COO
from arraymask.interop import from_sparse

tf = pytest.importorskip("tensorflow")

DTYPES = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
]
POLICIES = ["sum", "min", "max", "first", "last", "keep"]


def random_coo(shape, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    mask = rng.random(shape) < 0.4
    values = rng.integers(1, 100, size=shape).astype(dtype)
    return COO.from_mask(mask, values)


def unordered_with_duplicates():
    coords = np.array([[2, 0, 2, 1, 0, 2], [1, 3, 1, 0, 3, 1]])
    return COO(coords, np.array([5.0, 1.0, -2.0, 4.0, 7.0, 3.0]), (3, 4))


def assert_same_sparse(actual, expected):
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual.indices.numpy(), expected.indices.numpy(), strict=True)
    np.testing.assert_array_equal(actual.values.numpy(), expected.values.numpy(), strict=True)
    np.testing.assert_array_equal(actual.dense_shape.numpy(), expected.dense_shape.numpy(),
                                  strict=True)


def test_article_dict_example_matches_tf_sparse_reorder():
    d = {(0, 1): 2, (2, 0): 5, (1, 3): 1}
    ours = COO.from_dict(d, shape=(3, 4), dtype=np.int32).to_tensorflow()
    theirs = tf.sparse.reorder(
        tf.SparseTensor(indices=list(d), values=list(d.values()), dense_shape=[3, 4])
    )
    assert_same_sparse(ours, theirs)


def test_article_dense_example_matches_tf_sparse_from_dense():
    x = np.array([[0, 2, 0, 0], [0, 0, 0, 0], [5, 0, 0, 0], [0, 0, 1, 0]])
    assert_same_sparse(COO.from_dense(x).to_tensorflow(), tf.sparse.from_dense(x))
    assert_same_coo(COO.from_sparse(tf.sparse.from_dense(x)), COO.from_dense(x))


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(dtype):
    coo = random_coo((3, 4), dtype)
    st = coo.to_tensorflow()
    assert st.dtype == tf.as_dtype(np.dtype(dtype)) and st.indices.dtype == tf.int64
    assert_same_coo(from_sparse(st), coo)


@pytest.mark.parametrize("shape", [(7,), (2, 3, 5), (0, 3)])
def test_round_trip_shapes(shape):
    coo = random_coo(shape, "float32")
    st = coo.to_tensorflow()
    assert tuple(st.dense_shape.numpy()) == shape
    assert_same_coo(from_sparse(st), coo)


@pytest.mark.parametrize("policy", POLICIES)
def test_export_and_import_per_policy(policy):
    coo = unordered_with_duplicates()
    expected = coo.canonical(policy)
    st = coo.to_tensorflow(duplicates=policy)
    np.testing.assert_array_equal(st.indices.numpy(), np.asarray(expected.indices))
    np.testing.assert_array_equal(st.values.numpy(), expected.values)
    # an unordered SparseTensor with duplicates, built by hand
    raw = tf.SparseTensor(np.asarray(coo.indices), np.asarray(coo.values), coo.shape)
    assert_same_coo(from_sparse(raw, duplicates=policy), expected)


def test_keep_matches_tf_sparse_reorder_coordinates():
    coo = unordered_with_duplicates()
    raw = tf.SparseTensor(np.asarray(coo.indices), np.asarray(coo.values), coo.shape)
    ours = coo.to_tensorflow(duplicates="keep")
    np.testing.assert_array_equal(ours.indices.numpy(), tf.sparse.reorder(raw).indices.numpy())


def _address(tensor):
    return np.from_dlpack(tensor).ctypes.data


def test_export_shares_aligned_values_and_copies_misaligned_ones():
    from arraymask._backend._tensorflow import TF_ALIGNMENT, _aligned_copy

    base = random_coo((40, 50), "float32")
    aligned = COO(base.coords, _aligned_copy(np.asarray(base.values)), base.shape)
    st = aligned.to_tensorflow()
    assert _address(st.values) == aligned.values.ctypes.data  # shared, read-only buffer
    assert _address(st.indices) % TF_ALIGNMENT == 0
    raw = np.empty(base.nnz * 4 + 128, dtype=np.uint8)  # a deliberately misaligned buffer
    start = (-raw.ctypes.data) % TF_ALIGNMENT + 4
    misaligned = raw[start:start + base.nnz * 4].view(np.float32)
    misaligned[:] = base.values
    st2 = COO(base.coords, misaligned, base.shape).to_tensorflow()
    assert _address(st2.values) % TF_ALIGNMENT == 0  # copied: TF kernels need alignment
    np.testing.assert_array_equal(tf.sparse.to_dense(st2).numpy(), base.to_dense())


def test_import_shares_buffers():
    st = tf.sparse.from_dense(random_coo((40, 50)).to_dense())
    back = from_sparse(st)
    assert np.shares_memory(back.values, np.from_dlpack(st.values))
    assert np.shares_memory(back.coords, np.from_dlpack(st.indices))


def test_export_keeps_arrays_alive():
    st = random_coo((40, 50)).to_tensorflow()  # the COO is gone, the buffers are not
    import gc

    gc.collect()
    np.testing.assert_array_equal(tf.sparse.to_dense(st).numpy() != 0,
                                  random_coo((40, 50)).to_dense() != 0)


def test_bad_input():
    with pytest.raises(TypeError, match="EagerTensor"):
        from_sparse(tf.constant([1.0, 0.0]))
    out_of_range = tf.SparseTensor([[0, 9]], [1.0], [2, 3])
    with pytest.raises(IndexError):
        from_sparse(out_of_range)
    with pytest.raises(TypeError, match="string"):
        from_sparse(tf.SparseTensor([[0]], ["a"], [2]))
    with pytest.raises(TypeError, match="COO"):
        from_sparse(tf.ragged.constant([[1], [2, 3]]))


def test_tensorflow_round_trip_is_zero_copy_both_ways():
    st = tf.sparse.from_dense(random_coo((50, 60)).to_dense())
    again = from_sparse(st).to_tensorflow()
    assert _address(again.indices) == _address(st.indices)
    assert _address(again.values) == _address(st.values)
