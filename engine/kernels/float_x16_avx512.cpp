// F32x16, F16x16 and BF16x16 at AVX-512 (float_x16_kernels.h over one __m512 per 16 rows): sixteen rows' element i
// in one load, widened to f32 as the stored rows' AVX-512 loaders do (float_types_avx512.cpp).
#include <immintrin.h>

#include "engine/kernels/float_x16_kernels.h"

namespace edt::kernels {
namespace {

struct V {
  using Reg = __m512;
  static constexpr int kDecodeGroups = 4;   // four weight streams, eight chains with the even/odd split
  static constexpr int kTokenGroups = 2;    // the multi-token form: 2 groups x 4 tokens x 2 = 16 accumulators
  static constexpr int kTokensPerPass = 4;
  static constexpr int kTileGroups = 3;     // the prompt tile (float_x16_kernels.h)
  static constexpr int kTileTokens = 8;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg broadcast(float x) { return _mm512_set1_ps(x); }
  static Reg fmadd(Reg w, float x, Reg acc) { return _mm512_fmadd_ps(w, _mm512_set1_ps(x), acc); }
  static Reg fmadd(Reg w, Reg x, Reg acc) { return _mm512_fmadd_ps(w, x, acc); }
};

struct F32 {
  static constexpr size_t kGroupBytes = 64;  // element i of 16 rows
  static __m512 load16(const uint8_t* p) { return _mm512_loadu_ps(p); }
};
struct F16 {
  static constexpr size_t kGroupBytes = 32;
  static __m512 load16(const uint8_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
};
struct Bf16 {
  static constexpr size_t kGroupBytes = 32;
  static __m512 load16(const uint8_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
};

}  // namespace

#define EDT_FLOAT_X16_ENTRIES(name, Elem)                                                                          \
  void name##x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows,      \
                             size_t n) {                                                                           \
    float_x16::rows<V, Elem>(w, row_bytes, x, y, rows, n);                                                         \
  }                                                                                                                \
  void name##x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n) {                                           \
    float_x16::tokens<V, Elem>(w, row_bytes, x, tokens, y, y_stride, rows, n);                                     \
  }                                                                                                                \
  void name##x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, \
                               size_t y_stride, size_t rows, size_t n) {                                           \
    float_x16::prompt<V, Elem>(w, row_bytes, x, tokens, y, y_stride, rows, n);                                     \
  }
EDT_FLOAT_X16_ENTRIES(f32, F32)
EDT_FLOAT_X16_ENTRIES(f16, F16)
EDT_FLOAT_X16_ENTRIES(bf16, Bf16)
#undef EDT_FLOAT_X16_ENTRIES

}  // namespace edt::kernels
