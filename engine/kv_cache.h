#pragma once
// The attention cache of one session: keys and values of every layer for positions 0..n_ctx-1, stored as F32 or
// (half the memory and half the bytes read per token at depth) F16. Head-major: each KV head's rows over the
// positions are contiguous, so decoding streams them sequentially (a position-major cache would make attention jump
// kv_dim elements per position, across pages, where the hardware prefetcher cannot follow). Allocated once; not
// copyable, because a cache can be hundreds of megabytes.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edt {

enum class KvType { F32, F16 };
const char* kv_type_name(KvType type);

class KvCache {
 public:
  KvCache(size_t n_layer, size_t n_ctx, size_t n_head_kv, size_t head_dim, KvType type = KvType::F32);
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Writes position pos of layer l: k and v are kv_dim = n_head_kv · head_dim floats (heads in order), converted
  // to the cache's type.
  void store(size_t layer, size_t pos, const float* k, const float* v);
  // Reads them back as floats (kv_dim each): the references and the batched route.
  void load_k(size_t layer, size_t pos, float* out) const;
  void load_v(size_t layer, size_t pos, float* out) const;

  // One KV head of one layer: n_ctx rows of head_dim elements of type(), head_row_bytes() apart.
  const uint8_t* k_head(size_t layer, size_t kv_head) const { return k_.data() + head_offset(layer, kv_head); }
  const uint8_t* v_head(size_t layer, size_t kv_head) const { return v_.data() + head_offset(layer, kv_head); }

  KvType type() const { return type_; }
  size_t n_ctx() const { return n_ctx_; }
  size_t kv_dim() const { return n_head_kv_ * head_dim_; }
  size_t head_dim() const { return head_dim_; }
  size_t element_bytes() const { return type_ == KvType::F32 ? 4 : 2; }
  size_t head_row_bytes() const { return head_dim_ * element_bytes(); }
  size_t bytes() const { return k_.size() + v_.size(); }
  static size_t bytes_for(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type) {
    return 2 * n_layer * n_ctx * kv_dim * (type == KvType::F32 ? 4 : 2);
  }

 private:
  size_t head_offset(size_t layer, size_t kv_head) const {
    return ((layer * n_head_kv_ + kv_head) * n_ctx_) * head_row_bytes();
  }
  size_t n_ctx_, n_head_kv_, head_dim_;
  KvType type_;
  std::vector<uint8_t> k_;  // (layer, kv_head, ctx, head_dim) elements of type_
  std::vector<uint8_t> v_;  // (layer, kv_head, ctx, head_dim) elements of type_
};

}  // namespace edt
