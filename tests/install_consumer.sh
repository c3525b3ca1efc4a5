#!/usr/bin/env bash
# Installs hubwatch into a temporary prefix and checks what an operator and a
# developer get: the three programs (run from the prefix: the installed
# simulator and subscriber talk to each other), the config, the systemd unit
# (checked by systemd-analyze when it is there), the man pages (when help2man
# is there, as for the build), and the library, consumed by examples/consumer
# once with find_package(hubwatch) and once with pkg-config. The packaging
# cannot silently break.
# Usage: install_consumer.sh BUILD_DIR SOURCE_DIR HUB_BIN (HUB_BIN: unused,
# the installed simulator runs instead)
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
prefix=$tmp/prefix
fail() { echo "install_consumer: $*" >&2; exit 1; }
# Nothing of the source tree's config or .env may leak into the runs below.
cd "$tmp"

for prog in hubwatch-subscriber hubwatch-node hubwatch-hub; do
  [[ -x "$prefix/bin/$prog" ]] || fail "bin/$prog not installed"
  "$prefix/bin/$prog" --version | grep -q "^$prog " || fail "$prog --version"
  if command -v help2man >/dev/null; then
    grep -q "$prog" "$prefix/share/man/man1/$prog.1" || fail "no man page for $prog"
  fi
done
# The installed config states the defaults: the node accepts it as it is.
[[ -f "$prefix/etc/hubwatch/hubwatch.conf" ]] || fail "etc/hubwatch/hubwatch.conf not installed"
"$prefix/bin/hubwatch-node" --config "$prefix/etc/hubwatch/hubwatch.conf" --help >/dev/null
unit=$prefix/lib/systemd/system/hubwatch-node.service
[[ -f "$unit" ]] || fail "the systemd unit is not installed"
grep -q "^ExecStart=$prefix/bin/hubwatch-node " "$unit" || fail "the unit does not run the installed node"
for line in DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes Restart=on-failure \
            "EnvironmentFile=-/etc/hubwatch/hubwatch.env"; do
  grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
if command -v systemd-analyze >/dev/null; then
  # Any complaint about the unit fails the test (warnings included).
  # It also looks up Documentation=man:hubwatch-node(1): in the prefix, when
  # there are man pages.
  man_check=(--man=no)
  command -v help2man >/dev/null && man_check=()
  out=$(MANPATH="$prefix/share/man:" systemd-analyze verify "${man_check[@]}" "$unit" 2>&1) \
    || fail "systemd-analyze verify: $out"
  if grep -q "hubwatch-node.service" <<<"$out"; then fail "systemd-analyze verify: $out"; fi
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/examples/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  "${launcher[@]}" >/dev/null
cmake --build "$tmp/build" >/dev/null

"$prefix/bin/hubwatch-hub" --port 0 --rate-scale 20 2>"$tmp/hub.log" &
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

# The same consumer through pkg-config, as a project without CMake builds it.
pc=$(find "$prefix" -name hubwatch.pc)
[[ -n "$pc" ]] || fail "no hubwatch.pc installed"
cxx=(g++)
command -v ccache >/dev/null && cxx=(ccache g++)
# shellcheck disable=SC2046
"${cxx[@]}" -std=c++17 "$src/examples/consumer/main.cpp" -o "$tmp/consumer-pc" \
  $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs hubwatch)
"$tmp/consumer-pc" "$url" 3 >"$tmp/out-pc.txt"
grep -q "^coord-001 " "$tmp/out-pc.txt" || { cat "$tmp/out-pc.txt"; fail "pkg-config consumer saw no coord-001"; }

# Every installed header compiles on its own, included the way a consumer
# does (<hubwatch/...>, with nothing but the pkg-config flags), and none
# reaches for a project header by a bare api/, core/, ... path that only
# resolves in the source tree.
bare=$(grep -rlE '^#include ["<](actors|api|core|messages|net)/' "$prefix/include/hubwatch" || true)
[[ -z "$bare" ]] || fail "installed headers include project headers without hubwatch/: $bare"
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags hubwatch)
header_check() {
  local rel=${1#"$prefix/include/"}
  # shellcheck disable=SC2086
  echo "#include <$rel>" | g++ -std=c++17 -fsyntax-only $cflags -x c++ - \
    || { echo "install_consumer: <$rel> does not compile on its own" >&2; return 1; }
}
export -f header_check
export prefix cflags
find "$prefix/include/hubwatch" -name '*.hpp' -print0 | sort -z \
  | xargs -0 -n1 -P"$(nproc)" bash -c 'header_check "$0"' \
  || fail "an installed header does not compile on its own"
headers=$(find "$prefix/include/hubwatch" -name '*.hpp' | wc -l)

# The installed subscriber against the installed simulator.
"$prefix/bin/hubwatch-subscriber" --json --url "$url" --exit-after-events 3 >"$tmp/sub.txt" \
  || fail "installed hubwatch-subscriber exited with $?"
[[ $(grep -c '"kind":"event"' "$tmp/sub.txt") == 3 ]] || { cat "$tmp/sub.txt"; fail "installed subscriber: not 3 events"; }
grep -q '"kind":"summary"' "$tmp/sub.txt" || fail "installed subscriber: no summary"
echo "installed programs, unit, config and man pages in place; $headers headers compile on their own as <hubwatch/...>; consumers built with find_package and pkg-config saw the agents"
