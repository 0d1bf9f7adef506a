# cython: language_level=3
"""Freed large blocks kept for reuse: a NumPy memory handler (NEP 49).

The compiled routes install this handler around their calls
(:mod:`arraymask._backend._memory`), so the outputs and scratch arrays they
make come from here. When such an array is freed, a block of at least
``MIN_BLOCK`` bytes goes to an idle list (at most ``limit`` bytes, oldest
evicted first) instead of back to the operating system; the next call of a
similar size takes it without a page fault. Every block carries a 16-byte
header with its capacity, so ``free`` and ``realloc`` know what they hold.
"""

from cpython.pycapsule cimport PyCapsule_New
from cpython.pythread cimport (
    WAIT_LOCK,
    PyThread_acquire_lock,
    PyThread_allocate_lock,
    PyThread_release_lock,
    PyThread_type_lock,
)
from libc cimport stdlib
from libc.stdint cimport SIZE_MAX, uint8_t
from libc.string cimport memset, strncpy

cdef extern from "numpy/arrayobject.h":
    int _import_array() except -1
    ctypedef struct PyDataMemAllocator:
        void* ctx
        void* (*malloc)(void* ctx, size_t size) noexcept nogil
        void* (*calloc)(void* ctx, size_t nelem, size_t elsize) noexcept nogil
        void* (*realloc)(void* ctx, void* ptr, size_t new_size) noexcept nogil
        void (*free)(void* ctx, void* ptr, size_t size) noexcept nogil
    ctypedef struct PyDataMem_Handler:
        char name[127]
        uint8_t version
        PyDataMemAllocator allocator
    object PyDataMem_SetHandler(object handler)

_import_array()

cdef extern from *:
    """
    #ifdef __linux__
    #include <sys/mman.h>
    #include <stdint.h>
    /* As NumPy does for its large arrays: back the block with huge pages. */
    static void am_advise_huge(void* p, size_t size) {
        uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
        uintptr_t end = (uintptr_t)p + size;
        if (end > start) madvise((void*)start, end - start, MADV_HUGEPAGE);
    }
    #else
    static void am_advise_huge(void* p, size_t size) { (void)p; (void)size; }
    #endif
    """
    void am_advise_huge(void* p, size_t size) noexcept nogil

cdef enum:
    HEADER = 16            # keeps malloc's 16-byte alignment of the data
    SLOTS = 64             # idle blocks at most
    HUGE_FROM = 1 << 22    # NumPy's threshold for huge-page advice
    SMALLEST = 1 << 20     # smaller blocks go straight back to malloc

#: Smallest block the pool keeps (bytes).
MIN_BLOCK = SMALLEST

cdef struct Idle:
    char* base
    size_t cap

cdef Idle idle[SLOTS]
cdef Py_ssize_t n_idle = 0
cdef size_t held = 0
cdef Py_ssize_t reused = 0, evicted_count = 0
cdef size_t limit = 0
cdef bint advise = True
cdef PyThread_type_lock lock = PyThread_allocate_lock()


cdef inline void* finish(char* base, size_t cap) noexcept nogil:
    (<size_t*>base)[0] = cap
    return base + HEADER


cdef void* fresh(char* base, size_t size) noexcept nogil:
    """A block just allocated by the C library (or NULL): huge-page advice, header."""
    if base == NULL:
        return NULL
    if advise and size >= HUGE_FROM:
        am_advise_huge(base, size + HEADER)
    return finish(base, size)


cdef char* take(size_t size) noexcept nogil:
    """An idle block of capacity in [size, 1.25 size + 2 MiB], the smallest one."""
    global n_idle, held, reused
    cdef Py_ssize_t i, best = -1
    cdef size_t most = size + size // 4 + (1 << 21)
    cdef char* base = NULL
    if size < <size_t>SMALLEST or held == 0:
        return NULL
    PyThread_acquire_lock(lock, WAIT_LOCK)
    for i in range(n_idle):
        if size <= idle[i].cap <= most and (best < 0 or idle[i].cap < idle[best].cap):
            best = i
    if best >= 0:
        base = idle[best].base
        held -= idle[best].cap
        idle[best] = idle[n_idle - 1]
        n_idle -= 1
        reused += 1
    PyThread_release_lock(lock)
    return base


cdef void* pool_malloc(void* ctx, size_t size) noexcept nogil:
    cdef char* base = take(size)
    if base != NULL:
        return base + HEADER
    if size > SIZE_MAX - HEADER:
        return NULL
    return fresh(<char*>stdlib.malloc(size + HEADER), size)


cdef void* pool_calloc(void* ctx, size_t nelem, size_t elsize) noexcept nogil:
    cdef size_t size
    cdef char* base
    if elsize and nelem > (SIZE_MAX - HEADER) // elsize:
        return NULL
    size = nelem * elsize
    base = take(size)
    if base != NULL:
        memset(base + HEADER, 0, size)
        return base + HEADER
    return fresh(<char*>stdlib.calloc(size + HEADER, 1), size)


cdef void* pool_realloc(void* ctx, void* ptr, size_t new_size) noexcept nogil:
    cdef char* base
    cdef size_t cap
    if ptr == NULL:
        return pool_malloc(ctx, new_size)
    if new_size > SIZE_MAX - HEADER:
        return NULL
    base = <char*>ptr - HEADER
    cap = (<size_t*>base)[0]
    if cap // 2 <= new_size <= cap:
        return ptr  # a trim (duplicates merged): the block keeps its size for reuse
    base = <char*>stdlib.realloc(base, new_size + HEADER)
    if base == NULL:
        return NULL
    return finish(base, new_size)


cdef void pool_free(void* ctx, void* ptr, size_t size) noexcept nogil:
    global n_idle, held, evicted_count
    cdef char* base
    cdef char* evicted[SLOTS]
    cdef Py_ssize_t n_evicted = 0, i
    cdef size_t cap
    if ptr == NULL:
        return
    base = <char*>ptr - HEADER
    cap = (<size_t*>base)[0]
    if cap < <size_t>SMALLEST or cap > limit:
        stdlib.free(base)
        return
    PyThread_acquire_lock(lock, WAIT_LOCK)
    while n_idle and (held + cap > limit or n_idle == SLOTS):
        evicted[n_evicted] = idle[0].base
        n_evicted += 1
        evicted_count += 1
        held -= idle[0].cap
        for i in range(1, n_idle):
            idle[i - 1] = idle[i]
        n_idle -= 1
    idle[n_idle].base = base
    idle[n_idle].cap = cap
    n_idle += 1
    held += cap
    PyThread_release_lock(lock)
    for i in range(n_evicted):  # outside the lock: giving memory back is slow
        stdlib.free(evicted[i])


cdef PyDataMem_Handler handler
strncpy(handler.name, b"arraymask_pool", 127)
handler.version = 1
handler.allocator.ctx = NULL
handler.allocator.malloc = pool_malloc
handler.allocator.calloc = pool_calloc
handler.allocator.realloc = pool_realloc
handler.allocator.free = pool_free

#: The capsule NumPy takes as a memory handler.
HANDLER = PyCapsule_New(&handler, b"mem_handler", NULL)


def install():
    """Make this pool the current thread's (and context's) NumPy allocator.

    Returns the handler it replaced, for :func:`restore`.
    """
    return PyDataMem_SetHandler(HANDLER)


def restore(previous):
    """Put back the handler :func:`install` returned."""
    PyDataMem_SetHandler(previous)


def configure(Py_ssize_t limit_bytes, bint huge_pages=True):
    """Keep at most ``limit_bytes`` of freed blocks (0: keep none, release all)."""
    global limit, advise
    if limit_bytes < 0:
        raise ValueError(f"limit_bytes must be >= 0, got {limit_bytes}")
    limit = limit_bytes
    advise = huge_pages
    if limit_bytes == 0:
        release()


def release():
    """Give every idle block back to the operating system; returns the bytes freed."""
    global n_idle, held
    cdef Py_ssize_t i
    cdef size_t freed
    cdef Idle[SLOTS] gone
    cdef Py_ssize_t n
    with nogil:
        PyThread_acquire_lock(lock, WAIT_LOCK)
        n = n_idle
        for i in range(n):
            gone[i] = idle[i]
        freed = held
        n_idle = 0
        held = 0
        PyThread_release_lock(lock)
        for i in range(n):
            stdlib.free(gone[i].base)
    return freed


def stats():
    """``(idle bytes held, blocks reused, blocks evicted)`` since the process started."""
    return held, reused, evicted_count


def after_fork():
    """A fresh lock in a forked child (the parent's may have been held)."""
    global lock
    lock = PyThread_allocate_lock()
