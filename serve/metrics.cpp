#include "serve/metrics.h"

#include <cstdio>

namespace edt::serve {

void Metrics::count_request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
}

std::string Metrics::prometheus_text() const {
  std::string out;
  char line[256];
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
    out += line;
  };
  out += "# HELP edt_requests_total HTTP requests by endpoint and status.\n# TYPE edt_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, n] : requests_) {
      std::snprintf(line, sizeof line, "edt_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n", key.first.c_str(),
                    key.second, static_cast<unsigned long long>(n));
      out += line;
    }
  }
  const double gen = static_cast<double>(generated_tokens.load());
  const double step_s = static_cast<double>(step_ns.load()) * 1e-9;
  metric("edt_prompt_tokens_total", "counter", "Prompt tokens of finished requests.", static_cast<double>(prompt_tokens.load()));
  metric("edt_prompt_cached_tokens_total", "counter", "Prompt tokens reused from a slot's KV cache.",
         static_cast<double>(prompt_cached_tokens.load()));
  metric("edt_generated_tokens_total", "counter", "Generated tokens.", gen);
  metric("edt_rejected_busy_total", "counter", "Requests refused with 503 (queue full or draining).",
         static_cast<double>(rejected_busy.load()));
  metric("edt_cancelled_total", "counter", "Requests whose client went away before the end.",
         static_cast<double>(cancelled.load()));
  metric("edt_engine_steps_total", "counter", "Batched forward steps.", static_cast<double>(steps.load()));
  metric("edt_engine_step_rows_total", "counter", "Tokens through the forward pass, over all steps.",
         static_cast<double>(step_rows.load()));
  metric("edt_engine_busy_seconds_total", "counter", "Time in engine steps.", step_s);
  metric("edt_tokens_per_second", "gauge", "Generated tokens per second of engine time.", step_s > 0 ? gen / step_s : 0.0);
  metric("edt_sampler_us_per_token", "gauge", "Mean sampler time per generated token, microseconds.",
         gen > 0 ? static_cast<double>(sampler_ns.load()) * 1e-3 / gen : 0.0);
  metric("edt_queue_depth", "gauge", "Requests waiting for a slot.", static_cast<double>(queue_depth.load()));
  metric("edt_slots_busy", "gauge", "Slots serving a request.", static_cast<double>(busy_slots.load()));
  metric("edt_slots_total", "gauge", "Slots (-np).", static_cast<double>(slots.load()));
  metric("edt_ready", "gauge", "1 when the model is loaded.", static_cast<double>(ready.load()));
  return out;
}

}  // namespace edt::serve
