// Q4_1 weights: the block's codes times the Q8_0 activations in integers, one float multiply-add per block (body: legacy_simd.h over q4_1_simd.h's codes, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q4_1.h"

namespace edt::kernels {

void q4_1_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_1_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_q4_1_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ4_1, dequantize_row_q4_1>;
}  // namespace

extern const TypeKernels kQ4_1Kernels{GgmlType::Q4_1, ActFormat::Q8_0,
                                      {reference_rows<kRef, ActFormat::Q8_0>, q4_1_rows_avx2, q4_1_rows_avx512},
                                      {kRef, dequantize_q4_1_avx2, nullptr}, 1e-5};

}  // namespace edt::kernels
