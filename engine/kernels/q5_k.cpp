// Q5_K weights: integer sums per group of the super-block over Q8_K activations, the scales applied in int32, one float multiply-add per super-block (body: q5_k_simd.h, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q5_k.h"

namespace edt::kernels {

void q5_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q5_k_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_q5_k_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ5_K, dequantize_row_q5_k>;
}  // namespace

extern const TypeKernels kQ5_KKernels{GgmlType::Q5_K, ActFormat::Q8_K,
                                      {reference_rows<kRef, ActFormat::Q8_K>, q5_k_rows_avx2, q5_k_rows_avx512},
                                      {kRef, dequantize_q5_k_avx2, nullptr}, 1e-5};

}  // namespace edt::kernels
