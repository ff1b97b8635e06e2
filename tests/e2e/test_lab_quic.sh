#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_lab_quic.sh - the live lab's QUIC (user/lab/labquic.h), between two
# namespaces of the test's own joined by a veth; the server's routes the
# lab's world prefixes "local" on lo, as the lab does (labproto.h):
#   - quic-get fetches exactly the bytes asked for, over IPv4 from the
#     address it was bound to, and over IPv6;
#   - 20 clients at once all complete;
#   - on the client's wire: the Initial is QUIC version 1, carries the SNI
#     as sent and is padded to 1200 bytes; the replies come from the
#     address the client sent to (AnyIP);
#   - with UDP 443 dropped on its way out, quic-get gives up at its
#     deadline (exit 1), not crashing;
#   - garbage datagrams do not kill the server;
#   - SIGTERM: the server exits 0 with its counts on stderr.
#
# usage: tests/e2e/test_lab_quic.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

C=brq-$$-c # the client's namespace (the devices')
S=brq-$$-s # the server's
C4=198.18.0.2
C4B=198.18.0.3 # the client's second address, for --bind
S4=198.18.255.1
C6=2001:db8:1::2
S6=2001:db8:1::1
W4=198.19.3.7 # in the world prefixes the server routes local
W6=2001:db8:8000::7
SNI=www.example.com
SRV_PID=
TMP=$(mktemp -d "/tmp/brlabquic$$.XXXXXX")

cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID"
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the two namespaces -----------------------------------------------------

wire() {
	ip netns add "$C" && ip netns add "$S" &&
		ip -n "$C" link set lo up && ip -n "$S" link set lo up &&
		ip -n "$C" link add eth0 type veth peer name eth0 netns "$S" &&
		ip -n "$C" addr add "$C4/16" dev eth0 &&
		ip -n "$C" addr add "$C4B/16" dev eth0 &&
		ip -n "$C" addr add "$C6/64" dev eth0 nodad &&
		ip -n "$S" addr add "$S4/16" dev eth0 &&
		ip -n "$S" addr add "$S6/64" dev eth0 nodad &&
		ip -n "$C" link set eth0 up && ip -n "$S" link set eth0 up &&
		ip -n "$C" route add 198.19.0.0/17 via "$S4" &&
		ip -n "$C" -6 route add 2001:db8:8000::/33 via "$S6" &&
		ip -n "$S" route add local 198.19.0.0/17 dev lo &&
		ip -n "$S" -6 route add local 2001:db8:8000::/33 dev lo
}

if ! wire; then
	t_fail "the test's namespaces are wired"
	t_done
	exit 1
fi

ip netns exec "$S" "$BR" lab quic-serve --port 443 2>"$TMP/srv.err" &
SRV_PID=$!
for _ in $(seq 50); do
	ip netns exec "$S" ss -Hlun 'sport = :443' | grep -q . && break
	sleep 0.1
done
t_eq "quic-serve listens on UDP 443, IPv4 and IPv6" \
	"$(ip netns exec "$S" ss -Hlun 'sport = :443' | wc -l)" 2

# qget ARGS...: quic-get in the client's namespace; its output
qget() {
	ip netns exec "$C" "$BR" lab quic-get "$@"
}

# ---- fetches ----------------------------------------------------------------

out=$(qget "$W4" 443 "$SNI" 300000 --bind "$C4B" 2>&1)
t_eq "IPv4: quic-get exits 0" "$?" 0
t_match "... having received exactly 300000 bytes" "$out" \
	"^quic-get: done: 300000 of 300000 response bytes received"

out=$(qget "$W6" 443 "$SNI" 300000 2>&1)
t_eq "IPv6: quic-get exits 0" "$?" 0
t_match "... having received exactly 300000 bytes" "$out" \
	"^quic-get: done: 300000 of 300000 response bytes received"

out=$(qget "$W4" 443 "$SNI" 0 2>&1)
t_match "GET 0: done with nothing but the FIN" "$out" \
	"^quic-get: done: 0 of 0 response bytes"

pids=()
for i in $(seq 20); do
	qget "198.19.0.$i" 443 "$SNI" 100000 >"$TMP/many.$i" 2>&1 &
	pids+=($!)
done
ok=0
for p in "${pids[@]}"; do
	wait "$p" && ok=$((ok + 1))
done
t_eq "20 clients at once: all exit 0" "$ok" 20
t_eq "... each with its 100000 bytes" \
	"$(cat "$TMP"/many.* | grep -c '^quic-get: done: 100000 of 100000')" 20

# ---- the wire -----------------------------------------------------------------

ip netns exec "$C" tcpdump -i eth0 --immediate-mode -U -w "$TMP/q.pcap" \
	udp port 443 2>"$TMP/tcpdump.err" &
TD_PID=$!
for _ in $(seq 50); do
	grep -q listening "$TMP/tcpdump.err" && break
	sleep 0.1
done
qget "$W4" 443 blocked.example.org 5000 --bind "$C4B" >/dev/null 2>&1
qget "$W6" 443 blocked.example.org 5000 >/dev/null 2>&1
kill -INT "$TD_PID"
wait "$TD_PID"
# the client's first datagram, then the server's
# (the first of each: tshark's -c counts packets read, not matched)
first=$(tshark -r "$TMP/q.pcap" -Y "quic && ip.src == $C4B" -T fields \
	-E separator=' ' -e quic.long.packet_type -e quic.version \
	-e tls.handshake.extensions_server_name -e udp.length 2>/dev/null |
	head -n 1)
read -r ptype version sni ulen <<<"$first"
# tshark's QUIC packet types: 0 Initial, 2 Handshake
t_eq "the client's first datagram is an Initial" "$ptype" 0
t_eq "... of QUIC version 1" "$version" 0x00000001
t_eq "... with the SNI as sent" "$sni" blocked.example.org
t_match "... padded to 1200 bytes (UDP length with its 8 of header)" \
	"${ulen:-0}" "^(1[2-9][0-9][0-9]|[2-9][0-9]{3})$"
t_eq "the replies come from the address the client sent to" \
	"$(tshark -r "$TMP/q.pcap" -Y "quic && ip.dst == $C4B" -T fields \
		-e ip.src 2>/dev/null | sort -u)" "$W4"
t_eq "... over IPv6 too" \
	"$(tshark -r "$TMP/q.pcap" -Y "quic && ipv6.dst == $C6" -T fields \
		-e ipv6.src 2>/dev/null | sort -u)" "$W6"
t_eq "the IPv6 Initial carries the SNI too" \
	"$(tshark -r "$TMP/q.pcap" -Y "quic && ipv6.src == $C6" -T fields \
		-e tls.handshake.extensions_server_name 2>/dev/null |
		head -n 1)" blocked.example.org
t_match "the server's first reply is an Initial of version 1" \
	"$(tshark -r "$TMP/q.pcap" -Y "quic && ip.dst == $C4B" \
		-T fields -e quic.long.packet_type -e quic.version 2>/dev/null |
		head -n 1)" \
	"^0(,[0-9])*[[:space:]]+0x00000001"

# ---- UDP 443 dropped on the way out -----------------------------------------

ip netns exec "$C" nft -f - <<'EOF'
table inet brqdrop {
	chain out {
		type filter hook output priority 0;
		udp dport 443 drop
	}
}
EOF
out=$(qget "$W4" 443 "$SNI" 1000 2>&1)
rc=$?
t_eq "UDP 443 dropped: quic-get exits 1 (not a crash)" "$rc" 1
t_match "... at its deadline, nothing received" "$out" \
	"^quic-get: deadline \\(10 s\\) passed: 0 of 1000"
ip netns exec "$C" nft delete table inet brqdrop

# ---- garbage ------------------------------------------------------------------

# udp_send ADDR HEX: one datagram of the bytes HEX, from the client's side
udp_send() {
	ip netns exec "$C" python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
		  socket.SOCK_DGRAM)
s.sendto(bytes.fromhex(sys.argv[2]), (a, 443))' "$1" "$2"
}

udp_send "$W4" ""
udp_send "$W4" 00
udp_send "$W4" "$(head -c 1300 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
# a long header that claims version 1 and an Initial, the rest random
udp_send "$W4" "c000000001081122334455667788$(head -c 1250 /dev/urandom |
	od -An -v -tx1 | tr -d ' \n')"
udp_send "$W6" "$(head -c 40 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"
# an unknown version: no version negotiation, dropped
udp_send "$W4" "c0ff00001d08aabbccddeeff0011$(printf '00%.0s' $(seq 1200))"
if kill -0 "$SRV_PID" 2>/dev/null; then
	t_ok "garbage datagrams: the server lives on"
else
	t_fail "garbage datagrams: the server lives on" "$(cat "$TMP/srv.err")"
fi
out=$(qget "$W4" 443 "$SNI" 1000 2>&1)
t_match "... and serves the next client" "$out" \
	"^quic-get: done: 1000 of 1000"

# ---- SIGTERM ------------------------------------------------------------------

kill -TERM "$SRV_PID"
wait "$SRV_PID"
rc=$?
SRV_PID=
t_eq "SIGTERM: quic-serve exits 0" "$rc" 0
t_match "... with its counts on stderr" "$(tail -n 1 "$TMP/srv.err")" \
	"^quic-serve: [0-9]+ connections, [0-9]+ request streams, [0-9]+ response bytes sent$"
# 26 fetches answered: 3 of 300000 or 0 bytes, 20 of 100000, 2 of 5000,
# 1000 (the one dropped on its way never reached the server)
streams=$(sed -n 's/.* connections, \([0-9]*\) request streams.*/\1/p' \
	"$TMP/srv.err")
t_eq "... counting the 26 requests answered" "$streams" 26
bytes=$(sed -n 's/.* streams, \([0-9]*\) response bytes.*/\1/p' \
	"$TMP/srv.err")
t_eq "... and their bytes, each once" "$bytes" \
	$((2 * 300000 + 20 * 100000 + 2 * 5000 + 1000))

t_done
