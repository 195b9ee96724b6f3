#include "serve/request.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "serve/api_error.h"
#include "tokenizer/chat_tokens.h"

namespace edt::serve {

namespace {

using nlohmann::json;

// The largest top_logprobs OpenAI accepts.
constexpr int kMaxTopLogprobs = 20;
constexpr size_t kMaxStopStrings = 4;

json parse_object(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw ApiError(400, "the request body is not valid JSON", "", "invalid_json");
  if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object", "", "invalid_json");
  return j;
}

// A field that is absent or null counts as not given (OpenAI's clients send null for unset fields).
const json* field(const json& j, const char* name) {
  auto it = j.find(name);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

double number_in(const json& j, const char* name, double lo, double hi, bool lo_open = false) {
  const json* v = field(j, name);
  if (!v->is_number()) throw invalid_field(name, "must be a number");
  const double x = v->get<double>();
  if (!std::isfinite(x) || x < lo || x > hi || (lo_open && x == lo)) {
    char range[96];
    std::snprintf(range, sizeof range, "must be in %s%g, %g]", lo_open ? "(" : "[", lo, hi);
    throw invalid_field(name, range);
  }
  return x;
}

int64_t integer_in(const json& j, const char* name, int64_t lo, int64_t hi) {
  const json* v = field(j, name);
  // 3.0 is accepted as 3 (JSON has one number type); 3.5 and "3" are not.
  if (!v->is_number() || (v->is_number_float() && v->get<double>() != std::floor(v->get<double>())))
    throw invalid_field(name, "must be an integer");
  if (v->is_number_float() && std::fabs(v->get<double>()) > 9e18) throw invalid_field(name, "is out of range");
  const int64_t x = v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                        ? INT64_MAX
                        : v->get<int64_t>();
  if (x < lo || x > hi)
    throw invalid_field(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

bool boolean(const json& j, const char* name) {
  const json* v = field(j, name);
  if (!v->is_boolean()) throw invalid_field(name, "must be true or false");
  return v->get<bool>();
}

std::vector<int32_t> token_ids(const json& arr, const std::string& name, size_t n_vocab) {
  std::vector<int32_t> ids;
  ids.reserve(arr.size());
  for (const json& t : arr) {
    if (!t.is_number_integer()) throw invalid_field(name, "must hold token ids (integers)");
    const int64_t id = t.get<int64_t>();
    if (id < 0 || static_cast<size_t>(id) >= n_vocab)
      throw invalid_field(name, "holds token " + std::to_string(id) + ", outside the vocabulary (0.." +
                                    std::to_string(n_vocab - 1) + ")");
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

std::vector<int32_t> completion_prompt(const json& j, const RequestContext& ctx) {
  const json* p = field(j, "prompt");
  if (!p) throw ApiError(400, "'prompt' is required", "prompt", "missing_field");
  EncodeOptions eo;
  eo.add_bos = ctx.tokenizer->add_bos_default();
  eo.parse_special = true;  // a raw prompt may spell the model's control tokens, as llama-server allows
  if (p->is_string()) return ctx.tokenizer->encode(p->get<std::string>(), eo);
  if (!p->is_array()) throw invalid_field("prompt", "must be a string, an array of token ids, or a one-element array");
  if (p->empty()) throw invalid_field("prompt", "must not be empty");
  if ((*p)[0].is_number()) return token_ids(*p, "prompt", ctx.n_vocab);
  // ["text"] or [[ids]]: a batch of one. More than one prompt would need n > 1 choices.
  if (p->size() != 1) throw ApiError(400, "'prompt' holds several prompts; send one per request", "prompt", "unsupported");
  const json& one = (*p)[0];
  if (one.is_string()) return ctx.tokenizer->encode(one.get<std::string>(), eo);
  if (one.is_array()) return token_ids(one, "prompt", ctx.n_vocab);
  throw invalid_field("prompt", "must be a string, an array of token ids, or a one-element array");
}

std::vector<int32_t> chat_prompt(const json& j, const RequestContext& ctx) {
  if (!ctx.chat_template)
    throw ApiError(400, "this model has no chat template; start the server with --chat-template", "messages",
                   "no_chat_template");
  const json* m = field(j, "messages");
  if (!m) throw ApiError(400, "'messages' is required", "messages", "missing_field");
  if (!m->is_array()) throw invalid_field("messages", "must be an array of {role, content} objects");
  if (m->empty()) throw invalid_field("messages", "must not be empty");
  static const char* const kRoles[] = {"system", "developer", "user", "assistant", "tool"};
  std::vector<ChatMessage> messages;
  for (size_t i = 0; i < m->size(); ++i) {
    const json& e = (*m)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!e.is_object()) throw invalid_field(where, "must be an object with 'role' and 'content'");
    const json* role = field(e, "role");
    if (!role || !role->is_string()) throw invalid_field(where + ".role", "must be a string");
    const std::string r = role->get<std::string>();
    bool known = false;
    for (const char* k : kRoles) known |= r == k;
    if (!known) throw invalid_field(where + ".role", "is '" + r + "', expected system, developer, user, assistant or tool");
    const json* content = field(e, "content");
    std::string text;
    if (content == nullptr) {
      if (r != "assistant") throw invalid_field(where + ".content", "is required");
    } else if (content->is_string()) {
      text = content->get<std::string>();
    } else if (content->is_array()) {  // [{"type": "text", "text": "..."}]: the text parts, joined
      for (const json& part : *content) {
        const json* type = part.is_object() ? field(part, "type") : nullptr;
        const json* t = part.is_object() ? field(part, "text") : nullptr;
        if (!type || *type != "text" || !t || !t->is_string())
          throw invalid_field(where + ".content", "parts must be {\"type\": \"text\", \"text\": string}");
        text += t->get<std::string>();
      }
    } else {
      throw invalid_field(where + ".content", "must be a string or an array of text parts");
    }
    messages.push_back({r == "developer" ? "system" : r, std::move(text)});
  }
  ChatRenderOptions ro = ctx.render_options;
  ro.add_generation_prompt = true;
  ChatPrompt prompt;
  try {
    prompt = ctx.chat_template->render_prompt(messages, ro);
  } catch (const std::exception& e) {  // raise_exception in the template (e.g. roles not alternating), or a limit
    throw ApiError(400, std::string("the chat template refused the conversation: ") + e.what(), "messages",
                   "template_error");
  }
  // Special tokens come only from the template's own text: a user who writes "<|im_end|>" gets it as text.
  return tokenize_chat_prompt(*ctx.tokenizer, prompt);
}

void read_sampling(const json& j, const RequestContext& ctx, GenerationRequest& r) {
  SamplerParams& p = r.sampler;
  if (field(j, "temperature")) p.temp = static_cast<float>(number_in(j, "temperature", 0.0, 2.0));
  bool truncation = false;
  if (field(j, "top_k")) {
    p.top_k = static_cast<int>(integer_in(j, "top_k", 0, static_cast<int64_t>(ctx.n_vocab)));
    truncation |= p.top_k > 0;
  } else {
    p.top_k = 0;
  }
  if (field(j, "top_p")) {
    p.top_p = static_cast<float>(number_in(j, "top_p", 0.0, 1.0, true));
    truncation |= p.top_p < 1.0f;
  } else {
    p.top_p = 1.0f;
  }
  if (field(j, "min_p")) {
    p.min_p = static_cast<float>(number_in(j, "min_p", 0.0, 1.0));
    truncation |= p.min_p > 0.0f;
  } else {
    p.min_p = 0.0f;
  }
  if (field(j, "presence_penalty")) p.presence_penalty = static_cast<float>(number_in(j, "presence_penalty", -2.0, 2.0));
  if (field(j, "frequency_penalty"))
    p.frequency_penalty = static_cast<float>(number_in(j, "frequency_penalty", -2.0, 2.0));
  if (field(j, "repeat_penalty")) p.repeat_penalty = static_cast<float>(number_in(j, "repeat_penalty", 0.0, 10.0, true));
  if (field(j, "repeat_last_n"))
    p.repeat_last_n = static_cast<int>(integer_in(j, "repeat_last_n", 0, static_cast<int64_t>(ctx.n_ctx)));
  if (field(j, "dynatemp_range")) p.dynatemp_range = static_cast<float>(number_in(j, "dynatemp_range", 0.0, 2.0));
  if (field(j, "dynatemp_exponent"))
    p.dynatemp_exp = static_cast<float>(number_in(j, "dynatemp_exponent", 0.0, 10.0, true));
  std::optional<bool> edt_on;
  if (const json* e = field(j, "edt")) {
    if (e->is_boolean()) {
      edt_on = e->get<bool>();
    } else if (e->is_object()) {
      edt_on = true;
      for (auto it = e->begin(); it != e->end(); ++it)
        if (it.key() != "t0" && it.key() != "n" && it.key() != "theta")
          throw invalid_field("edt." + it.key(), "is not an EDT parameter (t0, n, theta)");
      auto sub = [&](const char* name, double lo, double hi, bool lo_open) {
        try {
          return static_cast<float>(number_in(*e, name, lo, hi, lo_open));
        } catch (const ApiError& err) {
          throw invalid_field(std::string("edt.") + name, std::string(err.what()).substr(std::strlen(name) + 3));
        }
      };
      if (field(*e, "t0")) p.edt_t0 = sub("t0", 0.0, 2.0, true);
      if (field(*e, "n")) {
        p.edt_n = sub("n", 0.0, 1.0, true);
        if (p.edt_n >= 1.0f) throw invalid_field("edt.n", "must be in (0, 1)");
      }
      if (field(*e, "theta")) p.edt_theta = sub("theta", 0.0, 100.0, true);
    } else {
      throw invalid_field("edt", "must be true, false or an object {t0, n, theta}");
    }
  }
  if (p.dynatemp_range > 0.0f) {
    if (edt_on.value_or(false)) throw ApiError(400, "'edt' and 'dynatemp_range' choose different temperatures; give one",
                                               "dynatemp_range", "conflicting_fields");
    edt_on = false;
  }
  p.edt = edt_on.value_or(true);
  if (!p.edt && !truncation) {  // llama.cpp's chain with its defaults for what the request left out
    if (!field(j, "top_k")) p.top_k = 40;
    if (!field(j, "top_p")) p.top_p = 0.95f;
    if (!field(j, "min_p")) p.min_p = 0.05f;
  }
  if (p.edt && truncation) {
    // EDT after the truncations the request asked for; its entropy stays over the full vocabulary (the paper's).
    std::string order;
    const bool penalties = p.repeat_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f;
    if (penalties) order += "penalties;";
    if (p.top_k > 0) order += "top_k;";
    if (p.top_p < 1.0f) order += "top_p;";
    if (p.min_p > 0.0f) order += "min_p;";
    p.samplers = order + "edt";
  }
  if (const json* b = field(j, "logit_bias")) {
    if (!b->is_object()) throw invalid_field("logit_bias", "must be an object of token id -> bias");
    for (auto it = b->begin(); it != b->end(); ++it) {
      const std::string& key = it.key();
      char* end = nullptr;
      const long long id = key.empty() || key.size() > 12 ? -1 : std::strtoll(key.c_str(), &end, 10);
      if (id < 0 || end == nullptr || *end != '\0' || !std::isdigit(static_cast<unsigned char>(key[0])) ||
          static_cast<size_t>(id) >= ctx.n_vocab)
        throw invalid_field("logit_bias", "key '" + key + "' is not a token id (0.." + std::to_string(ctx.n_vocab - 1) + ")");
      if (!it->is_number() || !std::isfinite(it->get<double>()) || std::fabs(it->get<double>()) > 100.0)
        throw invalid_field("logit_bias", "value for token " + key + " must be a number in [-100, 100]");
      p.logit_bias.emplace_back(static_cast<int32_t>(id), it->get<float>());
    }
  }
  if (field(j, "seed")) {
    p.seed = static_cast<uint64_t>(integer_in(j, "seed", INT64_MIN, INT64_MAX));
    r.seeded = true;
  } else {
    p.seed = ctx.random_seed;
  }
  try {
    p.validate();
  } catch (const UsageError& e) {
    throw ApiError(400, std::string("sampling parameters: ") + e.what(), "", "invalid_value");
  }
}

}  // namespace

GenerationRequest parse_generation_request(std::string_view body, Endpoint endpoint, const RequestContext& ctx) {
  const json j = parse_object(body);
  GenerationRequest r;
  r.endpoint = endpoint;
  if (const json* m = field(j, "model")) {
    if (!m->is_string()) throw invalid_field("model", "must be a string");
    r.model = m->get<std::string>();
  }
  if (field(j, "n") && integer_in(j, "n", 1, 128) != 1)
    throw ApiError(400, "'n' must be 1: one choice per request (send several requests)", "n", "unsupported");
  if (field(j, "best_of") && integer_in(j, "best_of", 1, 128) != 1)
    throw ApiError(400, "'best_of' must be 1", "best_of", "unsupported");
  if (field(j, "echo") && boolean(j, "echo")) throw ApiError(400, "'echo' is not supported", "echo", "unsupported");
  if (field(j, "suffix")) throw ApiError(400, "'suffix' is not supported", "suffix", "unsupported");
  if (field(j, "stream")) r.stream = boolean(j, "stream");
  if (const json* so = field(j, "stream_options")) {
    if (!so->is_object()) throw invalid_field("stream_options", "must be an object");
    if (field(*so, "include_usage")) {
      if (!(*so)["include_usage"].is_boolean()) throw invalid_field("stream_options.include_usage", "must be true or false");
      r.include_usage = (*so)["include_usage"].get<bool>();
    }
  }

  // Length limits are checked before the prompt is tokenized or rendered.
  const int64_t ctx_max = static_cast<int64_t>(ctx.n_ctx);
  std::optional<int64_t> max_tokens;
  for (const char* name : {"max_tokens", "max_completion_tokens"})
    if (field(j, name)) {
      const json* v = field(j, name);
      if (v->is_number() && v->get<double>() < 1) throw invalid_field(name, "must be at least 1");
      max_tokens = integer_in(j, name, 1, ctx_max);
    }

  if (const json* s = field(j, "stop")) {
    if (s->is_string()) {
      r.stop.push_back(s->get<std::string>());
    } else if (s->is_array()) {
      if (s->size() > kMaxStopStrings) throw invalid_field("stop", "holds more than 4 strings");
      for (const json& e : *s) {
        if (!e.is_string()) throw invalid_field("stop", "must be a string or an array of strings");
        r.stop.push_back(e.get<std::string>());
      }
    } else {
      throw invalid_field("stop", "must be a string or an array of strings");
    }
    for (const std::string& x : r.stop)
      if (x.empty()) throw invalid_field("stop", "must not hold an empty string");
  }

  if (endpoint == Endpoint::Completions) {
    if (field(j, "logprobs")) r.top_logprobs = static_cast<int>(integer_in(j, "logprobs", 0, kMaxTopLogprobs));
  } else {
    const bool want = field(j, "logprobs") && boolean(j, "logprobs");
    if (field(j, "top_logprobs")) {
      const int n = static_cast<int>(integer_in(j, "top_logprobs", 0, kMaxTopLogprobs));
      if (!want) throw ApiError(400, "'top_logprobs' needs 'logprobs': true", "top_logprobs", "invalid_value");
      r.top_logprobs = n;
    } else if (want) {
      r.top_logprobs = 0;
    }
  }
  read_sampling(j, ctx, r);

  r.prompt = endpoint == Endpoint::Completions ? completion_prompt(j, ctx) : chat_prompt(j, ctx);
  if (r.prompt.empty()) throw invalid_field(endpoint == Endpoint::Completions ? "prompt" : "messages",
                                            "gives no tokens");
  if (r.prompt.size() >= ctx.n_ctx)
    throw ApiError(400,
                   "the prompt is " + std::to_string(r.prompt.size()) + " tokens; the context holds " +
                       std::to_string(ctx.n_ctx) + " with at least one to generate",
                   endpoint == Endpoint::Completions ? "prompt" : "messages", "context_length_exceeded");
  const size_t room = ctx.n_ctx - r.prompt.size();
  const size_t fallback = ctx.default_max_tokens ? std::min(ctx.default_max_tokens, room) : room;
  r.max_tokens = max_tokens ? std::min<size_t>(static_cast<size_t>(*max_tokens), room) : fallback;
  return r;
}

std::vector<int32_t> parse_tokenize_request(std::string_view body, const RequestContext& ctx) {
  const json j = parse_object(body);
  const json* c = field(j, "content");
  if (!c || !c->is_string()) throw invalid_field("content", "must be a string");
  EncodeOptions eo;
  eo.add_bos = field(j, "add_special") ? boolean(j, "add_special") && ctx.tokenizer->add_bos_default() : false;
  eo.parse_special = field(j, "parse_special") ? boolean(j, "parse_special") : false;
  return ctx.tokenizer->encode(c->get<std::string>(), eo);
}

std::vector<int32_t> parse_detokenize_request(std::string_view body, const RequestContext& ctx) {
  const json j = parse_object(body);
  const json* t = field(j, "tokens");
  if (!t || !t->is_array()) throw invalid_field("tokens", "must be an array of token ids");
  return token_ids(*t, "tokens", ctx.n_vocab);
}

}  // namespace edt::serve
