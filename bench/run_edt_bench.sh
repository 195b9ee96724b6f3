#!/usr/bin/env bash
# Every edt bench figure of bench/RESULTS.md in one go: makes the random-weight models (S, M, L shapes) in MODELS
# (default /tmp/models; ~9 GiB), then runs the engine's own benchmark on each. Takes about 15 minutes on 2 cores
# once the models exist.
#   ./bench/run_edt_bench.sh > bench/edt_bench_$(date +%F).txt
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-/tmp/models}
EDT=./build/edt
mkdir -p "$MODELS"
model() {  # shape type -> path, made once
  local path="$MODELS/$1-$2.gguf"
  [ -f "$path" ] || "$EDT" mkmodel --shape "$1" --type "$2" -o "$path" >&2
  echo "$path"
}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# flags: $(grep -m1 flags /proc/cpuinfo | grep -o -w -E 'avx2|fma|f16c|avx512f|avx512_vnni|amx_tile' | xargs)"
echo "# commit $(git rev-parse --short HEAD)"
for t in f32 f16 q8_0 q4_0; do
  echo "=== S $t"; "$EDT" bench -m "$(model S $t)" -p 128,512 -n 128 -t 1,2 -r 5
done
for t in f32 f16 q8_0 q4_0; do
  echo "=== M $t"; "$EDT" bench -m "$(model M $t)" -p 128,512 -n 64 -t 1,2 -r 3
done
for t in q8_0 q4_0; do
  echo "=== L $t"; "$EDT" bench -m "$(model L $t)" -p 128 -n 32 -t 2 -r 3
done
for t in f32 f16; do  # 4.4 and 2.2 GB files: fewer tokens
  echo "=== L $t"; "$EDT" bench -m "$(model L $t)" -p 128 -n 16 -t 2 -r 3
done
for t in q8_0 q4_0; do  # Llama-3.2-1B: vocabulary 128,256, tied embeddings
  echo "=== llama3.2-1b $t"; "$EDT" bench -m "$(model llama3.2-1b $t)" -p 128 -n 32 -t 2 -r 3
done
for c in f32 f16; do
  echo "=== M q8_0 at depth 2048, KV cache $c"
  "$EDT" bench -m "$(model M q8_0)" -p 0 -n 32 -t 2 -r 3 --depth 2048 --cache-type "$c"
done
