"""Bad input: the contracted exception, naming the argument, and the inputs untouched."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import raises_and_leaves_input

import arraymask as am

FUNCTIONS = {
    "sampling_mask": am.sampling_mask,
    "filter_logits": am.filter_logits,
    "sample": lambda x, **kw: am.sample(x, seed=1, **kw),
}

BAD = [
    ({"top_k": 0}, ValueError, r"top_k must be >= 1, got 0"),
    ({"top_k": -3}, ValueError, r"top_k must be >= 1, got -3"),
    ({"top_k": [1, 0, 2]}, ValueError, r"top_k must be >= 1, got 0"),
    ({"top_k": 2.5}, TypeError, r"top_k must be an integer"),
    ({"top_k": True}, TypeError, r"top_k must be a number, got True \(bool\)"),
    ({"top_k": np.array([1.0, 2.0, 3.0])}, TypeError, r"top_k must be an integer array"),
    ({"top_p": 0.0}, ValueError, r"top_p must be in \(0, 1\], got 0.0"),
    ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\], got 1.5"),
    ({"top_p": -0.1}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": float("nan")}, ValueError, r"top_p must not be NaN"),
    ({"top_p": np.array([0.5, 1.2, 0.9])}, ValueError, r"top_p must be in \(0, 1\], got 1.2"),
    ({"top_p": np.array([0.5, np.nan, 0.9])}, ValueError, r"top_p must not hold NaN"),
    ({"top_p": np.array([1, 1, 1])}, TypeError, r"top_p must be a real floating array"),
    ({"top_p": "0.5"}, TypeError, r"top_p must be a real number"),
    ({"min_p": -0.01}, ValueError, r"min_p must be in \[0, 1\], got -0.01"),
    ({"min_p": 1.01}, ValueError, r"min_p must be in \[0, 1\]"),
    ({"min_p": np.array([0.1, 0.2, 2.0])}, ValueError, r"min_p must be in \[0, 1\], got 2.0"),
    ({"temperature": 0.0}, ValueError, r"temperature must be a finite number > 0, got 0.0"),
    ({"temperature": -1.0}, ValueError, r"temperature must be a finite number > 0"),
    ({"temperature": float("inf")}, ValueError, r"temperature must be a finite number > 0"),
    ({"temperature": None}, TypeError, r"temperature must be a number > 0"),
    ({"temperature": np.array([1.0, 0.0, 1.0])}, ValueError, r"temperature must be a finite"),
    ({"top_k": np.array([1, 2])}, ValueError,
     r"top_k of shape \(2,\) does not broadcast against the logits' shape without the axis"),
    ({"top_p": np.full((3, 2), 0.5)}, ValueError, r"top_p of shape \(3, 2\) does not broadcast"),
    ({"min_p": np.zeros((2, 3))}, ValueError, r"min_p of shape \(2, 3\)"),
    ({"temperature": np.ones(4)}, ValueError, r"temperature of shape \(4,\)"),
    ({"order": "parallel"}, ValueError, r"order must be one of \['joint', 'sequential'\]"),
    ({"order": 1}, TypeError, r"order must be a string, one of \['joint', 'sequential'\]"),
    ({"axis": 2}, ValueError, r"axis=2 is out of range"),
]


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize(("kwargs", "exc", "match"), BAD)
def test_bad_arguments(name, kwargs, exc, match):
    x = np.random.default_rng(0).standard_normal((3, 10)).astype(np.float32)
    arrays = [v for v in kwargs.values() if isinstance(v, np.ndarray)]
    raises_and_leaves_input(exc, match, lambda: FUNCTIONS[name](x, **kwargs), x, *arrays)


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool", "complex64"])
def test_logits_must_be_real_floating(name, dtype):
    x = np.ones((2, 5), dtype=dtype)
    raises_and_leaves_input(TypeError, r"logits must have a (real floating|bool, integer)",
                            lambda: FUNCTIONS[name](x), x)


def test_on_other_backends_too(backend):
    x = backend.asarray(np.zeros((3, 10), dtype=np.float32))
    for kwargs, exc, match in BAD:
        if isinstance(kwargs.get("top_k", kwargs.get("top_p")), list):
            continue
        kw = {k: backend.asarray(v) if isinstance(v, np.ndarray) else v
              for k, v in kwargs.items()}
        arrays = [v for v in kw.values() if not isinstance(v, (int, float, str, type(None)))]
        raises_and_leaves_input(exc, match, lambda kw=kw: am.sampling_mask(x, **kw), x, *arrays)
    ints = backend.asarray(np.zeros((3, 10), dtype=np.int32))
    raises_and_leaves_input(TypeError, "logits must have a real floating dtype",
                            lambda: am.sample(ints, seed=0), ints)


def test_sample_arguments():
    x = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"num_samples must be >= 1, got 0"):
        am.sample(x, seed=1, num_samples=0)
    with pytest.raises(TypeError, match=r"num_samples must be an integer"):
        am.sample(x, seed=1, num_samples=2.0)
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*64\)"):
        am.sample(x, seed=-1)
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        am.sample(x, seed=None)
    with pytest.raises(ValueError, match=r"nothing to sample"):
        am.sample(np.zeros((2, 0)), seed=1)


def test_parameter_of_another_namespace():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="top_k must be an array of the logits' library"):
        am.sampling_mask(np.zeros((2, 4)), top_k=torch.tensor([1, 2]))


def test_dask_values_are_checked_at_call_time():
    da = pytest.importorskip("dask.array")
    x = da.zeros((3, 10), chunks=2)
    with pytest.raises(ValueError, match=r"top_p must be in \(0, 1\], got 1.5"):
        am.sampling_mask(x, top_p=da.from_array(np.array([0.5, 1.5, 0.5])))


@pytest.mark.parametrize("big", [2**63, 2**70, np.uint64(2**64 - 1),
                                 np.array([2**63, 3], dtype=np.uint64)])
def test_top_k_beyond_int64_keeps_every_token(big):
    # k >= n keeps all, however large k is: no wrap-around, no OverflowError
    x = np.log(np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]]))
    np.testing.assert_array_equal(am.sampling_mask(x, top_k=big), np.ones((2, 3), bool))
    assert am.sample(x, seed=0, top_k=big, num_samples=4).shape == (2, 4)
