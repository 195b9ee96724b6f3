#pragma once
// A private memory mapping of a whole file (RAII), read-only unless a range is made writable. Tensor data is used in
// place from the mapping: nothing is copied at load time, and the kernel pages weights in as they are first read.
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
  // The mapped bytes [p, p + n) made writable, for rearranging weights in place at load. The mapping is private:
  // the file never changes, and each page written becomes this process's own copy. Throws FormatError naming the
  // path when the pages cannot be made writable.
  uint8_t* writable(const uint8_t* p, size_t n);
  const std::string& path() const { return path_; }
  size_t size() const { return size_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace edt
