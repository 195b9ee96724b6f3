// edt mkmodel: random-weight LLaMA models of real shapes, in any supported type, for benchmarking. Weights are
// N(0, 0.02) (norms 1), generated tensor by tensor from a seed, so files of several GB stream through one buffer.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "sampling/rng.h"
#include "tokenizer/vocab_data.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "weights/architecture.h"
#include "convert/converter.h"
#include "weights/error.h"
#include "weights/gguf_writer.h"
#include "weights/model_hparams.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

struct Shape {
  const char* name;
  uint32_t dim, hidden, layers, heads, kv_heads, vocab;
  bool tied;
};

const Shape kShapes[] = {
    {"S", 288, 768, 6, 6, 6, 32000, false},             // stories15M
    {"M", 768, 2048, 12, 12, 12, 32000, false},         // stories110M
    {"L", 2048, 5632, 22, 32, 4, 32000, false},         // TinyLlama-1.1B
    {"llama3.2-1b", 2048, 8192, 16, 32, 8, 128256, true},  // Llama-3.2-1B
};

// A SentencePiece-style vocabulary of the right size: <unk>, <s>, </s>, the 256 byte tokens, then fillers.
VocabData filler_vocab(uint32_t n) {
  VocabData v;
  v.model = "llama";
  v.unk_id = 0;
  v.bos_id = 1;
  v.eos_id = 2;
  v.add_bos = true;
  const char* specials[] = {"<unk>", "<s>", "</s>"};
  for (uint32_t i = 0; i < n; ++i) {
    std::string t;
    int32_t type = static_cast<int32_t>(TokenType::Normal);
    if (i < 3) {
      t = specials[i];
      type = static_cast<int32_t>(i == 0 ? TokenType::Unknown : TokenType::Control);
    } else if (i < 259) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", i - 3);
      t = buf;
      type = static_cast<int32_t>(TokenType::Byte);
    } else {
      t = "\xE2\x96\x81t" + std::to_string(i);
    }
    v.tokens.push_back(t);
    v.scores.push_back(-static_cast<float>(i));
    v.token_types.push_back(type);
  }
  return v;
}

}  // namespace

int cmd_mkmodel(int argc, char** argv) {
  const std::vector<FlagSpec> specs = {
      {{"--shape"}, true, "S (15M), M (110M), L (TinyLlama-1.1B) or llama3.2-1b"},
      {{"--type"}, true, "f32, f16, bf16, q8_0 or q4_0 for the matrices (norms stay f32)"},
      {{"-o", "--outfile"}, true, "output GGUF"},
      {{"--seed"}, true, "seed (default 1)"},
      {{"-h", "--help"}, false, "this help"},
  };
  Args args("mkmodel", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt mkmodel --shape S|M|L|llama3.2-1b --type f32|f16|bf16|q8_0|q4_0 -o OUT.gguf\n%s",
                Args::usage(specs).c_str());
    return 0;
  }
  const std::string shape_name = args.require("--shape");
  const Shape* shape = nullptr;
  for (const Shape& s : kShapes)
    if (shape_name == s.name) shape = &s;
  if (!shape) throw UsageError("mkmodel: flag '--shape' is '" + shape_name + "', expected S, M, L or llama3.2-1b");
  const auto type = parse_output_type(args.require("--type"));
  if (!type) throw UsageError("mkmodel: flag '--type' expects f32, f16, bf16, q8_0 or q4_0");
  const auto seed = static_cast<uint64_t>(args.get_int("--seed", 1, 0, INT64_MAX));
  const std::string out = args.require("-o");

  ModelHParams hp;
  hp.n_vocab = shape->vocab;
  hp.n_embd = shape->dim;
  hp.n_ff = shape->hidden;
  hp.n_layer = shape->layers;
  hp.n_head = shape->heads;
  hp.n_head_kv = shape->kv_heads;
  hp.head_dim = shape->dim / shape->heads;
  hp.n_ctx_train = 4096;
  hp.rope_theta = 10000.0f;
  hp.rms_eps = 1e-5f;
  hp.validate("mkmodel");
  GgufWriter w;
  write_model_hparams(w, hp, std::string("random-") + shape->name, *type);
  filler_vocab(hp.n_vocab).write_to(w);

  uint64_t tensor_index = 0;
  auto add = [&](const std::string& name, uint64_t rows, uint64_t cols) {
    const bool vec = rows == 1;
    const GgmlType t = vec ? GgmlType::F32 : *type;
    const uint64_t row_bytes = *ggml_row_bytes(t, cols);
    const uint64_t tensor_seed = seed * 1000003 + tensor_index++;
    w.add_tensor(name, t, vec ? std::vector<uint64_t>{cols} : std::vector<uint64_t>{cols, rows},
                 [=](uint8_t* dst) {
                   Rng rng(tensor_seed);
                   std::vector<float> row(cols);  // (cols) one row in float32 before conversion
                   for (uint64_t r = 0; r < rows; ++r) {
                     for (uint64_t c = 0; c < cols; c += 2) {  // Box-Muller, two normals per pair of uniforms
                       const double u1 = std::max(rng.uniform(), 1e-300), u2 = rng.uniform();
                       const double m = std::sqrt(-2.0 * std::log(u1)) * 0.02;
                       row[c] = vec ? 1.0f : static_cast<float>(m * std::cos(6.283185307179586 * u2));
                       if (c + 1 < cols) row[c + 1] = vec ? 1.0f : static_cast<float>(m * std::sin(6.283185307179586 * u2));
                     }
                     quantize_row(t, row.data(), dst + r * row_bytes, cols);
                   }
                 });
  };
  hp.tied_embeddings = shape->tied;
  for_each_tensor(architecture("llama", "mkmodel"), hp.n_layer, [&](const TensorSpec& spec, uint32_t l) {
    if (!tensor_expected(spec, hp)) return;
    add(gguf_tensor_name(spec, l), spec.cols == Extent::One ? 1 : extent(spec.rows, hp),
        spec.cols == Extent::One ? extent(spec.rows, hp) : extent(spec.cols, hp));
  });
  const auto start = std::chrono::steady_clock::now();
  w.write(out);
  std::fprintf(stderr, "wrote %s: shape %s, %s, %zu tensors, %.1f MB, %.1f s\n", out.c_str(), shape->name,
               ggml_traits(*type).name, w.tensor_count(), static_cast<double>(w.tensor_data_bytes()) / 1e6,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace edt
