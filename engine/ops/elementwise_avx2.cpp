// AVX2 versions of the elementwise operations that need exp: softmax (attention) and SwiGLU (the feed-forward).
// Same exp polynomial as the sampler (relative error < 3e-6); the max and exp loops are cpu/vector_math.h's.
#include <immintrin.h>

#include "cpu/vec_avx2.h"

#include <algorithm>
#include <cmath>

#include "cpu/vector_math.h"
#include "engine/ops/elementwise.h"

namespace edt {

using avx2::exp2_clamped;
using avx2::kLog2e;

void softmax_avx2(float* x, size_t n) {
  const float inv = static_cast<float>(1.0 / exp_shifted_avx2(x, n, max_f32_avx2(x, n), x));
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
