#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The QUIC Initial opener (bpf/l7_quic_open.h) against tshark, on three
# kinds of capture:
#
# - lab: ngtcp2's gtlsclient (0.12.1, GnuTLS) fetching a page from
#   gtlsserver, two namespaces joined by a veth, captured on the client's
#   side: many server names (mixed case, IDN, 186 and 253 bytes, one label),
#   IPv4 and IPv6, QUIC v1 and the v2 draft (0x709a50c4: neither reader
#   knows its Initial keys), names in the policy and control names sent
#   with no rule for them. gtlsclient names the host it connects to
#   (--sni is ignored), so the names resolve through the client
#   namespace's hosts file (/etc/netns/NS/hosts).
# - simulate: blastradius simulate --write-pcap on page loads over HTTP/3
#   (tests/e2e/scenarios/quic-diff.scenario), whose Initials the model
#   labels with the name it sends;
# - model: tests/unit's test_packet --pcap, a v1 and an RFC 9369 v2
#   Initial built by user/model/packet.c.
#
# Each capture goes through the kernel's XDP program with blastradius
# replay (BPF_PROG_TEST_RUN) under a policy of one 'quic sni NAME drop'
# rule per name, and --write, whose comments give per frame the verdict,
# the rule and the QUIC opener's counters (quic_opened, quic_sni,
# quic_unopened) as the program's counter block moved: no verdict comes
# from user space. tshark decrypts the same Initials itself, and
# tests/diff/quic_compare.py checks that:
#
# - tshark reads one ClientHello per connection, with the name and version
#   each client was asked to send;
# - the kernel counts quic_sni on exactly the frames where tshark
#   completes a ClientHello, opens only Initials tshark decrypts, and
#   leaves unopened only the v2 draft's;
# - each named flow is decided on that frame by the rule naming it, and
#   keeps its verdict for its later datagrams; flows of control names
#   match no rule.
#
# A batch of hellos of ~1.3 KB (an FFDHE8192 key share: --groups), which
# ngtcp2 splits over two Initials, has checks of its own named
# "CROSS-INITIAL HELLO": the kernel must name it on the Initial that
# completes it, as tshark does (the opener gathers a hello across
# Initials: bpf/l7_quic_open.h).
#
# usage: tests/e2e/test_quic_differential.sh BUILD_DIR   (as root)
#   QDIFF_KEEP=DIR keeps the captures, the policies, tshark's and replay's
#   output in DIR.
set -u
# Root tools (ip, sysctl) live in sbin, which a bare PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$(realpath "$BUILD/blastradius")
TEST_PACKET=$(realpath "$BUILD/tests/test_packet")
. tests/e2e/lib.sh
# lab_pair, lab_spawn, lab_down; no router. BLASTRADIUS stays unset for
# lab_down: nothing is loaded or pinned here.
LAB_ID=${LAB_ID:-q$(printf '%04x%01x' $((RANDOM)) $((RANDOM % 16)))}
. scripts/lab.sh
unset BLASTRADIUS
if [ -z "${BLASTRADIUS_CATALOG:-}" ] && [ -d policies/catalog ]; then
	export BLASTRADIUS_CATALOG=$PWD/policies/catalog
fi

TMP=$(mktemp -d /tmp/blastradius-qdiff.XXXXXX)
HOSTS_DIR=""
cleanup() {
	lab_down
	[ -n "$HOSTS_DIR" ] && rm -rf "$HOSTS_DIR"
	if [ -n "${QDIFF_KEEP:-}" ]; then
		mkdir -p "$QDIFF_KEEP" && cp -r "$TMP"/* "$QDIFF_KEEP"/
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SRV4=198.18.0.1
CLI4=198.18.0.2
SRV6=2001:db8:1::1
CLI6=2001:db8:1::2

for t in gtlsclient gtlsserver openssl tcpdump tshark python3; do
	command -v "$t" >/dev/null || { echo "not ok 1 - $t is installed"; exit 1; }
done
for f in "$BR" "$TEST_PACKET"; do
	[ -x "$f" ] || { echo "not ok 1 - $f is built"; exit 1; }
done

# ---- the lab: client and server on one veth, no route out ----------------
lab_pair "$CLI4" "$SRV4" "$CLI6" "$SRV6" || { echo "not ok 1 - lab set-up"; exit 1; }

label() { printf "%${2}s" "" | tr ' ' "$1"; }
LONG="$(label l 63).$(label m 63).$(label n 50).example"
NAME253="$(label a 63).$(label b 63).$(label c 63).$(label d 61)"

# The names, and where they resolve (ip netns exec mounts this file over
# /etc/hosts for the client). Each name once: its flows are told apart
# by the order the clients ran in.
V4_NAMES="a.example www.a.example aa.example Mixed.Case.Example
	xn--80ak6aa92e.com intranet $LONG $NAME253 x-1.b2-c.example"
V6_NAMES="six.example Www.Six.Example other6.example"
V2D_NAMES="v2d.example"
SPLIT4_NAMES="split.example"
SPLIT6_NAMES="split6.example"
# Sent with no rule of the policy: controls, the rest are named by one.
CONTROL="aa.example intranet other6.example"
HOSTS_DIR=/etc/netns/$LAB_CLIENT
mkdir -p "$HOSTS_DIR"
{
	echo "$SRV4 $V4_NAMES $V2D_NAMES $SPLIT4_NAMES" | tr -s ' \n\t' ' '
	echo
	echo "$SRV6 $V6_NAMES $SPLIT6_NAMES" | tr -s ' \n\t' ' '
	echo
} >"$HOSTS_DIR/hosts"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=lab.example -days 1 -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" >/dev/null 2>&1 ||
	t_fail "self-signed certificate"
mkdir -p "$TMP/htdocs"
echo "a page" >"$TMP/htdocs/index.html"
# gtlsserver serves every connection from one event loop, concurrently.
lab_spawn "$LAB_SERVER" gtlsserver -q -d "$TMP/htdocs" '*' 443 \
	"$TMP/key.pem" "$TMP/cert.pem"
# The capture, on the client's side of the veth. --immediate-mode: with
# the default ring buffer, packets of a block not yet handed over are lost
# when tcpdump is stopped.
# shellcheck disable=SC2016
lab_spawn "$LAB_CLIENT" sh -c 'exec "$@" 2>"$0"' "$TMP/tcpdump.log" \
	tcpdump -i eth0 -n -s 0 -U --immediate-mode -Z root -w "$TMP/lab.pcap"
CAPTURE_PID=${LAB_PIDS##* }
ready() {
	for _ in $(seq 1 50); do
		grep -q 'listening on' "$TMP/tcpdump.log" 2>/dev/null &&
			ip netns exec "$LAB_SERVER" ss -Huln 'sport = :443' |
			grep -q . && return 0
		sleep 0.1
	done
	return 1
}
if ready; then
	t_ok "gtlsserver and tcpdump are up"
else
	t_fail "gtlsserver and tcpdump are up" "$(cat "$TMP/tcpdump.log")"
	t_done
	exit 1
fi

# ---- the clients ----------------------------------------------------------
# h3 BATCH VERSION FLAGS NAME [OPTION...]: gtlsclient fetching a page
# from NAME, which it sends as its SNI; appends what it was asked to send
# to $TMP/expect (tests/diff/quic_compare.py's format).
RUN_FAILED=""
N_RUNS=0
h3() {
	local batch=$1 version=$2 flags=$3 name=$4

	shift 4
	N_RUNS=$((N_RUNS + 1))
	printf 'quic\tlab\t%s\t%s\t%s\t%s\n' "$batch" "$name" "$version" \
		"$flags" >>"$TMP/expect"
	if ! ip netns exec "$LAB_CLIENT" timeout 8 gtlsclient -q \
		--timeout=2s --exit-on-all-streams-close -v "$version" "$@" \
		"$name" 443 "https://$name/index.html" </dev/null \
		>"$TMP/run.out" 2>&1; then
		RUN_FAILED="$RUN_FAILED [$batch $name: $(tail -n 1 "$TMP/run.out")]"
	fi
}

for name in $V4_NAMES; do
	h3 v4 v1 - "$name"
done
for name in $V6_NAMES; do
	h3 v6 v1 - "$name"
done
for name in $V2D_NAMES; do
	h3 v2draft v2draft unread "$name"
done
# A ClientHello of ~1.3 KB: an FFDHE8192 key share (1,024 bytes) ahead of
# X25519's. ngtcp2 puts the first 1,132 bytes in one Initial, the rest in
# the next.
BIG_SHARE=-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519
for name in $SPLIT4_NAMES $SPLIT6_NAMES; do
	h3 split v1 split "$name" --groups="$BIG_SHARE"
done

kill -INT "$CAPTURE_PID" 2>/dev/null
wait "$CAPTURE_PID" 2>/dev/null
t_eq "every client run fetched its page ($N_RUNS runs)" "$RUN_FAILED" ""

# ---- the other captures ---------------------------------------------------
if "$BR" simulate --no-policy --scenario tests/e2e/scenarios/quic-diff.scenario \
	--write-pcap "$TMP/simulate.pcapng" --summary >/dev/null \
	2>"$TMP/simulate.err"; then
	t_ok "simulate --write-pcap: page loads over HTTP/3"
else
	t_fail "simulate --write-pcap: page loads over HTTP/3" \
		"$(tail -n 5 "$TMP/simulate.err")"
fi
if "$TEST_PACKET" --pcap "$TMP/model.pcap" >/dev/null 2>&1; then
	t_ok "test_packet --pcap: the model's v1 and v2 Initials"
else
	t_fail "test_packet --pcap: the model's v1 and v2 Initials"
fi
printf 'quic\tmodel\tpacket\t%s\t%s\t-\n' \
	quic1.courier.push.apple.com v1 quic2.example.com v2 >>"$TMP/expect"

# ---- each capture: the kernel's reading and tshark's ----------------------
FIELDS="frame.number udp.stream udp.dstport quic.version quic.long.packet_type
	quic.long.packet_type_v2 quic.frame_type quic.crypto.offset
	tls.handshake.type tls.handshake.extensions_server_name frame.protocols
	frame.comment"

# policy SOURCE NAME...: one rule per name
policy() {
	local n=0 name

	echo "policy quic-diff-$1"
	shift
	for name in "$@"; do
		n=$((n + 1))
		printf 'rule "n%d" quic sni %s drop\n' "$n" "$name"
	done
}

# differ SOURCE CAPTURE CONTROLS NAME...: replay under the policy naming
# NAME..., tshark, then quic_compare.py's checks as TAP. CONTROLS: the
# names the capture holds that no rule names (comma-separated, or -).
differ() {
	local src=$1 cap=$2 control=$3 f args=()

	shift 3
	policy "$src" "$@" >"$TMP/$src.policy"
	if "$BR" replay "$cap" --policy "$TMP/$src.policy" \
		--write "$TMP/$src.replay.pcapng" >"$TMP/$src.replay.out" \
		2>"$TMP/$src.replay.err"; then
		t_ok "$src: replay runs the capture through the program"
	else
		t_fail "$src: replay runs the capture through the program" \
			"$(tail -n 5 "$TMP/$src.replay.err")"
		return
	fi
	tshark -r "$TMP/$src.replay.pcapng" -n -T fields -e frame.comment \
		>"$TMP/$src.replay.tsv" 2>"$TMP/tshark.err" ||
		t_fail "$src: tshark reads replay's pcapng" "$(cat "$TMP/tshark.err")"
	for f in $FIELDS; do
		args+=(-e "$f")
	done
	# QUIC on 443 whatever the port's heuristics say
	tshark -r "$cap" -n -d udp.port==443,quic -T fields -E separator=/t \
		-E occurrence=a -E aggregator=, "${args[@]}" \
		>"$TMP/$src.tshark.tsv" 2>"$TMP/tshark.err" ||
		t_fail "$src: tshark reads the capture" "$(cat "$TMP/tshark.err")"
	python3 tests/diff/quic_compare.py "$src" "$TMP/expect" \
		"$TMP/$src.policy" "$TMP/$src.tshark.tsv" \
		"$TMP/$src.replay.tsv" "$control" >"$TMP/$src.compare.out" 2>&1 ||
		t_fail "$src: quic_compare.py runs" \
			"$(tail -n 5 "$TMP/$src.compare.out")"
	while IFS=$'\t' read -r verdict name detail; do
		case $verdict in
		PASS) t_ok "$name" ;;
		FAIL) t_fail "$name" "$detail" ;;
		NOTE) echo "# $src: $name" ;;
		esac
	done <"$TMP/$src.compare.out"
}

RULED=""
for name in $V4_NAMES $V6_NAMES $V2D_NAMES $SPLIT4_NAMES $SPLIT6_NAMES; do
	case " $CONTROL " in
	*" $name "*) ;;
	*) RULED="$RULED $name" ;;
	esac
done
# shellcheck disable=SC2086
differ lab "$TMP/lab.pcap" "$(echo $CONTROL | tr ' ' ,)" $RULED
# ya.ru, the Russian site's name, is the control here
differ simulate "$TMP/simulate.pcapng" ya.ru www.site.example
differ model "$TMP/model.pcap" - quic1.courier.push.apple.com \
	quic2.example.com

n=$(grep -c '' "$TMP/expect")
echo "# $n client runs of the lab and the model; simulate:" \
	"$(grep -c 'step=quic-initial' "$TMP/simulate.tshark.tsv" 2>/dev/null)" \
	"Initials"
t_done
