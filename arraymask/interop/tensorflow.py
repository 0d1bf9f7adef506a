"""TensorFlow adapter: COO ⇄ ``tf.sparse.SparseTensor``, and array moves for the bridge.

Memory: TensorFlow wraps foreign buffers through DLPack without a copy, so
``to_tensorflow`` shares the COO's values with the result and shares the
indices when ``coo.indices`` (the ``(nnz, ndim)`` layout TensorFlow needs) is
already C-contiguous; otherwise one transposing copy of the coordinates is
made. NumPy will not export its read-only arrays (the COO's arrays are
read-only views) through the unversioned DLPack that TensorFlow reads; since a
TensorFlow tensor never writes to its buffer, such arrays are exported through
a ctypes alias of the same memory that keeps the array alive (no copy). ``from_tensorflow`` views the SparseTensor's CPU buffers from
NumPy (no copy); its coordinates are the transposed view ``indices.T``.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import array_api_compat as compat
import numpy as np

from ._common import host_array, native, prepared

__all__ = ["from_tensorflow", "tensor_from_array", "tensor_to_array", "to_tensorflow"]


def _is_gpu(tensor: Any) -> bool:
    return ":GPU:" in (tensor.device or "").upper()


def tensor_from_array(x: Any) -> Any:
    """A TensorFlow tensor holding array ``x`` (DLPack, zero-copy where possible).

    NumPy, torch (CPU/CUDA), CuPy and JAX arrays travel through DLPack (a
    read-only NumPy array through an alias, see ``_immutable_alias``); a
    non-contiguous array, or a GPU buffer on a CPU-only TensorFlow, is
    copied instead.
    """
    import tensorflow as tf

    if isinstance(x, np.ndarray):
        x = np.ascontiguousarray(native(x))
        if x.size:
            try:
                exported = x if x.flags.writeable else _immutable_alias(x)
                return tf.experimental.dlpack.from_dlpack(exported.__dlpack__())
            except Exception:
                pass
        return tf.convert_to_tensor(x)
    if compat.is_torch_array(x):
        x = x.detach().resolve_conj().resolve_neg().contiguous()
    elif compat.is_cupy_array(x):
        x = sys.modules["cupy"].ascontiguousarray(x)
    if hasattr(x, "__dlpack__") and not compat.is_dask_array(x):
        try:
            return tf.experimental.dlpack.from_dlpack(x.__dlpack__())
        except Exception:
            pass
    return tensor_from_array(host_array(x))


def _immutable_alias(x: np.ndarray) -> np.ndarray:
    """A writable-flagged alias of read-only ``x``, for export to immutable TF tensors.

    NumPy refuses to export a read-only array through (unversioned) DLPack,
    the only kind TensorFlow reads, although a TensorFlow tensor never writes
    to its buffer. The alias is built over the same memory with ctypes and
    keeps ``x`` alive; it is handed to TensorFlow only, never to the user.
    """
    buffer = (ctypes.c_char * x.nbytes).from_address(x.ctypes.data)
    buffer._owner = x  # type: ignore[attr-defined]  # keeps x's memory alive
    return np.frombuffer(buffer, dtype=x.dtype).reshape(x.shape)


def tensor_to_array(tensor: Any, *, name: str = "tensor") -> Any:
    """Array holding an eager ``tf.Tensor``: NumPy on CPU, torch or CuPy on a GPU.

    CPU tensors are viewed through DLPack (read-only, no copy). GPU tensors
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


def to_tensorflow(coo: Any, *, duplicates: str = "sum") -> Any:
    """``coo`` as an ordered ``tf.sparse.SparseTensor`` with int64 indices.

    Parameters
    ----------
    coo : arraymask.COO
        Any namespace. Arrays on a GPU stay there when TensorFlow sees that GPU.
    duplicates : str
        How a non-canonical ``coo`` is made canonical first (see
        ``COO.canonical``); ``"keep"`` keeps duplicates, adjacent, in the
        order ``tf.sparse.reorder`` gives.

    Returns
    -------
    tf.sparse.SparseTensor
        Indices ``(nnz, ndim)`` int64 in row-major order, values of the COO's
        dtype (every NumPy dtype, including bool, float16, unsigned and complex).

    Examples
    --------
    >>> import arraymask as am
    >>> st = am.COO.from_dict({(0, 1): 2, (2, 0): 5, (1, 3): 1}, shape=(3, 4)).to_tensorflow()
    >>> st.indices.numpy().tolist(), st.values.numpy().tolist()
    ([[0, 1], [1, 3], [2, 0]], [2, 5, 1])
    """
    import tensorflow as tf

    c = prepared(coo, duplicates)
    indices = c.indices
    if compat.is_jax_array(indices) or compat.is_dask_array(indices):
        indices = host_array(indices)
    if str(indices.dtype).rsplit(".", 1)[-1] != "int64":  # JAX without x64
        indices = np.asarray(host_array(indices), dtype=np.int64)
    return tf.sparse.SparseTensor(
        tensor_from_array(_contiguous(indices)),
        tensor_from_array(c.values),
        tf.constant(c.shape, dtype=tf.int64, shape=(len(c.shape),)),
    )


def _contiguous(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(x)
    if compat.is_torch_array(x):
        return x.contiguous()
    if compat.is_cupy_array(x):
        return sys.modules["cupy"].ascontiguousarray(x)
    return host_array(x)


def from_tensorflow(obj: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``(coords, values, shape)`` of a ``tf.sparse.SparseTensor`` (not yet canonical)."""
    import tensorflow as tf

    if not isinstance(obj, tf.sparse.SparseTensor):
        raise TypeError(
            f"{type(obj).__module__}.{type(obj).__qualname__} is not a tf.sparse.SparseTensor; "
            "dense TensorFlow tensors go through COO.from_dense"
        )
    indices = tensor_to_array(obj.indices, name="SparseTensor.indices")
    values = tensor_to_array(obj.values, name="SparseTensor.values")
    shape = tuple(int(s) for s in tensor_to_array(obj.dense_shape).tolist())
    if compat.is_torch_array(values) and not compat.is_torch_array(indices):
        import torch

        indices = torch.from_numpy(np.ascontiguousarray(indices)).to(values.device)
    coords = indices.T
    return coords, values, shape
