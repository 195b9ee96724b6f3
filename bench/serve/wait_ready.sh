# Sourced by the bench/serve scripts. wait_ready LOG: waits (up to 60 s) for the server writing LOG to print its
# "listening on http://127.0.0.1:PORT" line and answer /health with 200, then prints its base URL.
wait_ready() {
  local port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -n1)
    [ -n "$port" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" = 200 ] && break
    sleep 0.1
  done
  echo "http://127.0.0.1:$port"
}
