#include "sampling/chain.h"

#include <algorithm>
#include <cassert>

#include "sampling/stages/stages.h"

namespace edt {

SamplerChain::SamplerChain(std::vector<std::unique_ptr<SamplerStage>> stages, uint64_t seed, size_t n_vocab, Isa isa)
    : stages_(std::move(stages)), seed_(seed), rng_(seed), n_vocab_(n_vocab), isa_(isa) {
  assert(!stages_.empty() && stages_.back()->kind() == SamplerStage::Kind::Select);
  // The fused path: any value stages, then EDT (either scope: nothing was truncated) or temperature > 0, then dist.
  const size_t n = stages_.size();
  if (n >= 2 && dynamic_cast<const DistStage*>(stages_[n - 1].get())) {
    bool only_values_before = true;
    for (size_t i = 0; i + 2 < n; ++i)
      only_values_before &= dynamic_cast<const LogitBiasStage*>(stages_[i].get()) != nullptr ||
                            dynamic_cast<const PenaltiesStage*>(stages_[i].get()) != nullptr;
    if (only_values_before) {
      if (const auto* e = dynamic_cast<const EdtStage*>(stages_[n - 2].get())) {
        fused_ = true;
        fused_edt_ = e->params();
      } else if (const auto* t = dynamic_cast<const TemperatureStage*>(stages_[n - 2].get()); t && t->temperature() > 0) {
        fused_ = true;
        fused_temperature_ = t->temperature();
      }
      fused_from_ = n - 2;
    }
  }
  bool truncated = false;
  for (const auto& s : stages_) {
    truncated |= s->kind() == SamplerStage::Kind::Truncate;
    if (const auto* e = dynamic_cast<const EdtStage*>(s.get()); e && truncated && e->scope() == EdtStage::Scope::FullVocabulary)
      needs_snapshot_ = true;
  }
  for (size_t i = 0; i < (fused_ ? fused_from_ : n); ++i) timed_names_.push_back(stages_[i]->name());
  if (fused_) timed_names_.push_back(fused_temperature_ > 0 ? "temperature+dist (fused)" : "edt+dist (fused)");
  last_step_ns_.assign(timed_names_.size(), 0);
  ids_.resize(n_vocab);
  scratch_.resize(fused_scratch_floats(n_vocab));
  scratch2_.resize(n_vocab);
  if (needs_snapshot_) snapshot_.resize(n_vocab);
  if (!reads_only()) input_.resize(n_vocab);
}

int32_t SamplerChain::sample_view(std::span<const float> logits) {
  assert(logits.size() == n_vocab_);
  if (!reads_only()) {
    std::copy(logits.begin(), logits.end(), input_.begin());
    return sample(input_);
  }
  report_ = StepReport{};
  return run_fused(logits.data());
}

int32_t SamplerChain::sample(std::span<float> logits) {
  assert(logits.size() == n_vocab_);
  report_ = StepReport{};
  Candidates c;
  c.logits = logits.data();
  c.ids = ids_.data();
  c.scratch = scratch_.data();
  c.scratch2 = scratch2_.data();
  c.size = c.n_vocab = n_vocab_;
  c.full_logits = logits.data();
  SamplingContext ctx{rng_, report_, sampler_kernels(isa_)};
  using clock = std::chrono::steady_clock;
  const size_t plain = fused_ ? fused_from_ : stages_.size();
  bool snapshot_taken = false;
  for (size_t i = 0; i < plain; ++i) {
    SamplerStage& s = *stages_[i];
    if (needs_snapshot_ && !snapshot_taken && s.kind() == SamplerStage::Kind::Truncate) {
      std::copy_n(c.logits, n_vocab_, snapshot_.data());  // still the full vocabulary, in id order
      c.full_logits = snapshot_.data();
      snapshot_taken = true;
    }
    const auto start = clock::now();
    s.apply(c, ctx);
    last_step_ns_[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count();
    if (c.selected >= 0) break;  // a select stage ran
  }
  if (fused_) c.selected = run_fused(logits.data());
  return c.selected;
}

int32_t SamplerChain::run_fused(const float* logits) {
  const auto start = std::chrono::steady_clock::now();
  const FusedDrawResult r = fused_edt_draw(logits, n_vocab_, fused_edt_, fused_temperature_, rng_, scratch_.data(),
                                           isa_, report_probability_);
  last_step_ns_.back() =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  report_.entropy = r.entropy;
  report_.temperature = r.temperature;
  report_.token = r.token;
  report_.probability = r.probability;
  return r.token;
}

void SamplerChain::accept(int32_t token) {
  for (auto& s : stages_) s->accept(token);
}

void SamplerChain::reset() {
  for (auto& s : stages_) s->reset();
}

std::unique_ptr<SamplerChain> SamplerChain::clone() const {
  std::vector<std::unique_ptr<SamplerStage>> copies;
  for (const auto& s : stages_) copies.push_back(s->clone());
  auto c = std::make_unique<SamplerChain>(std::move(copies), seed_, n_vocab_, isa_);
  c->rng_ = rng_;
  c->report_probability_ = report_probability_;
  return c;
}

std::string SamplerChain::describe() const {
  std::string out;
  for (const auto& s : stages_) out += (out.empty() ? "" : " -> ") + s->name();
  return out + (fused_ ? " (fused)" : "");
}

}  // namespace edt
