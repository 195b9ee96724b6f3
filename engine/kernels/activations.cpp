#include "engine/kernels/activations.h"

#include "weights/half.h"

namespace edt {
namespace {

constexpr size_t kAlign = 64;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// Scratch layout, each part 64-byte aligned: Q8_0 offsets, offset totals, scales, sums, blocks; then Q8_K blocks.
struct Layout {
  Layout(ActFormatSet formats, size_t n) {
    const bool q8_0 = formats & act_bit(ActFormat::Q8_0), q8_k = formats & act_bit(ActFormat::Q8_K);
    const size_t b32 = q8_0 ? n / kQuantBlock : 0, b256 = q8_k ? n / kSuperBlock : 0;
    offsets = 0;
    totals = offsets + aligned(b32 * 16 * sizeof(int16_t));
    scales = totals + aligned(b32 * sizeof(int32_t));
    sums = scales + aligned(b32 * sizeof(float));
    blocks_q8_0 = sums + aligned(b32 * sizeof(float));
    blocks_q8_k = blocks_q8_0 + aligned(b32 * sizeof(BlockQ8_0));
    total = blocks_q8_k + aligned(b256 * sizeof(BlockQ8_K));
  }
  size_t offsets, totals, scales, sums, blocks_q8_0, blocks_q8_k, total;
};

}  // namespace

const char* act_format_name(ActFormat f) {
  switch (f) {
    case ActFormat::F32: return "F32";
    case ActFormat::Q8_0: return "Q8_0";
    case ActFormat::Q8_K: return "Q8_K";
  }
  return "?";
}

size_t activation_scratch_bytes(ActFormatSet formats, size_t n) { return Layout(formats, n).total; }

Activations quantize_activations(ActFormatSet formats, const float* x, void* scratch, size_t n, Isa isa) {
  const Layout layout(formats, n);
  auto* base = static_cast<uint8_t*>(scratch);
  Activations a;
  a.f32 = x;
  if (formats & act_bit(ActFormat::Q8_0)) {
    auto* offsets = reinterpret_cast<int16_t*>(base + layout.offsets);         // (n/32, 16)
    auto* totals = reinterpret_cast<int32_t*>(base + layout.totals);           // (n/32)
    auto* scales = reinterpret_cast<float*>(base + layout.scales);             // (n/32)
    auto* sums = reinterpret_cast<float*>(base + layout.sums);                 // (n/32)
    auto* blocks = reinterpret_cast<BlockQ8_0*>(base + layout.blocks_q8_0);    // (n/32)
    if (isa >= Isa::Avx2) quantize_row_q8_0_avx2(x, blocks, n);
    else quantize_row_q8_0(x, blocks, n);
    for (size_t k = 0; k < n / kQuantBlock; ++k) {
      scales[k] = f16_to_f32(blocks[k].d);
      int sum = 0;
      for (size_t j = 0; j < 16; ++j) {
        const int pair = blocks[k].qs[2 * j] + blocks[k].qs[2 * j + 1];
        offsets[k * 16 + j] = static_cast<int16_t>(8 * pair);
        sum += pair;
      }
      totals[k] = -8 * sum;
      sums[k] = scales[k] * static_cast<float>(sum);
    }
    a.q8_0 = blocks;
    a.q8_0_scales = scales;
    a.q8_0_sums = sums;
    a.q8_0_offsets = offsets;
    a.q8_0_offset_totals = totals;
  }
  if (formats & act_bit(ActFormat::Q8_K)) {
    auto* blocks = reinterpret_cast<BlockQ8_K*>(base + layout.blocks_q8_k);  // (n/256)
    if (isa >= Isa::Avx2) quantize_row_q8_k_avx2(x, blocks, n);
    else quantize_row_q8_k(x, blocks, n);
    a.q8_k = blocks;
  }
  return a;
}

}  // namespace edt
