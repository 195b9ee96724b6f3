#include "sampling/fused_edt.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sampling/sampler_kernels.h"

namespace edt {

double edt_temperature(double entropy, const EdtParams& p) {
  if (!(entropy >= kEdtMinEntropy)) return 0.0;  // also catches NaN
  const double t = p.t0 * std::pow(static_cast<double>(p.n), p.theta / entropy);
  return t < kMinTemperature ? 0.0 : t;
}

EntropyStats entropy_stats_ref(const float* logits, size_t n) {
  EntropyStats st;
  st.max = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i)
    if (logits[i] > st.max) {
      st.max = logits[i];
      st.argmax = static_cast<int32_t>(i);
    }
  double s = 0, t = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(logits[i]) - st.max;
    if (d == -std::numeric_limits<double>::infinity()) continue;  // masked: 0 · ln 0 = 0
    const double e = std::exp(d);
    s += e;
    t += e * d;
  }
  st.sum_exp = s;
  st.entropy = std::max(0.0, std::log(s) - t / s);  // rounding can leave -1e-17 for one-hot inputs
  return st;
}

int32_t index_of_first_ref(const float* logits, size_t n, float value) {
  for (size_t i = 0; i < n; ++i)
    if (logits[i] == value) return static_cast<int32_t>(i);
  return 0;
}

int32_t draw_at_temperature_ref(const float* logits, size_t n, float max, double temperature, double u, float*,
                                double* probability) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::exp((static_cast<double>(logits[i]) - max) / temperature);
  const double target = u * total;
  double cum = 0;
  int32_t last_nonzero = 0;
  for (size_t i = 0; i < n; ++i) {
    const double w = std::exp((static_cast<double>(logits[i]) - max) / temperature);
    if (w == 0) continue;
    last_nonzero = static_cast<int32_t>(i);
    cum += w;
    if (cum > target) {
      if (probability) *probability = w / total;
      return static_cast<int32_t>(i);
    }
  }
  if (probability) *probability = std::exp((static_cast<double>(logits[last_nonzero]) - max) / temperature) / total;
  return last_nonzero;
}

EntropyAndSums entropy_and_sums_ref(const float* logits, size_t n, float* scratch) {
  EntropyAndSums r;
  r.stats = entropy_stats_ref(logits, n);
  const size_t blocks = n / kWeightBlock;
  float* super = superblock_sums(scratch, n);
  float* refs = superblock_refs(scratch, n);
  float w[kWeightBlock];  // (kWeightBlock) one block's weights, as propose() will recompute them
  double super_sum = 0;
  for (size_t b = 0; b * kWeightBlock < n; ++b) {
    const size_t begin = b * kWeightBlock, count = std::min(kWeightBlock, n - begin);
    block_weights_ref(logits + begin, count, r.stats.max, w);  // the reference weighs everything against the max
    double block = 0;
    for (size_t j = 0; j < count; ++j) block += w[j];
    if (b == blocks) {  // the tail: no block sum, scanned element by element
      r.weight_total += block;
      break;
    }
    if (b % kWeightBlock == 0) refs[b / kWeightBlock] = r.stats.max;
    float* lanes = scratch + kBlockLanes * b;  // the whole sum in the first lane: block_total() gives it back
    std::fill_n(lanes, kBlockLanes, 0.0f);
    lanes[0] = static_cast<float>(block);
    r.weight_total += lanes[0];
    super_sum += lanes[0];
    if ((b + 1) % kWeightBlock == 0) {
      super[b / kWeightBlock] = static_cast<float>(super_sum);
      super_sum = 0;
    }
  }
  return r;
}

double sum_at_temperature_ref(const float* logits, size_t n, float max, double temperature) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::exp((static_cast<double>(logits[i]) - max) / temperature);
  return total;
}

FusedDrawResult fused_edt_draw(const float* logits, size_t n, const EdtParams& p, double temperature_override,
                               Rng& rng, float* scratch, Isa isa, bool want_probability, int max_proposals) {
  const SamplerKernels& kern = sampler_kernels(isa);
  const EntropyAndSums ew = kern.entropy_and_sums(logits, n, scratch);
  const EntropyStats& st = ew.stats;
  FusedDrawResult r;
  r.entropy = st.entropy;
  r.temperature = temperature_override > 0 ? temperature_override : edt_temperature(st.entropy, p);
  if (r.temperature < kMinTemperature) {
    r.temperature = 0;
    r.token = st.argmax >= 0 ? st.argmax : kern.index_of_first(logits, n, st.max);
    r.probability = 1.0;
    return r;
  }
  if (r.temperature < 1.0 && ew.weight_total > 0 && std::fabs(st.max) <= kProposalMaxLogit) {
    for (int k = 0; k < max_proposals; ++k) {
      const Proposal pr = propose(logits, n, st.max, scratch, ew.weight_total, rng.uniform(),
                                  kern.block_weights);
      const int32_t i = pr.index;
      const double d = static_cast<double>(logits[i]) - st.max;
      // Accept with e^(d/T) / (bound · w_i): the weight the proposal used, not e^d, so the exp polynomial's rounding
      // of w_i cancels and accepted tokens follow e^(d/T) exactly; bound covers that rounding so this stays <= 1.
      if (rng.uniform() * kProposalBound * pr.weight < std::exp(d / r.temperature)) {
        r.token = i;
        if (want_probability) {
          const double total = kern.sum_at_temperature(logits, n, st.max, r.temperature);
          r.probability = std::exp(d / r.temperature) / total;
        }
        return r;
      }
    }
  }
  double probability = -1;
  r.token = kern.draw_at_temperature(logits, n, st.max, r.temperature, rng.uniform(), scratch, &probability);
  if (want_probability) r.probability = probability;
  return r;
}

}  // namespace edt
