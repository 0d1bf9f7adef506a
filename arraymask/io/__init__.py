"""Sparse-matrix files: the layer under ``arraymask convert``, ``info`` and ``spy``.

One module per format (:mod:`.matrix_market`, :mod:`.npz`, :mod:`.npy`,
:mod:`.torch_pt`, :mod:`.binsparse_io`), each with ``requirements()``, ``read(path, progress=)``
(the matrix as stored, a :class:`~arraymask.sparse.COO` in file order),
``check_writable(coo, path, allow_large=)`` and ``write(coo, handle, ...)``;
a registry choosing the format by extension or name (:mod:`._registry`);
atomic writing (:mod:`._atomic`); progress bars (:mod:`._progress`); the
entries of a file in chunks (:mod:`.entries`); a PNG encoder (:mod:`.png`);
the three commands (:func:`convert`, :func:`describe`, :func:`spy`). Nothing
here is imported by ``import arraymask``; SciPy, tqdm, PyTorch, h5py and
binsparse are imported only when a file needs them.
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
from .spy import Picture, spy

__all__ = [
    "FORMATS",
    "Conversion",
    "ConvertError",
    "MalformedInputError",
    "MissingDependencyError",
    "OutputError",
    "Picture",
    "Progress",
    "UsageError",
    "convert",
    "describe",
    "for_path",
    "render",
    "spy",
]
