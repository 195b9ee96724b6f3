#include "engine/generate.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "weights/error.h"

namespace edt {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::None: return "none";
    case StopReason::EndOfText: return "end of text";
    case StopReason::Limit: return "token limit";
    case StopReason::Context: return "context full";
    case StopReason::Interrupted: return "interrupted";
  }
  return "?";
}

GenerationStats generate(Session& session, SamplerChain& chain, const Tokenizer& tokenizer, StreamDecoder& decoder,
                         std::span<const int32_t> prompt, const GenerateOptions& options, const TokenCallback& on_token) {
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  GenerationStats st;
  if (prompt.empty()) throw FormatError("nothing to generate from: the prompt is empty");
  const size_t vocab = session.model().hparams().n_vocab;
  std::vector<float> logits(vocab);  // (vocab) the chain consumes its input, so it works on a copy

  const auto start = clock::now();
  auto last = session.prefill(prompt);
  st.prompt_tokens = prompt.size();
  st.prompt_seconds = seconds_since(start);
  for (int32_t t : prompt) chain.accept(t);

  std::string text;
  const auto gen_start = clock::now();
  while (true) {
    if (options.interrupt && options.interrupt->load()) {
      st.stop = StopReason::Interrupted;
      break;
    }
    std::copy(last.begin(), last.end(), logits.begin());
    const auto sample_start = clock::now();
    const int32_t token = chain.sample(logits);
    st.sampler_seconds += seconds_since(sample_start);
    chain.accept(token);
    if (st.generated == 0) st.first_token_seconds = seconds_since(start);
    ++st.generated;
    const bool stop_token = options.stop_tokens && std::find(options.stop_tokens->begin(), options.stop_tokens->end(),
                                                             token) != options.stop_tokens->end();
    if ((options.stop_at_eos && token == tokenizer.eos_id()) || stop_token) {
      st.stop = StopReason::EndOfText;
      break;
    }
    decoder.push(token, text);
    st.undecoded = token;
    if (!on_token(token, text, chain.last_report())) {
      st.stop = StopReason::Interrupted;
      break;
    }
    if (session.pos() >= session.n_ctx()) {
      st.stop = StopReason::Context;
      st.undecoded = -1;  // it can never be fed: the cache is full
      break;
    }
    if (options.max_new_tokens && st.generated >= options.max_new_tokens) {
      st.stop = StopReason::Limit;
      break;
    }
    last = session.decode(token);
    st.undecoded = -1;
  }
  st.generate_seconds = seconds_since(gen_start);
  return st;
}

}  // namespace edt
