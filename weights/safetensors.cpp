#include "weights/safetensors.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "weights/byte_cursor.h"
#include "weights/error.h"
#include "weights/half.h"

namespace edt {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit on the JSON header

uint64_t dtype_bytes(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return 0;
}

}  // namespace

uint64_t SafetensorsTensor::n_elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

std::vector<SafetensorsTensor> parse_safetensors(std::span<const uint8_t> bytes, const std::string& source) {
  ByteCursor in(bytes, source);
  const uint64_t header_len = in.read<uint64_t>("safetensors header length");
  if (header_len > kMaxHeaderBytes || header_len > in.remaining())
    throw FormatError(source + ": safetensors header length " + std::to_string(header_len) + " exceeds the " +
                      std::to_string(in.remaining()) + " bytes after it (truncated or not a safetensors file)");
  auto header_bytes = in.take(header_len, "safetensors header");
  const auto header = nlohmann::json::parse(header_bytes.begin(), header_bytes.end(), nullptr, false);
  if (header.is_discarded() || !header.is_object())
    throw FormatError(source + ": safetensors header is not a JSON object");
  const std::span<const uint8_t> data = bytes.subspan(in.pos());

  std::vector<SafetensorsTensor> out;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = source + ": tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array() || !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2)
      throw FormatError(where + ": header entry needs dtype (string), shape (array) and data_offsets ([begin, end])");
    SafetensorsTensor t;
    t.name = name;
    t.file = source;
    t.dtype = entry["dtype"].get<std::string>();
    const uint64_t elem = dtype_bytes(t.dtype);
    if (elem == 0) throw FormatError(where + ": unknown dtype '" + t.dtype + "'");
    uint64_t n = 1;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned()) throw FormatError(where + ": shape holds a value that is not a non-negative integer");
      const uint64_t dim = d.get<uint64_t>();
      if (__builtin_mul_overflow(n, dim, &n)) throw FormatError(where + ": shape product overflows 64 bits");
      t.shape.push_back(dim);
    }
    const auto& offs = entry["data_offsets"];
    if (!offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
      throw FormatError(where + ": data_offsets are not non-negative integers");
    const uint64_t begin = offs[0].get<uint64_t>(), end = offs[1].get<uint64_t>();
    uint64_t expect = 0;
    if (__builtin_mul_overflow(n, elem, &expect)) throw FormatError(where + ": byte size overflows 64 bits");
    if (begin > end || end > data.size())
      throw FormatError(where + ": data [" + std::to_string(begin) + ", " + std::to_string(end) +
                        ") lies outside the file's " + std::to_string(data.size()) + " data bytes (truncated?)");
    if (end - begin != expect)
      throw FormatError(where + ": holds " + std::to_string(end - begin) + " bytes, its shape and dtype " + t.dtype +
                        " need " + std::to_string(expect));
    t.bytes = data.subspan(static_cast<size_t>(begin), static_cast<size_t>(end - begin));
    out.push_back(std::move(t));
  }
  return out;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  namespace fs = std::filesystem;
  SafetensorsCheckpoint ckpt;
  ckpt.location_ = path;
  if (!fs::is_directory(path)) {
    ckpt.add_file(path);
    return ckpt;
  }
  const fs::path dir(path);
  const fs::path index_path = dir / "model.safetensors.index.json";
  if (fs::exists(index_path)) {
    MappedFile index_file(index_path.string());
    auto bytes = index_file.bytes();
    const auto index = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      throw FormatError(index_path.string() + ": expected a JSON object with a 'weight_map' object");
    std::set<std::string> shards;
    for (const auto& [name, shard] : index["weight_map"].items()) {
      if (!shard.is_string()) throw FormatError(index_path.string() + ": weight_map['" + name + "'] is not a file name");
      const std::string file = shard.get<std::string>();
      if (file.find('/') != std::string::npos || file.find("..") != std::string::npos)
        throw FormatError(index_path.string() + ": shard name '" + file + "' must be a plain file name in the folder");
      shards.insert(file);
    }
    for (const std::string& shard : shards) {
      const fs::path shard_path = dir / shard;
      if (!fs::exists(shard_path))
        throw FormatError(index_path.string() + ": shard '" + shard + "' named in weight_map is missing");
      ckpt.add_file(shard_path.string());
    }
    for (const auto& [name, shard] : index["weight_map"].items()) {
      const SafetensorsTensor* t = ckpt.find(name);
      if (!t) throw FormatError(index_path.string() + ": tensor '" + name + "' is not in shard '" +
                                shard.get<std::string>() + "'");
    }
    return ckpt;
  }
  const fs::path single = dir / "model.safetensors";
  if (!fs::exists(single))
    throw FormatError(path + ": no model.safetensors or model.safetensors.index.json in the folder");
  ckpt.add_file(single.string());
  return ckpt;
}

void SafetensorsCheckpoint::add_file(const std::string& path) {
  files_.push_back(std::make_unique<MappedFile>(path));
  for (SafetensorsTensor& t : parse_safetensors(files_.back()->bytes(), path)) {
    if (index_.count(t.name)) throw FormatError(path + ": tensor '" + t.name + "' appears in more than one shard");
    index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }
}

const SafetensorsTensor* SafetensorsCheckpoint::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const SafetensorsTensor& SafetensorsCheckpoint::require(const std::string& name) const {
  const SafetensorsTensor* t = find(name);
  if (!t) throw FormatError(location_ + ": tensor '" + name + "' is missing from the checkpoint");
  return *t;
}

void SafetensorsCheckpoint::read_f32(const SafetensorsTensor& t, float* dst) {
  const uint64_t n = t.n_elements();
  const uint8_t* p = t.bytes.data();
  if (t.dtype == "F32") {
    std::memcpy(dst, p, n * 4);
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    const bool bf = t.dtype == "BF16";
    for (uint64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      dst[i] = bf ? bf16_to_f32(h) : f16_to_f32(h);
    }
  } else {
    throw FormatError(t.file + ": tensor '" + t.name + "' has dtype " + t.dtype + ", expected F32, F16 or BF16");
  }
}

}  // namespace edt
