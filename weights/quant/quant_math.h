#pragma once
// Small numeric helpers shared by the block quantizers. They reproduce the exact rounding the reference files were
// made with, so our blocks can equal llama-quantize's bit for bit.
#include <bit>
#include <cmath>
#include <cstdint>

namespace edt::quant {

// Groups whose largest magnitude is below this are treated as all zero (the same threshold as llama.cpp's).
inline constexpr float kGroupMaxEps = 1e-15f;

// Round to nearest, ties to even, valid for |v| < 2^22: adding 1.5 * 2^23 leaves the rounded integer in the low
// mantissa bits. Written this way (not lrintf) so it does not depend on the FPU rounding mode.
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace edt::quant
