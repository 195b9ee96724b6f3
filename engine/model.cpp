#include "engine/model.h"

#include <cmath>

#include "engine/memory_check.h"
#include "engine/model_config.h"
#include "weights/error.h"
#include "weights/mapped_file.h"

namespace edt {
namespace {

class Binder {
 public:
  Binder(const GgufFile& f, Isa isa) : f_(f), isa_(isa) {}

  const GgufTensorInfo& tensor(const std::string& name, std::vector<uint64_t> dims) const {
    const GgufTensorInfo* t = f_.find_tensor(name);
    if (!t) throw FormatError(f_.source + ": tensor '" + name + "' is missing");
    if (t->dims != dims) {
      GgufTensorInfo expected;
      expected.dims = dims;
      throw FormatError(f_.source + ": tensor '" + name + "' has shape " + t->shape_string() + ", expected " +
                        expected.shape_string());
    }
    return *t;
  }

  WeightMatrix matrix(const std::string& name, uint64_t rows, uint64_t cols) const {
    const GgufTensorInfo& t = tensor(name, {cols, rows});
    if (!type_kernels(t.type))
      throw FormatError(f_.source + ": tensor '" + name + "' has type " + ggml_traits(t.type).name +
                        ", which this engine cannot compute with (supported: " + computable_type_names() + ")");
    if (!ggml_row_bytes(t.type, cols))
      throw FormatError(f_.source + ": tensor '" + name + "' has rows of " + std::to_string(cols) + ", not whole " +
                        ggml_traits(t.type).name + " blocks of " + std::to_string(ggml_traits(t.type).block_elems));
    return bind_weight_matrix(t.type, t.data, rows, cols, isa_);
  }

  const float* vector(const std::string& name, uint64_t n) const {
    const GgufTensorInfo& t = tensor(name, {n});
    if (t.type != GgmlType::F32)
      throw FormatError(f_.source + ": tensor '" + name + "' has type " + ggml_traits(t.type).name + ", expected F32");
    if (reinterpret_cast<uintptr_t>(t.data) % alignof(float) != 0)
      throw FormatError(f_.source + ": tensor '" + name + "' is not 4-byte aligned in the file");
    return reinterpret_cast<const float*>(t.data);
  }

  const float* optional_vector(const std::string& name, uint64_t n) const {
    return f_.find_tensor(name) ? vector(name, n) : nullptr;
  }

 private:
  const GgufFile& f_;
  Isa isa_;
};

std::string blk(uint32_t i, const char* rest) { return "blk." + std::to_string(i) + "." + rest; }

}  // namespace

std::shared_ptr<Model> Model::load(const std::string& path, Isa isa) {
  auto file = std::make_shared<MappedFile>(path);
  // Mapped weights can exceed free memory (the kernel pages them), but not the machine's memory: then every token
  // would read them from disk.
  require_memory(file->size(), read_memory_info().total_bytes, path + ": the model file");
  std::shared_ptr<Model> m(new Model());
  m->storage_ = file;
  m->bind(file->bytes(), path, isa);
  return m;
}

std::shared_ptr<Model> Model::from_bytes(std::vector<uint8_t> bytes, const std::string& source, Isa isa) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  std::shared_ptr<Model> m(new Model());
  m->storage_ = owned;
  m->bind(*owned, source, isa);
  return m;
}

void Model::bind(std::span<const uint8_t> bytes, const std::string& source, Isa isa) {
  gguf_ = parse_gguf(bytes, source);
  hp_ = read_model_config(gguf_);
  isa_ = isa;
  const Binder b(gguf_, isa_);
  const uint64_t dim = hp_.n_embd, q_dim = uint64_t{hp_.n_head} * hp_.head_dim;
  const uint64_t kv_dim = uint64_t{hp_.n_head_kv} * hp_.head_dim, ff = hp_.n_ff, vocab = hp_.n_vocab;

  w_.token_embd = b.matrix("token_embd.weight", vocab, dim);
  w_.layers.resize(hp_.n_layer);
  for (uint32_t i = 0; i < hp_.n_layer; ++i) {
    LayerWeights& l = w_.layers[i];
    l.attn_norm = b.vector(blk(i, "attn_norm.weight"), dim);
    l.wq = b.matrix(blk(i, "attn_q.weight"), q_dim, dim);
    l.wk = b.matrix(blk(i, "attn_k.weight"), kv_dim, dim);
    l.wv = b.matrix(blk(i, "attn_v.weight"), kv_dim, dim);
    l.wo = b.matrix(blk(i, "attn_output.weight"), dim, q_dim);
    l.bq = b.optional_vector(blk(i, "attn_q.bias"), q_dim);
    l.bk = b.optional_vector(blk(i, "attn_k.bias"), kv_dim);
    l.bv = b.optional_vector(blk(i, "attn_v.bias"), kv_dim);
    l.bo = b.optional_vector(blk(i, "attn_output.bias"), dim);
    l.ffn_norm = b.vector(blk(i, "ffn_norm.weight"), dim);
    l.w_gate = b.matrix(blk(i, "ffn_gate.weight"), ff, dim);
    l.w_up = b.matrix(blk(i, "ffn_up.weight"), ff, dim);
    l.w_down = b.matrix(blk(i, "ffn_down.weight"), dim, ff);
  }
  w_.output_norm = b.vector("output_norm.weight", dim);
  w_.output = hp_.tied_embeddings ? w_.token_embd : b.matrix("output.weight", vocab, dim);

  // RoPE inverse frequencies: theta^(-2i/d), divided by llama3's per-frequency factors (rope_freqs.weight) and by
  // the linear scaling factor. Computed in double; the rotation angles are formed in double per position too.
  const uint32_t half = hp_.head_dim / 2;
  const float* factors = b.optional_vector("rope_freqs.weight", half);
  w_.rope_inv_freq.resize(half);
  for (uint32_t i = 0; i < half; ++i) {
    double inv = std::pow(static_cast<double>(hp_.rope_theta), -2.0 * i / hp_.head_dim);
    if (factors) inv /= factors[i];
    if (hp_.rope_scaling.kind == RopeScaling::Kind::Linear) inv /= hp_.rope_scaling.factor;
    w_.rope_inv_freq[i] = inv;
  }
}

}  // namespace edt
