// IQ4_XS weights: integer sums per group of the super-block over Q8_K activations, the scales applied in int32, one float multiply-add per super-block (body: iq4_xs_simd.h, compiled per level).
#include "engine/kernels/row_helpers.h"
#include "weights/quant/iq4_xs.h"

namespace edt::kernels {

void iq4_xs_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void iq4_xs_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_iq4_xs_avx2(const void* src, float* dst, size_t n);

namespace {
constexpr DequantizeRowKernel kRef = dequantize_as<BlockIQ4_XS, dequantize_row_iq4_xs>;
}  // namespace

extern const TypeKernels kIQ4_XSKernels{GgmlType::IQ4_XS, ActFormat::Q8_K,
                                      {reference_rows<kRef, ActFormat::Q8_K>, iq4_xs_rows_avx2, iq4_xs_rows_avx512},
                                      {kRef, dequantize_iq4_xs_avx2, nullptr}, 1e-5};

}  // namespace edt::kernels
