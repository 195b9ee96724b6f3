#pragma once
// The GGUF file model: ordered metadata (typed values, arrays of any scalar type) and the tensor table, with tensor
// data left in place in the caller's byte span. parse_gguf() checks everything against the span before use;
// GgufWriter (gguf_writer.h) writes the same model back.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "weights/tensor_type.h"

namespace edt {

enum class GgufType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* gguf_type_name(GgufType type);

// One scalar, its alternative chosen by its GGUF type.
using GgufScalar = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool, std::string,
                                uint64_t, int64_t, double>;

struct GgufValue {
  GgufType type = GgufType::UINT32;
  GgufScalar scalar;                // when type != ARRAY
  GgufType array_type = GgufType::UINT8;  // when type == ARRAY
  std::vector<GgufScalar> array;    // when type == ARRAY; every element is of array_type

  static GgufValue make(GgufType type, GgufScalar scalar);
  static GgufValue make_array(GgufType elem_type, std::vector<GgufScalar> items);
  std::string type_name() const;  // "UINT32", "ARRAY[STRING]"
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first: ne[0] is the contiguous (row) dimension
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;         // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the parsed span

  uint64_t rows() const { return dims.empty() ? 0 : n_elements / dims[0]; }
  std::string shape_string() const;  // "[384, 4096]"
};

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian
inline constexpr uint64_t kGgufDefaultAlignment = 32;

struct GgufFile {
  std::string source;  // file name for messages
  uint32_t version = 3;
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t data_offset = 0;  // start of the tensor data section in the file
  std::vector<std::pair<std::string, GgufValue>> metadata;
  std::vector<GgufTensorInfo> tensors;

  const GgufValue* find(const std::string& key) const;
  const GgufTensorInfo* find_tensor(const std::string& name) const;

  // Typed access that names the key and the expected type on failure. Integers of any GGUF integer type are
  // accepted when the value fits; floats accept FLOAT32 and FLOAT64.
  uint64_t require_uint(const std::string& key) const;
  std::optional<uint64_t> get_uint(const std::string& key) const;
  int64_t require_int(const std::string& key) const;
  double require_float(const std::string& key) const;
  std::optional<double> get_float(const std::string& key) const;
  std::string require_string(const std::string& key) const;
  std::optional<std::string> get_string(const std::string& key) const;
  std::optional<bool> get_bool(const std::string& key) const;
  std::vector<std::string> require_string_array(const std::string& key) const;
  std::vector<float> require_float_array(const std::string& key) const;
  std::vector<int32_t> require_int_array(const std::string& key) const;

  void index();  // builds the lookup tables; parse_gguf() calls it

 private:
  std::unordered_map<std::string, size_t> key_index_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

// Parses a whole GGUF file held in bytes. Tensor data pointers point into bytes, which must outlive the result.
// Throws FormatError on anything malformed, naming source.
GgufFile parse_gguf(std::span<const uint8_t> bytes, const std::string& source);

// Scalar value as text for display (strings quoted, long ones shortened).
std::string gguf_scalar_to_string(const GgufScalar& v, size_t max_string = 60);

}  // namespace edt
