// IQ4_NL weights: the block's codes times the Q8_0 activations in integers, one float multiply-add per block (body: legacy_simd.h over iq4_nl_simd.h's codes, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/iq4_nl.h"

namespace edt::kernels {

void iq4_nl_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void iq4_nl_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_iq4_nl_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockIQ4_NL, dequantize_row_iq4_nl>;
}  // namespace

extern const TypeKernels kIQ4_NLKernels{GgmlType::IQ4_NL, ActFormat::Q8_0,
                                      {reference_rows<kRef, ActFormat::Q8_0>, iq4_nl_rows_avx2, iq4_nl_rows_avx512},
                                      {kRef, dequantize_iq4_nl_avx2, nullptr}, 1e-5};

}  // namespace edt::kernels
