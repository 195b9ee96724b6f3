#pragma once
// Small AVX2 helpers shared by the per-ISA kernel files. Include only from files compiled with -mavx2 -mfma
// (the *_avx2.cpp files): the intrinsics need those flags.
#include <immintrin.h>

#include <cstddef>

namespace edt::avx2 {

inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2 = 0.69314718055994531f;
inline constexpr float kClampLog2 = -125.0f;  // 2^-125 ≈ 2.4e-38: the smallest power the exponent trick can build

// 2^t for -125 <= t <= 64 (the caller clamps): 2^round(t) goes straight into the exponent bits, times a degree-4
// polynomial for 2^f, f = t - round(t) in [-0.5, 0.5] (a least-squares fit in relative error at 400 Chebyshev
// nodes, max relative error 2.7e-6). The exponent is added to p's bits as an integer instead of a multiply.
// round(t) by vroundps, not by adding and subtracting 1.5·2^23: the same values (both round half to even), with
// a dependency chain 3 cycles shorter and the two adds moved off the FADD pipes; measured 4% faster in the
// sampler's entropy pass. k receives round(t) as integers, for callers that check the range afterwards.
inline __m256 exp2_with_exponent(__m256 t, __m256i& k) {
  const __m256 r = _mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 f = _mm256_sub_ps(t, r);
  __m256 p = _mm256_set1_ps(9.5605102067e-3f);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.5917039175e-2f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.4024981110e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(6.9312196770e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.9999919086e-1f));
  k = _mm256_cvtps_epi32(r);
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(k, 23)));
}

inline __m256 exp2_in_range(__m256 t) {
  __m256i k;
  return exp2_with_exponent(t, k);
}

// 2^t for t <= 0, clamped at 2^-125 ≈ 2.4e-38 (the smallest power the exponent trick builds).
inline __m256 exp2_clamped(__m256 t) { return exp2_in_range(_mm256_max_ps(t, _mm256_set1_ps(kClampLog2))); }

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

inline float hmin(__m256 v) {
  __m128 a = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  a = _mm_min_ps(a, _mm_movehl_ps(a, a));
  a = _mm_min_ss(a, _mm_movehdup_ps(a));
  return _mm_cvtss_f32(a);
}

}  // namespace edt::avx2

namespace edt::avx2 {

// The level's vector type and operations under one name, for kernel bodies written once and compiled per level
// (cpu/vec_avx512.h has the same members over 16 lanes).
struct Vec {
  using F = __m256;
  using I = __m256i;
  static constexpr size_t kLanes = 8;
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F zero() { return _mm256_setzero_ps(); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F exp2_with_exponent(F t, I& k) { return avx2::exp2_with_exponent(t, k); }
  static F exp2_in_range(F t) { return avx2::exp2_in_range(t); }
  static F exp2_clamped(F t) { return avx2::exp2_clamped(t); }
  static I iset1(int x) { return _mm256_set1_epi32(x); }
  static I imin(I a, I b) { return _mm256_min_epi32(a, b); }
  static I imax(I a, I b) { return _mm256_max_epi32(a, b); }
  static int ihmin(I v) {
    const __m128i a = _mm_min_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i b = _mm_min_epi32(a, _mm_shuffle_epi32(a, 0x4e));
    return _mm_cvtsi128_si32(_mm_min_epi32(b, _mm_shuffle_epi32(b, 0xb1)));
  }
  static int ihmax(I v) {
    const __m128i a = _mm_max_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const __m128i b = _mm_max_epi32(a, _mm_shuffle_epi32(a, 0x4e));
    return _mm_cvtsi128_si32(_mm_max_epi32(b, _mm_shuffle_epi32(b, 0xb1)));
  }
  static float hsum(F v) { return avx2::hsum(v); }
  static float hmax(F v) { return avx2::hmax(v); }
  static float hmin(F v) { return avx2::hmin(v); }
  // Bit i set where lane i of a equals b.
  static unsigned eq_mask(F a, F b) { return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_EQ_OQ))); }
  // The vector's lanes folded to 8 floats (here: as they are).
  static void store8(float* p, F v) { _mm256_storeu_ps(p, v); }
};

}  // namespace edt::avx2
