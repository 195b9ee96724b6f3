// edt inspect: a GGUF file's header, metadata and tensor table, like llama.cpp's gguf-dump.
#include <cstdio>

#include "tools/args.h"
#include "tools/commands.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"

namespace edt {

int cmd_inspect(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"--full"}, false, "print every array element instead of the first few"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("inspect", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt inspect FILE.gguf [--full]\n%s", Args::usage(specs).c_str());
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("inspect: expected exactly one GGUF file (see --help)");
  const std::string path = args.positional()[0];
  const MappedFile file(path);
  const GgufFile gguf = parse_gguf(file.bytes(), path);
  const size_t shown = args.has("--full") ? SIZE_MAX : 8;

  std::printf("%s: GGUF v%u, %zu metadata entries, %zu tensors, alignment %llu, data at byte %llu\n", path.c_str(),
              gguf.version, gguf.metadata.size(), gguf.tensors.size(),
              static_cast<unsigned long long>(gguf.alignment), static_cast<unsigned long long>(gguf.data_offset));
  std::printf("\nmetadata:\n");
  for (size_t i = 0; i < gguf.metadata.size(); ++i) {
    const auto& [key, value] = gguf.metadata[i];
    std::string text;
    if (value.type == GgufType::ARRAY) {
      text = "[";
      for (size_t j = 0; j < value.array.size() && j < shown; ++j)
        text += (j ? ", " : "") + gguf_scalar_to_string(value.array[j], 40);
      if (value.array.size() > shown) text += ", ... (" + std::to_string(value.array.size()) + " elements)";
      text += "]";
    } else {
      text = gguf_scalar_to_string(value.scalar);
    }
    std::printf("  %3zu  %-44s %-16s %s\n", i + 1, key.c_str(), value.type_name().c_str(), text.c_str());
  }
  // The chat template in full: the table above shortens it, and a template is read line by line.
  if (const auto chat_template = gguf.get_string("tokenizer.chat_template"))
    std::printf("\nchat template (tokenizer.chat_template, %zu bytes):\n%s\n", chat_template->size(),
                chat_template->c_str());
  std::printf("\ntensors:\n");
  uint64_t total = 0;
  for (size_t i = 0; i < gguf.tensors.size(); ++i) {
    const GgufTensorInfo& t = gguf.tensors[i];
    total += t.n_bytes;
    std::printf("  %3zu  %-32s %-8s %-22s %12llu bytes  at +%llu\n", i + 1, t.name.c_str(), ggml_traits(t.type).name,
                t.shape_string().c_str(), static_cast<unsigned long long>(t.n_bytes),
                static_cast<unsigned long long>(t.offset));
  }
  std::printf("\n%zu tensors, %.2f MB of tensor data\n", gguf.tensors.size(), static_cast<double>(total) / 1e6);
  return 0;
}

}  // namespace edt
