#pragma once
// Stop strings over streamed text: text is released as soon as it cannot be the start of a stop string, and
// generation ends at the first stop string found, with nothing from it onwards released.
#include <string>
#include <vector>

namespace edt::serve {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
  // Adds text; appends what is safe to release to out. Returns true when a stop string was found.
  bool push(const std::string& text, std::string& out);
  // The end of generation (no stop string): the held-back text.
  void finish(std::string& out);

 private:
  std::vector<std::string> stops_;
  std::string held_;  // the tail that could still begin a stop string
};

}  // namespace edt::serve
