// AVX2 versions of the elementwise operations that need exp: softmax (attention) and SwiGLU (the feed-forward).
// Same exp polynomial as the sampler (relative error < 3e-6).
#include <immintrin.h>

#include "engine/ops/avx2_util.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/elementwise.h"

namespace edt {

using avx2::exp2_clamped;
using avx2::kLog2e;

float max_avx2(const float* x, size_t n) {
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

void softmax_avx2(float* x, size_t n) {
  const float inv = static_cast<float>(1.0 / exp_shifted_avx2(x, n, max_avx2(x, n), x));
  const __m256 vinv = _mm256_set1_ps(inv);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
  for (; i < n; ++i) x[i] *= inv;
}

// silu(g) = g·sigmoid(g), with e = exp(-|g|) ≤ 1 so the exp never overflows: sigmoid is 1/(1+e) for g ≥ 0 and
// e/(1+e) below.
void swiglu_avx2(float* gate, const float* up, size_t n) {
  const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f), neg_log2e = _mm256_set1_ps(-kLog2e);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = exp2_clamped(_mm256_mul_ps(_mm256_andnot_ps(sign, g), neg_log2e));
    const __m256 num = _mm256_blendv_ps(one, e, g);  // blendv picks e where g's sign bit is set
    const __m256 sig = _mm256_div_ps(num, _mm256_add_ps(one, e));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_mul_ps(g, sig), _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace edt
