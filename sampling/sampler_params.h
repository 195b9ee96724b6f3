#pragma once
// Sampling parameters with llama.cpp's flag names and defaults, plus EDT's, and the chain they describe.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sampling/chain.h"

namespace edt {

struct SamplerParams {
  float temp = 0.8f;            // --temp; 0 = greedy
  int top_k = 40;               // --top-k; <= 0 off
  float top_p = 0.95f;          // --top-p; 1 off
  float min_p = 0.05f;          // --min-p; 0 off
  float repeat_penalty = 1.0f;  // --repeat-penalty; 1 off
  int repeat_last_n = 64;       // --repeat-last-n; 0 off
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  float dynatemp_range = 0.0f;  // --dynatemp-range; 0 off
  float dynatemp_exp = 1.0f;
  bool edt = true;              // --edt / --no-edt
  float edt_t0 = -1.0f;         // --edt-t0; < 0: the --temp value
  float edt_n = 0.8f;           // --edt-n, in (0, 1)
  float edt_theta = 1.0f;       // --edt-theta, > 0
  bool edt_over_candidates = false;  // --edt-scope candidates: H over what earlier truncation left
  std::string samplers;         // --samplers "penalties;top_k;edt": the order; empty = the default chain
  std::vector<std::pair<int32_t, float>> logit_bias;
  uint64_t seed = 0xED7;

  // Throws UsageError naming the flag for a value out of range.
  void validate() const;
  // The stages these parameters describe:
  //   --temp 0                      penalties -> greedy
  //   EDT (default)                 logit-bias -> penalties -> edt -> dist             (fused)
  //   --no-edt                      logit-bias -> penalties -> top-k -> top-p -> min-p -> temperature|dynatemp -> dist
  //   --samplers a;b;c              logit-bias -> the named stages in that order -> dist
  std::unique_ptr<SamplerChain> build(size_t n_vocab, Isa isa) const;
};

}  // namespace edt
