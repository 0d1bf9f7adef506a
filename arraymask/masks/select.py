"""Selection: ``isin_mask``, ``boolean_select``, ``masked_fill``, ``argwhere``.

Each function has an array-API version (the ``_generic`` twins) and, where a
backend has a native routine or the compiled lookup kernels apply, a fast
route that gives the identical result.
"""

from __future__ import annotations

import functools
import math
import sys
import warnings
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import (
    Array,
    capabilities,
    device_of,
    from_host,
    host_view,
    is_array,
    is_sequence,
    namespace,
)
from .._bridge import bridged
from .._validate import normalize_axis
from ._inputs import dtype_name, is_traced

__all__ = ["argwhere", "boolean_select", "isin_mask", "masked_fill"]

#: Threads for the compiled isin kernels. One: on the 2-core development
#: machine a second OpenMP thread measured slower under a shared load (see
#: docs/benchmarks/masks_select.md); the kernels accept more.
_ISIN_THREADS = 1

#: Largest byte table (entries) and bitmap (bits) the integer isin builds.
_TABLE_MAX = 1 << 22
_BITMAP_MAX = 1 << 28


def _require_array(x: object, name: str) -> None:
    if not is_array(x):
        raise TypeError(f"{name} must be an array, got {type(x).__name__}")


def _bool_array(mask: object, name: str, xp: ModuleType, like: Array) -> Array:
    """``mask`` as a boolean array of ``xp`` (sequences go to ``like``'s device)."""
    arr: Any
    if is_array(mask):
        arr = mask
    elif is_sequence(mask) or isinstance(mask, (bool, np.bool_)):
        arr = xp.asarray(np.asarray(mask), device=device_of(like))
    else:
        raise TypeError(f"{name} must be a boolean array, got {type(mask).__name__}")
    if dtype_name(arr.dtype) != "bool":
        raise TypeError(f"{name} must be boolean, got dtype {arr.dtype}")
    return arr


def _host_arrays(*arrays: Array) -> list[np.ndarray] | None:
    """Zero-copy NumPy views of all ``arrays`` (CPU, no autograd), else None.

    NumPy's boolean indexing beats torch's own on CPU tensors (about 2.5x,
    measured with one and two torch threads) and gives the identical result;
    tensors that require grad keep torch's route so that gradients flow.
    """
    views = []
    for a in arrays:
        if getattr(a, "requires_grad", False):
            return None
        view = host_view(a)
        if view is None:
            return None
        views.append(view)
    return views


def _require_dynamic_shapes(fn: str, xp: ModuleType, *arrays: Array) -> None:
    """Refuse to run where the output shape cannot depend on values."""
    caps = capabilities(xp)
    if any(is_traced(a) for a in arrays):
        raise TypeError(
            f"{fn} has a data-dependent output shape and cannot run under jax.jit; "
            "call it outside jit, or use masked_fill / a mask instead"
        )
    if not caps.data_dependent_shapes and caps.name != "jax":
        raise TypeError(
            f"{fn} has a data-dependent output shape, which namespace "
            f"{xp.__name__} does not support (data_dependent_shapes is off)"
        )


# --------------------------------------------------------------------------
# isin_mask


@bridged
def isin_mask(x: Array, values: Any, /, *, invert: bool = False) -> Array:
    """True where an element of ``x`` equals one of ``values`` (token-id masks).

    Equality is exact equality of values: an element matches a value when
    both denote the same number, whatever the dtypes (``2`` matches ``2.0``;
    ``2.5`` matches no integer; ``0.1`` matches no ``float32``, whose nearest
    value differs from ``0.1``). NaN matches nothing; ``-0.0`` matches ``0.0``.

    Parameters
    ----------
    x : array
        Real, integer, bool or complex array of any namespace.
    values : array or sequence
        The values to look for, any shape (flattened); an array must be of
        ``x``'s namespace, except a NumPy array, which (like a sequence) goes
        with an ``x`` of any namespace.
    invert : bool
        Return the complement (True where an element matches none).

    Returns
    -------
    array of bool shaped like ``x``, in ``x``'s namespace and on its device.

    Raises
    ------
    TypeError
        ``x`` is not an array, ``values`` is not numeric, complex ``values``
        with a real ``x``, or ``values`` of another namespace.

    Notes
    -----
    Integer NumPy arrays and CPU torch tensors use a compiled lookup table
    over ``[min(values), max(values)]`` (a byte table, or a bitmap for wider
    ranges) when the range is small next to ``x``; otherwise, and for
    float32/float64, a compiled binary search over the sorted values.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> tokens = np.array([[1, 2, 3, 4], [7, 0, 4, 2]])
    >>> am.isin_mask(tokens, [2, 4, 7])
    array([[False,  True, False,  True],
           [ True, False,  True,  True]])
    >>> am.isin_mask(tokens, [2, 4, 7], invert=True).astype(int)
    array([[1, 0, 1, 0],
           [0, 1, 0, 0]])
    """
    _require_array(x, "x")
    if not isinstance(invert, (bool, np.bool_)):
        raise TypeError(f"invert must be a bool, got {invert!r}")
    invert = bool(invert)
    # NumPy values, like sequences, are host data that go to any namespace
    device_values = is_array(values) and type(values) is not np.ndarray
    xp = namespace(x, values) if device_values else namespace(x)
    kind = _kind(x.dtype)
    if kind is None:
        raise TypeError(f"x must have a numeric or bool dtype, got {x.dtype}")
    host_x = host_view(x)
    host_v = host_view(values) if is_array(values) else None
    if host_x is not None and (host_v is not None or not is_array(values)):
        v = _exact_host_values(host_v if host_v is not None else values, host_x.dtype)
        return from_host(_isin_host(host_x, v, invert), x)
    if capabilities(xp).lazy:
        return _isin_dask(x, values, invert)
    if device_values:
        vals, any_valid = _exact_device_values(values, x, xp)
    else:
        np_dtype = _numpy_dtype(x.dtype)
        if np_dtype is None:  # e.g. torch.bfloat16: convert on the device
            vals, any_valid = _exact_device_values(
                xp.asarray(_numeric_host(values), device=device_of(x)), x, xp
            )
        else:
            host = _exact_host_values(values, np_dtype)
            vals, any_valid = xp.asarray(host, device=device_of(x)), None
    return _isin_generic(x, vals, any_valid, invert, xp)


def _kind(dtype: Any) -> str | None:
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


_STANDARD_DTYPES = frozenset(
    ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "float16", "float32", "float64", "complex64", "complex128"]
)


def _numpy_dtype(dtype: Any) -> np.dtype | None:
    """NumPy's version of a standard dtype; None for others (bfloat16, ...)."""
    name = dtype_name(dtype)
    return np.dtype(name) if name in _STANDARD_DTYPES else None


def _numeric_host(values: Any) -> np.ndarray:
    host = np.asarray(values).reshape(-1)
    if host.dtype.kind not in "biufc":
        raise TypeError(f"values must be numbers, got dtype {host.dtype}")
    return host


def _exact_host_values(values: Any, dtype: np.dtype) -> np.ndarray:
    """``values`` in ``dtype``, keeping only those the conversion leaves exact."""
    dtype = np.dtype(dtype)
    if not isinstance(values, np.ndarray):
        try:
            host = np.asarray(values)
        except (OverflowError, ValueError):
            host = None
        # a sequence mixing Python ints and floats (or ints beyond 64 bits) would
        # lose its ints to float64 in np.asarray: convert element by element
        if host is None or host.dtype == object or (
            host.dtype.kind in "fc" and _holds_ints(host, values)
        ):
            return _exact_from_objects(values, dtype)
        values = host
    host = _numeric_host(values)
    if host.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(f"values are complex ({host.dtype}) but x is real ({dtype})")
    if host.size == 0:
        return host.astype(dtype)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # casts of inf/NaN/huge values: dropped below
        cast = host.astype(dtype)
        exact = cast.astype(host.dtype) == host  # also drops NaN
    return cast if exact.all() else cast[exact]


def _holds_ints(host: np.ndarray, values: Any) -> bool:
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


def _exact_device_values(values: Array, x: Array, xp: ModuleType) -> tuple[Array, Array | None]:
    """Device twin of :func:`_exact_host_values` without data-dependent shapes.

    Inexact values are replaced by an exact one (so they cannot match);
    the second result is False when none is exact.
    """
    vals = xp.reshape(values, (-1,))
    if _kind(vals.dtype) is None:
        raise TypeError(f"values must be numbers, got dtype {vals.dtype}")
    if _kind(vals.dtype) == "c" and _kind(x.dtype) != "c":
        raise TypeError(f"values are complex ({vals.dtype}) but x is real ({x.dtype})")
    if vals.shape[0] == 0:
        return xp.astype(vals, x.dtype), None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy-based namespaces warn on NaN casts
        cast = xp.astype(vals, x.dtype) if vals.dtype != x.dtype else vals
        exact = xp.astype(cast, vals.dtype) == vals
    first = xp.argmax(xp.astype(exact, xp.int8))
    fill = xp.take(cast, xp.reshape(first, (1,)))
    return xp.where(exact, cast, fill), xp.any(exact)


def _isin_host(x: np.ndarray, values: np.ndarray, invert: bool) -> np.ndarray:
    """Compiled route for NumPy data (also CPU torch through a zero-copy view)."""
    from .._ext import lookup

    if values.size == 0:
        return np.full(x.shape, invert)
    if x.dtype.kind not in "iuf" or (x.dtype.itemsize < 4 and x.dtype.kind == "f"):
        return np.isin(x, values, invert=invert)  # bool, float16, complex
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape[0], dtype=np.bool_)
    out8 = out.view(np.uint8)
    n = flat.shape[0]
    if x.dtype.kind in "iu":
        lo, hi = values.min(), values.max()
        span = int(hi) - int(lo) + 1
        if span <= _TABLE_MAX and span <= max(1 << 16, 4 * n):
            table = np.zeros(span + 1, dtype=np.uint8)
            lookup.build_table(values, lo, table)
            lookup.isin_table(flat, lo, table, out8, invert, _ISIN_THREADS)
            return out.reshape(x.shape)
        if span <= _BITMAP_MAX and span <= max(1 << 19, 32 * n):
            bits = np.zeros((span + 7) // 8, dtype=np.uint8)
            lookup.build_bitmap(values, lo, bits)
            lookup.isin_bitmap(flat, lo, span, bits, out8, invert, _ISIN_THREADS)
            return out.reshape(x.shape)
    lookup.isin_sorted(flat, np.sort(values), out8, invert, _ISIN_THREADS)
    return out.reshape(x.shape)


def _isin_dask(x: Array, values: Any, invert: bool) -> Array:
    """Dask route: every block through :func:`isin_mask` (lazily), values whole."""
    da = sys.modules["dask.array"]
    if is_array(values) and type(values) is not np.ndarray:
        vals = values.reshape(-1).rechunk(-1)
        index = tuple(range(x.ndim))
        return da.blockwise(
            _isin_block, index, x, index, vals, (x.ndim,),
            concatenate=True, dtype=bool, invert=invert,
        )
    host = _exact_host_values(values, x.dtype)
    return x.map_blocks(functools.partial(_isin_block, values=host, invert=invert), dtype=bool)


def _isin_block(block: Any, values: Any, invert: bool) -> Any:
    return isin_mask(block, values, invert=invert)


def _isin_generic(
    x: Array, vals: Array, any_valid: Array | None, invert: bool, xp: ModuleType
) -> Array:
    """Array-API twin: binary search in the sorted values, then compare."""
    m = vals.shape[0]
    kind = _kind(x.dtype)
    if m == 0:
        hit = xp.zeros(x.shape, dtype=xp.bool, device=device_of(x))
    elif kind == "b":
        hit = xp.where(x, xp.any(vals), xp.any(xp.logical_not(vals)))
    elif kind == "c":
        hit = xp.any(x[..., None] == vals, axis=-1)
    else:
        svals = xp.sort(vals)
        flat = xp.reshape(x, (-1,))
        pos = xp.minimum(xp.searchsorted(svals, flat), m - 1)
        hit = xp.reshape(xp.take(svals, pos) == flat, x.shape)
    if any_valid is not None:
        hit = xp.logical_and(hit, any_valid)
    return xp.logical_not(hit) if invert else hit


# --------------------------------------------------------------------------
# boolean_select


@bridged
def boolean_select(x: Array, mask: Any, /, *, axis: int = 0) -> Array:
    """Elements of ``x`` where ``mask`` is True (``tf.boolean_mask``).

    ``mask.shape`` must equal ``x.shape[axis:axis + mask.ndim]``; those
    dimensions collapse into one of length ``count_nonzero(mask)``, in
    row-major order.

    Parameters
    ----------
    x : array
    mask : bool array or sequence of bool
        At least 1-D.
    axis : int
        First dimension of ``x`` that ``mask`` covers (negative counts from
        the end).

    Returns
    -------
    array of ``x``'s dtype, shape
    ``x.shape[:axis] + (count_nonzero(mask),) + x.shape[axis + mask.ndim:]``.

    Raises
    ------
    TypeError
        Non-boolean ``mask``; or a backend that cannot produce data-dependent
        shapes (JAX under ``jit``, array-api-strict with
        ``data_dependent_shapes`` off).
    ValueError
        0-d ``mask``, ``axis`` out of range, or a shape mismatch.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> am.boolean_select(x, x > 4)
    array([5, 6, 7, 8, 9])
    >>> am.boolean_select(x, [True, False, True], axis=1)
    array([[1, 3],
           [4, 6],
           [7, 9]])
    """
    _require_array(x, "x")
    xp = namespace(x, mask)
    mask = _bool_array(mask, "mask", xp, x)
    if mask.ndim == 0:
        raise ValueError("mask must have at least one dimension, got a 0-d mask")
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension, got a 0-d array")
    ax = normalize_axis(axis, x.ndim)
    k = mask.ndim
    covered = tuple(x.shape[ax : ax + k])
    if ax + k > x.ndim or covered != tuple(mask.shape):
        raise ValueError(
            f"mask shape {tuple(mask.shape)} does not match x.shape[{ax}:{ax + k}] = "
            f"{covered} (x has shape {tuple(x.shape)}, axis={axis})"
        )
    _require_dynamic_shapes("boolean_select", xp, x, mask)
    name = capabilities(xp).name
    index: tuple[Any, ...] = (slice(None),) * ax
    if name == "torch" and (views := _host_arrays(x, mask)) is not None:
        return from_host(views[0][(*index, views[1])], x)
    if name in {"numpy", "torch", "cupy", "jax"}:
        return x[(*index, mask)]
    if name == "dask" and (mask.ndim == 1 or mask.ndim == x.ndim):
        return x[(*index, mask)]  # Dask indexes these directly, without a reshape
    return _select_generic(x, mask, ax, xp, native_bool_index=name == "dask")


def _select_generic(
    x: Array, mask: Array, ax: int, xp: ModuleType, *, native_bool_index: bool = False
) -> Array:
    """Array-API twin: merge the masked dimensions, then ``take`` the nonzero positions."""
    k = mask.ndim
    merged = math.prod(int(d) for d in mask.shape)
    x2 = xp.reshape(x, (*x.shape[:ax], merged, *x.shape[ax + k:]))
    flat = xp.reshape(mask, (merged,))
    if native_bool_index:  # Dask: boolean indexing of one axis stays lazy
        return x2[(slice(None),) * ax + (flat,)]
    (positions,) = xp.nonzero(flat)
    return xp.take(x2, positions, axis=ax)


# --------------------------------------------------------------------------
# masked_fill


@bridged
def masked_fill(x: Array, mask: Any, value: Any) -> Array:
    """New array holding ``value`` where ``mask`` is True and ``x`` elsewhere.

    Parameters
    ----------
    x : array
    mask : bool array or sequence of bool
        Broadcasts against ``x`` (without enlarging it).
    value : scalar or array
        A Python/NumPy scalar must be representable in ``x``'s dtype: an
        integer ``x`` takes integers in its range and integral floats
        (``2.0``), a bool ``x`` takes bools, 0 and 1, a real float ``x``
        takes any real number that does not overflow to infinity (rounded to
        the nearest value, as assignment does). An array must be of ``x``'s
        namespace, broadcast against ``x``, and have a dtype that promotes to
        ``x``'s dtype (``int8`` into ``int64``, ``float32`` into ``float64``).

    Returns
    -------
    array with ``x``'s dtype, shape and device.

    Raises
    ------
    TypeError
        Non-boolean ``mask``; a value of the wrong kind (a float or complex
        into an integer ``x`` is refused when it is not integral / real, a
        complex into a real ``x``, an array whose dtype does not promote to
        ``x``'s).
    ValueError
        ``mask`` or ``value`` does not broadcast to ``x.shape``; a scalar out
        of the range of ``x``'s dtype, a non-integral float (``1.5``), NaN or
        infinity into an integer or bool ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> x = np.array([[1, 2, 3], [4, 5, 6]])
    >>> am.masked_fill(x, x > 4, 0)
    array([[1, 2, 3],
           [4, 0, 0]])
    >>> am.masked_fill(x, [True, False, False], -1)
    array([[-1,  2,  3],
           [-1,  5,  6]])
    """
    _require_array(x, "x")
    xp = namespace(x, mask, value)
    mask = _bool_array(mask, "mask", xp, x)
    if capabilities(xp).lazy:  # broadcasting needs sizes: Dask's unknown chunks
        from ..chunked._common import require_known_chunks

        require_known_chunks(x, "x")
        require_known_chunks(mask, "mask")
    _check_broadcast("mask", tuple(mask.shape), tuple(x.shape))
    fill = _fill_value(value, x, xp)
    name = capabilities(xp).name
    if name == "torch":  # measured faster than x.masked_fill on CPU
        return sys.modules["torch"].where(mask, fill, x)
    if name in {"numpy", "cupy"}:
        return _fill_numpy(x, mask, fill)
    if name == "dask" and not is_array(value):  # a NumPy scalar keeps the graph small
        return xp.where(mask, x.dtype.type(_scalar_for(value, x, xp)), x)
    return xp.where(mask, fill, x)


def _fill_numpy(x: Any, mask: Any, fill: Any) -> Any:
    """NumPy/CuPy route: one ``where`` (measured faster than copy + ``copyto``)."""
    mod = sys.modules[type(x).__module__.split(".")[0]]
    return mod.where(mask, fill, x)


def _check_broadcast(name: str, shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    try:
        together = np.broadcast_shapes(shape, target)
    except ValueError:
        together = None
    if together != target:
        raise ValueError(f"{name} of shape {shape} does not broadcast to x.shape {target}")


def _fill_value(value: Any, x: Array, xp: ModuleType) -> Array:
    """``value`` as an array of ``x``'s dtype on ``x``'s device (see masked_fill)."""
    if is_array(value):
        _check_broadcast("value", tuple(value.shape), tuple(x.shape))
        if value.dtype == x.dtype:
            return value
        kinds = {_kind(value.dtype), _kind(x.dtype)}
        if len(kinds) == 1 or kinds == {"i", "u"}:
            try:
                promoted = xp.result_type(value.dtype, x.dtype)
            except (TypeError, ValueError):
                promoted = None
            if promoted == x.dtype:
                return xp.astype(value, x.dtype)
        raise TypeError(
            f"value dtype {value.dtype} does not cast safely to x's dtype {x.dtype}; "
            "cast it first"
        )
    scalar = _scalar_for(value, x, xp)
    return xp.asarray(scalar, dtype=x.dtype, device=device_of(x))


def _scalar_for(value: Any, x: Array, xp: ModuleType) -> Any:
    """A Python scalar that ``x``'s dtype represents (see masked_fill for the rules)."""
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"value must be a number or an array, got {type(value).__name__}")
    kind = _kind(x.dtype)
    if isinstance(value, complex):
        if kind != "c":
            raise TypeError(f"value {value!r} is complex but x's dtype {x.dtype} is real")
        return value
    if kind in {"f", "c"}:
        _check_float_overflow(value, x.dtype)
        return value
    # bool / integer x: the value must be an integer in range
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"value {value!r} cannot be represented in x's dtype {x.dtype}")
        value = int(value)
    if kind == "b":
        if value not in (0, 1):
            raise ValueError(f"value {value!r} cannot be represented in x's dtype {x.dtype}")
        return bool(value)
    info = xp.iinfo(x.dtype)
    if not int(info.min) <= value <= int(info.max):
        raise ValueError(
            f"value {value!r} is out of range for x's dtype {x.dtype} "
            f"[{int(info.min)}, {int(info.max)}]"
        )
    return int(value)


def _check_float_overflow(value: bool | int | float, dtype: Any) -> None:
    """A finite real ``value`` must stay finite in the float ``dtype``."""
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if not math.isfinite(as_float) and isinstance(value, float):
        return  # NaN and infinities are values of every float dtype
    target = _numpy_dtype(dtype) or np.dtype(np.float32)  # bfloat16 has float32's range
    with np.errstate(over="ignore"):
        rounded = np.asarray(as_float).astype(target)
    if not np.isfinite(rounded):
        raise ValueError(f"value {value!r} overflows x's dtype {dtype}")


# --------------------------------------------------------------------------
# argwhere


@bridged
def argwhere(mask: Any) -> Array:
    """Coordinates of the True elements, shape ``(nnz, mask.ndim)``, row-major.

    ``tf.where(mask)`` / ``numpy.argwhere`` / ``torch.argwhere``. The result
    is int64 (int32 on JAX without x64).

    Parameters
    ----------
    mask : bool array or sequence of bool
        Non-boolean arrays are refused: write ``argwhere(x != 0)``.

    Raises
    ------
    TypeError
        Non-boolean ``mask``; or a backend that cannot produce data-dependent
        shapes (JAX under ``jit``, array-api-strict with
        ``data_dependent_shapes`` off).

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> am.argwhere(x > 6)
    array([[2, 0],
           [2, 1],
           [2, 2]])
    """
    xp = namespace(mask)
    if is_array(mask):
        arr = mask
    elif is_sequence(mask) or isinstance(mask, (bool, np.bool_)):
        arr = xp.asarray(np.asarray(mask))
    else:
        raise TypeError(f"mask must be a boolean array, got {type(mask).__name__}")
    if dtype_name(arr.dtype) != "bool":
        raise TypeError(f"mask must be boolean, got dtype {arr.dtype}; use argwhere(x != 0)")
    _require_dynamic_shapes("argwhere", xp, arr)
    name = capabilities(xp).name
    if name in {"numpy", "cupy"}:
        mod = sys.modules[type(arr).__module__.split(".")[0]]
        return mod.argwhere(arr).astype(mod.int64, copy=False)
    if name == "torch":  # faster than NumPy's on CPU, even on one thread
        return sys.modules["torch"].argwhere(arr)
    if name == "jax":
        return sys.modules["jax.numpy"].argwhere(arr)
    if name == "dask" and arr.ndim and 0 not in arr.shape:
        return sys.modules["dask.array"].argwhere(arr)
    return _argwhere_generic(arr, xp)


def _argwhere_generic(mask: Array, xp: ModuleType) -> Array:
    """Array-API twin: ``stack(nonzero(mask), axis=1)`` (0-d masks as 1-element)."""
    dtype = xp.int64 if capabilities(xp).int64 else xp.int32
    if 0 in mask.shape:  # static: nothing to find
        return xp.zeros((0, mask.ndim), dtype=dtype, device=device_of(mask))
    if mask.ndim == 0:
        # one row per True of a 1-element mask, no columns
        empty = xp.zeros((1, 0), dtype=dtype, device=device_of(mask))
        return empty[xp.reshape(mask, (1,))]
    coords = xp.nonzero(mask)
    return xp.astype(xp.stack(coords, axis=1), dtype)
