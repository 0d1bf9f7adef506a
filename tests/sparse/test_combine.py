"""``arraymask.sparse.concat`` and ``stack`` on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import assert_equal, to_numpy

import arraymask as am
from arraymask import COO
from arraymask.sparse import concat, stack


def dense_samples(shapes, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        x = rng.integers(1, 9, size=shape).astype(dtype)
        x[rng.random(shape) < 0.6] = 0
        out.append(x)
    return out


def coo_of(backend, dense):
    """Canonical COO of ``dense`` whose arrays belong to ``backend``."""
    host = COO.from_dense(dense)
    return COO(backend.asarray(host.coords), backend.asarray(host.values), host.shape)


def check(result, expected_dense, backend, *, canonical):
    assert result.shape == expected_dense.shape
    assert result.is_canonical == canonical
    assert_equal(result.values, to_numpy(result.values), like=backend.asarray(np.zeros(1)))
    got = np.zeros(expected_dense.shape, dtype=expected_dense.dtype)
    np.add.at(got, tuple(to_numpy(result.coords)), to_numpy(result.values))
    np.testing.assert_array_equal(got, expected_dense)
    if canonical:
        reference = COO.from_dense(expected_dense)
        np.testing.assert_array_equal(to_numpy(result.coords), reference.coords)


@pytest.mark.parametrize("axis", [0, -1])
def test_concat_canonical_inputs(backend, axis):
    shapes = [(3, 4), (2, 4), (5, 4)] if axis == 0 else [(3, 2), (3, 5), (3, 1)]
    dense = dense_samples(shapes)
    coos = [coo_of(backend, d) for d in dense]
    out = concat(coos, axis=axis)
    check(out, np.concatenate(dense, axis=axis), backend, canonical=True)


@pytest.mark.parametrize("axis", [0, 2])
def test_stack_canonical_inputs(backend, axis):
    dense = dense_samples([(3, 4)] * 3, seed=1)
    out = stack([coo_of(backend, d) for d in dense], axis=axis)
    check(out, np.stack(dense, axis=axis), backend, canonical=True)


def test_concat_axis0_keeps_blocks_in_place_without_sorting():
    dense = dense_samples([(3, 4), (2, 4)])
    a, b = (COO.from_dense(d) for d in dense)
    out = concat([a, b])
    np.testing.assert_array_equal(out.coords[:, : a.nnz], a.coords)
    np.testing.assert_array_equal(out.coords[0, a.nnz:], b.coords[0] + 3)
    np.testing.assert_array_equal(out.values, np.concatenate([a.values, b.values]))


def test_non_canonical_inputs_give_a_non_canonical_result():
    dup = COO(np.array([[1, 0, 1]]), np.array([1.0, 2.0, 3.0]), (2,))
    ok = COO.from_dense(np.array([0.0, 4.0]))
    out = concat([dup, ok])
    assert not out.is_canonical
    np.testing.assert_array_equal(out.coords, [[1, 0, 1, 3]])
    np.testing.assert_array_equal(out.to_dense(), [2.0, 4.0, 0.0, 4.0])
    assert out.canonical().is_canonical
    st = stack([dup, dup], axis=1)
    assert not st.is_canonical
    np.testing.assert_array_equal(st.to_dense(), [[2.0, 2.0], [4.0, 4.0]])


def test_empty_members_and_single_input():
    empty = COO.from_dense(np.zeros((2, 3)))
    full = COO.from_dense(np.arange(6.0).reshape(2, 3))
    out = concat([empty, full, empty], axis=1)
    assert out.is_canonical and out.shape == (2, 9)
    np.testing.assert_array_equal(out.to_dense(), np.concatenate([np.zeros((2, 3)),
                                                                  np.arange(6.0).reshape(2, 3),
                                                                  np.zeros((2, 3))], axis=1))
    one = stack([full], axis=2)
    assert one.shape == (2, 3, 1) and one.is_canonical
    assert concat([empty, empty]).nnz == 0


def test_dtypes_are_kept():
    for dtype in ["bool", "int8", "uint64", "float16", "complex128"]:
        a = COO.from_dense(np.array([1, 0, 1]).astype(dtype))
        assert concat([a, a]).dtype == np.dtype(dtype)
        assert stack([a, a]).dtype == np.dtype(dtype)


def test_bad_input():
    a = COO.from_dense(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least one"):
        concat([])
    with pytest.raises(TypeError, match="single COO"):
        stack(a)
    with pytest.raises(TypeError, match=r"coos\[1\] must be a COO"):
        concat([a, np.ones((2, 3))])
    with pytest.raises(TypeError, match=r"coos\[1\] has dtype float32"):
        concat([a, COO.from_dense(np.ones((2, 3), np.float32))])
    with pytest.raises(ValueError, match=r"coos\[1\] has shape \(2, 4\)"):
        stack([a, COO.from_dense(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=r"coos\[1\] has shape \(3, 4\)"):
        concat([a, COO.from_dense(np.ones((3, 4)))], axis=0)
    with pytest.raises(ValueError, match="dimensions"):
        concat([a, COO.from_dense(np.ones(3))])
    with pytest.raises(ValueError, match="axis=2"):
        concat([a, a], axis=2)
    with pytest.raises(ValueError, match="axis=3"):
        stack([a, a], axis=3)
    with pytest.raises(TypeError, match="axis must be an integer"):
        concat([a, a], axis=0.5)
    with pytest.raises(ValueError, match="0-dimensional"):
        concat([COO.from_dense(np.array(1.0))] * 2)


def test_mixed_namespaces_are_rejected():
    torch = pytest.importorskip("torch")
    a = COO.from_dense(np.ones(3))
    b = COO(torch.tensor([[0]]), torch.tensor([1.0], dtype=torch.float64), (3,))
    with pytest.raises(TypeError, match="namespaces"):
        concat([a, b])


def test_huge_shapes_do_not_overflow():
    big = 2**62
    a = COO(np.array([[big - 1], [0]]), np.array([1.0]), (big, 2))
    out = concat([a, a], axis=1)
    assert out.shape == (big, 4) and out.is_canonical
    with pytest.raises(ValueError, match="int64"):
        concat([a, a, a], axis=0)


def test_exported_from_package():
    assert am.sparse.concat is concat and am.sparse.stack is stack
    assert set(am.sparse.__all__) >= {"COO", "concat", "stack", "tf_dataset", "torch_collate"}
