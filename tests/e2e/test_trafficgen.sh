#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: the live traffic generator (build/bench/bench_live, the
# program of bpf/trafficgen.bpf.c run by BPF_PROG_TEST_RUN live frames)
# sends a fixed number of frames out of one end of a veth pair, into
# blastradius attached natively on the other. Every frame the generator
# ran on arrives (the receiver's XDP counter moves by exactly that many),
# and the addresses and ports vary as configured: each rule of a policy
# that picks out a known share of the tuples counts exactly that share.
# A TCP data segment's rewritten checksums are checked too: the dataplane
# verifies TCP checksums of what it reads (bpf/csum.h), so a hello whose
# sum were wrong after the rewrite would not be decided by its SNI.
#
# usage: tests/e2e/test_trafficgen.sh BUILD_DIR   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
GEN=$(realpath "$BUILD/bench/bench_live")
. tests/e2e/lib.sh

NS="br-tg-$$"
BPFFS="/run/br-tg-$$"
PIN="$BPFFS/state"
TMP=$(mktemp -d)
cleanup() {
	"$BLASTRADIUS" --pin-dir "$PIN" unload >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	umount "$BPFFS" 2>/dev/null && rmdir "$BPFFS"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# tg0 sends, tg1 receives. IPv6 off, so the stack sends nothing of its
# own (router solicitations) that the counters would see.
setup() {
	ip netns add "$NS" &&
		ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 &&
		ip -n "$NS" link add tg0 type veth peer name tg1 &&
		ip -n "$NS" link set tg0 up && ip -n "$NS" link set tg1 up &&
		mkdir -p "$BPFFS" && mount -t bpf -o mode=0700 bpf "$BPFFS"
}
setup || { echo "not ok 1 - set-up"; exit 1; }

br() { "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" "$@"; }
gen() { ip netns exec "$NS" "$GEN" --dev tg0 --cpus 0 "$@"; }
# ethtool's per-queue XDP counter of a veth (queue 0, the only one).
ethstat() {
	ip netns exec "$NS" ethtool -S "$1" | awk -v k="$2:" '$1 == k { print $2 }'
}
rule_pkts() {
	"$BLASTRADIUS" --pin-dir "$PIN" stats --json | jq ".rules[$1].packets"
}

# ---- UDP: 4 destinations, 2 sources, 4 source ports: 32 tuples --------
# Tuple i: destination 198.19.0.(i mod 4), source 198.18.0.(1 + i/4 mod 2),
# source port 10000 + (i/8 mod 4). 96,000 frames walk the pool 3,000 times.
# Rule 0 takes destinations .0 and .1: half. Rule 1 takes, of the rest,
# source .1 with port 10003: 2 tuples of 32.
cat >"$TMP/half.policy" <<'EOF'
policy half
default pass
rule "half the destinations" udp daddr 198.19.0.0/31 drop
rule "one source, one port" udp saddr 198.18.0.1 sport 10003 drop
EOF
t_check "load blastradius natively on the receiving veth" \
	br load tg1 "$TMP/half.policy" --mode native

rx0=$(ethstat tg1 rx_queue_0_xdp_packets)
tx0=$(ethstat tg0 tx_queue_0_xdp_xmit)
out=$(gen --frames 96000 --dst 198.19.0.0 --dsts 4 --src 198.18.0.1 \
	--srcs 2 --sport 10000 --sports 4 --dport 443)
t_match "the generator sent 96,000 frames" "$out" "^sent=96000 "
t_eq "the sender's veth transmitted every frame" \
	"$(($(ethstat tg0 tx_queue_0_xdp_xmit) - tx0))" 96000
t_eq "blastradius ran on every frame (rx_queue_0_xdp_packets)" \
	"$(($(ethstat tg1 rx_queue_0_xdp_packets) - rx0))" 96000
t_eq "destinations varied: rule 0 dropped half" "$(rule_pkts 0)" 48000
t_eq "sources and ports varied: rule 1 dropped 2 tuples of 32" \
	"$(rule_pkts 1)" 6000
t_eq "what no rule matched passed" \
	"$("$BLASTRADIUS" --pin-dir "$PIN" stats --json |
		jq ".actions.pass.packets")" 42000
t_eq "the receiver's XDP drops are the rules' drops" \
	"$(ethstat tg1 rx_queue_0_xdp_drops)" 54000

# ---- TLS: SYN and ClientHello per flow, then data, checksums read ----
# 16 flows (4 destinations, 4 source ports); the hello names
# blocked.example, so each flow is decided by its hello and its data
# segments are dropped with it. A wrong TCP checksum after the rewrite
# would leave the hello unread and the flows passed.
cat >"$TMP/sni.policy" <<'EOF'
policy sni
default pass
set blocked domain {
	blocked.example
}
rule "blocked name" sni @blocked drop
EOF
t_check "swap in a stateful SNI policy" br swap "$TMP/sni.policy"
flows=(--dst 198.19.0.0 --dsts 4 --srcs 1 --sports 4 --dport 443
	--sni blocked.example)
gen --kind tcp-syn --frames 16 "${flows[@]}" >/dev/null
gen --kind tls-hello --frames 16 "${flows[@]}" >/dev/null
gen --kind tcp-data --frames 1600 "${flows[@]}" >/dev/null
t_eq "every hello and data segment of the 16 flows dropped by the rule" \
	"$(rule_pkts 0)" 1616
t_eq "the SYNs passed (no hello yet)" \
	"$("$BLASTRADIUS" --pin-dir "$PIN" stats --json |
		jq ".actions.pass.packets")" 16

t_done
