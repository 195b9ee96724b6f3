// Q4_0x16 at AVX-512 VNNI (x16_avx512.h): four 64-byte loads per block give the 16 rows' nibbles, the low ones
// elements 4p..4p+3 and the high ones 16+4p..16+4p+3 of word p; vpdpbusd multiplies them as unsigned codes (q) and
// the activations' −8·Σx takes the offset back out.
#include "engine/kernels/x16_avx512.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

struct Quant {
  static constexpr size_t kBlockBytes = x16::kGroup * sizeof(BlockQ4_0);
  static constexpr size_t kScalesAt = 4 * 64;
  static constexpr int32_t kOffsetTimes = 1;  // q − 8
  static void unpack(const uint8_t* b, __m512i (&q)[8]) {
    const __m512i low = _mm512_set1_epi8(0x0f);
    for (int p = 0; p < 4; ++p) {
      const __m512i v = _mm512_loadu_si512(b + 64 * p);
      q[p] = _mm512_and_si512(v, low);
      q[p + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    }
  }
};

}  // namespace

void q4_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  x16::rows<Quant>(w, row_bytes, x, y, rows, n);
}

void q4_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  x16::tokens<Quant>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

void q4_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  x16::prompt<Quant>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
