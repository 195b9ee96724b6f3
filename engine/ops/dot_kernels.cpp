// Reference vector loops and run-time selection.
#include "engine/ops/dot_kernels.h"

namespace edt {

void axpy_f32_ref(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

AxpyKernel axpy_kernel(Isa isa) { return isa >= Isa::Avx2 ? axpy_f32_avx2 : axpy_f32_ref; }

}  // namespace edt
