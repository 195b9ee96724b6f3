#include "tokenizer/vocab_data.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "tokenizer/pretokenizers.h"
#include "tokenizer/sentencepiece_model.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/mapped_file.h"

namespace edt {
namespace {

using nlohmann::json;

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(path + ": not a JSON object");
  return j;
}

// One step of a tokenizer.json pre-tokenizer as the regexes it splits with (Split, Digits, ByteLevel); appends
// nothing for a ByteLevel without its regex (it only maps bytes, which the BPE does anyway).
void pre_tokenizer_regexes(const json& p, std::vector<std::string>& out, const std::string& source) {
  const std::string type = p.is_object() ? p.value("type", "") : "";
  if (type == "ByteLevel") {
    if (p.value("add_prefix_space", false))
      throw FormatError(source + ": pre-tokenizer ByteLevel with add_prefix_space = true is not supported");
    if (p.value("use_regex", true)) out.push_back(gpt2_regex());
  } else if (type == "Split" && p.contains("pattern") && p["pattern"].is_object() && p["pattern"].contains("Regex") &&
             p["pattern"]["Regex"].is_string() && p.value("behavior", "") == "Isolated" && !p.value("invert", false)) {
    out.push_back(p["pattern"]["Regex"].get<std::string>());
  } else if (type == "Digits") {
    out.push_back(digits_regex(p.value("individual_digits", false)));
  } else {
    throw FormatError(source + ": pre-tokenizer step " + p.dump().substr(0, 200) +
                      " is not one this engine knows (known: Split Isolated by a regex, Digits, ByteLevel)");
  }
}

// Names the pre-tokenizer of a byte-level BPE tokenizer.json the way llama.cpp's GGUF files do: its steps become a
// list of regexes, which must be one row of the pre-tokenizer table.
std::string detect_pre_tokenizer(const json& pre, const std::string& source) {
  std::vector<std::string> regexes;
  if (pre.is_object() && pre.value("type", "") == "Sequence" && pre.contains("pretokenizers") &&
      pre["pretokenizers"].is_array()) {
    for (const json& p : pre["pretokenizers"]) pre_tokenizer_regexes(p, regexes, source);
  } else if (pre.is_object()) {
    pre_tokenizer_regexes(pre, regexes, source);
  } else {
    throw FormatError(source + ": pre_tokenizer " + pre.dump().substr(0, 200) +
                      " is not a byte-level BPE pre-tokenizer this engine knows");
  }
  if (const PreTokenizerSpec* spec = find_pretokenizer_by_regexes(regexes)) return spec->name;
  std::string list;
  for (const std::string& r : regexes) list += (list.empty() ? "'" : ", '") + r + "'";
  throw FormatError(source + ": pre-tokenizer splitting by " + (list.empty() ? std::string("nothing") : list) +
                    " is not one this engine knows (supported: " + known_pretokenizers() + ")");
}

// tokenizer.json's normalizer: none, or NFC (alone or inside a Sequence).
bool detect_nfc(const json& normalizer, const std::string& source) {
  if (normalizer.is_null()) return false;
  if (normalizer.is_object() && normalizer.value("type", "") == "NFC") return true;
  if (normalizer.is_object() && normalizer.value("type", "") == "Sequence" && normalizer.contains("normalizers") &&
      normalizer["normalizers"].is_array()) {
    bool nfc = false;
    for (const json& n : normalizer["normalizers"]) nfc = detect_nfc(n, source) || nfc;
    return nfc;
  }
  throw FormatError(source + ": normalizer " + normalizer.dump().substr(0, 200) + " is not supported (known: none, NFC)");
}

int32_t token_id_of(const json& config_entry, const std::unordered_map<std::string, int32_t>& ids) {
  std::string content;
  if (config_entry.is_string()) content = config_entry.get<std::string>();
  else if (config_entry.is_object() && config_entry.contains("content")) content = config_entry["content"].get<std::string>();
  auto it = ids.find(content);
  return it == ids.end() ? -1 : it->second;
}

}  // namespace

void VocabData::validate(const std::string& source) const {
  const size_t n = tokens.size();
  if (n == 0) throw FormatError(source + ": tokenizer vocabulary is empty");
  if (token_types.size() != n)
    throw FormatError(source + ": tokenizer.ggml.token_type has " + std::to_string(token_types.size()) +
                      " entries, expected one per token (" + std::to_string(n) + ")");
  if (!scores.empty() && scores.size() != n)
    throw FormatError(source + ": tokenizer.ggml.scores has " + std::to_string(scores.size()) +
                      " entries, expected one per token (" + std::to_string(n) + ")");
  const std::pair<const char*, int32_t> specials[] = {
      {"bos", bos_id}, {"eos", eos_id}, {"unknown", unk_id}, {"padding", pad_id}};
  for (const auto& [name, id] : specials)
    if (id >= static_cast<int64_t>(n))
      throw FormatError(source + ": " + name + " token id " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(n));
  for (size_t i = 0; i < n; ++i)
    if (token_types[i] < 1 || token_types[i] > 6)
      throw FormatError(source + ": token " + std::to_string(i) + " has type " + std::to_string(token_types[i]) +
                        ", expected 1..6");
}

void VocabData::write_to(GgufWriter& w) const {
  w.set_string("tokenizer.ggml.model", model);
  if (!pre.empty()) w.set_string("tokenizer.ggml.pre", pre);
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  if (!scores.empty()) w.set_f32_array("tokenizer.ggml.scores", scores);
  w.set_i32_array("tokenizer.ggml.token_type", token_types);
  if (!merges.empty()) w.set_string_array("tokenizer.ggml.merges", merges);
  if (bos_id >= 0) w.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos_id));
  if (eos_id >= 0) w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eos_id));
  if (unk_id >= 0) w.set_u32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(unk_id));
  if (pad_id >= 0) w.set_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(pad_id));
  w.set_bool("tokenizer.ggml.add_bos_token", add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", add_eos);
  if (add_space_prefix) w.set_bool("tokenizer.ggml.add_space_prefix", *add_space_prefix);
  // Not llama.cpp keys (it ignores them): what tokenizer.json / tokenizer.model say, so that the GGUF tokenizes
  // exactly as the source does.
  if (remove_extra_whitespaces) w.set_bool("tokenizer.ggml.remove_extra_whitespaces", *remove_extra_whitespaces);
  if (ignore_merges) w.set_bool("tokenizer.ggml.ignore_merges", *ignore_merges);
  if (nfc) w.set_bool("tokenizer.ggml.nfc", *nfc);
}

VocabData VocabData::read_from(const GgufFile& f) {
  VocabData v;
  if (!f.find("tokenizer.ggml.model"))
    throw FormatError(f.source + ": no tokenizer in the file (key 'tokenizer.ggml.model' is missing)");
  v.model = f.require_string("tokenizer.ggml.model");
  v.pre = f.get_string("tokenizer.ggml.pre").value_or("");
  v.tokens = f.require_string_array("tokenizer.ggml.tokens");
  if (f.find("tokenizer.ggml.scores")) v.scores = f.require_float_array("tokenizer.ggml.scores");
  if (f.find("tokenizer.ggml.token_type")) v.token_types = f.require_int_array("tokenizer.ggml.token_type");
  else v.token_types.assign(v.tokens.size(), static_cast<int32_t>(TokenType::Normal));
  if (f.find("tokenizer.ggml.merges")) v.merges = f.require_string_array("tokenizer.ggml.merges");
  auto id = [&](const char* key) -> int32_t {
    const GgufValue* val = f.find(key);
    if (!val) return -1;
    const int64_t x = f.require_int(key);
    if (x == 0xFFFFFFFFLL) return -1;  // llama.cpp writes UINT32 -1 for "no such token"
    if (x < -1 || x > INT32_MAX) throw FormatError(f.source + ": key '" + key + "' is " + std::to_string(x) + ", out of range");
    return static_cast<int32_t>(x);
  };
  v.bos_id = id("tokenizer.ggml.bos_token_id");
  v.eos_id = id("tokenizer.ggml.eos_token_id");
  v.unk_id = id("tokenizer.ggml.unknown_token_id");
  v.pad_id = id("tokenizer.ggml.padding_token_id");
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(v.model == "llama");
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix");
  v.remove_extra_whitespaces = f.get_bool("tokenizer.ggml.remove_extra_whitespaces");
  v.ignore_merges = f.get_bool("tokenizer.ggml.ignore_merges");
  v.nfc = f.get_bool("tokenizer.ggml.nfc");
  v.validate(f.source);
  return v;
}

namespace {

// What both byte-level BPE sources (tokenizer.json; vocab.json + merges.txt) give before the common assembly.
struct BpeSource {
  std::unordered_map<std::string, int32_t> ids;  // piece -> id, added tokens included
  std::unordered_map<int32_t, bool> added_special;  // added token id -> special
  std::vector<std::string> merges;                // "a b" in rank order
  int64_t max_id = -1;
  bool template_adds_bos = false;                 // tokenizer.json's post-processor puts a token first
  std::string template_bos;                       // that token
};

void add_piece(BpeSource& b, const std::string& piece, const json& id, const std::string& source) {
  if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= (1 << 24))
    throw FormatError(source + ": vocab entry '" + piece + "' has id " + id.dump() + ", expected 0..16777215");
  b.ids[piece] = id.get<int32_t>();
  b.max_id = std::max<int64_t>(b.max_id, id.get<int64_t>());
}

void add_added_token(BpeSource& b, const std::string& content, int64_t id, bool special, const std::string& source) {
  if (id < 0 || id >= (1 << 24)) throw FormatError(source + ": added token id " + std::to_string(id) + " out of range");
  b.ids[content] = static_cast<int32_t>(id);
  b.added_special[static_cast<int32_t>(id)] = special;
  b.max_id = std::max(b.max_id, id);
}

// Dense token list, special ids and BOS policy (tokenizer_config.json first, then the post-processor template).
VocabData assemble_bpe(BpeSource& b, VocabData v, const std::string& tokenizer_config_path, const std::string& source) {
  const size_t n = static_cast<size_t>(b.max_id + 1);
  v.model = "gpt2";
  v.tokens.assign(n, "");
  v.token_types.assign(n, static_cast<int32_t>(TokenType::Unused));
  std::vector<bool> filled(n, false);
  for (const auto& [piece, id] : b.ids) {
    v.tokens[static_cast<size_t>(id)] = piece;
    filled[static_cast<size_t>(id)] = true;
    auto it = b.added_special.find(id);
    v.token_types[static_cast<size_t>(id)] = static_cast<int32_t>(
        it == b.added_special.end() ? TokenType::Normal : (it->second ? TokenType::Control : TokenType::UserDefined));
  }
  for (size_t i = 0; i < n; ++i)
    if (!filled[i]) v.tokens[i] = "[PAD" + std::to_string(i) + "]";  // llama.cpp's filler for holes in the ids
  v.merges = std::move(b.merges);

  json config = json::object();
  if (!tokenizer_config_path.empty() && std::filesystem::exists(tokenizer_config_path))
    config = read_json_file(tokenizer_config_path);
  if (config.contains("bos_token")) v.bos_id = token_id_of(config["bos_token"], b.ids);
  if (config.contains("eos_token")) v.eos_id = token_id_of(config["eos_token"], b.ids);
  if (config.contains("pad_token") && !config["pad_token"].is_null()) v.pad_id = token_id_of(config["pad_token"], b.ids);
  if (b.template_adds_bos && v.bos_id < 0) v.bos_id = token_id_of(json(b.template_bos), b.ids);
  v.add_bos = config.contains("add_bos_token") && config["add_bos_token"].is_boolean()
                  ? config["add_bos_token"].get<bool>()
                  : b.template_adds_bos;
  v.add_eos = config.value("add_eos_token", false);
  v.validate(source);
  return v;
}

}  // namespace

namespace {

VocabData tokenizer_json_unchecked(const std::string& path, const std::string& tokenizer_config_path) {
  const json j = read_json_file(path);
  if (!j.contains("model") || !j["model"].is_object() || j["model"].value("type", "") != "BPE")
    throw FormatError(path + ": model.type is not \"BPE\"; only byte-level BPE tokenizer.json files are supported");
  const json& model = j["model"];
  if (model.value("byte_fallback", false))
    throw FormatError(path + ": a byte_fallback BPE tokenizer.json (SentencePiece-style) needs its tokenizer.model");
  if (!model.contains("vocab") || !model["vocab"].is_object()) throw FormatError(path + ": model.vocab is missing");
  VocabData v;
  v.ignore_merges = model.value("ignore_merges", false);
  v.pre = detect_pre_tokenizer(j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(), path);
  v.nfc = detect_nfc(j.contains("normalizer") ? j["normalizer"] : json(), path);

  BpeSource b;
  for (const auto& [piece, id] : model["vocab"].items()) add_piece(b, piece, id, path);
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const json& t : j["added_tokens"]) {
      if (!t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") || !t["content"].is_string())
        throw FormatError(path + ": added_tokens entry needs an integer id and a string content");
      add_added_token(b, t["content"].get<std::string>(), t["id"].get<int64_t>(), t.value("special", false), path);
    }
  }
  // Merges come in two spellings: "a b" (older files, Qwen2's) and ["a", "b"] (newer files, Llama-3's).
  if (model.contains("merges") && model["merges"].is_array()) {
    b.merges.reserve(model["merges"].size());
    for (const json& m : model["merges"]) {
      if (m.is_string()) b.merges.push_back(m.get<std::string>());
      else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
        b.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
      else throw FormatError(path + ": merge " + m.dump().substr(0, 80) + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
  if (j.contains("post_processor") && j["post_processor"].is_object() &&
      j["post_processor"].value("type", "") == "TemplateProcessing" && j["post_processor"].contains("single")) {
    const json& single = j["post_processor"]["single"];
    if (single.is_array() && !single.empty() && single[0].contains("SpecialToken") &&
        single[0]["SpecialToken"].contains("id") && single[0]["SpecialToken"]["id"].is_string()) {
      b.template_adds_bos = true;
      b.template_bos = single[0]["SpecialToken"]["id"].get<std::string>();
    }
  }
  return assemble_bpe(b, std::move(v), tokenizer_config_path, path);
}

VocabData vocab_and_merges_unchecked(const std::string& vocab_json_path, const std::string& merges_path,
                                     const std::string& tokenizer_config_path) {
  const json vocab = read_json_file(vocab_json_path);
  json config = json::object();
  if (!tokenizer_config_path.empty() && std::filesystem::exists(tokenizer_config_path))
    config = read_json_file(tokenizer_config_path);
  // Without tokenizer.json the pre-tokenizer and normalizer are the tokenizer class's (transformers' slow
  // tokenizers hard-code them).
  const std::string cls = config.value("tokenizer_class", "");
  VocabData v;
  v.ignore_merges = false;
  if (cls == "Qwen2Tokenizer" || cls == "Qwen2TokenizerFast") {
    v.pre = "qwen2";
    v.nfc = true;
  } else if (cls == "GPT2Tokenizer" || cls == "GPT2TokenizerFast") {
    v.pre = "gpt-2";
    v.nfc = false;
  } else {
    throw FormatError(tokenizer_config_path + ": tokenizer_class '" + cls +
                      "' with vocab.json + merges.txt is not supported (known: Qwen2Tokenizer, GPT2Tokenizer)");
  }
  BpeSource b;
  for (const auto& [piece, id] : vocab.items()) add_piece(b, piece, id, vocab_json_path);
  if (config.contains("added_tokens_decoder") && config["added_tokens_decoder"].is_object()) {
    for (const auto& [key, t] : config["added_tokens_decoder"].items()) {
      if (!t.is_object() || !t.contains("content") || !t["content"].is_string())
        throw FormatError(tokenizer_config_path + ": added_tokens_decoder entry '" + key + "' needs a string content");
      int64_t id = -1;
      try {
        size_t used = 0;
        id = std::stoll(key, &used);
        if (used != key.size()) id = -1;
      } catch (const std::exception&) {
        id = -1;
      }
      if (id < 0) throw FormatError(tokenizer_config_path + ": added_tokens_decoder key '" + key + "' is not an id");
      add_added_token(b, t["content"].get<std::string>(), id, t.value("special", false), tokenizer_config_path);
    }
  }
  const std::filesystem::path added = std::filesystem::path(vocab_json_path).parent_path() / "added_tokens.json";
  if (std::filesystem::exists(added)) {
    const json added_tokens = read_json_file(added.string());
    for (const auto& [content, id] : added_tokens.items()) {
      if (b.ids.count(content)) continue;  // described by added_tokens_decoder already
      if (!id.is_number_integer()) throw FormatError(added.string() + ": token '" + content + "' has no integer id");
      add_added_token(b, content, id.get<int64_t>(), false, added.string());
    }
  }
  std::ifstream in(merges_path, std::ios::binary);
  if (!in) throw FormatError(merges_path + ": cannot open");
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // files saved on Windows
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    if (line.find(' ', 1) == std::string::npos)
      throw FormatError(merges_path + ": line " + std::to_string(line_no) + " is not a merge \"a b\"");
    b.merges.push_back(line);
  }
  return assemble_bpe(b, std::move(v), tokenizer_config_path, vocab_json_path);
}

}  // namespace

// A JSON value of the wrong type deep inside (e.g. "special": 1) surfaces as nlohmann's exception: one FormatError.
VocabData vocab_from_tokenizer_json(const std::string& path, const std::string& tokenizer_config_path) {
  try {
    return tokenizer_json_unchecked(path, tokenizer_config_path);
  } catch (const json::exception& e) {
    throw FormatError(path + ": unexpected JSON: " + e.what());
  }
}

VocabData vocab_from_vocab_and_merges(const std::string& vocab_json_path, const std::string& merges_path,
                                      const std::string& tokenizer_config_path) {
  try {
    return vocab_and_merges_unchecked(vocab_json_path, merges_path, tokenizer_config_path);
  } catch (const json::exception& e) {
    throw FormatError(vocab_json_path + ": unexpected JSON: " + e.what());
  }
}

VocabData vocab_from_sentencepiece(const std::string& path) {
  MappedFile file(path);
  const SentencePieceModel sp = parse_sentencepiece_model(file.bytes(), path);
  if (sp.model_type != 2)
    throw FormatError(path + ": SentencePiece model type " + std::to_string(sp.model_type) +
                      " is not supported, expected BPE (2)");
  VocabData v;
  v.model = "llama";
  for (const auto& p : sp.pieces) {
    v.tokens.push_back(p.text);
    v.scores.push_back(p.score);
    v.token_types.push_back(p.type);
  }
  v.unk_id = sp.unk_id;
  v.bos_id = sp.bos_id;
  v.eos_id = sp.eos_id;
  v.pad_id = sp.pad_id;
  v.add_bos = true;
  v.add_eos = false;
  v.add_space_prefix = sp.add_dummy_prefix;
  v.remove_extra_whitespaces = sp.remove_extra_whitespaces;
  v.validate(path);
  return v;
}

VocabData vocab_from_llama2c(const std::vector<std::string>& pieces, const std::vector<float>& scores) {
  VocabData v;
  v.model = "llama";
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_bos = true;
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::string text = pieces[i];
    TokenType type = TokenType::Normal;
    unsigned byte = 0;
    char tail = 0;
    if (i == 0) {
      text = "<unk>";
      type = TokenType::Unknown;
    } else if (i == 1) {
      text = "<s>";
      type = TokenType::Control;
    } else if (i == 2) {
      text = "</s>";
      type = TokenType::Control;
    } else if (text.size() == 6 && std::sscanf(text.c_str(), "<0x%2X%c", &byte, &tail) == 2 && tail == '>') {
      type = TokenType::Byte;
    } else {
      // llama2.c stores SentencePiece's U+2581 as a plain space; GGUF keeps SentencePiece's spelling.
      std::string escaped;
      for (char c : text) escaped += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
      text = escaped;
    }
    v.tokens.push_back(text);
    v.scores.push_back(scores[i]);
    v.token_types.push_back(static_cast<int32_t>(type));
  }
  v.validate("llama2.c tokenizer");
  return v;
}

}  // namespace edt
