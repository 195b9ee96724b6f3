#pragma once
// The quality-diversity evaluation behind `edt eval`: held-out passages cut into a prompt and a reference
// continuation; for every sampler setting, several seeded samples per prompt; per prompt, quality against the
// reference (BLEU-4, ROUGE-L), the model's own mean log-likelihood of its samples, and diversity among the samples
// (Self-BLEU, distinct-1/2/3). Prompts run in parallel sessions over one model; results do not depend on the
// thread count. Common random numbers: step i of sample k of prompt p draws from a stream seeded by (seed, p, k, i)
// alone, the same under every setting, so a paired difference between settings measures the temperature rule and
// not the dice. Generation runs once at the longest continuation; shorter lengths are scored on its prefixes
// (with per-step seeds, a prefix is exactly what a shorter run would have drawn).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/model.h"
#include "eval/text_metrics.h"
#include "sampling/sampler_params.h"
#include "tokenizer/tokenizer.h"

namespace edt {

struct EvalPassage {
  std::vector<int32_t> prompt;  // with BOS when the model adds it
  TokenSeq reference;           // the continuation the text actually has
};

// Paragraphs (blocks separated by blank lines) cut into non-overlapping windows of prompt_tokens +
// continuation_tokens tokens, each a prompt and its reference; at most max_passages, in file order.
std::vector<EvalPassage> passages_from_text(const std::string& text, const Tokenizer& tok, size_t prompt_tokens,
                                            size_t continuation_tokens, size_t max_passages);
// JSON lines {"prompt": ..., "reference": ...}; the reference is cut to continuation_tokens.
std::vector<EvalPassage> passages_from_jsonl(const std::string& path, const Tokenizer& tok, size_t continuation_tokens,
                                             size_t max_passages);

struct EvalSetting {
  std::string method;  // curve it belongs to: "fixed T", "EDT θ=1", "dynatemp", or "chain"
  std::string label;   // "T=0.7", "T0=0.9 θ=1 N=0.8", ...
  double knob = 0;     // the value varied along the curve (T, T0, range)
  SamplerParams params;
};

// One generated continuation, step by step. steps = tokens.size(), plus one when it ended with EOS.
struct SampleTrace {
  TokenSeq tokens;                 // the continuation, EOS not included
  std::vector<float> logprob;      // (steps) log-probability of the drawn token under the model's softmax(z), T = 1
  std::vector<float> entropy;      // (steps) H of softmax(z) in nats, over the full vocabulary
  std::vector<float> temperature;  // (steps) the temperature the token was drawn at (0: argmax; -1: none reported)
};

// Every sample of one setting: (prompt, sample).
struct EvalRun {
  EvalSetting setting;
  std::vector<std::vector<SampleTrace>> samples;
};

struct MetricSummary {
  double mean = 0, ci95 = 0;  // over prompts
};

struct EvalResult {
  EvalSetting setting;
  size_t continuation_tokens = 0;  // the length these were scored at
  // Per prompt (mean over its samples where the metric is per sample).
  std::vector<double> bleu, rouge_l, loglik, self_bleu, distinct1, distinct2, distinct3;
  MetricSummary summary(const std::vector<double>& per_prompt) const;
};

struct EvalOptions {
  size_t samples_per_prompt = 4;
  size_t continuation_tokens = 32;  // generated (the longest length scored)
  uint64_t seed = 1;
  int threads = 2;
};

// The seed of step `step` of sample `sample` of prompt `prompt`: independent of the setting.
uint64_t step_seed(uint64_t seed, size_t prompt, size_t sample, size_t step);

// progress(done, total) is called from worker threads after each (setting, prompt) unit.
std::vector<EvalRun> generate_samples(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                      const std::vector<EvalPassage>& passages,
                                      const std::vector<EvalSetting>& settings, const EvalOptions& options,
                                      const std::function<void(size_t, size_t)>& progress = {});

// Per-prompt metrics of a run's samples cut to their first `length` steps, against the references' first `length`
// tokens. The log-likelihood is the mean over the steps taken (an EOS step included).
EvalResult score_run(const EvalRun& run, const std::vector<EvalPassage>& passages, size_t length);

// generate_samples, then score_run at options.continuation_tokens.
std::vector<EvalResult> run_evaluation(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                       const std::vector<EvalPassage>& passages,
                                       const std::vector<EvalSetting>& settings, const EvalOptions& options,
                                       const std::function<void(size_t, size_t)>& progress = {});

}  // namespace edt
