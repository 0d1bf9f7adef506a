"""The array API standard's ``top_k``: values and indices, on every backend.

:func:`top_k` resolves the namespace, validates its arguments and chooses
the route:

* NumPy arrays and CPU torch tensors: the compiled radix select of
  :func:`arraymask.topk_mask` (``_ext.topk``), the positions of its ``k``
  marks, and a sort of only those ``k`` values (:mod:`._kernels`);
* Dask: :mod:`._dask` (lazily, per block of whole slices; ``axis=None`` by
  per-block candidates);
* elsewhere the array-API twin (:mod:`._generic`): JAX's ``lax.top_k`` where
  it gives the same order (ties to the lower index), else
  :func:`arraymask.topk_mask` and a sort of the ``k`` values.

Every route selects the same ``k`` elements as ``topk_mask`` and orders them
the same way.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .._backend import (
    Array,
    bridged,
    capabilities,
    device_of,
    from_host,
    host_view,
    index_dtype,
    is_array,
    is_traced,
)
from .._validate import check_flag, check_int, normalize_axis, real_input
from . import _dask, _generic, _kernels

__all__ = ["TopK", "top_k"]


class TopK(NamedTuple):
    """The result of :func:`top_k`: ``values`` and their ``indices`` along the axis."""

    values: Array
    indices: Array


def _check_k(k: object, n: int) -> int:
    if is_array(k) and getattr(k, "ndim", None) == 0 and is_traced(k):
        raise TypeError(
            "k must be a Python int or a concrete 0-d integer array: the result's shape "
            "depends on it, so under jax.jit it must be static"
        )
    value = check_int(k, "k")
    if not 0 <= value <= n:
        raise ValueError(f"k must satisfy 0 <= k <= {n} (the slice length), got {value}")
    return value


@bridged
def top_k(x: Array, k: Any, /, *, axis: int | None = -1, largest: bool = True,
          sorted: bool = True) -> TopK:
    """The ``k`` largest (or smallest) entries of every slice and their indices.

    The spelling of the array API standard's ``top_k`` and of NumPy 2.5's
    ``np.top_k``, with :func:`arraymask.topk_mask`'s rules, on every backend.

    Parameters
    ----------
    x : array
        Bool, integer or real floating array of any supported namespace (a
        Python sequence becomes a NumPy array).
    k : int
        How many entries per slice: a Python int or a 0-d integer array,
        ``0 <= k <= n``.
    axis : int or None, default -1
        Axis of the slices; ``None`` ranks the flattened array.
    largest : bool, default True
        The largest entries; ``False`` the smallest.
    sorted : bool, default True
        ``True``: best first, equal values by index. ``False``: in index order.

    Returns
    -------
    TopK
        Named tuple ``(values, indices)``, both shaped like ``x`` with
        ``axis`` of length ``k`` (``(k,)`` for ``axis=None``); ``indices`` are
        int64 (int32 on a backend without int64), in ``x``'s namespace and on
        its device.

    Raises
    ------
    TypeError
        Complex or non-numeric ``x``; a non-integer ``k`` (or a traced one
        under ``jax.jit``: the shape of the result depends on it); a
        non-bool ``largest`` or ``sorted``.
    ValueError
        ``k`` outside ``[0, n]``; ``axis`` out of range.

    Notes
    -----
    The same ``k`` elements as ``topk_mask(x, k, axis=axis,
    largest=largest)``: ties go to the lower index, NaN ranks above ``+inf``
    (with ``largest=False`` NaNs come last), ``-0.0`` ties ``0.0``. NumPy and
    CPU torch: O(n) per slice (compiled radix select, every core) plus
    O(k log k) for the sort. JAX: ``lax.top_k`` on a copy whose NaNs and zeros
    are made canonical. Elsewhere: the sort of ``topk_mask``'s twin, then
    ``O(k log n)`` gathers to find the marked positions.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> am.top_k(np.array([3, 1, 4, 1, 5, 9, 2, 6]), 3)
    TopK(values=array([9, 6, 5]), indices=array([5, 7, 4]))
    >>> am.top_k(np.array([[1.0, 2.0, 2.0, 0.0]]), 2, sorted=False).indices
    array([[1, 2]])
    >>> am.top_k(np.array([1.0, np.nan, 3.0]), 2, largest=False).values
    array([1., 3.])
    """
    x, xp = real_input(x, "x")
    largest = check_flag(largest, "largest")
    sorted_ = check_flag(sorted, "sorted")
    if axis is None:
        if capabilities(xp).lazy and x.ndim > 1:  # no flattening reshape: any chunking
            kk = _check_k(k, math.prod(int(d) for d in x.shape))
            if kk == 0:
                return _empty(x, xp, None)
            return TopK(*_dask.top_k_global(x, kk, largest=largest, sorted_=sorted_))
        return top_k(xp.reshape(x, (-1,)), k, axis=0, largest=largest, sorted=sorted_)
    ax = normalize_axis(axis, x.ndim)
    kk = _check_k(k, int(x.shape[ax]))
    if kk == 0 or any(int(d) == 0 for d in x.shape):
        return _empty(x, xp, ax, kk)
    host = host_view(x)
    if host is not None and _kernels.topk_dtype(host):
        values, idx = _kernels.top_k(host, kk, ax, largest=largest, sorted_=sorted_)
        return TopK(from_host(values, x), from_host(idx, x))
    if capabilities(xp).lazy:
        return TopK(*_dask.top_k(x, kk, ax, largest=largest, sorted_=sorted_))
    y = xp.moveaxis(x, ax, -1)
    values, idx = _generic.top_k(y, kk, xp, largest=largest, sorted_=sorted_)
    return TopK(xp.moveaxis(values, -1, ax), xp.moveaxis(idx, -1, ax))


def _empty(x: Array, xp: Any, axis: int | None, k: int = 0) -> TopK:
    """Results without elements: ``k == 0`` or an empty batch (``axis=None``: 1-D)."""
    shape = [0] if axis is None else list(x.shape)
    if axis is not None:
        shape[axis] = k
    values = xp.zeros(tuple(shape), dtype=x.dtype, device=device_of(x))
    idx = xp.zeros(tuple(shape), dtype=index_dtype(xp), device=device_of(x))
    return TopK(values, idx)
