"""binsparse files (``.bsp.h5``/``.bsp.hdf5``, ``.bsp.npz``) through the ``binsparse`` package.

binsparse is the GraphBLAS community's binary sparse format: a JSON
descriptor (format, shape, number of stored values, the type of every
array) beside plain binary arrays (``indices_0``, ``pointers_to_1``,
``values``...), in an HDF5 file or a NumPy ``.npz`` archive. Files are
read and written through the reference package (``binsparse``:
``BinsparseTensor.parse`` and ``serialize`` on its HDF5 and NPZ
containers); ``h5py`` opens the HDF5 files. Both come with the optional
extra ``arraymask[binsparse]`` and are imported only here.

Reading accepts every format the package parses (``COO``/``COOR``,
``COOC``, ``CSR``, ``CSC``, ``DCSR``, ``DCSC``, ``CVEC``, ``DVEC``,
``DMAT``/``DMATR``/``DMATC`` and ``custom`` level trees, ``iso[...]`` and
``complex[...]`` value types): the tensor is parsed with ``alias=False``,
so that every format arrives as one tree of dense and sparse levels, and
the tree is walked once (vectorised) into coordinates, mapped back through
the descriptor's ``transpose``. The entries keep the file's order (CSR:
row-major; CSC: column-major). A tensor without sparse levels (``DVEC``,
``DMAT``...) is dense: like a ``.npy`` file it gives its nonzero elements.
Everything the package leaves unchecked is checked here before any use:
integer index and pointer arrays of the right lengths, pointers that start
at 0, never decrease and end at the child level's length, coordinates
inside the shape, and a fill value of zero (arraymask's sparse data have
implicit zeros). The container is recognised by its first bytes (HDF5
signature or zip archive), whatever the name.

Writing stores the canonical COO as the binsparse ``COO`` format (``COOR``,
row-major, duplicate-free, as the specification requires), a 1-D vector as
``CVEC`` and N-D data as a ``custom`` format with one sparse level of rank
N. Coordinates are int32 when every dimension fits (the choice SciPy and
the package's own SciPy conversion make), int64 otherwise; values keep
their dtype (bool as ``bint8``, complex as ``complex[float32|float64]``).
binsparse has no float16: ``--dtype float32`` converts exactly.

>>> import numpy as np
>>> from arraymask.sparse import COO
>>> coo = COO.from_dense(np.array([[0.0, 1.5], [2.0, 0.0]]))
>>> description(coo)["format"]
'COOR'
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from ._content import Content, make_coo, native, require
from ._errors import ConvertError, MalformedInputError, UsageError, brief
from ._progress import CountingWriter, Progress, opened_for_reading

__all__ = [
    "EXTRA",
    "CoordinatePlan",
    "check_writable",
    "container_of",
    "coordinate_chunks",
    "coordinate_plan",
    "description",
    "read",
    "requirements",
    "tensor_entries",
    "write",
]

EXTRA = "binsparse"
_PURPOSE = "reading and writing binsparse files"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"


def requirements() -> None:
    """Raise :class:`MissingDependencyError` unless ``binsparse`` and ``h5py`` are importable."""
    require("binsparse", _PURPOSE, extra=EXTRA)
    require("h5py", _PURPOSE, extra=EXTRA)


def container_of(path: str) -> str | None:
    """``"hdf5"``, ``"npz"`` or None, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(len(_HDF5_MAGIC))
    if head == _HDF5_MAGIC:
        return "hdf5"
    if head.startswith(_ZIP_MAGIC):
        return "npz"
    return None


def _parse(path: str, container: str, progress: Progress) -> tuple[Any, dict[str, Any]]:
    """The package's ``CustomTensor`` of the file (``alias=False``: a tree of levels),
    and the file's descriptor."""
    bsp = require("binsparse", _PURPOSE, extra=EXTRA)
    size = os.path.getsize(path)
    with opened_for_reading(path, progress, size) as source:
        if container == "hdf5":
            h5py = require("h5py", _PURPOSE, extra=EXTRA)
            with h5py.File(source, "r") as group:
                adapter = bsp.HDF5BinsparseContainer(group)
                header = adapter.read_header()
                return bsp.BinsparseTensor.parse(adapter, alias=False), header
        with np.load(source, allow_pickle=False) as archive:
            adapter = bsp.NPZBinsparseContainer(archive)
            header = adapter.read_header()
            return bsp.BinsparseTensor.parse(adapter, alias=False), header


def read(path: str, *, progress: Progress) -> Content:
    """The tensor in ``path``, its stored entries in file order (see the module docstring)."""
    container = container_of(path)
    if container is None:
        raise MalformedInputError(
            path, "not a binsparse file (neither an HDF5 file nor a .npz archive)"
        )
    progress.wanted(os.path.getsize(path))
    try:
        tensor, header = _parse(path, container, progress)
    except MemoryError:
        raise ConvertError(f"{path}: not enough memory to read it") from None
    except ConvertError:
        raise
    except Exception as exc:  # the package, h5py and zipfile raise many kinds for a bad file
        raise MalformedInputError(path, _reason(exc)) from None
    coords, values, shape, dense = tensor_entries(path, tensor)
    details = {
        "container": container,
        "binsparse_format": str(header.get("format")),
        "binsparse_version": str(header.get("version")),
        "levels": _level_names(tensor.level),
        "stored_values": int(tensor.number_of_stored_values),
    }
    if tensor.transpose is not None:
        details["transpose"] = list(tensor.transpose)
    if dense:
        from ..sparse import COO

        return Content(COO.from_dense(values.reshape(shape)), details)
    return Content(make_coo(path, coords, values, shape), details)


def _reason(exc: BaseException) -> str:
    text = brief(exc)
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a readable .npz archive ({text})"
    if isinstance(exc, KeyError):
        return f"not a binsparse file or an incomplete one ({text})"
    if isinstance(exc, OSError) and "signature" in text:
        return f"not a readable HDF5 file ({text})"
    return text


def _level_names(level: Any) -> str:
    names = []
    while level is not None:
        rank = getattr(level, "rank", 0)
        names.append(f"{level.level_desc}({rank})" if rank else level.level_desc)
        level = getattr(level, "level", None)
    return " > ".join(names)


def _array(path: str, name: str, data: Any, *, integer: bool) -> np.ndarray:
    """``data`` as a 1-D native-order array; integer arrays checked to fit int64.

    Integer arrays keep their dtype (the coordinates are widened to int64
    once, when they are copied into the COO's coordinate array).
    """
    array = np.asarray(data)
    if array.ndim != 1:
        raise MalformedInputError(path, f"array {name!r} has {array.ndim} dimensions, not 1")
    if not integer:
        return native(np.ascontiguousarray(array))
    if array.dtype.kind not in "iu":
        raise MalformedInputError(
            path, f"array {name!r} holds {array.dtype.name} values, not integers"
        )
    if array.dtype == np.uint64 and array.size and int(array.max()) > np.iinfo(np.int64).max:
        raise MalformedInputError(
            path, f"array {name!r} holds {int(array.max())}, beyond the int64 range"
        )
    return native(array)


def _shape(path: str, tensor: Any) -> tuple[int, ...]:
    shape = tensor.shape
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in shape):
        raise MalformedInputError(path, f"the shape {list(shape)} is not a list of integers")
    if any(s < 0 for s in shape):
        raise MalformedInputError(path, f"negative dimension in shape {tuple(shape)}")
    return tuple(int(s) for s in shape)


def _fill_is_zero(path: str, tensor: Any) -> None:
    if tensor.fill is not True:
        return
    value = tensor.fill_value
    if value is None or np.asarray(value).astype(np.complex128) == 0:
        return
    raise UsageError(
        f"{path}: the fill value (of the entries not stored) is {np.asarray(value).item()!r}; "
        "arraymask reads sparse data whose entries not stored are zero"
    )


def tensor_entries(
    path: str, tensor: Any
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...], bool]:
    """``(coords (ndim, nnz) int64, values, shape, dense)`` of a parsed ``CustomTensor``.

    The level tree is walked from the root: a dense level of rank r repeats
    every parent position for each of its ``prod(dims)`` children; a sparse
    level takes its children's coordinates from its ``indices`` arrays and
    their parents from ``pointers`` (one parent, the root, at depth 0).
    ``dense`` says that there was no sparse level (then ``coords`` is empty
    and ``values`` is the dense array in row-major order of ``shape``).
    """
    from binsparse import DenseLevel, ElementLevel, SparseLevel

    shape = _shape(path, tensor)
    _fill_is_zero(path, tensor)
    ndim = len(shape)
    perm = tuple(range(ndim)) if tensor.transpose is None else tuple(tensor.transpose)
    if sorted(perm) != list(range(ndim)):
        raise MalformedInputError(path, f"transpose {list(perm)} is not a permutation")
    level_shape = [shape[d] for d in perm]
    coords: list[np.ndarray] = []  # per level dimension, one coordinate per position
    count = 1  # positions of the current level
    depth = 0
    level = tensor.level
    sparse_seen = False
    while not isinstance(level, ElementLevel):
        rank = int(level.rank)
        dims = level_shape[depth : depth + rank]
        if isinstance(level, DenseLevel):
            block = math.prod(dims)
            if count * block > np.iinfo(np.int64).max:
                raise MalformedInputError(path, "a dense level too large to index")
            coords = [np.repeat(c, block) for c in coords]
            local = np.tile(np.arange(block, dtype=np.int64), count)
            coords += list(np.unravel_index(local, dims)) if dims else []
            coords = [np.asarray(c, dtype=np.int64) for c in coords]
            count *= block
        elif isinstance(level, SparseLevel):
            sparse_seen = True
            indices = [
                _array(path, f"indices_{depth + i}", ix, integer=True)
                for i, ix in enumerate(level.indices)
            ]
            children = indices[0].size if indices else 0
            for i, ix in enumerate(indices):
                if ix.size != children:
                    raise MalformedInputError(
                        path,
                        f"array 'indices_{depth + i}' has {ix.size} entries, "
                        f"'indices_{depth}' has {children}",
                    )
            parents = _parents(path, level.pointers_to_next, depth, count, children)
            coords = [c[parents] for c in coords] + indices
            count = children
        else:  # pragma: no cover - the package only builds these three kinds
            raise MalformedInputError(path, f"unknown level {type(level).__name__}")
        depth += rank
        level = level.level
    values = _array(path, "values", level.values, integer=False)
    if values.size != count:
        raise MalformedInputError(
            path, f"{values.size} values for {count} stored positions"
        )
    if not sparse_seen:
        dense = values.reshape(level_shape)
        if perm != tuple(range(ndim)):
            dense = dense.transpose(np.argsort(perm))
        return np.empty((ndim, 0), dtype=np.int64), np.ascontiguousarray(dense).ravel(), shape, True
    out = np.empty((ndim, count), dtype=np.int64)
    for level_dim, tensor_dim in enumerate(perm):
        out[tensor_dim] = coords[level_dim]
    return out, values, shape, False


def _parents(path: str, pointers: Any, depth: int, count: int, children: int) -> np.ndarray:
    """The parent position of each child of a sparse level (checked pointers)."""
    if pointers is None:
        if count != 1:
            raise MalformedInputError(path, f"the sparse level at depth {depth} has no pointers")
        return np.zeros(children, dtype=np.int64)
    name = f"pointers_to_{depth}"
    ptr = _array(path, name, pointers, integer=True).astype(np.int64, copy=False)
    if ptr.size != count + 1:
        raise MalformedInputError(
            path, f"array {name!r} has {ptr.size} entries, expected {count + 1}"
        )
    if ptr[0] != 0 or ptr[-1] != children:
        raise MalformedInputError(
            path,
            f"array {name!r} runs from {int(ptr[0])} to {int(ptr[-1])}, "
            f"expected 0 to {children}",
        )
    steps = np.diff(ptr)
    if steps.size and int(steps.min()) < 0:
        bad = int(np.argmax(steps < 0))
        raise MalformedInputError(path, f"array {name!r} decreases at entry {bad + 1}")
    return np.repeat(np.arange(count, dtype=np.int64), steps)


def check_writable(coo: Any, path: str, *, allow_large: bool) -> None:
    """Refuse data that binsparse cannot hold (``UsageError``)."""
    if coo.ndim < 1:
        raise UsageError(f"{path}: binsparse files here hold at least 1 dimension")
    if np.dtype(coo.dtype) == np.float16:
        raise UsageError(f"{path}: binsparse has no float16 values; pass --dtype float32 (exact)")
    if not coo.is_canonical:
        raise UsageError(
            f"{path}: the binsparse COO format needs distinct coordinates in row-major order; "
            "--duplicates keep cannot be written to it"
        )


def _index_dtype(shape: tuple[int, ...]) -> type:
    return np.int32 if max(shape, default=0) <= np.iinfo(np.int32).max else np.int64


def _tensor(coo: Any) -> Any:
    """The package's tensor for a canonical ``coo`` (COOR, CVEC, or custom rank-N sparse)."""
    import binsparse as bsp

    shape = tuple(int(s) for s in coo.shape)
    idx = _index_dtype(shape)
    coords = np.asarray(coo.coords)
    parts = [coords[axis].astype(idx) for axis in range(coo.ndim)]
    values = np.ascontiguousarray(np.asarray(coo.values))
    nnz = int(values.size)
    if coo.ndim == 2:
        return bsp.COORMatrix(
            shape, nnz, indices_0=parts[0], indices_1=parts[1], values=values
        )
    if coo.ndim == 1:
        return bsp.CVECVector(shape, nnz, indices_0=parts[0], values=values)
    level = bsp.SparseLevel(coo.ndim, bsp.ElementLevel(values), tuple(parts))
    return bsp.CustomTensor(shape, nnz, level=level)


def description(coo: Any) -> dict[str, Any]:
    """The binsparse descriptor that :func:`write` stores for ``coo`` (without the arrays)."""
    import binsparse as bsp

    memory = bsp.InMemoryBinsparseContainer()
    _tensor(coo).serialize(memory)
    return dict(memory.header)


def write(
    coo: Any,
    handle: BinaryIO,
    *,
    progress: Progress,
    name: str = "",
    container: str = "hdf5",
    **_: Any,
) -> None:
    """Write the canonical ``coo`` to ``handle`` through the package's container."""
    bsp = require("binsparse", _PURPOSE, extra=EXTRA)
    tensor = _tensor(coo)
    with contextlib.ExitStack() as stack:
        sink: Any = handle
        if progress.active:
            update = stack.enter_context(progress.bar(f"writing {name}", None))
            sink = CountingWriter(handle, update)
        if container == "hdf5":
            h5py = require("h5py", _PURPOSE, extra=EXTRA)
            with h5py.File(sink, "w") as group:
                tensor.serialize(bsp.HDF5BinsparseContainer(group))
        else:
            archive: dict[str, np.ndarray] = {}
            tensor.serialize(bsp.NPZBinsparseContainer(archive))
            np.savez(sink, **archive)  # type: ignore[arg-type]


# -- streaming of the coordinate formats (``arraymask spy``) ---------------------

#: Formats made of one sparse level over the values: level order and transpose.
_COORDINATE_FORMATS = {"COO": None, "COOR": None, "COOC": (1, 0), "CVEC": None}


@dataclass(frozen=True)
class CoordinatePlan:
    """Where the entries of a coordinate-format HDF5 file are, to read them in slices."""

    shape: tuple[int, ...]
    nnz: int
    indices: tuple[str, ...]  # dataset of each level dimension
    perm: tuple[int, ...]  # tensor dimension of each level dimension
    values: str  # the values' binsparse type (plain or complex[...])
    dtype: str  # the values' NumPy dtype


def _plain_dtype(data_type: Any) -> np.dtype | None:
    from binsparse.container import str_to_dtype

    if not isinstance(data_type, str):
        return None
    match = re.fullmatch(r"complex\[(float32|float64)\]", data_type)
    if match:
        return np.dtype(np.complex64 if match.group(1) == "float32" else np.complex128)
    return str_to_dtype.get(data_type)


def coordinate_plan(path: str) -> CoordinatePlan | None:
    """The plan of a binsparse HDF5 file in a coordinate format; None for other formats.

    The descriptor is read and its version checked by the package; a file
    that it refuses is malformed input. None means "read it whole".
    """
    bsp = require("binsparse", _PURPOSE, extra=EXTRA)
    h5py = require("h5py", _PURPOSE, extra=EXTRA)
    from binsparse.version import check_binsparse_version

    try:
        with h5py.File(path, "r") as group:
            header = bsp.HDF5BinsparseContainer(group).read_header()
            check_binsparse_version(header.get("version"))
            fmt = header.get("format")
            shape = tuple(header.get("shape", ()))
            types = header["data_types"]
            if fmt == "custom":
                level = header.get("custom", {}).get("level", {})
                child = level.get("level", {}) if isinstance(level, dict) else {}
                if (
                    level.get("level_desc") != "sparse"
                    or level.get("rank") != len(shape)
                    or child != {"level_desc": "element"}
                ):
                    return None
                transpose = header["custom"].get("transpose")
                perm = tuple(range(len(shape))) if transpose is None else tuple(transpose)
            elif fmt in _COORDINATE_FORMATS:
                swap = _COORDINATE_FORMATS[fmt]
                perm = tuple(range(len(shape))) if swap is None else swap
            else:
                return None
            if header.get("fill") is True:
                return None  # the reader checks the fill value
            names = tuple(f"indices_{k}" for k in range(len(shape)))
            dtype = _plain_dtype(types.get("values"))
            nnz = header.get("number_of_stored_values")
            if dtype is None or not isinstance(nnz, int) or sorted(perm) != list(range(len(shape))):
                return None
            for name in (*names, "values"):
                if name not in group or group[name].ndim != 1:
                    return None
    except ConvertError:
        raise
    except Exception as exc:
        raise MalformedInputError(path, _reason(exc)) from None
    return CoordinatePlan(
        _shape_of(path, shape), nnz, names, perm, types["values"], dtype.name
    )


def _shape_of(path: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise MalformedInputError(path, f"the shape {list(shape)} is not a list of sizes")
    return tuple(int(s) for s in shape)


def coordinate_chunks(
    path: str, plan: CoordinatePlan, chunk: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(coords, values)`` slices of at most ``chunk`` entries, checked like the reader."""
    h5py = require("h5py", _PURPOSE, extra=EXTRA)
    limits = np.asarray(plan.shape, dtype=np.int64)[:, None]
    complex_values = plan.values.startswith("complex")
    with h5py.File(path, "r") as group:
        datasets = [group[name] for name in plan.indices]
        values_set = group["values"]
        width = 2 if complex_values else 1
        if values_set.shape[0] != plan.nnz * width:
            raise MalformedInputError(
                path, f"{values_set.shape[0] // width} values for {plan.nnz} stored values"
            )
        for name, data in zip(plan.indices, datasets, strict=True):
            if data.shape[0] != plan.nnz:
                raise MalformedInputError(
                    path, f"array {name!r} has {data.shape[0]} entries, expected {plan.nnz}"
                )
        for start in range(0, plan.nnz, chunk):
            stop = min(start + chunk, plan.nnz)
            coords = np.empty((len(plan.shape), stop - start), dtype=np.int64)
            for level_dim, (name, data) in enumerate(zip(plan.indices, datasets, strict=True)):
                coords[plan.perm[level_dim]] = _array(path, name, data[start:stop], integer=True)
            raw = np.asarray(values_set[start * width : stop * width])
            if complex_values:
                values = np.ascontiguousarray(raw).view(np.dtype(plan.dtype))
            else:
                values = raw.astype(np.dtype(plan.dtype), copy=False)
            bad = ((coords < 0) | (coords >= limits)).any(axis=0)
            if bad.any():
                first = int(np.argmax(bad))
                entry = tuple(int(c) for c in coords[:, first])
                raise MalformedInputError(
                    path,
                    f"entry {start + first + 1} has coordinates {entry} (0-based), "
                    f"out of range for shape {plan.shape}",
                )
            yield coords, values
