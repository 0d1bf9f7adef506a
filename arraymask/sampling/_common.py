"""The arithmetic every route of the sampling filters shares, defined once.

The filters must give the same mask (and :func:`~arraymask.sample` the same
tokens) on every backend. Two steps of a softmax differ between libraries:
``exp`` (NumPy, PyTorch and XLA round differently in the last bit) and the
order in which sums are taken (cumulative sums are sequential on one
library, trees on another, and XLA contracts ``a * b + c`` into a fused
multiply-add under ``jit``). So arraymask computes both in a way that uses
only operations whose result IEEE 754 fixes:

**exp.** ``E(x) ~= exp(-x)`` for ``x >= 0``: ``D = floor(x * 2**52)`` (exact:
a scaling by a power of two, then an integer), cut into seven 9-bit digits
``D = sum_j v_j * 2**(9 j)``; then, with ``tj = Tj[vj]``,
``E = ((t6 * t5) * (t4 * t3)) * ((t2 * t1) * t0)`` (this tree, each product
rounded), where ``Tj[v]`` is ``exp(-v * 2**(9 j - 52))`` rounded to float64
(computed here with ``decimal``, so the tables are the same on every machine).
Only gathers and products: no sum that a compiler could fuse with a product
(XLA contracts ``a * b + c`` into a fused multiply-add under ``jit``).
``E(0) == 1`` exactly; ``E(x) = 0`` for ``x >= 708`` (so no partial product
is subnormal). The relative error against the true ``exp(-x)`` is below
``2e-15``. The gaps are ``x = (max - l) * (1 / T)``: a product with the
reciprocal rounded once, because XLA also rewrites a division by a broadcast
array into that product.

**Sums.** Every token's probability becomes an integer weight
``w = floor(E(x) * 2**s)`` with ``s = 62 - ceil(log2(n))`` for a slice of
``n`` tokens, so that the weights of a slice sum to at most ``2**62``.
Integer sums are exact, so every order (sequential, tree, per chunk, per
radix bucket) gives the same total: the compiled kernel finds the top-p
threshold by a radix search over buckets of weights while the array-API
twin sorts and takes a cumulative sum, and they agree bit for bit. A token
whose probability is below ``2**-s`` times the top token's (``2.8e-14`` for a
Llama-3 vocabulary of 128256) weighs 0.

Without 64-bit types (JAX without x64) none of this is available: the twin
then computes in float32 with the backend's ``exp`` and cumulative sum, and
its masks may differ from the other backends' near a boundary.
"""

from __future__ import annotations

import decimal
import functools

import numpy as np

__all__ = [
    "DIGITS",
    "DIGIT_BITS",
    "FRACTION_BITS",
    "X_MAX",
    "exp_table",
    "scale_bits",
]

#: Fractional bits of the fixed-point argument ``D = floor(x * 2**52)``.
FRACTION_BITS = 52
#: The argument is cut into ``DIGITS`` digits of ``DIGIT_BITS`` bits (63 bits).
DIGIT_BITS = 9
DIGITS = 7
#: ``E(x) = 0`` from here on (``exp(-708)`` is the smallest normal value reached).
X_MAX = 708.0


def scale_bits(n: int) -> int:
    """``s``: weights are ``floor(E * 2**s)``, so that ``n`` of them sum to ``<= 2**62``.

    >>> scale_bits(128256), scale_bits(1), scale_bits(8)
    (45, 62, 59)
    """
    return 62 - max(0, n - 1).bit_length()


@functools.cache
def exp_table() -> np.ndarray:
    """``(DIGITS * 2**DIGIT_BITS,)`` float64: entry ``j * 512 + v`` is ``exp(-v * 2**(9j - 52))``.

    Computed with 60 significant decimal digits and rounded once to float64,
    so the table is the same on every machine and Python version.

    >>> t = exp_table()
    >>> float(t[0]), float(t[6 * 512 + 1]) == float(np.exp(-4.0))
    (1.0, True)
    """
    ctx = decimal.Context(prec=60, Emin=-10**9, Emax=10**9)
    size = 1 << DIGIT_BITS
    out = np.empty(DIGITS * size, dtype=np.float64)
    for j in range(DIGITS):
        step = ctx.power(decimal.Decimal(2), DIGIT_BITS * j - FRACTION_BITS)
        base = ctx.exp(ctx.minus(step))
        value = decimal.Decimal(1)
        for v in range(size):
            out[j * size + v] = float(value)
            value = ctx.multiply(value, base)
    return out
