#pragma once
// The prompt kernels of the legacy 32-blocks (Q4_0 and Q8_0 at AVX-512 VNNI, Q4_0 at AVX2): eight weight rows in
// the eight int32 lanes of one vector, so one vpdpbusd (AVX2: maddubs) multiplies four weights of each of the
// eight rows by the same four activations (broadcast), and a block's float work (convert, scale, add) is done
// once for eight rows instead of once per row. The rows are interleaved that way on the fly, 64 blocks of an 8-row group at a time into a
// stack buffer, and every token of the pass reuses the interleaved copy, so its cost is spread over the tokens.
// The products are exact integers as in decode; only the float sums differ in order (so prompt rows are close to,
// not bit for bit, decode's: see docs/kernels.md).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "engine/kernels/activations.h"
#include "engine/kernels/kernel_table.h"

namespace edt::kernels {

// Blocks of an 8-row group interleaved per pass: 64 blocks of Q8_0 take 18 KiB of stack, well inside L1 + L2.
inline constexpr size_t kPromptChunkBlocks = 64;

// One block of eight interleaved rows: the rows' scales, and kWords 32-byte vectors whose int32 lane j holds four
// weight bytes of row j (Q4_0: packed nibbles, two 4-element chunks per vector; Q8_0: w + 128 as unsigned).
template <int kWords>
struct InterleavedBlock {
  alignas(32) float d[8];
  alignas(32) uint8_t v[kWords][32];
};

// Compiled at more than one level: the helpers have internal linkage, so each file keeps its own instructions.
// Rows: the row index vector j * row_bytes for gathers.
static inline __m256i row_offsets(size_t row_bytes) {
  const auto rb = static_cast<int>(row_bytes);
  return _mm256_setr_epi32(0, rb, 2 * rb, 3 * rb, 4 * rb, 5 * rb, 6 * rb, 7 * rb);
}

// The eight rows' f16 scales (each block's first field) of block k (blocks of block_bytes), as floats.
static inline __m256 gather_scales(const uint8_t* w, __m256i rows, size_t block_bytes, size_t k) {
  const __m256i raw = _mm256_i32gather_epi32(reinterpret_cast<const int*>(w + k * block_bytes), rows, 1);
#ifdef __AVX512VL__
  return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(raw));  // the low 16 bits of each lane are the f16 d
#else
  // The low 16 bits of each lane, packed: bytes 0-1 of every dword into the low 8 bytes of each 128-bit half.
  const __m256i low_halves = _mm256_shuffle_epi8(
      raw, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 4, 5, 8, 9, 12, 13, -1, -1,
                            -1, -1, -1, -1, -1, -1));
  const __m128i packed = _mm_unpacklo_epi64(_mm256_castsi256_si128(low_halves), _mm256_extracti128_si256(low_halves, 1));
  return _mm256_cvtph_ps(packed);
#endif
}

// Word c (four bytes) of 32 activation bytes, broadcast to every lane straight from memory.
static inline __m256i activation_word(const int8_t* xq, int c) {
  return _mm256_broadcastd_epi32(_mm_loadu_si32(xq + 4 * c));
}

// The eight rows' running sums of kTok tokens: zero at a group's first chunk, else what the last chunk stored in y
// (y[t * y_stride + 0..8)).
template <int kTok>
static inline void load_row_sums(__m256 (&acc)[kTok], const float* y, size_t y_stride, bool first) {
  for (int t = 0; t < kTok; ++t)
    acc[t] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(y + static_cast<size_t>(t) * y_stride);
}
template <int kTok>
static inline void store_row_sums(const __m256 (&acc)[kTok], float* y, size_t y_stride) {
  for (int t = 0; t < kTok; ++t) _mm256_storeu_ps(y + static_cast<size_t>(t) * y_stride, acc[t]);
}

// acc += Σ q·x · (d_row · d_x) − offset · (d_x·Σq_x) · d_row: block k's eight row sums qx (int32 lanes) for token x,
// the block offset (8 for Q4_0, 128 for Q8_0) taken out with the activations' exact block sum.
static inline __m256 add_block(__m256 acc, __m256i qx, __m256 d, const Activations& x, size_t k, float offset) {
  acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(qx), _mm256_mul_ps(d, _mm256_set1_ps(x.q8_0_scales[k])), acc);
  return _mm256_fmadd_ps(d, _mm256_set1_ps(-offset * x.q8_0_sums[k]), acc);
}

// A Q4_0 block's qs byte i holds elements i (low nibble) and i + 16 (high), so 32-bit word p of the 16 bytes
// holds the nibbles of elements 4p..4p+3 and 16+4p..16+4p+3: word p of eight rows gathered is both chunks'
// vector at once, split by a mask and a shift (q4_0_avx2.cpp, q4_0_avx512.cpp).
// Every byte is XORed with flip (Q8_0: 0x80, making w + 128 unsigned; Q4_0: 0).
template <class Block>
static inline void interleave_words(const uint8_t* w, size_t row_bytes, size_t k0, size_t count,
                                    InterleavedBlock<sizeof(Block::qs) / 4>* out, __m256i flip) {
  const __m256i rows = row_offsets(row_bytes);
  for (size_t i = 0; i < count; ++i) {
    const size_t k = k0 + i;
    _mm256_store_ps(out[i].d, gather_scales(w, rows, sizeof(Block), k));
    const uint8_t* qs = w + k * sizeof(Block) + offsetof(Block, qs);
    for (size_t c = 0; c < sizeof(Block::qs) / 4; ++c) {
      const __m256i v = _mm256_i32gather_epi32(reinterpret_cast<const int*>(qs + 4 * c), rows, 1);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out[i].v[c]), _mm256_xor_si256(v, flip));
    }
  }
}

// The driver of a prompt form: 8-row groups, each interleaved kPromptChunkBlocks blocks at a time (Tile::Block's
// words, XORed with Tile::kFlip) and run against every token (Tile::template run<kTok> over 4 tokens, then single
// tokens); the rows past the last whole group go to the type's multi-token decode form (tail).
template <class Tile>
static inline void prompt_rows(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                               size_t y_stride, size_t rows, size_t n, DecodeTokensKernel tail) {
  const size_t blocks = n / kQuantBlock;
  typename Tile::Interleaved chunk[kPromptChunkBlocks];  // (kPromptChunkBlocks) one 8-row group's blocks
  size_t r = 0;
  for (; r + 8 <= rows; r += 8) {
    const uint8_t* group = w + r * row_bytes;
    for (size_t k0 = 0; k0 < blocks; k0 += kPromptChunkBlocks) {
      const size_t count = blocks - k0 < kPromptChunkBlocks ? blocks - k0 : kPromptChunkBlocks;
      interleave_words<typename Tile::Block>(group, row_bytes, k0, count, chunk,
                                             _mm256_set1_epi8(static_cast<char>(Tile::kFlip)));
      size_t t = 0;
      for (; t + 4 <= tokens; t += 4) Tile::template run<4>(chunk, k0, count, x + t, y + t * y_stride + r, y_stride, k0 == 0);
      for (; t < tokens; ++t) Tile::template run<1>(chunk, k0, count, x + t, y + t * y_stride + r, y_stride, k0 == 0);
    }
  }
  if (r < rows) tail(w + r * row_bytes, row_bytes, x, tokens, y + r, y_stride, rows - r, n);
}

}  // namespace edt::kernels
