#include "eval/text_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace edt {
namespace {

using NgramCounts = std::map<std::vector<int32_t>, int>;

NgramCounts ngrams(const TokenSeq& s, int n) {
  NgramCounts counts;
  if (static_cast<int>(s.size()) < n) return counts;
  for (size_t i = 0; i + static_cast<size_t>(n) <= s.size(); ++i)
    ++counts[std::vector<int32_t>(s.begin() + static_cast<long>(i), s.begin() + static_cast<long>(i) + n)];
  return counts;
}

}  // namespace

double bleu4(const TokenSeq& hyp, const std::vector<TokenSeq>& refs) {
  if (hyp.empty() || refs.empty()) return 0.0;
  double log_sum = 0;
  for (int n = 1; n <= 4; ++n) {
    const NgramCounts h = ngrams(hyp, n);
    NgramCounts max_ref;
    for (const TokenSeq& r : refs)
      for (const auto& [g, c] : ngrams(r, n)) max_ref[g] = std::max(max_ref[g], c);
    int matches = 0, total = 0;
    for (const auto& [g, c] : h) {
      total += c;
      auto it = max_ref.find(g);
      if (it != max_ref.end()) matches += std::min(c, it->second);
    }
    double p;
    if (n == 1) {
      if (matches == 0) return 0.0;
      p = static_cast<double>(matches) / total;
    } else {
      p = (matches + 1.0) / (total + 1.0);
    }
    log_sum += std::log(p);
  }
  // Brevity penalty against the reference closest in length (the shorter on ties).
  size_t closest = refs[0].size();
  for (const TokenSeq& r : refs) {
    const auto d = [&](size_t len) { return len > hyp.size() ? len - hyp.size() : hyp.size() - len; };
    if (d(r.size()) < d(closest) || (d(r.size()) == d(closest) && r.size() < closest)) closest = r.size();
  }
  const double bp = hyp.size() >= closest ? 1.0 : std::exp(1.0 - static_cast<double>(closest) / hyp.size());
  return bp * std::exp(log_sum / 4.0);
}

double rouge_l_f1(const TokenSeq& hyp, const TokenSeq& ref) {
  if (hyp.empty() || ref.empty()) return 0.0;
  std::vector<int> prev(ref.size() + 1, 0), cur(ref.size() + 1, 0);  // LCS dynamic programme, two rows
  for (size_t i = 1; i <= hyp.size(); ++i) {
    for (size_t j = 1; j <= ref.size(); ++j)
      cur[j] = hyp[i - 1] == ref[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  const double lcs = prev[ref.size()];
  if (lcs == 0) return 0.0;
  const double p = lcs / static_cast<double>(hyp.size()), r = lcs / static_cast<double>(ref.size());
  return 2 * p * r / (p + r);
}

double self_bleu(const std::vector<TokenSeq>& samples) {
  if (samples.size() < 2) return 0.0;
  double sum = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<TokenSeq> others;
    for (size_t j = 0; j < samples.size(); ++j)
      if (j != i) others.push_back(samples[j]);
    sum += bleu4(samples[i], others);
  }
  return sum / static_cast<double>(samples.size());
}

double distinct_n(const std::vector<TokenSeq>& samples, int n) {
  std::set<std::vector<int32_t>> unique;
  size_t total = 0;
  for (const TokenSeq& s : samples)
    for (const auto& [g, c] : ngrams(s, n)) {
      unique.insert(g);
      total += static_cast<size_t>(c);
    }
  return total == 0 ? 0.0 : static_cast<double>(unique.size()) / static_cast<double>(total);
}

}  // namespace edt
