"""Sequence masks: ``lengths_mask`` (padding masks) and ``index_mask`` (one-hot rows).

Both accept integer arrays of any namespace or Python sequences (their
namespace and device then come from ``xp=`` / ``device=``, NumPy by default).
NumPy arrays and CPU torch tensors take compiled or native routes that give
the same result as the array-API versions (``_lengths_generic``,
``_index_generic``), which every other backend uses.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import Array, capabilities, device_of, from_host, host_view
from .._bridge import bridged
from .._validate import check_choice, check_int
from ._inputs import dtype_name, int_array, is_traced, lazy_check, values_known

__all__ = ["index_mask", "lengths_mask"]


@bridged
def lengths_mask(
    lengths: Any,
    /,
    maxlen: int | None = None,
    *,
    side: str = "right",
    xp: Any = None,
    device: Any = None,
) -> Array:
    """Padding mask from sequence lengths (``tf.sequence_mask``).

    Parameters
    ----------
    lengths : array or sequence of int
        Non-negative lengths, any shape.
    maxlen : int, optional
        Length of the last axis of the mask; ``max(lengths)`` when omitted
        (0 for empty ``lengths``). Lengths above ``maxlen`` give all-True rows.
        Give it under ``jax.jit``: the output shape must be static.
    side : {"right", "left"}
        ``"right"``: True at ``j < lengths`` (right padding, the
        ``tf.sequence_mask`` convention); ``"left"``: True at
        ``j >= maxlen - lengths`` (left padding).
    xp, device : optional
        Namespace (a module such as ``torch`` or an array-API namespace) and
        device of the result when ``lengths`` is a Python sequence; an array
        keeps its own namespace and moves to ``device`` if one is given.

    Returns
    -------
    array of bool, shape ``lengths.shape + (maxlen,)``

    Raises
    ------
    TypeError
        ``lengths`` is not integer (bool and float are refused), or ``maxlen``
        is not an integer.
    ValueError
        A negative length (on Dask when the mask is computed; not checked
        under ``jax.jit``, where a negative length gives an all-False row),
        a negative ``maxlen``, or an unknown ``side``.

    Examples
    --------
    >>> import arraymask as am
    >>> am.lengths_mask([2, 4, 3], 5)
    array([[ True,  True, False, False, False],
           [ True,  True,  True,  True, False],
           [ True,  True,  True, False, False]])
    >>> am.lengths_mask([2, 4, 3], 5, side="left").astype(int)
    array([[0, 0, 0, 1, 1],
           [0, 1, 1, 1, 1],
           [0, 0, 1, 1, 1]])
    """
    side = check_choice(side, "side", ("right", "left"))
    arr, ns = int_array(lengths, "lengths", xp, device)
    if maxlen is not None:
        maxlen = check_int(maxlen, "maxlen", minimum=0)
    arr, maxlen = _check_lengths(arr, ns, maxlen)
    left = side == "left"
    host = host_view(arr)
    if host is not None and maxlen > 0 and host.size > 0:
        return from_host(_lengths_host(host, maxlen, left), arr)
    return _lengths_generic(arr, maxlen, left, ns)


def _check_lengths(arr: Array, xp: ModuleType, maxlen: int | None) -> tuple[Array, int]:
    """Reject negative lengths (lazily on Dask) and resolve ``maxlen=None``."""
    signed = not dtype_name(arr.dtype).startswith("uint")
    lazy = capabilities(xp).lazy
    if lazy:
        from ..chunked._common import require_known_chunks

        require_known_chunks(arr, "lengths")  # the output shape needs them
    size = _size(arr)
    if lazy:
        if signed:
            arr = lazy_check(arr, _no_negative_lengths)
        if maxlen is None:
            maxlen = int(xp.max(arr).compute()) if size else 0  # the shape needs it
        return arr, maxlen
    if is_traced(arr):
        if maxlen is None:
            raise TypeError(
                "lengths_mask under jax.jit needs a static maxlen: pass maxlen=<int>"
            )
        return arr, maxlen
    if size:
        if signed:
            smallest = int(xp.min(arr))
            if smallest < 0:
                raise ValueError(f"lengths must be non-negative, got {smallest}")
        if maxlen is None:
            maxlen = int(xp.max(arr))
    return arr, 0 if maxlen is None else maxlen


def _no_negative_lengths(block: Any) -> None:
    if block.size and int(block.min()) < 0:
        raise ValueError(f"lengths must be non-negative, got {int(block.min())}")


def _size(arr: Array) -> int:
    n = 1
    for d in arr.shape:
        n *= int(d)
    return n


def _lengths_host(host: np.ndarray, maxlen: int, left: bool) -> np.ndarray:
    """Compiled route: two ``memset`` per row into a fresh bool array."""
    from .._ext import lookup

    out = np.empty((*host.shape, maxlen), dtype=np.bool_)
    flat = np.ascontiguousarray(host).reshape(-1)
    lookup.lengths_fill(flat, out.view(np.uint8).reshape(flat.shape[0], maxlen), left)
    return out


def _lengths_generic(lengths: Array, maxlen: int, left: bool, xp: ModuleType) -> Array:
    """Array-API twin: compare a position ramp with the lengths.

    ``side="left"`` compares the reversed ramp (``maxlen - 1 - j < length`` is
    ``j >= maxlen - length`` without the subtraction that could overflow).
    """
    dtype = lengths.dtype
    if maxlen - 1 > int(xp.iinfo(dtype).max):  # the ramp does not fit: widen lengths
        dtype = xp.int64 if capabilities(xp).int64 else xp.int32
        lengths = xp.astype(lengths, dtype)
    ramp = xp.arange(maxlen, dtype=dtype, device=device_of(lengths))
    if left:
        ramp = xp.flip(ramp)
    return ramp < lengths[..., None]


@bridged
def index_mask(indices: Any, size: int, /, *, xp: Any = None, device: Any = None) -> Array:
    """Boolean rows with True at listed positions (a multi-hot encoding).

    Parameters
    ----------
    indices : array or sequence of int, shape ``(..., m)``
        Positions per row; negative values count from the end; duplicates are
        fine. ``m`` may be 0 (all-False rows).
    size : int
        Length of each mask row.
    xp, device : optional
        As in :func:`lengths_mask`.

    Returns
    -------
    array of bool, shape ``indices.shape[:-1] + (size,)``

    Raises
    ------
    TypeError
        Non-integer ``indices`` or ``size``.
    ValueError
        0-d ``indices`` or a negative ``size``.
    IndexError
        An index outside ``[-size, size)`` (on Dask when the mask is
        computed; under ``jax.jit`` such indices are dropped, as
        ``.at[].set(mode="drop")`` does).

    Examples
    --------
    >>> import arraymask as am
    >>> am.index_mask([2, 5, 7], 10).astype(int)
    array([0, 0, 1, 0, 0, 1, 0, 1, 0, 0])
    >>> am.index_mask([[0, -1], [1, 1]], 4).astype(int)
    array([[1, 0, 0, 1],
           [0, 1, 0, 0]])
    """
    idx, ns = int_array(indices, "indices", xp, device)
    size = check_int(size, "size", minimum=0)
    if idx.ndim == 0:
        raise ValueError("indices must have shape (..., m), got a 0-d array")
    if values_known(idx, ns):  # Dask blocks check themselves when computed
        _check_index_range(_host_or(idx, ns), size)
    name = capabilities(ns).name
    host = host_view(idx)
    if host is not None and type(idx) is np.ndarray:
        return _index_numpy(host, size)
    if name == "torch":
        return _index_torch(idx, size)
    if name == "cupy":
        return _index_numpy(idx, size, sys.modules["cupy"])
    if name == "jax":
        return _index_jax(idx, size)
    if name == "dask":
        return _index_dask(idx, size)
    return _index_generic(idx, size, ns)


def _host_or(idx: Array, xp: ModuleType) -> Any:
    host = host_view(idx)
    return host if host is not None else _MinMax(idx, xp)


class _MinMax:
    """Adapter so that the range check reads min/max of a device array."""

    def __init__(self, arr: Array, xp: ModuleType) -> None:
        self.arr, self.xp, self.size = arr, xp, _size(arr)

    def min(self) -> Any:
        return self.xp.min(self.arr)

    def max(self) -> Any:
        return self.xp.max(self.arr)


def _check_index_range(idx: Any, size: int) -> None:
    if not idx.size:
        return
    low, high = int(idx.min()), int(idx.max())
    if low < -size:
        raise IndexError(f"indices: {low} is out of range for size {size}")
    if high >= size:
        raise IndexError(f"indices: {high} is out of range for size {size}")


def _flat_rows(idx: Any, size: int, xp: Any) -> Any:
    """Indices as 2-D ``(rows, m)`` with negative values wrapped (checked in range)."""
    m = idx.shape[-1]
    rows = int(np.prod(idx.shape[:-1], dtype=np.int64))
    idx = xp.reshape(idx, (rows, m))
    return xp.where(idx < 0, idx + size, idx)


def _index_numpy(idx: Any, size: int, mod: Any = np) -> Any:
    """NumPy/CuPy route: one fancy assignment into a fresh array (not an input)."""
    flat = _flat_rows(mod.asarray(idx).astype(mod.int64, copy=False), size, mod)
    out = mod.zeros((flat.shape[0], size), dtype=bool)
    out[mod.arange(flat.shape[0])[:, None], flat] = True
    return out.reshape((*idx.shape[:-1], size))


def _index_torch(idx: Any, size: int) -> Any:
    """torch route (CPU and CUDA): ``scatter_`` into a fresh tensor."""
    torch = sys.modules["torch"]
    flat = _flat_rows(idx.long(), size, torch)
    out = torch.zeros((flat.shape[0], size), dtype=torch.bool, device=idx.device)
    out.scatter_(1, flat, True)
    return out.reshape((*idx.shape[:-1], size))


def _index_jax(idx: Any, size: int) -> Any:
    """JAX route (jit-safe): ``.at[].set`` with out-of-range updates dropped."""
    jnp = sys.modules["jax.numpy"]
    flat = _flat_rows(idx.astype(jnp.result_type(int)), size, jnp)
    flat = jnp.where((flat < 0) | (flat >= size), size, flat)  # never wrap twice
    out = jnp.zeros((flat.shape[0], size), dtype=bool)
    out = out.at[jnp.arange(flat.shape[0])[:, None], flat].set(True, mode="drop")
    return out.reshape((*idx.shape[:-1], size))


def _index_dask(idx: Any, size: int) -> Any:
    """Dask route: each block of rows (last axis in one chunk) on its own backend."""
    idx = idx.rechunk({idx.ndim - 1: -1})
    return idx.map_blocks(
        _index_block, size, chunks=(*idx.chunks[:-1], (size,)), dtype=bool
    )


def _index_block(block: Any, size: int) -> Any:
    return index_mask(block, size)


def _index_generic(idx: Array, size: int, xp: ModuleType) -> Array:
    """Array-API twin: compare every index with a position ramp and reduce.

    Memory ``O(rows * m * size)``; it uses no item assignment.
    """
    dtype = xp.int64 if capabilities(xp).int64 else xp.int32
    idx = xp.astype(idx, dtype)
    idx = xp.where(idx < 0, idx + size, idx)
    ramp = xp.arange(size, dtype=dtype, device=device_of(idx))
    return xp.any(idx[..., :, None] == ramp, axis=-2)
