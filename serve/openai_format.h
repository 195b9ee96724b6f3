#pragma once
// The JSON the OpenAI API answers with: completion and chat.completion objects, their streamed chunks, usage and
// logprobs, built from a request's events.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/request.h"
#include "serve/scheduler.h"

namespace edt::serve {

struct ResponseIds {
  std::string id;       // "cmpl-..." / "chatcmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
};

// Accumulates logprobs in the endpoint's shape while tokens stream by.
class LogprobsBuilder {
 public:
  LogprobsBuilder(const Tokenizer& tokenizer, Endpoint endpoint) : tokenizer_(tokenizer), endpoint_(endpoint) {}
  // The logprobs of these events (one chunk's worth, or the whole answer); null when none were asked for.
  nlohmann::json build(const std::vector<TokenEvent>& events);

 private:
  const Tokenizer& tokenizer_;
  Endpoint endpoint_;
  int32_t prev_ = -1;
  size_t text_offset_ = 0;
};

nlohmann::json usage_json(const JobSummary& s);
// The whole answer of a non-streamed request.
nlohmann::json response_json(const ResponseIds& ids, Endpoint endpoint, const std::string& text,
                             const nlohmann::json& logprobs, const JobSummary& s);
// One streamed chunk: text (a delta), or the last one with finish_reason; role_chunk: chat's first chunk.
nlohmann::json chunk_json(const ResponseIds& ids, Endpoint endpoint, const std::string& text,
                          const nlohmann::json& logprobs, const char* finish_reason, bool role_chunk = false);
// The usage chunk of stream_options.include_usage (empty choices).
nlohmann::json usage_chunk_json(const ResponseIds& ids, Endpoint endpoint, const JobSummary& s);

// JSON text with invalid UTF-8 (a token that is part of a character) replaced, never an exception.
std::string dump(const nlohmann::json& j);

}  // namespace edt::serve
