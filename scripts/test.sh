#!/usr/bin/env bash
# The whole test suite: install, build, run every GoogleTest case through ctest at each ISA level the CPU has, run
# each fuzz target briefly, then the whole suite again (at the best level) under AddressSanitizer +
# UndefinedBehaviorSanitizer (+ LeakSanitizer) in build-asan/ (clang; the fuzz targets are built in the same tree).
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
for level in scalar avx2 avx512 amx; do
  EDT_ISA=$level ./build/edt --help >/dev/null 2>&1 && levels+=("$level")
done
# The HTTP tests (label serve) run at the best level only: they test the server, and every level's kernels are
# already tested below them.
best=$(( ${#levels[@]} - 1 ))
for i in "${!levels[@]}"; do
  level=${levels[$i]}
  echo "test: the suite at EDT_ISA=$level (at $SECONDS s)"
  only_best=(-LE serve)
  [ "$i" = "$best" ] && only_best=()
  (cd build && EDT_ISA=$level ctest --output-on-failure -j"$(nproc)" "${only_best[@]}")
done
echo "test: levels run: ${levels[*]} (at $SECONDS s)"
# One clang tree (build-asan/) holds both the fuzz targets and the sanitizer suite.
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$(nproc)" >/dev/null
echo "test: asan tree built at $SECONDS s"
./scripts/fuzz.sh "${EDT_FUZZ_SECONDS:-4}"
# serve_nginx (a minute under ASan) tests fail-over between replicas and serve_load (40 s) throughput and the
# outputs under load, both covered by the Release pass; the server code they run is the code serve_client,
# serve_bad_requests and serve_lifecycle run here.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j"$(nproc)" -E '^serve_(nginx|load)$'
echo "test: done in $SECONDS s"
