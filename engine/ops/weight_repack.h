#pragma once
// Load-time repacking: a matrix whose type has a repacked layout at its level (kernel_table.h) is rearranged in
// place into that layout and rebound to its kernels. In place, because a layout takes exactly its stored bytes: the
// written pages of a private file mapping become the process's own memory and the file's pages leave it, so the
// resident size stays the file's, not file + copy.
#include "engine/ops/linear.h"

namespace edt {

// The layout w is repacked into at w.isa, or nullptr: w is as stored, its type repacks at that level, and its rows
// are whole groups of the layout.
const TypeKernels* repack_layout(const WeightMatrix& w);

// Rearranges w's rows in place into layout (repack_layout(w)) and rebinds w to its kernels. writable: w.data, made
// writable by the caller. get_row reads either layout, so a tied embedding may be repacked for its output product.
void repack_in_place(WeightMatrix& w, const TypeKernels& layout, uint8_t* writable);

}  // namespace edt
