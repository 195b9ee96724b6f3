#include "engine/model_config.h"

#include "weights/error.h"

namespace edt {

LlamaHParams read_model_config(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture").value_or("");
  if (arch != "llama")
    throw FormatError(f.source + ": general.architecture is '" + arch + "', expected 'llama'");
  auto u32 = [&](const std::string& key, uint64_t fallback, bool required) -> uint32_t {
    const auto v = f.get_uint(key);
    if (!v && required) throw FormatError(f.source + ": required key '" + key + "' is missing");
    const uint64_t x = v.value_or(fallback);
    if (x > 0xffffffffull) throw FormatError(f.source + ": key '" + key + "' is " + std::to_string(x) + ", out of range");
    return static_cast<uint32_t>(x);
  };
  LlamaHParams hp;
  hp.n_embd = u32("llama.embedding_length", 0, true);
  hp.n_layer = u32("llama.block_count", 0, true);
  hp.n_ff = u32("llama.feed_forward_length", 0, true);
  hp.n_head = u32("llama.attention.head_count", 0, true);
  hp.n_head_kv = u32("llama.attention.head_count_kv", hp.n_head, false);
  hp.n_ctx_train = u32("llama.context_length", 0, true);
  if (hp.n_head == 0) throw FormatError(f.source + ": key 'llama.attention.head_count' is 0");
  hp.head_dim = u32("llama.attention.key_length", hp.n_embd / hp.n_head, false);
  hp.rope_theta = static_cast<float>(f.get_float("llama.rope.freq_base").value_or(10000.0));
  hp.rms_eps = static_cast<float>(f.require_float("llama.attention.layer_norm_rms_epsilon"));
  if (const auto type = f.get_string("llama.rope.scaling.type"); type && *type != "none") {
    if (*type != "linear")
      throw FormatError(f.source + ": key 'llama.rope.scaling.type' is '" + *type + "', expected 'none' or 'linear'");
    hp.rope_scaling.kind = RopeScaling::Kind::Linear;
    hp.rope_scaling.factor = static_cast<float>(f.get_float("llama.rope.scaling.factor").value_or(1.0));
  }
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  if (!embd) throw FormatError(f.source + ": tensor 'token_embd.weight' is missing");
  if (embd->dims.size() != 2)
    throw FormatError(f.source + ": tensor 'token_embd.weight' has shape " + embd->shape_string() + ", expected 2-D");
  if (embd->dims[1] > 0xffffffffull)
    throw FormatError(f.source + ": tensor 'token_embd.weight' has " + std::to_string(embd->dims[1]) + " rows");
  hp.n_vocab = u32("llama.vocab_size", embd->dims[1], false);
  hp.tied_embeddings = f.find_tensor("output.weight") == nullptr;
  hp.attention_bias = f.find_tensor("blk.0.attn_q.bias") != nullptr;
  hp.validate(f.source);
  // Checked after the ranges above, so a corrupt head count is reported as itself, not as a bad head dimension.
  const uint32_t value_length = u32("llama.attention.value_length", hp.head_dim, false);
  if (value_length != hp.head_dim)
    throw FormatError(f.source + ": key 'llama.attention.value_length' (" + std::to_string(value_length) +
                      ") differs from key_length (" + std::to_string(hp.head_dim) + "); not supported");
  const uint32_t n_rot = u32("llama.rope.dimension_count", hp.head_dim, false);
  if (n_rot != hp.head_dim)
    throw FormatError(f.source + ": key 'llama.rope.dimension_count' is " + std::to_string(n_rot) +
                      ", expected the head dimension " + std::to_string(hp.head_dim) + " (partial RoPE is not supported)");
  return hp;
}

}  // namespace edt
