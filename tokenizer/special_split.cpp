// Special-token parsing confined to the template's own text. A chat prompt is the template's text with the
// messages' contents spliced in; the template's "<|im_start|>" must become one token, a user's typed
// "<|im_start|>" must not (it would let a user forge turns). The caller says which byte ranges are contents.
#include "tokenizer/tokenizer.h"

namespace edt {

std::vector<int32_t> Tokenizer::encode_with_literal_spans(std::string_view text,
                                                          const std::vector<std::pair<size_t, size_t>>& literal,
                                                          const EncodeOptions& options) const {
  std::vector<int32_t> out;
  if (options.add_bos && vocab_.bos_id >= 0) out.push_back(vocab_.bos_id);
  size_t pos = 0, fragment_start = 0, next_literal = 0;
  bool at_start = true;
  auto flush = [&](size_t end) {
    if (end > fragment_start) {
      encode_fragment(text.substr(fragment_start, end - fragment_start), at_start, out);
      at_start = false;
    }
  };
  while (pos < text.size()) {
    while (next_literal < literal.size() && literal[next_literal].second <= pos) ++next_literal;
    if (next_literal < literal.size() && literal[next_literal].first <= pos) {
      pos = literal[next_literal].second;  // inside a content range: no special tokens here
      continue;
    }
    // A special token may not reach into a content range either.
    const size_t limit = next_literal < literal.size() ? literal[next_literal].first : text.size();
    const int32_t matched = special_at(text, pos, limit);
    if (matched < 0) {
      ++pos;
      continue;
    }
    flush(pos);
    out.push_back(matched);
    at_start = false;
    pos += vocab_.tokens[static_cast<size_t>(matched)].size();
    fragment_start = pos;
  }
  flush(text.size());
  if (options.add_eos && vocab_.eos_id >= 0) out.push_back(vocab_.eos_id);
  return out;
}

}  // namespace edt
