// The forward pass of every family in weights/architecture.h. One graph for prefill and decode; only the linear
// kernels differ with the batch size, and the families only in the table fields it reads.
#include "engine/request_error.h"
#include "engine/session.h"

#include <algorithm>
#include <cmath>

#include "engine/attention.h"
#include "engine/memory_check.h"
#include "engine/ops/elementwise.h"
#include "weights/quant_blocks.h"

namespace edt {

namespace {

// Rows per prefill chunk: no chunk is longer than the context (a short context needs no 512-row buffers).
uint32_t chunk_rows(const SessionOptions& options, uint32_t n_ctx) {
  return std::max<uint32_t>(1, std::min(options.max_batch, n_ctx));
}

// The KV cache and the attention scratch of a session: checked against free memory before anything is allocated.
uint32_t checked_context(const Model& model, const SessionOptions& options) {
  const ModelHParams& hp = model.hparams();
  const uint32_t n_ctx = options.n_ctx ? options.n_ctx : hp.n_ctx_train;
  const uint64_t kv_bytes = KvCache::bytes_for(hp.n_layer, n_ctx, size_t{hp.n_head_kv} * hp.head_dim, options.kv_type);
  const uint64_t scores_bytes = attention_scratch_floats(chunk_rows(options, n_ctx), n_ctx, hp.head_dim,
                                                         options.kv_type, std::max(1, options.n_threads)) *
                                sizeof(float);
  require_memory(kv_bytes + scores_bytes, read_memory_info().available_bytes,
                 "a context of " + std::to_string(n_ctx) + " tokens (KV cache " +
                     std::to_string(kv_bytes >> 20) + " MiB)");
  return n_ctx;
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options)
    : model_(std::move(model)),
      n_ctx_(checked_context(*model_, options)),
      max_batch_(chunk_rows(options, n_ctx_)),
      n_threads_(std::max(1, options.n_threads)),
      cache_(model_->hparams().n_layer, n_ctx_, model_->hparams().n_head_kv, model_->hparams().head_dim,
             options.kv_type) {
  const ModelHParams& hp = model_->hparams();
  const size_t b = max_batch_, dim = hp.n_embd, q_dim = size_t{hp.n_head} * hp.head_dim;
  const size_t kv_dim = size_t{hp.n_head_kv} * hp.head_dim, ff = hp.n_ff;
  x_.resize(b * dim);
  xn_.resize(b * dim);
  q_.resize(b * q_dim);
  k_.resize(b * kv_dim);
  v_.resize(b * kv_dim);
  att_out_.resize(b * q_dim);
  proj_.resize(b * dim);
  gate_.resize(b * ff);
  up_.resize(b * ff);
  rope_cos_.resize(b * hp.head_dim / 2);
  rope_sin_.resize(b * hp.head_dim / 2);
  max_cols_ = std::max({dim, ff, q_dim});
  logits_.resize(hp.n_vocab);
  set_threads(n_threads_);
}

void Session::set_threads(int n) {
  n_threads_ = std::max(1, n);
  // GEMM blocks of dequantized rows, or one token's quantized activations (far smaller).
  gemm_scratch_.resize(std::max(static_cast<size_t>(n_threads_) * kGemmBlockRows * max_cols_,
                                matvec_scratch_bytes(max_cols_) / sizeof(float) + 1));
  scores_.resize(attention_scratch_floats(max_batch_, n_ctx_, model_->hparams().head_dim, cache_.type(), n_threads_));
}

void Session::check_tokens(std::span<const int32_t> tokens) const {
  if (tokens.empty()) throw RequestError("no tokens to process");
  if (pos_ + tokens.size() > n_ctx_)
    throw RequestError(std::to_string(tokens.size()) + " tokens at position " + std::to_string(pos_) +
                      " would pass the context of " + std::to_string(n_ctx_) + " tokens");
  const auto vocab = static_cast<int32_t>(model_->hparams().n_vocab);
  for (int32_t t : tokens)
    if (t < 0 || t >= vocab)
      throw RequestError("token id " + std::to_string(t) + " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
}

std::span<const float> Session::prefill(std::span<const int32_t> tokens) {
  check_tokens(tokens);
  for (size_t i = 0; i < tokens.size(); i += max_batch_) {
    const size_t n = std::min<size_t>(max_batch_, tokens.size() - i);
    const bool last = i + n == tokens.size();
    forward(tokens.data() + i, n, last ? logits_.data() : nullptr, false);
  }
  return logits_;
}

void Session::prefill_all_logits(std::span<const int32_t> tokens, float* out) {
  check_tokens(tokens);
  const size_t vocab = model_->hparams().n_vocab;
  for (size_t i = 0; i < tokens.size(); i += max_batch_) {
    const size_t n = std::min<size_t>(max_batch_, tokens.size() - i);
    forward(tokens.data() + i, n, out + i * vocab, true);
  }
}

std::span<const float> Session::decode(int32_t token) {
  check_tokens(std::span<const int32_t>(&token, 1));
  forward(&token, 1, logits_.data(), false);
  return logits_;
}

void Session::forward(const int32_t* tokens, size_t n, float* out, bool all_rows) {
  const ModelHParams& hp = model_->hparams();
  const Architecture& arch = model_->architecture();  // the family's conventions; the graph reads only these fields
  const ModelWeights& w = model_->weights();
  const size_t dim = hp.n_embd, hd = hp.head_dim, half = hd / 2, ff = hp.n_ff;
  const size_t n_head = hp.n_head, q_dim = n_head * hd, kv_dim = size_t{hp.n_head_kv} * hd;
  const float eps = hp.rms_eps;
  const auto rope = arch.rope == RopeStyle::Neox ? rope_apply_neox : rope_apply;
  const Isa isa = model_->isa();
  const auto gated_activation = [&](float* gate, const float* up, size_t count) {
    arch.activation == Activation::GeluTanh ? geglu_tanh(gate, up, count) : swiglu(gate, up, count, isa);
  };
  const float embd_scale = std::sqrt(static_cast<float>(dim));  // Gemma: embeddings × sqrt(dim), rounded to float
  const int threads = n_threads_;
  float* scratch = gemm_scratch_.data();

  for (size_t t = 0; t < n; ++t) {
    get_row(w.token_embd, static_cast<size_t>(tokens[t]), &x_[t * dim]);
    if (arch.embd_scale_sqrt_dim)
      for (size_t i = 0; i < dim; ++i) x_[t * dim + i] *= embd_scale;
    // Rotation angles of this position, formed in double: pos * inv_freq loses digits in float at long context.
    const double pos = static_cast<double>(pos_ + t);
    for (size_t i = 0; i < half; ++i) {
      const double angle = pos * w.rope_inv_freq[i];
      rope_cos_[t * half + i] = static_cast<float>(std::cos(angle));
      rope_sin_[t * half + i] = static_cast<float>(std::sin(angle));
    }
  }

  for (size_t l = 0; l < hp.n_layer; ++l) {
    const LayerWeights& L = w.layers[l];
    for (size_t t = 0; t < n; ++t) rmsnorm(&xn_[t * dim], &x_[t * dim], L.attn_norm, dim, eps);
    const MatvecTask qkv[] = {{&L.wq, q_.data()}, {&L.wk, k_.data()}, {&L.wv, v_.data()}};
    matmul_group(qkv, xn_.data(), n, scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.bq) add_in_place(&q_[t * q_dim], L.bq, q_dim);
      if (L.bk) add_in_place(&k_[t * kv_dim], L.bk, kv_dim);
      if (L.bv) add_in_place(&v_[t * kv_dim], L.bv, kv_dim);
      const float* c = &rope_cos_[t * half];
      const float* s = &rope_sin_[t * half];
      for (size_t h = 0; h < n_head; ++h) rope(&q_[t * q_dim + h * hd], c, s, hd);
      for (size_t h = 0; h < hp.n_head_kv; ++h) rope(&k_[t * kv_dim + h * hd], c, s, hd);
      cache_.store(l, pos_ + t, &k_[t * kv_dim], &v_[t * kv_dim]);
    }

    // Causal attention: token t sees positions 0..pos_+t, or the last layer_window[l] of them on a sliding layer.
    // Heads sharing a KV head (GQA) read the same cache rows.
    const AttentionShape attn_shape{n_head, hp.n_head_kv, hd, hp.attn_scale, hp.attn_softcap, hp.layer_window[l]};
    attention(q_.data(), cache_, l, pos_, n, attn_shape, isa, scores_.data(), scores_.size(), att_out_.data(),
              threads);

    matmul(L.wo, att_out_.data(), n, proj_.data(), scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.bo) add_in_place(&proj_[t * dim], L.bo, dim);
      if (L.post_attn_norm) rmsnorm(&proj_[t * dim], &proj_[t * dim], L.post_attn_norm, dim, eps);
      add_in_place(&x_[t * dim], &proj_[t * dim], dim);
      rmsnorm(&xn_[t * dim], &x_[t * dim], L.ffn_norm, dim, eps);
    }
    const MatvecTask gate_up[] = {{&L.w_gate, gate_.data()}, {&L.w_up, up_.data()}};
    matmul_group(gate_up, xn_.data(), n, scratch, threads);
    for (size_t t = 0; t < n; ++t) gated_activation(&gate_[t * ff], &up_[t * ff], ff);
    matmul(L.w_down, gate_.data(), n, proj_.data(), scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.post_ffn_norm) rmsnorm(&proj_[t * dim], &proj_[t * dim], L.post_ffn_norm, dim, eps);
      add_in_place(&x_[t * dim], &proj_[t * dim], dim);
    }
  }
  pos_ += static_cast<uint32_t>(n);
  if (out == nullptr) return;  // a prefill chunk whose logits nobody reads

  // Only the rows whose logits are wanted go through the final norm and the (large) output projection.
  const size_t first = all_rows ? 0 : n - 1;
  for (size_t t = first; t < n; ++t) rmsnorm(&xn_[t * dim], &x_[t * dim], w.output_norm, dim, eps);
  matmul(w.output, &xn_[first * dim], n - first, out, scratch, threads);
  if (hp.final_softcap > 0) softcap(out, (n - first) * hp.n_vocab, hp.final_softcap);
}

}  // namespace edt
