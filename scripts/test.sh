#!/usr/bin/env bash
# The whole test suite: install, build, run every GoogleTest case through ctest, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
(cd build && ctest --output-on-failure -j"$(nproc)")
./scripts/fuzz.sh "${EDT_FUZZ_SECONDS:-20}"
