#!/usr/bin/env bash
# How this machine's read bandwidth moves over time: the bandwidth probe (the one `edt bench` pairs with each
# generation run) sampled every INTERVAL seconds, SAMPLES times, then the spread. On a shared VM the figure is not a
# property of the CPU: on the Zen 4 KVM guest it sat at 29-37 GB/s for minutes and then read 50-70 GB/s for a burst,
# which moves a DRAM-bound generation cell by more than two engines differ. Run it next to a comparison to see which
# regime the comparison ran in.
#   [SAMPLES=60] [INTERVAL=5] [THREADS=2] ./bench/bandwidth_over_time.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLES=${SAMPLES:-60}
INTERVAL=${INTERVAL:-5}
THREADS=${THREADS:-2}
MODELS=${MODELS:-/tmp/models}
EDT=./build/edt
small="$MODELS/S-q4_0.gguf"  # the smallest file: one token of it leaves the probe's sweep as the whole run
mkdir -p "$MODELS"
[ -f "$small" ] || "$EDT" mkmodel --shape S --type q4_0 -o "$small" >&2

echo "# bandwidth probe over time, $(date -u +%FT%TZ), $THREADS threads, $(nproc) CPUs:" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# utc_time gb_s"
readings=()
for ((i = 0; i < SAMPLES; ++i)); do
  gb=$("$EDT" bench -m "$small" -p 0 -n 1 -t "$THREADS" -r 1 | awk '$2 ~ /^tg/ {print $5}')
  echo "$(date -u +%T) $gb"
  readings+=("$gb")
  ((i + 1 < SAMPLES)) && sleep "$INTERVAL"
done
python3 -c '
import statistics, sys
x = sorted(float(v) for v in sys.argv[1:])
q = lambda p: x[min(len(x) - 1, int(p * len(x)))]
print(f"# {len(x)} samples: min {x[0]:.1f}, p10 {q(0.1):.1f}, median {statistics.median(x):.1f}, "
      f"p90 {q(0.9):.1f}, max {x[-1]:.1f} GB/s; max/min {x[-1] / x[0]:.2f}")' "${readings[@]}"
