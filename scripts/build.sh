#!/usr/bin/env bash
# Configures and builds the Release tree (build/): the edt program, the tests and the benchmarks, or only the
# targets given as arguments (the test command builds edt and edt_tests, not the benchmarks it does not run).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEDT_TESTS=ON -DEDT_BENCH=ON >/dev/null
if [ $# -gt 0 ]; then
  cmake --build build -j"$(nproc)" --target "$@"
else
  cmake --build build -j"$(nproc)"
fi
