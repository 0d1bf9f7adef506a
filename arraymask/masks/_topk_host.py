"""Compiled route of the top-k masks for NumPy arrays (and CPU torch tensors' views).

The data go to :func:`arraymask._ext.select.topk_slices` as their raw bits
(``(pre, n, post)`` view, any strides, no copy for contiguous inputs); the
kernel ranks them by order-preserving integer keys, so it gives exactly the
mask of :func:`._topk_generic.topk_last_axis` in O(n) per slice.
"""

from __future__ import annotations

import math

import numpy as np

from .._ext import select as _select

__all__ = ["host_supported", "topk_host"]

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _kind(dtype: np.dtype) -> int | None:
    """Kernel kind code: 0 unsigned/bool, 1 signed, 2 IEEE float; None if unsupported."""
    if dtype.kind in "bu" and dtype.itemsize in _UINT:
        return 0
    if dtype.kind == "i" and dtype.itemsize in _UINT:
        return 1
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8):
        return 2
    return None


def host_supported(x: np.ndarray) -> bool:
    """The compiled kernel handles this dtype (bool, ints, float16/32/64)."""
    return _kind(x.dtype) is not None


def topk_host(
    x: np.ndarray,
    k: int | np.ndarray,
    axis: int | None,
    *,
    largest: bool,
    ties: str,
) -> np.ndarray:
    """Boolean mask (C-contiguous, shaped like ``x``) of the top ``k`` per slice.

    ``axis`` is a normalised axis or None (all elements, row-major order);
    ``k`` a Python int or an int array broadcasting against ``x.shape``
    without ``axis``, already checked to lie in ``[0, n]``.
    """
    kind = _kind(x.dtype)
    assert kind is not None
    if axis is None:
        pre, n, post = 1, x.size, 1
        batch: tuple[int, ...] = ()
    else:
        pre = math.prod(x.shape[:axis])
        n = x.shape[axis]
        post = math.prod(x.shape[axis + 1 :])
        batch = x.shape[:axis] + x.shape[axis + 1 :]
    out = np.empty(x.shape, dtype=np.bool_)
    if out.size == 0:
        return out
    bits = x.reshape(pre, n, post).view(_UINT[x.dtype.itemsize])
    rows = pre * post
    if isinstance(k, int):
        per_row = np.broadcast_to(np.int64(k), (rows,))
    else:
        per_row = np.ascontiguousarray(np.broadcast_to(k, batch), dtype=np.int64).reshape(rows)
    _select.topk_slices(
        bits, per_row, out.view(np.uint8).reshape(pre, n, post), kind, bool(largest),
        ties == "all",
    )
    return out
