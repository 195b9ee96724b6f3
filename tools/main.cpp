// edt: one program, many subcommands. main() owns the error policy: every typed error becomes one line on stderr
// and a non-zero exit, never a crash.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "cpu/isa.h"
#include "engine/model.h"
#include "engine/ops/blas_core.h"
#include "tools/commands.h"
#include "weights/error.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const Command kCommands[] = {
    {"run", edt::cmd_run, "generate text from a prompt, EDT sampling by default (-m MODEL -p TEXT)"},
    {"chat", edt::cmd_chat, "interactive multi-turn chat with the model's chat template (-m MODEL)"},
    {"template", edt::cmd_template, "render a conversation with a chat template, byte for byte (--messages F)"},
    {"profile", edt::cmd_profile, "the sampler's cost per token and stage, on a model or synthetic logits"},
    {"eval", edt::cmd_eval, "quality-diversity of EDT against fixed temperature on held-out text"},
    {"bench", edt::cmd_bench, "prompt processing and generation speed, with the read-bandwidth limit"},
    {"mkmodel", edt::cmd_mkmodel, "random-weight models of real shapes (S, M, L, llama3.2-1b) for benchmarks"},
    {"convert", edt::cmd_convert, "HF folder or llama2.c checkpoint -> GGUF (f32, f16, bf16 or a quantize preset)"},
    {"quantize", edt::cmd_quantize, "GGUF -> GGUF in a llama-quantize preset (Q4_K_M, Q6_K, Q8_0, IQ4_XS, ...)"},
    {"inspect", edt::cmd_inspect, "print a GGUF file's metadata and tensor table"},
    {"tokenize", edt::cmd_tokenize, "text -> token ids (-p TEXT, or JSON lines on stdin with --jsonl)"},
    {"perplexity", edt::cmd_perplexity, "perplexity over a text file, windowed as llama.cpp's perplexity tool"},
    {"serve", edt::cmd_serve, "OpenAI-compatible HTTP server with continuous batching (-m MODEL --port 8080)"},
    {"logits", edt::cmd_logits, "run token ids through a model and write every position's logits as .npy"},
};

void print_usage(FILE* out) {
  std::fprintf(out, "usage: edt <command> [flags]   (edt <command> --help for its flags)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-12s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nevery command also takes --isa scalar|avx2|avx512|amx (or EDT_ISA=...) to run at a lower instruction-set\n"
               "level than the best this CPU has (%s), --no-repack to use every weight matrix as stored (no\n"
               "load-time rearrangement into faster layouts, such as Q4_0's 16-row groups from AVX-512 up), and\n"
               "--bf16-prompts to multiply f16/bf16 weights in bfloat16 in long prompts (AVX512_BF16 or AMX-BF16 CPUs;\n"
               "faster, and no longer exact f32: within 2^-7 of each product)\n",
               edt::isa_name(edt::best_isa()));
}

// Takes --isa LEVEL / --isa=LEVEL, --no-repack and --bf16-prompts out of argv (every command accepts them) and sets
// the process's level, repacking and prompt precision; then reads the level once, so a bad EDT_ISA is reported
// before any work starts.
void apply_isa_flag(int& argc, char** argv) {
  int out = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i], value;
    bool found = false;
    if (a == "--isa") {
      if (i + 1 >= argc) throw edt::UsageError("--isa needs a value (scalar, avx2, avx512 or amx)");
      value = argv[++i];
      found = true;
    } else if (a.rfind("--isa=", 0) == 0) {
      value = a.substr(6);
      found = true;
    }
    if (a == "--no-repack") {
      edt::set_process_repack(false);
      continue;
    }
    if (a == "--bf16-prompts") {
      edt::set_process_bf16_prompts(true);
      continue;
    }
    if (!found) {
      argv[out++] = argv[i];
      continue;
    }
    const auto isa = edt::parse_isa(value);
    if (!isa) throw edt::UsageError("--isa '" + value + "' is not a level (expected scalar, avx2, avx512 or amx)");
    try {
      edt::set_process_isa(*isa);
    } catch (const std::invalid_argument& e) {
      throw edt::UsageError(std::string("--isa: ") + e.what());
    }
  }
  argc = out;
  argv[argc] = nullptr;
  try {
    edt::process_isa();
  } catch (const std::invalid_argument& e) {
    throw edt::UsageError(e.what());
  }
}

// Restarts the program with OPENBLAS_CORETYPE set when OpenBLAS loaded kernels older than the CPU (blas_core.h);
// the restarted process finds the variable set and goes on. If the restart fails, it goes on with the old kernels.
void restart_for_blas_core(char** argv) {
  const char* core = edt::blas_core_override();
  if (core == nullptr || setenv("OPENBLAS_CORETYPE", core, 1) != 0) return;
  execv("/proc/self/exe", argv);
  std::fprintf(stderr,
               "edt: warning: OpenBLAS uses its %s kernels on this CPU, and restarting with "
               "OPENBLAS_CORETYPE=%s failed: prompts of some weight types are slower\n",
               edt::blas_core(), core);
}

}  // namespace

int main(int argc, char** argv) {
  restart_for_blas_core(argv);
  try {
    apply_isa_flag(argc, argv);
  } catch (const edt::UsageError& e) {
    std::fprintf(stderr, "edt: %s\n", e.what());
    return 2;
  }
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc, argv);
    } catch (const edt::UsageError& e) {
      std::string msg = e.what();  // messages may already name the command: say it once
      const std::string prefix = std::string(c.name) + ": ";
      if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
      std::fprintf(stderr, "edt %s: %s\n", c.name, msg.c_str());
      return 2;
    } catch (const edt::FormatError& e) {
      std::fprintf(stderr, "edt %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "edt %s: error: out of memory\n", c.name);
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "edt %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "edt: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}
