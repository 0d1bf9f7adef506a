"""The errors of the file layer, each carrying the exit status the command line uses.

Every failure the command line reports is one of these: it knows its one-line
message and its exit status, so ``cli.py`` only prints and returns.

* :class:`MalformedInputError` (status 2): the input file is not a valid file
  of its format, or holds something the format cannot mean (an index out of
  range, a non-numeric value, an unsupported field type). It names the file
  and, where there is one, the line.
* :class:`UsageError` (status 2): the request cannot be carried out as asked
  (unknown format, an existing destination without ``--force``, a dense
  output too large for memory, a lossy ``--dtype``...).
* :class:`MissingDependencyError` (status 1): an optional package is needed
  (SciPy for Matrix Market and ``.npz``, PyTorch for ``.pt``); the message
  says what to install.
* :class:`OutputError` (status 1): writing the destination failed (disk
  full, permissions, out of memory).
"""

from __future__ import annotations

import os
import re

__all__ = [
    "ConvertError",
    "MalformedInputError",
    "MissingDependencyError",
    "OutputError",
    "UsageError",
    "brief",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def brief(exc: BaseException, limit: int = 160) -> str:
    """A one-line reason from a library's exception: first line, first sentence if long.

    >>> brief(KeyError(101))
    'KeyError: 101'
    >>> brief(RuntimeError("Bad archive: no directory. This can happen when " + 60 * "."))
    'Bad archive: no directory'
    """
    text = _ANSI.sub("", str(exc)).strip()
    if isinstance(exc, KeyError) or not text:
        return f"{type(exc).__name__}: {text}".rstrip(": ")
    text = text.splitlines()[0].strip()
    if len(text) > 100 and ". " in text:
        text = text.split(". ", 1)[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ConvertError(Exception):
    """Base class: a failure with a one-line message and an exit status."""

    exit_status = 1


class MalformedInputError(ConvertError, ValueError):
    """The input file is malformed; the message names the file and the line.

    >>> str(MalformedInputError("m.mtx", "Row index out of bounds", line=4))
    'm.mtx, line 4: malformed input: Row index out of bounds'
    """

    exit_status = 2

    def __init__(self, path: str | os.PathLike[str], reason: str, *, line: int | None = None):
        self.path = os.fspath(path)
        self.reason = reason
        self.line = line
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: malformed input: {reason}")


class UsageError(ConvertError, ValueError):
    """The request cannot be carried out as given (status 2)."""

    exit_status = 2


class MissingDependencyError(ConvertError, ImportError):
    """An optional dependency is missing; the message says what to install.

    >>> print(MissingDependencyError("scipy", "reading Matrix Market files"))
    reading Matrix Market files needs scipy: pip install 'arraymask[cli]' (or pip install scipy)
    """

    exit_status = 1

    def __init__(self, package: str, purpose: str, *, extra: str = "cli"):
        self.package = package
        install = f"pip install 'arraymask[{extra}]' (or pip install {package})"
        super().__init__(f"{purpose} needs {package}: {install}")


class OutputError(ConvertError, OSError):
    """Writing the destination failed; nothing was left behind (status 1)."""

    exit_status = 1
