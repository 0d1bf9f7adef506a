"""``convert``: read a matrix, make it canonical, write it, safely.

The steps, each done once: choose both formats (extension or name) and
refuse a destination that exists (without ``force``) before any work;
check that the packages both formats need are installed; read the source as
stored; make it canonical with ``COO.canonical(duplicates=...)`` (a no-op
for data that already are); change the dtype if asked; let the destination
format refuse what it cannot hold (a dense ``.npy`` larger than memory);
write through :func:`~arraymask.io._atomic.atomic_output`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._atomic import atomic_output, check_destination
from ._dtype import cast_values, parse_dtype
from ._errors import MalformedInputError, UsageError
from ._progress import Progress
from ._registry import Format, for_path

__all__ = ["Conversion", "check_source", "convert"]


@dataclass(frozen=True)
class Conversion:
    """What a conversion did (printed by the command line)."""

    source: str
    destination: str
    source_format: str
    destination_format: str
    shape: tuple[int, ...]
    entries_read: int
    entries_written: int
    dtype: str

    def summary(self) -> str:
        """One line for people.

        >>> done = Conversion("a.mtx", "b.npz", "Matrix Market", "SciPy sparse .npz",
        ...                   (3, 3), 5, 4, "float64")
        >>> print(done.summary()[-64:])
        3 x 3, 5 entries read, 4 written (1 duplicate combined), float64
        """
        merged = self.entries_read - self.entries_written
        extra = f" ({merged} duplicate{'s' if merged != 1 else ''} combined)" if merged else ""
        shape = " x ".join(str(s) for s in self.shape) or "scalar"
        return (
            f"{self.source} ({self.source_format}) -> {self.destination} "
            f"({self.destination_format}): {shape}, {self.entries_read} entries read, "
            f"{self.entries_written} written{extra}, {self.dtype}"
        )


def check_source(path: str) -> None:
    """``UsageError`` unless ``path`` is a readable file."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{path}: permission denied")


def canonical(coo: Any, duplicates: str, path: str) -> Any:
    """``coo.canonical(duplicates)``, its refusals reported against ``path``."""
    if duplicates in {"min", "max"} and np.dtype(coo.dtype).kind == "c":
        raise UsageError(
            f"{path}: --duplicates {duplicates} needs ordered values; "
            f"the values are complex ({np.dtype(coo.dtype).name})"
        )
    if duplicates == "sum" and np.dtype(coo.dtype).kind in "iu":
        result = coo.canonical(duplicates="sum")
        if result.nnz < coo.nnz:  # integers summed: refuse a sum that wrapped around
            _check_exact_sums(coo, result, path)
        return result
    if duplicates != "error":
        return coo.canonical(duplicates=duplicates)
    try:
        return coo.canonical(duplicates="error")
    except ValueError as exc:
        raise MalformedInputError(path, f"{exc} (--duplicates error)") from None


def _check_exact_sums(coo: Any, result: Any, path: str) -> None:
    """``MalformedInputError`` naming the first coordinate whose integer sum overflowed.

    The library's integer sums wrap around, as NumPy's do; the command line
    writes no wrapped value. The same sums in float64 are off by far less than
    the 2**64 a wrap-around adds, so comparing them finds every one.
    """
    from ..sparse import COO

    wide = COO(coo.coords, np.asarray(coo.values, dtype=np.float64), coo.shape,
               check=False).canonical("sum")
    exact = np.asarray(result.values).astype(np.float64)
    wrong = np.flatnonzero(np.abs(np.asarray(wide.values) - exact) > 2.0**62)
    if wrong.size:
        at = tuple(int(c) for c in np.asarray(result.coords)[:, wrong[0]])
        raise MalformedInputError(
            path,
            f"the duplicates at coordinate {at} (0-based) sum to "
            f"{float(wide.values[wrong[0]]):.6g}, beyond {np.dtype(coo.dtype).name}; "
            "choose another --duplicates policy (first, last, min, max)",
        )


def convert(
    source: str,
    destination: str,
    *,
    source_format: str | None = None,
    destination_format: str | None = None,
    duplicates: str = "sum",
    dtype: str | None = None,
    force: bool = False,
    allow_large: bool = False,
    progress: Progress | None = None,
) -> Conversion:
    """Convert the sparse matrix in ``source`` to ``destination``.

    Parameters
    ----------
    source, destination : str
        File paths; their formats come from the extensions unless named.
    source_format, destination_format : str, optional
        ``"mtx"``, ``"mtx.gz"``, ``"npz"``, ``"npy"`` or ``"pt"``.
    duplicates : str
        Policy of ``COO.canonical`` for duplicated coordinates.
    dtype : str, optional
        Value dtype of the output (values must survive the change).
    force : bool
        Replace an existing destination.
    allow_large : bool
        Write a dense ``.npy`` even if it looks too large for memory.
    progress : Progress, optional
        Progress reporting (default: none).

    Returns
    -------
    Conversion

    Raises
    ------
    ConvertError
        Each subclass carries the exit status of the command line.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> src = os.path.join(folder, "dense.npy")
    >>> np.save(src, np.array([[0.0, 2.5], [0.0, 0.0]]))
    >>> done = convert(src, os.path.join(folder, "sparse.pt"))
    >>> done.entries_written, done.shape
    (1, (2, 2))
    """
    progress = progress or Progress("never")
    src_fmt = for_path(source, source_format, option="--from")
    dst_fmt = for_path(destination, destination_format, option="--to")
    target_dtype = parse_dtype(dtype)
    check_source(source)
    check_destination(destination, force=force)
    src_fmt.module.requirements()
    dst_fmt.module.requirements()

    content = src_fmt.module.read(source, progress=progress)
    coo = canonical(content.coo, duplicates, source)
    if target_dtype is not None:
        coo = _with_values(coo, cast_values(np.asarray(coo.values), target_dtype, source))
    dst_fmt.module.check_writable(coo, destination, allow_large=allow_large)
    _write(coo, destination, dst_fmt, force=force, progress=progress, source=source)
    return Conversion(
        source=source,
        destination=destination,
        source_format=src_fmt.title,
        destination_format=dst_fmt.title,
        shape=tuple(coo.shape),
        entries_read=content.coo.nnz,
        entries_written=coo.nnz,
        dtype=np.dtype(coo.dtype).name,
    )


def _with_values(coo: Any, values: np.ndarray) -> Any:
    from ..sparse import COO

    return COO._from_trusted(coo.coords, values, coo.shape, canonical=coo.is_canonical)


def _write(
    coo: Any, path: str, fmt: Format, *, force: bool, progress: Progress, source: str
) -> None:
    from .. import __version__

    comment = f" written by arraymask {__version__} from {os.path.basename(source)}"
    with atomic_output(path, force=force) as handle:
        options = dict(fmt.write_options)
        if fmt.module_name == "matrix_market":
            options["comment"] = comment
        fmt.module.write(coo, handle, progress=progress, name=os.path.basename(path), **options)
