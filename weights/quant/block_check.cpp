#include "weights/quant/block_check.h"

#include <cmath>
#include <cstring>

#include "weights/half.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

bool f16_finite_at(const uint8_t* block, uint32_t offset) {
  uint16_t h;
  std::memcpy(&h, block + offset, 2);
  return (h & 0x7c00u) != 0x7c00u;  // exponent all ones: Inf or NaN
}

// Byte offsets of the f16 scale fields inside one block of each type (from the block structs' layouts).
struct ScaleOffsets {
  uint32_t offset[2];
  int count;
};

ScaleOffsets f16_scale_offsets(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: case GgmlType::Q5_0: case GgmlType::Q8_0: case GgmlType::IQ4_NL: case GgmlType::IQ4_XS:
      return {{0, 0}, 1};
    case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q4_K: case GgmlType::Q5_K:
      return {{0, 2}, 2};
    case GgmlType::Q2_K: return {{80, 82}, 2};
    case GgmlType::Q3_K: return {{108, 0}, 1};
    case GgmlType::Q6_K: return {{208, 0}, 1};
    default: return {{0, 0}, 0};
  }
}

}  // namespace

uint64_t count_nonfinite_blocks(GgmlType type, const uint8_t* data, uint64_t n_bytes) {
  const QuantTypeInfo* info = quant_type_info(type);
  if (info == nullptr || info->block_bytes == 0) return 0;
  uint64_t bad = 0;
  const uint64_t n_blocks = n_bytes / info->block_bytes;
  switch (type) {
    case GgmlType::F32:
      for (uint64_t i = 0; i < n_blocks; ++i) {
        float v;
        std::memcpy(&v, data + 4 * i, 4);
        bad += std::isfinite(v) ? 0 : 1;
      }
      return bad;
    case GgmlType::F16:
      for (uint64_t i = 0; i < n_blocks; ++i) bad += f16_finite_at(data, static_cast<uint32_t>(2 * i)) ? 0 : 1;
      return bad;
    case GgmlType::BF16:
      for (uint64_t i = 0; i < n_blocks; ++i) {
        uint16_t h;
        std::memcpy(&h, data + 2 * i, 2);
        bad += (h & 0x7f80u) == 0x7f80u ? 1 : 0;
      }
      return bad;
    case GgmlType::Q8_K:
      for (uint64_t i = 0; i < n_blocks; ++i) {
        float d;
        std::memcpy(&d, data + i * info->block_bytes, 4);
        bad += std::isfinite(d) ? 0 : 1;
      }
      return bad;
    default: break;
  }
  const auto offsets = f16_scale_offsets(type);
  for (uint64_t i = 0; i < n_blocks; ++i) {
    const uint8_t* block = data + i * info->block_bytes;
    for (int k = 0; k < offsets.count; ++k) {
      if (!f16_finite_at(block, offsets.offset[k])) {
        ++bad;
        break;
      }
    }
  }
  return bad;
}

}  // namespace edt
