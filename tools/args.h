#pragma once
// Command-line parsing shared by the subcommands: each declares its flags (with aliases and whether they take a
// value); unknown flags, missing values and out-of-range numbers become a UsageError that names the flag.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edt {

struct FlagSpec {
  std::vector<std::string> names;  // e.g. {"-m", "--model"}; the first is the canonical name
  bool takes_value = true;
  std::string help;
};

class Args {
 public:
  Args(const std::string& command, const std::vector<FlagSpec>& specs, int argc, char** argv, int first);

  bool has(const std::string& name) const;
  std::optional<std::string> get(const std::string& name) const;
  std::string require(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  long long get_int(const std::string& name, long long fallback, long long min, long long max) const;
  double get_float(const std::string& name, double fallback, double min, double max) const;
  const std::vector<std::string>& positional() const { return positional_; }

  static std::string usage(const std::vector<FlagSpec>& specs);

 private:
  std::string canonical(const std::string& name) const;
  std::string command_;
  std::vector<FlagSpec> specs_;
  std::map<std::string, std::string> values_;  // canonical name -> value ("" for switches)
  std::vector<std::string> positional_;
};

}  // namespace edt
