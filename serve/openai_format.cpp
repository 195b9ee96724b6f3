#include "serve/openai_format.h"

namespace edt::serve {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

namespace {

const char* object_name(Endpoint e, bool chunk) {
  if (e == Endpoint::Completions) return "text_completion";
  return chunk ? "chat.completion.chunk" : "chat.completion";
}

json bytes_of(const std::string& s) {
  json b = json::array();
  for (unsigned char c : s) b.push_back(static_cast<int>(c));
  return b;
}

}  // namespace

json LogprobsBuilder::build(const std::vector<TokenEvent>& events) {
  bool any = false;
  json content = json::array();
  json tokens = json::array(), token_logprobs = json::array(), top = json::array(), offsets = json::array();
  for (const TokenEvent& e : events) {
    if (e.token < 0) continue;  // released held-back text, not a token
    any = true;
    const std::string piece = tokenizer_.token_bytes(e.token, prev_, false);
    if (endpoint_ == Endpoint::ChatCompletions) {
      json alts = json::array();
      for (const auto& [id, lp] : e.top) {
        const std::string p = tokenizer_.token_bytes(id, prev_, false);
        alts.push_back({{"token", p}, {"logprob", lp}, {"bytes", bytes_of(p)}});
      }
      content.push_back({{"token", piece}, {"logprob", e.logprob}, {"bytes", bytes_of(piece)}, {"top_logprobs", alts}});
    } else {
      tokens.push_back(piece);
      token_logprobs.push_back(e.logprob);
      json alts = json::object();
      for (const auto& [id, lp] : e.top) alts[tokenizer_.token_bytes(id, prev_, false)] = lp;
      top.push_back(alts);
      offsets.push_back(text_offset_);
    }
    text_offset_ += piece.size();
    prev_ = e.token;
  }
  if (!any) return nullptr;
  if (endpoint_ == Endpoint::ChatCompletions) return {{"content", content}};
  return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top}, {"text_offset", offsets}};
}

json usage_json(const JobSummary& s) {
  return {{"prompt_tokens", s.prompt_tokens},
          {"completion_tokens", s.completion_tokens},
          {"total_tokens", s.prompt_tokens + s.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", s.cached_tokens}}}};
}

json response_json(const ResponseIds& ids, Endpoint endpoint, const std::string& text, const json& logprobs,
                   const JobSummary& s) {
  json choice = {{"index", 0}, {"logprobs", logprobs}, {"finish_reason", finish_reason_name(s.finish)}};
  if (endpoint == Endpoint::Completions) choice["text"] = text;
  else choice["message"] = {{"role", "assistant"}, {"content", text}};
  return {{"id", ids.id},
          {"object", object_name(endpoint, false)},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", json::array({choice})},
          {"usage", usage_json(s)}};
}

json chunk_json(const ResponseIds& ids, Endpoint endpoint, const std::string& text, const json& logprobs,
                const char* finish_reason, bool role_chunk) {
  json choice = {{"index", 0}, {"logprobs", logprobs}, {"finish_reason", nullptr}};
  if (finish_reason) choice["finish_reason"] = finish_reason;
  if (endpoint == Endpoint::Completions) {
    choice["text"] = text;
  } else {
    json delta = json::object();
    if (role_chunk) delta["role"] = "assistant";
    if (!text.empty() || role_chunk) delta["content"] = text;
    choice["delta"] = delta;
  }
  return {{"id", ids.id},
          {"object", object_name(endpoint, true)},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", json::array({choice})}};
}

json usage_chunk_json(const ResponseIds& ids, Endpoint endpoint, const JobSummary& s) {
  return {{"id", ids.id},           {"object", object_name(endpoint, true)}, {"created", ids.created},
          {"model", ids.model},     {"choices", json::array()},                {"usage", usage_json(s)}};
}

}  // namespace edt::serve
