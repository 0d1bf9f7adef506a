"""Every compiled path of :mod:`arraymask.random`: NumPy outputs filled by ``_ext.rng``.

The kernels write the stream words (or their comparison with a threshold)
of a whole array, or of one block of a larger array (a Dask chunk: each row
of the block gets its own first counter), in rows split over the threads of
the backend's thread policy. Exact-count masks select the smallest words of
each slice with the top-k kernel (``_ext.topk``, the radix select that
``topk_mask`` uses), one band of rows at a time. The results equal those of
the array-API twin (:mod:`._generic`) bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import pooled, threads
from .._ext import rng as _rng
from .._ext import topk as _topk

__all__ = ["bernoulli", "bits", "exact", "rows_bernoulli"]

#: Length of the rows the kernels split a flat output into.
ROW = 1 << 14
#: Elements of stream words made and selected at once by an exact-count mask
#: along the last axis (64 MiB of words at most). Few, large bands: each band
#: is two parallel regions, and on a busy machine every region's barrier can
#: wait a scheduler time slice for the descheduled thread (bands of 2**16
#: took 268 ms instead of 67 ms for (8192, 4096) with the other core busy).
EXACT_BAND = 1 << 24


def _row_starts(
    chunk: tuple[int, ...], offsets: tuple[int, ...], shape: tuple[int, ...]
) -> np.ndarray:
    """First counter of every last-axis row of a block of ``shape`` at ``offsets``."""
    if not chunk:
        return np.zeros(1, dtype=np.int64)
    starts = np.full((1,) * (len(chunk) - 1), offsets[-1], dtype=np.int64)
    stride = shape[-1]
    for d in range(len(chunk) - 2, -1, -1):
        idx = (np.arange(chunk[d], dtype=np.int64) + offsets[d]) * stride
        starts = starts + idx.reshape((-1,) + (1,) * (len(chunk) - 2 - d))
        stride *= shape[d]
    return starts.reshape(-1)


def _layout(
    chunk: tuple[int, ...], offsets: tuple[int, ...] | None, shape: tuple[int, ...] | None
) -> tuple[int, np.ndarray]:
    """``(row_len, row_starts)``: a whole array is one run of counters cut into
    rows of :data:`ROW`; a block of a larger array (a Dask chunk) has one row per
    last-axis line, each with its own first counter."""
    if offsets is None or shape is None or chunk == shape:
        n = math.prod(chunk)
        return ROW, np.arange(-(-n // ROW), dtype=np.int64) * ROW
    return (chunk[-1] if chunk else 1), _row_starts(chunk, offsets, shape)


@pooled
def bits(
    chunk: tuple[int, ...], seed: int, offsets: tuple[int, ...] | None = None,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """uint32 stream words of a block (the whole array when ``offsets`` is None)."""
    n = math.prod(chunk)
    out = np.empty(n, dtype=np.uint32)
    row_len, starts = _layout(chunk, offsets, shape)
    _rng.fill_bits(out, row_len, starts, seed, threads(n))
    return out.reshape(chunk)


@pooled
def bernoulli(
    chunk: tuple[int, ...], seed: int, threshold: int,
    offsets: tuple[int, ...] | None = None, shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """``bits < threshold`` of a block, fused in one pass."""
    n = math.prod(chunk)
    out = np.empty(n, dtype=np.uint8)
    row_len, starts = _layout(chunk, offsets, shape)
    _rng.fill_bernoulli(out, row_len, starts, np.array([threshold], dtype=np.uint64), seed,
                        threads(n))
    return out.view(np.bool_).reshape(chunk)


@pooled
def rows_bernoulli(shape: tuple[int, ...], seed: int, thresholds: np.ndarray) -> np.ndarray:
    """Per-row thresholds along the last axis (``thresholds`` shaped ``shape[:-1]``)."""
    n = math.prod(shape)
    out = np.empty(n, dtype=np.uint8)
    rows = n // shape[-1]
    starts = np.arange(rows, dtype=np.int64) * shape[-1]
    _rng.fill_bernoulli(out, shape[-1], starts, np.ascontiguousarray(thresholds.reshape(-1)),
                        seed, threads(n))
    return out.view(np.bool_).reshape(shape)


def _smallest(words: np.ndarray, k_rows: np.ndarray, out: np.ndarray) -> None:
    """``out[i, :, j]`` = the ``k`` smallest of ``words[i, :, j]`` (ties: lower index)."""
    _topk.topk_slices(words, k_rows, out, 0, False, False, threads(words.size))


@pooled
def exact(shape: tuple[int, ...], seed: int, k: np.ndarray, axis: int | None) -> np.ndarray:
    """Exact-count mask: the ``k`` smallest stream words of every slice along ``axis``.

    ``k`` is an int64 array broadcasting against ``shape`` without ``axis``
    (a scalar for ``axis=None``). Along the last axis (or all elements) the
    words are made and selected one band of rows at a time, so the words of
    the whole array are never held.
    """
    n = math.prod(shape)
    out = np.empty(shape, dtype=np.bool_)
    if n == 0:
        return out
    if axis is not None and axis != len(shape) - 1:
        pre = math.prod(shape[:axis])
        post = math.prod(shape[axis + 1:])
        batch = shape[:axis] + shape[axis + 1:]
        k_rows = np.ascontiguousarray(np.broadcast_to(k, batch), dtype=np.int64).reshape(-1)
        words = bits(shape, seed).reshape(pre, shape[axis], post)
        _smallest(words, k_rows, out.view(np.uint8).reshape(pre, shape[axis], post))
        return out
    length = n if axis is None else shape[-1]
    rows = n // length
    k_rows = np.ascontiguousarray(np.broadcast_to(k, shape[:-1] if axis is not None else ()),
                                  dtype=np.int64).reshape(-1)
    k_rows = np.broadcast_to(k_rows, (rows,)) if k_rows.size == 1 else k_rows
    flat = out.view(np.uint8).reshape(rows, length)
    band = max(1, EXACT_BAND // length)
    for r0 in range(0, rows, band):
        r1 = min(rows, r0 + band)
        band_words = np.empty((r1 - r0) * length, dtype=np.uint32)
        starts = np.arange(r0, r1, dtype=np.int64) * length
        _rng.fill_bits(band_words, length, starts, seed, threads(band_words.size))
        _smallest(band_words.reshape(r1 - r0, length, 1), k_rows[r0:r1],
                  flat[r0:r1].reshape(r1 - r0, length, 1))
    return out
