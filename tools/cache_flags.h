#pragma once
// The KV cache type flags of the tools that run a session, with llama.cpp's names: --cache-type-k / -ctk and
// --cache-type-v / -ctv, plus --cache-type for both. K and V must have the same type here.
#include <vector>

#include "engine/kv_cache.h"
#include "tools/args.h"

namespace edt {

std::vector<FlagSpec> cache_flag_specs();
// f32 unless the flags say otherwise; throws UsageError naming the flag for an unknown type or differing K and V.
KvType read_cache_type(const Args& args);

}  // namespace edt
