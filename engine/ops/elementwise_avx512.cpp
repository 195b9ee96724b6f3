// AVX-512 versions of softmax and SwiGLU: the AVX2 loops on 16 lanes with masked tails, the same exp polynomial.
#include <immintrin.h>

#include "cpu/vec_avx512.h"
#include "cpu/vector_math.h"
#include "engine/ops/elementwise.h"

namespace edt {

void softmax_avx512(float* x, size_t n) {
  const float inv = static_cast<float>(1.0 / exp_shifted_avx512(x, n, max_f32_avx512(x, n), x));
  const __m512 vinv = _mm512_set1_ps(inv);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), vinv));
  if (i < n) {
    const __mmask16 m = avx512::tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vinv));
  }
}

// silu(g) = g·sigmoid(g) with e = exp(-|g|) <= 1 (see swiglu_avx2).
void swiglu_avx512(float* gate, const float* up, size_t n) {
  const __m512 one = _mm512_set1_ps(1.0f), neg_log2e = _mm512_set1_ps(-avx512::kLog2e);
  auto step = [&](__m512 g, __m512 u) {
    const __m512 e = avx512::exp2_clamped(_mm512_mul_ps(_mm512_abs_ps(g), neg_log2e));
    const __mmask16 negative = _mm512_movepi32_mask(_mm512_castps_si512(g));
    const __m512 num = _mm512_mask_blend_ps(negative, one, e);
    return _mm512_mul_ps(_mm512_mul_ps(g, _mm512_div_ps(num, _mm512_add_ps(one, e))), u);
  };
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(gate + i, step(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
  if (i < n) {
    const __mmask16 m = avx512::tail_mask(n - i);
    _mm512_mask_storeu_ps(gate + i, m, step(_mm512_maskz_loadu_ps(m, gate + i), _mm512_maskz_loadu_ps(m, up + i)));
  }
}

}  // namespace edt
