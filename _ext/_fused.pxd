# Fused types shared by every kernel module, declared once.
from libc.stdint cimport (
    int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
)

# Element types a dense array can hold (bool travels as uint8, float16 as its
# uint16 bit pattern: the kernels that need them say how they treat them).
ctypedef fused dense_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    float
    double
    float complex
    double complex

# Integer element types (of x, values, lengths in the lookup kernels).
ctypedef fused int_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t

# Element types a sorted search handles: integers and IEEE floats.
ctypedef fused real_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    float
    double

# Unsigned ranking keys (the bits of an element, order-preserving).
ctypedef fused ukey_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t
