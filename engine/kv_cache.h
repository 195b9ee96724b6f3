#pragma once
// The attention cache of one session: keys and values of every layer for positions 0..n_ctx-1. Allocated once;
// copying is explicit (copy_from) because a cache can be hundreds of megabytes.
#include <cstddef>
#include <vector>

namespace edt {

class KvCache {
 public:
  KvCache(size_t n_layer, size_t n_ctx, size_t kv_dim)
      : n_ctx_(n_ctx), kv_dim_(kv_dim), k_(n_layer * n_ctx * kv_dim), v_(n_layer * n_ctx * kv_dim) {}
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  // Row of position pos in layer l: kv_dim floats.
  float* k(size_t layer, size_t pos) { return k_.data() + (layer * n_ctx_ + pos) * kv_dim_; }
  float* v(size_t layer, size_t pos) { return v_.data() + (layer * n_ctx_ + pos) * kv_dim_; }
  const float* k(size_t layer, size_t pos) const { return k_.data() + (layer * n_ctx_ + pos) * kv_dim_; }
  const float* v(size_t layer, size_t pos) const { return v_.data() + (layer * n_ctx_ + pos) * kv_dim_; }

  size_t n_ctx() const { return n_ctx_; }
  size_t kv_dim() const { return kv_dim_; }
  size_t bytes() const { return (k_.size() + v_.size()) * sizeof(float); }
  void copy_from(const KvCache& other) {
    k_ = other.k_;
    v_ = other.v_;
  }

 private:
  size_t n_ctx_, kv_dim_;
  std::vector<float> k_;  // (layer, ctx, kv_dim)
  std::vector<float> v_;  // (layer, ctx, kv_dim)
};

}  // namespace edt
