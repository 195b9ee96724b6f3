#pragma once
// Decode bodies every type can be given without its own SIMD code, ISA-neutral (they call the kernels they are
// instantiated with): the plain references, and "dequantize a chunk, then a SIMD float dot" for types whose
// integer kernel does not exist at a level.
#include <cstddef>
#include <cstdint>

#include "engine/kernels/kernel_table.h"

namespace edt::kernels {

// Elements dequantized per step: a multiple of every block size (32, 256), small enough for the stack.
inline constexpr size_t kChunk = 256;

using FloatDot = float (*)(const float* a, const float* b, size_t n);

inline double dot_double(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// The activations' dequantized values x̂ for [i0, i0 + len) (block-aligned), in the given format.
template <ActFormat kFormat>
inline void activation_values(const Activations& x, size_t i0, size_t len, float* out) {
  if constexpr (kFormat == ActFormat::F32) {
    for (size_t i = 0; i < len; ++i) out[i] = x.f32[i0 + i];
  } else if constexpr (kFormat == ActFormat::Q8_0) {
    for (size_t i = 0; i < len; ++i)
      out[i] = x.q8_0_scales[(i0 + i) / kQuantBlock] * static_cast<float>(x.q8_0[(i0 + i) / kQuantBlock].qs[(i0 + i) % kQuantBlock]);
  } else {
    for (size_t i = 0; i < len; ++i) {
      const BlockQ8_K& b = x.q8_k[(i0 + i) / kSuperBlock];
      out[i] = b.d * static_cast<float>(b.qs[(i0 + i) % kSuperBlock]);
    }
  }
}

// The reference decode: each row dequantized by the reference, times the activations in kFormat (their
// dequantized values), summed in double. For kFormat = F32 this is the exact product the tests measure against.
template <DequantizeRowKernel kDequant, ActFormat kFormat>
void reference_rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  alignas(64) float wf[kChunk], xf[kChunk];  // (kChunk) one chunk of the row and of x̂
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* row = w + r * row_bytes;
    double s = 0;
    for (size_t i0 = 0; i0 < n; i0 += kChunk) {
      const size_t len = n - i0 < kChunk ? n - i0 : kChunk;
      // Byte offset of element i0: rows are whole blocks, and a chunk start is a block boundary.
      kDequant(row + i0 * row_bytes / n, wf, len);
      activation_values<kFormat>(x, i0, len, xf);
      s += dot_double(wf, xf, len);
    }
    y[r] = static_cast<float>(s);
  }
}

// The reference decode of a repacked layout (rows in groups of kGroup): row r is lane r % kGroup of its group,
// dequantized by kLane chunk by chunk (a chunk's blocks from element i0 on are themselves a group of fewer columns,
// i0 · kGroup · row_bytes / n bytes in), times the activations in kFormat, summed in double.
template <DequantizeLaneKernel kLane, size_t kGroup, ActFormat kFormat>
void reference_lane_rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  alignas(64) float wf[kChunk], xf[kChunk];  // (kChunk) one chunk of the row and of x̂
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* group = w + r / kGroup * kGroup * row_bytes;
    double s = 0;
    for (size_t i0 = 0; i0 < n; i0 += kChunk) {
      const size_t len = n - i0 < kChunk ? n - i0 : kChunk;
      kLane(group + i0 * kGroup * row_bytes / n, row_bytes, r % kGroup, wf, len);
      activation_values<kFormat>(x, i0, len, xf);
      s += dot_double(wf, xf, len);
    }
    y[r] = static_cast<float>(s);
  }
}

// A SIMD level without an integer kernel for the type: chunks dequantized by kDequant, dotted with the float
// activations by kDot. Float rounding only (f32 sums over chunks).
template <DequantizeRowKernel kDequant, FloatDot kDot>
void dequantize_dot_rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  alignas(64) float wf[kChunk];  // (kChunk) one dequantized chunk of the row
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* row = w + r * row_bytes;
    float s = 0;
    for (size_t i0 = 0; i0 < n; i0 += kChunk) {
      const size_t len = n - i0 < kChunk ? n - i0 : kChunk;
      kDequant(row + i0 * row_bytes / n, wf, len);
      s += kDot(wf, x.f32 + i0, len);
    }
    y[r] = s;
  }
}

// Typed block function -> the table's untyped dequantizer.
template <typename Block, void (*kFn)(const Block*, float*, size_t)>
void dequantize_as(const void* src, float* dst, size_t n) {
  kFn(static_cast<const Block*>(src), dst, n);
}

// The plain float dots of the float types' files, for the fallback above.
float dot_f32_avx2(const float* a, const float* b, size_t n);
float dot_f32_avx512(const float* a, const float* b, size_t n);

}  // namespace edt::kernels
