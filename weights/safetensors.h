#pragma once
// Hugging Face safetensors: one file (8-byte header length, JSON header, raw data) or a sharded checkpoint
// described by model.safetensors.index.json. Tensors are views into the mapped shards.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "weights/mapped_file.h"

namespace edt {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;            // as written: "F32", "BF16", "I64", ...
  std::vector<uint64_t> shape;  // row-major, outermost first (PyTorch order)
  std::span<const uint8_t> bytes;
  std::string file;             // shard it lives in, for messages

  uint64_t n_elements() const;
};

// Parses one safetensors file held in bytes; the result points into bytes. Throws FormatError naming source.
std::vector<SafetensorsTensor> parse_safetensors(std::span<const uint8_t> bytes, const std::string& source);

class SafetensorsCheckpoint {
 public:
  // A folder with model.safetensors.index.json (sharded) or model.safetensors, or one .safetensors file.
  static SafetensorsCheckpoint open(const std::string& path);

  const SafetensorsTensor* find(const std::string& name) const;
  const SafetensorsTensor& require(const std::string& name) const;  // throws naming the tensor
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const std::string& location() const { return location_; }

  // Converts a F32 / F16 / BF16 tensor to float32 (dst holds n_elements floats); other dtypes are refused by name.
  static void read_f32(const SafetensorsTensor& t, float* dst);

 private:
  void add_file(const std::string& path);
  std::string location_;
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::vector<SafetensorsTensor> tensors_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace edt
