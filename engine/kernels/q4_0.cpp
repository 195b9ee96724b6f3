// Q4_0 weights: the nibbles (value + 8) times the Q8_0 activations, the 8 taken back out per block.
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {

void q4_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_0_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n);
void q4_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);
void q4_0_prompt_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n);
void q4_0_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);
void q4_0_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                     size_t y_stride, size_t rows, size_t n);
void dequantize_q4_0_avx2(const void* src, float* dst, size_t n);
extern const TypeKernels kQ4_0x16Kernels;

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ4_0, dequantize_row_q4_0>;
}  // namespace

extern const TypeKernels kQ4_0Kernels{GgmlType::Q4_0, ActFormat::Q8_0,
                                      {reference_rows<kRef, ActFormat::Q8_0>, q4_0_rows_avx2, q4_0_rows_avx512},
                                      {kRef, dequantize_q4_0_avx2, nullptr}, 1e-5,
                                      {nullptr, q4_0_tokens_avx2, q4_0_tokens_avx512},
                                      {nullptr, q4_0_prompt_avx2, q4_0_prompt_avx512, q4_0_prompt_amx},
                                      // Repacked at load from AVX2 up (q4_0x16.cpp); the stored layout's own
                                      // kernels then serve matrices whose rows are not whole groups.
                                      {nullptr, &kQ4_0x16Kernels}};

}  // namespace edt::kernels
