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

uint64_t step_seed(uint64_t seed, size_t prompt, size_t sample, size_t step) {
  return mix(mix(mix(seed, prompt), sample), step);
}

std::vector<EvalRun> generate_samples(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                      const std::vector<EvalPassage>& passages,
                                      const std::vector<EvalSetting>& settings, const EvalOptions& opt,
                                      const std::function<void(size_t, size_t)>& progress) {
  const size_t n_prompts = passages.size(), units = settings.size() * n_prompts;
  std::vector<EvalRun> runs(settings.size());
  for (size_t s = 0; s < settings.size(); ++s) {
    runs[s].setting = settings[s];
    runs[s].samples.assign(n_prompts, std::vector<SampleTrace>(opt.samples_per_prompt));
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
      std::vector<float> logits(vocab);  // (n_vocab) the chain consumes its copy
      for (size_t unit; (unit = next.fetch_add(1)) < units;) {
        const size_t s = unit / n_prompts, p = unit % n_prompts;
        const EvalPassage& passage = passages[p];
        auto chain = settings[s].params.build(vocab, model->isa());
        chain->set_report_probability(false);  // the log-likelihood below is at T = 1, from our own pass
        for (size_t k = 0; k < opt.samples_per_prompt; ++k) {
          SampleTrace& tr = runs[s].samples[p][k];
          chain->reset();
          session.reset();
          auto last = session.prefill(passage.prompt);
          for (int32_t t : passage.prompt) chain->accept(t);
          for (size_t i = 0; i < opt.continuation_tokens; ++i) {
            std::copy(last.begin(), last.end(), logits.begin());
            // One pass over the raw logits gives H and the normaliser of softmax(z) at T = 1, for every method
            // alike (the fused path's own probability is at the drawn temperature, and costs a second pass).
            const EntropyStats st = sampler_kernels(model->isa()).entropy_stats(logits.data(), vocab);
            chain->reseed(step_seed(opt.seed, p, k, i));
            const int32_t token = chain->sample(logits);
            tr.logprob.push_back(
                static_cast<float>(static_cast<double>(last[static_cast<size_t>(token)]) - st.max - std::log(st.sum_exp)));
            tr.entropy.push_back(static_cast<float>(st.entropy));
            tr.temperature.push_back(static_cast<float>(chain->last_report().temperature));
            chain->accept(token);
            if (token == tok.eos_id()) break;
            tr.tokens.push_back(token);
            if (i + 1 < opt.continuation_tokens) last = session.decode(token);
          }
        }
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
  return runs;
}

EvalResult score_run(const EvalRun& run, const std::vector<EvalPassage>& passages, size_t length) {
  const size_t n_prompts = passages.size();
  if (run.samples.size() != n_prompts) throw FormatError("eval: samples for " + std::to_string(run.samples.size()) +
                                                         " prompts, but " + std::to_string(n_prompts) + " passages");
  EvalResult r;
  r.setting = run.setting;
  r.continuation_tokens = length;
  for (auto* v : {&r.bleu, &r.rouge_l, &r.loglik, &r.self_bleu, &r.distinct1, &r.distinct2, &r.distinct3})
    v->assign(n_prompts, 0.0);
  for (size_t p = 0; p < n_prompts; ++p) {
    const TokenSeq& full_ref = passages[p].reference;
    const TokenSeq reference(full_ref.begin(), full_ref.begin() + static_cast<long>(std::min(length, full_ref.size())));
    std::vector<TokenSeq> samples;
    double b = 0, rl = 0, ll = 0;
    for (const SampleTrace& tr : run.samples[p]) {
      TokenSeq smp(tr.tokens.begin(), tr.tokens.begin() + static_cast<long>(std::min(length, tr.tokens.size())));
      const size_t steps = std::min(length, tr.logprob.size());
      double sum = 0;
      for (size_t i = 0; i < steps; ++i) sum += tr.logprob[i];
      ll += steps ? sum / static_cast<double>(steps) : 0.0;
      b += bleu4(smp, {reference});
      rl += rouge_l_f1(smp, reference);
      samples.push_back(std::move(smp));
    }
    const auto k = static_cast<double>(std::max<size_t>(1, samples.size()));
    r.bleu[p] = b / k;
    r.rouge_l[p] = rl / k;
    r.loglik[p] = ll / k;
    r.self_bleu[p] = self_bleu(samples);
    r.distinct1[p] = distinct_n(samples, 1);
    r.distinct2[p] = distinct_n(samples, 2);
    r.distinct3[p] = distinct_n(samples, 3);
  }
  return r;
}

std::vector<EvalResult> run_evaluation(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                       const std::vector<EvalPassage>& passages,
                                       const std::vector<EvalSetting>& settings, const EvalOptions& opt,
                                       const std::function<void(size_t, size_t)>& progress) {
  std::vector<EvalResult> out;
  for (const EvalRun& run : generate_samples(model, tok, passages, settings, opt, progress))
    out.push_back(score_run(run, passages, opt.continuation_tokens));
  return out;
}

}  // namespace edt
