#include "tools/cache_flags.h"

#include <string>

#include "weights/error.h"

namespace edt {
namespace {

KvType parse_type(const std::string& flag, const std::string& value) {
  if (value == "f32") return KvType::F32;
  if (value == "f16") return KvType::F16;
  throw UsageError("flag '" + flag + "': unknown cache type '" + value + "' (expected f32 or f16)");
}

}  // namespace

std::vector<FlagSpec> cache_flag_specs() {
  return {
      {{"--cache-type"}, true, "KV cache type for keys and values: f32 (default, exact) or f16 (half the memory)"},
      {{"-ctk", "--cache-type-k"}, true, "KV cache type for keys (must equal the values' type)"},
      {{"-ctv", "--cache-type-v"}, true, "KV cache type for values (must equal the keys' type)"},
  };
}

KvType read_cache_type(const Args& args) {
  const std::string both = args.get_or("--cache-type", "f32");
  const KvType base = parse_type("--cache-type", both);
  const KvType k = args.has("-ctk") ? parse_type("--cache-type-k", *args.get("-ctk")) : base;
  const KvType v = args.has("-ctv") ? parse_type("--cache-type-v", *args.get("-ctv")) : base;
  if (k != v)
    throw UsageError(std::string("flags '--cache-type-k' and '--cache-type-v': keys (") + kv_type_name(k) +
                     ") and values (" + kv_type_name(v) + ") must have the same cache type");
  return k;
}

}  // namespace edt
