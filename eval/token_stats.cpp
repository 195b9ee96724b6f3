#include "eval/token_stats.h"

#include <algorithm>
#include <cmath>

namespace edt {

size_t Histogram::total() const {
  size_t s = 0;
  for (size_t c : counts) s += c;
  return s;
}

void Histogram::add(double v) {
  if (counts.empty() || !std::isfinite(v)) return;
  const double at = std::floor((v - lo) / width);
  const size_t i = at < 0 ? 0 : std::min(counts.size() - 1, static_cast<size_t>(at));
  ++counts[i];
}

double TokenStats::fraction_below(double t, double tolerance) const {
  if (temperatures.empty()) return 0;
  size_t n = 0;
  for (float v : temperatures) n += v < t - tolerance;
  return static_cast<double>(n) / static_cast<double>(temperatures.size());
}

double TokenStats::fraction_above(double t, double tolerance) const {
  if (temperatures.empty()) return 0;
  size_t n = 0;
  for (float v : temperatures) n += v > t + tolerance;
  return static_cast<double>(n) / static_cast<double>(temperatures.size());
}

TokenStats token_stats(const EvalRun& run, size_t length, double entropy_max, double temperature_max, size_t bins) {
  TokenStats st;
  st.entropy.lo = st.temperature.lo = 0;
  st.entropy.width = entropy_max / static_cast<double>(bins);
  st.temperature.width = temperature_max / static_cast<double>(bins);
  st.entropy.counts.assign(bins, 0);
  st.temperature.counts.assign(bins, 0);
  for (const auto& per_prompt : run.samples)
    for (const SampleTrace& tr : per_prompt) {
      const size_t steps = std::min(length, tr.entropy.size());
      for (size_t i = 0; i < steps; ++i) {
        st.entropy.add(tr.entropy[i]);
        st.entropy_sum += tr.entropy[i];
        const float t = tr.temperature[i];
        if (t < 0) continue;  // a chain that reported no temperature
        st.temperature.add(t);
        st.temperatures.push_back(t);
        st.argmax_steps += t == 0;
      }
      st.steps += steps;
    }
  return st;
}

}  // namespace edt
