"""Counter-based random streams, bit-identical on every backend, and ``random_mask``.

Every element of a requested array gets the 32-bit word of a keyed hash of
``(seed, i)``, where ``i`` is the element's row-major position (see
``docs/random.md`` for the algorithm and test vectors). The word does not
depend on the backend, the device, the chunking (Dask) or the dtype of
anything else, so the same call gives the same bits on NumPy, PyTorch, CuPy,
JAX (with or without x64), Dask and array-api-strict.

NumPy arrays and CPU torch tensors are filled by the compiled kernel
(:mod:`._kernels`: every core, hash and threshold fused); Dask chunks call the
same kernel with their own counters (:mod:`._dask`); every other namespace
evaluates the hash with integer array operations (:mod:`._generic`).

>>> import arraymask as am
>>> am.random.bits((2, 3), seed=0)
array([[ 509658803, 2713739642, 4278815352],
       [2410132444, 1206201593, 2591088525]], dtype=uint32)
>>> am.random_mask((2, 8), 0.25, seed=7, exact=True).sum(axis=1)
array([2, 2])
"""

from __future__ import annotations

import math
import secrets
from types import ModuleType
from typing import Any

import numpy as np

from .._backend import (
    Array,
    capabilities,
    device_of,
    from_host,
    host_view,
    is_array,
    namespace,
    new_array,
    to_host,
)
from .._validate import (
    broadcast_shape,
    check_flag,
    check_int,
    check_shape,
    check_unit_interval,
    normalize_axis,
)
from ..masks.topk import topk_mask
from . import _dask, _generic, _kernels

__all__ = ["bits", "random_mask", "uniform"]

_TWO32 = 1 << 32


# --------------------------------------------------------------------------
# arguments


def _check_seed(seed: object) -> int:
    """``seed`` as an int in ``[0, 2**64)``; ``None`` draws 64 fresh bits."""
    if seed is None:
        return secrets.randbits(64)
    value = check_int(seed, "seed")
    if not 0 <= value < 1 << 64:
        raise ValueError(f"seed must be in [0, 2**64), got {value}")
    return value


def _check_total(shape: tuple[int, ...]) -> int:
    n = math.prod(shape)
    if n >= 1 << 63:
        raise ValueError(f"shape {shape} has {n} elements; the counter needs fewer than 2**63")
    return n


def _probe(xp: ModuleType, device: Any) -> Array:
    """An empty array of ``xp`` on ``device``: tells the path and wraps results."""
    return new_array([], xp, device=device)


def _float_dtype_name(dtype: object) -> str:
    """``"float32"`` or ``"float64"`` from a name or a dtype of any namespace."""
    if isinstance(dtype, str):
        name = dtype
    elif dtype is None:
        name = "None"
    else:
        try:
            name = np.dtype(dtype).name  # type: ignore[call-overload]
        except TypeError:
            name = str(dtype).rsplit(".", 1)[-1]  # torch.float32, array_api_strict.float64
    if name not in {"float32", "float64"}:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return name


# --------------------------------------------------------------------------
# public API


def _resolve(xp: Any, device: Any) -> tuple[ModuleType, str]:
    ns = namespace(xp=xp)
    caps = capabilities(ns)
    if caps.lazy:
        return ns, "lazy"
    if host_view(_probe(ns, device)) is not None:
        return ns, "host"
    return ns, "generic"


def _words(shape: tuple[int, ...], seed: int, ns: ModuleType, route: str, device: Any) -> Array:
    """Stream words of ``shape`` in the namespace's word dtype (uint32 or int64)."""
    if route == "host":
        host = _kernels.bits(shape, seed)
        if _generic.word_dtype(ns) != ns.uint32:
            host = host.astype(np.int64)
        return from_host(host, _probe(ns, device))
    if route == "lazy":
        return _dask.bits(shape, seed)
    return _generic.bits_array(shape, seed, ns, device)


def bits(shape: Any, *, seed: int, xp: Any = None, device: Any = None) -> Array:
    """The raw 32-bit stream: one word per element, in row-major counter order.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the result; the word of element ``i`` (row-major position)
        is the hash of ``(seed, i)``.
    seed : int
        In ``[0, 2**64)``.
    xp : module or namespace, optional
        Namespace of the result (NumPy by default).
    device : optional
        Device of the result.

    Returns
    -------
    array
        ``uint32`` where the namespace has a complete ``uint32`` dtype; else
        (PyTorch) ``int64`` holding the same values, all below ``2**32``.

    Examples
    --------
    >>> import arraymask as am
    >>> am.random.bits(4, seed=2**64 - 1)
    array([  66704676,  525932913, 3591193912, 2060119085], dtype=uint32)
    """
    dims = check_shape(shape)
    _check_total(dims)
    value = _check_seed(seed) if seed is not None else _missing_seed()
    ns, route = _resolve(xp, device)
    return _words(dims, value, ns, route, device)


def _missing_seed() -> int:
    raise TypeError("seed must be an integer in [0, 2**64), got None (only random_mask draws one)")


def uniform(
    shape: Any, *, seed: int, dtype: Any = "float32", xp: Any = None, device: Any = None
) -> Array:
    """Uniform floats in ``[0, 1)``, bit-identical on every backend for a given dtype.

    ``float32``: ``(w >> 8) * 2**-24`` from the element's word ``w``, so the
    values are the multiples of ``2**-24`` below 1. ``float64``: element
    ``i`` uses the two words at counters ``2i`` and ``2i + 1`` (``a``, ``b``):
    ``((a >> 5) * 2**26 + (b >> 6)) * 2**-53``, the multiples of ``2**-53``.

    Parameters
    ----------
    shape : int or tuple of int
    seed : int
        In ``[0, 2**64)``.
    dtype : {"float32", "float64"}
        ``float64`` needs a namespace with 64-bit types (not JAX without x64).
    xp, device : optional
        Namespace and device of the result (NumPy on the CPU by default).

    Examples
    --------
    >>> import arraymask as am
    >>> am.random.uniform(3, seed=1)
    array([0.2412194 , 0.3537234 , 0.05732507], dtype=float32)
    """
    dims = check_shape(shape)
    _check_total(dims)
    value = _check_seed(seed) if seed is not None else _missing_seed()
    name = _float_dtype_name(dtype)
    ns, route = _resolve(xp, device)
    if name == "float32":
        w = _words(dims, value, ns, route, device)
        return ns.astype(w >> _word_const(ns, w, 8), ns.float32) * (2.0**-24)
    if not capabilities(ns).int64:
        raise TypeError(f"dtype='float64' needs 64-bit types, which {capabilities(ns).name} "
                        "lacks here (enable jax_enable_x64)")
    _check_total((*dims, 2))
    w = _words((*dims, 2), value, ns, route, device)
    a = ns.astype(w[..., 0] >> _word_const(ns, w, 5), ns.float64)
    b = ns.astype(w[..., 1] >> _word_const(ns, w, 6), ns.float64)
    return (a * 67108864.0 + b) * (2.0**-53)


def _word_const(ns: ModuleType, words: Array, value: int) -> Array:
    return new_array(value, ns, device=device_of(words), dtype=words.dtype)


def _rate_rows(rate: Any, shape: tuple[int, ...], axis: int | None) -> float | np.ndarray:
    """``rate`` as a Python float, or a float64 NumPy array shaped ``shape`` less ``axis``.

    Array rates are small (one per slice) and are brought to the host so that
    counts and thresholds are computed in float64 on every backend.
    """
    if not is_array(rate) and not isinstance(rate, (list, tuple, np.ndarray)):
        return check_unit_interval(rate, "rate")
    host = to_host(rate)
    if host.dtype.kind == "f":
        values = host.astype(np.float64)
    elif host.dtype.kind in "iu" and not isinstance(rate, np.ndarray) and not is_array(rate):
        values = host.astype(np.float64)  # a Python list of 0/1 ints
    else:
        raise TypeError(f"rate must be a real floating array, got dtype {host.dtype}")
    target = () if axis is None else shape[:axis] + shape[axis + 1:]
    together = broadcast_shape(values.shape, target)
    if together is None:
        raise ValueError(
            f"rate of shape {values.shape} does not broadcast against the slice shape {target} "
            f"(shape {shape} without axis={axis})"
        )
    if together != target:
        raise ValueError(
            f"rate of shape {host.shape} broadcasts to {together}, not to the slice shape "
            f"{target} (shape {shape} without axis={axis})"
        )
    values = np.broadcast_to(values, target)
    bad = np.isnan(values) | (values < 0) | (values > 1)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"rate must be in [0, 1], got {float(values[where])!r} at {where}")
    return values


def random_mask(
    shape: Any,
    rate: Any,
    /,
    *,
    seed: int | None = None,
    exact: bool = False,
    axis: int | None = -1,
    xp: Any = None,
    device: Any = None,
) -> Array:
    """Random boolean mask, the same on every backend for the same seed.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the mask.
    rate : float or array
        Probability of True (``exact=False``) or fraction of True per slice
        (``exact=True``), in ``[0, 1]``. An array broadcasts against ``shape``
        with ``axis`` removed: one rate per slice.
    seed : int, optional
        In ``[0, 2**64)``; ``None`` draws 64 bits of fresh entropy.
    exact : bool
        ``False``: element ``i`` is True iff its stream word (see :func:`bits`)
        is below ``floor(rate * 2**32)`` (``rate == 1``: always). ``True``:
        exactly ``round(rate * n)`` True per slice of ``n`` elements along
        ``axis``, at the smallest stream words (ties: lower index), i.e. a
        uniform choice without replacement.
    axis : int or None
        The slice axis; ``None``: all elements form one slice.
    xp, device : optional
        Namespace and device of the result (NumPy on the CPU by default; an
        array ``rate`` gives its own).

    Returns
    -------
    array of bool, shaped ``shape``

    Examples
    --------
    >>> import arraymask as am
    >>> am.random_mask((2, 5), 0.5, seed=3)
    array([[False,  True, False,  True, False],
           [False,  True, False, False,  True]])
    >>> am.random_mask((2, 5), 0.4, seed=3, exact=True).sum(axis=1)
    array([2, 2])
    """
    dims = check_shape(shape)
    n = _check_total(dims)
    exact = check_flag(exact, "exact")
    # a 0-d mask has one slice of one element whatever the axis
    ax = None if axis is None or not dims else normalize_axis(axis, len(dims))
    value = _check_seed(seed)
    if xp is None and is_array(rate):
        ns = namespace(rate)
        if device is None:
            device = device_of(rate)
    else:
        ns = namespace(xp=xp)
    _, route = _resolve(ns, device)
    rates = _rate_rows(rate, dims, ax)
    if n == 0:
        return ns.zeros(dims, dtype=ns.bool, device=device)
    if exact:
        return _exact(dims, n, rates, value, ax, ns, route, device)
    return _bernoulli(dims, rates, value, ax, ns, route, device)


def _thresholds(rates: float | np.ndarray) -> int | np.ndarray:
    """``floor(rate * 2**32)`` in [0, 2**32] (exact: a power-of-two scaling)."""
    if isinstance(rates, float):
        return math.floor(rates * _TWO32)
    return np.floor(rates * float(_TWO32)).astype(np.uint64)


def _bernoulli(
    dims: tuple[int, ...], rates: float | np.ndarray, seed: int, ax: int | None,
    ns: ModuleType, route: str, device: Any,
) -> Array:
    thr = _thresholds(rates)
    scalar = isinstance(thr, int)
    if route == "host":
        like = _probe(ns, device)
        if scalar:
            return from_host(_kernels.bernoulli(dims, seed, thr), like)  # type: ignore[arg-type]
        if ax == len(dims) - 1:
            return from_host(_kernels.rows_bernoulli(dims, seed, thr), like)  # type: ignore[arg-type]
        return from_host(_kernels.bits(dims, seed) < np.expand_dims(thr, ax), like)  # type: ignore[arg-type]
    if route == "lazy" and scalar:
        return _dask.bernoulli(dims, seed, thr)  # type: ignore[arg-type]
    words = _words(dims, seed, ns, route, device)
    if isinstance(thr, int):
        if thr == 0:
            return ns.zeros(dims, dtype=ns.bool, device=device)
        if thr == _TWO32:
            return ns.ones(dims, dtype=ns.bool, device=device)
        return words < _word_const(ns, words, thr)
    full = np.expand_dims(thr, ax)  # type: ignore[arg-type]
    if words.dtype == ns.uint32:
        below = words < _on(ns, (full & 0xFFFFFFFF).astype(np.uint32), device)
        if bool((full == _TWO32).any()):
            below = below | _on(ns, full == _TWO32, device)
        return below
    return words < _on(ns, full.astype(np.int64), device)


def _on(ns: ModuleType, host: np.ndarray, device: Any) -> Array:
    """A small host array in ``ns`` on ``device`` (lazy arrays combine with it as it is)."""
    if capabilities(ns).lazy:
        return host
    dtype = getattr(ns, str(host.dtype)) if host.dtype != np.bool_ else ns.bool
    return new_array(host, ns, device=device, dtype=dtype)


def _exact(
    dims: tuple[int, ...], n: int, rates: float | np.ndarray, seed: int, ax: int | None,
    ns: ModuleType, route: str, device: Any,
) -> Array:
    length = n if ax is None else dims[ax]
    k = np.asarray(np.round(np.asarray(rates, dtype=np.float64) * float(length)), dtype=np.int64)
    if isinstance(rates, float):
        k = np.asarray(round(rates * length), dtype=np.int64)
    if route == "host":
        return from_host(_kernels.exact(dims, seed, k, ax), _probe(ns, device))
    keys = _words(dims, seed, ns, route, device)
    if ax is None or k.ndim == 0:
        return topk_mask(keys, int(k), axis=ax, largest=False, ties="index")
    k_dtype = np.int64 if capabilities(ns).int64 else np.int32
    return topk_mask(keys, _on(ns, k.astype(k_dtype), device), axis=ax, largest=False,
                     ties="index")
