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

# Integer types an index array can hold.
ctypedef fused index_t:
    int32_t
    int64_t
