#!/usr/bin/env bash
# Configures and builds the Release tree (build/): the edt program, the tests and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEDT_TESTS=ON -DEDT_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)"
