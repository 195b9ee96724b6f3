#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {
namespace {

// Decodes the code point at s[i]; sets len to its byte length (1 for an invalid byte).
uint32_t decode_at(std::string_view s, size_t i, size_t& len) {
  const auto b = static_cast<unsigned char>(s[i]);
  int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + static_cast<size_t>(n) > s.size()) {
    len = 1;
    return b;
  }
  uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((c >> 6) != 0x2) {
      len = 1;
      return b;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  len = static_cast<size_t>(n);
  return cp;
}

}  // namespace

std::vector<size_t> code_point_offsets(std::string_view s) {
  std::vector<size_t> out;
  out.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size();) {
    out.push_back(i);
    size_t len;
    decode_at(s, i, len);
    i += len;
  }
  out.push_back(s.size());
  return out;
}

size_t code_point_count(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    size_t len;
    decode_at(s, i, len);
    i += len;
  }
  return n;
}

bool is_python_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

namespace {

template <typename Pred>
std::string strip_if(std::string_view s, bool left, bool right, Pred is_stripped) {
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      size_t len;
      const uint32_t cp = decode_at(s, begin, len);
      if (!is_stripped(cp)) break;
      begin += len;
    }
  }
  if (right) {
    const std::vector<size_t> offsets = code_point_offsets(s.substr(begin, end - begin));
    size_t k = offsets.size() - 1;
    while (k > 0) {
      size_t len;
      const uint32_t cp = decode_at(s, begin + offsets[k - 1], len);
      if (!is_stripped(cp)) break;
      --k;
    }
    end = begin + offsets[k];
  }
  return std::string(s.substr(begin, end - begin));
}

}  // namespace

std::string python_strip(std::string_view s, bool left, bool right) {
  return strip_if(s, left, right, is_python_space);
}

std::string python_strip_chars(std::string_view s, std::string_view chars, bool left, bool right) {
  std::vector<uint32_t> set;
  for (size_t i = 0; i < chars.size();) {
    size_t len;
    set.push_back(decode_at(chars, i, len));
    i += len;
  }
  return strip_if(s, left, right, [&](uint32_t cp) {
    for (uint32_t c : set)
      if (c == cp) return true;
    return false;
  });
}

std::vector<std::string> python_split_whitespace(std::string_view s, int64_t maxsplit) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t len;
    // skip whitespace
    while (i < s.size() && is_python_space(decode_at(s, i, len))) i += len;
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      out.emplace_back(s.substr(i));
      break;
    }
    const size_t start = i;
    while (i < s.size() && !is_python_space(decode_at(s, i, len))) i += len;
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> python_split(std::string_view s, std::string_view sep, int64_t maxsplit) {
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) break;
    out.emplace_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace edt::jinja
