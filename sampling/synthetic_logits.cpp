#include "sampling/synthetic_logits.h"

#include <cmath>
#include <numeric>

#include "sampling/rng.h"

namespace edt {

std::vector<float> synthetic_logits(size_t n_vocab, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint32_t> rank_of(n_vocab);
  std::iota(rank_of.begin(), rank_of.end(), 0u);
  for (size_t i = n_vocab; i > 1; --i) std::swap(rank_of[i - 1], rank_of[rng.next() % i]);  // Fisher-Yates
  std::vector<float> z(n_vocab);
  const double offset = 5.0 * rng.uniform();
  for (size_t i = 0; i < n_vocab; ++i) {
    // Box-Muller for the Gaussian part, from the same reproducible stream.
    const double u1 = std::max(rng.uniform(), 1e-300), u2 = rng.uniform();
    const double g = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    z[i] = static_cast<float>(offset - 1.2 * std::log(rank_of[i] + 1.0) + 1.5 * g);
  }
  return z;
}

}  // namespace edt
