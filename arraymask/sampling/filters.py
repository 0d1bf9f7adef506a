"""Sampling filters of language models: sampling_mask, filter_logits, sample.

Each public function resolves the namespace, validates its arguments (every
filter value a Python scalar or one value per sequence), and chooses the
route:

* NumPy arrays and CPU torch tensors: the compiled kernel (:mod:`._kernels`:
  radix select of the top k, top-p and min-p over the survivors only, or a
  radix search of the top-p threshold; never a sort of the vocabulary);
* Dask: :mod:`._dask` (one sequence per row chunk, lazily);
* everywhere else the array-API twin (:mod:`._generic`): a stable sort of
  each slice, or JAX's ``lax.top_k`` of the largest ``top_k`` when it is
  known; also under ``jax.jit``.

All routes compute the same integers (:mod:`._common`: a table ``exp`` and
exact integer sums of the probabilities), so the mask and the drawn tokens
are the same on every backend.
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
    check_int,
    check_unit_interval,
    kind_of,
    normalize_axis,
    real_input,
)
from ..random import uniform
from . import _dask, _generic, _kernels

__all__ = ["filter_logits", "sample", "sampling_mask"]

_ORDERS = ("sequential", "joint")


# ---------------------------------------------------------------- arguments


def _logits(logits: object) -> tuple[Array, ModuleType]:
    x, xp = real_input(logits, "logits")
    if kind_of(x.dtype) != "f":
        raise TypeError(f"logits must have a real floating dtype, got {x.dtype}")
    return x, xp


def _bad_scalar(name: str, value: float, kind: str) -> None:
    """``ValueError`` when a filter value is out of its range."""
    if kind == "k" and value < 1:
        raise ValueError(f"top_k must be >= 1, got {value!r}")
    if kind == "p":
        check_unit_interval(value, name, open_low=True)
    if kind == "min_p":
        check_unit_interval(value, name)
    if kind == "t" and not (value > 0 and math.isfinite(value)):
        raise ValueError(f"temperature must be a finite number > 0, got {value!r}")


def _scalar(value: object, name: str, kind: str) -> int | float:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got {value!r} (bool)")
    if kind == "k":
        result: int | float = check_int(value, name)
    elif isinstance(value, (int, float, np.integer, np.floating)):
        result = float(value)
    else:
        raise TypeError(f"{name} must be a real number or an array, got {type(value).__name__}")
    if math.isnan(result):
        raise ValueError(f"{name} must not be NaN")
    _bad_scalar(name, result, kind)
    return result


def _param(value: object, name: str, kind: str, x: Array, xp: ModuleType,
           batch: tuple[int, ...], cap: int | None = None) -> tuple[Any, float | None]:
    """A filter value as a Python scalar or an array of ``x``'s namespace, checked.

    Returns ``(value, largest)``: ``largest`` is the array's largest value when
    it could be read (the static bound of ``top_k``), else None. ``cap``
    (``top_k``): readable values above it are lowered to it (``k >= n`` keeps
    all), so that no value beyond int64 reaches the arithmetic.
    """
    if value is None:
        return None, None
    if is_array(value) and getattr(value, "ndim", None) == 0 and not is_traced(value):
        value = to_host(value)[()]  # a Dask scalar is computed: it is small
    if not (is_array(value) or is_sequence(value)):
        scalar = _scalar(value, name, kind)
        if cap is not None:
            scalar = min(int(scalar), cap)
        return scalar, float(scalar)
    arr: Any = np.asarray(value) if is_sequence(value) else value
    dtype_kind = kind_of(arr.dtype)
    if kind == "k" and dtype_kind not in ("i", "u"):
        raise TypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if kind != "k" and dtype_kind != "f":
        raise TypeError(f"{name} must be a real floating array, got dtype {arr.dtype}")
    shape = tuple(int(d) for d in arr.shape)
    if broadcast_shape(shape, batch) != batch:
        raise ValueError(
            f"{name} of shape {shape} does not broadcast against the logits' shape without "
            f"the axis, {batch}"
        )
    if is_array(arr) and type(arr) is not np.ndarray:
        try:
            namespace(x, arr)
        except TypeError as exc:
            raise TypeError(f"{name} must be an array of the logits' library: {exc}") from None
    largest = None
    if not is_traced(arr) and math.prod(shape) > 0:  # small: one value per sequence
        host = np.asarray(to_host(arr))
        if dtype_kind == "f" and np.isnan(host).any():
            raise ValueError(f"{name} must not hold NaN")
        low, high = host.min(), host.max()
        for v in (low, high):
            _bad_scalar(name, v.item(), kind)
        largest = float(high)
        if cap is not None and high.item() > cap:
            arr = new_array(np.minimum(host, cap).astype(np.int64), xp, device=device_of(x))
            largest = float(cap)
    if type(arr) is np.ndarray and type(x) is not np.ndarray:
        arr = new_array(arr, xp, device=device_of(x))
    return arr, largest


def _prepare(logits: object, axis: object, order: object, temperature: object, top_k: object,
             top_p: object, min_p: object) -> dict[str, Any]:
    x, xp = _logits(logits)
    check_choice(order, "order", _ORDERS)
    ax = normalize_axis(axis, x.ndim)
    shape = tuple(int(d) for d in x.shape)
    batch = shape[:ax] + shape[ax + 1:]
    n = shape[ax]
    if temperature is None:
        raise TypeError("temperature must be a number > 0 or an array, got None")
    temp, _ = _param(temperature, "temperature", "t", x, xp, batch)
    k, k_max = _param(top_k, "top_k", "k", x, xp, batch, cap=n)
    p, _ = _param(top_p, "top_p", "p", x, xp, batch)
    mp, _ = _param(min_p, "min_p", "min_p", x, xp, batch)
    # the static bound of top_k in powers of two: where the backend compiles,
    # a new largest k compiles a new function only when it crosses one
    bound = None
    if k is not None and k_max is not None:
        bound = min(1 << (max(int(k_max), 1) - 1).bit_length(), n)
    return {"x": x, "xp": xp, "axis": ax, "n": n, "batch": batch, "joint": order == "joint",
            "temperature": temp, "top_k": k, "top_p": p, "min_p": mp, "bound": bound}


def _host_params(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The filter values as host data for the kernel (neutral values for filters off)."""
    out = {}
    neutral = {"temperature": 1.0, "top_k": spec["n"], "top_p": 1.0, "min_p": 0.0}
    for name, off in neutral.items():
        value = spec[name]
        if value is None:
            value = off
        elif not isinstance(value, (int, float)):
            value = host_view(value)
            if value is None:
                return None
        out[name] = value
    return out


# ---------------------------------------------------------------- routes


def _run(spec: dict[str, Any], *, mask: bool, seed: Any = None,
         num_samples: int = 0) -> tuple[Array | None, Array | None]:
    """``(mask, tokens)`` of the filters; tokens when ``num_samples`` is positive."""
    x, xp, ax = spec["x"], spec["xp"], spec["axis"]
    caps = capabilities(xp)
    out_shape = (*spec["batch"][:ax], num_samples, *spec["batch"][ax:])
    draws = bool(num_samples)
    host = host_view(x)
    params = _host_params(spec) if host is not None and _kernels.filter_supported(host) else None
    if host is not None and params is not None:
        u = _uniforms(out_shape, seed, "float64", None, None) if draws else None
        m, t = _kernels.filter_rows(
            host, ax, joint=spec["joint"], mask=mask,
            uniforms=None if u is None else np.moveaxis(u, ax, -1), **params)
        return (None if m is None else from_host(m, x),
                None if t is None else from_host(np.moveaxis(t, -1, ax), x))
    values = {k: spec[k] for k in ("temperature", "top_k", "top_p", "min_p")}
    if 0 in x.shape:
        return _empty(spec, mask, out_shape if draws else None)
    wide = "float64" if caps.int64 else "float32"
    u = _uniforms(out_shape, seed, wide, xp, device_of(x)) if draws else None
    if caps.lazy:
        if draws:
            return None, _dask.filter_rows(x, ax, joint=spec["joint"], bound=spec["bound"],
                                           uniforms=u, **values)
        return _dask.filter_rows(x, ax, joint=spec["joint"], bound=spec["bound"],
                                 **values), None
    last = ax == x.ndim - 1

    def move(a: Array, src: int, dst: int) -> Array:
        return a if last or a is None else xp.moveaxis(a, src, dst)

    m, t = _generic.filter_rows(move(x, ax, -1), xp, joint=spec["joint"], bound=spec["bound"],
                                mask=mask, uniforms=move(u, ax, -1), **values)
    return move(m, -1, ax), move(t, -1, ax)


def _uniforms(shape: tuple[int, ...], seed: Any, dtype: str, xp: ModuleType | None,
              device: Any) -> Array:
    """``arraymask.random.uniform(shape, ...)``, drawn flat (the same row-major counters)
    so that a 64-dimensional result needs no 65-dimensional stream."""
    flat = uniform((math.prod(shape),), seed=seed, dtype=dtype, xp=xp, device=device)
    ns = namespace(flat)
    return ns.reshape(flat, shape)


def _empty(spec: dict[str, Any], mask: bool,
           out_shape: tuple[int, ...] | None) -> tuple[Array | None, Array | None]:
    x, xp = spec["x"], spec["xp"]
    m = xp.zeros(tuple(x.shape), dtype=xp.bool, device=device_of(x)) if mask else None
    t = None
    if out_shape is not None:
        t = xp.zeros(out_shape, dtype=index_dtype(xp), device=device_of(x))
    return m, t


_PARAMETERS_DOC = """
    logits : array
        Real floating logits (float16, bfloat16, float32, float64) of any
        supported namespace; one slice along ``axis`` per sequence.
    top_k : int or integer array, optional
        Keep the ``k`` largest logits, ``k >= 1`` (``k >= n`` keeps all; ties
        to the lower index). Off when None.
    top_p : float or array, optional
        In ``(0, 1]``: keep the smallest set of most probable tokens whose
        probability sums to ``>= top_p`` (the token that crosses it is kept).
        ``1`` keeps every token with a finite logit. Off when None.
    min_p : float or array, optional
        In ``[0, 1]``: keep the most probable tokens down to the first whose
        probability is below ``min_p`` times the largest. Off when None.
    temperature : float or array, default 1.0
        ``> 0`` and finite: probabilities are ``softmax(logits / temperature)``.
    axis : int, default -1
        The vocabulary axis.
    order : {"sequential", "joint"}, default "sequential"
        ``"sequential"``: top-k first, then top-p and min-p on the
        renormalised survivors (Hugging Face, vLLM). ``"joint"``: every
        filter on the full distribution, intersected (FlashInfer).

    A filter value is a Python scalar or an array that broadcasts against
    ``logits.shape`` without ``axis``: one value per sequence."""

_NOTES_DOC = """
    The ranking is by logit, best first, equal logits by index; NaN logits
    count as ``-inf``. ``-inf`` logits (banned tokens) are never kept unless
    the whole slice is ``-inf``; at least the best token is always kept.
    Every filter keeps a prefix of that ranking, so the result is its first
    ``c = max(1, min(top_k, c_p, c_m, finite))`` tokens.

    Probabilities: with ``m`` the slice's largest logit and ``T`` the
    temperature, token ``i`` weighs ``E((m - l_i) / T)`` (float64), where
    ``E`` is arraymask's table ``exp`` (products of looked-up powers, the
    same bits on every backend); top-p sums the integer weights
    ``floor(E * 2**s)``, ``s = 62 - ceil(log2(n))``, exactly, against the
    target ``min(W, ceil(top_p * W))`` (``W``: the weight of the top-k
    survivors, or of every token for ``order="joint"``); min-p compares
    ``E`` with ``min_p``. So the result is identical on every backend, and
    the sums equal the float64 sums of the probabilities up to ``2**-s`` per
    token. JAX without x64 has no 64-bit types: there the probabilities are
    float32 (the backend's ``exp``, its own summation), and a result may
    differ from the other backends near a boundary. ``docs/sampling.md``
    gives the algorithm in full.

    Under ``jax.jit`` the filter values may be traced arrays (not checked
    there); the vocabulary is then sorted per slice unless ``top_k`` is a
    Python int or a concrete array, whose largest value lets ``lax.top_k``
    take only the survivors. On Dask the result is lazy, one sequence per
    row chunk. NumPy and CPU torch: O(n) per slice (compiled radix select
    of the top k, the filters over the k survivors; without top-k a radix
    search over buckets of probability weights), every core."""

_RAISES_DOC = """
    TypeError
        Integer, bool or complex ``logits``; a non-integer ``top_k``; a
        non-real ``top_p``, ``min_p`` or ``temperature``; a parameter array
        of another namespace.
    ValueError
        ``top_k < 1``; ``top_p`` outside ``(0, 1]``; ``min_p`` outside
        ``[0, 1]``; ``temperature <= 0``, infinite or NaN; a parameter array
        that does not broadcast against ``logits.shape`` without ``axis``;
        an unknown ``order``; ``axis`` out of range."""


@bridged
def sampling_mask(logits: Array, /, *, top_k: Any = None, top_p: Any = None,
                  min_p: Any = None, temperature: Any = 1.0, axis: int = -1,
                  order: str = "sequential") -> Array:
    """Boolean mask of the tokens that the usual sampling filters keep, per sequence.

    Parameters
    ----------{params}

    Returns
    -------
    array
        Boolean, shaped like ``logits``, in its namespace and on its device.

    Raises
    ------{raises}

    Notes
    -----{notes}

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> logits = np.log(np.array([[0.5, 0.2, 0.15, 0.1, 0.05]]))
    >>> am.sampling_mask(logits, top_p=0.65).astype(int)  # 0.5 + 0.2 reaches 0.65
    array([[1, 1, 0, 0, 0]])
    >>> am.sampling_mask(logits, top_p=0.75).astype(int)  # the crossing token is kept
    array([[1, 1, 1, 0, 0]])
    >>> am.sampling_mask(logits, min_p=0.25).astype(int)  # p >= 0.25 * 0.5
    array([[1, 1, 1, 0, 0]])
    >>> two = np.log(np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]]))
    >>> am.sampling_mask(two, top_k=np.array([1, 3]), top_p=0.6).astype(int)  # per sequence
    array([[1, 0, 0, 0],
           [0, 0, 1, 1]])
    >>> am.sampling_mask(two, top_k=2, top_p=0.6, order="joint").astype(int)
    array([[1, 1, 0, 0],
           [0, 0, 1, 1]])
    """
    spec = _prepare(logits, axis, order, temperature, top_k, top_p, min_p)
    return _run(spec, mask=True)[0]


@bridged
def filter_logits(logits: Array, /, *, top_k: Any = None, top_p: Any = None,
                  min_p: Any = None, temperature: Any = 1.0, axis: int = -1,
                  order: str = "sequential") -> Array:
    """``logits / temperature`` with the tokens that :func:`sampling_mask` drops set to ``-inf``.

    The drop-in for a logits-processor chain (temperature, top-k, top-p,
    min-p warpers).

    Parameters
    ----------{params}

    Returns
    -------
    array
        Shaped like ``logits``, of its dtype: ``logits * (1 / temperature)``
        computed in float64 (float32 on JAX without x64) and rounded to that
        dtype, ``-inf`` where the mask is False. The reciprocal, rounded
        first, is what every backend computes alike (XLA turns a division by
        a broadcast array into it); for float64 logits the result can differ
        from ``logits / temperature`` in the last bit.

    Raises
    ------{raises}

    Notes
    -----
    The kept tokens are those of :func:`sampling_mask` (see there).

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> am.filter_logits(np.array([2.0, 1.0, 0.5, -1.0]), top_k=2, temperature=0.5)
    array([  4.,   2., -inf, -inf])
    """
    spec = _prepare(logits, axis, order, temperature, top_k, top_p, min_p)
    keep = _run(spec, mask=True)[0]
    x, xp, ax = spec["x"], spec["xp"], spec["axis"]
    temp = spec["temperature"]
    host = host_view(x)
    host_t = temp if isinstance(temp, float) else host_view(temp)
    host_keep = host_view(keep)
    if host is not None and host_t is not None and host_keep is not None:
        scaled = _scaled(host, host_t, ax, np, spec["batch"], "float64")
        out = np.where(host_keep, scaled, np.asarray(-np.inf, dtype=host.dtype))
        return from_host(out, x)
    wide = "float64" if capabilities(xp).int64 else "float32"
    scaled = _scaled(x, temp, ax, xp, spec["batch"], wide)
    return xp.where(keep, scaled, -float("inf"))


def _scaled(x: Array, temp: Any, axis: int, xp: ModuleType, batch: tuple[int, ...],
            wide: str) -> Array:
    """``x * (1 / temp)`` computed in ``wide`` and rounded once to ``x``'s dtype.

    The reciprocal is rounded first and then multiplied, the form every
    backend computes alike (XLA rewrites a division by a broadcast array so).
    """
    if isinstance(temp, float) and temp == 1.0:
        return x
    if isinstance(temp, float):
        inv: Any = 1.0 / temp
    else:
        inv = 1.0 / xp.astype(temp, getattr(xp, wide))
        inv = xp.expand_dims(xp.broadcast_to(inv, batch), axis=axis)
    with np.errstate(over="ignore"):
        return xp.astype(xp.astype(x, getattr(xp, wide)) * inv, x.dtype)


@bridged
def sample(logits: Array, /, *, seed: Any, top_k: Any = None, top_p: Any = None,
           min_p: Any = None, temperature: Any = 1.0, axis: int = -1,
           order: str = "sequential", num_samples: int = 1) -> Array:
    """Token indices drawn from the filtered distribution, the same on every backend.

    Parameters
    ----------
    seed : int
        In ``[0, 2**64)``: the stream of :mod:`arraymask.random`.{params}
    num_samples : int, default 1
        Independent draws (with replacement) per sequence, ``>= 1``.

    Returns
    -------
    array
        int64 token indices (int32 without int64), shaped like ``logits``
        with ``axis`` replaced by ``num_samples``.

    Raises
    ------{raises}
        Also a bad ``seed`` (``TypeError``, ``ValueError``), ``num_samples < 1``
        (``ValueError``) and an empty vocabulary (``ValueError``).

    Notes
    -----
    Inverse-CDF sampling on the exact integer weights of
    :func:`sampling_mask` (see there): the draw at position ``j`` of the
    result (row-major) takes the uniform
    ``u = arraymask.random.uniform(result.shape, seed=seed, dtype="float64")[j]``,
    forms ``U = min(floor(u * W_c), W_c - 1)`` with ``W_c`` the integer weight
    of the kept tokens, and returns the first kept token, in ranking order,
    whose running weight exceeds ``U``. Token ``i`` is drawn with probability
    ``w_i / W_c``: the filtered softmax, up to ``2**-s`` per token. Only
    integers decide, so the same seed gives the same tokens on NumPy,
    PyTorch, JAX (with x64), CuPy, Dask and array-api-strict; JAX without x64
    uses float32 uniforms and weights (other tokens).

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> logits = np.log(np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]))
    >>> am.sample(logits, seed=3, top_k=2, num_samples=6)  # row 1: the tie goes to token 0
    array([[1, 1, 0, 0, 1, 0],
           [2, 0, 2, 2, 2, 2]])
    """
    spec = _prepare(logits, axis, order, temperature, top_k, top_p, min_p)
    draws = check_int(num_samples, "num_samples")
    if draws < 1:
        raise ValueError(f"num_samples must be >= 1, got {draws}")
    if spec["n"] == 0:
        raise ValueError("logits has no token along the axis: there is nothing to sample")
    return _run(spec, mask=False, seed=seed, num_samples=draws)[1]


for _fn in (sampling_mask, filter_logits, sample):
    _fn.__doc__ = _fn.__doc__.format(params=_PARAMETERS_DOC, raises=_RAISES_DOC,  # type: ignore[union-attr]
                                     notes=_NOTES_DOC)
