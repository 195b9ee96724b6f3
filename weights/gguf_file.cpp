// GgufFile lookups and typed metadata access.
#include <cmath>
#include <cstdio>
#include <limits>

#include "weights/error.h"
#include "weights/gguf.h"

namespace edt {

const char* gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::UINT8: return "UINT8";
    case GgufType::INT8: return "INT8";
    case GgufType::UINT16: return "UINT16";
    case GgufType::INT16: return "INT16";
    case GgufType::UINT32: return "UINT32";
    case GgufType::INT32: return "INT32";
    case GgufType::FLOAT32: return "FLOAT32";
    case GgufType::BOOL: return "BOOL";
    case GgufType::STRING: return "STRING";
    case GgufType::ARRAY: return "ARRAY";
    case GgufType::UINT64: return "UINT64";
    case GgufType::INT64: return "INT64";
    case GgufType::FLOAT64: return "FLOAT64";
  }
  return "?";
}

GgufValue GgufValue::make(GgufType type, GgufScalar scalar) {
  GgufValue v;
  v.type = type;
  v.scalar = std::move(scalar);
  return v;
}

GgufValue GgufValue::make_array(GgufType elem_type, std::vector<GgufScalar> items) {
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.array_type = elem_type;
  v.array = std::move(items);
  return v;
}

std::string GgufValue::type_name() const {
  if (type == GgufType::ARRAY) return std::string("ARRAY[") + gguf_type_name(array_type) + "]";
  return gguf_type_name(type);
}

std::string GgufTensorInfo::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

void GgufFile::index() {
  key_index_.clear();
  tensor_index_.clear();
  for (size_t i = 0; i < metadata.size(); ++i) key_index_.emplace(metadata[i].first, i);
  for (size_t i = 0; i < tensors.size(); ++i) tensor_index_.emplace(tensors[i].name, i);
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors[it->second];
}

namespace {

bool is_integer(GgufType t) {
  return t == GgufType::UINT8 || t == GgufType::INT8 || t == GgufType::UINT16 || t == GgufType::INT16 ||
         t == GgufType::UINT32 || t == GgufType::INT32 || t == GgufType::UINT64 || t == GgufType::INT64;
}

// An integer scalar of any width and signedness: negative values keep their signed value, the rest their
// unsigned one, so both INT64 and UINT64 fit.
struct IntegerValue {
  bool negative = false;
  int64_t signed_value = 0;
  uint64_t unsigned_value = 0;
};

IntegerValue integer_value(const GgufScalar& s) {
  return std::visit(
      [](const auto& x) -> IntegerValue {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if constexpr (std::is_signed_v<T>) {
            if (x < 0) return {true, static_cast<int64_t>(x), 0};
          }
          return {false, static_cast<int64_t>(x), static_cast<uint64_t>(x)};
        }
        return {};
      },
      s);
}

[[noreturn]] void wrong_type(const GgufFile& f, const std::string& key, const GgufValue& v, const char* expected) {
  throw FormatError(f.source + ": key '" + key + "' has type " + v.type_name() + ", expected " + expected);
}

[[noreturn]] void missing(const GgufFile& f, const std::string& key) {
  throw FormatError(f.source + ": required key '" + key + "' is missing");
}

}  // namespace

std::optional<uint64_t> GgufFile::get_uint(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!is_integer(v->type)) wrong_type(*this, key, *v, "an unsigned integer");
  const IntegerValue x = integer_value(v->scalar);
  if (x.negative) throw FormatError(source + ": key '" + key + "' is negative, expected an unsigned integer");
  return x.unsigned_value;
}

uint64_t GgufFile::require_uint(const std::string& key) const {
  auto v = get_uint(key);
  if (!v) missing(*this, key);
  return *v;
}

int64_t GgufFile::require_int(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) missing(*this, key);
  if (!is_integer(v->type)) wrong_type(*this, key, *v, "an integer");
  const IntegerValue x = integer_value(v->scalar);
  if (!x.negative && x.unsigned_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw FormatError(source + ": key '" + key + "' is out of range");
  return x.signed_value;
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == GgufType::FLOAT32) return std::get<float>(v->scalar);
  if (v->type == GgufType::FLOAT64) return std::get<double>(v->scalar);
  wrong_type(*this, key, *v, "FLOAT32");
}

double GgufFile::require_float(const std::string& key) const {
  auto v = get_float(key);
  if (!v) missing(*this, key);
  return *v;
}

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::STRING) wrong_type(*this, key, *v, "STRING");
  return std::get<std::string>(v->scalar);
}

std::string GgufFile::require_string(const std::string& key) const {
  auto v = get_string(key);
  if (!v) missing(*this, key);
  return *v;
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufType::BOOL) wrong_type(*this, key, *v, "BOOL");
  return std::get<bool>(v->scalar);
}

std::vector<std::string> GgufFile::require_string_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) missing(*this, key);
  if (v->type != GgufType::ARRAY || v->array_type != GgufType::STRING) wrong_type(*this, key, *v, "ARRAY[STRING]");
  std::vector<std::string> out;
  out.reserve(v->array.size());
  for (const GgufScalar& s : v->array) out.push_back(std::get<std::string>(s));
  return out;
}

std::vector<float> GgufFile::require_float_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) missing(*this, key);
  if (v->type != GgufType::ARRAY || (v->array_type != GgufType::FLOAT32 && v->array_type != GgufType::FLOAT64))
    wrong_type(*this, key, *v, "ARRAY[FLOAT32]");
  std::vector<float> out;
  out.reserve(v->array.size());
  for (const GgufScalar& s : v->array)
    out.push_back(v->array_type == GgufType::FLOAT32 ? std::get<float>(s) : static_cast<float>(std::get<double>(s)));
  return out;
}

std::vector<int32_t> GgufFile::require_int_array(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) missing(*this, key);
  if (v->type != GgufType::ARRAY || !is_integer(v->array_type) || v->array_type == GgufType::UINT64 ||
      v->array_type == GgufType::INT64 || v->array_type == GgufType::UINT32)
    wrong_type(*this, key, *v, "ARRAY[INT32]");
  std::vector<int32_t> out;
  out.reserve(v->array.size());
  for (const GgufScalar& s : v->array) out.push_back(static_cast<int32_t>(integer_value(s).signed_value));
  return out;
}

std::string gguf_scalar_to_string(const GgufScalar& v, size_t max_string) {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          std::string s;
          for (char c : x.substr(0, max_string)) {
            if (c == '\n') s += "\\n";
            else if (c == '"') s += "\\\"";
            else if (static_cast<unsigned char>(c) < 32) s += "\\x" + std::to_string(static_cast<int>(c));
            else s += c;
          }
          return "\"" + s + (x.size() > max_string ? "\"..." : "\"");
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_floating_point_v<T>) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
          return buf;
        } else {
          return std::to_string(x);
        }
      },
      v);
}

}  // namespace edt
