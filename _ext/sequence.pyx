"""Compiled sequence-mask kernels: padding masks from lengths.

The Python wrapper (``arraymask/masks/_kernels.py``) validates the lengths
(integers, non-negative) and allocates the output; the kernel only loops,
without the GIL. Booleans travel as ``uint8`` (0/1).
"""
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memset

from _fused cimport int_t


def lengths_fill(const int_t[::1] lengths, uint8_t[:, ::1] out, bint left):
    """Row ``i`` of ``out`` gets ``min(lengths[i], width)`` ones, right- or left-aligned.

    ``lengths`` are non-negative (checked by the caller); ``out`` has one row
    per length and at least one column. Serial on purpose: two ``memset``
    calls per row are bound by memory bandwidth and page faults, and a second
    thread measured slower (see ``docs/benchmarks/masks_select.md``).
    """
    cdef Py_ssize_t i, n, rows = out.shape[0], width = out.shape[1]
    cdef uint8_t* base = &out[0, 0]
    cdef uint8_t* row
    with nogil:
        for i in range(rows):
            n = width
            if <uint64_t>lengths[i] < <uint64_t>width:
                n = <Py_ssize_t>lengths[i]
            row = base + i * width
            if left:
                memset(row, 0, width - n)
                memset(row + (width - n), 1, n)
            else:
                memset(row, 1, n)
                memset(row + n, 0, width - n)
