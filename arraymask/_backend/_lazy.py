"""Checks for lazy (Dask) arrays: known chunk sizes, checks run at compute time.

Dask itself is never imported here: the functions take Dask arrays, which
exist only when the caller imported Dask.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import array_api_compat as compat
import numpy as np

__all__ = ["host_chunks", "is_lazy", "lazy_check", "require_known_chunks"]


def require_known_chunks(x: Any, name: str) -> None:
    """``ValueError`` when a dask array has unknown (NaN) chunk sizes.

    >>> import dask.array as da
    >>> require_known_chunks(da.zeros((4, 3), chunks=2), "x")
    >>> y = da.zeros(6, chunks=3)
    >>> z = y[y > 1]                        # data-dependent size: unknown chunks
    >>> try:
    ...     require_known_chunks(z, "x")
    ... except ValueError as exc:
    ...     print(str(exc)[:41])
    x has unknown chunk sizes along axis 0 (s
    """
    for axis, sizes in enumerate(x.chunks):
        if any(isinstance(c, float) and math.isnan(c) for c in sizes):
            raise ValueError(
                f"{name} has unknown chunk sizes along axis {axis} (shape {tuple(x.shape)}); "
                f"call {name}.compute_chunk_sizes() first"
            )


def is_lazy(x: Any) -> bool:
    """True for a lazy (Dask) array."""
    return bool(compat.is_dask_array(x))


def host_chunks(x: Any) -> bool:
    """True when the chunks of dask array ``x`` are NumPy arrays (its ``_meta``)."""
    return type(getattr(x, "_meta", None)) is np.ndarray


def lazy_check(x: Any, check: Callable[[Any], None]) -> Any:
    """``x`` (a Dask array) with ``check`` run on each block when it is computed."""
    return x.map_blocks(functools.partial(_checked_block, check=check), dtype=x.dtype)


def _checked_block(block: Any, *, check: Callable[[Any], None]) -> Any:
    check(block)
    return block
