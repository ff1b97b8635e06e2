#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lab_serve_load.sh - how long `lab serve` takes to bring up, push to and
# serve N devices at once (docs/PERFORMANCE.md, "The lab's servers"), in
# two namespaces of its own over a veth, removed on exit. Prints the
# phases' wall times (lab_serve_load.py), the server's CPU time and its
# peak memory.
#
# usage: tests/bench/lab_serve_load.sh [BUILD_DIR] [N]   (root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
N=${2:-500}
ID=$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))
CLI="br-b$ID-cli"
SRV="br-b$ID-srv"
TMP=$(mktemp -d "/tmp/brlabload$$.XXXXXX")
PID=""

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$CLI" && ip netns add "$SRV" &&
	ip link add "v${ID}a" type veth peer name "v${ID}b" &&
	ip link set "v${ID}a" netns "$CLI" && ip link set "v${ID}b" netns "$SRV" &&
	ip -n "$CLI" link set "v${ID}a" name eth0 &&
	ip -n "$SRV" link set "v${ID}b" name eth0 || exit 1
for ns in "$CLI" "$SRV"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
done
ip -n "$CLI" addr add 198.18.0.2/24 dev eth0
ip -n "$SRV" addr add 198.18.0.1/24 dev eth0
ip -n "$CLI" route add 198.19.0.0/17 via 198.18.0.1
ip -n "$SRV" route add local 198.19.0.0/17 dev lo

ip netns exec "$SRV" "$BUILD/blastradius" lab serve --dir "$TMP" \
	--tcp 5223 >/dev/null 2>"$TMP/server.err" &
PID=$!
for i in $(seq 1 100); do
	[ -S "$TMP/ctl" ] && break
	sleep 0.1
done
ip netns exec "$CLI" python3 tests/bench/lab_serve_load.py "$TMP" \
	198.19.3.7 5223 "$N" || exit 1
# utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks
echo "server CPU time (user + system): $(awk -v hz="$(getconf CLK_TCK)" \
	'{ printf "%.2f s", ($14 + $15) / hz }' "/proc/$PID/stat")"
echo "server peak resident memory: $(awk '/^VmHWM/ { print $2, $3 }' \
	"/proc/$PID/status")"
