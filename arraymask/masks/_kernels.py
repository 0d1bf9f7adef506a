"""Every compiled path of the masks: NumPy in, NumPy out.

The public modules (:mod:`.topk`, :mod:`.select`, :mod:`.sequence`) hand
these functions zero-copy NumPy views (of NumPy arrays or CPU torch tensors,
:func:`arraymask._backend.host_view`) with arguments already validated, and
wrap the results back. Each function gives exactly the result of its
array-API twin in :mod:`._generic`; the tests check that they agree.

* :func:`topk` -- ``_ext.topk.topk_slices``: the data go as their raw bits
  (``(pre, n, post)`` view, any strides, no copy for contiguous inputs); the
  kernel ranks them by order-preserving integer keys, O(n) per slice.
* :func:`nucleus_counts` -- top-p counts from selections of doubling size.
* :func:`isin` -- ``_ext.lookup``: byte table, bitmap or sorted search.
* :func:`lengths` -- ``_ext.sequence.lengths_fill``: two ``memset`` per row.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import pooled, threads
from .._ext import lookup as _lookup
from .._ext import sequence as _sequence
from .._ext import topk as _topk

__all__ = ["isin", "lengths", "nucleus_counts", "topk", "topk_supported"]

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}

#: Largest byte table (entries) and bitmap (bits) the integer isin builds.
TABLE_MAX = 1 << 22
BITMAP_MAX = 1 << 28

#: Least input worth a second thread in the isin lookups: a table lookup is a
#: few cycles and bound by memory, and on a shared 2-core machine a second
#: thread measured slower at the benchmark sizes (docs/benchmarks/masks_select.md).
ISIN_GRAIN = 1 << 24

#: First guess of the nucleus count; doubled until enough.
FIRST_GUESS = 64


# ---------------------------------------------------------------- top-k


def _kind(dtype: np.dtype) -> int | None:
    """Kernel kind code: 0 unsigned/bool, 1 signed, 2 IEEE float; None if unsupported."""
    if dtype.kind in "bu" and dtype.itemsize in _UINT:
        return 0
    if dtype.kind == "i" and dtype.itemsize in _UINT:
        return 1
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8):
        return 2
    return None


def topk_supported(x: np.ndarray) -> bool:
    """The compiled kernel handles this dtype (bool, ints, float16/32/64)."""
    return _kind(x.dtype) is not None


@pooled
def topk(x: np.ndarray, k: int | np.ndarray, axis: int | None, *, largest: bool,
         ties: str) -> np.ndarray:
    """Boolean mask (C-contiguous, shaped like ``x``) of the top ``k`` per slice.

    ``axis`` is a normalised axis or None (all elements, row-major order);
    ``k`` a Python int or an int array broadcasting against ``x.shape``
    without ``axis``, already checked to lie in ``[0, n]``.
    """
    kind = _kind(x.dtype)
    assert kind is not None
    if axis is None:
        pre, n, post = 1, x.size, 1
        batch: tuple[int, ...] = ()
    else:
        pre = math.prod(x.shape[:axis])
        n = x.shape[axis]
        post = math.prod(x.shape[axis + 1 :])
        batch = x.shape[:axis] + x.shape[axis + 1 :]
    out = np.empty(x.shape, dtype=np.bool_)
    if out.size == 0:
        return out
    bits = x.reshape(pre, n, post).view(_UINT[x.dtype.itemsize])
    rows = pre * post
    if isinstance(k, int):
        per_row = np.broadcast_to(np.int64(k), (rows,))
    else:
        per_row = np.ascontiguousarray(np.broadcast_to(k, batch), dtype=np.int64).reshape(rows)
    _topk.topk_slices(
        bits, per_row, out.view(np.uint8).reshape(pre, n, post), kind, bool(largest),
        ties == "all", threads(x.size),
    )
    return out


@pooled
def nucleus_counts(x: np.ndarray, p: float, axis: int) -> np.ndarray:
    """Top-p counts per slice from O(n) selections of the top g (g = 64, 128, ...).

    Each round takes the top ``g`` of every slice not yet settled with the
    radix-select kernel, sorts just those ``g`` values and looks for the first
    running sum ``>= p``; the same sums as a full descending sort, since the
    first ``j <= g`` largest values are the same. O(n log k + k log k) per slice.
    """
    moved = np.moveaxis(x, axis, -1)
    batch, n = moved.shape[:-1], moved.shape[-1]
    if n == 0 or math.prod(batch) == 0:
        return np.full(batch, n, dtype=np.int64)
    rows = moved.reshape(-1, n)
    counts = np.full(rows.shape[0], n, dtype=np.int64)
    pending = np.flatnonzero(~np.isnan(rows).any(axis=1))
    g = min(n, FIRST_GUESS)
    while pending.size:
        sub = rows[pending]
        top = topk(sub, g, 1, largest=True, ties="index")
        values = sub[top].reshape(pending.size, g)
        descending = np.sort(values, axis=1)[:, ::-1]
        reached = np.cumsum(descending.astype(np.float64), axis=1) >= p
        hit = reached.any(axis=1)
        counts[pending[hit]] = reached[hit].argmax(axis=1) + 1
        if g == n:
            break
        pending = pending[~hit]
        g = min(n, 2 * g)
    return counts.reshape(batch)


# ---------------------------------------------------------------- isin


@pooled
def isin(x: np.ndarray, values: np.ndarray, invert: bool) -> np.ndarray:
    """``isin`` of host data; ``values`` already hold only values exact in ``x.dtype``."""
    if values.size == 0:
        return np.full(x.shape, invert)
    if x.dtype.kind not in "iuf" or (x.dtype.itemsize < 4 and x.dtype.kind == "f"):
        return np.isin(x, values, invert=invert)  # bool, float16, complex
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape[0], dtype=np.bool_)
    out8 = out.view(np.uint8)
    n = flat.shape[0]
    workers = threads(n, ISIN_GRAIN)
    if x.dtype.kind in "iu":
        lo, hi = values.min(), values.max()
        span = int(hi) - int(lo) + 1
        if span <= TABLE_MAX and span <= max(1 << 16, 4 * n):
            table = np.zeros(span + 1, dtype=np.uint8)
            _lookup.build_table(values, lo, table)
            _lookup.isin_table(flat, lo, table, out8, invert, workers)
            return out.reshape(x.shape)
        if span <= BITMAP_MAX and span <= max(1 << 19, 32 * n):
            bits = np.zeros((span + 7) // 8, dtype=np.uint8)
            _lookup.build_bitmap(values, lo, bits)
            _lookup.isin_bitmap(flat, lo, span, bits, out8, invert, workers)
            return out.reshape(x.shape)
    _lookup.isin_sorted(flat, np.sort(values), out8, invert, workers)
    return out.reshape(x.shape)


# ---------------------------------------------------------------- sequences


@pooled
def lengths(host: np.ndarray, maxlen: int, left: bool) -> np.ndarray:
    """Padding mask of non-negative ``host`` lengths into a fresh bool array."""
    out = np.empty((*host.shape, maxlen), dtype=np.bool_)
    flat = np.ascontiguousarray(host).reshape(-1)
    _sequence.lengths_fill(flat, out.view(np.uint8).reshape(flat.shape[0], maxlen), left)
    return out
