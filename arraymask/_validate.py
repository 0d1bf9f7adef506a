"""Argument checks shared by every public function.

Each check raises the exception type the contract names (``TypeError`` for a
wrong kind of argument, ``ValueError`` for a wrong value, ``IndexError`` for an
out-of-range position) with a message that names the argument and its value.
None of them modifies its input.
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Collection
from types import ModuleType
from typing import Any

import numpy as np

from ._backend import (
    Array,
    capabilities,
    device_of,
    dtype_name,
    is_array,
    is_sequence,
    namespace,
    new_array,
    require_known_chunks,
    sparse_layout,
    to_device,
)

__all__ = [
    "bool_array",
    "broadcast_shape",
    "check_broadcast",
    "check_choice",
    "check_flag",
    "check_index_range",
    "check_int",
    "check_shape",
    "check_unit_interval",
    "dense_input",
    "exact_values",
    "int_array",
    "is_integer_dtype",
    "kind_of",
    "normalize_axis",
    "numpy_dtype",
    "real_input",
    "require_array",
    "scalar_in_dtype",
]


def _show(value: object, limit: int = 80) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- scalars


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


def check_flag(value: object, name: str) -> bool:
    """``value`` as a bool; anything but ``True``/``False`` is a ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {_show(value)}")
    return bool(value)


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
    """``value`` if it is one of ``choices``: ``TypeError`` for a non-string,
    ``ValueError`` listing them for another string."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}, got {_show(value)}")
    if value not in choices:
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


def normalize_axis(axis: object, ndim: int, name: str = "axis") -> int:
    """``axis`` as a non-negative int below ``ndim`` (negative counts from the end).

    >>> normalize_axis(-1, 3)
    2
    """
    ax = check_int(axis, name)
    if not -ndim <= ax < ndim:
        raise ValueError(f"{name}={ax} is out of range for an array of {ndim} dimensions")
    return ax % ndim


# ---------------------------------------------------------------- dtypes


def kind_of(dtype: Any) -> str | None:
    """NumPy-style kind of a dtype of any namespace: ``b``, ``i``, ``u``, ``f``, ``c``.

    >>> kind_of(np.dtype(">i4")), kind_of("float32"), kind_of(object)
    ('i', 'f', None)
    """
    if isinstance(dtype, np.dtype):
        return dtype.kind if dtype.kind in "biufc" else None
    name = dtype_name(dtype)
    if name == "bool":
        return "b"
    if name.startswith("uint"):
        return "u"
    if name.startswith("int"):
        return "i"
    if name.startswith(("float", "bfloat")):
        return "f"
    if name.startswith("complex"):
        return "c"
    return None


def is_integer_dtype(dtype: Any) -> bool:
    """True for signed and unsigned integer dtypes of any namespace (not bool)."""
    return kind_of(dtype) in ("i", "u")


_STANDARD_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64", "complex64", "complex128"]
)


def numpy_dtype(dtype: Any) -> np.dtype | None:
    """NumPy's version of a standard dtype of any namespace; None for others (bfloat16)."""
    if isinstance(dtype, np.dtype):
        return dtype
    name = dtype_name(dtype)
    return np.dtype(name) if name in _STANDARD_DTYPES else None


def scalar_in_dtype(value: Any, dtype: Any, name: str, *, what: str = "a number") -> Any:
    """``value`` as a Python scalar that ``dtype`` (of any namespace) represents.

    Integer and bool dtypes take integers in range and integral floats; a
    real float dtype takes any real number that does not overflow to
    infinity (rounded to the nearest value, as assignment does; NaN and
    infinities are values of every float dtype); complex values need a
    complex dtype.

    >>> scalar_in_dtype(2.0, np.dtype("int8"), "value")
    2
    >>> scalar_in_dtype(300, np.dtype("uint8"), "fill_value")
    Traceback (most recent call last):
    ...
    ValueError: fill_value=300 is out of range for uint8 [0, 255]
    """
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"{name} must be {what}, got {_show(value)} ({type(value).__name__})")
    kind = kind_of(dtype)
    if isinstance(value, complex):
        if kind != "c":
            raise TypeError(f"{name}={value!r} is complex but the dtype {dtype} is real")
        return value
    if kind in ("f", "c"):
        _check_float_overflow(value, dtype, name)
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"{name}={value!r} is not representable in {dtype}")
        value = int(value)
    if kind == "b":
        if value not in (0, 1):
            raise ValueError(f"{name}={value!r} is not representable in {dtype}")
        return bool(value)
    info = np.iinfo(numpy_dtype(dtype) or np.int64)
    if not int(info.min) <= value <= int(info.max):
        raise ValueError(
            f"{name}={value!r} is out of range for {dtype} [{int(info.min)}, {int(info.max)}]"
        )
    return int(value)


def _check_float_overflow(value: bool | int | float, dtype: Any, name: str) -> None:
    """A finite real ``value`` must stay finite in the float ``dtype``."""
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if not math.isfinite(as_float) and isinstance(value, float):
        return  # NaN and infinities are values of every float dtype
    target = numpy_dtype(dtype) or np.dtype(np.float32)  # bfloat16 has float32's range
    if target.kind == "c":
        target = np.dtype(f"f{target.itemsize // 2}")
    with np.errstate(over="ignore"):
        rounded = np.asarray(as_float).astype(target)
    if not np.isfinite(rounded):
        raise ValueError(f"{name}={value!r} overflows {dtype}")


def exact_values(values: Any, dtype: np.dtype) -> np.ndarray:
    """The entries of host ``values`` that ``dtype`` represents exactly, converted to it.

    A value counts when it denotes the same number in ``dtype``: ``2``
    matches ``2.0``, ``2.5`` matches no integer, ``-1`` is no ``uint64``
    (two's-complement wrap-around does not count), NaN is never kept.

    >>> exact_values([-1, 3, 2.5, 2**64 - 1], np.dtype(np.uint64)).tolist()
    [3, 18446744073709551615]
    """
    dtype = np.dtype(dtype).newbyteorder("=")
    if not isinstance(values, np.ndarray):
        try:
            host = np.asarray(values)
        except (OverflowError, ValueError):
            host = None
        # a sequence mixing Python ints and floats (or ints beyond 64 bits) would
        # lose its ints to float64 in np.asarray: convert element by element
        if host is None or host.dtype == object or (
            host.dtype.kind in "fc" and _holds_ints(values)
        ):
            return _exact_from_objects(values, dtype)
        values = host
    host = numeric_host(values)
    if host.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(f"values are complex ({host.dtype}) but x is real ({dtype})")
    if host.size == 0:
        return host.astype(dtype)
    keep = np.ones(host.shape, dtype=np.bool_)
    if host.dtype.kind in "iub" and dtype.kind in "iu":
        keep = _int_in_range(host, dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # casts of inf/NaN/huge values: dropped below
        cast = host.astype(dtype)
        keep &= cast.astype(host.dtype) == host  # also drops NaN
    return cast if keep.all() else cast[keep]


def numeric_host(values: Any) -> np.ndarray:
    """``values`` as a flat NumPy array of numbers (``TypeError`` otherwise)."""
    host = np.asarray(values).reshape(-1)
    if host.dtype.kind not in "biufc":
        raise TypeError(f"values must be numbers, got dtype {host.dtype}")
    return host


def _int_in_range(host: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Integers of ``host`` within ``dtype``'s range, compared without wrap-around."""
    info = np.iinfo(dtype)
    if host.dtype.kind == "u":
        return host <= np.uint64(info.max) if info.max >= 0 else np.zeros(host.shape, bool)
    wide = host.astype(np.int64)
    if dtype.kind == "u":
        ok = wide >= 0
        if info.max < 2**63 - 1:
            ok &= wide <= info.max
        return ok
    return (wide >= info.min) & (wide <= info.max)


def _holds_ints(values: Any) -> bool:
    objects = np.asarray(values, dtype=object).reshape(-1)
    return any(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in objects
    )


def _exact_from_objects(values: Any, dtype: np.dtype) -> np.ndarray:
    """Element-wise exact conversion of a Python sequence of numbers."""
    kept = []
    for v in np.asarray(values, dtype=object).reshape(-1):
        if isinstance(v, np.generic):
            v = v.item()
        if not isinstance(v, (bool, int, float, complex)):
            raise TypeError(f"values must be numbers, got {type(v).__name__} {v!r}")
        if isinstance(v, complex) and dtype.kind != "c":
            raise TypeError(f"values are complex ({v!r}) but x is real ({dtype})")
        if _represents(dtype, v):
            kept.append(v)
    return np.array(kept, dtype=dtype)


def _represents(dtype: np.dtype, v: Any) -> bool:
    if dtype.kind in "biu":
        if isinstance(v, float):
            if not math.isfinite(v) or not v.is_integer():
                return False
            v = int(v)
        if dtype.kind == "b":
            return v in (0, 1)
        info = np.iinfo(dtype)
        return int(info.min) <= v <= int(info.max)
    try:
        with np.errstate(all="ignore"):
            same = complex(dtype.type(v)) == v if dtype.kind == "c" else float(dtype.type(v)) == v
    except OverflowError:
        return False
    return bool(same)


# ---------------------------------------------------------------- arrays


def dense_input(x: Any, name: str) -> Any:
    """``x`` itself; ``TypeError`` naming ``name`` for a sparse array (torch sparse)."""
    layout = sparse_layout(x)
    if layout is not None:
        raise TypeError(
            f"{name} must be a dense array, got a sparse tensor (layout {layout}); "
            "use COO.from_sparse, or .to_dense() first"
        )
    return x


def require_array(x: object, name: str) -> None:
    """``TypeError`` unless ``x`` is a dense array of a supported namespace."""
    if not is_array(x):
        raise TypeError(f"{name} must be an array, got {type(x).__name__}")
    dense_input(x, name)


def real_input(x: object, name: str) -> tuple[Array, ModuleType]:
    """``x`` as an array (sequences become NumPy) with a bool or real dtype, and its namespace."""
    if not is_array(x):
        if not is_sequence(x):
            raise TypeError(f"{name} must be an array, got {type(x).__name__}")
        x = np.asarray(x)
    dense_input(x, name)
    xp = namespace(x)
    dtype = x.dtype  # type: ignore[attr-defined]
    if kind_of(dtype) not in ("b", "i", "u", "f"):
        raise TypeError(
            f"{name} must have a bool, integer or real floating dtype, "
            f"got {x.dtype}"  # type: ignore[attr-defined]
        )
    if capabilities(xp).lazy:  # Dask: unknown chunk sizes get a clear error
        require_known_chunks(x, name)
    return x, xp


def int_array(
    obj: object, name: str, xp: ModuleType | str | None, device: Any
) -> tuple[Array, ModuleType]:
    """``obj`` as an integer array and its namespace.

    Arrays keep their namespace (``xp`` must agree) and move to ``device`` if
    one is given; Python sequences and scalars become arrays of ``xp`` (NumPy
    by default) on ``device``; an empty sequence becomes ``int64``. Bool,
    float and other non-integer inputs raise ``TypeError``.
    """
    ns = namespace(obj, xp=xp)
    if is_array(obj):
        dense_input(obj, name)
        if not is_integer_dtype(obj.dtype):  # type: ignore[attr-defined]
            raise TypeError(
                f"{name} must be an array of integers, got dtype {obj.dtype}"  # type: ignore[attr-defined]
            )
        return to_device(obj, device), ns
    if not (is_sequence(obj) or isinstance(obj, (int, np.integer))) or isinstance(
        obj, (bool, np.bool_)
    ):
        raise TypeError(
            f"{name} must be an integer array or a sequence of integers, "
            f"got {type(obj).__name__}"
        )
    try:
        host = np.asarray(obj)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular sequence of integers: {exc}") from None
    if host.size == 0 and host.dtype.kind == "f":
        host = host.astype(np.int64)
    if host.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got {host.dtype} values {_show(host, 60)}")
    if not capabilities(ns).int64 and host.dtype.itemsize > 4:
        info = np.iinfo(np.int32)
        if host.size and (host.min() < info.min or host.max() > info.max):
            raise ValueError(f"{name} values do not fit in int32 on a backend without int64")
        host = host.astype(np.int32)
    return new_array(host, ns, device=device), ns


def bool_array(mask: object, name: str, xp: ModuleType, like: Array | None = None, *,
               hint: str = "") -> Array:
    """``mask`` as a boolean array of ``xp`` (sequences go to ``like``'s device)."""
    arr: Any
    if is_array(mask):
        arr = dense_input(mask, name)
    elif is_sequence(mask) or isinstance(mask, (bool, np.bool_)):
        device = None if like is None else device_of(like)
        arr = new_array(np.asarray(mask), xp, device=device)
    else:
        raise TypeError(f"{name} must be a boolean array, got {type(mask).__name__}")
    if kind_of(arr.dtype) != "b":
        raise TypeError(f"{name} must be boolean, got dtype {arr.dtype}{hint}")
    return arr


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast of ``shapes``, or None when they do not broadcast (any ndim).

    (``numpy.broadcast_shapes`` stops at 32 dimensions.)

    >>> broadcast_shape((3, 1), (4,)), broadcast_shape((2,), (3,))
    ((3, 4), None)
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes], strict=True):
        sizes = {int(d) for d in dims} - {1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def check_broadcast(name: str, shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    """``ValueError`` unless ``shape`` broadcasts to ``target`` without enlarging it."""
    together = broadcast_shape(shape, target)
    if together != target:
        raise ValueError(f"{name} of shape {shape} does not broadcast to x.shape {target}")


def check_index_range(idx: Any, size: int, name: str) -> None:
    """``IndexError`` for an index outside ``[-size, size)`` (``idx`` has min/max)."""
    if not math.prod(int(d) for d in idx.shape):
        return
    xp = namespace(idx)
    low, high = int(xp.min(idx)), int(xp.max(idx))
    if low < -size:
        raise IndexError(f"{name}: {low} is out of range for size {size}")
    if high >= size:
        raise IndexError(f"{name}: {high} is out of range for size {size}")
