"""``tf_dataset``: signatures, batching, prefetching, Keras ``fit``, bad elements.

TensorFlow is slow to import and to trace: few, small pipelines.
"""

from __future__ import annotations

import numpy as np
import pytest

from arraymask import COO
from arraymask.sparse import tf_dataset

tf = pytest.importorskip("tensorflow")


def rows(n=12, width=6, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 9, size=(n, width)).astype(dtype)
    x[rng.random((n, width)) < 0.6] = 0
    return x


def test_list_of_coo_batch_prefetch_and_two_epochs():
    dense = rows()
    ds = tf_dataset([COO.from_dense(r) for r in dense])
    assert ds.element_spec == tf.SparseTensorSpec([6], tf.float32)
    assert int(ds.cardinality()) == 12
    pipeline = ds.batch(5).prefetch(2)
    for _ in range(2):  # a list can be read again
        batches = [tf.sparse.to_dense(b).numpy() for b in pipeline]
        assert [b.shape for b in batches] == [(5, 6), (5, 6), (2, 6)]
        np.testing.assert_array_equal(np.concatenate(batches), dense)


def test_generator_function_of_mixed_sources_and_unknown_leading_dim():
    sp = pytest.importorskip("scipy.sparse")
    torch = pytest.importorskip("torch")

    def samples():  # variable-length 2-D samples from three libraries
        yield COO.from_dense(np.eye(2, 3, dtype=np.float64))
        yield sp.coo_array(np.ones((4, 3)))
        yield torch.ones(1, 3, dtype=torch.float64).to_sparse()
        yield tf.sparse.from_dense(np.zeros((3, 3)))

    ds = tf_dataset(samples, shape=(None, 3), dtype="float64")
    assert ds.element_spec == tf.SparseTensorSpec([None, 3], tf.float64)
    shapes = [tuple(e.dense_shape.numpy()) for e in ds]
    assert shapes == [(2, 3), (4, 3), (1, 3), (3, 3)]
    assert len(list(ds)) == 4  # the generator function is called again per pass


def test_generator_object_is_read_once_with_the_peeked_element():
    dense = rows(4)
    ds = tf_dataset(COO.from_dense(r) for r in dense)
    got = [tf.sparse.to_dense(e).numpy() for e in ds]
    np.testing.assert_array_equal(np.stack(got), dense)


def test_elements_are_ordered_and_duplicates_summed():
    dup = COO(np.array([[3, 0, 3]]), np.array([1.0, 2.0, 4.0], np.float32), (5,))
    (element,) = list(tf_dataset([dup]))
    assert element.indices.numpy().tolist() == [[0], [3]]
    assert element.values.numpy().tolist() == [2.0, 5.0]


def test_explicit_dtype_casts_within_a_kind():
    ds = tf_dataset([COO.from_dense(np.array([0.0, 1.5]))], dtype=tf.float32)
    (element,) = list(ds)
    assert element.dtype == tf.float32


def test_keras_fit_with_sparse_input():
    keras = pytest.importorskip("keras")
    dense = rows(32, 8, seed=1)
    labels = (dense.sum(axis=1) > dense.sum(axis=1).mean()).astype(np.float32)
    features = tf_dataset([COO.from_dense(r) for r in dense])
    ds = tf.data.Dataset.zip(features, tf.data.Dataset.from_tensor_slices(labels))
    ds = ds.batch(8).prefetch(tf.data.AUTOTUNE)
    inputs = keras.Input(shape=(8,), sparse=True)
    outputs = keras.layers.Dense(1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))


def _consume(ds):
    return [e for e in ds]


def test_bad_elements_name_their_position():
    good = COO.from_dense(np.ones((2, 3), np.float32))
    wrong_ndim = COO.from_dense(np.ones(3, np.float32))
    with pytest.raises((tf.errors.OpError, ValueError), match="element 2 has 1 dimensions"):
        _consume(tf_dataset([good, good, wrong_ndim]))
    wrong_dtype = COO.from_dense(np.ones((2, 3), np.float64))
    with pytest.raises((tf.errors.OpError, TypeError), match="element 1 has dtype float64"):
        _consume(tf_dataset([good, wrong_dtype]))
    wrong_shape = COO.from_dense(np.ones((2, 4), np.float32))
    with pytest.raises((tf.errors.OpError, ValueError), match=r"element 1 has shape \(2, 4\)"):
        _consume(tf_dataset([good, wrong_shape]))
    with pytest.raises((tf.errors.OpError, TypeError), match="element 1: from_sparse"):
        _consume(tf_dataset([good, np.ones((2, 3))]))
    with pytest.raises((tf.errors.OpError, TypeError), match="element 1 has dtype int64"):
        _consume(tf_dataset([good, COO.from_dense(np.ones((2, 3), np.int64))], dtype="float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        tf_dataset([])
    with pytest.raises(TypeError, match="iterable or a generator function"):
        tf_dataset(42)
    with pytest.raises(TypeError, match="element 0"):
        tf_dataset([np.ones(3)])
    with pytest.raises(TypeError, match="shape entries"):
        tf_dataset([], shape=(2.5,), dtype="float32")
    ds = tf_dataset([], shape=(None, 4), dtype="int32")  # empty is fine when both are given
    assert list(ds) == []
