"""Compiled counter-based generator: the hash of ``arraymask.random``.

Every kernel writes into an output the Python wrapper allocated, in rows:
row ``r`` of an output with ``n`` elements covers ``out[r*L : min(n, (r+1)*L)]``
and holds the stream words at counters ``row_starts[r] + j``. The wrapper
(``arraymask/random.py``) validates every argument; the kernels only loop,
without the GIL, rows split over ``num_threads`` OpenMP threads.
The hash is specified in ``docs/random.md`` and mirrored by the array-API
twin in ``arraymask/_rng_generic.py``; booleans travel as ``uint8``.
"""
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free, qsort
from libc.string cimport memset
from cython.parallel cimport prange, parallel

import numpy as np

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


# ---------------------------------------------------------------------------
# exact counts: the k smallest words of a row, equal words by lower index


def _check_rows(Py_ssize_t n, Py_ssize_t row_len, Py_ssize_t rows):
    # O(1) guard: the row layout covers out exactly (kernels run without bounds checks)
    if n and (row_len <= 0 or rows * row_len < n or (rows - 1) * row_len >= n):
        raise ValueError(f"{rows} rows of {row_len} do not cover {n} elements")


cdef int _cmp_u64(const void* a, const void* b) noexcept nogil:
    cdef uint64_t x = (<const uint64_t*>a)[0], y = (<const uint64_t*>b)[0]
    return (x > y) - (x < y)


cdef inline int _bucket_bits(Py_ssize_t n) noexcept nogil:
    cdef int b = 8
    while b < 16 and (<Py_ssize_t>1 << (b + 1)) <= n:
        b += 1
    return b


cdef void _select_row(const uint32_t* key, Py_ssize_t n, Py_ssize_t k, uint8_t* out,
                      uint32_t* hist, uint64_t* cand) noexcept nogil:
    # out[j] = 1 for the k smallest (key[j], j); radix select on the top bits,
    # then a sort of the one bucket that holds the k-th pair
    cdef Py_ssize_t j, m = 0, cum = 0, need, nb
    cdef int bits = _bucket_bits(n), shift = 32 - bits
    cdef uint32_t b = 0, top
    if k <= 0:
        memset(out, 0, n)
        return
    if k >= n:
        memset(out, 1, n)
        return
    nb = <Py_ssize_t>1 << bits
    memset(hist, 0, nb * sizeof(uint32_t))
    for j in range(n):
        hist[key[j] >> shift] += 1
    while cum + hist[b] < k:
        cum += hist[b]
        b += 1
    need = k - cum
    for j in range(n):
        top = key[j] >> shift
        out[j] = top < b
        if top == b:
            cand[m] = ((<uint64_t>key[j]) << 32) | <uint64_t>j
            m += 1
    if need < m:
        qsort(cand, m, sizeof(uint64_t), _cmp_u64)
    for j in range(need):
        out[<Py_ssize_t>(cand[j] & 0xFFFFFFFFull)] = 1


def select_smallest(const uint32_t[:, ::1] keys, const int64_t[::1] k, uint8_t[:, ::1] out,
                    int num_threads=1):
    """Row ``r`` of ``out``: True at the ``k[r]`` smallest ``keys[r]`` (ties: lower index).

    ``k`` has one entry per row or one for all; rows shorter than ``2**32``.
    """
    cdef Py_ssize_t rows = keys.shape[0], n = keys.shape[1], r
    cdef Py_ssize_t kstep = 0 if k.shape[0] == 1 else 1
    cdef uint32_t* hist
    cdef uint64_t* cand
    cdef uint8_t[::1] failed = np.zeros(1, dtype=np.uint8)
    if out.shape[0] != rows or out.shape[1] != n:
        raise ValueError("out must have the shape of keys")
    if k.shape[0] != 1 and k.shape[0] != rows:
        raise ValueError(f"{k.shape[0]} counts for {rows} rows")
    if rows == 0 or n == 0:
        return
    with nogil, parallel(num_threads=num_threads):
        hist = <uint32_t*>malloc((1 << 16) * sizeof(uint32_t))
        cand = <uint64_t*>malloc(n * sizeof(uint64_t))
        if hist == NULL or cand == NULL:
            failed[0] = 1
        else:
            for r in prange(rows, schedule="static"):
                _select_row(&keys[r, 0], n, k[r * kstep], &out[r, 0], hist, cand)
        free(hist)
        free(cand)
    if failed[0]:
        raise MemoryError("select_smallest: no memory for the per-thread buffers")


def fill_exact(uint8_t[:, ::1] out, const int64_t[::1] k, uint64_t seed, int num_threads=1):
    """Row ``r`` of ``out``: True at the ``k[r]`` smallest stream words of the row.

    The words are those at counters ``r * L + j`` (``L = out.shape[1]``), ties
    by lower index; the same mask as ``select_smallest`` on ``fill_bits``.
    """
    cdef Py_ssize_t rows = out.shape[0], n = out.shape[1], r
    cdef Py_ssize_t kstep = 0 if k.shape[0] == 1 else 1
    cdef uint32_t* hist
    cdef uint64_t* cand
    cdef uint32_t* words
    cdef uint8_t[::1] failed = np.zeros(1, dtype=np.uint8)
    if k.shape[0] != 1 and k.shape[0] != rows:
        raise ValueError(f"{k.shape[0]} counts for {rows} rows")
    if rows == 0 or n == 0:
        return
    with nogil, parallel(num_threads=num_threads):
        hist = <uint32_t*>malloc((1 << 16) * sizeof(uint32_t))
        cand = <uint64_t*>malloc(n * sizeof(uint64_t))
        words = <uint32_t*>malloc(n * sizeof(uint32_t))
        if hist == NULL or cand == NULL or words == NULL:
            failed[0] = 1
        else:
            for r in prange(rows, schedule="static"):
                _words(words, n, <uint64_t>(r * n), seed)
                _select_row(words, n, k[r * kstep], &out[r, 0], hist, cand)
        free(hist)
        free(cand)
        free(words)
    if failed[0]:
        raise MemoryError("fill_exact: no memory for the per-thread buffers")
