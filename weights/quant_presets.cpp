#include "weights/quant_presets.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace edt {
namespace {

using Id = QuantPresetId;
using Ty = GgmlType;

constexpr std::array<QuantPreset, 17> kPresets = {{
    {Id::F32, "F32", 0, Ty::F32},
    {Id::F16, "F16", 1, Ty::F16},
    {Id::BF16, "BF16", 32, Ty::BF16},
    {Id::Q8_0, "Q8_0", 7, Ty::Q8_0},
    {Id::Q4_0, "Q4_0", 2, Ty::Q4_0},
    {Id::Q4_1, "Q4_1", 3, Ty::Q4_1},
    {Id::Q5_0, "Q5_0", 8, Ty::Q5_0},
    {Id::Q5_1, "Q5_1", 9, Ty::Q5_1},
    {Id::Q2_K, "Q2_K", 10, Ty::Q2_K},
    {Id::Q3_K_M, "Q3_K_M", 12, Ty::Q3_K},
    {Id::Q4_K_S, "Q4_K_S", 14, Ty::Q4_K},
    {Id::Q4_K_M, "Q4_K_M", 15, Ty::Q4_K},
    {Id::Q5_K_S, "Q5_K_S", 16, Ty::Q5_K},
    {Id::Q5_K_M, "Q5_K_M", 17, Ty::Q5_K},
    {Id::Q6_K, "Q6_K", 18, Ty::Q6_K},
    {Id::IQ4_NL, "IQ4_NL", 25, Ty::IQ4_NL},
    {Id::IQ4_XS, "IQ4_XS", 30, Ty::IQ4_XS},
}};

// Which layers a rule applies to, by the tensor's position i among n of its kind (llama.cpp's choices).
enum class Layers {
  All,
  MoreBits,        // the first and last eighth, and every third layer in between
  FirstTwo,        // i < 2
  FirstFour,       // i < 4
  FirstEighth,     // i < n/8
  FirstSixteenth,  // i < n/16
};

enum class Kind { AttnV, FfnDown, AttnOutput };

struct Rule {
  QuantPresetId preset;
  Kind kind;
  Layers layers;
  bool needs_gqa4;  // only when n_head / n_head_kv >= 4
  GgmlType type;
};

// The first rule that matches a tensor decides its type (rules for one preset and kind are listed in priority
// order: a later one is the "otherwise" of an earlier one). Presets without a rule for a kind keep the default.
constexpr Rule kRules[] = {
    // attn_v: the value projection is small (n_head_kv rows per head group) and sensitive, so it gets more bits.
    {Id::Q2_K, Kind::AttnV, Layers::All, true, Ty::Q4_K},
    {Id::Q2_K, Kind::AttnV, Layers::All, false, Ty::Q3_K},
    {Id::Q3_K_M, Kind::AttnV, Layers::FirstTwo, false, Ty::Q5_K},
    {Id::Q3_K_M, Kind::AttnV, Layers::All, false, Ty::Q4_K},
    {Id::IQ4_NL, Kind::AttnV, Layers::All, true, Ty::Q5_K},
    {Id::IQ4_XS, Kind::AttnV, Layers::All, true, Ty::Q5_K},
    {Id::Q4_K_M, Kind::AttnV, Layers::MoreBits, false, Ty::Q6_K},
    {Id::Q5_K_M, Kind::AttnV, Layers::MoreBits, false, Ty::Q6_K},
    {Id::Q4_K_S, Kind::AttnV, Layers::FirstFour, false, Ty::Q5_K},
    // ffn_down: the largest error contributor of the FFN.
    {Id::Q2_K, Kind::FfnDown, Layers::All, false, Ty::Q3_K},
    {Id::Q3_K_M, Kind::FfnDown, Layers::FirstSixteenth, false, Ty::Q5_K},
    {Id::Q3_K_M, Kind::FfnDown, Layers::All, false, Ty::Q4_K},
    {Id::Q4_K_M, Kind::FfnDown, Layers::MoreBits, false, Ty::Q6_K},
    {Id::IQ4_NL, Kind::FfnDown, Layers::FirstEighth, false, Ty::Q5_K},  // without an importance matrix
    {Id::IQ4_XS, Kind::FfnDown, Layers::FirstEighth, false, Ty::Q5_K},
    {Id::Q5_K_M, Kind::FfnDown, Layers::MoreBits, false, Ty::Q6_K},
    {Id::Q4_K_S, Kind::FfnDown, Layers::FirstEighth, false, Ty::Q5_K},
    // attn_output
    {Id::Q2_K, Kind::AttnOutput, Layers::All, false, Ty::Q3_K},
    {Id::Q3_K_M, Kind::AttnOutput, Layers::All, false, Ty::Q4_K},
};

bool layer_matches(Layers layers, int i, int n) {
  switch (layers) {
    case Layers::All:
      return true;
    case Layers::MoreBits:
      return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    case Layers::FirstTwo:
      return i < 2;
    case Layers::FirstFour:
      return i < 4;
    case Layers::FirstEighth:
      return i < n / 8;
    case Layers::FirstSixteenth:
      return i < n / 16;
  }
  return false;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// The type used instead when a row is not a whole number of the wanted type's blocks (K and IQ4_XS types need
// 256); nullopt when there is none.
std::optional<GgmlType> fallback_for(GgmlType t) {
  switch (t) {
    case Ty::Q2_K:
    case Ty::Q3_K:
    case Ty::IQ4_XS:
      return Ty::IQ4_NL;
    case Ty::Q4_K:
      return Ty::Q5_0;
    case Ty::Q5_K:
      return Ty::Q5_1;
    case Ty::Q6_K:
      return Ty::Q8_0;
    default:
      return std::nullopt;
  }
}

bool is_quantized(GgmlType t) { return t != Ty::F32 && t != Ty::F16 && t != Ty::BF16; }

}  // namespace

std::optional<QuantPreset> find_quant_preset(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  for (const QuantPreset& p : kPresets)
    if (upper == p.name) return p;
  return std::nullopt;
}

std::string quant_preset_names() {
  std::string out;
  for (const QuantPreset& p : kPresets) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

TensorTypeChooser::TensorTypeChooser(const QuantPreset& preset, const ModelFacts& facts, bool pure)
    : preset_(preset), facts_(facts), pure_(pure) {}

bool TensorTypeChooser::is_quantizable(const std::string& name, size_t n_dims) {
  const bool ends_with_weight = name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0;
  return ends_with_weight && n_dims >= 2 && !contains(name, "_norm.weight") && !contains(name, "ffn_gate_inp.weight") &&
         name != "rope_freqs.weight";
}

GgmlType TensorTypeChooser::rule_type(const std::string& name, uint64_t row_len) {
  const GgmlType def = preset_.default_type;
  // The output projection (or the tied embedding that serves as it) is the most sensitive matrix: Q6_K, or Q8_0
  // when its rows do not fit the preset's blocks.
  if (name == "output.weight" || (!facts_.has_output && name == "token_embd.weight")) {
    if (row_len % ggml_traits(def).block_elems != 0) return Ty::Q8_0;
    return def == Ty::Q8_0 ? def : Ty::Q6_K;
  }
  std::optional<Kind> kind;
  int i = 0, n = 0;
  if (contains(name, "attn_v.weight")) {
    kind = Kind::AttnV;
    i = i_attention_v_++;
    n = static_cast<int>(facts_.n_attention_v);
  } else if (contains(name, "ffn_down")) {
    kind = Kind::FfnDown;
    i = i_ffn_down_++;
    n = static_cast<int>(facts_.n_layer);
  } else if (contains(name, "attn_output.weight")) {
    kind = Kind::AttnOutput;
  }
  if (!kind) return def;
  const bool gqa4 = facts_.n_head_kv > 0 && facts_.n_head / facts_.n_head_kv >= 4;
  GgmlType type = def;
  for (const Rule& r : kRules) {
    if (r.preset != preset_.id || r.kind != *kind) continue;
    if (r.needs_gqa4 && !gqa4) continue;
    if (!layer_matches(r.layers, i, n)) continue;
    type = r.type;
    break;
  }
  // 70B-class models (80 layers) share each attn_v among 8 heads; llama.cpp gives it Q5_K over Q3_K / Q4_K.
  if (*kind == Kind::AttnV && facts_.n_layer == 80 && (type == Ty::Q3_K || type == Ty::Q4_K)) type = Ty::Q5_K;
  return type;
}

GgmlType TensorTypeChooser::choose(const std::string& name, const std::vector<uint64_t>& dims, GgmlType current,
                                   bool* fallback_out) {
  if (fallback_out) *fallback_out = false;
  if (!is_quantizable(name, dims.size())) return current;
  const uint64_t row_len = dims.empty() ? 0 : dims[0];
  GgmlType type = preset_.default_type;
  if (!is_quantized(type)) return type;
  if (!pure_) type = rule_type(name, row_len);
  if (row_len % ggml_traits(type).block_elems != 0) {
    const auto fb = fallback_for(type);
    type = fb && row_len % ggml_traits(*fb).block_elems == 0 ? *fb : Ty::F16;
    if (fallback_out) *fallback_out = true;
  }
  return type;
}

}  // namespace edt
