// AVX2 versions of cpu/vector_math.h's loops.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "cpu/vec_avx2.h"
#include "cpu/vector_math.h"

namespace edt {

using avx2::exp2_clamped;
using avx2::kLog2e;

float max_f32_avx2(const float* x, size_t n) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
    m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 16));
    m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + i + 24));
  }
  float max = avx2::hmax(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
  for (; i < n; ++i) max = std::max(max, x[i]);
  return max;
}

double exp_shifted_avx2(const float* x, size_t n, float max, float* out) {
  const __m256 scale = _mm256_set1_ps(kLog2e), shift = _mm256_set1_ps(-max * kLog2e);
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 e0 = exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(x + i), scale, shift));
    const __m256 e1 = exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), scale, shift));
    _mm256_storeu_ps(out + i, e0);
    _mm256_storeu_ps(out + i + 8, e1);
    a0 = _mm256_add_ps(a0, e0);
    a1 = _mm256_add_ps(a1, e1);
  }
  double total = avx2::hsum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) total += out[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - max));
  return total;
}

}  // namespace edt
