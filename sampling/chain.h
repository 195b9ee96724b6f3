#pragma once
// The sampling chain: stages applied in order to one step's logits, ending in a token. It owns its scratch (nothing
// is allocated per token), times each stage, and reports what it did. When the chain is value stages (bias,
// penalties) then EDT or a fixed temperature then the draw, it runs the fused, vectorised path instead: a few
// linear passes over the vocabulary, no candidate array, no sort.
#include <array>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cpu/isa.h"
#include "sampling/fused_edt.h"
#include "sampling/stage.h"

namespace edt {

class SamplerChain {
 public:
  SamplerChain(std::vector<std::unique_ptr<SamplerStage>> stages, uint64_t seed, size_t n_vocab, Isa isa);

  // Picks the next token from logits (n_vocab), which the chain may modify in place (they are consumed).
  int32_t sample(std::span<float> logits);
  // The same from logits the caller keeps (a session's output): a chain whose stages only read them (the fused path
  // with no value stage before it, the default) samples in place; any other copies them into its own buffer first.
  int32_t sample_view(std::span<const float> logits);
  bool reads_only() const { return fused_ && fused_from_ == 0; }
  // Every emitted token (and prompt tokens, for penalties) goes through accept().
  void accept(int32_t token);
  void reset();  // forgets history; the random stream continues
  std::unique_ptr<SamplerChain> clone() const;

  const StepReport& last_report() const { return report_; }
  // On the fused path, the chosen token's probability costs a second pass over the vocabulary; a caller that does
  // not print it can turn it off (its report then says -1). On by default; the staged path always reports it.
  void set_report_probability(bool on) { report_probability_ = on; }
  bool fused() const { return fused_; }
  // Names of the timed parts: the stages, or "<value stages>..., edt+dist (fused)" on the fused path.
  const std::vector<std::string>& timed_names() const { return timed_names_; }
  // Nanoseconds each timed part took at the last step (same order as timed_names()).
  const std::vector<int64_t>& last_step_ns() const { return last_step_ns_; }
  std::string describe() const;  // "penalties -> edt -> dist (fused)"

 private:
  int32_t run_fused(const float* logits);  // the fused kernel's step; fills report_ and the last timing

  std::vector<std::unique_ptr<SamplerStage>> stages_;
  uint64_t seed_;
  Rng rng_;
  size_t n_vocab_;
  Isa isa_;
  bool fused_ = false;
  size_t fused_from_ = 0;       // stages before this index run normally; the rest is the fused kernel
  EdtParams fused_edt_;
  double fused_temperature_ = 0;  // > 0: fixed temperature instead of EDT
  bool needs_snapshot_ = false;   // an EDT stage over the full vocabulary runs after a truncation
  StepReport report_;
  bool report_probability_ = true;
  std::vector<std::string> timed_names_;
  std::vector<int64_t> last_step_ns_;
  std::vector<int32_t> ids_;      // (n_vocab) candidate ids once truncation starts
  std::vector<float> scratch_;    // (fused_scratch_floats(n_vocab)) stage / fused-kernel scratch
  std::vector<float> scratch2_;   // (n_vocab) a second stage scratch
  std::vector<float> snapshot_;   // (n_vocab) full-vocabulary logits before the first truncation, when needed
  std::vector<float> input_;      // (n_vocab) sample_view's copy, for chains that write their input; else empty
};

}  // namespace edt
