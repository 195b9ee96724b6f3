// F32x16, F16x16 and BF16x16: the float types' rows interleaved sixteen at a time, element-major
// (float_x16_layout.h), what F32, F16 and BF16 matrices are repacked into at load from AVX-512 up. One row each,
// sharing one SIMD body (float_x16_avx512.cpp) over a per-type element loader, as float_types.cpp does for the
// stored rows. They multiply the f32 activations directly.
#include <cstring>

#include "engine/kernels/float_x16_layout.h"
#include "engine/kernels/row_helpers.h"
#include "weights/half.h"

namespace edt::kernels {

#define EDT_FLOAT_X16_LEVEL(name, level)                                                                           \
  void name##x16_rows_##level(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows,      \
                             size_t n);                                                                            \
  void name##x16_tokens_##level(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n);                                            \
  void name##x16_prompt_##level(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n);
#define EDT_FLOAT_X16_KERNELS(name) EDT_FLOAT_X16_LEVEL(name, avx512)
EDT_FLOAT_X16_KERNELS(f32)
EDT_FLOAT_X16_KERNELS(f16)
EDT_FLOAT_X16_KERNELS(bf16)
#undef EDT_FLOAT_X16_KERNELS
#undef EDT_FLOAT_X16_LEVEL
// The bf16 prompt forms (float_x16_bf16.h): AVX512_BF16 at Avx512, AMX-BF16 at Amx. None for F32x16: f32 weights
// keep the exact prompt.
#define EDT_FLOAT_X16_BF16(name)                                                                                    \
  void name##x16_prompt_bf16_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens,      \
                                    float* y, size_t y_stride, size_t rows, size_t n);                            \
  void name##x16_prompt_bf16_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens,         \
                                 float* y, size_t y_stride, size_t rows, size_t n);
EDT_FLOAT_X16_BF16(f16)
EDT_FLOAT_X16_BF16(bf16)
#undef EDT_FLOAT_X16_BF16

namespace {

inline float same_f32(float v) { return v; }

// The row of one layout: its reference decode (each lane through the stored type's conversion, summed in double),
// the AVX-512 kernels, and the stored rows' tolerance (f32 sums, in another order). No AVX2 entries: an AVX2
// instantiation of float_x16_kernels.h (two __m256 per 16 rows, 6-token prompt tiles) measured on the Xeon at
// EDT_ISA=avx2 decoded 10-20% faster but prompted 20-35% slower than OpenBLAS's Haswell sgemm over the stored rows
// (L f16 pp128 52-58 against 68-78 tok/s), and a layout without contiguous rows cannot feed that sgemm.
struct LevelKernels {
  DecodeRowsKernel rows;
  DecodeTokensKernel tokens, prompt;
};
template <class Layout>
constexpr TypeKernels float_x16_row(GgmlType type, LevelKernels avx512, const char* name,
                                    std::array<DecodeTokensKernel, kIsaCount> prompt_bf16 = {}) {
  return TypeKernels{type, ActFormat::F32,
                     {reference_lane_rows<Layout::dequantize_lane, Layout::kRows, ActFormat::F32>, nullptr, avx512.rows},
                     {}, 1e-5,
                     {nullptr, nullptr, avx512.tokens},
                     {nullptr, nullptr, avx512.prompt},
                     {},
                     Layout::kRows, Layout::repack, Layout::dequantize_lane, name, prompt_bf16};
}

}  // namespace

#define EDT_LEVEL_KERNELS(name, level) LevelKernels{name##x16_rows_##level, name##x16_tokens_##level, name##x16_prompt_##level}
extern const TypeKernels kF32x16Kernels = float_x16_row<FloatX16Layout<float, same_f32>>(
    GgmlType::F32, EDT_LEVEL_KERNELS(f32, avx512), "F32x16");
extern const TypeKernels kF16x16Kernels = float_x16_row<FloatX16Layout<uint16_t, f16_to_f32>>(
    GgmlType::F16, EDT_LEVEL_KERNELS(f16, avx512), "F16x16",
    {nullptr, nullptr, f16x16_prompt_bf16_avx512, f16x16_prompt_bf16_amx});
extern const TypeKernels kBf16x16Kernels = float_x16_row<FloatX16Layout<uint16_t, bf16_to_f32>>(
    GgmlType::BF16, EDT_LEVEL_KERNELS(bf16, avx512), "BF16x16",
    {nullptr, nullptr, bf16x16_prompt_bf16_avx512, bf16x16_prompt_bf16_amx});
#undef EDT_LEVEL_KERNELS

}  // namespace edt::kernels
