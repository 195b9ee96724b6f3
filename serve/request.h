#pragma once
// The generation requests of the OpenAI API (/v1/completions, /v1/chat/completions), read from untrusted JSON and
// checked field by field: every problem is an ApiError (400) naming the field, before any work is queued.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/sampler_params.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace edt::serve {

enum class Endpoint { Completions, ChatCompletions };

struct GenerationRequest {
  Endpoint endpoint = Endpoint::Completions;
  std::vector<int32_t> prompt;    // (tokens) what the model reads
  size_t max_tokens = 0;          // >= 1; generation also stops when the context is full
  bool stream = false;
  bool include_usage = false;     // stream_options.include_usage: a last chunk with the usage
  std::vector<std::string> stop;  // up to 4 non-empty strings; the text ends before the first one found
  SamplerParams sampler;          // the chain (EDT by default) with its seed
  bool seeded = false;            // the request gave a seed
  int top_logprobs = -1;          // -1: no logprobs; else the chosen token's plus this many alternatives (0..20)
  std::string model;              // as the request named it (echoed back)
};

// What validation needs to know about the server.
struct RequestContext {
  const Tokenizer* tokenizer = nullptr;
  size_t n_vocab = 0;
  uint32_t n_ctx = 0;
  size_t default_max_tokens = 0;           // 0: up to the context
  const ChatTemplate* chat_template = nullptr;  // null: /v1/chat/completions is refused
  ChatRenderOptions render_options;        // bos/eos texts passed to the template (chat_options_for())
  uint64_t random_seed = 0;                // used when the request has no seed
};

// Throws ApiError (400) for bad JSON, wrong types, values out of range, a prompt that fills the context, etc.
GenerationRequest parse_generation_request(std::string_view body, Endpoint endpoint, const RequestContext& ctx);

// /tokenize {"content": str, "add_special": bool, "parse_special": bool} -> ids; /detokenize {"tokens": [ids]}.
std::vector<int32_t> parse_tokenize_request(std::string_view body, const RequestContext& ctx);
std::vector<int32_t> parse_detokenize_request(std::string_view body, const RequestContext& ctx);

}  // namespace edt::serve
