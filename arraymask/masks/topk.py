"""Top-k family: topk_mask, top_fraction_mask, nucleus_mask, nm_mask.

Each public function resolves the namespace, validates its arguments, and then
builds the mask with

* the compiled radix-select kernel (:mod:`._kernels`, O(n) per slice, every
  core) for NumPy arrays and CPU torch tensors, through
  zero-copy views (:func:`arraymask._backend.host_view`);
* Dask: :mod:`._dask` (one lazy ``map_blocks`` pass where chunks hold whole
  slices, else a tree reduction of per-chunk candidates);
* the array-API twin (:mod:`._generic`, a sort per slice) everywhere else:
  array-api-strict, JAX (also under ``jax.jit``), CuPy, torch on CUDA.

All routes give the identical mask: ``ties="index"`` resolves equal values in
favour of the lower index, NaN ranks above ``+inf``, ``-0.0`` ties ``0.0``.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import (
    Array,
    bridged,
    capabilities,
    device_of,
    from_host,
    host_view,
    index_dtype,
    is_array,
    is_sequence,
    is_traced,
    namespace,
    new_array,
    to_host,
)
from .._validate import (
    broadcast_shape,
    check_choice,
    check_flag,
    check_int,
    check_unit_interval,
    kind_of,
    normalize_axis,
    real_input,
)
from . import _dask, _generic, _kernels

__all__ = ["nm_mask", "nucleus_mask", "top_fraction_mask", "topk_mask"]

_TIES = ("index", "all")
_ROUNDING = ("floor", "round", "ceil")


# ---------------------------------------------------------------------------
# argument checks


def _layout(x: Array, axis: int | None) -> tuple[int | None, int, tuple[int, ...]]:
    """Normalised axis, slice length, and the batch shape (``x.shape`` without axis)."""
    shape = tuple(x.shape)
    if axis is None:
        return None, math.prod(shape), ()
    ax = normalize_axis(axis, len(shape))
    return ax, shape[ax], shape[:ax] + shape[ax + 1 :]


def _param_array(value: object, name: str, x: Array, xp: ModuleType) -> Array:
    """``value`` (array or sequence) as an array of ``x``'s namespace and device.

    NumPy arrays and Python sequences go to any namespace; arrays of another
    non-NumPy namespace raise ``TypeError``.
    """
    if is_array(value) and type(value) is not np.ndarray:
        namespace(x, value)
        return value
    host = np.asarray(value)
    return host if type(x) is np.ndarray else new_array(host, xp, device=device_of(x))


def _check_batch_shape(shape: tuple[int, ...], batch: tuple[int, ...], name: str,
                       axis: int | None) -> None:
    if axis is None and shape != ():
        raise ValueError(f"{name} must be a scalar when axis=None, got shape {shape}")
    if broadcast_shape(shape, batch) != batch:
        raise ValueError(
            f"{name} of shape {shape} does not broadcast against the array's shape "
            f"without the axis, {batch}"
        )


def _resolve_k(k: object, x: Array, xp: ModuleType, axis: int | None, n: int,
               batch: tuple[int, ...]) -> int | Array:
    """``k`` as a Python int or an integer array of ``x``'s namespace, range-checked."""
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(f"k must be an integer, got {k!r} (bool)")
    if is_array(k) and getattr(k, "ndim", None) == 0 and is_traced(k):
        if not xp.isdtype(k.dtype, "integral"):  # type: ignore[attr-defined]
            raise TypeError(f"k must be an integer array, got dtype {k.dtype}")  # type: ignore[attr-defined]
        return k  # under jax.jit its value cannot be checked (documented: clipped)
    if not (is_array(k) or is_sequence(k)) or getattr(k, "ndim", None) == 0:
        value = check_int(k, "k")
        if not 0 <= value <= n:
            raise ValueError(f"k must satisfy 0 <= k <= {n} (the slice length), got {value}")
        return value
    if is_sequence(k):
        host = np.asarray(k)
        if host.size == 0:
            host = host.astype(np.int64)
        if host.dtype.kind not in "iu":
            raise TypeError(f"k must be a sequence of integers, got dtype {host.dtype}")
    elif not namespace(k).isdtype(k.dtype, "integral"):  # type: ignore[attr-defined]
        raise TypeError(f"k must be an integer array, got dtype {k.dtype}")  # type: ignore[attr-defined]
    karr = _param_array(k, "k", x, xp)
    _check_batch_shape(tuple(karr.shape), batch, "k", axis)
    if karr.size and not is_traced(karr):
        kx = namespace(karr)
        low, high = int(kx.min(karr)), int(kx.max(karr))
        if low < 0 or high > n:
            bad = low if low < 0 else high
            raise ValueError(f"k must satisfy 0 <= k <= {n} (the slice length), got {bad}")
    return karr


# ---------------------------------------------------------------------------
# routes


def _topk(x: Array, k: int | Array, axis: int | None, xp: ModuleType, *,
          largest: bool, ties: str) -> Array:
    """Validated top-k: compiled kernel, Dask blocks, or the array-API twin."""
    host = host_view(x)
    if host is not None and _kernels.topk_supported(host):
        k_host = k if isinstance(k, int) else host_view(k)
        if k_host is not None:
            mask = _kernels.topk(host, k_host, axis, largest=largest, ties=ties)
            return from_host(mask, x)
    if capabilities(xp).lazy:  # Dask: tree reduction of per-chunk candidates
        return _dask.topk(x, k, axis, largest=largest, ties=ties)
    return _generic.topk(x, k, axis, xp, largest=largest, ties=ties)


# ---------------------------------------------------------------------------
# public functions


@bridged
def topk_mask(x: Array, k: Any, /, *, axis: int | None = -1, largest: bool = True,
              ties: str = "index") -> Array:
    """Boolean mask of the ``k`` largest (or smallest) entries of every slice.

    Parameters
    ----------
    x : array
        Bool, integer or real floating array of any supported namespace (a
        Python sequence becomes a NumPy array).
    k : int or integer array
        How many entries to take per slice: a Python int, a 0-d integer array
        ("dynamic k"), or an integer array that broadcasts against ``x.shape``
        with ``axis`` removed (a different k per row). ``0 <= k <= n``.
    axis : int or None, default -1
        Axis along which slices run; ``None`` ranks all elements together
        (positions in row-major order).
    largest : bool, default True
        Take the largest entries; ``False`` takes the smallest.
    ties : {"index", "all"}, default "index"
        ``"index"``: exactly ``k`` True per slice, equal values resolved in
        favour of the lower index. ``"all"``: also every element equal to the
        k-th selected value.

    Returns
    -------
    array
        Boolean array shaped like ``x``, in ``x``'s namespace and on its device.

    Raises
    ------
    TypeError
        Complex or non-numeric ``x``; non-integer (or bool) ``k``; a
        non-bool ``largest``.
    ValueError
        ``k`` outside ``[0, n]`` or not broadcasting; ``axis`` out of range;
        unknown ``ties``.

    Notes
    -----
    NaN ranks above ``+inf`` (with ``largest=False`` NaNs are taken last) and
    all NaNs tie; ``-0.0`` ties ``0.0``. The mask is the same on every
    backend. Complexity per slice of length n: O(n) for NumPy arrays and CPU
    torch tensors (compiled radix select, no sort, every core); elsewhere the
    backend's own top-k (``jax.lax.top_k``, the values of ``torch.topk``), or
    a bitwise search in O(n) per key bit, or (array-api-strict) a sort; see
    ``docs/masks.md``. Under ``jax.jit`` ``k`` may be a
    traced 0-d array; its range cannot be checked there and a value outside
    ``[0, n]`` acts as the nearest end. On Dask the mask is lazy and chunked
    like ``x``; a chunked axis is ranked by a tree reduction of per-chunk
    candidates, never gathered (``docs/dask.md``).

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> am.topk_mask(np.array([3, 1, 4, 1, 5, 9, 2, 6]), 3)
    array([False, False, False, False,  True,  True, False,  True])
    >>> x = np.array([[3, 1, 4, 1], [5, 9, 2, 6], [8, 7, 0, 5]])
    >>> am.topk_mask(x, 2).astype(int)
    array([[1, 0, 1, 0],
           [0, 1, 0, 1],
           [1, 1, 0, 0]])
    >>> am.topk_mask(x, np.array(1)).astype(int)      # dynamic k: a 0-d array
    array([[0, 0, 1, 0],
           [0, 1, 0, 0],
           [1, 0, 0, 0]])
    >>> am.topk_mask(x, np.array([1, 2, 3])).sum(axis=1)  # a k per row
    array([1, 2, 3])
    >>> am.topk_mask(np.array([1, 2, 2, 0]), 2)               # ties: lower index
    array([False,  True,  True, False])
    >>> am.topk_mask(np.array([1, 2, 1, 1]), 2, ties="all")
    array([ True,  True,  True,  True])
    """
    x, xp = real_input(x, "x")
    largest = check_flag(largest, "largest")
    check_choice(ties, "ties", _TIES)
    ax, n, batch = _layout(x, axis)
    kk = _resolve_k(k, x, xp, ax, n, batch)
    return _topk(x, kk, ax, xp, largest=largest, ties=ties)


def _fraction_counts(fraction: object, n: int, rounding: str, x: Array, xp: ModuleType,
                     axis: int | None, batch: tuple[int, ...]) -> int | Array:
    """``floor|round|ceil(fraction * n)`` computed in float64."""
    if not (is_array(fraction) or is_sequence(fraction)) or getattr(fraction, "ndim", 1) == 0:
        if is_array(fraction):
            dtype = fraction.dtype  # type: ignore[attr-defined]
            if kind_of(dtype) != "f":
                raise TypeError(f"fraction must be a real number, got dtype {dtype}")
            fraction = float(fraction)  # type: ignore[arg-type]
        f = check_unit_interval(fraction, "fraction")  # type: ignore[arg-type]
        scaled = f * n  # a Python float: float64
        count = math.floor(scaled) if rounding == "floor" else (
            math.ceil(scaled) if rounding == "ceil" else round(scaled))
        return min(n, count)
    farr = _param_array(fraction, "fraction", x, xp)
    fx = namespace(farr)
    if kind_of(farr.dtype) not in ("f", "i", "u"):
        raise TypeError(f"fraction must be an array of real numbers, got dtype {farr.dtype}")
    _check_batch_shape(tuple(farr.shape), batch, "fraction", axis)
    if farr.size and not is_traced(farr):
        bad = (farr < 0) | (farr > 1)
        if kind_of(farr.dtype) == "f":
            bad = bad | fx.isnan(farr)
        if bool(fx.any(bad)):
            raise ValueError("fraction must be in [0, 1], got values outside it")
    host = host_view(farr)
    if host is None and not capabilities(fx).int64 and not is_traced(farr):
        host = to_host(farr)  # JAX without x64: float64 exists on the host only
    if host is not None:
        scaled_rows = host.astype(np.float64) * n
        rounded = np.floor(scaled_rows) if rounding == "floor" else (
            np.ceil(scaled_rows) if rounding == "ceil" else np.round(scaled_rows))
        counts = np.minimum(rounded, n).astype(np.int64)
        if type(farr) is np.ndarray:
            return counts
        if host_view(farr) is not None:
            return from_host(counts, farr)
        return new_array(counts, fx, device=device_of(farr))  # JAX without x64 (int32)
    wide = fx.float64 if capabilities(fx).int64 else fx.float32
    scaled = fx.astype(farr, wide) * n
    counts = {"floor": fx.floor, "round": fx.round, "ceil": fx.ceil}[rounding](scaled)
    counts = fx.clip(counts, 0, n)
    return fx.astype(counts, index_dtype(fx))


@bridged
def top_fraction_mask(x: Array, fraction: Any, /, *, axis: int | None = None,
                      largest: bool = True, ties: str = "index",
                      rounding: str = "floor") -> Array:
    """Mask of the top ``fraction`` of the entries (of every slice along ``axis``).

    :func:`topk_mask` with ``k = floor|round|ceil(fraction * n)`` per slice,
    computed in float64 (``"round"``: half to even, like Python's ``round``).

    Parameters
    ----------
    x : array
        Bool, integer or real floating array.
    fraction : float or array
        In ``[0, 1]``; an array broadcasts like ``k`` of :func:`topk_mask`.
    axis : int or None, default None
        ``None`` ranks all elements together; an int ranks each slice.
    largest, ties
        As in :func:`topk_mask`.
    rounding : {"floor", "round", "ceil"}, default "floor"
        How ``fraction * n`` becomes a count.

    Returns
    -------
    array
        Boolean array shaped like ``x``.

    Raises
    ------
    TypeError
        Complex ``x``; a non-real ``fraction``.
    ValueError
        ``fraction`` outside ``[0, 1]`` or NaN; bad ``axis``, ``ties`` or
        ``rounding``.

    Notes
    -----
    Complexity as :func:`topk_mask` (O(n) per slice on NumPy and CPU torch).

    Examples
    --------
    The top 10% of 20 values (``floor(0.1 * 20) = 2`` entries):

    >>> import numpy as np
    >>> import arraymask as am
    >>> x = np.arange(20) % 7
    >>> np.flatnonzero(am.top_fraction_mask(x, 0.1))
    array([ 6, 13])
    >>> int(am.top_fraction_mask(x, 0.125, rounding="round").sum())  # 2.5 -> 2
    2
    >>> int(am.top_fraction_mask(x, 0.125, rounding="ceil").sum())
    3
    """
    x, xp = real_input(x, "x")
    largest = check_flag(largest, "largest")
    check_choice(ties, "ties", _TIES)
    check_choice(rounding, "rounding", _ROUNDING)
    ax, n, batch = _layout(x, axis)
    k = _fraction_counts(fraction, n, rounding, x, xp, ax, batch)
    return _topk(x, k, ax, xp, largest=largest, ties=ties)


@bridged
def nucleus_mask(probs: Array, p: float, /, *, axis: int = -1) -> Array:
    """Top-p ("nucleus") mask: the smallest set of largest entries summing to ``p``.

    Per slice, True at the ``k`` largest entries (ties by index, as in
    :func:`topk_mask`) for the smallest ``k >= 1`` whose sum is ``>= p``; all
    entries when the slice never reaches ``p``.

    Parameters
    ----------
    probs : array
        Real floating array (probabilities; any real values are accepted).
    p : float
        In ``(0, 1]``.
    axis : int, default -1
        Axis of the distributions.

    Returns
    -------
    array
        Boolean array shaped like ``probs``.

    Raises
    ------
    TypeError
        ``probs`` not real floating; ``p`` not a real number.
    ValueError
        ``p`` outside ``(0, 1]``; ``axis`` out of range.

    Notes
    -----
    The running sums add the entries in descending order in float64 (float32
    on JAX without x64). A slice holding a NaN never reaches ``p`` (its sums
    are NaN), so it is taken whole. NumPy arrays and CPU torch tensors find
    the count with O(n) compiled selections of doubling size (O(n log k) per
    slice plus a sort of the k selected values); the other backends sort each
    slice (O(n log n)).

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> probs = np.array([0.05, 0.5, 0.2, 0.25])
    >>> am.nucleus_mask(probs, 0.7)
    array([False,  True, False,  True])
    >>> am.nucleus_mask(probs, 0.8)
    array([False,  True,  True,  True])
    """
    probs, xp = real_input(probs, "probs")
    if not xp.isdtype(probs.dtype, "real floating"):
        raise TypeError(f"probs must have a real floating dtype, got {probs.dtype}")
    p = check_unit_interval(p, "p", open_low=True)
    ax = normalize_axis(axis, probs.ndim)
    host = host_view(probs)
    if host is not None and _kernels.topk_supported(host):
        k = from_host(_kernels.nucleus_counts(host, p, ax), probs)
    else:
        k = _generic.nucleus_counts(probs, p, ax, xp)
    return _topk(probs, k, ax, xp, largest=True, ties="index")


@bridged
def nm_mask(x: Array, n: int, m: int, /, *, axis: int = -1) -> Array:
    """N:M structured sparsity: the ``n`` largest-magnitude entries of each group of ``m``.

    Along ``axis``, every run of ``m`` consecutive entries keeps the ``n`` of
    largest absolute value (ties: lower index; NaN ranks above inf).

    Parameters
    ----------
    x : array
        Bool, integer or real floating array.
    n, m : int
        ``0 <= n <= m``, ``m >= 1``; the length along ``axis`` must be a
        multiple of ``m``.
    axis : int, default -1

    Returns
    -------
    array
        Boolean array shaped like ``x``.

    Raises
    ------
    TypeError
        Complex ``x``; non-integer ``n`` or ``m``.
    ValueError
        Length not divisible by ``m``; not ``0 <= n <= m``; bad ``axis``.

    Notes
    -----
    Magnitudes never overflow: signed integers are ranked by ``-|x|``
    (smallest first), which exists for the most negative value too. O(m) per
    group on NumPy and CPU torch, O(m log m) elsewhere.

    Examples
    --------
    2:4 sparsity of one row:

    >>> import numpy as np
    >>> import arraymask as am
    >>> am.nm_mask(np.array([0.1, -0.9, 0.3, 0.2, 4.0, 1.0, -1.0, 0.0]), 2, 4)
    array([False,  True,  True, False,  True,  True, False, False])
    """
    x, xp = real_input(x, "x")
    n = check_int(n, "n")
    m = check_int(m, "m")
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    if not 0 <= n <= m:
        raise ValueError(f"n must satisfy 0 <= n <= m={m}, got {n}")
    ax = normalize_axis(axis, x.ndim)
    length = x.shape[ax]
    if length % m:
        raise ValueError(f"the length along axis {ax}, {length}, is not divisible by m={m}")
    kind = kind_of(x.dtype)
    if kind == "i":
        magnitude, largest = xp.where(x < 0, x, -x), False
    elif kind == "f":
        magnitude, largest = xp.abs(x), True
    else:
        magnitude, largest = x, True
    shape = tuple(x.shape)
    if capabilities(xp).lazy:  # Dask: chunks of whole groups, the axis is not gathered
        magnitude = _dask.align_groups(magnitude, ax, m)
        grouped_shape = (*shape[:ax], length // m, m, *shape[ax + 1:])
        group_axis = ax + 1
    else:  # four axes whatever the ndim (a 64-dim array has no room for one more)
        grouped_shape = (math.prod(shape[:ax]), length // m, m, math.prod(shape[ax + 1:]))
        group_axis = 2
    grouped = xp.reshape(magnitude, grouped_shape)
    mask = _topk(grouped, n, group_axis, xp, largest=largest, ties="index")
    return xp.reshape(mask, shape)
