#include "weights/npy.h"

#include <cstdio>
#include <cstring>

#include "weights/byte_cursor.h"
#include "weights/error.h"
#include "weights/mapped_file.h"

namespace edt {
namespace {

std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw FormatError(path + ": .npy header has no '" + key + "'");
  const auto colon = header.find(':', at);
  if (colon == std::string::npos) throw FormatError(path + ": malformed .npy header");
  return header.substr(colon + 1);
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  const MappedFile file(path);
  ByteCursor in(file.bytes(), path);
  auto magic = in.take(6, ".npy magic");
  if (std::memcmp(magic.data(), "\x93NUMPY", 6) != 0) throw FormatError(path + ": not a .npy file (bad magic)");
  const uint8_t major = in.read<uint8_t>(".npy version");
  in.read<uint8_t>(".npy minor version");
  const uint32_t header_len = major == 1 ? in.read<uint16_t>(".npy header length") : in.read<uint32_t>(".npy header length");
  auto hb = in.take(header_len, ".npy header");
  const std::string header(reinterpret_cast<const char*>(hb.data()), hb.size());

  NpyArray a;
  std::string descr = header_field(header, "descr", path);
  const auto q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
  a.descr = descr.substr(q1 + 1, q2 - q1 - 1);
  if (header_field(header, "fortran_order", path).find("True") < 3) throw FormatError(path + ": Fortran order is not supported");
  std::string shape = header_field(header, "shape", path);
  shape = shape.substr(shape.find('(') + 1, shape.find(')') - shape.find('(') - 1);
  uint64_t count = 1;
  for (size_t i = 0; i < shape.size();) {
    while (i < shape.size() && (shape[i] < '0' || shape[i] > '9')) ++i;
    if (i >= shape.size()) break;
    const uint64_t dim = std::strtoull(shape.c_str() + i, nullptr, 10);
    while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9') ++i;
    a.shape.push_back(dim);
    count *= dim;
  }
  if (a.descr == "<f4") {
    auto data = in.take(count * 4, ".npy float32 data");
    a.f32.resize(count);
    std::memcpy(a.f32.data(), data.data(), count * 4);
  } else if (a.descr == "<i4" || a.descr == "<i8") {
    const size_t w = a.descr == "<i4" ? 4 : 8;
    auto data = in.take(count * w, ".npy integer data");
    a.ints.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
      if (w == 4) {
        int32_t v;
        std::memcpy(&v, data.data() + i * 4, 4);
        a.ints[i] = v;
      } else {
        std::memcpy(&a.ints[i], data.data() + i * 8, 8);
      }
    }
  } else {
    throw FormatError(path + ": .npy dtype '" + a.descr + "' is not supported (expected <f4, <i4 or <i8)");
  }
  return a;
}

void write_npy_f32(const std::string& path, const float* data, const std::vector<uint64_t>& shape) {
  std::string dims;
  uint64_t count = 1;
  for (uint64_t d : shape) {
    dims += std::to_string(d) + ",";
    count *= d;
  }
  if (shape.size() > 1) dims.pop_back();
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');  // pad so the data starts 64-byte aligned
  header += '\n';
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw FormatError(path + ": cannot write: " + std::strerror(errno));
  const uint16_t len = static_cast<uint16_t>(header.size());
  bool ok = std::fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 && std::fwrite(&len, 2, 1, f) == 1 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 4, count, f) == count;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(path.c_str());
    throw FormatError(path + ": write failed");
  }
}

}  // namespace edt
