#pragma once
// The fused EDT + draw path: a few linear passes over the raw logits, no sort, no candidate array.
//   1. max (and argmax)                          2. s = Σ e^(z-m), t = Σ e^(z-m)(z-m)  ->  H = ln s - t/s (nats)
//   3. T = T0 · N^(θ/H)                          4. w_i = e^((z_i-m)/T) into scratch, with their sum W
//   5. the first i whose running sum of w passes u·W (inverse CDF)
// Tokens at -inf (masked by a bias) give e^(-inf) = 0 and 0·(-inf) is skipped, so they add nothing to H.
// The scalar reference accumulates in double; the AVX2 version in float lanes (H agrees to ~1e-5 relative).
#include <cstddef>
#include <cstdint>

#include "engine/ops/dot_kernels.h"

namespace edt {

struct EntropyStats {
  float max = 0;
  int32_t argmax = 0;
  double sum_exp = 0;    // s
  double entropy = 0;    // H in nats
};

struct FusedDrawResult {
  int32_t token = 0;
  double entropy = 0;
  double temperature = 0;  // 0 when the step fell back to argmax
  double probability = 0;  // of the chosen token at that temperature
};

struct EdtParams {
  float t0 = 1.0f;      // upper bound of the temperature
  float n = 0.8f;       // base, in (0, 1)
  float theta = 1.0f;   // exponent scale, > 0
};

// Below these the rule's limit is argmax: a (near) one-hot distribution, or a temperature too small to matter.
inline constexpr double kEdtMinEntropy = 1e-6;
inline constexpr double kMinTemperature = 1e-3;

// T = T0 · N^(θ/H); returns 0 (argmax) when H < kEdtMinEntropy or T < kMinTemperature.
double edt_temperature(double entropy, const EdtParams& p);

EntropyStats entropy_stats_ref(const float* logits, size_t n);
// The fastest version this CPU runs (chosen once).
EntropyStats entropy_stats(const float* logits, size_t n);
EntropyStats entropy_stats_avx2(const float* logits, size_t n);

// Draws at temperature T > 0 given the max; scratch holds fused_scratch_floats(n) floats. u in [0, 1).
inline size_t fused_scratch_floats(size_t n) { return n + n / 64 + 1; }
int32_t draw_at_temperature_ref(const float* logits, size_t n, float max, double temperature, double u, float* scratch,
                                double* probability);
int32_t draw_at_temperature_avx2(const float* logits, size_t n, float max, double temperature, double u,
                                 float* scratch, double* probability);

// The fastest draw this CPU runs (chosen once); scratch holds fused_scratch_floats(n).
int32_t draw_at_temperature(const float* logits, size_t n, float max, double temperature, double u, float* scratch,
                            double* probability);

// out[i] = e^(z_i - max) for n logits; returns their sum. Vectorised where the CPU allows (relative error 3e-6).
double exp_shifted(const float* logits, size_t n, float max, float* out);
double exp_shifted_ref(const float* logits, size_t n, float max, float* out);
double exp_shifted_avx2(const float* logits, size_t n, float max, float* out);

// The whole fused step. temperature_override > 0 skips EDT and samples at that fixed temperature (the fused plain
// temperature path); == 0 means EDT with p.
FusedDrawResult fused_edt_draw(const float* logits, size_t n, const EdtParams& p, double temperature_override, double u,
                               float* scratch, Isa isa);

}  // namespace edt
