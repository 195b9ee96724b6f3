#!/usr/bin/env bash
# curl sends malformed requests; every one must get a 4xx with an OpenAI error object, and the server keeps serving.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
start_server b -np 2 -c 64 --max-body 65536 --chat-template chatml
url="http://127.0.0.1:$PORT_b"
n=0
# expect STATUS PATH BODY: the status, and {"error": {"message": str, "type": str, "param", "code"}}.
expect() {
  local want=$1 path=$2 body=$3
  n=$((n + 1))
  local out="$WORK/resp-$n.json"
  local got
  got=$(printf '%s' "$body" | curl -s -o "$out" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
        --data-binary @- "$url$path") || fail "curl failed for $path $body"
  [ "$got" = "$want" ] || fail "$path $body: status $got, expected $want: $(cat "$out")"
  printf '%s %s\n' "$path" "${body:0:200}" >"$WORK/req-$n.txt"
}
C=/v1/completions
H=/v1/chat/completions
expect 400 $C '{"prompt": "x", '
expect 400 $C '[1, 2, 3]'
expect 400 $C ''
expect 400 $C '"just a string"'
expect 400 $C "$(printf '{"prompt": "\xff\xfe"}')"
expect 400 $C '{"prompt": 5}'
expect 400 $C '{"prompt": []}'
expect 400 $C '{"prompt": ["a", "b"]}'
expect 400 $C '{"prompt": [1, "a"]}'
expect 400 $C '{"prompt": [99999999]}'
expect 400 $C '{"prompt": [-1]}'
expect 400 $C '{"max_tokens": 4}'
expect 400 $C '{"prompt": "x", "max_tokens": "10"}'
expect 400 $C '{"prompt": "x", "max_tokens": -1}'
expect 400 $C '{"prompt": "x", "max_tokens": 0}'
expect 400 $C '{"prompt": "x", "max_tokens": 1000000000}'
expect 400 $C '{"prompt": "x", "max_tokens": 1e300}'
expect 400 $C '{"prompt": "x", "max_tokens": 2.5}'
expect 400 $C '{"prompt": "x", "n": 2}'
expect 400 $C '{"prompt": "x", "n": "1"}'
expect 400 $C '{"prompt": "x", "stream": "yes"}'
expect 400 $C '{"prompt": "x", "temperature": "hot"}'
expect 400 $C '{"prompt": "x", "temperature": -0.5}'
expect 400 $C '{"prompt": "x", "temperature": 3}'
expect 400 $C '{"prompt": "x", "top_p": 0}'
expect 400 $C '{"prompt": "x", "top_p": 1.5}'
expect 400 $C '{"prompt": "x", "top_k": -1}'
expect 400 $C '{"prompt": "x", "top_k": 0.5}'
expect 400 $C '{"prompt": "x", "min_p": 2}'
expect 400 $C '{"prompt": "x", "presence_penalty": 5}'
expect 400 $C '{"prompt": "x", "frequency_penalty": -3}'
expect 400 $C '{"prompt": "x", "seed": "abc"}'
expect 400 $C '{"prompt": "x", "seed": 1.5}'
expect 400 $C '{"prompt": "x", "edt": {"n": 1.5}}'
expect 400 $C '{"prompt": "x", "edt": {"theta": 0}}'
expect 400 $C '{"prompt": "x", "edt": {"t0": -1}}'
expect 400 $C '{"prompt": "x", "edt": {"tau": 1}}'
expect 400 $C '{"prompt": "x", "edt": "on"}'
expect 400 $C '{"prompt": "x", "edt": true, "dynatemp_range": 0.5}'
expect 400 $C '{"prompt": "x", "dynatemp_range": -1}'
expect 400 $C '{"prompt": "x", "dynatemp_exponent": 0}'
expect 400 $C '{"prompt": "x", "logit_bias": {"abc": 1}}'
expect 400 $C '{"prompt": "x", "logit_bias": {"-1": 1}}'
expect 400 $C '{"prompt": "x", "logit_bias": {"1.5": 1}}'
expect 400 $C '{"prompt": "x", "logit_bias": {"99999999": 1}}'
expect 400 $C '{"prompt": "x", "logit_bias": {"5": "x"}}'
expect 400 $C '{"prompt": "x", "logit_bias": {"5": 1000}}'
expect 400 $C '{"prompt": "x", "logit_bias": [1, 2]}'
expect 400 $C '{"prompt": "x", "logprobs": 50}'
expect 400 $C '{"prompt": "x", "logprobs": true}'
expect 400 $C '{"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}'
expect 400 $C '{"prompt": "x", "stop": [""]}'
expect 400 $C '{"prompt": "x", "stop": 5}'
expect 400 $C '{"prompt": "x", "echo": true}'
expect 400 $C '{"prompt": "x", "stream_options": {"include_usage": "yes"}}'
# Longer than the 64-token context, as text and as ids.
expect 400 $C "{\"prompt\": \"$(printf 'the sea and the ship %.0s' $(seq 1 40))\"}"
expect 400 $C "{\"prompt\": [$(seq -s, 1 70)]}"
expect 400 $H '{"messages": []}'
expect 400 $H '{"messages": "hi"}'
expect 400 $H '{}'
expect 400 $H '{"messages": [{"role": "wizard", "content": "x"}]}'
expect 400 $H '{"messages": [{"role": 5, "content": "x"}]}'
expect 400 $H '{"messages": [{"content": "x"}]}'
expect 400 $H '{"messages": [{"role": "user"}]}'
expect 400 $H '{"messages": [{"role": "user", "content": 5}]}'
expect 400 $H '{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}'
expect 400 $H '{"messages": ["user: hi"]}'
expect 400 $H '{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2}'
expect 400 $H '{"messages": [{"role": "user", "content": "x"}], "logprobs": 3}'
expect 400 $H "{\"messages\": [{\"role\": \"user\", \"content\": \"$(printf 'the sea %.0s' $(seq 1 60))\"}]}"
expect 400 /tokenize '{"content": 5}'
expect 400 /tokenize '{}'
expect 400 /detokenize '{"tokens": ["a"]}'
expect 400 /detokenize '{"tokens": [123456789]}'
expect 404 /v1/nothing '{}'
# A body over --max-body.
big="$WORK/big.json"
{ printf '{"prompt": "'; head -c 70000 /dev/zero | tr '\0' 'a'; printf '"}'; } >"$big"
expect 413 $C "$(cat "$big")"
# GET on a POST route.
n=$((n + 1))
code=$(curl -s -o "$WORK/resp-$n.json" -w '%{http_code}' "$url/v1/completions")
echo "GET /v1/completions" >"$WORK/req-$n.txt"
case "$code" in 4*) ;; *) fail "GET /v1/completions: $code" ;; esac
# Every answer is an OpenAI error object (checked in one node process, for speed).
node -e '
  const fs = require("fs");
  for (let i = 1; i <= Number(process.argv[2]); ++i) {
    const f = `${process.argv[1]}/resp-${i}.json`;
    if (!fs.existsSync(f)) continue;
    let e;
    try { e = JSON.parse(fs.readFileSync(f, "utf8")).error; } catch (x) { e = null; }
    if (!e || typeof e.message !== "string" || !e.message || typeof e.type !== "string" || !("param" in e) || !("code" in e)) {
      console.error(`not an OpenAI error object for ${fs.readFileSync(`${process.argv[1]}/req-${i}.txt`, "utf8")}: ${fs.readFileSync(f, "utf8")}`);
      process.exit(1);
    }
  }' "$WORK" "$n" || fail "an answer was not an error object"
# The HTTP parser itself: malformed bytes on raw connections.
timeout 120 node "$here/garbage.mjs" 127.0.0.1 "$PORT_b" 150 "${GARBAGE_SEED:-7}" || fail "garbage at the HTTP layer"
# Still serving, and the errors were counted.
code=$(curl -s -o "$WORK/ok.json" -w '%{http_code}' -d '{"prompt": "The sea", "max_tokens": 4}' "$url$C")
[ "$code" = 200 ] || fail "a good request after the bad ones: $code $(cat "$WORK/ok.json")"
curl -s "$url/metrics" | grep -q 'edt_requests_total{endpoint="/v1/completions",status="400"}' || fail "400s not in /metrics"
stop_server b
echo "bad_requests: $n bad requests answered with 4xx error objects; server kept serving"
