#!/usr/bin/env bash
# Installs hubwatch into a temporary prefix, builds examples/consumer against
# it with find_package(hubwatch), and runs it against the hub simulator: the
# packaging cannot silently break.
# Usage: install_consumer.sh BUILD_DIR SOURCE_DIR HUB_BIN
set -euo pipefail
build=$1 src=$2 hub=$3
tmp=$(mktemp -d)
hub_pid=""
cleanup() {
  [[ -n "$hub_pid" ]] && kill -INT "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/examples/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  "${launcher[@]}" >/dev/null
cmake --build "$tmp/build" >/dev/null

"$hub" --port 0 --rate-scale 20 2>"$tmp/hub.log" &
hub_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$tmp/hub.log")
  [[ -n "$url" ]] && break
  sleep 0.1
done
[[ -n "$url" ]] || { cat "$tmp/hub.log"; echo "hub did not start"; exit 1; }
"$tmp/build/consumer" "$url" 3 >"$tmp/out.txt"
for agent in coord-001 inf-001 defi-001; do
  grep -q "^$agent " "$tmp/out.txt" || { cat "$tmp/out.txt"; echo "no $agent"; exit 1; }
done
echo "consumer built against the installed package and saw the agents"
