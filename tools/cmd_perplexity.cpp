// edt perplexity: a model's perplexity over a text file, windowed and scored as llama.cpp's perplexity tool does.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/perplexity.h"
#include "tools/args.h"
#include "tools/cache_flags.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "weights/error.h"

namespace edt {

int cmd_perplexity(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "model: GGUF file, Hugging Face folder or llama2.c checkpoint"},
      {{"-f", "--file"}, true, "text file to score"},
      {{"-c", "--ctx-size"}, true, "window length in tokens (default: 512)"},
      {{"-t", "--threads"}, true, "threads (default: 2)"},
      {{"--chunks"}, true, "score at most this many windows (default: all)"},
      {{"--dequantize"}, false, "expand every tensor to F32 first (exact reference path for any readable type)"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  Args args("perplexity", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt perplexity -m MODEL -f TEXT [-c 512]\n"
        "The whole file is tokenized once (with BOS if the model adds it) and cut into windows of c tokens; a\n"
        "partial last window is dropped. Each window starts with BOS in place of its first token, and only its\n"
        "second half is scored: the token at j+1 from the logits at j for j = c/2 .. c-2, so every scored token\n"
        "sees at least c/2 tokens of context. This is llama.cpp's perplexity tool's rule, so figures compare.\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  const std::string path = args.require("-f");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  auto model = args.has("--dequantize") ? load_model_dequantized(args.require("-m")) : load_model_any(args.require("-m"));
  const auto tokenizer = tokenizer_of(*model);
  const auto n_ctx = static_cast<uint32_t>(args.get_int("-c", 512, 4, model->hparams().n_ctx_train));
  EncodeOptions opt;
  opt.add_bos = tokenizer->add_bos_default();
  std::vector<int32_t> tokens = tokenizer->encode(ss.str(), opt);
  if (auto chunks = args.get("--chunks")) {
    const auto n = static_cast<size_t>(args.get_int("--chunks", 0, 1, 1000000));
    tokens.resize(std::min(tokens.size(), n * n_ctx));
  }
  SessionOptions sopt;
  sopt.n_ctx = n_ctx;
  sopt.kv_type = read_cache_type(args);
  sopt.n_threads = static_cast<int>(args.get_int("-t", 2, 1, 256));
  Session session(model, sopt);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  const PerplexityResult r = perplexity(session, tokens, n_ctx, opt.add_bos ? tokenizer->bos_id() : -1,
                                        [tty](size_t done, size_t total, double ppl) {
                                          if (tty) std::fprintf(stderr, "\r[%zu/%zu] ppl %.4f", done, total, ppl);
                                        });
  if (tty) std::fprintf(stderr, "\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu tokens, %zu windows of %u, %zu scored\n", path.c_str(), tokens.size(), r.windows, n_ctx,
              r.scored_tokens);
  std::printf("perplexity %.4f (mean NLL %.5f ± %.5f nats/token), %.1f s\n", r.perplexity, r.mean_nll, r.nll_stderr,
              seconds);
  return 0;
}

}  // namespace edt
