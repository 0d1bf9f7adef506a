"""Compiled canonical order of COO coordinates (CPU): sorts and duplicate policies.

The Python wrapper (``arraymask/sparse/_kernels.py``) scans the coordinates
first (``coo.scan``), chooses the strategy and allocates every output; the
kernels loop without the GIL.

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

Large unsorted inputs take the bucket sort of ``buckets.pyx`` instead.
"""
cimport cython
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from _fused cimport dense_t
from _shared cimport (
    AHEAD, MAX_NDIM, P_KEEP, Columns, Divisor, chunk_plan, columns_of, digit_count, divisors,
    exclusive_scan, prefetch, prefetch_column, prefetch_w, reduce_run, unlinear,
)

# ------------------------------------------------------------ radix sorting


def digit_plan(int nbits):
    """``(passes, width)`` of the radix sort of ``nbits``-bit keys."""
    cdef int width
    cdef int passes = digit_count(nbits, &width)
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


# ------------------------------------------------------- duplicate policies


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


cdef void _reduce_chunk(const uint64_t* keys, Py_ssize_t lo, Py_ssize_t hi, const Divisor* dv,
                        Py_ssize_t nd, const dense_t[:] values, int policy, bint logical,
                        int64_t* oc, Py_ssize_t stride, dense_t* ov, Py_ssize_t o) noexcept nogil:
    """Reduce the runs that start in ``[lo, hi)`` (runs never cross ``hi``) into slot ``o`` on."""
    cdef Py_ssize_t i = lo, j
    cdef uint64_t key
    cdef Py_ssize_t vstride = values.strides[0]
    while i < hi:
        key = keys[i]
        j = i + 1
        if policy != P_KEEP:
            while j < hi and keys[j] == key:
                j += 1
        ov[o] = reduce_run(&values[i], vstride, NULL, j - i, policy, logical)
        if oc != NULL:
            unlinear(key, dv, nd, oc, stride, o)
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
    divisors(shape, dv)
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
    cdef Py_ssize_t vstride = values.strides[0]
    if n == 0:
        return
    with nogil:
        i = 0
        while i < n:
            j = i + 1
            if policy != P_KEEP:
                while j < n and _same_column(coords, perm[j], perm[i]):
                    j += 1
            out_values[o] = reduce_run(&values[0], vstride, &perm[i], j - i, policy, logical)
            for a in range(nd):
                out_coords[a, o] = coords[a, perm[i]]
            o += 1
            i = j
