"""Sequence masks: ``lengths_mask`` (padding masks) and ``index_mask`` (one-hot rows).

Both accept integer arrays of any namespace or Python sequences (their
namespace and device then come from ``xp=`` / ``device=``, NumPy by default).
``lengths_mask`` takes the compiled kernel for NumPy arrays and CPU torch
tensors; ``index_mask`` a native scatter where the backend has one; Dask
builds both block by block (:mod:`._dask`); the array-API twins
(:mod:`._generic`) serve every other backend and give the same masks.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._backend import (
    Array,
    bridged,
    capabilities,
    from_host,
    host_view,
    is_traced,
    lazy_check,
    require_known_chunks,
    values_known,
)
from .._validate import check_choice, check_index_range, check_int, int_array, kind_of
from . import _dask, _generic, _kernels

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
        return from_host(_kernels.lengths(host, maxlen, left), arr)
    return _generic.lengths(arr, maxlen, left, ns)


def _check_lengths(arr: Array, xp: ModuleType, maxlen: int | None) -> tuple[Array, int]:
    """Reject negative lengths (lazily on Dask) and resolve ``maxlen=None``."""
    signed = kind_of(arr.dtype) != "u"
    lazy = capabilities(xp).lazy
    if lazy:
        require_known_chunks(arr, "lengths")  # the output shape needs them
    size = _size(arr)
    if lazy:
        if signed:
            arr = lazy_check(arr, _no_negative_lengths)
        if maxlen is None:
            maxlen = int(xp.max(arr)) if size else 0  # the output shape needs it now
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
    caps = capabilities(ns)
    if caps.lazy:  # the blocks check their range when computed
        return _dask.index(idx, size)
    if values_known(idx, ns):
        check_index_range(idx, size, "indices")
    if caps.scatter:
        return _generic.index_scatter(idx, size, ns)
    return _generic.index_compare(idx, size, ns)
