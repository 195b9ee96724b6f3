#pragma once
// The generation loop: model + cache (a Session) + sampler chain + tokenizer -> a stream of text. Prompt tokens
// are prefilled as one batch; each new token is sampled from the last logits, streamed as whole UTF-8, fed back.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/session.h"
#include "sampling/chain.h"
#include "tokenizer/stream_decoder.h"

namespace edt {

enum class StopReason { None, EndOfText, Limit, Context, Interrupted };
const char* stop_reason_name(StopReason r);

struct GenerationStats {
  size_t prompt_tokens = 0;
  double prompt_seconds = 0;
  size_t generated = 0;
  double generate_seconds = 0;   // decode + sampling of the generated tokens
  double sampler_seconds = 0;    // sampling alone
  double first_token_seconds = 0;  // from the start of prefill to the first sampled token
  StopReason stop = StopReason::None;
  // The last generated token when it is not in the cache yet (generation stopped before feeding it back); a
  // conversation that continues feeds it first. -1 when there is none (or it was EOS).
  int32_t undecoded = -1;
};

struct GenerateOptions {
  size_t max_new_tokens = 0;          // 0: until EOS or the context is full
  bool stop_at_eos = true;
  // More tokens that end the text like EOS (a chat template's end-of-turn tokens); not passed to on_token.
  const std::vector<int32_t>* stop_tokens = nullptr;
  const std::atomic<bool>* interrupt = nullptr;  // set from a signal handler to stop after the current token
};

// Per token: id, its text (whole UTF-8, possibly empty), and what the sampler reported. Return false to stop.
using TokenCallback = std::function<bool(int32_t token, const std::string& text, const StepReport& report)>;

// Feeds prompt (may be empty when the session already holds a conversation and last_logits is non-empty), then
// generates. Every prompt token and every generated token goes through chain.accept() (for penalties).
GenerationStats generate(Session& session, SamplerChain& chain, const Tokenizer& tokenizer, StreamDecoder& decoder,
                         std::span<const int32_t> prompt, const GenerateOptions& options, const TokenCallback& on_token);

}  // namespace edt
