"""COO of chunked Dask arrays: block by block, combined lazily.

:meth:`arraymask.sparse.COO.from_dense` and :meth:`~arraymask.sparse.COO.from_mask`
come here for a Dask input. Every block is converted on its own by the
compiled kernel (the NumPy route of ``COO.from_dense``; other chunk types take
their own namespace's route), its coordinates shifted by the block's position,
and the per-block results are combined lazily into a :class:`LazyCOO` whose
``coords`` and ``values`` are dask arrays of unknown length (``nnz`` is known
only once computed).

Concatenating per-block canonical results in block order is already canonical
when the blocks tile the array in row-major order: some axis ``d`` is chunked
freely, every axis before it has chunks of length 1 and every axis after it a
single chunk ("row bands", the usual layout); then nothing else is done. Any
other chunking is never rechunked densely: the blocks of each slab along the
first chunked axis (a band of rows for a 2-D tiling) are merged as *sparse*
data, by one compiled canonical sort (O(nnz) radix) of their concatenated
entries, and the slabs are concatenated in order. A merge task holds one
slab's entries, not its dense data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..sparse.coo import COO
from ._common import block_offsets, require_known_chunks

__all__ = ["LazyCOO", "from_dense", "from_mask", "to_dask"]

def _tiles_row_major(chunks: tuple[tuple[int, ...], ...]) -> bool:
    """The blocks, in C order, cover the array in row-major order."""
    ndim = len(chunks)
    for d in range(ndim + 1):
        before = all(all(c == 1 for c in chunks[a]) for a in range(d))
        after = all(len(chunks[a]) == 1 for a in range(d + 1, ndim))
        if before and after:
            return True
    return False


# ------------------------------------------------------------------ block work


def _shift(coo: Any, offsets: tuple[int, ...]) -> tuple[Any, Any]:
    """Global coordinates and values of a block's COO."""
    from .. import _backend

    coords = coo.coords
    if offsets and any(offsets):
        xp = _backend.namespace(coords)
        shift = xp.asarray(np.asarray(offsets, dtype=np.int64)[:, None], dtype=coords.dtype,
                           device=_backend.device_of(coords))
        coords = coords + shift
    return coords, coo.values


def _dense_block(block: Any, offsets: tuple[int, ...], fill_value: Any) -> tuple[Any, Any]:
    from ..sparse.coo import COO

    return _shift(COO.from_dense(block, fill_value=fill_value), offsets)


def _mask_block(mask: Any, values: Any, offsets: tuple[int, ...]) -> tuple[Any, Any]:
    from ..sparse.coo import COO

    return _shift(COO.from_mask(mask, values), offsets)


def _merge_slab(*pieces: tuple[Any, Any], shape: tuple[int, ...]) -> tuple[Any, Any]:
    """Canonical entries of one slab from its blocks' canonical pieces (sparse merge)."""
    from .. import _backend

    coords = [p[0] for p in pieces]
    values = [p[1] for p in pieces]
    xp = _backend.namespace(values[0])
    merged = COO._from_trusted(xp.concat(coords, axis=1), xp.concat(values), shape,
                               canonical=False, xp=xp).canonical("sum")
    return merged.coords, merged.values


def _parts(arrays: list[Any], fn: Any, shape: tuple[int, ...], *extra: Any
           ) -> tuple[list[Any], np.ndarray]:
    """Delayed ``(coords, values)`` pieces in row-major order, and each block's piece.

    One piece per block when the blocks tile the array in row-major order;
    else one per slab along the first chunked axis (its blocks merged).
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
    axis = next(a for a, c in enumerate(chunks) if len(c) > 1)
    owner = np.empty(grid, dtype=np.int64)
    parts = []
    for i in range(grid[axis]):
        slab = [piece for index, piece in blocks.items() if index[axis] == i]
        where: list[Any] = [slice(None)] * len(grid)
        where[axis] = i
        owner[tuple(where)] = i
        parts.append(dask.delayed(_merge_slab, pure=True, nout=2)(*slab, shape=shape))
    return parts, owner


def from_dense(cls: Any, x: Any, fill_value: Any) -> LazyCOO:
    """Lazy canonical COO of a dask array (``fill_value`` already checked).

    >>> import numpy as np, dask.array as da
    >>> from arraymask.sparse import COO
    >>> c = COO.from_dense(da.from_array(np.eye(3), chunks=(1, 3)))
    >>> c
    COO(shape=(3, 3), nnz=?, dtype=float64, lazy: 3 pieces, canonical=True)
    >>> c.compute().coords.tolist()
    [[0, 1, 2], [0, 1, 2]]
    """
    from ..sparse.coo import _checked_shape

    require_known_chunks(x, "x")
    from .. import _backend

    shape = _checked_shape(tuple(int(s) for s in x.shape), _backend.namespace(x))
    parts, owner = _parts([x], _dense_block, shape, fill_value)
    return LazyCOO._lazy(parts, x.chunks, owner, shape, x.dtype, x._meta)


def from_mask(cls: Any, mask: Any, values: Any) -> LazyCOO:
    """Lazy canonical COO of the True entries of a boolean dask array.

    >>> import numpy as np, dask.array as da
    >>> from arraymask.sparse import COO
    >>> m = da.from_array(np.array([[True, False], [False, True]]), chunks=1)
    >>> COO.from_mask(m, da.from_array(np.array([[1, 2], [3, 4]]))).compute().values.tolist()
    [1, 4]
    """
    import dask.array as da

    from .. import _backend
    from ..sparse.coo import _checked_shape

    require_known_chunks(mask, "mask")
    shape = _checked_shape(tuple(int(s) for s in mask.shape), _backend.namespace(mask))
    if values is None:
        parts, owner = _parts([mask], _dense_block, shape, False)
        return LazyCOO._lazy(parts, mask.chunks, owner, shape, mask.dtype, mask._meta)
    if not hasattr(values, "dask"):
        values = da.asarray(values)
    require_known_chunks(values, "values")
    if tuple(values.shape) != shape:
        raise ValueError(
            f"values must have the shape of mask {shape}, got {tuple(values.shape)}"
        )
    values = values.rechunk(mask.chunks)  # a no-op when both are chunked alike
    parts, owner = _parts([mask, values], _mask_block, shape)
    return LazyCOO._lazy(parts, mask.chunks, owner, shape, values.dtype, values._meta)


# ------------------------------------------------------------------ the container


class LazyCOO(COO):
    """A canonical COO whose ``coords`` and ``values`` are lazy dask arrays.

    Returned by ``COO.from_dense`` / ``COO.from_mask`` for a Dask input;
    ``isinstance(c, COO)`` holds. ``coords`` is ``(ndim, nnz)`` and
    ``values`` ``(nnz,)`` with ``nnz`` unknown (NaN) until computed; one
    block of each per input block, in row-major order. Nothing runs until
    asked: :meth:`compute` gives an in-memory (NumPy) ``COO``;
    :meth:`to_dense` a lazy dense dask array; :meth:`to_dask` a dask
    array of pydata ``sparse.COO`` chunks; the exporters (``to_scipy``,
    ``to_torch``, ``to_pydata``, ``to_tensorflow``, ``to_cupyx``)
    compute first. ``nnz`` raises until computed: use
    :meth:`compute_nnz` (computes the blocks) or ``compute().nnz``.
    """

    __slots__ = ("_chunks", "_meta", "_owner", "_parts")
    _chunks: tuple
    _meta: Any
    _owner: np.ndarray
    _parts: tuple

    @classmethod
    def _lazy(cls, parts: list[Any], chunks: tuple, owner: np.ndarray, shape: tuple[int, ...],
              dtype: Any, meta: Any) -> Any:
        import dask.array as da

        from .. import _backend

        ndim = len(shape)
        cmeta = np.empty((ndim, 0), dtype=np.int64)
        vmeta = meta.reshape(-1)[:0] if hasattr(meta, "reshape") else None
        coords = da.concatenate(
            [da.from_delayed(p[0], shape=(ndim, math.nan), dtype=np.int64, meta=cmeta)
             for p in parts], axis=1)
        values = da.concatenate(
            [da.from_delayed(p[1], shape=(math.nan,), dtype=dtype, meta=vmeta)
             for p in parts], axis=0)
        obj = cls.__new__(cls)
        obj._init(coords, values, tuple(shape), True, _backend.namespace(values))
        object.__setattr__(obj, "_parts", tuple(parts))
        object.__setattr__(obj, "_chunks", tuple(chunks))
        object.__setattr__(obj, "_owner", owner)
        object.__setattr__(obj, "_meta", meta)
        return obj

    @property
    def nnz(self) -> int:  # type: ignore[override]
        """Unknown until computed: raises ``ValueError`` (see :meth:`compute_nnz`)."""
        raise ValueError(
            "nnz of a lazy (Dask) COO is unknown until computed; call .compute_nnz() "
            "or .compute().nnz"
        )

    @property
    def chunks(self) -> tuple:
        """Chunks of the dense array the blocks came from."""
        return self._chunks

    def __repr__(self) -> str:
        return (
            f"COO(shape={self._shape}, nnz=?, dtype={self.dtype}, "
            f"lazy: {len(self._parts)} pieces, canonical={self._canonical})"
        )

    def compute_nnz(self) -> int:
        """Number of stored entries (computes the blocks)."""
        return int(self._values.shape[0]) if not math.isnan(self._values.shape[0]) else int(
            self._values.map_blocks(lambda b: np.asarray([b.shape[0]]), chunks=(1,),
                                    dtype=np.int64).sum().compute())

    def compute(self, **kwargs: Any) -> Any:
        """In-memory canonical ``COO`` (arrays of the chunks' kind, NumPy usually)."""
        import dask

        coords, values = dask.compute(self._coords, self._values, **kwargs)
        return COO._from_trusted(coords, values, self._shape, canonical=True)

    def persist(self, **kwargs: Any) -> Any:
        """The same lazy COO with its blocks computed and kept (in the cluster)."""
        import dask

        parts = dask.persist(*self._parts, **kwargs)
        return type(self)._lazy(list(parts), self._chunks, self._owner, self._shape,
                                self.dtype, self._meta)

    def to_dense(self, *, fill_value: Any = 0) -> Any:
        """Lazy dense dask array (chunked like the source), block by block."""
        import dask
        import dask.array as da

        from ..sparse.coo import _check_fill

        fill_value = _check_fill(fill_value, self.dtype, self._xp)
        grid = tuple(len(c) for c in self._chunks)
        meta = self._meta[(slice(0, 0),) * len(grid)] if grid else None
        blocks = np.empty(grid, dtype=object)
        for index, part, offsets, bshape, crop in self._blocks():
            task = dask.delayed(_block_to_dense, pure=True)(part[0], part[1], offsets, bshape,
                                                            crop, fill_value)
            blocks[index] = da.from_delayed(task, shape=bshape, dtype=self.dtype, meta=meta)
        if not grid:
            return blocks[()]
        return da.block(blocks.tolist())

    def _blocks(self) -> Any:
        """Per dense block: index, its piece, offsets, shape, whether to crop the piece."""
        starts = block_offsets(self._chunks)
        pieces_per_part = np.bincount(self._owner.reshape(-1), minlength=len(self._parts))
        for index in np.ndindex(*self._owner.shape):
            part = self._parts[int(self._owner[index])]
            offsets = tuple(int(starts[d][i]) for d, i in enumerate(index))
            bshape = tuple(c[i] for c, i in zip(self._chunks, index, strict=True))
            yield index, part, offsets, bshape, bool(pieces_per_part[self._owner[index]] > 1)

    def to_dask(self, chunks: Any = None, *, dense: bool = False) -> Any:
        """Dask array of pydata ``sparse.COO`` chunks (``dense=True``: dense chunks).

        The chunks are those of the source unless ``chunks`` is given.
        """
        import dask
        import dask.array as da
        import sparse

        if dense:
            out: Any = self.to_dense()
            return out if chunks is None else out.rechunk(chunks)
        grid = tuple(len(c) for c in self._chunks)
        meta = sparse.COO.from_numpy(np.empty((0,) * len(grid), dtype=self.dtype))
        blocks = np.empty(grid, dtype=object)
        for index, part, offsets, bshape, crop in self._blocks():
            task = dask.delayed(_block_to_pydata, pure=True)(part[0], part[1], offsets, bshape,
                                                             crop)
            blocks[index] = da.from_delayed(task, shape=bshape, dtype=self.dtype, meta=meta)
        out = da.block(blocks.tolist()) if grid else blocks[()]
        return out if chunks is None else out.rechunk(chunks)

    def to_scipy(self) -> Any:
        """Computes, then ``scipy.sparse.coo_array``."""
        return self.compute().to_scipy()

    def to_pydata(self) -> Any:
        """Computes, then pydata ``sparse.COO``."""
        return self.compute().to_pydata()

    def to_torch(self, *, duplicates: str = "sum", device: Any = None) -> Any:
        """Computes, then a coalesced torch sparse tensor."""
        return self.compute().to_torch(duplicates=duplicates, device=device)

    def to_tensorflow(self, *, duplicates: str = "sum") -> Any:
        """Computes, then ``tf.sparse.SparseTensor``."""
        return self.compute().to_tensorflow(duplicates=duplicates)

    def to_cupyx(self) -> Any:
        """Computes, then a cupyx COO matrix."""
        return self.compute().to_cupyx()



def _local(coords: Any, values: Any, offsets: tuple[int, ...], shape: tuple[int, ...],
           crop: bool) -> tuple[Any, Any]:
    """Entries of one dense block, in the block's own coordinates."""
    from .. import _backend

    if not offsets:
        return coords, values
    xp = _backend.namespace(coords)
    lo = xp.asarray(np.asarray(offsets, dtype=np.int64)[:, None], dtype=coords.dtype,
                    device=_backend.device_of(coords))
    local = coords - lo
    if crop:  # the piece covers a whole slab: keep this block's entries (order is kept)
        hi = xp.asarray(np.asarray(shape, dtype=np.int64)[:, None], dtype=coords.dtype,
                        device=_backend.device_of(coords))
        inside = xp.all((local >= 0) & (local < hi), axis=0)
        local, values = local[:, inside], values[inside]
    return local, values


def _block_to_dense(coords: Any, values: Any, offsets: tuple[int, ...],
                    shape: tuple[int, ...], crop: bool, fill_value: Any) -> Any:
    local, values = _local(coords, values, offsets, shape, crop)
    return COO._from_trusted(local, values, shape, canonical=True).to_dense(fill_value=fill_value)


def _block_to_pydata(coords: Any, values: Any, offsets: tuple[int, ...],
                     shape: tuple[int, ...], crop: bool) -> Any:
    import sparse

    local, values = _local(coords, values, offsets, shape, crop)
    return sparse.COO(np.asarray(local), np.asarray(values), shape=shape, has_duplicates=False,
                      sorted=True)


def to_dask(coo: Any, chunks: Any = "auto", *, dense: bool = False) -> Any:
    """Dask array of an in-memory ``COO``: pydata ``sparse.COO`` chunks, or dense.

    >>> import numpy as np
    >>> from arraymask.sparse import COO
    >>> d = to_dask(COO.from_dense(np.eye(4)), chunks=2)
    >>> d.chunks, type(d.blocks[0, 0].compute()).__name__
    (((2, 2), (2, 2)), 'COO')
    >>> float(d.compute().todense().trace())
    4.0
    """
    import dask.array as da

    if isinstance(coo, LazyCOO):
        return coo.to_dask(None if chunks == "auto" else chunks, dense=dense)
    pyd = coo.to_pydata()
    out = da.from_array(pyd, chunks=chunks, asarray=False, fancy=False)
    if dense:
        return out.map_blocks(lambda b: b.todense(), dtype=out.dtype,
                              meta=np.empty((0,) * out.ndim, dtype=out.dtype))
    return out
