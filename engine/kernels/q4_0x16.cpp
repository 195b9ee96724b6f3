// Q4_0x16: Q4_0 rows interleaved sixteen at a time (x16_layout.h), what Q4_0 matrices are repacked into at load
// from AVX-512 up. Word p of a block holds elements 4p..4p+3 in its low nibbles and 16+4p..16+4p+3 in its high ones.
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/x16_layout.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {

void q4_0x16_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_0x16_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                         size_t y_stride, size_t rows, size_t n);
void q4_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q4_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q4_0x16_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);

namespace {
using Layout = X16Layout<BlockQ4_0, dequantize_row_q4_0>;
constexpr DecodeRowsKernel kRef = reference_lane_rows<Layout::dequantize_lane, Layout::kRows, ActFormat::Q8_0>;
}  // namespace

extern const TypeKernels kQ4_0x16Kernels{GgmlType::Q4_0, ActFormat::Q8_0,
                                         {kRef, q4_0x16_rows_avx2, q4_0x16_rows_avx512},
                                         {}, 1e-5,
                                         {nullptr, q4_0x16_tokens_avx2, q4_0x16_tokens_avx512},
                                         {nullptr, q4_0x16_tokens_avx2, q4_0x16_prompt_avx512, q4_0x16_prompt_amx},
                                         {},
                                         Layout::kRows, Layout::repack, Layout::dequantize_lane, "Q4_0x16"};

}  // namespace edt::kernels
