"""Compiled canonical order of large COO inputs by cache-sized buckets (CPU).

:func:`partition_top` validates the coordinates and scatters keys and values
into buckets by the top key bits; :func:`sort_buckets` sorts each bucket by
its low bits in cache, applies the duplicate policy and writes it out;
:func:`compact` closes the gaps duplicates left. The Python wrapper
(``arraymask/sparse/_kernels.py``) chooses this path and allocates the outputs.
"""
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset

from _fused cimport dense_t
from _shared cimport (
    AHEAD, MAX_NDIM, P_ERROR, P_KEEP, Columns, Divisor, chunk_plan, columns_of, digit_count,
    divisors, key_at, prefetch, prefetch_column, prefetch_w, reduce_run, unlinear,
)

# For large unsorted inputs: one pass validates the coordinates and counts
# their linear keys by the top ``top`` bits (per chunk, so the next pass can
# stay stable with several threads); a second pass recomputes the keys and
# scatters them with their values into bucket order. Each bucket, small
# enough to stay in cache, is then sorted by its low bits, reduced by the
# duplicate policy and written out as coordinates, all in one visit. The
# keys live in the output's own coordinate buffer until then, so the only
# scratch the size of the input is one values array.


cdef void _top_hist_chunk(Columns cols, Py_ssize_t lo, Py_ssize_t hi, int low, int64_t* h,
                          Py_ssize_t nbuck, int64_t* out) noexcept nogil:
    """Digit counts of the top bits of columns ``[lo, hi)``.

    ``out`` = (first bad column or -1, its axis, largest key).
    """
    cdef Py_ssize_t i, a
    cdef const int64_t* p
    cdef uint64_t s0 = cols.shape[0], s1 = cols.shape[1] if cols.nd > 1 else 1
    cdef uint64_t key, kmax = 0
    cdef Py_ssize_t cs = cols.col_stride, ast = cols.axis_stride
    memset(h, 0, nbuck * sizeof(int64_t))
    out[0] = -1
    if cols.nd == 2:  # the common case, without the loop over axes
        for i in range(lo, hi):
            p = cols.base + i * cs
            prefetch(p + AHEAD * cs)
            prefetch(p + ast + AHEAD * cs)
            if <uint64_t>p[0] >= s0 or <uint64_t>p[ast] >= s1:
                break
            key = <uint64_t>p[0] * s1 + <uint64_t>p[ast]
            kmax = key if key > kmax else kmax
            h[key >> low] += 1
        else:
            out[2] = <int64_t>kmax
            return
        lo = i  # locate the axis below
    for i in range(lo, hi):
        p = cols.base + i * cs
        prefetch_column(&cols, i)
        for a in range(cols.nd):
            if <uint64_t>p[a * ast] >= cols.shape[a]:
                out[0] = i
                out[1] = a
                return
        key = key_at(&cols, i)
        kmax = key if key > kmax else kmax
        h[key >> low] += 1
    out[2] = <int64_t>kmax


cdef void _top_scatter_chunk(Columns cols, Py_ssize_t lo, Py_ssize_t hi, int low, int64_t* off,
                             const char* vs, Py_ssize_t vstride, uint64_t* kd,
                             dense_t* vd) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint64_t key
    cdef int64_t o
    for i in range(lo, hi):
        prefetch_column(&cols, i)
        prefetch(vs + (i + AHEAD) * vstride)
        key = key_at(&cols, i)
        o = off[key >> low]
        off[key >> low] = o + 1
        prefetch_w(kd + o + 8)  # this bucket's next cache line
        prefetch_w(vd + o + 64 // sizeof(dense_t))
        kd[o] = key
        vd[o] = (<const dense_t*>(vs + i * vstride))[0]


def partition_top(const int64_t[:, :] coords, const int64_t[::1] shape,
                  const dense_t[:] values, int low, Py_ssize_t max_bucket,
                  uint64_t[::1] keys, dense_t[::1] vals, int64_t[::1] starts,
                  int threads=1):
    """Validate and scatter columns into buckets of their linear key's bits above ``low``.

    ``max_bucket`` must be at most ``2**(64 - low)`` so that
    :func:`sort_buckets` can pack a key's low bits and its index in one
    word. ``starts`` (``2**top + 1`` slots) receives the bucket offsets; ``keys``
    and ``vals`` the keys and values in bucket order (stable). Returns
    ``(bad_axis, bad_col, skewed, largest_key)``; nothing is scattered when a
    coordinate is out of range, nor when a bucket would exceed
    ``max_bucket`` entries (``skewed``: the top bits do not spread these
    keys; ``largest_key`` tells how many bits they really use).
    """
    cdef Py_ssize_t n = coords.shape[1], nbuck = starts.shape[0] - 1, i, t, largest = 0
    cdef int T, P
    cdef int64_t s, c
    cdef int64_t* local
    cdef int64_t* bad
    cdef Py_ssize_t bad_axis = -1, bad_col = -1
    cdef const char* vs = <const char*>&values[0] if n > 0 else NULL
    cdef Py_ssize_t vstride = values.strides[0]
    cdef Columns cols
    cdef int64_t kmax = 0
    if n == 0:
        return -1, -1, False, 0
    columns_of(coords, shape, &cols)
    T = chunk_plan(n, threads, &P)  # chunks; P threads
    local = <int64_t*>malloc(T * (nbuck + 3) * sizeof(int64_t))
    if local == NULL:
        raise MemoryError()
    bad = local + T * nbuck
    try:
        with nogil:
            for t in prange(T, num_threads=P, schedule="dynamic"):
                _top_hist_chunk(cols, n * t // T, n * (t + 1) // T, low,
                                local + t * nbuck, nbuck, bad + 3 * t)
            for t in range(T):
                if bad[3 * t] >= 0:
                    bad_col = bad[3 * t]
                    bad_axis = bad[3 * t + 1]
                    break
                kmax = max(kmax, bad[3 * t + 2])
            if bad_axis < 0:
                s = 0
                for i in range(nbuck):
                    starts[i] = s
                    for t in range(T):
                        c = local[t * nbuck + i]
                        local[t * nbuck + i] = s
                        s += c
                    if s - starts[i] > largest:
                        largest = s - starts[i]
                starts[nbuck] = n
                if largest <= max_bucket:
                    for t in prange(T, num_threads=P, schedule="dynamic"):
                        _top_scatter_chunk(cols, n * t // T, n * (t + 1) // T, low,
                                           local + t * nbuck, vs, vstride, &keys[0], &vals[0])
    finally:
        free(local)
    return bad_axis, bad_col, bad_axis < 0 and largest > max_bucket, kmax


cdef inline void _countdigit_count(uint32_t* hist, uint64_t w, int passes, int width,
                              Py_ssize_t nbuck) noexcept nogil:
    """Count the ``passes`` digits of ``w`` (the common 1 to 3 passes unrolled)."""
    cdef uint64_t mask = (<uint64_t>1 << width) - 1
    cdef int p
    hist[w & mask] += 1
    if passes > 1:
        hist[nbuck + ((w >> width) & mask)] += 1
        if passes > 2:
            hist[2 * nbuck + ((w >> (2 * width)) & mask)] += 1
            for p in range(3, passes):
                hist[p * nbuck + ((w >> (p * width)) & mask)] += 1


cdef uint64_t* _lsd_packed(uint64_t* a, uint64_t* b, Py_ssize_t m, int shift, int bits,
                           uint32_t* hist) noexcept nogil:
    """Stable sort of ``a[:m]`` by bits ``[shift, shift + bits)``; returns ``a`` or ``b``.

    ``hist`` holds the digit counts (:func:`_count_digits` of each word's
    bits from ``shift``; :func:`_digits` gives the digits). The bits below
    ``shift`` hold distinct indices, so comparing whole words (the insertion
    sort of short inputs) orders equal keys stably too. ``m`` < 2**32: the
    counters are 32-bit, a type that the compiler knows cannot alias the
    64-bit words, so it keeps them in registers.
    """
    cdef int width, p, sh
    cdef int passes = digit_count(bits, &width)
    cdef Py_ssize_t i, j, nbuck = <Py_ssize_t>1 << width
    cdef uint64_t mask = (<uint64_t>1 << width) - 1, w
    cdef uint32_t s, c, o
    cdef uint32_t* h
    cdef uint64_t* t
    if m <= 48:
        for i in range(1, m):
            w = a[i]
            j = i - 1
            while j >= 0 and a[j] > w:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = w
        return a
    for p in range(passes):
        sh = shift + p * width
        h = hist + p * nbuck
        if h[(a[0] >> sh) & mask] == <uint32_t>m:
            continue
        s = 0
        for i in range(nbuck):
            c = h[i]
            h[i] = s
            s += c
        for i in range(m):
            w = a[i]
            o = h[(w >> sh) & mask]
            h[(w >> sh) & mask] = o + 1
            b[o] = w
        t = a
        a = b
        b = t
    return a


cdef Py_ssize_t _sort_bucket(uint64_t* keys, dense_t* vals, Py_ssize_t m, int low,
                             const Divisor* dv, Py_ssize_t nd, int policy, bint logical,
                             int64_t* oc, Py_ssize_t stride, Py_ssize_t base,
                             uint64_t* ka, uint64_t* kb, dense_t* va, dense_t* vb,
                             uint32_t* hist) noexcept nogil:
    """Sort one bucket by its low ``low`` key bits, reduce it, write it from slot ``base``.

    Returns the number of runs (entries written, except for keep and error,
    which write all ``m``). Each entry becomes one word, its low key bits
    above its index (``low`` + bits of ``m - 1`` <= 64, see
    :func:`partition_top`); the words are sorted in ``ka``/``kb``, then the
    values are gathered from their copy in ``va`` into ``vb``. Keys and
    values are copied out first, so the outputs may overwrite them: the
    coordinates go to ``oc`` (column stride ``stride``), values to ``vals``.
    """
    cdef int ib = 0, passes, width
    cdef Py_ssize_t j, runs = 0
    cdef uint64_t prefix, imask, lowmask, key
    cdef uint64_t* srt
    cdef Py_ssize_t first
    if m == 0:
        return 0
    while (<Py_ssize_t>1 << ib) < m:
        ib += 1
    lowmask = (<uint64_t>1 << low) - 1
    prefix = keys[0] & ~lowmask
    imask = (<uint64_t>1 << ib) - 1
    passes = digit_count(low, &width)
    memset(hist, 0, passes * (<Py_ssize_t>1 << width) * sizeof(uint32_t))
    for j in range(m):
        prefetch(keys + j + AHEAD)
        prefetch(vals + j + AHEAD)
        key = keys[j] & lowmask
        ka[j] = (key << ib) | <uint64_t>j
        _countdigit_count(hist, key, passes, width, <Py_ssize_t>1 << width)
    memcpy(va, vals, m * sizeof(dense_t))
    srt = _lsd_packed(ka, kb, m, ib, low, hist)
    for j in range(m):  # unpack: full keys and values in order
        key = srt[j]
        ka[j] = prefix | (key >> ib)
        vb[j] = va[key & imask]
    if policy == P_KEEP or policy == P_ERROR:
        runs = 1
        for j in range(1, m):
            runs += ka[j] != ka[j - 1]
        memcpy(vals, vb, m * sizeof(dense_t))
        _unlinear_block(ka, m, dv, nd, oc, stride, base)
        return runs
    # reduce the runs; the run keys are compacted in place
    j = 0
    while j < m:
        key = ka[j]
        first = j
        j += 1
        while j < m and ka[j] == key:
            j += 1
        ka[runs] = key
        vals[runs] = reduce_run(vb + first, sizeof(dense_t), NULL, j - first, policy, logical)
        runs += 1
    _unlinear_block(ka, runs, dv, nd, oc, stride, base)
    return runs


cdef void _unlinear_block(const uint64_t* keys, Py_ssize_t cnt, const Divisor* dv, Py_ssize_t nd,
                          int64_t* oc, Py_ssize_t stride, Py_ssize_t base) noexcept nogil:
    """Coordinates of ``keys[:cnt]`` into columns ``base:`` of ``oc`` (shifts for 2-D, 2**k)."""
    cdef Py_ssize_t j
    cdef int sh
    cdef uint64_t low
    cdef int64_t* r0
    cdef int64_t* r1
    if nd == 2 and dv[1].pow2:
        sh = dv[1].shift
        low = dv[1].d - 1
        r0 = oc + base
        r1 = oc + stride + base
        for j in range(cnt):
            r0[j] = <int64_t>(keys[j] >> sh)
            r1[j] = <int64_t>(keys[j] & low)
    else:
        for j in range(cnt):
            unlinear(keys[j], dv, nd, oc, stride, base + j)


def sort_buckets(uint64_t[::1] keys, dense_t[::1] vals, const int64_t[::1] starts, int low,
                 const int64_t[::1] shape, int policy, bint logical, int64_t[:, ::1] out_coords,
                 int64_t[::1] runs, int threads=1):
    """Sort, reduce and unlinearize the buckets made by :func:`partition_top`.

    ``keys`` may be a row of ``out_coords`` (each bucket is copied out before
    its slots are written). Bucket ``b`` writes its ``runs[b]`` entries from
    slot ``starts[b]``; :func:`compact` closes the gaps left by duplicates.
    """
    cdef Py_ssize_t nbuck = starts.shape[0] - 1, n = keys.shape[0], b, largest = 1
    cdef Py_ssize_t nd = shape.shape[0], stride = out_coords.shape[1], per
    cdef int T, width
    cdef int low_passes = digit_count(low, &width)
    cdef Py_ssize_t low_size = low_passes * ((<Py_ssize_t>1) << width) + 1
    cdef Divisor dv[MAX_NDIM]
    cdef char* scratch
    cdef char* mine
    if n == 0:
        return
    chunk_plan(n, threads, &T)  # T threads; each bucket is one task
    for b in range(nbuck):
        if starts[b + 1] - starts[b] > largest:
            largest = starts[b + 1] - starts[b]
    divisors(shape, dv)
    # per thread: two word arrays, the counters, two value arrays (each aligned)
    low_size = (low_size + 3) // 4 * 4
    per = 2 * largest * (sizeof(uint64_t) + sizeof(dense_t)) + low_size * sizeof(uint32_t)
    per = (per + 15) // 16 * 16
    scratch = <char*>malloc(T * per)
    if scratch == NULL:
        raise MemoryError()
    try:
        for b in prange(nbuck, nogil=True, num_threads=T, schedule="dynamic", chunksize=8):
            mine = scratch + threadid() * per
            runs[b] = _sort_bucket(
                &keys[0] + starts[b], &vals[0] + starts[b], starts[b + 1] - starts[b], low,
                dv, nd, policy, logical, &out_coords[0, 0], stride, starts[b],
                <uint64_t*>mine, <uint64_t*>mine + largest,
                <dense_t*>(mine + 2 * largest * sizeof(uint64_t) + low_size * sizeof(uint32_t)),
                <dense_t*>(mine + 2 * largest * sizeof(uint64_t) + low_size * sizeof(uint32_t))
                + largest,
                <uint32_t*>(mine + 2 * largest * sizeof(uint64_t)))
    finally:
        free(scratch)


def compact(int64_t[::1] coords, dense_t[::1] vals, const int64_t[::1] starts,
            const int64_t[::1] runs, Py_ssize_t nd, int threads=1):
    """Close the gaps between buckets; returns the total.

    ``coords`` is the flat ``(nd, n)`` buffer of :func:`sort_buckets`;
    afterwards its first ``nd * total`` slots hold the ``(nd, total)``
    coordinates and ``vals[:total]`` the values. Every move goes left, in
    order, so nothing is overwritten before it is read; the coordinates and
    the values move in parallel.
    """
    cdef Py_ssize_t nbuck = runs.shape[0], n = vals.shape[0], b, a, total = 0, dst, task
    cdef int64_t* c = &coords[0]
    cdef dense_t* v = &vals[0]
    for b in range(nbuck):
        total += runs[b]
    for task in prange(2, nogil=True, num_threads=min(2, max(1, threads))):
        if task == 0:
            for a in range(nd):
                dst = a * total
                for b in range(nbuck):
                    if dst != a * n + starts[b]:
                        memmove(c + dst, c + a * n + starts[b], runs[b] * sizeof(int64_t))
                    dst = dst + runs[b]
        else:
            dst = 0
            for b in range(nbuck):
                if dst != starts[b]:
                    memmove(v + dst, v + starts[b], runs[b] * sizeof(dense_t))
                dst = dst + runs[b]
    return total
