#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lab.sh - an isolated namespace testbed, sourced by the demo and the
# end-to-end tests (". scripts/lab.sh"; then lab_up / lab_down).
#
#   client ns                 router ns (the censor)                 server ns
#   eth0 ------------------- sub0 [XDP: subscriber]  up0 [XDP: upstream] ------------------- eth0
#   198.18.0.2/24            198.18.0.1/24           198.19.0.1/24                           198.19.0.2/24
#   2001:db8:1::2/64         2001:db8:1::1/64        2001:db8:2::1/64                        2001:db8:2::2/64
#
# Addresses come from the benchmarking ranges 198.18.0.0/15 and
# 2001:db8::/32. No namespace has a route out: the client and the server
# only know each other through the router. Names carry a per-run id, so two
# runs never collide, and lab_down removes everything the lab made.

LAB_ID=${LAB_ID:-$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))}
LAB_CLIENT="br-$LAB_ID-cli"
LAB_ROUTER="br-$LAB_ID-rtr"
LAB_SERVER="br-$LAB_ID-srv"
LAB_BPFFS="/run/blastradius-$LAB_ID"
LAB_PIN_DIR="$LAB_BPFFS/state"
LAB_CLIENT_V4=198.18.0.2
LAB_SERVER_V4=198.19.0.2
LAB_CLIENT_V6=2001:db8:1::2
LAB_SERVER_V6=2001:db8:2::2
LAB_PIDS=""

lab_cli()    { ip netns exec "$LAB_CLIENT" "$@"; }
lab_router() { ip netns exec "$LAB_ROUTER" "$@"; }
lab_server() { ip netns exec "$LAB_SERVER" "$@"; }

# veth pair between two namespaces, named $3 in $1 and $4 in $2.
lab_link() {
	local a="v${LAB_ID}a" b="v${LAB_ID}b"

	ip link add "$a" type veth peer name "$b" &&
	ip link set "$a" netns "$1" && ip link set "$b" netns "$2" &&
	ip -n "$1" link set "$a" name "$3" && ip -n "$2" link set "$b" name "$4" &&
	ip -n "$1" link set "$3" up && ip -n "$2" link set "$4" up
}

# No router: $LAB_CLIENT and $LAB_SERVER on one veth (eth0 in each), the
# client at $1 (IPv4, /24) and $3 (IPv6, /64), the server at $2 and $4,
# and no route out.
lab_pair() {
	local ns

	for ns in "$LAB_CLIENT" "$LAB_SERVER"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	lab_link "$LAB_CLIENT" "$LAB_SERVER" eth0 eth0 || return 1
	ip -n "$LAB_CLIENT" addr add "$1/24" dev eth0 &&
	ip -n "$LAB_SERVER" addr add "$2/24" dev eth0 &&
	ip -n "$LAB_CLIENT" addr add "$3/64" dev eth0 nodad &&
	ip -n "$LAB_SERVER" addr add "$4/64" dev eth0 nodad
}

lab_up() {
	local ns

	for ns in "$LAB_CLIENT" "$LAB_ROUTER" "$LAB_SERVER"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	lab_link "$LAB_CLIENT" "$LAB_ROUTER" eth0 sub0 || return 1
	lab_link "$LAB_ROUTER" "$LAB_SERVER" up0 eth0 || return 1

	ip -n "$LAB_CLIENT" addr add 198.18.0.2/24 dev eth0
	ip -n "$LAB_ROUTER" addr add 198.18.0.1/24 dev sub0
	ip -n "$LAB_ROUTER" addr add 198.19.0.1/24 dev up0
	ip -n "$LAB_SERVER" addr add 198.19.0.2/24 dev eth0
	ip -n "$LAB_CLIENT" addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n "$LAB_ROUTER" addr add 2001:db8:1::1/64 dev sub0 nodad
	ip -n "$LAB_ROUTER" addr add 2001:db8:2::1/64 dev up0 nodad
	ip -n "$LAB_SERVER" addr add 2001:db8:2::2/64 dev eth0 nodad
	# Each end host reaches the other side through the router only.
	ip -n "$LAB_CLIENT" route add 198.19.0.0/24 via 198.18.0.1
	ip -n "$LAB_SERVER" route add 198.18.0.0/24 via 198.19.0.1
	ip -n "$LAB_CLIENT" -6 route add 2001:db8:2::/64 via 2001:db8:1::1
	ip -n "$LAB_SERVER" -6 route add 2001:db8:1::/64 via 2001:db8:2::1
	lab_router sysctl -qw net.ipv4.ip_forward=1
	lab_router sysctl -qw net.ipv6.conf.all.forwarding=1

	# A bpffs in the host, outside /sys: `ip netns exec` gets a fresh
	# /sys, but sees this one, so the pins outlive every call. Mode 0700:
	# bpffs defaults to 1777, where any user could plant entries.
	mkdir -p "$LAB_BPFFS" && mount -t bpf -o mode=0700 bpf "$LAB_BPFFS"
}

# Start a command in the background inside a namespace; lab_down ends it.
lab_spawn() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" >/dev/null 2>&1 &
	LAB_PIDS="$LAB_PIDS $!"
}

lab_down() {
	local pid ns

	for pid in $LAB_PIDS; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LAB_PIDS=""
	if [ -n "${BLASTRADIUS:-}" ] && [ -e "$LAB_PIN_DIR/state" ]; then
		"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload >/dev/null 2>&1
	fi
	if mountpoint -q "$LAB_BPFFS" 2>/dev/null; then
		umount "$LAB_BPFFS"
	fi
	rmdir "$LAB_BPFFS" 2>/dev/null
	for ns in "$LAB_CLIENT" "$LAB_ROUTER" "$LAB_SERVER"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# Wait until a TCP port listens in a namespace (servers start async).
lab_wait_port() {
	local ns=$1 port=$2 i

	for i in $(seq 1 50); do
		ip netns exec "$ns" ss -Htln "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
