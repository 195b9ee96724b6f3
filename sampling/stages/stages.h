#pragma once
// The chain's stages, one per file in this folder. Semantics follow llama.cpp where it defines them (and the EDT
// paper for EDT); each file says what it does at the edges.
#include <deque>
#include <unordered_map>
#include <vector>

#include "sampling/fused_edt.h"
#include "sampling/stage.h"

namespace edt {

// Adds a fixed bias to chosen tokens; -inf bans a token.
class LogitBiasStage final : public SamplerStage {
 public:
  explicit LogitBiasStage(std::vector<std::pair<int32_t, float>> biases) : biases_(std::move(biases)) {}
  std::string name() const override { return "logit-bias"; }
  Kind kind() const override { return Kind::Modify; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<LogitBiasStage>(*this); }

 private:
  std::vector<std::pair<int32_t, float>> biases_;
};

// Repetition (llama.cpp / CTRL: divide positive logits, multiply negative ones), frequency and presence penalties
// over the last `last_n` accepted tokens. All neutral values (1, 0, 0) or last_n == 0 make it a no-op.
class PenaltiesStage final : public SamplerStage {
 public:
  PenaltiesStage(int last_n, float repeat, float frequency, float presence)
      : last_n_(last_n), repeat_(repeat), frequency_(frequency), presence_(presence) {}
  std::string name() const override { return "penalties"; }
  Kind kind() const override { return Kind::Modify; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  void accept(int32_t token) override;
  void reset() override {
    history_.clear();
    counts_.clear();
  }
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<PenaltiesStage>(*this); }

 private:
  int last_n_;
  float repeat_, frequency_, presence_;
  std::deque<int32_t> history_;                 // the last last_n tokens
  std::unordered_map<int32_t, int> counts_;     // token -> occurrences in history_
};

// Fixed temperature: logits / T. T <= 0 keeps only the most likely token (greedy), as llama.cpp does.
class TemperatureStage final : public SamplerStage {
 public:
  explicit TemperatureStage(float t) : t_(t) {}
  std::string name() const override { return "temperature"; }
  Kind kind() const override { return Kind::Modify; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<TemperatureStage>(*this); }
  float temperature() const { return t_; }

 private:
  float t_;
};

// EDT: H = entropy of softmax(z) in nats (over the full vocabulary as it was before truncation, or over the
// surviving candidates), T = T0 · N^(θ/H), logits / T. H below 1e-6 or T below 1e-3 keeps only the argmax.
class EdtStage final : public SamplerStage {
 public:
  enum class Scope { FullVocabulary, Candidates };
  EdtStage(EdtParams p, Scope scope) : p_(p), scope_(scope) {}
  std::string name() const override { return "edt"; }
  Kind kind() const override { return Kind::Modify; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<EdtStage>(*this); }
  const EdtParams& params() const { return p_; }
  Scope scope() const { return scope_; }

 private:
  EdtParams p_;
  Scope scope_;
};

// llama.cpp's dynamic temperature: T = lo + (hi - lo)·(H / ln n)^exponent over the n candidates, lo = max(0, T-Δ),
// hi = T+Δ; a no-op for n <= 1; Δ = 0 is plain temperature T. Computed without sorting.
class DynatempStage final : public SamplerStage {
 public:
  DynatempStage(float t, float range, float exponent) : t_(t), range_(range), exponent_(exponent) {}
  std::string name() const override { return "dynatemp"; }
  Kind kind() const override { return Kind::Modify; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<DynatempStage>(*this); }

 private:
  float t_, range_, exponent_;
};

// Keeps the k largest logits (k <= 0 or k >= n: no-op). Partial selection, no full sort; ties at the boundary
// keep the lower ids.
class TopKStage final : public SamplerStage {
 public:
  explicit TopKStage(int k) : k_(k) {}
  std::string name() const override { return "top-k"; }
  Kind kind() const override { return Kind::Truncate; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<TopKStage>(*this); }

 private:
  int k_;
};

// Keeps the smallest set of most likely tokens whose probabilities sum to at least p (p >= 1: no-op), sorting
// only a growing head of the candidates.
class TopPStage final : public SamplerStage {
 public:
  explicit TopPStage(float p) : p_(p) {}
  std::string name() const override { return "top-p"; }
  Kind kind() const override { return Kind::Truncate; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<TopPStage>(*this); }

 private:
  float p_;
};

// Keeps tokens with p >= min_p · p_max, i.e. logit >= max + ln(min_p) (min_p <= 0: no-op). One linear pass.
class MinPStage final : public SamplerStage {
 public:
  explicit MinPStage(float min_p) : min_p_(min_p) {}
  std::string name() const override { return "min-p"; }
  Kind kind() const override { return Kind::Truncate; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<MinPStage>(*this); }

 private:
  float min_p_;
};

// The most likely candidate (the lowest id on ties).
class GreedyStage final : public SamplerStage {
 public:
  std::string name() const override { return "greedy"; }
  Kind kind() const override { return Kind::Select; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<GreedyStage>(*this); }
};

// The seeded draw from softmax(candidate logits): one uniform number, inverse CDF in candidate order.
class DistStage final : public SamplerStage {
 public:
  std::string name() const override { return "dist"; }
  Kind kind() const override { return Kind::Select; }
  void apply(Candidates& c, SamplingContext& ctx) override;
  std::unique_ptr<SamplerStage> clone() const override { return std::make_unique<DistStage>(*this); }
};

// Shared helpers of the stages.
// Index of the largest logit among the candidates (lowest index on ties).
size_t candidates_argmax(const Candidates& c);
// Keeps only candidate i.
void keep_only(Candidates& c, size_t i);
// Divides every candidate logit by t (t > 0).
void scale_logits(Candidates& c, double t);
// A fixed temperature as llama.cpp applies it: t <= 0 keeps only the argmax; records t in the report.
void apply_fixed_temperature(Candidates& c, float t, StepReport& report);

}  // namespace edt
