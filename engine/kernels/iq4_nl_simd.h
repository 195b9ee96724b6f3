#pragma once
// IQ4_NL codes for legacy_simd.h: the nibbles index the IQ4 grid (iq4_xs_simd.h's shuffle and sign trick).
#include "engine/kernels/iq4_xs_simd.h"
#include "engine/kernels/legacy_simd.h"
#include "weights/quant/iq4_nl.h"

namespace edt::kernels {

struct Iq4NlCodes {
  using Block = BlockIQ4_NL;
  static constexpr bool kHasMin = false;
  static __m256i values(const Block& b) { return _mm256_shuffle_epi8(iq4_grid_vector(), legacy_nibbles(b.qs)); }
  static __m256i products(const Block& b, __m256i xv, const int16_t*) {
    return iq4_products(iq4_grid_vector(), legacy_nibbles(b.qs), xv);
  }
};

}  // namespace edt::kernels
