"""Every compiled path of the sampling topic: NumPy in, NumPy out.

The public modules hand these functions zero-copy NumPy views (of NumPy
arrays or CPU torch tensors, :func:`arraymask._backend.host_view`) with
arguments already validated, and wrap the results back. Each gives exactly
the result of its array-API twin in :mod:`._generic`; the tests check it.

* :func:`filter_rows` -- the top-k radix select of :func:`arraymask.topk_mask`
  (``_ext.topk``) marks the survivors, then ``_ext.sampling.filter_rows``
  sorts and weighs only them for top-p and min-p (or, when top-k is off,
  runs a radix search over buckets of weights), writes the mask in place
  and makes the draws of :func:`~arraymask.sample`; see ``_ext/sampling.pyx``.
* :func:`top_k` -- the compiled top-k mask (``_ext.topk``, the kernel of
  :func:`arraymask.topk_mask`), the positions of its ``k`` marks
  (``_ext.sampling.gather_marked``, eight mask bytes at a time) and a sort of
  only those ``k`` values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._backend import pooled, threads
from .._ext import sampling as _sampling
from .._ext import topk as _topk
from ._common import exp_table, scale_bits

__all__ = ["filter_rows", "filter_supported", "top_k", "topk_dtype"]

_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
_NO_MASK = np.empty((0, 0), dtype=np.uint8)

#: Least logits per call worth a second thread of the filters: rows that weigh
#: every token (no top-k, or joint top-p) are heavy; rows that read their
#: survivors from the top-k mask are light (a scan of the mask and a sort of k).
HEAVY_GRAIN = 1 << 16
LIGHT_GRAIN = 1 << 26
#: Least mask bytes worth a second thread in the gather of top_k's positions.
GATHER_GRAIN = 1 << 26
_NO_DRAWS = np.empty((0, 0), dtype=np.float64)
_NO_TOKENS = np.empty((0, 0), dtype=np.int64)


def filter_supported(x: np.ndarray) -> bool:
    """The compiled filters take float16, float32 and float64 logits."""
    return x.dtype.kind == "f" and x.dtype.itemsize in (2, 4, 8)


def topk_dtype(x: np.ndarray) -> bool:
    """The compiled top-k takes bool, integers of 1 to 8 bytes and float16/32/64."""
    return x.dtype.kind in "biuf" and x.dtype.itemsize in _UINT and (
        x.dtype.kind != "f" or x.dtype.itemsize >= 2)


def _per_row(value: Any, batch: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A parameter (scalar or array broadcasting against ``batch``) as one value per row."""
    rows = math.prod(batch)
    if np.ndim(value) == 0:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (rows,))
    full = np.broadcast_to(np.asarray(value), batch)
    return np.ascontiguousarray(full, dtype=dtype).reshape(rows)


@pooled
def filter_rows(x: np.ndarray, axis: int, *, temperature: Any, top_k: Any, top_p: Any,
                min_p: Any, joint: bool, mask: bool = True,
                uniforms: np.ndarray | None = None) -> tuple[np.ndarray | None,
                                                             np.ndarray | None]:
    """``(mask, tokens)`` of the sampling filters along ``axis`` (normalised).

    Parameters are Python scalars or host arrays broadcasting against the
    batch shape (``x.shape`` without ``axis``), validated; a filter that is
    off comes as its neutral value (``top_k = n``, ``top_p = 1``,
    ``min_p = 0``). ``uniforms`` (batch shape + ``(draws,)``, float64) asks
    for tokens, returned with that shape (int64).
    """
    moved = np.moveaxis(x, axis, -1)
    batch, n = moved.shape[:-1], moved.shape[-1]
    rows = math.prod(batch)
    out_mask = np.empty(moved.shape, dtype=np.bool_) if mask else None
    draws = 0 if uniforms is None else uniforms.shape[-1]
    tokens = np.empty((*batch, draws), dtype=np.int64) if uniforms is not None else None
    if rows and n:
        flat = moved.reshape(rows, n).view(_UINT[x.dtype.itemsize])
        temp = _per_row(temperature, batch, np.float64)
        ks = _per_row(top_k, batch, np.int64)
        ps = _per_row(top_p, batch, np.float64)
        mps = _per_row(min_p, batch, np.float64)
        m8 = out_mask.view(np.uint8).reshape(rows, n) if out_mask is not None else _NO_MASK
        if uniforms is not None and draws:
            u = np.ascontiguousarray(uniforms, dtype=np.float64).reshape(rows, draws)
            t = tokens.reshape(rows, draws)  # type: ignore[union-attr]
        else:
            u, t = _NO_DRAWS, _NO_TOKENS
        ks = np.clip(ks, 1, n)
        top = _NO_MASK
        # rows whose survivors come from the top-k mask cost O(k log k) here: one
        # thread is faster than waking a second on a busy machine
        light = bool((ks < n).all()) and not (joint and bool((ps < 1).any()))
        workers = threads(x.size, LIGHT_GRAIN if light else HEAVY_GRAIN)
        if bool((ks < n).any()):  # the survivors of top-k: the radix select of topk_mask
            top = m8 if out_mask is not None else np.empty((rows, n), dtype=np.uint8)
            _topk.topk_slices(flat.reshape(rows, n, 1), ks, top.reshape(rows, n, 1), 2, True,
                              False, threads(x.size))
        _sampling.filter_rows(flat, temp, ks, ps, mps, bool(joint), exp_table(), scale_bits(n),
                              top, m8, u, t, workers)
    if out_mask is not None:
        out_mask = np.moveaxis(out_mask, -1, axis)
    return out_mask, tokens


# ---------------------------------------------------------------- top_k


def _rank_keys(values: np.ndarray, largest: bool) -> np.ndarray:
    """Unsigned keys whose descending order is the ranking (NaN above +inf, -0.0 == 0.0).

    ``largest=False`` complements them, so that descending order takes the
    smallest first and NaNs last.
    """
    keys: Any
    if values.dtype == np.bool_:
        keys = values.view(np.uint8)
    else:
        width = values.dtype.itemsize
        utype: Any = _UINT[width]
        bits: Any = values.view(utype)
        sign: Any = utype(1 << (8 * width - 1))
        if values.dtype.kind == "u":
            keys = bits
        elif values.dtype.kind == "i":
            keys = bits ^ sign
        else:
            ones: Any = utype(~utype(0))
            neg = (bits & sign) != 0
            keys = np.where(neg, ~bits, bits | sign)
            keys = np.where(values == 0, sign, keys)  # -0.0 ties 0.0
            keys = np.where(np.isnan(values), ones, keys)  # every NaN ties, above +inf
    return keys if largest else ~keys


@pooled
def top_k(x: np.ndarray, k: int, axis: int, *, largest: bool,
          sorted_: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(values, indices)`` of the ``k`` best entries along ``axis`` (normalised).

    ``0 < k <= n``; ``x`` is a real or bool array the top-k kernel handles.
    """
    moved = np.moveaxis(x, axis, -1)
    batch, n = moved.shape[:-1], moved.shape[-1]
    rows = math.prod(batch)
    idx = np.empty((rows, k), dtype=np.int64)
    if rows:
        data = np.ascontiguousarray(moved).reshape(rows, n, 1)
        mask = np.empty((rows, n), dtype=np.uint8)
        kind = 0 if data.dtype.kind in "bu" else (1 if data.dtype.kind == "i" else 2)
        _topk.topk_slices(data.view(_UINT[data.dtype.itemsize]),
                          np.broadcast_to(np.int64(k), (rows,)), mask.reshape(rows, n, 1),
                          kind, bool(largest), False, threads(data.size))
        _sampling.gather_marked(mask, idx, threads(mask.size, GATHER_GRAIN))
    values = np.take_along_axis(moved.reshape(rows, n), idx, axis=-1)
    if sorted_ and k > 1:
        keys = _rank_keys(values, largest)
        order = np.argsort(~keys, axis=-1, kind="stable")  # best first, ties by index
        values = np.take_along_axis(values, order, axis=-1)
        idx = np.take_along_axis(idx, order, axis=-1)
    values = np.moveaxis(values.reshape(*batch, k), -1, axis)
    idx = np.moveaxis(idx.reshape(*batch, k), -1, axis)
    return values, idx
