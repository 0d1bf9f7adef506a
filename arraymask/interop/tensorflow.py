"""TensorFlow adapter: COO ⇄ ``tf.sparse.SparseTensor``.

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
alias of the same memory that keeps the array alive (the array moves live in
:mod:`arraymask._backend._tensorflow`, shared with the mask functions' bridge).
``from_tensorflow``
views the SparseTensor's CPU buffers from NumPy (no copy); its coordinates
are the transposed view ``indices.T``.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat
import numpy as np

from .._backend import to_host
from .._backend._tensorflow import tensor_from_array, tensor_to_array
from ._common import prepared

__all__ = ["from_tensorflow", "to_tensorflow"]


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
        indices = to_host(indices)  # JAX, Dask, array-api-strict
    if str(indices.dtype).rsplit(".", 1)[-1] != "int64":  # JAX without x64
        indices = np.asarray(to_host(indices), dtype=np.int64)
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
