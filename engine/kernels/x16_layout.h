#pragma once
// The x16 layouts: a legacy 32-element block type's rows interleaved sixteen at a time (Q4_0x16, Q8_0x16), the
// layouts those types are repacked into at load from AVX-512 up. Stored rows keep each row's blocks together, so a
// kernel gets one row's block per load and must then sum each row's lanes and spread its scale apart; here one
// 64-byte load holds four quant bytes of each of sixteen rows, so one vpdpbusd (or one AMX tile row) serves sixteen
// rows and its int32 lanes are their sums.
//
// Layout of a group of 16 rows of n elements: for block k (elements 32k..32k+31), 16 · sizeof(Block) bytes at
// 16 · sizeof(Block) · k:
//   bytes 64p + 4j .. 64p + 4j + 3 (p < kWords, j < 16): row j's qs[4p..4p+3], as stored;
//   bytes 64 · kWords + 2j, + 1:                          row j's f16 scale d.
// 16 · sizeof(Block) = 16 · (2 + 4 · kWords): a group takes exactly the bytes of its 16 stored rows, so the repack
// happens in place.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "weights/quant/q8_0.h"

namespace edt::kernels {

template <class Block, void (*kDequantize)(const Block*, float*, size_t)>
struct X16Layout {
  static constexpr size_t kRows = 16;
  static constexpr size_t kWords = sizeof(Block::qs) / 4;       // 4-byte words of a block's quants
  static constexpr size_t kScalesAt = 64 * kWords;              // the 16 scales, after the quant words
  static constexpr size_t kBlockBytes = kRows * sizeof(Block);  // a group's block: 288 (Q4_0), 544 (Q8_0)
  static_assert(kBlockBytes == kScalesAt + 2 * kRows);

  // Block k of lane j back into a stored block.
  static Block lane_block(const uint8_t* group, size_t k, size_t j) {
    const uint8_t* b = group + k * kBlockBytes;
    Block out;
    std::memcpy(&out.d, b + kScalesAt + 2 * j, sizeof(out.d));
    for (size_t p = 0; p < kWords; ++p) std::memcpy(reinterpret_cast<uint8_t*>(out.qs) + 4 * p, b + 64 * p + 4 * j, 4);
    return out;
  }

  // Lane `lane` of the group -> floats, through the stored type's reference (so bit for bit its values).
  static void dequantize_lane(const uint8_t* group, size_t, size_t lane, float* dst, size_t n) {
    for (size_t k = 0; k < n / kQuantBlock; ++k) {
      const Block b = lane_block(group, k, lane);
      kDequantize(&b, dst + k * kQuantBlock, kQuantBlock);
    }
  }

  // 16 stored rows (row_bytes apart) -> one group, in place.
  static void repack(uint8_t* group, size_t row_bytes, size_t n) {
    // The stored rows are read after the first blocks are written over them: a copy of the group, per thread, grown
    // to the widest group and reused (load time, not the hot path).
    thread_local std::vector<uint8_t> rows;  // (16 · row_bytes) the group as stored
    rows.assign(group, group + kRows * row_bytes);
    for (size_t k = 0; k < n / kQuantBlock; ++k) {
      uint8_t* b = group + k * kBlockBytes;
      for (size_t j = 0; j < kRows; ++j) {
        const Block* src = reinterpret_cast<const Block*>(rows.data() + j * row_bytes) + k;
        std::memcpy(b + kScalesAt + 2 * j, &src->d, sizeof(src->d));
        for (size_t p = 0; p < kWords; ++p)
          std::memcpy(b + 64 * p + 4 * j, reinterpret_cast<const uint8_t*>(src->qs) + 4 * p, 4);
      }
    }
  }
};

}  // namespace edt::kernels
