"""TensorFlow adapter: COO ⇄ ``tf.sparse.SparseTensor``, and array moves for the bridge.

Memory: TensorFlow wraps foreign buffers through DLPack without a copy, but
its kernels abort the process on a buffer not aligned to 64 bytes, so a
buffer is shared only when it is C-contiguous and 64-byte aligned. For
``to_tensorflow`` that means:

* values: shared when aligned (torch allocations always are; NumPy's large
  allocations usually are not), else copied once into an aligned buffer;
* indices: TensorFlow needs ``(nnz, ndim)`` rows, the COO stores ``(ndim,
  nnz)``; one transposing copy is made (straight into an aligned buffer)
  unless ``coo.indices`` is already C-contiguous and aligned.

NumPy will not export a read-only array (the COO's arrays are read-only
views) through the unversioned DLPack that TensorFlow reads; as a TensorFlow
tensor never writes to its buffer, such an array is exported through a ctypes
alias of the same memory that keeps the array alive. ``from_tensorflow``
views the SparseTensor's CPU buffers from NumPy (no copy); its coordinates
are the transposed view ``indices.T``.
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
        x = native(x)
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
    ([[0, 1], [1, 3], [2, 0]], [2, 1, 5])
    """
    import tensorflow as tf

    c = prepared(coo, duplicates)
    indices = c.indices
    if not (isinstance(indices, np.ndarray) or compat.is_torch_array(indices)
            or compat.is_cupy_array(indices)):
        indices = host_array(indices)  # JAX, Dask, array-api-strict
    if str(indices.dtype).rsplit(".", 1)[-1] != "int64":  # JAX without x64
        indices = np.asarray(host_array(indices), dtype=np.int64)
    return tf.sparse.SparseTensor(
        tensor_from_array(indices),
        tensor_from_array(c.values),
        tf.constant(c.shape, dtype=tf.int64, shape=(len(c.shape),)),
    )


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
