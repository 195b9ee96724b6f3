#include "engine/kv_cache.h"

#include <cstring>

#include "weights/half.h"

namespace edt {
namespace {

void store_row(KvType type, const float* src, uint8_t* dst, size_t n) {
  if (type == KvType::F32) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  auto* h = reinterpret_cast<uint16_t*>(dst);
  for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
}

void load_row(KvType type, const uint8_t* src, float* dst, size_t n) {
  if (type == KvType::F32) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  const auto* h = reinterpret_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}

}  // namespace

const char* kv_type_name(KvType type) { return type == KvType::F32 ? "f32" : "f16"; }

KvCache::KvCache(size_t n_layer, size_t n_ctx, size_t n_head_kv, size_t head_dim, KvType type)
    : n_ctx_(n_ctx),
      n_head_kv_(n_head_kv),
      head_dim_(head_dim),
      type_(type),
      k_(bytes_for(n_layer, n_ctx, n_head_kv * head_dim, type) / 2),
      v_(bytes_for(n_layer, n_ctx, n_head_kv * head_dim, type) / 2) {}

void KvCache::store(size_t layer, size_t pos, const float* k, const float* v) {
  for (size_t h = 0; h < n_head_kv_; ++h) {
    const size_t off = head_offset(layer, h) + pos * head_row_bytes();
    store_row(type_, k + h * head_dim_, k_.data() + off, head_dim_);
    store_row(type_, v + h * head_dim_, v_.data() + off, head_dim_);
  }
}

void KvCache::load_k(size_t layer, size_t pos, float* out) const {
  for (size_t h = 0; h < n_head_kv_; ++h)
    load_row(type_, k_head(layer, h) + pos * head_row_bytes(), out + h * head_dim_, head_dim_);
}

void KvCache::load_v(size_t layer, size_t pos, float* out) const {
  for (size_t h = 0; h < n_head_kv_; ++h)
    load_row(type_, v_head(layer, h) + pos * head_row_bytes(), out + h * head_dim_, head_dim_);
}

}  // namespace edt
