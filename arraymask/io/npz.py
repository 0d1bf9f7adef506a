"""SciPy sparse ``.npz`` files, through :func:`scipy.sparse.load_npz` and ``save_npz``.

Reading accepts every layout ``save_npz`` writes (COO — N-D included —
CSR, CSC, BSR, DIA, as arrays or matrices). Compressed layouts are checked
in full first (``check_format(full_check=True)``: index pointers, sorted
ranges, bounds), then expanded by SciPy to COO: CSR gives row-major order,
CSC column-major, duplicates and explicit zeros kept. Files are opened
without pickle.

Writing stores a ``coo_array`` with SciPy's own ``save_npz`` (compressed,
like its default), int32 coordinates when the shape allows (as SciPy
does), so ``load_npz`` reads it back as a canonical ``coo_array``.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
import zlib
from typing import Any, BinaryIO

import numpy as np

from ._content import Content, check_value_dtype, make_coo, native, require
from ._errors import ConvertError, MalformedInputError, UsageError, brief
from ._progress import CountingWriter, Progress, opened_for_reading

__all__ = ["check_writable", "read", "requirements", "write"]

_PURPOSE = "reading and writing SciPy .npz files"
_FORMAT_ERRORS = (
    ValueError,
    KeyError,
    EOFError,
    TypeError,
    IndexError,
    NotImplementedError,
    zipfile.BadZipFile,
    OverflowError,
    zlib.error,
)


def requirements() -> None:
    """Raise :class:`MissingDependencyError` unless SciPy is importable."""
    require("scipy.sparse", _PURPOSE)


def _entries(matrix: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(coords int64 (ndim, nnz), values)`` of a SciPy sparse object, as stored."""
    if matrix.format in {"csr", "csc", "bsr"}:
        try:
            matrix.check_format(full_check=True)
        except ValueError as exc:
            raise ValueError(f"invalid {matrix.format} structure: {exc}") from None
    if matrix.format != "coo":
        matrix = matrix.tocoo()
    parts = matrix.coords if hasattr(matrix, "coords") else (matrix.row, matrix.col)
    coords = np.empty((len(parts), int(matrix.nnz)), dtype=np.int64)
    for axis, part in enumerate(parts):
        coords[axis] = part
    return coords, native(np.asarray(matrix.data))


def read(path: str, *, progress: Progress) -> Content:
    """The matrix in ``path`` as stored (see the module docstring)."""
    sp = require("scipy.sparse", _PURPOSE)
    size = os.path.getsize(path)
    if not zipfile.is_zipfile(path):
        raise MalformedInputError(path, "not a .npz file (no complete zip archive)")
    progress.wanted(size)
    try:
        _check_index_arrays(path)
        with opened_for_reading(path, progress, size) as source:
            matrix = sp.load_npz(source)
        layout = f"{matrix.format}_{'array' if isinstance(matrix, sp.sparray) else 'matrix'}"
        check_value_dtype(path, matrix.dtype)
        coords, values = _dia_entries(matrix) if matrix.format == "dia" else _entries(matrix)
    except MalformedInputError:
        raise
    except _FORMAT_ERRORS as exc:
        raise MalformedInputError(path, _reason(exc)) from None
    except MemoryError:
        raise ConvertError(f"{path}: not enough memory to read it") from None
    shape = tuple(int(s) for s in matrix.shape)
    return Content(make_coo(path, coords, values, shape), {"layout": layout})


#: Arrays of a SciPy .npz file that hold positions: integers, or the file is malformed.
_INDEX_ARRAYS = ("row", "col", "coords", "indices", "indptr", "offsets", "shape")


def _check_index_arrays(path: str) -> None:
    """Positions stored as floats (SciPy would truncate them silently): malformed.

    Reads the archive's array headers only, without pickle.
    """
    with np.load(path, allow_pickle=False) as raw:
        for name in raw.files:
            if name in _INDEX_ARRAYS or name.startswith("coords"):
                dtype = raw[name].dtype
                if dtype.kind not in "iu":
                    raise MalformedInputError(
                        path, f"array {name!r} holds positions but has dtype {dtype}"
                    )


def _dia_entries(matrix: Any) -> tuple[np.ndarray, np.ndarray]:
    """Entries of a DIA matrix from its stored diagonals, without an array the size of its shape.

    (SciPy expands DIA through CSR, whose index pointer has one slot per row:
    a small file declaring a huge shape would allocate gigabytes.) Stored
    zeros -- DIA's padding -- are dropped, as SciPy does.
    """
    rows, cols = (int(s) for s in matrix.shape)
    data = np.asarray(matrix.data)
    offsets = np.asarray(matrix.offsets, dtype=np.int64)
    if data.ndim != 2 or offsets.ndim != 1 or data.shape[0] != offsets.shape[0]:
        raise ValueError(f"invalid dia structure: data {data.shape}, offsets {offsets.shape}")
    width = min(data.shape[1], cols)
    col = np.arange(width, dtype=np.int64)
    row = col[None, :] - offsets[:, None]
    keep = (row >= 0) & (row < rows) & (data[:, :width] != 0)
    order = np.lexsort((np.broadcast_to(col, keep.shape)[keep], row[keep]))
    coords = np.stack([row[keep][order], np.broadcast_to(col, keep.shape)[keep][order]])
    return coords, native(data[:, :width][keep][order])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a readable .npz archive ({brief(exc)})"
    if isinstance(exc, KeyError):
        return f"not a SciPy sparse .npz file ({exc.args[0] if exc.args else exc})"
    text = brief(exc)
    if "does not contain a sparse" in text:
        return "not a SciPy sparse .npz file (no 'format' entry)"
    return text


def check_writable(coo: Any, path: str, *, allow_large: bool) -> None:
    """Refuse data that SciPy sparse cannot hold (``UsageError``)."""
    if coo.ndim < 1:
        raise UsageError(f"{path}: SciPy sparse arrays need at least 1 dimension")
    if np.dtype(coo.dtype) == np.float16:
        raise UsageError(
            f"{path}: SciPy sparse has no float16 values; pass --dtype float32 (exact)"
        )


def index_dtype(shape: tuple[int, ...]) -> type:
    """int32 when every dimension fits it (SciPy's own choice), else int64.

    >>> index_dtype((10, 10)).__name__, index_dtype((2**31, 1)).__name__
    ('int32', 'int64')
    """
    return np.int32 if max(shape, default=0) <= np.iinfo(np.int32).max else np.int64


def write(coo: Any, handle: BinaryIO, *, progress: Progress, name: str = "", **_: Any) -> None:
    """Write ``coo`` to ``handle`` as a ``coo_array`` with ``save_npz``."""
    sp = require("scipy.sparse", _PURPOSE)
    coords = np.asarray(coo.coords)
    idx = index_dtype(coo.shape)
    parts = tuple(coords[axis].astype(idx, copy=False) for axis in range(coo.ndim))
    try:
        matrix = sp.coo_array((np.asarray(coo.values), parts), shape=coo.shape)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{name}: SciPy sparse cannot hold these data: {exc}") from None
    with contextlib.ExitStack() as stack:
        sink: Any = handle
        if progress.active:
            update = stack.enter_context(progress.bar(f"writing {name}", None))
            sink = CountingWriter(handle, update)
        sp.save_npz(sink, matrix, compressed=True)
