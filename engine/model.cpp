#include "engine/model.h"

#include <atomic>
#include <cmath>

#include "engine/memory_check.h"
#include "engine/model_config.h"
#include "engine/ops/weight_repack.h"
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

  // A tensor whose rows are several matrices one after another; says which parts did not fit.
  WeightMatrix fused_matrix(const std::string& name, std::initializer_list<uint64_t> parts, const char* what,
                            uint64_t cols) const {
    uint64_t rows = 0;
    std::string sizes;
    for (uint64_t p : parts) {
      rows += p;
      sizes += (sizes.empty() ? "" : " + ") + std::to_string(p);
    }
    const GgufTensorInfo* t = f_.find_tensor(name);
    if (t && t->dims.size() == 2 && t->dims[0] == cols && t->dims[1] != rows)
      throw FormatError(f_.source + ": fused tensor '" + name + "' has " + std::to_string(t->dims[1]) +
                        " rows, which do not split into " + what + " (" + sizes + " = " + std::to_string(rows) +
                        " rows for these hyperparameters)");
    return matrix(name, rows, cols);
  }

  const float* optional_vector(const std::string& name, uint64_t n) const {
    return f_.find_tensor(name) ? vector(name, n) : nullptr;
  }

 private:
  const GgufFile& f_;
  Isa isa_;
};

// Rows first .. first+n of m, as a matrix of its own (same storage, same kernels).
WeightMatrix row_range(const WeightMatrix& m, size_t first, size_t n) {
  return bind_weight_matrix(m.type, m.row(first), n, m.cols, m.isa);
}

std::atomic<bool> g_repack{true};
std::atomic<bool> g_bf16_prompts{false};

}  // namespace

bool process_repack() { return g_repack.load(std::memory_order_relaxed); }
void set_process_repack(bool repack) { g_repack.store(repack, std::memory_order_relaxed); }
bool process_bf16_prompts() { return g_bf16_prompts.load(std::memory_order_relaxed); }
void set_process_bf16_prompts(bool bf16) { g_bf16_prompts.store(bf16, std::memory_order_relaxed); }

std::shared_ptr<Model> Model::load(const std::string& path, Isa isa, bool repack, bool bf16_prompts) {
  auto file = std::make_shared<MappedFile>(path);
  // Mapped weights can exceed free memory (the kernel pages them), but not the machine's memory: then every token
  // would read them from disk.
  require_memory(file->size(), read_memory_info().total_bytes, path + ": the model file");
  std::shared_ptr<Model> m(new Model());
  m->storage_ = file;
  m->bind(file->bytes(), path, isa);
  if (repack) m->repack([&file](const uint8_t* p, size_t n) { return file->writable(p, n); });
  if (bf16_prompts) m->use_bf16_prompts();
  return m;
}

std::shared_ptr<Model> Model::from_bytes(std::vector<uint8_t> bytes, const std::string& source, Isa isa,
                                         bool repack, bool bf16_prompts) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  std::shared_ptr<Model> m(new Model());
  m->storage_ = owned;
  m->bind(*owned, source, isa);
  // The vector is the model's own (not const), so its bytes may be written.
  if (repack) m->repack([&owned](const uint8_t* p, size_t) { return owned->data() + (p - owned->data()); });
  if (bf16_prompts) m->use_bf16_prompts();
  return m;
}

std::shared_ptr<Model> Model::variant(const std::shared_ptr<const Model>& base, const Architecture& arch,
                                      const ModelHParams& hp) {
  std::shared_ptr<Model> m(new Model(*base));
  m->arch_ = arch;
  m->hp_ = hp;
  return m;
}

void Model::bind(std::span<const uint8_t> bytes, const std::string& source, Isa isa) {
  gguf_ = parse_gguf(bytes, source);
  hp_ = read_model_config(gguf_);
  isa_ = isa;
  const Binder b(gguf_, isa_);
  const uint64_t q_dim = uint64_t{hp_.n_head} * hp_.head_dim, kv_dim = uint64_t{hp_.n_head_kv} * hp_.head_dim;
  const uint64_t ff = hp_.n_ff;

  arch_ = edt::architecture(hp_.arch, source);
  w_.layers.resize(hp_.n_layer);
  bool output_bound = false;
  for (const TensorSpec& spec : arch_.tensors) {
    for (uint32_t i = 0; i < (spec.per_layer ? hp_.n_layer : 1); ++i) {
      const std::string name = gguf_tensor_name(spec, i);
      if (spec.presence != Presence::Required && !gguf_.find_tensor(name)) continue;  // optional, absent: not bound
      const uint64_t rows = extent(spec.rows, hp_), cols = extent(spec.cols, hp_);
      LayerWeights* l = spec.per_layer ? &w_.layers[i] : nullptr;
      switch (spec.slot) {
        case TensorSlot::TokenEmbd: w_.token_embd = b.matrix(name, rows, cols); break;
        case TensorSlot::OutputNorm: w_.output_norm = b.vector(name, rows); break;
        case TensorSlot::Output: w_.output = b.matrix(name, rows, cols); output_bound = true; break;
        case TensorSlot::AttnNorm: l->attn_norm = b.vector(name, rows); break;
        case TensorSlot::PostAttnNorm: l->post_attn_norm = b.vector(name, rows); break;
        case TensorSlot::FfnNorm: l->ffn_norm = b.vector(name, rows); break;
        case TensorSlot::PostFfnNorm: l->post_ffn_norm = b.vector(name, rows); break;
        case TensorSlot::Wq: l->wq = b.matrix(name, rows, cols); break;
        case TensorSlot::Wk: l->wk = b.matrix(name, rows, cols); break;
        case TensorSlot::Wv: l->wv = b.matrix(name, rows, cols); break;
        case TensorSlot::Wo: l->wo = b.matrix(name, rows, cols); break;
        case TensorSlot::Bq: l->bq = b.vector(name, rows); break;
        case TensorSlot::Bk: l->bk = b.vector(name, rows); break;
        case TensorSlot::Bv: l->bv = b.vector(name, rows); break;
        case TensorSlot::Bo: l->bo = b.vector(name, rows); break;
        case TensorSlot::Wgate: l->w_gate = b.matrix(name, rows, cols); break;
        case TensorSlot::Wup: l->w_up = b.matrix(name, rows, cols); break;
        case TensorSlot::Wdown: l->w_down = b.matrix(name, rows, cols); break;
        case TensorSlot::Wqkv: {  // rows [q | k | v], split as llama.cpp splits them (at q_dim and q_dim + kv_dim)
          const WeightMatrix m = b.fused_matrix(name, {q_dim, kv_dim, kv_dim}, "q, k and v", cols);
          l->wq = row_range(m, 0, q_dim);
          l->wk = row_range(m, q_dim, kv_dim);
          l->wv = row_range(m, q_dim + kv_dim, kv_dim);
          break;
        }
        case TensorSlot::WgateUp: {  // rows [gate | up]
          const WeightMatrix m = b.fused_matrix(name, {ff, ff}, "gate and up", cols);
          l->w_gate = row_range(m, 0, ff);
          l->w_up = row_range(m, ff, ff);
          break;
        }
      }
    }
  }
  if (!output_bound) w_.output = w_.token_embd;  // tied

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

void Model::repack(const std::function<uint8_t*(const uint8_t*, size_t)>& writable) {
  auto one = [&](WeightMatrix& w) {
    if (const TypeKernels* layout = w.data != nullptr ? repack_layout(w) : nullptr) {
      repack_in_place(w, *layout, writable(w.data, w.rows * w.row_bytes));
      ++repacked_;
    }
  };
  for (LayerWeights& l : w_.layers)
    for (WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) one(*w);
  // A tied output is the embedding itself: repacked for the output product, read by get_row through the layout.
  if (w_.output.data == w_.token_embd.data) {
    one(w_.token_embd);
    w_.output = w_.token_embd;
  } else {
    one(w_.output);
  }
}

void Model::use_bf16_prompts() {
  auto one = [&](WeightMatrix& w) {
    if (w.data == nullptr || w.row_group == 1) return;  // the bf16 forms are the repacked layouts'
    const TypeKernels* layout = repacked_kernels(*type_kernels(w.type), w.isa);
    if (const DecodeTokensKernel k = layout ? bf16_prompt_kernel(*layout, w.isa) : nullptr) {
      w.prompt = k;
      ++bf16_prompts_;
    }
  };
  for (LayerWeights& l : w_.layers)
    for (WeightMatrix* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) one(*w);
  one(w_.output);
}

}  // namespace edt
