#include "engine/ops/weight_repack.h"

namespace edt {

const TypeKernels* repack_layout(const WeightMatrix& w) {
  if (w.row_group != 1) return nullptr;  // already repacked
  const TypeKernels* stored = type_kernels(w.type);
  const TypeKernels* layout = stored ? repacked_kernels(*stored, w.isa) : nullptr;
  return layout != nullptr && w.rows > 0 && w.rows % layout->row_group == 0 ? layout : nullptr;
}

void repack_in_place(WeightMatrix& w, const TypeKernels& layout, uint8_t* writable) {
  const size_t group_bytes = layout.row_group * w.row_bytes;
  const auto groups = static_cast<long>(w.rows / layout.row_group);
  // Groups are independent; the copy-on-write page faults are most of the time, so every core takes some.
#pragma omp parallel for schedule(static)
  for (long g = 0; g < groups; ++g) layout.repack(writable + static_cast<size_t>(g) * group_bytes, w.row_bytes, w.cols);
  w = bind_repacked_matrix(layout, writable, w.rows, w.cols, w.isa);
}

}  // namespace edt
