"""pydata ``sparse`` adapter: COO ⇄ ``sparse.COO`` (GCXS and DOK in).

Memory: ``to_pydata`` passes the COO's NumPy coordinates and values to
``sparse.COO`` unchanged (shared; ``sorted=True, has_duplicates=False``, so
pydata neither sorts nor copies). Non-NumPy arrays are brought to the host
(no copy for CPU torch, JAX, array-api-strict). ``from_pydata`` shares
``sparse.COO``'s ``coords`` and ``data``; GCXS and DOK are converted by pydata
(new arrays).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import to_host
from ._common import prepared, type_name

__all__ = ["from_pydata", "to_pydata"]


def to_pydata(coo: Any) -> Any:
    """``coo`` as a ``sparse.COO`` (pydata), sorted and without duplicates.

    Duplicates of a non-canonical ``coo`` are summed first; every NumPy dtype
    is kept (float16, bool, complex, unsigned), fill value 0.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> s = am.COO.from_dense(np.array([[0, 2], [5, 0]])).to_pydata()
    >>> s.todense().tolist()
    [[0, 2], [5, 0]]
    """
    import sparse

    c = prepared(coo, "sum")
    coords = to_host(c.coords, "coords")
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    values = to_host(c.values, "values")
    return sparse.COO(
        coords, values, shape=c.shape, sorted=True, has_duplicates=False, cache=False,
    )


def from_pydata(obj: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``(coords, values, shape)`` of a pydata ``sparse`` array (COO, GCXS, DOK)."""
    import sparse

    if isinstance(obj, sparse.DOK):
        obj = obj.to_coo()
    elif not isinstance(obj, sparse.COO):
        if not isinstance(obj, sparse.SparseArray) or not hasattr(obj, "tocoo"):
            raise TypeError(f"{type_name(obj)} is not a pydata sparse array with a COO view")
        obj = obj.tocoo()
    fill = obj.fill_value
    if not bool(np.asarray(fill) == 0):
        raise ValueError(
            f"sparse.COO has fill_value={fill!r}; an arraymask COO's implicit entries are 0"
        )
    coords = obj.coords
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    return coords, obj.data, tuple(int(s) for s in obj.shape)
