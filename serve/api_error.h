#pragma once
// A request the server refuses, as OpenAI reports it: an HTTP status and {"error": {message, type, param, code}}.
// Everything that validates a request throws this; the HTTP layer turns it into the response.
#include <stdexcept>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace edt::serve {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string param = "", std::string code = "",
           std::string type = "");
  int status() const { return status_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }
  const std::string& type() const { return type_; }
  // {"error": {"message", "type", "param", "code"}}; param and code are null when empty.
  std::string body() const;

 private:
  int status_;
  std::string param_, code_, type_;
};

// A 400 for one field: "'field' must be ...".
ApiError invalid_field(const std::string& param, const std::string& what);

}  // namespace edt::serve
