// Q8_0x16 at AVX-512 VNNI (x16_avx512.h): eight 64-byte loads per block give the 16 rows' signed bytes, flipped to
// unsigned w + 128 for vpdpbusd; the activations' −8·Σx times 16 (−128·Σx) takes the 128 back out, exactly.
#include "engine/kernels/x16_avx512.h"

namespace edt::kernels {
namespace {

struct Quant {
  static constexpr size_t kBlockBytes = x16::kGroup * sizeof(BlockQ8_0);
  static constexpr size_t kScalesAt = 8 * 64;
  static constexpr int32_t kOffsetTimes = 16;  // w + 128
  static void unpack(const uint8_t* b, __m512i (&q)[8]) {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int c = 0; c < 8; ++c) q[c] = _mm512_xor_si512(_mm512_loadu_si512(b + 64 * c), flip);
  }
};

}  // namespace

void q8_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  x16::rows<Quant>(w, row_bytes, x, y, rows, n);
}

void q8_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  x16::tokens<Quant>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

void q8_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  x16::prompt<Quant>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
