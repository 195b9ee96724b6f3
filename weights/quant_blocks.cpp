#include "weights/quant_blocks.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/half.h"

namespace edt {

void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n) {
  assert(n % kQuantBlock == 0);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f;
    for (size_t j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (size_t j = 0; j < kQuantBlock; ++j) y[b].qs[j] = static_cast<int8_t>(std::lround(xb[j] * id));
  }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n) {
  assert(n % kQuantBlock == 0);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    // The scale maps the value of largest magnitude (with its sign) to -8, so the full 16-level range is used.
    float amax = 0.0f, max = 0.0f;
    for (size_t j = 0; j < kQuantBlock; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(xb[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(xb[j + 16] * id + 8.5f)));
      y[b].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void dequantize_row_q8_0(const BlockQ8_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (size_t j = 0; j < kQuantBlock; ++j) y[b * kQuantBlock + j] = static_cast<float>(x[b].qs[j]) * d;
  }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      y[b * kQuantBlock + j] = static_cast<float>((x[b].qs[j] & 0x0f) - 8) * d;
      y[b * kQuantBlock + j + 16] = static_cast<float>((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row(GgmlType type, const void* src, float* dst, size_t n) {
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case GgmlType::F16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
      return;
    }
    case GgmlType::BF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
      return;
    }
    case GgmlType::Q8_0:
      dequantize_row_q8_0(static_cast<const BlockQ8_0*>(src), dst, n);
      return;
    case GgmlType::Q4_0:
      dequantize_row_q4_0(static_cast<const BlockQ4_0*>(src), dst, n);
      return;
    default:
      assert(false && "dequantize_row: type not computable");
  }
}

void quantize_row(GgmlType type, const float* src, void* dst, size_t n) {
  switch (type) {
    case GgmlType::F32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case GgmlType::F16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
      return;
    }
    case GgmlType::BF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
      return;
    }
    case GgmlType::Q8_0:
      quantize_row_q8_0(src, static_cast<BlockQ8_0*>(dst), n);
      return;
    case GgmlType::Q4_0:
      quantize_row_q4_0(src, static_cast<BlockQ4_0*>(dst), n);
      return;
    default:
      assert(false && "quantize_row: type not writable");
  }
}

}  // namespace edt
