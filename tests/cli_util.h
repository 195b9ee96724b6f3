#pragma once
// Runs the built edt binary as a user would (a subprocess) and captures its exit code and output.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace edt::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// stderr is captured with stdout unless merge_stderr is false (then it is discarded).
inline CommandResult run_edt(const std::string& args, const std::string& stdin_text = "", bool merge_stderr = true) {
  std::string cmd = std::string(EDT_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  if (!stdin_text.empty()) cmd = "printf '%s' '" + stdin_text + "' | " + cmd;
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace edt::test
