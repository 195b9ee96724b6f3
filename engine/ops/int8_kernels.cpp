// Reference integer kernels and selection.
#include "engine/ops/int8_kernels.h"

#include <cstdint>

#include "weights/half.h"

namespace edt {

float dot_q8_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    int32_t acc = 0;
    for (size_t j = 0; j < kQuantBlock; ++j) acc += int32_t{b[k].qs[j]} * xq[k].qs[j];
    s += static_cast<double>(acc) * f16_to_f32(b[k].d) * f16_to_f32(xq[k].d);
  }
  return static_cast<float>(s);
}

float dot_q4_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    int32_t acc = 0;
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      acc += ((b[k].qs[j] & 0x0f) - 8) * xq[k].qs[j];
      acc += ((b[k].qs[j] >> 4) - 8) * xq[k].qs[j + 16];
    }
    s += static_cast<double>(acc) * f16_to_f32(b[k].d) * f16_to_f32(xq[k].d);
  }
  return static_cast<float>(s);
}

QuantDotKernel quant_dot_kernel(GgmlType type, Isa isa) {
  const bool avx2 = isa == Isa::Avx2;
  if (type == GgmlType::Q8_0) return avx2 ? dot_q8_0_q8_0_avx2 : dot_q8_0_q8_0_ref;
  if (type == GgmlType::Q4_0) return avx2 ? dot_q4_0_q8_0_avx2 : dot_q4_0_q8_0_ref;
  return nullptr;
}

void quantize_activations_q8_0(const float* x, BlockQ8_0* y, size_t n, Isa isa) {
  if (isa == Isa::Avx2) quantize_row_q8_0_avx2(x, y, n);
  else quantize_row_q8_0(x, y, n);
}

}  // namespace edt
