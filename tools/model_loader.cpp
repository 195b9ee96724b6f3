#include "tools/model_loader.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "convert/converter.h"
#include "weights/dequantize_gguf.h"
#include "weights/error.h"
#include "weights/mapped_file.h"
#include "weights/quant/block_check.h"

namespace edt {

namespace {

// --bf16-prompts asked for a form this model or CPU does not have: said once, since prompts then stay exact.
std::shared_ptr<Model> said_bf16(std::shared_ptr<Model> m, const std::string& path) {
  if (process_bf16_prompts() && m->bf16_prompt_matrices() == 0)
    std::fprintf(stderr,
                 "warning: %s: --bf16-prompts has no effect here: it needs f16 or bf16 weights, repacked (not "
                 "--no-repack), at level avx512 with AVX512_BF16 or amx with AMX-BF16 (this process: %s); prompts "
                 "stay exact f32\n",
                 path.c_str(), isa_description(m->isa()).c_str());
  return m;
}

std::shared_ptr<Model> load_checked(const std::string& path);

}  // namespace

std::shared_ptr<Model> load_model_any(const std::string& path) { return said_bf16(load_checked(path), path); }

namespace {

std::shared_ptr<Model> load_checked(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) throw FormatError(path + ": no such file or folder");
  if (!fs::is_directory(path)) {
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(magic, 4);
    if (in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0) return Model::load(path);
    if (fs::path(path).extension() != ".bin")
      throw FormatError(path + ": not a GGUF file (bad magic), a Hugging Face folder or a llama2.c .bin checkpoint");
  }
  auto convert_in_memory = [&] {
    Conversion conv = convert_checkpoint(path, {});
    auto bytes = conv.writer.write_to_memory();
    for (const std::string& w : *conv.warnings) std::fprintf(stderr, "warning: %s: %s\n", path.c_str(), w.c_str());
    return Model::from_bytes(std::move(bytes), path);
  };
  if (fs::is_directory(path)) return convert_in_memory();
  try {
    return convert_in_memory();
  } catch (const FormatError& e) {
    throw FormatError(path + ": not a GGUF file (bad magic) and not a llama2.c checkpoint (" + e.what() + ")");
  }
}

}  // namespace

std::shared_ptr<Model> load_model_dequantized(const std::string& path) {
  const MappedFile file(path);
  const GgufFile gguf = parse_gguf(file.bytes(), path);
  for (const GgufTensorInfo& t : gguf.tensors) {
    if (const uint64_t bad = count_nonfinite_blocks(t.type, t.data, t.n_bytes))
      std::fprintf(stderr, "warning: %s: tensor '%s' has %llu %s blocks with NaN/Inf values or scales\n", path.c_str(),
                   t.name.c_str(), static_cast<unsigned long long>(bad), ggml_traits(t.type).name);
  }
  return Model::from_bytes(dequantize_gguf_to_f32(gguf).write_to_memory(), path);
}

std::unique_ptr<Tokenizer> load_tokenizer_from_model(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) return Tokenizer::from_path(path);
  const MappedFile file(path);
  if (file.size() >= 4 && std::memcmp(file.bytes().data(), "GGUF", 4) == 0)
    return Tokenizer::from_vocab(VocabData::read_from(parse_gguf(file.bytes(), path)));
  return tokenizer_of(*load_model_any(path));  // a llama2.c checkpoint: convert to get its vocabulary
}

}  // namespace edt
