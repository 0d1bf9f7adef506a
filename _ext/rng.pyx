"""Compiled counter-based generator: the hash of ``arraymask.random``.

Every kernel writes into an output the Python wrapper allocated, in rows:
row ``r`` of an output with ``n`` elements covers ``out[r*L : min(n, (r+1)*L)]``
and holds the stream words at counters ``row_starts[r] + j``. The wrapper
(``arraymask/random/_kernels.py``) validates every argument; the kernels only loop,
without the GIL, rows split over ``num_threads`` OpenMP threads.
The hash is specified in ``docs/random.md`` and mirrored by the array-API
twin in ``arraymask/random/_generic.py``; booleans travel as ``uint8``.
Exact-count masks select the smallest words with the top-k kernel
(``topk.pyx``), which the wrapper calls on words made here.
"""
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset
from cython.parallel cimport prange

cdef uint32_t WEYL = 0x9E3779B9u
cdef uint32_t HASH_M1 = 0x21F0AAADu
cdef uint32_t HASH_M2 = 0x735A2D97u
cdef uint64_t GOLDEN64 = 0x9E3779B97F4A7C15ull


cdef inline uint64_t _mix64(uint64_t z) noexcept nogil:
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull
    return z ^ (z >> 31)


cdef inline uint64_t _round_keys(uint64_t seed, uint64_t high) noexcept nogil:
    # K0 in the low word, K1 in the high word
    return _mix64(seed ^ _mix64(high + GOLDEN64))


cdef inline uint32_t _word(uint32_t c, uint32_t k0, uint32_t k1) noexcept nogil:
    cdef uint32_t x = c * WEYL + k0
    x ^= x >> 16
    x *= HASH_M1
    x ^= k1
    x ^= x >> 15
    x *= HASH_M2
    x ^= x >> 15
    return x


cdef inline Py_ssize_t _segment(uint64_t pos, Py_ssize_t remaining, uint64_t seed,
                                uint32_t* k0, uint32_t* k1) noexcept nogil:
    # The run from ``pos`` (at most ``remaining`` long) whose counters share
    # one high word, and that word's round keys.
    cdef uint64_t room = (pos | 0xFFFFFFFFull) - pos + 1
    cdef uint64_t keys = _round_keys(seed, pos >> 32)
    k0[0] = <uint32_t>keys
    k1[0] = <uint32_t>(keys >> 32)
    return remaining if <uint64_t>remaining <= room else <Py_ssize_t>room


cdef inline void _words(uint32_t* out, Py_ssize_t n, uint64_t start, uint64_t seed) noexcept nogil:
    # out[j] = word(seed, start + j); one key schedule per counter high word
    cdef Py_ssize_t j, done = 0, seg
    cdef uint64_t pos
    cdef uint32_t k0, k1, lo
    while done < n:
        pos = start + <uint64_t>done
        seg = _segment(pos, n - done, seed, &k0, &k1)
        lo = <uint32_t>pos
        for j in range(seg):
            out[done + j] = _word(lo + <uint32_t>j, k0, k1)
        done += seg


cdef inline void _bernoulli(uint8_t* out, Py_ssize_t n, uint64_t start, uint64_t seed,
                            uint64_t threshold) noexcept nogil:
    # out[j] = word(seed, start + j) < threshold   (threshold <= 2**32)
    cdef Py_ssize_t j, done = 0, seg
    cdef uint64_t pos
    cdef uint32_t k0, k1, lo, t32
    if threshold == 0:
        memset(out, 0, n)
        return
    if threshold > 0xFFFFFFFFull:
        memset(out, 1, n)
        return
    t32 = <uint32_t>threshold
    while done < n:
        pos = start + <uint64_t>done
        seg = _segment(pos, n - done, seed, &k0, &k1)
        lo = <uint32_t>pos
        for j in range(seg):
            out[done + j] = _word(lo + <uint32_t>j, k0, k1) < t32
        done += seg


def fill_bits(uint32_t[::1] out, Py_ssize_t row_len, const int64_t[::1] row_starts,
              uint64_t seed, int num_threads=1):
    """``out[r*L + j] = word(seed, row_starts[r] + j)``, ``L = row_len``."""
    cdef Py_ssize_t n = out.shape[0], rows = row_starts.shape[0], r, lo, m
    _check_rows(n, row_len, rows)
    if n == 0:
        return
    with nogil:
        for r in prange(rows, num_threads=num_threads, schedule="static"):
            lo = r * row_len
            m = n - lo if n - lo < row_len else row_len
            _words(&out[lo], m, <uint64_t>row_starts[r], seed)


def fill_bernoulli(uint8_t[::1] out, Py_ssize_t row_len, const int64_t[::1] row_starts,
                   const uint64_t[::1] thresholds, uint64_t seed, int num_threads=1):
    """``out[r*L + j] = word(seed, row_starts[r] + j) < thresholds[r]``.

    ``thresholds`` has one entry per row, or a single entry for every row.
    """
    cdef Py_ssize_t n = out.shape[0], rows = row_starts.shape[0], r, lo, m
    cdef Py_ssize_t tstep = 0 if thresholds.shape[0] == 1 else 1
    _check_rows(n, row_len, rows)
    if thresholds.shape[0] != 1 and thresholds.shape[0] != rows:
        raise ValueError(f"{thresholds.shape[0]} thresholds for {rows} rows")
    if n == 0:
        return
    with nogil:
        for r in prange(rows, num_threads=num_threads, schedule="static"):
            lo = r * row_len
            m = n - lo if n - lo < row_len else row_len
            _bernoulli(&out[lo], m, <uint64_t>row_starts[r], seed, thresholds[r * tstep])


def _check_rows(Py_ssize_t n, Py_ssize_t row_len, Py_ssize_t rows):
    # O(1) guard: the row layout covers out exactly (kernels run without bounds checks)
    if n and (row_len <= 0 or rows * row_len < n or (rows - 1) * row_len >= n):
        raise ValueError(f"{rows} rows of {row_len} do not cover {n} elements")
