"""The TensorFlow bridge of the mask functions (``arraymask._backend.bridged``)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import arraymask as am
from arraymask._backend import bridged


@bridged
def _threshold(x, limit=0, *, scale=None):
    """A dummy mask function: True where ``x > limit`` (times ``scale`` if given)."""
    out = x > limit
    return out if scale is None else (out, x * scale)


def test_no_tensorflow_no_import_no_effect():
    code = (
        "import sys, numpy as np\n"
        "from arraymask._backend import bridged\n"
        "f = bridged(lambda x, k=1: x > k)\n"
        "assert f(np.arange(3)).tolist() == [False, False, True]\n"
        "assert f.__wrapped__ is not None\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_other_inputs_pass_through_untouched():
    x = np.arange(4)
    assert _threshold(x, 1).tolist() == [False, False, True, True]
    torch = pytest.importorskip("torch")
    t = torch.arange(4)
    out = _threshold(t, 1)
    assert isinstance(out, torch.Tensor)


def test_keeps_metadata():
    assert _threshold.__name__ == "_threshold"
    assert "dummy mask function" in _threshold.__doc__


tf = pytest.importorskip("tensorflow")


def test_tensor_in_tensor_out_on_dummy():
    x = tf.constant([[1.0, -2.0], [3.0, 0.0]])
    out = _threshold(x)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.bool
    assert out.device == x.device
    np.testing.assert_array_equal(out.numpy(), [[True, False], [True, False]])


def test_keyword_tensor_and_tuple_results():
    x = tf.constant([1, 2, 3])
    mask, scaled = _threshold(x, limit=1, scale=tf.constant(2))
    assert isinstance(mask, tf.Tensor) and isinstance(scaled, tf.Tensor)
    assert scaled.numpy().tolist() == [2, 4, 6]


def test_variable_and_every_numeric_dtype():
    v = tf.Variable([0.5, -1.0])
    assert _threshold(v).numpy().tolist() == [True, False]
    for dtype in ["bool", "int8", "uint16", "uint64", "float16", "float64"]:
        x = tf.constant(np.array([0, 1, 1]).astype(dtype))
        assert _threshold(x).numpy().tolist() == [False, True, True]


def test_input_is_shared_not_copied():
    seen = {}

    @bridged
    def capture(x):
        seen["x"] = x
        return x

    x = tf.constant(np.arange(1000.0))
    capture(x)
    assert isinstance(seen["x"], np.ndarray)
    assert seen["x"].ctypes.data == np.from_dlpack(x).ctypes.data
    assert not seen["x"].flags.writeable


def test_symbolic_tensor_is_a_clear_type_error():
    @tf.function(autograph=False)
    def graph(x):
        return _threshold(x)

    with pytest.raises(TypeError, match="symbolic"):
        graph(tf.constant([1.0]))


def test_string_tensor_is_rejected():
    with pytest.raises(TypeError, match="string"):
        _threshold(tf.constant(["a"]))


def test_results_feed_tensorflow_ops():
    x = tf.constant(np.random.default_rng(0).random((64, 33)))
    out = _threshold(x, 0.5)
    assert int(tf.reduce_sum(tf.cast(out, tf.int32))) == int(np.sum(x.numpy() > 0.5))


def test_real_mask_functions_accept_tensorflow():
    lengths = tf.constant([1, 3, 0])
    out = am.lengths_mask(lengths, 4)
    assert isinstance(out, tf.Tensor)
    np.testing.assert_array_equal(out.numpy(), tf.sequence_mask(lengths, 4).numpy())
    x = tf.constant([[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0]])
    top = am.topk_mask(x, 2)
    assert isinstance(top, tf.Tensor)
    np.testing.assert_array_equal(
        top.numpy(), [[True, False, True, False], [False, True, False, True]]
    )
