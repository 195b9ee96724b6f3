// edt quantize: a GGUF model -> the same model in a llama-quantize preset (Q4_K_M, Q6_K, ...), with llama.cpp's
// per-tensor rules, streamed one tensor at a time, with a progress bar on a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tools/args.h"
#include "tools/commands.h"
#include "tools/type_mix.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"
#include "weights/quantize_gguf.h"

namespace edt {

int cmd_quantize(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"--pure"}, false, "every matrix in TYPE: no per-tensor rules (output, attn_v, ffn_down keep TYPE)"},
      {{"-t", "--threads"}, true, "threads per tensor (default: all cores)"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("quantize", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt quantize IN.gguf OUT.gguf TYPE [--pure] [-t N]\n"
                "TYPE is a preset: %s.\n"
                "Each tensor gets the type llama-quantize's rules give it (output.weight Q6_K; more bits for attn_v\n"
                "and ffn_down on some layers; rows that are not whole 256-blocks fall back to Q5_0, Q5_1, Q8_0 or\n"
                "IQ4_NL). Norms stay F32. The input may be in any type edt reads; IQ4_NL / IQ4_XS need no importance\n"
                "matrix (each weight is weighted by its square).\n%s",
                quant_preset_names().c_str(), Args::usage(specs).c_str());
    return 0;
  }
  if (args.positional().size() != 3)
    throw UsageError("quantize: expected IN.gguf OUT.gguf TYPE (see --help)");
  const std::string in = args.positional()[0], out = args.positional()[1], type_name = args.positional()[2];
  const auto preset = find_quant_preset(type_name);
  if (!preset) throw UsageError("quantize: TYPE is '" + type_name + "', expected one of " + quant_preset_names());
  QuantizeOptions opt;
  opt.pure = args.has("--pure");
  const long long cores = std::max(1u, std::thread::hardware_concurrency());
  opt.n_threads = static_cast<int>(args.get_int("--threads", cores, 1, 1024));

  const auto start = std::chrono::steady_clock::now();
  MappedFile mapped(in);
  const GgufFile file = parse_gguf(mapped.bytes(), in);
  QuantizeJob job = quantize_gguf(file, *preset, opt);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto& plan = job.plan;
  job.writer.write(out, [tty, &plan](size_t done, size_t total, uint64_t) {
    if (!tty) return;
    const int width = 40, filled = static_cast<int>(width * done / total);
    const TensorPlan& p = plan[done - 1];
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu %-28.28s %-6s", filled, "########################################",
                 width - filled, "", done, total, p.name.c_str(), ggml_traits(p.to).name);
    if (done == total) std::fprintf(stderr, "\n");
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& w : *job.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  size_t fallbacks = 0;
  for (const TensorPlan& p : plan) fallbacks += p.fallback ? 1 : 0;
  if (fallbacks)
    std::fprintf(stderr, "note: %zu tensors took a fallback type (rows not whole 256-blocks)\n", fallbacks);

  MappedFile written(out);
  const GgufFile result = parse_gguf(written.bytes(), out);
  std::fprintf(stderr, "wrote %s: %s, %zu tensors, %.1f MB of tensor data (from %.1f MB), %.2f s\ntype mix:\n%s",
               out.c_str(), preset->name, result.tensors.size(), static_cast<double>(job.writer.tensor_data_bytes()) / 1e6,
               static_cast<double>(mapped.size()) / 1e6, seconds, format_type_mix(type_mix(result.tensors)).c_str());
  return 0;
}

}  // namespace edt
