// edt serve: the OpenAI-compatible HTTP server (serve/). This file reads the flags, loads the model while /health
// says 503, and turns SIGTERM / SIGINT into a drain: no new requests, the running ones finish, then exit 0.
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <exception>
#include <thread>

#include "serve/http_server.h"
#include "serve/scheduler.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/chat_tokens.h"
#include "tools/chat_flags.h"
#include "tools/args.h"
#include "tools/cache_flags.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/sampling_flags.h"
#include "weights/error.h"

namespace edt {
namespace {

}  // namespace

int cmd_serve(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "GGUF file, Hugging Face model folder, or llama2.c checkpoint (.bin)"},
      {{"--host"}, true, "address to listen on (default 127.0.0.1: this machine only)"},
      {{"--port"}, true, "port (default 8080; 0 = any free port, printed at start)"},
      {{"-np", "--parallel"}, true, "slots: requests generated at once, batched into one forward per step (default 4)"},
      {{"--queue"}, true, "requests that may wait for a slot; past that, 503 with Retry-After (default 16)"},
      {{"-c", "--ctx-size"}, true, "context per slot (default: the model's, at most 4096)"},
      {{"-b", "--batch-size"}, true, "prompt tokens per engine step, beside one decode token per busy slot (default 512)"},
      {{"-n", "--n-predict"}, true, "max_tokens of a request that gives none; -1 = up to the context (default -1)"},
      {{"-t", "--threads"}, true, "threads (default: the number of physical cores)"},
      {{"--api-key"}, true, "require Authorization: Bearer KEY (not for /health); or set EDT_API_KEY"},
      {{"--alias"}, true, "the model name /v1/models lists (default: the file name)"},
      {{"--max-body"}, true, "largest request body in bytes; larger ones get 413 (default 1048576)"},
      {{"--drain-timeout"}, true, "seconds SIGTERM waits for running requests (default 30)"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : chat_template_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  Args args("serve", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt serve -m MODEL [--host 127.0.0.1] [--port 8080] [-np 4] [-c CTX] [--api-key KEY] [flags]\n\n"
        "An OpenAI-compatible HTTP server: POST /v1/completions, /v1/chat/completions, /tokenize, /detokenize;\n"
        "GET /v1/models, /health (503 while loading), /metrics (Prometheus). Requests are batched: every engine\n"
        "step runs one forward over all busy slots. Sampling defaults to EDT, as edt run (T0 = temperature = 0.8,\n"
        "N = 0.8, theta = 1); per request: \"edt\": {\"t0\", \"n\", \"theta\"}, \"edt\": false for llama.cpp's chain,\n"
        "or dynatemp_range / dynatemp_exponent. See docs/serving.md.\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  const std::string model_path = args.require("-m");
  serve::ServerOptions so;
  so.host = args.get_or("--host", "127.0.0.1");
  so.port = static_cast<int>(args.get_int("--port", 8080, 0, 65535));
  const auto n_slots = static_cast<uint32_t>(args.get_int("-np", 4, 1, 256));
  const auto max_queue = static_cast<size_t>(args.get_int("--queue", 16, 0, 4096));
  so.http_threads = n_slots + max_queue + 4;
  so.max_body_bytes = static_cast<size_t>(args.get_int("--max-body", 1 << 20, 1024, 1LL << 30));
  so.api_key = args.get_or("--api-key", "");
  if (so.api_key.empty())
    if (const char* env = std::getenv("EDT_API_KEY")) so.api_key = env;
  so.model_name = args.get_or("--alias", std::filesystem::path(model_path).filename().string());
  const double drain_s = args.get_float("--drain-timeout", 30, 0, 86400);
  const int threads = static_cast<int>(args.get_int("-t", physical_cores(), 1, 1024));
  const long long n_predict = args.get_int("-n", -1, -1, 1 << 24);
  if (n_predict == 0) throw UsageError("flag '-n' must be positive or -1");
  const KvType kv_type = read_cache_type(args);

  // Signals go to one thread (sigwait), never to a handler running inside the library or the engine.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-write is an error return, not a kill

  serve::Metrics metrics;
  serve::HttpServer server(so, metrics);
  server.bind();
  std::fprintf(stderr, "edt serve: listening on http://%s:%d (loading %s)\n", so.host.c_str(), server.port(),
               model_path.c_str());
  std::thread http([&] { server.serve(); });
  if (!server.wait_until_serving(10000)) {
    server.stop();
    http.join();
    throw FormatError("the HTTP server did not start on " + so.host + ":" + std::to_string(server.port()));
  }

  std::shared_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<ChatTemplate> chat;
  std::string template_origin;
  std::unique_ptr<serve::Scheduler> scheduler;
  try {
    // The load (its repack is an OpenMP loop) runs on a thread of its own that ends before the engine starts: an
    // OpenMP team stays parked for the thread that made it, and with the main thread's team beside the engine
    // thread's, libgomp counts more threads than cores and stops spinning between a step's parallel regions, so
    // every region waited for a futex wake-up (measured: one stream 30-35% below `edt bench` on two cores).
    std::exception_ptr load_error;
    std::thread loader([&] {
      try {
        model = load_model_any(model_path);
      } catch (...) {
        load_error = std::current_exception();
      }
    });
    loader.join();
    if (load_error) std::rethrow_exception(load_error);
    tokenizer = tokenizer_of(*model);
    // /v1/chat/completions needs a template: the flags' or the model's; without one it answers 400.
    if (args.has("--chat-template") || args.has("--chat-template-file") || gguf_chat_template(model->gguf())) {
      ModelChatSetup setup = chat_setup_for_model(args, model->gguf(), *tokenizer, model_path);
      chat = std::make_unique<ChatTemplate>(std::move(setup.chat_template));
      template_origin = setup.template_origin;
    }
    serve::SchedulerOptions sched;
    sched.n_slots = n_slots;
    sched.max_queue = max_queue;
    sched.session.n_threads = threads;
    sched.session.kv_type = kv_type;
    sched.session.n_ctx = static_cast<uint32_t>(
        args.get_int("-c", std::min<uint32_t>(model->hparams().n_ctx_train, 4096), 8, 1 << 24));
    sched.prefill_chunk = static_cast<uint32_t>(args.get_int("-b", 512, 1, 1 << 16));
    sched.end_tokens = end_of_turn_tokens(*tokenizer, gguf_eot_token_id(model->gguf(), tokenizer->n_vocab()));
    scheduler = std::make_unique<serve::Scheduler>(model, *tokenizer, sched, metrics);
  } catch (...) {
    server.stop();
    http.join();
    throw;
  }
  serve::RequestContext ctx;
  ctx.tokenizer = tokenizer.get();
  ctx.n_vocab = model->hparams().n_vocab;
  ctx.n_ctx = scheduler->n_ctx();
  ctx.default_max_tokens = n_predict < 0 ? 0 : static_cast<size_t>(n_predict);
  ctx.chat_template = chat.get();
  ctx.render_options = chat_options_for(*tokenizer);
  server.set_ready(scheduler.get(), ctx);
  std::fprintf(stderr, "edt serve: ready: %s, %u slots x %u tokens of context, %d threads, %s kernels, chat: %s\n",
               so.model_name.c_str(), n_slots, ctx.n_ctx, threads, isa_name(model->isa()),
               chat ? template_origin.c_str() : "no template (/v1/chat/completions refused; see --chat-template)");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "edt serve: %s: draining (up to %.0f s)\n", sig == SIGTERM ? "SIGTERM" : "SIGINT", drain_s);
  server.set_draining();
  scheduler->drain();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(drain_s);
  bool second_signal = false;
  while (!second_signal && std::chrono::steady_clock::now() < deadline &&
         (!scheduler->idle() || server.active_generations() > 0)) {
    const timespec wait{0, 20'000'000};  // 20 ms; a second signal ends the drain at once
    second_signal = sigtimedwait(&stop_signals, nullptr, &wait) > 0;
  }
  if (second_signal) std::fprintf(stderr, "edt serve: second signal: stopping now\n");
  const bool clean = scheduler->idle() && server.active_generations() == 0;
  if (!clean) {  // what is left ends as cancelled (streams get an error event), so the stop below waits on nothing
    scheduler->cancel_all();
    const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < grace && (!scheduler->idle() || server.active_generations() > 0))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server.stop();
  http.join();
  scheduler.reset();
  std::fprintf(stderr, "edt serve: stopped%s\n", clean ? "" : " (drain timeout: unfinished requests were cut)");
  return 0;
}

}  // namespace edt
