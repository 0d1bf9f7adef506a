"""Progress reporting on stderr: a tqdm bar when it helps, nothing otherwise.

A bar is shown for files of at least :data:`MIN_BYTES` when stderr is a
terminal (``mode="auto"``), always with ``mode="always"`` (``--progress``)
and never with ``mode="never"`` (``--quiet``). tqdm is optional: it is
imported only when a bar is about to be shown; without it, a bar asked for
explicitly becomes one plain line per stage (and a note saying how to get
the bar), an automatic one is simply left out.

Progress is counted in bytes of the file being read or written, through
:class:`CountingReader` / :class:`CountingWriter` wrappers that are put in
the data path only while a bar is shown (so the default path keeps SciPy's
native file reader).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TextIO

__all__ = ["MIN_BYTES", "CountingReader", "CountingWriter", "Progress"]

MIN_BYTES = 16 * 2**20
"""Inputs smaller than this (16 MiB) are quick: no automatic bar."""


class Progress:
    """Decides whether to show progress and shows it.

    Parameters
    ----------
    mode : {"auto", "always", "never"}
    stream : text stream, default ``sys.stderr``

    >>> p = Progress("never")
    >>> p.wanted(10**12)
    False
    >>> with p.bar("reading", total=100) as update:
    ...     update(100)
    """

    def __init__(self, mode: str = "auto", stream: TextIO | None = None):
        if mode not in {"auto", "always", "never"}:
            raise ValueError(f"mode must be 'auto', 'always' or 'never', got {mode!r}")
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self._active = False
        self._noted = False

    def wanted(self, nbytes: int) -> bool:
        """Whether work on ``nbytes`` bytes gets a bar; decided once per command."""
        if self.mode == "never":
            self._active = False
        elif self.mode == "always":
            self._active = True
        else:
            isatty = getattr(self.stream, "isatty", None)
            self._active = bool(isatty and isatty()) and nbytes >= MIN_BYTES
        return self._active

    @property
    def active(self) -> bool:
        """The decision of the last :meth:`wanted` call."""
        return self._active

    @contextlib.contextmanager
    def bar(self, description: str, total: int | None) -> Iterator[Callable[[int], Any]]:
        """A context giving an ``update(nbytes)`` callable; a no-op when inactive."""
        if not self._active:
            yield _ignore
            return
        tqdm = _import_tqdm()
        if tqdm is None:
            if self.mode == "always" and not self._noted:
                self._noted = True
                print("(install tqdm for a progress bar: pip install tqdm)", file=self.stream)
            print(f"{description}...", file=self.stream, flush=True)
            yield _ignore
            return
        with tqdm(
            total=total,
            desc=description,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=self.stream,
            leave=False,
            dynamic_ncols=True,
            mininterval=0.25,
        ) as bar:
            yield bar.update

    def stage(self, description: str) -> contextlib.AbstractContextManager[Any]:
        """A bar without a measure (for a step that reports no progress)."""
        return self.bar(description, total=None)


def _ignore(_: int) -> None:
    return None


def _import_tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class _CountingStream(io.RawIOBase):
    """A raw stream over ``raw`` that reports every byte moved to ``update``.

    Seeking is passed through (``zipfile`` and ``torch.load`` seek), so the
    count is the bytes moved so far, which can exceed the file size a little.
    The caller owns ``raw``: closing this stream leaves it open.
    """

    def __init__(self, raw: BinaryIO, update: Callable[[int], Any]):
        super().__init__()
        self._raw = raw
        self._update = update

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def _count(self, n: int | None) -> int | None:
        if n:
            self._update(n)
        return n


class CountingReader(_CountingStream):
    """A read-only raw stream that reports every byte it reads.

    >>> seen = []
    >>> r = io.BufferedReader(CountingReader(io.BytesIO(b"abcdef"), seen.append))
    >>> r.read(), sum(seen)
    (b'abcdef', 6)
    """

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._count(self._raw.readinto(buffer))  # type: ignore[attr-defined,return-value]


class CountingWriter(_CountingStream):
    """A write-only raw stream that reports every byte written.

    >>> seen, sink = [], io.BytesIO()
    >>> w = CountingWriter(sink, seen.append)
    >>> w.write(b"abc"), sink.getvalue(), seen
    (3, b'abc', [3])
    """

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._count(self._raw.write(data))  # type: ignore[return-value]

    def flush(self) -> None:
        self._raw.flush()


@contextlib.contextmanager
def opened_for_reading(path: str, progress: Progress, size: int) -> Iterator[BinaryIO]:
    """``path`` opened for buffered binary reading, counting bytes on ``progress``'s bar.

    The bar is shown only when ``progress`` is active; closing the stream
    closes the file.
    """
    with open(path, "rb", buffering=0) as raw:
        if not progress.active:
            yield io.BufferedReader(raw, buffer_size=1 << 20)
            return
        with progress.bar(f"reading {os.path.basename(path)}", size) as update:
            stream = io.BufferedReader(CountingReader(raw, update), buffer_size=1 << 20)
            try:
                yield stream
            finally:
                stream.detach()
