"""Compiled COO kernels (CPU): coordinate scan, dense -> COO, COO -> dense.

The Python wrapper (``arraymask/sparse/_kernels.py``) validates dtypes and
shapes and allocates the outputs; the kernels take typed memoryviews (``const``
for inputs, so read-only arrays work) and loop without the GIL.

* :func:`scan` -- bounds check and order status in one pass.
* :func:`dense_count` / :func:`dense_fill` -- dense -> COO in row blocks
  (count, prefix sum, fill; both passes over the blocks in parallel). At low
  density the count also records the entries, and the fill writes them
  without reading the input again.
* :func:`scatter` -- COO -> dense.

The canonical order (sorts and duplicate policies) is ``canonical.pyx``.
"""
from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint16_t, uint64_t

from _fused cimport dense_t
from _shared cimport (
    AHEAD, MAX_NDIM, Columns, columns_of, key_at, prefetch, prefetch_column,
)


# ---------------------------------------------------------------- scanning


cdef int _scan_columns(const int64_t[:, :] coords, const int64_t[::1] shape, Py_ssize_t lo,
                       Py_ssize_t hi, int status, bint stop_unsorted,
                       Py_ssize_t* bad) noexcept nogil:
    """Column-by-column scan of ``[lo, hi)`` (``lo`` > 0 compares with column ``lo - 1``)."""
    cdef Py_ssize_t nd = coords.shape[0], i, a
    cdef int64_t c, p
    cdef int cmp
    for i in range(lo, hi):
        cmp = 0
        for a in range(nd):
            c = coords[a, i]
            if <uint64_t>c >= <uint64_t>shape[a]:
                bad[0] = a
                bad[1] = i
                return status
            if cmp == 0 and i > 0:
                p = coords[a, i - 1]
                if c > p:
                    cmp = 1
                elif c < p:
                    cmp = -1
        if i > 0:
            if cmp < 0:
                status = 2
                if stop_unsorted:
                    return status
            elif cmp == 0 and status == 0:
                status = 1
    return status


def scan(const int64_t[:, :] coords, const int64_t[::1] shape, bint stop_unsorted=False):
    """Bounds check and order status of ``coords`` ``(ndim, nnz)`` in one pass.

    Returns ``(bad_axis, bad_col, status)``: ``bad_axis`` is -1 when all
    coordinates lie in ``[0, shape)``; ``status`` is 0 (strictly increasing
    row-major), 1 (nondecreasing) or 2 (unsorted). With ``stop_unsorted``
    the pass ends at the first descent (status 2; later columns unchecked).
    When ``prod(shape)`` fits 63 bits, blocks of columns are checked without
    branches by comparing linear keys; a block with a bad column is rescanned
    column by column to name the first one.
    """
    cdef Py_ssize_t nd = coords.shape[0], n = coords.shape[1], i, lo, hi, a
    cdef int status = 0
    cdef Py_ssize_t bad[2]
    cdef Columns cols
    cdef uint64_t key, prev = 0, ok, desc, same, total = 1
    cdef const int64_t* p
    cdef bint keyed = nd > 0
    cdef Py_ssize_t cs, ast
    cdef uint64_t s0, s1
    bad[0] = -1
    bad[1] = -1
    for a in range(nd):
        if shape[a] > 0 and total > (<uint64_t>1 << 63) // <uint64_t>shape[a]:
            keyed = False
        total *= <uint64_t>shape[a]
    if n == 0:
        return -1, -1, 0
    if not keyed:
        with nogil:
            status = _scan_columns(coords, shape, 0, n, 0, stop_unsorted, bad)
        return bad[0], bad[1], status
    columns_of(coords, shape, &cols)
    cs = cols.col_stride
    ast = cols.axis_stride
    s0 = cols.shape[0]
    s1 = cols.shape[1] if nd > 1 else 1
    with nogil:
        status = _scan_columns(coords, shape, 0, 1, 0, stop_unsorted, bad)  # bounds of column 0
        prev = key_at(&cols, 0)
        lo = 1 if bad[0] < 0 else n
        while lo < n:
            hi = lo + 4096 if lo + 4096 < n else n
            ok = 1
            desc = 0
            same = 0
            if nd == 2:
                for i in range(lo, hi):
                    p = cols.base + i * cs
                    prefetch(p + AHEAD * cs)
                    prefetch(p + ast + AHEAD * cs)
                    ok &= (<uint64_t>p[0] < s0) & (<uint64_t>p[ast] < s1)
                    key = <uint64_t>p[0] * s1 + <uint64_t>p[ast]
                    desc |= key < prev
                    same |= key == prev
                    prev = key
            else:
                for i in range(lo, hi):
                    p = cols.base + i * cs
                    prefetch_column(&cols, i)
                    key = 0
                    for a in range(nd):
                        ok &= <uint64_t>p[a * ast] < cols.shape[a]
                        key = key * cols.shape[a] + <uint64_t>p[a * ast]
                    desc |= key < prev
                    same |= key == prev
                    prev = key
            if not ok:  # name the first bad column (and the order before it)
                status = _scan_columns(coords, shape, lo, hi, status, stop_unsorted, bad)
                break
            if desc:
                status = 2
                if stop_unsorted:
                    break
            elif same and status == 0:
                status = 1
            lo = hi
    return bad[0], bad[1], status


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


cdef inline Py_ssize_t _count_run(const dense_t* p, Py_ssize_t n, dense_t fill,
                                  bint half) noexcept nogil:
    """Entries of the contiguous run ``p[:n]`` that differ from ``fill``."""
    cdef Py_ssize_t j, j0 = 0, j1, cnt = 0
    cdef int c32  # 32-bit lanes vectorize better; chunks stay below 2**30
    while j0 < n:
        j1 = j0 + (1 << 30) if j0 + (1 << 30) < n else n
        c32 = 0
        for j in range(j0, j1):
            c32 += _differs(p[j], fill, half)
        cnt += c32
        j0 = j1
    return cnt


cdef Py_ssize_t _count_block(const char* base, const int64_t* shp, const int64_t* strd, int nd,
                             Py_ssize_t r0, Py_ssize_t r1, dense_t fill,
                             bint half) noexcept nogil:
    cdef int64_t idx[MAX_NDIM]
    cdef int64_t off
    cdef Py_ssize_t r, j, n = shp[nd - 1], cnt = 0
    cdef int64_t s = strd[nd - 1]
    _start(shp, strd, nd, r0, idx, &off)
    for r in range(r0, r1):
        if s == sizeof(dense_t):
            cnt += _count_run(<const dense_t*>(base + off), n, fill, half)
        else:
            for j in range(n):
                cnt += _differs((<const dense_t*>(base + off + j * s))[0], fill, half)
        _next(shp, strd, nd, idx, &off)
    return cnt


cdef inline int _chunk_hits(const dense_t* p, Py_ssize_t j, Py_ssize_t stop, dense_t fill,
                            bint half) noexcept nogil:
    """Entries of the chunk ``p[j:stop]`` (at most 32) that differ from ``fill``."""
    cdef int hit = 0
    cdef Py_ssize_t k
    for k in range(j, stop):
        hit += _differs(p[k], fill, half)
    return hit


cdef inline Py_ssize_t _compact(const dense_t* p, Py_ssize_t j, Py_ssize_t stop, dense_t fill,
                                bint half, dense_t* vals, int64_t* where, Py_ssize_t pos,
                                bint room) noexcept nogil:
    """Write the entries of ``p[j:stop]`` that differ from ``fill`` (value and ``k``) from
    slot ``pos``; returns the next free slot. With ``room`` for the whole chunk every
    entry is written and a slot is kept only by advancing past it (no branches)."""
    cdef Py_ssize_t k
    cdef dense_t v
    if room:
        for k in range(j, stop):
            v = p[k]
            vals[pos] = v
            where[pos] = k
            pos += _differs(v, fill, half)
    else:
        for k in range(j, stop):
            v = p[k]
            if _differs(v, fill, half):
                vals[pos] = v
                where[pos] = k
                pos += 1
    return pos


cdef Py_ssize_t _count_record(const dense_t* p, Py_ssize_t total, dense_t fill, bint half,
                              Py_ssize_t cap, int64_t* where, dense_t* vals) noexcept nogil:
    """Count the entries of the contiguous run ``p[:total]`` and record them while they fit.

    Each entry's position in the run and its value go to ``where`` and ``vals``
    (room for ``cap``). Chunks of 32 are counted first and written without
    branches while a whole chunk fits; at the first entry that does not fit
    recording stops and the rest is only counted, so a count above ``cap``
    means "not recorded" (the fill reads the run again).
    """
    cdef Py_ssize_t j = 0, stop, hit, rec = 0, cnt = 0
    while j < total:
        stop = j + 32 if j + 32 < total else total
        hit = _chunk_hits(p, j, stop, fill, half)
        if hit:
            cnt += hit
            if rec + hit > cap:
                return cnt + _count_run(p + stop, total - stop, fill, half)
            rec = _compact(p, j, stop, fill, half, vals, where, rec, rec + 32 <= cap)
        j = stop
    return cnt


cdef void _expand_block(const int64_t* shp, const int64_t* strd, int nd, Py_ssize_t r0,
                        const int64_t* where, const dense_t* vals, Py_ssize_t cnt,
                        int64_t* coords, Py_ssize_t nnz, dense_t* values,
                        Py_ssize_t pos) noexcept nogil:
    """Write the ``cnt`` entries :func:`_count_record` kept for the block from row ``r0``."""
    cdef int64_t idx[MAX_NDIM]
    cdef int64_t off, row_end = shp[nd - 1], n = shp[nd - 1]
    cdef int64_t* last = coords + (nd - 1) * nnz
    cdef Py_ssize_t i, a
    _start(shp, strd, nd, r0, idx, &off)
    for i in range(cnt):
        while where[i] >= row_end:  # the entry lies in a later row
            row_end += n
            _next(shp, strd, nd, idx, &off)
        values[pos + i] = vals[i]
        last[pos + i] = where[i] - (row_end - n)
        for a in range(nd - 1):
            coords[a * nnz + pos + i] = idx[a]


cdef void _fill_block(const char* base, const int64_t* shp, const int64_t* strd, int nd,
                      Py_ssize_t r0, Py_ssize_t r1, dense_t fill, bint half,
                      int64_t* coords, Py_ssize_t nnz, dense_t* values,
                      Py_ssize_t pos, Py_ssize_t end) noexcept nogil:
    cdef int64_t idx[MAX_NDIM]
    cdef int64_t off
    cdef Py_ssize_t r, j, a, n = shp[nd - 1], row_pos
    cdef int64_t s = strd[nd - 1]
    cdef int64_t* last = coords + (nd - 1) * nnz
    cdef int64_t* lead
    cdef dense_t v
    cdef Py_ssize_t stop
    cdef const dense_t* row
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
                if _chunk_hits(row, j, stop, fill, half):
                    pos = _compact(row, j, stop, fill, half, values, last, pos, pos + 32 <= end)
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
                Py_ssize_t cap, int64_t[::1] where, dense_t[::1] vals, int threads=1):
    """Count entries of ``x`` (ndim >= 1, any strides) != ``fill[0]`` per row block.

    ``counts`` has one slot per block; rows (the product of the leading axes)
    are split evenly over the blocks. ``half`` marks uint16 data that is
    really float16 (NaN and signed-zero rules applied to the bit patterns).
    With ``cap > 0`` (C-contiguous ``x`` only) block ``b`` also records its
    entries in ``where`` and ``vals`` from ``b * cap`` while they fit (see
    :func:`_count_record`), so that :func:`dense_fill` need not read it again.
    """
    cdef int nd = x.ndim, a
    cdef int64_t shp[MAX_NDIM]
    cdef int64_t strd[MAX_NDIM]
    cdef Py_ssize_t rows = 1, nb = counts.shape[0], b, n = x.shape[nd - 1]
    cdef size_t addr = x.ctypes.data
    cdef const char* base = <const char*>addr
    cdef dense_t f = fill[0]
    if cap > 0 and (where.shape[0] < nb * cap or vals.shape[0] < nb * cap
                    or not x.flags.c_contiguous):
        raise ValueError("dense_count: recording needs C-contiguous x and nb * cap slots")
    for a in range(nd):
        shp[a] = x.shape[a]
        strd[a] = x.strides[a]
        if a < nd - 1:
            rows *= shp[a]
    for b in prange(nb, nogil=True, schedule="dynamic", num_threads=max(1, threads)):
        if cap > 0:
            counts[b] = _count_record(
                <const dense_t*>base + rows * b // nb * n,
                (rows * (b + 1) // nb - rows * b // nb) * n, f, half, cap,
                &where[0] + b * cap, &vals[0] + b * cap)
        else:
            counts[b] = _count_block(base, shp, strd, nd, rows * b // nb,
                                     rows * (b + 1) // nb, f, half)


def dense_fill(object x, const dense_t[::1] fill, bint half, const int64_t[::1] starts,
               int64_t[:, ::1] coords, dense_t[::1] values, Py_ssize_t cap,
               const int64_t[::1] where, const dense_t[::1] vals, int threads=1):
    """Write coordinates and values of ``x != fill[0]``, block ``b`` from ``starts[b]``.

    ``starts`` holds ``nb + 1`` offsets (the prefix sum of :func:`dense_count`);
    ``cap``, ``where`` and ``vals`` are those given to :func:`dense_count`: a
    block whose entries were all recorded is written from them.
    """
    cdef int nd = x.ndim, a
    cdef int64_t shp[MAX_NDIM]
    cdef int64_t strd[MAX_NDIM]
    cdef Py_ssize_t rows = 1, nb = starts.shape[0] - 1, b, nnz = values.shape[0]
    cdef size_t addr = x.ctypes.data
    cdef const char* base = <const char*>addr
    cdef dense_t f = fill[0]
    cdef int64_t* co = &coords[0, 0] if nnz > 0 else NULL
    cdef dense_t* vals_out = &values[0] if nnz > 0 else NULL
    if nnz == 0:
        return
    for a in range(nd):
        shp[a] = x.shape[a]
        strd[a] = x.strides[a]
        if a < nd - 1:
            rows *= shp[a]
    if cap > 0 and (where.shape[0] < nb * cap or vals.shape[0] < nb * cap):
        raise ValueError("dense_fill: nb * cap recorded slots expected")
    for b in prange(nb, nogil=True, schedule="dynamic", num_threads=max(1, threads)):
        if cap > 0 and starts[b + 1] - starts[b] <= cap:  # all recorded
            _expand_block(shp, strd, nd, rows * b // nb, &where[0] + b * cap,
                          &vals[0] + b * cap, starts[b + 1] - starts[b], co, nnz, vals_out,
                          starts[b])
        elif starts[b + 1] > starts[b]:
            _fill_block(base, shp, strd, nd, rows * b // nb, rows * (b + 1) // nb, f, half,
                        co, nnz, vals_out, starts[b], starts[b + 1])

# ------------------------------------------------------------ COO -> dense


def scatter(const int64_t[:, :] coords, const int64_t[::1] shape, const dense_t[:] values,
            dense_t[::1] out):
    """``out.reshape(shape)[tuple(coords)] = values``; returns the first bad column or -1.

    Every coordinate is compared with the shape before it is used (two
    predictable branches per entry), so a COO built with ``check=False`` on
    out-of-range coordinates can never write outside ``out``: the wrapper
    raises ``IndexError`` for the column returned. ``out`` holds
    ``prod(shape)`` entries.
    """
    cdef Py_ssize_t nd = coords.shape[0], n = coords.shape[1], i, a
    cdef uint64_t key, c
    cdef Py_ssize_t bad = -1
    if values.shape[0] < n or (nd > 0 and n > 0 and shape.shape[0] < nd):
        raise ValueError("scatter: fewer values or shape entries than coordinates")
    with nogil:
        for i in range(n):
            key = 0
            for a in range(nd):
                c = <uint64_t>coords[a, i]
                if c >= <uint64_t>shape[a]:
                    bad = i
                    break
                key = key * <uint64_t>shape[a] + c
            if bad >= 0:
                break
            out[key] = values[i]
    return bad
