#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make-evasion.sh - re-record the evasion captures of issue 10 (items 4 to
# 7) from the lab. Runs tests/e2e/test_evasion.sh with EVASION_CAPTURES
# set (its checks may fail: before the censor's fixes most evasions work),
# then for each case below trims the case's capture (taken on the client's
# end of the subscriber link) and writes evasion-NAME.pcap and
# evasion-NAME.expect here. What is cut: the server's answers to a blocked
# hello or Initial that got through (a fixed censor leaves none), and for
# QUIC everything after the client's first v1 Initial. Each expectation's
# frame is found in the trimmed capture by the tshark filter written
# beside it; its verdict is what a FIXED censor gives that frame, chosen
# where every correct fix must agree (the last frame that would complete a
# blocked hello at the server, not the pieces before it).
#
# usage: tests/captures/make-evasion.sh BUILD_DIR   (as root)
#   EVASION_FROM=DIR takes the captures of an earlier run
#   (EVASION_CAPTURES=DIR tests/e2e/test_evasion.sh BUILD_DIR) from DIR.
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
OUT=tests/captures
SNI=policies/examples/sni-courier-drop.policy
APNS=policies/imessage-apns-sni.policy
QUIC=policies/examples/quic-drop.policy
DNS=policies/examples/dns-facetime-nxdomain.policy
SUBSCRIBERS="--subscriber 198.18.0.0/24 --subscriber 2001:db8:1::/64"
# the server's TCP payload: present only where a hello got through
NO_ANSWER="!(tcp.srcport == 443 && tcp.len > 0)"
HELLO='frame contains "courier.push.apple.com"'

TMP=$(mktemp -d /tmp/blastradius-make-evasion.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
if [ -n "${EVASION_FROM:-}" ]; then
	SRC=$EVASION_FROM
else
	SRC=$TMP/captures
	EVASION_CAPTURES=$SRC tests/e2e/test_evasion.sh "$BUILD" >"$TMP/test.log"
	echo "make-evasion: test_evasion.sh: $(grep -c '^ok' "$TMP/test.log") ok," \
		"$(grep -c '^not ok' "$TMP/test.log") not ok (before the fixes most evasions work)"
fi

die() {
	echo "make-evasion: $*" >&2
	exit 1
}

# capture NAME SOURCE POLICY KEEP ITEM TEXT: evasion-NAME.pcap, the frames of
# SOURCE.pcap that tshark's KEEP selects, and the head of its .expect.
capture() {
	NAME=evasion-$1
	CAP=$OUT/$NAME.pcap
	EXPECT=$OUT/$NAME.expect
	[ -f "$SRC/$2.pcap" ] || die "no capture $SRC/$2.pcap"
	tshark -r "$SRC/$2.pcap" -n -Y "$4" -F pcap -w "$CAP" 2>/dev/null ||
		die "$2: tshark cannot trim it"
	{
		echo "# $6"
		echo "# Issue 10, item $5. Recorded by tests/captures/make-evasion.sh"
		echo "# (tests/e2e/test_evasion.sh, case capture \"$2\": tcpdump -s 0 on"
		echo "# the client's eth0), trimmed with tshark -Y '$4'."
		echo "# Verdicts: what the censor must do once the issue is fixed."
		echo "policy $3"
		echo "option $SUBSCRIBERS"
	} >"$EXPECT"
}
# option ARGS: another replay option
option() { echo "option $*" >>"$EXPECT"; }
# note TEXT: a comment line
note() { echo "# $*" >>"$EXPECT"; }
# want VERDICT FILTER: the first frame FILTER selects gets VERDICT
want() {
	local n

	n=$(tshark -r "$CAP" -n -Y "$2" -T fields -e frame.number 2>/dev/null | head -1)
	[ -n "$n" ] || die "$NAME: no frame for: $2"
	printf 'frame %s verdict %s\ntshark %s %s\n' "$n" "$1" "$n" "$2" >>"$EXPECT"
}
# first_initial SOURCE: the frame number of the client's first v1 Initial
first_initial() {
	tshark -r "$SRC/$1.pcap" -n -T fields -e frame.number -Y \
		'udp.dstport == 443 && quic.long.packet_type == 0 && quic.version == 1' \
		2>/dev/null | head -1
}
SYN="tcp.flags.syn == 1 && tcp.flags.ack == 0"

rm -f "$OUT"/evasion-*.pcap "$OUT"/evasion-*.expect

# ---- item 5: evasions of sni rules -------------------------------------------
capture 5a-out-of-order 5a-out-of-order "$SNI" "$NO_ANSWER" 5 \
	"The hello for courier.push.apple.com in two segments, the later one first, then the whole hello again in order."
want pass "$SYN"
note "the in-order hello completes it for the server: dropped, whatever the pieces got"
want drop "tcp.seq == 1 && tcp.len > 100"

capture 5b-decoy-ttl 5b-decoy-ttl "$SNI" "$NO_ANSWER" 5 \
	"A decoy hello for decoy.example.net with TTL 1 (dies at the router), then the real hello for courier.push.apple.com at the same sequence number."
want pass "$SYN"
want drop "tcp.len > 0 && $HELLO"

capture 5b-decoy-hoplimit-v6 5b-decoy-hoplimit-v6 "$SNI" "$NO_ANSWER" 5 \
	"IPv6: a decoy hello for decoy.example.net with hop limit 1 (dies at the router), then the real hello for courier.push.apple.com at the same sequence number."
want drop "tcp.len > 0 && $HELLO"

capture 5b-decoy-checksum 5b-decoy-checksum "$SNI" "$NO_ANSWER" 5 \
	"A decoy hello with a bad TCP checksum (the server drops it), then the real hello for courier.push.apple.com at the same sequence number."
want drop "tcp.len > 0 && $HELLO"

capture 5b-decoy-window 5b-decoy-window "$SNI" "$NO_ANSWER" 5 \
	"A decoy hello 2^30 bytes outside the server's window, then the real hello for courier.push.apple.com."
want drop "tcp.len > 0 && $HELLO"

capture 5b-decoy-ack 5b-decoy-ack "$SNI" "$NO_ANSWER" 5 \
	"A decoy hello acknowledging bytes the server never sent (it drops it), then the real hello for courier.push.apple.com."
want drop "tcp.len > 0 && $HELLO"

capture 5b-decoy-ttl-imessage 5b-decoy-ttl-imessage "$APNS" "$NO_ANSWER" 5 \
	"A decoy hello for decoy.example.net with TTL 1 (dies at the router), then the real hello for 1-courier.push.apple.com, against imessage-apns-sni."
want drop "tcp.len > 0 && $HELLO"

capture 5c-dest-opts-v6 5c-dest-opts-v6 "$SNI" "$NO_ANSWER" 5 \
	"IPv6: the hello for courier.push.apple.com behind 9 destination-option headers (the parser walks 8)."
want pass "$SYN"
want drop "tcp.len > 0 && $HELLO"

capture 5d-trailing-dot 5d-trailing-dot "$SNI" "$NO_ANSWER" 5 \
	"A hello naming courier.push.apple.com. (trailing dot; tshark shows the name as sent, with its dot)."
want drop "tcp.len > 0 && $HELLO"

capture 5e-syn-fragments 5e-syn-fragments-nopolicy "$SNI" "$NO_ANSWER" 5 \
	"The SYN in 8-byte IP fragments (the server reassembles it), then a normal hello for courier.push.apple.com. Recorded without a censor, so the handshake completes."
want pass "ip.flags.mf == 1 && ip.frag_offset == 0"
want pass "ip.flags.mf == 0 && ip.frag_offset > 0 && ip.proto == 6"
want drop "tcp.len > 0 && $HELLO"

capture 5h-tiny-extensions 5h-tiny-extensions "$SNI" "$NO_ANSWER" 5 \
	"A hello with 300 empty extensions ahead of server_name, in two segments."
note "the segment that completes the hello (tshark reassembles it there)"
want drop "tcp.len > 0 && tls.handshake.type == 1"

capture 5i-3000-byte-segment 5i-3000-byte-segment "$SNI" "$NO_ANSWER" 5 \
	"A TCP socket's 3,000-byte hello in one GSO super-frame (TSO on the client's veth), as generic XDP sees it; --mtu keeps it whole."
option --mtu 9000
want drop "tcp.len >= 3000"

# ---- item 6: mid-stream ---------------------------------------------------------
capture 6-established-before-load 6-established-before-load "$SNI" "$NO_ANSWER" 6 \
	"Two connections opened before the censor was loaded; the capture starts after their handshakes: hellos for courier.push.apple.com and www.example.com."
want drop "tcp.len > 0 && $HELLO"
want pass 'tcp.len > 0 && frame contains "www.example.com"'

# ---- item 7: QUIC -----------------------------------------------------------------
for k in junk 0rtt grease; do
	n=$(first_initial "7-$k-first")
	[ -n "$n" ] || die "7-$k-first: no v1 Initial"
	case $k in
	junk) text="16 bytes of text first" ;;
	0rtt) text="a 0-RTT packet (long header type 1) first" ;;
	grease) text="an Initial-shaped packet of version 0x1a2a3a4a first (a server answers Version Negotiation)" ;;
	esac
	capture "7-$k-first" "7-$k-first" "$QUIC" \
		"udp.dstport == 443 && frame.number <= $n" 7 \
		"On one 5-tuple, $text, then ngtcp2's v1 Initial; the client's datagrams up to that Initial."
	[ $k = junk ] && want pass "udp.length == 24"
	want drop "quic.long.packet_type == 0 && quic.version == 1"
done

capture 7-plain-udp 7-plain-udp "$QUIC" "udp" 7 \
	"16 bytes of text to UDP 443: not QUIC."
want pass "udp.dstport == 443"

# ---- item 4: fragments ------------------------------------------------------------
for fam in v4 v6; do
	capture "4-udp443-fragments-$fam" "4-udp443-fragments-$fam" "$QUIC" "ip or ipv6" 4 \
		"600 bytes of text to UDP 443 in 256-byte fragments ($fam): not QUIC."
	if [ $fam = v4 ]; then
		want pass "ip.flags.mf == 1 && ip.frag_offset == 0"
		want pass "ip.flags.mf == 0 && ip.frag_offset > 0"
	else
		want pass "ipv6.fraghdr.more == 1 && ipv6.fraghdr.offset == 0"
		want pass "ipv6.fraghdr.more == 0 && ipv6.fraghdr.offset > 0"
	fi
	capture "4-dns-fragments-$fam" "4-dns-fragments-$fam" "$DNS" "ip or ipv6" 4 \
		"A DNS query for www.example.com padded to 300 bytes in 48-byte fragments ($fam), the question whole in the first."
	if [ $fam = v4 ]; then
		want pass "ip.flags.mf == 1 && ip.frag_offset == 0"
		want pass "ip.flags.mf == 0 && ip.frag_offset > 0"
	else
		want pass "ipv6.fraghdr.more == 1 && ipv6.fraghdr.offset == 0"
		want pass "ipv6.fraghdr.more == 0 && ipv6.fraghdr.offset > 0"
	fi
done

capture 4-dns-fragments-facetime 4-dns-fragments-facetime "$DNS" "ip" 4 \
	"A DNS query for facetime.apple.com padded to 300 bytes in 48-byte fragments, the question whole in the first."
note "the first fragment: dropped today; a forged NXDOMAIN (tx) would do as well"
want "drop|tx" "ip.flags.mf == 1 && ip.frag_offset == 0"
want drop "ip.flags.mf == 0 && ip.frag_offset > 0"

capture 4-dns-big-answer 4-dns-big-answer-nopolicy "$DNS" "ip" 4 \
	"dig's TXT query for big.example and dnsmasq's 3 KB answer in IP fragments from port 53 (recorded without a censor)."
want pass "udp.dstport == 53"
want pass "ip.src == 198.19.0.2 && ip.flags.mf == 1 && ip.frag_offset == 0"
want pass "ip.src == 198.19.0.2 && ip.flags.mf == 0 && ip.frag_offset > 0"

capture 4-http-fragments 4-http-fragments-nopolicy "$SNI" "ip" 4 \
	"A plain HTTP request to TCP 443 in 128-byte IP fragments (recorded without a censor)."
want pass "ip.flags.mf == 1 && ip.frag_offset == 0"
want pass "ip.flags.mf == 0 && ip.frag_offset > 0"

capture 4-hello-fragments 4-hello-fragments-nopolicy "$SNI" "ip" 4 \
	"A hello for www.example.com in 256-byte IP fragments (recorded without a censor)."
want pass "ip.flags.mf == 1 && ip.frag_offset == 0"
want pass "ip.flags.mf == 0 && ip.frag_offset > 0"

set -- "$OUT"/evasion-*.pcap
echo "make-evasion: $# captures, $(du -cb "$@" | tail -1 | cut -f1) bytes"
