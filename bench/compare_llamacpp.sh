#!/usr/bin/env bash
# edt against llama.cpp on the same GGUF files in the same run, interleaved: for each case, round 1 runs edt then
# llama.cpp, round 2 llama.cpp then edt; each run is `-p 128 -n N -t THREADS -r 3` and reports the median of its
# repetitions; a cell is the median of the rounds' medians. Prints a markdown table (and the raw outputs to
# $OUT.raw). llama.cpp is not part of this project: build it yourself and pass its binaries.
#   LLAMA_BENCH=/path/llama-bench [LLAMA_QUANTIZE=/path/llama-quantize] ./bench/compare_llamacpp.sh > out.md
# CASES lists shape:type pairs; a K-quant type (Q4_K_M, Q5_K_M, Q6_K, ...) is made from the shape's f32 file by
# llama-quantize (so needs LLAMA_QUANTIZE), the plain types by `edt mkmodel` (every matrix in that type).
# EDT_FLAGS adds flags to every `edt bench` run of the cases (e.g. EDT_FLAGS=--bf16-prompts).
set -euo pipefail
cd "$(dirname "$0")/.."
# Both engines at their own OpenMP defaults: llama.cpp's ggml is an OpenMP program too, and an OMP_WAIT_POLICY left
# set by the test command's environment (passive) puts its threads to sleep at each of its barriers per token
# (measured on the Xeon model 207, same day: S q4_0 tg 71 tok/s with passive against 1,046 without).
unset OMP_WAIT_POLICY
: "${LLAMA_BENCH:?set LLAMA_BENCH to a llama-bench binary built for this CPU}"
MODELS=${MODELS:-/tmp/models}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
CASES=${CASES:-"S:f32 S:f16 S:q8_0 S:q4_0 M:f32 M:f16 M:q8_0 M:q4_0 L:f32 L:f16 L:q8_0 L:q4_0"}
OUT=${OUT:-/tmp/compare_llamacpp}
EDT=./build/edt
mkdir -p "$MODELS"
: >"$OUT.raw"

model() {  # shape type -> path, made once
  local shape=$1 type=$2 path="$MODELS/$1-$2.gguf"
  if [ ! -f "$path" ]; then
    case "$type" in
      f32|f16|bf16|q8_0|q4_0) "$EDT" mkmodel --shape "$shape" --type "$type" -o "$path" >&2 ;;
      *) : "${LLAMA_QUANTIZE:?set LLAMA_QUANTIZE to make $type files}"
         "$LLAMA_QUANTIZE" "$(model "$shape" f32)" "$path" "$type" >&2 ;;
    esac
  fi
  echo "$path"
}

gen_tokens() { case "$1" in S) echo 128 ;; M) echo 64 ;; *) echo 32 ;; esac; }

run_edt() {  # file n_gen -> "pp tg probe_gb_s mib_per_token" (medians of the repetitions)
  local out
  # shellcheck disable=SC2086  # EDT_FLAGS: several words on purpose
  out=$("$EDT" bench ${EDT_FLAGS:-} -m "$1" -p 128 -n "$2" -t "$THREADS" -r 3)
  printf '== edt %s\n%s\n' "$1" "$out" >>"$OUT.raw"
  # The model line gives the MiB read per generated token; the tg line the bandwidth probe's GB/s next to the runs.
  awk '/MiB read per generated token/ {for (i = 2; i <= NF; ++i) if ($i == "MiB" && $(i + 1) == "read") mib = $(i - 1)}
       $2 == "pp128" {pp = $3} $2 ~ /^tg/ {tg = $3; bw = $5} END {print pp, tg, bw, mib}' <<<"$out"
}

run_llama() {  # file n_gen -> "pp tg" (medians of llama-bench's per-repetition samples)
  local out
  out=$("$LLAMA_BENCH" -m "$1" -p 128 -n "$2" -t "$THREADS" -r 3 -o json 2>/dev/null)
  printf '== llama-bench %s\n%s\n' "$1" "$out" >>"$OUT.raw"
  python3 -c '
import json, statistics, sys
rows = json.load(sys.stdin)
pp = [statistics.median(r["samples_ts"]) for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0]
tg = [statistics.median(r["samples_ts"]) for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0]
print(pp[0], tg[0])' <<<"$out"
}

probe_now() {  # -> the bandwidth probe's GB/s now: edt bench's probe after one token of the smallest file
  local out
  out=$("$EDT" bench -m "$(model S q4_0)" -p 0 -n 1 -t "$THREADS" -r 1)
  printf '== probe after llama-bench\n%s\n' "$out" >>"$OUT.raw"
  awk '$2 ~ /^tg/ {print $5}' <<<"$out"
}

median() { python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

echo "# edt vs llama.cpp, $(date -u +%FT%TZ), $THREADS threads, $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# flags: $(grep -m1 flags /proc/cpuinfo | grep -o -w -E 'avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512dq|avx512_vnni|avx512_bf16|amx_tile|amx_int8|amx_bf16' | xargs)"
echo "# edt $(git rev-parse --short HEAD) at isa ${EDT_ISA:-(the best this CPU has)}${EDT_FLAGS:+, flags $EDT_FLAGS}; llama-bench: $LLAMA_BENCH"
echo
# The paired column pairs each round's two generation runs (the host's bandwidth moves between rounds by more than the
# engines differ, and a round's two runs are seconds apart): the median of the per-round ratios, then the ratios.
# The last column says how much of the machine each engine's generation used: the weight bytes a token reads (the
# same file for both) times each engine's tok/s, over the bandwidth edt's probe read right after that engine's run
# (for edt, edt bench's own "% of limit"; for llama.cpp, probe_now), medians over the rounds. Where llama.cpp is at
# x% of the probe, no engine can be more than 100/x times faster at generation on this machine then. The host's
# bandwidth can still change between a run and its probe, so a share near or over 100% says the reading moved.
echo "| model | type | edt pp128 | llama.cpp pp128 | ratio | edt tg | llama.cpp tg | ratio | paired tg ratio (rounds) | % of probe: edt / llama.cpp |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for c in $CASES; do
  shape=${c%%:*} type=${c#*:}
  file=$(model "$shape" "$type")
  n=$(gen_tokens "$shape")
  edt_pp=() edt_tg=() l_pp=() l_tg=() probe=() l_probe=() mib=0
  for ((r = 0; r < ROUNDS; ++r)); do
    if ((r % 2 == 0)); then
      read -r a b c mib < <(run_edt "$file" "$n"); edt_pp+=("$a"); edt_tg+=("$b"); probe+=("$c")
      read -r a b < <(run_llama "$file" "$n"); l_pp+=("$a"); l_tg+=("$b"); l_probe+=("$(probe_now)")
    else
      read -r a b < <(run_llama "$file" "$n"); l_pp+=("$a"); l_tg+=("$b"); l_probe+=("$(probe_now)")
      read -r a b c mib < <(run_edt "$file" "$n"); edt_pp+=("$a"); edt_tg+=("$b"); probe+=("$c")
    fi
  done
  ep=$(median "${edt_pp[@]}") et=$(median "${edt_tg[@]}") lp=$(median "${l_pp[@]}") lt=$(median "${l_tg[@]}")
  python3 -c 'import statistics, sys
s, t, ep, lp, et, lt = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:7])
rounds, mib = int(sys.argv[7]), float(sys.argv[8])
e, l, bw, lbw = (list(map(float, sys.argv[9 + k * rounds:9 + (k + 1) * rounds])) for k in range(4))
paired = [a / b for a, b in zip(e, l)]
each = ", ".join(f"{x:.2f}" for x in paired)
share = lambda tps, gbs: statistics.median(100 * x * mib * 2**20 / (g * 1e9) for x, g in zip(tps, gbs))
print(f"| {s} | {t} | {ep:,.1f} | {lp:,.1f} | {ep / lp:.2f} | {et:,.1f} | {lt:,.1f} | {et / lt:.2f} | "
      f"{statistics.median(paired):.2f} ({each}) | {share(e, bw):.0f}% / {share(l, lbw):.0f}% |")' \
    "$shape" "$type" "$ep" "$lp" "$et" "$lt" "$ROUNDS" "$mib" "${edt_tg[@]}" "${l_tg[@]}" "${probe[@]}" "${l_probe[@]}"
done
