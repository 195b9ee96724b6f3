#include "weights/hf_chat_template.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "weights/error.h"

namespace edt {

std::optional<std::string> read_hf_chat_template(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path jinja = fs::path(dir) / "chat_template.jinja";
  if (fs::exists(jinja)) {
    std::ifstream in(jinja, std::ios::binary);
    if (!in) throw FormatError(jinja.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  const fs::path config = fs::path(dir) / "tokenizer_config.json";
  if (!fs::exists(config)) return std::nullopt;
  std::ifstream in(config, std::ios::binary);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(config.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("chat_template") || j["chat_template"].is_null()) return std::nullopt;
  const auto& t = j["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {
    const nlohmann::json* chosen = nullptr;
    for (const auto& entry : t) {
      if (!entry.is_object() || !entry.contains("template") || !entry["template"].is_string())
        throw FormatError(config.string() + ": key 'chat_template' holds a list whose items are not {name, template}");
      if (!chosen || (entry.contains("name") && entry["name"] == "default")) chosen = &entry;
    }
    if (chosen) return (*chosen)["template"].get<std::string>();
    return std::nullopt;
  }
  throw FormatError(config.string() + ": key 'chat_template' is not a string or a list of {name, template}");
}

}  // namespace edt
