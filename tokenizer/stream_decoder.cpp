#include "tokenizer/stream_decoder.h"

#include "tokenizer/byte_level.h"

namespace edt {
namespace {

const char kReplacement[] = "\xEF\xBF\xBD";

}  // namespace

void drain_utf8(std::string& bytes, std::string& out) {
  size_t i = 0;
  while (i < bytes.size()) {
    const int len = utf8_valid_length(bytes, i);
    if (len == 0) break;  // wait for the rest of this character
    if (len < 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(bytes, i, static_cast<size_t>(len));
    i += static_cast<size_t>(len);
  }
  bytes.erase(0, i);
}

void StreamDecoder::push(int32_t id, std::string& out) {
  out.clear();
  pending_ += tokenizer_.token_bytes(id, prev_id_);
  prev_id_ = id;
  drain_utf8(pending_, out);
}

void StreamDecoder::finish(std::string& out) {
  out.clear();
  for (size_t i = 0; i < pending_.size(); ++i) out += kReplacement;
  pending_.clear();
}

}  // namespace edt
