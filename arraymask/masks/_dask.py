"""The chunked (Dask) routes of the masks: top-k, isin, index masks, N:M groups.

Every block is computed by the topic's compiled kernel (:mod:`._kernels`,
NumPy chunks) or array-API twin (:mod:`._generic`, other chunk types);
nothing here calls back into the public modules. The checks that need values
(negative lengths, out-of-range indices) run inside the graph, when the
result is computed.

**Top-k** by a tree reduction of per-chunk candidates.
:func:`arraymask.topk_mask` (and the functions built on it:
``top_fraction_mask``, ``random_mask(exact=True)``, ``nm_mask``,
``nucleus_mask``) come here for a Dask input, after validation. The ranked
axis is never gathered into one chunk:

1. **candidates** — every chunk selects the top ``K = max(k)`` entries of each
   of its slices with the compiled radix-select kernel (ties: lower index) and
   keeps their values and *global* positions (``map_blocks``; a record array
   ``(value, index)`` of width ``min(K, chunk)`` along the axis);
2. **merge** — groups of :data:`SPLIT_EVERY` neighbouring candidate blocks are
   concatenated and cut back to the best ``K`` by the total order "value, then
   lower index" (a lexicographic sort of at most ``SPLIT_EVERY * K`` entries
   per slice), level after level, until one block remains per slice;
3. **threshold** — the ``k``-th best candidate ``(t, i_t)`` of each slice (its
   own ``k`` for a per-row ``k``);
4. **mask** — ``map_blocks`` over the input once more: an entry is True when
   it ranks strictly better than ``t``, or equals ``t`` with global index
   ``<= i_t`` (``ties="all"``: any index).

The union of every chunk's top ``K`` holds the global top ``K``, so the result
is exactly the in-memory mask: NaN ranks above ``+inf``, ``-0.0`` ties
``0.0``, ties go to the lower index. Every input chunk is used twice (steps
1 and 4); Dask computes it once and keeps it (in memory, or spilled) until the
thresholds of its slices are known, so the chunks of one band of slices are
held at a time, not the array. When the axis has a single chunk there is
nothing to reduce and nothing held: one ``map_blocks`` pass.
``axis=None`` reduces the candidates of all blocks with ``dask.delayed``
(global row-major positions). Per-task memory: one input chunk, or
``SPLIT_EVERY * K`` candidates per slice of a block.

Two cases take the simple route instead — the axis rechunked into one chunk,
each block ranked by its own namespace: chunks that are not NumPy arrays
(CuPy-backed Dask), and a per-row ``k`` computed from the data themselves
(``nucleus_mask``'s counts), whose largest value is unknown until computed.
Any other per-row ``k`` (NumPy, or a Dask array independent of ``x``) is read
at call time to size the candidates; it is small, and the data never are.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .._backend import (
    capabilities,
    host_chunks,
    host_view,
    is_lazy,
    namespace,
    require_known_chunks,
)
from .._validate import check_index_range, exact_values
from . import _generic, _kernels

__all__ = ["SPLIT_EVERY", "align_groups", "index", "isin", "topk"]

#: Candidate blocks merged per task in the tree reduction.
SPLIT_EVERY = 8


def topk(x: Any, k: Any, axis: int | None, *, largest: bool, ties: str) -> Any:
    """Lazy top-k mask of dask array ``x`` (arguments already validated).

    ``axis`` is normalised (or None), ``k`` a Python int or an integer array
    (NumPy or Dask) broadcasting against ``x.shape`` without ``axis``, within
    ``[0, n]``.

    >>> import numpy as np, dask.array as da
    >>> x = da.from_array(np.array([[3, 1, 4, 1, 5, 9, 2, 6]]), chunks=(1, 3))
    >>> m = topk(x, 3, 1, largest=True, ties="index")
    >>> m.chunks
    ((1,), (3, 3, 2))
    >>> m.compute().astype(int)
    array([[0, 0, 0, 0, 1, 1, 0, 1]])
    """
    import dask.array as da

    require_known_chunks(x, "x")
    if x.dtype == np.bool_:
        x = x.astype(np.uint8)
    if 0 in x.shape:
        return da.zeros(x.shape, chunks=x.chunks, dtype=bool)
    if axis is None:
        kmax = int(k)
        if kmax == 0:
            return da.zeros(x.shape, chunks=x.chunks, dtype=bool)
        if x.npartitions == 1 or not host_chunks(x):
            whole = x.rechunk({i: -1 for i in range(x.ndim)})
            return _whole_slices(whole, kmax, None, largest=largest, ties=ties).rechunk(x.chunks)
        return _global(x, kmax, largest=largest, ties=ties)
    lazy_k = _derived_from(k, x)  # nucleus_mask's counts: max(k) would read the data
    kmax = k if isinstance(k, int) else (-1 if lazy_k else _max_of(k))
    if kmax == 0:
        return da.zeros(x.shape, chunks=x.chunks, dtype=bool)
    if len(x.chunks[axis]) == 1 or lazy_k or not host_chunks(x):
        rows = x.rechunk({axis: -1})
        return _whole_slices(rows, k, axis, largest=largest, ties=ties)
    return _tree(x, k, kmax, axis, largest=largest, ties=ties)


def _derived_from(k: Any, x: Any) -> bool:
    """``k`` is a Dask array computed from ``x`` (they share graph layers)."""
    if not is_lazy(k) or isinstance(k, int):
        return False
    return bool(set(k.dask.layers) & set(x.dask.layers))


def _max_of(k: Any) -> int:
    """Largest requested count; a Dask ``k`` independent of the data is computed (small)."""
    if is_lazy(k):
        return int(k.max().compute()) if k.size else 0
    arr = np.asarray(k)
    return int(arr.max()) if arr.size else 0


def _k_blocks(k: Any, x: Any, axis: int) -> Any:
    """``k`` as a dask array shaped like ``x`` with ``axis`` of length 1, chunked alike."""
    import dask.array as da

    batch = x.shape[:axis] + x.shape[axis + 1 :]
    kb = da.broadcast_to(da.asarray(k), batch)
    kb = da.expand_dims(kb, axis)
    return kb.rechunk((*x.chunks[:axis], (1,), *x.chunks[axis + 1 :]))


# ---------------------------------------------------------------- one chunk per slice


def _rank_block(block: Any, k: Any, *, axis: int | None, largest: bool, ties: str) -> Any:
    """Top-k of one block holding whole slices: compiled kernel, else the twin."""
    bxp = namespace(block)
    if not isinstance(k, int) and axis is not None:
        k = namespace(k).squeeze(k, axis=axis)
    host = host_view(block)
    k_host = k if isinstance(k, int) else host_view(k)
    if host is not None and k_host is not None and _kernels.topk_supported(host):
        return _kernels.topk(host, k_host, axis, largest=largest, ties=ties)
    return _generic.topk(block, k, axis, bxp, largest=largest, ties=ties)


def _whole_slices(x: Any, k: Any, axis: int | None, *, largest: bool, ties: str) -> Any:
    import dask.array as da

    fn = functools.partial(_rank_block, axis=axis, largest=largest, ties=ties)
    meta = x._meta.astype(bool) if hasattr(x._meta, "astype") else None
    if isinstance(k, int):
        return da.map_blocks(fn, x, k=k, dtype=bool, meta=meta)
    return da.map_blocks(fn, x, _k_blocks(k, x, axis), dtype=bool, meta=meta)  # type: ignore[arg-type]


# ---------------------------------------------------------------- tree along an axis


def _record(dtype: Any) -> np.dtype:
    return np.dtype([("v", np.dtype(dtype)), ("i", np.int64)])


def _select(block: np.ndarray, kc: int, axis: int | None, largest: bool) -> np.ndarray:
    """Mask of the top ``kc`` of every slice (ties: lower index), compiled kernel."""
    return _kernels.topk(block, kc, axis, largest=largest, ties="index")


def _candidates(block: np.ndarray, *, kmax: int, axis: int, largest: bool,
                block_info: Any = None) -> np.ndarray:
    """Values and global positions of the top ``min(kmax, chunk)`` of each slice."""
    offset = block_info[0]["array-location"][axis][0]
    c = block.shape[axis]
    kc = min(kmax, c)
    moved = np.moveaxis(block, axis, -1)
    chosen = np.nonzero(np.moveaxis(_select(block, kc, axis, largest), axis, -1))
    out = np.empty((*moved.shape[:-1], kc), dtype=_record(block.dtype))
    out["v"] = moved[chosen].reshape(out.shape)
    out["i"] = (chosen[-1] + offset).reshape(out.shape)
    return np.moveaxis(out, -1, axis)


def _best_first(moved: np.ndarray, kc: int, largest: bool) -> np.ndarray:
    """The best ``kc`` records along the last axis, best first (value, then lower index)."""
    v, i = moved["v"], moved["i"]
    if largest:
        order = np.lexsort((-i, v), axis=-1)[..., ::-1][..., :kc]
    else:
        order = np.lexsort((i, v), axis=-1)[..., :kc]
    return np.take_along_axis(moved, order, axis=-1)


def _merge(block: np.ndarray, *, kmax: int, axis: int, largest: bool) -> np.ndarray:
    moved = np.moveaxis(block, axis, -1)
    kc = min(kmax, moved.shape[-1])
    return np.moveaxis(_best_first(moved, kc, largest), -1, axis)


def _threshold_record(dtype: Any) -> np.dtype:
    return np.dtype([("t", np.dtype(dtype)), ("i", np.int64), ("on", np.bool_)])


def _threshold(block: np.ndarray, k: Any, *, axis: int) -> np.ndarray:
    """The ``k``-th best candidate ``(t, i_t)`` of each slice; ``on`` is ``k > 0``."""
    moved = np.moveaxis(block, axis, -1)
    width = moved.shape[-1]
    kk = np.broadcast_to(np.asarray(k) if isinstance(k, int)
                         else np.moveaxis(np.asarray(k), axis, -1)[..., 0], moved.shape[:-1])
    pos = np.clip(kk.astype(np.int64) - 1, 0, width - 1)[..., None]
    out = np.empty((*moved.shape[:-1], 1), dtype=_threshold_record(moved.dtype["v"]))
    out["t"] = np.take_along_axis(moved["v"], pos, axis=-1)
    out["i"] = np.take_along_axis(moved["i"], pos, axis=-1)
    out["on"] = (kk > 0)[..., None]
    return np.moveaxis(out, -1, axis)


def _compare(block: np.ndarray, t: np.ndarray, largest: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(strictly better than t, equal to t)`` with NaN above +inf and all NaNs equal."""
    if block.dtype.kind == "f":
        tn = np.isnan(t)
        if not tn.any():  # the usual case: two comparisons, NaN handled by their rules
            better = np.less_equal(block, t) if largest else np.less(block, t)
            if largest:
                np.logical_not(better, out=better)  # NaN <= t is False: NaN ranks above t
            return better, np.equal(block, t)
        xn = np.isnan(block)
        better = ((block > t) | (xn & ~tn)) if largest else ((block < t) | (~xn & tn))
        return better, (block == t) | (xn & tn)
    return (block > t) if largest else (block < t), block == t


def _drop_late_ties(equal: np.ndarray, position_of: Any, last: np.ndarray) -> np.ndarray:
    """Clear the entries of ``equal`` whose global position exceeds ``last`` (few entries)."""
    where = np.nonzero(equal)
    if where[0].size:
        late = position_of(where) > np.broadcast_to(last, equal.shape)[where]
        if late.any():
            equal[tuple(w[late] for w in where)] = False
    return equal


def _final(block: np.ndarray, thr: np.ndarray, *, axis: int, largest: bool, ties: str,
           block_info: Any = None) -> np.ndarray:
    better, equal = _compare(block, thr["t"], largest)
    if ties == "index" and block.ndim:
        offset = block_info[0]["array-location"][axis][0]
        equal = _drop_late_ties(equal, lambda where: where[axis] + offset, thr["i"])
    better |= equal
    on = thr["on"]
    if not on.all():
        better &= on
    return better


def _tree(x: Any, k: Any, kmax: int, axis: int, *, largest: bool, ties: str) -> Any:
    import dask.array as da

    rec = _record(x.dtype)
    meta = np.empty((0,) * x.ndim, dtype=rec)
    chunks = list(x.chunks)
    chunks[axis] = tuple(min(kmax, c) for c in x.chunks[axis])
    cand = da.map_blocks(_candidates, x, kmax=kmax, axis=axis, largest=largest,
                         chunks=tuple(chunks), dtype=rec, meta=meta)
    merge = functools.partial(_merge, kmax=kmax, axis=axis, largest=largest)
    while len(cand.chunks[axis]) > 1:
        widths = cand.chunks[axis]
        groups = tuple(sum(widths[i : i + SPLIT_EVERY]) for i in range(0, len(widths), SPLIT_EVERY))
        cand = cand.rechunk({axis: groups})
        chunks = list(cand.chunks)
        chunks[axis] = tuple(min(kmax, g) for g in groups)
        cand = da.map_blocks(merge, cand, chunks=tuple(chunks), dtype=rec, meta=meta)
    trec = _threshold_record(x.dtype)
    tmeta = np.empty((0,) * x.ndim, dtype=trec)
    chunks = list(cand.chunks)
    chunks[axis] = (1,)
    if isinstance(k, int):
        thr = da.map_blocks(_threshold, cand, k=k, axis=axis, chunks=tuple(chunks), dtype=trec,
                            meta=tmeta)
    else:
        thr = da.map_blocks(_threshold, cand, _k_blocks(k, cand, axis), axis=axis,
                            chunks=tuple(chunks), dtype=trec, meta=tmeta)
    return da.map_blocks(_final, x, thr, axis=axis, largest=largest, ties=ties, dtype=bool,
                         meta=np.empty((0,) * x.ndim, dtype=bool))


# ---------------------------------------------------------------- axis=None


def _flat_candidates(block: np.ndarray, offsets: tuple[int, ...], shape: tuple[int, ...],
                     kmax: int, largest: bool) -> np.ndarray:
    """Top ``min(kmax, block.size)`` of a block with global row-major positions."""
    kc = min(kmax, block.size)
    chosen = _select(block, kc, None, largest)
    out = np.empty(kc, dtype=_record(block.dtype))
    out["v"] = block[chosen]
    local = np.nonzero(chosen)
    coords = tuple(c + o for c, o in zip(local, offsets, strict=True))
    out["i"] = np.ravel_multi_index(coords, shape)
    return out


def _flat_merge(*parts: np.ndarray, kmax: int, largest: bool) -> np.ndarray:
    both = np.concatenate(parts)
    return _best_first(both, min(kmax, both.shape[0]), largest)


def _flat_threshold(cand: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((), dtype=_threshold_record(cand.dtype["v"]))
    out["t"] = cand["v"][k - 1]
    out["i"] = cand["i"][k - 1]
    out["on"] = True
    return out


def _final_global(block: np.ndarray, thr: np.ndarray, *, shape: tuple[int, ...],
                  largest: bool, ties: str, block_info: Any = None) -> np.ndarray:
    better, equal = _compare(block, thr["t"], largest)
    if ties == "index" and block.ndim:
        offsets = [lo for lo, _ in block_info[0]["array-location"]]

        def position_of(where: tuple[np.ndarray, ...]) -> np.ndarray:
            coords = tuple(w + o for w, o in zip(where, offsets, strict=True))
            return np.ravel_multi_index(coords, shape)

        equal = _drop_late_ties(equal, position_of, thr["i"])
    better |= equal
    return better


def _global(x: Any, k: int, *, largest: bool, ties: str) -> Any:
    """``axis=None``: candidates of every block reduced with ``dask.delayed``."""
    import dask
    import dask.array as da

    starts = [np.concatenate(([0], np.cumsum(c[:-1]))) for c in x.chunks]
    shape = tuple(int(s) for s in x.shape)
    blocks = x.to_delayed(optimize_graph=False)  # keys shared with the mask pass
    cands = []
    for index in np.ndindex(*blocks.shape):
        offsets = tuple(int(starts[d][i]) for d, i in enumerate(index))
        cands.append(dask.delayed(_flat_candidates, pure=True)(blocks[index], offsets, shape,
                                                               k, largest))
    merge = functools.partial(_flat_merge, kmax=k, largest=largest)
    while len(cands) > 1:
        cands = [dask.delayed(merge, pure=True)(*cands[i : i + SPLIT_EVERY])
                 for i in range(0, len(cands), SPLIT_EVERY)]
    trec = _threshold_record(x.dtype)
    thr = da.from_delayed(dask.delayed(_flat_threshold, pure=True)(cands[0], k), shape=(),
                          dtype=trec, meta=np.empty((), dtype=trec))
    return da.map_blocks(_final_global, x, thr, shape=shape, largest=largest, ties=ties,
                         dtype=bool, meta=np.empty((0,) * x.ndim, dtype=bool))


# ---------------------------------------------------------------- N:M groups


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


# ---------------------------------------------------------------- isin


def isin(x: Any, values: Any, invert: bool) -> Any:
    """Lazy ``isin``: every block on its own, the values whole.

    ``values`` is a NumPy array already reduced to the values exact in
    ``x.dtype``, or a Dask array (made exact per block, in the graph).
    """
    import dask.array as da

    if is_lazy(values):
        vals = values.reshape(-1).rechunk(-1)
        index = tuple(range(x.ndim))
        return da.blockwise(
            _isin_block, index, x, index, vals, (x.ndim,),
            concatenate=True, dtype=bool, exact=False, invert=invert,
        )
    return x.map_blocks(functools.partial(_isin_block, values=values, exact=True,
                                          invert=invert), dtype=bool)


def _isin_block(block: Any, values: Any, *, exact: bool, invert: bool) -> Any:
    if not exact:
        values = exact_values(np.asarray(values), np.dtype(block.dtype))
    host = host_view(block)
    if host is not None:
        return _kernels.isin(host, values, invert)
    bxp = namespace(block)
    return _generic.isin(block, _generic.device_values(values, block, bxp), None, invert, bxp)


# ---------------------------------------------------------------- index masks


def index(idx: Any, size: int) -> Any:
    """Lazy index mask: blocks of rows (the last axis in one chunk), checked when computed."""
    idx = idx.rechunk({idx.ndim - 1: -1})
    return idx.map_blocks(
        _index_block, size, chunks=(*idx.chunks[:-1], (size,)), dtype=bool
    )


def _index_block(block: Any, size: int) -> Any:
    check_index_range(block, size, "indices")
    bxp = namespace(block)
    if capabilities(bxp).scatter:
        return _generic.index_scatter(block, size, bxp)
    return _generic.index_compare(block, size, bxp)
