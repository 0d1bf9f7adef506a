"""What a reader returns, and the checks every reader shares.

A reader gives the matrix *as stored*: a :class:`~arraymask.sparse.COO`
whose entries keep the file's order and duplicates (``info`` reports on
them; ``convert`` makes them canonical), plus format facts for ``info``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import MalformedInputError, UsageError

__all__ = [
    "VALUE_DTYPES",
    "Content",
    "check_value_dtype",
    "make_coo",
    "native",
    "require",
]

#: Value dtypes the converter reads and writes (NumPy names).
VALUE_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


@dataclass(frozen=True)
class Content:
    """A matrix read from a file: the entries as stored, and format facts.

    Attributes
    ----------
    coo : arraymask.COO
        NumPy arrays; the file's order and duplicates are kept.
    details : dict
        Format facts shown by ``info`` (Matrix Market field and symmetry,
        the sparse layout of a ``.npz``, ...), JSON-serialisable.
    """

    coo: Any
    details: dict[str, Any] = field(default_factory=dict)


def require(module: str, purpose: str, *, extra: str = "cli") -> Any:
    """Import ``module`` or raise :class:`MissingDependencyError` saying what to install."""
    import importlib

    from ._errors import MissingDependencyError

    package = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(package, purpose, extra=extra) from None


def check_value_dtype(path: str | os.PathLike[str], dtype: Any, *, reading: bool = True) -> None:
    """Refuse values that are not booleans or numbers of a supported dtype.

    >>> try:
    ...     check_value_dtype("a.npy", np.dtype("U3"))
    ... except MalformedInputError as exc:
    ...     print(exc.reason)
    unsupported value type <U3 (supported: bool, int8-64, uint8-64, float16/32/64, complex64/128)
    """
    name = np.dtype(dtype).name if isinstance(dtype, np.dtype) else str(dtype)
    if name in VALUE_DTYPES:  # the name ignores the byte order: both are fine
        return
    shown = dtype.str if isinstance(dtype, np.dtype) and dtype.kind in "USVOMm" else name
    message = (
        f"unsupported value type {shown} "
        "(supported: bool, int8-64, uint8-64, float16/32/64, complex64/128)"
    )
    if reading:
        raise MalformedInputError(path, message)
    raise UsageError(f"{path}: {message}")


def native(x: np.ndarray) -> np.ndarray:
    """``x`` in native byte order (a copy only when it is not).

    >>> native(np.array([1.5], dtype=">f8")).dtype.byteorder
    '='
    """
    if x.dtype.byteorder not in "=|":
        return x.astype(x.dtype.newbyteorder("="))
    return x


def make_coo(
    path: str | os.PathLike[str],
    coords: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, ...],
) -> Any:
    """A validated COO of entries read from ``path``; bad entries are malformed input.

    ``coords`` must already be int64 ``(ndim, nnz)``. An out-of-range entry
    is reported with its position (1-based) and coordinates.
    """
    from ..sparse import COO

    if any(s < 0 for s in shape):
        raise MalformedInputError(path, f"negative dimension in shape {shape}")
    check_value_dtype(path, values.dtype)
    try:
        return COO(coords, values, shape, check=True)
    except IndexError:
        bad = _first_out_of_range(coords, shape)
        entry = tuple(int(c) for c in coords[:, bad])
        raise MalformedInputError(
            path,
            f"entry {bad + 1} has coordinates {entry} (0-based), out of range for shape {shape}",
        ) from None
    except (TypeError, ValueError) as exc:
        raise MalformedInputError(path, str(exc)) from None


def _first_out_of_range(coords: np.ndarray, shape: tuple[int, ...]) -> int:
    limits = np.asarray(shape, dtype=np.int64).reshape(-1, 1)
    bad = ((coords < 0) | (coords >= limits)).any(axis=0)
    return int(np.argmax(bad))
