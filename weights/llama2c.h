#pragma once
// llama2.c checkpoints (run.c's legacy float32 format: a 7 x int32 header, then the weights in a fixed order) and
// its tokenizer.bin. The weights are views into the caller's bytes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "weights/model_hparams.h"

namespace edt {

struct Llama2cWeights {
  ModelHParams hp;
  // All float32, row-major, pointing into the parsed bytes (4-byte aligned since the header is 28 bytes).
  const float* token_embedding = nullptr;  // (vocab, dim)
  const float* rms_att = nullptr;          // (layer, dim)
  const float* wq = nullptr;               // (layer, n_head * head_size, dim)
  const float* wk = nullptr;               // (layer, n_kv_head * head_size, dim)
  const float* wv = nullptr;               // (layer, n_kv_head * head_size, dim)
  const float* wo = nullptr;               // (layer, dim, n_head * head_size)
  const float* rms_ffn = nullptr;          // (layer, dim)
  const float* w1 = nullptr;               // (layer, hidden, dim)  gate
  const float* w2 = nullptr;               // (layer, dim, hidden)  down
  const float* w3 = nullptr;               // (layer, hidden, dim)  up
  const float* rms_final = nullptr;        // (dim)
  const float* wcls = nullptr;             // (vocab, dim); == token_embedding when shared
};

// A negative vocabulary size in the header means the classifier is stored separately (unshared).
Llama2cWeights parse_llama2c(std::span<const uint8_t> bytes, const std::string& source);

struct Llama2cVocab {
  uint32_t max_token_length = 0;
  std::vector<std::string> pieces;  // as stored: spaces are plain ' ', byte tokens are "<0xXX>"
  std::vector<float> scores;
};

// tokenizer.bin: int32 max_token_length, then per token: float score, int32 length, bytes.
Llama2cVocab parse_llama2c_tokenizer(std::span<const uint8_t> bytes, uint32_t n_vocab, const std::string& source);

}  // namespace edt
