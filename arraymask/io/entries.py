"""The stored entries of a file in chunks, never all at once where the format allows it.

:func:`stream` gives the shape of a file's matrix and an iterator of
``(coords, values)`` chunks (``coords`` int64 ``(ndim, k)``, at most
:data:`CHUNK` entries each). ``arraymask spy`` bins them into an image, so
its memory stays bounded by the chunk and the image, whatever the file size:

* Matrix Market ``coordinate`` files (plain, gzip, bzip2) are parsed here,
  a block of lines at a time (:func:`numpy.loadtxt` on each block), with the
  same checks as the reader: the header through SciPy's ``mminfo``, entry
  counts (too many lines, truncated file), indices inside the shape, each
  error reported with its line. Values are parsed as float64 (complex: the
  real and imaginary parts) because only their magnitude is used; the
  mirrored entries of a symmetric file are added.
* ``.npy`` files are mapped into memory and scanned a block of elements at
  a time (their nonzero elements, as the reader gives).
* binsparse HDF5 files in a coordinate format (``COO``, ``COOC``,
  ``CVEC``, one sparse level) are sliced a block at a time through h5py.
* Other files (``.npz``, ``.pt``, binsparse ``.npz`` and other binsparse
  formats, Matrix Market ``array`` files) are read whole by their reader:
  memory for the entries, never for the dense matrix.

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "m.npy")
>>> np.save(path, np.array([[0.0, 2.0], [3.0, 0.0]]))
>>> entries = stream(path)
>>> entries.shape, [c.tolist() for c, _ in entries.chunks]
((2, 2), [[[0, 1], [1, 0]]])
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._content import check_value_dtype
from ._errors import ConvertError, MalformedInputError, brief
from ._progress import CountingReader, Progress
from ._registry import Format, for_path

__all__ = ["CHUNK", "Entries", "stream"]

CHUNK = 1 << 20
"""Entries per chunk (about 24 MiB of coordinates and values for a 2-D matrix)."""

_BLOCK_BYTES = 32 << 20
_ROW = re.compile(r"at row (\d+)")
_COLUMNS = re.compile(r"invalid column index \d+\s+with (\d+) columns")


@dataclass
class Entries:
    """A file's shape, and its stored entries as an iterator of chunks.

    ``streamed`` says whether the file is read a block at a time (True) or
    whole by its reader (False).
    """

    shape: tuple[int, ...]
    chunks: Iterator[tuple[np.ndarray, np.ndarray]]
    streamed: bool
    dtype: str


def stream(
    path: str,
    *,
    file_format: str | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> Entries:
    """The entries of ``path`` in chunks of at most ``chunk`` (see the module docstring)."""
    progress = progress or Progress("never")
    fmt = for_path(path, file_format, option="--from")
    fmt.module.requirements()
    if fmt.module_name == "matrix_market":
        entries = _matrix_market(path, progress, chunk)
        if entries is not None:
            return entries
    elif fmt.module_name == "npy":
        return _npy(path, progress, chunk)
    elif fmt.module_name == "binsparse_io":
        entries = _binsparse_hdf5(path, progress, chunk)
        if entries is not None:
            return entries
    return _whole(path, fmt, progress, chunk)


def _whole(path: str, fmt: Format, progress: Progress, chunk: int) -> Entries:
    coo = fmt.module.read(path, progress=progress).coo
    coords, values = np.asarray(coo.coords), np.asarray(coo.values)

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, coo.nnz, chunk):
            yield coords[:, start : start + chunk], values[start : start + chunk]

    return Entries(tuple(coo.shape), chunks(), False, np.dtype(coo.dtype).name)


# -- .npy ------------------------------------------------------------------


def _npy(path: str, progress: Progress, chunk: int) -> Entries:
    from . import npy

    content_shape, dtype, fortran, _ = npy._header(path)
    check_value_dtype(path, dtype)
    npy.read_check(path, content_shape, dtype)
    size = math.prod(content_shape)
    array = np.load(path, mmap_mode="r", allow_pickle=False) if size else np.zeros(0, dtype)
    flat = np.ravel(array, order="F" if fortran else "C")
    order: Literal["C", "F"] = "F" if fortran else "C"
    progress.wanted(os.path.getsize(path))

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        with progress.bar(f"reading {os.path.basename(path)}", size) as update:
            for start in range(0, size, chunk):
                block = np.asarray(flat[start : start + chunk])
                nonzero = np.flatnonzero(block != 0)
                position = nonzero + start
                coords = np.asarray(np.unravel_index(position, content_shape, order=order))
                update(len(block))
                yield coords.astype(np.int64, copy=False).reshape(len(content_shape), -1), block[
                    nonzero
                ]

    return Entries(content_shape, chunks(), True, dtype.name)


# -- Matrix Market -----------------------------------------------------------


def _matrix_market(path: str, progress: Progress, chunk: int) -> Entries | None:
    from . import matrix_market as mm

    rows, cols, declared, layout, field, symmetry = mm.header(path)
    if layout != "coordinate":
        return None  # dense text: the reader (there is no sparsity to gain)
    columns = {"pattern": 2, "complex": 4}.get(field, 3)
    shape = (int(rows), int(cols))
    size = os.path.getsize(path)
    progress.wanted(size)
    dtype = {"pattern": "bool", "integer": "int64", "unsigned-integer": "uint64",
             "complex": "complex128"}.get(field, "float64")
    parser = _MatrixMarketBlocks(path, shape, int(declared), columns, symmetry != "general")
    parser.limits = {"integer": (-(2.0**63), 2.0**63), "unsigned-integer": (0.0, 2.0**64)}.get(
        field
    )
    return Entries(shape, parser.chunks(progress, size, chunk), True, dtype)


class _MatrixMarketBlocks:
    """Parse the entry lines of a coordinate Matrix Market file, a block of lines at a time."""

    def __init__(
        self, path: str, shape: tuple[int, int], declared: int, columns: int, mirror: bool
    ) -> None:
        self.path = path
        self.shape = shape
        self.declared = declared
        self.columns = columns
        self.mirror = mirror
        self.dtype = np.dtype(
            [("i", np.int64), ("j", np.int64)]
            + [(f"v{k}", np.float64) for k in range(columns - 2)]
        )
        self.seen = 0
        self.limits: tuple[float, float] | None = None  # the range of an integer field

    def chunks(
        self, progress: Progress, size: int, chunk: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        from . import matrix_market as mm

        compression = mm.compression_of(self.path)
        with contextlib.ExitStack() as stack:
            raw: Any = stack.enter_context(open(self.path, "rb", buffering=0))
            update = stack.enter_context(
                progress.bar(f"reading {os.path.basename(self.path)}", size)
            )
            if progress.active:
                raw = CountingReader(raw, update)
            source = stack.enter_context(
                mm.decompressed(io.BufferedReader(raw, 1 << 20), compression)
            )
            try:
                yield from self._parse(source, chunk)
            except MalformedInputError:
                raise
            except (EOFError, OSError, ValueError) as exc:
                raise mm.malformed(self.path, exc) from None
            except MemoryError:
                raise ConvertError(f"{self.path}: not enough memory") from None

    def _parse(self, source: Any, chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        line = self._skip_header(source)
        block_bytes = min(_BLOCK_BYTES, max(chunk, 1) * 32)
        rest = b""
        while True:
            data = source.read(block_bytes)
            text = rest + data
            if data:
                cut = text.rfind(b"\n") + 1
                if cut == 0:
                    rest = text
                    continue
                text, rest = text[:cut], text[cut:]
            else:
                rest = b""
            if text:
                yield from self._block(text, line, chunk)
                line += text.count(b"\n")
            if not data:
                break
        if self.seen < self.declared:
            raise MalformedInputError(
                self.path,
                f"Truncated file. Expected another {self.declared - self.seen} lines.",
            )

    def _skip_header(self, source: Any) -> int:
        """Read the banner, comments and size line; the line number of the first entry."""
        number = 0
        while True:
            text = source.readline()
            number += 1
            if not text:
                raise MalformedInputError(self.path, "Truncated file: no size line")
            stripped = text.strip()
            if number == 1 or not stripped or stripped.startswith(b"%"):
                continue
            return number + 1

    def _block(
        self, text: bytes, first_line: int, chunk: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        lines = text.decode("latin-1").splitlines()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                parsed = np.loadtxt(
                    lines, dtype=self.dtype, comments="%", ndmin=1,
                    usecols=range(self.columns),
                )
        except ValueError:
            raise self._first_bad_line(lines, first_line) from None
        if self.seen + len(parsed) > self.declared:
            extra = self.declared - self.seen
            raise MalformedInputError(
                self.path, "Too many lines in file", line=self._line_of(lines, first_line, extra)
            )
        coords = np.empty((2, len(parsed)), dtype=np.int64)
        coords[0] = parsed["i"]
        coords[1] = parsed["j"]
        coords -= 1
        bad = (coords < 0) | (coords >= np.array(self.shape, dtype=np.int64)[:, None])
        if bad.any():
            index = int(np.argmax(bad.any(axis=0)))
            which = "Row" if bad[0, index] else "Column"
            raise MalformedInputError(
                self.path,
                f"{which} index out of bounds",
                line=self._line_of(lines, first_line, index),
            )
        if self.limits is not None:
            low, high = self.limits
            outside = (parsed["v0"] < low) | (parsed["v0"] >= high)
            if outside.any():
                raise MalformedInputError(
                    self.path,
                    "Integer value out of range",
                    line=self._line_of(lines, first_line, int(np.argmax(outside))),
                )
        if self.columns == 2:
            values = np.ones(len(parsed), dtype=bool)
        elif self.columns == 3:
            values = parsed["v0"]
        else:
            values = np.hypot(parsed["v0"], parsed["v1"])
        self.seen += len(parsed)
        if self.mirror:
            off = coords[0] != coords[1]
            coords = np.concatenate([coords, coords[::-1, off]], axis=1)
            values = np.concatenate([values, values[off]])
        for start in range(0, coords.shape[1], chunk):
            yield coords[:, start : start + chunk], values[start : start + chunk]

    @staticmethod
    def _line_of(lines: list[str], first_line: int, index: int) -> int:
        """The file line of the ``index``-th entry line of a block (comments, blanks skipped)."""
        count = -1
        for offset, text in enumerate(lines):
            stripped = text.strip()
            if stripped and not stripped.startswith("%"):
                count += 1
                if count == index:
                    return first_line + offset
        return first_line + len(lines)

    def _first_bad_line(self, lines: list[str], first_line: int) -> MalformedInputError:
        for offset, text in enumerate(lines):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    np.loadtxt([text], dtype=self.dtype, comments="%", ndmin=1,
                               usecols=range(self.columns))
            except ValueError as exc:
                reason = _ROW.sub("", brief(exc)).replace(" ,", ",").rstrip(". ")
                reason = reason.split("; use `usecols`")[0]
                short = _COLUMNS.search(reason)
                if short:
                    reason = f"{self.columns} numbers expected, {short.group(1)} found"
                return MalformedInputError(
                    self.path, f"invalid entry: {reason}", line=first_line + offset
                )
        return MalformedInputError(self.path, "invalid entry lines")  # pragma: no cover


# -- binsparse (HDF5, coordinate formats) ---------------------------------------


def _binsparse_hdf5(path: str, progress: Progress, chunk: int) -> Entries | None:
    from . import binsparse_io as bio

    if bio.container_of(path) != "hdf5":
        return None
    plan = bio.coordinate_plan(path)
    if plan is None:
        return None
    progress.wanted(os.path.getsize(path))

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        with progress.stage(f"reading {os.path.basename(path)}"):
            try:
                yield from bio.coordinate_chunks(path, plan, chunk)
            except ConvertError:
                raise
            except (OSError, ValueError, KeyError, TypeError) as exc:  # h5py on a broken file
                raise MalformedInputError(path, brief(exc)) from None

    return Entries(plan.shape, chunks(), True, plan.dtype)
