"""Every array-API twin of the masks: one implementation for every namespace.

These functions run on any namespace (array-api-strict, JAX also under
``jit``, CuPy, torch on CUDA, Dask blocks, and NumPy too) and give exactly
the results of the compiled paths in :mod:`._kernels`. Arguments arrive
validated from the public modules; nothing here creates an array anywhere
but on the device of its input.

Top-k masks are built from values only, never from a (backend-dependent)
order of equal elements, so every backend gives the same mask:

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

import math
import warnings
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import Array, capabilities, device_of, index_dtype, is_traced, new_array
from .._validate import kind_of

__all__ = [
    "argwhere",
    "boolean_select",
    "device_values",
    "exact_device_values",
    "index_compare",
    "index_scatter",
    "isin",
    "lengths",
    "nucleus_counts",
    "topk",
    "topk_last_axis",
]


# ---------------------------------------------------------------- top-k


def _take_last(s: Array, pos: Array, xp: ModuleType) -> Array:
    """``s[..., pos[..., 0]]`` keeping the last axis (length 1)."""
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(s, pos, axis=-1)
    n = s.shape[-1]
    hit = xp.arange(n, dtype=pos.dtype, device=device_of(s)) == pos
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
    else:  # k broadcasts against the batch: give it the batch's ndim first
        kk = xp.broadcast_to(xp.astype(k, idx), tuple(y.shape[:-1]))[..., None]
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


def topk(x: Array, k: int | Array, axis: int | None, xp: ModuleType, *, largest: bool,
         ties: str) -> Array:
    """Top-k mask along ``axis`` (normalised, or None: all elements)."""
    if axis is None:
        y = xp.reshape(x, (-1,))
        mask = topk_last_axis(y, k, xp, largest=largest, ties=ties)
        return xp.reshape(mask, tuple(x.shape))
    y = xp.moveaxis(x, axis, -1)
    mask = topk_last_axis(y, k, xp, largest=largest, ties=ties)
    return xp.moveaxis(mask, -1, axis)


def _first_reach(reached: Array, xp: ModuleType, idx: object) -> Array:
    """Position of the first True along the last axis (the length if none)."""
    before = xp.cumulative_sum(xp.astype(reached, idx), axis=-1) == 0
    return xp.sum(xp.astype(before, idx), axis=-1)


def nucleus_counts(probs: Array, p: float, axis: int, xp: ModuleType) -> Array:
    """Top-p count per slice: one sort per slice, sums in float64 (float32 without x64)."""
    y = xp.moveaxis(probs, axis, -1)
    idx = index_dtype(xp)
    n = y.shape[-1]
    if n == 0 or any(d == 0 for d in y.shape):
        return xp.zeros(y.shape[:-1], dtype=idx, device=device_of(y))
    wide = xp.float64 if capabilities(xp).int64 else xp.float32
    nan = xp.isnan(y)
    any_nan = xp.any(nan, axis=-1)
    descending = xp.flip(xp.sort(xp.where(nan, 0.0, y), axis=-1), axis=-1)
    sums = xp.cumulative_sum(xp.astype(descending, wide), axis=-1)
    first = _first_reach(sums >= p, xp, idx)
    return xp.where(any_nan, n, xp.minimum(first + 1, n))


# ---------------------------------------------------------------- selection


def isin(x: Array, vals: Array, any_valid: Array | None, invert: bool, xp: ModuleType) -> Array:
    """Binary search of ``x`` in the sorted values, then compare.

    ``vals`` hold only values exact in ``x``'s dtype (or stand-ins that match
    nothing when ``any_valid`` is False).
    """
    m = vals.shape[0]
    kind = kind_of(x.dtype)
    if m == 0:
        hit = xp.zeros(x.shape, dtype=xp.bool, device=device_of(x))
    elif kind == "b":
        hit = xp.where(x, xp.any(vals), xp.any(xp.logical_not(vals)))
    elif kind == "c":
        hit = xp.any(x[..., None] == vals, axis=-1)
    else:
        svals = xp.sort(vals)
        flat = xp.reshape(x, (-1,))
        pos = xp.minimum(xp.searchsorted(svals, flat), m - 1)
        hit = xp.reshape(xp.take(svals, pos) == flat, x.shape)
    if any_valid is not None:
        hit = xp.logical_and(hit, any_valid)
    return xp.logical_not(hit) if invert else hit


def boolean_select(x: Array, mask: Array, ax: int, xp: ModuleType) -> Array:
    """Merge the masked dimensions, then ``take`` the nonzero positions.

    On a backend with native boolean indexing (also Dask, lazily) the merged
    dimension is indexed directly.
    """
    k = mask.ndim
    merged = math.prod(int(d) for d in mask.shape)
    if merged == 0:  # nothing to select: the result is known without looking
        return xp.zeros((*x.shape[:ax], 0, *x.shape[ax + k:]), dtype=x.dtype,
                        device=device_of(x))
    x2 = xp.reshape(x, (*x.shape[:ax], merged, *x.shape[ax + k:]))
    flat = xp.reshape(mask, (merged,))
    caps = capabilities(xp)
    if caps.boolean_index or caps.lazy:
        return x2[(slice(None),) * ax + (flat,)]
    (positions,) = xp.nonzero(flat)
    return xp.take(x2, positions, axis=ax)


def argwhere(mask: Array, xp: ModuleType) -> Array:
    """``stack(nonzero(mask), axis=1)`` (0-d masks as 1-element)."""
    dtype = index_dtype(xp)
    if 0 in mask.shape:  # static: nothing to find
        return xp.zeros((0, mask.ndim), dtype=dtype, device=device_of(mask))
    if mask.ndim == 0:
        # one row per True of a 1-element mask, no columns
        empty = xp.zeros((1, 0), dtype=dtype, device=device_of(mask))
        return empty[xp.reshape(mask, (1,))]
    coords = xp.nonzero(mask)
    return xp.astype(xp.stack(coords, axis=1), dtype)


# ---------------------------------------------------------------- sequences


def lengths(lengths: Array, maxlen: int, left: bool, xp: ModuleType) -> Array:
    """Compare a position ramp with the lengths.

    ``side="left"`` compares the reversed ramp (``maxlen - 1 - j < length`` is
    ``j >= maxlen - length`` without the subtraction that could overflow).
    """
    dtype = lengths.dtype
    if maxlen - 1 > int(xp.iinfo(dtype).max):  # the ramp does not fit: widen lengths
        dtype = index_dtype(xp)
        lengths = xp.astype(lengths, dtype)
    ramp = xp.arange(maxlen, dtype=dtype, device=device_of(lengths))
    if left:
        ramp = xp.flip(ramp)
    return ramp < lengths[..., None]


def _flat_rows(idx: Array, size: int, xp: ModuleType) -> Array:
    """Indices as 2-D ``(rows, m)`` of the index dtype, negative values wrapped."""
    m = idx.shape[-1]
    rows = math.prod(int(d) for d in idx.shape[:-1])
    idx = xp.reshape(xp.astype(idx, index_dtype(xp)), (rows, m))
    return xp.where(idx < 0, idx + size, idx)


def index_scatter(idx: Array, size: int, xp: ModuleType) -> Array:
    """One scatter of True into fresh rows (backends with a native scatter).

    Indices outside ``[0, size)`` after wrapping (possible only under
    ``jax.jit``, where they cannot be checked) are sent past the end, where
    JAX's scatter drops them.
    """
    import array_api_extra as xpx

    flat = _flat_rows(idx, size, xp)
    rows = flat.shape[0]
    if is_traced(flat):  # unchecked values: send the bad ones out of range
        flat = xp.where((flat < 0) | (flat >= size), size, flat)
    out = xp.zeros((rows, size), dtype=xp.bool, device=device_of(idx))
    row = xp.arange(rows, dtype=flat.dtype, device=device_of(idx))[:, None]
    out = xpx.at(out)[row, flat].set(True, copy=None)  # in place where the backend can
    return xp.reshape(out, (*idx.shape[:-1], size))


def index_compare(idx: Array, size: int, xp: ModuleType) -> Array:
    """Compare every index with a position ramp and reduce (no scatter).

    Memory ``O(rows * m * size)``; it uses no item assignment.
    """
    dtype = index_dtype(xp)
    idx = xp.astype(idx, dtype)
    idx = xp.where(idx < 0, idx + size, idx)
    ramp = xp.arange(size, dtype=dtype, device=device_of(idx))
    return xp.any(idx[..., :, None] == ramp, axis=-2)


def device_values(host: Any, x: Array, xp: ModuleType) -> Array:
    """Small host ``values`` as an array of ``x``'s namespace on ``x``'s device."""
    return new_array(host, xp, device=device_of(x))


def exact_device_values(values: Array, x: Array, xp: ModuleType) -> tuple[Array, Array | None]:
    """Values of ``values`` exact in ``x``'s dtype, without data-dependent shapes.

    The device twin of :func:`arraymask._validate.exact_values`: inexact
    values are replaced by an exact one (so they cannot match), and the
    second result is False when none is exact. Integers out of the target
    range are inexact even where the cast would wrap around.
    """
    vals = xp.reshape(values, (-1,))
    source, target = kind_of(vals.dtype), kind_of(x.dtype)
    if source is None:
        raise TypeError(f"values must be numbers, got dtype {vals.dtype}")
    if source == "c" and target != "c":
        raise TypeError(f"values are complex ({vals.dtype}) but x is real ({x.dtype})")
    if vals.shape[0] == 0:
        return xp.astype(vals, x.dtype), None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy-based namespaces warn on NaN casts
        cast = xp.astype(vals, x.dtype) if vals.dtype != x.dtype else vals
        exact = xp.astype(cast, vals.dtype) == vals
    if source in ("i", "u") and target in ("i", "u"):
        src, dst = xp.iinfo(vals.dtype), xp.iinfo(x.dtype)
        if dst.min > src.min:
            exact = exact & (vals >= dst.min)
        if dst.max < src.max:
            exact = exact & (vals <= dst.max)
    first = xp.argmax(xp.astype(exact, xp.int8))
    fill = xp.take(cast, xp.reshape(first, (1,)))
    return xp.where(exact, cast, fill), xp.any(exact)
