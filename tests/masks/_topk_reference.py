"""Slow, obviously-correct references for the top-k family (Python sorts per slice)."""

from __future__ import annotations

import math

import numpy as np


def _rank_key(row: np.ndarray, largest: bool):
    """Sort key of position i: better entries first, then the lower index."""
    floating = row.dtype.kind == "f"

    def key(i: int) -> tuple:
        v = row[i]
        nan = 1 if floating and math.isnan(float(v)) else 0
        val = 0 if nan else (float(v) + 0.0 if floating else int(v))
        return (-nan, -val, i) if largest else (nan, val, i)

    return key


def topk_1d(row: np.ndarray, k: int, largest: bool = True, ties: str = "index") -> np.ndarray:
    n = row.shape[0]
    key = _rank_key(row, largest)
    order = sorted(range(n), key=key)
    out = np.zeros(n, dtype=bool)
    out[order[:k]] = True
    if ties == "all" and k > 0:
        kth = key(order[k - 1])[:-1]
        for i in range(n):
            if key(i)[:-1] == kth:
                out[i] = True
    return out


def topk(x: np.ndarray, k, axis=-1, largest: bool = True, ties: str = "index") -> np.ndarray:
    """Reference topk_mask on a NumPy array (k: int or array broadcasting the batch)."""
    if axis is None:
        return topk_1d(x.reshape(-1), int(k), largest, ties).reshape(x.shape)
    moved = np.moveaxis(x, axis, -1)
    batch = moved.shape[:-1]
    kb = np.broadcast_to(np.asarray(k), batch)
    out = np.zeros(moved.shape, dtype=bool)
    for idx in np.ndindex(*batch):
        out[idx] = topk_1d(moved[idx], int(kb[idx]), largest, ties)
    return np.moveaxis(out, -1, axis)


def fraction_k(fraction: float, n: int, rounding: str) -> int:
    f = float(fraction) * n
    return min(n, int({"floor": math.floor, "round": round, "ceil": math.ceil}[rounding](f)))


def nucleus(probs: np.ndarray, p: float, axis: int = -1) -> np.ndarray:
    moved = np.moveaxis(probs, axis, -1)
    out = np.zeros(moved.shape, dtype=bool)
    n = moved.shape[-1]
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx]
        k = n
        if not np.isnan(row).any():
            order = sorted(range(n), key=lambda i: (-float(row[i]), i))
            total = 0.0
            for j, i in enumerate(order):
                total += float(row[i])
                if total >= p:
                    k = j + 1
                    break
        out[idx] = topk_1d(row, k)
    return np.moveaxis(out, -1, axis)


def nm(x: np.ndarray, n: int, m: int, axis: int = -1) -> np.ndarray:
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(moved.shape, dtype=bool)
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx]
        for g in range(0, row.shape[0], m):
            group = row[g : g + m]
            if group.dtype.kind == "f":
                mag = np.abs(group)
            else:
                mag = np.array([abs(int(v)) for v in group], dtype=object)
            order = sorted(range(m), key=lambda i, mag=mag: (
                (-1 if isinstance(mag[i], float | np.floating) and np.isnan(mag[i]) else 0),
                0 if isinstance(mag[i], float | np.floating) and np.isnan(mag[i]) else -mag[i],
                i,
            ))
            sel = np.zeros(m, dtype=bool)
            sel[order[:n]] = True
            out[idx][g : g + m] = sel
    return np.moveaxis(out, -1, axis)
