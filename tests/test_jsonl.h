#pragma once
// Reading the JSON-lines goldens (one JSON value a line) that the tokenizer tests compare against.
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace edt::test {

inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace edt::test
