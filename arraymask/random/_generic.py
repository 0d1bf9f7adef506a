"""The array-API twin of :mod:`arraymask.random`: the counter-based hash on any namespace.

The stream value of element ``i`` (the row-major position, a 64-bit counter)
under a 64-bit ``seed`` is ``stream_word(seed, i)``; ``docs/random.md`` gives
the algorithm in full. This module holds

* the scalar reference in Python integers (:func:`stream_word`), used for the
  published test vectors,
* the key schedule (:func:`round_keys`), a pure function of ``seed`` and the
  counter's high word, evaluated in Python once per call,
* the array-API twin (:func:`bits_array`) that evaluates the hash with integer
  array operations on any namespace: natively in wrapping ``uint32`` where the
  backend has it, else exactly in ``int64`` holding values below ``2**32``
  (PyTorch, whose ``uint32`` lacks shifts and additions).

The compiled kernel ``arraymask._ext.rng`` (:mod:`._kernels`) computes the
same words.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

from .._backend import Array, capabilities, fused, new_array

__all__ = [
    "HASH_M1",
    "HASH_M2",
    "MASK32",
    "WEYL",
    "bits_array",
    "mix64",
    "round_keys",
    "stream_word",
    "word_dtype",
]

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
#: 2**64 / golden ratio (odd): the splitmix64 increment.
GOLDEN64 = 0x9E3779B97F4A7C15
#: 2**32 / golden ratio (odd): the Weyl step applied to the counter's low word.
WEYL = 0x9E3779B9
#: Multipliers of the 32-bit mixer (Wellons' "lowbias32", improved constants).
HASH_M1 = 0x21F0AAAD
HASH_M2 = 0x735A2D97


def mix64(z: int) -> int:
    """The splitmix64 finalizer (Stafford's variant 13) on a 64-bit integer."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def round_keys(seed: int, counter_high: int = 0) -> tuple[int, int]:
    """The two 32-bit round keys ``(K0, K1)`` for ``seed`` and a counter high word.

    ``w = mix64(seed XOR mix64(counter_high + GOLDEN64))``; ``K0`` is its low
    word, ``K1`` its high word.

    >>> [hex(k) for k in round_keys(0)]
    ['0xff3cd4bf', '0x48218226']
    """
    w = mix64(seed ^ mix64(counter_high + GOLDEN64))
    return w & MASK32, w >> 32


def stream_word(seed: int, counter: int) -> int:
    """Reference value of the stream: the 32-bit word at ``counter`` under ``seed``.

    >>> stream_word(0, 0), stream_word(0, 1)
    (509658803, 2713739642)
    """
    k0, k1 = round_keys(seed, counter >> 32)
    x = ((counter & MASK32) * WEYL + k0) & MASK32
    x = ((x ^ (x >> 16)) * HASH_M1) & MASK32
    x ^= k1
    x = ((x ^ (x >> 15)) * HASH_M2) & MASK32
    return x ^ (x >> 15)


# --------------------------------------------------------------------------
# array-API twin


def word_dtype(xp: ModuleType) -> Any:
    """The dtype the stream has on ``xp``: ``uint32``, else ``int64``."""
    caps = capabilities(xp)
    if caps.uint32:
        return xp.uint32
    if caps.int64:
        return xp.int64
    raise TypeError(f"{caps.name} has neither a uint32 nor an int64 dtype: no exact 32-bit words")


class _Words:
    """Exact mod-2**32 arithmetic on arrays of one namespace.

    ``native``: wrapping ``uint32`` operations. Otherwise ``int64`` arrays
    holding values in ``[0, 2**32)``; a product by a constant ``c`` is split
    as ``a * c_lo + ((a * c_hi) mod 2**16) * 2**16`` so no intermediate
    reaches ``2**49``.
    """

    def __init__(self, xp: ModuleType, device: Any = None) -> None:
        self.xp = xp
        self.device = device
        self.dtype = word_dtype(xp)
        self.native = self.dtype == xp.uint32

    def const(self, value: int | Array) -> Any:
        if not isinstance(value, int):  # a traced key under jax.jit
            return value
        if self.device is None:
            return self.xp.asarray(value, dtype=self.dtype)
        return self.xp.asarray(value, dtype=self.dtype, device=self.device)

    def reduce(self, x: Array) -> Array:
        return x if self.native else x & MASK32

    def mul(self, x: Array, c: int) -> Array:
        c &= MASK32
        if self.native:
            x *= self.const(c)
            return x
        lo, hi = c & 0xFFFF, c >> 16
        return (x * lo + ((x * hi) & 0xFFFF) * 0x10000) & MASK32

    def add(self, x: Array, y: Array) -> Array:
        return self.reduce(x + y)

    def xorshift(self, x: Array, shift: int) -> Array:
        return x ^ (x >> self.const(shift))


def _mix(w: _Words, x: Array, k1: int | Array) -> Array:
    """The mixer after the Weyl stage (``x`` already reduced mod 2**32).

    ``x`` is a fresh intermediate of ours: the in-place operators of the
    array API update it where the namespace can (NumPy, PyTorch, CuPy) and
    rebind it where it cannot (JAX, Dask), sparing a temporary per step.
    """
    x ^= x >> w.const(16)
    x = w.mul(x, HASH_M1)
    x ^= w.const(k1)
    x ^= x >> w.const(15)
    x = w.mul(x, HASH_M2)
    x ^= x >> w.const(15)
    return x


def _arange(w: _Words, n: int, device: Any) -> Array:
    return w.xp.arange(n, dtype=w.dtype, device=device)


def _grid_words(
    w: _Words, rows: int, cols: int, offset: int | Array, k1: int | Array, device: Any
) -> Array:
    """Words of a ``(rows, cols)`` grid of consecutive counters.

    ``offset = (start * WEYL + K0) mod 2**32`` for the grid's first counter
    ``start``. The Weyl stage is affine in the counter, so a row term and a
    column term broadcast into the whole grid with one addition.
    """
    row_term = w.add(w.mul(_arange(w, rows, device), cols * WEYL), w.const(offset))
    col_term = w.mul(_arange(w, cols, device), WEYL)
    return _mix(w, w.add(row_term[:, None], col_term[None, :]), k1)


def _grid_from_keys(xp: ModuleType, rows: int, cols: int, keys: Array) -> Array:
    """:func:`_grid_words` with the offset and key as a traced array (for compiling)."""
    return _grid_words(_Words(xp), rows, cols, keys[0], keys[1], None)


def _grid(
    w: _Words, rows: int, cols: int, start_low: int, k0: int, k1: int, device: Any
) -> Array:
    offset = (start_low * WEYL + k0) & MASK32
    if capabilities(w.xp).compiles:
        # one fused loop instead of a dispatch per operation; the same integer
        # operations, so the same words
        keys = new_array([offset, k1], w.xp, device=device, dtype=w.dtype)
        return fused(w.xp, _grid_from_keys, w.xp, rows, cols)(keys)
    return _grid_words(w, rows, cols, offset, k1, device)


def _segment(w: _Words, n: int, start: int, seed: int, device: Any) -> Array:
    """Stream words for the counters ``start .. start + n - 1`` (one high word)."""
    k0, k1 = round_keys(seed, start >> 32)
    cols = 1 << max(0, min(12, (n - 1).bit_length() // 2))  # a near-square grid
    rows = -(-n // cols)
    grid = _grid(w, rows, cols, start & MASK32, k0, k1, device)
    words = w.xp.reshape(grid, (rows * cols,))
    return words[:n] if rows * cols != n else words


def bits_array(
    shape: tuple[int, ...], seed: int, xp: ModuleType, device: Any = None, *, start: int = 0
) -> Array:
    """Stream words for a row-major array of ``shape`` whose first counter is ``start``.

    Values below ``2**32`` in :func:`word_dtype` of ``xp``, on ``device``.
    """
    w = _Words(xp, device)
    n = math.prod(shape)
    if n == 0:
        return xp.zeros(shape, dtype=w.dtype, device=device)
    if len(shape) >= 2 and shape[-1] >= 64 and start == 0 and n <= 1 << 32:
        # the common case: the grid is the array itself
        k0, k1 = round_keys(seed, 0)
        grid = _grid(w, n // shape[-1], shape[-1], 0, k0, k1, device)
        return xp.reshape(grid, shape)
    pieces = []
    pos, end = start, start + n
    while pos < end:  # one piece per counter high word: more than one only past 2**32
        stop = min(end, ((pos >> 32) + 1) << 32)
        pieces.append(_segment(w, stop - pos, pos, seed, device))
        pos = stop
    flat = pieces[0] if len(pieces) == 1 else xp.concat(pieces)
    return xp.reshape(flat, shape)
