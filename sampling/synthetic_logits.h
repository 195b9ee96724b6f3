#pragma once
// Logit vectors shaped like a language model's, for benchmarks and the synthetic profiler, without a model:
// a Zipf-like head over a Gaussian tail. Token at rank r (a seeded random permutation of the ids) gets
// -1.2 · ln(r + 1) + N(0, 1.5), plus a per-step offset; the entropy of softmax lands around 3-6 nats, and the
// top token usually holds 5-30% of the mass, as in real next-token distributions.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edt {

std::vector<float> synthetic_logits(size_t n_vocab, uint64_t seed);

}  // namespace edt
