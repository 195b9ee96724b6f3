#include "serve/api_error.h"

#include <nlohmann/json.hpp>

namespace edt::serve {

namespace {
std::string default_type(int status) {
  if (status == 401) return "authentication_error";
  if (status == 404) return "not_found_error";
  if (status == 413) return "invalid_request_error";
  if (status == 429 || status == 503) return "server_busy_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}
}  // namespace

ApiError::ApiError(int status, std::string message, std::string param, std::string code, std::string type)
    : std::runtime_error(std::move(message)),
      status_(status),
      param_(std::move(param)),
      code_(std::move(code)),
      type_(type.empty() ? default_type(status) : std::move(type)) {}

std::string ApiError::body() const {
  nlohmann::json e = {{"message", what()}, {"type", type_}, {"param", nullptr}, {"code", nullptr}};
  if (!param_.empty()) e["param"] = param_;
  if (!code_.empty()) e["code"] = code_;
  // Replacement characters instead of an exception if a message quotes invalid UTF-8 from the request.
  return nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError invalid_field(const std::string& param, const std::string& what) {
  return ApiError(400, "'" + param + "' " + what, param, "invalid_value");
}

}  // namespace edt::serve
