#include "tokenizer/sentencepiece_model.h"

#include <cstring>

#include "weights/error.h"

namespace edt {
namespace {

// Protobuf wire reader over a span, bounds-checked.
class Wire {
 public:
  Wire(std::span<const uint8_t> b, const std::string& source) : b_(b), source_(source) {}
  bool done() const { return pos_ >= b_.size(); }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) fail("truncated varint");
      const uint8_t byte = b_[pos_++];
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    fail("varint longer than 10 bytes");
  }
  std::span<const uint8_t> bytes() {
    const uint64_t n = varint();
    if (n > b_.size() - pos_) fail("length-delimited field runs past the end");
    auto s = b_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  uint32_t fixed32() {
    if (b_.size() - pos_ < 4) fail("truncated fixed32");
    uint32_t v;
    std::memcpy(&v, b_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1:
        if (b_.size() - pos_ < 8) fail("truncated fixed64");
        pos_ += 8;
        return;
      case 2: bytes(); return;
      case 5: fixed32(); return;
      default: fail("unsupported wire type " + std::to_string(wire_type));
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(source_ + ": malformed SentencePiece model at byte " + std::to_string(pos_) + ": " + what);
  }

 private:
  std::span<const uint8_t> b_;
  const std::string& source_;
  size_t pos_ = 0;
};

SentencePieceModel::Piece parse_piece(std::span<const uint8_t> b, const std::string& source) {
  SentencePieceModel::Piece p;
  Wire w(b, source);
  while (!w.done()) {
    const uint64_t tag = w.varint();
    const uint32_t field = static_cast<uint32_t>(tag >> 3), wt = static_cast<uint32_t>(tag & 7);
    if (field == 1 && wt == 2) {
      auto s = w.bytes();
      p.text.assign(reinterpret_cast<const char*>(s.data()), s.size());
    } else if (field == 2 && wt == 5) {
      const uint32_t bits = w.fixed32();
      std::memcpy(&p.score, &bits, 4);
    } else if (field == 3 && wt == 0) {
      p.type = static_cast<int32_t>(w.varint());
      if (p.type < 1 || p.type > 6) w.fail("piece type " + std::to_string(p.type) + " is not 1..6");
    } else {
      w.skip(wt);
    }
  }
  return p;
}

}  // namespace

SentencePieceModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& source) {
  SentencePieceModel m;
  Wire w(bytes, source);
  while (!w.done()) {
    const uint64_t tag = w.varint();
    const uint32_t field = static_cast<uint32_t>(tag >> 3), wt = static_cast<uint32_t>(tag & 7);
    if (field == 1 && wt == 2) {
      m.pieces.push_back(parse_piece(w.bytes(), source));
    } else if (field == 2 && wt == 2) {  // TrainerSpec
      Wire t(w.bytes(), source);
      while (!t.done()) {
        const uint64_t ttag = t.varint();
        const uint32_t f = static_cast<uint32_t>(ttag >> 3), twt = static_cast<uint32_t>(ttag & 7);
        if (twt != 0) {
          t.skip(twt);
          continue;
        }
        const auto v = static_cast<int64_t>(t.varint());
        const auto v32 = static_cast<int32_t>(v);  // int32 fields are sign-extended to 64 bits on the wire
        if (f == 3) m.model_type = v32;
        else if (f == 35) m.byte_fallback = v != 0;
        else if (f == 40) m.unk_id = v32;
        else if (f == 41) m.bos_id = v32;
        else if (f == 42) m.eos_id = v32;
        else if (f == 43) m.pad_id = v32;
      }
    } else if (field == 3 && wt == 2) {  // NormalizerSpec
      Wire n(w.bytes(), source);
      while (!n.done()) {
        const uint64_t ntag = n.varint();
        const uint32_t f = static_cast<uint32_t>(ntag >> 3), nwt = static_cast<uint32_t>(ntag & 7);
        if (nwt != 0) {
          n.skip(nwt);
          continue;
        }
        const uint64_t v = n.varint();
        if (f == 3) m.add_dummy_prefix = v != 0;
        else if (f == 4) m.remove_extra_whitespaces = v != 0;
      }
    } else {
      w.skip(wt);
    }
  }
  if (m.pieces.empty()) throw FormatError(source + ": SentencePiece model holds no pieces");
  return m;
}

}  // namespace edt
