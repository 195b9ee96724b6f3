#include "tools/model_loader.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "weights/converter.h"
#include "weights/dequantize_gguf.h"
#include "weights/error.h"
#include "weights/mapped_file.h"
#include "weights/quant/block_check.h"

namespace edt {

std::shared_ptr<Model> load_model_any(const std::string& path) {
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
