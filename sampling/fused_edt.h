#pragma once
// The fused EDT + draw path: a few linear passes over the raw logits, no sort, no candidate array.
//   1. one exp pass: w_i = e^(z_i-m), summed per block of 64 and per 4,096 into scratch, s = Σ w,
//      t = Σ w·(z-m)  ->  H = ln s - t/s (nats). The reference takes the max m first; the SIMD passes weigh each
//      superblock of 4,096 against the max so far and rescale (fused_edt_body.h, compiled per level).
//   2. T = T0 · N^(θ/H)
//   3. T < 1 (the usual case: EDT's T is at most T0): rejection sampling from the weights already in scratch.
//      Propose i with probability w_i / s (inverse CDF over the block sums, proposal.h), accept it with probability
//      e^((1/T - 1)(z_i - m)) ≤ 1. An accepted i has probability ∝ w_i · e^((1/T-1)(z_i-m)) = e^((z_i-m)/T): exactly
//      softmax(z/T), without a second exp pass over the vocabulary (the acceptance test divides by the stored w_i
//      rather than e^(z_i-m), so the polynomial's rounding of w_i cancels out). After kMaxProposals refusals (a flat tail at a
//      low T), or when T ≥ 1, the exact second pass below draws instead; either way the token is distributed as
//      softmax(z/T), because each branch is.
//   4. (second pass) w_i = e^((z_i-m)/T) with their sum W, then the first i whose running sum passes u·W.
// The chosen token's probability at T needs W, a second pass: computed only when asked for.
// Tokens at -inf (masked by a bias) give e^(-inf) = 0 and 0·(-inf) is skipped, so they add nothing to H.
// The scalar reference accumulates in double; the SIMD versions in float lanes (H agrees to ~1e-5 relative).
#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"
#include "sampling/proposal.h"
#include "sampling/rng.h"

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
  double probability = -1;  // of the chosen token at that temperature; -1 when not asked for
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
EntropyStats entropy_stats_avx2(const float* logits, size_t n);
EntropyStats entropy_stats_avx512(const float* logits, size_t n);

// Scratch of the fused path: the second pass's n weights and their block sums, which is more than the entropy
// pass's block sums (proposal.h) that share it.
inline size_t fused_scratch_floats(size_t n) {
  return n + n / kWeightBlock + 1 > block_sums_floats(n) ? n + n / kWeightBlock + 1 : block_sums_floats(n);
}

// Pass 1: entropy statistics, plus the sums of the weights w_i = e^(z_i - m) per block and superblock in scratch
// (block_sums_floats(n)) and their total with the tail. The argmax is left at -1 by the SIMD versions: only a
// greedy step needs it, and finding it is another scan.
struct EntropyAndSums {
  EntropyStats stats;
  double weight_total = 0;
};
EntropyAndSums entropy_and_sums_ref(const float* logits, size_t n, float* scratch);
EntropyAndSums entropy_and_sums_avx2(const float* logits, size_t n, float* scratch);
EntropyAndSums entropy_and_sums_avx512(const float* logits, size_t n, float* scratch);

// Index of the first element equal to value, which is present (the argmax, given the max).
int32_t index_of_first_ref(const float* logits, size_t n, float value);
int32_t index_of_first_avx2(const float* logits, size_t n, float value);
int32_t index_of_first_avx512(const float* logits, size_t n, float value);

// The second pass: draws at temperature T > 0 given the max, overwriting scratch. u in [0, 1).
int32_t draw_at_temperature_ref(const float* logits, size_t n, float max, double temperature, double u, float* scratch,
                                double* probability);
int32_t draw_at_temperature_avx2(const float* logits, size_t n, float max, double temperature, double u,
                                 float* scratch, double* probability);
int32_t draw_at_temperature_avx512(const float* logits, size_t n, float max, double temperature, double u,
                                   float* scratch, double* probability);

// Σ_i e^((z_i - max)/T): the chosen token's probability's denominator.
double sum_at_temperature_ref(const float* logits, size_t n, float max, double temperature);
double sum_at_temperature_avx2(const float* logits, size_t n, float max, double temperature);
double sum_at_temperature_avx512(const float* logits, size_t n, float max, double temperature);


// Proposals tried before the exact second pass takes over (each costs ~0.3 µs; the acceptance rate is
// Σ e^((z-m)/T) / Σ e^(z-m), typically 0.3..1 for EDT's temperatures).
inline constexpr int kMaxProposals = 16;
// Bound on e^(d/T) / w_i over the stored weights w_i ≈ e^d, d = z_i - m. Their relative error is the exp
// polynomial's 2.7e-6, plus ln 2 times the error of (z - m)·log2 e as one FMA, z·log2 e - fl(m·log2 e): half an
// ulp of m·log2 e (2.1e-5 for |m| < 709), plus d's own rounding (under 3e-6 down to d = -86 nats, where the clamp
// starts). So the bound holds while |m| <= kProposalMaxLogit; past that (no real model's logits) the second pass
// draws.
inline constexpr double kProposalBound = 1.0 + 3e-5;
inline constexpr float kProposalMaxLogit = 700.0f;

// The whole fused step. temperature_override > 0 skips EDT and samples at that fixed temperature (the fused plain
// temperature path); == 0 means EDT with p. Draws its uniforms from rng (a variable number of them: one or two per
// proposal). want_probability: also compute the chosen token's probability (else it is reported as -1).
// max_proposals: kMaxProposals, or fewer (0: always the second pass) for tests of each branch.
FusedDrawResult fused_edt_draw(const float* logits, size_t n, const EdtParams& p, double temperature_override,
                               Rng& rng, float* scratch, Isa isa, bool want_probability,
                               int max_proposals = kMaxProposals);

}  // namespace edt
