#pragma once
// Unicode normalization form C (canonical composition) of UTF-8 text, as Hugging Face's NFC normalizer applies it
// before pre-tokenization (Qwen2's tokenizer). Backed by ICU. Bytes that are not valid UTF-8 are passed through
// unchanged (the valid runs between them are normalized), so byte-level BPE still sees every input byte.
#include <string>
#include <string_view>

namespace edt {

std::string nfc_normalize(std::string_view text);

}  // namespace edt
