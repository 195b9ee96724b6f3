#pragma once
// Q5_1 codes for legacy_simd.h: value = d·q + m, q = nibble + 16·(fifth bit) (≤ 31 × 127: pairs ≤ 7,874).
#include "engine/kernels/legacy_simd.h"
#include "weights/quant/q5_1.h"

namespace edt::kernels {

struct Q5_1Codes {
  using Block = BlockQ5_1;
  static constexpr bool kHasMin = true;
  static __m256i values(const Block& b) { return _mm256_or_si256(legacy_nibbles(b.qs), fifth_bits(b.qh)); }
  static __m256i products(const Block& b, __m256i xv, const int16_t*) {
    return _mm256_maddubs_epi16(_mm256_or_si256(legacy_nibbles(b.qs), fifth_bits(b.qh)), xv);
  }
};

}  // namespace edt::kernels
