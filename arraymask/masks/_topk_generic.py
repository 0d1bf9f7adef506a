"""Array-API twin of the top-k selection: one implementation for every namespace.

The masks are built from values only, never from a (backend-dependent) order
of equal elements, so every backend gives the same mask:

1. per slice, find the k-th selected *value* ``t`` from a sorted copy in
   which NaNs were replaced by the extreme value of the ranking direction
   (``xp.sort``; O(n log n) per slice: the array API has no selection
   routine);
2. take every element strictly better than ``t`` (NaNs count as better than
   everything when ``largest=True`` and worse when ``largest=False``);
3. fill the remaining ``need`` slots with the elements equal to ``t`` in
   index order, through a cumulative sum of the equality mask
   (``ties="all"``: take all of them).

``-0.0 == 0.0`` in IEEE comparisons, so they tie without special care; all
NaNs tie with each other.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._backend import Array, capabilities

__all__ = ["index_dtype", "topk_last_axis"]


def index_dtype(xp: ModuleType) -> Any:
    """int64, or int32 on a backend without 64-bit integers (JAX without x64)."""
    return xp.int64 if capabilities(xp).int64 else xp.int32


def _take_last(s: Array, pos: Array, xp: ModuleType) -> Array:
    """``s[..., pos[..., 0]]`` keeping the last axis (length 1)."""
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(s, pos, axis=-1)
    n = s.shape[-1]
    hit = xp.arange(n, dtype=pos.dtype) == pos
    return xp.max(xp.where(hit, s, s[..., :1]), axis=-1, keepdims=True)


def _extreme(dtype: Any, xp: ModuleType, *, high: bool) -> Any:
    if xp.isdtype(dtype, "real floating"):
        return float("inf") if high else -float("inf")
    info = xp.iinfo(dtype)
    return info.max if high else info.min


def topk_last_axis(
    y: Array, k: int | Array, xp: ModuleType, *, largest: bool, ties: str
) -> Array:
    """Boolean mask of the top ``k`` along the last axis of ``y``.

    ``k`` is a Python int or an integer array broadcasting against
    ``y.shape[:-1]``, already checked to lie in ``[0, n]``. Works under
    ``jax.jit`` and with array-api-strict's static-shape flags (no boolean
    indexing, no data-dependent shapes).
    """
    n = y.shape[-1]
    if n == 0 or any(d == 0 for d in y.shape):
        return xp.zeros_like(y, dtype=xp.bool)
    if y.dtype == xp.bool:
        y = xp.astype(y, xp.uint8)
    idx = index_dtype(xp)
    if isinstance(k, int):
        kk = xp.zeros_like(y[..., :1], dtype=idx) + k
    else:
        kk = xp.astype(k, idx)[..., None]
    if xp.isdtype(y.dtype, "real floating"):
        nan = xp.isnan(y)
        nnan = xp.sum(xp.astype(nan, idx), axis=-1, keepdims=True)
        z = xp.where(nan, _extreme(y.dtype, xp, high=not largest), y)
    else:
        nan = xp.zeros_like(y, dtype=xp.bool)
        nnan = xp.zeros_like(y[..., :1], dtype=idx)
        z = y
    s = xp.sort(z, axis=-1)
    if largest:
        take = kk - nnan  # non-NaN values to take (NaNs rank first)
        use_t = take > 0
        pos = xp.clip(n - take, 0, n - 1)
        t = _take_last(s, pos, xp)
        better = xp.where(use_t, (y > t) | nan, False)
        equal = xp.where(use_t, y == t, nan)
    else:
        finite = n - nnan  # non-NaN values (NaNs rank last)
        use_t = kk <= finite
        pos = xp.clip(kk - 1, 0, n - 1)
        t = _take_last(s, pos, xp)
        better = xp.where(use_t, y < t, ~nan)
        equal = xp.where(use_t, y == t, nan)
    positive = kk > 0
    if ties == "all":
        return better | (equal & positive)
    need = kk - xp.sum(xp.astype(better, idx), axis=-1, keepdims=True)
    rank = xp.cumulative_sum(xp.astype(equal, idx), axis=-1)
    return better | (equal & (rank <= need) & positive)
