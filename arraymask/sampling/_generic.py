"""Every array-API twin of the sampling topic: one implementation for every namespace.

These functions run on any namespace and device (array-api-strict, JAX also
under ``jit``, CuPy, torch on CUDA, Dask blocks, NumPy too) and give exactly
the results of the compiled paths in :mod:`._kernels`: static shapes, no
item assignment. Values are read back only where they can be read
(:func:`arraymask._backend.values_known`), to skip work that cannot change
the result; never under ``jax.jit``. Arguments arrive validated, with the
slice axis last.

**Filters** (:func:`filter_rows`). Tokens are ranked by their logit (NaN as
``-inf``, ``-0.0`` as ``0.0``), best first, ties by index: a stable
descending ``argsort`` of the slice, or, where the largest ``top_k`` is
known, only the top ``max(k)``: by the backend's native top-k where it has
that order (:func:`arraymask._backend.native_topk`, stable: JAX's
``lax.top_k``), else (eager backends) by :func:`top_k` below.
On those sorted values, with the arithmetic of :mod:`._common` (table
``exp``, integer weights, exact cumulative sums), the kept count is
``c = max(1, min(k, c_p, c_m, finite))``; the mask is the ``c`` best tokens
and a draw ``U = floor(u * W_c)`` picks the first sorted token whose running
weight exceeds ``U`` (a binary search by gathers). Without 64-bit types the
same steps run in float32 with the backend's ``exp``.

**top_k** (:func:`top_k`). The native top-k where there is one; otherwise
:func:`arraymask.topk_mask`, the positions of its ``k`` marks (``nonzero``
where shapes may depend on values, else a binary search of the mask's
cumulative sum: ``O(k log n)`` gathers per slice, no scatter, static
shapes), and a stable sort of only the ``k`` values.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .._backend import (
    Array,
    capabilities,
    device_of,
    first_true,
    fused,
    index_dtype,
    native_topk,
    new_array,
    take_last,
    values_known,
)
from ..masks.topk import topk_mask
from ._common import DIGIT_BITS, FRACTION_BITS, X_MAX, exp_table, scale_bits

__all__ = ["exp_neg", "filter_rows", "first_above", "ranking_keys", "top_k"]

_INF = float("inf")


def _stable_top_k(xp: ModuleType, dtype: Any) -> Any:
    """The backend's top-k where its indices follow the contract's ranking, else None."""
    found = native_topk(xp, dtype)
    return found[0] if found is not None and found[1] else None


def ranking_keys(y: Array, xp: ModuleType) -> Array:
    """Logits as the filters rank them: NaN as ``-inf``, ``-0.0`` as ``0.0`` (same dtype)."""
    y = xp.where(xp.isnan(y), -_INF, y)
    return xp.where(y == 0, 0.0, y)


def exp_neg(x: Array, xp: ModuleType) -> Array:
    """``E(x)`` of :mod:`._common` for float64 ``x >= 0``: seven gathers, a tree of products."""
    table = new_array(exp_table(), xp, device=device_of(x))
    ok = x < X_MAX
    fixed = xp.astype(xp.floor(xp.where(ok, x, 0.0) * float(2**FRACTION_BITS)), xp.int64)
    shape = tuple(fixed.shape)
    flat = xp.reshape(fixed, (-1,))
    size, digit = 1 << DIGIT_BITS, (1 << DIGIT_BITS) - 1

    def entry(j: int) -> Array:
        return xp.take(table, ((flat >> (DIGIT_BITS * j)) & digit) + j * size)

    a = entry(6) * entry(5)
    b = entry(4) * entry(3)
    c = entry(2) * entry(1)
    r = (a * b) * (c * entry(0))
    return xp.where(ok, xp.reshape(r, shape), 0.0)


def first_above(sums: Array, target: Array, last: Array, xp: ModuleType) -> Array:
    """Per entry of ``target`` (``(..., m)``): the first ``j <= last`` with ``sums[j] > target``.

    ``sums`` is non-decreasing along its last axis; ``last`` (``(..., 1)``)
    bounds the answer (returned when no entry up to it is above the target).
    A binary search by gathers: ``ceil(log2(cols)) + 1`` steps.
    """
    idx = last.dtype
    lo = xp.zeros(tuple(target.shape), dtype=idx, device=device_of(target))
    hi = xp.broadcast_to(last, tuple(target.shape))
    for _ in range(max(1, int(sums.shape[-1]).bit_length()) + 1):
        mid = (lo + hi) // 2
        above = take_last(sums, mid, xp) > target
        hi = xp.where(above, mid, hi)
        lo = xp.where(above, lo, mid + 1)
    return xp.minimum(lo, last)


def _column(value: Any, xp: ModuleType, dtype: Any, batch: tuple[int, ...]) -> Any:
    """A parameter as a Python scalar or a ``(rows, 1)`` array of ``dtype``."""
    if value is None or isinstance(value, (int, float)):
        return value
    rows = 1
    for d in batch:
        rows *= d
    full = xp.broadcast_to(xp.astype(xp.asarray(value), dtype), batch)
    return xp.reshape(full, (rows, 1))


def filter_rows(y: Array, xp: ModuleType, *, temperature: Any, top_k: Any, top_p: Any,
                min_p: Any, joint: bool, bound: int | None, uniforms: Array | None = None,
                mask: bool = True) -> tuple[Array | None, Array | None]:
    """``(mask, tokens)`` of the sampling filters along the last axis of ``y``.

    Parameters are Python scalars, None (off) or arrays broadcasting against
    ``y.shape[:-1]``. ``bound`` is a static upper bound of ``top_k`` (None
    when unknown or off). ``uniforms`` (``y.shape[:-1] + (draws,)``) asks for
    tokens. Where the backend compiles (JAX), the whole computation runs as
    one compiled function (the same operations, so the same results); its
    scalar parameters are then arguments, not constants, so that a new value
    does not compile a new function (``bound``, a static shape, is rounded up
    to a power of two by the caller for the same reason).
    """
    batch = tuple(int(d) for d in y.shape[:-1])
    n = int(y.shape[-1])
    rows = 1
    for d in batch:
        rows *= d
    compiles = capabilities(xp).compiles
    arrays: dict[str, Any] = {}
    static: list[tuple[str, Any]] = []
    for name, value in (("temperature", temperature), ("top_k", top_k), ("top_p", top_p),
                        ("min_p", min_p)):
        if value is None or (isinstance(value, (int, float)) and not compiles):
            static.append((name, value))
        else:
            arrays[name] = value
    flat = xp.reshape(y, (rows, n))
    draws = None if uniforms is None else xp.reshape(uniforms, (rows, int(uniforms.shape[-1])))
    run = fused(xp, _filter_core, xp, tuple(static), joint, bound, mask, batch)
    out_mask, tokens = run(flat, arrays, draws)
    if out_mask is not None:
        out_mask = xp.reshape(out_mask, (*batch, n))
    if tokens is not None:
        tokens = xp.reshape(tokens, (*batch, int(uniforms.shape[-1])))  # type: ignore[union-attr]
    return out_mask, tokens


def _filter_core(xp: ModuleType, static: tuple[tuple[str, Any], ...], joint: bool,
                 bound: int | None, want_mask: bool, batch: tuple[int, ...], y: Array,
                 arrays: dict[str, Any], uniforms: Array | None) -> tuple[Array | None,
                                                                          Array | None]:
    """:func:`filter_rows` on ``(rows, n)`` logits; parameters by name, static or arrays."""
    with np.errstate(invalid="ignore"):  # NumPy-based namespaces: inf - inf in where's other branch
        return _filter(xp, dict(static), joint, bound, want_mask, batch, y, arrays, uniforms)


def _filter(xp: ModuleType, static: dict[str, Any], joint: bool, bound: int | None,
            want_mask: bool, batch: tuple[int, ...], y: Array, arrays: dict[str, Any],
            uniforms: Array | None) -> tuple[Array | None, Array | None]:
    n = int(y.shape[1])
    exact = capabilities(xp).int64
    wide = xp.float64 if exact else xp.float32
    idx = index_dtype(xp)

    def param(name: str, dtype: Any) -> Any:
        return _column(arrays[name] if name in arrays else static[name], xp, dtype, batch)

    key = ranking_keys(y, xp)
    native = _stable_top_k(xp, key.dtype) if bound is not None and bound < n else None
    if native is not None and bound is not None:  # only the top max(k): the rest never counts
        top, perm = native(key, bound, True)  # key has no NaN or -0.0: the values are key's
        perm = xp.astype(perm, idx)
    elif bound is not None and bound < n and not capabilities(xp).compiles:
        top, perm = top_k(key, bound, xp, largest=True, sorted_=True)  # the same order
        perm = xp.astype(perm, idx)
    else:
        perm = xp.argsort(key, axis=-1, descending=True, stable=True)
        top = take_last(key, perm, xp)
    cols = int(top.shape[-1])
    # tokens with a finite logit, as far as they can count (all, or the top max(k))
    finite = xp.sum(xp.astype(top > -_INF, idx), axis=-1, keepdims=True)
    inv = _inverse(param("temperature", wide))
    values = xp.astype(top, wide)
    m = values[..., :1]
    weights, probs = _weights(xp.where(values == m, 0.0, (m - values) * inv), n, exact, xp)
    sums = xp.cumulative_sum(weights, axis=-1)
    k = param("top_k", idx)
    k = n if k is None else (min(max(k, 1), n) if isinstance(k, int) else xp.clip(k, 1, n))
    count = xp.clip(finite, None, k) if isinstance(k, int) else xp.minimum(finite, k)
    top_p = param("top_p", wide)
    if top_p is not None and not (isinstance(top_p, float) and top_p >= 1):
        if joint and cols == n:
            total = sums[..., -1:]
        elif joint:  # every token's weight, summed in any order (integers)
            full = xp.astype(key, wide)
            weights_all, _ = _weights(xp.where(full == m, 0.0, (m - full) * inv), n, exact, xp)
            total = xp.sum(weights_all, axis=-1, keepdims=True)
        elif isinstance(k, int):
            total = sums[..., k - 1:k]
        else:
            total = take_last(sums, k - 1, xp)
        target = top_p * xp.astype(total, wide)
        if exact:
            target = xp.minimum(xp.astype(xp.ceil(target), xp.int64), total)
        reached = xp.sum(xp.astype(sums < target, idx), axis=-1, keepdims=True) + 1
        if not isinstance(top_p, float):
            reached = xp.where(top_p >= 1, n, reached)
        count = xp.minimum(count, reached)
    min_p = param("min_p", wide)
    if min_p is not None:
        count = xp.minimum(count, first_true(probs < min_p, xp, idx, keepdims=True))
    count = xp.clip(count, 1, None)
    out_mask = _mask(key, top, perm, count, xp, idx) if want_mask else None
    tokens = None
    if uniforms is not None:
        kept = take_last(sums, count - 1, xp)
        if exact:
            draws = xp.astype(xp.floor(xp.astype(uniforms, wide) * xp.astype(kept, wide)),
                              xp.int64)
            draws = xp.minimum(draws, kept - 1)
        else:
            draws = xp.astype(uniforms, wide) * kept
        pos = first_above(sums, draws, count - 1, xp)
        tokens = take_last(perm, pos, xp)
    return out_mask, tokens


def _inverse(temp: Any) -> Any:
    """``1 / T``, rounded once: the gaps are ``(m - l) * (1 / T)``.

    A product, not a quotient: XLA turns a division by a broadcast array into
    a product with its reciprocal, so only this form is the same everywhere.
    """
    return 1.0 / temp


def _weights(gap: Array, n: int, exact: bool, xp: ModuleType) -> tuple[Array, Array]:
    """``(weights, E)`` of the gaps ``x = (max - l) * (1 / T)``: integers where exact."""
    if not exact:
        probs = xp.exp(-gap)
        return probs, probs
    probs = exp_neg(gap, xp)
    return xp.astype(xp.floor(probs * float(2 ** scale_bits(n))), xp.int64), probs


def _mask(key: Array, top: Array, perm: Array, count: Array, xp: ModuleType,
          idx: Any) -> Array:
    """The ``count`` best keys of every row (ties: lower index).

    With a native scatter, the first ``count`` sorted positions are set in a
    zero mask; otherwise the ``count``-th sorted key ``t`` is compared with
    every key, and the ties with ``t`` are taken in index order through a
    cumulative sum (skipped where the values can be read and no row has more
    keys reaching ``t`` than ``count``). The same mask every way.
    """
    rows, n = int(key.shape[0]), int(key.shape[1])
    if capabilities(xp).scatter:
        import array_api_extra as xpx

        cols = int(perm.shape[-1])
        rank = xp.arange(cols, dtype=idx, device=device_of(key))
        row = xp.arange(rows, dtype=idx, device=device_of(key))[:, None]
        out = xp.zeros((rows, n), dtype=xp.bool, device=device_of(key))
        return xpx.at(out)[row, perm].set(rank < count, copy=None)
    t = take_last(top, count - 1, xp)
    if values_known(key, xp) and values_known(count, xp):
        reach = key >= t
        if int(xp.count_nonzero(reach)) == int(xp.sum(count)):
            return reach  # no tie straddles t: the entries reaching it are the c best
    better = key > t
    equal = key == t
    need = count - xp.sum(xp.astype(better, idx), axis=-1, keepdims=True)
    rank = xp.cumulative_sum(xp.astype(equal, idx), axis=-1)
    return better | (equal & (rank <= need))


# ---------------------------------------------------------------- top_k


def _rank_order(values: Array, largest: bool, xp: ModuleType) -> Array:
    """Stable order of ``values`` along the last axis: best first, NaN above +inf."""
    if xp.isdtype(values.dtype, "real floating"):
        nan = xp.isnan(values)
        plain = xp.where(nan | (values == 0), 0.0, values)
        first = xp.argsort(plain, axis=-1, descending=largest, stable=True)
        flags = xp.astype(take_last(nan, first, xp), index_dtype(xp))
        second = xp.argsort(flags, axis=-1, descending=largest, stable=True)
        return take_last(first, second, xp)
    if values.dtype == xp.bool:
        values = xp.astype(values, xp.uint8)
    return xp.argsort(values, axis=-1, descending=largest, stable=True)


def _positions(mask: Array, k: int, xp: ModuleType) -> Array:
    """Positions of the ``k`` True entries of every row of a top-k mask, in order."""
    idx = index_dtype(xp)
    batch = tuple(mask.shape[:-1])
    if capabilities(xp).data_dependent_shapes and values_known(mask, xp):
        columns = xp.nonzero(mask)[-1]  # row-major: k per row, in index order
        return xp.reshape(xp.astype(columns, idx), (*batch, k))
    marks = xp.cumulative_sum(xp.astype(mask, idx), axis=-1)
    wanted = xp.arange(k, dtype=idx, device=device_of(mask))
    wanted = xp.broadcast_to(wanted, (*batch, k))
    last = xp.full((*batch, 1), int(mask.shape[-1]) - 1, dtype=idx, device=device_of(mask))
    return first_above(marks, wanted, last, xp)


def top_k(y: Array, k: int, xp: ModuleType, *, largest: bool,
          sorted_: bool) -> tuple[Array, Array]:
    """``(values, indices)`` of the ``k`` best entries along the last axis (``0 < k <= n``)."""
    idx = index_dtype(xp)
    native = _stable_top_k(xp, y.dtype)
    if native is not None:
        pos = xp.astype(native(y, k, largest)[1], idx)
        if not sorted_:
            pos = xp.sort(pos, axis=-1)
        return take_last(y, pos, xp), pos
    mask = topk_mask(y, k, axis=-1, largest=largest)
    pos = _positions(mask, k, xp)
    values = take_last(y, pos, xp)
    if sorted_ and k > 1:
        order = _rank_order(values, largest, xp)
        values, pos = take_last(values, order, xp), take_last(pos, order, xp)
    return values, pos
