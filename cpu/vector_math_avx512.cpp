// AVX-512 versions of cpu/vector_math.h's loops: 16 lanes, masked tails, the same polynomial as AVX2.
#include <immintrin.h>

#include <cmath>

#include "cpu/vec_avx512.h"
#include "cpu/vector_math.h"

namespace edt {

float max_f32_avx512(const float* x, size_t n) {
  __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
    m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
    m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + i + 32));
    m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + i + 48));
  }
  for (; i + 16 <= n; i += 16) m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
  if (i < n) m1 = _mm512_max_ps(m1, _mm512_mask_loadu_ps(m1, avx512::tail_mask(n - i), x + i));
  return avx512::hmax(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

double exp_shifted_avx512(const float* x, size_t n, float max, float* out) {
  const __m512 scale = _mm512_set1_ps(avx512::kLog2e), shift = _mm512_set1_ps(-max * avx512::kLog2e);
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 e0 = avx512::exp2_clamped(_mm512_fmadd_ps(_mm512_loadu_ps(x + i), scale, shift));
    const __m512 e1 = avx512::exp2_clamped(_mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), scale, shift));
    _mm512_storeu_ps(out + i, e0);
    _mm512_storeu_ps(out + i + 16, e1);
    a0 = _mm512_add_ps(a0, e0);
    a1 = _mm512_add_ps(a1, e1);
  }
  double total = avx512::hsum(_mm512_add_ps(a0, a1));
  // The tail in double, as the AVX2 version does, so the two levels agree on short rows.
  for (; i < n; ++i) total += out[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - max));
  return total;
}

}  // namespace edt
