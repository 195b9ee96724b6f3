#include "eval/sample_store.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "weights/error.h"

namespace edt {
namespace {

using nlohmann::json;

const json& sample_field(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key)) throw FormatError(where + ": missing field \"" + key + "\"");
  return j[key];
}

std::vector<int32_t> ids_of(const json& j, const std::string& where) {
  if (!j.is_array()) throw FormatError(where + ": expected an array of token ids");
  std::vector<int32_t> out;
  out.reserve(j.size());
  for (const json& v : j) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
      throw FormatError(where + ": expected token ids (integers >= 0)");
    out.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return out;
}

std::vector<float> floats_of(const json& j, const std::string& where) {
  if (!j.is_array()) throw FormatError(where + ": expected an array of numbers");
  std::vector<float> out;
  out.reserve(j.size());
  for (const json& v : j) {
    if (!v.is_number()) throw FormatError(where + ": expected numbers");
    out.push_back(v.get<float>());
  }
  return out;
}

size_t count_of(const json& j, const char* key, const std::string& where) {
  const json& v = sample_field(j, key, where);
  if (!v.is_number_unsigned()) throw FormatError(where + ": field \"" + key + "\" must be a non-negative integer");
  return v.get<size_t>();
}

}  // namespace

void save_samples(const std::string& path, const SampleStore& st) {
  json j;
  j["format"] = "edt-eval-samples";
  j["version"] = 1;
  j["model"] = st.model;
  j["command"] = st.command;
  j["seed"] = st.seed;
  j["samples_per_prompt"] = st.samples_per_prompt;
  j["generated_tokens"] = st.generated_tokens;
  j["prompt_tokens"] = st.prompt_tokens;
  j["passages"] = json::array();
  for (const EvalPassage& p : st.passages) j["passages"].push_back({{"prompt", p.prompt}, {"reference", p.reference}});
  j["settings"] = json::array();
  for (const EvalRun& r : st.runs) {
    json s = {{"method", r.setting.method}, {"label", r.setting.label}, {"knob", r.setting.knob}};
    s["samples"] = json::array();
    for (const auto& per_prompt : r.samples) {
      json ps = json::array();
      for (const SampleTrace& t : per_prompt)
        ps.push_back({{"tokens", t.tokens}, {"logprob", t.logprob}, {"entropy", t.entropy}, {"temperature", t.temperature}});
      s["samples"].push_back(std::move(ps));
    }
    j["settings"].push_back(std::move(s));
  }
  std::ofstream out(path, std::ios::binary);
  out << j.dump() << "\n";
  if (!out) throw FormatError(path + ": cannot write the samples");
}

SampleStore parse_samples(const std::string& text, const std::string& name) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw FormatError(name + ": not valid JSON");
  if (!j.is_object() || !j.contains("format") || j["format"] != "edt-eval-samples")
    throw FormatError(name + ": not an edt eval samples file (field \"format\" must be \"edt-eval-samples\")");
  if (!j.contains("version") || j["version"] != 1) throw FormatError(name + ": field \"version\" must be 1");
  SampleStore st;
  const json& model = sample_field(j, "model", name);
  if (!model.is_string()) throw FormatError(name + ": field \"model\" must be a string");
  st.model = model.get<std::string>();
  if (j.contains("command")) {
    if (!j["command"].is_string()) throw FormatError(name + ": field \"command\" must be a string");
    st.command = j["command"].get<std::string>();
  }
  const json& seed = sample_field(j, "seed", name);
  if (!seed.is_number_unsigned()) throw FormatError(name + ": field \"seed\" must be a non-negative integer");
  st.seed = seed.get<uint64_t>();
  st.samples_per_prompt = count_of(j, "samples_per_prompt", name);
  st.generated_tokens = count_of(j, "generated_tokens", name);
  st.prompt_tokens = count_of(j, "prompt_tokens", name);
  const json& passages = sample_field(j, "passages", name);
  if (!passages.is_array()) throw FormatError(name + ": field \"passages\" must be an array");
  for (size_t i = 0; i < passages.size(); ++i) {
    const std::string where = name + ": passages[" + std::to_string(i) + "]";
    EvalPassage p;
    p.prompt = ids_of(sample_field(passages[i], "prompt", where), where + ".prompt");
    p.reference = ids_of(sample_field(passages[i], "reference", where), where + ".reference");
    st.passages.push_back(std::move(p));
  }
  const json& settings = sample_field(j, "settings", name);
  if (!settings.is_array()) throw FormatError(name + ": field \"settings\" must be an array");
  for (size_t s = 0; s < settings.size(); ++s) {
    const std::string where = name + ": settings[" + std::to_string(s) + "]";
    const json& js = settings[s];
    EvalRun run;
    const json& method = sample_field(js, "method", where);
    const json& label = sample_field(js, "label", where);
    const json& knob = sample_field(js, "knob", where);
    if (!method.is_string() || !label.is_string() || !knob.is_number())
      throw FormatError(where + ": \"method\" and \"label\" must be strings, \"knob\" a number");
    run.setting.method = method.get<std::string>();
    run.setting.label = label.get<std::string>();
    run.setting.knob = knob.get<double>();
    const json& samples = sample_field(js, "samples", where);
    if (!samples.is_array() || samples.size() != st.passages.size())
      throw FormatError(where + ".samples: expected one array per passage (" + std::to_string(st.passages.size()) + ")");
    for (size_t p = 0; p < samples.size(); ++p) {
      const std::string wp = where + ".samples[" + std::to_string(p) + "]";
      if (!samples[p].is_array() || samples[p].size() != st.samples_per_prompt)
        throw FormatError(wp + ": expected " + std::to_string(st.samples_per_prompt) + " samples");
      std::vector<SampleTrace> traces;
      for (size_t k = 0; k < samples[p].size(); ++k) {
        const std::string wk = wp + "[" + std::to_string(k) + "]";
        const json& t = samples[p][k];
        SampleTrace tr;
        tr.tokens = ids_of(sample_field(t, "tokens", wk), wk + ".tokens");
        tr.logprob = floats_of(sample_field(t, "logprob", wk), wk + ".logprob");
        tr.entropy = floats_of(sample_field(t, "entropy", wk), wk + ".entropy");
        tr.temperature = floats_of(sample_field(t, "temperature", wk), wk + ".temperature");
        const size_t steps = tr.logprob.size();
        if (tr.entropy.size() != steps || tr.temperature.size() != steps || steps > st.generated_tokens ||
            tr.tokens.size() > steps || steps > tr.tokens.size() + 1)
          throw FormatError(wk + ": logprob, entropy and temperature need one value per step (tokens, or tokens + 1 "
                            "ending in EOS), at most generated_tokens");
        traces.push_back(std::move(tr));
      }
      run.samples.push_back(std::move(traces));
    }
    st.runs.push_back(std::move(run));
  }
  return st;
}

SampleStore load_samples(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_samples(ss.str(), path);
}

void merge_samples(SampleStore& into, SampleStore more, const std::string& name) {
  auto differs = [&](const std::string& what) {
    throw FormatError(name + ": " + what + " differs from the first samples file; only samples of the same passages, "
                      "seed, samples per prompt and length can be combined");
  };
  if (more.seed != into.seed) differs("seed");
  if (more.samples_per_prompt != into.samples_per_prompt) differs("samples_per_prompt");
  if (more.generated_tokens != into.generated_tokens) differs("generated_tokens");
  if (more.passages.size() != into.passages.size()) differs("the number of passages");
  for (size_t i = 0; i < more.passages.size(); ++i)
    if (more.passages[i].prompt != into.passages[i].prompt || more.passages[i].reference != into.passages[i].reference)
      differs("passages[" + std::to_string(i) + "]");
  if (!more.command.empty()) into.command += (into.command.empty() ? "" : "\n") + more.command;
  for (EvalRun& r : more.runs) into.runs.push_back(std::move(r));
}

}  // namespace edt
