#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in the sanitizer tree (build-asan/, preset asan, which the sanitizer suite
# shares) and runs each for the given seconds (default 20), seeded from the real files in tests/data. Any crash,
# leak, undefined behaviour or timeout fails the run. For a long local run:
#   ./scripts/fuzz.sh 3600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
./scripts/setup.sh
cmake --preset asan >/dev/null
targets=()
for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
cmake --build --preset asan -j"$(nproc)" --target "${targets[@]}" >/dev/null
out=build-asan
seed_dir() {  # target -> seed files
  case "$1" in
    # every GGUF under 2 MB, among them quant-golden/every-type.gguf: one tensor in each quantized type we read
    fuzz_gguf) find tests/data -name '*.gguf' -size -2M ;;
    fuzz_safetensors) find tests/data -name '*.safetensors' -size -2M ;;
    fuzz_llama2c) echo tests/data/stories260K/stories260K.bin tests/data/stories260K/tok512.bin ;;
    fuzz_sentencepiece) find tests/data -name 'tokenizer.model' -size -600k; echo tests/data/stories260K/tok512.model ;;
    fuzz_hf_config) find tests/data models -name 'config*.json' ;;
    fuzz_tokenizer_json) find tests/data -name 'tokenizer.json' -size -600k ;;
    fuzz_serve_request) find tests/fuzz/seeds/serve -type f ;;
    fuzz_jinja) find tests/data/chat/templates -name '*.jinja' ;;
    fuzz_eval_samples) find tests/data -name 'eval-samples*.json' ;;
  esac
}
# One target per core at a time (each libFuzzer process is single-threaded). A crash's reproducer is written to
# this folder as crash-*.
mkdir -p "$out/logs"
run_one() {  # target -> exit status of its run
  local name=$1 corpus="$out/corpus/$1" log="$out/logs/$1.log"
  mkdir -p "$corpus"
  for f in $(seed_dir "$name"); do cp -f "$f" "$corpus/" 2>/dev/null || true; done
  # Seeds are cut to 64 KiB: the headers are what the parsers read, and short inputs keep executions fast.
  "$out/$name" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1
}
jobs_at_once=$(nproc)
failed=()
for ((i = 0; i < ${#targets[@]}; i += jobs_at_once)); do
  batch=("${targets[@]:i:jobs_at_once}")
  pids=()
  for name in "${batch[@]}"; do
    echo "fuzz: $name for ${seconds}s"
    run_one "$name" &
    pids+=($!)
  done
  for j in "${!batch[@]}"; do
    name=${batch[$j]}
    if wait "${pids[$j]}"; then
      grep -E "stat::number_of_executed_units" "$out/logs/$name.log" | sed "s/^/$name: /"
    else
      tail -n 40 "$out/logs/$name.log"
      failed+=("$name")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${failed[*]} found a problem (reproducer: crash-* in this folder, or the logs above)" >&2
  exit 1
fi
echo "fuzz: all targets clean"
