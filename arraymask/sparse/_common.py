"""What every route of the sparse topic shares: policy names, order codes, shape checks.

The one list of duplicate policies (:data:`DUPLICATE_POLICIES`) and their
kernel codes, the order codes of a coordinate scan, the shape check, and the
``IndexError`` of an out-of-range coordinate. The compiled kernels
(``_ext/_shared.pxd``) keep the same codes.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._backend import key_limit
from .._validate import check_shape

__all__ = [
    "DUPLICATE_POLICIES",
    "ORDER_NONDECREASING",
    "ORDER_STRICT",
    "ORDER_UNSORTED",
    "POLICY_CODES",
    "checked_shape",
    "out_of_range",
]

#: Names accepted by ``duplicates=`` (``COO.canonical``, the exporters, ``from_sparse``).
DUPLICATE_POLICIES = ("sum", "min", "max", "first", "last", "error", "keep")

#: Policy name -> kernel code (``P_SUM`` ... ``P_KEEP`` in ``_ext/_shared.pxd``).
POLICY_CODES = {name: code for code, name in enumerate(DUPLICATE_POLICIES)}

#: Order status of coordinates: strictly increasing (canonical).
ORDER_STRICT = 0
#: Order status: nondecreasing (sorted, with duplicates).
ORDER_NONDECREASING = 1
#: Order status: not sorted.
ORDER_UNSORTED = 2


def checked_shape(shape: object, xp: ModuleType) -> tuple[int, ...]:
    """``shape`` as a tuple of ints, each fitting the index dtype of ``xp``.

    >>> import arraymask._backend as b
    >>> checked_shape((2, 3), b.namespace())
    (2, 3)
    """
    dims = check_shape(shape)
    limit = key_limit(xp)
    for d in dims:
        if d > limit:
            raise ValueError(
                f"shape entry {d} does not fit the index dtype "
                f"({'int64' if limit == 2**63 - 1 else 'int32'}), got shape {dims}"
            )
    return dims


def out_of_range(coords: Any, axis: int, col: int, shape: tuple[int, ...]) -> IndexError:
    """The ``IndexError`` for ``coords[axis, col]`` outside ``[0, shape[axis])``."""
    value = int(coords[axis, col])
    return IndexError(
        f"coords[{axis}, {col}] = {value} is out of range for axis {axis} "
        f"of size {shape[axis]} (shape {shape})"
    )
