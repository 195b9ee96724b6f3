#include "weights/llama2c.h"

#include "weights/byte_cursor.h"
#include "weights/error.h"

namespace edt {

Llama2cWeights parse_llama2c(std::span<const uint8_t> bytes, const std::string& source) {
  ByteCursor in(bytes, source);
  if (bytes.size() >= 4) {
    uint32_t magic;
    std::memcpy(&magic, bytes.data(), 4);
    if (magic == 0x616b3432)  // "ak42": export.py version 1+ (with a version field); only the legacy format is read
      throw FormatError(source + ": llama2.c export format with magic 'ak42' is not supported; expected the legacy "
                        "float32 checkpoint (export.py --version 0)");
  }
  int32_t header[7];
  const char* names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
  for (int i = 0; i < 7; ++i) header[i] = in.read<int32_t>(std::string("llama2.c header field ") + names[i]);
  const bool shared = header[5] > 0;
  for (int i = 0; i < 7; ++i) {
    const int64_t v = i == 5 ? std::abs(static_cast<int64_t>(header[i])) : header[i];
    if (v <= 0) throw FormatError(source + ": llama2.c header field " + names[i] + " is " + std::to_string(header[i]) +
                                  ", expected a positive number (is this a llama2.c checkpoint?)");
  }
  Llama2cWeights w;
  ModelHParams& hp = w.hp;
  hp.n_embd = static_cast<uint32_t>(header[0]);
  hp.n_ff = static_cast<uint32_t>(header[1]);
  hp.n_layer = static_cast<uint32_t>(header[2]);
  hp.n_head = static_cast<uint32_t>(header[3]);
  hp.n_head_kv = static_cast<uint32_t>(header[4]);
  hp.n_vocab = static_cast<uint32_t>(std::abs(static_cast<int64_t>(header[5])));
  hp.n_ctx_train = static_cast<uint32_t>(header[6]);
  if (hp.n_embd % hp.n_head != 0)
    throw FormatError(source + ": dim " + std::to_string(hp.n_embd) + " is not a multiple of n_heads " +
                      std::to_string(hp.n_head));
  hp.head_dim = hp.n_embd / hp.n_head;
  hp.rope_theta = 10000.0f;  // run.c's constants
  hp.rms_eps = 1e-5f;
  hp.tied_embeddings = shared;
  hp.bos_id = 1;
  hp.eos_id = 2;
  hp.validate(source);

  const uint64_t dim = hp.n_embd, hidden = hp.n_ff, layers = hp.n_layer, vocab = hp.n_vocab;
  const uint64_t q_dim = hp.n_head * uint64_t{hp.head_dim}, kv_dim = hp.n_head_kv * uint64_t{hp.head_dim};
  const uint64_t seq = hp.n_ctx_train, half_head = hp.head_dim / 2;
  // Element counts in file order; the validated ranges keep every product far from overflow.
  const uint64_t counts[] = {vocab * dim,          layers * dim,          layers * q_dim * dim, layers * kv_dim * dim,
                             layers * kv_dim * dim, layers * dim * q_dim, layers * dim,         layers * hidden * dim,
                             layers * dim * hidden, layers * hidden * dim, dim,                   seq * half_head,
                             seq * half_head,       shared ? 0 : vocab * dim};
  const char* parts[] = {"token_embedding", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3",
                         "rms_final", "freq_cis_real", "freq_cis_imag", "wcls"};
  const float* ptrs[14];
  for (int i = 0; i < 14; ++i) {
    auto span = in.take(counts[i] * 4, std::string("llama2.c weights '") + parts[i] + "'");
    ptrs[i] = reinterpret_cast<const float*>(span.data());
  }
  w.token_embedding = ptrs[0];
  w.rms_att = ptrs[1];
  w.wq = ptrs[2];
  w.wk = ptrs[3];
  w.wv = ptrs[4];
  w.wo = ptrs[5];
  w.rms_ffn = ptrs[6];
  w.w1 = ptrs[7];
  w.w2 = ptrs[8];
  w.w3 = ptrs[9];
  w.rms_final = ptrs[10];
  w.wcls = shared ? ptrs[0] : ptrs[13];
  if (in.remaining() != 0)
    throw FormatError(source + ": " + std::to_string(in.remaining()) +
                      " bytes after the last tensor; the header does not describe this file");
  return w;
}

Llama2cVocab parse_llama2c_tokenizer(std::span<const uint8_t> bytes, uint32_t n_vocab, const std::string& source) {
  ByteCursor in(bytes, source);
  Llama2cVocab v;
  v.max_token_length = in.read<uint32_t>("max_token_length");
  if (v.max_token_length == 0 || v.max_token_length > 4096)
    throw FormatError(source + ": max_token_length " + std::to_string(v.max_token_length) + " is outside 1..4096");
  v.pieces.reserve(n_vocab);
  v.scores.reserve(n_vocab);
  for (uint32_t i = 0; i < n_vocab; ++i) {
    const std::string what = "token " + std::to_string(i);
    v.scores.push_back(in.read<float>(what + " score"));
    const int32_t len = in.read<int32_t>(what + " length");
    if (len < 0 || static_cast<uint32_t>(len) > v.max_token_length)
      throw FormatError(source + ": " + what + " has length " + std::to_string(len) + ", expected 0.." +
                        std::to_string(v.max_token_length));
    auto text = in.take(static_cast<uint64_t>(len), what + " text");
    v.pieces.emplace_back(reinterpret_cast<const char*>(text.data()), text.size());
  }
  return v;
}

}  // namespace edt
