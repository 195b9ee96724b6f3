# Shared by the serve test scripts: start edt serve replicas on free loopback ports, wait for /health, stop them.
# Every wait is bounded; a test that fails leaves no process behind (the EXIT trap).
set -euo pipefail
: "${EDT:?set EDT to the edt binary}"
: "${MODEL:?set MODEL to a GGUF file}"
export OMP_WAIT_POLICY=passive
WORK=$(mktemp -d "${TMPDIR:-/tmp}/edt-serve-test.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}

# start_server NAME [edt serve flags...]: sets PORT_<NAME> and PID_<NAME>.
start_server() {
  local name=$1; shift
  local log="$WORK/$name.log"
  "$EDT" serve -m "$MODEL" --port 0 -t "${THREADS:-1}" "$@" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "server $name exited at start"
    sleep 0.05
  done
  [ -n "$port" ] || fail "server $name printed no port"
  for _ in $(seq 1 400); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || fail "server $name exited while loading"
    sleep 0.05
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] || fail "server $name not ready"
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PID_$name" '%s' "$pid"
}

# stop_server NAME: SIGTERM, and it must exit 0 within 20 s.
stop_server() {
  local pid_var="PID_$1"
  local pid=${!pid_var}
  kill -TERM "$pid"
  for _ in $(seq 1 400); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && fail "server $1 did not exit within 20 s of SIGTERM"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "server $1 exited $rc after SIGTERM"
}

# node_modules for the openai client: installed from package-lock.json (npm ci) when missing.
# Without the npm registry the test is reported as skipped (exit 77), not passed.
ensure_node_modules() {
  local dir=$1
  if [ ! -d "$dir/node_modules/openai" ]; then
    (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --silent) || {
      echo "SKIP: the openai npm package is not installed and npm ci failed (no registry access?)" >&2
      exit 77
    }
  fi
}

# The demo model as GGUF: converted into the test's folder when models/prose-15m.gguf is missing.
if [ ! -f "$MODEL" ] && [ -n "${HF_MODEL:-}" ] && [ -d "$HF_MODEL" ]; then
  "$EDT" convert "$HF_MODEL" -o "$WORK/model.gguf" >/dev/null 2>&1 || fail "converting $HF_MODEL"
  MODEL="$WORK/model.gguf"
fi
