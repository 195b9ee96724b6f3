#pragma once
// Q6_K: 256-weight super-block of 16 groups of 16; 6-bit levels (value = d * scale_g * (q - 32)), an int8 scale per
// group and one f16 super-block scale. 6.5625 bits per weight.
#include <cstddef>
#include <cstdint>

namespace edt {

inline constexpr size_t kSuperBlock = 256;  // elements per K-quant / IQ4_XS super-block

struct BlockQ6_K {
  uint8_t ql[128];    // low 4 bits: in each 128-half, element l in ql[l] low nibble, l+32 in ql[l+32] low nibble,
                      // l+64 in ql[l] high nibble, l+96 in ql[l+32] high nibble
  uint8_t qh[64];     // high 2 bits: in each 128-half, elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7 of qh[l]
  int8_t scales[16];  // per group of 16
  uint16_t d;         // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210);

// n must be a multiple of 256.
void quantize_row_q6_k(const float* x, BlockQ6_K* y, size_t n);
void dequantize_row_q6_k(const BlockQ6_K* x, float* y, size_t n);

}  // namespace edt
