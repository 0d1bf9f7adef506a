"""Compiled COO kernels (CPU).

Each kernel takes typed memoryviews that the Python wrapper has validated, and
loops without the GIL. Outputs are allocated by the caller.
"""
from libc.stdint cimport int64_t

from _fused cimport dense_t


def count_entries_2d(const dense_t[:, :] x, dense_t fill):
    """Number of elements of ``x`` (any strides) that differ from ``fill``."""
    cdef Py_ssize_t i, j, nnz = 0
    with nogil:
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                if x[i, j] != fill:
                    nnz += 1
    return nnz


def fill_entries_2d(const dense_t[:, :] x, dense_t fill,
                    int64_t[:, ::1] coords, dense_t[::1] values):
    """Write row-major coordinates and values of ``x != fill``.

    ``coords`` is ``(2, nnz)`` and ``values`` ``(nnz,)``, with ``nnz`` from
    :func:`count_entries_2d`.
    """
    cdef Py_ssize_t i, j, pos = 0
    with nogil:
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                if x[i, j] != fill:
                    coords[0, pos] = i
                    coords[1, pos] = j
                    values[pos] = x[i, j]
                    pos += 1
