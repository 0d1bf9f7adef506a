"""How many entries each slice of a nucleus (top-p) mask takes.

``k`` is the smallest count ``>= 1`` of largest entries whose running sum, in
descending order and in float64 (float32 on JAX without x64), reaches ``p``;
the slice length when it never does (a slice with a NaN never does).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from .._backend import Array, capabilities, from_host, host_view
from . import _topk_host
from ._topk_generic import index_dtype

__all__ = ["nucleus_counts"]

#: First guess of the count for the compiled route; doubled until enough.
FIRST_GUESS = 64


def nucleus_counts(probs: Array, p: float, axis: int, xp: ModuleType) -> Array:
    """Integer array shaped like ``probs`` without ``axis``: the count per slice."""
    host = host_view(probs)
    if host is not None and _topk_host.host_supported(host):
        return from_host(_counts_host(host, p, axis), probs)
    return _counts_generic(probs, p, axis, xp)


def _first_reach(reached: np.ndarray | Array, xp: ModuleType, idx: object) -> Array:
    """Position of the first True along the last axis (the length if none)."""
    before = xp.cumulative_sum(xp.astype(reached, idx), axis=-1) == 0
    return xp.sum(xp.astype(before, idx), axis=-1)


def _counts_generic(probs: Array, p: float, axis: int, xp: ModuleType) -> Array:
    """Array-API version: one sort per slice, O(n log n)."""
    y = xp.moveaxis(probs, axis, -1)
    idx = index_dtype(xp)
    n = y.shape[-1]
    if n == 0 or any(d == 0 for d in y.shape):
        return xp.zeros_like(y[..., 0], dtype=idx)
    wide = xp.float64 if capabilities(xp).int64 else xp.float32
    nan = xp.isnan(y)
    any_nan = xp.any(nan, axis=-1)
    descending = xp.flip(xp.sort(xp.where(nan, 0.0, y), axis=-1), axis=-1)
    sums = xp.cumulative_sum(xp.astype(descending, wide), axis=-1)
    first = _first_reach(sums >= p, xp, idx)
    return xp.where(any_nan, n, xp.minimum(first + 1, n))


def _counts_host(x: np.ndarray, p: float, axis: int) -> np.ndarray:
    """Compiled route: O(n) selections of the top g (g = 64, 128, ...) per slice.

    Each round takes the top ``g`` of every slice not yet settled with the
    radix-select kernel, sorts just those ``g`` values and looks for the first
    running sum ``>= p``; the same sums as a full descending sort, since the
    first ``j <= g`` largest values are the same. O(n log k + k log k) per slice.
    """
    moved = np.moveaxis(x, axis, -1)
    batch, n = moved.shape[:-1], moved.shape[-1]
    rows = moved.reshape(-1, n)
    counts = np.full(rows.shape[0], n, dtype=np.int64)
    if n == 0 or rows.shape[0] == 0:
        return counts.reshape(batch)
    pending = np.flatnonzero(~np.isnan(rows).any(axis=1))
    g = min(n, FIRST_GUESS)
    while pending.size:
        sub = rows[pending]
        top = _topk_host.topk_host(sub, g, 1, largest=True, ties="index")
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
