// edt chat: an interactive conversation on a terminal (or piped stdin), one line per user message, each answer
// streamed. The conversation stays in the KV cache between turns; /reset, /system TEXT and /exit are commands;
// Ctrl-C stops the current answer, and at the prompt ends the program.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "engine/chat_session.h"
#include "tools/args.h"
#include "tools/cache_flags.h"
#include "tools/chat_flags.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/sampling_flags.h"
#include "weights/error.h"

namespace edt {
namespace {

std::atomic<bool> g_chat_interrupt{false};
std::atomic<bool> g_chat_generating{false};

extern "C" void on_chat_sigint(int) {
  if (!g_chat_generating.load()) {  // at the prompt: leave, as a shell does
    const char nl = '\n';
    (void)!::write(STDERR_FILENO, &nl, 1);
    std::_Exit(130);
  }
  g_chat_interrupt = true;
}

// One user message: a line, continued onto the next while it ends in a backslash.
bool read_message(std::string& out) {
  out.clear();
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      out += line + "\n";
      continue;
    }
    out += line;
    return true;
  }
  return !out.empty();
}

void print_help() {
  std::fprintf(stderr, "[commands: /reset forgets the conversation, /system TEXT sets the system message (empty "
                       "removes it), /exit leaves; Ctrl-C stops an answer]\n");
}

}  // namespace

int cmd_chat(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "GGUF file or Hugging Face model folder"},
      {{"--system"}, true, "system message at the start of the conversation"},
      {{"-n", "--n-predict"}, true, "most tokens per answer; -1 = until the end of the turn (default -1)"},
      {{"-c", "--ctx-size"}, true, "context length (default: the model's, at most 4096)"},
      {{"-t", "--threads"}, true, "threads (default: the number of physical cores)"},
      {{"--verbose"}, false, "a stats line per turn on stderr: prompt, reused and prefilled tokens, speed"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : chat_template_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : sampling_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  Args args("chat", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt chat -m MODEL [--system TEXT] [--chat-template NAME | --chat-template-file F] [flags]\n\n"
        "Type a message and press Enter (end a line with \\ to continue it). The model's own chat template lays\n"
        "out the conversation; a model without one (a base model) needs --chat-template. Each turn reuses the\n"
        "cached prefix and prefills only the new tokens. Sampling is EDT by default, with edt run's flags.\n"
        "Commands: /reset, /system TEXT, /exit. Ctrl-C stops the current answer.\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  SamplerParams sp;
  read_sampling_flags(args, sp);
  const long long n_predict = args.get_int("-n", -1, -1, 1 << 24);
  if (n_predict == 0) throw UsageError("chat: flag '-n' must be positive or -1");
  const int threads = static_cast<int>(args.get_int("-t", physical_cores(), 1, 1024));
  const std::string model_path = args.require("-m");
  auto model = load_model_any(model_path);
  const auto tokenizer = tokenizer_of(*model);
  ModelChatSetup setup = chat_setup_for_model(args, model->gguf(), *tokenizer, model_path);

  SessionOptions so;
  so.n_threads = threads;
  so.kv_type = read_cache_type(args);
  so.n_ctx = static_cast<uint32_t>(
      args.get_int("-c", std::min<uint32_t>(model->hparams().n_ctx_train, 4096), 8, 1 << 24));
  Session session(model, so);
  auto chain = sp.build(model->hparams().n_vocab, model->isa());
  const bool verbose = args.has("--verbose");
  std::fprintf(stderr, "edt chat: %s | template: %s | answers end at: %s | context %u tokens | chain: %s\n",
               model->source().c_str(), setup.template_origin.c_str(),
               token_list_text(*tokenizer, setup.end_of_turn).c_str(), session.n_ctx(), chain->describe().c_str());
  print_help();

  ChatSession chat(session, *chain, *tokenizer, std::move(setup.chat_template), setup.render_options,
                   setup.end_of_turn);
  if (auto system = args.get("--system")) chat.set_system(*system);
  std::signal(SIGINT, on_chat_sigint);
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  size_t turn = 0;
  std::string message;
  while (true) {
    if (tty) {
      std::fputs("\n> ", stdout);
      std::fflush(stdout);
    }
    if (!read_message(message)) break;
    if (message.empty()) continue;
    if (message == "/exit" || message == "/quit") break;
    if (message == "/reset") {
      chat.reset();
      std::fprintf(stderr, "[conversation reset]\n");
      continue;
    }
    if (message == "/system" || message.rfind("/system ", 0) == 0) {
      const std::string text = message.size() > 8 ? message.substr(8) : "";
      chat.set_system(text);
      std::fprintf(stderr, text.empty() ? "[system message removed]\n" : "[system message set]\n");
      continue;
    }
    if (message[0] == '/' && message.find(' ') == std::string::npos && message.size() > 1) {
      std::fprintf(stderr, "[unknown command '%s']\n", message.c_str());
      print_help();
      continue;
    }
    ++turn;
    g_chat_interrupt = false;
    g_chat_generating = true;
    ChatTurnStats st;
    try {
      st = chat.user_turn(message, n_predict < 0 ? 0 : static_cast<size_t>(n_predict), &g_chat_interrupt,
                          [](const std::string& text) {
                            std::fwrite(text.data(), 1, text.size(), stdout);
                            std::fflush(stdout);
                          });
    } catch (const FormatError& e) {  // e.g. the template raised on this conversation: say so, keep chatting
      g_chat_generating = false;
      std::fprintf(stderr, "[error: %s]\n", e.what());
      continue;
    }
    g_chat_generating = false;
    std::fputs("\n", stdout);
    std::fflush(stdout);
    const GenerationStats& g = st.generation;
    if (verbose) {
      auto rate = [](size_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
      std::fprintf(stderr,
                   "[turn %zu: prompt %zu tokens, reused %zu, prefilled %zu | generated %zu tokens, %.1f tok/s | "
                   "stop: %s]\n",
                   turn, st.prompt_tokens, st.reused_tokens, st.prefilled_tokens, g.generated,
                   rate(g.generated, g.generate_seconds), g.stop == StopReason::EndOfText ? "end of turn"
                                                                                          : stop_reason_name(g.stop));
    }
    if (g.stop == StopReason::Interrupted) std::fprintf(stderr, "[answer stopped]\n");
    if (st.context_full)
      std::fprintf(stderr,
                   "[the context is full (%u tokens): the conversation cannot continue; type /reset to start over, "
                   "or restart with a larger -c]\n",
                   session.n_ctx());
  }
  return 0;
}

}  // namespace edt
