#include "eval/evaluator.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <mutex>
#include <thread>

#include "engine/session.h"
#include "sampling/sampler_kernels.h"
#include "sampling/fused_edt.h"
#include "weights/error.h"

namespace edt {
namespace {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

uint64_t mix(uint64_t a, uint64_t b) {  // SplitMix64 step: an independent seed per (setting, prompt, sample)
  uint64_t z = a + 0x9e3779b97f4a7c15ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

MetricSummary EvalResult::summary(const std::vector<double>& v) const {
  MetricSummary s;
  s.mean = mean_of(v);
  if (v.size() < 2) return s;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  // Normal approximation: the evaluation uses 100+ prompts.
  s.ci95 = 1.96 * std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
  return s;
}

std::vector<EvalPassage> passages_from_text(const std::string& text, const Tokenizer& tok, size_t prompt_tokens,
                                            size_t continuation_tokens, size_t max_passages) {
  std::vector<EvalPassage> out;
  size_t pos = 0;
  while (pos < text.size() && out.size() < max_passages) {
    size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) end = text.size();
    std::string para = text.substr(pos, end - pos);
    pos = end + 2;
    for (char& c : para)
      if (c == '\n') c = ' ';  // a paragraph's line breaks are layout, not content
    if (para.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<int32_t> ids = tok.encode(para, {});
    // Every whole window of prompt + continuation tokens in the paragraph, without overlap.
    const size_t window = prompt_tokens + continuation_tokens;
    for (size_t at = 0; at + window <= ids.size() && out.size() < max_passages; at += window) {
      EvalPassage p;
      if (tok.add_bos_default() && tok.bos_id() >= 0) p.prompt.push_back(tok.bos_id());
      const auto first = ids.begin() + static_cast<long>(at);
      p.prompt.insert(p.prompt.end(), first, first + static_cast<long>(prompt_tokens));
      p.reference.assign(first + static_cast<long>(prompt_tokens), first + static_cast<long>(window));
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<EvalPassage> passages_from_jsonl(const std::string& path, const Tokenizer& tok, size_t continuation_tokens,
                                             size_t max_passages) {
  std::ifstream in(path);
  if (!in) throw FormatError(path + ": cannot open");
  std::vector<EvalPassage> out;
  size_t line_no = 0;
  for (std::string line; std::getline(in, line) && out.size() < max_passages;) {
    ++line_no;
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("prompt") || !j["prompt"].is_string() || !j.contains("reference") ||
        !j["reference"].is_string())
      throw FormatError(path + ": line " + std::to_string(line_no) + " needs string fields \"prompt\" and \"reference\"");
    EncodeOptions bos;
    bos.add_bos = tok.add_bos_default();
    EvalPassage p;
    p.prompt = tok.encode(j["prompt"].get<std::string>(), bos);
    p.reference = tok.encode(j["reference"].get<std::string>(), {});
    if (p.reference.size() > continuation_tokens) p.reference.resize(continuation_tokens);
    if (p.prompt.empty() || p.reference.empty()) continue;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<EvalResult> run_evaluation(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                       const std::vector<EvalPassage>& passages,
                                       const std::vector<EvalSetting>& settings, const EvalOptions& opt,
                                       const std::function<void(size_t, size_t)>& progress) {
  const size_t n_prompts = passages.size(), units = settings.size() * n_prompts;
  std::vector<EvalResult> results(settings.size());
  for (size_t s = 0; s < settings.size(); ++s) {
    results[s].setting = settings[s];
    for (auto* v : {&results[s].bleu, &results[s].rouge_l, &results[s].loglik, &results[s].self_bleu,
                    &results[s].distinct1, &results[s].distinct2, &results[s].distinct3})
      v->assign(n_prompts, 0.0);
  }
  size_t longest_prompt = 0;
  for (const EvalPassage& p : passages) longest_prompt = std::max(longest_prompt, p.prompt.size());
  const size_t vocab = model->hparams().n_vocab;
  if (longest_prompt + opt.continuation_tokens + 1 > model->hparams().n_ctx_train)
    throw FormatError("evaluation prompts of " + std::to_string(longest_prompt) + " tokens plus " +
                      std::to_string(opt.continuation_tokens) + " generated pass the model's context");

  std::atomic<size_t> next{0}, done{0};
  std::mutex error_mutex;
  std::string first_error;
  auto worker = [&] {
    try {
      SessionOptions so;
      so.n_threads = 1;  // parallelism is across prompts
      so.n_ctx = static_cast<uint32_t>(longest_prompt + opt.continuation_tokens + 1);
      Session session(model, so);
      std::vector<float> logits(vocab);
      for (size_t unit; (unit = next.fetch_add(1)) < units;) {
        const size_t s = unit / n_prompts, p = unit % n_prompts;
        const EvalPassage& passage = passages[p];
        std::vector<TokenSeq> samples;
        std::vector<double> loglik;
        for (size_t k = 0; k < opt.samples_per_prompt; ++k) {
          SamplerParams params = settings[s].params;
          params.seed = mix(mix(opt.seed, s), p * 1000003 + k);
          auto chain = params.build(vocab, model->isa());
          chain->set_report_probability(false);  // the evaluation reads tokens only
          session.reset();
          auto last = session.prefill(passage.prompt);
          for (int32_t t : passage.prompt) chain->accept(t);
          TokenSeq sample;
          double ll = 0;
          for (size_t i = 0; i < opt.continuation_tokens; ++i) {
            std::copy(last.begin(), last.end(), logits.begin());
            // The model's own log-likelihood of the sampled token: log softmax of the raw logits at T = 1.
            const EntropyStats st = sampler_kernels(model->isa()).entropy_stats(logits.data(), vocab);
            const int32_t token = chain->sample(logits);
            ll += static_cast<double>(last[static_cast<size_t>(token)]) - st.max - std::log(st.sum_exp);
            chain->accept(token);
            if (token == tok.eos_id()) break;
            sample.push_back(token);
            if (i + 1 < opt.continuation_tokens) last = session.decode(token);
          }
          loglik.push_back(sample.empty() ? ll : ll / static_cast<double>(sample.size()));
          samples.push_back(std::move(sample));
        }
        EvalResult& r = results[s];
        double b = 0, rl = 0;
        for (const TokenSeq& smp : samples) {
          b += bleu4(smp, {passage.reference});
          rl += rouge_l_f1(smp, passage.reference);
        }
        const auto k = static_cast<double>(samples.size());
        r.bleu[p] = b / k;
        r.rouge_l[p] = rl / k;
        r.loglik[p] = mean_of(loglik);
        r.self_bleu[p] = self_bleu(samples);
        r.distinct1[p] = distinct_n(samples, 1);
        r.distinct2[p] = distinct_n(samples, 2);
        r.distinct3[p] = distinct_n(samples, 3);
        const size_t d = done.fetch_add(1) + 1;
        if (progress) progress(d, units);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (first_error.empty()) first_error = e.what();
      next = units;  // stop the others
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, opt.threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!first_error.empty()) throw FormatError("evaluation failed: " + first_error);
  return results;
}

}  // namespace edt
