#include "cpu/isa.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace edt {
namespace {

// Linux's arch_prctl request for a dynamically enabled register state, and the tile data's state component.
constexpr long kArchReqXcompPerm = 0x1023;
constexpr long kXfeatureXtiledata = 18;

uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  f.fma = (c >> 12) & 1;
  f.f16c = (c >> 29) & 1;
  uint64_t xcr0 = 0;
  if (osxsave && avx) {
    xcr0 = read_xcr0();
    f.os_ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state
    f.os_zmm = f.os_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM0-15 upper halves, ZMM16-31
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512_vnni = (c >> 11) & 1;
    f.amx_tile = (d >> 24) & 1;
    f.amx_int8 = (d >> 25) & 1;
    f.amx_bf16 = (d >> 22) & 1;
  }
  // XTILECFG and XTILEDATA state (bits 17, 18), then the permission, asked only where the tiles exist.
  if (f.amx_tile && f.amx_int8 && (xcr0 & 0x60000) == 0x60000)
    f.os_amx = syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512_bf16 = (a >> 5) & 1;
  return f;
}

bool level_ok(const CpuFeatures& f, Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
    case Isa::Avx2: return f.os_ymm && f.avx2 && f.fma && f.f16c;
    case Isa::Avx512:
      return level_ok(f, Isa::Avx2) && f.os_zmm && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq &&
             f.avx512_vnni;
    case Isa::Amx: return level_ok(f, Isa::Avx512) && f.amx_tile && f.amx_int8 && f.os_amx;
  }
  return false;
}

constexpr int kUnset = -1;
std::atomic<int> g_process_isa{kUnset};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool isa_supported(Isa isa) { return level_ok(cpu_features(), isa); }

Isa best_isa() {
  for (Isa isa : {Isa::Amx, Isa::Avx512, Isa::Avx2})
    if (isa_supported(isa)) return isa;
  return Isa::Scalar;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Amx: return "amx";
  }
  return "?";
}

std::optional<Isa> parse_isa(const std::string& name) {
  for (Isa isa : kAllIsas)
    if (name == isa_name(isa)) return isa;
  return std::nullopt;
}

std::string isa_description(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2 (AVX2 FMA F16C)";
    case Isa::Avx512: return std::string("avx512 (F BW VL DQ VNNI") + (f.avx512_bf16 ? " BF16)" : ")");
    case Isa::Amx:
      return std::string("amx (AVX-512 F BW VL DQ VNNI") + (f.avx512_bf16 ? " BF16" : "") + ", AMX-INT8" +
             (f.amx_bf16 && f.os_amx ? " BF16" : "") + " tiles)";
  }
  return "?";
}

void set_process_isa(Isa isa) {
  if (!isa_supported(isa))
    throw std::invalid_argument(std::string("this CPU does not support the ") + isa_name(isa) + " level (best: " +
                                isa_name(best_isa()) + ")");
  g_process_isa.store(static_cast<int>(isa));
}

Isa process_isa() {
  const int set = g_process_isa.load();
  if (set != kUnset) return static_cast<Isa>(set);
  Isa isa = best_isa();
  if (const char* env = std::getenv("EDT_ISA"); env != nullptr && *env != '\0') {
    const auto named = parse_isa(env);
    if (!named)
      throw std::invalid_argument(std::string("EDT_ISA='") + env + "' is not a level (expected scalar, avx2, avx512 or amx)");
    if (!isa_supported(*named))
      throw std::invalid_argument(std::string("EDT_ISA=") + env + ": this CPU does not support that level (best: " +
                                  isa_name(best_isa()) + ")");
    isa = *named;
  }
  int expected = kUnset;
  g_process_isa.compare_exchange_strong(expected, static_cast<int>(isa));
  return static_cast<Isa>(g_process_isa.load());
}

}  // namespace edt
