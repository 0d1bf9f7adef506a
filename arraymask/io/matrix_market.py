"""Matrix Market files (``.mtx``, ``.mtx.gz``, ``.mtx.bz2``) through SciPy's reader and writer.

Reading uses :func:`scipy.io.mmread` (the threaded C++ reader of SciPy >=
1.12) on the file path itself, so the default path is SciPy's own speed; a
``CountingReader`` stream is put in between only while a progress bar is
shown. Gzip and bzip2 are recognised by their magic bytes, whatever the
name, and decompressed by Python's :mod:`gzip` and :mod:`bz2` on the way to
SciPy's reader. What the reader gives:

* ``coordinate`` files: the entries in file order, duplicates kept, with
  the mirrored entries of a ``symmetric`` / ``skew-symmetric`` /
  ``hermitian`` file appended as SciPy's reader expands them;
* ``array`` (dense) files: their nonzero entries, in row-major order;
* value dtypes: ``integer`` → int64, ``unsigned-integer`` → uint64,
  ``real`` → float64, ``complex`` → complex128, ``pattern`` → bool (True).

Malformed files are reported with SciPy's diagnosis and its line number
(``Line 4: Row index out of bounds`` becomes ``FILE, line 4: malformed
input: Row index out of bounds``). Before reading, the header's entry count
is compared with the file size, so a truncated file or a header that
claims billions of entries is refused without allocating for them.

Writing uses :func:`scipy.io.mmwrite` with a ``general`` symmetry, the
entries in the order given (canonical, from ``convert``), and the shortest
decimal text that reads back to the same value. The field follows the
dtype: bool → ``pattern`` when every value is True (``integer`` 0/1
otherwise), signed integers → ``integer``, ``uint32``/``uint64`` →
``unsigned-integer``, floats → ``real`` (float16 is written through
float32), complex → ``complex``.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import mmap
import os
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np

from ._content import Content, make_coo, require
from ._errors import ConvertError, MalformedInputError, UsageError, brief
from ._progress import CountingReader, CountingWriter, Progress

__all__ = ["TextGuard", "check_writable", "read", "requirements", "write"]

_PURPOSE = "reading and writing Matrix Market files"
_LINE = re.compile(r"^\s*Line (\d+):\s*(.*)$", re.DOTALL)
_GZIP_MAGIC = b"\x1f\x8b"
_BZIP2_MAGIC = b"BZh"
#: Fewest bytes a coordinate entry line takes ("1 1" and a newline).
_MIN_ENTRY_BYTES = 4
_FORMAT_ERRORS = (ValueError, OverflowError, EOFError, zlib.error, gzip.BadGzipFile, OSError)
_COMPRESSED_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def requirements() -> None:
    """Raise :class:`MissingDependencyError` unless SciPy is importable."""
    require("scipy.io", _PURPOSE)


def _scipy_io() -> Any:
    return require("scipy.io", _PURPOSE)


def is_gzip(path: str) -> bool:
    """Whether the file starts with the gzip magic bytes."""
    return compression_of(path) == "gzip"


def compression_of(path: str) -> str | None:
    """``"gzip"``, ``"bz2"`` or None, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_BZIP2_MAGIC) and head[3:4] in b"123456789":
        return "bz2"
    return None


def decompressed(stream: Any, compression: str | None) -> Any:
    """``stream`` read through the decompressor named ``compression`` (None: as is)."""
    if compression == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(stream, mode="rb")
    return stream


def malformed(path: str, exc: BaseException) -> MalformedInputError:
    """A :class:`MalformedInputError` from an exception of SciPy's reader.

    >>> str(malformed("m.mtx", ValueError("Line 3: Invalid integer value.")))
    'm.mtx, line 3: malformed input: Invalid integer value.'
    """
    text = brief(exc)
    match = _LINE.match(text)
    if match:
        return MalformedInputError(path, match.group(2).strip(), line=int(match.group(1)))
    if isinstance(exc, _COMPRESSED_ERRORS):
        text = f"broken compressed data ({text})"
    return MalformedInputError(path, text)


class TextGuard(io.RawIOBase):
    r"""Matrix Market text on its way to SciPy's reader: no NUL byte, a newline at the end.

    SciPy's C++ reader (1.17) crashes the interpreter on some malformed
    files: a NUL byte after a number, or a number followed by other
    characters at the very end of a file without a final newline. The guard
    stops the text at the first NUL byte (the reader then sees the file end
    there, and :attr:`error` names the line of the NUL), and adds the
    missing final newline, which changes nothing for a valid file.

    >>> guard = TextGuard(io.BytesIO(b"1 2\n3 4"), "m.mtx")
    >>> io.BufferedReader(guard).read(), guard.error
    (b'1 2\n3 4\n', None)
    >>> guard = TextGuard(io.BytesIO(b"1 2\n3\x004\n"), "m.mtx")
    >>> io.BufferedReader(guard).read(), str(guard.error)
    (b'1 2\n', 'm.mtx, line 2: malformed input: a NUL byte (not text)')
    """

    def __init__(self, source: Any, path: str, first_line: int = 1) -> None:
        super().__init__()
        self._source = source
        self._path = path
        self._line = first_line
        self._last = b"\n"
        self._ended = False
        self.error: MalformedInputError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._ended:
            return 0
        view = memoryview(buffer).cast("B")
        data = self._source.read(len(view))
        if data:
            nul = data.find(b"\x00")
            if nul >= 0:
                data = data[: data.rfind(b"\n", 0, nul) + 1]
                self.error = MalformedInputError(
                    self._path, "a NUL byte (not text)",
                    line=self._line + data.count(b"\n"),
                )
                self._ended = True
                view[: len(data)] = data
                return len(data)
            self._line += data.count(b"\n")
            self._last = data[-1:]
            view[: len(data)] = data
            return len(data)
        self._ended = True
        if self._last != b"\n":
            view[0] = 10
            return 1
        return 0


def needs_guard(path: str) -> bool:
    """Whether an uncompressed file must go through :class:`TextGuard` (NUL, no final newline)."""
    size = os.path.getsize(path)
    if size == 0:
        return False
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"\x00") >= 0 or data[size - 1 : size] != b"\n"


@contextlib.contextmanager
def _opened(
    path: str, compression: str | None, progress: Progress, size: int
) -> Iterator[tuple[Any, TextGuard | None]]:
    """What to hand to ``mmread`` (the path itself, or a guarded stream), and the guard."""
    if not progress.active and compression is None and not needs_guard(path):
        yield path, None
        return
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(open(path, "rb", buffering=0))
        stream: Any = raw
        if progress.active:
            update = stack.enter_context(progress.bar(f"reading {os.path.basename(path)}", size))
            stream = stack.enter_context(
                _buffered(CountingReader(raw, update))
            )
        if compression is not None:
            stream = stack.enter_context(decompressed(stream, compression))
        guard = TextGuard(stream, path)
        yield stack.enter_context(_buffered(guard)), guard


@contextlib.contextmanager
def _buffered(raw: Any) -> Iterator[Any]:
    stream = io.BufferedReader(raw, buffer_size=1 << 20)
    try:
        yield stream
    finally:
        stream.detach()


def header(path: str) -> tuple[int, int, int, str, str, str]:
    """``(rows, cols, entries, format, field, symmetry)`` of the file's header."""
    sio = _scipy_io()
    try:
        compression = compression_of(path)
        with open(path, "rb") as raw, decompressed(raw, compression) as stream:
            guard = TextGuard(stream, path)
            try:
                return tuple(sio.mminfo(io.BufferedReader(guard)))  # type: ignore[return-value]
            except _FORMAT_ERRORS:
                if guard.error is not None:
                    raise guard.error from None
                raise
    except MalformedInputError:
        raise
    except _FORMAT_ERRORS as exc:
        raise malformed(path, exc) from None


def read(path: str, *, progress: Progress) -> Content:
    """The matrix in ``path`` as stored (see the module docstring)."""
    sio = _scipy_io()
    size = os.path.getsize(path)
    compression = compression_of(path)
    rows, cols, entries, layout, field, symmetry = header(path)
    _check_size(path, compression, size, entries, layout)
    progress.wanted(size)
    guard: TextGuard | None = None
    try:
        with _opened(path, compression, progress, size) as (source, guard):
            matrix = sio.mmread(source, spmatrix=False)
    except _FORMAT_ERRORS as exc:
        if guard is not None and guard.error is not None:
            raise guard.error from None
        raise malformed(path, exc) from None
    except MemoryError:
        raise ConvertError(f"{path}: not enough memory to read {entries} entries") from None
    if guard is not None and guard.error is not None:
        raise guard.error
    details = {
        "layout": layout,
        "field": field,
        "symmetry": symmetry,
        "stored_entries": int(entries),
    }
    if isinstance(matrix, np.ndarray):
        from ..sparse import COO

        return Content(COO.from_dense(matrix), details)
    nnz = int(matrix.nnz)
    coords = np.empty((2, nnz), dtype=np.int64)
    coords[0] = matrix.row
    coords[1] = matrix.col
    if symmetry != "general":
        _check_one_triangle(path, coords[:, : int(entries)])
    values = np.ones(nnz, dtype=bool) if field == "pattern" else matrix.data
    return Content(make_coo(path, coords, values, (int(rows), int(cols))), details)


#: Largest ratio of text to compressed bytes believed without counting
#: (Matrix Market text compresses 3-20x; a header that needs more is checked
#: by counting the lines before anything is allocated for it).
_PLAUSIBLE_RATIO = 100


def _check_size(path: str, compression: str | None, size: int, entries: int,
                layout: str) -> None:
    """Refuse a header whose entry count the file cannot hold, before allocating.

    An entry takes at least 4 bytes of text in a coordinate file ("1 1" and a
    newline) and 2 in a dense one ("0" and a newline). A compressed file is
    decompressed once, counting lines, when its header claims more than
    :data:`_PLAUSIBLE_RATIO` times its size.
    """
    least = entries * (_MIN_ENTRY_BYTES if layout == "coordinate" else 2) - 1
    if compression is None:
        if least > size:
            raise MalformedInputError(
                path,
                f"truncated file: the header declares {entries} entries, "
                f"which cannot fit in its {size} bytes",
            )
        return
    if least <= size * _PLAUSIBLE_RATIO:
        return
    lines = 0
    try:
        with open(path, "rb") as raw, decompressed(raw, compression) as stream:
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                if lines > entries + 1000:  # enough lines: the claim is possible
                    return
    except _COMPRESSED_ERRORS as exc:
        raise malformed(path, exc) from None
    if lines < entries:
        raise MalformedInputError(
            path,
            f"truncated file: the header declares {entries} entries, "
            f"but the file holds {lines} lines",
        )


def _check_one_triangle(path: str, coords: np.ndarray) -> None:
    """A symmetric file stores one triangle: an entry stored at (i, j) and (j, i) is refused.

    SciPy's reader mirrors every off-diagonal entry, so a pair stored in both
    triangles would be summed twice over. Entries of the upper triangle
    alone are read, as SciPy does.
    """
    row, col = coords
    off = row != col
    low = np.flatnonzero(off & (row > col))
    up = np.flatnonzero(off & (row < col))
    if not low.size or not up.size:
        return
    span = int(max(row.max(), col.max())) + 1
    low_keys = row[low] * span + col[low]
    up_keys = col[up] * span + row[up]  # mirrored into the lower triangle
    both, at_low, at_up = np.intersect1d(low_keys, up_keys, return_indices=True)
    if both.size:
        first, second = sorted((int(low[at_low[0]]), int(up[at_up[0]])))
        start = _first_entry_line(path)
        i, j = int(row[first]) + 1, int(col[first]) + 1
        raise MalformedInputError(
            path,
            f"symmetric file stores entry ({i}, {j}) on line {start + first} and its mirror "
            f"({j}, {i}) on line {start + second}; a symmetric file stores one triangle",
        )


def _first_entry_line(path: str) -> int:
    """Line number of the first entry (after the banner, comments and the size line)."""
    with open(path, "rb") as raw, decompressed(raw, compression_of(path)) as stream:
        for number, line in enumerate(io.BufferedReader(stream), start=1):
            text = line.strip()
            if text and not text.startswith(b"%"):
                return number + 1
    return 1


class _Forward(io.RawIOBase):
    """A write-only stream that says it cannot seek (``mmwrite`` would seek a ``BZ2File``)."""

    def __init__(self, sink: Any) -> None:
        super().__init__()
        self._sink = sink

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        return int(self._sink.write(data))


def check_writable(coo: Any, path: str, *, allow_large: bool) -> None:
    """Refuse data that a Matrix Market file cannot hold (``UsageError``)."""
    if coo.ndim != 2:
        raise UsageError(
            f"{path}: Matrix Market files hold 2-D matrices; the data have shape {coo.shape}"
        )


def field_for(values: np.ndarray) -> str | None:
    """The Matrix Market field to write ``values`` with (None: SciPy decides by dtype).

    >>> field_for(np.array([True, True])), field_for(np.array([True, False]))
    ('pattern', None)
    >>> field_for(np.array([], dtype=np.int64)), field_for(np.array([], dtype=np.uint64))
    ('integer', 'unsigned-integer')
    """
    if values.dtype == np.bool_ and bool(values.all()):
        return "pattern"
    if values.size == 0:  # written by hand: SciPy would write "real" whatever the dtype
        kind = values.dtype.kind
        if kind == "u" and values.dtype.itemsize >= 4:
            return "unsigned-integer"
        return {"i": "integer", "u": "integer", "f": "real", "c": "complex"}.get(kind)
    return None


def write(
    coo: Any,
    handle: BinaryIO,
    *,
    progress: Progress,
    compression: str | None = None,
    name: str = "",
    comment: str | None = None,
) -> None:
    """Write ``coo`` (2-D, in the order given) to the binary stream ``handle``.

    ``compression``: None, ``"gzip"`` (level 6) or ``"bz2"`` (level 9).
    """
    sio = _scipy_io()
    import scipy.sparse as sp

    values = np.asarray(coo.values)
    field = field_for(values)
    if values.dtype == np.float16:
        values = values.astype(np.float32)
    elif values.dtype == np.bool_ and field is None:
        values = values.astype(np.int8)
    coords = np.asarray(coo.coords)
    matrix = sp.coo_array((values, (coords[0], coords[1])), shape=coo.shape)
    with contextlib.ExitStack() as stack:
        sink: Any = handle
        if progress.active:
            update = stack.enter_context(progress.bar(f"writing {name}", None))
            sink = CountingWriter(handle, update)
        if compression == "gzip":
            inner = name[:-3] if name.endswith(".gz") else name
            sink = stack.enter_context(
                gzip.GzipFile(filename=inner, mode="wb", fileobj=sink, compresslevel=6, mtime=0)
            )
        elif compression == "bz2":
            sink = _Forward(stack.enter_context(bz2.BZ2File(sink, mode="wb", compresslevel=9)))
        if values.size == 0:  # SciPy's mmwrite writes "real symmetric" for any empty matrix
            lines = [f"%%MatrixMarket matrix coordinate {field} general"]
            lines += [f"%{line}" for line in (comment or "").splitlines()]
            lines.append(f"{coo.shape[0]} {coo.shape[1]} 0")
            sink.write(("\n".join(lines) + "\n").encode())
        else:
            sio.mmwrite(sink, matrix, comment=comment, field=field, symmetry="general")
