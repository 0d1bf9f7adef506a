"""Zero-copy bridges between arrays in host memory and the compiled kernels.

:func:`host_view` gives a NumPy view of a NumPy array or a CPU torch tensor
(the arrays the compiled kernels take), :func:`from_host` wraps a NumPy
result back into the caller's kind, and :func:`to_host` brings any array to
NumPy (zero-copy where the memory is on the host, a copy from a device).
"""

from __future__ import annotations

import sys
from typing import Any

import array_api_compat as compat
import numpy as np

from ._namespace import Array, is_array

__all__ = ["from_host", "host_view", "native_order", "to_host"]


def native_order(x: np.ndarray) -> np.ndarray:
    """``x`` in native byte order (a copy only for a byte-swapped array)."""
    return x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))


def host_view(x: Array) -> np.ndarray | None:
    """Zero-copy NumPy view of a CPU array, or ``None`` if there is none.

    NumPy arrays come back as they are (in native byte order: a
    byte-swapped array, as read from a big-endian file, is copied once, since
    the kernels read raw bits); CPU torch tensors as
    ``tensor.detach().numpy()`` (shared memory). Anything else (GPU arrays,
    JAX, Dask, array-api-strict, torch's bfloat16 or conjugate views) gives
    ``None``: the caller takes its array-API path.
    """
    if type(x) is np.ndarray:
        return native_order(x)
    if compat.is_torch_array(x):
        torch = sys.modules["torch"]
        if (
            x.device.type != "cpu"
            or x.layout != torch.strided
            or x.dtype == torch.bfloat16
            or x.is_conj()
            or x.is_neg()
        ):
            return None
        return x.detach().numpy()
    return None


def from_host(result: np.ndarray, like: Array) -> Array:
    """Wrap a NumPy ``result`` computed from ``host_view(like)`` into ``like``'s kind.

    NumPy stays NumPy; for a CPU torch tensor the result is
    ``torch.from_numpy(result)`` (shared memory, no copy).
    """
    if type(like) is np.ndarray:
        return result
    if compat.is_torch_array(like):
        # ascontiguousarray turns a 0-d array into shape (1,): restore the shape
        contiguous = np.ascontiguousarray(result).reshape(result.shape)
        return sys.modules["torch"].from_numpy(contiguous)
    raise TypeError(f"no host bridge for {type(like).__name__}")


def to_host(x: Any, name: str = "array") -> np.ndarray:
    """NumPy array holding ``x``'s values: zero-copy for host memory, else a copy.

    NumPy arrays come back as they are; CPU torch tensors, CPU JAX arrays and
    array-api-strict arrays are viewed through :func:`host_view` or DLPack
    (no copy). Dask arrays are computed; CUDA arrays (CuPy, torch) are copied
    to the host. Python sequences become NumPy arrays.
    """
    if type(x) is np.ndarray:
        return x
    if not is_array(x):
        return np.asarray(x)
    view = host_view(x)
    if view is not None:
        return view
    if compat.is_torch_array(x):
        # CUDA, bfloat16 or conjugate-view tensors: NumPy has no zero-copy view.
        if str(x.dtype) == "torch.bfloat16":
            raise TypeError(f"{name} has dtype bfloat16, which NumPy cannot hold")
        return x.detach().resolve_conj().resolve_neg().cpu().numpy()  # type: ignore[no-any-return]
    if compat.is_cupy_array(x):
        return x.get()  # type: ignore[no-any-return]
    if compat.is_dask_array(x):
        return np.asarray(x.compute())
    if hasattr(x, "__dlpack_device__") and x.__dlpack_device__()[0] == 1:  # kDLCPU
        try:
            return np.from_dlpack(x)
        except (BufferError, TypeError, RuntimeError):
            pass
    return np.asarray(x)
