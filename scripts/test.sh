#!/usr/bin/env bash
# The whole test suite: install, build, run every GoogleTest case through ctest at each ISA level the CPU has, run
# each fuzz target briefly, then the whole suite again (at the best level) under AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer) in build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh edt edt_tests
# ctest runs two test processes at once on two cores, each with two OpenMP threads: with libgomp's default
# spin-waiting, a thread spins at every barrier for a peer that the other process has descheduled (measured: the
# Release suite 99 s with spinning, 13 s without). Passive waiting makes waiting threads sleep.
export OMP_WAIT_POLICY=passive
# The whole suite once per instruction-set level this CPU has (EDT_ISA lowers the process's level; edt refuses a
# level the CPU lacks, which is how the levels are found), so every kernel row and every path above it is exercised.
levels=()
for level in scalar avx2 avx512; do
  EDT_ISA=$level ./build/edt --help >/dev/null 2>&1 && levels+=("$level")
done
for level in "${levels[@]}"; do
  echo "test: the suite at EDT_ISA=$level"
  (cd build && EDT_ISA=$level ctest --output-on-failure -j"$(nproc)")
done
echo "test: levels run: ${levels[*]}"
./scripts/fuzz.sh "${EDT_FUZZ_SECONDS:-10}"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)" >/dev/null
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --preset asan -j"$(nproc)"
