#pragma once
// Q4_1 codes for legacy_simd.h: value = d·q + m, q the plain nibble (≤ 15 × |x| ≤ 127: pairs ≤ 3,810).
#include "engine/kernels/legacy_simd.h"
#include "weights/quant/q4_1.h"

namespace edt::kernels {

struct Q4_1Codes {
  using Block = BlockQ4_1;
  static constexpr bool kHasMin = true;
  static __m256i values(const Block& b) { return legacy_nibbles(b.qs); }
  static __m256i products(const Block& b, __m256i xv, const int16_t*) { return _mm256_maddubs_epi16(legacy_nibbles(b.qs), xv); }
};

}  // namespace edt::kernels
