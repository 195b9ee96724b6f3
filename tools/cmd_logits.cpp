// edt logits: token ids in, float32 logits of every position out (.npy), for comparing with a reference.
#include <cstdio>
#include <sstream>

#include "engine/session.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "weights/error.h"
#include "weights/npy.h"

namespace edt {

int cmd_logits(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "model: GGUF file, Hugging Face folder or llama2.c checkpoint"},
      {{"--ids"}, true, "comma-separated token ids, e.g. 1,2,3"},
      {{"--out"}, true, "write logits (n_tokens, n_vocab) float32 to this .npy (default: print a summary)"},
      {{"-t", "--threads"}, true, "threads (default: 1)"},
      {{"--decode"}, false, "run the ids one at a time through decode instead of one prefill"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("logits", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt logits -m MODEL --ids 1,2,3 [--out logits.npy]\n%s", Args::usage(specs).c_str());
    return 0;
  }
  std::vector<int32_t> ids;
  std::stringstream ss(args.require("--ids"));
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0 || v > INT32_MAX)
      throw UsageError("logits: flag '--ids' holds '" + item + "', expected non-negative integers separated by commas");
    ids.push_back(static_cast<int32_t>(v));
  }
  auto model = load_model_any(args.require("-m"));
  SessionOptions opt;
  opt.n_threads = static_cast<int>(args.get_int("-t", 1, 1, 256));
  opt.n_ctx = std::max<uint32_t>(model->hparams().n_ctx_train, static_cast<uint32_t>(ids.size()));
  Session session(model, opt);
  const size_t vocab = model->hparams().n_vocab;
  std::vector<float> logits(ids.size() * vocab);  // (n_tokens, n_vocab)
  if (args.has("--decode")) {
    for (size_t i = 0; i < ids.size(); ++i) {
      auto row = session.decode(ids[i]);
      std::copy(row.begin(), row.end(), logits.begin() + static_cast<long>(i * vocab));
    }
  } else {
    session.prefill_all_logits(ids, logits.data());
  }
  if (auto out = args.get("--out")) {
    write_npy_f32(*out, logits.data(), {ids.size(), vocab});
    std::fprintf(stderr, "wrote %s: (%zu, %zu) float32\n", out->c_str(), ids.size(), vocab);
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      const float* row = &logits[i * vocab];
      size_t best = 0;
      for (size_t j = 1; j < vocab; ++j)
        if (row[j] > row[best]) best = j;
      std::printf("pos %zu  id %d  argmax %zu (%.5f)  logits[0..3] %.5f %.5f %.5f\n", i, ids[i], best, row[best],
                  row[0], row[1], row[2]);
    }
  }
  return 0;
}

}  // namespace edt
