#!/usr/bin/env bash
# 8 clients x 10 requests against 4 slots (so requests also queue): all succeed, seeded texts equal their lone runs;
# afterwards no slot is busy and nothing is queued. SOAK=1 runs 8 x 60 (the soak label).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
start_server l -np 4 --queue 16 -c 256
url="http://127.0.0.1:$PORT_l"
per=${REQUESTS:-10}
timeout "${LOAD_TIMEOUT:-300}" node "$here/load.mjs" "$url" 8 "$per" || fail "load"
m=$(curl -s "$url/metrics")
echo "$m" | grep -q '^edt_slots_busy 0$' || fail "slots still busy after the load: $(echo "$m" | grep slots_busy)"
echo "$m" | grep -q '^edt_queue_depth 0$' || fail "requests still queued after the load"
stop_server l
echo "load_test: ok"
