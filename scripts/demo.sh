#!/usr/bin/env bash
# The main job on a fresh machine: install, build, convert the bundled demo model to GGUF once, and generate
# from it with EDT sampling. Extra arguments go to `edt run` (e.g. -p "Your prompt" -n 200 --seed 1).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
if [ ! -f models/prose-15m.gguf ]; then
  ./build/edt convert models/prose-15m -o models/prose-15m.gguf
fi
if [ $# -eq 0 ]; then
  set -- -p "Mr. Speaker, the state of the Union is" -n 160
fi
./build/edt run -m models/prose-15m.gguf "$@"
