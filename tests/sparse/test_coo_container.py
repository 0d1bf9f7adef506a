"""The COO container: construction, attributes, immutability and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import raises_and_leaves_input

from arraymask.sparse import COO


def make():
    return np.array([[1, 0, 1], [2, 1, 2]]), np.array([1.0, 2.0, 3.0]), (2, 3)


def test_attributes():
    coords, values, shape = make()
    c = COO(coords, values, shape)
    assert c.shape == (2, 3) and c.ndim == 2 and c.nnz == 3
    assert c.dtype == np.float64 and c.device == "cpu"
    assert c.coords.dtype == np.int64 and c.coords.shape == (2, 3)
    assert not c.is_canonical
    np.testing.assert_array_equal(c.indices, coords.T)
    assert "nnz=3" in repr(c)


def test_immutable():
    c = COO(*make())
    with pytest.raises(AttributeError):
        c.shape = (3, 3)  # type: ignore[misc]
    with pytest.raises(ValueError):
        c.coords[0, 0] = 5
    with pytest.raises(ValueError):
        c.values[0] = 5


def test_coords_converted_to_int64():
    c = COO(np.array([[0, 2]], dtype=np.uint8), np.array([1, 2]), (3,))
    assert c.coords.dtype == np.int64
    c = COO([[0, 1]], [5, 6], (2,))
    assert c.is_canonical and c.values.tolist() == [5, 6]


def test_sorted_input_detected():
    c = COO(np.array([[0, 0, 1], [0, 2, 1]]), np.ones(3), (2, 3))
    assert c.is_canonical
    assert c.canonical() is c
    d = COO(np.array([[0, 0, 1], [0, 0, 1]]), np.ones(3), (2, 3))
    assert not d.is_canonical


def test_canonical_promise_kept_or_refused():
    coords = np.array([[0, 1], [1, 0]])
    c = COO(coords, np.ones(2), (2, 2), canonical=True)
    assert c.is_canonical
    trusted = COO(coords[:, ::-1], np.ones(2), (2, 2), canonical=True, check=False)
    assert trusted.is_canonical  # unchecked promise is believed
    bad = coords[:, ::-1].copy()
    raises_and_leaves_input(
        ValueError, "canonical=True", lambda: COO(bad, np.ones(2), (2, 2), canonical=True), bad
    )
    dup = np.array([[0, 0], [1, 1]])
    raises_and_leaves_input(
        ValueError, "duplicates", lambda: COO(dup, np.ones(2), (2, 2), canonical=True), dup
    )


def test_from_trusted():
    coords, values, shape = make()
    c = COO._from_trusted(coords, values, shape, canonical=False)
    assert c.coords is not None and c.shape == shape and not c.is_canonical


@pytest.mark.parametrize(
    ("coords", "values", "shape", "exc", "match"),
    [
        (np.array([[0.0, 1.0]]), np.ones(2), (3,), TypeError, "integer dtype"),
        (np.array([[True, False]]), np.ones(2), (3,), TypeError, "integer dtype"),
        (np.array([0, 1]), np.ones(2), (3,), ValueError, r"coords must have shape \(ndim, nnz\)"),
        (np.array([[0, 1]]), np.ones(2), (3, 3), ValueError, r"\(2, nnz\)"),
        (np.array([[0, 1]]), np.ones(3), (3,), ValueError, r"values must have shape \(nnz,\)"),
        (np.array([[0, 1]]), np.ones((2, 1)), (3,), ValueError, "values must have shape"),
        (np.array([[0, -1]]), np.ones(2), (3,), IndexError, r"coords\[0, 1\] = -1"),
        (np.array([[0, 3]]), np.ones(2), (3,), IndexError, "out of range for axis 0 of size 3"),
        (np.array([[0], [7]]), np.ones(1), (3, 7), IndexError, r"coords\[1, 0\] = 7"),
        (np.array([[0, 1]]), np.ones(2), (-3,), ValueError, "negative"),
        (np.array([[0, 1]]), np.ones(2), (2**63,), ValueError, "does not fit"),
        (np.array([[0, 1]]), np.ones(2), ("a",), TypeError, "shape entry"),
    ],
)
def test_bad_input(coords, values, shape, exc, match):
    raises_and_leaves_input(exc, match, lambda: COO(coords, values, shape), coords, values)


def test_huge_shape_allowed():
    shape = (2**62, 2**62, 3)
    coords = np.array([[2**62 - 1, 0, 5], [1, 2**62 - 1, 0], [2, 1, 0]])
    c = COO(coords, np.array([1, 2, 3]), shape).canonical()
    assert c.coords.T.tolist() == [[0, 2**62 - 1, 1], [5, 0, 0], [2**62 - 1, 1, 2]]


def test_mixed_namespaces():
    torch = pytest.importorskip("torch")
    coords = np.array([[0, 1]])
    values = torch.ones(2)
    raises_and_leaves_input(TypeError, "namespaces", lambda: COO(coords, values, (2,)), coords)


def test_mixed_devices():
    torch = pytest.importorskip("torch")
    coords = torch.tensor([[0, 1]])
    values = torch.ones(2, device="meta")
    with pytest.raises(ValueError, match="one device"):
        COO(coords, values, (2,))


@pytest.mark.parametrize("policy", ["sum", "min", "max", "first", "last", "error", "keep"])
def test_policies_small(policy):
    coords = np.array([[2, 0, 2, 1, 2]])
    values = np.array([1, 7, 5, 3, -2])
    c = COO(coords, values, (3,))
    if policy == "error":
        raises_and_leaves_input(
            ValueError, r"coordinate \(2,\) appears more than once",
            lambda: c.canonical(policy), coords, values,
        )
        return
    out = c.canonical(policy)
    expect = {
        "sum": [7, 3, 4], "min": [7, 3, -2], "max": [7, 3, 5], "first": [7, 3, 1],
        "last": [7, 3, -2], "keep": [7, 3, 1, 5, -2],
    }[policy]
    assert out.values.tolist() == expect
    assert out.is_canonical == (policy != "keep")


def test_keep_without_duplicates_is_canonical():
    c = COO(np.array([[2, 0, 1]]), np.array([1, 2, 3]), (3,)).canonical("keep")
    assert c.is_canonical and c.coords.tolist() == [[0, 1, 2]]


def test_unknown_policy_and_complex_min():
    c = COO(*make())
    with pytest.raises(ValueError, match="duplicates must be one of"):
        c.canonical("mean")
    z = COO(np.array([[0, 0]]), np.array([1j, 2j]), (1,))
    with pytest.raises(TypeError, match="ordered values"):
        z.canonical("min")


def test_out_of_range_unchecked_is_caught_by_canonical():
    coords = np.array([[0, 5]])
    c = COO(coords, np.ones(2), (3,), check=False)
    raises_and_leaves_input(IndexError, "out of range", lambda: c.canonical(), coords)


def test_from_dict():
    c = COO.from_dict({(1, 2): 5.0, (0, 0): 1.0})
    assert c.shape == (2, 3) and c.is_canonical
    assert c.coords.tolist() == [[0, 1], [0, 2]] and c.values.tolist() == [1.0, 5.0]
    c = COO.from_dict({3: 1, 1: 2}, shape=(5,), dtype=np.int8)
    assert c.shape == (5,) and c.dtype == np.int8 and c.values.tolist() == [2, 1]
    e = COO.from_dict({}, shape=(2, 2))
    assert e.nnz == 0 and e.ndim == 2


@pytest.mark.parametrize(
    ("d", "shape", "exc", "match"),
    [
        ({(0, 1): 1, (2,): 3}, None, ValueError, "inconsistent length"),
        ({(0, 1): 1}, (3,), ValueError, "dimensions"),
        ({}, None, ValueError, "shape is required"),
        ({(0, 5): 1}, (2, 3), IndexError, "out of range"),
        ({(-1, 0): 1}, None, IndexError, "negative"),
        ({(0.5, 0): 1}, None, TypeError, "integer"),
        ([(0, 1)], None, TypeError, "mapping"),
    ],
)
def test_from_dict_bad(d, shape, exc, match):
    with pytest.raises(exc, match=match):
        COO.from_dict(d, shape=shape)


def test_from_mask():
    m = np.array([[True, False], [False, True]])
    assert COO.from_mask(m).values.tolist() == [True, True]
    assert COO.from_mask(m, np.array([[1, 2], [3, 4]])).values.tolist() == [1, 4]
    raises_and_leaves_input(TypeError, "boolean", lambda: COO.from_mask(m.astype(int)), m)
    raises_and_leaves_input(ValueError, "shape of mask", lambda: COO.from_mask(m, np.ones(3)), m)


def test_fill_value_checks():
    x = np.array([0, 1, 2], dtype=np.uint8)
    for fill in (300, 0.5, -1):
        raises_and_leaves_input(
            ValueError, "not representable|out of range",
            lambda f=fill: COO.from_dense(x, fill_value=f), x
        )
    raises_and_leaves_input(TypeError, "scalar", lambda: COO.from_dense(x, fill_value="a"), x)
    c = COO.from_dense(x, fill_value=2)
    assert c.coords.tolist() == [[0, 1]]
    assert c.to_dense(fill_value=2).tolist() == [0, 1, 2]


def test_from_dense_nan_and_negative_zero():
    x = np.array([[0.0, -0.0, np.nan], [1.0, 0.0, -np.inf]])
    c = COO.from_dense(x)
    assert c.coords.tolist() == [[0, 1, 1], [2, 0, 2]]
    assert np.isnan(c.values[0]) and c.values[1:].tolist() == [1.0, -np.inf]
    assert c.is_canonical


def test_interop_methods_delegate(monkeypatch):
    import sys
    import types

    calls = {}
    for mod, fn in [
        ("tensorflow", "to_tensorflow"), ("torch", "to_torch"), ("scipy", "to_scipy"),
        ("pydata", "to_pydata"), ("cupyx", "to_cupyx"),
    ]:
        fake = types.ModuleType(f"arraymask.interop.{mod}")
        setattr(fake, fn, lambda coo, _fn=fn, **kw: calls.setdefault(_fn, kw))
        monkeypatch.setitem(sys.modules, f"arraymask.interop.{mod}", fake)
    c = COO(*make())
    c.to_tensorflow(duplicates="max")
    c.to_torch(duplicates="first", device="cpu")
    c.to_scipy()
    c.to_pydata()
    c.to_cupyx()
    assert calls == {
        "to_tensorflow": {"duplicates": "max"},
        "to_torch": {"duplicates": "first", "device": "cpu"},
        "to_scipy": {}, "to_pydata": {}, "to_cupyx": {},
    }
