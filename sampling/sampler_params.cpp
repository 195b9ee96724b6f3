#include "sampling/sampler_params.h"

#include <cmath>
#include <sstream>

#include "sampling/stages/stages.h"
#include "weights/error.h"

namespace edt {

void SamplerParams::validate() const {
  auto fail = [](const std::string& flag, const std::string& what) { throw UsageError("flag '" + flag + "' " + what); };
  if (!std::isfinite(temp)) fail("--temp", "must be a number");
  if (top_p <= 0.0f || top_p > 1.0f) fail("--top-p", "must be in (0, 1]");
  if (min_p < 0.0f || min_p > 1.0f) fail("--min-p", "must be in [0, 1]");
  if (!(repeat_penalty > 0.0f)) fail("--repeat-penalty", "must be > 0");
  if (repeat_last_n < 0) fail("--repeat-last-n", "must be >= 0");
  if (dynatemp_range < 0.0f) fail("--dynatemp-range", "must be >= 0");
  if (dynatemp_exp <= 0.0f) fail("--dynatemp-exp", "must be > 0");
  if (!(edt_n > 0.0f && edt_n < 1.0f)) fail("--edt-n", "must be in (0, 1), the paper uses 0.8");
  if (!(edt_theta > 0.0f)) fail("--edt-theta", "must be > 0");
  if (edt_t0 != -1.0f && !(edt_t0 > 0.0f)) fail("--edt-t0", "must be > 0");
  if (edt && edt_t0 == -1.0f && temp > 0.0f && !std::isfinite(temp)) fail("--temp", "must be finite");
}

std::unique_ptr<SamplerChain> SamplerParams::build(size_t n_vocab, Isa isa) const {
  validate();
  for (const auto& [id, bias] : logit_bias)
    if (id < 0 || static_cast<size_t>(id) >= n_vocab)
      throw UsageError("flag '--logit-bias' names token " + std::to_string(id) + ", outside the vocabulary of " +
                       std::to_string(n_vocab));
  std::vector<std::unique_ptr<SamplerStage>> s;
  if (!logit_bias.empty()) s.push_back(std::make_unique<LogitBiasStage>(logit_bias));
  auto penalties = [&] {
    return std::make_unique<PenaltiesStage>(repeat_last_n, repeat_penalty, frequency_penalty, presence_penalty);
  };
  const bool penalties_on = repeat_last_n > 0 && (repeat_penalty != 1.0f || frequency_penalty != 0.0f || presence_penalty != 0.0f);
  const EdtParams ep{edt_t0 > 0.0f ? edt_t0 : temp, edt_n, edt_theta};
  const auto scope = edt_over_candidates ? EdtStage::Scope::Candidates : EdtStage::Scope::FullVocabulary;

  if (temp <= 0.0f && samplers.empty()) {  // greedy, whatever else is set (llama.cpp's rule)
    if (penalties_on) s.push_back(penalties());
    s.push_back(std::make_unique<GreedyStage>());
    return std::make_unique<SamplerChain>(std::move(s), seed, n_vocab, isa);
  }
  if (!samplers.empty()) {
    std::string spec = samplers;
    for (char& ch : spec)
      if (ch == ',') ch = ';';
    std::stringstream ss(spec);
    for (std::string name; std::getline(ss, name, ';');) {
      if (name.empty()) continue;
      if (name == "penalties") s.push_back(penalties());
      else if (name == "top_k" || name == "top-k") s.push_back(std::make_unique<TopKStage>(top_k));
      else if (name == "top_p" || name == "top-p") s.push_back(std::make_unique<TopPStage>(top_p));
      else if (name == "min_p" || name == "min-p") s.push_back(std::make_unique<MinPStage>(min_p));
      else if (name == "temperature" || name == "temp") {
        if (dynatemp_range > 0.0f) s.push_back(std::make_unique<DynatempStage>(temp, dynatemp_range, dynatemp_exp));
        else s.push_back(std::make_unique<TemperatureStage>(temp));
      } else if (name == "edt") s.push_back(std::make_unique<EdtStage>(ep, scope));
      else if (name == "dynatemp") s.push_back(std::make_unique<DynatempStage>(temp, dynatemp_range, dynatemp_exp));
      else if (name == "greedy") s.push_back(std::make_unique<GreedyStage>());
      else if (name == "dist") continue;  // always last
      else
        throw UsageError("flag '--samplers' names '" + name +
                         "', expected penalties, top_k, top_p, min_p, temperature, dynatemp, edt, greedy");
    }
    if (s.empty() || s.back()->kind() != SamplerStage::Kind::Select) s.push_back(std::make_unique<DistStage>());
    return std::make_unique<SamplerChain>(std::move(s), seed, n_vocab, isa);
  }
  if (penalties_on) s.push_back(penalties());
  if (edt) {
    s.push_back(std::make_unique<EdtStage>(ep, scope));
  } else {
    s.push_back(std::make_unique<TopKStage>(top_k));
    s.push_back(std::make_unique<TopPStage>(top_p));
    s.push_back(std::make_unique<MinPStage>(min_p));
    if (dynatemp_range > 0.0f) s.push_back(std::make_unique<DynatempStage>(temp, dynatemp_range, dynatemp_exp));
    else s.push_back(std::make_unique<TemperatureStage>(temp));
  }
  s.push_back(std::make_unique<DistStage>());
  return std::make_unique<SamplerChain>(std::move(s), seed, n_vocab, isa);
}

}  // namespace edt
