"""Compiled COO kernels (CPU).

The Python wrapper (``arraymask/sparse/_kernels.py``) validates dtypes and
shapes and allocates the outputs; the kernels take typed memoryviews (``const``
for inputs, so read-only arrays work) and loop without the GIL.

* :func:`scan` -- bounds check and order status in one pass.
* :func:`dense_count` / :func:`dense_fill` -- dense -> COO in row blocks
  (count, prefix sum, fill; both passes over the blocks in parallel).
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
* :func:`scatter` -- COO -> dense.
"""
cimport cython
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from _fused cimport dense_t

# policy codes (kept in step with arraymask/sparse/_kernels.py)
cdef enum:
    P_SUM = 0
    P_MIN = 1
    P_MAX = 2
    P_FIRST = 3
    P_LAST = 4
    P_ERROR = 5
    P_KEEP = 6

# ---------------------------------------------------------------- scanning


def scan(const int64_t[:, :] coords, const int64_t[::1] shape, bint stop_unsorted=False):
    """Bounds check and order status of ``coords`` ``(ndim, nnz)`` in one pass.

    Returns ``(bad_axis, bad_col, status)``: ``bad_axis`` is -1 when all
    coordinates lie in ``[0, shape)``; ``status`` is 0 (strictly increasing
    row-major), 1 (nondecreasing) or 2 (unsorted). With ``stop_unsorted``
    the pass ends at the first descent (status 2; later columns unchecked).
    """
    cdef Py_ssize_t nd = coords.shape[0], n = coords.shape[1], i, a
    cdef int64_t c, p
    cdef int status = 0, cmp
    cdef Py_ssize_t bad_axis = -1, bad_col = -1
    with nogil:
        for i in range(n):
            cmp = 0
            for a in range(nd):
                c = coords[a, i]
                if <uint64_t>c >= <uint64_t>shape[a]:
                    bad_axis = a
                    bad_col = i
                    break
                if cmp == 0 and i > 0:
                    p = coords[a, i - 1]
                    if c > p:
                        cmp = 1
                    elif c < p:
                        cmp = -1
            if bad_axis >= 0:
                break
            if i > 0:
                if cmp < 0:
                    status = 2
                    if stop_unsorted:
                        break
                elif cmp == 0 and status == 0:
                    status = 1
    return bad_axis, bad_col, status

# ------------------------------------------------------------ dense -> COO


cdef inline bint _differs(dense_t v, dense_t f, bint half) noexcept nogil:
    if dense_t is uint16_t:
        if half:
            if (v & 0x7c00) == 0x7c00 and (v & 0x03ff) != 0:
                return True  # NaN differs from everything
            if (f & 0x7c00) == 0x7c00 and (f & 0x03ff) != 0:
                return True
            if ((v | f) & 0x7fff) == 0:
                return False  # +0 == -0
    return v != f


cdef inline void _start(const int64_t* shp, const int64_t* strd, int nd, Py_ssize_t r0,
                        int64_t* idx, int64_t* off) noexcept nogil:
    """Multi-index (over the leading ``nd - 1`` axes) and byte offset of row ``r0``."""
    cdef int a
    cdef int64_t rem = r0
    off[0] = 0
    for a in range(nd - 2, -1, -1):
        idx[a] = rem % shp[a]
        rem = rem // shp[a]
        off[0] += idx[a] * strd[a]


cdef inline void _next(const int64_t* shp, const int64_t* strd, int nd,
                       int64_t* idx, int64_t* off) noexcept nogil:
    cdef int a = nd - 2
    while a >= 0:
        idx[a] += 1
        off[0] += strd[a]
        if idx[a] < shp[a]:
            return
        off[0] -= idx[a] * strd[a]
        idx[a] = 0
        a -= 1


cdef Py_ssize_t _count_block(const char* base, const int64_t* shp, const int64_t* strd, int nd,
                             Py_ssize_t r0, Py_ssize_t r1, dense_t fill,
                             bint half) noexcept nogil:
    cdef int64_t idx[64]
    cdef int64_t off
    cdef Py_ssize_t r, j, n = shp[nd - 1], cnt = 0
    cdef int64_t s = strd[nd - 1]
    cdef const dense_t* row
    cdef Py_ssize_t j0, j1
    cdef int c32  # 32-bit lanes vectorize better; chunks stay below 2**30
    _start(shp, strd, nd, r0, idx, &off)
    for r in range(r0, r1):
        if s == sizeof(dense_t):
            row = <const dense_t*>(base + off)
            j0 = 0
            while j0 < n:
                j1 = j0 + (1 << 30) if j0 + (1 << 30) < n else n
                c32 = 0
                for j in range(j0, j1):
                    c32 += _differs(row[j], fill, half)
                cnt += c32
                j0 = j1
        else:
            for j in range(n):
                cnt += _differs((<const dense_t*>(base + off + j * s))[0], fill, half)
        _next(shp, strd, nd, idx, &off)
    return cnt


cdef void _fill_block(const char* base, const int64_t* shp, const int64_t* strd, int nd,
                      Py_ssize_t r0, Py_ssize_t r1, dense_t fill, bint half,
                      int64_t* coords, Py_ssize_t nnz, dense_t* values,
                      Py_ssize_t pos, Py_ssize_t end) noexcept nogil:
    cdef int64_t idx[64]
    cdef int64_t off
    cdef Py_ssize_t r, j, a, n = shp[nd - 1], row_pos
    cdef int64_t s = strd[nd - 1]
    cdef int64_t* last = coords + (nd - 1) * nnz
    cdef int64_t* lead
    cdef dense_t v
    cdef Py_ssize_t k, stop
    cdef const dense_t* row
    cdef int hit
    _start(shp, strd, nd, r0, idx, &off)
    for r in range(r0, r1):
        if pos >= end:
            break
        row_pos = pos
        if s == sizeof(dense_t):
            # contiguous row in chunks of 32: a chunk without a hit is skipped
            # after one vectorized count; the others are written without
            # branches (a slot is kept only by advancing past it) while there
            # is room in this block, so nothing spills into the next block
            row = <const dense_t*>(base + off)
            j = 0
            while j < n:
                stop = j + 32 if j + 32 < n else n
                hit = 0
                for k in range(j, stop):
                    hit += _differs(row[k], fill, half)
                if hit and pos + 32 <= end:
                    for k in range(j, stop):
                        v = row[k]
                        values[pos] = v
                        last[pos] = k
                        pos += _differs(v, fill, half)
                elif hit:
                    for k in range(j, stop):
                        v = row[k]
                        if _differs(v, fill, half):
                            values[pos] = v
                            last[pos] = k
                            pos += 1
                j = stop
        else:
            for j in range(n):
                v = (<const dense_t*>(base + off + j * s))[0]
                if _differs(v, fill, half):
                    values[pos] = v
                    last[pos] = j
                    pos += 1
        # the leading coordinates are constant along the row
        for a in range(nd - 1):
            lead = coords + a * nnz
            for k in range(row_pos, pos):
                lead[k] = idx[a]
        _next(shp, strd, nd, idx, &off)


def dense_count(object x, const dense_t[::1] fill, bint half, int64_t[::1] counts,
                int threads=1):
    """Count entries of ``x`` (ndim >= 1, any strides) != ``fill[0]`` per row block.

    ``counts`` has one slot per block; rows (the product of the leading axes)
    are split evenly over the blocks. ``half`` marks uint16 data that is
    really float16 (NaN and signed-zero rules applied to the bit patterns).
    """
    cdef int nd = x.ndim, a
    cdef int64_t shp[64]
    cdef int64_t strd[64]
    cdef Py_ssize_t rows = 1, nb = counts.shape[0], b
    cdef size_t addr = x.ctypes.data
    cdef const char* base = <const char*>addr
    cdef dense_t f = fill[0]
    for a in range(nd):
        shp[a] = x.shape[a]
        strd[a] = x.strides[a]
        if a < nd - 1:
            rows *= shp[a]
    for b in prange(nb, nogil=True, schedule="dynamic", num_threads=max(1, threads)):
        counts[b] = _count_block(base, shp, strd, nd, rows * b // nb, rows * (b + 1) // nb, f, half)


def dense_fill(object x, const dense_t[::1] fill, bint half, const int64_t[::1] starts,
               int64_t[:, ::1] coords, dense_t[::1] values, int threads=1):
    """Write coordinates and values of ``x != fill[0]``, block ``b`` from ``starts[b]``.

    ``starts`` holds ``nb + 1`` offsets (the prefix sum of :func:`dense_count`).
    """
    cdef int nd = x.ndim, a
    cdef int64_t shp[64]
    cdef int64_t strd[64]
    cdef Py_ssize_t rows = 1, nb = starts.shape[0] - 1, b, nnz = values.shape[0]
    cdef size_t addr = x.ctypes.data
    cdef const char* base = <const char*>addr
    cdef dense_t f = fill[0]
    cdef int64_t* co = &coords[0, 0] if nnz > 0 else NULL
    cdef dense_t* vals = &values[0] if nnz > 0 else NULL
    if nnz == 0:
        return
    for a in range(nd):
        shp[a] = x.shape[a]
        strd[a] = x.strides[a]
        if a < nd - 1:
            rows *= shp[a]
    for b in prange(nb, nogil=True, schedule="dynamic", num_threads=max(1, threads)):
        if starts[b + 1] > starts[b]:
            _fill_block(base, shp, strd, nd, rows * b // nb, rows * (b + 1) // nb, f, half,
                        co, nnz, vals, starts[b], starts[b + 1])

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


cdef void _keys_chunk(const int64_t[:, :] coords, const int64_t[::1] shape, Py_ssize_t lo,
                      Py_ssize_t hi, int passes, int width, uint64_t* out, int64_t* hist,
                      Py_ssize_t nbuck, int64_t* result) noexcept nogil:
    """Keys of columns ``[lo, hi)``; ``result`` = (bad_col or -1, bad_axis, status)."""
    cdef Py_ssize_t nd = coords.shape[0], i, a
    cdef int p
    cdef uint64_t key, prev = 0, mask = (<uint64_t>1 << width) - 1
    cdef int64_t c
    cdef int status = 0
    memset(hist, 0, passes * nbuck * sizeof(int64_t))
    result[0] = -1
    result[1] = -1
    for i in range(lo, hi):
        key = 0
        for a in range(nd):
            c = coords[a, i]
            if <uint64_t>c >= <uint64_t>shape[a]:
                result[0] = i
                result[1] = a
                break
            key = key * <uint64_t>shape[a] + <uint64_t>c
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
    cdef int T = max(1, threads), status = 0, p, P
    cdef int64_t* local
    cdef int64_t* res
    cdef Py_ssize_t bad_axis = -1, bad_col = -1
    if n < T * 65536:
        T = 1
    P = T  # threads; T becomes the number of chunks (several per thread: a
    if P > 1:  # descheduled thread on a shared machine then stalls less)
        T = 4 * P
    if n == 0:
        return -1, -1, 0
    local = <int64_t*>malloc(T * (passes * nbuck + 3) * sizeof(int64_t))
    if local == NULL:
        raise MemoryError()
    res = local + T * passes * nbuck
    try:
        with nogil:
            if T == 1:
                _keys_chunk(coords, shape, 0, n, passes, width, &out[0], local, nbuck, res)
            else:
                for t in prange(T, num_threads=P, schedule="dynamic"):
                    _keys_chunk(coords, shape, n * t // T, n * (t + 1) // T, passes, width,
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
    """Stable LSD sort of ``(keys, perm)`` pairs by key; returns 0 or 1 (0: in ``keys``/``perm``, 1: in ``keys2``/``perm2``)."""
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
            s = 0
            for i in range(nbuck):
                c = h[i]
                h[i] = s
                s += c
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
        h[(ks[i] >> sh) & mask] += 1


cdef void _scatter_chunk(const uint64_t* ks, const char* vs, Py_ssize_t vstride,
                         Py_ssize_t lo, Py_ssize_t hi, int sh, uint64_t mask, int64_t* off,
                         uint64_t* kd, dense_t* vd) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t o
    cdef uint64_t k, d
    for i in range(lo, hi):
        k = ks[i]
        d = (k >> sh) & mask
        o = off[d]
        off[d] = o + 1
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
    cdef int p, sh, done = 0, T = max(1, threads), P
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
    if n < T * 65536:
        T = 1
    P = T  # threads; T becomes the number of chunks (several per thread: a
    if P > 1:  # descheduled thread on a shared machine then stalls less)
        T = 4 * P
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
                    s = 0
                    for i in range(nbuck):
                        local[i] = s
                        s += hist[p, i]
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


cdef void _lsd_bucket(uint64_t* k, dense_t* v, uint64_t* ks, dense_t* vs, Py_ssize_t m,
                      int bits, int64_t* hist) noexcept nogil:
    """Stable sort of ``k[:m]`` (values ``v``) by their low ``bits`` bits; result in place.

    ``ks``/``vs`` are scratch of ``m`` slots; ``hist`` has room for
    ``passes * 2**width`` counters (see :func:`_digits`).
    """
    cdef int width, p, sh
    cdef int passes = _digits(bits, &width)
    cdef Py_ssize_t i, j, nbuck = <Py_ssize_t>1 << width
    cdef uint64_t mask = (<uint64_t>1 << width) - 1, key, d
    cdef int64_t s, c, o
    cdef int64_t* h
    cdef uint64_t* src = k
    cdef uint64_t* dst = ks
    cdef uint64_t* kt
    cdef dense_t* vsrc = v
    cdef dense_t* vdst = vs
    cdef dense_t* vt
    cdef dense_t val
    if m <= 1 or passes == 0:
        return
    if m <= 32:  # stable insertion sort
        for i in range(1, m):
            key = k[i]
            val = v[i]
            j = i - 1
            while j >= 0 and k[j] > key:
                k[j + 1] = k[j]
                v[j + 1] = v[j]
                j -= 1
            k[j + 1] = key
            v[j + 1] = val
        return
    memset(hist, 0, passes * nbuck * sizeof(int64_t))
    for i in range(m):
        key = k[i]
        for p in range(passes):
            hist[p * nbuck + ((key >> (p * width)) & mask)] += 1
    for p in range(passes):
        sh = p * width
        h = hist + p * nbuck
        if h[(src[0] >> sh) & mask] == m:
            continue
        s = 0
        for i in range(nbuck):
            c = h[i]
            h[i] = s
            s += c
        for i in range(m):
            key = src[i]
            d = (key >> sh) & mask
            o = h[d]
            h[d] = o + 1
            dst[o] = key
            vdst[o] = vsrc[i]
        kt = src
        src = dst
        dst = kt
        vt = vsrc
        vsrc = vdst
        vdst = vt
    if src != k:
        memcpy(k, src, m * sizeof(uint64_t))
        memcpy(v, vsrc, m * sizeof(dense_t))


def radix_sort_kv_msd(uint64_t[::1] keys, uint64_t[::1] keys2, const dense_t[:] values,
                      dense_t[::1] va, int key_bits, int top_bits, int threads=1):
    """Stable sort of ``keys`` < ``2**key_bits`` carrying ``values``; result in ``(keys2, va)``.

    One pass over memory scatters by the top ``top_bits`` bits (split over
    the threads in contiguous chunks, so it stays stable) into ``keys2``/``va``;
    each bucket, small enough to stay in cache, is then LSD-sorted by the
    remaining bits, buckets in parallel, with the same slots of ``keys`` and a
    per-thread buffer of the largest bucket's size as scratch. ``keys`` is
    overwritten.
    """
    cdef Py_ssize_t n = keys.shape[0], i, t, bkt, nbuck = <Py_ssize_t>1 << top_bits
    cdef int T = max(1, threads), low = key_bits - top_bits, width, P
    cdef int low_passes = _digits(low, &width)
    cdef Py_ssize_t low_size = low_passes * ((<Py_ssize_t>1) << width) + 1
    cdef uint64_t mask = (<uint64_t>1 << top_bits) - 1
    cdef int64_t s, c
    cdef int64_t* local
    cdef int64_t* starts
    cdef int64_t* lh
    cdef const char* vbase
    cdef Py_ssize_t vstride, largest = 0
    cdef dense_t* scratch = NULL
    if n == 0:
        return
    if n < T * 65536:
        T = 1
    P = T  # threads; T becomes the number of chunks (several per thread: a
    if P > 1:  # descheduled thread on a shared machine then stalls less)
        T = 4 * P
    local = <int64_t*>malloc((T * nbuck + nbuck + 1 + P * low_size) * sizeof(int64_t))
    if local == NULL:
        raise MemoryError()
    starts = local + T * nbuck
    lh = starts + nbuck + 1
    vbase = <const char*>&values[0]
    vstride = values.strides[0]
    try:
        with nogil:
            for t in prange(T, num_threads=P, schedule="dynamic"):
                _hist_chunk(&keys[0], n * t // T, n * (t + 1) // T, low, mask,
                            local + t * nbuck, nbuck)
            s = 0
            for i in range(nbuck):
                starts[i] = s
                for t in range(T):
                    c = local[t * nbuck + i]
                    local[t * nbuck + i] = s
                    s += c
            starts[nbuck] = n
            for i in range(nbuck):
                if starts[i + 1] - starts[i] > largest:
                    largest = starts[i + 1] - starts[i]
            scratch = <dense_t*>malloc(P * largest * sizeof(dense_t) + 1)
        if scratch == NULL:
            raise MemoryError()
        with nogil:
            for t in prange(T, num_threads=P, schedule="dynamic"):
                _scatter_chunk(&keys[0], vbase, vstride, n * t // T, n * (t + 1) // T, low, mask,
                               local + t * nbuck, &keys2[0], &va[0])
            for bkt in prange(nbuck, num_threads=P, schedule="dynamic", chunksize=16):
                _lsd_bucket(&keys2[0] + starts[bkt], &va[0] + starts[bkt],
                            &keys[0] + starts[bkt], scratch + threadid() * largest,
                            starts[bkt + 1] - starts[bkt], low,
                            lh + threadid() * low_size)
    finally:
        free(local)
        free(scratch)


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
    cdef Divisor dv[64]
    cdef int T = max(1, threads), P
    cdef Py_ssize_t bounds[65]
    cdef Py_ssize_t slots[65]
    cdef int64_t* oc = &out_coords[0, 0] if nd > 0 and stride > 0 else NULL
    if n == 0:
        return
    if T > 16:
        T = 16
    if n < T * 65536:
        T = 1
    P = T  # threads; T becomes the number of chunks (several per thread: a
    if P > 1:  # descheduled thread on a shared machine then stalls less)
        T = 4 * P
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


cdef inline bint _same_column(const int64_t[:, :] coords, Py_ssize_t p, Py_ssize_t q) noexcept nogil:
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

# ------------------------------------------------------------ COO -> dense


def scatter(const int64_t[:, :] coords, const int64_t[::1] shape, const dense_t[:] values,
            dense_t[::1] out):
    """``out.reshape(shape)[tuple(coords)] = values`` (coordinates in range, no duplicates)."""
    cdef Py_ssize_t nd = coords.shape[0], n = coords.shape[1], i, a
    cdef int64_t key
    with nogil:
        for i in range(n):
            key = 0
            for a in range(nd):
                key = key * shape[a] + coords[a, i]
            out[key] = values[i]
