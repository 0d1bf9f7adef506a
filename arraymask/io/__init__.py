"""Sparse-matrix files: the layer under ``arraymask convert`` and ``arraymask info``.

One module per format (:mod:`.matrix_market`, :mod:`.npz`, :mod:`.npy`,
:mod:`.torch_pt`), each with ``requirements()``, ``read(path, progress=)``
(the matrix as stored, a :class:`~arraymask.sparse.COO` in file order),
``check_writable(coo, path, allow_large=)`` and ``write(coo, handle, ...)``;
a registry choosing the format by extension or name (:mod:`._registry`);
atomic writing (:mod:`._atomic`); progress bars (:mod:`._progress`); the two
commands (:func:`convert`, :func:`describe`). Nothing here is imported by
``import arraymask``; SciPy, tqdm and PyTorch are imported only when a file
needs them.
"""

from ._errors import (
    ConvertError,
    MalformedInputError,
    MissingDependencyError,
    OutputError,
    UsageError,
)
from ._progress import Progress
from ._registry import FORMATS, for_path
from .convert import Conversion, convert
from .info import describe, render

__all__ = [
    "FORMATS",
    "Conversion",
    "ConvertError",
    "MalformedInputError",
    "MissingDependencyError",
    "OutputError",
    "Progress",
    "UsageError",
    "convert",
    "describe",
    "for_path",
    "render",
]
