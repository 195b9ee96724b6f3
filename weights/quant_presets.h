#pragma once
// llama-quantize's presets (Q4_K_M, Q2_K, ...) and its per-tensor rules as facts: which type each tensor of a
// LLaMA-family model gets under a preset, so that `edt quantize` and `edt convert --outtype` write the same type mix
// llama.cpp does (output.weight in Q6_K, more bits for attn_v / ffn_down on the layers llama.cpp picks, and the
// same fallback types for rows that are not whole 256-blocks).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "weights/tensor_type.h"

namespace edt {

enum class QuantPresetId {
  F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_M, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS,
};

struct QuantPreset {
  QuantPresetId id;
  const char* name;       // "Q4_K_M"
  uint32_t file_type;     // general.file_type as llama.cpp numbers it (15 for Q4_K_M)
  GgmlType default_type;  // what a matrix gets when no rule says otherwise
};

// Case-insensitive ("q4_k_m" works). nullopt for an unknown name.
std::optional<QuantPreset> find_quant_preset(const std::string& name);
std::string quant_preset_names();  // "F32, F16, BF16, Q8_0, ..." for messages and --help

// Chooses each tensor's type, called once per tensor in file order (llama.cpp counts attn_v and ffn_down tensors
// as it meets them, and picks layers by that count).
class TensorTypeChooser {
 public:
  struct ModelFacts {
    uint32_t n_layer = 0;
    uint32_t n_head = 1;
    uint32_t n_head_kv = 1;
    bool has_output = false;     // a separate output.weight (else token_embd is the output and follows its rule)
    uint32_t n_attention_v = 0;  // number of attn_v tensors
  };
  // pure: every quantizable matrix takes the preset's default type (no per-tensor rules); rows that are not whole
  // blocks of it still take the fallback type, as there is no other way to store them.
  TensorTypeChooser(const QuantPreset& preset, const ModelFacts& facts, bool pure);

  // dims in GGUF order (ne[0] = row length). Returns the type to write; fallback_out (optional) is set when the
  // type is a fallback for rows that are not whole blocks of the rule's type.
  GgmlType choose(const std::string& name, const std::vector<uint64_t>& dims, GgmlType current, bool* fallback_out);

  // Whether llama.cpp quantizes a tensor of this name and rank at all (norms, 1-D tensors and rope factors stay).
  static bool is_quantizable(const std::string& name, size_t n_dims);

 private:
  GgmlType rule_type(const std::string& name, uint64_t row_len);

  QuantPreset preset_;
  ModelFacts facts_;
  bool pure_;
  int i_attention_v_ = 0;
  int i_ffn_down_ = 0;
};

}  // namespace edt
