// AVX2 activation quantizers (see activations.h).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/activations.h"
#include "weights/half.h"

namespace edt {
namespace {

// int32 lanes of four vectors (32 values in order) -> 32 int8, saturating.
inline __m256i pack_32(const __m256i (&q)[4]) {
  const __m256i p01 = _mm256_packs_epi32(q[0], q[1]), p23 = _mm256_packs_epi32(q[2], q[3]);
  // int32 -> int16 -> int8 packs interleave 128-bit lanes; the permute puts the 32 bytes back in order.
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

void quantize_row_q8_0_avx2(const float* x, BlockQ8_0* y, size_t n) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    const float* xb = x + k * kQuantBlock;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_mask, v[j]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    y[k].d = f32_to_f16(d);
    const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
    __m256i q[4];
    for (int j = 0; j < 4; ++j)
      q[j] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[j], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[k].qs), pack_32(q));
  }
}

// Bit for bit the scalar quantize_row_q8_k: the first value of largest magnitude sets the sign of the scale,
// iscale · x rounded to nearest even (vroundps), clamped at 127.
void quantize_row_q8_k_avx2(const float* x, BlockQ8_K* y, size_t n) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    __m256 amax_v = _mm256_setzero_ps();
    for (size_t j = 0; j < kSuperBlock; j += 8) amax_v = _mm256_max_ps(amax_v, _mm256_andnot_ps(sign_mask, _mm256_loadu_ps(x + j)));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax_v), _mm256_extractf128_ps(amax_v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float amax = _mm_cvtss_f32(m);
    if (amax == 0.0f) {
      std::memset(&y[b], 0, sizeof(BlockQ8_K));
      continue;
    }
    float max = amax;
    const __m256 target = _mm256_set1_ps(amax);
    for (size_t j = 0; j < kSuperBlock; j += 8) {
      const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign_mask, _mm256_loadu_ps(x + j)), target, _CMP_EQ_OQ));
      if (hit) {
        max = x[j + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(hit)))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 is = _mm256_set1_ps(iscale);
    const __m256i cap = _mm256_set1_epi32(127);
    for (size_t j = 0; j < kSuperBlock; j += 32) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        const __m256 r = _mm256_round_ps(_mm256_mul_ps(is, _mm256_loadu_ps(x + j + 8 * static_cast<size_t>(i))),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        q[i] = _mm256_min_epi32(_mm256_cvttps_epi32(r), cap);
      }
      y[b].bsums[j / 16] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[0], q[1])));
      y[b].bsums[j / 16 + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[2], q[3])));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs + j), pack_32(q));
    }
    y[b].d = 1.0f / iscale;
  }
}

}  // namespace edt
