// F32x16, F16x16 and BF16x16: the float types' rows interleaved sixteen at a time, element-major
// (float_x16_layout.h), what F32, F16 and BF16 matrices are repacked into at load from AVX-512 up. One row each,
// sharing one SIMD body (float_x16_avx512.cpp) over a per-type element loader, as float_types.cpp does for the
// stored rows. They multiply the f32 activations directly.
#include <cstring>

#include "engine/kernels/float_x16_layout.h"
#include "engine/kernels/row_helpers.h"
#include "weights/half.h"

namespace edt::kernels {

#define EDT_FLOAT_X16_KERNELS(name)                                                                                \
  void name##x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows,      \
                             size_t n);                                                                            \
  void name##x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n);                                            \
  void name##x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n);
EDT_FLOAT_X16_KERNELS(f32)
EDT_FLOAT_X16_KERNELS(f16)
EDT_FLOAT_X16_KERNELS(bf16)
#undef EDT_FLOAT_X16_KERNELS

namespace {

inline float same_f32(float v) { return v; }

// The row of one layout: its reference decode (each lane through the stored type's conversion, summed in double),
// the AVX-512 kernels, and the stored rows' tolerance (f32 sums, in another order).
template <class Layout>
constexpr TypeKernels float_x16_row(GgmlType type, DecodeRowsKernel rows, DecodeTokensKernel tokens,
                                    DecodeTokensKernel prompt, const char* name) {
  return TypeKernels{type, ActFormat::F32,
                     {reference_lane_rows<Layout::dequantize_lane, Layout::kRows, ActFormat::F32>, nullptr, rows},
                     {}, 1e-5,
                     {nullptr, nullptr, tokens},
                     {nullptr, nullptr, prompt},
                     {},
                     Layout::kRows, Layout::repack, Layout::dequantize_lane, name};
}

}  // namespace

extern const TypeKernels kF32x16Kernels = float_x16_row<FloatX16Layout<float, same_f32>>(
    GgmlType::F32, f32x16_rows_avx512, f32x16_tokens_avx512, f32x16_prompt_avx512, "F32x16");
extern const TypeKernels kF16x16Kernels = float_x16_row<FloatX16Layout<uint16_t, f16_to_f32>>(
    GgmlType::F16, f16x16_rows_avx512, f16x16_tokens_avx512, f16x16_prompt_avx512, "F16x16");
extern const TypeKernels kBf16x16Kernels = float_x16_row<FloatX16Layout<uint16_t, bf16_to_f32>>(
    GgmlType::BF16, bf16x16_rows_avx512, bf16x16_tokens_avx512, bf16x16_prompt_avx512, "BF16x16");

}  // namespace edt::kernels
