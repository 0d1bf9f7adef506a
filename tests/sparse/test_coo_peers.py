"""Agreement with TensorFlow, PyTorch, SciPy and NumPy where their operations overlap ours."""

from __future__ import annotations

import numpy as np
import pytest

from arraymask.sparse import COO


def random_coo(seed: int, n: int = 3000, shape=(40, 50)):
    rng = np.random.default_rng(seed)
    coords = np.stack([rng.integers(0, s, n) for s in shape])
    values = rng.integers(-50, 50, n).astype(np.float64)
    return coords, values, shape


@pytest.mark.parametrize("seed", range(3))
def test_keep_gives_tf_reorder_coordinates(seed):
    tf = pytest.importorskip("tensorflow")
    coords, values, shape = random_coo(seed)
    st = tf.sparse.reorder(tf.sparse.SparseTensor(coords.T, values, shape))
    ours = COO(coords, values, shape).canonical("keep")
    np.testing.assert_array_equal(ours.indices, st.indices.numpy())


@pytest.mark.parametrize("seed", range(3))
def test_sum_equals_torch_coalesce(seed):
    torch = pytest.importorskip("torch")
    coords, values, shape = random_coo(seed)
    t = torch.sparse_coo_tensor(
        torch.from_numpy(coords), torch.from_numpy(values), shape, check_invariants=True
    )
    t = t.coalesce()
    ours = COO(coords, values, shape).canonical("sum")
    np.testing.assert_array_equal(ours.coords, t.indices().numpy())
    np.testing.assert_array_equal(ours.values, t.values().numpy())


@pytest.mark.parametrize("seed", range(3))
def test_sum_equals_scipy_sum_duplicates(seed):
    sp = pytest.importorskip("scipy.sparse")
    coords, values, shape = random_coo(seed)
    a = sp.coo_array((values, (coords[0], coords[1])), shape=shape)
    a.sum_duplicates()
    ours = COO(coords, values, shape).canonical("sum")
    np.testing.assert_array_equal(ours.coords, np.stack(a.coords))
    np.testing.assert_array_equal(ours.values, a.data)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_from_dense_equals_tf_and_nonzero(dtype):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    x = np.where(rng.random((30, 20)) < 0.2, rng.normal(size=(30, 20)) * 9, 0).astype(dtype)
    ours = COO.from_dense(x)
    st = tf.sparse.from_dense(tf.constant(x))
    np.testing.assert_array_equal(ours.indices, st.indices.numpy())
    np.testing.assert_array_equal(ours.values, st.values.numpy())
    nz = np.nonzero(x)
    np.testing.assert_array_equal(ours.coords, np.stack(nz))
    np.testing.assert_array_equal(ours.values, x[nz])


def test_from_dense_torch_zero_copy_input():
    torch = pytest.importorskip("torch")
    x = torch.tensor([[0.0, 2.0], [3.0, 0.0]])[:, [1, 0]].T  # a non-contiguous view
    ours = COO.from_dense(x)
    ref = x.to_sparse()
    assert isinstance(ours.coords, torch.Tensor)
    np.testing.assert_array_equal(ours.coords.numpy(), ref.indices().numpy())
    np.testing.assert_array_equal(ours.values.numpy(), ref.values().numpy())
