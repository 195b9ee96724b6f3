// Reference vector loops and run-time selection.
#include "engine/ops/dot_kernels.h"

namespace edt {

void axpy_f32_ref(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float sum_f32_ref(const float* x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += x[i];
  return static_cast<float>(s);
}

AxpyKernel axpy_kernel(Isa isa) { return isa >= Isa::Avx2 ? axpy_f32_avx2 : axpy_f32_ref; }

}  // namespace edt
