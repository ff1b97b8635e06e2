#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# blastradius replay on captures of real clients, and the pcapng writer
# read back by tshark.
#
# Two namespaces joined by a veth (no router, no route out): a server with
# openssl s_server (-WWW, serving a 1 MB file) and dnsmasq, a client
# running openssl s_client with several server names (courier.push.apple.com,
# a name below it, a sibling, an unrelated one; IPv4 and IPv6), curl
# fetching the big file over TLS, and dig. tcpdump captures on the server's
# side with the veth's offloads on, so the server's TCP segments are
# captured as TSO super-frames of up to 64 KB, which replay must cut back
# to wire-size segments. Then:
#
# - replay with policies/examples/sni-courier-drop.policy: the flows naming
#   courier.push.apple.com or a name below it are dropped, the others
#   pass; both names are among the matched names; super-frames were cut;
#   the same with --subscriber prefixes instead of the flows' openers;
# - replay with policies/examples/dns-facetime-nxdomain.policy: dig's
#   queries below facetime.apple.com get XDP_TX verdicts whose frames are
#   NXDOMAIN answers; example.com's query passes;
# - replay --write: tshark reads the pcapng and every frame's comment;
# - a second tcpdump on "any" (Linux cooked v2, LINKTYPE_LINUX_SLL2, as an
#   analyst's tcpdump -i any writes it) replayed: each flow gets the
#   verdict it got from the Ethernet capture;
# - the Ethernet capture cut short in its last record: every frame before
#   it replayed, a warning with the frame and the byte offset, exit 3;
# - tests/unit's test_packet --pcap writes a frame of each kind built by
#   user/model/packet.c: tshark decrypts the QUIC v1 and v2 Initials and shows
#   their SNI, decodes the DNS query and answers and the ClientHellos, and
#   shows the comments as written.
#
# usage: tests/e2e/test_replay.sh BUILD_DIR   (as root)
#   REPLAY_KEEP=DIR keeps the captures and the reports in DIR.
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
TEST_PACKET=$(realpath "$BUILD/tests/test_packet")
. tests/e2e/lib.sh
# policies name catalog services: this tree's catalog, unless told another
if [ -z "${BLASTRADIUS_CATALOG:-}" ] && [ -d policies/catalog ]; then
	export BLASTRADIUS_CATALOG=$PWD/policies/catalog
fi
# lab_pair, lab_spawn, lab_wait_port, lab_down; no router. BLASTRADIUS is
# left unset for lab_down: nothing is loaded or pinned here.
LAB_ID=${LAB_ID:-r$(printf '%04x%01x' $((RANDOM)) $((RANDOM % 16)))}
. scripts/lab.sh
BR=$BLASTRADIUS
unset BLASTRADIUS

TMP=$(mktemp -d /tmp/blastradius-replay.XXXXXX)
cleanup() {
	lab_down
	if [ -n "${REPLAY_KEEP:-}" ]; then
		mkdir -p "$REPLAY_KEEP" && cp -r "$TMP"/* "$REPLAY_KEEP"/
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SRV4=198.18.0.1
CLI4=198.18.0.2
SRV6=2001:db8:1::1
CLI6=2001:db8:1::2
SNI_POLICY=policies/examples/sni-courier-drop.policy
DNS_POLICY=policies/examples/dns-facetime-nxdomain.policy

for t in openssl curl dig dnsmasq tcpdump tshark jq; do
	command -v "$t" >/dev/null || { echo "not ok 1 - $t is installed"; exit 1; }
done
for f in "$BR" "$TEST_PACKET"; do
	[ -x "$f" ] || { echo "not ok 1 - $f is built"; exit 1; }
done

# ---- usage and errors, before any lab ------------------------------------
out=$("$BR" replay "$TMP/none.pcap" 2>&1)
t_eq "replay without --policy: usage, exit 2" "$?" 2
out=$("$BR" replay --policy "$SNI_POLICY" 2>&1)
t_eq "replay without a capture: usage, exit 2" "$?" 2
out=$("$BR" replay "$TMP/none.pcap" --policy "$SNI_POLICY" --mtu 20 2>&1)
t_eq "replay --mtu 20: usage, exit 2" "$?" 2
out=$("$BR" replay "$TMP/none.pcap" --policy "$SNI_POLICY" \
	--subscriber 198.18.0.0/33 2>&1)
t_eq "replay --subscriber 198.18.0.0/33: usage, exit 2" "$?" 2
out=$("$BR" replay "$TMP/none.pcap" --policy "$SNI_POLICY" 2>&1)
rc=$?
t_eq "replay of a missing capture: exit 1" "$rc" 1
t_match "... says which file" "$out" "none.pcap"

# ---- the lab ---------------------------------------------------------------
lab_pair "$CLI4" "$SRV4" "$CLI6" "$SRV6" || { echo "not ok $((T_N + 1)) - lab set-up"; exit 1; }

mkdir -p "$TMP/www"
head -c 1048576 /dev/urandom >"$TMP/www/big.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=lab.example -days 1 -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" >/dev/null 2>&1 ||
	t_fail "self-signed certificate"
# -WWW serves files from its working directory
# shellcheck disable=SC2016
lab_spawn "$LAB_SERVER" sh -c 'cd "$0" && exec "$@"' "$TMP/www" \
	openssl s_server -accept 443 -cert "$TMP/cert.pem" \
	-key "$TMP/key.pem" -WWW -quiet
# shellcheck disable=SC2016
lab_spawn "$LAB_SERVER" sh -c 'exec "$@" 2>"$0"' "$TMP/dnsmasq.log" \
	dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --no-poll --pid-file= --user=root \
	--bind-interfaces --listen-address="$SRV4" --listen-address="$SRV6" \
	--address=/example.com/"$SRV4" --address=/apple.com/"$SRV4"
# The capture, on the server's side, offloads on (the veth default): the
# server's segments are captured before segmentation.
# shellcheck disable=SC2016
lab_spawn "$LAB_SERVER" sh -c 'exec "$@" 2>"$0"' "$TMP/tcpdump.log" \
	tcpdump -i eth0 -n -s 0 -U --immediate-mode -Z root -w "$TMP/cap.pcap"
CAPTURE_PID=${LAB_PIDS##* }
# the same traffic from "any", as Linux cooked v2 frames
# shellcheck disable=SC2016
lab_spawn "$LAB_SERVER" sh -c 'exec "$@" 2>"$0"' "$TMP/tcpdump-any.log" \
	tcpdump -i any -y LINUX_SLL2 -n -s 0 -U --immediate-mode -Z root \
	-w "$TMP/any.pcap"
ANY_PID=${LAB_PIDS##* }
capture_ready() { # LOG
	local _

	for _ in $(seq 1 50); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
if lab_wait_port "$LAB_SERVER" 443 && lab_wait_port "$LAB_SERVER" 53 &&
	capture_ready "$TMP/tcpdump.log" &&
	capture_ready "$TMP/tcpdump-any.log"; then
	t_ok "s_server, dnsmasq and tcpdump are up"
else
	t_fail "s_server, dnsmasq and tcpdump are up" \
		"$(cat "$TMP/dnsmasq.log" "$TMP/tcpdump.log" \
			"$TMP/tcpdump-any.log")"
	t_done
	exit 1
fi

# ---- the clients ---------------------------------------------------------
RUN_FAILED=""
run() {
	if ! ip netns exec "$LAB_CLIENT" timeout 10 "$@" </dev/null \
		>"$TMP/run.out" 2>&1; then
		RUN_FAILED="$RUN_FAILED [$*: $(tail -n 1 "$TMP/run.out")]"
	fi
}
s_client() { # HOST NAME
	run openssl s_client -connect "$1:443" -servername "$2" -tls1_3
}

s_client "$SRV4" courier.push.apple.com
s_client "$SRV4" eu.courier.push.apple.com
s_client "$SRV4" 1-courier.push.apple.com
s_client "$SRV4" example.com
s_client "[$SRV6]" courier.push.apple.com
s_client "[$SRV6]" www.example.com
run curl -sS -k --max-time 8 -o "$TMP/got.bin" \
	--resolve "big.example.com:443:$SRV4" https://big.example.com/big.bin
run dig "@$SRV4" +tries=1 +time=2 facetime.apple.com A
run dig "@$SRV4" +tries=1 +time=2 www.facetime.apple.com AAAA
run dig "@$SRV4" +tries=1 +time=2 example.com A
run dig "@$SRV6" +tries=1 +time=2 facetime.apple.com AAAA

sleep 0.2
kill -INT "$CAPTURE_PID" "$ANY_PID" 2>/dev/null
wait "$CAPTURE_PID" "$ANY_PID" 2>/dev/null
t_eq "every client run succeeded" "$RUN_FAILED" ""
t_check "curl fetched the 1 MB file intact" cmp "$TMP/got.bin" "$TMP/www/big.bin"
CAP=$TMP/cap.pcap
longest=$(tshark -r "$CAP" -n -T fields -e frame.len 2>/dev/null | sort -n |
	tail -n 1)
if [ "${longest:-0}" -gt 1514 ]; then
	t_ok "the capture holds super-frames (longest frame $longest bytes)"
else
	t_fail "the capture holds super-frames (longest frame ${longest:-?})"
fi

# ---- replay: SNI ---------------------------------------------------------
# verdict_of NAME: the verdicts of the flows naming NAME, sorted, unique
verdict_of() {
	jq -r --arg n "$2" '[.flows[] | select(.name == $n) | .verdict] |
		unique | join(",")' "$1"
}

replay_sni() { # OUT [OPTIONS]
	local out=$1

	shift
	"$BR" replay "$CAP" --policy "$SNI_POLICY" --json "$@" \
		>"$out" 2>"$TMP/replay.err"
}

start=$(date +%s%N)
if replay_sni "$TMP/sni.json"; then
	t_ok "replay $SNI_POLICY --json"
else
	t_fail "replay $SNI_POLICY --json" "$(cat "$TMP/replay.err")"
fi
end=$(date +%s%N)
R=$TMP/sni.json
t_eq "courier.push.apple.com flows (v4, v6) dropped" \
	"$(verdict_of "$R" courier.push.apple.com)" drop
t_eq "... both of them" \
	"$(jq '[.flows[] | select(.name == "courier.push.apple.com")] |
		length' "$R")" 2
t_eq "eu.courier.push.apple.com (below) dropped" \
	"$(verdict_of "$R" eu.courier.push.apple.com)" drop
t_eq "1-courier.push.apple.com (a sibling) passes" \
	"$(verdict_of "$R" 1-courier.push.apple.com)" pass
t_eq "example.com passes" "$(verdict_of "$R" example.com)" pass
t_eq "www.example.com (IPv6) passes" "$(verdict_of "$R" www.example.com)" \
	pass
t_eq "big.example.com (1 MB over TLS) passes" \
	"$(verdict_of "$R" big.example.com)" pass
t_eq "the dropped flows were decided by rule 0, by their names" \
	"$(jq -r '[.flows[] | select(.verdict == "drop") |
		"\(.rule) \(.matched) \(.name_kind)"] | unique | join(",")' "$R")" \
	"0 true sni"
t_eq "the courier names are the matched names" \
	"$(jq -r '[.matched_names[] | "\(.name)/\(.kind)/\(.rule)"] | sort |
		join(",")' "$R")" \
	"courier.push.apple.com/sni/0,eu.courier.push.apple.com/sni/0"
t_eq "courier.push.apple.com matched twice" \
	"$(jq '.matched_names[] | select(.name == "courier.push.apple.com") |
		.hits' "$R")" 2
superframes=$(jq .frames.superframes "$R")
reseg=$(jq .frames.resegmented "$R")
if [ "$superframes" -gt 0 ] && [ "$reseg" -gt "$superframes" ]; then
	t_ok "super-frames cut: $superframes into $reseg segments"
else
	t_fail "super-frames cut" "superframes $superframes, segments $reseg"
fi
t_eq "every frame replayed, none refused" \
	"$(jq '.frames.errors, .frames.replayed - .frames.read -
		.frames.resegmented + .frames.superframes' "$R" | tr '\n' ' ')" \
	"0 0 "
t_eq "the client of every TCP flow is its SYN's sender" \
	"$(jq -r '[.flows[] | select(.proto == "tcp") |
		"\(.client_from) \(.client)"] | unique | join(",")' "$R")" \
	"syn $CLI4,syn $CLI6"
t_eq "rule 0 counted every dropped packet" \
	"$(jq '.rules[0].packets == .verdicts.drop.packets' "$R")" true
n_pkts=$(jq .frames.replayed "$R")
echo "# replayed $n_pkts frames in $(((end - start) / 1000000)) ms"

# The same by prefixes: the client's addresses are the subscribers'.
if replay_sni "$TMP/sni-prefix.json" --subscriber "$CLI4/32" \
	--subscriber "$CLI6"; then
	t_eq "with --subscriber: the same verdicts per flow" \
		"$(jq -c '[.flows[] | [.name, .verdict, .packets]]' \
			"$TMP/sni-prefix.json")" \
		"$(jq -c '[.flows[] | [.name, .verdict, .packets]]' "$R")"
	t_eq "... told by the prefixes" \
		"$(jq -r '[.flows[].client_from] | unique | join(",")' \
			"$TMP/sni-prefix.json")" subscriber-prefix
else
	t_fail "replay --subscriber" "$(cat "$TMP/replay.err")"
fi

# The segments cut from super-frames, written out: wire-size, with good
# IP and TCP checksums (the capture's own frames, taken before the NIC,
# carry partial ones).
if replay_sni "$TMP/sni-w.json" --write "$TMP/sni.pcapng"; then
	cut=$(tshark -r "$TMP/sni.pcapng" -n -o tcp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE -T fields -e frame.len \
		-e ip.checksum.status -e tcp.checksum.status \
		-Y 'frame.comment contains "cut from a super-frame"' 2>/dev/null)
	t_eq "--write: every cut segment is marked" \
		"$(printf '%s\n' "$cut" | grep -c .)" "$reseg"
	t_eq "... at most 1514 bytes, IP and TCP checksums good" \
		"$(printf '%s\n' "$cut" | awk '$1 > 1514 || $2 != 1 || $3 != 1' |
			head -n 3)" ""
else
	t_fail "replay --write" "$(cat "$TMP/replay.err")"
fi

# Text output: the same story for people.
if "$BR" replay "$CAP" --policy "$SNI_POLICY" >"$TMP/sni.txt" 2>&1; then
	t_match "text: the dropped courier flow" "$(cat "$TMP/sni.txt")" \
		"tcp .* drop +0 +sni courier.push.apple.com \(matched\)"
	t_match "text: the matched names" "$(cat "$TMP/sni.txt")" \
		"matched names:"
	t_match "text: the super-frames" "$(head -n 1 "$TMP/sni.txt")" \
		"super-frames cut into [0-9]+ segments \(MTU 1500\)"
else
	t_fail "replay, text output" "$(cat "$TMP/sni.txt")"
fi

# The same traffic captured on "any" (SLL2 frames, given Ethernet headers
# by replay): every flow gets the verdict the Ethernet capture gave it.
flow_verdicts() { # REPORT [JQ-CONDITION]
	jq -c "[.flows[] | select(${2:-true}) | [.client, .client_port,
		.server_port, .name, .verdict]] | sort" "$1"
}
if "$BR" replay "$TMP/any.pcap" --policy "$SNI_POLICY" --json \
	>"$TMP/any.json" 2>"$TMP/replay.err"; then
	t_eq "tcpdump -i any (SLL2): replayed as Linux SLL2" \
		"$(jq -r '[.link_types[] | "\(.name) \(.ethernet_made_up)"] |
			join(",")' "$TMP/any.json")" "Linux SLL2 (276) true"
	t_eq "... every flow's verdict as from the Ethernet capture" \
		"$(flow_verdicts "$TMP/any.json")" "$(flow_verdicts "$R")"
	t_eq "... tshark reads as many frames" \
		"$(jq .frames.read "$TMP/any.json")" \
		"$(tshark -r "$TMP/any.pcap" -n 2>/dev/null | wc -l)"
else
	t_fail "replay the tcpdump -i any capture" "$(cat "$TMP/replay.err")"
fi

# The Ethernet capture cut 20 bytes into its last record (16 of header, 4
# of frame): the frames before it are replayed and reported, then a
# warning says where the capture ends, exit 3.
n=$(jq .frames.read "$R")
last=$(tshark -r "$CAP" -n -T fields -e frame.cap_len 2>/dev/null | tail -n 1)
size=$(stat -c %s "$CAP")
head -c $((size - last + 4)) "$CAP" >"$TMP/cut.pcap"
"$BR" replay "$TMP/cut.pcap" --policy "$SNI_POLICY" --json \
	>"$TMP/cut.json" 2>"$TMP/cut.err"
rc=$?
t_eq "a capture cut short: exit 3" "$rc" 3
t_eq "... a warning naming the frame and the byte offset" \
	"$(cat "$TMP/cut.err")" \
	"blastradius: warning: $TMP/cut.pcap: cut short at byte offset $((size - last - 16)), in frame $n: its record needs $((16 + last)) bytes, 20 are there; the $((n - 1)) frames before it were replayed"
t_eq "... every frame before the cut replayed (as tshark reads them)" \
	"$(jq .frames.read "$TMP/cut.json")" \
	"$(tshark -r "$TMP/cut.pcap" -n 2>/dev/null | wc -l)"
t_eq "... the TCP flows judged as in the whole capture" \
	"$(flow_verdicts "$TMP/cut.json" '.proto == "tcp"')" \
	"$(flow_verdicts "$R" '.proto == "tcp"')"

# ---- replay: DNS ---------------------------------------------------------
R=$TMP/dns.json
if "$BR" replay "$CAP" --policy "$DNS_POLICY" --json --write "$TMP/dns.pcapng" \
	>"$R" 2>"$TMP/replay.err"; then
	t_ok "replay $DNS_POLICY --json --write"
else
	t_fail "replay $DNS_POLICY --json --write" "$(cat "$TMP/replay.err")"
fi
t_eq "facetime.apple.com queries (A over v4, AAAA over v6) answered by tx" \
	"$(jq -r '[.flows[] | select(.name == "facetime.apple.com") |
		"\(.verdict) \(.replies.nxdomain)"] | unique | join(",")' "$R")" \
	"tx 1"
t_eq "... both of them" \
	"$(jq '[.flows[] | select(.name == "facetime.apple.com")] | length' \
		"$R")" 2
t_eq "www.facetime.apple.com (below) answered NXDOMAIN" \
	"$(jq -r '.flows[] | select(.name == "www.facetime.apple.com") |
		"\(.verdict) \(.replies.nxdomain) \(.qtype) \(.matched)"' "$R")" \
	"tx 1 28 true"
t_eq "example.com's query passes" "$(verdict_of "$R" example.com)" pass
t_eq "three NXDOMAIN answers sent back, nothing else" \
	"$(jq -c '.replies' "$R")" \
	'{"rst":0,"nxdomain":3,"nodata":0,"addr":0,"other":0}'
t_eq "tx verdicts: the forged answers" "$(jq .verdicts.tx.packets "$R")" 3
t_eq "the TLS flows pass under a DNS policy" \
	"$(jq -r '[.flows[] | select(.proto == "tcp") | .verdict] | unique |
		join(",")' "$R")" pass
t_eq "matched names: the two facetime names" \
	"$(jq -r '[.matched_names[] | "\(.name)/\(.kind)/\(.hits)"] | sort |
		join(",")' "$R")" \
	"facetime.apple.com/dns/2,www.facetime.apple.com/dns/1"

# reset: the dataplane answers the courier hellos with an RST (XDP_TX)
R=$TMP/reset.json
if "$BR" replay "$CAP" --policy policies/examples/sni-courier-reset.policy \
	--json >"$R" 2>"$TMP/replay.err"; then
	t_eq "reset policy: the courier flows get tx verdicts, each an RST" \
		"$(jq -r '[.flows[] | select(.name | test("courier")) |
			[.name, .verdict, .action,
			 ((.replies.rst // 0) == .verdicts.tx), .verdicts.tx > 0] |
			map(tostring) | join(" ")] | unique | join(",")' "$R")" \
		"1-courier.push.apple.com pass pass true false,courier.push.apple.com tx reset true true,eu.courier.push.apple.com tx reset true true"
	t_eq "... and only RSTs were sent back" \
		"$(jq '.replies.rst == .verdicts.tx.packets and .replies.rst > 0' \
			"$R")" true
else
	t_fail "replay sni-courier-reset.policy" "$(cat "$TMP/replay.err")"
fi

# sinkhole: an A query gets the address, AAAA ones an empty answer
printf 'policy sink\nrule "facetime sink" dns .facetime.apple.com sinkhole %s\n' \
	198.18.0.99 >"$TMP/sink.policy"
R=$TMP/sink.json
if "$BR" replay "$CAP" --policy "$TMP/sink.policy" --json >"$R" \
	2>"$TMP/replay.err"; then
	t_eq "sinkhole: A for facetime.apple.com answered 198.18.0.99" \
		"$(jq -r '.flows[] | select(.name == "facetime.apple.com" and
			.qtype == 1) | "\(.verdict) \(.replies.addr) \(.reply_addr)"' \
			"$R")" "tx 1 198.18.0.99"
	t_eq "sinkhole: the AAAA queries answered NODATA" \
		"$(jq -r '[.flows[] | select(.qtype == 28) |
			"\(.name) \(.verdict) \(.replies.nodata)"] | sort | join(",")' \
			"$R")" \
		"facetime.apple.com tx 1,www.facetime.apple.com tx 1"
else
	t_fail "replay a sinkhole policy" "$(cat "$TMP/replay.err")"
fi

# ---- the pcapng writer, read by tshark -------------------------------------
W=$TMP/dns.pcapng
comments=$(tshark -r "$W" -n -T fields -e frame.comment 2>"$TMP/tshark.err")
rc=$?
t_eq "tshark reads replay --write's pcapng" "$rc" 0
t_eq "one frame per replayed frame and per forged answer" \
	"$(printf '%s\n' "$comments" | wc -l)" \
	"$(jq '.frames.replayed + .verdicts.tx.packets' "$R")"
t_eq "every frame has its comment" \
	"$(printf '%s\n' "$comments" | grep -c -v '^$')" \
	"$(printf '%s\n' "$comments" | wc -l)"
t_eq "the forged answers' comments" \
	"$(printf '%s\n' "$comments" | grep -c '^forged by blastradius: nxdomain$')" 3
t_eq "tshark decodes the forged answers: NXDOMAIN for facetime names" \
	"$(tshark -r "$W" -n -T fields -e dns.qry.name -e dns.flags.rcode \
		-Y 'frame.comment contains "forged"' 2>/dev/null | sort |
		tr '\t\n' '  ')" \
	"facetime.apple.com 3 facetime.apple.com 3 www.facetime.apple.com 3 "
t_eq "timestamps kept to the nanosecond" \
	"$(tshark -r "$CAP" -n -T fields -e frame.time_epoch -c 1 2>/dev/null)" \
	"$(tshark -r "$W" -n -T fields -e frame.time_epoch -c 1 2>/dev/null)"

S=$TMP/samples.pcapng
if "$TEST_PACKET" --pcap "$S"; then
	t_ok "test_packet --pcap writes the samples"
else
	t_fail "test_packet --pcap writes the samples"
fi
fields=$(tshark -r "$S" -n -T fields -E separator='|' -e frame.comment \
	-e tls.handshake.extensions_server_name -e quic.version \
	-e dns.qry.name -e dns.flags.rcode -e dns.a \
	-o tcp.desegment_tcp_streams:TRUE 2>"$TMP/tshark.err")
t_eq "tshark: the comments as written" \
	"$(printf '%s\n' "$fields" | cut -d'|' -f1 | tr '\n' ';')" \
	"tls syn;tls courier.push.apple.com;tls pq segment;tls pq.example.com;dns query facetime.apple.com A;dns nxdomain facetime.apple.com;dns answer example.com A 198.18.9.9;quic v1 quic1.courier.push.apple.com;quic v2 quic2.example.com;"
t_match "tshark: the ClientHello's SNI" "$fields" \
	"^tls courier.push.apple.com\|courier.push.apple.com\|"
t_match "tshark: the PQ ClientHello over two segments, reassembled" \
	"$fields" "^tls pq.example.com\|pq.example.com\|"
t_match "tshark: QUIC v1 Initial decrypted, its SNI" "$fields" \
	"^quic v1 [^|]*\|quic1.courier.push.apple.com\|0x00000001\|"
t_match "tshark: QUIC v2 Initial decrypted, its SNI" "$fields" \
	"^quic v2 [^|]*\|quic2.example.com\|0x6b3343cf\|"
t_match "tshark: the DNS query" "$fields" \
	"^dns query [^|]*\|\|\|facetime.apple.com\|"
t_match "tshark: NXDOMAIN" "$fields" \
	"^dns nxdomain [^|]*\|\|\|facetime.apple.com\|3\|"
t_match "tshark: an A record" "$fields" \
	"^dns answer [^|]*\|\|\|example.com\|0\|198.18.9.9"
bad=$(tshark -r "$S" -n -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-o ip.check_checksum:TRUE -T fields -e frame.number \
	-Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null |
	tr '\n' ' ')
t_eq "tshark: no malformed frame, no bad checksum" "$bad" ""
# replaying the samples: the QUIC Initials' names, decrypted by replay
if "$BR" replay "$S" --policy policies/examples/quic-drop.policy --json \
	>"$TMP/quic.json" 2>"$TMP/replay.err"; then
	t_eq "replay of the samples: QUIC Initials dropped, SNI decrypted" \
		"$(jq -r '[.flows[] | select(.quic_version) |
			"\(.quic_version) \(.name_kind) \(.name) \(.verdict)"] |
			join(",")' "$TMP/quic.json")" \
		"0x00000001 quic-sni quic1.courier.push.apple.com drop,0x6b3343cf quic-sni quic2.example.com drop"
else
	t_fail "replay of the samples" "$(cat "$TMP/replay.err")"
fi

t_done
