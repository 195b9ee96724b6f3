#pragma once
// The activation formats a weight type's decode kernel multiplies with, and the one scratch-backed quantizer that
// turns a float vector into any set of them. A matrix-vector product (or a q/k/v, gate/up group) quantizes its
// input once per format its matrices need, however many matrices share it.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cpu/isa.h"
#include "weights/quant/q8_0.h"
#include "weights/quant/q8_k.h"

namespace edt {

enum class ActFormat : uint8_t {
  F32,   // the float vector itself (float types, and quantized types without an integer kernel)
  Q8_0,  // 32-wide int8 blocks with an f16 scale, plus per-block sums (the legacy types and IQ4_NL)
  Q8_K,  // 256-wide int8 blocks with an f32 scale and per-16 sums (the K types and IQ4_XS)
};
inline constexpr size_t kActFormatCount = 3;
const char* act_format_name(ActFormat f);  // "F32", "Q8_0", "Q8_K"

// One activation vector in every form that was asked for; all pointers view the caller's scratch (or x).
struct Activations {
  const float* f32 = nullptr;  // (n) the input
  // Q8_0 form (n a multiple of 32):
  const BlockQ8_0* q8_0 = nullptr;  // (n/32)
  const float* q8_0_scales = nullptr;  // (n/32) each block's d as float, so kernels skip an f16 conversion
  const float* q8_0_sums = nullptr;    // (n/32) d · Σ q of each block: the float sum a minimum (Q4_1, Q5_1) multiplies
  // (n/32, 16) per block, for each pair of bytes j: 8·(q[2j] + q[2j+1]). An offset-8 nibble (Q4_0) multiplies x as
  // its unsigned code in maddubs, and these take the 8 back out in int16 (×2 for Q5_0's offset 16).
  const int16_t* q8_0_offsets = nullptr;
  // (n/32) per block, −8 · Σ q: the whole block's offset-8 correction in one int32, for kernels whose vector lanes
  // are rows (Q4_0x16) and so take it once per block.
  const int32_t* q8_0_offset_totals = nullptr;
  // Q8_K form (n a multiple of 256):
  const BlockQ8_K* q8_k = nullptr;  // (n/256)
};

// Word c (int8 elements 4c..4c+3) of a Q8_0 activation block, as one int32. BlockQ8_0's quants are only 2-byte
// aligned (the block is 34 bytes), so the word is copied rather than read through an int32 pointer.
inline int32_t q8_0_word(const BlockQ8_0& b, int c) {
  int32_t w;
  std::memcpy(&w, b.qs + 4 * c, sizeof w);
  return w;
}

// Bit i set: format i wanted.
using ActFormatSet = unsigned;
inline constexpr ActFormatSet act_bit(ActFormat f) { return 1u << static_cast<unsigned>(f); }

// Bytes of scratch quantize_activations needs for the formats in `formats` at n values.
size_t activation_scratch_bytes(ActFormatSet formats, size_t n);
// x (n floats) -> every form in `formats`, laid out in scratch (activation_scratch_bytes bytes, 64-byte aligned
// when scratch is). F32 needs no scratch.
Activations quantize_activations(ActFormatSet formats, const float* x, void* scratch, size_t n, Isa isa);

// The SIMD quantizers; the scalar ones are weights/quant's quantize_row_q8_0 / quantize_row_q8_k. AVX2 Q8_0 rounds
// ties to even (scalar: away from zero), so codes may differ by one on exact ties; Q8_K equals the scalar bit for
// bit (both round ties to even).
void quantize_row_q8_0_avx2(const float* x, BlockQ8_0* y, size_t n);
void quantize_row_q8_k_avx2(const float* x, BlockQ8_K* y, size_t n);

}  // namespace edt
