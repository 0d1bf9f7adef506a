"""The chunked (Dask) route of the sparse topic: COO block by block, combined lazily.

:meth:`arraymask.sparse.COO.from_dense` and :meth:`~arraymask.sparse.COO.from_mask`
come here for a Dask input. Every block is converted on its own -- by the
compiled kernel (:mod:`._kernels`) for NumPy chunks, by the array-API twin
(:mod:`._generic`) for other chunk types -- its coordinates shifted by the
block's position, and the per-block results are combined lazily into the
pieces of a ``LazyCOO`` (defined in :mod:`.coo`) whose ``coords`` and
``values`` are dask arrays of unknown length.

Concatenating per-block canonical results in block order is already canonical
when the blocks tile the array in row-major order: some axis ``d`` is chunked
freely, every axis before it has chunks of length 1 and every axis after it a
single chunk ("row bands", the usual layout); then nothing else is done. Any
other chunking is never rechunked densely: the blocks are merged as *sparse*
data, by one compiled canonical sort (O(nnz) radix) per slab, and the slabs
are concatenated in order. The slabs run along the first axis of extent
above 1 when it is chunked (a band of rows for a 2-D tiling); otherwise, as
any other split would interleave rows, one merge takes every block. A merge
task holds its slab's entries, not its dense data.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._backend import device_of, host_view, namespace, new_array
from . import _generic, _kernels

__all__ = [
    "Pieces",
    "block_offsets",
    "compute_nnz",
    "dense_blocks",
    "from_dense",
    "from_mask",
    "persist",
    "pieces_to_dask",
    "to_dask",
]


class Pieces:
    """The lazy state of a COO built from a chunked array.

    ``parts``: delayed ``(coords, values)`` pairs in row-major order;
    ``chunks``: the chunks of the dense source; ``owner``: for every dense
    block, the part that holds its entries; ``meta``: the source's meta.
    """

    __slots__ = ("chunks", "meta", "owner", "parts")

    def __init__(self, parts: list[Any], chunks: tuple, owner: np.ndarray, meta: Any) -> None:
        self.parts = tuple(parts)
        self.chunks = tuple(chunks)
        self.owner = owner
        self.meta = meta

    def arrays(self, ndim: int, dtype: Any) -> tuple[Any, Any]:
        """Lazy ``(coords, values)`` of unknown length, concatenated from the parts."""
        import dask.array as da

        cmeta = np.empty((ndim, 0), dtype=np.int64)
        vmeta = self.meta.reshape(-1)[:0] if hasattr(self.meta, "reshape") else None
        coords = da.concatenate(
            [da.from_delayed(p[0], shape=(ndim, math.nan), dtype=np.int64, meta=cmeta)
             for p in self.parts], axis=1)
        values = da.concatenate(
            [da.from_delayed(p[1], shape=(math.nan,), dtype=dtype, meta=vmeta)
             for p in self.parts], axis=0)
        return coords, values


def block_offsets(chunks: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
    """Start of every chunk along every axis."""
    return [np.concatenate(([0], np.cumsum(c[:-1], dtype=np.int64))).astype(np.int64)
            if c else np.zeros(0, np.int64) for c in chunks]


def _tiles_row_major(chunks: tuple[tuple[int, ...], ...]) -> bool:
    """The blocks, in C order, cover the array in row-major order."""
    ndim = len(chunks)
    for d in range(ndim + 1):
        before = all(all(c == 1 for c in chunks[a]) for a in range(d))
        after = all(len(chunks[a]) == 1 for a in range(d + 1, ndim))
        if before and after:
            return True
    return False


def _slab_axis(chunks: tuple[tuple[int, ...], ...]) -> int | None:
    """Axis whose chunks cut the array into slabs in row-major order, or None (one slab).

    The first axis of extent above 1 orders the entries first; slabs along
    it are in order, slabs along any later axis would interleave.
    """
    for axis, sizes in enumerate(chunks):
        if sum(sizes) > 1:
            return axis if len(sizes) > 1 else None
    return None


# ------------------------------------------------------------------ block work


def _block_coo(x: Any, fill_value: Any) -> tuple[Any, Any]:
    """Canonical ``(coords, values)`` of one dense block: kernel or twin."""
    host = host_view(x)
    if host is not None and _kernels.handles(host.dtype, host.ndim):
        return _kernels.dense_to_coo(host, fill_value)
    return _generic.dense_to_coo(x, fill_value, namespace(x))


def _shift(coords: Any, offsets: tuple[int, ...]) -> Any:
    """Block coordinates moved to the block's position in the whole array."""
    if offsets and any(offsets):
        xp = namespace(coords)
        shift = new_array(np.asarray(offsets, dtype=np.int64)[:, None], xp,
                          device=device_of(coords), dtype=coords.dtype)
        coords = coords + shift
    return coords


def _dense_block(block: Any, offsets: tuple[int, ...], fill_value: Any) -> tuple[Any, Any]:
    coords, values = _block_coo(block, fill_value)
    return _shift(coords, offsets), values


def _mask_block(mask: Any, values: Any, offsets: tuple[int, ...]) -> tuple[Any, Any]:
    coords, _ = _block_coo(mask, False)
    hv, hc = host_view(values), host_view(coords)
    if hv is not None and hc is not None:
        gathered = _kernels.gather(hv, hc)
    else:
        shape = tuple(int(s) for s in mask.shape)
        gathered = _generic.gather(values, coords, shape, namespace(values))
    return _shift(coords, offsets), gathered


def _merge_slab(*pieces: tuple[Any, Any], shape: tuple[int, ...]) -> tuple[Any, Any]:
    """Canonical entries of one slab from its blocks' canonical pieces (sparse merge)."""
    xp = namespace(pieces[0][1])
    coords = xp.concat([p[0] for p in pieces], axis=1)
    values = xp.concat([p[1] for p in pieces])
    hc, hv = host_view(coords), host_view(values)
    if hc is not None and hv is not None and _kernels.handles(hv.dtype, len(shape)):
        merged = _kernels.canonicalize(hc, hv, shape, "sum")
    else:
        merged = _generic.canonicalize(coords, values, shape, "sum", xp)
    return merged[0], merged[1]


def _parts(arrays: list[Any], fn: Any, shape: tuple[int, ...], *extra: Any
           ) -> tuple[list[Any], np.ndarray]:
    """Delayed ``(coords, values)`` pieces in row-major order, and each block's piece.

    One piece per block when the blocks tile the array in row-major order;
    else one per slab (its blocks merged).
    """
    import dask

    chunks = arrays[0].chunks
    starts = block_offsets(chunks)
    # optimize_graph=False keeps the blocks' keys: shared with other uses, computed once
    grids = [a.to_delayed(optimize_graph=False) for a in arrays]
    grid = grids[0].shape
    blocks = {}
    for index in np.ndindex(*grid):
        offsets = tuple(int(starts[d][i]) for d, i in enumerate(index))
        blocks[index] = dask.delayed(fn, pure=True, nout=2)(*(g[index] for g in grids), offsets,
                                                            *extra)
    if _tiles_row_major(chunks):
        return list(blocks.values()), np.arange(len(blocks), dtype=np.int64).reshape(grid)
    axis = _slab_axis(chunks)
    owner = np.empty(grid, dtype=np.int64)
    parts = []
    for i in range(1 if axis is None else grid[axis]):
        slab = [piece for index, piece in blocks.items() if axis is None or index[axis] == i]
        where: list[Any] = [slice(None)] * len(grid)
        if axis is not None:
            where[axis] = i
        owner[tuple(where)] = i
        parts.append(dask.delayed(_merge_slab, pure=True, nout=2)(*slab, shape=shape))
    return parts, owner


def from_dense(x: Any, shape: tuple[int, ...], fill_value: Any) -> Pieces:
    """Lazy canonical pieces of dense dask array ``x`` (arguments already checked)."""
    parts, owner = _parts([x], _dense_block, shape, fill_value)
    return Pieces(parts, x.chunks, owner, x._meta)


def from_mask(mask: Any, values: Any, shape: tuple[int, ...]) -> Pieces:
    """Lazy canonical pieces of the True entries of a boolean dask array.

    ``values`` is None (all True) or a dask array of the mask's shape.
    """
    if values is None:
        return from_dense(mask, shape, False)
    values = values.rechunk(mask.chunks)  # a no-op when both are chunked alike
    parts, owner = _parts([mask, values], _mask_block, shape)
    return Pieces(parts, mask.chunks, owner, values._meta)


# ------------------------------------------------------------------ lazy results


def compute_nnz(values: Any) -> int:
    """Number of entries of lazy ``values`` (computes the blocks)."""
    if not math.isnan(values.shape[0]):
        return int(values.shape[0])
    sizes = values.map_blocks(lambda b: np.asarray([b.shape[0]]), chunks=(1,), dtype=np.int64)
    return int(sizes.sum().compute())


def persist(pieces: Pieces, **kwargs: Any) -> Pieces:
    """The same pieces with their blocks computed and kept (in the cluster)."""
    import dask

    parts = dask.persist(*pieces.parts, **kwargs)
    return Pieces(list(parts), pieces.chunks, pieces.owner, pieces.meta)


def _blocks(pieces: Pieces) -> Iterator[tuple[tuple[int, ...], Any, tuple[int, ...],
                                             tuple[int, ...], bool]]:
    """Per dense block: index, its piece, offsets, shape, whether to crop the piece."""
    starts = block_offsets(pieces.chunks)
    per_part = np.bincount(pieces.owner.reshape(-1), minlength=len(pieces.parts))
    for index in np.ndindex(*pieces.owner.shape):
        part = pieces.parts[int(pieces.owner[index])]
        offsets = tuple(int(starts[d][i]) for d, i in enumerate(index))
        bshape = tuple(c[i] for c, i in zip(pieces.chunks, index, strict=True))
        yield index, part, offsets, bshape, bool(per_part[pieces.owner[index]] > 1)


def _local(coords: Any, values: Any, offsets: tuple[int, ...], shape: tuple[int, ...],
           crop: bool) -> tuple[Any, Any]:
    """Entries of one dense block, in the block's own coordinates."""
    if not offsets:
        return coords, values
    xp = namespace(coords)
    lo = new_array(np.asarray(offsets, dtype=np.int64)[:, None], xp, device=device_of(coords),
                   dtype=coords.dtype)
    local = coords - lo
    if crop:  # the piece covers a whole slab: keep this block's entries (order is kept)
        hi = new_array(np.asarray(shape, dtype=np.int64)[:, None], xp, device=device_of(coords),
                       dtype=coords.dtype)
        inside = xp.all((local >= 0) & (local < hi), axis=0)
        local, values = local[:, inside], values[inside]
    return local, values


def _block_to_dense(coords: Any, values: Any, offsets: tuple[int, ...],
                    shape: tuple[int, ...], crop: bool, fill_value: Any) -> Any:
    local, values = _local(coords, values, offsets, shape, crop)
    hc, hv = host_view(local), host_view(values)
    if hc is not None and hv is not None and _kernels.handles(hv.dtype, len(shape)):
        return _kernels.coo_to_dense(hc, hv, shape, fill_value)
    return _generic.coo_to_dense(local, values, shape, fill_value, namespace(values))


def _block_to_pydata(coords: Any, values: Any, offsets: tuple[int, ...],
                     shape: tuple[int, ...], crop: bool) -> Any:
    import sparse

    local, values = _local(coords, values, offsets, shape, crop)
    return sparse.COO(np.asarray(local), np.asarray(values), shape=shape, has_duplicates=False,
                      sorted=True)


def dense_blocks(pieces: Pieces, dtype: Any, fill_value: Any) -> Any:
    """Lazy dense dask array (chunked like the source), block by block."""
    import dask
    import dask.array as da

    grid = tuple(len(c) for c in pieces.chunks)
    meta = pieces.meta[(slice(0, 0),) * len(grid)] if grid else None
    blocks = np.empty(grid, dtype=object)
    for index, part, offsets, bshape, crop in _blocks(pieces):
        task = dask.delayed(_block_to_dense, pure=True)(part[0], part[1], offsets, bshape,
                                                        crop, fill_value)
        blocks[index] = da.from_delayed(task, shape=bshape, dtype=dtype, meta=meta)
    if not grid:
        return blocks[()]
    return da.block(blocks.tolist())


def pieces_to_dask(pieces: Pieces, dtype: Any) -> Any:
    """Dask array of pydata ``sparse.COO`` chunks, chunked like the source."""
    import dask
    import dask.array as da
    import sparse

    grid = tuple(len(c) for c in pieces.chunks)
    meta = sparse.COO.from_numpy(np.empty((0,) * len(grid), dtype=dtype))
    blocks = np.empty(grid, dtype=object)
    for index, part, offsets, bshape, crop in _blocks(pieces):
        task = dask.delayed(_block_to_pydata, pure=True)(part[0], part[1], offsets, bshape,
                                                         crop)
        blocks[index] = da.from_delayed(task, shape=bshape, dtype=dtype, meta=meta)
    return da.block(blocks.tolist()) if grid else blocks[()]


def to_dask(pydata: Any, chunks: Any, *, dense: bool) -> Any:
    """Dask array of an in-memory COO already converted to pydata ``sparse.COO``."""
    import dask.array as da

    out = da.from_array(pydata, chunks=chunks, asarray=False, fancy=False)
    if dense:
        return out.map_blocks(lambda b: b.todense(), dtype=out.dtype,
                              meta=np.empty((0,) * out.ndim, dtype=out.dtype))
    return out
