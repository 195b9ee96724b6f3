// edt convert: checkpoint -> GGUF, streamed through one tensor buffer, with a progress bar on a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "tools/args.h"
#include "tools/commands.h"
#include "weights/converter.h"
#include "weights/error.h"
#include "weights/quant_presets.h"

namespace edt {

int cmd_convert(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"-o", "--outfile"}, true, "output GGUF path (required)"},
      {{"--outtype"}, true, "f32, f16, bf16, or a quantize preset: q8_0, q4_0, q4_k_m, q6_k, ... (default: the source's float type)"},
      {{"--pure"}, false, "with a preset: every matrix in its type, no per-tensor rules"},
      {{"--tokenizer"}, true, "tokenizer.bin for a llama2.c checkpoint (default: beside it)"},
      {{"--name"}, true, "general.name to record (default: the input's name)"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("convert", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt convert INPUT -o OUT.gguf [--outtype T]\n"
                "INPUT is a Hugging Face model folder (config.json, *.safetensors, tokenizer.json or tokenizer.model)\n"
                "or a llama2.c checkpoint (.bin) with its tokenizer.bin beside it.\n"
                "Norms, biases and RoPE factors stay f32. A quantized --outtype is a preset of `edt quantize`\n"
                "(%s) with the same per-tensor rules and fallbacks.\n%s",
                quant_preset_names().c_str(), Args::usage(specs).c_str());
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("convert: expected exactly one input path (see --help)");
  const std::string out = args.require("-o");
  ConvertOptions opt;
  if (auto t = args.get("--outtype")) {
    opt.preset = find_quant_preset(*t);
    if (!opt.preset)
      throw UsageError("convert: flag '--outtype' is '" + *t + "', expected one of " + quant_preset_names());
    const GgmlType def = opt.preset->default_type;
    if (def == GgmlType::F32 || def == GgmlType::F16 || def == GgmlType::BF16) {  // plain float: no rules
      opt.out_type = def;
      opt.preset.reset();
    }
  }
  opt.pure = args.has("--pure");
  opt.llama2c_tokenizer = args.get_or("--tokenizer", "");
  opt.name = args.get_or("--name", "");

  const auto start = std::chrono::steady_clock::now();
  Conversion conv = convert_checkpoint(args.positional()[0], opt);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  conv.writer.write(out, [tty](size_t done, size_t total, uint64_t) {
    if (!tty) return;
    const int width = 40, filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu tensors", filled, "########################################",
                 width - filled, "", done, total);
    if (done == total) std::fprintf(stderr, "\n");
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& w : *conv.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (conv.chooser && !conv.fallbacks.empty())
    std::fprintf(stderr, "note: %zu tensors took a fallback type (rows not whole blocks of the rule's type)\n",
                 conv.fallbacks.size());
  else
    for (const std::string& name : conv.fallbacks)
      std::fprintf(stderr, "note: %s written as F16 (its rows are not whole %s blocks)\n", name.c_str(),
                   ggml_traits(conv.matrix_type).name);
  std::fprintf(stderr, "wrote %s: %zu tensors, %.1f MB of tensor data, %s matrices, %.2f s\n", out.c_str(),
               conv.writer.tensor_count(), static_cast<double>(conv.writer.tensor_data_bytes()) / 1e6,
               ggml_traits(conv.matrix_type).name, seconds);
  return 0;
}

}  // namespace edt
