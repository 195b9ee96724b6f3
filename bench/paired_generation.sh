#!/usr/bin/env bash
# Generation only, edt against llama.cpp, in short back-to-back pairs with the bandwidth probe read between every
# two runs, so that a DRAM-bound cell is compared within one bandwidth regime of the host. compare_llamacpp.sh runs
# each engine for 20-40 s with a prompt test first; on a shared VM whose bandwidth jumps between regimes (the Zen 4
# KVM guest: 29-37 GB/s for minutes, then 50-60 GB/s for tens of seconds, see bandwidth_over_time.sh), one engine can
# spend its whole run in the other regime and the ratio then measures the host. Here a round is
#   probe, engine A (tg only, -r 3), probe, engine B, probe
# with A and B alternating per round; a round is "steady" when its three probe readings are within STEADY (10%) of
# each other. The table gives the median paired ratio over the steady rounds, and over all rounds for contrast, and
# each engine's share of the probe (weight bytes per token × tok/s over the probe's GB/s) in the steady rounds. The
# last column divides edt's slowest round by llama.cpp's slowest, and fastest by fastest: over enough rounds each
# engine has run at least once in each regime, so these bound the ratio in the slow and the fast regime.
#   LLAMA_BENCH=/path/llama-bench [ROUNDS=8] [CASES="L:f16 M:f16 M:f32"] ./bench/paired_generation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
unset OMP_WAIT_POLICY  # both engines at their own OpenMP defaults (see compare_llamacpp.sh)
: "${LLAMA_BENCH:?set LLAMA_BENCH to a llama-bench binary built for this CPU}"
MODELS=${MODELS:-/tmp/models}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-8}
STEADY=${STEADY:-1.10}
CASES=${CASES:-"L:f16 M:f16 M:f32"}
OUT=${OUT:-/tmp/paired_generation}
EDT=./build/edt
mkdir -p "$MODELS"
: >"$OUT.raw"

model() {  # shape type -> path, made once by edt mkmodel
  local path="$MODELS/$1-$2.gguf"
  [ -f "$path" ] || "$EDT" mkmodel --shape "$1" --type "$2" -o "$path" >&2
  echo "$path"
}
gen_tokens() { case "$1" in S) echo 128 ;; M) echo 64 ;; *) echo 32 ;; esac; }

edt_tg() {  # file n -> "tok/s mib_per_token"
  local out
  out=$("$EDT" bench -m "$1" -p 0 -n "$2" -t "$THREADS" -r 3)
  printf '== edt %s\n%s\n' "$1" "$out" >>"$OUT.raw"
  awk '/MiB read per generated token/ {for (i = 2; i <= NF; ++i) if ($i == "MiB" && $(i + 1) == "read") mib = $(i - 1)}
       $2 ~ /^tg/ {tg = $3} END {print tg, mib}' <<<"$out"
}
llama_tg() {  # file n -> tok/s (median of llama-bench's repetitions)
  local out
  out=$("$LLAMA_BENCH" -m "$1" -p 0 -n "$2" -t "$THREADS" -r 3 -o json 2>/dev/null)
  printf '== llama-bench %s\n%s\n' "$1" "$out" >>"$OUT.raw"
  python3 -c 'import json, statistics, sys
print(statistics.median(json.load(sys.stdin)[0]["samples_ts"]))' <<<"$out"
}
probe_now() {  # -> GB/s: edt bench's probe after one token of the smallest file (the probe is then the whole run)
  local out
  out=$("$EDT" bench -m "$(model S q4_0)" -p 0 -n 1 -t "$THREADS" -r 1)
  printf '== probe\n%s\n' "$out" >>"$OUT.raw"
  awk '$2 ~ /^tg/ {print $5}' <<<"$out"
}

echo "# paired generation, edt vs llama.cpp, $(date -u +%FT%TZ), $THREADS threads, $(nproc) CPUs:" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# edt $(git rev-parse --short HEAD) at isa ${EDT_ISA:-(the best this CPU has)}; llama-bench: $LLAMA_BENCH;" \
  "$ROUNDS rounds, steady = probes within ${STEADY}x"
echo
echo "| model | type | steady rounds | paired tg ratio, steady (each) | paired, all rounds | probe GB/s, steady | % of probe, steady: edt / llama.cpp | slowest, fastest round: ratio |"
echo "|---|---|---|---|---|---|---|---|"
for c in $CASES; do
  shape=${c%%:*} type=${c#*:}
  file=$(model "$shape" "$type")
  n=$(gen_tokens "$shape")
  rows=()
  for ((r = 0; r < ROUNDS; ++r)); do
    p0=$(probe_now)
    if ((r % 2 == 0)); then
      read -r e mib < <(edt_tg "$file" "$n"); p1=$(probe_now); l=$(llama_tg "$file" "$n")
    else
      l=$(llama_tg "$file" "$n"); p1=$(probe_now); read -r e mib < <(edt_tg "$file" "$n")
    fi
    p2=$(probe_now)
    rows+=("$e,$l,$p0,$p1,$p2,$mib")
    printf "== round %d of %s: edt,llama.cpp tok/s, probes GB/s, MiB/token = %s\n" "$r" "$c" "${rows[-1]}" >>"$OUT.raw"
  done
  python3 -c 'import statistics, sys
shape, kind, steady_bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
rounds = [tuple(map(float, r.split(","))) for r in sys.argv[4:]]
steady = [r for r in rounds if max(r[2:5]) <= steady_bound * min(r[2:5])]
ratio = lambda rs: [e / l for e, l, *_ in rs]
med = lambda xs: f"{statistics.median(xs):.2f}" if xs else "-"
share = lambda i: statistics.median(100 * r[i] * r[5] * 2**20 / (statistics.median(r[2:5]) * 1e9) for r in steady)
each = ", ".join(f"{x:.2f}" for x in ratio(steady))
probe = f"{statistics.median(statistics.median(r[2:5]) for r in steady):.1f}" if steady else "-"
shares = f"{share(0):.0f}% / {share(1):.0f}%" if steady else "-"
e_all, l_all = [r[0] for r in rounds], [r[1] for r in rounds]
extremes = f"{min(e_all) / min(l_all):.2f}, {max(e_all) / max(l_all):.2f}"
print(f"| {shape} | {kind} | {len(steady)} of {len(rounds)} | {med(ratio(steady))} ({each}) | {med(ratio(rounds))} | "
      f"{probe} | {shares} | {extremes} |")' "$shape" "$type" "$STEADY" "${rows[@]}"
done
