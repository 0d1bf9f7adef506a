"""Input coercion shared by the sequence and selection masks.

Turns Python sequences into integer arrays of the requested namespace and
device, checks dtypes, and tells whether an array's values can be looked at
now (not a JAX tracer, not a lazy Dask graph) so that value checks either run
eagerly, run lazily inside the Dask graph, or are skipped under ``jax.jit``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

import array_api_compat as compat
import numpy as np

from .._backend import Array, capabilities, is_array, is_sequence, is_traced, namespace
from .._validate import is_integer_dtype

__all__ = [
    "dtype_name",
    "int_array",
    "is_traced",
    "lazy_check",
    "to_device",
    "values_known",
]


def dtype_name(dtype: Any) -> str:
    """``"int64"`` for ``numpy.int64``, ``torch.int64``, ``jnp.int64``, ..."""
    return str(dtype).rsplit(".", 1)[-1]


def values_known(x: Array, xp: ModuleType) -> bool:
    """The values of ``x`` can be read now (not traced, not a lazy graph)."""
    return not capabilities(xp).lazy and not is_traced(x)


def to_device(x: Array, device: Any) -> Array:
    """``x`` on ``device`` (unchanged when ``device`` is None)."""
    if device is None:
        return x
    return compat.to_device(x, device)


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
        raise TypeError(f"{name} must hold integers, got {host.dtype} values {_show(host)}")
    if not capabilities(ns).int64 and host.dtype.itemsize > 4:
        host = _narrow_to_int32(host, name)
    return _new_array(host, ns, device), ns


def _new_array(host: np.ndarray, xp: ModuleType, device: Any) -> Array:
    # not as_array: that passes NumPy arrays through unchanged
    if device is None:
        return xp.asarray(host)
    return xp.asarray(host, device=device)


def _narrow_to_int32(host: np.ndarray, name: str) -> np.ndarray:
    info = np.iinfo(np.int32)
    if host.size and (host.min() < info.min or host.max() > info.max):
        raise ValueError(f"{name} values do not fit in int32 on a backend without int64")
    return host.astype(np.int32)


def _show(host: np.ndarray) -> str:
    text = repr(host.tolist())
    return text if len(text) <= 60 else text[:57] + "..."


def lazy_check(x: Array, check: Callable[[np.ndarray], None]) -> Array:
    """``x`` (a Dask array) with ``check`` run on each block when it is computed."""
    return x.map_blocks(functools.partial(_checked_block, check=check), dtype=x.dtype)


def _checked_block(block: Any, *, check: Callable[[Any], None]) -> Any:
    check(block)
    return block
