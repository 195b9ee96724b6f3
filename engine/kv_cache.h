#pragma once
// The attention cache of one session: keys and values of every layer for positions 0..n_ctx-1, stored as F32 or
// (half the memory and half the bytes read per token at depth) F16. Allocated once; not copyable, because a
// cache can be hundreds of megabytes.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edt {

enum class KvType { F32, F16 };
const char* kv_type_name(KvType type);

class KvCache {
 public:
  KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type = KvType::F32);
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Writes position pos of layer l: k and v are kv_dim floats, converted to the cache's type.
  void store(size_t layer, size_t pos, const float* k, const float* v);
  // Reads them back as floats (kv_dim each): the references and the batched route.
  void load_k(size_t layer, size_t pos, float* out) const;
  void load_v(size_t layer, size_t pos, float* out) const;

  // Raw rows: kv_dim elements of type(), rows of one layer contiguous (row_bytes() apart).
  const uint8_t* k_row(size_t layer, size_t pos) const { return k_.data() + (layer * n_ctx_ + pos) * row_bytes(); }
  const uint8_t* v_row(size_t layer, size_t pos) const { return v_.data() + (layer * n_ctx_ + pos) * row_bytes(); }

  KvType type() const { return type_; }
  size_t n_ctx() const { return n_ctx_; }
  size_t kv_dim() const { return kv_dim_; }
  size_t row_bytes() const { return kv_dim_ * (type_ == KvType::F32 ? 4 : 2); }
  size_t bytes() const { return k_.size() + v_.size(); }
  static size_t bytes_for(size_t n_layer, size_t n_ctx, size_t kv_dim, KvType type) {
    return 2 * n_layer * n_ctx * kv_dim * (type == KvType::F32 ? 4 : 2);
  }

 private:
  size_t n_ctx_, kv_dim_;
  KvType type_;
  std::vector<uint8_t> k_;  // (layer, ctx, kv_dim) elements of type_
  std::vector<uint8_t> v_;  // (layer, ctx, kv_dim) elements of type_
};

}  // namespace edt
