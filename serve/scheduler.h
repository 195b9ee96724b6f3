#pragma once
// Continuous batching over -np slots. Requests wait in a bounded queue; the engine thread admits them into free
// slots and runs steps: one forward over every active sequence (a decode token for each generating slot, plus
// prefill chunks of newly admitted requests, up to the batch size), then samples each generating slot with its
// own chain. A slot keeps the tokens in its KV cache after a request; a new request is placed in the free slot
// whose cache shares the longest prefix with its prompt, and only the rest is prefilled.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/session.h"
#include "serve/metrics.h"
#include "serve/request.h"
#include "serve/stop_matcher.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"

namespace edt::serve {

enum class FinishReason { None, Stop, Length, Cancelled, Error };
const char* finish_reason_name(FinishReason r);  // "stop", "length", ...

// One generated token as the HTTP side sees it.
struct TokenEvent {
  int32_t token = -1;
  std::string text;  // released text (whole UTF-8, stop strings held back); may be empty
  float logprob = 0;  // log-probability under the model (raw logits), when logprobs were asked for
  std::vector<std::pair<int32_t, float>> top;  // (token, logprob), best first
};

struct JobSummary {
  FinishReason finish = FinishReason::None;
  size_t prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
  double queue_seconds = 0, first_token_seconds = 0, total_seconds = 0;
  std::string error;
};

// A request in flight: filled by the engine thread, read by its HTTP thread.
class Job {
 public:
  explicit Job(GenerationRequest request) : request_(std::move(request)) {}
  const GenerationRequest& request() const { return request_; }
  // The HTTP side: takes the events so far (waiting up to timeout for one, or for a non-streamed request for the
  // end); returns true once the job is done and every event has been taken (then summary() is final).
  bool take(std::vector<TokenEvent>& out, std::chrono::milliseconds timeout);
  JobSummary summary() const;
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  // The engine side.
  void emit(TokenEvent e);
  void finish(const JobSummary& s);

 private:
  GenerationRequest request_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<TokenEvent> events_;
  bool done_ = false;
  JobSummary summary_;
};

struct SchedulerOptions {
  uint32_t n_slots = 1;
  size_t max_queue = 16;   // requests waiting for a slot; past that, submit() refuses
  uint32_t prefill_chunk = 512;  // prompt tokens per step; chunks start at multiples of it from the reused prefix
  SessionOptions session;  // n_seq is set to n_slots, max_batch to prefill_chunk + n_slots
  std::vector<int32_t> end_tokens;  // end of text / end of turn: generation stops, the token is not shown
};

class Scheduler {
 public:
  Scheduler(std::shared_ptr<const Model> model, const Tokenizer& tokenizer, const SchedulerOptions& options,
            Metrics& metrics);
  ~Scheduler();  // stops the engine thread; unfinished jobs end as cancelled

  enum class Submit { Accepted, QueueFull, Draining };
  Submit submit(const std::shared_ptr<Job>& job);
  // Stops admitting new requests (submit() says Draining); queued and running ones go on.
  void drain();
  // Ends every queued and running request as cancelled, at the next step (the end of a drain timeout).
  void cancel_all();
  // No request queued or running.
  bool idle() const;
  uint32_t n_ctx() const { return session_.n_ctx(); }

 private:
  struct Slot {
    uint32_t seq = 0;
    std::vector<int32_t> cached;  // (tokens) what this slot's KV cache holds, positions 0..
    std::shared_ptr<Job> job;
    std::unique_ptr<SamplerChain> chain;
    std::unique_ptr<StreamDecoder> decoder;
    std::unique_ptr<StopMatcher> stop;
    size_t prefill_next = 0;  // index in the prompt of the next token to prefill
    int32_t pending = -1;     // sampled, to be fed at the next step
    size_t generated = 0;
    uint64_t last_used = 0;
    std::chrono::steady_clock::time_point queued_at, started_at;
    JobSummary summary;
  };

  void run();
  void admit(std::shared_ptr<Job> job, std::chrono::steady_clock::time_point queued_at);
  // Ends the slot's job; flush releases the text still held back (not after a stop string).
  void release(Slot& slot, FinishReason reason, const std::string& error = "", bool flush = false);
  void sample(Slot& slot, const float* logits);
  bool is_end_token(int32_t t) const;

  std::shared_ptr<const Model> model_;
  const Tokenizer& tokenizer_;
  SchedulerOptions options_;
  Metrics& metrics_;
  Session session_;
  std::vector<Slot> slots_;
  uint64_t use_clock_ = 0;
  size_t chunk_ = 1;  // prompt tokens per step

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<std::shared_ptr<Job>, std::chrono::steady_clock::time_point>> queue_;
  size_t running_ = 0;  // jobs in slots (under mutex_ for idle())
  bool draining_ = false;
  bool stop_ = false;
  std::atomic<bool> cancel_all_{false};

  std::vector<float> logits_;   // (slots, vocab) a step's logits
  std::vector<float> work_;     // (vocab) one row, consumed by the chain
  std::vector<float> logprob_;  // (vocab) log-softmax of one row, for logprobs
  std::vector<int32_t> top_ids_;  // (vocab) token ids, partly sorted by logprob_ for top_logprobs
  std::thread thread_;
};

}  // namespace edt::serve
