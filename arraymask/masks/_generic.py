"""Every array-API twin of the masks: one implementation for every namespace.

These functions run on any namespace (array-api-strict, JAX also under
``jit``, CuPy, torch on CUDA, Dask blocks, and NumPy too) and give exactly
the results of the compiled paths in :mod:`._kernels`. Arguments arrive
validated from the public modules; nothing here creates an array anywhere
but on the device of its input.

Top-k masks are built from values only, never from a (backend-dependent)
order of equal elements, so every backend gives the same mask:

1. per slice, find the k-th selected *value* ``t`` of a copy in which NaNs
   were replaced by the extreme value of the ranking direction: by a bitwise
   search on order-preserving keys (O(n) per key bit), the backend's own
   top-k values, or a sort (the reference; see :func:`topk_last_axis`);
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

from .._backend import (
    Array,
    bitcast,
    capabilities,
    device_of,
    first_true,
    fused,
    index_dtype,
    is_traced,
    itemsize,
    native_topk,
    new_array,
    take_last,
)
from .._validate import kind_of

__all__ = [
    "argwhere",
    "boolean_select",
    "device_values",
    "exact_device_values",
    "index_compare",
    "index_scatter",
    "isin",
    "kth_method",
    "lengths",
    "nucleus_counts",
    "topk",
    "topk_last_axis",
]


# ---------------------------------------------------------------- top-k


def _extreme(dtype: Any, xp: ModuleType, *, high: bool) -> Any:
    if xp.isdtype(dtype, "real floating"):
        return float("inf") if high else -float("inf")
    info = xp.iinfo(dtype)
    return info.max if high else info.min


def _order_keys(z: Array, xp: ModuleType, *, largest: bool) -> Array:
    """Unsigned keys of ``z`` (no NaN) whose order is the ranking order, best largest.

    Floats: ``-0.0`` becomes ``+0.0`` (they tie), then negative values have
    every bit flipped and the others the sign bit; signed integers flip the
    sign bit; ``largest=False`` complements the keys.
    """
    floating = xp.isdtype(z.dtype, "real floating")
    if floating:  # -0.0 -> +0.0 (not z + 0.0: compilers may drop an added zero)
        z = xp.where(z == 0, xp.zeros_like(z), z)
    u = bitcast(z, xp)
    top = 1 << (8 * itemsize(u.dtype) - 1)
    sign = xp.asarray(top, dtype=u.dtype, device=device_of(u))
    if floating:
        negative = (u & sign) != 0
        u = xp.where(negative, ~u, u | sign)
    elif xp.isdtype(z.dtype, "signed integer"):
        u = u ^ sign
    return u if largest else ~u


def _kth_key(u: Array, rank: Array, xp: ModuleType) -> tuple[Array, Array]:
    """The ``rank``-th largest key of every row (``rank >= 1``), by a bitwise search.

    One pass per key bit, most significant first: keep the bit when at least
    ``rank`` keys reach the candidate. O(n) per pass, no sort, static shapes
    (it runs under ``jax.jit``). Also returns how many keys reach the result
    (``rank`` unless keys equal to it straddle the boundary).
    """
    width = 8 * itemsize(u.dtype)
    prefix = xp.zeros_like(u[..., :1])
    count = xp.zeros_like(rank) + u.shape[-1]  # every key reaches 0
    for bit in range(width - 1, -1, -1):
        candidate = prefix | xp.asarray(1 << bit, dtype=u.dtype, device=device_of(u))
        reach = xp.astype(xp.count_nonzero(u >= candidate, axis=-1, keepdims=True), rank.dtype)
        keep = reach >= rank
        prefix = xp.where(keep, candidate, prefix)
        count = xp.where(keep, reach, count)
    return prefix, count


def _kth_sorted(z: Array, rank: Array, xp: ModuleType, *, largest: bool) -> Array:
    """The ``rank``-th best of every row of ``z`` (``rank`` in ``[1, n]``), by a sort.

    Values only, so the sort need not be stable (the fast unstable sort).
    """
    n = z.shape[-1]
    s = xp.sort(z, axis=-1, stable=False)
    return take_last(s, n - rank if largest else rank - 1, xp)


def _kth_by_blocks(z: Array, rank: Array, xp: ModuleType, *, largest: bool, block: int,
                   max_width: int | None = None) -> Array:
    """The ``rank``-th best of every row of ``z``, sorting few values (``1 <= rank <= n // block``).

    Needs readable values and ``nonzero``; no bit reinterpretation. Each row
    is split into ``g = n // block`` groups of ``block`` entries (entries
    ``j, j + g, j + 2g, ...``: the reduction then runs along whole stretches
    and vectorizes). The ``rank``-th best of the group bests is a bound that
    at least ``rank`` entries reach, so the answer is among the entries
    reaching it (for random data hardly more than ``rank``, with four groups
    or more per ``rank``). Those candidates are gathered into one row each,
    padded with the worst value, and sorted. Where some row has more than
    ``max_width`` candidates (ties, adversarial data; default ``n // 2``) the
    rows are sorted whole instead.

    >>> import array_api_strict as xp
    >>> z = xp.asarray([[5, 1, 9, 3, 7, 2, 8, 6]])
    >>> _kth_by_blocks(z, xp.asarray([[3]]), xp, largest=True, block=2)
    Array([[7]], dtype=array_api_strict.int64)
    """
    shape = tuple(z.shape)
    n = shape[-1]
    rows = math.prod(shape[:-1])
    z2 = xp.reshape(z, (rows, n))
    r2 = xp.reshape(rank, (rows, 1))
    groups = n // block
    head = xp.reshape(z2[:, :groups * block], (rows, block, groups))
    bests = xp.max(head, axis=1) if largest else xp.min(head, axis=1)
    bound = _kth_sorted(bests, r2, xp, largest=largest)
    reach = (z2 >= bound) if largest else (z2 <= bound)
    counts = xp.astype(xp.count_nonzero(reach, axis=-1), r2.dtype)
    width = int(xp.max(counts))
    candidates = z2  # a loose bound: sort the rows whole
    if width <= (n // 2 if max_width is None else max_width):
        found = xp.nonzero(xp.reshape(reach, (-1,)))[0]
        values = xp.take(xp.reshape(z2, (-1,)), found)
        starts = xp.cumulative_sum(counts) - counts
        slot = xp.arange(width, dtype=r2.dtype, device=device_of(z))
        pos = xp.reshape(xp.clip(starts[:, None] + slot, 0, found.shape[0] - 1), (-1,))
        gathered = xp.reshape(xp.take(values, pos), (rows, width))
        worst = xp.asarray(_extreme(z.dtype, xp, high=not largest), dtype=z.dtype,
                           device=device_of(z))
        candidates = xp.where(slot < counts[:, None], gathered, worst)
    return xp.reshape(_kth_sorted(candidates, r2, xp, largest=largest), (*shape[:-1], 1))


def kth_method(xp: ModuleType, dtype: Any, k: int | Array) -> str:
    """How :func:`topk_last_axis` selects on ``xp``: the fastest exact way.

    ``"stable"``: the backend's own top-k, whose documented order of equal
    values (lower index first) is the contract's (``jax.lax.top_k``);
    ``"native"``: the backend's top-k values only, ties
    resolved by index here (``torch.topk``); both need the largest ``k`` (not
    a traced per-slice ``k`` under ``jax.jit``). Else ``"radix"``, the
    bitwise search, where bits can be reinterpreted; else ``"blocks"``, a sort
    of the few candidates that a bound from block maxima leaves, where
    ``nonzero`` is available; else ``"sort"``.
    """
    caps = capabilities(xp)
    readable_k = isinstance(k, int) or not is_traced(k)
    native = native_topk(xp, dtype)
    if readable_k and native is not None:
        return "stable" if native[1] else "native"
    if caps.bitcast:
        return "radix"
    return "blocks" if caps.data_dependent_shapes else "sort"


def _native_fn(xp: ModuleType, dtype: Any) -> Any:
    """The backend's top-k for ``dtype`` (:func:`kth_method` chose a native route)."""
    found = native_topk(xp, dtype)
    assert found is not None
    return found[0]


def _stable_mask(xp: ModuleType, kmax: int, largest: bool, y: Array, kk: Array) -> Array:
    """Scatter the first ``kk`` of a stable native top-k of 2-D ``y`` (see below)."""
    import array_api_extra as xpx

    rows, n = y.shape
    _, indices = _native_fn(xp, y.dtype)(y, kmax, largest)
    slot = xp.arange(kmax, dtype=kk.dtype, device=device_of(y))
    row = xp.arange(rows, dtype=indices.dtype, device=device_of(y))[:, None]
    out = xp.zeros((rows, n), dtype=xp.bool, device=device_of(y))
    return xpx.at(out)[row, indices].set(slot < kk, copy=None)


def _topk_stable(y: Array, kk: Array, kmax: int, xp: ModuleType, *, largest: bool) -> Array:
    """``ties="index"`` through a stable native top-k: scatter the first ``k`` indices.

    The native top-k ranks as the contract does (see
    :func:`arraymask._backend.native_topk`). One compiled function where the
    backend compiles (JAX eager too).
    """
    shape = tuple(y.shape)
    rows, n = math.prod(shape[:-1]), shape[-1]
    kmax = max(1, min(n, kmax))
    mask = fused(xp, _stable_mask, xp, kmax, largest)(xp.reshape(y, (rows, n)),
                                                      xp.reshape(kk, (rows, 1)))
    return xp.reshape(mask, shape)


def topk_last_axis(
    y: Array, k: int | Array, xp: ModuleType, *, largest: bool, ties: str,
    method: str | None = None,
) -> Array:
    """Boolean mask of the top ``k`` along the last axis of ``y``.

    ``k`` is a Python int or an integer array broadcasting against
    ``y.shape[:-1]``, already checked to lie in ``[0, n]``. ``method`` is how
    the k-th selected value of each slice is found (None: :func:`kth_method`)
    -- the only step that differs; the mask is then built from values alone:

    * ``"sort"``: a sorted copy (O(n log n); the reference);
    * ``"blocks"``: a sort of the candidates that a bound from the block
      maxima leaves (see :func:`_kth_by_blocks`; readable values only, else
      ``"sort"``);
    * ``"radix"``: a bitwise search on order-preserving keys (O(n) per key
      bit; needs :attr:`~arraymask._backend.Capabilities.bitcast`);
    * ``"native"``: the backend's own top-k values (``torch.topk``), whose
      tie order is never used;
    * ``"stable"``: ``jax.lax.top_k``, whose documented tie order (lower
      index first) is the contract's: its indices are the mask
      (``ties="all"`` takes the values route).

    With ``t`` the k-th value, the entries strictly better than ``t`` are
    taken and the remaining slots go to the entries equal to ``t`` in index
    order (a cumulative sum). When the values can be read and no slice has
    more entries equal to ``t`` than slots (the usual case), one comparison
    ``>= t`` is the mask and the cumulative sum is skipped. Works under
    ``jax.jit`` (``"sort"``, ``"radix"``, and ``"stable"`` with a Python int
    ``k``) and with array-api-strict's static-shape flags.
    """
    n = y.shape[-1]
    if n == 0 or any(d == 0 for d in y.shape):
        return xp.zeros_like(y, dtype=xp.bool)
    if y.dtype == xp.bool:
        y = xp.astype(y, xp.uint8)
    elif y.dtype in (xp.uint16, xp.uint32) and not capabilities(xp).uint32:
        y = xp.astype(y, xp.int64)  # torch: no comparisons there; int64 orders them exactly
    if method is None:
        method = kth_method(xp, y.dtype, k)
    idx = index_dtype(xp)
    if isinstance(k, int):
        kk = xp.zeros_like(y[..., :1], dtype=idx) + k
    else:  # k broadcasts against the batch: give it the batch's ndim first
        kk = xp.broadcast_to(xp.astype(k, idx), tuple(y.shape[:-1]))[..., None]

    def kmax() -> int:  # the largest k (k an array: read back; not under jax.jit)
        return k if isinstance(k, int) else int(xp.max(kk))

    if method == "stable" and ties == "index":  # NaN and -0.0 handled inside
        return _topk_stable(y, kk, kmax(), xp, largest=largest)
    readable = not is_traced(y) and not is_traced(kk)
    nan = None
    if xp.isdtype(y.dtype, "real floating") and not (readable and not bool(
            xp.isnan(xp.max(y)))):  # max propagates NaN: one pass, no temporary
        nan = xp.isnan(y)
    if nan is None:
        nnan: Any = 0
        z = y
    else:
        nnan = xp.astype(xp.count_nonzero(nan, axis=-1, keepdims=True), idx)
        z = xp.where(nan, _extreme(y.dtype, xp, high=not largest), y)
    # the wanted element is the rank-th best of z (NaNs sent to the worst end)
    rank = kk - nnan if largest else kk  # largest: NaNs rank first
    use_t = rank > 0 if largest else kk <= n - nnan  # smallest: NaNs rank last
    exact: Any = None  # per slice: exactly `rank` entries reach t (no tie straddles it)
    if method == "radix":  # compare order-preserving keys: "greater" is "better"
        u = _order_keys(z, xp, largest=largest)
        t, reaching = _kth_key(u, xp.clip(rank, 1, n), xp)
        exact = reaching == rank
        up = True
    else:  # compare values: "greater" is "better" when largest
        u, up = y, largest
        if method in ("native", "stable"):
            width = max(1, min(n, kmax()))  # ties: counted below (torch.topk slows past k = 64)
            values, _ = _native_fn(xp, z.dtype)(z, width, largest)
            t = take_last(values, xp.clip(rank - 1, 0, width - 1), xp)
        else:
            r = xp.clip(rank, 1, n)
            # four groups or more per wanted entry
            block = n // (4 * max(1, kmax())) if method == "blocks" and readable else 0
            if block > 1:
                t = _kth_by_blocks(z, r, xp, largest=largest, block=block)
            else:
                t = _kth_sorted(z, r, xp, largest=largest)
    positive = kk > 0
    if nan is None:  # no NaN: "better or equal" is one comparison
        reach = (u >= t) if up else (u <= t)
        if ties == "all":
            return reach & positive
        if readable:
            kept = reach if isinstance(k, int) and k > 0 else reach & positive
            if exact is None:  # every slice reaches at least kk: compare the totals
                wanted = xp.sum(xp.where(positive, kk, xp.zeros_like(kk)))
                tied = int(xp.count_nonzero(kept)) != int(wanted)
            else:
                tied = not bool(xp.all(exact | ~positive))
            if not tied:
                return kept
        nan = xp.zeros_like(y, dtype=xp.bool)
    equal = xp.where(use_t, (u == t) & ~nan, nan)
    strictly = (u > t) if up else (u < t)
    better = xp.where(use_t, strictly | nan, False) if largest else xp.where(use_t, strictly, ~nan)
    if ties == "all":
        return better | (equal & positive)
    need = kk - xp.astype(xp.count_nonzero(better, axis=-1, keepdims=True), idx)
    narrow = xp.int32 if n < 2**31 else idx  # a narrower running count is cheaper
    slot = xp.cumulative_sum(xp.astype(equal, narrow), axis=-1)
    return better | (equal & (xp.astype(slot, idx) <= need) & positive)


def topk(x: Array, k: int | Array, axis: int | None, xp: ModuleType, *, largest: bool,
         ties: str, method: str | None = None) -> Array:
    """Top-k mask along ``axis`` (normalised, or None: all elements); see :func:`topk_last_axis`."""
    if axis is None:
        y = xp.reshape(x, (-1,))
        mask = topk_last_axis(y, k, xp, largest=largest, ties=ties, method=method)
        return xp.reshape(mask, tuple(x.shape))
    if axis == x.ndim - 1:  # (a no-op moveaxis still copies on some backends)
        return topk_last_axis(x, k, xp, largest=largest, ties=ties, method=method)
    y = xp.moveaxis(x, axis, -1)
    mask = topk_last_axis(y, k, xp, largest=largest, ties=ties, method=method)
    return xp.moveaxis(mask, -1, axis)


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
    descending = xp.flip(xp.sort(xp.where(nan, 0.0, y), axis=-1, stable=False), axis=-1)
    sums = xp.cumulative_sum(xp.astype(descending, wide), axis=-1)
    first = first_true(sums >= p, xp, idx)
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
        svals = xp.sort(vals, stable=False)
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
