# Declarations shared by the COO kernels (coo.pyx, canonical.pyx), declared once:
# the duplicate-policy codes, prefetching, coordinate columns as raw pointers,
# and the thread/chunk plan of the parallel passes.
cimport cython
from libc.stdint cimport int64_t, uint8_t, uint64_t

from _fused cimport dense_t

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define AM_PREFETCH(p) __builtin_prefetch((const void*)(p))
    #define AM_PREFETCH_W(p) __builtin_prefetch((const void*)(p), 1)
    #else
    #define AM_PREFETCH(p) ((void)0)
    #define AM_PREFETCH_W(p) ((void)0)
    #endif
    """
    void prefetch "AM_PREFETCH"(const void* p) noexcept nogil
    void prefetch_w "AM_PREFETCH_W"(const void* p) noexcept nogil

# Duplicate-policy codes: the positions of the names in
# arraymask/sparse/_common.py (DUPLICATE_POLICIES).
cdef enum:
    P_SUM = 0
    P_MIN = 1
    P_MAX = 2
    P_FIRST = 3
    P_LAST = 4
    P_ERROR = 5
    P_KEEP = 6

# Streaming loops prefetch this many entries ahead: a scalar loop that waits
# on every cache line reads about 3 GB/s where a prefetching one reads 8-16
# (see docs/benchmarks/sparse_coo.md). Scatters prefetch, for writing, the
# next cache line of the bucket they just wrote to.
cdef enum:
    AHEAD = 256

# Most axes a coordinate array may have in these kernels (stack arrays);
# the Python wrappers send larger ndim to the array-API twin.
cdef enum:
    MAX_NDIM = 64


cdef struct Columns:
    # coordinates as raw pointers and element strides, copied out of the
    # memoryview: the kernels' stores into int64 buffers could otherwise
    # alias the memoryview's fields and force reloads on every column
    const int64_t* base
    Py_ssize_t axis_stride
    Py_ssize_t col_stride
    Py_ssize_t nd
    uint64_t shape[MAX_NDIM]


cdef inline void columns_of(const int64_t[:, :] coords, const int64_t[::1] shape,
                            Columns* c) noexcept:
    cdef Py_ssize_t a
    c.base = &coords[0, 0] if coords.shape[0] > 0 and coords.shape[1] > 0 else NULL
    c.axis_stride = coords.strides[0] // sizeof(int64_t)
    c.col_stride = coords.strides[1] // sizeof(int64_t)
    c.nd = coords.shape[0]
    for a in range(c.nd):
        c.shape[a] = <uint64_t>shape[a]


cdef inline uint64_t key_at(const Columns* c, Py_ssize_t i) noexcept nogil:
    """Row-major linear key of column ``i`` (in range, ``prod(shape)`` < 2**64)."""
    cdef Py_ssize_t a
    cdef const int64_t* p = c.base + i * c.col_stride
    cdef uint64_t key = <uint64_t>p[0]
    for a in range(1, c.nd):
        key = key * c.shape[a] + <uint64_t>p[a * c.axis_stride]
    return key


cdef inline void prefetch_column(const Columns* c, Py_ssize_t i) noexcept nogil:
    cdef Py_ssize_t a
    cdef const int64_t* p = c.base + (i + AHEAD) * c.col_stride
    for a in range(c.nd):
        prefetch(p + a * c.axis_stride)


cdef inline int chunk_plan(Py_ssize_t n, int threads, int* workers) noexcept nogil:
    """Chunks of a parallel pass over ``n`` entries; ``workers`` gets its threads.

    Fewer than 65536 entries per thread: one thread, one chunk. Otherwise
    four chunks per thread, so that a thread descheduled on a busy machine
    stalls the others by one small chunk only.
    """
    cdef int t = threads if threads > 1 else 1
    if n < <Py_ssize_t>t * 65536:
        t = 1
    workers[0] = t
    return 4 * t if t > 1 else 1


cdef inline int64_t exclusive_scan(int64_t* h, Py_ssize_t nbuck) noexcept nogil:
    """Digit counts into bucket offsets (the step between counting and scattering)."""
    cdef Py_ssize_t i
    cdef int64_t s = 0, c
    for i in range(nbuck):
        c = h[i]
        h[i] = s
        s += c
    return s


# ---------------------------------------------------------------- keys and runs


cdef inline int digit_count(int nbits, int* width) noexcept nogil:
    """Number of LSD passes (digits of at most 11 bits) for ``nbits`` key bits."""
    cdef int passes
    if nbits <= 0:
        width[0] = 1
        return 0
    passes = (nbits + 10) // 11
    width[0] = (nbits + passes - 1) // passes
    return passes


cdef struct Divisor:
    uint64_t d
    int pow2
    int shift
    double inv

cdef inline uint64_t div_by(uint64_t k, const Divisor* v) noexcept nogil:
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


cdef inline void divisors(const int64_t[::1] shape, Divisor* out) noexcept nogil:
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


cdef inline void unlinear(uint64_t key, const Divisor* dv, Py_ssize_t nd,
                           int64_t* coords, Py_ssize_t stride, Py_ssize_t o) noexcept nogil:
    cdef Py_ssize_t a
    cdef uint64_t q
    for a in range(nd - 1, 0, -1):
        q = div_by(key, &dv[a])
        coords[a * stride + o] = <int64_t>(key - q * dv[a].d)
        key = q
    if nd > 0:
        coords[o] = <int64_t>key


cdef inline void combine(dense_t* acc, dense_t v, int policy, bint logical) noexcept nogil:
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


cdef inline dense_t value_at(const dense_t* base, Py_ssize_t bstride, const int64_t* perm,
                             Py_ssize_t j) noexcept nogil:
    """Entry ``j`` of a run: ``base`` with byte stride ``bstride``, through ``perm`` if given."""
    cdef Py_ssize_t at = perm[j] if perm != NULL else j
    return (<const dense_t*>(<const char*>base + at * bstride))[0]


cdef inline dense_t pair_sum(const dense_t* base, Py_ssize_t bstride, const int64_t* perm,
                             Py_ssize_t lo, Py_ssize_t n) noexcept nogil:
    """Sum of entries ``lo .. lo + n - 1`` of a run by the pairwise tree.

    The run splits at the largest power of two below its length: the order of
    additions that ``arraymask.sparse._generic`` reproduces with array
    operations, so floating-point sums of duplicates agree bit for bit.
    """
    cdef Py_ssize_t h = 1
    if n == 1:
        return value_at(base, bstride, perm, lo)
    while 2 * h < n:
        h *= 2
    return (pair_sum(base, bstride, perm, lo, h)
            + pair_sum(base, bstride, perm, lo + h, n - h))


cdef inline dense_t reduce_run(const dense_t* base, Py_ssize_t bstride, const int64_t* perm,
                               Py_ssize_t n, int policy, bint logical) noexcept nogil:
    """A duplicate policy applied to one run of ``n >= 1`` values (see :func:`value_at`).

    Sums add by :func:`pair_sum` (for integers the order does not matter, they
    wrap); ``logical`` (bool) sums are an OR; the other policies go in order.
    """
    cdef dense_t acc
    cdef Py_ssize_t j
    if policy == P_SUM and not logical and n > 2:
        return pair_sum(base, bstride, perm, 0, n)
    acc = value_at(base, bstride, perm, 0)
    for j in range(1, n):
        combine(&acc, value_at(base, bstride, perm, j), policy, logical)
    return acc
