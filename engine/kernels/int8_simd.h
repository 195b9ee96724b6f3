#pragma once
// Helpers the integer decode bodies share, for files compiled with AVX2 (+ F16C) or the AVX-512 flags.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "cpu/prefetch.h"
#include "cpu/vec_avx2.h"

namespace edt::kernels {

inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Eight int32 lanes of int16 pair sums, as floats.
inline __m256 widen_to_float(__m256i pairs16) {
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs16, _mm256_set1_epi16(1)));
}

// A group of four rows is only 4·row_bytes of memory read as four short streams, too short for the hardware
// prefetcher to pick up; so while block k of this group is computed, the same share of the next group (which
// follows contiguously) is requested. Prefetches never fault, so running past the matrix is harmless.
template <class Block>
inline void prefetch_next_group(const uint8_t* next_group, size_t k) {
  constexpr size_t kShare = 4 * sizeof(Block);  // bytes of the next group per block of this one
  const uint8_t* p = next_group + k * kShare;
  for (size_t off = 0; off < kShare + 63; off += 64) prefetch_to_l2(p + off);
}

inline void store_sums(__m256 (&acc)[4], float* y) { _mm_storeu_ps(y, avx2::hsum4(acc[0], acc[1], acc[2], acc[3])); }
inline void store_sums(__m256 (&acc)[1], float* y) { y[0] = avx2::hsum(acc[0]); }

// The f16 field d (the block's first member) of block k in kRows rows, as floats: four rows' scales gathered with
// scalar loads (the integer units) into one vector and converted at once, instead of a scalar f16 conversion,
// multiply and broadcast per row on the vector pipes, which bound Q4_0 decode (Q4_0 matvec from L3 13% faster,
// one 2048 × 2048 matrix, 1 thread, best of 6 alternating runs; Q8_0 unchanged; same results).
template <class Block, int kRows>
inline __m128 block_d(const uint8_t* w, size_t row_bytes, size_t k) {
  if constexpr (kRows == 4) {
    uint64_t packed = 0;
    for (int r = 0; r < 4; ++r)
      packed |= uint64_t{reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * row_bytes)[k].d} << (16 * r);
    return _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(packed)));
  } else {
    return _mm_set_ss(_cvtsh_ss(reinterpret_cast<const Block*>(w)[k].d));
  }
}

// The rows' scales d (from block_d) times the activation block's scale, one float per row in out.
template <int kRows>
inline void scales_times(__m128 d, float dx, float* out) {
  const __m128 s = _mm_mul_ps(d, _mm_set1_ps(dx));
  if constexpr (kRows == 4) _mm_storeu_ps(out, s);
  else out[0] = _mm_cvtss_f32(s);
}

// The rows' scales of block k times the activation block's scale, one float per row in out.
template <class Block, int kRows>
inline void block_scales(const uint8_t* w, size_t row_bytes, size_t k, float dx, float* out) {
  scales_times<kRows>(block_d<Block, kRows>(w, row_bytes, k), dx, out);
}

// The 32 4-bit codes of a legacy block (element j in the low nibble of qs[j], j + 16 in the high one) as bytes
// in element order: the 16 bytes go to both halves and the upper half is shifted right by 4 (per 32-bit lane:
// what shifts in from the next byte lands in the masked-off nibble).
inline __m256i legacy_nibbles(const uint8_t* qs) {
  const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  return _mm256_and_si256(_mm256_srlv_epi32(both, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0f));
}

// Byte j = 0x10 where bit j of the little-endian 32-bit field is set (the fifth bits of Q5_0 / Q5_1), else 0.
inline __m256i fifth_bits(const uint8_t* qh) {
  uint32_t bits;
  __builtin_memcpy(&bits, qh, 4);
  const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                                             _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
                                                              2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

inline int hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace edt::kernels

namespace edt::kernels {

// 32 byte codes (signed int8) -> floats scale·code − offset, stored
// to y[0..32). The product is rounded before the subtraction, as the references do (no FMA: this build compiles
// ISO C++, where GCC does not contract a multiply and a subtract).
inline void store_scaled_bytes(__m256i codes, __m256 scale, __m256 offset, float* y) {
  const __m128i lo = _mm256_castsi256_si128(codes), hi = _mm256_extracti128_si256(codes, 1);
  const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
  for (int i = 0; i < 4; ++i) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[i]));
    _mm256_storeu_ps(y + 8 * i, _mm256_sub_ps(_mm256_mul_ps(scale, v), offset));
  }
}

// The same for two groups of 16: elements 0-15 take scale0 / offset0, elements 16-31 scale1 / offset1.
inline void store_scaled_bytes2(__m256i codes, __m256 scale0, __m256 offset0, __m256 scale1, __m256 offset1, float* y) {
  const __m128i lo = _mm256_castsi256_si128(codes), hi = _mm256_extracti128_si256(codes, 1);
  const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
  for (int i = 0; i < 4; ++i) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[i]));
    const __m256 scale = i < 2 ? scale0 : scale1, offset = i < 2 ? offset0 : offset1;
    _mm256_storeu_ps(y + 8 * i, _mm256_sub_ps(_mm256_mul_ps(scale, v), offset));
  }
}

}  // namespace edt::kernels
