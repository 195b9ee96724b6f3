// Q4_0x16's prompt form on AMX-INT8 (amx_tiles.h). The layout is already in tile order: word p of a group's block
// is tile rows p (low nibbles) and 4 + p (high nibbles), so filling a tile is four loads, unpacking the nibbles to
// signed q − 8, and eight stores, where stored Q4_0 needs a 16-row transposition per block.
#include "engine/kernels/amx_tiles.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {

void q4_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);

namespace {

constexpr size_t kGroupBlockBytes = kAmxRows * sizeof(BlockQ4_0);

struct Tile {
  // Block k of the group at w into tile order.
  static void pack(const uint8_t* w, size_t, size_t k, AmxBlock& out) {
    const __m512i low = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8);
    const uint8_t* b = w + k * kGroupBlockBytes;
    _mm512_store_ps(out.d, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4 * 64))));
    for (size_t p = 0; p < 4; ++p) {
      const __m512i v = _mm512_loadu_si512(b + 64 * p);
      _mm512_store_si512(out.b[p], _mm512_sub_epi8(_mm512_and_si512(v, low), eight));
      _mm512_store_si512(out.b[4 + p], _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), low), eight));
    }
  }
};

}  // namespace

// Repacked matrices have whole groups only, so the AVX-512 tail never runs; it is passed for the driver's contract.
void q4_0x16_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  amx_prompt_rows<Tile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q4_0x16_tokens_avx512);
}

}  // namespace edt::kernels
