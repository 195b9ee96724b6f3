#pragma once
// The small per-row operations of the LLaMA graph. They know nothing of the model; each works on one row.
#include <cstddef>

#include "cpu/isa.h"

namespace edt {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]; out may alias x.
void rmsnorm(float* out, const float* x, const float* weight, size_t n, float eps);

// RoPE on one head of GGUF's interleaved layout: pairs (x[2i], x[2i+1]) rotated by angle pos * inv_freq[i], given
// as cos/sin tables of head_dim/2 entries for this position.
void rope_apply(float* head, const float* cos_table, const float* sin_table, size_t head_dim);

// The same rotation on HF's rotate-half (NEOX) layout: pairs (x[i], x[i + head_dim/2]). Qwen2, Phi-3 and Gemma
// GGUFs keep this layout (their converters do not permute q/k).
void rope_apply_neox(float* head, const float* cos_table, const float* sin_table, size_t head_dim);

// In place softmax over n values; the sum is 1 afterwards. Its max and exp loops are cpu/vector_math.h's.
void softmax(float* x, size_t n, Isa isa);
void softmax_ref(float* x, size_t n);
void softmax_avx2(float* x, size_t n);
void softmax_avx512(float* x, size_t n);

// gate[i] = silu(gate[i]) * up[i].
void swiglu(float* gate, const float* up, size_t n, Isa isa);
void swiglu_ref(float* gate, const float* up, size_t n);
void swiglu_avx2(float* gate, const float* up, size_t n);
void swiglu_avx512(float* gate, const float* up, size_t n);

// gate[i] = gelu_tanh(gate[i]) * up[i], GELU's tanh approximation (PyTorch's gelu(approximate="tanh")):
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Gemma's GeGLU.
void geglu_tanh(float* gate, const float* up, size_t n);

// x[i] = cap * tanh(x[i] / cap): Gemma-2's softcapping of attention scores and of the final logits.
void softcap(float* x, size_t n, float cap);

// y[i] += x[i]
void add_in_place(float* y, const float* x, size_t n);

}  // namespace edt
