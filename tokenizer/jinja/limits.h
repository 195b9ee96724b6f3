#pragma once
// How much work one render may do. A template is untrusted input, so each way it could run away is bounded and
// stopped with a TemplateError (kind Limit) that says which bound it hit. The defaults leave real chat templates
// (tens of steps per message, so a few thousand for a long conversation) orders of magnitude of room.
#include <cstddef>
#include <cstdint>

namespace edt::jinja {

struct RenderLimits {
  uint64_t max_steps = 2'000'000;            // expressions evaluated + loop iterations + statements run
  size_t max_output_bytes = 64u << 20;       // the rendered text, and any one captured block or string value
  size_t max_list_items = 1u << 20;          // items of one list (range(), list * n, list + list, split())
  int max_call_depth = 32;                   // nested macro calls (recursion through a macro)
};

}  // namespace edt::jinja
