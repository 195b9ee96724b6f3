#pragma once
// The float x16 layouts (F32x16, F16x16, BF16x16): float rows interleaved sixteen at a time, element-major, what
// F32, F16 and BF16 matrices are repacked into at load from AVX-512 up. As stored, a kernel reads one row per stream
// and must sum each row's lanes at the end; here one load holds element i of sixteen rows, so one (conversion and)
// multiply-add by the broadcast x[i] serves sixteen rows, their sums stay in the vector lanes, and a group streams
// as one sequence. The prompt kernels get a GEMM micro-tile (rows in lanes, tokens broadcast) without a packing pass.
//
// Layout of a group of 16 rows of n elements of type Elem: elements 16i .. 16i + 15 hold element i of rows 0 .. 15.
// A group takes exactly the bytes of its 16 stored rows (16 · n · sizeof(Elem)), so the repack happens in place, and
// elements [i0, n) of a group are themselves a group of n − i0 columns at element 16 · i0.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace edt::kernels {

template <class Elem, float (*kToFloat)(Elem)>
struct FloatX16Layout {
  static constexpr size_t kRows = 16;
  static constexpr size_t kSize = sizeof(Elem);

  // Lane `lane` of the group -> floats, through the stored type's own conversion (so bit for bit its values).
  static void dequantize_lane(const uint8_t* group, size_t, size_t lane, float* dst, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      Elem e;
      std::memcpy(&e, group + kSize * (kRows * i + lane), kSize);
      dst[i] = kToFloat(e);
    }
  }

  // 16 stored rows (row_bytes = n · kSize apart) -> one group, in place.
  static void repack(uint8_t* group, size_t row_bytes, size_t n) {
    // Every stored row is read after the first elements are written over them: a copy of the group, per thread,
    // grown to the widest group and reused (load time, not the hot path).
    thread_local std::vector<uint8_t> rows;  // (16 · row_bytes) the group as stored
    rows.assign(group, group + kRows * row_bytes);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < kRows; ++j)
        std::memcpy(group + kSize * (kRows * i + j), rows.data() + j * row_bytes + kSize * i, kSize);
  }
};

}  // namespace edt::kernels
