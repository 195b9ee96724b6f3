#include "engine/model_config.h"

#include "weights/error.h"

namespace edt {

ModelHParams read_model_config(const GgufFile& f) {
  const std::string arch_name = f.get_string("general.architecture").value_or("");
  const Architecture& arch = architecture(arch_name, f.source);
  const std::string p = arch_name + ".";
  auto u32 = [&](const std::string& key, uint64_t fallback, bool required) -> uint32_t {
    const auto v = f.get_uint(key);
    if (!v && required) throw FormatError(f.source + ": required key '" + key + "' is missing");
    const uint64_t x = v.value_or(fallback);
    if (x > 0xffffffffull) throw FormatError(f.source + ": key '" + key + "' is " + std::to_string(x) + ", out of range");
    return static_cast<uint32_t>(x);
  };
  ModelHParams hp;
  hp.arch = arch.name;
  hp.n_embd = u32(p + "embedding_length", 0, true);
  hp.n_layer = u32(p + "block_count", 0, true);
  hp.n_ff = u32(p + "feed_forward_length", 0, true);
  hp.n_head = u32(p + "attention.head_count", 0, true);
  hp.n_head_kv = u32(p + "attention.head_count_kv", hp.n_head, false);
  hp.n_ctx_train = u32(p + "context_length", 0, true);
  if (hp.n_head == 0) throw FormatError(f.source + ": key '" + p + "attention.head_count' is 0");
  hp.head_dim = u32(p + "attention.key_length", hp.n_embd / hp.n_head, false);
  hp.rope_theta = static_cast<float>(f.get_float(p + "rope.freq_base").value_or(10000.0));
  hp.rms_eps = static_cast<float>(f.require_float(p + "attention.layer_norm_rms_epsilon"));
  if (const auto type = f.get_string(p + "rope.scaling.type"); type && *type != "none") {
    if (*type != "linear")
      throw FormatError(f.source + ": key '" + p + "rope.scaling.type' is '" + *type + "', expected 'none' or 'linear'");
    hp.rope_scaling.kind = RopeScaling::Kind::Linear;
    hp.rope_scaling.factor = static_cast<float>(f.get_float(p + "rope.scaling.factor").value_or(1.0));
  }
  hp.original_context = u32(p + "rope.scaling.original_context_length", 0, false);
  for (const char* longrope : {"rope_factors_long.weight", "rope_factors_short.weight"})
    if (f.find_tensor(longrope))
      throw FormatError(f.source + ": tensor '" + std::string(longrope) +
                        "' (Phi-3 LongRoPE, the 128k variants) is not supported");
  if (arch.sliding_window) hp.sliding_window = u32(p + "attention.sliding_window", 0, false);  // 0: none (Phi-4)
  if (arch.softcaps) {
    hp.attn_softcap = static_cast<float>(f.get_float(p + "attn_logit_softcapping").value_or(0.0));
    hp.final_softcap = static_cast<float>(f.get_float(p + "final_logit_softcapping").value_or(0.0));
  }
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) throw FormatError(f.source + ": tensor 'token_embd.weight' is missing");
  if (embd->dims.size() != 2)
    throw FormatError(f.source + ": tensor 'token_embd.weight' has shape " + embd->shape_string() + ", expected 2-D");
  if (embd->dims[1] > 0xffffffffull)
    throw FormatError(f.source + ": tensor 'token_embd.weight' has " + std::to_string(embd->dims[1]) + " rows");
  hp.n_vocab = u32(p + "vocab_size", embd->dims[1], false);
  const TensorSpec* output = arch.find(TensorSlot::Output);
  hp.tied_embeddings = !output || f.find_tensor(output->gguf) == nullptr;
  const TensorSpec* bo = arch.find(TensorSlot::Bo);
  hp.attention_bias = bo && bo->presence == Presence::IfAttentionBias && f.find_tensor("blk.0.attn_q.bias") != nullptr;
  hp.validate(f.source);
  // Checked after the ranges above, so a corrupt head count is reported as itself, not as a bad head dimension.
  const uint32_t value_length = u32(p + "attention.value_length", hp.head_dim, false);
  if (value_length != hp.head_dim)
    throw FormatError(f.source + ": key '" + p + "attention.value_length' (" + std::to_string(value_length) +
                      ") differs from key_length (" + std::to_string(hp.head_dim) + "); not supported");
  const uint32_t n_rot = u32(p + "rope.dimension_count", hp.head_dim, false);
  if (n_rot != hp.head_dim)
    throw FormatError(f.source + ": key '" + p + "rope.dimension_count' is " + std::to_string(n_rot) +
                      ", expected the head dimension " + std::to_string(hp.head_dim) + " (partial RoPE is not supported)");
  hp.attn_scale = gguf_attention_scale(arch, hp, f.source);
  resolve_layer_windows(arch, hp);
  return hp;
}

}  // namespace edt
