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

import ctypes
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import array_api_compat as compat
import numpy as np

from ._host import native_order, to_host

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["TF_ALIGNMENT", "bridged", "tensor_from_array", "tensor_to_array"]

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


# --------------------------------------------------------------------------
# DLPack moves between TensorFlow tensors and arrays


def _is_gpu(tensor: Any) -> bool:
    return ":GPU:" in (tensor.device or "").upper()


#: TensorFlow kernels abort the process (``Check failed: IsAligned()``) on a
#: buffer that is not aligned to Eigen's largest vector width: DLPack imports
#: must respect it.
TF_ALIGNMENT = 64


def _aligned_copy(x: np.ndarray) -> np.ndarray:
    """C-contiguous copy of ``x`` in a buffer aligned to :data:`TF_ALIGNMENT`."""
    raw = np.empty(x.nbytes + TF_ALIGNMENT, dtype=np.uint8)
    start = (-raw.ctypes.data) % TF_ALIGNMENT
    out = raw[start:start + x.nbytes].view(x.dtype).reshape(x.shape)
    np.copyto(out, x)
    return out


def tensor_from_array(x: Any) -> Any:
    """A TensorFlow tensor holding array ``x`` (DLPack, zero-copy where possible).

    A C-contiguous buffer aligned to 64 bytes is shared through DLPack:
    NumPy (a read-only array through an alias, see ``_immutable_alias``),
    torch on CPU or CUDA, CuPy. Anything else — a misaligned or strided
    buffer (NumPy's large allocations are 16 bytes past a page boundary), a
    GPU buffer on a CPU-only TensorFlow — is copied once into an aligned
    buffer.
    """
    import tensorflow as tf

    if isinstance(x, np.ndarray):
        x = native_order(x)
        if x.size == 0:
            return tf.convert_to_tensor(x)
        if not x.flags.c_contiguous or x.ctypes.data % TF_ALIGNMENT:
            x = _aligned_copy(x)
        exported = x if x.flags.writeable else _immutable_alias(x)
        return tf.experimental.dlpack.from_dlpack(exported.__dlpack__())
    if compat.is_torch_array(x):
        x = x.detach().resolve_conj().resolve_neg().contiguous()
        if x.numel() and x.data_ptr() % TF_ALIGNMENT:
            x = x.clone()  # torch's allocator aligns to 64 bytes
        if x.numel():
            try:
                return tf.experimental.dlpack.from_dlpack(x.__dlpack__())
            except Exception:
                pass  # e.g. a CUDA tensor and a CPU-only TensorFlow
    elif compat.is_cupy_array(x):
        cupy = sys.modules["cupy"]
        x = cupy.ascontiguousarray(x)
        if x.size and x.data.ptr % TF_ALIGNMENT:
            x = x.copy()
        if x.size:
            try:
                return tf.experimental.dlpack.from_dlpack(x.toDlpack())
            except Exception:
                pass
    return tensor_from_array(to_host(x))


def _immutable_alias(x: np.ndarray) -> np.ndarray:
    """A writable-flagged alias of read-only ``x``, for export to immutable TF tensors.

    NumPy refuses to export a read-only array through (unversioned) DLPack,
    the only kind TensorFlow reads, although a TensorFlow tensor never writes
    to its buffer. The alias is built over the same memory with ctypes and
    keeps ``x`` alive; it is handed to TensorFlow only, never to the user.
    """
    buffer = (ctypes.c_char * x.nbytes).from_address(x.ctypes.data)
    buffer._owner = x  # type: ignore[attr-defined]  # keeps x's memory alive
    return np.frombuffer(buffer, dtype=x.dtype).reshape(x.shape)  # type: ignore[call-overload]


def tensor_to_array(tensor: Any, *, name: str = "tensor") -> Any:
    """Array holding an eager ``tf.Tensor``: NumPy on CPU, torch or CuPy on a GPU.

    CPU tensors are viewed through DLPack (read-only, no copy; ``.numpy()``,
    a copy, where DLPack refuses the tensor). GPU tensors
    become torch CUDA tensors if torch is installed, else CuPy arrays (DLPack,
    no copy). bfloat16 tensors become torch tensors (NumPy has no bfloat16).
    """
    import tensorflow as tf

    if not hasattr(tensor, "numpy") or not tf.executing_eagerly():
        raise TypeError(
            f"{name} is a symbolic tf.Tensor (inside tf.function or a Keras graph); "
            "arraymask needs eager tensors: call it eagerly or wrap it in tf.py_function"
        )
    dtype = tensor.dtype
    if dtype == tf.string or dtype == tf.resource or dtype == tf.variant:
        raise TypeError(f"{name} has dtype {dtype.name}, which arraymask cannot hold")
    if _is_gpu(tensor) or dtype == tf.bfloat16:
        capsule = tf.experimental.dlpack.to_dlpack(tensor)
        try:
            import torch

            return torch.from_dlpack(capsule)
        except ImportError:
            if dtype == tf.bfloat16:
                raise TypeError(
                    f"{name} has dtype bfloat16: install torch (NumPy has no bfloat16)"
                ) from None
            import cupy

            return cupy.from_dlpack(capsule)
    try:
        return np.from_dlpack(tensor)
    except (BufferError, TypeError, RuntimeError):
        return tensor.numpy()
