#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The L7 extractors against tshark, on traffic from real clients. Two
# namespaces joined by a veth: a server with openssl s_server and dnsmasq,
# a client running openssl s_client (many server names, TLS 1.2 and 1.3,
# IPv4 and IPv6), curl, dig and kdig, captured on the client's side. Then
# l7dump (tests/diff/l7dump.c: bpf/parse.h, tls.h and dns.h over the
# capture, one segment at a time, as XDP sees them) and tshark read the
# capture, and tests/diff/compare.py checks that they agree frame by frame,
# and that both agree with what each client was asked to send:
#
# - tshark with TCP reassembly off dissects the hellos that fit in one
#   segment: there l7dump must report the same SNI on the same frame;
# - tshark with reassembly on completes every hello, split ones included,
#   on the frame of its last segment: l7dump must finish on that frame;
# - DNS queries: the same name (tshark shows the case as sent, l7dump folds
#   it) and type on every query frame.
#
# Batches: normal MTU; IPv6; curl; large hellos (a long ALPN list, 2-4
# segments) and record-fragmented ones (s_client -max_send_frag 512); DNS;
# and last the link's MTU lowered to 200 so every hello spans 2-4
# segments and long names end in a later one. TSO is kept from building
# super-frames (gso_max_segs 1), so the capture holds wire-size segments.
#
# usage: tests/e2e/test_differential.sh BUILD_DIR   (as root)
#   DIFF_KEEP=DIR keeps the capture, l7dump's and tshark's output in DIR.
set -u
# Root tools (ip, sysctl) live in sbin, which a bare PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
L7DUMP=$(realpath "$BUILD/tests/l7dump")
. tests/e2e/lib.sh
. scripts/lab.sh # lab_pair, lab_spawn, lab_wait_port, lab_down; no router

TMP=$(mktemp -d /tmp/blastradius-diff.XXXXXX)
cleanup() {
	lab_down
	if [ -n "${DIFF_KEEP:-}" ]; then
		mkdir -p "$DIFF_KEEP" && cp "$TMP"/* "$DIFF_KEEP"/
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SRV4=198.18.0.1
CLI4=198.18.0.2
SRV6=2001:db8:1::1
CLI6=2001:db8:1::2
LOW_MTU=200 # ClientHellos of 200-500 bytes: 2-4 segments of 148 bytes

for t in openssl curl dig kdig dnsmasq tcpdump tshark python3; do
	command -v "$t" >/dev/null || { echo "not ok 1 - $t is installed"; exit 1; }
done
[ -x "$L7DUMP" ] || { echo "not ok 1 - l7dump is built ($L7DUMP)"; exit 1; }

# ---- the lab: client and server on one veth, no route out ----------------
lab_setup() {
	lab_pair "$CLI4" "$SRV4" "$CLI6" "$SRV6" &&
	# one MSS per skb: no TSO super-frames in the capture
	ip -n "$LAB_CLIENT" link set dev eth0 gso_max_segs 1 &&
	ip -n "$LAB_SERVER" link set dev eth0 gso_max_segs 1
}
lab_setup || { echo "not ok 1 - lab set-up"; exit 1; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=lab.example -days 1 -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" >/dev/null 2>&1 ||
	t_fail "self-signed certificate"
lab_spawn "$LAB_SERVER" openssl s_server -accept 443 -cert "$TMP/cert.pem" \
	-key "$TMP/key.pem" -www -quiet
# Authoritative answers for a few names; nothing upstream, so anything
# else is refused at once (a query never waits for a timeout). Its log
# and tcpdump's go to files: sh -c 'exec "$@" 2>"$0"' LOG COMMAND...
# shellcheck disable=SC2016
lab_spawn "$LAB_SERVER" sh -c 'exec "$@" 2>"$0"' "$TMP/dnsmasq.log" \
	dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --pid-file= --user=root \
	--bind-interfaces --listen-address="$SRV4" --listen-address="$SRV6" \
	--address=/example.com/"$SRV4" --address=/example.com/"$SRV6" \
	--host-record=push.apple.com,"$SRV4","$SRV6" \
	--txt-record=example.com,lab --mx-host=example.com,mx.example.com,10 \
	--srv-host=_xmpp-client._tcp.example.com,xmpp.example.com,5222
# The capture, on the client's side of the veth. --immediate-mode: with
# the default ring buffer, packets of a block not yet handed over are lost
# when tcpdump is stopped.
# shellcheck disable=SC2016
lab_spawn "$LAB_CLIENT" sh -c 'exec "$@" 2>"$0"' "$TMP/tcpdump.log" \
	tcpdump -i eth0 -n -s 0 -U --immediate-mode -Z root -w "$TMP/cap.pcap"
CAPTURE_PID=${LAB_PIDS##* }
capture_ready() {
	local i

	for i in $(seq 1 50); do
		grep -q 'listening on' "$TMP/tcpdump.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
if lab_wait_port "$LAB_SERVER" 443 && lab_wait_port "$LAB_SERVER" 53 &&
	capture_ready; then
	t_ok "s_server, dnsmasq and tcpdump are up"
else
	t_fail "s_server, dnsmasq and tcpdump are up" \
		"$(cat "$TMP/dnsmasq.log" "$TMP/tcpdump.log")" \
		"$(ip netns exec "$LAB_SERVER" ss -Htlnp)"
	t_done
	exit 1
fi

# ---- the clients ----------------------------------------------------------
# Each run appends what it was asked to send to $TMP/expect (the format of
# tests/diff/compare.py); one that exits non-zero is listed in RUN_FAILED.
RUN_FAILED=""
N_RUNS=0

run() {
	N_RUNS=$((N_RUNS + 1))
	if ! ip netns exec "$LAB_CLIENT" timeout 5 "$@" </dev/null \
		>"$TMP/run.out" 2>&1; then
		RUN_FAILED="$RUN_FAILED [$*: $(tail -n 1 "$TMP/run.out")]"
	fi
}

# s_client BATCH FLAGS HOST NAME|- [OPTION...]: one ClientHello naming
# NAME (none for -), then the handshake, then EOF on stdin ends it.
s_client() {
	local batch=$1 flags=$2 host=$3 name=$4 sni=(-servername "$4")

	shift 4
	[ "$name" = - ] && sni=(-noservername)
	printf 'tls\t%s\t%s\t%s\n' "$batch" "$name" "$flags" >>"$TMP/expect"
	run openssl s_client -connect "$host:443" "${sni[@]}" "$@"
}

# curl_get BATCH FLAGS SENT_NAME|- URL [OPTION...]; curl lowercases the
# URL's host, and sends no SNI for an address.
curl_get() {
	local batch=$1 flags=$2 name=$3

	shift 3
	printf 'tls\t%s\t%s\t%s\n' "$batch" "$name" "$flags" >>"$TMP/expect"
	run curl -sS -k --max-time 4 -o /dev/null "$@"
}

# dns BATCH QNAME QTYPE STATUS CLIENT ARGS...: QNAME as sent, "." for the
# root; STATUS what br_dns_parse must say (query or unmatchable).
dns() {
	printf 'dns\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TMP/expect"
	shift 4
	run "$@"
}
# dig_q / kdig_q BATCH QNAME QTYPE STATUS ARGS...: one query over UDP
dig_q() {
	dns "$1" "$2" "$3" "$4" dig "@$SRV4" +tries=1 +time=2 +notcp +ignore \
		"${@:5}"
}
kdig_q() {
	dns "$1" "$2" "$3" "$4" kdig "@$SRV4" +retry=0 +timeout=2 +notcp \
		+ignore "${@:5}"
}

label() { printf "%${2}s" "" | tr ' ' "$1"; }
NAME253="$(label a 63).$(label b 63).$(label c 63).$(label d 61)"
NAME255="$(label a 63).$(label b 63).$(label c 63).$(label d 63)"
NAME200="Mixed-Case-$(label X 55).$(label y 60).$(label Z 60).Example.Net"
NAME120="$(label k 63).$(label m 40).xn--80ak6aa92e.com"

# 24 names: mixed case, IDN punycode, digits and hyphens, underscores, a
# single label, many labels, a 63-byte label, up to 255 bytes.
NAMES="example.com Push.Apple.COM WWW.EXAMPLE.ORG a-1.b2-c.example.net
	0123456789.example xn--80ak6aa92e.com xn--e1afmkfd.xn--p1ai
	xn--fiqs8s.xn--fiqz9s _acme-challenge.example.com localhost a
	courier.push.apple.com x--y.example cdn-77.xn--p1ai 198.18.0.1
	a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.example
	$(label q 63).example.com Mail.Google.Com api.github.com
	$NAME120 $NAME200 $NAME253 $NAME255 iMessage.Apple.com"

# normal MTU, IPv4: every name with TLS 1.2 and with TLS 1.3, no SNI
for name in $NAMES; do
	s_client v4 - "$SRV4" "$name" -tls1_2
	s_client v4 - "$SRV4" "$name" -tls1_3
done
s_client v4 - "$SRV4" - -tls1_2
s_client v4 - "$SRV4" - -tls1_3
# IPv6
s_client v6 - "[$SRV6]" push.apple.com -tls1_3
s_client v6 - "[$SRV6]" Example.COM -tls1_2
s_client v6 - "[$SRV6]" "$NAME253" -tls1_3
s_client v6 - "[$SRV6]" - -tls1_3
# curl: a name (its own hello: more ciphers and ALPN), an address (no SNI)
curl_get curl - curl.example.com --resolve "Curl.Example.COM:443:$SRV4" \
	https://Curl.Example.COM/
curl_get curl - push.apple.com --resolve "push.apple.com:443:[$SRV6]" \
	https://push.apple.com/
curl_get curl - - "https://$SRV4/"
curl_get curl - - "https://[$SRV6]/"
# Large hellos: a long ALPN list after the SNI makes 2-4 segments of 1448.
ALPN2K=$(for i in $(seq 1 10); do printf 'h%s-%s,' "$i" "$(label p 190)"; done)
ALPN5K=$(for i in $(seq 1 25); do printf 'h%s-%s,' "$i" "$(label p 190)"; done)
s_client large split "$SRV4" big.example.com -tls1_3 -alpn "${ALPN2K%,}"
s_client large split "$SRV4" Big.Example.ORG -tls1_2 -alpn "${ALPN2K%,}"
s_client large split "$SRV4" "$NAME253" -tls1_3 -alpn "${ALPN5K%,}"
s_client large split "$SRV4" - -tls1_3 -alpn "${ALPN2K%,}"
# Records of 512 bytes: in one segment (700 bytes), and over two.
ALPN400=$(printf 'h2,%s,%s' "$(label r 200)" "$(label s 200)")
s_client frag recfrag "$SRV4" frag.example.com -tls1_3 -max_send_frag 512 \
	-alpn "$ALPN400"
s_client frag split,recfrag "$SRV4" Frag2.Example.com -tls1_3 \
	-max_send_frag 512 -alpn "${ALPN2K%,}"
# A trailing dot (RFC 6066 forbids it; servers, OpenSSL's included, take
# "name." for "name"): read as the server reads it, without the dot.
s_client dot - "$SRV4" Courier.Push.Apple.com. -tls1_3
s_client dot - "[$SRV6]" example.com. -tls1_2
# Names on the wire that are no hostname (RFC 952/1123 letters, digits,
# hyphens; blastradius also takes '_'), which blastradius refuses: an
# empty label, a wildcard, a space, raw UTF-8.
for name in a..b.example .example.com '*.example.com' \
	'under score.example' 'exämple.com'; do
	s_client refused refused "$SRV4" "$name" -tls1_3
done

# DNS, normal MTU: types, EDNS or not, cookies, case, long and odd names.
dig_q dns example.com 1 query example.com A
dig_q dns Push.Apple.COM 28 query Push.Apple.COM AAAA +noedns
dig_q dns example.com 15 query example.com MX +nocookie
dig_q dns example.com 16 query example.com TXT +noedns +norec
dig_q dns www.Example.com 65 query www.Example.com HTTPS
dig_q dns example.com 255 query example.com ANY
dig_q dns . 2 query . NS +noedns
dig_q dns example.com 6 query example.com SOA +dnssec
dig_q dns _xmpp-client._tcp.example.com 33 query \
	_xmpp-client._tcp.example.com SRV
dig_q dns 1.0.18.198.in-addr.arpa 12 query -x "$SRV4"
dig_q dns example.com 257 query example.com CAA +subnet=198.18.0.0/24
dig_q dns xn--80ak6aa92e.com 1 query xn--80ak6aa92e.com A
dig_q dns "$NAME253" 1 query "$NAME253" A
dig_q dns MiXeD.CaSe.Example.COM 64 query MiXeD.CaSe.Example.COM SVCB
dig_q dns a.b.example.com 1 unmatchable 'a\.b.example.com' A
dig_q dns example.com 1 query -6 "@$SRV6" example.com A
# kdig lowercases the names it sends
kdig_q dns example.com 1 query Example.com A +padding
kdig_q dns www.example.org 28 query WWW.EXAMPLE.ORG AAAA +nsid
# IDN: kdig converts a UTF-8 name (in a UTF-8 locale) to punycode
dns dns xn--e1afmkfd.xn--p1ai 1 query env LC_ALL=C.UTF-8 \
	kdig "@$SRV4" +retry=0 +timeout=2 +notcp +ignore 'пример.рф' A
kdig_q dns example.com 16 query example.com TXT +noedns

# Low MTU, last (IPv6 needs 1280): every hello in 2-4 segments. The
# server's end too: Linux advertises an MSS of at least 256 (min_adv_mss),
# so its segments would not fit the client's MTU otherwise.
ip -n "$LAB_CLIENT" link set dev eth0 mtu "$LOW_MTU"
ip -n "$LAB_SERVER" link set dev eth0 mtu "$LOW_MTU"
for name in a.example Push.Apple.COM xn--e1afmkfd.xn--p1ai \
	"$NAME120" "$NAME200" "$NAME253" "$NAME255"; do
	s_client lowmtu split "$SRV4" "$name" -tls1_2
	s_client lowmtu split "$SRV4" "$name" -tls1_3
done
s_client lowmtu split "$SRV4" - -tls1_3
curl_get lowmtu split curl.example.com --resolve "curl.example.com:443:$SRV4" \
	https://curl.example.com/
s_client lowmtu split,recfrag "$SRV4" lowfrag.example.com -tls1_3 \
	-max_send_frag 512 -alpn "$ALPN400"

kill -INT "$CAPTURE_PID" 2>/dev/null
wait "$CAPTURE_PID" 2>/dev/null
t_eq "every client run succeeded ($N_RUNS runs)" "$RUN_FAILED" ""

# ---- the comparison -----------------------------------------------------
cap=$TMP/cap.pcap
name="l7dump reads the capture; no IP packet over the 1500 MTU (no TSO"
name="$name super-frames)"
if "$L7DUMP" -m 1500 "$cap" >"$TMP/l7dump.out" 2>"$TMP/l7dump.err"; then
	t_ok "$name"
else
	t_fail "$name" "$(head -n 5 "$TMP/l7dump.err")"
fi
FIELDS="frame.number tcp.stream tcp.dstport tcp.len tcp.payload
	tls.handshake.type tls.handshake.extensions_server_name
	udp.dstport dns.flags.response dns.qry.name dns.qry.type"
tshark_fields() {
	local f args=()

	for f in $FIELDS; do
		args+=(-e "$f")
	done
	tshark -r "$cap" -n -T fields -E separator=/t -E occurrence=a \
		-E aggregator=, "${args[@]}" "$@" 2>"$TMP/tshark.err"
}
tshark_fields -o tcp.desegment_tcp_streams:FALSE >"$TMP/tshark-off.tsv" ||
	t_fail "tshark reads the capture (reassembly off)" "$(cat "$TMP/tshark.err")"
tshark_fields -o tcp.desegment_tcp_streams:TRUE \
	-o tls.desegment_ssl_records:TRUE >"$TMP/tshark-on.tsv" ||
	t_fail "tshark reads the capture (reassembly on)" "$(cat "$TMP/tshark.err")"

python3 tests/diff/compare.py "$TMP/expect" "$TMP/l7dump.out" \
	"$TMP/tshark-off.tsv" "$TMP/tshark-on.tsv" >"$TMP/compare.out" 2>&1 ||
	t_fail "compare.py runs" "$(tail -n 5 "$TMP/compare.out")"
while IFS=$'\t' read -r verdict name detail; do
	case $verdict in
	PASS) t_ok "$name" ;;
	FAIL) t_fail "$name" "$detail" ;;
	esac
done <"$TMP/compare.out"

n_tls=$(grep -c '^tls' "$TMP/expect")
n_dns=$(grep -c '^dns' "$TMP/expect")
hellos=$(awk -F'\t' '$2 == "sni"' "$TMP/l7dump.out" | wc -l)
split=$(awk -F'\t' '$2 == "sni" && $6 > 1' "$TMP/l7dump.out" | wc -l)
later=$(awk -F'\t' '$2 == "sni" && $5 ~ /later/' "$TMP/l7dump.out" | wc -l)
queries=$(awk -F'\t' '$2 == "dns"' "$TMP/l7dump.out" | wc -l)
echo "# $n_tls TLS and $n_dns DNS client runs; l7dump: $hellos hellos," \
	"$split over 2+ segments, $later with the SNI in a later one;" \
	"$queries queries"
t_done
