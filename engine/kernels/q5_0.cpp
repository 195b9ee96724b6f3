// Q5_0 weights: the block's codes times the Q8_0 activations in integers, one float multiply-add per block (body: legacy_simd.h over q5_0_simd.h's codes, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q5_0.h"

namespace edt::kernels {

void q5_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q5_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_q5_0_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ5_0, dequantize_row_q5_0>;
}  // namespace

extern const TypeKernels kQ5_0Kernels{GgmlType::Q5_0, ActFormat::Q8_0,
                                      {reference_rows<kRef, ActFormat::Q8_0>, q5_0_rows_avx2, q5_0_rows_avx512},
                                      {kRef, dequantize_q5_0_avx2, nullptr}, 1e-5};

}  // namespace edt::kernels
