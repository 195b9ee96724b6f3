#pragma once
// Small AVX2 helpers shared by the per-ISA kernel files. Include only from files compiled with -mavx2 -mfma
// (the *_avx2.cpp files): the intrinsics need those flags.
#include <immintrin.h>

namespace edt::avx2 {

inline float hsum(__m256 v) {
  __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_add_ps(a, _mm_movehl_ps(a, a));
  a = _mm_add_ss(a, _mm_movehdup_ps(a));
  return _mm_cvtss_f32(a);
}

// The four horizontal sums of a, b, c, d as one vector {Σa, Σb, Σc, Σd}.
inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);  // per 128-bit half: a01 a23 b01 b23 | ...
  const __m256 abcd = _mm256_hadd_ps(ab, cd);                        // per half: Σa Σb Σc Σd over that half
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

inline float hmax(__m256 v) {
  __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_max_ps(a, _mm_movehl_ps(a, a));
  a = _mm_max_ss(a, _mm_movehdup_ps(a));
  return _mm_cvtss_f32(a);
}

}  // namespace edt::avx2
