#pragma once
// The prompt kernels of the legacy 32-blocks on AMX-INT8 (Q4_0 and Q8_0 at Isa::Amx; included only by the
// *_amx.cpp files). One TDPBSSD multiplies a tile of 16 tokens' activation blocks (16 rows × 32 int8) by a tile of
// 16 weight rows' blocks (32 × 16 int8) into 16 × 16 exact int32 block sums: 8192 multiply-adds per instruction,
// against 256 for a 256-bit vpdpbusd. A block's sums then take their scales in float (convert, times row scale
// × token scale, add) as in every other kernel, so the values are decode's integers summed in another order.
//
// Layouts. The activations are copied once per call into tile order (AmxActivations). The weights tile must hold,
// in its row c, elements 4c..4c+3 of every one of the 16 rows (the "VNNI" order): it is transposed from the rows
// per pass, kAmxChunkBlocks blocks at a time into a stack buffer, and every 16-token group of the pass reuses it.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/kernels/activations.h"
#include "engine/kernels/kernel_table.h"

namespace edt::kernels {

// Blocks of a 16-row group transposed per pass: 32 blocks take 18 KiB, inside L1 beside the activations' tiles.
inline constexpr size_t kAmxChunkBlocks = 32;
inline constexpr size_t kAmxRows = 16;    // weight rows per tile (the tile's int32 columns)
inline constexpr size_t kAmxTokens = 16;  // tokens per tile (its rows)

// One block of 16 weight rows in tile order: row c holds, for each weight row j, the four int8 weights 4c..4c+3
// at bytes 4j..4j+3; and the rows' scales.
struct alignas(64) AmxBlock {
  float d[kAmxRows];
  int8_t b[8][64];
};

// Tile registers: 0, 1 the int32 sums of two blocks (16 tokens × 16 rows); 2, 3 their activations (16 tokens × 32
// bytes); 4, 5 their weights (8 × 64 bytes).
struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 32, 32, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 8, 8};
};

// Four 32-bit words (16 bytes at p + j · row_bytes) of each of 16 rows, transposed: word[c] lane j is row j's
// word c. Sixteen 16-byte loads and eight two-source permutes, instead of four 16-lane gathers, which were most of
// the kernel's time.
static inline void amx_words_16x4(const uint8_t* p, size_t row_bytes, __m512i (&word)[4]) {
  __m512i quad[4];  // quad[q] lane 4i + c: word c of row 4q + i
  for (size_t q = 0; q < 4; ++q) {
    const uint8_t* row = p + 4 * q * row_bytes;
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + row_bytes)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * row_bytes)), 2);
    quad[q] = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 3 * row_bytes)), 3);
  }
  // Words 0 and 1 (2 and 3) of rows 0..7 from quads 0, 1, and of rows 8..15 from quads 2, 3.
  const __m512i even = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  const __m512i odd = _mm512_setr_epi32(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
  const __m512i low01 = _mm512_permutex2var_epi32(quad[0], even, quad[1]);
  const __m512i high01 = _mm512_permutex2var_epi32(quad[2], even, quad[3]);
  const __m512i low23 = _mm512_permutex2var_epi32(quad[0], odd, quad[1]);
  const __m512i high23 = _mm512_permutex2var_epi32(quad[2], odd, quad[3]);
  const __m512i first = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
  const __m512i second = _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  word[0] = _mm512_permutex2var_epi32(low01, first, high01);
  word[1] = _mm512_permutex2var_epi32(low01, second, high01);
  word[2] = _mm512_permutex2var_epi32(low23, first, high23);
  word[3] = _mm512_permutex2var_epi32(low23, second, high23);
}

// The 16 rows' f16 scales at the start of block k (blocks of block_bytes), as floats.
static inline __m512 amx_scales(const uint8_t* w, size_t row_bytes, size_t block_bytes, size_t k) {
  alignas(32) uint16_t d[kAmxRows];
  for (size_t j = 0; j < kAmxRows; ++j) std::memcpy(&d[j], w + j * row_bytes + k * block_bytes, sizeof(uint16_t));
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(d)));
}

// Block sums c (16 tokens × 16 rows, int32) into the first kTok tokens' row sums:
// acc[t] += float(c[t]) · (d_rows · d_x[t]).
template <size_t kTok>
static inline void amx_add_block(__m512 (&acc)[kTok], const int32_t (&c)[kAmxTokens][kAmxRows], __m512 d_rows,
                                 const float* d_x) {
  for (size_t t = 0; t < kTok; ++t) {
    const __m512 s = _mm512_cvtepi32_ps(_mm512_load_si512(c[t]));
    acc[t] = _mm512_fmadd_ps(s, _mm512_mul_ps(d_rows, _mm512_set1_ps(d_x[t])), acc[t]);
  }
}

// The call's activations in tile order, copied once per call into this thread's buffer: per 16-token group and
// block, the 16 tokens' 32 bytes one after another (a 512-byte tile read in one sweep; in place, the tokens' rows
// are a scratch row apart, and those strided tile loads cost far more than the copy), and their 16 scales. The rows
// of a last group's missing tokens keep whatever an earlier call left (zeros at first): their sums land in tile
// rows that are never read back. The buffer grows to the largest call a thread has seen and is then reused: the
// steady state allocates nothing.
class AmxActivations {
 public:
  void fill(const Activations* x, size_t tokens, size_t blocks) {
    blocks_ = blocks;
    const size_t groups = (tokens + kAmxTokens - 1) / kAmxTokens;
    if (qs_.size() < groups * blocks * kAmxTokens * 32) qs_.resize(groups * blocks * kAmxTokens * 32);
    if (d_.size() < groups * blocks * kAmxTokens) d_.resize(groups * blocks * kAmxTokens);
    for (size_t t = 0; t < tokens; ++t) {
      int8_t* q = &qs_[((t / kAmxTokens) * blocks * kAmxTokens + t % kAmxTokens) * 32];
      float* d = &d_[(t / kAmxTokens) * blocks * kAmxTokens + t % kAmxTokens];
      for (size_t k = 0; k < blocks; ++k, q += kAmxTokens * 32, d += kAmxTokens) {
        std::memcpy(q, x[t].q8_0[k].qs, 32);
        *d = x[t].q8_0_scales[k];
      }
    }
  }
  // Group g's tile of block k (16 × 32 bytes) and its 16 scales.
  const int8_t* tile(size_t g, size_t k) const { return &qs_[(g * blocks_ + k) * kAmxTokens * 32]; }
  const float* scales(size_t g, size_t k) const { return &d_[(g * blocks_ + k) * kAmxTokens]; }

 private:
  size_t blocks_ = 0;
  std::vector<int8_t> qs_;  // (groups, blocks, 16, 32)
  std::vector<float> d_;    // (groups, blocks, 16)
};

// Block product into sum tile 0 (activations in tile 2, weights in 4) or 1 (3, 5). GCC's tile intrinsics are
// macros that paste the register number into the instruction's text, so each slot is spelled out.
static inline void amx_product_0(const int8_t* a, const AmxBlock& b) {
  _tile_loadd(2, a, 32);
  _tile_loadd(4, b.b, 64);
  _tile_zero(0);
  _tile_dpbssd(0, 2, 4);
}
static inline void amx_product_1(const int8_t* a, const AmxBlock& b) {
  _tile_loadd(3, a, 32);
  _tile_loadd(5, b.b, 64);
  _tile_zero(1);
  _tile_dpbssd(1, 3, 5);
}

// Blocks [k0, k0 + count) of one 16-row group (chunk[i] for block k0 + i) against the first kTok tokens of a group
// (a: its tiles from block k0 on, 16 × 32 bytes each; dx: their 16 scales each); y[t · y_stride + 0..16) are the
// running sums of token t (zero at the first chunk). Pipelined over two sum tiles (block j in tile j % 2, read back
// into c[j % 2]): step i issues block i's product, stores block i − 1's sums and scales block i − 2's (stored a
// step earlier), so no read waits for its store.
template <size_t kTok>
static inline void amx_group_pass(const AmxBlock* chunk, size_t count, const int8_t* a, const float* dx, float* y,
                                  size_t y_stride, bool first) {
  alignas(64) int32_t c[2][kAmxTokens][kAmxRows];  // the two sum tiles, read back
  __m512 acc[kTok];  // (kTok) the 16 rows' sums per token
  for (size_t t = 0; t < kTok; ++t) acc[t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(y + t * y_stride);
  constexpr size_t kTile = kAmxTokens * 32;
  auto scale = [&](size_t j) { amx_add_block(acc, c[j % 2], _mm512_load_ps(chunk[j].d), dx + j * kAmxTokens); };
  for (size_t i = 0; i < count; ++i) {
    if (i % 2 == 0) {
      amx_product_0(a + i * kTile, chunk[i]);
      if (i >= 1) _tile_stored(1, c[1], 64);
    } else {
      amx_product_1(a + i * kTile, chunk[i]);
      _tile_stored(0, c[0], 64);
    }
    if (i >= 2) scale(i - 2);
  }
  // The last block's sums are still in their tile.
  if ((count - 1) % 2 == 0) {
    _tile_stored(0, c[0], 64);
  } else {
    _tile_stored(1, c[1], 64);
  }
  if (count >= 2) scale(count - 2);
  scale(count - 1);
  for (size_t t = 0; t < kTok; ++t) _mm512_storeu_ps(y + t * y_stride, acc[t]);
}

// A group of `tokens` (1..16) tokens: the few-token counts get their own accumulator count, the rest the whole
// tile's (the missing tokens' rows are computed and dropped).
static inline void amx_group(const AmxBlock* chunk, size_t count, const int8_t* a, const float* dx, size_t tokens,
                             float* y, size_t y_stride, bool first) {
  switch (tokens) {
    case 1: return amx_group_pass<1>(chunk, count, a, dx, y, y_stride, first);
    case 2: return amx_group_pass<2>(chunk, count, a, dx, y, y_stride, first);
    case 3: return amx_group_pass<3>(chunk, count, a, dx, y, y_stride, first);
    case 4: return amx_group_pass<4>(chunk, count, a, dx, y, y_stride, first);
    case kAmxTokens: return amx_group_pass<kAmxTokens>(chunk, count, a, dx, y, y_stride, first);
    default: break;
  }
  alignas(64) float rest[kAmxTokens][kAmxRows] = {};  // (16, 16) the whole tile's sums, the first `tokens` kept
  for (size_t t = 0; t < tokens && !first; ++t) std::memcpy(rest[t], y + t * y_stride, sizeof(rest[t]));
  amx_group_pass<kAmxTokens>(chunk, count, a, dx, &rest[0][0], kAmxRows, first);
  for (size_t t = 0; t < tokens; ++t) std::memcpy(y + t * y_stride, rest[t], sizeof(rest[t]));
}

// The driver: the activations into tile order, then 16-row groups, each transposed kAmxChunkBlocks blocks at a
// time (Tile::pack) and run against every 16-token group; the rows past the last whole group go to `tail` (the
// type's AVX-512 multi-token decode form).
template <class Tile>
static inline void amx_prompt_rows(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                                   size_t y_stride, size_t rows, size_t n, DecodeTokensKernel tail) {
  const size_t blocks = n / kQuantBlock;
  const size_t whole = rows / kAmxRows * kAmxRows;
  if (whole > 0) {
    thread_local AmxActivations xa;
    xa.fill(x, tokens, blocks);
    static const AmxTileConfig config;
    _tile_loadconfig(&config);  // per call: the configuration is the calling thread's
    AmxBlock chunk[kAmxChunkBlocks];  // (kAmxChunkBlocks) one 16-row group's blocks in tile order
    for (size_t r = 0; r < whole; r += kAmxRows) {
      const uint8_t* group = w + r * row_bytes;
      for (size_t k0 = 0; k0 < blocks; k0 += kAmxChunkBlocks) {
        const size_t count = blocks - k0 < kAmxChunkBlocks ? blocks - k0 : kAmxChunkBlocks;
        for (size_t i = 0; i < count; ++i) Tile::pack(group, row_bytes, k0 + i, chunk[i]);
        for (size_t t = 0; t < tokens; t += kAmxTokens)
          amx_group(chunk, count, xa.tile(t / kAmxTokens, k0), xa.scales(t / kAmxTokens, k0),
                    tokens - t < kAmxTokens ? tokens - t : kAmxTokens, y + t * y_stride + r, y_stride, k0 == 0);
      }
    }
    _tile_release();  // the OS need not save the tiles while this thread runs other code
  }
  if (whole < rows) tail(w + whole * row_bytes, row_bytes, x, tokens, y + whole, y_stride, rows - whole, n);
}

}  // namespace edt::kernels
