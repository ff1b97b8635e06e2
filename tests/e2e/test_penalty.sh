#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_penalty.sh - the penalty action with real clients, through the
# censor in native XDP (scripts/lab.sh: client, router, server namespaces,
# 198.18.0.0/15 and 2001:db8::/32, no route out).
#
# The report modelled (quoted in net4people/bbs#417, unverified): UDP to
# some hosters turns on a block of HTTPS to them for about ten minutes.
# Here, "udp daddr @hoster dport 9999 penalty 8s on destination" with the
# server's IPv4 address in @hoster:
#   - before: curl fetches a file over HTTPS from the server;
#   - one UDP datagram to the server's port 9999: dropped (the server's
#     listener never sees it), and the penalty begins;
#   - at once, HTTPS to the server's IPv4 address fails (curl times out
#     after 2 s: every packet dropped, the SYN first), while its IPv6
#     address, another destination, still loads the file;
#   - polled once a second (at most 30 s), HTTPS to IPv4 works again once
#     the penalty has lifted;
#   - the counters: one penalty set, the dropped packets "penalised" and
#     counted under the rule.
# No timing is asserted but "fails during, works after": the penalty (8 s)
# is four times curl's timeout, and the poll is bounded.
#
# usage: tests/e2e/test_penalty.sh BUILD_DIR   (as root)
set -u
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
lab_up || { echo "not ok 1 - lab set-up"; exit 1; }
lab_peers_xdp_pass "$XDP_PASS" ||
	{ echo "not ok 1 - XDP_PASS on the client's and server's eth0"; exit 1; }

V4=$LAB_SERVER_V4
V6=$LAB_SERVER_V6
br() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" "$@"; }
stats() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --json; }
delta() { jq -n --argjson a "$1" --argjson b "$2" "\$b$3 - \$a$3"; }
# fetch ADDR: "EXIT HTTP-CODE BYTES" of an HTTPS download of the 4 KB
# file from ADDR, 2 s at most
fetch() {
	lab_cli curl -sS -k --max-time 2 --resolve "hoster.example:443:$1" \
		-o /dev/null -w '%{http_code} %{size_download}' \
		https://hoster.example/file 2>/dev/null
	echo " $?"
}
# got ADDR: fetch's result as "EXIT HTTP-CODE BYTES"
got() {
	local code size rc

	read -r code size rc < <(fetch "$1")
	echo "$rc $code $size"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
	-subj /CN=hoster.example >/dev/null 2>&1
head -c 4096 /dev/urandom >"$TMP/file"
lab_spawn "$LAB_SERVER" python3 "$L7" tls-serve "$TMP/cert.pem" "$TMP/key.pem" \
	"$TMP/file" 443
lab_spawn "$LAB_SERVER" python3 "$L7" udp-recv 9999 "$TMP/udp9999"
lab_wait_port "$LAB_SERVER" 443 || t_fail "the server listens"
for i in $(seq 1 50); do
	lab_server ss -Huln "sport = :9999" | grep -q . && break
	sleep 0.1
done

cat >"$TMP/penalty.policy" <<EOF
# The report quoted in net4people/bbs#417 (unverified), in the lab.
policy penalty-lab
set hoster addr { $V4/32 }
rule "udp-to-hoster" udp daddr @hoster dport 9999 penalty 8s on destination
EOF
t_check "load the penalty policy in native mode" \
	br load sub0:subscriber up0:upstream "$TMP/penalty.policy" --mode native
t_eq "before: HTTPS to the hoster loads the file" "$(got "$V4")" "0 200 4096"
t_eq "before: over IPv6 too" "$(got "[$V6]")" "0 200 4096"
s0=$(stats)

lab_cli python3 "$L7" udp-send "$V4" 9999 plain >/dev/null
t0=$(date +%s)
t_eq "during: HTTPS to the hoster fails (curl times out, no answer)" \
	"$(got "$V4")" "28 000 0"
t_eq "during: its IPv6 address, another destination, loads the file" \
	"$(got "[$V6]")" "0 200 4096"
s1=$(stats)
t_eq "the UDP datagram was dropped: the server never saw it" \
	"$(cat "$TMP/udp9999" 2>/dev/null | wc -l)" 0
t_eq "one penalty set, under the rule" \
	"$(delta "$s0" "$s1" .penalty_set.packets) $(echo "$s1" | jq '.rules[0].packets > 0')" \
	"1 true"
t_match "the HTTPS packets dropped as penalised" \
	"$(delta "$s0" "$s1" .penalised.packets)" "^[1-9]"
t_eq "every penalty drop counted under the action penalty" \
	"$(delta "$s0" "$s1" .actions.penalty.packets)" \
	"$(($(delta "$s0" "$s1" .penalised.packets) + 1))"
t_eq "nothing dropped by another action" \
	"$(delta "$s0" "$s1" .actions.drop.packets)" 0

# The penalty lifts: poll once a second, 30 s at most.
r=""
for i in $(seq 1 30); do
	r=$(got "$V4")
	[ "$r" = "0 200 4096" ] && break
	sleep 1
done
t_eq "after: HTTPS to the hoster loads the file again" "$r" "0 200 4096"
echo "# lifted, seen $(($(date +%s) - t0)) s after the datagram (penalty 8 s)"

t_check "unload" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
t_done
