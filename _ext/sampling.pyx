"""Compiled sampling filters per slice (CPU), and the gather of a top-k mask.

Every row of ``x`` (float16, float32 or float64 logits, given as their raw
bits) is filtered on its own, rows in parallel. The arithmetic is the one of
``arraymask/sampling/_common.py`` (read it first): tokens are ranked by
order-preserving integer keys of their logits (NaN ranks with ``-inf``,
``-0.0`` ties ``0.0``, equal keys by index), probabilities are the products
of table lookups ``E(x)`` (``x = (max - l) * (1 / T)``) and their sums are exact
integer sums of the weights ``floor(E * 2**s)``, so that this kernel and
the array-API twin agree bit for bit.

Per row, with ``K = min(top_k, n)``:

* ``K < n``: the ``K`` survivors are read from the top-k mask that
  ``_ext.topk`` (the radix select of ``topk_mask``) made of the raw values
  (a row with a NaN among them, which that mask ranks first, is selected
  again here by a radix select of the filters' keys); only they are sorted
  and weighed. Top-p (sequential: over the survivors' weights; joint: one
  more pass sums every token's weight), min-p and the samples all work on
  the sorted survivors: O(n + K log K).
* ``K == n`` (no top-k): one branch-free pass weighs every token, then a
  radix *search* walks the buckets
  of keys from the top, summing their weights, until the running sum reaches
  the top-p target (and the same for each sample's target), refining only the
  bucket that crosses it. Never a sort of the slice: O(n) per target.

The kept count is ``c = max(1, min(K, c_p, c_m, finite))``; the mask is the
``c`` best keys (ties: lower index). A sample draws ``U = floor(u * W_c)``
from a uniform ``u`` (``W_c`` the weight of the kept tokens) and returns the
first kept token, in ranking order, whose running weight exceeds ``U``.
"""
from cython.parallel cimport parallel, prange
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.math cimport INFINITY, NAN, ceil, floor, ldexp
from libc.stdlib cimport free, malloc, qsort
from libc.string cimport memcpy, memset

from _bits cimport ctz64, float_bits


ctypedef fused fkey_t:
    uint16_t
    uint32_t
    uint64_t

cdef enum:
    TABLE_SIZE = 512     # entries per digit table (9-bit digits)
    MAX_BUCKETS = 2048   # buckets of the first digit (11 bits; 8 for float16)
    MANY_DRAWS = 16      # draws per row from which the kept tokens are sorted once

#: E(x) = 0 from here on (see _common.X_MAX).
cdef double X_MAX = 708.0
cdef double TWO52 = 4503599627370496.0


cdef struct Pair:
    uint64_t key
    int64_t idx


cdef struct Work:
    # scratch of one thread, in one allocation (``base``); n entries each unless noted
    void* base
    void* keys        # the row's keys
    int64_t* w        # every token's weight (the K == n path)
    void* cand_k      # candidates of a radix step, their positions and weights
    int64_t* cand_i
    int64_t* cand_w
    int64_t* chosen   # selected positions
    Pair* pairs       # sorted survivors
    int64_t* sums     # running weights of the sorted survivors
    Py_ssize_t* hist  # MAX_BUCKETS counts
    int64_t* hw       # MAX_BUCKETS weight sums


cdef bint _work_init(Work* s, Py_ssize_t n) noexcept nogil:
    """Allocate the scratch for rows of ``n``; False when out of memory."""
    cdef Py_ssize_t m = n if n > 0 else 1
    cdef char* p = <char*>malloc(m * (7 * 8 + sizeof(Pair)) + 2 * MAX_BUCKETS * 8)
    s.base = p
    if p == NULL:
        return False
    s.keys, s.w, s.cand_k = p, <int64_t*>(p + 8 * m), p + 16 * m
    s.cand_i, s.cand_w = <int64_t*>(p + 24 * m), <int64_t*>(p + 32 * m)
    s.chosen, s.sums = <int64_t*>(p + 40 * m), <int64_t*>(p + 48 * m)
    s.hist, s.hw = <Py_ssize_t*>(p + 56 * m), <int64_t*>(p + 56 * m + MAX_BUCKETS * 8)
    s.pairs = <Pair*>(p + 56 * m + 2 * MAX_BUCKETS * 8)
    return True


# ---------------------------------------------------------------- keys and values


cdef inline fkey_t _key(fkey_t v, fkey_t sign, fkey_t inf_bits) noexcept nogil:
    """Order-preserving key of float bits ``v``: NaN ranks with -inf, -0.0 with 0.0."""
    cdef fkey_t mag = v & <fkey_t>(~sign)
    if mag > inf_bits:
        return <fkey_t>(~(sign | inf_bits))
    if mag == 0:
        return sign
    if v & sign:
        return <fkey_t>(~v)
    return v | sign


cdef inline double _half(uint16_t h) noexcept nogil:
    cdef int e = (h >> 10) & 31
    cdef int m = h & 1023
    cdef double v
    if e == 0:
        v = ldexp(<double>m, -24)
    elif e == 31:
        v = INFINITY if m == 0 else NAN
    else:
        v = ldexp(<double>(m | 1024), e - 25)
    return -v if h & 0x8000 else v


cdef inline double _value(fkey_t key, fkey_t sign) noexcept nogil:
    """The float64 value of a key (exact)."""
    cdef fkey_t bits = (key ^ sign) if (key & sign) else <fkey_t>(~key)
    cdef float f
    cdef double d
    if fkey_t is uint64_t:
        memcpy(&d, &bits, 8)
        return d
    elif fkey_t is uint32_t:
        memcpy(&f, &bits, 4)
        return <double>f
    else:
        return _half(bits)


cdef inline double _exp_neg(double x, const double* tab) noexcept nogil:
    """``E(x)``, the table exp of ``-x`` (``x >= 0``): seven lookups, a tree of products.

    Branch-free (the out-of-range case is selected at the end), so that the
    products of neighbouring tokens overlap in the pipeline.
    """
    cdef bint ok = x < X_MAX
    cdef int64_t d = <int64_t>((x if ok else 0.0) * TWO52)
    cdef double a, b, c, r
    a = tab[6 * TABLE_SIZE + (d >> 54)] * tab[5 * TABLE_SIZE + ((d >> 45) & 511)]
    b = tab[4 * TABLE_SIZE + ((d >> 36) & 511)] * tab[3 * TABLE_SIZE + ((d >> 27) & 511)]
    c = tab[2 * TABLE_SIZE + ((d >> 18) & 511)] * tab[1 * TABLE_SIZE + ((d >> 9) & 511)]
    r = (a * b) * (c * tab[d & 511])
    return r if ok else 0.0


cdef inline double _gap(double l, double m, double inv_t) noexcept nogil:
    """``x = (m - l) * (1 / T)``, 0 for the top tokens (also when ``m`` is infinite)."""
    cdef double g = (m - l) * inv_t
    return 0.0 if l == m else g


# ---------------------------------------------------------------- selection


cdef inline int _first_digit(int nb, Py_ssize_t n) noexcept nogil:
    """Bits of the first radix digit: 11 for long rows, 8 for short ones or 16-bit keys."""
    return 8 if nb <= 16 or n < 8192 else 11


cdef int _by_rank(const void* a, const void* b) noexcept nogil:
    """qsort order of survivors: larger key first, then the lower index."""
    cdef const Pair* p = <const Pair*>a
    cdef const Pair* q = <const Pair*>b
    if p.key != q.key:
        return -1 if p.key > q.key else 1
    return -1 if p.idx < q.idx else (1 if p.idx > q.idx else 0)


cdef inline Py_ssize_t _crossing(const Py_ssize_t* hist, const int64_t* hw, Py_ssize_t b,
                                 int64_t* target, Py_ssize_t* count) noexcept nogil:
    """Walk the buckets down from ``b``, adding their weights, to the one that reaches
    ``target``; ``count`` and ``target`` account for the buckets above it."""
    cdef int64_t cum = 0
    while b > 0 and cum + hw[b] < target[0]:
        count[0] += hist[b]
        cum += hw[b]
        b -= 1
    target[0] -= cum
    return b


cdef Py_ssize_t _weighted_rank(const fkey_t* kb, const int64_t* w, Py_ssize_t n,
                               int64_t target, Work* s, int64_t* token, fkey_t* tkey,
                               int64_t* ties) noexcept nogil:
    """Smallest ``j`` whose running weight (in ranking order) is ``>= target``.

    ``w`` NULL weighs every token 1 (then ``j == target``: a selection). The
    ``j``-th token is the ``ties``-th of those with key ``tkey`` (index order);
    ``token`` gets its position (``-1`` for ``j == 0``). The caller makes sure
    that the total weight reaches ``target``. A radix search: the buckets of
    the top digit are walked from the highest, adding their weights, down to
    the one that crosses the target; only its keys are gathered and refined
    by 8-bit digits. Equal keys weigh the same, so the last step is a division.
    """
    cdef int nb = <int>(sizeof(fkey_t) * 8)
    cdef int shift = nb - _first_digit(nb, n), digit
    cdef Py_ssize_t i, t, b, count = 0, cc = 0, m, d
    cdef int64_t wc, r
    cdef fkey_t* ck = <fkey_t*>s.cand_k
    cdef fkey_t mask
    cdef bint same
    token[0] = -1
    ties[0] = 0
    if target <= 0:
        return 0
    b = (<Py_ssize_t>1) << (nb - shift)
    memset(s.hist, 0, b * sizeof(Py_ssize_t))
    memset(s.hw, 0, b * sizeof(int64_t))
    for i in range(n):
        d = <Py_ssize_t>(kb[i] >> shift)
        s.hist[d] += 1
        s.hw[d] += w[i] if w != NULL else 1
    b = _crossing(s.hist, s.hw, b - 1, &target, &count)
    for i in range(n):
        if <Py_ssize_t>(kb[i] >> shift) == b:
            ck[cc] = kb[i]
            s.cand_i[cc] = i
            s.cand_w[cc] = w[i] if w != NULL else 1
            cc += 1
    while shift > 0:
        same = True
        for t in range(1, cc):
            if ck[t] != ck[0]:
                same = False
                break
        if same:
            break
        digit = 8 if shift >= 8 else shift
        shift -= digit
        mask = <fkey_t>((1 << digit) - 1)
        memset(s.hist, 0, (1 << digit) * sizeof(Py_ssize_t))
        memset(s.hw, 0, (1 << digit) * sizeof(int64_t))
        for t in range(cc):
            d = <Py_ssize_t>((ck[t] >> shift) & mask)
            s.hist[d] += 1
            s.hw[d] += s.cand_w[t]
        b = _crossing(s.hist, s.hw, (1 << digit) - 1, &target, &count)
        m = 0
        for t in range(cc):
            if <Py_ssize_t>((ck[t] >> shift) & mask) == b:
                ck[m] = ck[t]
                s.cand_i[m] = s.cand_i[t]
                s.cand_w[m] = s.cand_w[t]
                m += 1
        cc = m
    if cc == 0:  # cannot happen when the total reaches the target
        return count
    wc = s.cand_w[0]
    r = (target + wc - 1) // wc if wc > 0 else cc
    if r > cc:
        r = cc
    token[0] = s.cand_i[r - 1]
    tkey[0] = ck[0]
    ties[0] = r
    return count + r


cdef Py_ssize_t _threshold(const fkey_t* kb, Py_ssize_t n, fkey_t tkey, int64_t ties,
                           int64_t* out) noexcept nogil:
    """Positions (index order) of the keys above ``tkey`` and of the first ``ties`` equal to it."""
    cdef Py_ssize_t i, o = 0
    for i in range(n):
        if kb[i] > tkey or (kb[i] == tkey and ties > 0):
            if kb[i] == tkey:
                ties -= 1
            out[o] = i
            o += 1
    return o


cdef void _mark_threshold(const fkey_t* kb, Py_ssize_t n, fkey_t tkey, int64_t ties,
                          uint8_t* mrow, Py_ssize_t ms) noexcept nogil:
    """The mask row of :func:`_threshold`'s positions, without a branch per token."""
    cdef Py_ssize_t i
    cdef bint take
    for i in range(n):
        take = (kb[i] == tkey) & (ties > 0)
        ties -= take
        mrow[i * ms] = (kb[i] > tkey) | take


cdef int64_t _kept_weight(const fkey_t* kb, const int64_t* w, Py_ssize_t n, fkey_t tkey,
                          int64_t ties) noexcept nogil:
    """The weight of :func:`_threshold`'s tokens."""
    cdef Py_ssize_t i
    cdef int64_t total = 0
    cdef bint take
    for i in range(n):
        take = (kb[i] == tkey) & (ties > 0)
        ties -= take
        total += w[i] if (kb[i] > tkey) | take else 0
    return total


cdef Py_ssize_t _select_top(const fkey_t* kb, Py_ssize_t n, Py_ssize_t c, Work* s,
                            int64_t* out) noexcept nogil:
    """Positions of the ``c`` best keys (ties: lower index) into ``out``, in index order."""
    cdef Py_ssize_t i
    cdef int64_t token, ties
    cdef fkey_t tkey = 0
    if c >= n:
        for i in range(n):
            out[i] = i
        return n
    _weighted_rank(kb, NULL, n, c, s, &token, &tkey, &ties)
    return _threshold(kb, n, tkey, ties, out)


# ---------------------------------------------------------------- one row


cdef inline int64_t _draw(double u, int64_t total) noexcept nogil:
    """``U = floor(u * W)`` of a uniform ``u`` in [0, 1), at most ``W - 1``."""
    cdef int64_t v = <int64_t>floor(u * <double>total)
    if v >= total:
        v = total - 1
    return v if v > 0 else 0


cdef inline int64_t _target(double p, int64_t total) noexcept nogil:
    """Top-p target ``min(W, ceil(p * W))`` (evaluated in float64)."""
    cdef int64_t t = <int64_t>ceil(p * <double>total)
    return total if t > total else t


cdef inline fkey_t _load_key(const char* xrow, Py_ssize_t xs, Py_ssize_t i, fkey_t sign,
                             fkey_t inf_bits) noexcept nogil:
    return _key((<const fkey_t*>(xrow + i * xs))[0], sign, inf_bits)


cdef void _keys(const char* xrow, Py_ssize_t xs, Py_ssize_t n, fkey_t* kb, fkey_t sign,
                fkey_t inf_bits, fkey_t* kmax, Py_ssize_t* finite) noexcept nogil:
    """Keys of the whole row (branch-free, so the contiguous loop vectorises), max, finite count."""
    cdef Py_ssize_t i, f = 0
    cdef int top = <int>(sizeof(fkey_t) * 8 - 1)
    cdef fkey_t v, key, best = 0
    cdef fkey_t notsign = <fkey_t>(~sign)
    cdef fkey_t kneg = <fkey_t>(~(sign | inf_bits))
    cdef const fkey_t* src = <const fkey_t*>xrow
    if xs == <Py_ssize_t>sizeof(fkey_t):
        for i in range(n):
            v = src[i]
            key = v ^ (<fkey_t>(<fkey_t>0 - (v >> top)) | sign)
            key = sign if (v & notsign) == 0 else key
            key = kneg if (v & notsign) > inf_bits else key
            kb[i] = key
    else:
        for i in range(n):
            kb[i] = _load_key(xrow, xs, i, sign, inf_bits)
    for i in range(n):
        best = kb[i] if kb[i] > best else best
        f += kb[i] > kneg
    kmax[0] = best
    finite[0] = f


cdef Py_ssize_t _kept(Work* s, Py_ssize_t K, Py_ssize_t finite, double m, double inv_t,
                      double p, double mp, bint joint, const char* xrow, Py_ssize_t xs,
                      Py_ssize_t n, const double* tab, double scale,
                      fkey_t sign, fkey_t inf_bits) noexcept nogil:
    """Kept count ``c`` from the ``K`` sorted survivors in ``s.pairs``; ``s.sums`` gets
    their running weights."""
    cdef Py_ssize_t j, i, c, cp, cm = K
    cdef double x, e
    cdef int64_t total = 0, tau
    for j in range(K):
        x = _gap(_value(<fkey_t>s.pairs[j].key, sign), m, inv_t)
        e = _exp_neg(x, tab)
        total += <int64_t>(e * scale)
        s.sums[j] = total
        if cm == K and e < mp:
            cm = j
    cp = K
    if p < 1.0:
        if joint:
            total = 0
            for i in range(n):
                x = _gap(_value(_load_key(xrow, xs, i, sign, inf_bits), sign), m, inv_t)
                total += <int64_t>(_exp_neg(x, tab) * scale)
        tau = _target(p, total)
        cp = K + 1
        for j in range(K):
            if s.sums[j] >= tau:
                cp = j + 1
                break
    return _smallest(K, cp, cm, finite)


cdef void _draws_sorted(Work* s, Py_ssize_t c, const double* urow, Py_ssize_t us,
                        Py_ssize_t ns, int64_t* trow, Py_ssize_t ts) noexcept nogil:
    """Each draw: the first of the ``c`` sorted survivors whose running weight exceeds U."""
    cdef Py_ssize_t j, lo, hi, mid
    cdef int64_t u, wc = s.sums[c - 1]
    for j in range(ns):
        u = _draw(urow[j * us], wc)
        lo = 0
        hi = c - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if s.sums[mid] > u:
                hi = mid
            else:
                lo = mid + 1
        trow[j * ts] = s.pairs[lo].idx


cdef Py_ssize_t _marked(const uint8_t* row, Py_ssize_t n, Py_ssize_t width,
                        int64_t* out) noexcept nogil:
    """Positions of the first ``width`` nonzero bytes of ``row``, eight bytes at a time."""
    cdef Py_ssize_t t = 0, o = 0
    cdef uint64_t word
    while t + 8 <= n and o < width:
        memcpy(&word, row + t, 8)
        while word and o < width:  # bytes are 0 or 1: one bit per marked byte
            out[o] = t + (ctz64(word) >> 3)
            o = o + 1
            word = word & (word - 1)
        t = t + 8
    while t < n and o < width:
        if row[t]:
            out[o] = t
            o = o + 1
        t = t + 1
    return o


cdef bint _from_mask(const char* xrow, Py_ssize_t xs, Py_ssize_t n, const uint8_t* top,
                     Py_ssize_t K, Work* s, fkey_t sign, fkey_t inf_bits) noexcept nogil:
    """The survivors marked in a top-k mask (of the raw values), sorted into ``s.pairs``.

    False when one of them is NaN: the mask ranked NaN first, the filters rank
    it with ``-inf``, so the caller selects again (a row without NaN among its
    top ``K`` has no NaN at all).
    """
    cdef Py_ssize_t j
    cdef fkey_t v
    cdef fkey_t notsign = <fkey_t>(~sign)
    if _marked(top, n, K, s.chosen) != K:
        return False
    for j in range(K):
        v = (<const fkey_t*>(xrow + s.chosen[j] * xs))[0]
        if (v & notsign) > inf_bits:
            return False
        s.pairs[j].key = _key(v, sign, inf_bits)
        s.pairs[j].idx = s.chosen[j]
    qsort(s.pairs, K, sizeof(Pair), _by_rank)
    return True


cdef inline Py_ssize_t _smallest(Py_ssize_t c, Py_ssize_t cp, Py_ssize_t cm,
                                 Py_ssize_t finite) noexcept nogil:
    """``max(1, min(c, cp, cm, finite))``: the kept count."""
    if cp < c:
        c = cp
    if cm < c:
        c = cm
    if finite < c:
        c = finite
    return c if c >= 1 else 1


cdef void _write(uint8_t* mrow, Py_ssize_t ms, Py_ssize_t n, const int64_t* idx,
                 Py_ssize_t stride, Py_ssize_t c) noexcept nogil:
    """The mask row: 1 at the ``c`` positions ``idx[0], idx[stride], ...``, 0 elsewhere."""
    cdef Py_ssize_t i, j
    if c >= n:
        for i in range(n):
            mrow[i * ms] = 1
        return
    for i in range(n):
        mrow[i * ms] = 0
    for j in range(c):
        mrow[idx[j * stride] * ms] = 1


cdef int _row(const char* xrow, Py_ssize_t xs, Py_ssize_t n, double temp, int64_t k,
              double p, double mp, bint joint, const double* tab, double scale,
              const uint8_t* top, uint8_t* mrow, Py_ssize_t ms,
              const double* urow, Py_ssize_t us, Py_ssize_t ns, int64_t* trow,
              Py_ssize_t ts, Work* s, fkey_t sign, fkey_t inf_bits) noexcept nogil:
    """One row: ``top`` (or NULL) is its top-K mask, ``mrow`` (or NULL) the output mask
    (the same memory as ``top`` when both are given: then only the dropped survivors
    are cleared)."""
    cdef fkey_t* kb = <fkey_t*>s.keys
    cdef fkey_t kneg = <fkey_t>(~(sign | inf_bits))
    cdef fkey_t kmax = 0, kfail = 0
    cdef Py_ssize_t i, j, K, c, cp, cm, finite = 0
    cdef double m, e, inv_t = 1.0 / temp
    cdef int64_t wv, total, wc, tok, ties = 0
    cdef fkey_t tkey = 0
    K = n if k >= n else (k if k > 1 else 1)
    if K < n and top != NULL and _from_mask(xrow, xs, n, top, K, s, sign, inf_bits):
        finite = 0
        for j in range(K):
            finite += <fkey_t>s.pairs[j].key > kneg
        m = _value(<fkey_t>s.pairs[0].key, sign)
        c = _kept(s, K, finite, m, inv_t, p, mp, joint, xrow, xs, n, tab, scale, sign,
                  inf_bits)
        if mrow != NULL:
            if <const uint8_t*>mrow != top:
                for i in range(n):
                    mrow[i * ms] = top[i]
            for j in range(c, K):
                mrow[s.pairs[j].idx * ms] = 0
        if trow != NULL:
            _draws_sorted(s, c, urow, us, ns, trow, ts)
        return 0
    _keys(xrow, xs, n, kb, sign, inf_bits, &kmax, &finite)
    m = _value(kmax, sign)
    if K < n:
        _select_top(kb, n, K, s, s.chosen)
        for j in range(K):
            s.pairs[j].key = kb[s.chosen[j]]
            s.pairs[j].idx = s.chosen[j]
        qsort(s.pairs, K, sizeof(Pair), _by_rank)
        c = _kept(s, K, finite, m, inv_t, p, mp, joint, xrow, xs, n, tab, scale, sign,
                  inf_bits)
        if mrow != NULL:
            _write(mrow, ms, n, &s.pairs[0].idx, sizeof(Pair) // sizeof(int64_t), c)
        if trow != NULL:
            _draws_sorted(s, c, urow, us, ns, trow, ts)
        return 0
    # no top-k: weigh every token (branch-free), search by buckets
    total = 0
    for i in range(n):
        e = _exp_neg(_gap(_value(kb[i], sign), m, inv_t), tab)
        wv = <int64_t>(e * scale)
        s.w[i] = wv
        total += wv
        kfail = kb[i] if ((e < mp) & (kb[i] > kfail)) else kfail  # no key is 0
    cm = n
    if kfail != 0:
        cm = 0
        for i in range(n):
            cm += kb[i] > kfail
    cp = n
    if p < 1.0:
        cp = _weighted_rank(kb, s.w, n, _target(p, total), s, &tok, &tkey, &ties)
        if cp < 1:
            cp = 1
    c = _smallest(n, cp, cm, finite)
    # the kept tokens: every key above a threshold key, and its first ties (index order)
    if c == cp and cp < n and ties > 0:
        pass  # tkey and ties from the top-p search
    elif c == cm and cm < n:
        tkey, ties = kfail, 0
    elif c == finite and finite < n:
        tkey, ties = kneg, 0
    else:  # c == 1: the best token, ties to the lower index (or c == n: all)
        tkey, ties = kmax, 1
    if mrow != NULL:
        if c < n:
            _mark_threshold(kb, n, tkey, ties, mrow, ms)
        else:
            _write(mrow, ms, n, s.chosen, 1, n)
    if trow != NULL and ns >= MANY_DRAWS:  # sort the kept tokens once, then search them
        if c < n:
            _threshold(kb, n, tkey, ties, s.chosen)
        else:
            for j in range(n):
                s.chosen[j] = j
        for j in range(c):
            s.pairs[j].key = kb[s.chosen[j]]
            s.pairs[j].idx = s.chosen[j]
        qsort(s.pairs, c, sizeof(Pair), _by_rank)
        total = 0
        for j in range(c):
            total += s.w[s.pairs[j].idx]
            s.sums[j] = total
        _draws_sorted(s, c, urow, us, ns, trow, ts)
    elif trow != NULL:  # a radix search per draw: O(n), no sort
        wc = total if c >= n else _kept_weight(kb, s.w, n, tkey, ties)
        for j in range(ns):
            _weighted_rank(kb, s.w, n, _draw(urow[j * us], wc) + 1, s, &tok, &tkey, &ties)
            trow[j * ts] = tok
    return 0


def filter_rows(const fkey_t[:, :] x, const double[:] temp, const int64_t[:] k,
                const double[:] p, const double[:] min_p, bint joint,
                const double[::1] table, int scale_bits, uint8_t[:, ::1] top,
                uint8_t[:, :] mask, const double[:, :] u, int64_t[:, :] tokens,
                int threads=1):
    """Sampling filters of every row ``x[r, :]`` (raw float16/32/64 bits).

    Per row ``r``: temperature ``temp[r] > 0``, ``k[r] >= 1`` (``>= n``: no
    top-k), ``p[r]`` in ``(0, 1]`` (1: no top-p), ``min_p[r]`` in ``[0, 1]``
    (0: no min-p); the parameter arrays may have stride 0. ``table`` is
    ``_common.exp_table()``, ``scale_bits`` the ``s`` of the weights. ``top``
    (when it has rows) is the top-``k`` mask of the raw values
    (``_ext.topk.topk_slices``): the survivors are read from it, and ``mask``
    may be the same array (only the dropped survivors are then cleared). Writes
    the kept tokens into ``mask`` (shape of ``x``, uint8) when it has rows,
    and when ``u`` has rows, the tokens drawn with the uniforms ``u[r, j]``
    into ``tokens[r, j]``.
    """
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], r
    cdef Py_ssize_t xs = x.strides[1]
    cdef bint want_mask = mask.shape[0] > 0
    cdef bint want_tokens = u.shape[0] > 0
    cdef bint have_top = top.shape[0] > 0
    cdef Py_ssize_t ms = mask.strides[1] if want_mask else 0
    cdef Py_ssize_t us = u.strides[1] // sizeof(double) if want_tokens else 0
    cdef Py_ssize_t ts = tokens.strides[1] // sizeof(int64_t) if want_tokens else 0
    cdef Py_ssize_t ns = u.shape[1] if want_tokens else 0
    cdef double scale = ldexp(1.0, scale_bits)
    cdef fkey_t sign = 0, inf_bits = 0
    cdef const double* tab = &table[0]
    cdef Work* s
    cdef bint ok
    cdef int failed = 0
    cdef int* failed_p = &failed
    if rows == 0 or n == 0:
        return
    if table.shape[0] != 7 * TABLE_SIZE:
        raise ValueError("filter_rows: the exp table must have 7 * 512 entries")
    if want_mask and (mask.shape[0] != rows or mask.shape[1] != n):
        raise ValueError("filter_rows: mask must have the shape of x")
    if have_top and (top.shape[0] != rows or top.shape[1] != n):
        raise ValueError("filter_rows: top must have the shape of x")
    if want_tokens and (u.shape[0] != rows or tokens.shape[0] != rows
                        or tokens.shape[1] != u.shape[1]):
        raise ValueError("filter_rows: u and tokens must have one row per row of x")
    if (temp.shape[0] != rows or k.shape[0] != rows or p.shape[0] != rows
            or min_p.shape[0] != rows):
        raise ValueError("filter_rows: one parameter per row")
    float_bits(&sign, &inf_bits)
    threads = max(1, min(threads, rows))
    with nogil, parallel(num_threads=threads):
        s = <Work*>malloc(sizeof(Work))  # assigned here: private to the thread
        ok = s != NULL and _work_init(s, n)
        for r in prange(rows, schedule="dynamic"):
            if not ok:
                failed_p[0] = 1
            else:
                _row(<const char*>&x[r, 0], xs, n, temp[r], k[r], p[r], min_p[r], joint,
                     tab, scale, &top[r, 0] if have_top else NULL,
                     <uint8_t*>&mask[r, 0] if want_mask else NULL, ms,
                     &u[r, 0] if want_tokens else NULL, us, ns,
                     &tokens[r, 0] if want_tokens else NULL, ts, s, sign, inf_bits)
        if s != NULL:
            free(s.base)
        free(s)
    if failed:
        raise MemoryError("filter_rows: out of memory for scratch space")


def gather_marked(const uint8_t[:, ::1] mask, int64_t[:, ::1] out, int threads=1):
    """``out[r, :]`` = the positions of the nonzero bytes of ``mask[r, :]``, in order.

    Each row must hold exactly ``out.shape[1]`` nonzero bytes, each 0 or 1 (a
    top-k mask). The row is read eight bytes at a time: rows of a top-k mask
    are mostly zeros.
    """
    cdef Py_ssize_t rows = mask.shape[0], n = mask.shape[1], width = out.shape[1], r
    if out.shape[0] != rows:
        raise ValueError("gather_marked: out must have one row per row of mask")
    if rows == 0 or width == 0:
        return
    threads = max(1, min(threads, rows))
    with nogil:
        for r in prange(rows, schedule="static", num_threads=threads):
            _marked(&mask[r, 0], n, width, &out[r, 0])
