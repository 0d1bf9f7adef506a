"""``spy``: the sparsity pattern of a file as a PNG image, built while streaming the entries.

Like matplotlib's ``spy``, a pixel is dark where the matrix has an entry,
but nothing dense is ever built: the entries arrive in chunks
(:func:`arraymask.io.entries.stream`) and are counted into a grid of bins
of ``bin x bin`` elements, so memory is the image plus one chunk.

The picture (:func:`layout`): the longer side of the image is at most
``size`` pixels. A matrix that fits gets one bin per element, each drawn as
a ``scale x scale`` square (``scale = size // longer side``, so small
matrices are not postage stamps); a larger one gets square bins of
``bin = ceil(longer side / size)`` elements a side, and the image becomes a
density picture: white where a bin is empty, then grey to black with the
logarithm of the count of entries in the bin (``1 + log(count)`` over
``1 + log(largest count)``), so a single entry stays visible beside a dense
block. At one element per bin, every element with an entry is black.

Which entries count: by default those whose value is not zero (NaN counts;
``|value| > precision`` with ``precision``, as matplotlib does), or every
stored entry with ``present=True`` (explicit zeros too). Entries are taken
one by one as stored: duplicates are not combined (that would need the
whole file in memory; ``arraymask convert`` combines them). 1-D data are
drawn as one row.

>>> layout((961, 961), 1024), layout((5000, 20), 1000), layout((3, 4), 100)
((1, 1, 961, 961), (5, 1, 1000, 4), (1, 25, 75, 100))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._atomic import atomic_output, check_destination
from ._errors import UsageError
from ._progress import Progress
from .convert import check_source
from .entries import CHUNK, stream
from .png import write_png

__all__ = ["Picture", "layout", "pixels", "spy"]

DEFAULT_SIZE = 1024


@dataclass(frozen=True)
class Picture:
    """What ``spy`` drew (printed by the command line)."""

    source: str
    destination: str
    shape: tuple[int, ...]
    entries: int
    marked: int
    image: tuple[int, int]
    bin: int
    scale: int
    streamed: bool

    def summary(self) -> str:
        """One line for people.

        >>> print(Picture("a.mtx", "a.png", (9, 9), 20, 18, (900, 900), 1, 100, True).summary())
        a.mtx -> a.png: 9 x 9, 20 entries (18 drawn), 900 x 900 pixels, 100 x 100 pixels per element
        """
        shape = " x ".join(str(s) for s in self.shape)
        per = (
            f"{self.scale} x {self.scale} pixels per element"
            if self.bin == 1
            else f"{self.bin} x {self.bin} elements per pixel"
        )
        return (
            f"{self.source} -> {self.destination}: {shape}, {self.entries} entries "
            f"({self.marked} drawn), {self.image[0]} x {self.image[1]} pixels, {per}"
        )


def layout(shape: tuple[int, int], size: int) -> tuple[int, int, int, int]:
    """``(bin, scale, height, width)`` of the image of a ``shape`` matrix (module docstring)."""
    rows, cols = shape
    longest = max(rows, cols)
    if longest <= size:
        bin_, scale = 1, max(1, size // longest)
    else:
        bin_, scale = math.ceil(longest / size), 1
    return bin_, scale, math.ceil(rows / bin_) * scale, math.ceil(cols / bin_) * scale


def pixels(counts: np.ndarray, scale: int = 1) -> np.ndarray:
    """Grey levels (uint8, 255 white) of a grid of entry counts, each bin ``scale`` pixels wide.

    >>> pixels(np.array([[0, 1], [10, 100]])).tolist()
    [[255, 210], [105, 0]]
    """
    counts = np.asarray(counts, dtype=np.int64)
    out = np.full(counts.shape, 255, dtype=np.uint8)
    filled = counts > 0
    if filled.any():
        top = 1.0 + math.log(int(counts.max()))
        darkness = (1.0 + np.log(counts[filled].astype(np.float64))) / top
        out[filled] = np.round(255.0 * (1.0 - darkness)).astype(np.uint8)
    if scale > 1:
        out = np.repeat(np.repeat(out, scale, axis=0), scale, axis=1)
    return out


def _marked(values: np.ndarray, precision: float, present: bool) -> np.ndarray | None:
    """Which entries count (None: all of them)."""
    if present:
        return None
    with np.errstate(invalid="ignore"):
        return ~(np.abs(values) <= precision)  # NaN counts, like a nonzero


def spy(
    source: str,
    destination: str,
    *,
    source_format: str | None = None,
    size: int = DEFAULT_SIZE,
    precision: float = 0.0,
    present: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> Picture:
    """Draw the sparsity pattern of the matrix in ``source`` into the PNG ``destination``.

    Parameters
    ----------
    source : str
        Any file ``convert`` reads; the format comes from the extension
        unless ``source_format`` names it.
    destination : str
        The PNG file (its name must end in ``.png``), written atomically.
    size : int
        The longer side of the image is at most this many pixels.
    precision : float
        Draw entries with ``|value| > precision`` (NaN always).
    present : bool
        Draw every stored entry, explicit zeros included.
    force : bool
        Replace an existing destination.
    progress : Progress, optional
        Progress reporting (default: none).
    chunk : int
        Entries handled at a time.

    Returns
    -------
    Picture

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from arraymask.io.png import read_png
    >>> folder = tempfile.mkdtemp()
    >>> np.save(os.path.join(folder, "m.npy"), np.eye(3))
    >>> done = spy(os.path.join(folder, "m.npy"), os.path.join(folder, "m.png"), size=3)
    >>> read_png(open(os.path.join(folder, "m.png"), "rb").read()).tolist()
    [[0, 255, 255], [255, 0, 255], [255, 255, 0]]
    """
    progress = progress or Progress("never")
    if not destination.lower().endswith(".png"):
        raise UsageError(f"{destination}: spy writes a PNG image; give the name a .png extension")
    if not isinstance(size, int) or size < 1:
        raise UsageError(f"--size must be a positive number of pixels, got {size!r}")
    if not precision >= 0:
        raise UsageError(f"--precision must be >= 0, got {precision!r}")
    check_source(source)
    check_destination(destination, force=force)
    entries = stream(source, file_format=source_format, progress=progress, chunk=chunk)
    shape = _matrix_shape(source, entries.shape)
    bin_, scale, height, width = layout(shape, size)
    grid = (height // scale, width // scale)
    counts = np.zeros(grid[0] * grid[1], dtype=np.int64)
    total = marked = 0
    for coords, values in entries.chunks:
        total += coords.shape[1]
        keep = _marked(np.asarray(values), precision, present)
        rows, cols = (coords if len(entries.shape) == 2 else (np.zeros_like(coords[0]), coords[0]))
        if keep is not None:
            rows, cols = rows[keep], cols[keep]
        marked += len(rows)
        if bin_ > 1:
            rows, cols = rows // bin_, cols // bin_
        counts += np.bincount(rows * grid[1] + cols, minlength=counts.size)
    if bin_ == 1:  # one element per pixel: drawn or not (duplicates do not darken it)
        counts = np.minimum(counts, 1)
    image = pixels(counts.reshape(grid), scale)
    with atomic_output(destination, force=force) as handle:
        write_png(handle, image)
    return Picture(
        source=source,
        destination=destination,
        shape=tuple(entries.shape),
        entries=total,
        marked=marked,
        image=(height, width),
        bin=bin_,
        scale=scale,
        streamed=entries.streamed,
    )


def _matrix_shape(path: str, shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) not in (1, 2):
        raise UsageError(
            f"{path}: spy draws 1-D and 2-D data; the data have shape {tuple(shape)}"
        )
    matrix = (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])
    if min(matrix) < 1:
        raise UsageError(f"{path}: nothing to draw, the shape {tuple(shape)} has no elements")
    return matrix
