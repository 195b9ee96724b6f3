#include "sampling/fused_edt.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

EntropyStats entropy_stats(const float* logits, size_t n) {
  static const bool avx2 = detect_isa() == Isa::Avx2;
  return avx2 ? entropy_stats_avx2(logits, n) : entropy_stats_ref(logits, n);
}

int32_t draw_at_temperature(const float* logits, size_t n, float max, double temperature, double u, float* scratch,
                            double* probability) {
  static const bool avx2 = detect_isa() == Isa::Avx2;
  return avx2 ? draw_at_temperature_avx2(logits, n, max, temperature, u, scratch, probability)
              : draw_at_temperature_ref(logits, n, max, temperature, u, scratch, probability);
}

double exp_shifted_ref(const float* logits, size_t n, float max, float* out) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += out[i] = static_cast<float>(std::exp(static_cast<double>(logits[i]) - max));
  return total;
}

double exp_shifted(const float* logits, size_t n, float max, float* out) {
  static const bool avx2 = detect_isa() == Isa::Avx2;
  return avx2 ? exp_shifted_avx2(logits, n, max, out) : exp_shifted_ref(logits, n, max, out);
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

void sum_superblocks(float* scratch, size_t n) {
  const float* block_sum = scratch + n;
  const size_t blocks = n / kWeightBlock;
  float* super_sum = scratch + n + blocks + 1;
  for (size_t sb = 0; sb * kWeightBlock < blocks; ++sb) {
    double sum = 0;
    for (size_t b = sb * kWeightBlock; b < std::min(blocks, (sb + 1) * kWeightBlock); ++b) sum += block_sum[b];
    super_sum[sb] = static_cast<float>(sum);
  }
}

int32_t inverse_cdf(const float* scratch, size_t n, double total, double u) {
  const float* w = scratch;
  const size_t blocks = n / kWeightBlock;
  const float* block_sum = scratch + n;
  const float* super_sum = block_sum + blocks + 1;
  const double target = u * total;
  double cum = 0;
  // Whole superblocks, then whole blocks, while their sum stays below the target; then element by element.
  size_t b = 0;
  for (size_t sb = 0; sb * kWeightBlock < blocks; ++sb) {
    if (cum + super_sum[sb] > target || (sb + 1) * kWeightBlock > blocks) break;
    cum += super_sum[sb];
    b = (sb + 1) * kWeightBlock;
  }
  for (; b < blocks && cum + block_sum[b] <= target; ++b) cum += block_sum[b];
  int32_t last = -1;
  for (size_t j = b * kWeightBlock; j < n; ++j) {
    if (w[j] < kNegligibleWeight) continue;
    last = static_cast<int32_t>(j);
    cum += w[j];
    if (cum > target) break;
  }
  if (last < 0)  // rounding ran past every weighty token of the last blocks: the last weighty token overall
    for (size_t k = n; k-- > 0;)
      if (w[k] >= kNegligibleWeight) return static_cast<int32_t>(k);
  return last < 0 ? 0 : last;
}

EntropyAndWeights entropy_and_weights_ref(const float* logits, size_t n, float* scratch) {
  EntropyAndWeights r;
  r.stats = entropy_stats_ref(logits, n);
  float* block_sum = scratch + n;
  double block = 0;
  for (size_t i = 0; i < n; ++i) {
    scratch[i] = static_cast<float>(std::exp(static_cast<double>(logits[i]) - r.stats.max));
    block += scratch[i];
    if ((i + 1) % kWeightBlock == 0) {
      block_sum[i / kWeightBlock] = static_cast<float>(block);
      r.weight_total += block_sum[i / kWeightBlock];
      block = 0;
    }
  }
  r.weight_total += block;  // the tail, scanned element by element
  sum_superblocks(scratch, n);
  return r;
}

double sum_at_temperature_ref(const float* logits, size_t n, float max, double temperature) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += std::exp((static_cast<double>(logits[i]) - max) / temperature);
  return total;
}

FusedDrawResult fused_edt_draw(const float* logits, size_t n, const EdtParams& p, double temperature_override,
                               Rng& rng, float* scratch, Isa isa, bool want_probability, int max_proposals) {
  const bool avx2 = isa == Isa::Avx2;
  const EntropyAndWeights ew = avx2 ? entropy_and_weights_avx2(logits, n, scratch)
                                    : entropy_and_weights_ref(logits, n, scratch);
  const EntropyStats& st = ew.stats;
  FusedDrawResult r;
  r.entropy = st.entropy;
  r.temperature = temperature_override > 0 ? temperature_override : edt_temperature(st.entropy, p);
  if (r.temperature < kMinTemperature) {
    r.temperature = 0;
    r.token = st.argmax >= 0 ? st.argmax : index_of_first_avx2(logits, n, st.max);
    r.probability = 1.0;
    return r;
  }
  if (r.temperature < 1.0 && ew.weight_total > 0) {
    for (int k = 0; k < max_proposals; ++k) {
      const int32_t i = inverse_cdf(scratch, n, ew.weight_total, rng.uniform());
      const double d = static_cast<double>(logits[i]) - st.max;
      // Accept with e^(d/T) / (bound · w_i): the stored weight itself, not e^d, so the exp polynomial's rounding of
      // w_i cancels and accepted tokens follow e^(d/T) exactly; bound covers that rounding so this stays <= 1.
      if (rng.uniform() * kProposalBound * scratch[i] < std::exp(d / r.temperature)) {
        r.token = i;
        if (want_probability) {
          const double total = avx2 ? sum_at_temperature_avx2(logits, n, st.max, r.temperature)
                                    : sum_at_temperature_ref(logits, n, st.max, r.temperature);
          r.probability = std::exp(d / r.temperature) / total;
        }
        return r;
      }
    }
  }
  double probability = -1;
  r.token = avx2 ? draw_at_temperature_avx2(logits, n, st.max, r.temperature, rng.uniform(), scratch, &probability)
                 : draw_at_temperature_ref(logits, n, st.max, r.temperature, rng.uniform(), scratch, &probability);
  if (want_probability) r.probability = probability;
  return r;
}

}  // namespace edt
