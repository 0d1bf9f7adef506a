"""CuPy adapter: COO ⇄ ``cupyx.scipy.sparse`` matrices (2-D, on the GPU).

Memory: cuSPARSE matrices hold int32 row and column arrays, so
``to_cupyx`` always makes new index arrays (a cast on the device); the
values are shared when the COO already holds a CuPy array (or a CUDA array
reached through DLPack), and copied to the device from host memory.
``from_cupyx`` widens the int32 indices to a new int64 ``(2, nnz)`` array on
the same device and shares the values of a ``coo_matrix``.
"""

from __future__ import annotations

from typing import Any

import array_api_compat as compat
import numpy as np

from .._backend import to_host
from ._common import check_coo, prepared, type_name

__all__ = ["CUPYX_DTYPES", "from_cupyx", "to_cupyx"]

#: Value dtypes ``cupyx.scipy.sparse`` accepts.
CUPYX_DTYPES = frozenset(
    np.dtype(t) for t in (np.bool_, np.float32, np.float64, np.complex64, np.complex128)
)

_INT32_MAX = 2**31 - 1


def _as_cupy(x: Any) -> Any:
    import cupy

    if compat.is_cupy_array(x):
        return x
    if compat.is_torch_array(x) and x.device.type == "cuda":
        return cupy.from_dlpack(x.detach().resolve_conj().resolve_neg())
    if compat.is_dask_array(x):
        x = x.compute()
    if hasattr(x, "__dlpack_device__") and x.__dlpack_device__()[0] == 2:  # kDLCUDA
        return cupy.from_dlpack(x)
    return cupy.asarray(to_host(x))


def to_cupyx(coo: Any) -> Any:
    """``coo`` (2-D) as a ``cupyx.scipy.sparse.coo_matrix`` in canonical format.

    Duplicates of a non-canonical ``coo`` are summed first.

    Raises
    ------
    ValueError
        If ``coo`` is not 2-D, or a dimension does not fit cuSPARSE's int32.
    TypeError
        For a dtype cupyx does not support (it has bool, float32, float64,
        complex64 and complex128 only).

    Examples
    --------
    >>> import numpy as np, arraymask as am
    >>> m = am.COO.from_dense(np.eye(2, dtype=np.float32)).to_cupyx()  # doctest: +SKIP
    >>> m.has_canonical_format  # doctest: +SKIP
    True
    """
    check_coo(coo)
    if coo.ndim != 2:
        raise ValueError(f"cupyx.scipy.sparse matrices are 2-D; coo has shape {coo.shape}")
    c = prepared(coo, "sum")
    if np.dtype(str(c.dtype).rsplit(".", 1)[-1]) not in CUPYX_DTYPES:
        raise TypeError(
            f"coo has dtype {c.dtype}; cupyx.scipy.sparse supports bool, float32, "
            "float64, complex64 and complex128 only"
        )
    if max(c.shape) > _INT32_MAX:
        raise ValueError(f"shape {c.shape} does not fit cuSPARSE's int32 indices")
    import cupyx.scipy.sparse as csp

    coords = _as_cupy(c.coords)
    values = _as_cupy(c.values)
    out = csp.coo_matrix((values, (coords[0], coords[1])), shape=c.shape)
    out.has_canonical_format = True
    return out


def from_cupyx(obj: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``(coords, values, shape)`` of a ``cupyx.scipy.sparse`` matrix."""
    import cupy
    import cupyx.scipy.sparse as csp

    if not csp.issparse(obj):
        raise TypeError(f"{type_name(obj)} is not a cupyx.scipy.sparse matrix")
    coo = obj if obj.format == "coo" else obj.tocoo()
    coords = cupy.stack([coo.row.astype(cupy.int64), coo.col.astype(cupy.int64)])
    return coords, coo.data, tuple(int(s) for s in coo.shape)
