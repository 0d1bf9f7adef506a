"""Joining COO arrays: :func:`concat` and :func:`stack`.

Both are array-API code (``concat`` of coordinate and value arrays plus an
offset), so they run on every namespace and device without a host round
trip. Canonical inputs give a canonical result: where the joined axis is the
leading one (``axis=0``) the blocks are already in row-major order and no
sorting happens; along another axis the result is put in order by one
``canonical()`` call (no duplicates can arise, the blocks are disjoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._backend import device_of, namespace, new_array
from .._validate import normalize_axis
from .coo import COO

__all__ = ["concat", "stack"]

_INT64_MAX = 2**63 - 1


def _coo_list(coos: Iterable[Any], name: str) -> list[Any]:
    if isinstance(coos, COO):
        raise TypeError(f"{name} must be a sequence of COO arrays, got a single COO")
    try:
        items = list(coos)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of COO arrays, got {type(coos).__name__}"
        ) from None
    if not items:
        raise ValueError(f"{name} must hold at least one COO, got an empty sequence")
    for i, item in enumerate(items):
        if not isinstance(item, COO):
            raise TypeError(f"{name}[{i}] must be a COO, got {type(item).__name__}")
    first = items[0]
    try:
        namespace(*[c.coords for c in items], *[c.values for c in items])
    except TypeError as exc:
        raise TypeError(f"{name} mixes arrays of different namespaces") from exc
    device = device_of(first.values)
    for i, item in enumerate(items[1:], start=1):
        if item.dtype != first.dtype:
            raise TypeError(
                f"{name}[{i}] has dtype {item.dtype}, but {name}[0] has {first.dtype}; "
                "cast the values first"
            )
        if device_of(item.values) != device:
            raise ValueError(
                f"{name}[{i}] is on device {device_of(item.values)}, "
                f"but {name}[0] is on {device}"
            )
    return items


def _join(items: list[Any], coords: list[Any], shape: tuple[int, ...],
          ordered_if_canonical: bool) -> Any:
    """COO from per-input coordinate blocks; canonical when every input is."""
    xp = namespace(items[0].coords)
    joined_coords = coords[0] if len(coords) == 1 else xp.concat(coords, axis=1)
    values = [c.values for c in items]
    joined_values = values[0] if len(values) == 1 else xp.concat(values, axis=0)
    all_canonical = all(c.is_canonical for c in items)
    nonempty = sum(1 for c in items if c.nnz > 0)
    if all_canonical and (ordered_if_canonical or nonempty <= 1):
        return COO._from_trusted(joined_coords, joined_values, shape, canonical=True)
    out = COO._from_trusted(joined_coords, joined_values, shape, canonical=False)
    if all_canonical:
        return out.canonical(duplicates="error")  # disjoint blocks: never raises
    return out


def _sum_dims(total: int, name: str) -> int:
    if total > _INT64_MAX:
        raise ValueError(f"{name}: the joined dimension {total} does not fit in int64")
    return total


def concat(coos: Iterable[Any], axis: int = 0) -> Any:
    """Join COO arrays along an existing axis (``numpy.concatenate`` for COO).

    Parameters
    ----------
    coos : sequence of COO
        Same namespace, device, dtype and ndim; equal shapes except along
        ``axis``.
    axis : int
        Axis to join along (negative counts from the end).

    Returns
    -------
    COO
        Coordinates of ``coos[i]`` shifted along ``axis`` by the sizes of the
        inputs before it. Canonical when every input is canonical (free along
        axis 0, one sort along another axis); otherwise the concatenated
        entries in input order.

    Raises
    ------
    TypeError
        Not a sequence of COO, mixed namespaces or dtypes.
    ValueError
        Empty sequence, 0-d inputs, mismatched ndim or shapes, devices.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> a = am.COO.from_dense(np.array([[1, 0], [0, 2]]))
    >>> b = am.COO.from_dense(np.array([[0, 3]]))
    >>> c = am.sparse.concat([a, b])
    >>> c.shape, c.is_canonical, c.to_dense().tolist()
    ((3, 2), True, [[1, 0], [0, 2], [0, 3]])
    """
    items = _coo_list(coos, "coos")
    first = items[0]
    ndim = first.ndim
    if ndim == 0:
        raise ValueError("coos[0] is 0-dimensional; 0-d COO arrays cannot be concatenated")
    ax = normalize_axis(axis, ndim)
    for i, item in enumerate(items[1:], start=1):
        if item.ndim != ndim:
            raise ValueError(f"coos[{i}] has {item.ndim} dimensions, but coos[0] has {ndim}")
        if item.shape[:ax] + item.shape[ax + 1:] != first.shape[:ax] + first.shape[ax + 1:]:
            raise ValueError(
                f"coos[{i}] has shape {item.shape}, which does not match coos[0]'s "
                f"{first.shape} outside axis {ax}"
            )
    total = _sum_dims(sum(item.shape[ax] for item in items), "concat")
    xp = namespace(first.coords)
    device = device_of(first.coords)
    coords = []
    offset = 0
    for item in items:
        if offset and item.nnz:
            shift = new_array([[offset] if d == ax else [0] for d in range(ndim)], xp,
                              device=device, dtype=item.coords.dtype)
            coords.append(item.coords + shift)
        else:
            coords.append(item.coords)
        offset += item.shape[ax]
    shape = (*first.shape[:ax], total, *first.shape[ax + 1:])
    return _join(items, coords, shape, ordered_if_canonical=ax == 0)


def stack(coos: Iterable[Any], axis: int = 0) -> Any:
    """Join COO arrays of one shape along a new axis (``numpy.stack`` for COO).

    Parameters
    ----------
    coos : sequence of COO
        Same namespace, device, dtype and shape.
    axis : int
        Position of the new axis in the result (``-1``: last).

    Returns
    -------
    COO
        Shape ``shape[:axis] + (len(coos),) + shape[axis:]``; entry ``i`` of
        the new axis holds ``coos[i]``. Canonical when every input is
        (free for ``axis=0``).

    Raises
    ------
    TypeError
        Not a sequence of COO, mixed namespaces or dtypes.
    ValueError
        Empty sequence, mismatched shapes or devices.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> a = am.COO.from_dense(np.array([1, 0, 2]))
    >>> b = am.COO.from_dense(np.array([0, 3, 0]))
    >>> s = am.sparse.stack([a, b])
    >>> s.shape, s.is_canonical, s.to_dense().tolist()
    ((2, 3), True, [[1, 0, 2], [0, 3, 0]])
    """
    items = _coo_list(coos, "coos")
    first = items[0]
    for i, item in enumerate(items[1:], start=1):
        if item.shape != first.shape:
            raise ValueError(f"coos[{i}] has shape {item.shape}, but coos[0] has {first.shape}")
    ax = normalize_axis(axis, first.ndim + 1)
    xp = namespace(first.coords)
    device = device_of(first.coords)
    coords = []
    for i, item in enumerate(items):
        position = xp.full((1, item.nnz), i, dtype=item.coords.dtype, device=device)
        parts = [item.coords[:ax, :], position, item.coords[ax:, :]]
        coords.append(xp.concat([p for p in parts if p.shape[0]], axis=0))
    shape = (*first.shape[:ax], _sum_dims(len(items), "stack"), *first.shape[ax:])
    return _join(items, coords, shape, ordered_if_canonical=ax == 0)
