#pragma once
// The float vector loop attention uses (the weight types' kernels live in the kernel table,
// engine/kernels/kernel_table.h; the bandwidth probe's read loops in cpu/read_bandwidth.h).
#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"

namespace edt {

// y[i] += a * x[i], for attention's weighted sum of values.
using AxpyKernel = void (*)(float a, const float* x, float* y, size_t n);
AxpyKernel axpy_kernel(Isa isa);
void axpy_f32_ref(float a, const float* x, float* y, size_t n);
void axpy_f32_avx2(float a, const float* x, float* y, size_t n);

}  // namespace edt
