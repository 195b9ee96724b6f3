#pragma once
// A read-only memory mapping of a whole file (RAII). Tensor data is used in place from the mapping: nothing is
// copied at load time, and the kernel pages weights in as they are first read.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace edt {

class MappedFile {
 public:
  // Throws FormatError naming the path when the file cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }
  size_t size() const { return size_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace edt
