// The Jinja interpreter against transformers' apply_chat_template: every line of the vendored goldens
// (15 real templates x 17 conversations x add_generation_prompt) renders byte for byte, and every error line is a
// clean TemplateError (raise_exception's message exactly).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "tests/test_util.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/jinja/error.h"

namespace edt {
namespace {

struct GoldenSet {
  std::map<std::string, nlohmann::json> templates;       // name -> index entry
  std::map<std::string, nlohmann::json> conversations;   // id -> messages
  std::vector<nlohmann::json> lines;
};

const GoldenSet& goldens() {
  static const GoldenSet set = [] {
    GoldenSet g;
    const auto index = nlohmann::json::parse(test::read_file(test::data_path("chat/templates/index.json")));
    for (const auto& t : index["templates"]) g.templates[t["name"].get<std::string>()] = t;
    const auto conv = nlohmann::json::parse(test::read_file(test::data_path("chat/conversations.json")));
    for (const auto& c : conv["conversations"]) g.conversations[c["id"].get<std::string>()] = c["messages"];
    std::ifstream in(test::data_path("chat/goldens.jsonl"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) g.lines.push_back(nlohmann::json::parse(line));
    return g;
  }();
  return set;
}

ChatRenderOptions options_for(const nlohmann::json& entry, bool add_generation_prompt) {
  ChatRenderOptions o;
  o.add_generation_prompt = add_generation_prompt;
  if (entry["bos_token"].is_string()) o.bos_token = entry["bos_token"].get<std::string>();
  if (entry["eos_token"].is_string()) o.eos_token = entry["eos_token"].get<std::string>();
  o.now = parse_date("2024-07-26");
  return o;
}

TEST(ChatTemplateGoldens, EveryLineRendersExactly) {
  const GoldenSet& g = goldens();
  ASSERT_EQ(g.lines.size(), 510u);
  std::map<std::string, ChatTemplate> parsed;
  for (const auto& [name, entry] : g.templates)
    parsed.emplace(name, ChatTemplate(test::read_file(test::data_path("chat/" + entry["file"].get<std::string>()))));
  ASSERT_EQ(parsed.size(), 15u);
  size_t rendered = 0, raised = 0, jinja_errors = 0;
  for (const auto& line : g.lines) {
    const std::string name = line["template"], conv = line["conversation"];
    const bool agp = line["add_generation_prompt"];
    SCOPED_TRACE(name + " / " + conv + (agp ? " / generation prompt" : ""));
    const ChatTemplate& t = parsed.at(name);
    const ChatRenderOptions o = options_for(g.templates.at(name), agp);
    if (line.contains("rendered")) {
      try {
        EXPECT_EQ(t.render_json(g.conversations.at(conv), o), line["rendered"].get<std::string>());
        ++rendered;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "threw: " << e.what();
      }
      continue;
    }
    try {
      const std::string out = t.render_json(g.conversations.at(conv), o);
      ADD_FAILURE() << "rendered instead of failing: " << out.substr(0, 200);
    } catch (const jinja::TemplateError& e) {
      if (line["error_kind"] == "raise_exception") {
        EXPECT_EQ(e.kind(), jinja::TemplateErrorKind::Raised);
        EXPECT_EQ(e.message(), line["error"].get<std::string>());
        ++raised;
      } else {
        // Jinja's own "list object has no element 0": ours says the same.
        EXPECT_EQ(e.kind(), jinja::TemplateErrorKind::Runtime);
        EXPECT_EQ(e.message(), line["error"].get<std::string>());
        ++jinja_errors;
      }
    }
  }
  EXPECT_EQ(rendered, 456u);
  EXPECT_EQ(raised, 42u);
  EXPECT_EQ(jinja_errors, 12u);
}

}  // namespace
}  // namespace edt
