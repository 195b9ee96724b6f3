#include "tools/sampling_flags.h"

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "weights/error.h"

namespace edt {

std::vector<FlagSpec> sampling_flag_specs() {
  return {
      {{"--temp"}, true, "temperature; the EDT upper bound T0 unless --edt-t0 (default 0.8; 0 = greedy)"},
      {{"--edt"}, false, "EDT sampling: T = T0 · N^(θ/H) per token (the default)"},
      {{"--no-edt"}, false, "llama.cpp's chain instead: top-k -> top-p -> min-p -> temperature"},
      {{"--edt-t0"}, true, "EDT's upper temperature T0 (default: --temp)"},
      {{"--edt-n"}, true, "EDT's base N, in (0, 1) (default 0.8, the paper's)"},
      {{"--edt-theta"}, true, "EDT's θ > 0 (default 1.0)"},
      {{"--edt-scope"}, true, "entropy over 'full' vocabulary (default, the paper's) or surviving 'candidates'"},
      {{"--top-k"}, true, "top-k, <= 0 off (default 40; used by --no-edt or --samplers)"},
      {{"--top-p"}, true, "top-p in (0, 1], 1 off (default 0.95)"},
      {{"--min-p"}, true, "min-p in [0, 1], 0 off (default 0.05)"},
      {{"--repeat-penalty"}, true, "repetition penalty, 1 off (default 1.0)"},
      {{"--repeat-last-n"}, true, "tokens the penalties look back over, 0 off (default 64)"},
      {{"--presence-penalty"}, true, "presence penalty (default 0)"},
      {{"--frequency-penalty"}, true, "frequency penalty (default 0)"},
      {{"--dynatemp-range"}, true, "llama.cpp's dynamic temperature range, 0 off (default 0)"},
      {{"--dynatemp-exp"}, true, "dynamic temperature exponent (default 1.0)"},
      {{"--samplers"}, true, "stage order, e.g. 'penalties;top_k;edt' (dist is always last)"},
      {{"--logit-bias"}, true, "TOKEN_ID(+|-)BIAS, e.g. 15043+1 or 2-inf; repeatable as a comma list"},
      {{"-s", "--seed"}, true, "random seed (default: random, printed in the summary)"},
  };
}

void read_sampling_flags(const Args& args, SamplerParams& p) {
  p.temp = static_cast<float>(args.get_float("--temp", p.temp, 0.0, 100.0));
  if (args.has("--no-edt")) p.edt = false;
  if (args.has("--edt")) p.edt = true;
  if (args.has("--edt") && args.has("--no-edt")) throw UsageError("flags '--edt' and '--no-edt' contradict each other");
  p.edt_t0 = static_cast<float>(args.get_float("--edt-t0", p.edt_t0, -1.0, 100.0));
  if (args.has("--edt-t0") && !(p.edt_t0 > 0.0f)) throw UsageError("flag '--edt-t0' must be > 0");
  p.edt_n = static_cast<float>(args.get_float("--edt-n", p.edt_n, -1e9, 1e9));
  p.edt_theta = static_cast<float>(args.get_float("--edt-theta", p.edt_theta, -1e9, 1e9));
  if (auto scope = args.get("--edt-scope")) {
    if (*scope != "full" && *scope != "candidates")
      throw UsageError("flag '--edt-scope' is '" + *scope + "', expected 'full' or 'candidates'");
    p.edt_over_candidates = *scope == "candidates";
  }
  p.top_k = static_cast<int>(args.get_int("--top-k", p.top_k, -1, 1 << 24));
  p.top_p = static_cast<float>(args.get_float("--top-p", p.top_p, -1e9, 1e9));
  p.min_p = static_cast<float>(args.get_float("--min-p", p.min_p, -1e9, 1e9));
  p.repeat_penalty = static_cast<float>(args.get_float("--repeat-penalty", p.repeat_penalty, -1e9, 1e9));
  p.repeat_last_n = static_cast<int>(args.get_int("--repeat-last-n", p.repeat_last_n, 0, 1 << 20));
  p.presence_penalty = static_cast<float>(args.get_float("--presence-penalty", p.presence_penalty, -100, 100));
  p.frequency_penalty = static_cast<float>(args.get_float("--frequency-penalty", p.frequency_penalty, -100, 100));
  p.dynatemp_range = static_cast<float>(args.get_float("--dynatemp-range", p.dynatemp_range, -1e9, 1e9));
  p.dynatemp_exp = static_cast<float>(args.get_float("--dynatemp-exp", p.dynatemp_exp, -1e9, 1e9));
  p.samplers = args.get_or("--samplers", p.samplers);
  if (auto biases = args.get("--logit-bias")) {
    std::stringstream ss(*biases);
    for (std::string item; std::getline(ss, item, ',');) {
      const size_t sign = item.find_first_of("+-", 1);
      char* end = nullptr;
      const long id = sign == std::string::npos ? -1 : std::strtol(item.substr(0, sign).c_str(), &end, 10);
      const std::string value = sign == std::string::npos ? "" : item.substr(sign);
      float bias = 0;
      if (value == "-inf") bias = -INFINITY;
      else if (!value.empty()) bias = std::strtof(value.c_str(), &end);
      if (id < 0 || value.empty() || (value != "-inf" && (end == nullptr || *end != '\0')))
        throw UsageError("flag '--logit-bias' holds '" + item + "', expected TOKEN_ID+BIAS or TOKEN_ID-BIAS");
      p.logit_bias.emplace_back(static_cast<int32_t>(id), bias);
    }
  }
  if (args.has("--seed")) {
    p.seed = static_cast<uint64_t>(args.get_int("--seed", 0, 0, INT64_MAX));
  } else {
    p.seed = std::random_device{}() & 0x7fffffffu;
  }
  p.validate();
}

int physical_cores() {
  std::set<std::pair<std::string, std::string>> cores;
  const unsigned logical = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream pkg(base + "physical_package_id"), core(base + "core_id");
    std::string p, c;
    if (!(pkg >> p) || !(core >> c)) return static_cast<int>(logical);
    cores.emplace(p, c);
  }
  return std::max<int>(1, static_cast<int>(cores.size()));
}

}  // namespace edt
