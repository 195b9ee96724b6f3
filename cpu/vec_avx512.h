#pragma once
// Small AVX-512 helpers shared by the *_avx512.cpp kernel files (compiled with -mavx512f/bw/vl/dq/vnni): the same
// exp polynomial as cpu/vec_avx2.h on 16 lanes, so both levels round alike, and the horizontal reductions.
#include <immintrin.h>

#include "cpu/vec_avx2.h"

namespace edt::avx512 {

using avx2::kClampLog2;
using avx2::kLn2;
using avx2::kLog2e;

// 2^t for -125 <= t <= 64 (the caller clamps); see avx2::exp2_with_exponent for the construction and error.
inline __m512 exp2_with_exponent(__m512 t, __m512i& k) {
  const __m512 r = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, r);
  __m512 p = _mm512_set1_ps(9.5605102067e-3f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5917039175e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4024981110e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9312196770e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.9999919086e-1f));
  k = _mm512_cvtps_epi32(r);
  return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), _mm512_slli_epi32(k, 23)));
}

inline __m512 exp2_in_range(__m512 t) {
  __m512i k;
  return exp2_with_exponent(t, k);
}

inline __m512 exp2_clamped(__m512 t) { return exp2_in_range(_mm512_max_ps(t, _mm512_set1_ps(kClampLog2))); }

inline float hsum(__m512 v) {
  const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  return avx2::hsum(a);
}

inline float hmax(__m512 v) { return _mm512_reduce_max_ps(v); }
inline float hmin(__m512 v) { return _mm512_reduce_min_ps(v); }

// The four horizontal sums of a, b, c, d as one vector {Σa, Σb, Σc, Σd}.
inline __m128 hsum4(__m512 a, __m512 b, __m512 c, __m512 d) {
  const auto fold = [](__m512 v) { return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)); };
  return avx2::hsum4(fold(a), fold(b), fold(c), fold(d));
}

// Mask of the first n (< 16) lanes, for loop tails.
inline __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }

}  // namespace edt::avx512
