#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: calls singled out by their STUN, with a real STUN client and
# server (Debian's coturn: turnutils_stunclient against turnserver) through
# a censor router running blastradius in native XDP mode (subscriber role
# towards the client, upstream towards the server). On the server, coturn
# answers STUN on 3478 of one address; a UDP echo serves 3478 of another.
#
#  1. no policy: the client learns its reflexive address (IPv4 and IPv6),
#     and the echo answers a plain datagram and a WhatsApp-style STUN
#     message (type 0x0801);
#  2. "udp stun drop": the client gets no answer (its binding requests, and
#     every later datagram of its flow, are dropped), while a plain
#     exchange with the echo on the same port passes; the 0x0801 message
#     gets no echo; the counters say why;
#  3. "udp stun type 0x0800-0x0802 drop": the binding request passes (the
#     client learns its address again), the 0x0801 message still gets no
#     echo, the plain exchange passes.
# The end hosts run the XDP_PASS program on their interfaces
# (lab_peers_xdp_pass): native mode needs it on a veth peer. About 40 s,
# most of it the blocked clients waiting out their 3 s.
#
# usage: tests/e2e/test_stun.sh BUILD_DIR   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
XDP_PASS=$(realpath "$BUILD/xdp_pass.bpf.o")
L7=$(realpath tests/e2e/l7.py)
. tests/e2e/lib.sh
. scripts/lab.sh

TMP=$(mktemp -d)
cleanup() {
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
command -v turnserver >/dev/null && command -v turnutils_stunclient >/dev/null ||
	{ echo "not ok 1 - coturn installed (scripts/deps.sh)"; exit 1; }
lab_up || { echo "not ok 1 - lab set-up"; exit 1; }
lab_peers_xdp_pass "$XDP_PASS" ||
	{ echo "not ok 1 - XDP_PASS on the client's and server's eth0"; exit 1; }

# coturn on the lab's server addresses, the echo on a second address of
# each family on the same link
STUN4=$LAB_SERVER_V4
STUN6=$LAB_SERVER_V6
ECHO4=198.19.0.3
ECHO6=2001:db8:2::3
lab_server ip addr add "$ECHO4/24" dev eth0
lab_server ip addr add "$ECHO6/64" dev eth0 nodad
br() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" "$@"; }
stats() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --json; }
delta() { jq -n --argjson a "$1" --argjson b "$2" "\$b$3 - \$a$3"; }

lab_spawn "$LAB_SERVER" turnserver --listening-ip="$STUN4" \
	--listening-ip="$STUN6" --listening-port=3478 --no-tls --no-dtls \
	--no-auth --no-cli --stun-only --log-file=stdout --simple-log \
	--pidfile="$TMP/turnserver.pid"
lab_spawn "$LAB_SERVER" python3 "$L7" udp-echo "$ECHO4" 3478
lab_spawn "$LAB_SERVER" python3 "$L7" udp-echo "$ECHO6" 3478
for i in $(seq 1 50); do
	[ "$(lab_server ss -Huln 'sport = :3478' | wc -l)" -ge 4 ] && break
	sleep 0.1
done

# stun_try ADDR: the client's reflexive address, or its exit code (124:
# no answer in 3 s)
stun_try() {
	local out rc

	out=$(timeout 3 ip netns exec "$LAB_CLIENT" turnutils_stunclient "$1" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "$out" | grep -o 'reflexive addr: [^ ]*' | head -1 |
			sed 's/:[0-9]*$//'
	else
		echo "exit $rc"
	fi
}
ask() { lab_cli python3 "$L7" udp-ask "$1" 3478 "$2"; }

# ---- 1. no policy -------------------------------------------------------------
t_eq "no censor: coturn tells the client its address (IPv4)" \
	"$(stun_try "$STUN4")" "reflexive addr: $LAB_CLIENT_V4"
t_match "no censor: ... and over IPv6" "$(stun_try "$STUN6")" \
	"reflexive addr: \[?$LAB_CLIENT_V6"
t_eq "no censor: the echo answers a plain datagram" "$(ask "$ECHO4" plain)" "16 68"
t_eq "no censor: ... and a 0x0801 STUN message" "$(ask "$ECHO4" stun0801)" "28 08"

# ---- 2. udp stun drop -----------------------------------------------------------
printf 'policy stun-any\nrule "stun" udp stun drop\n' >"$TMP/any.policy"
printf 'policy stun-wa\nrule "wa" udp stun type 0x0800-0x0802 drop\n' \
	>"$TMP/wa.policy"
t_check "load udp stun drop in native mode" \
	br load sub0:subscriber up0:upstream "$TMP/any.policy" --mode native
t_eq "both interfaces native" \
	"$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" status --json |
		jq -r '[.interfaces[] | .mode] | join(",")')" "native,native"
s0=$(stats)
t_eq "stun: coturn's client gets no answer (IPv4)" "$(stun_try "$STUN4")" "exit 124"
t_eq "stun: ... nor over IPv6" "$(stun_try "$STUN6")" "exit 124"
for e in "$ECHO4" "$ECHO6"; do
	t_eq "stun: a plain exchange on 3478 passes ($e)" "$(ask "$e" plain)" "16 68"
	t_eq "stun: a 0x0801 message gets no echo ($e)" "$(ask "$e" stun0801)" "none"
done
s1=$(stats)
t_match "stun: binding requests dropped by the rule, counted as STUN" \
	"$(delta "$s0" "$s1" '.rules[0].packets') $(delta "$s0" "$s1" .stun.packets)" \
	'^([4-9]|[1-9][0-9]+) ([4-9]|[1-9][0-9]+)$'
t_eq "stun: nothing dropped but by the rule" \
	"$(delta "$s0" "$s1" .actions.drop.packets)" \
	"$(delta "$s0" "$s1" '.rules[0].packets')"

# ---- 3. WhatsApp's types only --------------------------------------------------
t_check "swap to udp stun type 0x0800-0x0802 drop" br swap "$TMP/wa.policy"
t_eq "stun type: the binding request passes (IPv4)" \
	"$(stun_try "$STUN4")" "reflexive addr: $LAB_CLIENT_V4"
t_match "stun type: ... and over IPv6" "$(stun_try "$STUN6")" \
	"reflexive addr: \[?$LAB_CLIENT_V6"
for e in "$ECHO4" "$ECHO6"; do
	t_eq "stun type: a 0x0801 message gets no echo ($e)" "$(ask "$e" stun0801)" "none"
	t_eq "stun type: a plain exchange passes ($e)" "$(ask "$e" plain)" "16 68"
done

t_check "unload" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
t_done
