#pragma once
// The 12-byte scale field Q4_K and Q5_K share: eight 6-bit scales and eight 6-bit minimums. Groups 0-3 keep theirs
// in the low 6 bits of bytes 0-3 (scales) and 4-7 (minimums); groups 4-7 keep their low 4 bits in the nibbles of
// bytes 8-11 and their top 2 bits in the spare top bits of bytes 0-7.
#include <cstdint>

namespace edt::quant {

inline void k_scale_min(int g, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (g < 4) {
    *scale = q[g] & 63;
    *min = q[g + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((q[g + 4] & 0x0f) | ((q[g - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((q[g + 4] >> 4) | ((q[g] >> 6) << 4));
  }
}

// Packs 6-bit scale ls and minimum lm of group g; q must start zeroed for groups >= 4 to combine correctly.
inline void k_set_scale_min(int g, uint8_t* q, int ls, int lm) {
  if (g < 4) {
    q[g] = static_cast<uint8_t>(ls);
    q[g + 4] = static_cast<uint8_t>(lm);
  } else {
    q[g + 4] = static_cast<uint8_t>((ls & 0x0f) | ((lm & 0x0f) << 4));
    q[g - 4] = static_cast<uint8_t>(q[g - 4] | ((ls >> 4) << 6));
    q[g] = static_cast<uint8_t>(q[g] | ((lm >> 4) << 6));
  }
}

}  // namespace edt::quant
