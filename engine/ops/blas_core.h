#pragma once
// OpenBLAS (the prompt GEMM of the types without a prompt kernel at the process's level) picks its kernels by CPU
// model once, when the library loads, and a CPU newer than the library gets its oldest ones: Debian 12's 0.3.21
// on the Xeon with family 6 model 207 reports core "Prescott" (SSE3), and f32 pp128 at the TinyLlama shape ran at
// a quarter of the speed it has with the AVX-512 kernels (bench/RESULTS.md). The library reads OPENBLAS_CORETYPE
// at that moment, so the fix is a restart with it set, which tools/main.cpp does.
namespace edt {

// The core OpenBLAS loaded its kernels for ("Haswell", "SkylakeX", "Prescott", ...).
const char* blas_core();
// The core OpenBLAS should be told to use when the one it picked has no AVX2 kernels but this CPU has AVX2 and FMA
// ("SkylakeX" where AVX-512 F/BW/VL/DQ are usable, else "Haswell"); nullptr when its choice already has them, when
// the CPU lacks them, or when OPENBLAS_CORETYPE was set (the user's choice, or this fix's after a restart).
const char* blas_core_override();

}  // namespace edt
