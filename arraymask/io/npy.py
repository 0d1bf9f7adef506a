"""Dense NumPy ``.npy`` files.

Reading parses the header itself first (magic, shape, dtype, and whether
the file holds all the bytes the header promises), then maps the data with
``numpy.load(mmap_mode="r", allow_pickle=False)`` and keeps the entries that
are not zero (``COO.from_dense``: NaN is kept, ``-0.0`` counts as zero), so
the dense array is never copied into memory.

Writing builds the dense array (duplicates summed) and saves it with
``numpy.save``. Because a sparse matrix can stand for an enormous dense one,
the size is checked first: more bytes than the memory available now (or the
free space of the destination's file system) is refused with a
:class:`UsageError` unless ``allow_large`` (``--allow-large``) is given.
"""

from __future__ import annotations

import math
import os
import shutil
import tokenize
from typing import Any, BinaryIO

import numpy as np

from ._content import Content, check_value_dtype, native
from ._errors import ConvertError, MalformedInputError, UsageError, brief
from ._progress import CountingWriter, Progress

__all__ = [
    "available_memory", "check_writable", "read", "read_check", "requirements", "write",
]

_MAGIC = b"\x93NUMPY"


def requirements() -> None:
    """NumPy is always there."""


def _header(path: str) -> tuple[tuple[int, ...], np.dtype, bool, int]:
    """``(shape, dtype, fortran_order, data_offset)`` read from the ``.npy`` header."""
    fmt = np.lib.format
    with open(path, "rb") as f:
        if f.read(len(_MAGIC)) != _MAGIC:
            raise MalformedInputError(path, "not a NumPy .npy file (bad magic string)", line=None)
        f.seek(0)
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
        except (ValueError, EOFError, SyntaxError, TypeError, tokenize.TokenError,
                KeyError, IndexError, RecursionError) as exc:
            raise MalformedInputError(path, f"bad .npy header ({brief(exc)})") from None
        return tuple(int(s) for s in shape), dtype, bool(fortran), f.tell()


def read_check(path: str, shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Bytes of data the header promises; ``MalformedInputError`` if the file holds fewer."""
    _, _, _, offset = _header(path)
    size = os.path.getsize(path)
    expected = math.prod(shape) * dtype.itemsize
    if size - offset < expected:
        raise MalformedInputError(
            path,
            f"truncated file: the header declares shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but only {size - offset} bytes follow",
        )
    return expected


def read(path: str, *, progress: Progress) -> Content:
    """The nonzero entries of the dense array in ``path``."""
    from ..sparse import COO

    shape, dtype, fortran, _ = _header(path)
    check_value_dtype(path, dtype)
    size = os.path.getsize(path)
    expected = read_check(path, shape, dtype)
    progress.wanted(size)
    try:
        with progress.stage(f"reading {os.path.basename(path)}"):
            if expected:  # mmap cannot map zero bytes
                array = np.load(path, mmap_mode="r", allow_pickle=False)
            else:
                array = np.load(path, allow_pickle=False)
            coo = COO.from_dense(native(np.asarray(array)))
    except (ValueError, EOFError, OSError) as exc:
        raise MalformedInputError(path, brief(exc)) from None
    except MemoryError:
        raise ConvertError(f"{path}: not enough memory to read it") from None
    details = {"layout": "dense", "fortran_order": fortran, "stored_entries": math.prod(shape)}
    return Content(coo, details)


def available_memory() -> int | None:
    """Bytes of memory available now (``MemAvailable``), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def check_writable(coo: Any, path: str, *, allow_large: bool) -> None:
    """Refuse a dense array that would not fit in memory or on disk (``UsageError``).

    >>> from arraymask.sparse import COO
    >>> huge = COO(np.zeros((2, 0), dtype=np.int64), np.zeros(0), (10**8, 10**8))
    >>> try:
    ...     check_writable(huge, "x.npy", allow_large=False)
    ... except UsageError as exc:
    ...     print(str(exc)[:70])
    x.npy: a dense array of shape (100000000, 100000000) and dtype float64
    """
    itemsize = np.dtype(coo.dtype).itemsize
    count = math.prod(coo.shape)
    nbytes = count * itemsize
    what = f"a dense array of shape {coo.shape} and dtype {np.dtype(coo.dtype).name}"
    if count > np.iinfo(np.intp).max or nbytes > np.iinfo(np.intp).max:
        raise UsageError(f"{path}: {what} is too large for NumPy ({nbytes} bytes)")
    if allow_large:
        return
    memory = available_memory()
    if memory is not None and nbytes > memory:
        raise UsageError(
            f"{path}: {what} needs {_gib(nbytes)} of memory and only {_gib(memory)} "
            "is available; convert to a sparse format (.npz, .mtx, .pt), "
            "or pass --allow-large to try anyway"
        )
    free = shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free
    if nbytes > free:
        raise UsageError(
            f"{path}: {what} needs {_gib(nbytes)} of disk space and only {_gib(free)} "
            "is free there (pass --allow-large to try anyway)"
        )


def write(coo: Any, handle: BinaryIO, *, progress: Progress, name: str = "", **_: Any) -> None:
    """Save the dense form of ``coo`` (duplicates summed) to ``handle``."""
    try:
        dense = np.asarray(coo.to_dense())
    except MemoryError:
        raise ConvertError(f"{name}: not enough memory for the dense array") from None
    sink: Any = handle
    with progress.bar(f"writing {name}", dense.nbytes) as update:
        if progress.active:
            sink = CountingWriter(handle, update)
        np.save(sink, dense, allow_pickle=False)
