"""Argument checks shared by every public function.

Each check raises the exception type the contract names (``TypeError`` for a
wrong kind of argument, ``ValueError`` for a wrong value, ``IndexError`` for an
out-of-range position) with a message that names the argument and its value.
None of them modifies its input.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Collection
from typing import Any

import numpy as np

from ._backend import is_array

__all__ = [
    "check_choice",
    "check_int",
    "check_shape",
    "check_unit_interval",
    "is_integer_dtype",
    "normalize_axis",
]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """``value`` as a Python int: Python ints, NumPy integer scalars, 0-d integer arrays.

    ``bool`` is not an integer here.

    >>> check_int(3, "k")
    3
    >>> check_int(True, "k")
    Traceback (most recent call last):
    ...
    TypeError: k must be an integer, got True (bool)
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r} (bool)")
    if is_array(value):
        if getattr(value, "ndim", None) != 0 or not is_integer_dtype(value.dtype):  # type: ignore[attr-defined]
            raise TypeError(
                f"{name} must be an integer or a 0-d integer array, got an array of "
                f"shape {tuple(value.shape)} and dtype {value.dtype}"  # type: ignore[attr-defined]
            )
        result = int(value)  # type: ignore[call-overload]
    else:
        try:
            result = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"{name} must be an integer, got {_show(value)} ({type(value).__name__})"
            ) from None
    if minimum is not None and result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {result}")
    return result


def is_integer_dtype(dtype: Any) -> bool:
    """True for signed and unsigned integer dtypes of any namespace (not bool)."""
    text = str(dtype).rsplit(".", 1)[-1]
    return text.startswith(("int", "uint"))


def normalize_axis(axis: object, ndim: int, name: str = "axis") -> int:
    """``axis`` as a non-negative int below ``ndim`` (negative counts from the end).

    >>> normalize_axis(-1, 3)
    2
    """
    ax = check_int(axis, name)
    if not -ndim <= ax < ndim:
        raise ValueError(f"{name}={ax} is out of range for an array of {ndim} dimensions")
    return ax % ndim


def check_unit_interval(
    value: float, name: str, *, open_low: bool = False, open_high: bool = False
) -> float:
    """A Python float in ``[0, 1]`` (ends open where asked); NaN is rejected.

    >>> check_unit_interval(0.25, "rate")
    0.25
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    v = float(value)
    low_ok = v > 0 if open_low else v >= 0
    high_ok = v < 1 if open_high else v <= 1
    if math.isnan(v) or not (low_ok and high_ok):
        interval = ("(" if open_low else "[") + "0, 1" + (")" if open_high else "]")
        raise ValueError(f"{name} must be in {interval}, got {v!r}")
    return v


def check_choice(value: object, name: str, choices: Collection[str]) -> str:
    """``value`` if it is one of ``choices``, else ``ValueError`` listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {_show(value)}")
    return value


def check_shape(shape: object, name: str = "shape") -> tuple[int, ...]:
    """A shape as a tuple of non-negative Python ints (an int means ``(int,)``).

    >>> check_shape((2, 3))
    (2, 3)
    >>> check_shape((2, -1))
    Traceback (most recent call last):
    ...
    ValueError: shape must not have negative entries, got (2, -1)
    """
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"{name} must be a tuple of integers, got {_show(shape)}")
    dims = tuple(check_int(d, f"{name} entry") for d in shape)  # type: ignore[union-attr]
    if any(d < 0 for d in dims):
        raise ValueError(f"{name} must not have negative entries, got {dims}")
    return dims
