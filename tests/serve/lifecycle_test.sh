#!/usr/bin/env bash
# /health while loading, a client that disconnects mid-stream, a full queue, and SIGTERM's drain.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
metric() { curl -s "$1/metrics" | sed -n "s/^$2 //p"; }

# 0. A model that cannot be loaded: one error line and exit 1, not a server left running.
rc=0
timeout 20 "$EDT" serve -m "$WORK/missing.gguf" --port 0 -t 1 >"$WORK/missing.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a missing model: exit $rc (124 = hung): $(cat "$WORK/missing.log")"
grep -q "missing.gguf: no such file" "$WORK/missing.log" || fail "a missing model: $(cat "$WORK/missing.log")"

# 1. /health is 503 while the model loads (an HF folder, converted in memory at start), then 200.
if [ -n "${HF_MODEL:-}" ]; then
  log="$WORK/h.log"
  "$EDT" serve -m "$HF_MODEL" --port 0 -t 1 >"$log" 2>&1 &
  PIDS+=($!); hpid=$!
  port=""
  for _ in $(seq 1 400); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$port" ] && break
    sleep 0.005
  done
  [ -n "$port" ] || fail "no port"
  codes=""
  for _ in $(seq 1 2000); do
    c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")
    codes="$codes $c"
    [ "$c" = 200 ] && break
  done
  echo "$codes" | grep -q '^ 503.* 200$' || fail "/health while loading: $codes (expected 503s, then 200)"
  c=$(curl -s -o "$WORK/x" -w '%{http_code}' "http://127.0.0.1:$port/v1/models")
  [ "$c" = 200 ] || fail "/v1/models after loading: $c"
  kill -TERM "$hpid"; wait "$hpid" || fail "exit code after SIGTERM"
  echo "lifecycle: /health went 503 -> 200 while loading"
fi

# 2. A client that goes away mid-stream frees its slot at once: the rest of its 900 tokens are not generated.
start_server d -np 1 -c 1024
url="http://127.0.0.1:$PORT_d"
curl -s -N --max-time 0.4 -d '{"prompt": "The sea", "max_tokens": 900, "stream": true, "seed": 1}' \
     "$url/v1/completions" >"$WORK/cut.txt" || true
grep -q '^data: {' "$WORK/cut.txt" || fail "the stream sent nothing before the cut"
freed=""
for _ in $(seq 1 40); do
  [ "$(metric "$url" edt_slots_busy)" = 0 ] && { freed=1; break; }
  sleep 0.025
done
[ -n "$freed" ] || fail "the slot stayed busy after the client left"
[ "$(metric "$url" edt_cancelled_total)" = 1 ] || fail "the cut stream was not counted as cancelled"
gen=$(metric "$url" edt_generated_tokens_total)
[ "${gen%.*}" -lt 900 ] || fail "all 900 tokens were generated for a client that left ($gen)"
echo "lifecycle: a disconnected stream freed its slot after $gen tokens"

# 3. One slot, no queue: while it is busy, a second request gets 503 with Retry-After, then succeeds later.
stop_server d
start_server q -np 1 --queue 0 -c 1024
url="http://127.0.0.1:$PORT_q"
curl -s -o "$WORK/long.json" -d '{"prompt": "The sea", "max_tokens": 800, "seed": 2}' "$url/v1/completions" &
long=$!
for _ in $(seq 1 200); do [ "$(metric "$url" edt_slots_busy)" = 1 ] && break; sleep 0.01; done
hdr=$(curl -s -D - -o "$WORK/busy.json" -d '{"prompt": "x", "max_tokens": 2}' "$url/v1/completions")
echo "$hdr" | head -n1 | grep -q ' 503' || fail "second request while busy: $(echo "$hdr" | head -n1)"
echo "$hdr" | grep -qi '^retry-after: [0-9]' || fail "503 without Retry-After"
grep -q '"error"' "$WORK/busy.json" || fail "503 without an error object"
wait "$long" || fail "the long request failed"
c=$(curl -s -o /dev/null -w '%{http_code}' -d '{"prompt": "x", "max_tokens": 2}' "$url/v1/completions")
[ "$c" = 200 ] || fail "after the slot freed: $c"
echo "lifecycle: a full server answers 503 with Retry-After"

# 4. SIGTERM: a running request finishes (all its tokens), a new one is refused, the process exits 0.
curl -s -o "$WORK/drain.json" -w '%{http_code}' -d '{"prompt": "The sea", "max_tokens": 700, "seed": 3}' \
     "$url/v1/completions" >"$WORK/drain.code" &
running=$!
for _ in $(seq 1 200); do [ "$(metric "$url" edt_slots_busy)" = 1 ] && break; sleep 0.01; done
kill -TERM "$PID_q"
sleep 0.05
c=$(curl -s -o "$WORK/refused.json" -w '%{http_code}' -d '{"prompt": "x", "max_tokens": 2}' "$url/v1/completions" || true)
case "$c" in 503|000) ;; *) fail "a request during the drain got $c" ;; esac
wait "$running" || true
[ "$(cat "$WORK/drain.code")" = 200 ] || fail "the request running at SIGTERM: $(cat "$WORK/drain.code") $(cat "$WORK/drain.json")"
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); if (r.usage.completion_tokens < 1) process.exit(1)' \
     "$WORK/drain.json" || fail "drained request incomplete"
rc=0
wait "$PID_q" || rc=$?
[ "$rc" = 0 ] || fail "exit code $rc after SIGTERM"
grep -q 'draining' "$WORK/q.log" || fail "no drain in the log"
echo "lifecycle: SIGTERM drained the running request and exited 0"
echo "lifecycle_test: ok"
