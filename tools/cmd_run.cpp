// edt run: local generation with streaming output, EDT sampling by default, and a summary on stderr.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/chat_session.h"
#include "engine/generate.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/cache_flags.h"
#include "tools/chat_flags.h"
#include "tools/sampling_flags.h"
#include "weights/error.h"

namespace edt {
namespace {

std::atomic<bool> g_interrupt{false};

extern "C" void on_sigint(int) {
  if (g_interrupt.exchange(true)) std::_Exit(130);  // a second Ctrl-C: leave at once
}

void print_summary(const GenerationStats& st, uint64_t seed, int threads) {
  auto rate = [](size_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
  std::fprintf(stderr,
               "\n[prompt %zu tokens, %.1f tok/s | generated %zu tokens, %.1f tok/s | sampler %.1f µs/token | "
               "first token %.1f ms | stop: %s | seed %llu | threads %d]\n",
               st.prompt_tokens, rate(st.prompt_tokens, st.prompt_seconds), st.generated,
               rate(st.generated, st.generate_seconds), st.generated ? st.sampler_seconds * 1e6 / st.generated : 0.0,
               st.first_token_seconds * 1e3, stop_reason_name(st.stop), static_cast<unsigned long long>(seed), threads);
}

}  // namespace

int cmd_run(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "GGUF file, Hugging Face model folder, or llama2.c checkpoint (.bin)"},
      {{"-p", "--prompt"}, true, "prompt text"},
      {{"-f", "--file"}, true, "read the prompt from a file"},
      {{"-n", "--n-predict"}, true, "tokens to generate; -1 = until end of text or a full context (default 256)"},
      {{"-c", "--ctx-size"}, true, "context length (default: the model's, at most 4096)"},
      {{"-t", "--threads"}, true, "threads (default: the number of physical cores)"},
      {{"-i", "--interactive"}, false, "read prompts line by line; the conversation stays in the KV cache"},
      {{"--chat", "-cnv"}, false, "one chat turn: the prompt is the user's message, laid out by the chat template"},
      {{"--system"}, true, "with --chat: the system message"},
      {{"--special"}, false, "parse special-token texts like <|begin_of_text|> in the prompt"},
      {{"--no-display-prompt"}, false, "do not echo the prompt"},
      {{"--verbose"}, false, "print the model, the chain and each token's entropy and temperature to stderr"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : sampling_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : chat_template_flag_specs()) specs.push_back(std::move(s));
  Args args("run", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt run -m MODEL (-p PROMPT | -f FILE | -i) [flags]\n\n"
        "Streams the continuation of the prompt. Sampling defaults to EDT (Zhang et al. 2024): each token's\n"
        "temperature is T = T0 · N^(θ/H), H the entropy of the model's next-token distribution in nats over the\n"
        "full vocabulary, with T0 = --temp = 0.8, N = 0.8 and θ = 1.0 (the paper's N). Confident steps are sampled\n"
        "nearly greedily and uncertain ones near T0, which keeps quality without losing diversity; the chain is\n"
        "then just EDT -> draw, which runs as one fused pass over the vocabulary. --temp 0 is greedy.\n"
        "--no-edt gives llama.cpp's default chain (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8).\n"
        "--chat (-cnv) answers the prompt as one chat turn with the model's chat template (or --chat-template)\n"
        "and stops at the end of the turn; edt chat is the interactive conversation.\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  const bool interactive = args.has("-i");
  std::string prompt;
  if (args.has("-p") && args.has("-f")) throw UsageError("run: give -p or -f, not both");
  if (auto p = args.get("-p")) prompt = *p;
  if (auto f = args.get("-f")) {
    std::ifstream in(*f, std::ios::binary);
    if (!in) throw FormatError(*f + ": cannot open the prompt file");
    std::stringstream ss;
    ss << in.rdbuf();
    prompt = ss.str();
  }
  if (prompt.empty() && !interactive)
    throw UsageError("run: the prompt is empty; give -p TEXT, -f FILE or -i");
  SamplerParams sp;
  read_sampling_flags(args, sp);
  const long long n_predict = args.get_int("-n", 256, -1, 1 << 24);
  if (n_predict == 0) throw UsageError("run: flag '-n' must be positive or -1");
  const int threads = static_cast<int>(args.get_int("-t", physical_cores(), 1, 1024));

  auto model = load_model_any(args.require("-m"));
  const auto tokenizer = tokenizer_of(*model);
  SessionOptions so;
  so.n_threads = threads;
  so.kv_type = read_cache_type(args);
  so.n_ctx = static_cast<uint32_t>(
      args.get_int("-c", std::min<uint32_t>(model->hparams().n_ctx_train, 4096), 8, 1 << 24));
  Session session(model, so);
  auto chain = sp.build(model->hparams().n_vocab, model->isa());
  chain->set_report_probability(args.has("--verbose"));  // only --verbose prints it; it costs a pass otherwise
  StreamDecoder decoder(*tokenizer);
  if (args.has("--verbose"))
    std::fprintf(stderr, "model %s: %u layers, dim %u, vocab %u, context %u | %s kernels | chain: %s\n",
                 model->source().c_str(), model->hparams().n_layer, model->hparams().n_embd, model->hparams().n_vocab,
                 session.n_ctx(), isa_name(model->isa()), chain->describe().c_str());

  if (args.has("--chat")) {
    if (interactive) throw UsageError("run: --chat is one turn; for a conversation use 'edt chat'");
    ModelChatSetup setup = chat_setup_for_model(args, model->gguf(), *tokenizer, args.require("-m"));
    ChatSession chat(session, *chain, *tokenizer, std::move(setup.chat_template), setup.render_options,
                     setup.end_of_turn);
    if (auto system = args.get("--system")) chat.set_system(*system);
    std::signal(SIGINT, on_sigint);
    const ChatTurnStats st = chat.user_turn(prompt, n_predict < 0 ? 0 : static_cast<size_t>(n_predict), &g_interrupt,
                                            [](const std::string& text) {
                                              std::fwrite(text.data(), 1, text.size(), stdout);
                                              std::fflush(stdout);
                                            });
    if (st.context_full && st.generation.generated == 0)
      throw UsageError("run: the chat prompt is " + std::to_string(st.prompt_tokens) + " tokens, the context holds " +
                       std::to_string(session.n_ctx()));
    std::fputs("\n", stdout);
    print_summary(st.generation, sp.seed, threads);
    return st.generation.stop == StopReason::Interrupted ? 130 : 0;
  }
  if (args.has("--system")) throw UsageError("run: --system needs --chat");

  EncodeOptions eo;
  eo.parse_special = args.has("--special");
  eo.add_bos = tokenizer->add_bos_default();
  std::vector<int32_t> ids = tokenizer->encode(prompt, eo);
  if (!prompt.empty()) {
    if (ids.size() >= session.n_ctx())
      throw UsageError("run: the prompt is " + std::to_string(ids.size()) + " tokens, the context holds " +
                       std::to_string(session.n_ctx()) + " (raise -c up to the model's " +
                       std::to_string(model->hparams().n_ctx_train) + ")");
    if (n_predict > 0 && ids.size() + static_cast<size_t>(n_predict) > session.n_ctx())
      throw UsageError("run: -n " + std::to_string(n_predict) + " after a " + std::to_string(ids.size()) +
                       "-token prompt needs " + std::to_string(ids.size() + static_cast<size_t>(n_predict)) +
                       " positions, the context holds " + std::to_string(session.n_ctx()));
  }

  std::signal(SIGINT, on_sigint);
  const bool verbose = args.has("--verbose");
  GenerateOptions go;
  go.max_new_tokens = n_predict < 0 ? 0 : static_cast<size_t>(n_predict);
  go.interrupt = &g_interrupt;
  const TokenCallback print = [&](int32_t, const std::string& text, const StepReport& r) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    if (verbose)
      std::fprintf(stderr, "[H %.3f T %.3f p %.3f]", r.entropy, r.temperature, r.probability);
    return true;
  };
  auto finish_text = [&] {
    std::string rest;
    decoder.finish(rest);
    std::fwrite(rest.data(), 1, rest.size(), stdout);
    std::fflush(stdout);
  };

  if (!interactive) {
    if (!args.has("--no-display-prompt")) {
      std::fwrite(prompt.data(), 1, prompt.size(), stdout);
      std::fflush(stdout);
    }
    const GenerationStats st = generate(session, *chain, *tokenizer, decoder, ids, go, print);
    finish_text();
    print_summary(st, sp.seed, threads);
    return st.stop == StopReason::Interrupted ? 130 : 0;
  }

  // Interactive: each line continues the conversation held in the KV cache.
  GenerationStats total;
  int32_t carry = -1;  // the last token of the previous turn, not yet in the cache
  bool first = true;
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  while (!g_interrupt.load()) {
    std::vector<int32_t> turn;
    if (first && !prompt.empty()) {
      turn = ids;
    } else {
      if (tty) std::fprintf(stderr, "\n> ");
      std::string line;
      if (!std::getline(std::cin, line)) break;
      if (line.empty()) continue;
      EncodeOptions next = eo;
      next.add_bos = first && tokenizer->add_bos_default();
      turn = tokenizer->encode((first ? "" : "\n") + line, next);
    }
    first = false;
    if (carry >= 0) turn.insert(turn.begin(), carry);
    if (session.pos() + turn.size() >= session.n_ctx()) {
      std::fprintf(stderr, "\n[the context is full (%u tokens): the conversation cannot continue]\n", session.n_ctx());
      break;
    }
    g_interrupt = false;
    const GenerationStats st = generate(session, *chain, *tokenizer, decoder, turn, go, print);
    finish_text();
    carry = st.undecoded;
    total.prompt_tokens += st.prompt_tokens;
    total.prompt_seconds += st.prompt_seconds;
    total.generated += st.generated;
    total.generate_seconds += st.generate_seconds;
    total.sampler_seconds += st.sampler_seconds;
    if (total.first_token_seconds == 0) total.first_token_seconds = st.first_token_seconds;
    total.stop = st.stop;
    if (st.stop == StopReason::Context) {
      std::fprintf(stderr, "\n[the context is full (%u tokens): the conversation cannot continue]\n", session.n_ctx());
      break;
    }
    if (st.stop == StopReason::Interrupted) g_interrupt = false;  // Ctrl-C ends the turn, not the session
  }
  print_summary(total, sp.seed, threads);
  return 0;
}

}  // namespace edt
