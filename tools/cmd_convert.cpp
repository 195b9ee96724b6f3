// edt convert: checkpoint -> GGUF, streamed through one tensor buffer, with a progress bar on a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "tools/args.h"
#include "tools/commands.h"
#include "weights/converter.h"
#include "weights/error.h"

namespace edt {

int cmd_convert(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"-o", "--outfile"}, true, "output GGUF path (required)"},
      {{"--outtype"}, true, "f32, f16, bf16, q8_0 or q4_0 (default: the source's float type)"},
      {{"--tokenizer"}, true, "tokenizer.bin for a llama2.c checkpoint (default: beside it)"},
      {{"--name"}, true, "general.name to record (default: the input's name)"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("convert", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt convert INPUT -o OUT.gguf [--outtype T]\n"
                "INPUT is a Hugging Face model folder (config.json, *.safetensors, tokenizer.json, vocab.json +\n"
                "merges.txt or tokenizer.model) of a family in docs/architectures.md (Llama, Mistral, Qwen2, Phi-3,\n"
                "Gemma, Gemma-2), written in llama.cpp's conventions for it,\n"
                "or a llama2.c checkpoint (.bin) with its tokenizer.bin beside it.\n"
                "Norms, biases and RoPE factors stay f32; matrices whose rows are not whole 32-element blocks\n"
                "fall back to f16 when a quantized type is asked for.\n%s",
                Args::usage(specs).c_str());
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("convert: expected exactly one input path (see --help)");
  const std::string out = args.require("-o");
  ConvertOptions opt;
  if (auto t = args.get("--outtype")) {
    opt.out_type = parse_output_type(*t);
    if (!opt.out_type) throw UsageError("convert: flag '--outtype' is '" + *t + "', expected f32, f16, bf16, q8_0 or q4_0");
  }
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
  for (const std::string& name : conv.fallbacks)
    std::fprintf(stderr, "note: %s written as F16 (its rows are not whole %s blocks)\n", name.c_str(),
                 ggml_traits(conv.matrix_type).name);
  std::fprintf(stderr, "wrote %s: %zu tensors, %.1f MB of tensor data, %s matrices, %.2f s\n", out.c_str(),
               conv.writer.tensor_count(), static_cast<double>(conv.writer.tensor_data_bytes()) / 1e6,
               ggml_traits(conv.matrix_type).name, seconds);
  return 0;
}

}  // namespace edt
