#pragma once
// The non-linear 4-bit grid IQ4_NL and IQ4_XS share: 16 int8 levels, denser near zero where most weights are, and
// the scale search both types use to place a group of 32 on it.
#include <cstdint>

namespace edt::quant {

inline constexpr int8_t kIq4Grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// Index of the grid level nearest to v (ties to the lower level).
int iq4_nearest_level(float v);

// Quantizes n_groups groups of 32 (x: n_groups * 32 values) onto the grid. Without an importance matrix each
// element is weighted by x^2. Writes the indices (one byte each, 0..15) to L and each group's least-squares
// scale to scales; ntry extra scales on either side of the naive one are tried per group.
void iq4_fit_groups(const float* x, int n_groups, uint8_t* L, float* scales, int ntry);

}  // namespace edt::quant
