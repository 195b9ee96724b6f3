#pragma once
// Finds blocks whose scale fields are NaN or Inf (a corrupt or hostile file): such a block turns every value it
// holds, and every logit it touches, into NaN. Reads only the scale fields, so it costs a few bytes per block.
#include <cstdint>

#include "weights/tensor_type.h"

namespace edt {

// Number of blocks in n_bytes of type data whose scales are not finite. For plain float types every element
// counts as a block. 0 for types without a known scale layout.
uint64_t count_nonfinite_blocks(GgmlType type, const uint8_t* data, uint64_t n_bytes);

}  // namespace edt
