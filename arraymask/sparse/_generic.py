"""Array-API twins of the COO kernels.

These functions run on any array-API namespace (CUDA torch, CuPy, JAX,
Dask, array-api-strict, and NumPy too) and give the same results as the
compiled kernels of ``arraymask._ext.coo``:

* :func:`scan` -- bounds check and order status of coordinates;
* :func:`sort_order` -- the stable row-major order (stable argsort of
  linearized keys, or successive stable argsorts per axis when
  ``prod(shape)`` does not fit the index dtype);
* :func:`reduce_sorted` -- one policy applied to runs of equal coordinates;
* :func:`dense_to_coo` and :func:`coo_to_dense`.

No item assignment is used (JAX is immutable); counts that fix output
shapes are read back with ``int()`` (a device synchronisation, unavoidable
when an output's size depends on values). Reductions that do not depend on
the order of operations (min, max, integer and boolean sums, first, last)
are computed by a segmented scan; floating-point sums add the elements of
each run by the pairwise tree of the compiled kernels (the run split at the
largest power of two below its length, entries in original order), so the
sums agree bit for bit.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

import array_api_extra as xpx

from .._backend import capabilities, device_of, index_dtype, key_limit
from ._common import ORDER_NONDECREASING, ORDER_STRICT, ORDER_UNSORTED, out_of_range

__all__ = [
    "canonicalize",
    "coo_to_dense",
    "dense_to_coo",
    "gather",
    "reduce_sorted",
    "scan",
    "sort_order",
]

def _prod(shape: tuple[int, ...]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


def _linear(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> Any:
    """Row-major linear keys of ``coords``; ``prod(shape)`` must fit the dtype."""
    dt = coords.dtype
    key = xp.zeros(coords.shape[1], dtype=dt, device=device_of(coords))
    for axis, size in enumerate(shape):
        key = key * size + coords[axis, :]
    return key


def _take(x: Any, indices: Any, xp: ModuleType) -> Any:
    """``xp.take(x, indices)``; Dask's spurious ComplexWarning (from its meta) is silenced."""
    if not capabilities(xp).lazy:
        return xp.take(x, indices)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Casting complex values")
        return xp.take(x, indices)


def _count(flags: Any, xp: ModuleType) -> int:
    return int(xp.sum(xp.astype(flags, index_dtype(xp))))


def _positions(flags: Any, count: int, xp: ModuleType) -> Any:
    """Increasing positions of the True entries of 1-D ``flags`` (``count`` of them)."""
    idt = index_dtype(xp)
    caps = capabilities(xp)
    if caps.data_dependent_shapes and not caps.lazy:
        return xp.astype(xp.nonzero(flags)[0], idt)
    # stable argsort of "not flag" puts the True positions first, in order
    order = xp.argsort(xp.astype(xp.logical_not(flags), xp.int8), stable=True)
    return xp.astype(order[:count], idt)


def scan(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> tuple[int, int, int]:
    """Bounds check and order status in one pass over the coordinates.

    Returns ``(bad_axis, bad_position, order)``: ``bad_axis`` is ``-1`` when
    every coordinate is in range, else the axis of the first column (then
    axis) out of range, ``bad_position`` its column; ``order`` is one of
    :data:`ORDER_STRICT`, :data:`ORDER_NONDECREASING`, :data:`ORDER_UNSORTED`.
    """
    ndim, nnz = coords.shape
    if nnz == 0:
        return -1, -1, ORDER_STRICT
    axis, col = _first_out_of_range(coords, shape, xp)
    if axis >= 0:
        return axis, col, -1
    if nnz == 1:
        return -1, -1, ORDER_STRICT
    if ndim == 0:
        return -1, -1, ORDER_NONDECREASING
    cmp = _compare_adjacent(coords, xp)
    if bool(xp.any(cmp < 0)):
        return -1, -1, ORDER_UNSORTED
    if bool(xp.any(cmp == 0)):
        return -1, -1, ORDER_NONDECREASING
    return -1, -1, ORDER_STRICT


def _first_out_of_range(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> tuple[int, int]:
    """``(axis, column)`` of the first coordinate outside ``[0, shape)``, or ``(-1, -1)``."""
    if not coords.shape[0] or not coords.shape[1]:
        return -1, -1
    limits = xp.asarray(list(shape), dtype=coords.dtype, device=device_of(coords))
    bad = (coords < 0) | (coords >= limits[:, None])
    col_bad = xp.any(bad, axis=0)
    if not bool(xp.any(col_bad)):
        return -1, -1
    col = int(xp.argmax(xp.astype(col_bad, xp.int8)))
    return int(xp.argmax(xp.astype(bad[:, col], xp.int8))), col


def _compare_adjacent(coords: Any, xp: ModuleType) -> Any:
    """Sign (-1, 0, 1) of ``column[i+1]`` vs ``column[i]`` lexicographically."""
    a = coords[:, :-1]
    b = coords[:, 1:]
    sign = xp.zeros(a.shape[1], dtype=xp.int8, device=device_of(coords))
    for axis in range(coords.shape[0] - 1, -1, -1):
        s = xp.astype(b[axis, :] > a[axis, :], xp.int8) - xp.astype(
            b[axis, :] < a[axis, :], xp.int8
        )
        sign = xp.where(s != 0, s, sign)
    return sign


def sort_order(coords: Any, shape: tuple[int, ...], xp: ModuleType) -> Any:
    """Stable row-major order of the columns of ``coords`` (a permutation)."""
    ndim, nnz = coords.shape
    idt = index_dtype(xp)
    if ndim == 0:
        return xp.arange(nnz, dtype=idt, device=device_of(coords))
    if _prod(shape) <= key_limit(xp):
        return xp.astype(xp.argsort(_linear(coords, shape, xp), stable=True), idt)
    # multi-key: least significant axis first, each pass a stable argsort
    perm = xp.astype(xp.argsort(coords[ndim - 1, :], stable=True), idt)
    for axis in range(ndim - 2, -1, -1):
        step = xp.argsort(xp.take(coords[axis, :], perm), stable=True)
        perm = xp.take(perm, xp.astype(step, idt))
    return perm


def _segmented_scan(values: Any, run_start: Any, max_run: int, op: Any, xp: ModuleType) -> Any:
    """Inclusive scan of ``op`` within runs (Hillis-Steele, ``log2(max_run)`` steps)."""
    n = values.shape[0]
    pos = xp.arange(n, dtype=run_start.dtype, device=device_of(values))
    k = 1
    while k < max_run:
        shifted = xp.concat([values[:k], values[: n - k]])
        inside = (pos - k) >= run_start
        values = xp.where(inside, op(values, shifted), values)
        k *= 2
    return values


def _pairwise_sum(values: Any, run_start: Any, run_end: Any, starts: Any, max_run: int,
                  xp: ModuleType) -> Any:
    """Sum of each run by the pairwise tree of the compiled kernels (``pair_sum``).

    Level ``d = 1, 2, 4, ...``: the entry at run-relative position ``r`` (a
    multiple of ``2d``) adds the partial sum ``d`` places on, if that is still
    in the run. The tree splits every run at the largest power of two below
    its length, so every backend adds the same operands in the same order.
    """
    n = values.shape[0]
    pos = xp.arange(n, dtype=run_start.dtype, device=device_of(values))
    rel = pos - run_start
    acc = values
    last = xp.asarray(n - 1, dtype=pos.dtype, device=device_of(values))
    d = 1
    while d < max_run:
        partner = xp.minimum(pos + d, last)
        take = (rel % (2 * d) == 0) & (pos + d < run_end)
        acc = xp.where(take, acc + _take(acc, partner, xp), acc)
        d *= 2
    return _take(acc, starts, xp)


def _is_float(dtype: Any, xp: ModuleType) -> bool:
    return bool(xp.isdtype(dtype, ("real floating", "complex floating")))


def reduce_sorted(
    coords: Any, values: Any, policy: str, xp: ModuleType
) -> tuple[Any, Any, tuple[int, ...] | None]:
    """Apply ``policy`` to runs of equal columns of sorted ``coords``.

    Returns ``(coords, values, duplicate)`` where ``duplicate`` is the first
    duplicated coordinate (as a tuple) when ``policy == "error"`` finds one,
    else ``None``. ``policy == "keep"`` returns the inputs.
    """
    ndim, nnz = coords.shape
    if policy == "keep" or nnz <= 1:
        return coords, values, None
    idt = index_dtype(xp)
    if ndim:
        new = xp.any(coords[:, 1:] != coords[:, :-1], axis=0)
    else:
        new = xp.zeros(nnz - 1, dtype=xp.bool, device=device_of(coords))
    new = xp.concat([xp.ones(1, dtype=xp.bool, device=device_of(coords)), new])
    n_out = _count(new, xp)
    if n_out == nnz:
        return coords, values, None
    starts = _positions(new, n_out, xp)
    ends = xp.concat([starts[1:], xp.asarray([nnz], dtype=idt, device=device_of(coords))])
    if policy == "error":
        lengths = ends - starts
        run = int(xp.argmax(xp.astype(lengths > 1, xp.int8)))
        col = int(starts[run])
        dup = tuple(int(c) for c in coords[:, col]) if ndim else ()
        return coords, values, dup
    out_coords = xp.take(coords, starts, axis=1)
    if policy == "first":
        return out_coords, _take(values, starts, xp), None
    if policy == "last":
        return out_coords, _take(values, ends - 1, xp), None
    if values.dtype == getattr(xp, "float16", None):  # float32, rounded once, like the kernel
        oc, ov, _ = reduce_sorted(coords, xp.astype(values, xp.float32), policy, xp)
        return oc, xp.astype(ov, xp.float16), None
    lengths = ends - starts
    max_run = int(xp.max(lengths))
    run_id = xp.cumulative_sum(xp.astype(new, idt)) - 1
    run_start = xp.take(starts, run_id)
    if policy == "sum" and _is_float(values.dtype, xp):
        run_end = xp.take(ends, run_id)
        return out_coords, _pairwise_sum(values, run_start, run_end, starts, max_run, xp), None
    is_bool = values.dtype == xp.bool
    if policy == "sum":
        op = xp.logical_or if is_bool else (lambda a, b: a + b)
    elif policy == "min":
        op = xp.logical_and if is_bool else xp.minimum
    else:
        op = xp.logical_or if is_bool else xp.maximum
    scanned = _segmented_scan(values, run_start, max_run, op, xp)
    return out_coords, _take(scanned, ends - 1, xp), None


def dense_to_coo(x: Any, fill_value: Any, xp: ModuleType) -> tuple[Any, Any]:
    """Row-major coordinates ``(ndim, nnz)`` and values of ``x != fill_value``."""
    idt = index_dtype(xp)
    shape = tuple(int(s) for s in x.shape)
    flat = xp.reshape(x, (-1,))
    keep = flat != xp.asarray(fill_value, dtype=x.dtype, device=device_of(x))
    nnz = _count(keep, xp)
    pos = _positions(keep, nnz, xp)
    values = _take(flat, pos, xp)
    rows = []
    rest = pos
    for size in reversed(shape):
        rows.append(rest % size)
        rest = rest // size
    rows.reverse()
    coords = xp.stack(rows) if rows else xp.zeros((0, nnz), dtype=idt, device=device_of(x))
    return coords, values


def coo_to_dense(
    coords: Any, values: Any, shape: tuple[int, ...], fill_value: Any, xp: ModuleType
) -> Any:
    """Dense array of ``shape`` holding ``values`` at canonical ``coords``.

    ``coords`` must be canonical (sorted, no duplicates); a coordinate out of
    range (possible only in a COO built with ``check=False``) raises
    ``IndexError``, as in the compiled kernel.
    """
    axis, col = _first_out_of_range(coords, shape, xp)
    if axis >= 0:
        raise out_of_range(coords, axis, col, shape)
    size = _prod(shape)
    dev = device_of(values)
    idt = index_dtype(xp)
    base = xp.full((size,), fill_value, dtype=values.dtype, device=dev)
    if coords.shape[1] == 0 or size == 0:
        return xp.reshape(base, shape)
    keys = _linear(coords, shape, xp) if shape else xp.zeros(1, dtype=idt, device=dev)
    if capabilities(xp).scatter:
        flat = xpx.at(base, keys).set(values, copy=None)  # in place where the backend can
        return xp.reshape(flat, shape)
    # no scatter: find each position among the sorted keys
    pos = xp.arange(size, dtype=idt, device=dev)
    j = xp.searchsorted(keys, pos)
    j = xp.minimum(j, xp.asarray(keys.shape[0] - 1, dtype=j.dtype, device=dev))
    found = xp.take(keys, j) == pos
    return xp.reshape(xp.where(found, _take(values, j, xp), base), shape)


def gather(values: Any, coords: Any, shape: tuple[int, ...], xp: ModuleType) -> Any:
    """``values[coords]`` for an array ``values`` of ``shape`` (canonical ``coords``)."""
    flat = xp.reshape(values, (-1,))
    if not shape:
        return xp.take(flat, xp.zeros(coords.shape[1], dtype=coords.dtype,
                                      device=device_of(coords)))
    return _take(flat, _linear(coords, shape, xp), xp)


def canonicalize(
    coords: Any, values: Any, shape: tuple[int, ...], policy: str, xp: ModuleType
) -> tuple[Any, Any, tuple[int, ...] | None, bool]:
    """Sort and reduce by ``policy``: ``(coords, values, duplicate, is_canonical)``.

    The twin of :func:`arraymask.sparse._kernels.canonicalize`.
    """
    axis, col, status = scan(coords, shape, xp)
    if axis >= 0:
        raise out_of_range(coords, axis, col, shape)
    if status == ORDER_STRICT:
        return coords, values, None, True
    if status == ORDER_UNSORTED:
        perm = sort_order(coords, shape, xp)
        coords = xp.take(coords, perm, axis=1)
        values = _take(values, perm, xp)
    out_coords, out_values, dup = reduce_sorted(coords, values, policy, xp)
    if dup is not None:
        return coords, values, dup, False
    canonical = policy != "keep" or _distinct_adjacent(coords, xp)
    return out_coords, out_values, None, canonical


def _distinct_adjacent(coords: Any, xp: ModuleType) -> bool:
    """No two adjacent columns of sorted ``coords`` are equal."""
    ndim, nnz = coords.shape
    if nnz <= 1:
        return True
    if ndim == 0:
        return False
    return not bool(xp.any(xp.all(coords[:, 1:] == coords[:, :-1], axis=0)))
