// edt serve's request validation (serve/request), stop strings and the key comparison: hand cases, then a property
// test over random JSON: every body is either a valid request (inside every bound) or an ApiError with a 4xx.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "serve/api_error.h"
#include "serve/http_server.h"
#include "serve/request.h"
#include "serve/stop_matcher.h"
#include "test_util.h"

namespace edt::serve {
namespace {

using nlohmann::json;

struct Fixture {
  std::unique_ptr<Tokenizer> tok = Tokenizer::from_path(test::data_path("stories260K/tok512.model"));
  ChatTemplate chat = ChatTemplate::builtin("chatml");
  RequestContext ctx;
  Fixture() {
    ctx.tokenizer = tok.get();
    ctx.n_vocab = tok->n_vocab();
    ctx.n_ctx = 64;
    ctx.chat_template = &chat;
    ctx.random_seed = 77;
  }
};

TEST(ServeRequest, DefaultsAreEdtAndTheContext) {
  Fixture f;
  const GenerationRequest r = parse_generation_request(R"({"prompt": "Once upon a time"})", Endpoint::Completions, f.ctx);
  EXPECT_TRUE(r.sampler.edt);
  EXPECT_TRUE(r.sampler.samplers.empty());  // the fused EDT -> draw chain
  EXPECT_FLOAT_EQ(r.sampler.temp, 0.8f);
  EXPECT_EQ(r.sampler.seed, 77u);
  EXPECT_FALSE(r.seeded);
  EXPECT_EQ(r.max_tokens, 64 - r.prompt.size());
  EXPECT_EQ(r.prompt[0], f.tok->bos_id());
  EXPECT_EQ(r.top_logprobs, -1);
}

TEST(ServeRequest, SamplingFieldsMapToTheChain) {
  Fixture f;
  auto r = parse_generation_request(R"({"prompt": "a", "edt": {"t0": 1.5, "n": 0.5, "theta": 2}, "seed": 5,
                                        "max_tokens": 3, "logit_bias": {"7": -100}, "stop": ["x", "yz"]})",
                                    Endpoint::Completions, f.ctx);
  EXPECT_FLOAT_EQ(r.sampler.edt_t0, 1.5f);
  EXPECT_FLOAT_EQ(r.sampler.edt_n, 0.5f);
  EXPECT_FLOAT_EQ(r.sampler.edt_theta, 2.0f);
  EXPECT_TRUE(r.seeded);
  EXPECT_EQ(r.sampler.seed, 5u);
  EXPECT_EQ(r.max_tokens, 3u);
  ASSERT_EQ(r.sampler.logit_bias.size(), 1u);
  EXPECT_EQ(r.sampler.logit_bias[0].first, 7);
  EXPECT_EQ(r.stop, (std::vector<std::string>{"x", "yz"}));
  r = parse_generation_request(R"({"prompt": "a", "top_p": 0.9, "top_k": 5})", Endpoint::Completions, f.ctx);
  EXPECT_TRUE(r.sampler.edt);
  EXPECT_EQ(r.sampler.samplers, "top_k;top_p;edt");  // truncation the request asked for, then EDT
  r = parse_generation_request(R"({"prompt": "a", "dynatemp_range": 0.5, "dynatemp_exponent": 2})",
                               Endpoint::Completions, f.ctx);
  EXPECT_FALSE(r.sampler.edt);
  EXPECT_FLOAT_EQ(r.sampler.dynatemp_range, 0.5f);
  EXPECT_EQ(r.sampler.top_k, 40);  // llama.cpp's chain with its defaults
  r = parse_generation_request(R"({"prompt": [1, 5, 9], "max_tokens": 64})", Endpoint::Completions, f.ctx);
  EXPECT_EQ(r.prompt, (std::vector<int32_t>{1, 5, 9}));
  EXPECT_EQ(r.max_tokens, 61u);  // up to the context: the room after the prompt
  r = parse_generation_request(R"({"messages": [{"role": "user", "content": "hi"}], "logprobs": true,
                                   "top_logprobs": 3, "max_completion_tokens": 2})",
                               Endpoint::ChatCompletions, f.ctx);
  EXPECT_EQ(r.top_logprobs, 3);
  EXPECT_EQ(r.max_tokens, 2u);
}

TEST(ServeRequest, BadRequestsAre400sNamingTheField) {
  Fixture f;
  auto param_of = [&](const std::string& body, Endpoint e = Endpoint::Completions) {
    try {
      parse_generation_request(body, e, f.ctx);
    } catch (const ApiError& err) {
      EXPECT_EQ(err.status(), 400);
      const json j = json::parse(err.body());
      EXPECT_TRUE(j["error"]["message"].is_string());
      return err.param();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(param_of(R"({"prompt": "a", "temperature": 5})"), "temperature");
  EXPECT_EQ(param_of(R"({"prompt": "a", "n": 3})"), "n");
  EXPECT_EQ(param_of(R"({"prompt": "a", "max_tokens": 0})"), "max_tokens");
  EXPECT_EQ(param_of(R"({"prompt": "a", "max_tokens": 65})"), "max_tokens");
  EXPECT_EQ(param_of(R"({"prompt": "a", "logit_bias": {"x": 1}})"), "logit_bias");
  EXPECT_EQ(param_of(R"({"prompt": "a", "edt": {"n": 1}})"), "edt.n");
  EXPECT_EQ(param_of(R"({"prompt": [600]})"), "prompt");
  EXPECT_EQ(param_of(R"({"messages": []})", Endpoint::ChatCompletions), "messages");
  EXPECT_EQ(param_of(R"({"messages": [{"role": "cat", "content": "x"}]})", Endpoint::ChatCompletions),
            "messages[0].role");
  EXPECT_EQ(param_of(R"({"prompt": )"), "");  // not JSON: no field to name
  std::string long_prompt = "{\"prompt\": [";
  for (int i = 0; i < 64; ++i) long_prompt += (i ? ",1" : "1");
  EXPECT_EQ(param_of(long_prompt + "]}"), "prompt");  // fills the context
}

TEST(ServeStopMatcher, HoldsBackPossibleStartsAndCutsAtTheFirst) {
  StopMatcher m({"\n\n", "END"});
  std::string out;
  EXPECT_FALSE(m.push("Hello E", out));
  EXPECT_EQ(out, "Hello ");  // "E" might start END
  EXPECT_FALSE(m.push("N", out));
  EXPECT_EQ(out, "Hello ");
  EXPECT_FALSE(m.push("x\n", out));
  EXPECT_EQ(out, "Hello ENx");
  EXPECT_TRUE(m.push("\nmore", out));
  EXPECT_EQ(out, "Hello ENx");
  StopMatcher none({});
  std::string all;
  EXPECT_FALSE(none.push("a", all));
  none.finish(all);
  EXPECT_EQ(all, "a");
  StopMatcher tail({"abc"});
  std::string t;
  tail.push("xab", t);
  tail.finish(t);
  EXPECT_EQ(t, "xab");  // no stop string: the held text is released at the end
}

TEST(ServeAuth, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cres", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cre", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3crett", "s3cret"));
  EXPECT_FALSE(constant_time_equal("", "s3cret"));
  EXPECT_FALSE(constant_time_equal("x", ""));
}

// Random JSON: values of every type at the known fields (and unknown ones), nested a little. Every outcome is a
// request inside the bounds or a 4xx ApiError; nothing else may escape.
json random_value(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 2 ? 6 : 8)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int64_t>(rng() % 200) - 50;
    case 3: return std::uniform_real_distribution<double>(-3, 3)(rng);
    case 4: {
      static const char* const s[] = {"", "x", "user", "assistant", "wizard", "text", "Once upon", "7", "-1", "\n"};
      return s[rng() % 10];
    }
    case 5: return static_cast<int64_t>(rng()) * (rng() % 2 ? 1 : -1) * 1000;
    case 6: {
      json a = json::array();
      for (size_t i = rng() % 5; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      static const char* const k[] = {"role", "content", "type", "text", "t0", "n", "theta", "7", "include_usage", "q"};
      json o = json::object();
      for (size_t i = rng() % 4; i > 0; --i) o[k[rng() % 10]] = random_value(rng, depth + 1);
      return o;
    }
  }
}

TEST(ServeRequest, RandomJsonIsAValidRequestOrA4xx) {
  Fixture f;
  static const char* const fields[] = {
      "prompt", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
      "presence_penalty", "frequency_penalty", "repeat_penalty", "seed", "stop", "logit_bias", "logprobs",
      "top_logprobs", "stream", "stream_options", "edt", "dynatemp_range", "dynatemp_exponent", "n", "model", "echo",
      "unknown_field"};
  std::mt19937 rng(2026);
  size_t accepted = 0, rejected = 0;
  for (int i = 0; i < 4000; ++i) {
    json body = json::object();
    for (size_t k = rng() % 6; k > 0; --k) body[fields[rng() % std::size(fields)]] = random_value(rng, 0);
    if (rng() % 3 == 0) body["prompt"] = "Once upon a time";
    if (rng() % 4 == 0) body["messages"] = json::array({{{"role", "user"}, {"content", "hello"}}});
    const Endpoint e = rng() % 2 ? Endpoint::Completions : Endpoint::ChatCompletions;
    std::string text = body.dump();
    if (rng() % 10 == 0) text.resize(rng() % (text.size() + 1));  // truncated: bad JSON
    try {
      const GenerationRequest r = parse_generation_request(text, e, f.ctx);
      ++accepted;
      ASSERT_FALSE(r.prompt.empty()) << text;
      ASSERT_LT(r.prompt.size(), f.ctx.n_ctx) << text;
      ASSERT_GE(r.max_tokens, 1u) << text;
      ASSERT_LE(r.prompt.size() + r.max_tokens, f.ctx.n_ctx) << text;
      ASSERT_LE(r.stop.size(), 4u) << text;
      ASSERT_LE(r.top_logprobs, 20) << text;
      for (const auto& [id, bias] : r.sampler.logit_bias) ASSERT_LT(static_cast<size_t>(id), f.ctx.n_vocab) << text;
      ASSERT_NO_THROW(r.sampler.build(f.ctx.n_vocab, Isa::Scalar)) << text;
    } catch (const ApiError& err) {
      ++rejected;
      ASSERT_GE(err.status(), 400) << text;
      ASSERT_LT(err.status(), 500) << text;
      ASSERT_TRUE(json::parse(err.body())["error"]["message"].is_string()) << text;
    }
  }
  EXPECT_GT(accepted, 200u);  // the generator reaches both outcomes
  EXPECT_GT(rejected, 200u);
}

}  // namespace
}  // namespace edt::serve
