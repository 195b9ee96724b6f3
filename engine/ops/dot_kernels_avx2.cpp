// AVX2 + FMA vector loop (see dot_kernels.h). Tails that are not a multiple of the vector width are done in
// scalar code.
#include <immintrin.h>

#include "engine/ops/dot_kernels.h"

namespace edt {

void axpy_f32_avx2(float a, const float* x, float* y, size_t n) {
  const __m256 va = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

}  // namespace edt
