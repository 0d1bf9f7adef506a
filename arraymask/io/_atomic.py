"""Write a file through a temporary sibling that is renamed only on success.

The destination either keeps its old content or gets the complete new one:
the data go to a hidden temporary file in the destination's folder (same file
system, so the final rename is atomic), which is flushed, synced and renamed
onto the destination only when the writer finished without an exception.
Any exception — including ``KeyboardInterrupt`` and the ``SystemExit`` the
command line raises on ``SIGTERM`` — removes the temporary file and leaves the
destination untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from ._errors import OutputError, UsageError

__all__ = ["TEMP_MARKER", "atomic_output", "check_destination"]

TEMP_MARKER = ".arraymask-tmp-"
"""Part of every temporary file name: a left-over one (after ``kill -9``) is easy to spot."""


_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


def check_destination(path: str, *, force: bool) -> None:
    """Refuse up front a destination that cannot be written as asked (``UsageError``).

    >>> try:
    ...     check_destination("/no/such/folder/out.npz", force=True)
    ... except UsageError as exc:
    ...     print(exc)
    /no/such/folder/out.npz: the folder /no/such/folder does not exist
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a file")
    if os.path.lexists(path) and not force:
        raise UsageError(f"{path}: exists; pass --force to overwrite it")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str, *, force: bool) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path``; on success it becomes ``path``.

    Without ``force`` an existing ``path`` is never replaced, even one that
    appeared while the data were being written (the final step is a hard link,
    which fails if the name is taken). Errors of the file system become
    :class:`OutputError`; every other exception passes through unchanged
    after the clean-up.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> target = os.path.join(folder, "hello.txt")
    >>> with atomic_output(target, force=False) as f:
    ...     _ = f.write(b"hello")
    >>> open(target, "rb").read(), os.listdir(folder)
    (b'hello', ['hello.txt'])
    """
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}{TEMP_MARKER}", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create a file in {folder}: {exc.strerror}") from exc
    done = False
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _default_mode())
        _publish(tmp, path, force=force)
        done = True
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        reason = exc.strerror or str(exc)
        raise OutputError(f"{path}: writing failed: {reason}") from exc
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _publish(tmp: str, path: str, *, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(f"{path}: exists; pass --force to overwrite it") from None
    except OSError as exc:
        # No hard links on this file system: check, then rename.
        if exc.errno not in _NO_LINKS:
            raise
        if os.path.lexists(path):
            raise UsageError(f"{path}: exists; pass --force to overwrite it") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)
