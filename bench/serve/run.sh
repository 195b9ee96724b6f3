#!/usr/bin/env bash
# bench/serve: edt serve's aggregate generation speed and latency at 1, 2, 4 and 8 concurrent streaming clients.
#   bench/serve/run.sh MODEL [MAX_TOKENS] [REQUESTS_PER_CLIENT] [THREADS]
# Starts one server with -np 8 (NP=4 for another slot count) on a free loopback port, runs the levels (LEVELS="1 4"
# for fewer), prints a Markdown table. With
# LLAMA_SERVER=/path/to/llama-server (built yourself; not part of this project) the same clients measure llama.cpp's
# server instead, on the same file with the same slots, threads and per-slot context.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/wait_ready.sh"
model=$1
max_tokens=${2:-128}
requests=${3:-3}
threads=${4:-$(nproc)}
slots=${NP:-8}
levels=${LEVELS:-1 2 4 8}
edt=${EDT:-$root/build/edt}
# Both servers at their OpenMP defaults (libgomp spins a while at a barrier, then sleeps); EDT_OMP_WAIT=passive (or
# active) sets edt's alone. The runs before 2026-12-02 exported passive to both, which put llama-server's ggml
# threads and edt's to sleep at every barrier (one edt stream 30-35% below `edt bench` on the Xeon model 207, and
# llama-server understated).
edt_wait=${EDT_OMP_WAIT-}
unset OMP_WAIT_POLICY
log=$(mktemp)
if [ -n "${LLAMA_SERVER:-}" ]; then
  # llama-server takes a port, not 0, and splits -c over its slots.
  free_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  "$LLAMA_SERVER" -m "$model" --host 127.0.0.1 --port "$free_port" -np "$slots" -t "$threads" -c $((slots * (max_tokens + 64))) \
    >"$log" 2>&1 &
  echo "edt serve: listening on http://127.0.0.1:$free_port (llama-server)" >>"$log"
else
  env ${edt_wait:+OMP_WAIT_POLICY=$edt_wait} "$edt" serve -m "$model" --port 0 -np "$slots" -t "$threads" -c $((max_tokens + 64)) >"$log" 2>&1 &
fi
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
url=$(wait_ready "$log")
eos=$("$edt" inspect "$model" 2>/dev/null | awk '$2 == "tokenizer.ggml.eos_token_id" {print $NF}' | head -n1)
eos=${eos:-2}
# Warm-up: page the weights in.
curl -s -o /dev/null -d '{"prompt": "The", "max_tokens": 8}' "$url/v1/completions"
echo "${LLAMA_SERVER:+llama-server: }model $(basename "$model"), prompts of ${PROMPT_TOKENS:-8} tokens, $max_tokens generated per request, $requests requests per client, -np $slots, -t $threads, $(date -u +%F)"
echo
echo "| clients | tokens/s (all) | TTFT p50 ms | TTFT p99 ms | inter-token p50 ms | inter-token p99 ms |"
echo "|---:|---:|---:|---:|---:|---:|"
for c in $levels; do
  j=$(node "$here/bench.mjs" "$url" "$c" "$requests" "$max_tokens" "$eos")
  node -e 'const j = JSON.parse(process.argv[1]);
    console.log(`| ${j.clients} | ${j.tok_s} | ${j.ttft_p50_ms} | ${j.ttft_p99_ms} | ${j.itl_p50_ms} | ${j.itl_p99_ms} |`)' "$j"
done
