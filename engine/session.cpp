// The forward pass of every family in weights/architecture.h. One graph for prefill and decode; only the linear
// kernels differ with the batch size, and the families only in the table fields it reads.
#include "engine/request_error.h"
#include "engine/session.h"

#include <algorithm>
#include <cmath>

#include "engine/attention.h"
#include "engine/memory_check.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear_rows.h"
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
  const uint64_t kv_bytes = KvCache::bytes_for(hp.n_layer, n_ctx, size_t{hp.n_head_kv} * hp.head_dim, options.kv_type) *
                            std::max<uint32_t>(1, options.n_seq);
  const uint64_t scores_bytes = attention_scratch_floats(chunk_rows(options, n_ctx), n_ctx, hp.head_dim,
                                                         options.kv_type, std::max(1, options.n_threads)) *
                                sizeof(float);
  require_memory(kv_bytes + scores_bytes, read_memory_info().available_bytes,
                 "a context of " + std::to_string(n_ctx) + " tokens (KV cache " +
                     std::to_string(kv_bytes >> 20) + " MiB)");
  return n_ctx;
}

// A step's chunks of at most this many tokens go through the one-token kernels (for types without a multi-token
// integer kernel, rows of dot products beat dequantizing every weight to f32 for GEMM until about here).
constexpr size_t kRowwiseChunkRows = 16;

// The linear layers of a step: the first `rowwise` rows (decode tokens and short chunks) through the one-token
// kernels (several tokens per pass where the type has that form), each giving what it gives alone; the rest
// (prompt chunks) through the matrices' prompt form when every matrix of the group has one, else through GEMM.
void linear_rows(std::span<const MatvecTask> tasks, const float* x, size_t n, size_t rowwise, float* scratch,
                 int threads) {
  if (std::all_of(tasks.begin(), tasks.end(), [](const MatvecTask& t) { return t.w->prompt != nullptr; })) {
    // Outside step() (decode, prefill) nothing is marked rowwise: a lone short chunk, or one decode token, is then
    // rowwise as step() would make it (the prompt form re-interleaves W per pass, which only many tokens repay).
    if (rowwise == 0 && n <= kRowwiseChunkRows) rowwise = n;
    if (rowwise > 0) matvec_rows_group(tasks, x, rowwise, scratch, threads);
    if (n == rowwise) return;
    MatvecTask rest[4];  // the rows after the decode rows, in each task's output
    for (size_t i = 0; i < tasks.size(); ++i) rest[i] = {tasks[i].w, tasks[i].y + rowwise * tasks[i].w->rows};
    matvec_prompt_rows_group(std::span<const MatvecTask>(rest, tasks.size()), x + rowwise * tasks[0].w->cols,
                             n - rowwise, scratch, threads);
    return;
  }
  if (rowwise == 0) {
    matmul_group(tasks, x, n, scratch, threads);
    return;
  }
  matvec_rows_group(tasks, x, rowwise, scratch, threads);
  if (n == rowwise) return;
  MatvecTask rest[4];  // the rows after the decode rows, in each task's output
  for (size_t i = 0; i < tasks.size(); ++i) rest[i] = {tasks[i].w, tasks[i].y + rowwise * tasks[i].w->rows};
  matmul_group(std::span<const MatvecTask>(rest, tasks.size()), x + rowwise * tasks[0].w->cols, n - rowwise, scratch,
               threads);
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options)
    : model_(std::move(model)),
      n_ctx_(checked_context(*model_, options)),
      max_batch_(chunk_rows(options, n_ctx_)),
      n_threads_(std::max(1, options.n_threads)),
      positions_(std::max<uint32_t>(1, options.n_seq), 0) {
  const ModelHParams& hp = model_->hparams();
  for (size_t i = 0; i < positions_.size(); ++i)
    caches_.push_back(std::make_unique<KvCache>(hp.n_layer, n_ctx_, hp.n_head_kv, hp.head_dim, options.kv_type));
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
  step_tokens_.resize(b);
  row_seq_.resize(b);
  row_pos_.resize(b);
  segments_.reserve(positions_.size());
  logit_segments_.reserve(positions_.size());
  set_threads(n_threads_);
}

void Session::set_threads(int n) {
  n_threads_ = std::max(1, n);
  // GEMM blocks of dequantized rows, or the quantized activations of a step's one-token rows (far smaller).
  gemm_scratch_.resize(std::max(static_cast<size_t>(n_threads_) * kGemmBlockRows * max_cols_,
                                kRowwiseMaxRows * matvec_scratch_bytes(max_cols_) / sizeof(float) + 1));
  scores_.resize(attention_scratch_floats(max_batch_, n_ctx_, model_->hparams().head_dim, caches_[0]->type(), n_threads_));
}

void Session::check_tokens(std::span<const int32_t> tokens, uint32_t seq) const {
  if (tokens.empty()) throw RequestError("no tokens to process");
  if (seq >= positions_.size())
    throw RequestError("sequence " + std::to_string(seq) + " does not exist (" + std::to_string(positions_.size()) + ")");
  const uint32_t pos = positions_[seq];
  if (pos + tokens.size() > n_ctx_)
    throw RequestError(std::to_string(tokens.size()) + " tokens at position " + std::to_string(pos) +
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

void Session::truncate(uint32_t seq, uint32_t pos) {
  if (seq >= positions_.size() || pos > positions_[seq])
    throw RequestError("cannot truncate sequence " + std::to_string(seq) + " to position " + std::to_string(pos));
  positions_[seq] = pos;
}

void Session::step(std::span<const SequenceChunk> chunks, float* out) {
  segments_.clear();
  logit_segments_.clear();
  size_t rows = 0;
  for (const SequenceChunk& c : chunks) {
    check_tokens(c.tokens, c.seq);
    for (const SequenceChunk& d : chunks)
      if (&d != &c && d.seq == c.seq) throw RequestError("sequence " + std::to_string(c.seq) + " appears twice in one step");
    rows += c.tokens.size();
  }
  if (rows > max_batch_) throw RequestError("a step of more than " + std::to_string(max_batch_) + " tokens");
  if (rows == 0) return;
  // Rows of short chunks (decode tokens, short prompt tails) first: they go through the one-token kernels, the
  // rest through GEMM. Which route a chunk takes depends only on its own length, never on its neighbours.
  rows = 0;
  rowwise_rows_ = 0;
  for (int pass = 0; pass < 2; ++pass)
    for (const SequenceChunk& c : chunks) {
      const bool short_chunk = c.tokens.size() <= kRowwiseChunkRows;
      if (short_chunk != (pass == 0)) continue;
      std::copy(c.tokens.begin(), c.tokens.end(), step_tokens_.begin() + static_cast<std::ptrdiff_t>(rows));
      segments_.push_back({c.seq, positions_[c.seq], rows, c.tokens.size()});
      rows += c.tokens.size();
      if (short_chunk) rowwise_rows_ = rows;
    }
  for (const SequenceChunk& c : chunks)  // logits in chunk order
    if (c.want_logits)
      for (size_t i = 0; i < segments_.size(); ++i)
        if (segments_[i].seq == c.seq) logit_segments_.push_back(i);
  forward(step_tokens_.data(), segments_, out, false, logit_segments_);
  rowwise_rows_ = 0;
}

void Session::forward(const int32_t* tokens, size_t n, float* out, bool all_rows) {
  const Segment one{0, positions_[0], 0, n};
  const size_t last = 0;
  forward(tokens, std::span<const Segment>(&one, 1), out, all_rows, std::span<const size_t>(&last, out ? 1 : 0));
}

void Session::forward(const int32_t* tokens, std::span<const Segment> segments, float* out, bool all_rows,
                      std::span<const size_t> logit_segments) {
  const size_t n = segments.back().first_row + segments.back().n;
  for (const Segment& s : segments)
    for (size_t t = 0; t < s.n; ++t) {
      row_seq_[s.first_row + t] = s.seq;
      row_pos_[s.first_row + t] = s.pos0 + static_cast<uint32_t>(t);
    }
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
    const double pos = static_cast<double>(row_pos_[t]);
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
    linear_rows(qkv, xn_.data(), n, rowwise_rows_, scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.bq) add_in_place(&q_[t * q_dim], L.bq, q_dim);
      if (L.bk) add_in_place(&k_[t * kv_dim], L.bk, kv_dim);
      if (L.bv) add_in_place(&v_[t * kv_dim], L.bv, kv_dim);
      const float* c = &rope_cos_[t * half];
      const float* s = &rope_sin_[t * half];
      for (size_t h = 0; h < n_head; ++h) rope(&q_[t * q_dim + h * hd], c, s, hd);
      for (size_t h = 0; h < hp.n_head_kv; ++h) rope(&k_[t * kv_dim + h * hd], c, s, hd);
      caches_[row_seq_[t]]->store(l, row_pos_[t], &k_[t * kv_dim], &v_[t * kv_dim]);
    }

    // Causal attention: a row at position p sees its own sequence's positions 0..p, or the last layer_window[l] of
    // them on a sliding layer. Heads sharing a KV head (GQA) read the same cache rows.
    const AttentionShape attn_shape{n_head, hp.n_head_kv, hd, hp.attn_scale, hp.attn_softcap, hp.layer_window[l]};
    for (const Segment& seg : segments)
      attention(&q_[seg.first_row * q_dim], *caches_[seg.seq], l, seg.pos0, seg.n, attn_shape, isa, scores_.data(),
                scores_.size(), &att_out_[seg.first_row * q_dim], threads);

    const MatvecTask o_proj[] = {{&L.wo, proj_.data()}};
    linear_rows(o_proj, att_out_.data(), n, rowwise_rows_, scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.bo) add_in_place(&proj_[t * dim], L.bo, dim);
      if (L.post_attn_norm) rmsnorm(&proj_[t * dim], &proj_[t * dim], L.post_attn_norm, dim, eps);
      add_in_place(&x_[t * dim], &proj_[t * dim], dim);
      rmsnorm(&xn_[t * dim], &x_[t * dim], L.ffn_norm, dim, eps);
    }
    const MatvecTask gate_up[] = {{&L.w_gate, gate_.data()}, {&L.w_up, up_.data()}};
    linear_rows(gate_up, xn_.data(), n, rowwise_rows_, scratch, threads);
    for (size_t t = 0; t < n; ++t) gated_activation(&gate_[t * ff], &up_[t * ff], ff);
    const MatvecTask down[] = {{&L.w_down, proj_.data()}};
    linear_rows(down, gate_.data(), n, rowwise_rows_, scratch, threads);
    for (size_t t = 0; t < n; ++t) {
      if (L.post_ffn_norm) rmsnorm(&proj_[t * dim], &proj_[t * dim], L.post_ffn_norm, dim, eps);
      add_in_place(&x_[t * dim], &proj_[t * dim], dim);
    }
  }
  for (const Segment& s : segments) positions_[s.seq] += static_cast<uint32_t>(s.n);
  if (out == nullptr) return;  // a prefill chunk whose logits nobody reads

  // Only the rows whose logits are wanted go through the final norm and the (large) output projection.
  const size_t n_out = all_rows ? n : logit_segments.size();
  for (size_t i = 0; i < n_out; ++i) {
    const size_t t = all_rows ? i : segments[logit_segments[i]].first_row + segments[logit_segments[i]].n - 1;
    rmsnorm(&xn_[i * dim], &x_[t * dim], w.output_norm, dim, eps);
  }
  const MatvecTask head[] = {{&w.output, out}};
  // Last-row logits come from the one-token kernels (as they always did for one row), so a sequence's logits in a
  // step are those it gets alone.
  if (n_out > 0) linear_rows(head, xn_.data(), n_out, all_rows ? 0 : n_out, scratch, threads);
  if (n_out > 0 && hp.final_softcap > 0) softcap(out, n_out * hp.n_vocab, hp.final_softcap);
}

}  // namespace edt
