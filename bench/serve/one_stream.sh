#!/usr/bin/env bash
# bench/serve/one_stream.sh: one streamed client's generation speed in edt serve against `edt bench` on the same
# file, interleaved (issue 18's "within 5% of edt bench").
#   bench/serve/one_stream.sh MODEL [ROUNDS=5] [TOKENS=128] [THREADS=2]
# Each round starts a server (-np 4), streams 3 completions of TOKENS tokens with curl (a client that costs the
# cores almost nothing, unlike node), reads the engine's busy time per step from /metrics, stops the server, then
# runs `edt bench -p 0 -n TOKENS`. A step's time includes its sampling and the hand-off to the HTTP thread; with
# one client a step is one token. Prints one line per round and the medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/bench/serve/wait_ready.sh"
model=$1
rounds=${2:-5}
tokens=${3:-128}
threads=${4:-2}
edt=${EDT:-$root/build/edt}
unset OMP_WAIT_POLICY
log=$(mktemp)
pid=""
# A round that fails (set -e) must not leave its server running.
trap '[ -n "$pid" ] && kill -TERM $pid 2>/dev/null; rm -f "$log"' EXIT
metric() { curl -s "$1/metrics" | awk -v k="$2" '$1 == k {print $2}'; }
serve_ms=() bench_ms=()
for r in $(seq 1 "$rounds"); do
  "$edt" serve -m "$model" --port 0 -np 4 -t "$threads" -c $((tokens + 64)) >"$log" 2>&1 &
  pid=$!
  url=$(wait_ready "$log")
  curl -s -o /dev/null -d '{"prompt": "The", "max_tokens": 8}' "$url/v1/completions"  # pages the weights in
  b0=$(metric "$url" edt_engine_busy_seconds_total) s0=$(metric "$url" edt_engine_steps_total)
  for q in 1 2 3; do
    curl -s -N -o /dev/null -d "{\"prompt\": [1, $((100 + q)), 200, 300, 400, 500, 600, 700], \"max_tokens\": $tokens, \
\"stream\": true, \"logit_bias\": {\"2\": -100}, \"seed\": $q}" "$url/v1/completions"
  done
  b1=$(metric "$url" edt_engine_busy_seconds_total) s1=$(metric "$url" edt_engine_steps_total)
  kill -TERM $pid
  wait $pid || true
  pid=""
  s=$(awk -v a="$b0" -v b="$b1" -v x="$s0" -v y="$s1" 'BEGIN {printf "%.2f", (b - a) * 1000 / (y - x)}')
  b=$("$edt" bench -m "$model" -p 0 -n "$tokens" -t "$threads" -r 3 | awk '$2 ~ /^tg/ {printf "%.2f", 1000 / $3}')
  echo "round $r: edt serve $s ms per step, edt bench $b ms per token"
  serve_ms+=("$s") bench_ms+=("$b")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ms=$(median "${serve_ms[@]}") mb=$(median "${bench_ms[@]}")
awk -v s="$ms" -v b="$mb" 'BEGIN {printf "median: edt serve %.2f ms, edt bench %.2f ms, serve / bench %.3f\n", s, b, s / b}'
