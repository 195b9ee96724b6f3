// Q4_K weights over Q8_K activations: integer sums per group of the super-block, the scales applied in int32, one
// float multiply-add per super-block (bodies in q4_k_simd.h, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q4_k.h"

namespace edt::kernels {

void q4_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_k_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_k_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n);
void q4_k_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);
void dequantize_q4_k_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ4_K, dequantize_row_q4_k>;
}  // namespace

extern const TypeKernels kQ4_KKernels{GgmlType::Q4_K, ActFormat::Q8_K,
                                      {reference_rows<kRef, ActFormat::Q8_K>, q4_k_rows_avx2, q4_k_rows_avx512},
                                      {kRef, dequantize_q4_k_avx2, nullptr}, 1e-5,
                                      {nullptr, q4_k_tokens_avx2, q4_k_tokens_avx512},
                                      // prompts: the multi-token form (faster than dequantizing for sgemm)
                                      {nullptr, q4_k_tokens_avx2, q4_k_tokens_avx512}};

}  // namespace edt::kernels
