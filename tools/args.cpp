#include "tools/args.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "weights/error.h"

namespace edt {

Args::Args(const std::string& command, const std::vector<FlagSpec>& specs, int argc, char** argv, int first)
    : command_(command), specs_(specs) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-' || (arg[1] >= '0' && arg[1] <= '9')) {
      positional_.push_back(arg);
      continue;
    }
    std::string inline_value;
    bool has_inline = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs_)
      for (const std::string& n : s.names)
        if (n == arg) spec = &s;
    if (!spec) throw UsageError(command_ + ": unknown flag '" + arg + "' (see 'edt " + command_ + " --help')");
    if (!spec->takes_value) {
      if (has_inline) throw UsageError(command_ + ": flag '" + arg + "' takes no value");
      values_[spec->names[0]] = "";
    } else if (has_inline) {
      values_[spec->names[0]] = inline_value;
    } else {
      if (i + 1 >= argc) throw UsageError(command_ + ": flag '" + arg + "' needs a value");
      values_[spec->names[0]] = argv[++i];
    }
  }
}

std::string Args::canonical(const std::string& name) const {
  for (const FlagSpec& s : specs_)
    for (const std::string& n : s.names)
      if (n == name) return s.names[0];
  return name;
}

bool Args::has(const std::string& name) const { return values_.count(canonical(name)) != 0; }

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(canonical(name));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::require(const std::string& name) const {
  auto v = get(name);
  if (!v || v->empty()) throw UsageError(command_ + ": flag '" + name + "' is required");
  return *v;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

long long Args::get_int(const std::string& name, long long fallback, long long min, long long max) const {
  auto v = get(name);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE)
    throw UsageError(command_ + ": flag '" + name + "' needs an integer, got '" + *v + "'");
  if (x < min || x > max)
    throw UsageError(command_ + ": flag '" + name + "' is " + *v + ", expected " + std::to_string(min) + ".." +
                     std::to_string(max));
  return x;
}

double Args::get_float(const std::string& name, double fallback, double min, double max) const {
  auto v = get(name);
  if (!v) return fallback;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(x))
    throw UsageError(command_ + ": flag '" + name + "' needs a number, got '" + *v + "'");
  if (x < min || x > max) {
    char range[64];
    std::snprintf(range, sizeof range, "[%g, %g]", min, max);
    throw UsageError(command_ + ": flag '" + name + "' is " + *v + ", expected a value in " + range);
  }
  return x;
}

std::string Args::usage(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string names;
    for (const std::string& n : s.names) names += (names.empty() ? "" : ", ") + n;
    if (s.takes_value) names += " X";
    out += "  " + names + std::string(names.size() < 26 ? 26 - names.size() : 1, ' ') + s.help + "\n";
  }
  return out;
}

}  // namespace edt
