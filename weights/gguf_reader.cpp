// GGUF parsing over a byte span. Every count, length, offset and extent is checked against the span before use;
// products of dimensions are overflow-checked. See gguf.h for the model.
#include <cstring>
#include <unordered_set>

#include "weights/byte_cursor.h"
#include "weights/error.h"
#include "weights/gguf.h"

namespace edt {
namespace {

constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

size_t min_encoded_size(GgufType t) {
  switch (t) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
    case GgufType::UINT16: case GgufType::INT16: return 2;
    case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
    case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: case GgufType::STRING: return 8;
    case GgufType::ARRAY: return 12;
  }
  return 1;
}

bool valid_value_type(uint32_t t) { return t <= 12; }

std::string read_string(ByteCursor& in, const std::string& what) {
  const uint64_t len = in.read<uint64_t>(what + " length");
  if (len > in.remaining())
    throw FormatError(in.source() + ": " + what + " claims " + std::to_string(len) + " bytes at byte " +
                      std::to_string(in.pos()) + ", only " + std::to_string(in.remaining()) + " left in the file");
  auto bytes = in.take(len, what);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

GgufScalar read_scalar(ByteCursor& in, GgufType t, const std::string& what) {
  switch (t) {
    case GgufType::UINT8: return in.read<uint8_t>(what);
    case GgufType::INT8: return in.read<int8_t>(what);
    case GgufType::UINT16: return in.read<uint16_t>(what);
    case GgufType::INT16: return in.read<int16_t>(what);
    case GgufType::UINT32: return in.read<uint32_t>(what);
    case GgufType::INT32: return in.read<int32_t>(what);
    case GgufType::FLOAT32: return in.read<float>(what);
    case GgufType::BOOL: {
      const uint8_t b = in.read<uint8_t>(what);
      if (b > 1)
        throw FormatError(in.source() + ": " + what + " is a BOOL with byte value " + std::to_string(b) +
                          ", expected 0 or 1");
      return b == 1;
    }
    case GgufType::STRING: return read_string(in, what);
    case GgufType::UINT64: return in.read<uint64_t>(what);
    case GgufType::INT64: return in.read<int64_t>(what);
    case GgufType::FLOAT64: return in.read<double>(what);
    case GgufType::ARRAY: break;
  }
  throw FormatError(in.source() + ": " + what + ": nested arrays are not supported");
}

GgufValue read_value(ByteCursor& in, const std::string& key) {
  const uint32_t raw_type = in.read<uint32_t>("type of key '" + key + "'");
  if (!valid_value_type(raw_type))
    throw FormatError(in.source() + ": key '" + key + "' has value type " + std::to_string(raw_type) +
                      ", expected a GGUF type 0..12");
  const auto type = static_cast<GgufType>(raw_type);
  const std::string what = "value of key '" + key + "'";
  if (type != GgufType::ARRAY) return GgufValue::make(type, read_scalar(in, type, what));

  const uint32_t raw_elem = in.read<uint32_t>("element type of array '" + key + "'");
  if (!valid_value_type(raw_elem))
    throw FormatError(in.source() + ": array '" + key + "' has element type " + std::to_string(raw_elem) +
                      ", expected a GGUF type 0..12");
  const auto elem = static_cast<GgufType>(raw_elem);
  if (elem == GgufType::ARRAY)
    throw FormatError(in.source() + ": array '" + key + "' holds arrays; nested arrays are not supported");
  const uint64_t n = in.read<uint64_t>("length of array '" + key + "'");
  // Each element takes at least min_encoded_size bytes: a length beyond what the file can hold is corrupt, and
  // refusing it here keeps a crafted count from reserving terabytes.
  if (n > in.remaining() / min_encoded_size(elem))
    throw FormatError(in.source() + ": array '" + key + "' claims " + std::to_string(n) + " elements of " +
                      gguf_type_name(elem) + ", more than the " + std::to_string(in.remaining()) +
                      " bytes left in the file can hold");
  std::vector<GgufScalar> items;
  items.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) items.push_back(read_scalar(in, elem, what + "[" + std::to_string(i) + "]"));
  return GgufValue::make_array(elem, std::move(items));
}

bool checked_mul(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_mul_overflow(a, b, &out); }

}  // namespace

GgufFile parse_gguf(std::span<const uint8_t> bytes, const std::string& source) {
  ByteCursor in(bytes, source);
  GgufFile file;
  file.source = source;
  if (bytes.size() < 4) throw FormatError(source + ": file is " + std::to_string(bytes.size()) + " bytes, not a GGUF file");
  const uint32_t magic = in.read<uint32_t>("magic");
  if (magic != kGgufMagic) {
    char got[5] = {};
    std::memcpy(got, bytes.data(), 4);
    for (char& c : got)
      if (c != 0 && (c < 32 || c > 126)) c = '?';
    throw FormatError(source + ": bad magic '" + std::string(got) + "', expected 'GGUF' (not a GGUF file)");
  }
  file.version = in.read<uint32_t>("version");
  if (file.version != 2 && file.version != 3)
    throw FormatError(source + ": unsupported GGUF version " + std::to_string(file.version) + ", expected 3 (or 2)");
  const uint64_t n_tensors = in.read<uint64_t>("tensor count");
  const uint64_t n_kv = in.read<uint64_t>("metadata count");
  if (n_kv > in.remaining() / 13)  // key length (8) + type (4) + at least one byte of value
    throw FormatError(source + ": metadata count " + std::to_string(n_kv) + " is more than the file can hold");
  if (n_tensors > in.remaining() / 32)  // name length, n_dims, one dim, type, offset
    throw FormatError(source + ": tensor count " + std::to_string(n_tensors) + " is more than the file can hold");

  std::unordered_set<std::string> keys;
  file.metadata.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = read_string(in, "key of metadata entry " + std::to_string(i));
    if (!keys.insert(key).second) throw FormatError(source + ": duplicate metadata key '" + key + "'");
    GgufValue value = read_value(in, key);
    file.metadata.emplace_back(std::move(key), std::move(value));
  }
  file.index();

  if (const GgufValue* a = file.find("general.alignment")) {
    if (a->type != GgufType::UINT32)
      throw FormatError(source + ": key 'general.alignment' has type " + a->type_name() + ", expected UINT32");
    const uint32_t align = std::get<uint32_t>(a->scalar);
    if (align == 0 || (align & (align - 1)) != 0)
      throw FormatError(source + ": key 'general.alignment' is " + std::to_string(align) +
                        ", expected a power of two");
    file.alignment = align;
  }

  std::unordered_set<std::string> names;
  file.tensors.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    t.name = read_string(in, "name of tensor " + std::to_string(i));
    if (!names.insert(t.name).second) throw FormatError(source + ": duplicate tensor name '" + t.name + "'");
    const uint32_t n_dims = in.read<uint32_t>("dimension count of tensor '" + t.name + "'");
    if (n_dims == 0 || n_dims > kMaxDims)
      throw FormatError(source + ": tensor '" + t.name + "' has " + std::to_string(n_dims) +
                        " dimensions, expected 1 to 4");
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim = in.read<uint64_t>("dimension of tensor '" + t.name + "'");
      if (dim > (uint64_t{1} << 62) || !checked_mul(n_elements, dim, n_elements))
        throw FormatError(source + ": tensor '" + t.name + "' dimensions overflow 64 bits (dimension " +
                          std::to_string(d) + " = " + std::to_string(dim) + ")");
      t.dims.push_back(dim);
    }
    t.n_elements = n_elements;
    const uint32_t raw_type = in.read<uint32_t>("type of tensor '" + t.name + "'");
    const auto traits = ggml_type_traits(raw_type);
    if (!traits)
      throw FormatError(source + ": tensor '" + t.name + "' has " + ggml_type_name(raw_type) +
                        ", not a tensor type this reader knows");
    t.type = static_cast<GgmlType>(raw_type);
    if (t.dims[0] % traits->block_elems != 0)
      throw FormatError(source + ": tensor '" + t.name + "' of type " + traits->name + " has row length " +
                        std::to_string(t.dims[0]) + ", not a multiple of its block size " +
                        std::to_string(traits->block_elems));
    if (!checked_mul(n_elements / traits->block_elems, traits->block_bytes, t.n_bytes))
      throw FormatError(source + ": tensor '" + t.name + "' byte size overflows 64 bits");
    t.offset = in.read<uint64_t>("offset of tensor '" + t.name + "'");
    if (t.offset % file.alignment != 0)
      throw FormatError(source + ": tensor '" + t.name + "' offset " + std::to_string(t.offset) +
                        " is not a multiple of the alignment " + std::to_string(file.alignment));
    file.tensors.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment after the header.
  const uint64_t header_end = in.pos();
  const uint64_t data_offset = (header_end + file.alignment - 1) / file.alignment * file.alignment;
  if (data_offset > bytes.size() && !file.tensors.empty())
    throw FormatError(source + ": truncated: tensor data section would start at byte " + std::to_string(data_offset) +
                      ", file has " + std::to_string(bytes.size()));
  file.data_offset = data_offset;
  for (GgufTensorInfo& t : file.tensors) {
    uint64_t begin = 0, end = 0;
    if (__builtin_add_overflow(data_offset, t.offset, &begin) || __builtin_add_overflow(begin, t.n_bytes, &end) ||
        end > bytes.size())
      throw FormatError(source + ": tensor '" + t.name + "' (" + t.shape_string() + ", " +
                        ggml_traits(t.type).name + ", " + std::to_string(t.n_bytes) + " bytes at data offset " +
                        std::to_string(t.offset) + ") extends past the end of the file (" +
                        std::to_string(bytes.size()) + " bytes)");
    t.data = bytes.data() + begin;
  }
  file.index();
  return file;
}

}  // namespace edt
