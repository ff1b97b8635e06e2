#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# demo.sh - what `make demo` shows.
#
# Part A, the what-if: the built-in default scenario (10,000 devices, ten
# minutes) against every shipped policy, through private instances of the
# XDP program: each policy's headline, failure rates per service and the
# push notifications lost per app class, and an HTML report.
#
# Part B, the live lab (docs/LAB.md): 100 emulated phones on real
# kernel stacks, real TLS channels to an APNs-like push service, real
# DNS, QUIC and media servers, the censor router running blastradius
# natively: imessage-apns-sni's push collateral on real channels, beside
# what simulate says for the same devices (lab compare, one minute).
#
# Part C, the operator's view, in a throwaway namespace lab: a client, a
# censor router running blastradius, a server with an APNs-like service on
# TCP 5223 and a web server on 443. Loads the example policy that drops the
# APNs port, shows a connection dropped and one passed, the counters, an
# atomic swap, then cleans up.
#
# usage: scripts/demo.sh BUILD_DIR   (as root)
set -u
# Root tools (ip, sysctl, bpftool) live in sbin, which a bare PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/.."
BUILD=${1:-build}
# The commands print as an operator would type them.
PATH="$(realpath "$BUILD"):$PATH"
BLASTRADIUS=blastradius
POLICY=policies/examples/apns-port.policy
. scripts/lab.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "the demo needs root (XDP, network namespaces)" >&2
	exit 1
fi
trap lab_down EXIT
trap 'exit 1' INT TERM

if [ -t 1 ]; then
	say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
	say() { printf '\n%s\n' "$*"; }
fi
run() { printf '$ %s\n' "$*"; "$@"; }

REPORT=$(realpath -m "$BUILD/report.html")
say "A. The what-if: the default scenario against every shipped policy"
run "$BLASTRADIUS" simulate --summary --html "$REPORT" || exit 1
echo
echo "HTML report: $REPORT"

say "A2. A swap mid-run: APNs cut by TLS name at 2m (it spreads as channels reconnect), by address at 7m (at once)"
printf '$ %s\n' "$BLASTRADIUS simulate --no-policy --scenario policies/scenarios/swap-midway.scenario | sed -n '/over time/,/=>/p'"
"$BLASTRADIUS" simulate --no-policy \
	--scenario policies/scenarios/swap-midway.scenario 2>/dev/null |
	sed -n '/over time/,/=>/p'

say "B. The live lab: imessage-apns-sni on real TLS channels, beside the model (one minute)"
run "$BLASTRADIUS" lab compare --scenario policies/scenarios/lab-quick.scenario \
	--policy policies/imessage-apns-sni.policy
[ $? -le 3 ] || exit 1

say "C. The operator's view: load, counters, swap"
say "1. A lab: client 198.18.0.2 -> router (censor) -> server 198.19.0.2"
lab_up || exit 1
lab_spawn "$LAB_SERVER" socat TCP6-LISTEN:5223,fork,reuseaddr,ipv6only=0 SYSTEM:'echo courier-ok'
lab_spawn "$LAB_SERVER" python3 -m http.server 443 --bind ::
lab_wait_port "$LAB_SERVER" 5223 && lab_wait_port "$LAB_SERVER" 443

say "2. The policy"
run "$BLASTRADIUS" check "$POLICY"
grep -v '^#' "$POLICY" | sed '/^$/d'

say "3. Load it on the router's two interfaces (native XDP)"
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" \
	load sub0:subscriber up0:upstream "$POLICY"

say "4. The client tries the APNs port and the web port"
printf '$ socat - TCP:%s:5223   ' "$LAB_SERVER_V4"
if lab_cli socat -T2 - "TCP:$LAB_SERVER_V4:5223,connect-timeout=2" </dev/null 2>/dev/null; then
	echo "(connected?)"
else
	echo "-> timed out: dropped"
fi
printf '$ curl http://%s:443/   ' "$LAB_SERVER_V4"
code=$(lab_cli curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$LAB_SERVER_V4:443/")
echo "-> HTTP $code: passed"
printf '$ socat - TCP:[%s]:5223   ' "$LAB_SERVER_V6"
echo "-> $(lab_cli socat -T2 - "TCP:[$LAB_SERVER_V6]:5223,connect-timeout=2" </dev/null 2>&1) (IPv6 is outside the rule's range)"

say "5. What the censor counted"
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" status
echo
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats

say "6. At 12:00 the censor switches to the fallback port: an atomic swap"
run "$BLASTRADIUS" diff "$POLICY" policies/examples/https-port.policy
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap policies/examples/https-port.policy
printf '$ socat - TCP:%s:5223   -> %s\n' "$LAB_SERVER_V4" \
	"$(lab_cli socat -T2 - "TCP:$LAB_SERVER_V4:5223,connect-timeout=2" </dev/null 2>&1)"
printf '$ curl http://%s:443/   ' "$LAB_SERVER_V4"
code=$(lab_cli curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "http://$LAB_SERVER_V4:443/" 2>/dev/null)
echo "-> HTTP ${code}: dropped"
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats
echo "(generation 1's counters stay readable: stats --generation 1)"

say "7. Unload: the path is open again"
run "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
printf '$ socat - TCP:%s:5223   -> %s\n' "$LAB_SERVER_V4" \
	"$(lab_cli socat -T2 - "TCP:$LAB_SERVER_V4:5223,connect-timeout=2" </dev/null 2>&1)"
