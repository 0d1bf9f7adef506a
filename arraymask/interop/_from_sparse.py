"""``from_sparse``: any supported sparse object to a canonical COO."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validate import check_choice
from ..sparse.coo import COO, DUPLICATE_POLICIES
from ._common import type_name

__all__ = ["from_sparse", "source_kind"]

_SUPPORTED = (
    "tf.sparse.SparseTensor, torch sparse tensors (COO, CSR, CSC, BSR, BSC), "
    "scipy.sparse arrays and matrices, pydata sparse arrays (COO, GCXS, DOK), "
    "cupyx.scipy.sparse matrices, arraymask.COO"
)


def source_kind(obj: object) -> str | None:
    """Which adapter reads ``obj``: ``"tensorflow"``, ``"torch"``, ... or ``None``.

    Decided from the type's module name alone: no framework is imported.

    >>> import numpy as np
    >>> source_kind(np.zeros(2)) is None
    True
    """
    root = type(obj).__module__.partition(".")[0]
    if root in {"tensorflow", "keras", "tf_keras"}:
        return "tensorflow"
    if root == "torch":
        return "torch"
    if root == "scipy":
        return "scipy"
    if root == "sparse":
        return "pydata"
    if root in {"cupyx", "cupy"}:
        return "cupyx"
    return None


def _reader(kind: str) -> Callable[[Any], tuple[Any, Any, tuple[int, ...]]]:
    if kind == "tensorflow":
        from .tensorflow import from_tensorflow

        return from_tensorflow
    if kind == "torch":
        from .torch import from_torch

        return from_torch
    if kind == "scipy":
        from .scipy import from_scipy

        return from_scipy
    if kind == "pydata":
        from .pydata import from_pydata

        return from_pydata
    from .cupyx import from_cupyx

    return from_cupyx


def from_sparse(obj: Any, *, duplicates: str = "sum") -> Any:
    """A COO holding the entries of a sparse object of another library.

    Parameters
    ----------
    obj : sparse object
        ``tf.sparse.SparseTensor``; torch sparse COO, CSR, CSC, BSR or BSC
        tensor (no dense dimensions); any ``scipy.sparse`` array or matrix
        (COO, CSR, CSC, BSR, DIA, LIL, DOK); pydata ``sparse.COO``, ``GCXS``
        or ``DOK`` with fill value 0; ``cupyx.scipy.sparse`` matrix; or an
        ``arraymask.COO`` (made canonical).
    duplicates : str
        How repeated coordinates in ``obj`` are combined: ``"sum"``,
        ``"min"``, ``"max"``, ``"first"``, ``"last"`` (by stored position),
        ``"error"`` or ``"keep"`` (see ``COO.canonical``).

    Returns
    -------
    arraymask.COO
        Canonical (sorted, no duplicates) unless ``duplicates="keep"``. Its
        arrays are NumPy for TensorFlow (CPU), SciPy and pydata sources, torch
        tensors (same device) for torch sources and CuPy arrays for cupyx;
        explicitly stored zeros are kept. Stored coordinates are validated
        (``IndexError`` when out of range).

    Raises
    ------
    TypeError
        For an object of an unsupported type (named in the message).
    ValueError
        For sparse data a COO cannot hold (hybrid torch tensors, a pydata fill
        value other than 0) or ``duplicates="error"`` with duplicates.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> import arraymask as am
    >>> m = sp.coo_array(([1.0, 2.0, 3.0], ([1, 0, 1], [0, 1, 0])), shape=(2, 2))
    >>> coo = am.COO.from_sparse(m)
    >>> coo.coords.tolist(), coo.values.tolist()
    ([[0, 1], [1, 0]], [2.0, 4.0])
    """
    check_choice(duplicates, "duplicates", DUPLICATE_POLICIES)
    if isinstance(obj, COO):
        return obj if obj.is_canonical else obj.canonical(duplicates=duplicates)
    kind = source_kind(obj)
    if kind is None:
        raise TypeError(f"from_sparse cannot read {type_name(obj)}; it reads {_SUPPORTED}")
    coords, values, shape = _reader(kind)(obj)
    coo = COO(coords, values, shape, check=True)
    return coo if coo.is_canonical else coo.canonical(duplicates=duplicates)
