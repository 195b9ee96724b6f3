#pragma once
// Small AVX-512 helpers shared by the *_avx512.cpp kernel files (compiled with -mavx512f/bw/vl/dq/vnni): the same
// exp polynomial as cpu/vec_avx2.h on 16 lanes, so both levels round alike, and the horizontal reductions.
#include <immintrin.h>

#include "cpu/vec_avx2.h"

namespace edt::avx512 {

using avx2::kClampLog2;
using avx2::kLn2;
using avx2::kLog2e;

// 2^t for -125 <= t <= 64 (the caller clamps): avx2::exp2_with_exponent's reduction and polynomial, with 2^round(t)
// applied by vscalefps instead of an integer convert, shift and add. The bits are the same while the result is
// normal, as it is for t >= -125; below that scalef still gives p·2^r (denormal or zero), where the integer route
// gives garbage, so a caller that checks the range afterwards only discards it. r receives round(t) as floats.
inline __m512 exp2_with_exponent(__m512 t, __m512& r) {
  r = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, r);
  __m512 p = _mm512_set1_ps(9.5605102067e-3f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5917039175e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4024981110e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9312196770e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.9999919086e-1f));
  return _mm512_scalef_ps(p, r);
}

inline __m512 exp2_in_range(__m512 t) {
  __m512 k;
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

// The same members as avx2::Vec over 16 lanes (see cpu/vec_avx2.h).
struct Vec {
  using F = __m512;
  using I = __m512;  // round(t) as floats (exp2_with_exponent): the range checks compare them without a convert
  static constexpr size_t kLanes = 16;
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F zero() { return _mm512_setzero_ps(); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F exp2_with_exponent(F t, I& k) { return avx512::exp2_with_exponent(t, k); }
  static F exp2_in_range(F t) { return avx512::exp2_in_range(t); }
  static F exp2_clamped(F t) { return avx512::exp2_clamped(t); }
  static I iset1(int x) { return _mm512_set1_ps(static_cast<float>(x)); }
  static I imin(I a, I b) { return _mm512_min_ps(a, b); }
  static I imax(I a, I b) { return _mm512_max_ps(a, b); }
  // Clamped into int's range first (an infinite or NaN t leaves r infinite or NaN; NaN goes to the low end).
  static int ihmin(I v) { return to_int(_mm512_reduce_min_ps(v)); }
  static int ihmax(I v) { return to_int(_mm512_reduce_max_ps(v)); }
  static int to_int(float x) { return x >= 1e9f ? 1000000000 : x >= -1e9f ? static_cast<int>(x) : -1000000000; }
  static float hsum(F v) { return avx512::hsum(v); }
  static float hmax(F v) { return avx512::hmax(v); }
  static float hmin(F v) { return avx512::hmin(v); }
  static unsigned eq_mask(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  // The two 8-lane halves added: consumers of 8 partial sums (the sampler's block sums) read the same layout.
  static void store8(float* p, F v) {
    _mm256_storeu_ps(p, _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
  }
};

}  // namespace edt::avx512
