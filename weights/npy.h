#pragma once
// NumPy .npy files (format 1.0/2.0, little-endian, C order): float32 and int32/int64 arrays in, float32 out. The
// reference logits and ids are stored this way, and `edt logits` writes it so users compare with numpy directly.
#include <cstdint>
#include <string>
#include <vector>

namespace edt {

struct NpyArray {
  std::string descr;            // "<f4", "<i4", "<i8"
  std::vector<uint64_t> shape;
  std::vector<float> f32;       // when descr is <f4
  std::vector<int64_t> ints;    // when descr is <i4 or <i8
};

NpyArray read_npy(const std::string& path);
void write_npy_f32(const std::string& path, const float* data, const std::vector<uint64_t>& shape);

}  // namespace edt
