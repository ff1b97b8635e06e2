#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: a client and a server joined through a censor router running
# blastradius in native XDP mode. Real TCP connections (socat, curl) to a
# dropped port fail, to an allowed one succeed, and the counters that
# `stats --json` reads from the pinned maps match what the client's kernel
# says it sent. Then fail-closed keeps ARP working, generic mode works,
# unload restores the path, and a load killed at each of its steps leaves
# the whole policy in force or nothing, never a part.
#
# usage: tests/e2e/test_load.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh
. scripts/lab.sh

POLICY=policies/examples/apns-port.policy
TMP=$(mktemp -d)
trap 'lab_down; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
lab_up || { echo "not ok 1 - lab set-up"; exit 1; }

br() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" "$@"; }

# The client's kernel counts every SYN it sends: first attempts
# (ActiveOpens) and retransmissions (TCPSynRetrans).
client_syns() {
	lab_cli awk '
		/^Tcp: [0-9]/ { split(prev, h); for (i = 1; i <= NF; i++)
			if (h[i] == "ActiveOpens") s += $i }
		/^TcpExt: [0-9]/ { split(prevx, h); for (i = 1; i <= NF; i++)
			if (h[i] == "TCPSynRetrans") s += $i }
		/^Tcp: [A-Z]/ { prev = $0 } /^TcpExt: [A-Z]/ { prevx = $0 }
		END { print s + 0 }' /proc/net/snmp /proc/net/netstat
}

json_get() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --json | jq -r "$1"; }

# Servers: an APNs-like listener on 5223 and HTTP on 443 (plain HTTP: the
# policy works on L3/L4 only), on IPv4 and IPv6.
lab_spawn "$LAB_SERVER" socat TCP6-LISTEN:5223,fork,reuseaddr,ipv6only=0 SYSTEM:'echo courier-ok'
lab_spawn "$LAB_SERVER" python3 -m http.server 443 --bind ::
lab_wait_port "$LAB_SERVER" 5223 && lab_wait_port "$LAB_SERVER" 443 ||
	t_fail "servers listen"

connect_5223() { lab_cli socat -T2 - "TCP:$1:5223,connect-timeout=2" </dev/null; }
fetch_443() { lab_cli curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "http://$1:443/"; }

# ---- before loading ----------------------------------------------------
t_eq "before load: 5223 reachable" "$(connect_5223 $LAB_SERVER_V4)" courier-ok
out=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" status 2>&1)
t_match "status before load says not loaded" "$out" "not loaded"
t_fails "stats before load fails" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats

# ---- load (native) -----------------------------------------------------
t_fails "load on an unknown interface fails" br load nosuch0 "$POLICY"
t_eq "failed load leaves nothing pinned" "$(ls "$LAB_PIN_DIR" 2>/dev/null | wc -l)" 0
t_check "load in native mode" br load sub0:subscriber up0:upstream "$POLICY" --mode native
t_match "XDP attached to sub0 in the router" \
	"$(lab_router ip -d link show sub0)" "prog/xdp id [0-9]+"
out=$(br load sub0 "$POLICY" 2>&1)
t_match "second load says already loaded" "$out" "already loaded at .*generation 1"

st=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" status --json)
t_eq "status: generation 1" "$(echo "$st" | jq -r .generation)" 1
t_eq "status: policy name" "$(echo "$st" | jq -r .policy)" apns-port
t_eq "status: two interfaces with roles" \
	"$(echo "$st" | jq -r '[.interfaces[] | .name + ":" + .role + ":" + .mode] | join(",")')" \
	"sub0:subscriber:native,up0:upstream:native"

# ---- real connections ---------------------------------------------------
drops0=$(json_get '.rules[0].packets')
syns0=$(client_syns)
got=$(connect_5223 $LAB_SERVER_V4 2>/dev/null)
syns1=$(client_syns)
drops1=$(json_get '.rules[0].packets')
t_eq "TCP to 198.19.0.2:5223 fails" "$got" ""
t_eq "every SYN the client sent to 5223 was dropped by rule 0" \
	"$((drops1 - drops0))" "$((syns1 - syns0))"
t_match "at least one SYN was dropped" "$((drops1 - drops0))" "^[1-9]"
t_eq "TCP to 198.19.0.2:443 succeeds (curl)" "$(fetch_443 $LAB_SERVER_V4)" 200
t_eq "TCP to [2001:db8:2::2]:5223 succeeds (policy is IPv4-only)" \
	"$(connect_5223 "[$LAB_SERVER_V6]")" courier-ok

s=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --json)
t_eq "drop verdicts equal rule 0 hits" \
	"$(echo "$s" | jq '.actions.drop.packets')" "$(echo "$s" | jq '.rules[0].packets')"
t_match "allowed traffic counted under the default action" \
	"$(echo "$s" | jq '.default.packets')" "^[1-9]"
t_eq "every packet counted once per role" \
	"$(echo "$s" | jq '.subscriber.packets + .upstream.packets')" \
	"$(echo "$s" | jq '.actions.pass.packets + .actions.drop.packets')"
s2=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --json)
t_eq "a new process reads the same rule counters" \
	"$(echo "$s2" | jq '.rules[0].packets')" "$(echo "$s" | jq '.rules[0].packets')"

# ---- unload --------------------------------------------------------------
t_check "unload" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
t_eq "no XDP left on the router" "$(lab_router ip -d link show | grep -c 'prog/xdp')" 0
t_eq "after unload: 5223 reachable again" "$(connect_5223 $LAB_SERVER_V4)" courier-ok
t_fails "unload when not loaded fails" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload

# ---- fail-closed keeps ARP working ------------------------------------
t_check "load with --fail-closed" br load sub0 up0:upstream "$POLICY" --fail-closed
lab_cli ip neigh flush all
lab_router ip neigh flush all
t_check "ping through the router after ARP (fail-closed)" \
	lab_cli ping -c 2 -W 2 -q "$LAB_SERVER_V4"
t_match "ARP counted as non-IP and passed" \
	"$(json_get '.nonip.packets')" "^[1-9]"
t_eq "status shows fail-closed" \
	"$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" status --json | jq -r .malformed)" drop
"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload >/dev/null

# ---- generic mode ------------------------------------------------------------
t_check "load in generic mode" br load sub0 up0:upstream "$POLICY" --mode generic
t_eq "generic: TCP to 5223 fails" "$(connect_5223 $LAB_SERVER_V4 2>/dev/null)" ""
t_eq "generic: TCP to 443 succeeds" "$(fetch_443 $LAB_SERVER_V4)" 200
t_match "generic: drops counted" "$(json_get '.rules[0].packets')" "^[1-9]"
"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload >/dev/null

# ---- a load killed at each step ----------------------------------------------
# load is all or nothing: killed anywhere, it leaves either the complete
# instance (the policy in force on both interfaces) or nothing enforced,
# which status says ("not loaded", or "incomplete" with what is left), the
# next load clears, and unload removes. strace kills it on entering its Nth
# bpf() call, at: the first pin (the marker), right after "state" is
# pinned, each attach (link create), each link pin, right after the last
# link pin, the commit (the active-slot index write), and right after it.
# The calls are found in a trace of a whole load.
load_cmd=("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" load
	sub0:subscriber up0:upstream "$POLICY" --mode native --no-impact)
if ! command -v strace >/dev/null; then
	t_ok "# SKIP a load killed at each step: strace not installed"
else
	strace -o "$TMP/trace" -e trace=bpf "${load_cmd[@]}" >/dev/null
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload >/dev/null
	grep '^bpf(' "$TMP/trace" >"$TMP/calls"
	nth() { awk -v re="$1" '$0 ~ re { print NR }' "$TMP/calls"; }
	pins=($(nth 'BPF_OBJ_PIN'))
	state=$(nth 'BPF_OBJ_PIN.*/state"')
	links=($(nth 'BPF_LINK_CREATE'))
	lpins=($(nth 'BPF_OBJ_PIN.*/link@'))
	active=$(sed -n 's/.*BPF_OBJ_PIN.*\/active", bpf_fd=\([0-9]*\).*/\1/p' "$TMP/calls")
	commit=$(nth "BPF_MAP_UPDATE_ELEM, \\{map_fd=$active," | tail -1)
	points="${pins[0]}:first-pin $((state + 1)):state-pinned ${links[0]}:attach-1
		${lpins[0]}:link-pin-1 ${links[1]}:attach-2 ${lpins[1]}:link-pin-2
		$((lpins[1] + 1)):all-attached $commit:commit $((commit + 1)):committed"
	bad="" outcomes=""
	for pt in $points; do
		k=${pt%%:*} what=${pt#*:}
		{ strace -o "$TMP/killed" -e trace=bpf -e inject=bpf:signal=KILL:when="$k" \
			"${load_cmd[@]}" >/dev/null; } 2>/dev/null
		grep -q 'killed by SIGKILL' "$TMP/killed" || bad="$bad; $what: not killed"
		st=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json status 2>"$TMP/err")
		rc=$?
		if [ $rc -eq 0 ] && [ "$(echo "$st" | jq -c '[.generation, [.interfaces[] | .name + ":" + (.state // "attached")]]')" = \
			'[1,["sub0:attached","up0:attached"]]' ]; then
			outcome=complete
		elif [ $rc -eq 1 ] && grep -Eq 'not loaded|incomplete instance' "$TMP/err"; then
			outcome=nothing
		else
			outcome=partial
			bad="$bad; $what: status exit $rc: $st $(cat "$TMP/err")"
		fi
		outcomes="$outcomes $what:$outcome"
		# Real connections agree: the policy drops 5223, or nothing does.
		got=$(connect_5223 $LAB_SERVER_V4 2>/dev/null)
		case $outcome in
		complete) [ -z "$got" ] || bad="$bad; $what: complete, but TCP to 5223 got through" ;;
		*) [ "$got" = courier-ok ] || bad="$bad; $what: $outcome, but TCP to 5223 got '$got'" ;;
		esac
		out=$("${load_cmd[@]}" 2>&1)
		rc=$?
		case $outcome in
		complete) [ $rc -eq 1 ] && echo "$out" | grep -q 'already loaded' ||
			bad="$bad; $what: the next load (exit $rc): $out" ;;
		*) [ $rc -eq 0 ] || bad="$bad; $what: the next load failed: $out" ;;
		esac
		"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload >/dev/null 2>&1 || bad="$bad; $what: unload failed"
		[ "$(lab_router ip -d link show | grep -c 'prog/xdp')" -eq 0 ] || bad="$bad; $what: XDP left after unload"
		[ -e "$LAB_PIN_DIR" ] && bad="$bad; $what: $LAB_PIN_DIR left after unload"
	done
	echo "# after each kill:$outcomes"
	t_eq "SIGKILL at each step of a load ($(echo $points | sed 's/[0-9]*://g')): the whole policy in force or nothing, as status says; the next load and unload work" \
		"${bad:-ok}" ok
fi

t_done
