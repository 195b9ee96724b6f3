#pragma once
// A GGUF file with every quantized tensor expanded to F32 by the reference dequantizers (metadata copied). It is the
// exact (slow) way to run any readable file on the F32 path: the tests compare its logits with float64 references
// over the same dequantized weights, and `edt perplexity --dequantize` measures a file's quality before the fast
// kernels for its types exist.
#include <string>

#include "weights/gguf.h"
#include "weights/gguf_writer.h"

namespace edt {

// The result's producers read file's tensor data, which must outlive the writer. Throws FormatError naming the
// tensor and its type when a tensor has a type we cannot read (IQ1-IQ3, TQ, MXFP4, ...).
GgufWriter dequantize_gguf_to_f32(const GgufFile& file);

}  // namespace edt
