#pragma once
// The HTTP side of `edt serve` (cpp-httplib, thread per connection from a fixed pool): routes, the API key,
// OpenAI error objects, Server-Sent Events, one log line per request. Generation goes to the Scheduler; until the
// model is loaded, /health answers 503 and the other endpoints refuse with 503.
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "serve/metrics.h"
#include "serve/request.h"
#include "serve/scheduler.h"

namespace edt::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;                  // empty: no authentication
  size_t max_body_bytes = 1 << 20;      // larger bodies get 413
  size_t http_threads = 8;              // connections served at once (slots + queue + a few for /health, /metrics)
  std::string model_name = "edt";       // what /v1/models lists
  int retry_after_seconds = 1;          // the Retry-After of a 503
};

class HttpServer {
 public:
  HttpServer(const ServerOptions& options, Metrics& metrics);
  ~HttpServer();
  // Binds host:port; throws UsageError when it cannot. port() is then the bound port (useful with port 0).
  void bind();
  int port() const { return port_; }
  // Serves until stop(); returns then.
  void serve();
  // Waits (up to timeout_ms) until serve() is accepting; stop() before that would be lost.
  bool wait_until_serving(int timeout_ms) const;
  void stop();
  // The model is loaded: generation endpoints open. scheduler and the context's tokenizer must outlive the server.
  void set_ready(Scheduler* scheduler, const RequestContext& context);
  // SIGTERM: new generation requests get 503; the running ones finish.
  void set_draining();
  // Generation requests whose response is not completely written yet.
  size_t active_generations() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Equality of two strings in time that depends only on their lengths (for the API key).
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace edt::serve
