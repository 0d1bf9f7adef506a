"""Slow, obvious references for the sampling filters (one Python loop per sequence).

* :func:`exact` follows the documented arithmetic literally (``docs/sampling.md``):
  Python floats for the table exp, Python integers for the weights and their
  sums, a Python sort for the ranking. Every route must equal it bit for bit.
* :func:`ideal` is the textbook definition in float64 with ``math.exp`` and
  ``math.fsum`` (no quantisation); it agrees with :func:`exact` except where a
  boundary falls within about ``1e-12`` of a running sum, and reports how far
  each row is from one so that the tests can skip the rows that are too close.
* :func:`top_k` is a sort-based ``top_k`` with ``topk_mask``'s ranking; :func:`make`
  draws test values of any dtype.
"""

from __future__ import annotations

import math

import numpy as np

from arraymask.sampling._common import exp_table

TABLE = exp_table()


def table_exp(x: float) -> float:
    """``E(x)``: seven table entries, multiplied as ``((T6 T5)(T4 T3))((T2 T1) T0)``."""
    if not x < 708.0:
        return 0.0
    d = int(x * 2.0**52)
    t = [float(TABLE[j * 512 + ((d >> (9 * j)) & 511)]) for j in range(7)]
    return ((t[6] * t[5]) * (t[4] * t[3])) * ((t[2] * t[1]) * t[0])


def _order(row: np.ndarray) -> tuple[list[int], list[float]]:
    """Ranking (logit descending, NaN as -inf, ties by index) and the float64 logits."""
    vals = [(-math.inf if math.isnan(float(v)) else float(v) + 0.0) for v in row]
    return sorted(range(len(vals)), key=lambda i: (-vals[i], i)), vals


def _params(n: int, k, p, mp, t) -> tuple[int, float, float, float]:
    k = n if k is None else max(1, min(int(k), n))
    return k, 1.0 if p is None else float(p), 0.0 if mp is None else float(mp), float(t)


def exact(row: np.ndarray, *, k=None, p=None, mp=None, t=1.0, joint=False,
          u: tuple[float, ...] = ()) -> tuple[np.ndarray, list[int]]:
    """``(mask, tokens)`` of one sequence by the documented arithmetic."""
    n = len(row)
    k, p, mp, t = _params(n, k, p, mp, t)
    order, vals = _order(row)
    m = vals[order[0]]
    inv = 1.0 / t
    s = 62 - (n - 1).bit_length()
    e = [table_exp(0.0 if vals[i] == m else (m - vals[i]) * inv) for i in order]
    w = [math.floor(v * 2.0**s) for v in e]
    sums = list(np.cumsum(np.array(w, dtype=object)))
    finite = sum(1 for v in vals if v > -math.inf)
    count = min(k, finite)
    if p < 1:
        total = sum(w) if joint else sums[k - 1]
        target = min(total, math.ceil(p * float(total)))
        count = min(count, next(j + 1 for j, v in enumerate(sums) if v >= target))
    cm = next((j for j, v in enumerate(e) if v < mp), n)
    count = max(1, min(count, cm))
    mask = np.zeros(n, dtype=bool)
    mask[order[:count]] = True
    kept = sums[count - 1]
    tokens = []
    for draw in u:
        target_u = min(math.floor(draw * float(kept)), kept - 1)
        tokens.append(order[next(j for j, v in enumerate(sums) if v > target_u)])
    return mask, tokens


def ideal(row: np.ndarray, *, k=None, p=None, mp=None, t=1.0,
          joint=False) -> tuple[np.ndarray, float]:
    """``(mask, margin)`` with exact-as-possible float64 softmax sums.

    ``margin`` is the smallest relative distance between a running sum (or a
    min-p ratio) and its threshold: below about ``1e-9`` the quantised sums of
    arraymask may decide the other way.
    """
    n = len(row)
    k, p, mp, t = _params(n, k, p, mp, t)
    order, vals = _order(row)
    m = vals[order[0]]
    e = [1.0 if vals[i] == m else math.exp((vals[i] - m) / t) for i in order]
    finite = sum(1 for v in vals if v > -math.inf)
    count = min(k, finite)
    margin = math.inf
    if p < 1:
        total = math.fsum(e if joint else e[:k])
        running = 0.0
        cp = n
        for j in range(n):
            running = math.fsum(e[: j + 1])
            margin = min(margin, abs(running - p * total) / total)
            if running >= p * total:
                cp = j + 1
                break
        count = min(count, cp)
    if mp > 0:
        cm = n
        for j, v in enumerate(e):
            margin = min(margin, abs(v - mp) / max(mp, 1e-300))
            if v < mp:
                cm = j
                break
        count = min(count, cm)
    count = max(1, count)
    mask = np.zeros(n, dtype=bool)
    mask[order[:count]] = True
    return mask, margin


def rows(fn, x: np.ndarray, axis: int = -1, **params):
    """Apply a one-row reference to every slice; array parameters are per sequence."""
    moved = np.moveaxis(x, axis, -1)
    batch = moved.shape[:-1]
    per = {name: np.broadcast_to(np.asarray(v), batch) if v is not None else None
           for name, v in params.items() if name not in ("joint", "u")}
    out = np.zeros(moved.shape, dtype=bool)
    extra = {"joint": params.get("joint", False)}
    tokens = None
    u = params.get("u")
    if u is not None:
        u = np.moveaxis(u, axis, -1)
        tokens = np.zeros(u.shape, dtype=np.int64)
    for idx in np.ndindex(*batch):
        kw = {name: (None if v is None else v[idx].item()) for name, v in per.items()}
        if u is not None:
            out[idx], toks = fn(moved[idx], u=tuple(u[idx].tolist()), **kw, **extra)
            tokens[idx] = toks
        else:
            out[idx] = fn(moved[idx], **kw, **extra)[0]
    mask = np.moveaxis(out, -1, axis)
    return mask if tokens is None else (mask, np.moveaxis(tokens, -1, axis))


def top_k(x: np.ndarray, k: int, axis: int | None = -1, largest: bool = True,
          sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(values, indices)`` by a Python sort with ``topk_mask``'s ranking."""
    if axis is None:
        return top_k(x.reshape(-1), k, 0, largest, sort)
    moved = np.moveaxis(x, axis, -1)
    values = np.zeros((*moved.shape[:-1], k), dtype=x.dtype)
    indices = np.zeros((*moved.shape[:-1], k), dtype=np.int64)
    floating = x.dtype.kind == "f"
    for idx in np.ndindex(*moved.shape[:-1]):
        row = moved[idx]

        def key(i: int, row=row) -> tuple:
            v = row[i]
            nan = 1 if floating and math.isnan(float(v)) else 0
            val = 0 if nan else (float(v) + 0.0 if floating else int(v))
            return ((-nan, -val) if largest else (nan, val)) + (i,)

        chosen = sorted(range(row.shape[0]), key=key)[:k]
        if not sort:
            chosen = sorted(chosen)
        values[idx] = row[chosen]
        indices[idx] = chosen
    return np.moveaxis(values, -1, axis), np.moveaxis(indices, -1, axis)
