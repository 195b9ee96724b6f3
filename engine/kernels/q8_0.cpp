// Q8_0 weights: int8 times the Q8_0 activations, one float multiply-add per block.
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {

void q8_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q8_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q8_0_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n);
void q8_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);
void q8_0_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);
void q8_0_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                     size_t y_stride, size_t rows, size_t n);
void dequantize_q8_0_avx2(const void* src, float* dst, size_t n);
extern const TypeKernels kQ8_0x16Kernels;

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockQ8_0, dequantize_row_q8_0>;
}  // namespace

extern const TypeKernels kQ8_0Kernels{GgmlType::Q8_0, ActFormat::Q8_0,
                                      {reference_rows<kRef, ActFormat::Q8_0>, q8_0_rows_avx2, q8_0_rows_avx512},
                                      {kRef, dequantize_q8_0_avx2, nullptr}, 1e-5,
                                      {nullptr, q8_0_tokens_avx2, q8_0_tokens_avx512},
                                      {nullptr, nullptr, q8_0_prompt_avx512, q8_0_prompt_amx},
                                      // Repacked at load from AVX-512 up (q8_0x16.cpp); the stored layout's own
                                      // kernels then serve matrices whose rows are not whole groups. Not at AVX2:
                                      // there prompts dequantize to f32 for sgemm, which a layout whose rows are
                                      // not contiguous would slow, and decode gained 6% (L q8_0 tg32 16.7 -> 17.8
                                      // with maddubs on the layout, pp128 82 -> 70).
                                      {nullptr, nullptr, &kQ8_0x16Kernels}};

}  // namespace edt::kernels
