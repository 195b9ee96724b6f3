#pragma once
// A reader for SentencePiece's tokenizer.model (a ModelProto protobuf), enough of the wire format to take the
// pieces, their scores and types, the special ids and the normalizer's dummy-prefix flag. Unknown fields are
// skipped, as protobuf requires.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace edt {

struct SentencePieceModel {
  struct Piece {
    std::string text;
    float score = 0.0f;
    int32_t type = 1;  // NORMAL=1, UNKNOWN=2, CONTROL=3, USER_DEFINED=4, UNUSED=5, BYTE=6
  };
  std::vector<Piece> pieces;
  int32_t model_type = 1;  // UNIGRAM=1, BPE=2, WORD=3, CHAR=4
  int32_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
  bool byte_fallback = false;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
};

SentencePieceModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& source);

}  // namespace edt
