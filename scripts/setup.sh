#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the fuzzers need; does nothing when all are present.
set -euo pipefail
# libcpp-httplib-dev: edt serve's HTTP/1.1 server (a maintained, small library; we write no HTTP parser);
# nginx-light, curl, nodejs + npm: the serving tests (load balancer in front of two replicas, bad-input requests,
# the official openai npm client). npm is only asked for when no npm is on the PATH (nodesource's nodejs has one).
packages=(g++ cmake make pkg-config libopenblas-dev nlohmann-json3-dev libpcre2-dev libgtest-dev libbenchmark-dev
          clang libclang-rt-14-dev libcpp-httplib-dev nginx-light curl nodejs
          libicu-dev)  # libicu-dev: Unicode NFC normalization for Qwen2's tokenizer
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
