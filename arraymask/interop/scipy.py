"""SciPy adapter: COO ⇄ ``scipy.sparse`` (``coo_array`` out, any format in).

Memory: ``to_scipy`` gives ``coo_array`` the COO's NumPy buffers: the values
and each coordinate row are shared (int64 coordinates, kept as they are),
and, the coordinates being validated already, SciPy's O(nnz) bounds scan is
skipped (the arrays are attached to an empty ``coo_array`` of the shape).
Arrays of other namespaces are viewed on the host without a copy where
possible (CPU torch, JAX, array-api-strict) and copied from a GPU.
``from_scipy`` shares the values of COO, CSR, CSC and BSR inputs where
SciPy's ``tocoo(copy=False)`` does; the ``(ndim, nnz)``
coordinate array is always new (SciPy keeps one array per axis, often int32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import native_order, to_host
from ._common import prepared, type_name

__all__ = ["SCIPY_DTYPES", "from_scipy", "to_scipy"]

#: Value dtypes scipy.sparse accepts (it has no float16 or bfloat16).
SCIPY_DTYPES = frozenset(
    np.dtype(t)
    for t in (
        np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
        np.int64, np.uint64, np.float32, np.float64, np.longdouble,
        np.complex64, np.complex128, np.clongdouble,
    )
)


def to_scipy(coo: Any) -> Any:
    """``coo`` as a ``scipy.sparse.coo_array`` in canonical format.

    Duplicates of a non-canonical ``coo`` are summed first. Any ``ndim >= 1``
    (SciPy's ``coo_array`` is n-dimensional). ``has_canonical_format`` is set:
    SciPy skips its own ``sum_duplicates`` sort.

    Raises
    ------
    TypeError
        For a dtype SciPy cannot hold (float16, bfloat16).
    ValueError
        For a 0-d COO.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> a = am.COO.from_dense(np.array([[0, 2], [5, 0]])).to_scipy()
    >>> a.has_canonical_format, a.toarray().tolist()
    (True, [[0, 2], [5, 0]])
    """
    import scipy.sparse as sp

    c = prepared(coo, "sum")
    if c.ndim == 0:
        raise ValueError("coo has 0 dimensions; scipy.sparse needs at least 1")
    values = native_order(to_host(c.values, "values"))
    if values.dtype not in SCIPY_DTYPES:
        raise TypeError(f"coo has dtype {values.dtype}, which scipy.sparse does not support")
    coords = to_host(c.coords, "coords")
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    rows = tuple(np.ascontiguousarray(row) for row in coords)
    # coo_array((values, rows)) would re-check every coordinate against the
    # shape (a min and a max over each row: O(nnz)); the COO has validated
    # them already, so the arrays are attached to an empty array of the shape.
    out = sp.coo_array(c.shape, dtype=values.dtype)
    out.coords = rows
    out.data = values
    out.has_canonical_format = True
    return out


def from_scipy(obj: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``(coords, values, shape)`` of any ``scipy.sparse`` array or matrix."""
    import scipy.sparse as sp

    if not sp.issparse(obj):
        raise TypeError(f"{type_name(obj)} is not a scipy.sparse array or matrix")
    coo = obj if obj.format == "coo" else obj.tocoo(copy=False)
    parts = tuple(coo.coords) if hasattr(coo, "coords") else (coo.row, coo.col)
    if parts:
        coords = np.stack([np.asarray(p, dtype=np.int64) for p in parts])
    else:
        coords = np.zeros((0, coo.nnz), dtype=np.int64)
    return coords, coo.data, tuple(int(s) for s in coo.shape)
