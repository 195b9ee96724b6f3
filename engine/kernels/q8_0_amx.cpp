// Q8_0's prompt form on AMX-INT8 (amx_tiles.h): the weights are signed int8 like the activations, so a block's
// tile is its rows' bytes transposed, four at a time, into tile order, and TDPBSSD (signed × signed) gives the
// exact Σ w·x of every row and token.
#include "engine/kernels/amx_tiles.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {

void q8_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);

namespace {

struct Tile {
  // Block k of the 16 rows at w (row_bytes apart) into tile order: words 0..3, then 4..7.
  static void pack(const uint8_t* w, size_t row_bytes, size_t k, AmxBlock& out) {
    _mm512_store_ps(out.d, amx_scales(w, row_bytes, sizeof(BlockQ8_0), k));
    const uint8_t* qs = w + k * sizeof(BlockQ8_0) + offsetof(BlockQ8_0, qs);
    for (size_t half = 0; half < 2; ++half) {
      __m512i word[4];
      amx_words_16x4(qs + 16 * half, row_bytes, word);
      for (size_t c = 0; c < 4; ++c) _mm512_store_si512(out.b[4 * half + c], word[c]);
    }
  }
};

}  // namespace

// Rows past the last 16-row group take the AVX-512 multi-token decode form. AMX runs prompts only: a decode step's
// one to four tokens cannot repay the transposition of every block.
void q8_0_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                     size_t y_stride, size_t rows, size_t n) {
  amx_prompt_rows<Tile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q8_0_tokens_avx512);
}

}  // namespace edt::kernels
