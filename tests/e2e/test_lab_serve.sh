#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_lab_serve.sh - "blastradius lab serve", the live lab's servers
# (user/lab/serve.h), in a namespace of its own, reached from a client
# namespace over a veth (no router, no censor): the server namespace
# routes the lab's world (198.19.0.0/17, 2001:db8:8000::/33) local on lo,
# as the lab does. Certificates for each SNI signed by the lab CA (checked
# with openssl s_client), GET over TLS and plain TCP, channels and pushes
# through the control socket, clients that stall, UDP echo from the
# address sent to, bad lines, start errors, a server short of open files,
# and the exit on SIGTERM. The client side of the protocol is
# tests/e2e/labserve.py.
#
# usage: tests/e2e/test_lab_serve.sh [BUILD_DIR]
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$(realpath "$BUILD/blastradius")
E2E=tests/e2e
. "$E2E/lib.sh"

ID=$(printf '%04x%02x' $((RANDOM)) $((RANDOM % 256)))
CLI="br-t$ID-cli"
SRV="br-t$ID-srv"
TMP=$(mktemp -d "/tmp/brlabserve$$.XXXXXX")
STATE=$TMP/state
SERVER_PID=""
FEW_PID=""
H4=198.19.3.7
H6=2001:db8:8001::7
PORTS=443,5223,8080-8081

cleanup() {
	local pid

	for pid in $SERVER_PID $FEW_PID; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	ip netns del "$CLI" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

cli() { ip netns exec "$CLI" "$@"; }
srv() { ip netns exec "$SRV" "$@"; }

# ---- two namespaces, one veth ----------------------------------------------
ip netns add "$CLI" && ip netns add "$SRV" &&
	ip link add "v${ID}a" type veth peer name "v${ID}b" &&
	ip link set "v${ID}a" netns "$CLI" && ip link set "v${ID}b" netns "$SRV" &&
	ip -n "$CLI" link set "v${ID}a" name eth0 &&
	ip -n "$SRV" link set "v${ID}b" name eth0 || {
	t_fail "the namespaces and their link"
	t_done
	exit 1
}
for ns in "$CLI" "$SRV"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
done
ip -n "$CLI" addr add 198.18.0.2/24 dev eth0
ip -n "$SRV" addr add 198.18.0.1/24 dev eth0
ip -n "$CLI" addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n "$SRV" addr add 2001:db8:1::1/64 dev eth0 nodad
ip -n "$CLI" route add 198.19.0.0/17 via 198.18.0.1
ip -n "$CLI" -6 route add 2001:db8:8000::/33 via 2001:db8:1::1
# the lab's world: every address of it is the server's (AnyIP)
ip -n "$SRV" route add local 198.19.0.0/17 dev lo
ip -n "$SRV" -6 route add local 2001:db8:8000::/33 dev lo

# ---- start ------------------------------------------------------------------
mkdir -p "$STATE"
: >"$STATE/ctl" # a stale file where the control socket goes: replaced
# (ip netns exec execs it: $! is the server's PID)
ip netns exec "$SRV" "$BR" lab serve --dir "$STATE" --tcp "$PORTS" \
	--udp 3478,16384-16386 >/dev/null 2>"$TMP/server.err" &
SERVER_PID=$!
up=no
for i in $(seq 1 100); do
	if [ -S "$STATE/ctl" ] && srv ss -Htln 'sport = :5223' | grep -q .; then
		up=yes
		break
	fi
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.1
done
t_eq "lab serve starts and listens" "$up" yes
t_eq "the control socket has mode 0600" "$(stat -c %a "$STATE/ctl")" 600
t_eq "the CA key has mode 0600" "$(stat -c %a "$STATE/ca.key")" 600
t_match "the CA is the lab's" \
	"$(openssl x509 -in "$STATE/ca.pem" -noout -subject)" \
	'CN ?= ?blastradius lab CA'
t_check "the CA is an EC P-256 key" \
	sh -c "openssl x509 -in '$STATE/ca.pem' -noout -text | grep -q 'NIST CURVE: P-256'"

# ---- certificates per SNI ---------------------------------------------------
# s_client HOST:PORT [-servername NAME]: the subject and the verify result
s_client() {
	local addr=$1

	shift
	cli openssl s_client -connect "$addr" "$@" -CAfile "$STATE/ca.pem" \
		-verify_return_error </dev/null 2>&1 |
		grep -E '^subject=|Verify return code|^New, '
}
out=$(s_client "$H4:5223" -servername 12-courier.push.apple.com)
t_match "SNI 12-courier.push.apple.com on 5223: a certificate for it" \
	"$out" '^subject=CN ?= ?12-courier.push.apple.com$'
t_match "... that verifies against ca.pem" "$out" 'Verify return code: 0 \(ok\)'
out=$(s_client "198.19.100.1:443" -servername api.twitter.com)
t_match "another SNI, another address: its own name" \
	"$out" '^subject=CN ?= ?api.twitter.com$'
t_match "... verified" "$out" 'Verify return code: 0 \(ok\)'
out=$(s_client "[$H6]:5223" -servername 3-courier.push.apple.com)
t_match "over IPv6 too" "$out" '^subject=CN ?= ?3-courier.push.apple.com$'
t_match "... verified" "$out" 'Verify return code: 0 \(ok\)'
out=$(s_client "$H4:443")
t_match "no SNI: lab.invalid" "$out" '^subject=CN ?= ?lab.invalid$'
out=$(s_client "$H4:443" -servername www.apple.com -tls1_2)
t_match "TLS 1.2 is served" "$out" '^New, TLSv1.2'
out=$(s_client "$H4:443" -servername www.apple.com -tls1_3)
t_match "TLS 1.3 is served" "$out" '^New, TLSv1.3'
out=$(cli openssl s_client -connect "$H4:443" -servername www.apple.com \
	-showcerts </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName)
t_match "the name is the certificate's SAN" "$out" 'DNS:www.apple.com'

# ---- the protocol -------------------------------------------------------------
# py CASE: labserve.py's facts, one "name value..." a line
py() { cli python3 "$E2E/labserve.py" "$STATE" "$1" "$H4" "$H6" "${2:-443}" 2>&1; }
fact() { printf '%s\n' "$1" | sed -n "s/^$2 //p"; }

out=$(py get)
t_eq "GET 100000 over TLS (IPv4): 100000 bytes, then the next answer" \
	"$(fact "$out" tls4)" "100000 PONG"
t_eq "... over TLS (IPv6)" "$(fact "$out" tls6)" "100000 PONG"
t_eq "... over plain TCP (IPv4)" "$(fact "$out" plain4)" "100000 PONG"
t_eq "... over plain TCP (IPv6)" "$(fact "$out" plain6)" "100000 PONG"

out=$(py chan 5223)
t_eq "CHAN: OK" "$(fact "$out" chan)" "OK"
t_eq "a PUSH on ctl reaches the channel: PUSH id n and n bytes" \
	"$(fact "$out" push_device)" "PUSH 41 5 5"
t_eq "... and ctl hears SENT" "$(fact "$out" push_ctl)" "SENT 41"
t_eq "a PUSH without a channel: NOCHAN" "$(fact "$out" nochan)" "NOCHAN 42"
t_eq "the device's ACK comes out of ctl as ACKED" "$(fact "$out" acked)" \
	"ACKED 41"
t_eq "SEND id n and its bytes: OK id" "$(fact "$out" send)" "OK 43"
t_eq "... 100000 bytes of them, then the next line read as a line" \
	"$(fact "$out" send_big)" "OK 46 PONG"
t_eq "a second CHAN for the same device and key: OK" \
	"$(fact "$out" chan2)" "OK"
t_eq "... the next PUSH goes to the newer connection" \
	"$(fact "$out" push2_device)" "PUSH 44 3 3"
t_eq "... SENT" "$(fact "$out" push2_ctl)" "SENT 44"
t_eq "... and not to the older one" "$(fact "$out" old_next)" "PONG"
t_eq "the channel's connection gone: NOCHAN" \
	"$(fact "$out" closed_chan)" "NOCHAN 45"
t_eq "a channel reset by its device is dropped: NOCHAN" \
	"$(fact "$out" reset_chan)" "NOCHAN"

out=$(py stall)
t_eq "stalled clients (idle, a TLS record begun, a 4 MB GET never read) do not hold up a third" \
	"$(fact "$out" third)" "100000 PONG"

out=$(py udp 16385)
t_eq "UDP echo (IPv4) from the address sent to" "$(fact "$out" udp4)" \
	"media $H4"
t_eq "UDP echo (IPv6) from the address sent to" "$(fact "$out" udp6)" \
	"media $H6"

out=$(py bad 8081)
t_eq "a bad line: the answers before it, then that connection closed" \
	"$(fact "$out" bad)" "PONG 0"
t_eq "a line over BR_LAB_LINE_MAX: closed" "$(fact "$out" long)" "0"
t_eq "... another connection is served" "$(fact "$out" after)" "PONG"
t_check "... the server lives on" kill -0 "$SERVER_PID"

# ---- start errors -------------------------------------------------------------
out=$(srv "$BR" lab serve --dir "$TMP" --tcp 5223 2>&1); rc=$?
t_eq "a port in use: exit 1" "$rc" 1
t_match "... saying which" "$out" 'TCP port 5223 \(IPv4\): Address already in use'
for bad in 0 70000 5-3 443,,5223 x 443-; do
	out=$("$BR" lab serve --dir "$TMP" --tcp "$bad" 2>&1); rc=$?
	t_eq "--tcp $bad: exit 1" "$rc" 1
	t_match "... explained" "$out" "--tcp $bad: not a comma list of ports"
done
out=$(srv "$BR" lab serve --dir "$TMP/missing/dir" --tcp 7000 2>&1); rc=$?
t_eq "a state directory that cannot be written: exit 1" "$rc" 1
t_match "... explained" "$out" "$TMP/missing/dir/ca.key.tmp: No such file"
out=$("$BR" lab serve --tcp 443 2>&1); rc=$?
t_eq "no --dir: a usage error" "$rc" 2
out=$("$BR" lab plan --tcp 443 2>&1); rc=$?
t_eq "plan takes no serve option" "$rc" 2

# ---- out of open files ----------------------------------------------------------
# A second server with 32 files: a flood of connections is refused past
# them (rather than waking the loop forever), and it serves afterwards.
mkdir -p "$TMP/few"
ip netns exec "$SRV" prlimit --nofile=32:32 "$BR" lab serve --dir "$TMP/few" \
	--tcp 9000 >/dev/null 2>"$TMP/few.err" &
FEW_PID=$!
for i in $(seq 1 100); do
	[ -S "$TMP/few/ctl" ] && break
	sleep 0.1
done
out=$(cli python3 "$E2E/labserve.py" "$TMP/few" flood "$H4" "$H6" 9000 2>&1)
t_eq "short of files: 40 connections each answered or refused" \
	"$(fact "$out" flood | cut -d' ' -f1)" 40
refused=$(fact "$out" flood | cut -d' ' -f3)
t_match "... some refused" "$refused" '^[1-9][0-9]*$'
t_eq "... and the server serves after" "$(fact "$out" after)" PONG
kill -TERM "$FEW_PID"
wait "$FEW_PID"
FEW_PID=""
t_match "... its refusals counted" "$(cat "$TMP/few.err")" \
	" $refused TCP connections refused, out of open files,"

# ---- SIGTERM ------------------------------------------------------------------
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=""
t_eq "SIGTERM: exit 0" "$rc" 0
t_check "... the control socket removed" test ! -e "$STATE/ctl"
err=$(cat "$TMP/server.err")
t_match "... the counters on stderr, each saying what it counts" "$err" \
	'^blastradius: lab serve: [0-9]+ TCP connections accepted, 0 TCP connections refused, out of open files, [0-9]+ TLS handshakes completed, .*, [0-9]+ UDP datagrams echoed$'
t_match "... the GETs" "$err" ' 6 GET lines answered'
t_match "... the bad lines" "$err" ' 3 bad lines'
t_match "... the pushes" "$err" ' [2-9][0-9]* pushes written to a channel, 3 pushes without a channel, 1 ACK lines forwarded'
t_eq "... one line" "$(wc -l <"$TMP/server.err")" 1

t_done
