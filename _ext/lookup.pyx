"""Compiled ``isin`` kernels: integer lookup by byte table or bitmap, sorted search.

The Python wrapper (``arraymask/masks/_kernels.py``) validates every argument
(dtypes, shapes, ranges) and allocates the outputs; the kernels only loop,
without the GIL, splitting large inputs over ``num_threads`` threads (the
thread policy of ``arraymask._backend`` decides how many). Booleans travel
as ``uint8`` (0/1).
"""
from libc.stdint cimport uint8_t, uint64_t
from cython.parallel cimport prange

from _fused cimport int_t, real_t

# The parallel loops hand out chunks of 16384 elements (schedule="dynamic"):
# a thread descheduled on a busy machine then delays the others by one small
# chunk only, where a static split makes everyone wait for its whole half.


cdef inline uint64_t _offset(int_t v, int_t lo) noexcept nogil:
    # v - lo as an unsigned distance; wraps to a huge value when v < lo, for
    # every integer type (two's complement arithmetic modulo 2**64).
    return <uint64_t>v - <uint64_t>lo


def build_table(const int_t[::1] values, int_t lo, uint8_t[::1] table):
    """Set ``table[v - lo] = 1`` for every ``v`` in ``values``.

    ``table`` is zeroed by the caller and has ``max(values) - lo + 2`` bytes:
    the last one stays 0 and is where out-of-range elements look.
    """
    cdef Py_ssize_t i
    with nogil:
        for i in range(values.shape[0]):
            table[_offset(values[i], lo)] = 1


def isin_table(const int_t[::1] x, int_t lo, const uint8_t[::1] table,
               uint8_t[::1] out, bint invert, int num_threads=1):
    """``out[i] = (x[i] in values) != invert`` through a byte table.

    ``table`` comes from :func:`build_table`; its last byte is 0.
    """
    cdef Py_ssize_t i, n = x.shape[0]
    cdef uint64_t d, last = table.shape[0] - 1
    cdef uint8_t flip = 1 if invert else 0
    with nogil:
        for i in prange(n, schedule="dynamic", chunksize=16384, num_threads=num_threads,
                        use_threads_if=num_threads > 1):
            d = _offset(x[i], lo)
            if d > last:
                d = last
            out[i] = table[d] ^ flip


def build_bitmap(const int_t[::1] values, int_t lo, uint8_t[::1] bits):
    """Set bit ``v - lo`` of ``bits`` for every ``v`` in ``values`` (zeroed by the caller)."""
    cdef Py_ssize_t i
    cdef uint64_t d
    with nogil:
        for i in range(values.shape[0]):
            d = _offset(values[i], lo)
            bits[d >> 3] |= <uint8_t>(1 << (d & 7))


def isin_bitmap(const int_t[::1] x, int_t lo, uint64_t span, const uint8_t[::1] bits,
                uint8_t[::1] out, bint invert, int num_threads=1):
    """``out[i] = (x[i] in values) != invert`` through a bitmap of ``span`` bits."""
    cdef Py_ssize_t i, n = x.shape[0]
    cdef uint64_t d
    cdef uint8_t hit, flip = 1 if invert else 0
    with nogil:
        for i in prange(n, schedule="dynamic", chunksize=16384, num_threads=num_threads,
                        use_threads_if=num_threads > 1):
            d = _offset(x[i], lo)
            hit = 0
            if d < span:
                hit = (bits[d >> 3] >> (d & 7)) & 1
            out[i] = hit ^ flip


def isin_sorted(const real_t[::1] x, const real_t[::1] values, uint8_t[::1] out,
                bint invert, int num_threads=1):
    """``out[i] = (x[i] in values) != invert`` by branchless binary search.

    ``values`` is sorted ascending, non-empty, and holds no NaN. NaN in ``x``
    matches nothing; ``-0.0`` matches ``0.0``.
    """
    cdef Py_ssize_t i, n = x.shape[0], m = values.shape[0], base, length, half
    cdef real_t key
    cdef uint8_t flip = 1 if invert else 0
    with nogil:
        for i in prange(n, schedule="dynamic", chunksize=16384, num_threads=num_threads,
                        use_threads_if=num_threads > 1):
            key = x[i]
            base = 0
            length = m
            while length > 1:
                half = length >> 1
                if values[base + half] <= key:
                    base = base + half
                length = length - half
            out[i] = (values[base] == key) ^ flip
