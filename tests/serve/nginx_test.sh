#!/usr/bin/env bash
# Two replicas behind nginx (least_conn, proxy_buffering off, retries to the other replica, passive health checks).
# 40 concurrent requests; one replica is killed (SIGKILL) midway. Every non-streamed request completes, a cut
# stream ends with an error (never a hang), and afterwards nothing is stuck: the survivor is idle and still serves.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
command -v nginx >/dev/null || command -v /usr/sbin/nginx >/dev/null || fail "nginx is not installed (scripts/setup.sh)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# Each replica's queue holds all 40 requests: once A is killed, nginx sends everything A held to B, and at the
# scalar level B is slow enough that none of them has finished by then (a queue of 32 answered one 503).
start_server A -np 4 --queue 48 -c 512
start_server B -np 4 --queue 48 -c 512
# A free loopback port for nginx: ask the kernel via a throwaway listener.
PORT_LB=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
mkdir -p "$WORK/nginx-tmp"
chmod 755 "$WORK"
chmod 777 "$WORK/nginx-tmp"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
sed -e "s|@WORK@|$WORK|g" -e "s|@PORT_A@|$PORT_A|g" -e "s|@PORT_B@|$PORT_B|g" -e "s|@PORT_LB@|$PORT_LB|g" \
    -e "s|@USER@|$user_line|" "$here/nginx.conf.in" >"$WORK/nginx.conf"
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
nginx_pid=$!
lb="http://127.0.0.1:$PORT_LB"
for _ in $(seq 1 200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$lb/health")" = 200 ] && break
  kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited: $(cat "$WORK/nginx-error.log" "$WORK/nginx.log")"
  sleep 0.05
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$lb/health")" = 200 ] || fail "nginx not up"

timeout 280 node "$here/nginx_clients.mjs" "$lb" 40 >"$WORK/summary.json" &
clients=$!
# Midway: once both replicas are generating, kill A.
for _ in $(seq 1 400); do
  a=$(curl -s "http://127.0.0.1:$PORT_A/metrics" | sed -n 's/^edt_slots_busy //p')
  b=$(curl -s "http://127.0.0.1:$PORT_B/metrics" | sed -n 's/^edt_slots_busy //p')
  [ "${a:-0}" -ge 2 ] && [ "${b:-0}" -ge 2 ] && break
  sleep 0.01
done
sleep 0.1
kill -KILL "$PID_A"
wait "$clients" || fail "clients: $(cat "$WORK/summary.json")"
summary=$(cat "$WORK/summary.json")
echo "nginx: $summary (replica A killed midway)"
node -e 'const s = JSON.parse(process.argv[1]); if (s.plain_ok !== 20) process.exit(1)' "$summary" \
  || fail "not every non-streamed request completed: $summary"

# Nothing stuck: B is idle, and a new request through nginx succeeds.
for _ in $(seq 1 200); do
  [ "$(curl -s "http://127.0.0.1:$PORT_B/metrics" | sed -n 's/^edt_slots_busy //p')" = 0 ] && break
  sleep 0.05
done
[ "$(curl -s "http://127.0.0.1:$PORT_B/metrics" | sed -n 's/^edt_slots_busy //p')" = 0 ] || fail "replica B still busy"
[ "$(curl -s "http://127.0.0.1:$PORT_B/metrics" | sed -n 's/^edt_queue_depth //p')" = 0 ] || fail "replica B has a queue"
c=$(curl -s -o "$WORK/after.json" -w '%{http_code}' --max-time 30 -d '{"prompt": "x", "max_tokens": 4}' "$lb/v1/completions")
[ "$c" = 200 ] || fail "a request after the kill: $c $(cat "$WORK/after.json")"
kill -TERM "$nginx_pid"
stop_server B
echo "nginx_test: ok"
