"""Every compiled path of the sparse topic: allocate, call the ``_ext`` COO kernels.

Every function takes NumPy arrays (zero-copy views of NumPy arrays or CPU
torch tensors, see :func:`arraymask._backend.host_view`) and returns NumPy
arrays; :mod:`arraymask.sparse.coo` wraps them back. The results equal those
of the array-API twins in :mod:`arraymask.sparse._generic`.

Dtypes travel to the kernels as follows: bool as uint8 (with logical
reductions), float16 as its uint16 bit pattern (exact comparisons and
copies); float16 sums, minima and maxima are computed in float32 and
rounded once, like the twin does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import configured_threads, pooled, threads
from .._ext import buckets as _buckets
from .._ext import canonical as _canon
from .._ext import coo as _coo
from ._common import (
    ORDER_NONDECREASING,
    ORDER_STRICT,
    ORDER_UNSORTED,
    POLICY_CODES,
    out_of_range,
)

__all__ = ["MAX_NDIM", "canonicalize", "coo_to_dense", "dense_to_coo", "gather", "handles", "scan"]

#: Most dimensions the kernels take (``MAX_NDIM`` of ``_ext/_shared.pxd``).
MAX_NDIM = 64

_KERNEL_DTYPES = {
    np.dtype(t)
    for t in (
        np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
        np.float32, np.float64, np.complex64, np.complex128,
    )
}


def _kernel_view(a: np.ndarray) -> tuple[np.ndarray, bool, bool]:
    """``(view, logical, half)``: ``a`` reinterpreted for the fused kernels."""
    if a.dtype == np.bool_:
        return a.view(np.uint8), True, False
    if a.dtype == np.float16:
        return a.view(np.uint16), False, True
    if a.dtype in _KERNEL_DTYPES:
        return a, False, False
    raise TypeError(f"unsupported dtype {a.dtype}")


def handles(dtype: Any, ndim: int) -> bool:
    """True if the kernels handle values of ``dtype`` (a NumPy dtype) in ``ndim`` dimensions."""
    if ndim > MAX_NDIM:
        return False
    dt = np.dtype(dtype)
    return dt in _KERNEL_DTYPES or dt in (np.dtype(np.bool_), np.dtype(np.float16))


@pooled
def gather(values: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """``values[tuple(coords)]``: the entries of dense ``values`` at ``coords``.

    Through linear positions, so that any ndim works (NumPy indexes with at
    most 63 index arrays).
    """
    if values.ndim == 0:
        return np.ascontiguousarray(values.reshape(1)[:coords.shape[1]])
    key = np.zeros(coords.shape[1], dtype=np.int64)
    for axis, size in enumerate(values.shape):
        key *= size
        key += coords[axis]
    return values.reshape(-1)[key]


def _shape_array(shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(shape, dtype=np.int64).reshape(len(shape))


def scan(coords: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int]:
    """Bounds check and order status (see ``_ext.coo.scan``)."""
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    return _coo.scan(coords, _shape_array(shape))


# ------------------------------------------------------------ dense -> COO


@pooled
def dense_to_coo(x: np.ndarray, fill_value: Any) -> tuple[np.ndarray, np.ndarray]:
    """Row-major ``(coords, values)`` of the entries of ``x`` that differ from ``fill_value``."""
    nd = x.ndim
    if nd == 0 or x.size == 0:
        flat = x.reshape(-1)
        keep = flat != np.asarray(fill_value, dtype=x.dtype)
        pos = np.flatnonzero(keep)
        coords = np.stack(np.unravel_index(pos, x.shape)) if nd else np.zeros((0, pos.size))
        return coords.astype(np.int64).reshape(nd, pos.size), flat[pos]
    xv, _, half = _kernel_view(x)
    fill = np.asarray(fill_value, dtype=x.dtype).reshape(1)
    fill = _kernel_view(fill)[0]
    rows = x.size // x.shape[-1]
    workers = threads(x.size)
    blocks = min(rows, 8 * configured_threads()) if workers > 1 else 1
    counts = np.zeros(blocks, dtype=np.int64)
    cap = _record_capacity(xv, fill, half, rows, blocks)
    where = np.empty(blocks * cap, dtype=np.int64)
    vals = np.empty(blocks * cap, dtype=xv.dtype)
    _coo.dense_count(xv, fill, half, counts, cap, where, vals, workers)
    starts = np.zeros(blocks + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    nnz = int(starts[-1])
    coords = np.empty((nd, nnz), dtype=np.int64)
    values = np.empty(nnz, dtype=x.dtype)
    _coo.dense_fill(xv, fill, half, starts, coords, _kernel_view(values)[0], cap, where, vals,
                    workers)
    return coords, values


#: Rows sampled to estimate the density, and the highest estimate read once.
_SAMPLE_ROWS = 32
_ONE_READ_DENSITY = 1 / 32


def _record_capacity(xv: np.ndarray, fill: np.ndarray, half: bool, rows: int,
                     blocks: int) -> int:
    """Entries each row block may record while counting (0: count, then read again).

    At low density the input is read once: the count pass keeps each block's
    entries, and the fill only copies them. The density is estimated from
    evenly spaced rows; a block with more entries than its room is read again,
    so a wrong estimate costs time, never correctness. The scratch holds 12-16
    bytes per expected entry, a quarter more than the estimate (the output
    itself takes ``8 * ndim`` plus the item size).
    """
    if rows < 4 * _SAMPLE_ROWS or not xv.flags.c_contiguous:
        return 0
    n = xv.shape[-1]
    sample = xv.reshape(rows, n)[:: rows // _SAMPLE_ROWS]
    hits = np.zeros(1, dtype=np.int64)
    _coo.dense_count(sample, fill, half, hits, 0, hits[:0], fill[:0])
    density = int(hits[0]) / sample.size
    if density > _ONE_READ_DENSITY:
        return 0
    per_block = -(-rows // blocks) * n
    return int(1.25 * density * per_block) + 1024


# ------------------------------------------------------------- canonical


def _reduce_dtype(values: np.ndarray, policy: str) -> tuple[np.ndarray, Any]:
    """Values as the kernel sees them, and the dtype to cast results back to."""
    if values.dtype == np.float16 and policy in {"sum", "min", "max"}:
        return values.astype(np.float32), np.float16
    return values, None


@pooled
def canonicalize(
    coords: np.ndarray, values: np.ndarray, shape: tuple[int, ...], policy: str
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None, bool]:
    """Sort and reduce by ``policy``: ``(coords, values, duplicate, is_canonical)``.

    ``duplicate`` is the first duplicated coordinate when ``policy == "error"``
    finds one (then the arrays are the inputs). ``IndexError`` for coordinates
    out of range.
    """
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    n = coords.shape[1]
    if n == 0:
        return coords, values, None, True
    shp = _shape_array(shape)
    total = 1
    for s in shape:
        total *= s
    key_bits = (total - 1).bit_length() if total > 0 else 0
    if total <= 2**63:
        return _canonical_keys(coords, values, shape, shp, key_bits, policy)
    return _canonical_general(coords, values, shape, shp, policy)


#: Average bucket size of the bucket sort (sorted in the L2 cache); a bucket
#: of 8 times that sends the input to the LSD sort (skewed keys).
_BUCKET = 16384
#: Smaller inputs, or shorter keys, take the plain LSD sort (tests lower these).
_MIN_BUCKET_INPUT = 1 << 16
_MIN_BUCKET_KEY_BITS = 17


def _top_bits(n: int, key_bits: int) -> int:
    """Bits of the bucket digit, or 0 for a plain LSD sort (small inputs, short keys).

    About ``n / _BUCKET`` buckets, and enough of them that a bucket's low key
    bits and an index below ``_max_bucket()`` fit one word.
    """
    if n < _MIN_BUCKET_INPUT or key_bits < _MIN_BUCKET_KEY_BITS:
        return 0
    packable = key_bits + _max_bucket().bit_length() - 64
    return max(1, packable, min(key_bits, 16, (n // _BUCKET).bit_length()))


def _max_bucket() -> int:
    """Entries above which a bucket means skewed keys (the input takes the LSD sort)."""
    return 8 * _BUCKET - 1


def _canonical_keys(
    coords: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, ...],
    shp: np.ndarray,
    key_bits: int,
    policy: str,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None, bool]:
    """Sort by row-major linear key and reduce: by buckets, or by an LSD radix sort."""
    # sorted input costs one read: a scan that stops at the first descent
    bad_axis, bad_col, status = _coo.scan(coords, shp, True)
    if bad_axis >= 0:
        raise out_of_range(coords, bad_axis, bad_col, shape)
    if status == ORDER_STRICT:
        return coords, values, None, True
    kv, back = _reduce_dtype(values, policy)
    kview, logical, _ = _kernel_view(kv)
    out = None
    if status == ORDER_UNSORTED:
        out = _canonical_buckets(coords, kview, shape, shp, key_bits, policy, logical)
    if out is None:
        out = _canonical_lsd(coords, kview, shape, shp, key_bits, policy, logical)
    out_coords, out_values, duplicate, is_canonical = out
    if duplicate is not None or out_values is kview:
        return coords, values, duplicate, is_canonical  # an error, or sorted already
    out_values = out_values.view(kv.dtype)
    if back is not None:
        out_values = out_values.astype(back)
    return out_coords, out_values, None, is_canonical


def _canonical_buckets(
    coords: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, ...],
    shp: np.ndarray,
    key_bits: int,
    policy: str,
    logical: bool,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None, bool] | None:
    """Bucket sort (``_ext.coo.partition_top`` + ``sort_buckets``); None: use the LSD sort.

    The keys wait in the last row of the output coordinates; the values are
    sorted in their own buffer, which becomes the output values. When the
    top bits do not spread the keys because they use fewer bits than the
    shape allows (a shape larger than the data), the partition is tried
    once more on the bits the largest key really has.
    """
    nd, n = coords.shape
    buf = np.empty(nd * n, dtype=np.int64)
    grid = buf.reshape(nd, n)
    keys = grid[nd - 1].view(np.uint64)
    vals = np.empty(n, dtype=values.dtype)
    for _ in range(2):
        top = _top_bits(n, key_bits)
        if not top:
            return None
        low, nbuck = key_bits - top, 1 << top
        starts = np.empty(nbuck + 1, dtype=np.int64)
        bad_axis, bad_col, skewed, largest_key = _buckets.partition_top(
            coords, shp, values, low, _max_bucket(), keys, vals, starts, threads(n)
        )
        if bad_axis >= 0:
            raise out_of_range(coords, bad_axis, bad_col, shape)
        if not skewed:
            break
        if largest_key.bit_length() >= key_bits:
            return None
        key_bits = largest_key.bit_length()
    else:
        return None
    runs = np.empty(nbuck, dtype=np.int64)
    code = POLICY_CODES[policy]
    _buckets.sort_buckets(keys, vals, starts, low, shp, code, logical, grid, runs, threads(n))
    del keys
    total = int(runs.sum())
    if policy == "error" and total < n:
        return coords, values, _first_duplicate(grid, starts, runs), False
    if policy in ("keep", "error") or total == n:
        return grid, vals, None, policy != "keep" or total == n
    del grid
    _buckets.compact(buf, vals, starts, runs, nd, threads(n))
    # the buffers own their memory and nothing else views them: shrink in place
    buf.resize(nd * total, refcheck=False)
    vals.resize(total, refcheck=False)
    return buf.reshape(nd, total), vals, None, True


def _first_duplicate(grid: np.ndarray, starts: np.ndarray, runs: np.ndarray) -> tuple[int, ...]:
    """The smallest coordinate that repeats, from the first bucket with fewer runs than entries."""
    b = int(np.flatnonzero(runs < np.diff(starts))[0])
    block = grid[:, starts[b] : starts[b + 1]]
    same = np.all(block[:, 1:] == block[:, :-1], axis=0)
    return tuple(int(c) for c in block[:, int(np.argmax(same))])


def _canonical_lsd(
    coords: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, ...],
    shp: np.ndarray,
    key_bits: int,
    policy: str,
    logical: bool,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None, bool]:
    """Linear keys (validated, histogrammed), LSD radix sort carrying values, reduce.

    Returns ``values`` itself (not a copy) when the input is in order already.
    """
    nd, n = coords.shape
    passes, width = _canon.digit_plan(key_bits)
    keys = np.empty(n, dtype=np.uint64)
    hist = np.zeros((passes, 1 << width), dtype=np.int64)
    bad_axis, bad_col, status = _canon.linear_keys(coords, shp, passes, width, keys, hist,
                                                   threads(n))
    if bad_axis >= 0:
        raise out_of_range(coords, bad_axis, bad_col, shape)
    if status == ORDER_STRICT:
        return coords, values, None, True
    if status == ORDER_UNSORTED:
        keys2 = np.empty(n, dtype=np.uint64)
        va = np.empty(n, dtype=values.dtype)
        vb = np.empty(n, dtype=values.dtype)
        done = _canon.radix_sort_kv(keys, keys2, values, va, vb, passes, width, hist, threads(n))
        keys, values = (keys2, va) if done % 2 else (keys, vb)
        del keys2, va, vb
    runs, first = _canon.count_runs_keys(keys)
    if policy == "error" and first >= 0:
        return coords, values, _unravel(int(keys[first]), shape), False
    n_out = n if policy == "keep" else runs
    if status == ORDER_NONDECREASING and policy == "keep":
        return coords, values, None, False  # sorted already, duplicates stay
    out_coords = np.empty((nd, n_out), dtype=np.int64)
    if status == ORDER_UNSORTED and n_out == n:
        # one value per output slot: the sorted buffer (ours) is the result, and
        # the kernel's writes into it are identities (slot o is read from o)
        out_values = values
    else:
        out_values = np.empty(n_out, dtype=values.dtype)
    _canon.reduce_keys(
        keys, shp, values, POLICY_CODES[policy], logical, out_coords, out_values, threads(n)
    )
    return out_coords, out_values, None, policy != "keep" or runs == n


def _unravel(key: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for s in reversed(shape):
        out.append(key % s)
        key //= s
    return tuple(reversed(out))


def _axis_groups(shape: tuple[int, ...]) -> list[tuple[int, int]]:
    """Runs of axes ``[first, stop)``, least significant first, whose size product fits 63 bits."""
    groups = []
    stop = len(shape)
    while stop > 0:
        first, prod = stop - 1, shape[stop - 1]
        while first > 0 and prod * max(shape[first - 1], 1) <= 2**63:
            first -= 1
            prod *= max(shape[first], 1)
        groups.append((first, stop))
        stop = first
    return groups


def _canonical_general(
    coords: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, ...],
    shp: np.ndarray,
    policy: str,
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None, bool]:
    nd, n = coords.shape
    bad_axis, bad_col, status = _coo.scan(coords, shp)
    if bad_axis >= 0:
        raise out_of_range(coords, bad_axis, bad_col, shape)
    if status == ORDER_STRICT:
        return coords, values, None, True
    perm = np.arange(n, dtype=np.int64)
    if status == ORDER_UNSORTED:
        identity = True
        keys = np.empty(n, dtype=np.uint64)
        keys2 = np.empty(n, dtype=np.uint64)
        perm2 = np.empty(n, dtype=np.int64)
        for first, stop in _axis_groups(shape):
            size = 1
            for s in shape[first:stop]:
                size *= s
            passes, width = _canon.digit_plan((size - 1).bit_length())
            hist = np.zeros((passes, 1 << width), dtype=np.int64)
            _canon.group_keys(coords, shp, first, stop, perm, identity, passes, width, keys, hist)
            identity = False
            if _canon.radix_sort_pairs(keys, perm, keys2, perm2, passes, width, hist):
                keys, keys2 = keys2, keys
                perm, perm2 = perm2, perm
        del keys, keys2, perm2
    runs, first_dup = _canon.count_runs_perm(coords, perm)
    if policy == "error" and first_dup >= 0:
        col = int(perm[first_dup])
        return coords, values, tuple(int(c) for c in coords[:, col]), False

    kv, back = _reduce_dtype(values, policy)
    kview, logical, _ = _kernel_view(kv)
    n_out = n if policy == "keep" else runs
    out_coords = np.empty((nd, n_out), dtype=np.int64)
    out_values = np.empty(n_out, dtype=kview.dtype)
    _canon.reduce_perm(coords, perm, kview, POLICY_CODES[policy], logical, out_coords, out_values)
    out_values = out_values.view(kv.dtype)
    if back is not None:
        out_values = out_values.astype(back)
    return out_coords, out_values, None, policy != "keep" or runs == n


# ------------------------------------------------------------ COO -> dense


@pooled
def coo_to_dense(
    coords: np.ndarray, values: np.ndarray, shape: tuple[int, ...], fill_value: Any
) -> np.ndarray:
    """Dense array with ``values`` at canonical ``coords`` and ``fill_value`` elsewhere."""
    out = np.full(shape, fill_value, dtype=values.dtype)
    if coords.shape[1] == 0 or out.size == 0:
        return out
    if coords.dtype != np.int64:
        coords = coords.astype(np.int64)
    flat = _kernel_view(out.reshape(-1))[0]
    bad = _coo.scatter(coords, _shape_array(shape), _kernel_view(values)[0], flat)
    if bad >= 0:  # only a COO built with check=False gets here
        axis = int(np.argmax((coords[:, bad] < 0) | (coords[:, bad] >= np.asarray(shape))))
        raise out_of_range(coords, axis, bad, shape)
    return out
