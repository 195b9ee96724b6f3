// edt template, edt chat and edt run --chat as a user runs them: golden prompts byte for byte through the CLI,
// a converted model carrying its chat template, and a chat on the demo model driven through piped stdin (two
// turns with prefix reuse, /reset, /system, Ctrl-C in the middle of an answer, a full context).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Single-quoted for the shell.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "edt_cli_chat_" + std::to_string(::getpid()) + "_" + name;
}

class CliChat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = temp_path("demo.gguf");
    const auto r = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + model_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove(model_); }
  static std::string model_;
};
std::string CliChat::model_;

TEST_F(CliChat, TemplateGoldensByteForByte) {
  const auto index = nlohmann::json::parse(test::read_file(test::data_path("chat/templates/index.json")));
  const auto convs = nlohmann::ordered_json::parse(test::read_file(test::data_path("chat/conversations.json")));
  std::map<std::string, nlohmann::json> templates;
  for (const auto& t : index["templates"]) templates[t["name"]] = t;
  std::map<std::string, nlohmann::ordered_json> messages;
  for (const auto& c : convs["conversations"]) messages[c["id"]] = c["messages"];
  // A spread of templates and conversations, including unicode, Jinja syntax in contents, the pinned date
  // (llama-3.2), and errors.
  const std::set<std::pair<std::string, std::string>> picked = {
      {"llama-3.2-3b-instruct", "system_multi_turn"}, {"qwen2.5-7b-instruct", "unicode"},
      {"tinyllama-1.1b-chat-v1.0", "jinja_literals"}, {"deepseek-r1-distill-qwen-32b", "reasoning_history"},
      {"mistral-nemo-instruct-2407", "surrounding_whitespace"}, {"gemma-2-2b-it", "system_user"},
      {"llama-3.1-8b-instruct", "empty_conversation"}, {"phi-3.5-mini-instruct", "long_message"}};
  std::ifstream in(test::data_path("chat/goldens.jsonl"));
  size_t checked = 0;
  for (std::string line; std::getline(in, line);) {
    const auto g = nlohmann::json::parse(line);
    if (!picked.count({g["template"], g["conversation"]})) continue;
    SCOPED_TRACE(line.substr(0, 120));
    const auto& t = templates.at(g["template"]);
    const std::string msgs = temp_path("messages.json");
    write_file(msgs, messages.at(g["conversation"]).dump());
    std::string args = "template --chat-template-file " + test::data_path("chat/" + t["file"].get<std::string>()) +
                       " --messages " + msgs + " --now 2024-07-26";
    if (g["add_generation_prompt"]) args += " --add-generation-prompt";
    if (t["bos_token"].is_string()) args += " --bos-token " + quoted(t["bos_token"]);
    if (t["eos_token"].is_string()) args += " --eos-token " + quoted(t["eos_token"]);
    if (g.contains("rendered")) {
      const auto r = test::run_edt(args, "", false);
      EXPECT_EQ(r.exit_code, 0);
      EXPECT_EQ(r.output, g["rendered"].get<std::string>());
    } else {
      const auto out = test::run_edt(args, "", false);
      EXPECT_NE(out.exit_code, 0);
      EXPECT_EQ(out.output, "");  // nothing on stdout
      const auto r = test::run_edt(args);
      EXPECT_NE(r.output.find(g["error"].get<std::string>()), std::string::npos) << r.output;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;  // one line
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2 * picked.size());
}

TEST_F(CliChat, BadTemplatesAndFlagsGiveOneLineErrors) {
  const std::string msgs = temp_path("m.json");
  write_file(msgs, R"([{"role": "user", "content": "hi"}])");
  const std::string not_list = temp_path("not_list.json"), no_role = temp_path("no_role.json");
  write_file(not_list, R"({"role": "user"})");
  write_file(no_role, R"([{"content": "x"}])");
  const std::string bad = temp_path("bad.jinja");
  write_file(bad, "line one\n{% for m in messages %}{{ m.content | frobnicate }}{% endfor %}");
  struct Case {
    std::string args, expect;
  };
  const Case cases[] = {
      {"template --chat-template-file " + bad + " --messages " + msgs, "line 2, column 39: no filter named 'frobnicate'"},
      {"template --chat-template nosuch --messages " + msgs, "unknown built-in chat template 'nosuch'"},
      {"template --chat-template chatml", "flag '--messages' is required"},
      {"template --messages " + msgs, "give -m MODEL, --chat-template NAME or --chat-template-file FILE"},
      {"template -m " + model_ + " --messages " + msgs, "has no chat template (tokenizer.chat_template)"},
      {"template --chat-template chatml --messages " + bad, "not valid JSON"},
      {"template --chat-template chatml --now 2024-13-01 --messages " + msgs, "is not YYYY-MM-DD"},
      {"template --chat-template chatml --messages " + not_list, "expected a JSON list"},
      {"template --chat-template chatml --messages " + no_role, "message 0 has no string 'role'"},
      {"chat -m " + model_, "has no chat template"},
      {"run -m " + model_ + " -cnv -p hi", "has no chat template"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = test::run_edt(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

// A Hugging Face folder with a chat template (the demo's files plus a tokenizer_config.json that has one, or a
// chat_template.jinja file) converts to a GGUF that carries it; inspect shows it; template and chat use it.
TEST_F(CliChat, ConvertCarriesTheChatTemplate) {
  const std::string chat_template = test::read_file(test::data_path("chat/templates/smollm2-135m-instruct.jinja"));
  for (const bool as_file : {false, true}) {
    SCOPED_TRACE(as_file ? "chat_template.jinja" : "tokenizer_config.json");
    const fs::path dir = temp_path(as_file ? "hf_file" : "hf_config");
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(test::models_path("prose-15m")))
      if (e.path().filename() != "tokenizer_config.json") fs::create_symlink(fs::absolute(e.path()), dir / e.path().filename());
    auto config = nlohmann::json::parse(test::read_file(test::models_path("prose-15m/tokenizer_config.json")));
    if (as_file) write_file((dir / "chat_template.jinja").string(), chat_template);
    else config["chat_template"] = chat_template;
    write_file((dir / "tokenizer_config.json").string(), config.dump());
    const std::string gguf = temp_path("with_template.gguf");
    const auto conv = test::run_edt("convert " + dir.string() + " -o " + gguf);
    ASSERT_EQ(conv.exit_code, 0) << conv.output;
    const auto inspect = test::run_edt("inspect " + gguf);
    EXPECT_NE(inspect.output.find("chat template (tokenizer.chat_template, " + std::to_string(chat_template.size()) +
                                  " bytes):\n" + chat_template + "\n"),
              std::string::npos)
        << inspect.output;
    const std::string msgs = temp_path("m2.json");
    write_file(msgs, R"([{"role": "user", "content": "Hi there"}])");
    const auto r = test::run_edt("template -m " + gguf + " --messages " + msgs + " --add-generation-prompt", "", false);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.output,
              "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
              "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n");
    // The model's own template drives a one-shot chat.
    const auto run = test::run_edt("run -m " + gguf + " -cnv -p 'Hello' -n 4 --seed 1 -t 1");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    fs::remove(gguf);
    fs::remove_all(dir);
  }
}

// A running edt with pipes on stdin and stdout (stderr goes to a file read at the end).
struct Child {
  pid_t pid = -1;
  int in = -1, out = -1;
  std::string err_path;

  static Child spawn(const std::string& args) {
    Child c;
    c.err_path = temp_path("stderr_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return c;
    c.pid = ::fork();
    if (c.pid == 0) {
      ::dup2(to_child[0], STDIN_FILENO);
      ::dup2(from_child[1], STDOUT_FILENO);
      const int err = ::open(c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(err, STDERR_FILENO);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execl("/bin/sh", "sh", "-c", (std::string("exec ") + EDT_BINARY + " " + args).c_str(), nullptr);
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    c.in = to_child[1];
    c.out = from_child[0];
    return c;
  }
  void send(const std::string& s) const { (void)!::write(in, s.data(), s.size()); }
  // Reads stdout until it holds at least n bytes more than `have`, or timeout.
  bool read_more(std::string& have, size_t n, double seconds) const {
    const size_t target = have.size() + n;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (have.size() < target && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t k = ::read(out, buf, sizeof buf);
      if (k <= 0) return false;
      have.append(buf, static_cast<size_t>(k));
    }
    return have.size() >= target;
  }
  // Closes stdin, reads the rest of stdout, waits; returns the exit code.
  int finish(std::string& out_text, std::string& err_text, double seconds = 120) {
    ::close(in);
    while (read_more(out_text, 1, seconds)) {
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(out);
    err_text = test::read_file(err_path);
    fs::remove(err_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

struct TurnLine {
  size_t turn, prompt, reused, prefilled, generated;
  std::string stop;
};

// The --verbose stats lines, parsed field by field (std::regex trips g++ 12's warnings in the sanitizer build).
std::vector<TurnLine> turn_lines(const std::string& err) {
  std::vector<TurnLine> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    TurnLine t{};
    unsigned long turn = 0, prompt = 0, reused = 0, prefilled = 0, generated = 0;
    double rate = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "[turn %lu: prompt %lu tokens, reused %lu, prefilled %lu | generated %lu tokens, "
                                  "%lf tok/s | stop: %n",
                    &turn, &prompt, &reused, &prefilled, &generated, &rate, &consumed) != 6 || consumed == 0)
      continue;
    t = {turn, prompt, reused, prefilled, generated, line.substr(static_cast<size_t>(consumed))};
    if (!t.stop.empty() && t.stop.back() == ']') t.stop.pop_back();
    out.push_back(t);
  }
  return out;
}

TEST_F(CliChat, TwoTurnsResetAndSystemThroughPipedStdin) {
  Child c = Child::spawn("chat -m " + model_ + " --chat-template chatml -n 8 --seed 5 -t 1 --verbose");
  c.send("The Congress shall\nAnd the President?\n/system You are a historian.\nTell me more\n/reset\nWhales\n/exit\n");
  std::string out, err;
  ASSERT_EQ(c.finish(out, err), 0) << err;
  const std::vector<TurnLine> turns = turn_lines(err);
  ASSERT_EQ(turns.size(), 4u) << err;
  EXPECT_EQ(turns[0].reused, 0u);
  EXPECT_EQ(turns[0].prefilled, turns[0].prompt);
  // Turn 2: the first prompt and the cached answer are reused; only the new tokens are prefilled.
  EXPECT_EQ(turns[1].reused + turns[1].prefilled, turns[1].prompt);
  EXPECT_GE(turns[1].reused, turns[0].prompt + turns[0].generated - 1);
  EXPECT_LT(turns[1].prefilled, turns[1].prompt - turns[0].prompt);
  // Turn 3: a system message now heads the conversation, so only the text before the role is shared.
  EXPECT_GE(turns[2].reused, 1u);
  EXPECT_LT(turns[2].reused, turns[0].prompt);
  // Turn 4 after /reset: the system block is still there and reused; the old turns are gone.
  EXPECT_GT(turns[3].reused, 1u);
  EXPECT_LT(turns[3].prompt, turns[2].prompt);
  EXPECT_NE(err.find("[conversation reset]"), std::string::npos);
  EXPECT_NE(err.find("[system message set]"), std::string::npos);
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), 4) << out;  // a line break after each answer
}

TEST_F(CliChat, CtrlCStopsTheAnswerNotTheProgram) {
  // EOS banned so the answer runs until interrupted (the context would take thousands of tokens to fill).
  Child c = Child::spawn("chat -m " + model_ + " --chat-template chatml -c 4096 --seed 2 -t 1 --verbose "
                         "--logit-bias 1-inf");
  c.send("Tell me a long story\n");
  std::string out, err;
  ASSERT_TRUE(c.read_more(out, 40, 60)) << "no answer text";
  ::kill(c.pid, SIGINT);
  c.send("Hello\n");
  std::string more;
  // The second turn answers (the first answer's closing newline, then text): the program is alive. Ctrl-C
  // between turns would end the program, so wait for the answer's text.
  ASSERT_TRUE(c.read_more(more, 40, 60));
  ::kill(c.pid, SIGINT);
  c.send("/exit\n");
  ASSERT_EQ(c.finish(more, err), 0) << err;
  const std::vector<TurnLine> turns = turn_lines(err);
  ASSERT_EQ(turns.size(), 2u) << err;
  EXPECT_EQ(turns[0].stop, "interrupted");
  EXPECT_LT(turns[0].generated, 3000u);
  EXPECT_NE(err.find("[answer stopped]"), std::string::npos);
  EXPECT_EQ(turns[1].reused + turns[1].prefilled, turns[1].prompt);
  EXPECT_GT(turns[1].reused, turns[0].prompt);
}

TEST_F(CliChat, FullContextIsReportedWithReset) {
  Child c = Child::spawn("chat -m " + model_ + " --chat-template chatml -c 64 --seed 3 -t 1 --verbose --logit-bias 1-inf");
  std::string long_message;
  for (int i = 0; i < 80; ++i) long_message += "word ";
  c.send(long_message + "\nHello\nAgain\n/reset\nHi\n/exit\n");
  std::string out, err;
  ASSERT_EQ(c.finish(out, err), 0) << err;
  // The long message cannot fit; "Hello" fills the context while answering; "Again" cannot fit; after /reset,
  // "Hi" is answered until the context is full again (EOS is banned).
  const std::string full = "[the context is full (64 tokens): the conversation cannot continue; type /reset";
  size_t n_full = 0;
  for (size_t p = err.find(full); p != std::string::npos; p = err.find(full, p + 1)) ++n_full;
  EXPECT_EQ(n_full, 4u) << err;
  const std::vector<TurnLine> turns = turn_lines(err);
  ASSERT_EQ(turns.size(), 4u) << err;
  EXPECT_EQ(turns[0].generated, 0u);
  EXPECT_EQ(turns[1].stop, "context full");
  EXPECT_EQ(turns[2].generated, 0u);
  EXPECT_EQ(turns[3].stop, "context full");  // EOS is banned, so "Hi" also runs to the end of the context
  EXPECT_GT(turns[3].generated, 0u);
}

TEST_F(CliChat, RunChatIsOneTurn) {
  const auto r = test::run_edt("run -m " + model_ + " --chat --chat-template llama3 --system 'Be brief.' -p 'Hello' "
                               "-n 6 --seed 4 -t 1",
                               "", false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.find("<|start_header_id|>"), std::string::npos);  // the answer only, not the prompt
  EXPECT_GT(r.output.size(), 1u);
  const auto same = test::run_edt("run -m " + model_ + " -cnv --chat-template llama3 --system 'Be brief.' -p 'Hello' "
                                  "-n 6 --seed 4 -t 1",
                                  "", false);
  EXPECT_EQ(same.output, r.output);
}

}  // namespace
}  // namespace edt
