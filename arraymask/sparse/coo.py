"""The COO container: coordinates ``(ndim, nnz)``, values ``(nnz,)``, a shape.

A :class:`COO` is immutable. It is *canonical* when its columns are in
row-major order without duplicates; the flag :attr:`COO.is_canonical`
records that state so no work is ever done twice. NumPy arrays and CPU
torch tensors are handled by the compiled kernels of ``arraymask._ext.coo``
(through zero-copy views, see :mod:`arraymask.sparse._kernels`); every other
namespace or device by the array-API twins of :mod:`arraymask.sparse._generic`,
which give the same results.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import (
    as_array,
    capabilities,
    device_of,
    from_host,
    host_view,
    index_dtype,
    is_array,
    key_limit,
    namespace,
    require_known_chunks,
)
from .._validate import check_choice, dense_input, is_integer_dtype, kind_of, scalar_in_dtype
from . import _dask, _generic, _kernels
from ._common import (
    DUPLICATE_POLICIES,
    ORDER_NONDECREASING,
    ORDER_STRICT,
    checked_shape,
    out_of_range,
)

__all__ = ["COO", "DUPLICATE_POLICIES", "LazyCOO"]


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _host_pair(coords: Any, values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Zero-copy NumPy views of both arrays when the kernels take them, else None."""
    hc = host_view(coords)
    if hc is None:
        return None
    hv = host_view(values)
    if hv is None or not _kernels.handles(hv.dtype, hc.shape[0]):
        return None
    return hc, hv


def _readonly(x: Any) -> Any:
    """A read-only view of a NumPy array (other kinds are returned as they are)."""
    if type(x) is np.ndarray and x.flags.writeable:
        x = x.view()
        x.flags.writeable = False
    return x


class COO:
    """Sparse array in coordinate format.

    Parameters
    ----------
    coords : array
        Integer array of shape ``(ndim, nnz)``; stored as int64 (int32 on a
        backend without 64-bit integers).
    values : array
        Array of shape ``(nnz,)``, same namespace and device as ``coords``.
    shape : tuple of int
        Shape of the dense array; each entry must fit the index dtype.
    canonical : bool, default False
        Promise that the columns are in row-major order without duplicates.
        Verified (``ValueError`` if false) when ``check`` is True.
    check : bool, default True
        Validate dtypes, shapes and bounds (``IndexError`` for a coordinate
        out of range). The same linear pass detects already-canonical input.

    Attributes
    ----------
    coords, values, shape, ndim, nnz, dtype, device, is_canonical, indices

    Examples
    --------
    >>> import numpy as np
    >>> from arraymask.sparse import COO
    >>> c = COO(np.array([[1, 0, 1], [2, 1, 2]]), np.array([1.0, 2.0, 3.0]), (2, 3))
    >>> c.is_canonical
    False
    >>> s = c.canonical()
    >>> s.coords.tolist(), s.values.tolist(), s.is_canonical
    ([[0, 1], [1, 2]], [2.0, 4.0], True)
    >>> s.to_dense().tolist()
    [[0.0, 2.0, 0.0], [0.0, 0.0, 4.0]]
    """

    __slots__ = ("_canonical", "_coords", "_shape", "_values", "_xp")
    _canonical: bool
    _coords: Any
    _shape: tuple[int, ...]
    _values: Any
    _xp: ModuleType

    def __init__(
        self,
        coords: Any,
        values: Any,
        shape: Any,
        /,
        *,
        canonical: bool = False,
        check: bool = True,
    ) -> None:
        xp = namespace(coords, values)
        coords = dense_input(as_array(coords, xp), "coords")
        values = dense_input(as_array(values, xp, device=device_of(coords)), "values")
        # O(1) checks always run: check=False skips only the O(nnz) scan
        dims = checked_shape(shape, xp)
        if not is_integer_dtype(coords.dtype):
            raise TypeError(f"coords must have an integer dtype, got {coords.dtype}")
        if coords.ndim != 2 or coords.shape[0] != len(dims):
            raise ValueError(
                f"coords must have shape (ndim, nnz) = ({len(dims)}, nnz) for shape "
                f"{dims}, got {tuple(coords.shape)}"
            )
        if values.ndim != 1 or values.shape[0] != coords.shape[1]:
            raise ValueError(
                f"values must have shape (nnz,) = ({coords.shape[1]},), got {tuple(values.shape)}"
            )
        dc, dv = device_of(coords), device_of(values)
        if dc != dv:
            raise ValueError(f"coords and values must be on one device, got {dc} and {dv}")
        if check:
            _check_unsigned_range(coords, dims, xp)
        if coords.dtype != index_dtype(xp):
            coords = xp.astype(coords, index_dtype(xp))
        is_canonical = bool(canonical)
        if check:
            status = _scan(coords, dims, xp)
            if canonical and status != ORDER_STRICT:
                what = "duplicates" if status == ORDER_NONDECREASING else "unsorted columns"
                raise ValueError(
                    f"canonical=True was promised but coords are not canonical ({what})"
                )
            is_canonical = status == ORDER_STRICT
        self._init(coords, values, dims, is_canonical, xp)

    def _init(
        self, coords: Any, values: Any, shape: tuple[int, ...], is_canonical: bool, xp: ModuleType
    ) -> None:
        object.__setattr__(self, "_coords", _readonly(coords))
        object.__setattr__(self, "_values", _readonly(values))
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_canonical", is_canonical)
        object.__setattr__(self, "_xp", xp)

    @classmethod
    def _from_trusted(
        cls,
        coords: Any,
        values: Any,
        shape: tuple[int, ...],
        *,
        canonical: bool = True,
        xp: ModuleType | None = None,
    ) -> COO:
        """Wrap arrays that arraymask itself produced, without any validation.

        For internal results only: ``coords`` must already be an ``(ndim, nnz)``
        array of the index dtype, ``values`` ``(nnz,)`` of the same namespace
        and device, ``shape`` a tuple of Python ints, and ``canonical`` true
        only if the columns are sorted without duplicates.
        """
        obj = cls.__new__(cls)
        obj._init(coords, values, tuple(shape), bool(canonical), xp or namespace(values))
        return obj

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("COO is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("COO is immutable")

    # ------------------------------------------------------------ attributes
    @property
    def coords(self) -> Any:
        """Integer coordinates, shape ``(ndim, nnz)``."""
        return self._coords

    @property
    def values(self) -> Any:
        """Values, shape ``(nnz,)``."""
        return self._values

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the dense array."""
        return self._shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    @property
    def nnz(self) -> int:
        """Number of stored entries (duplicates included)."""
        return int(self._coords.shape[1])

    @property
    def dtype(self) -> Any:
        """Dtype of the values."""
        return self._values.dtype

    @property
    def device(self) -> Any:
        """Device of the arrays."""
        return device_of(self._values)

    @property
    def is_canonical(self) -> bool:
        """True when the columns are in row-major order without duplicates."""
        return self._canonical

    @property
    def indices(self) -> Any:
        """Coordinates in TensorFlow's ``(nnz, ndim)`` layout (a transposed view)."""
        return self._xp.permute_dims(self._coords, (1, 0))

    def __repr__(self) -> str:
        return (
            f"COO(shape={self._shape}, nnz={self.nnz}, dtype={self.dtype}, "
            f"device={self.device}, canonical={self._canonical})"
        )

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_dense(cls, x: Any, /, *, fill_value: Any = 0) -> COO:
        """Canonical COO of the entries of ``x`` that differ from ``fill_value``.

        NaN entries are kept (NaN differs from everything), ``-0.0`` equals
        ``0``. Any dtype (bool, integers, float16/32/64, complex) and any
        strides, negative included. A Dask array gives a lazy ``LazyCOO``
        built block by block (:class:`LazyCOO`, ``docs/dask.md``).

        >>> import numpy as np
        >>> c = COO.from_dense(np.array([[0.0, 1.5], [-0.0, np.nan]]))
        >>> c.coords.tolist(), c.values.tolist()
        ([[0, 1], [1, 1]], [1.5, nan])
        """
        xp = namespace(x)
        x = dense_input(as_array(x, xp), "x")
        fill_value = _check_fill(fill_value, x.dtype)
        if capabilities(xp).lazy:
            require_known_chunks(x, "x")
        shape = checked_shape(tuple(int(s) for s in x.shape), xp)
        if capabilities(xp).lazy:  # Dask: block by block, combined lazily
            return LazyCOO._wrap(_dask.from_dense(x, shape, fill_value), shape, x.dtype, xp)
        host = host_view(x)
        if host is not None and _kernels.handles(host.dtype, host.ndim):
            coords, values = _kernels.dense_to_coo(host, fill_value)
            coords = from_host(coords, x)
            values = from_host(values, x)
        else:
            coords, values = _generic.dense_to_coo(x, fill_value, xp)
        return cls._from_trusted(coords, values, shape, canonical=True, xp=xp)

    @classmethod
    def from_mask(cls, mask: Any, values: Any = None, /) -> COO:
        """Canonical COO of the True entries of boolean ``mask``.

        Values are gathered from ``values`` (same shape as ``mask``), or are
        all True. A Dask mask gives a lazy ``LazyCOO`` (see :meth:`from_dense`).

        >>> import numpy as np
        >>> m = np.array([[True, False], [False, True]])
        >>> COO.from_mask(m, np.array([[1, 2], [3, 4]])).values.tolist()
        [1, 4]
        """
        xp = namespace(mask, values)
        mask = dense_input(as_array(mask, xp), "mask")
        if mask.dtype != xp.bool:
            raise TypeError(f"mask must have a boolean dtype, got {mask.dtype}")
        lazy = capabilities(xp).lazy
        if lazy:
            require_known_chunks(mask, "mask")
        if values is not None:
            values = dense_input(as_array(values, xp, device=device_of(mask)), "values")
            if lazy:
                require_known_chunks(values, "values")
            if tuple(values.shape) != tuple(mask.shape):
                raise ValueError(
                    f"values must have the shape of mask {tuple(mask.shape)}, "
                    f"got {tuple(values.shape)}"
                )
            dm, dv = device_of(mask), device_of(values)
            if dm != dv:
                raise ValueError(f"mask and values must be on one device, got {dm} and {dv}")
        if lazy:  # Dask: block by block, combined lazily
            shape = checked_shape(tuple(int(s) for s in mask.shape), xp)
            pieces = _dask.from_mask(mask, values, shape)
            dtype = mask.dtype if values is None else values.dtype
            return LazyCOO._wrap(pieces, shape, dtype, xp)
        base = cls.from_dense(mask, fill_value=False)
        if values is None:
            return base
        hv, hc = host_view(values), host_view(base.coords)
        if hv is not None and hc is not None:
            gathered = from_host(_kernels.gather(hv, hc), values)
        else:
            gathered = _generic.gather(values, base.coords, base.shape, xp)
        return cls._from_trusted(base.coords, gathered, base.shape, canonical=True, xp=xp)

    @classmethod
    def from_dict(
        cls, d: Mapping[Any, Any], /, shape: Any = None, dtype: Any = None
    ) -> COO:
        """Canonical COO (NumPy arrays) from ``{(i, j, ...): value}``.

        ``shape`` defaults to the per-axis maximum + 1; ``dtype`` to NumPy's
        choice for the values. Keys may be ints for 1-D data.

        >>> c = COO.from_dict({(1, 2): 5.0, (0, 0): 1.0})
        >>> c.shape, c.coords.tolist(), c.values.tolist()
        ((2, 3), [[0, 1], [0, 2]], [1.0, 5.0])
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"d must be a mapping of coordinate tuples to values, got {_show(d)}")
        keys = [k if isinstance(k, tuple) else (k,) for k in d]
        for key in keys:
            if not all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
                       for c in key):
                raise TypeError(f"d must have integer coordinate keys, got {_show(key)}")
        lengths = {len(k) for k in keys}
        if len(lengths) > 1:
            short, long = min(keys, key=len), max(keys, key=len)
            raise ValueError(f"d has keys of inconsistent length: {short!r} and {long!r}")
        if shape is not None:
            dims = checked_shape(shape, namespace())
            if lengths and lengths != {len(dims)}:
                raise ValueError(f"d has keys of length {lengths.pop()} but shape {dims} has "
                                 f"{len(dims)} dimensions")
        elif not keys:
            raise ValueError("shape is required when d is empty")
        ndim = lengths.pop() if lengths else len(dims)
        try:
            coords = np.array(keys, dtype=np.int64).reshape(len(keys), ndim).T
        except OverflowError as exc:
            raise IndexError(f"d has a coordinate beyond int64: {exc}") from None
        values = np.asarray(list(d.values()), dtype=dtype)
        if values.ndim != 1:
            raise ValueError(f"d must have scalar values, got an array of shape {values.shape}")
        if shape is None:
            if (coords < 0).any():
                col = int(np.argmax((coords < 0).any(axis=0)))
                raise IndexError(f"d has a negative coordinate {tuple(coords[:, col].tolist())}")
            dims = tuple(int(m) + 1 for m in coords.max(axis=1))
        return cls(coords, values, dims).canonical("sum")

    @classmethod
    def from_sparse(cls, obj: Any, /, *, duplicates: str = "sum") -> COO:
        """COO from a sparse object of another library (see :mod:`arraymask.interop`)."""
        from ..interop import from_sparse

        return from_sparse(obj, duplicates=duplicates)

    # --------------------------------------------------------------- methods
    def canonical(self, duplicates: str = "sum") -> COO:
        """Row-major ordered copy with duplicates combined by ``duplicates``.

        ``"sum"``, ``"min"``, ``"max"``, ``"first"`` or ``"last"`` (by
        original position) combine duplicated coordinates; ``"error"`` raises
        ``ValueError`` naming a duplicated coordinate; ``"keep"`` only sorts
        (stably: duplicates stay adjacent in their original order, and
        ``is_canonical`` stays False while there are any). Returns ``self``
        when it is already canonical.

        Floating-point sums add each run of duplicates by one pairwise tree
        on every backend (``docs/guarantees.md``); integer sums wrap around on
        overflow, as in NumPy.

        >>> import numpy as np
        >>> c = COO(np.array([[2, 0, 2]]), np.array([1, 7, 5]), (3,))
        >>> c.canonical("last").values.tolist()
        [7, 5]
        >>> c.canonical("keep").coords.tolist()
        [[0, 2, 2]]
        """
        check_choice(duplicates, "duplicates", DUPLICATE_POLICIES)
        if self._canonical:
            return self
        xp = self._xp
        if duplicates in {"min", "max"} and xp.isdtype(self.dtype, "complex floating"):
            raise TypeError(
                f"duplicates={duplicates!r} needs ordered values, got dtype {self.dtype}"
            )
        pair = _host_pair(self._coords, self._values)
        if pair is not None:
            coords, values, dup, canonical = _kernels.canonicalize(
                pair[0], pair[1], self._shape, duplicates
            )
            if dup is None and coords is pair[0] and values is pair[1]:
                coords, values = self._coords, self._values  # already canonical
            elif dup is None:
                coords = from_host(coords, self._coords)
                values = from_host(values, self._values)
        else:
            coords, values, dup, canonical = _generic.canonicalize(
                self._coords, self._values, self._shape, duplicates, xp
            )
        if dup is not None:
            raise ValueError(f"duplicates='error': coordinate {dup} appears more than once")
        return COO._from_trusted(coords, values, self._shape, canonical=canonical, xp=xp)

    def to_dense(self, *, fill_value: Any = 0) -> Any:
        """Dense array of :attr:`shape`; duplicates are summed (as :meth:`canonical` does).

        >>> import numpy as np
        >>> COO(np.array([[0, 0, 2]]), np.array([1, 2, 3]), (4,)).to_dense(fill_value=-1).tolist()
        [3, -1, 3, -1]
        """
        xp = self._xp
        fill_value = _check_fill(fill_value, self.dtype)
        c = self.canonical("sum")
        pair = _host_pair(c._coords, c._values)
        if pair is not None:
            dense = _kernels.coo_to_dense(pair[0], pair[1], self._shape, fill_value)
            return from_host(dense, self._values)
        return _generic.coo_to_dense(c._coords, c._values, self._shape, fill_value, xp)

    def to_dask(self, chunks: Any = "auto", *, dense: bool = False) -> Any:
        """Dask array of pydata ``sparse.COO`` chunks (``dense=True``: dense chunks).

        >>> import numpy as np
        >>> d = COO.from_dense(np.eye(4)).to_dask(chunks=2)
        >>> d.chunks, type(d.blocks[0, 0].compute()).__name__
        (((2, 2), (2, 2)), 'COO')
        >>> float(d.compute().todense().trace())
        4.0
        """
        return _dask.to_dask(self.to_pydata(), chunks, dense=dense)

    # ------------------------------------------------- adapters (interop/)
    def to_tensorflow(self, *, duplicates: str = "sum") -> Any:
        """``tf.sparse.SparseTensor`` (see :mod:`arraymask.interop.tensorflow`)."""
        from ..interop.tensorflow import to_tensorflow

        return to_tensorflow(self, duplicates=duplicates)

    def to_torch(self, *, duplicates: str = "sum", device: Any = None) -> Any:
        """Coalesced torch sparse COO tensor (see :mod:`arraymask.interop.torch`)."""
        from ..interop.torch import to_torch

        return to_torch(self, duplicates=duplicates, device=device)

    def to_scipy(self) -> Any:
        """``scipy.sparse.coo_array`` (see :mod:`arraymask.interop.scipy`)."""
        from ..interop.scipy import to_scipy

        return to_scipy(self)

    def to_pydata(self) -> Any:
        """pydata ``sparse.COO`` (see :mod:`arraymask.interop.pydata`)."""
        from ..interop.pydata import to_pydata

        return to_pydata(self)

    def to_cupyx(self) -> Any:
        """``cupyx.scipy.sparse.coo_matrix`` (see :mod:`arraymask.interop.cupyx`)."""
        from ..interop.cupyx import to_cupyx

        return to_cupyx(self)


class LazyCOO(COO):
    """A canonical COO whose ``coords`` and ``values`` are lazy dask arrays.

    Returned by ``COO.from_dense`` / ``COO.from_mask`` for a Dask input;
    ``isinstance(c, COO)`` holds. ``coords`` is ``(ndim, nnz)`` and
    ``values`` ``(nnz,)`` with ``nnz`` unknown (NaN) until computed; one
    block of each per input block, in row-major order. Nothing runs until
    asked: :meth:`compute` gives an in-memory (NumPy) ``COO``;
    :meth:`to_dense` a lazy dense dask array; :meth:`to_dask` a dask array of
    pydata ``sparse.COO`` chunks; the exporters (``to_scipy``, ``to_torch``,
    ``to_pydata``, ``to_tensorflow``, ``to_cupyx``) compute first. ``nnz``
    raises until computed: use :meth:`compute_nnz` or ``compute().nnz``.

    >>> import numpy as np, dask.array as da
    >>> c = COO.from_dense(da.from_array(np.eye(3), chunks=(1, 3)))
    >>> c
    COO(shape=(3, 3), nnz=?, dtype=float64, lazy: 3 pieces, canonical=True)
    >>> c.compute().coords.tolist()
    [[0, 1, 2], [0, 1, 2]]
    """

    __slots__ = ("_pieces",)
    _pieces: _dask.Pieces

    @classmethod
    def _wrap(cls, pieces: _dask.Pieces, shape: tuple[int, ...], dtype: Any,
              xp: ModuleType) -> LazyCOO:
        coords, values = pieces.arrays(len(shape), dtype)
        obj = cls.__new__(cls)
        obj._init(coords, values, tuple(shape), True, xp)
        object.__setattr__(obj, "_pieces", pieces)
        return obj

    @property
    def nnz(self) -> int:  # type: ignore[override]
        """Unknown until computed: raises ``ValueError`` (see :meth:`compute_nnz`)."""
        raise ValueError(
            "nnz of a lazy (Dask) COO is unknown until computed; call .compute_nnz() "
            "or .compute().nnz"
        )

    @property
    def chunks(self) -> tuple:
        """Chunks of the dense array the blocks came from."""
        return self._pieces.chunks

    def __repr__(self) -> str:
        return (
            f"COO(shape={self._shape}, nnz=?, dtype={self.dtype}, "
            f"lazy: {len(self._pieces.parts)} pieces, canonical={self._canonical})"
        )

    def compute_nnz(self) -> int:
        """Number of stored entries (computes the blocks)."""
        return _dask.compute_nnz(self._values)

    def compute(self, **kwargs: Any) -> COO:
        """In-memory canonical ``COO`` (arrays of the chunks' kind, NumPy usually)."""
        import dask

        coords, values = dask.compute(self._coords, self._values, **kwargs)
        return COO._from_trusted(coords, values, self._shape, canonical=True)

    def persist(self, **kwargs: Any) -> LazyCOO:
        """The same lazy COO with its blocks computed and kept (in the cluster)."""
        return type(self)._wrap(_dask.persist(self._pieces, **kwargs), self._shape, self.dtype,
                                self._xp)

    def to_dense(self, *, fill_value: Any = 0) -> Any:
        """Lazy dense dask array (chunked like the source), block by block."""
        fill_value = _check_fill(fill_value, self.dtype)
        return _dask.dense_blocks(self._pieces, self.dtype, fill_value)

    def to_dask(self, chunks: Any = None, *, dense: bool = False) -> Any:
        """Dask array of pydata ``sparse.COO`` chunks (``dense=True``: dense chunks).

        The chunks are those of the source unless ``chunks`` is given.
        """
        out = self.to_dense() if dense else _dask.pieces_to_dask(self._pieces, self.dtype)
        return out if chunks is None or chunks == "auto" else out.rechunk(chunks)

    def to_scipy(self) -> Any:
        """Computes, then ``scipy.sparse.coo_array``."""
        return self.compute().to_scipy()

    def to_pydata(self) -> Any:
        """Computes, then pydata ``sparse.COO``."""
        return self.compute().to_pydata()

    def to_torch(self, *, duplicates: str = "sum", device: Any = None) -> Any:
        """Computes, then a coalesced torch sparse tensor."""
        return self.compute().to_torch(duplicates=duplicates, device=device)

    def to_tensorflow(self, *, duplicates: str = "sum") -> Any:
        """Computes, then ``tf.sparse.SparseTensor``."""
        return self.compute().to_tensorflow(duplicates=duplicates)

    def to_cupyx(self) -> Any:
        """Computes, then a cupyx COO matrix."""
        return self.compute().to_cupyx()


# ---------------------------------------------------------------- helpers


def _check_fill(fill_value: Any, dtype: Any) -> Any:
    """``fill_value`` as a Python scalar that ``dtype`` represents (0-d arrays too)."""
    if is_array(fill_value):
        if getattr(fill_value, "ndim", None) != 0:
            raise ValueError(f"fill_value must be a scalar, got shape {tuple(fill_value.shape)}")
        fill_value = fill_value.item() if hasattr(fill_value, "item") else complex(fill_value)
    return scalar_in_dtype(fill_value, dtype, "fill_value", what="a scalar number")


def _check_unsigned_range(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> None:
    """Unsigned coordinates beyond the index dtype: ``IndexError`` with their true value.

    (Cast to int64 they would wrap to negative numbers and be reported so.)
    """
    if kind_of(coords.dtype) != "u" or coords.shape[1] == 0:
        return
    limit = key_limit(xp)
    if int(xp.max(coords)) <= limit:
        return
    col = int(xp.argmax(xp.astype(xp.any(coords > limit, axis=0), xp.int8)))
    axis = int(xp.argmax(xp.astype(coords[:, col] > limit, xp.int8)))
    raise out_of_range(coords, axis, col, shape)


def _scan(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> int:
    """Bounds check (IndexError) and order status of validated coords."""
    host = host_view(coords)
    if host is not None and len(shape) <= _kernels.MAX_NDIM:
        axis, col, status = _kernels.scan(host, shape)
    else:
        axis, col, status = _generic.scan(coords, shape, xp)
    if axis >= 0:
        raise out_of_range(coords, axis, col, shape)
    return status
