"""Array operations spelled once for every namespace (capability fallbacks inside).

>>> import numpy as np
>>> take_last(np.array([[5, 6, 7]]), np.array([[2]]), np)
array([[7]])
>>> first_true(np.array([[False, True, True]]), np, np.int64)
array([1])
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ._namespace import Array, device_of

__all__ = ["first_true", "take_last"]


def take_last(x: Array, pos: Array, xp: ModuleType) -> Array:
    """``take_along_axis(x, pos, axis=-1)``; a compare-and-reduce where the
    namespace lacks it (``pos`` then of last-axis length 1)."""
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(x, pos, axis=-1)
    if pos.shape[-1] != 1:
        raise NotImplementedError("take_last without take_along_axis: one position per slice")
    n = x.shape[-1]
    hit = xp.arange(n, dtype=pos.dtype, device=device_of(x)) == pos
    return xp.max(xp.where(hit, x, x[..., :1]), axis=-1, keepdims=True)


def first_true(flags: Array, xp: ModuleType, idx: Any, *, keepdims: bool = False) -> Array:
    """Position of the first True along the last axis (its length where none), as ``idx``."""
    before = xp.cumulative_sum(xp.astype(flags, idx), axis=-1) == 0
    return xp.sum(xp.astype(before, idx), axis=-1, keepdims=keepdims)
