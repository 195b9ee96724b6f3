// Reference integer kernels and selection.
#include "engine/ops/int8_kernels.h"

#include <cstdint>

#include "weights/half.h"

namespace edt {

float dot_q8_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    int32_t acc = 0;
    for (size_t j = 0; j < kQuantBlock; ++j) acc += int32_t{b[k].qs[j]} * xq[k].qs[j];
    s += static_cast<double>(acc) * f16_to_f32(b[k].d) * f16_to_f32(xq[k].d);
  }
  return static_cast<float>(s);
}

float dot_q4_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    int32_t acc = 0;
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      acc += ((b[k].qs[j] & 0x0f) - 8) * xq[k].qs[j];
      acc += ((b[k].qs[j] >> 4) - 8) * xq[k].qs[j + 16];
    }
    s += static_cast<double>(acc) * f16_to_f32(b[k].d) * f16_to_f32(xq[k].d);
  }
  return static_cast<float>(s);
}

namespace {

template <float (*kRowDot)(const void*, const BlockQ8_0*, size_t)>
void quant_rows_ref(const uint8_t* w, size_t row_bytes, const ActivationsQ8& x, float* y, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) y[r] = kRowDot(w + r * row_bytes, x.blocks, n);
}

// Scratch layout: offsets first (32 bytes per block keeps them 32-byte aligned when the scratch is), then the
// float scales, then the blocks.
struct Layout {
  explicit Layout(size_t n) : blocks(n / kQuantBlock) {}
  size_t offsets_bytes() const { return blocks * 16 * sizeof(int16_t); }
  size_t scales_bytes() const { return blocks * sizeof(float); }
  size_t total() const { return offsets_bytes() + scales_bytes() + blocks * sizeof(BlockQ8_0); }
  size_t blocks;
};

}  // namespace

QuantRowsKernel quant_rows_kernel(GgmlType type, Isa isa) {
  const bool avx2 = isa >= Isa::Avx2;
  if (type == GgmlType::Q8_0) return avx2 ? q8_0_rows_avx2 : quant_rows_ref<dot_q8_0_q8_0_ref>;
  if (type == GgmlType::Q4_0) return avx2 ? q4_0_rows_avx2 : quant_rows_ref<dot_q4_0_q8_0_ref>;
  return nullptr;
}

size_t activations_q8_bytes(size_t n) { return Layout(n).total(); }

ActivationsQ8 quantize_activations(const float* x, void* scratch, size_t n, Isa isa) {
  const Layout layout(n);
  auto* base = static_cast<uint8_t*>(scratch);
  auto* offsets = reinterpret_cast<int16_t*>(base);                                  // (blocks, 16)
  auto* scales = reinterpret_cast<float*>(base + layout.offsets_bytes());            // (blocks)
  auto* blocks = reinterpret_cast<BlockQ8_0*>(base + layout.offsets_bytes() + layout.scales_bytes());  // (blocks)
  if (isa >= Isa::Avx2) quantize_row_q8_0_avx2(x, blocks, n);
  else quantize_row_q8_0(x, blocks, n);
  for (size_t k = 0; k < layout.blocks; ++k) {
    scales[k] = f16_to_f32(blocks[k].d);
    for (size_t j = 0; j < 16; ++j)
      offsets[k * 16 + j] = static_cast<int16_t>(8 * (blocks[k].qs[2 * j] + blocks[k].qs[2 * j + 1]));
  }
  return ActivationsQ8{blocks, scales, offsets};
}

}  // namespace edt
