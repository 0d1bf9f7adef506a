"""Slow, obviously-correct references for the COO kernels (pure Python + NumPy)."""

from __future__ import annotations

from typing import Any

import numpy as np

POLICIES = ("sum", "min", "max", "first", "last", "error", "keep")


def pairwise_sum(run: np.ndarray) -> Any:
    """The documented summation order: split at the largest power of two below the length."""
    if run.shape[0] == 1:
        return run[0]
    half = 1
    while 2 * half < run.shape[0]:
        half *= 2
    with np.errstate(all="ignore"):
        return pairwise_sum(run[:half]) + pairwise_sum(run[half:])


def reduce_run(run: np.ndarray, policy: str) -> Any:
    """Reduce the values of one run of equal coordinates, in original order."""
    if policy == "first":
        return run[0]
    if policy == "last":
        return run[-1]
    work = run.astype(np.float32) if run.dtype == np.float16 else run
    if policy == "sum" and work.dtype.kind in "fc":
        return np.asarray(pairwise_sum(work)).astype(run.dtype)
    ufunc = {"sum": np.add, "min": np.minimum, "max": np.maximum}[policy]
    with np.errstate(all="ignore"):
        out = ufunc.accumulate(work)[-1]  # sequential, left to right
    return np.asarray(out).astype(run.dtype)


def canonical(
    coords: np.ndarray, values: np.ndarray, shape: tuple[int, ...], policy: str
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...] | None]:
    """``(coords, values, first_duplicate)`` by a stable Python sort of coordinate tuples."""
    ndim, nnz = coords.shape
    cols = [tuple(int(c) for c in coords[:, i]) for i in range(nnz)]
    order = sorted(range(nnz), key=lambda i: cols[i])  # stable
    groups: list[tuple[tuple[int, ...], list[int]]] = []
    for i in order:
        if groups and groups[-1][0] == cols[i]:
            groups[-1][1].append(i)
        else:
            groups.append((cols[i], [i]))
    if policy == "error":
        dups = [key for key, members in groups if len(members) > 1]
        if dups:
            return coords, values, dups[0]
    if policy in {"keep", "error"}:
        out_cols = [cols[i] for i in order]
        out_vals = values[np.asarray(order, dtype=np.int64)]
    else:
        out_cols = [key for key, _ in groups]
        out_vals = np.asarray(
            [reduce_run(values[np.asarray(m)], policy) for _, m in groups], dtype=values.dtype
        ).reshape(len(groups))
    out = np.asarray(out_cols, dtype=np.int64).reshape(len(out_cols), ndim).T
    return np.ascontiguousarray(out), out_vals, None


def from_dense(x: np.ndarray, fill_value: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row-major coordinates and values of ``x != fill_value`` (``np.nonzero`` order)."""
    keep = x != np.asarray(fill_value, dtype=x.dtype)
    if x.ndim == 0:
        n = int(keep)
        return np.zeros((0, n), dtype=np.int64), x.reshape(1)[:n]
    nz = np.nonzero(keep)
    return np.stack(nz).astype(np.int64).reshape(x.ndim, -1), x[nz]


def to_dense(
    coords: np.ndarray, values: np.ndarray, shape: tuple[int, ...], fill_value: Any = 0
) -> np.ndarray:
    """Dense array, duplicates summed in the documented (pairwise) order."""
    c, v, _ = canonical(coords, values, shape, "sum")
    out = np.full(shape, fill_value, dtype=values.dtype)
    out[tuple(c)] = v
    return out
