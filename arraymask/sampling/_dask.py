"""The chunked (Dask) routes of the sampling topic, lazily.

**Filters**: the slice axis is rechunked into one chunk, so that every
block holds whole sequences (one sequence per row chunk); the per-sequence
parameters and the uniforms of the draws are chunked like the rows, and one
``blockwise`` task per block runs the compiled kernel (:mod:`._kernels`,
NumPy chunks) or the array-API twin (:mod:`._generic`, other chunk types).
Nothing is computed until the result is.

**top_k**: along an axis, the axis is rechunked whole and every block ranks
its slices; the values are gathered from the block with the positions, so
no block is ranked twice. ``axis=None``: every block selects its own top
``k`` with their global row-major positions, and one task merges the
candidates (in global order, so ties still go to the lower position).
"""

from __future__ import annotations

import functools
import string
from typing import Any

import numpy as np

from .._backend import host_chunks, host_view, is_lazy, namespace, to_host
from . import _generic, _kernels

__all__ = ["filter_rows", "top_k", "top_k_global"]

_PARAMS = ("temperature", "top_k", "top_p", "min_p")


def _batch_blocks(value: Any, batch: tuple[int, ...], chunks: tuple[Any, ...]) -> Any:
    """A parameter array as a dask array of the batch shape, chunked like the rows."""
    import dask.array as da

    arr = value if is_lazy(value) else da.from_array(np.asarray(value))
    return da.broadcast_to(arr, batch).rechunk(chunks)


def _run_block(block: Any, *arrays: Any, names: tuple[str, ...], scalars: dict[str, Any],
               joint: bool, bound: int | None, draws: bool) -> Any:
    """Filters of one block of whole rows: the mask, or the tokens when ``draws``."""
    params = dict(scalars)
    uniforms = arrays[-1] if draws else None
    params.update(zip(names, arrays[: len(names)], strict=True))
    host = host_view(block)
    if host is not None and _kernels.filter_supported(host) and all(
        p is None or np.ndim(p) == 0 or host_view(p) is not None for p in params.values()
    ):
        neutral = {"top_k": host.shape[-1], "top_p": 1.0, "min_p": 0.0}
        full = {k: neutral[k] if v is None else v for k, v in params.items() if k in neutral}
        mask, tokens = _kernels.filter_rows(
            host, host.ndim - 1, temperature=params["temperature"], joint=joint, mask=not draws,
            uniforms=None if uniforms is None else np.asarray(uniforms), **full)
        return tokens if draws else mask
    bxp = namespace(block)
    mask, tokens = _generic.filter_rows(block, bxp, joint=joint, bound=bound,
                                        uniforms=uniforms, mask=not draws, **params)
    return tokens if draws else mask


def filter_rows(x: Any, axis: int, *, temperature: Any, top_k: Any, top_p: Any, min_p: Any,
                joint: bool, bound: int | None, uniforms: Any = None) -> Any:
    """Lazy mask (``uniforms`` None) or tokens of the filters along ``axis`` (normalised).

    Parameters are Python scalars, None or arrays (NumPy or Dask) broadcasting
    against the batch shape; ``uniforms`` is a dask array shaped like the
    result of :func:`arraymask.sample` (the draw axis at ``axis``).
    """
    import dask.array as da

    moved = da.moveaxis(x.rechunk({axis: -1}), axis, -1)
    batch = tuple(int(s) for s in moved.shape[:-1])
    chunks = moved.chunks[:-1]
    letters = string.ascii_letters[: len(batch)]
    values = {"temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p}
    names = tuple(k for k in _PARAMS if values[k] is not None and np.ndim(values[k]) > 0)
    scalars = {k: v for k, v in values.items() if k not in names}
    args: list[Any] = [moved, letters + "Z"]
    for name in names:
        args += [_batch_blocks(values[name], batch, chunks), letters]
    draws = uniforms is not None
    if draws:
        u = da.moveaxis(uniforms, axis, -1)
        args += [u.rechunk((*chunks, -1)), letters + "Y"]
    fn = functools.partial(_run_block, names=names, scalars=scalars, joint=joint, bound=bound,
                           draws=draws)
    meta = getattr(x, "_meta", None)
    if draws:
        out_meta = np.empty((0,) * x.ndim, dtype=np.int64) if host_chunks(x) else None
        out = da.blockwise(fn, letters + "Y", *args, dtype=np.int64, concatenate=True,
                           meta=out_meta)
    else:
        out_meta = meta.astype(bool) if meta is not None and hasattr(meta, "astype") else None
        out = da.blockwise(fn, letters + "Z", *args, dtype=bool, concatenate=True,
                           meta=out_meta)
    return da.moveaxis(out, -1, axis)


# ---------------------------------------------------------------- top_k


def _block_top(block: Any, k: int, *, largest: bool, sorted_: bool) -> tuple[Any, Any]:
    host = host_view(block)
    if host is not None and _kernels.topk_dtype(host):
        return _kernels.top_k(host, k, host.ndim - 1, largest=largest, sorted_=sorted_)
    return _generic.top_k(block, k, namespace(block), largest=largest, sorted_=sorted_)


def _indices_block(block: Any, *, k: int, largest: bool, sorted_: bool) -> Any:
    return _block_top(block, k, largest=largest, sorted_=sorted_)[1]


def _gather_block(block: Any, idx: Any) -> Any:
    return namespace(block).take_along_axis(block, idx, axis=-1)


def top_k(x: Any, k: int, axis: int, *, largest: bool, sorted_: bool) -> tuple[Any, Any]:
    """Lazy ``(values, indices)`` along ``axis`` (normalised; ``0 < k <= n``)."""
    import dask.array as da

    moved = da.moveaxis(x.rechunk({axis: -1}), axis, -1)
    chunks = (*moved.chunks[:-1], (k,))
    meta = np.empty((0,) * x.ndim, dtype=np.int64) if host_chunks(x) else None
    idx = da.map_blocks(_indices_block, moved, k=k, largest=largest, sorted_=sorted_,
                        chunks=chunks, dtype=np.int64, meta=meta)
    values = da.map_blocks(_gather_block, moved, idx, chunks=chunks, dtype=x.dtype,
                           meta=x._meta)
    return da.moveaxis(values, -1, axis), da.moveaxis(idx, -1, axis)


def _flat_candidates(block: Any, offsets: tuple[int, ...], shape: tuple[int, ...],
                     k: int, largest: bool) -> tuple[Any, Any]:
    """Top ``min(k, size)`` of a block, with global row-major positions, in their order."""
    bxp = namespace(block)
    flat = bxp.reshape(block, (-1,))
    kc = min(k, int(flat.shape[0]))
    values, local = _block_top(flat, kc, largest=largest, sorted_=False)
    coords = np.unravel_index(to_host(local), tuple(block.shape))
    glob = np.ravel_multi_index(tuple(c + o for c, o in zip(coords, offsets, strict=True)),
                                shape)
    return values, glob


def _merge(parts: list[tuple[Any, Any]], k: int, largest: bool, sorted_: bool) -> Any:
    """The best ``k`` of every block's candidates (ties: lower global position)."""
    bxp = namespace(parts[0][0])
    values = bxp.concat([p[0] for p in parts])
    glob = np.concatenate([p[1] for p in parts])
    order = np.argsort(glob, kind="stable")  # global order: ties resolve as in memory
    values = bxp.take(values, bxp.asarray(order))
    best, pos = _block_top(values, k, largest=largest, sorted_=sorted_)
    return best, glob[order][to_host(pos)]


def top_k_global(x: Any, k: int, *, largest: bool, sorted_: bool) -> tuple[Any, Any]:
    """Lazy ``(values, indices)`` of the flattened array (``axis=None``, ``0 < k``)."""
    import dask
    import dask.array as da

    starts = [np.concatenate(([0], np.cumsum(c[:-1]))).astype(int) for c in x.chunks]
    shape = tuple(int(s) for s in x.shape)
    blocks = x.to_delayed(optimize_graph=False)
    parts = []
    for index in np.ndindex(*blocks.shape):
        offsets = tuple(int(starts[d][i]) for d, i in enumerate(index))
        parts.append(dask.delayed(_flat_candidates, pure=True, nout=2)(
            blocks[index], offsets, shape, k, largest))
    merged = dask.delayed(_merge, pure=True, nout=2)(parts, k, largest, sorted_)
    values = da.from_delayed(merged[0], shape=(k,), dtype=x.dtype, meta=x._meta)
    idx = da.from_delayed(merged[1], shape=(k,), dtype=np.int64,
                          meta=np.empty((0,), dtype=np.int64))
    return values, idx
