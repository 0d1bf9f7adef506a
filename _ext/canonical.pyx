"""Compiled canonical order of COO coordinates (CPU): sorts and duplicate policies.

The Python wrapper (``arraymask/sparse/_kernels.py``) scans the coordinates
first (``coo.scan``), chooses the strategy and allocates every output; the
kernels loop without the GIL.

* :func:`partition_top` + :func:`sort_buckets` + :func:`compact` -- large
  inputs: validate and scatter into buckets by the top key bits, then sort,
  reduce and write out each bucket in cache.
* :func:`linear_keys` + :func:`radix_sort_kv` -- row-major linear keys,
  validated and histogrammed in the same pass, then a stable LSD radix sort
  (digits of at most 11 bits, constant digits skipped) that carries the
  values along, so nothing is gathered at random afterwards.
* :func:`group_keys` + :func:`radix_sort_pairs` -- the general path: keys and
  a permutation sorted as pairs, axis group by axis group (least significant
  first) when ``prod(shape)`` does not fit 63 bits.
* :func:`count_runs_keys` / :func:`reduce_keys`,
  :func:`count_runs_perm` / :func:`reduce_perm` -- one pass applying a
  duplicate policy to the runs of equal coordinates.
"""
cimport cython
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memmove, memset

from _fused cimport dense_t
from _shared cimport (
    AHEAD, MAX_NDIM, P_ERROR, P_KEEP, P_LAST, P_MAX, P_MIN, P_SUM, Columns, chunk_plan,
    columns_of, exclusive_scan, key_at, prefetch, prefetch_column, prefetch_w,
)

# ------------------------------------------------------------ radix sorting


cdef inline int _digits(int nbits, int* width) noexcept nogil:
    """Number of LSD passes (digits of at most 11 bits) for ``nbits`` key bits."""
    cdef int passes
    if nbits <= 0:
        width[0] = 1
        return 0
    passes = (nbits + 10) // 11
    width[0] = (nbits + passes - 1) // passes
    return passes


def digit_plan(int nbits):
    """``(passes, width)`` of the radix sort of ``nbits``-bit keys."""
    cdef int width
    cdef int passes = _digits(nbits, &width)
    return passes, width


cdef void _keys_chunk(Columns cols, Py_ssize_t lo, Py_ssize_t hi, int passes, int width,
                      uint64_t* out, int64_t* hist, Py_ssize_t nbuck,
                      int64_t* result) noexcept nogil:
    """Keys of columns ``[lo, hi)``; ``result`` = (bad_col or -1, bad_axis, status)."""
    cdef Py_ssize_t i, a
    cdef int p
    cdef uint64_t key, prev = 0, mask = (<uint64_t>1 << width) - 1
    cdef uint64_t c
    cdef int status = 0
    memset(hist, 0, passes * nbuck * sizeof(int64_t))
    result[0] = -1
    result[1] = -1
    for i in range(lo, hi):
        prefetch_column(&cols, i)
        key = 0
        for a in range(cols.nd):
            c = <uint64_t>cols.base[i * cols.col_stride + a * cols.axis_stride]
            if c >= cols.shape[a]:
                result[0] = i
                result[1] = a
                break
            key = key * cols.shape[a] + c
        if result[0] >= 0:
            break
        if i > lo:
            if key < prev:
                status = 2
            elif key == prev and status == 0:
                status = 1
        prev = key
        out[i] = key
        for p in range(passes):
            hist[p * nbuck + ((key >> (p * width)) & mask)] += 1
    result[2] = status


def linear_keys(const int64_t[:, :] coords, const int64_t[::1] shape, int passes, int width,
                uint64_t[::1] out, int64_t[:, ::1] hist, int threads=1):
    """``out[i]`` = row-major linear key of ``coords[:, i]``, validated and histogrammed.

    ``prod(shape)`` must fit 63 bits. ``hist`` ``(passes, 2**width)``
    receives the digit counts of every radix pass. The columns are split in
    ``threads`` chunks computed in parallel. Returns ``(bad_axis, bad_col,
    status)`` like :func:`scan` (the first bad column).
    """
    cdef Py_ssize_t n = coords.shape[1], i, t, nbuck = <Py_ssize_t>1 << width
    cdef int T, status = 0, p, P
    cdef int64_t* local
    cdef int64_t* res
    cdef Py_ssize_t bad_axis = -1, bad_col = -1
    cdef Columns cols
    T = chunk_plan(n, threads, &P)  # chunks; P threads
    if n == 0:
        return -1, -1, 0
    columns_of(coords, shape, &cols)
    local = <int64_t*>malloc(T * (passes * nbuck + 3) * sizeof(int64_t))
    if local == NULL:
        raise MemoryError()
    res = local + T * passes * nbuck
    try:
        with nogil:
            if T == 1:
                _keys_chunk(cols, 0, n, passes, width, &out[0], local, nbuck, res)
            else:
                for t in prange(T, num_threads=P, schedule="dynamic"):
                    _keys_chunk(cols, n * t // T, n * (t + 1) // T, passes, width,
                                &out[0], local + t * passes * nbuck, nbuck, res + 3 * t)
            for t in range(T):
                if res[3 * t] >= 0:
                    bad_col = res[3 * t]
                    bad_axis = res[3 * t + 1]
                    break
                status = max(status, <int>res[3 * t + 2])
                if t > 0 and n * t // T > 0:
                    i = n * t // T
                    if out[i] < out[i - 1]:
                        status = 2
                    elif out[i] == out[i - 1] and status == 0:
                        status = 1
            if bad_axis < 0:
                for t in range(T):
                    for p in range(passes):
                        for i in range(nbuck):
                            hist[p, i] += local[t * passes * nbuck + p * nbuck + i]
    finally:
        free(local)
    return bad_axis, bad_col, status


def group_keys(const int64_t[:, :] coords, const int64_t[::1] shape, int first, int stop,
               const int64_t[::1] perm, bint identity, int passes, int width,
               uint64_t[::1] keys, int64_t[:, ::1] hist):
    """``keys[i]`` = linear key of axes ``first:stop`` of column ``perm[i]`` (or ``i``).

    Fills ``hist`` for :func:`radix_sort_pairs`. Coordinates must be in range.
    """
    cdef Py_ssize_t n = coords.shape[1], i, a, col
    cdef int p
    cdef uint64_t key, mask = (<uint64_t>1 << width) - 1
    with nogil:
        for i in range(n):
            col = i if identity else perm[i]
            key = 0
            for a in range(first, stop):
                key = key * <uint64_t>shape[a] + <uint64_t>coords[a, col]
            keys[i] = key
            for p in range(passes):
                hist[p, (key >> (p * width)) & mask] += 1


def radix_sort_pairs(uint64_t[::1] keys, int64_t[::1] perm, uint64_t[::1] keys2,
                     int64_t[::1] perm2, int passes, int width, int64_t[:, ::1] hist):
    """Stable LSD sort of ``(keys, perm)`` pairs by key; returns where the result is.

    0: in ``keys``/``perm``, 1: in ``keys2``/``perm2``.
    """
    cdef Py_ssize_t n = keys.shape[0], i, nbuck = <Py_ssize_t>1 << width
    cdef int p, sh, where = 0
    cdef uint64_t mask = (<uint64_t>1 << width) - 1, d
    cdef int64_t* h
    cdef int64_t s, c
    cdef uint64_t* ks
    cdef uint64_t* kd
    cdef uint64_t* kt
    cdef int64_t* ps
    cdef int64_t* pd
    cdef int64_t* pt
    if n <= 1 or passes == 0:
        return 0
    ks = &keys[0]
    kd = &keys2[0]
    ps = &perm[0]
    pd = &perm2[0]
    with nogil:
        for p in range(passes):
            sh = p * width
            h = &hist[p, 0]
            if h[(ks[0] >> sh) & mask] == n:
                continue
            exclusive_scan(h, nbuck)
            for i in range(n):
                d = (ks[i] >> sh) & mask
                kd[h[d]] = ks[i]
                pd[h[d]] = ps[i]
                h[d] += 1
            kt = ks
            ks = kd
            kd = kt
            pt = ps
            ps = pd
            pd = pt
            where = 1 - where
    return where

# ------------------------------------------------------- duplicate policies


cdef struct Divisor:
    uint64_t d
    int pow2
    int shift
    double inv


cdef inline uint64_t _div(uint64_t k, const Divisor* v) noexcept nogil:
    cdef uint64_t q
    cdef int64_t r
    if v.pow2:
        return k >> v.shift
    if k < (<uint64_t>1 << 52):
        q = <uint64_t>(<double>k * v.inv)
        r = <int64_t>k - <int64_t>(q * v.d)
        if r < 0:
            q -= 1
        elif r >= <int64_t>v.d:
            q += 1
        return q
    return k // v.d


cdef void _divisors(const int64_t[::1] shape, Divisor* out) noexcept nogil:
    cdef Py_ssize_t a
    cdef uint64_t d
    cdef int s
    for a in range(shape.shape[0]):
        d = <uint64_t>shape[a]
        if d == 0:
            d = 1
        out[a].d = d
        out[a].pow2 = (d & (d - 1)) == 0
        s = 0
        while (<uint64_t>1 << s) < d:
            s += 1
        out[a].shift = s
        out[a].inv = 1.0 / <double>d


cdef inline void _unlinear(uint64_t key, const Divisor* dv, Py_ssize_t nd,
                           int64_t* coords, Py_ssize_t stride, Py_ssize_t o) noexcept nogil:
    cdef Py_ssize_t a
    cdef uint64_t q
    for a in range(nd - 1, 0, -1):
        q = _div(key, &dv[a])
        coords[a * stride + o] = <int64_t>(key - q * dv[a].d)
        key = q
    if nd > 0:
        coords[o] = <int64_t>key


def count_runs_keys(const uint64_t[::1] keys):
    """``(runs, first_duplicate_position)`` of sorted keys (-1: no duplicate)."""
    cdef Py_ssize_t n = keys.shape[0], i, runs = 0, first = -1
    with nogil:
        if n > 0:
            runs = 1
        for i in range(1, n):
            if keys[i] != keys[i - 1]:
                runs += 1
            elif first < 0:
                first = i
    return runs, first


cdef inline void _combine(dense_t* acc, dense_t v, int policy, bint logical) noexcept nogil:
    if policy == P_SUM:
        if dense_t is uint8_t:
            if logical:
                acc[0] = acc[0] | v
                return
        acc[0] = acc[0] + v
    elif policy == P_LAST:
        acc[0] = v
    elif policy == P_MIN or policy == P_MAX:
        if dense_t is cython.floatcomplex or dense_t is cython.doublecomplex:
            return  # rejected by the wrapper
        else:
            if dense_t is uint8_t:
                if logical:
                    acc[0] = (acc[0] & v) if policy == P_MIN else (acc[0] | v)
                    return
            if acc[0] != acc[0]:
                return  # NaN propagates
            if v != v:
                acc[0] = v
            elif policy == P_MIN:
                if v < acc[0]:
                    acc[0] = v
            elif v > acc[0]:
                acc[0] = v


cdef void _hist_chunk(const uint64_t* ks, Py_ssize_t lo, Py_ssize_t hi, int sh, uint64_t mask,
                      int64_t* h, Py_ssize_t nbuck) noexcept nogil:
    cdef Py_ssize_t i
    memset(h, 0, nbuck * sizeof(int64_t))
    for i in range(lo, hi):
        prefetch(ks + i + AHEAD)
        h[(ks[i] >> sh) & mask] += 1


cdef void _scatter_chunk(const uint64_t* ks, const char* vs, Py_ssize_t vstride,
                         Py_ssize_t lo, Py_ssize_t hi, int sh, uint64_t mask, int64_t* off,
                         uint64_t* kd, dense_t* vd) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t o
    cdef uint64_t k, d
    for i in range(lo, hi):
        prefetch(ks + i + AHEAD)
        prefetch(vs + (i + AHEAD) * vstride)
        k = ks[i]
        d = (k >> sh) & mask
        o = off[d]
        off[d] = o + 1
        prefetch_w(kd + o + 8)  # this digit's next cache line
        prefetch_w(vd + o + 64 // sizeof(dense_t))
        kd[o] = k
        vd[o] = (<const dense_t*>(vs + i * vstride))[0]


def radix_sort_kv(uint64_t[::1] keys, uint64_t[::1] keys2, const dense_t[:] values,
                  dense_t[::1] va, dense_t[::1] vb, int passes, int width,
                  int64_t[:, ::1] hist, int threads=1):
    """Stable LSD sort of keys, carrying ``values`` along.

    ``hist`` holds the global digit counts of every pass (from
    :func:`linear_keys`); a digit that is constant is skipped. With
    ``threads > 1`` each pass is split into contiguous chunks, one per thread:
    a per-chunk histogram, then offsets that keep the chunks in order (so the
    sort stays stable), then a parallel scatter.

    The first executed pass reads ``keys`` and ``values`` and writes ``keys2``
    and ``va``; later passes alternate between ``(keys, vb)`` and
    ``(keys2, va)``. Returns the number of executed passes: odd -> result in
    ``(keys2, va)``, even and > 0 -> in ``(keys, vb)``.
    """
    cdef Py_ssize_t n = keys.shape[0], i, t, nbuck = <Py_ssize_t>1 << width
    cdef int p, sh, done = 0, T, P
    cdef uint64_t mask = (<uint64_t>1 << width) - 1
    cdef int64_t s, c
    cdef uint64_t* ks
    cdef uint64_t* kd
    cdef uint64_t* kt
    cdef const char* vs
    cdef Py_ssize_t vstride
    cdef dense_t* vd
    cdef dense_t* vspare
    cdef dense_t* vcur
    cdef int64_t* local
    if n <= 1 or passes == 0:
        return 0
    T = chunk_plan(n, threads, &P)  # chunks; P threads
    local = <int64_t*>malloc(T * nbuck * sizeof(int64_t))
    if local == NULL:
        raise MemoryError()
    ks = &keys[0]
    kd = &keys2[0]
    vs = <const char*>&values[0]
    vstride = values.strides[0]
    vd = &va[0]
    vspare = &vb[0]
    try:
        with nogil:
            for p in range(passes):
                sh = p * width
                if hist[p, (ks[0] >> sh) & mask] == n:
                    continue  # constant digit
                if T == 1:
                    memcpy(local, &hist[p, 0], nbuck * sizeof(int64_t))
                    exclusive_scan(local, nbuck)
                    _scatter_chunk(ks, vs, vstride, 0, n, sh, mask, local, kd, vd)
                else:
                    for t in prange(T, num_threads=P, schedule="dynamic"):
                        _hist_chunk(ks, n * t // T, n * (t + 1) // T, sh, mask,
                                    local + t * nbuck, nbuck)
                    s = 0
                    for i in range(nbuck):
                        for t in range(T):
                            c = local[t * nbuck + i]
                            local[t * nbuck + i] = s
                            s += c
                    for t in prange(T, num_threads=P, schedule="dynamic"):
                        _scatter_chunk(ks, vs, vstride, n * t // T, n * (t + 1) // T, sh, mask,
                                       local + t * nbuck, kd, vd)
                kt = ks
                ks = kd
                kd = kt
                vcur = vd
                vd = vspare if done == 0 else <dense_t*>vs
                vspare = NULL
                vs = <const char*>vcur
                vstride = sizeof(dense_t)
                done += 1
    finally:
        free(local)
    return done


# -------------------------------------------- canonical order by buckets
#
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


cdef inline void _count_digits(uint32_t* hist, uint64_t w, int passes, int width,
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
    cdef int passes = _digits(bits, &width)
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
    cdef dense_t acc
    if m == 0:
        return 0
    while (<Py_ssize_t>1 << ib) < m:
        ib += 1
    lowmask = (<uint64_t>1 << low) - 1
    prefix = keys[0] & ~lowmask
    imask = (<uint64_t>1 << ib) - 1
    passes = _digits(low, &width)
    memset(hist, 0, passes * (<Py_ssize_t>1 << width) * sizeof(uint32_t))
    for j in range(m):
        prefetch(keys + j + AHEAD)
        prefetch(vals + j + AHEAD)
        key = keys[j] & lowmask
        ka[j] = (key << ib) | <uint64_t>j
        _count_digits(hist, key, passes, width, <Py_ssize_t>1 << width)
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
        acc = vb[j]
        j += 1
        while j < m and ka[j] == key:
            _combine(&acc, vb[j], policy, logical)
            j += 1
        ka[runs] = key
        vals[runs] = acc
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
            _unlinear(keys[j], dv, nd, oc, stride, base + j)


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
    cdef int low_passes = _digits(low, &width)
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
    _divisors(shape, dv)
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


cdef void _reduce_chunk(const uint64_t* keys, Py_ssize_t lo, Py_ssize_t hi, const Divisor* dv,
                        Py_ssize_t nd, const dense_t[:] values, int policy, bint logical,
                        int64_t* oc, Py_ssize_t stride, dense_t* ov, Py_ssize_t o) noexcept nogil:
    """Reduce the runs that start in ``[lo, hi)`` (runs never cross ``hi``) into slot ``o`` on."""
    cdef Py_ssize_t i = lo, j
    cdef uint64_t key
    cdef dense_t acc
    while i < hi:
        key = keys[i]
        acc = values[i]
        j = i + 1
        if policy != P_KEEP:
            while j < hi and keys[j] == key:
                _combine(&acc, values[j], policy, logical)
                j += 1
        ov[o] = acc
        if oc != NULL:
            _unlinear(key, dv, nd, oc, stride, o)
        o += 1
        i = j


cdef Py_ssize_t _runs_in(const uint64_t* keys, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    cdef Py_ssize_t i, runs = 0
    if hi > lo:
        runs = 1
    for i in range(lo + 1, hi):
        runs += keys[i] != keys[i - 1]
    return runs


def reduce_keys(const uint64_t[::1] keys, const int64_t[::1] shape, const dense_t[:] values,
                int policy, bint logical, int64_t[:, ::1] out_coords, dense_t[::1] out_values,
                int threads=1):
    """Apply ``policy`` to runs of equal sorted ``keys`` (``values`` in the same order).

    Output columns are the unlinearized keys; ``out_*`` are sized by
    :func:`count_runs_keys` (``nnz`` for the ``keep`` policy). With
    ``threads > 1`` the keys are cut into chunks at run boundaries, the runs
    of each chunk are counted in parallel, and the chunks are reduced in
    parallel into their own output slots.
    """
    cdef Py_ssize_t n = keys.shape[0], nd = shape.shape[0], t, b
    cdef Py_ssize_t stride = out_coords.shape[1]
    cdef Divisor dv[MAX_NDIM]
    cdef int T, P
    cdef Py_ssize_t bounds[65]
    cdef Py_ssize_t slots[65]
    cdef int64_t* oc = &out_coords[0, 0] if nd > 0 and stride > 0 else NULL
    if n == 0:
        return
    T = chunk_plan(n, min(threads, 16), &P)  # chunks (bounds[] holds 65); P threads
    _divisors(shape, dv)
    with nogil:
        bounds[0] = 0
        for t in range(1, T):
            b = n * t // T
            if b < bounds[t - 1]:
                b = bounds[t - 1]
            while b > 0 and b < n and keys[b] == keys[b - 1]:
                b += 1
            bounds[t] = b
        bounds[T] = n
        if policy == P_KEEP:
            for t in range(T + 1):
                slots[t] = bounds[t]
        else:
            for t in prange(T, num_threads=P, schedule="dynamic"):
                slots[t + 1] = _runs_in(&keys[0], bounds[t], bounds[t + 1])
            slots[0] = 0
            for t in range(T):
                slots[t + 1] += slots[t]
        for t in prange(T, num_threads=P, schedule="dynamic"):
            _reduce_chunk(&keys[0], bounds[t], bounds[t + 1], dv, nd, values, policy, logical,
                          oc, stride, &out_values[0], slots[t])


cdef inline bint _same_column(const int64_t[:, :] coords, Py_ssize_t p,
                              Py_ssize_t q) noexcept nogil:
    cdef Py_ssize_t a
    for a in range(coords.shape[0]):
        if coords[a, p] != coords[a, q]:
            return False
    return True


def count_runs_perm(const int64_t[:, :] coords, const int64_t[::1] perm):
    """``(runs, first_duplicate_position)`` of the columns of ``coords`` taken in ``perm`` order."""
    cdef Py_ssize_t n = perm.shape[0], i, runs = 0, first = -1
    with nogil:
        if n > 0:
            runs = 1
        for i in range(1, n):
            if not _same_column(coords, perm[i], perm[i - 1]):
                runs += 1
            elif first < 0:
                first = i
    return runs, first


def reduce_perm(const int64_t[:, :] coords, const int64_t[::1] perm,
                const dense_t[:] values, int policy, bint logical,
                int64_t[:, ::1] out_coords, dense_t[::1] out_values):
    """Like :func:`reduce_keys` for columns taken in ``perm`` order (general path)."""
    cdef Py_ssize_t n = perm.shape[0], nd = coords.shape[0], i, j, a, o = 0
    cdef dense_t acc
    with nogil:
        i = 0
        while i < n:
            acc = values[perm[i]]
            j = i + 1
            if policy != P_KEEP:
                while j < n and _same_column(coords, perm[j], perm[i]):
                    _combine(&acc, values[perm[j]], policy, logical)
                    j += 1
            out_values[o] = acc
            for a in range(nd):
                out_coords[a, o] = coords[a, perm[i]]
            o += 1
            i = j

