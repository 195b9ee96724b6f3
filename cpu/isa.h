#pragma once
// The CPU's instruction-set levels, detected once per process. Every kernel family has one entry per level, and the
// level a process runs at is chosen here once at start: the best this CPU supports, lowered by EDT_ISA or the
// tools' --isa flag. Model, Session and the sampler receive it explicitly; no kernel looks at the CPU itself.
#include <optional>
#include <string>

namespace edt {

// Ordered: a level's kernels may use everything of the levels below it.
enum class Isa {
  Scalar,  // plain C++: the references
  Avx2,    // AVX2 + FMA + F16C
  Avx512,  // AVX-512 F, BW, VL, DQ and VNNI (+ FMA, F16C); BF16 where CpuFeatures says so
  Amx,     // Avx512 + AMX-TILE and AMX-INT8 (Intel's tile matrix unit), with the OS's permission to use it
};

inline constexpr Isa kAllIsas[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Amx};

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx512_bf16 = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  bool os_ymm = false, os_zmm = false;  // the OS saves the AVX / AVX-512 registers (XCR0)
  // The OS saves the tile registers (XCR0) and granted this process their use (Linux: arch_prctl
  // ARCH_REQ_XCOMP_PERM, asked once here, since a tile instruction without that permission is SIGILL).
  bool os_amx = false;
};

// By cpuid and xgetbv, read once.
const CpuFeatures& cpu_features();

// The best level cpu_features() allows.
Isa best_isa();
bool isa_supported(Isa isa);

const char* isa_name(Isa isa);                            // "scalar", "avx2", "avx512", "amx"
std::optional<Isa> parse_isa(const std::string& name);    // the names above; nullopt otherwise
std::string isa_description(Isa isa);                     // "avx512 (F BW VL DQ VNNI BF16)" for logs

// The level this process runs at: best_isa(), or the level set by set_process_isa() or named by EDT_ISA. An
// EDT_ISA that is not a level name, or names a level this CPU lacks, is an error (std::invalid_argument with the
// reason) the first time the level is asked for.
Isa process_isa();
// For the tools' --isa: must be called before the first process_isa(); throws std::invalid_argument for a level
// the CPU lacks.
void set_process_isa(Isa isa);

}  // namespace edt
