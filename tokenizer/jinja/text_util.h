#pragma once
// UTF-8 helpers for the places Python counts code points, not bytes: len(), indexing and slicing strings,
// iterating them, and str.strip()/split(), which treat every Unicode whitespace character as whitespace.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edt::jinja {

// Byte offsets where each code point starts, plus the string's size at the end (so there are count + 1).
// Invalid bytes count as one code point each.
std::vector<size_t> code_point_offsets(std::string_view s);
size_t code_point_count(std::string_view s);
// Python's str.isspace() for one code point.
bool is_python_space(uint32_t cp);
// Python's str.strip() / lstrip() / rstrip() without arguments (Unicode whitespace), or with a set of characters.
std::string python_strip(std::string_view s, bool left, bool right);
std::string python_strip_chars(std::string_view s, std::string_view chars, bool left, bool right);
// Python's str.split() without a separator: runs of whitespace, no empty items; maxsplit < 0 for no limit.
std::vector<std::string> python_split_whitespace(std::string_view s, int64_t maxsplit);
std::vector<std::string> python_split(std::string_view s, std::string_view sep, int64_t maxsplit);
std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);

}  // namespace edt::jinja
