// Q8_0x16's prompt form on AMX-INT8 (amx_tiles.h). The layout is already in tile order and signed like the
// activations: a block's eight 64-byte words are the tile's eight rows as they are, so TDPBSSD gives the exact
// Σ w·x of every row and token with nothing unpacked.
#include "engine/kernels/amx_tiles.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {

void q8_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);

namespace {

constexpr size_t kGroupBlockBytes = kAmxRows * sizeof(BlockQ8_0);

struct Tile {
  // Block k of the group at w into the driver's tile buffer.
  static void pack(const uint8_t* w, size_t, size_t k, AmxBlock& out) {
    const uint8_t* b = w + k * kGroupBlockBytes;
    _mm512_store_ps(out.d, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 8 * 64))));
    for (size_t c = 0; c < 8; ++c) _mm512_store_si512(out.b[c], _mm512_loadu_si512(b + 64 * c));
  }
};

}  // namespace

// Repacked matrices have whole groups only, so the AVX-512 tail never runs; it is passed for the driver's contract.
void q8_0x16_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  amx_prompt_rows<Tile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q8_0x16_tokens_avx512);
}

}  // namespace edt::kernels
