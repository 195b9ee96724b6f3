#pragma once
// Writes GGUF v3: ordered metadata, then the tensor table, then aligned tensor data. Tensor bytes come from a
// producer called once per tensor at write time, so a converter streams a model through one row buffer instead of
// holding it all. Writing to a path is all-or-nothing: a temporary file renamed into place on success, removed on
// any failure (unwritable folder, full disk).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "weights/gguf.h"

namespace edt {

class GgufWriter {
 public:
  // Fills dst with exactly the tensor's byte size.
  using Producer = std::function<void(uint8_t* dst)>;
  // Called after each tensor with (tensors done, tensors total, bytes done).
  using Progress = std::function<void(size_t, size_t, uint64_t)>;

  void set(const std::string& key, GgufValue value);
  void set_u32(const std::string& key, uint32_t v) { set(key, GgufValue::make(GgufType::UINT32, v)); }
  void set_i32(const std::string& key, int32_t v) { set(key, GgufValue::make(GgufType::INT32, v)); }
  void set_f32(const std::string& key, float v) { set(key, GgufValue::make(GgufType::FLOAT32, v)); }
  void set_bool(const std::string& key, bool v) { set(key, GgufValue::make(GgufType::BOOL, v)); }
  void set_string(const std::string& key, std::string v) { set(key, GgufValue::make(GgufType::STRING, std::move(v))); }
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  void set_f32_array(const std::string& key, const std::vector<float>& v);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v);
  void set_alignment(uint32_t alignment);  // also writes general.alignment

  // dims in GGUF order (ne[0] = row length first).
  void add_tensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims, Producer produce);
  void add_tensor_bytes(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                        std::span<const uint8_t> bytes);  // bytes must outlive write()

  // Atomic write to path; throws FormatError naming the path on any I/O failure and leaves nothing behind.
  void write(const std::string& path, const Progress& progress = {}) const;
  std::vector<uint8_t> write_to_memory() const;

  uint64_t tensor_data_bytes() const;
  size_t tensor_count() const { return tensors_.size(); }

 private:
  struct PendingTensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> dims;
    uint64_t n_bytes;
    Producer produce;
  };
  void write_all(const std::function<void(const void*, size_t)>& emit, const Progress& progress) const;

  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<PendingTensor> tensors_;
  uint64_t alignment_ = kGgufDefaultAlignment;
};

}  // namespace edt
