#include "engine/ops/blas_core.h"

#include <cblas.h>
#include <strings.h>

#include <cstdlib>

#include "cpu/isa.h"

namespace edt {

const char* blas_core() { return openblas_get_corename(); }

const char* blas_core_override() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return nullptr;
  const CpuFeatures& f = cpu_features();
  if (!(f.avx2 && f.fma && f.os_ymm)) return nullptr;
  // OpenBLAS's x86-64 cores with AVX2 kernels (Zen and Excavator run Haswell's). Any other name is an older core's
  // kernels, what an unrecognised CPU falls back to.
  const char* picked = blas_core();
  for (const char* name : {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator"})
    if (picked != nullptr && strcasecmp(picked, name) == 0) return nullptr;
  const bool avx512 = f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_zmm;
  return avx512 ? "SkylakeX" : "Haswell";
}

}  // namespace edt
