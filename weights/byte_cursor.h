#pragma once
// A bounds-checked little-endian reader over a byte span. Every read checks the remaining length first and throws
// FormatError naming the source, what was being read and the offset, so a truncated or corrupt file is an error
// message, never an out-of-bounds read.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "weights/error.h"

namespace edt {

class ByteCursor {
 public:
  ByteCursor(std::span<const uint8_t> bytes, std::string source) : bytes_(bytes), source_(std::move(source)) {}

  template <typename T>
  T read(std::string_view what) {
    static_assert(std::is_trivially_copyable_v<T>);
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  // n bytes in place (no copy).
  std::span<const uint8_t> take(uint64_t n, std::string_view what) {
    require(n, what);
    auto out = bytes_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }

  void require(uint64_t n, std::string_view what) const {
    if (n > remaining())
      throw FormatError(source_ + ": truncated: " + std::string(what) + " at byte " + std::to_string(pos_) + " needs " +
                        std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
  }

  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  void seek(size_t pos) { pos_ = pos; }
  const std::string& source() const { return source_; }

 private:
  std::span<const uint8_t> bytes_;
  std::string source_;
  size_t pos_ = 0;
};

}  // namespace edt
