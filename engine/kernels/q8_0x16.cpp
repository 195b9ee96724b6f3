// Q8_0x16: Q8_0 rows interleaved sixteen at a time (x16_layout.h), what Q8_0 matrices are repacked into at load
// from AVX-512 up. Word p of a block holds elements 4p..4p+3 of the 16 rows as signed bytes, as stored.
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/x16_layout.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {

void q8_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q8_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q8_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q8_0x16_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);

namespace {
using Layout = X16Layout<BlockQ8_0, dequantize_row_q8_0>;
constexpr DecodeRowsKernel kRef = reference_lane_rows<Layout::dequantize_lane, Layout::kRows, ActFormat::Q8_0>;
}  // namespace

extern const TypeKernels kQ8_0x16Kernels{GgmlType::Q8_0, ActFormat::Q8_0,
                                         {kRef, nullptr, q8_0x16_rows_avx512},
                                         {}, 1e-5,
                                         {nullptr, nullptr, q8_0x16_tokens_avx512},
                                         {nullptr, nullptr, q8_0x16_prompt_avx512, q8_0x16_prompt_amx},
                                         {},
                                         Layout::kRows, Layout::repack, Layout::dequantize_lane, "Q8_0x16"};

}  // namespace edt::kernels
