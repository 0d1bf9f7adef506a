# Bit-level helpers of the ranking kernels (topk.pyx, sampling.pyx), declared once:
# the trailing-zero count that finds marked bytes in a 64-bit word, and the
# sign and infinity patterns of IEEE floats of each width.
from libc.stdint cimport uint16_t, uint32_t, uint64_t

from _fused cimport ukey_t

cdef extern from *:
    """
    #if !defined(__GNUC__) && !defined(__clang__)
    #error "arraymask's ranking kernels need __builtin_ctzll (GCC or Clang)"
    #endif
    #if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    #error "arraymask's ranking kernels read mask bytes as little-endian words"
    #endif
    """
    int ctz64 "__builtin_ctzll"(unsigned long long) noexcept nogil


cdef inline void float_bits(ukey_t* sign, ukey_t* inf_bits) noexcept nogil:
    """The sign bit and the +inf pattern of the IEEE float whose bits ``ukey_t`` holds."""
    if ukey_t is uint16_t:
        sign[0] = <ukey_t>0x8000
        inf_bits[0] = <ukey_t>0x7C00
    elif ukey_t is uint32_t:
        sign[0] = <ukey_t>0x80000000U
        inf_bits[0] = <ukey_t>0x7F800000U
    elif ukey_t is uint64_t:
        sign[0] = <ukey_t>0x8000000000000000ULL
        inf_bits[0] = <ukey_t>0x7FF0000000000000ULL
    else:  # there is no 8-bit float: treat the bits as an unsigned integer
        sign[0] = <ukey_t>0x80
        inf_bits[0] = <ukey_t>0xFF
