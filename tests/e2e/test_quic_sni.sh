#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: HTTP/3 blocked by the server name inside the QUIC Initial
# (quic sni, bpf/l7_quic_open.h). ngtcp2's gtlsclient (0.12.1, GnuTLS)
# fetches a page from gtlsserver through a censor router running
# blastradius in native XDP mode (subscriber role towards the client,
# upstream towards the server):
#
#  1. no policy: the client naming blocked.example fetches the page;
#  2. under "quic sni .blocked.example drop": the client naming
#     blocked.example (or a name below it) fetches nothing and times out,
#     over IPv4 and IPv6, while the client naming ok.example, to the same
#     address and port, fetches the page; stats count the Initials opened
#     and named (the client names the host it connects to: the names
#     resolve through the client namespace's hosts file);
#  3. under "quic version v2 sni .blocked.example drop": the v1 client
#     naming blocked.example fetches the page (its version is not the
#     rule's: no Initial is opened).
#
# The end hosts run the XDP_PASS program on their interfaces
# (lab_peers_xdp_pass): native XDP_TX reaches a veth peer only then.
#
# usage: tests/e2e/test_quic_sni.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
XDP_PASS=$(realpath "$BUILD/xdp_pass.bpf.o")
. tests/e2e/lib.sh
. scripts/lab.sh

TMP=$(mktemp -d)
HOSTS_DIR=""
cleanup() {
	lab_down
	[ -n "$HOSTS_DIR" ] && rm -rf "$HOSTS_DIR"
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

# gtlsclient (ngtcp2 0.12.1) names the host it connects to, and
# "localhost" for an address: --sni does not change that. The client's
# names resolve to the server through the client namespace's own hosts
# file (ip netns exec mounts /etc/netns/NS/hosts over /etc/hosts).
HOSTS_DIR=/etc/netns/$LAB_CLIENT
mkdir -p "$HOSTS_DIR"
printf '%s\n' "$V4 blocked.example www.blocked.example ok.example" \
	"$V6 v6.blocked.example www.v6.blocked.example ok6.example" \
	>"$HOSTS_DIR/hosts"

# h3_get NAME: gtlsclient fetching /index.html from NAME (which it sends
# as its SNI), 2 s of idle timeout; prints "fetched" when the page
# arrived whole, else "nothing".
h3_get() {
	local out="$TMP/out.$$.$RANDOM"

	mkdir -p "$out"
	timeout 8 ip netns exec "$LAB_CLIENT" gtlsclient -q --timeout=2s \
		--exit-on-all-streams-close --download="$out" \
		"$1" 443 "https://$1/index.html" >/dev/null 2>&1
	if cmp -s "$out/index.html" "$TMP/htdocs/index.html"; then
		echo fetched
	else
		echo nothing
	fi
	rm -rf "$out"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 -subj /CN=lab.example \
	>/dev/null 2>&1
mkdir -p "$TMP/htdocs"
head -c 4096 /dev/urandom | base64 >"$TMP/htdocs/index.html"
lab_spawn "$LAB_SERVER" gtlsserver -q -d "$TMP/htdocs" '*' 443 \
	"$TMP/key.pem" "$TMP/cert.pem"
sleep 0.5

# ---- 1. no policy -------------------------------------------------------
t_eq "no censor: HTTP/3 naming blocked.example fetches the page (IPv4)" \
	"$(h3_get blocked.example)" fetched
t_eq "no censor: HTTP/3 naming v6.blocked.example fetches the page (IPv6)" \
	"$(h3_get v6.blocked.example)" fetched

# ---- 2. quic sni ----------------------------------------------------------
printf '%s\n' 'policy h3-by-name' \
	'rule "h3 blocked" quic sni .blocked.example drop' >"$TMP/sni.policy"
t_check "load a quic sni policy in native mode" \
	br load sub0:subscriber up0:upstream "$TMP/sni.policy" --mode native
s0=$(stats)
for name in blocked.example www.blocked.example v6.blocked.example \
	www.v6.blocked.example; do
	t_eq "quic sni: HTTP/3 naming $name gets nothing" \
		"$(h3_get "$name")" nothing
done
t_eq "quic sni: HTTP/3 naming ok.example, same address and port, fetches (IPv4)" \
	"$(h3_get ok.example)" fetched
t_eq "quic sni: HTTP/3 naming ok6.example, same address and port, fetches (IPv6)" \
	"$(h3_get ok6.example)" fetched
s1=$(stats)
t_match "quic sni: the rule dropped Initials" \
	"$(echo "$s1" | jq '.rules[0].packets')" "^[1-9]"
t_eq "quic sni: every Initial read was opened and named" \
	"$(delta "$s0" "$s1" .quic_opened.packets) $(delta "$s0" "$s1" .quic_unopened.packets)" \
	"$(delta "$s0" "$s1" .quic_sni.packets) 0"
t_match "quic sni: Initials opened" \
	"$(delta "$s0" "$s1" .quic_opened.packets)" "^[1-9]"

# ---- 3. another version ---------------------------------------------------
printf '%s\n' 'policy h3-v2-by-name' \
	'rule "h3 v2 blocked" quic version v2 sni .blocked.example drop' \
	>"$TMP/v2.policy"
t_check "swap to a v2-only quic sni rule" br swap "$TMP/v2.policy"
s0=$(stats)
t_eq "quic v2 sni: the v1 client naming blocked.example fetches" \
	"$(h3_get blocked.example)" fetched
s1=$(stats)
t_eq "quic v2 sni: no Initial opened" \
	"$(delta "$s0" "$s1" .quic_opened.packets)" 0

t_check "unload" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
t_done
