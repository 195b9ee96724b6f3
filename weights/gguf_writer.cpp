#include "weights/gguf_writer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "weights/error.h"

namespace edt {
namespace {

class Encoder {
 public:
  explicit Encoder(std::vector<uint8_t>& out) : out_(out) {}
  template <typename T>
  void put(T v) {
    append(&v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    append(s.data(), s.size());
  }
  void append(const void* p, size_t n) {
    const size_t at = out_.size();
    out_.resize(at + n);
    if (n != 0) std::memcpy(out_.data() + at, p, n);
  }
  void put_scalar(const GgufScalar& s) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) put_string(x);
          else if constexpr (std::is_same_v<T, bool>) put<uint8_t>(x ? 1 : 0);
          else put<T>(x);
        },
        s);
  }

 private:
  std::vector<uint8_t>& out_;
};

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : metadata_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& v) {
  set(key, GgufValue::make_array(GgufType::STRING, std::vector<GgufScalar>(v.begin(), v.end())));
}
void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& v) {
  set(key, GgufValue::make_array(GgufType::FLOAT32, std::vector<GgufScalar>(v.begin(), v.end())));
}
void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  set(key, GgufValue::make_array(GgufType::INT32, std::vector<GgufScalar>(v.begin(), v.end())));
}

void GgufWriter::set_alignment(uint32_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    throw FormatError("GGUF writer: alignment " + std::to_string(alignment) + " is not a power of two");
  alignment_ = alignment;
  set_u32("general.alignment", alignment);
}

void GgufWriter::add_tensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims, Producer produce) {
  for (const PendingTensor& t : tensors_)
    if (t.name == name) throw FormatError("GGUF writer: duplicate tensor '" + name + "'");
  if (dims.empty() || dims.size() > 4)
    throw FormatError("GGUF writer: tensor '" + name + "' must have 1 to 4 dimensions");
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  const auto row = ggml_row_bytes(type, dims[0]);
  if (!row)
    throw FormatError("GGUF writer: tensor '" + name + "' row length " + std::to_string(dims[0]) +
                      " is not a multiple of the " + ggml_traits(type).name + " block size");
  const uint64_t n_bytes = n / dims[0] * *row;
  tensors_.push_back({name, type, std::move(dims), n_bytes, std::move(produce)});
}

void GgufWriter::add_tensor_bytes(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                                  std::span<const uint8_t> bytes) {
  add_tensor(name, type, std::move(dims), [bytes](uint8_t* dst) { std::memcpy(dst, bytes.data(), bytes.size()); });
  if (tensors_.back().n_bytes != bytes.size())
    throw FormatError("GGUF writer: tensor '" + name + "' has " + std::to_string(bytes.size()) + " bytes, expected " +
                      std::to_string(tensors_.back().n_bytes));
}

uint64_t GgufWriter::tensor_data_bytes() const {
  uint64_t total = 0;
  for (const PendingTensor& t : tensors_) total = align_up(total, alignment_) + t.n_bytes;
  return total;
}

void GgufWriter::write_all(const std::function<void(const void*, size_t)>& emit, const Progress& progress) const {
  std::vector<uint8_t> header;
  Encoder enc(header);
  enc.put<uint32_t>(kGgufMagic);
  enc.put<uint32_t>(3);
  enc.put<uint64_t>(tensors_.size());
  enc.put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    enc.put_string(key);
    enc.put<uint32_t>(static_cast<uint32_t>(value.type));
    if (value.type == GgufType::ARRAY) {
      enc.put<uint32_t>(static_cast<uint32_t>(value.array_type));
      enc.put<uint64_t>(value.array.size());
      for (const GgufScalar& s : value.array) enc.put_scalar(s);
    } else {
      enc.put_scalar(value.scalar);
    }
  }
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    offset = align_up(offset, alignment_);
    enc.put_string(t.name);
    enc.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) enc.put<uint64_t>(d);
    enc.put<uint32_t>(static_cast<uint32_t>(t.type));
    enc.put<uint64_t>(offset);
    offset += t.n_bytes;
  }
  header.resize(align_up(header.size(), alignment_), 0);
  emit(header.data(), header.size());

  std::vector<uint8_t> buffer;  // (n_bytes) of the largest tensor, reused
  const uint8_t zeros[256] = {};
  uint64_t written = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const PendingTensor& t = tensors_[i];
    const uint64_t pad = align_up(written, alignment_) - written;
    for (uint64_t p = pad; p > 0;) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(p, sizeof zeros));
      emit(zeros, chunk);
      p -= chunk;
    }
    written += pad;
    buffer.resize(static_cast<size_t>(t.n_bytes));
    t.produce(buffer.data());
    emit(buffer.data(), buffer.size());
    written += t.n_bytes;
    if (progress) progress(i + 1, tensors_.size(), written);
  }
}

std::vector<uint8_t> GgufWriter::write_to_memory() const {
  std::vector<uint8_t> out;
  write_all([&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }, {});
  return out;
}

void GgufWriter::write(const std::string& path, const Progress& progress) const {
  const std::string tmp = path + ".partial";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw FormatError(path + ": cannot write output: " + std::strerror(errno));
  try {
    write_all([&](const void* p, size_t n) {
      if (std::fwrite(p, 1, n, f) != n) throw FormatError(path + ": write failed: " + std::strerror(errno));
    }, progress);
    if (std::fflush(f) != 0 || ::fsync(fileno(f)) != 0)
      throw FormatError(path + ": write failed: " + std::strerror(errno));
    if (std::fclose(f) != 0) {
      f = nullptr;
      throw FormatError(path + ": write failed: " + std::strerror(errno));
    }
    f = nullptr;
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw FormatError(path + ": cannot move the finished file into place: " + std::strerror(errno));
  } catch (...) {
    if (f) std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
}

}  // namespace edt
