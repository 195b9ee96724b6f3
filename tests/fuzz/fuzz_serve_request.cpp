// libFuzzer: arbitrary bytes as the body of /v1/completions, /v1/chat/completions, /tokenize and /detokenize
// (the first byte picks the endpoint), through edt serve's validation with a real tokenizer and chat template.
// Only ApiError may escape; any other exception or crash is a finding. Accepted requests must be inside the bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "serve/api_error.h"
#include "serve/request.h"

namespace {
struct State {
  std::unique_ptr<edt::Tokenizer> tok = edt::Tokenizer::from_path(EDT_FUZZ_DATA "/stories260K/tok512.model");
  edt::ChatTemplate chat = edt::ChatTemplate::builtin("chatml");
  edt::serve::RequestContext ctx;
  State() {
    ctx.tokenizer = tok.get();
    ctx.n_vocab = tok->n_vocab();
    ctx.n_ctx = 256;
    ctx.chat_template = &chat;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State s;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
      case 1: {
        const auto e = data[0] % 4 == 0 ? edt::serve::Endpoint::Completions : edt::serve::Endpoint::ChatCompletions;
        const edt::serve::GenerationRequest r = edt::serve::parse_generation_request(body, e, s.ctx);
        if (r.prompt.empty() || r.prompt.size() >= s.ctx.n_ctx || r.max_tokens < 1 ||
            r.prompt.size() + r.max_tokens > s.ctx.n_ctx)
          std::abort();
        r.sampler.build(s.ctx.n_vocab, edt::Isa::Scalar);  // a validated request always builds its chain
        break;
      }
      case 2: edt::serve::parse_tokenize_request(body, s.ctx); break;
      default: edt::serve::parse_detokenize_request(body, s.ctx); break;
    }
  } catch (const edt::serve::ApiError& e) {
    if (e.status() < 400 || e.status() >= 500) std::abort();
  }
  return 0;
}
