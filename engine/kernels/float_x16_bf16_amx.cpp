// F16x16's and BF16x16's bf16 prompt forms on AMX-BF16 (float_x16_bf16.h): one TDPBF16PS multiplies a tile of 16
// tokens' activations (16 rows × 32 bf16) by a tile of 16 weight rows' pairs (16 pair rows × 16 columns, which is
// 1 KiB of the converted slice as it is) into 16 × 16 f32 sums: 8192 multiply-adds an instruction. Blocked 2 × 2
// (two 16-token halves of the tile by two groups: four sum tiles, two activation tiles, two weight tiles), so each
// tile load feeds two products. A sum tile lives across one depth slice: loaded from y (or zeroed) at its start and
// stored back at its end, through a 16 × 16 staging block when its token half is not whole.
#include <cstring>

#include "engine/kernels/float_x16_bf16.h"

namespace edt::kernels {
namespace {

// Tiles 0..3: the sums of (token half h, group g) at 2h + g; 4, 5: the halves' activations; 6, 7: the groups'
// weights. Every tile is 16 rows of 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 16, 16};
};

constexpr size_t kHalf = 16;  // tokens per sum tile

struct Micro {
  static constexpr size_t kTileTokens = 2 * kHalf;
  static constexpr size_t kSlicePairs = 256;  // 512 elements: 16 KiB a group, 512 KiB a chunk of 32 in L2

  // The sum tile of (h, g) before the slice: zero, y itself when its half is whole, else the staging block.
  struct Sums {
    static constexpr size_t kGroup = float_x16_bf16::kGroup;
    Sums(float* y_, size_t y_stride_, size_t tokens_, bool first_)
        : y(y_), y_stride(y_stride_), tokens(tokens_), first(first_) {}
    float* y;
    size_t y_stride, tokens;
    bool first;
    // (half, group, 16 tokens, 16 rows) for halves not whole; rows past the tokens are never read back.
    alignas(64) float stage[2][2][kHalf][kGroup];

    bool whole(size_t h) const { return tokens >= (h + 1) * kHalf; }
    size_t valid(size_t h) const { return tokens > h * kHalf ? std::min(kHalf, tokens - h * kHalf) : 0; }
    float* at(size_t h, size_t g) const { return y + h * kHalf * y_stride + g * float_x16_bf16::kGroup; }
    // Where tile (h, g) is read from and written to, and its row stride in bytes.
    float* place(size_t h, size_t g) { return whole(h) ? at(h, g) : &stage[h][g][0][0]; }
    size_t stride(size_t h) const { return whole(h) ? y_stride * sizeof(float) : kGroup * sizeof(float); }
    void stage_in(size_t h, size_t g) {
      if (whole(h) || first) return;
      for (size_t t = 0; t < valid(h); ++t) std::memcpy(stage[h][g][t], at(h, g) + t * y_stride, sizeof(stage[h][g][t]));
    }
    void stage_out(size_t h, size_t g) {
      if (whole(h)) return;
      for (size_t t = 0; t < valid(h); ++t) std::memcpy(at(h, g) + t * y_stride, stage[h][g][t], sizeof(stage[h][g][t]));
    }
  };

  // GCC's tile intrinsics paste the register number into the instruction, so each (h, g) is spelled out.
  template <int kG, int kH>
  static void block(const float_x16_bf16::PairVector* wp, const uint32_t* xp, size_t pairs, Sums& s) {
    for (int h = 0; h < kH; ++h)
      for (int g = 0; g < kG; ++g) s.stage_in(h, g);
    constexpr size_t kXStride = kSlicePairs * sizeof(uint32_t), kWStride = 64;
#define EDT_SUMS_IN(i, h, g) \
  if (s.first) { _tile_zero(i); } else { _tile_loadd(i, s.place(h, g), s.stride(h)); }
    EDT_SUMS_IN(0, 0, 0)
    if constexpr (kG > 1) { EDT_SUMS_IN(1, 0, 1) }
    if constexpr (kH > 1) { EDT_SUMS_IN(2, 1, 0) }
    if constexpr (kG > 1 && kH > 1) { EDT_SUMS_IN(3, 1, 1) }
#undef EDT_SUMS_IN
    for (size_t p = 0; p < pairs; p += 16) {
      _tile_loadd(6, wp + p, kWStride);
      _tile_loadd(4, xp + p, kXStride);
      _tile_dpbf16ps(0, 4, 6);
      if constexpr (kG > 1) {
        _tile_loadd(7, wp + kSlicePairs + p, kWStride);
        _tile_dpbf16ps(1, 4, 7);
      }
      if constexpr (kH > 1) {
        _tile_loadd(5, xp + kHalf * kSlicePairs + p, kXStride);
        _tile_dpbf16ps(2, 5, 6);
        if constexpr (kG > 1) _tile_dpbf16ps(3, 5, 7);
      }
    }
    _tile_stored(0, s.place(0, 0), s.stride(0));
    if constexpr (kG > 1) _tile_stored(1, s.place(0, 1), s.stride(0));
    if constexpr (kH > 1) _tile_stored(2, s.place(1, 0), s.stride(1));
    if constexpr (kG > 1 && kH > 1) _tile_stored(3, s.place(1, 1), s.stride(1));
    for (int h = 0; h < kH; ++h)
      for (int g = 0; g < kG; ++g) s.stage_out(h, g);
  }

  static void run(size_t tokens, const float_x16_bf16::PairVector* wp, size_t groups, const uint32_t* xp, size_t pairs, float* y,
                  size_t y_stride, bool first) {
    for (size_t g = 0; g < groups; g += 2) {
      Sums s(y + g * float_x16_bf16::kGroup, y_stride, tokens, first);
      const bool two_groups = g + 1 < groups, two_halves = tokens > kHalf;
      const float_x16_bf16::PairVector* w = wp + g * kSlicePairs;
      if (two_groups && two_halves) block<2, 2>(w, xp, pairs, s);
      else if (two_groups) block<2, 1>(w, xp, pairs, s);
      else if (two_halves) block<1, 2>(w, xp, pairs, s);
      else block<1, 1>(w, xp, pairs, s);
    }
  }
};

// Rows of whole groups only (the layouts' matrices), so no tail.
template <class Pairs>
void prompt_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, size_t y_stride,
                size_t rows, size_t n) {
  static const TileConfig config;
  _tile_loadconfig(&config);  // per call: the configuration is the calling thread's
  float_x16_bf16::prompt<Pairs, Micro>(w, row_bytes, x, tokens, y, y_stride, rows, n);
  _tile_release();
}

}  // namespace

void f16x16_prompt_bf16_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                            size_t y_stride, size_t rows, size_t n) {
  prompt_amx<float_x16_bf16::F16Pairs>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}
void bf16x16_prompt_bf16_amx(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                             size_t y_stride, size_t rows, size_t n) {
  prompt_amx<float_x16_bf16::Bf16Pairs>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
