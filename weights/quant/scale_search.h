#pragma once
// The weighted scale searches behind the K-quants (and the idea behind IQ4's): for a group of n weights, find a
// scale (and for the asymmetric types a minimum) whose integer levels L minimise a weighted squared error, by
// trying a small fan of candidate scales around the naive max/nmax one and keeping the best least-squares fit.
// These follow the behaviour of llama.cpp's non-imatrix reference quantizers, so that the chosen levels — and
// with them the file's bytes — are the same.
#include <cstdint>

namespace edt::quant {

// Symmetric levels in [-nmax, nmax-1] stored as L = level + nmax, weights w_i = x_i^2. The largest magnitude
// (with its sign) maps to -nmax first; then 18 nearby scales are tried. Returns the scale (0 for an all-zero group).
float search_symmetric_scale(int n, int nmax, const float* x, int8_t* L);

// Symmetric levels in [-nmax, nmax-1], L = level + nmax, refined by coordinate descent: each level in turn moves
// to its best value given the others, up to five sweeps (Q3_K's search). Returns the scale.
float search_symmetric_scale_refined(int n, int nmax, const float* x, int8_t* L);

// Asymmetric levels in [0, nmax]: value = scale * L - min_out with min_out >= 0. Tries nstep+1 scales
// (nmax + rmin + rdelta * k) / (max - min) and solves the weighted least-squares scale and offset for each.
// use_abs_error ranks candidates by weighted |error| instead of squared error (Q2_K). Laux: n bytes of scratch.
float search_scale_and_min(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* min_out,
                           uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_abs_error);

}  // namespace edt::quant
