// AVX2 integer dot kernels (maddubs: unsigned x signed bytes -> int16 pairs -> int32) and the activation quantizer.
#include <immintrin.h>

#include "engine/ops/avx2_util.h"

#include <cmath>

#include "engine/ops/int8_kernels.h"
#include "weights/half.h"

namespace edt {
namespace {

using avx2::hmax;
using avx2::hsum;

// Σ a_i·b_i over 32 signed bytes, as 8 float lanes. maddubs needs one unsigned operand: |a| with b given a's sign.
inline __m256 mul_sum_i8(__m256i a, __m256i b) {
  const __m256i ax = _mm256_sign_epi8(a, a);
  const __m256i sy = _mm256_sign_epi8(b, a);
  const __m256i dot16 = _mm256_maddubs_epi16(ax, sy);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(dot16, _mm256_set1_epi16(1)));
}

inline float half(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace

float dot_q8_0_q8_0_avx2(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(w);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const size_t blocks = n / kQuantBlock;
  size_t k = 0;
  for (; k + 2 <= blocks; k += 2) {
    const __m256 d0 = _mm256_set1_ps(half(b[k].d) * half(xq[k].d));
    const __m256 d1 = _mm256_set1_ps(half(b[k + 1].d) * half(xq[k + 1].d));
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[k].qs));
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k].qs));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[k + 1].qs));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k + 1].qs));
    acc0 = _mm256_fmadd_ps(d0, mul_sum_i8(w0, x0), acc0);
    acc1 = _mm256_fmadd_ps(d1, mul_sum_i8(w1, x1), acc1);
  }
  for (; k < blocks; ++k) {
    const __m256 d = _mm256_set1_ps(half(b[k].d) * half(xq[k].d));
    const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[k].qs));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k].qs));
    acc0 = _mm256_fmadd_ps(d, mul_sum_i8(wv, xv), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}


float dot_q4_0_q8_0_avx2(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(w);
  const __m256i low = _mm256_set1_epi8(0x0f), eight = _mm256_set1_epi8(8);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const size_t blocks = n / kQuantBlock;
  auto unpack = [&](const BlockQ4_0& blk) {  // 32 nibbles -> 32 signed bytes in element order
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);  // high half: elements 16..31
    return _mm256_sub_epi8(_mm256_and_si256(both, low), eight);
  };
  size_t k = 0;
  for (; k + 2 <= blocks; k += 2) {
    const __m256 d0 = _mm256_set1_ps(half(b[k].d) * half(xq[k].d));
    const __m256 d1 = _mm256_set1_ps(half(b[k + 1].d) * half(xq[k + 1].d));
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k].qs));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k + 1].qs));
    acc0 = _mm256_fmadd_ps(d0, mul_sum_i8(unpack(b[k]), x0), acc0);
    acc1 = _mm256_fmadd_ps(d1, mul_sum_i8(unpack(b[k + 1]), x1), acc1);
  }
  for (; k < blocks; ++k) {
    const __m256 d = _mm256_set1_ps(half(b[k].d) * half(xq[k].d));
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[k].qs));
    acc0 = _mm256_fmadd_ps(d, mul_sum_i8(unpack(b[k]), xv), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

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
    // Round to nearest (ties to even; the scalar quantizer rounds ties away from zero, so the two may differ by one
    // step on exact ties, which the tests allow).
    for (int j = 0; j < 4; ++j)
      q[j] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[j], id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    // int32 -> int16 -> int8 packs interleave 128-bit lanes; the permute puts the 32 bytes back in order.
    const __m256i p01 = _mm256_packs_epi32(q[0], q[1]), p23 = _mm256_packs_epi32(q[2], q[3]);
    const __m256i p = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[k].qs), p);
  }
}

}  // namespace edt
