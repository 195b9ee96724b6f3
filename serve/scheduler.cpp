#include "serve/scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "serve/stop_matcher.h"
#include "tokenizer/stream_decoder.h"
#include "weights/error.h"

namespace edt::serve {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::None: return "none";
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    case FinishReason::Error: return "error";
  }
  return "?";
}

bool Job::take(std::vector<TokenEvent>& out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return done_ || !events_.empty(); });
  while (!events_.empty()) {
    out.push_back(std::move(events_.front()));
    events_.pop_front();
  }
  return done_;
}

JobSummary Job::summary() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return summary_;
}

void Job::emit(TokenEvent e) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(e));
  }
  // A non-streamed request's HTTP thread needs only the end (finish() wakes it): waking it for every token would
  // put a thread on a core that the step's team is using, once per token.
  if (request_.stream) cv_.notify_all();
}

void Job::finish(const JobSummary& s) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    summary_ = s;
    done_ = true;
  }
  cv_.notify_all();
}

Scheduler::Scheduler(std::shared_ptr<const Model> model, const Tokenizer& tokenizer, const SchedulerOptions& options,
                     Metrics& metrics)
    : model_(std::move(model)),
      tokenizer_(tokenizer),
      options_(options),
      metrics_(metrics),
      session_(model_, [&] {
        SessionOptions so = options.session;
        so.n_seq = std::max<uint32_t>(1, options.n_slots);
        so.max_batch = std::max<uint32_t>(1, options.prefill_chunk) + so.n_seq;  // decode rows + one prefill chunk
        return so;
      }()),
      slots_(std::max<uint32_t>(1, options.n_slots)) {
  const size_t vocab = model_->hparams().n_vocab;
  for (uint32_t i = 0; i < slots_.size(); ++i) slots_[i].seq = i;
  logits_.resize(slots_.size() * vocab);
  work_.resize(vocab);
  logprob_.resize(vocab);
  top_ids_.resize(vocab);
  metrics_.slots = static_cast<int64_t>(slots_.size());
  // The session's rows are capped by the context: the chunk leaves room for every slot's decode row.
  if (session_.max_batch() <= slots_.size())
    throw UsageError("a context of " + std::to_string(session_.n_ctx()) + " tokens is too small for " +
                     std::to_string(slots_.size()) + " slots");
  chunk_ = std::min<size_t>(std::max<uint32_t>(1, options_.prefill_chunk), session_.max_batch() - slots_.size());
  thread_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& [job, t] : queue_) job->finish({FinishReason::Cancelled, 0, 0, 0, 0, 0, 0, "the server stopped"});
}

Scheduler::Submit Scheduler::submit(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_ || stop_) return Submit::Draining;
    // A request may wait only when a slot will take it soon: free slots plus the queue bound.
    const size_t free_slots = slots_.size() - running_;
    if (queue_.size() >= options_.max_queue + free_slots) return Submit::QueueFull;
    queue_.emplace_back(job, Clock::now());
    metrics_.queue_depth = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_all();
  return Submit::Accepted;
}

void Scheduler::drain() {
  std::lock_guard<std::mutex> lock(mutex_);
  draining_ = true;
}

void Scheduler::cancel_all() {
  cancel_all_ = true;
  cv_.notify_all();
}

bool Scheduler::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.empty() && running_ == 0;
}

bool Scheduler::is_end_token(int32_t t) const {
  return std::find(options_.end_tokens.begin(), options_.end_tokens.end(), t) != options_.end_tokens.end();
}

void Scheduler::admit(std::shared_ptr<Job> job, Clock::time_point queued_at) {
  const std::vector<int32_t>& prompt = job->request().prompt;
  // The free slot whose cache shares the longest prefix with the prompt; among equals, the least recently used.
  Slot* best = nullptr;
  size_t best_common = 0;
  for (Slot& s : slots_) {
    if (s.job) continue;
    const size_t limit = std::min(s.cached.size(), prompt.size());
    size_t common = 0;
    while (common < limit && s.cached[common] == prompt[common]) ++common;
    if (!best || common > best_common || (common == best_common && s.last_used < best->last_used)) {
      best = &s;
      best_common = common;
    }
  }
  Slot& s = *best;
  // At least the prompt's last token is run again: its logits start the generation.
  const size_t keep = std::min(best_common, prompt.size() - 1);
  session_.truncate(s.seq, static_cast<uint32_t>(keep));
  s.cached.resize(keep);
  s.job = std::move(job);
  const GenerationRequest& r = s.job->request();
  s.chain = r.sampler.build(model_->hparams().n_vocab, model_->isa());
  s.chain->set_report_probability(false);
  for (int32_t t : prompt) s.chain->accept(t);  // penalties see the prompt, as in edt run
  s.decoder = std::make_unique<StreamDecoder>(tokenizer_);
  s.stop = std::make_unique<StopMatcher>(r.stop);
  s.prefill_next = keep;
  s.pending = -1;
  s.generated = 0;
  s.last_used = ++use_clock_;
  s.queued_at = queued_at;
  s.started_at = Clock::now();
  s.summary = {};
  s.summary.prompt_tokens = prompt.size();
  s.summary.cached_tokens = keep;
  s.summary.queue_seconds = seconds_between(queued_at, s.started_at);
}

void Scheduler::release(Slot& s, FinishReason reason, const std::string& error, bool flush) {
  if (flush) {  // the text held back (an incomplete character, a possible start of a stop string) goes out
    std::string tail, released;
    s.decoder->finish(tail);
    if (!s.stop->push(tail, released)) s.stop->finish(released);
    if (!released.empty()) s.job->emit({-1, released, 0, {}});
  }
  s.summary.finish = reason;
  s.summary.completion_tokens = s.generated;
  s.summary.total_seconds = seconds_between(s.queued_at, Clock::now());
  s.summary.error = error;
  metrics_.prompt_tokens += s.summary.prompt_tokens;
  metrics_.prompt_cached_tokens += s.summary.cached_tokens;
  if (reason == FinishReason::Cancelled) ++metrics_.cancelled;
  s.job->finish(s.summary);
  s.job.reset();
  s.chain.reset();
  s.last_used = ++use_clock_;
  std::lock_guard<std::mutex> lock(mutex_);
  --running_;
  metrics_.busy_slots = static_cast<int64_t>(running_);
}

void Scheduler::sample(Slot& s, const float* logits) {
  const GenerationRequest& r = s.job->request();
  const size_t vocab = work_.size();
  TokenEvent e;
  if (r.top_logprobs >= 0) {  // log-softmax of the model's own logits, before the sampler changes them
    const float mx = *std::max_element(logits, logits + vocab);
    double sum = 0;
    for (size_t i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - mx));
    const float lse = mx + static_cast<float>(std::log(sum));
    for (size_t i = 0; i < vocab; ++i) logprob_[i] = logits[i] - lse;
  }
  std::copy(logits, logits + vocab, work_.begin());
  const auto t0 = Clock::now();
  const int32_t token = s.chain->sample(work_);
  s.chain->accept(token);
  metrics_.sampler_ns += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  ++metrics_.generated_tokens;
  if (s.generated++ == 0) s.summary.first_token_seconds = seconds_between(s.queued_at, Clock::now());
  if (is_end_token(token)) {
    release(s, FinishReason::Stop, "", true);
    return;
  }
  if (r.top_logprobs >= 0) {
    e.logprob = logprob_[static_cast<size_t>(token)];
    const size_t k = static_cast<size_t>(r.top_logprobs);
    std::vector<int32_t>& ids = top_ids_;
    for (size_t i = 0; i < vocab; ++i) ids[i] = static_cast<int32_t>(i);
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                      [&](int32_t a, int32_t b) { return logprob_[static_cast<size_t>(a)] > logprob_[static_cast<size_t>(b)]; });
    for (size_t i = 0; i < k; ++i) e.top.emplace_back(ids[i], logprob_[static_cast<size_t>(ids[i])]);
  }
  e.token = token;
  std::string text;
  s.decoder->push(token, text);
  const bool stopped = s.stop->push(text, e.text);
  s.job->emit(std::move(e));
  if (stopped) {
    release(s, FinishReason::Stop);
  } else if (s.generated >= r.max_tokens || session_.pos(s.seq) >= session_.n_ctx()) {
    release(s, FinishReason::Length, "", true);
  } else {
    s.pending = token;
  }
}

void Scheduler::run() {
  // (slots) reserved once: a step allocates nothing.
  std::vector<SequenceChunk> chunks;
  std::vector<Slot*> chunk_slots, prefilling;
  chunks.reserve(slots_.size());
  chunk_slots.reserve(slots_.size());
  prefilling.reserve(slots_.size());
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || running_ > 0 || !queue_.empty(); });
      if (stop_) break;
    }
    // Admit waiting requests into free slots.
    while (true) {
      std::shared_ptr<Job> job;
      Clock::time_point queued_at;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue_.empty() || (running_ == slots_.size() && !cancel_all_)) break;
        if (cancel_all_) {
          queue_.front().first->finish({FinishReason::Cancelled, 0, 0, 0, 0, 0, 0, "the server stopped"});
          queue_.pop_front();
          metrics_.queue_depth = static_cast<int64_t>(queue_.size());
          continue;
        }
        std::tie(job, queued_at) = queue_.front();
        queue_.pop_front();
        ++running_;
        metrics_.queue_depth = static_cast<int64_t>(queue_.size());
        metrics_.busy_slots = static_cast<int64_t>(running_);
      }
      admit(std::move(job), queued_at);
    }
    // Clients that went away free their slots before the step.
    for (Slot& s : slots_) {
      if (s.job && cancel_all_) s.job->cancel();
      if (s.job && s.job->cancelled()) release(s, FinishReason::Cancelled, cancel_all_ ? "the server stopped" : "");
    }

    // One step: every generating slot's token first, then prefill chunks in admission order, each whole (the
    // same chunks as when the request runs alone), while they fit in prefill_chunk tokens.
    chunks.clear();
    chunk_slots.clear();
    size_t budget = chunk_;
    for (Slot& s : slots_)
      if (s.job && s.pending >= 0) {
        chunks.push_back({s.seq, std::span<const int32_t>(&s.pending, 1), true});
        chunk_slots.push_back(&s);
      }
    prefilling.clear();
    for (Slot& s : slots_)
      if (s.job && s.pending < 0) prefilling.push_back(&s);
    std::sort(prefilling.begin(), prefilling.end(), [](Slot* a, Slot* b) { return a->started_at < b->started_at; });
    for (Slot* s : prefilling) {
      const std::vector<int32_t>& prompt = s->job->request().prompt;
      const size_t n = std::min(chunk_, prompt.size() - s->prefill_next);
      if (n > budget) break;
      const bool last = s->prefill_next + n == prompt.size();
      chunks.push_back({s->seq, std::span<const int32_t>(prompt).subspan(s->prefill_next, n), last});
      chunk_slots.push_back(s);
      budget -= n;
    }
    if (chunks.empty()) continue;

    const auto t0 = Clock::now();
    try {
      session_.step(chunks, logits_.data());
    } catch (const std::exception& e) {  // a bug, not a request's fault: the requests of this step end in an error
      for (Slot* s : chunk_slots) release(*s, FinishReason::Error, e.what());
      continue;
    }
    const size_t vocab = work_.size();
    size_t row = 0, rows = 0;
    for (size_t i = 0; i < chunks.size(); ++i) {
      Slot& s = *chunk_slots[i];
      rows += chunks[i].tokens.size();
      s.cached.insert(s.cached.end(), chunks[i].tokens.begin(), chunks[i].tokens.end());
      if (s.pending >= 0) {
        s.pending = -1;
      } else {
        s.prefill_next += chunks[i].tokens.size();
      }
      if (chunks[i].want_logits) sample(s, &logits_[row++ * vocab]);
    }
    ++metrics_.steps;
    metrics_.step_rows += rows;
    metrics_.step_ns += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  }
  for (Slot& s : slots_)
    if (s.job) release(s, FinishReason::Cancelled, "the server stopped");
}

}  // namespace edt::serve
