#!/usr/bin/env bash
# The official openai npm client against edt serve (streaming and non-streaming completions and chat), then the
# API key with a second server.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
ensure_node_modules "$here"
start_server a -np 2 --chat-template chatml
timeout 120 node "$here/openai_client.mjs" "http://127.0.0.1:$PORT_a" || fail "openai client"
stop_server a
start_server k -np 1 --api-key s3cret-key
timeout 60 node "$here/auth_client.mjs" "http://127.0.0.1:$PORT_k" s3cret-key || fail "auth client"
stop_server k
echo "client_test: ok"
