#pragma once
// The one instruction the integer bodies of the K types differ in per level: acc += Σ pairs of int16 products
// into int32 lanes. AVX2: madd + add; AVX-512 VNNI: vpdpwssd, fused. A body (engine/kernels/<type>_simd.h) is
// written once over Ops and compiled in <type>_avx2.cpp and <type>_avx512.cpp.
#include <immintrin.h>

namespace edt::kernels {

struct Avx2Ops {
  static __m256i madd_acc(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
};

#ifdef __AVX512VNNI__
struct VnniOps {
  static __m256i madd_acc(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }
};
#endif

// int16 lanes 0-7 = a, lanes 8-15 = b: the scales of the two groups of 16 one maddubs result covers.
inline __m256i pair_scales(int a, int b) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(b)), _mm_set1_epi16(static_cast<short>(a)));
}

}  // namespace edt::kernels
