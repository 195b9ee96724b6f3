// Q4_0x16: Q4_0 rows interleaved sixteen at a time, the layout a model's Q4_0 matrices are repacked into at load
// from AVX-512 up. Stored Q4_0 keeps each row's 18-byte blocks together, so a kernel gets one row's block per load
// and must sum every row's lanes and spread its scale apart; here one 64-byte load holds four bytes of each of
// sixteen rows, so one vpdpbusd (or one AMX tile row) serves sixteen rows and its int32 lanes are their sums.
//
// Layout of a group of 16 rows of n elements: for block k (elements 32k..32k+31), 288 bytes at 288·k:
//   bytes 64p + 4j .. 64p + 4j + 3 (p < 4, j < 16): row j's qs[4p..4p+3] (elements 4p..4p+3 in the low nibbles,
//                                                   16+4p..16+4p+3 in the high ones, as in Q4_0);
//   bytes 256 + 2j, 257 + 2j:                     row j's f16 scale d.
// 288 = 16 · 18: a group takes exactly the bytes of its 16 stored rows, so the repack happens in place.
#include <cstring>
#include <vector>

#include "engine/kernels/row_helpers.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {

void q4_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void q4_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q4_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n);
void q4_0x16_prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n);

namespace {

constexpr size_t kGroup = 16;
constexpr size_t kGroupBlockBytes = kGroup * sizeof(BlockQ4_0);  // 288

// Block k of lane j back into a stored block.
BlockQ4_0 lane_block(const uint8_t* group, size_t k, size_t j) {
  const uint8_t* b = group + k * kGroupBlockBytes;
  BlockQ4_0 out;
  std::memcpy(&out.d, b + 4 * 64 + 2 * j, sizeof(out.d));
  for (size_t p = 0; p < 4; ++p) std::memcpy(out.qs + 4 * p, b + 64 * p + 4 * j, 4);
  return out;
}

void dequantize_lane(const uint8_t* group, size_t, size_t lane, float* dst, size_t n) {
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    const BlockQ4_0 b = lane_block(group, k, lane);
    dequantize_row_q4_0(&b, dst + k * kQuantBlock, kQuantBlock);
  }
}

void repack_group(uint8_t* group, size_t row_bytes, size_t n) {
  // The stored rows are read after the first blocks are written over them: a copy of the group, per thread, grown
  // to the widest group and reused (load time, not the hot path).
  thread_local std::vector<uint8_t> rows;  // (16 · row_bytes) the group as stored
  rows.assign(group, group + kGroup * row_bytes);
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    uint8_t* b = group + k * kGroupBlockBytes;
    for (size_t j = 0; j < kGroup; ++j) {
      const auto* src = reinterpret_cast<const BlockQ4_0*>(rows.data() + j * row_bytes) + k;
      std::memcpy(b + 4 * 64 + 2 * j, &src->d, sizeof(src->d));
      for (size_t p = 0; p < 4; ++p) std::memcpy(b + 64 * p + 4 * j, src->qs + 4 * p, 4);
    }
  }
}

constexpr DecodeRowsKernel kRef = reference_lane_rows<dequantize_lane, kGroup, ActFormat::Q8_0>;

}  // namespace

extern const TypeKernels kQ4_0x16Kernels{GgmlType::Q4_0, ActFormat::Q8_0,
                                         {kRef, nullptr, q4_0x16_rows_avx512},
                                         {}, 1e-5,
                                         {nullptr, nullptr, q4_0x16_tokens_avx512},
                                         {nullptr, nullptr, q4_0x16_prompt_avx512, q4_0x16_prompt_amx},
                                         {},
                                         kGroup, repack_group, dequantize_lane, "Q4_0x16"};

}  // namespace edt::kernels
