"""Bridge for TensorFlow tensors into the mask functions.

TensorFlow has no array-API namespace, so a public mask function decorated
with :func:`bridged` moves every ``tf.Tensor`` (or ``tf.Variable``) argument
to a namespace arraymask supports, calls the function, and turns the array
results back into ``tf.Tensor`` objects on the tensor's device:

* a CPU tensor becomes a NumPy array through DLPack (a read-only view, no
  copy); NumPy results come back through DLPack too (no copy; a result NumPy
  cannot export, such as a read-only array, is copied);
* a GPU tensor becomes a torch CUDA tensor (or a CuPy array when torch is not
  installed) through DLPack, and the result goes back to TensorFlow through
  DLPack on the same GPU;
* a bfloat16 tensor (NumPy has no bfloat16) goes through torch;
* where DLPack cannot carry a CPU tensor, ``tensor.numpy()`` (a copy) is
  used instead.

Only eager tensors can be bridged: a symbolic tensor (inside ``tf.function``
or a Keras functional graph) raises ``TypeError`` — wrap the call in
``tf.py_function``. When TensorFlow has not been imported, the decorator costs
one dictionary lookup per call and never imports it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["bridged"]

_tf_types: tuple[type, ...] | None = None
#: Per argument type: does it need the bridge? (isinstance on TF classes is slow)
_verdicts: dict[type, bool] = {}


def _tensorflow_types(tf: Any) -> tuple[type, ...]:
    global _tf_types
    if _tf_types is None:
        _tf_types = (tf.Tensor, tf.Variable)
    return _tf_types


def _is_tf(value: Any, tf: Any) -> bool:
    kind = type(value)
    verdict = _verdicts.get(kind)
    if verdict is None:
        verdict = _verdicts[kind] = issubclass(kind, _tensorflow_types(tf))
    return verdict


def _wants_bridge(args: tuple[Any, ...], kwargs: dict[str, Any], tf: Any) -> bool:
    for a in args:
        if _is_tf(a, tf):
            return True
    if kwargs:
        for v in kwargs.values():
            if _is_tf(v, tf):
                return True
    return False


def _call_bridged(fn: Callable[..., Any], tf: Any, args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
    from .interop.tensorflow import tensor_from_array, tensor_to_array

    kinds = _tensorflow_types(tf)
    moved: list[Any] = []

    def inward(value: Any, name: str) -> Any:
        if not isinstance(value, kinds):
            return value
        if isinstance(value, tf.Variable):
            value = value.read_value()
        array = tensor_to_array(value, name=name)
        moved.append(array)
        return array

    new_args = tuple(inward(a, f"argument {i}") for i, a in enumerate(args))
    new_kwargs = {k: inward(v, k) for k, v in kwargs.items()}
    result = fn(*new_args, **new_kwargs)
    kinds_out = {type(a) for a in moved}

    def outward(value: Any) -> Any:
        if type(value) in kinds_out:
            return tensor_from_array(value)
        if isinstance(value, tuple):
            return type(value)(*map(outward, value)) if hasattr(value, "_fields") else tuple(
                map(outward, value)
            )
        if isinstance(value, list):
            return [outward(v) for v in value]
        if isinstance(value, dict):
            return {k: outward(v) for k, v in value.items()}
        return value

    return outward(result)


def bridged(fn: F) -> F:
    """Decorator for public mask functions: lets them accept ``tf.Tensor`` inputs.

    Any ``tf.Tensor``/``tf.Variable`` argument (positional or keyword) is
    moved to NumPy (CPU) or torch/CuPy (GPU) without a copy, ``fn`` runs, and
    results of that kind come back as ``tf.Tensor`` on the same device.
    Without a TensorFlow argument ``fn`` is called directly.

    Examples
    --------
    >>> import numpy as np
    >>> @bridged
    ... def double(x):
    ...     return x * 2
    >>> double(np.arange(3))
    array([0, 2, 4])
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tf = sys.modules.get("tensorflow")
        if tf is None or not _wants_bridge(args, kwargs, tf):
            return fn(*args, **kwargs)
        return _call_bridged(fn, tf, args, kwargs)

    wrapper.__wrapped_bridge__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
