#pragma once
// The temperature rule at work: histograms of the entropy H of each step's distribution and of the temperature T
// the token was drawn at, over every step of every sample of a setting (cut to a length), and the fraction of
// steps drawn below and above a given temperature (the fixed T the setting is matched with).
#include <cstddef>
#include <vector>

#include "eval/evaluator.h"

namespace edt {

struct Histogram {
  double lo = 0, width = 1;     // bin i covers [lo + i·width, lo + (i+1)·width); the last bin takes the overflow
  std::vector<size_t> counts;   // (bins)
  size_t total() const;
  void add(double v);
};

struct TokenStats {
  Histogram entropy, temperature;
  size_t steps = 0;
  size_t argmax_steps = 0;     // drawn at T = 0 (greedy fallback)
  double entropy_sum = 0;      // over the steps, for the mean
  std::vector<float> temperatures;  // (steps) every drawn T, for the fractions
  // Fractions of steps with T < t - tolerance and T > t + tolerance (the rest are "at" t): a fixed-T setting's
  // steps are all at its T.
  double fraction_below(double t, double tolerance = 1e-4) const;
  double fraction_above(double t, double tolerance = 1e-4) const;
};

// entropy bins: [0, entropy_max) in `bins`; temperature bins: [0, temperature_max) in `bins`.
TokenStats token_stats(const EvalRun& run, size_t length, double entropy_max, double temperature_max, size_t bins);

}  // namespace edt
