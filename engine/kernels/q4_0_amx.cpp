// Q4_0's prompt form on AMX-INT8 (amx_tiles.h): a block's nibbles are unpacked to signed int8 (q − 8) while they
// are gathered into tile order, so TDPBSSD gives the exact Σ (q − 8)·x of every row and token. Word p of a
// block's 16 bytes holds elements 4p..4p+3 in its low nibbles and 16+4p..16+4p+3 in its high ones: tile rows p
// and 4 + p.
#include "engine/kernels/amx_tiles.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {

void q4_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);

namespace {

struct Tile {
  // Block k of the 16 rows at w (row_bytes apart) into tile order.
  static void pack(const uint8_t* w, size_t row_bytes, size_t k, AmxBlock& out) {
    const __m512i low = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8);
    _mm512_store_ps(out.d, amx_scales(w, row_bytes, sizeof(BlockQ4_0), k));
    __m512i word[4];
    amx_words_16x4(w + k * sizeof(BlockQ4_0) + offsetof(BlockQ4_0, qs), row_bytes, word);
    for (size_t p = 0; p < 4; ++p) {
      _mm512_store_si512(out.b[p], _mm512_sub_epi8(_mm512_and_si512(word[p], low), eight));
      _mm512_store_si512(out.b[4 + p], _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(word[p], 4), low), eight));
    }
  }
};

}  // namespace

// Rows past the last 16-row group take the AVX-512 multi-token decode form. AMX runs prompts only: a decode step's
// one to four tokens cannot repay the transposition of every block.
void q4_0_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                     size_t y_stride, size_t rows, size_t n) {
  amx_prompt_rows<Tile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q4_0_tokens_avx512);
}

}  // namespace edt::kernels
