#pragma once
// Every generated sample of an evaluation, saved so that the statistics can be recomputed (or changed) without
// generating again: `edt eval --save-samples run.json` then `edt eval --load-samples run.json --report r.md`.
// JSON: {"format": "edt-eval-samples", "version": 1, "model", "command" (optional), "seed", "samples_per_prompt",
// "generated_tokens", "prompt_tokens", "passages": [{"prompt": [ids], "reference": [ids]}], "settings": [{"method",
// "label", "knob", "samples": [prompt][sample]{"tokens", "logprob", "entropy", "temperature"}}]}.
#include <string>
#include <vector>

#include "eval/evaluator.h"

namespace edt {

struct SampleStore {
  std::string model;
  std::string command;  // the edt eval command that generated the samples (optional in the file)
  uint64_t seed = 0;
  size_t samples_per_prompt = 0, generated_tokens = 0, prompt_tokens = 0;
  std::vector<EvalPassage> passages;
  std::vector<EvalRun> runs;
};

// Throws FormatError naming the path when it cannot be written.
void save_samples(const std::string& path, const SampleStore& store);
// Parses what save_samples wrote; anything else (bad JSON, a missing or mistyped field, sizes that disagree) is a
// FormatError naming `name` and the field. The settings' sampler parameters are not stored (only their labels).
SampleStore parse_samples(const std::string& text, const std::string& name);
SampleStore load_samples(const std::string& path);
// Adds `more`'s settings to `into`. Both must come from the same passages, seed, samples per prompt and length
// (with common random numbers, settings generated in separate runs are then exactly what one run would give);
// otherwise a FormatError naming `name` and what differs.
void merge_samples(SampleStore& into, SampleStore more, const std::string& name);

}  // namespace edt
