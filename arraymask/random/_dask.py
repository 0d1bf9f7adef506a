"""The chunked (Dask) route of :mod:`arraymask.random`: every chunk fills itself.

Each chunk computes its own counters (the row-major positions of its
elements in the whole array) with the compiled kernel, so the words do not
depend on the chunking and equal those of every other backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import _kernels

__all__ = ["bernoulli", "bits", "blocks"]


def blocks(shape: tuple[int, ...], fill: Callable[[tuple[int, ...], tuple[int, ...]], Any],
           dtype: Any) -> Any:
    """Dask array of ``shape`` whose chunk at ``offsets`` is ``fill(chunk_shape, offsets)``."""
    import dask.array as da

    chunks = da.core.normalize_chunks("auto", shape, dtype=np.dtype(dtype))

    def block(block_info: Any = None) -> np.ndarray:
        info = block_info[None]
        offsets = tuple(lo for lo, _ in info["array-location"])
        return fill(tuple(info["chunk-shape"]), offsets)

    return da.map_blocks(block, chunks=chunks, dtype=dtype,
                         meta=np.empty((0,) * len(shape), dtype))


def bits(shape: tuple[int, ...], seed: int) -> Any:
    """Lazy uint32 stream words of ``shape``."""
    return blocks(shape, lambda c, o: _kernels.bits(c, seed, o, shape), np.uint32)


def bernoulli(shape: tuple[int, ...], seed: int, threshold: int) -> Any:
    """Lazy ``bits < threshold`` of ``shape``, fused per chunk."""
    return blocks(shape, lambda c, o: _kernels.bernoulli(c, seed, threshold, o, shape), np.bool_)
