// edt tokenize: text -> ids with the tokenizer of a model file or of tokenizer.json / tokenizer.model.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "tokenizer/tokenizer.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "weights/error.h"

namespace edt {

int cmd_tokenize(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "GGUF file (its tokenizer; vocab-only files work too)"},
      {{"--tokenizer"}, true, "tokenizer.json, tokenizer.model, or a folder with one of them"},
      {{"-p", "--prompt"}, true, "text to tokenize; prints the ids"},
      {{"--jsonl"}, false, "read lines {\"text\": ...} on stdin, write {\"ids\": [...]} per line"},
      {{"--pieces"}, false, "with -p: print each id with its piece"},
      {{"--add-special"}, false, "add BOS/EOS as the tokenizer's config says"},
      {{"--special"}, false, "match special-token texts like <|begin_of_text|> in the text"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("tokenize", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt tokenize (-m MODEL.gguf | --tokenizer PATH) (-p TEXT [--pieces] | --jsonl)\n"
                "Invalid UTF-8 is encoded as bytes (byte-level BPE) or byte-fallback tokens (SentencePiece).\n%s",
                Args::usage(specs).c_str());
    return 0;
  }
  if (args.has("-m") == args.has("--tokenizer")) throw UsageError("tokenize: give exactly one of -m and --tokenizer");
  if (args.has("-p") == args.has("--jsonl")) throw UsageError("tokenize: give exactly one of -p and --jsonl");
  const auto tokenizer =
      args.has("-m") ? load_tokenizer_from_model(args.require("-m")) : Tokenizer::from_path(args.require("--tokenizer"));
  EncodeOptions opt;
  opt.parse_special = args.has("--special");
  if (args.has("--add-special")) {
    opt.add_bos = tokenizer->vocab().add_bos;
    opt.add_eos = tokenizer->vocab().add_eos;
  }
  if (auto text = args.get("-p")) {
    const auto ids = tokenizer->encode(*text, opt);
    if (args.has("--pieces")) {
      for (int32_t id : ids)
        std::printf("%6d  %s\n", id, nlohmann::json(tokenizer->vocab().tokens[static_cast<size_t>(id)]).dump(
                                          -1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::string line;
      for (int32_t id : ids) {
        if (!line.empty()) line += ' ';
        line += std::to_string(id);
      }
      std::printf("%s\n", line.c_str());
    }
    return 0;
  }
  size_t line_no = 0;
  for (std::string line; std::getline(std::cin, line);) {
    ++line_no;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string())
      throw FormatError("stdin line " + std::to_string(line_no) + ": expected a JSON object with a string \"text\"");
    nlohmann::json out;
    out["ids"] = tokenizer->encode(j["text"].get<std::string>(), opt);
    std::printf("%s\n", out.dump().c_str());
  }
  return 0;
}

}  // namespace edt
