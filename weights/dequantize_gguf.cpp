#include "weights/dequantize_gguf.h"

#include <cstring>
#include <vector>

#include "weights/error.h"
#include "weights/quant/quant_types.h"

namespace edt {

GgufWriter dequantize_gguf_to_f32(const GgufFile& file) {
  GgufWriter w;
  for (const auto& [key, value] : file.metadata) w.set(key, value);
  w.set_u32("general.file_type", 0);  // all F32 now
  for (const GgufTensorInfo& t : file.tensors) {
    if (!ggml_type_readable(t.type))
      throw FormatError(file.source + ": tensor '" + t.name + "' has type " + ggml_type_name(static_cast<uint32_t>(t.type)) +
                        ", which edt cannot read");
    const GgufTensorInfo* info = &t;
    w.add_tensor(t.name, GgmlType::F32, t.dims, [info](uint8_t* dst) {
      const uint64_t row = info->dims.empty() ? 1 : info->dims[0];
      const uint64_t row_bytes = info->rows() ? info->n_bytes / info->rows() : 0;
      std::vector<float> values(row);  // (row) one dequantized row; dst need not be float-aligned
      for (uint64_t r = 0; r < info->rows(); ++r) {
        dequantize_row(info->type, info->data + r * row_bytes, values.data(), row);
        std::memcpy(dst + r * row * sizeof(float), values.data(), row * sizeof(float));
      }
    });
  }
  return w;
}

}  // namespace edt
