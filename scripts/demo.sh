#!/usr/bin/env bash
# The main job on a fresh machine: install, build, convert the bundled demo model to GGUF and show its table.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
./build/edt convert models/prose-15m -o models/prose-15m.gguf
./build/edt inspect models/prose-15m.gguf
./build/edt logits -m models/prose-15m.gguf --ids 0,2609,321,545,260,649
