#pragma once
// What `edt eval` prints and writes from its analyses (one per continuation length): the text tables, the JSON with
// every number, the CSV summary, the SVG plots (quality against diversity, with a panel of the H and T histograms
// beside it) and the Markdown report that docs/eval/README.md is generated from.
#include <cstdio>
#include <string>
#include <vector>

#include "eval/eval_analysis.h"

namespace edt {

struct EvalRunInfo {
  std::string model, command;
  std::string generation_command;  // when the samples were loaded: the command that generated them
  size_t prompts = 0, samples_per_prompt = 0, prompt_tokens = 0, generated_tokens = 0;
  uint64_t seed = 0;
  BootstrapSpec bootstrap;
};

// path with "-<length>" before its extension when several lengths are written (r.svg -> r-32.svg).
std::string eval_output_path(const std::string& path, size_t length, bool several);

void print_analysis(std::FILE* out, const EvalRunInfo& info, const LengthAnalysis& a);
void write_eval_json(const std::string& path, const EvalRunInfo& info, const std::vector<LengthAnalysis>& analyses);
void write_eval_csv(const std::string& path, const std::vector<LengthAnalysis>& analyses);
void write_eval_plot(const std::string& path, const EvalRunInfo& info, const LengthAnalysis& a);
// plots: the SVG written for each analysis (same order), json/csv: the other files written ("" when none); the
// report links them relative to its own folder.
void write_eval_report(const std::string& path, const EvalRunInfo& info, const std::vector<LengthAnalysis>& analyses,
                       const std::vector<std::string>& plots, const std::string& json, const std::string& csv);

}  // namespace edt
