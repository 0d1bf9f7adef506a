"""Compiled top-k selection per slice (CPU).

Every slice of ``x`` (viewed as ``(pre, n, post)``; the slice runs along the
middle axis) is ranked by an order-preserving unsigned *key* computed from the
element's bits, and the ``k`` largest keys are marked in ``out``:

* unsigned integers and bool (``kind=0``): the bits themselves;
* signed integers (``kind=1``): the bits with the sign bit flipped;
* IEEE floats, float16 included (``kind=2``): negative values have every bit
  flipped, the others only the sign bit, so that the key order is the value
  order; ``-0.0`` is first turned into ``+0.0`` (they tie) and every NaN into
  the all-ones key, which ranks above ``+inf`` (all NaNs tie);
* ``largest=False`` complements the key, so the same code takes the smallest
  values and NaNs come last.

Selection is a most-significant-digit radix select, O(n) per slice: one pass
histograms the top digit of the keys and finds the bucket that holds the k-th
largest key, a second pass copies that bucket's keys with their positions (in
index order) into scratch space, and further 8-bit digits refine the scratch
list in place until either every remaining candidate is taken or all hold the
same key. A final pass marks every key above the bucket; the first ``need``
candidates (the lowest positions, since the scratch list keeps index order)
fill the remaining slots, so ties go to the lower index and exactly ``k``
entries are set (``ties_all``: every candidate, i.e. every element equal to
the k-th selected key). Slices run in parallel (OpenMP ``prange``); a single
long slice splits its passes over the threads instead.

Long slices (``n >= 65536``) first try a one-pass variant: an evenly spaced
sample of 16384 keys brackets the k-th key in a narrow band, one pass marks
the keys above the band and gathers those inside, and the band is refined as
above. When the sample misleads (the band does not hold the k-th key) the
two-pass radix select runs instead, so the result never depends on it.
"""
from cython.parallel cimport parallel, prange
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.math cimport ceil, floor, sqrt
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

from _bits cimport ctz64, float_bits
from _fused cimport ukey_t




cdef enum:
    # Buckets of the first digit: 8 bits for short slices, 11 for long ones.
    MAX_BUCKETS = 2048
    LONG_SLICE = 65536
    # A slice at least LONG_SLICE long computes its keys this many at a time
    # into a small buffer (in each pass) instead of holding all of them; when
    # there are fewer such slices than threads, each one splits its passes
    # over the threads.
    BLOCK = 8192


cdef struct Scratch:
    void* keys        # the keys of one slice (short slices) or one block
    void* cand_k      # candidate keys
    int64_t* cand_i   # candidate positions
    Py_ssize_t cap    # capacity of cand_k / cand_i (elements)
    Py_ssize_t* hist  # 4 interleaved histograms of MAX_BUCKETS counts


cdef void _to_keys(const char* src, Py_ssize_t xs, Py_ssize_t n, int kind, bint largest,
                   ukey_t sign, ukey_t inf_bits, ukey_t* dst) noexcept nogil:
    """Keys of ``n`` elements at ``src`` (byte stride ``xs``) into ``dst``.

    Branch-free per element, with the kind and the stride tested once, so that
    the compiler vectorises the contiguous loops.
    """
    cdef Py_ssize_t t
    cdef ukey_t v, key, ones = <ukey_t>~(<ukey_t>0)
    cdef ukey_t flip = 0 if largest else ones
    cdef ukey_t notsign = <ukey_t>~sign
    cdef int top = <int>(sizeof(ukey_t) * 8 - 1)
    cdef const ukey_t* s = <const ukey_t*>src
    if kind == 1:
        flip = flip ^ sign
    if kind != 2:
        if xs == <Py_ssize_t>sizeof(ukey_t):
            for t in range(n):
                dst[t] = s[t] ^ flip
        else:
            for t in range(n):
                dst[t] = (<const ukey_t*>(src + t * xs))[0] ^ flip
        return
    if xs == <Py_ssize_t>sizeof(ukey_t):
        for t in range(n):
            v = s[t]
            key = v ^ (<ukey_t>(<ukey_t>0 - (v >> top)) | sign)
            key = sign if v == sign else key
            key = ones if (v & notsign) > inf_bits else key
            dst[t] = key ^ flip
    else:
        for t in range(n):
            v = (<const ukey_t*>(src + t * xs))[0]
            key = v ^ (<ukey_t>(<ukey_t>0 - (v >> top)) | sign)
            key = sign if v == sign else key
            key = ones if (v & notsign) > inf_bits else key
            dst[t] = key ^ flip


cdef inline void _count_digits(const ukey_t* keys, Py_ssize_t n, int shift,
                               Py_ssize_t nbuckets, Py_ssize_t* hist) noexcept nogil:
    """Add the top digits of ``keys`` to 4 interleaved histograms at ``hist``.

    Consecutive keys count into different copies, which avoids store-to-load
    stalls when they fall into the same bucket; :func:`_sum_copies` adds the
    copies up.
    """
    cdef Py_ssize_t t = 0
    cdef Py_ssize_t* h1 = hist + nbuckets
    cdef Py_ssize_t* h2 = hist + 2 * nbuckets
    cdef Py_ssize_t* h3 = hist + 3 * nbuckets
    while t + 4 <= n:
        hist[keys[t] >> shift] += 1
        h1[keys[t + 1] >> shift] += 1
        h2[keys[t + 2] >> shift] += 1
        h3[keys[t + 3] >> shift] += 1
        t += 4
    while t < n:
        hist[keys[t] >> shift] += 1
        t += 1


cdef inline void _sum_copies(Py_ssize_t* hist, Py_ssize_t nbuckets) noexcept nogil:
    cdef Py_ssize_t b
    for b in range(nbuckets):
        hist[b] += hist[nbuckets + b] + hist[2 * nbuckets + b] + hist[3 * nbuckets + b]


cdef inline Py_ssize_t _find_bucket(const Py_ssize_t* hist, Py_ssize_t nbuckets,
                                    Py_ssize_t k, Py_ssize_t* above) noexcept nogil:
    """Bucket holding the k-th largest key; ``above`` gets the count above it."""
    cdef Py_ssize_t b = nbuckets - 1, cum = 0
    while b > 0 and cum + hist[b] < k:
        cum += hist[b]
        b -= 1
    above[0] = cum
    return b


cdef Py_ssize_t _gather(const ukey_t* keys, Py_ssize_t n, Py_ssize_t offset, int shift,
                        Py_ssize_t bucket, ukey_t* cand_k, int64_t* cand_i) noexcept nogil:
    """Append the keys whose top digit is ``bucket`` (and their positions); returns the count.

    Runs of 16 keys are first tested together (a vectorised reduction), so the
    few runs that hold candidates are the only ones scanned one by one.
    """
    cdef Py_ssize_t t = 0, j, c = 0
    # top digit == bucket  <=>  lo <= key <= lo + span  <=>  (key - lo) <= span
    cdef ukey_t lo = <ukey_t>(<ukey_t>bucket << shift)
    cdef ukey_t span = <ukey_t>((<ukey_t>1 << shift) - 1) if shift else 0
    cdef int hit
    while t + 16 <= n:
        hit = 0
        for j in range(16):
            hit |= <ukey_t>(keys[t + j] - lo) <= span
        if hit:
            for j in range(t, t + 16):
                if <ukey_t>(keys[j] - lo) <= span:
                    cand_k[c] = keys[j]
                    cand_i[c] = offset + j
                    c += 1
        t += 16
    for j in range(t, n):
        if <ukey_t>(keys[j] - lo) <= span:
            cand_k[c] = keys[j]
            cand_i[c] = offset + j
            c += 1
    return c


cdef Py_ssize_t _refine(ukey_t* cand_k, int64_t* cand_i, Py_ssize_t count,
                        Py_ssize_t* need, int* shift, Py_ssize_t* hist,
                        char* op, Py_ssize_t os) noexcept nogil:
    """Narrow the candidate list digit by digit; returns the final count.

    Candidates whose digit is above the chosen bucket are taken: they are
    marked in ``op`` (unless it is NULL) as they leave the list.
    """
    cdef Py_ssize_t c, m, above, b, d
    cdef int digit
    cdef ukey_t mask
    while need[0] < count and shift[0] > 0:
        digit = 8 if shift[0] >= 8 else shift[0]
        shift[0] -= digit
        mask = <ukey_t>((1 << digit) - 1)
        memset(hist, 0, (1 << digit) * sizeof(Py_ssize_t))
        for c in range(count):
            hist[(cand_k[c] >> shift[0]) & mask] += 1
        b = _find_bucket(hist, 1 << digit, need[0], &above)
        need[0] -= above
        m = 0
        for c in range(count):
            d = <Py_ssize_t>((cand_k[c] >> shift[0]) & mask)
            if d == b:
                cand_k[m] = cand_k[c]
                cand_i[m] = cand_i[c]
                m += 1
            elif d > b and op != NULL:
                op[cand_i[c] * os] = 1
        count = m
    return count


cdef void _mark(const ukey_t* keys, Py_ssize_t n, ukey_t thr, char* op,
                Py_ssize_t os) noexcept nogil:
    cdef Py_ssize_t t
    if os == 1:
        for t in range(n):
            op[t] = keys[t] > thr
    else:
        for t in range(n):
            op[t * os] = keys[t] > thr


cdef Py_ssize_t _mark_gather(const ukey_t* keys, Py_ssize_t n, Py_ssize_t offset, int shift,
                             Py_ssize_t bucket, char* op, Py_ssize_t os, ukey_t* cand_k,
                             int64_t* cand_i) noexcept nogil:
    """Mark the keys above ``bucket`` in ``op`` and gather the bucket's keys.

    With a contiguous ``op`` one vectorised pass writes 1 (above), 2 (in the
    bucket) or 0, and a scan of ``op`` eight bytes at a time finds the 2s,
    gathers them in index order and resets them to 0. Returns the count.
    """
    cdef Py_ssize_t t
    cdef ukey_t lo = <ukey_t>(<ukey_t>bucket << shift)
    cdef ukey_t span = <ukey_t>((<ukey_t>1 << shift) - 1) if shift else 0
    cdef ukey_t thr = <ukey_t>(lo + span)
    if os != 1:
        _mark(keys, n, thr, op, os)
        return _gather(keys, n, offset, shift, bucket, cand_k, cand_i)
    for t in range(n):
        op[t] = (keys[t] > thr) | ((<ukey_t>(keys[t] - lo) <= span) << 1)
    return _take_band(keys, n, offset, op, 1, cand_k, cand_i)


cdef bint _reserve(Scratch* s, Py_ssize_t count, ukey_t dummy) noexcept nogil:
    """Grow the candidate buffers to hold ``count`` entries; False if out of memory."""
    cdef void* ck
    cdef void* ci
    if count <= s.cap:
        return True
    ck = realloc(s.cand_k, count * sizeof(ukey_t))
    if ck == NULL:
        return False
    s.cand_k = ck
    ci = realloc(s.cand_i, count * sizeof(int64_t))
    if ci == NULL:
        return False
    s.cand_i = <int64_t*>ci
    s.cap = count
    return True


cdef int _select_slice(const char* xp, Py_ssize_t xs, char* op, Py_ssize_t os,
                       Py_ssize_t n, Py_ssize_t k, int kind, bint largest,
                       bint ties_all, ukey_t sign, ukey_t inf_bits,
                       Scratch* s) noexcept nogil:
    """Mark the top ``k`` of one slice (``xp`` with byte stride ``xs``) in ``op``.

    ``s.keys`` holds ``min(n, LONG_SLICE)`` keys; longer slices go to
    :func:`_select_long` on this thread. Returns 1 when out of memory, else 0.
    """
    cdef Py_ssize_t t, count, above, need, b, nbuckets
    cdef int nb = <int>(sizeof(ukey_t) * 8)
    cdef int first, shift
    cdef ukey_t* keys = <ukey_t*>s.keys
    if k <= 0 or k >= n:
        for t in range(n):
            op[t * os] = 1 if k > 0 else 0
        return 0
    if n >= LONG_SLICE:
        return _select_long(xp, xs, op, os, n, k, kind, largest, ties_all, sign, inf_bits, 1)
    first = 8
    shift = nb - first
    nbuckets = 1 << first
    _to_keys(xp, xs, n, kind, largest, sign, inf_bits, keys)
    memset(s.hist, 0, 4 * nbuckets * sizeof(Py_ssize_t))
    _count_digits(keys, n, shift, nbuckets, s.hist)
    _sum_copies(s.hist, nbuckets)
    b = _find_bucket(s.hist, nbuckets, k, &above)
    need = k - above
    if not _reserve(s, s.hist[b], keys[0]):
        return 1
    count = _mark_gather(keys, n, 0, shift, b, op, os, <ukey_t*>s.cand_k, s.cand_i)
    count = _refine(<ukey_t*>s.cand_k, s.cand_i, count, &need, &shift, s.hist, op, os)
    if ties_all:
        need = count
    for t in range(need):
        op[s.cand_i[t] * os] = 1
    return 0


def topk_slices(const ukey_t[:, :, :] x, const int64_t[:] k, uint8_t[:, :, :] out,
                int kind, bint largest, bint ties_all, int threads=1):
    """Mark the top ``k[r]`` entries of every slice ``x[i, :, j]`` in ``out``.

    ``x`` holds the raw bits of the data, shape ``(pre, n, post)``, any
    strides; slice ``r = i * post + j`` takes ``k[r]`` entries (``k`` may be
    broadcast with stride 0). ``kind`` is 0 (unsigned or bool), 1 (signed
    integer) or 2 (IEEE float of this width). ``out`` (bool as uint8, same
    shape) is written completely. The caller checks ``0 <= k[r] <= n``.
    Slices run on ``threads`` threads; a long slice splits its passes over
    them when there are fewer slices than threads.
    """
    cdef Py_ssize_t pre = x.shape[0], n = x.shape[1], post = x.shape[2]
    cdef Py_ssize_t rows = pre * post, r, i, j
    cdef Py_ssize_t xs = x.strides[1], os = out.strides[1]
    cdef ukey_t sign = 0, inf_bits = 0
    cdef Scratch* s
    cdef int failed = 0
    cdef int* failed_p = &failed
    if rows == 0 or n == 0:
        return
    if kind == 2:
        float_bits(&sign, &inf_bits)
    else:
        sign = <ukey_t>(<ukey_t>1 << (sizeof(ukey_t) * 8 - 1))
    threads = max(1, threads)
    if n >= LONG_SLICE and rows < threads:
        for r in range(rows):
            i = r // post
            j = r - i * post
            with nogil:
                failed = _select_long(<const char*>&x[i, 0, j], xs, <char*>&out[i, 0, j],
                                      os, n, k[r], kind, largest, ties_all, sign, inf_bits,
                                      threads)
            if failed:
                raise MemoryError("topk_slices: out of memory for scratch space")
        return
    with nogil, parallel(num_threads=threads):
        s = <Scratch*>malloc(sizeof(Scratch))
        if s != NULL:
            s.keys = malloc(min(n, <Py_ssize_t>LONG_SLICE) * sizeof(ukey_t))
            s.hist = <Py_ssize_t*>malloc(4 * MAX_BUCKETS * sizeof(Py_ssize_t))
            s.cand_k = NULL
            s.cand_i = NULL
            s.cap = 0
        for r in prange(rows, schedule="guided"):
            if s == NULL or s.keys == NULL or s.hist == NULL:
                failed_p[0] = 1
            else:
                i = r // post
                j = r - i * post
                if _select_slice(<const char*>&x[i, 0, j], xs, <char*>&out[i, 0, j], os,
                                 n, k[r], kind, largest, ties_all, sign, inf_bits, s):
                    failed_p[0] = 1
        if s != NULL:
            free(s.keys)
            free(s.hist)
            free(s.cand_k)
            free(s.cand_i)
            free(s)
    if failed:
        raise MemoryError("topk_slices: out of memory for scratch space")


cdef int _select_long(const char* xp, Py_ssize_t xs, char* op, Py_ssize_t os,
                      Py_ssize_t n, Py_ssize_t k, int kind, bint largest,
                      bint ties_all, ukey_t sign, ukey_t inf_bits,
                      int nthreads) noexcept nogil:
    """One long slice, its passes split over ``nthreads`` threads in contiguous parts.

    :func:`_select_sampled` is tried first (one pass); when its bracket misses,
    a radix select in two passes follows. Keys are recomputed block by block
    in each pass (no slice-sized buffer).
    Per-part histograms are summed; per-part counts of the chosen bucket give
    each part its offset in the shared candidate list, which therefore stays
    in index order. Returns 1 when out of memory, else 0.
    """
    cdef int nb = <int>(sizeof(ukey_t) * 8)
    cdef int first = 11 if nb >= 16 else 8
    cdef int shift = nb - first, part
    cdef Py_ssize_t nbuckets = 1 << first
    cdef Py_ssize_t size = (n + nthreads - 1) // nthreads
    cdef Py_ssize_t t, lo, hi, b, above, need, count, pos, c, m
    cdef Py_ssize_t* hists = NULL
    cdef Py_ssize_t* tot = NULL
    cdef Py_ssize_t* offsets = NULL
    cdef ukey_t* blocks = NULL
    cdef ukey_t* keys
    cdef ukey_t* cand_k = NULL
    cdef int64_t* cand_i = NULL
    cdef int failed = 0
    if k <= 0 or k >= n:
        for t in prange(n, schedule="static", num_threads=nthreads):
            op[t * os] = 1 if k > 0 else 0
        return 0
    failed = _select_sampled(xp, xs, op, os, n, k, kind, largest, ties_all, sign, inf_bits,
                             nthreads)
    if failed != 2:
        return failed
    failed = 0
    hists = <Py_ssize_t*>malloc((nthreads * 4 + 1) * nbuckets * sizeof(Py_ssize_t))
    offsets = <Py_ssize_t*>malloc((nthreads + 1) * sizeof(Py_ssize_t))
    blocks = <ukey_t*>malloc(nthreads * BLOCK * sizeof(ukey_t))
    if hists == NULL or offsets == NULL or blocks == NULL:
        failed = 1
    else:
        # pass 1: histograms of the top digit, one per part
        for part in prange(nthreads, schedule="static", num_threads=nthreads):
            keys = blocks + part * BLOCK
            memset(hists + part * 4 * nbuckets, 0, 4 * nbuckets * sizeof(Py_ssize_t))
            lo = part * size
            hi = min(lo + size, n)
            while lo < hi:
                m = min(<Py_ssize_t>BLOCK, hi - lo)
                _to_keys(xp + lo * xs, xs, m, kind, largest, sign, inf_bits, keys)
                _count_digits(keys, m, shift, nbuckets, hists + part * 4 * nbuckets)
                lo = lo + m
            _sum_copies(hists + part * 4 * nbuckets, nbuckets)
        tot = hists + nthreads * 4 * nbuckets
        memset(tot, 0, nbuckets * sizeof(Py_ssize_t))
        for part in range(nthreads):
            for b in range(nbuckets):
                tot[b] += hists[part * 4 * nbuckets + b]
        b = _find_bucket(tot, nbuckets, k, &above)
        need = k - above
        offsets[0] = 0
        for part in range(nthreads):
            offsets[part + 1] = offsets[part] + hists[part * 4 * nbuckets + b]
        count = tot[b]
        cand_k = <ukey_t*>malloc(count * sizeof(ukey_t) + 1)
        cand_i = <int64_t*>malloc(count * sizeof(int64_t) + 1)
        if cand_k == NULL or cand_i == NULL:
            failed = 1
    if not failed:
        # pass 2: mark the keys above the chosen bucket, gather the bucket
        for part in prange(nthreads, schedule="static", num_threads=nthreads):
            keys = blocks + part * BLOCK
            pos = offsets[part]
            lo = part * size
            hi = min(lo + size, n)
            while lo < hi:
                m = min(<Py_ssize_t>BLOCK, hi - lo)
                _to_keys(xp + lo * xs, xs, m, kind, largest, sign, inf_bits, keys)
                pos = pos + _mark_gather(keys, m, lo, shift, b, op + lo * os, os,
                                         cand_k + pos, cand_i + pos)
                lo = lo + m
        count = _refine(cand_k, cand_i, count, &need, &shift, tot, op, os)
        if ties_all:
            need = count
        for c in range(need):
            op[cand_i[c] * os] = 1
    free(hists)
    free(offsets)
    free(blocks)
    free(cand_k)
    free(cand_i)
    return failed


cdef ukey_t _kth_key(const ukey_t* src, Py_ssize_t count, Py_ssize_t r, ukey_t* work,
                     int64_t* widx, Py_ssize_t* hist) noexcept nogil:
    """The ``r``-th largest of ``count`` keys (1 <= r <= count), by radix select."""
    cdef Py_ssize_t need = r, c
    cdef int shift = <int>(sizeof(ukey_t) * 8)
    cdef ukey_t low
    memcpy(work, src, count * sizeof(ukey_t))
    count = _refine(work, widx, count, &need, &shift, hist, NULL, 0)
    low = work[0]
    for c in range(1, count):
        if work[c] < low:
            low = work[c]
    return low


cdef Py_ssize_t _mark_band(const ukey_t* keys, Py_ssize_t n, ukey_t lo, ukey_t span,
                           char* op, Py_ssize_t os, Py_ssize_t* band) noexcept nogil:
    """``op`` = 1 above the band ``[lo, lo + span]``, 2 inside, 0 below; returns the count above."""
    cdef Py_ssize_t t, above = 0, inside = 0
    cdef ukey_t hi = <ukey_t>(lo + span)
    cdef char a, b
    for t in range(n):
        a = keys[t] > hi
        b = <ukey_t>(keys[t] - lo) <= span
        op[t * os] = a | (b << 1)
        above += a
        inside += b
    band[0] = inside
    return above


cdef Py_ssize_t _take_band(const ukey_t* keys, Py_ssize_t n, Py_ssize_t offset, char* op,
                           Py_ssize_t os, ukey_t* cand_k, int64_t* cand_i) noexcept nogil:
    """Gather the keys tagged 2 by :func:`_mark_band` (index order) and reset their tag."""
    cdef Py_ssize_t t = 0, j, c = 0
    cdef uint64_t word
    if os == 1:
        while t + 8 <= n:
            memcpy(&word, op + t, 8)
            word &= 0x0202020202020202ULL
            while word:  # one iteration per tagged byte (little-endian byte order)
                j = t + (ctz64(word) >> 3)
                cand_k[c] = keys[j]
                cand_i[c] = offset + j
                op[j] = 0
                c += 1
                word &= word - 1
            t += 8
    for j in range(t, n):
        if op[j * os] == 2:
            cand_k[c] = keys[j]
            cand_i[c] = offset + j
            op[j * os] = 0
            c += 1
    return c


cdef int _select_sampled(const char* xp, Py_ssize_t xs, char* op, Py_ssize_t os,
                         Py_ssize_t n, Py_ssize_t k, int kind, bint largest,
                         bint ties_all, ukey_t sign, ukey_t inf_bits,
                         int nthreads) noexcept nogil:
    """One-pass selection for a long slice, bracketed by a sample.

    The keys of an evenly spaced sample give a band ``[lo, hi]`` that holds the
    k-th largest key with high probability (rank ``k/n`` of the sample, +-3
    standard deviations). One pass over the slice marks the keys above the
    band and gathers those inside it (each thread its own contiguous part, in
    index order). If the band really holds the k-th key (fewer than ``k``
    above, at least ``k`` above or inside), the band's keys are refined by
    radix select exactly like a bucket; otherwise nothing is decided here and
    2 is returned (the caller runs the two-pass radix select, which rewrites
    all of ``op``). Returns 0 when done, 1 when out of memory, 2 on a miss.
    """
    cdef int nb = <int>(sizeof(ukey_t) * 8)
    cdef Py_ssize_t s = min(n // 16, <Py_ssize_t>16384)
    cdef Py_ssize_t stride = n // s
    cdef double q = <double>k / <double>n
    cdef double r0 = q * s, d = 3.0 * sqrt(s * q * (1.0 - q)) + 8.0
    cdef Py_ssize_t r_hi = <Py_ssize_t>floor(r0 - d), r_lo = <Py_ssize_t>ceil(r0 + d)
    cdef Py_ssize_t size = (n + nthreads - 1) // nthreads
    cdef Py_ssize_t t, lo, hi, m, above, total, count, need, c, band, got
    cdef int part, shift, result = 0
    cdef ukey_t lo_key, hi_key, span
    cdef ukey_t* sample = NULL
    cdef ukey_t* work = NULL
    cdef int64_t* widx = NULL
    cdef Py_ssize_t* hist = NULL
    cdef ukey_t* blocks = NULL
    cdef ukey_t* keys
    cdef Py_ssize_t* part_above = NULL
    cdef Py_ssize_t* part_count = NULL
    cdef Py_ssize_t* part_cap = NULL
    cdef void** part_k = NULL
    cdef void** part_i = NULL
    cdef int* part_failed = NULL
    cdef ukey_t* cand_k = NULL
    cdef int64_t* cand_i = NULL
    cdef void* grown
    if r_lo > s or (r_lo - max(r_hi, 0)) * 8 > s:
        return 2  # the band would hold too much of the slice: radix select is better
    sample = <ukey_t*>malloc(s * sizeof(ukey_t))
    work = <ukey_t*>malloc(s * sizeof(ukey_t))
    widx = <int64_t*>calloc(s, sizeof(int64_t))
    hist = <Py_ssize_t*>malloc(256 * sizeof(Py_ssize_t))
    blocks = <ukey_t*>malloc(nthreads * BLOCK * sizeof(ukey_t))
    part_above = <Py_ssize_t*>calloc(nthreads, sizeof(Py_ssize_t))
    part_count = <Py_ssize_t*>calloc(nthreads, sizeof(Py_ssize_t))
    part_cap = <Py_ssize_t*>calloc(nthreads, sizeof(Py_ssize_t))
    part_k = <void**>calloc(nthreads, sizeof(void*))
    part_i = <void**>calloc(nthreads, sizeof(void*))
    part_failed = <int*>calloc(nthreads, sizeof(int))
    if (sample == NULL or work == NULL or widx == NULL or hist == NULL or blocks == NULL
            or part_above == NULL or part_count == NULL or part_cap == NULL
            or part_k == NULL or part_i == NULL or part_failed == NULL):
        result = 1
    else:
        _to_keys(xp + (stride // 2) * xs, xs * stride, s, kind, largest, sign, inf_bits,
                 sample)
        lo_key = _kth_key(sample, s, r_lo, work, widx, hist)
        if r_hi >= 1:
            hi_key = _kth_key(sample, s, r_hi, work, widx, hist)
        else:
            hi_key = <ukey_t>~(<ukey_t>0)
        span = <ukey_t>(hi_key - lo_key)
        for part in prange(nthreads, schedule="static", num_threads=nthreads):
            keys = blocks + part * BLOCK
            lo = part * size
            hi = min(lo + size, n)
            while lo < hi:
                m = min(<Py_ssize_t>BLOCK, hi - lo)
                _to_keys(xp + lo * xs, xs, m, kind, largest, sign, inf_bits, keys)
                band = 0  # assigned here so that it is private to the thread
                part_above[part] += _mark_band(keys, m, lo_key, span, op + lo * os, os, &band)
                if band:
                    if part_count[part] + band > part_cap[part]:
                        part_cap[part] = 2 * (part_count[part] + band) + 1024
                        grown = realloc(part_k[part], part_cap[part] * sizeof(ukey_t))
                        if grown != NULL:
                            part_k[part] = grown
                            grown = realloc(part_i[part], part_cap[part] * sizeof(int64_t))
                            if grown != NULL:
                                part_i[part] = grown
                        if grown == NULL:
                            part_failed[part] = 1
                            break
                    got = _take_band(keys, m, lo, op + lo * os, os,
                                     <ukey_t*>part_k[part] + part_count[part],
                                     <int64_t*>part_i[part] + part_count[part])
                    part_count[part] += got
                lo = lo + m
        above = 0
        total = 0
        for part in range(nthreads):
            if part_failed[part]:
                result = 1
            above += part_above[part]
            total += part_count[part]
        if result == 0 and not (above < k <= above + total):
            result = 2
        if result == 0:
            cand_k = <ukey_t*>malloc(total * sizeof(ukey_t) + 1)
            cand_i = <int64_t*>malloc(total * sizeof(int64_t) + 1)
            if cand_k == NULL or cand_i == NULL:
                result = 1
        if result == 0:
            c = 0
            for part in range(nthreads):
                memcpy(cand_k + c, part_k[part], part_count[part] * sizeof(ukey_t))
                memcpy(cand_i + c, part_i[part], part_count[part] * sizeof(int64_t))
                c += part_count[part]
            need = k - above
            shift = nb
            count = _refine(cand_k, cand_i, total, &need, &shift, hist, op, os)
            if ties_all:
                need = count
            for c in range(need):
                op[cand_i[c] * os] = 1
    if part_k != NULL:
        for part in range(nthreads):
            free(part_k[part])
    if part_i != NULL:
        for part in range(nthreads):
            free(part_i[part])
    free(sample)
    free(work)
    free(widx)
    free(hist)
    free(blocks)
    free(part_above)
    free(part_count)
    free(part_cap)
    free(part_k)
    free(part_i)
    free(part_failed)
    free(cand_k)
    free(cand_i)
    return result
