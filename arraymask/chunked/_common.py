"""Helpers shared by the Dask algorithms: chunk checks and block offsets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["block_offsets", "numpy_chunks", "require_known_chunks"]


def require_known_chunks(x: Any, name: str) -> None:
    """``ValueError`` when a dask array has unknown (NaN) chunk sizes.

    >>> import dask.array as da
    >>> require_known_chunks(da.zeros((4, 3), chunks=2), "x")
    >>> import numpy as np
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


def numpy_chunks(x: Any) -> bool:
    """True when the chunks of dask array ``x`` are NumPy arrays (its ``_meta``)."""
    return type(getattr(x, "_meta", None)) is np.ndarray


def block_offsets(chunks: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
    """Start of every chunk along every axis."""
    return [np.concatenate(([0], np.cumsum(c[:-1], dtype=np.int64))).astype(np.int64)
            if c else np.zeros(0, np.int64) for c in chunks]


def align_groups(x: Any, axis: int, m: int) -> Any:
    """``x`` rechunked along ``axis`` so that every chunk holds whole groups of ``m``.

    Chunk boundaries move to the nearest multiple of ``m`` (a no-op when they
    are there already), so groups never straddle chunks and the axis is not
    gathered into one chunk.

    >>> import dask.array as da
    >>> align_groups(da.zeros((2, 24), chunks=(2, (7, 9, 8))), 1, 4).chunks[1]
    (8, 8, 8)
    """
    require_known_chunks(x, "x")
    sizes = x.chunks[axis]
    if all(c % m == 0 for c in sizes):
        return x
    n = int(x.shape[axis])
    bounds = np.cumsum(sizes)[:-1]
    moved = {(int(b) + m // 2) // m * m for b in bounds}
    cuts = sorted(b for b in moved if 0 < b < n)
    new = tuple(np.diff([0, *cuts, n]).tolist())
    return x.rechunk({axis: new})
