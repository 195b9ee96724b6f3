#pragma once
// Quality and diversity metrics over token sequences, as the EDT paper reports them: BLEU-4 and ROUGE-L against a
// reference, Self-BLEU among samples (lower is more diverse), distinct-n. All work on token ids.
#include <cstdint>
#include <vector>

namespace edt {

using TokenSeq = std::vector<int32_t>;

// Sentence BLEU-4 of a hypothesis against one or more references: clipped n-gram precisions for n = 1..4 (counts
// clipped by the most of each n-gram in any single reference), geometric mean, brevity penalty against the closest
// reference length. Smoothing (Lin & Och 2004, "add-one" for n >= 2): p_n = (matches + 1) / (total + 1) for n >= 2,
// so short texts with no 4-gram match still score. An empty hypothesis scores 0; a hypothesis with no unigram
// match scores 0.
double bleu4(const TokenSeq& hypothesis, const std::vector<TokenSeq>& references);

// ROUGE-L F1 (β = 1): LCS length over hypothesis length (precision) and reference length (recall). 0 when either
// is empty.
double rouge_l_f1(const TokenSeq& hypothesis, const TokenSeq& reference);

// Mean over samples of BLEU-4 of each sample against all the others as references. 0 with fewer than 2 samples.
double self_bleu(const std::vector<TokenSeq>& samples);

// Distinct n-grams over all n-grams of all samples pooled (0 when there are none).
double distinct_n(const std::vector<TokenSeq>& samples, int n);

}  // namespace edt
