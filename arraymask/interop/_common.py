"""Helpers shared by the adapters: argument checks and zero-copy array moves.

Nothing here imports a framework: a framework is only reached through
``sys.modules`` (its arrays reached us, so the caller imported it) or
imported inside the adapter that needs it.
"""

from __future__ import annotations

import sys
from typing import Any

import array_api_compat as compat
import numpy as np

from .._backend import host_view
from .._validate import check_choice

__all__ = [
    "DUPLICATES",
    "check_coo",
    "host_array",
    "prepared",
    "type_name",
]

#: Policies accepted by ``duplicates=`` (see ``COO.canonical``).
DUPLICATES = ("sum", "min", "max", "first", "last", "error", "keep")


def type_name(obj: object) -> str:
    """``module.QualifiedName`` of ``obj``'s type, for error messages."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


_coo_type: type | None = None


def coo_class() -> type:
    """The COO class (looked up once, at first use: ``interop`` is imported lazily)."""
    global _coo_type
    if _coo_type is None:
        from ..sparse import coo

        _coo_type = coo.COO
    return _coo_type


def check_coo(coo: object, name: str = "coo") -> None:
    """``TypeError`` unless ``coo`` is an :class:`arraymask.COO`."""
    if not isinstance(coo, _coo_type or coo_class()):
        raise TypeError(f"{name} must be an arraymask.COO, got {type_name(coo)}")


def prepared(coo: Any, duplicates: str) -> Any:
    """``coo`` in row-major order, duplicates resolved by ``duplicates``.

    A canonical COO is returned as it is (no work); ``duplicates="keep"`` gives
    a sorted COO that may still hold duplicates (``is_canonical`` says which).
    """
    check_coo(coo)
    if duplicates not in DUPLICATES:
        check_choice(duplicates, "duplicates", DUPLICATES)
    if coo.is_canonical:
        return coo
    return coo.canonical(duplicates=duplicates)


def host_array(x: Any, name: str = "array") -> np.ndarray:
    """NumPy array holding ``x``'s values: zero-copy for host memory, else a copy.

    NumPy arrays come back as they are; CPU torch tensors, CPU JAX arrays and
    array-api-strict arrays are viewed through ``host_view`` or DLPack (no
    copy). Dask arrays are computed; CUDA arrays (CuPy, torch) are copied to
    the host — the only copies this function makes.
    """
    if type(x) is np.ndarray:
        return x
    view = host_view(x)
    if view is not None:
        return view
    if compat.is_torch_array(x):
        # CUDA, bfloat16 or conjugate-view tensors: NumPy has no zero-copy view.
        if str(x.dtype) == "torch.bfloat16":
            raise TypeError(f"{name} has dtype bfloat16, which NumPy cannot hold")
        return x.detach().resolve_conj().resolve_neg().cpu().numpy()
    if compat.is_cupy_array(x):
        return x.get()
    if compat.is_dask_array(x):
        return np.asarray(x.compute())
    if hasattr(x, "__dlpack_device__") and x.__dlpack_device__()[0] == 1:  # kDLCPU
        try:
            return np.from_dlpack(x)
        except (BufferError, TypeError, RuntimeError):
            pass
    return np.asarray(x)


def native(x: np.ndarray) -> np.ndarray:
    """``x`` in native byte order (a copy only for a byte-swapped array)."""
    return x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))


def framework(name: str) -> Any:
    """The already imported module ``name`` (``None`` if the caller never imported it)."""
    return sys.modules.get(name)
