#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lib.sh - TAP-style checks for the end-to-end tests. Each check prints
# "ok N - name" or "not ok N - name"; tests/run.sh adds them up.

T_N=0
T_FAILED=0

t_ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

t_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# t_check NAME COMMAND...: passes when the command succeeds.
t_check() {
	local name=$1 out

	shift
	if out=$("$@" 2>&1); then
		t_ok "$name"
	else
		t_fail "$name" "command failed: $*" "$out"
	fi
}

# t_fails NAME COMMAND...: passes when the command fails.
t_fails() {
	local name=$1 out

	shift
	if out=$("$@" 2>&1); then
		t_fail "$name" "command succeeded but must fail: $*" "$out"
	else
		t_ok "$name"
	fi
}

# t_eq NAME GOT WANT
t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "got:  $2" "want: $3"
	fi
}

# t_match NAME TEXT REGEX (extended)
t_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		t_ok "$1"
	else
		t_fail "$1" "text: $2" "does not match: $3"
	fi
}

# crowded_policy DIR: write DIR/crowded.policy, too large for the maps, and
# print the message check and swap must give for it (an ERE, anchored).
# 17 source sets, set j holding every /(j + 1) whose last bit is 1: an
# address's top 17 bits name the sets it is in, so the policy has 2^17
# address classes, more than the 65,536 a slot has (lines hold 16-bit
# class ids).
crowded_policy() {
	awk 'BEGIN { for (j = 0; j < 17; j++) {
		printf "set s%d addr {\n", j;
		for (k = 0; k < 2 ^ j; k++) {
			top = (k * 2 + 1) * 2 ^ (31 - j);
			printf "%d.%d.%d.%d/%d\n", int(top / 2 ^ 24) % 256,
				int(top / 2 ^ 16) % 256, int(top / 256) % 256,
				top % 256, j + 1;
		}
		print "}" } }' >"$1/crowded.set"
	{
		printf 'policy crowded\ninclude "crowded.set"\n'
		for j in $(seq 0 16); do printf 'rule saddr @s%d drop\n' "$j"; done
	} >"$1/crowded.policy"
	echo "^$1/crowded.set:[0-9]+:5: policy too large for its map: [0-9]+ address classes, at most 65536\$"
}

# lab_peers_xdp_pass OBJ: attach OBJ (xdp_pass.bpf.o, XDP_PASS) in native
# mode on eth0 of the lab's client and server, the peers of the router's
# interfaces. Native XDP_TX on a veth reaches the peer only when the peer
# runs an XDP program itself: without this, the resets and DNS answers the
# censor forges never arrive.
lab_peers_xdp_pass() {
	local ns

	for ns in "$LAB_CLIENT" "$LAB_SERVER"; do
		ip -n "$ns" link set dev eth0 xdpdrv obj "$1" sec xdp || return 1
	done
}

# t_within NAME GOT WANT PCT: passes when GOT is within PCT percent of WANT
# (numbers, decimals allowed).
t_within() {
	if awk -v g="$2" -v w="$3" -v p="$4" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'; then
		t_ok "$1"
	else
		t_fail "$1" "got:  $2" "want: $3 +-$4%"
	fi
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
}
