#include "serve/http_server.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "engine/request_error.h"
#include "serve/api_error.h"
#include "serve/openai_format.h"
#include "weights/error.h"

namespace edt::serve {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

bool constant_time_equal(const std::string& a, const std::string& b) {
  // Every byte of the candidate is compared (against the key, repeated), so the time says nothing about where
  // the first difference is; the lengths enter the result, not the loop's exit.
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  if (b.empty()) return a.empty();
  volatile unsigned char acc = 0;
  for (size_t i = 0; i < a.size(); ++i)
    acc = static_cast<unsigned char>(acc | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i % b.size()])));
  return (diff | acc) == 0;
}

struct HttpServer::Impl {
  ServerOptions options;
  Metrics& metrics;
  httplib::Server server;
  std::atomic<Scheduler*> scheduler{nullptr};
  RequestContext context;
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> next_id{0};
  std::atomic<size_t> active{0};  // generation requests not completely answered
  std::mutex log_mutex;
  std::mt19937_64 seeds{std::random_device{}()};
  std::mutex seeds_mutex;

  Impl(const ServerOptions& o, Metrics& m) : options(o), metrics(m) {}

  void log(const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

  void send_error(httplib::Response& res, const ApiError& e) {
    res.status = e.status();
    if (e.status() == 503) res.set_header("Retry-After", std::to_string(options.retry_after_seconds));
    res.set_content(e.body(), "application/json");
  }

  void log_simple(uint64_t id, const httplib::Request& req, int status, const std::string& note = "") {
    char line[512];
    std::snprintf(line, sizeof line, "req %llu %s %s %d%s%s", static_cast<unsigned long long>(id), req.method.c_str(),
                  req.path.c_str(), status, note.empty() ? "" : " | ", note.c_str());
    log(line);
  }

  void log_generation(uint64_t id, const httplib::Request& req, int status, const JobSummary& s) {
    const double gen_s = s.total_seconds - s.first_token_seconds;
    const double tps = s.completion_tokens > 1 && gen_s > 0 ? static_cast<double>(s.completion_tokens - 1) / gen_s : 0.0;
    char line[512];
    std::snprintf(line, sizeof line,
                  "req %llu %s %s %d | prompt %zu tokens (%zu cached) | completion %zu | queue %.1f ms | "
                  "first token %.1f ms | %.1f tok/s | %s%s%s",
                  static_cast<unsigned long long>(id), req.method.c_str(), req.path.c_str(), status, s.prompt_tokens,
                  s.cached_tokens, s.completion_tokens, s.queue_seconds * 1e3, s.first_token_seconds * 1e3, tps,
                  finish_reason_name(s.finish), s.error.empty() ? "" : ": ", s.error.c_str());
    log(line);
  }

  // The scheduler, or 503 while the model loads.
  Scheduler& ready_scheduler() {
    Scheduler* s = scheduler.load();
    if (!s) throw ApiError(503, "the model is loading", "", "loading");
    return *s;
  }

  uint64_t random_seed() {
    std::lock_guard<std::mutex> lock(seeds_mutex);
    return seeds() & 0x7fffffffffffffffULL;
  }

  void generation(const httplib::Request& req, httplib::Response& res, Endpoint endpoint, uint64_t id);
  void install_routes();
};

void HttpServer::Impl::generation(const httplib::Request& req, httplib::Response& res, Endpoint endpoint,
                                  uint64_t id) {
  Scheduler& sched = ready_scheduler();
  // Counted until the response is written: for a stream, until the provider's releaser runs.
  struct ActiveCount {
    std::atomic<size_t>& n;
    bool armed = true;
    explicit ActiveCount(std::atomic<size_t>& c) : n(c) { ++n; }
    ~ActiveCount() {
      if (armed) --n;
    }
  } counted(active);
  if (draining) throw ApiError(503, "the server is shutting down", "", "draining");
  RequestContext ctx = context;
  ctx.random_seed = random_seed();
  GenerationRequest r;
  try {
    r = parse_generation_request(req.body, endpoint, ctx);
  } catch (const FormatError& e) {  // e.g. the tokenizer refusing a text
    throw ApiError(400, e.what(), "", "invalid_value");
  } catch (const RequestError& e) {  // what the engine cannot do with this request (context, token ids)
    throw ApiError(400, e.what(), "", "invalid_value");
  }
  ResponseIds ids;
  ids.id = (endpoint == Endpoint::Completions ? "cmpl-" : "chatcmpl-") + std::to_string(id);
  ids.created = static_cast<int64_t>(std::time(nullptr));
  ids.model = r.model.empty() ? options.model_name : r.model;
  const bool stream = r.stream, include_usage = r.include_usage;
  auto job = std::make_shared<Job>(std::move(r));
  switch (sched.submit(job)) {
    case Scheduler::Submit::Accepted: break;
    case Scheduler::Submit::QueueFull:
      ++metrics.rejected_busy;
      throw ApiError(503, "all slots are busy and the queue is full; retry later", "", "server_busy");
    case Scheduler::Submit::Draining:
      ++metrics.rejected_busy;
      throw ApiError(503, "the server is shutting down", "", "draining");
  }

  if (!stream) {
    std::vector<TokenEvent> events;
    while (!job->take(events, std::chrono::milliseconds(200))) {
    }
    const JobSummary s = job->summary();
    if (s.finish == FinishReason::Cancelled || s.finish == FinishReason::Error) {
      log_generation(id, req, s.finish == FinishReason::Error ? 500 : 503, s);
      throw ApiError(s.finish == FinishReason::Error ? 500 : 503, "generation did not finish: " + s.error, "",
                     s.finish == FinishReason::Error ? "internal_error" : "draining");
    }
    std::string text;
    for (const TokenEvent& e : events) text += e.text;
    LogprobsBuilder lp(*context.tokenizer, endpoint);
    const json logprobs = job->request().top_logprobs >= 0 ? lp.build(events) : json(nullptr);
    res.set_content(dump(response_json(ids, endpoint, text, logprobs, s)), "application/json");
    metrics.count_request(req.path, 200);
    log_generation(id, req, 200, s);
    return;
  }

  // Streaming: the provider runs on this connection's thread after the handler returns, once per call, writing
  // whatever events arrived; a failed write (the client went away) cancels the job, which frees its slot.
  struct StreamState {
    std::shared_ptr<Job> job;
    LogprobsBuilder logprobs;
    bool role_sent = false;
    bool finished = false;
    Clock::time_point last_write = Clock::now();
  };
  auto state = std::make_shared<StreamState>(StreamState{job, LogprobsBuilder(*context.tokenizer, endpoint)});
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");  // nginx: pass events through unbuffered
  auto req_copy = std::make_shared<httplib::Request>();
  req_copy->method = req.method;
  req_copy->path = req.path;
  counted.armed = false;  // the releaser below takes over the count
  res.set_chunked_content_provider(
      "text/event-stream",
      [state, ids, endpoint, include_usage](size_t, httplib::DataSink& sink) {
        auto send = [&](const std::string& payload) {
          const std::string event = "data: " + payload + "\n\n";
          state->last_write = Clock::now();
          return sink.write(event.data(), event.size());
        };
        if (endpoint == Endpoint::ChatCompletions && !state->role_sent) {
          state->role_sent = true;
          if (!send(dump(chunk_json(ids, endpoint, "", nullptr, nullptr, true)))) {
            state->job->cancel();
            return false;
          }
        }
        std::vector<TokenEvent> events;
        const bool done = state->job->take(events, std::chrono::milliseconds(100));
        if (!events.empty()) {
          std::string text;
          for (const TokenEvent& e : events) text += e.text;
          const json lp = state->job->request().top_logprobs >= 0 ? state->logprobs.build(events) : json(nullptr);
          if ((!text.empty() || !lp.is_null()) && !send(dump(chunk_json(ids, endpoint, text, lp, nullptr)))) {
            state->job->cancel();
            return false;
          }
        } else if (!done && Clock::now() - state->last_write > std::chrono::seconds(2)) {
          // A comment line while a long prompt is prefilled: keeps proxies from timing out, finds closed clients.
          const char ping[] = ": ping\n\n";
          state->last_write = Clock::now();
          if (!sink.write(ping, sizeof ping - 1)) {
            state->job->cancel();
            return false;
          }
        }
        if (!done) return true;
        const JobSummary s = state->job->summary();
        state->finished = true;
        if (s.finish == FinishReason::Cancelled || s.finish == FinishReason::Error) {
          const ApiError err(s.finish == FinishReason::Error ? 500 : 503, "generation did not finish: " + s.error);
          send(err.body());
        } else {
          send(dump(chunk_json(ids, endpoint, "", nullptr, finish_reason_name(s.finish))));
          if (include_usage) send(dump(usage_chunk_json(ids, endpoint, s)));
          send("[DONE]");
        }
        sink.done();
        return true;
      },
      [this, state, id, req_copy](bool success) {
        if (!success) state->job->cancel();
        // The job may still be running (a cancelled stream): wait for its end so the log line has its numbers.
        std::vector<TokenEvent> rest;
        while (!state->job->take(rest, std::chrono::milliseconds(100))) rest.clear();
        const JobSummary s = state->job->summary();
        const int status = success && state->finished ? 200 : 499;  // 499: the client closed the connection
        metrics.count_request(req_copy->path, status);
        log_generation(id, *req_copy, status, s);
        --active;
      });
}

void HttpServer::Impl::install_routes() {
  server.set_payload_max_length(options.max_body_bytes);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(30);
  server.set_write_timeout(30);
  const size_t threads = std::max<size_t>(4, options.http_threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    const bool ok = auth.size() > prefix.size() && auth.compare(0, prefix.size(), prefix) == 0 &&
                    constant_time_equal(auth.substr(prefix.size()), options.api_key);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    const uint64_t id = ++next_id;
    send_error(res, ApiError(401, "a valid API key is required: Authorization: Bearer KEY", "", "invalid_api_key"));
    metrics.count_request(req.path, 401);
    log_simple(id, req, 401);
    return httplib::Server::HandlerResponse::Handled;
  });
  // 404, 405, 413 (body over the cap) and the library's 400s get an OpenAI error object too.
  server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg = "no route " + req.method + " " + req.path;
    if (res.status == 413) msg = "the request body is larger than " + std::to_string(options.max_body_bytes) + " bytes";
    else if (res.status != 404) msg = std::string("bad request (HTTP ") + std::to_string(res.status) + ")";
    const ApiError e(res.status, msg, "", res.status == 413 ? "body_too_large" : "");
    res.set_content(e.body(), "application/json");
    const uint64_t id = ++next_id;
    metrics.count_request(res.status == 404 ? "other" : req.path, res.status);
    log_simple(id, req, res.status);
  });
  server.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, ApiError(500, what, "", "internal_error"));
    log_simple(++next_id, req, 500, what);
  });

  // Runs a handler with the error policy: ApiError -> its status and object, counted and logged.
  auto guarded = [this](const char* name, auto body) {
    return [this, name, body](const httplib::Request& req, httplib::Response& res) {
      const uint64_t id = ++next_id;
      try {
        body(req, res, id);
      } catch (const ApiError& e) {
        send_error(res, e);
        metrics.count_request(name, e.status());
        log_simple(id, req, e.status(), e.what());
      }
    };
  };

  server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (scheduler.load() == nullptr) {
      res.status = 503;
      res.set_content(R"({"status":"loading model"})", "application/json");
    } else {
      res.set_content(draining ? R"({"status":"draining"})" : R"({"status":"ok"})", "application/json");
    }
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.prometheus_text(), "text/plain; version=0.0.4");
  });
  server.Get("/v1/models", guarded("/v1/models", [this](const httplib::Request&, httplib::Response& res, uint64_t) {
    const json model = {{"id", options.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "edt"}};
    res.set_content(dump({{"object", "list"}, {"data", json::array({model})}}), "application/json");
    metrics.count_request("/v1/models", 200);
  }));
  server.Post("/v1/completions",
              guarded("/v1/completions", [this](const httplib::Request& req, httplib::Response& res, uint64_t id) {
                generation(req, res, Endpoint::Completions, id);
              }));
  server.Post("/v1/chat/completions", guarded("/v1/chat/completions", [this](const httplib::Request& req,
                                                                           httplib::Response& res, uint64_t id) {
                generation(req, res, Endpoint::ChatCompletions, id);
              }));
  server.Post("/tokenize", guarded("/tokenize", [this](const httplib::Request& req, httplib::Response& res, uint64_t id) {
    ready_scheduler();
    const std::vector<int32_t> ids = parse_tokenize_request(req.body, context);
    res.set_content(dump({{"tokens", ids}}), "application/json");
    metrics.count_request("/tokenize", 200);
    log_simple(id, req, 200, std::to_string(ids.size()) + " tokens");
  }));
  server.Post("/detokenize",
              guarded("/detokenize", [this](const httplib::Request& req, httplib::Response& res, uint64_t id) {
                ready_scheduler();
                const std::vector<int32_t> ids = parse_detokenize_request(req.body, context);
                res.set_content(dump({{"content", context.tokenizer->decode(ids)}}), "application/json");
                metrics.count_request("/detokenize", 200);
                log_simple(id, req, 200, std::to_string(ids.size()) + " tokens");
              }));
}

HttpServer::HttpServer(const ServerOptions& options, Metrics& metrics)
    : impl_(std::make_unique<Impl>(options, metrics)) {
  impl_->install_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::bind() {
  const ServerOptions& o = impl_->options;
  if (o.port == 0) {
    port_ = impl_->server.bind_to_any_port(o.host);
    if (port_ <= 0) throw UsageError("cannot listen on " + o.host + " (any port)");
  } else {
    if (!impl_->server.bind_to_port(o.host, o.port))
      throw UsageError("cannot listen on " + o.host + ":" + std::to_string(o.port) + " (in use, or not an address here)");
    port_ = o.port;
  }
}

void HttpServer::serve() { impl_->server.listen_after_bind(); }

bool HttpServer::wait_until_serving(int timeout_ms) const {
  for (int waited = 0; !impl_->server.is_running(); waited += 2) {
    if (waited >= timeout_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}
void HttpServer::stop() { impl_->server.stop(); }

void HttpServer::set_ready(Scheduler* scheduler, const RequestContext& context) {
  impl_->context = context;
  impl_->scheduler = scheduler;
  impl_->metrics.ready = 1;
}

void HttpServer::set_draining() { impl_->draining = true; }
size_t HttpServer::active_generations() const { return impl_->active.load(); }

}  // namespace edt::serve
