#pragma once
// Q5_0 codes for legacy_simd.h: value = d·(q − 16), q = nibble + 16·(fifth bit) multiplied unsigned, the 16 taken
// back out in int16 as twice the activations' offsets (8·pair sums).
#include "engine/kernels/legacy_simd.h"
#include "weights/quant/q5_0.h"

namespace edt::kernels {

struct Q5_0Codes {
  using Block = BlockQ5_0;
  static constexpr bool kHasMin = false;
  static __m256i values(const Block& b) {
    return _mm256_sub_epi8(_mm256_or_si256(legacy_nibbles(b.qs), fifth_bits(b.qh)), _mm256_set1_epi8(16));
  }
  static __m256i products(const Block& b, __m256i xv, const int16_t* offsets8) {
    const __m256i q = _mm256_or_si256(legacy_nibbles(b.qs), fifth_bits(b.qh));
    return _mm256_sub_epi16(_mm256_maddubs_epi16(q, xv), _mm256_slli_epi16(load32(offsets8), 1));
  }
};

}  // namespace edt::kernels
