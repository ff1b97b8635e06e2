#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_simulate.sh - blastradius simulate: the closed-loop model through the
# real program, as the issue asks:
#   - the same seed gives the same result, another seed another one;
#   - every packet of a --write-pcap capture is, in tshark, what its label
#     says (protocol, server port, SNI or query name; QUIC Initials
#     decrypted);
#   - FaceTime media ports dropped: calls fail, pushes succeed;
#   - APNs SNI dropped on 5223 only: pushes succeed over the 443 fallback;
#     on 5223 and 443: pushes fail on iOS and succeed on Android;
#   - a freeze after 16 KB: small responses load, large ones stall
#     mid-transfer (failed, "data/transfer_stalled"), none at connect;
#   - a penalty set by a name: the hello fails, and the openings after it
#     within the penalty fail at connect; a penalty's window in the
#     timeline: failures inside it, none once it ran out;
#   - WhatsApp's STUN types dropped: its calls fail, its messages and
#     Telegram's calls and messages work;
#   - a timeline swap cuts established channels from its time on;
#   - the text what-if matrix: a row per platform where a service's
#     platforms differ, numbered columns and a key for long policy names;
#   - a simulation leaves a live instance's counters and generation alone.
#
# usage: tests/e2e/test_simulate.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

ID="brsim$$"
TMP=$(mktemp -d "/tmp/$ID.XXXXXX")
NS="$ID-ns"
NS2="$ID-peer"
PINS="/run/$ID/pins"
cleanup() {
	"$BR" --pin-dir "$PINS" unload >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
	umount "/run/$ID" 2>/dev/null
	rmdir "/run/$ID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SMALL=$E2E/scenarios/small.scenario

# sim SCENARIO [POLICY...]: the JSON of one run per policy
sim() {
	local scn=$1 args=()

	shift
	for p in "$@"; do
		args+=(--policy "$p")
	done
	"$BR" --json simulate --scenario "$scn" "${args[@]}"
}

# outcome JSON POLICY_INDEX SERVICE PLATFORM ACTION FIELD
outcome() {
	jq -r --argjson i "$2" --arg s "$3" --arg p "$4" --arg a "$5" \
		--arg f "$6" '.policies[$i].services[] |
		select(.service == $s and .platform == $p and .action == $a) |
		.[$f]' <<<"$1"
}

# ---- determinism ------------------------------------------------------------

a=$(sim "$SMALL" "$E2E/policies/apns-sni-5223.policy") ||
	t_fail "simulate runs" "$a"
b=$(sim "$SMALL" "$E2E/policies/apns-sni-5223.policy")
c=$("$BR" --json simulate --scenario "$SMALL" --seed 99 \
	--policy "$E2E/policies/apns-sni-5223.policy")
t_eq "the same seed gives the same result" "$(md5sum <<<"$a")" \
	"$(md5sum <<<"$b")"
if [ "$(jq -c '.policies[0].services' <<<"$a")" != \
	"$(jq -c '.policies[0].services' <<<"$c")" ]; then
	t_ok "another seed gives another result"
else
	t_fail "another seed gives another result"
fi
t_match "JSON names the policy, its file and targets" \
	"$(jq -c '.policies[0] | [.name, .file, .targets]' <<<"$a")" \
	'^\["apns-sni-5223",".*apns-sni-5223.policy",\["apns"\]\]$'
t_match "JSON rows carry service, platform, action and counts" \
	"$(jq -c '.policies[0].services[0] | keys' <<<"$a")" \
	'"action".*"attempted".*"failed".*"fallback".*"late".*"ok".*"platform".*"service"'

# ---- labels against tshark --------------------------------------------------

if "$BR" simulate --no-policy --scenario "$SMALL" --write-pcap "$TMP/sim.pcapng" \
	>/dev/null 2>"$TMP/err"; then
	tshark -r "$TMP/sim.pcapng" -T fields -E separator=/t \
		-e frame.comment -e ip.proto -e ipv6.nxt -e tcp.srcport \
		-e tcp.dstport -e udp.srcport -e udp.dstport \
		-e tls.handshake.extensions_server_name -e dns.qry.name \
		-e quic.version 2>/dev/null |
		python3 "$E2E/simlabels.py" >"$TMP/labels"
	while read -r verdict name; do
		if [ "$verdict" = PASS ]; then
			t_ok "capture: $name"
		else
			t_fail "capture: $name"
		fi
	done <"$TMP/labels"
else
	t_fail "simulate --write-pcap" "$(cat "$TMP/err")"
fi

# ---- the policies of the issue ----------------------------------------------

r=$(sim "$SMALL" "$E2E/policies/facetime-media-real.policy" \
	"$E2E/policies/apns-sni-5223.policy" \
	"$E2E/policies/apns-sni-both.policy")

att=$(outcome "$r" 0 facetime ios call attempted)
t_match "FaceTime media dropped: calls attempted" "$att" '^[1-9][0-9]*$'
t_eq "FaceTime media dropped: every call fails" \
	"$(outcome "$r" 0 facetime ios call failed)" "$att"
for svc in apns bank; do
	t_eq "FaceTime media dropped: $svc pushes on iOS all arrive" \
		"$(outcome "$r" 0 $svc ios push-received failed)" 0
done

att=$(outcome "$r" 1 bank ios push-received attempted)
t_eq "APNs SNI dropped on 5223: iOS bank pushes all arrive" \
	"$(($(outcome "$r" 1 bank ios push-received ok) +
	   $(outcome "$r" 1 bank ios push-received fallback)))" "$att"
t_eq "... over the 443 fallback (all of them, in time)" \
	"$(outcome "$r" 1 bank ios push-received fallback)" "$att"

att=$(outcome "$r" 2 bank ios push-received attempted)
t_match "APNs SNI dropped on 5223 and 443: iOS bank pushes attempted" \
	"$att" '^[1-9][0-9]*$'
t_eq "... all fail on iOS" \
	"$(outcome "$r" 2 bank ios push-received failed)" "$att"
att=$(outcome "$r" 2 bank android push-received attempted)
t_match "... attempted on Android" "$att" '^[1-9][0-9]*$'
t_eq "... all arrive on Android (FCM)" \
	"$(outcome "$r" 2 bank android push-received ok)" "$att"
t_eq "... iMessage sending fails with them" \
	"$(($(outcome "$r" 2 imessage ios message-sent ok) +
	   $(outcome "$r" 2 imessage ios message-sent fallback) +
	   $(outcome "$r" 2 imessage ios message-sent late)))" 0
t_eq "... WhatsApp is untouched" \
	"$(outcome "$r" 2 whatsapp any message-sent failed)" 0

# ---- a throttle ----------------------------------------------------------------

base=$("$BR" --json simulate --no-policy --scenario "$E2E/scenarios/twitter.scenario")
thr=$("$BR" --json simulate --scenario "$E2E/scenarios/twitter.scenario" \
	--policy policies/examples/sni-twimg-throttle.policy)
att=$(outcome "$thr" 0 twitter any open attempted)
t_match "twitter opened" "$att" '^[1-9][0-9]*$'
t_eq "unthrottled, its media arrive at full speed (none late)" \
	"$(outcome "$base" 0 twitter any open late)" 0
t_eq "throttled to 128 kbit/s, every opening is late (media below 1 mbit/s)" \
	"$(outcome "$thr" 0 twitter any open late)" "$att"
t_eq "... and none fails: a throttle slows, it does not block" \
	"$(outcome "$thr" 0 twitter any open failed)" 0

# ---- a freeze ------------------------------------------------------------------
# freeze after 16KB on two apps' names: the small responses (4 KB) load,
# the large ones (128 KB) hang after their first 16 KB and fail there,
# not at connect (the model's "data/transfer_stalled").

base=$("$BR" --json simulate --no-policy --scenario "$E2E/scenarios/freeze.scenario")
frz=$(sim "$E2E/scenarios/freeze.scenario" "$E2E/policies/freeze-apps.policy")
att=$(outcome "$frz" 0 news any open attempted)
t_match "news opened" "$att" '^[1-9][0-9]*$'
t_eq "no policy: every news opening works" \
	"$(outcome "$base" 0 news any open ok)" \
	"$(outcome "$base" 0 news any open attempted)"
t_eq "frozen after 16 KB: every news opening (128 KB) fails" \
	"$(outcome "$frz" 0 news any open failed)" "$att"
t_eq "... each one stalled mid-transfer, none at connect" \
	"$(jq -c '.policies[0].services[] | select(.service == "news" and
		.action == "open") | .failures' <<<"$frz")" \
	"{\"data/transfer_stalled\":$att}"
att=$(outcome "$frz" 0 auth any open attempted)
t_match "2FA app opened" "$att" '^[1-9][0-9]*$'
t_eq "... its 4 KB responses fit under the freeze: all ok" \
	"$(outcome "$frz" 0 auth any open ok)" "$att"

# ---- a penalty ---------------------------------------------------------------
# "service news penalty 90s": each device's first news hello is dropped
# (tls) and puts the device and the news server in penalty; its next
# openings within the 90 s of scenario time fail at connect (tcp), which
# a drop by name alone never does; the 2FA app, elsewhere, is untouched.

pen=$(sim "$E2E/scenarios/freeze.scenario" "$E2E/policies/penalty-news.policy")
att=$(outcome "$pen" 0 news any open attempted)
t_match "penalty: news opened" "$att" '^[1-9][0-9]*$'
t_eq "penalty: every news opening fails" \
	"$(outcome "$pen" 0 news any open failed)" "$att"
t_match "penalty: some at the hello that set it, some at connect (in penalty)" \
	"$(jq -c '.policies[0].services[] | select(.service == "news" and
		.action == "open") | .failures | keys' <<<"$pen")" \
	'^\["tcp/generic_timeout_error","tls/generic_timeout_error"\]$'
att=$(outcome "$pen" 0 auth any open attempted)
t_eq "penalty: the 2FA app, another server, all ok" \
	"$(outcome "$pen" 0 auth any open ok)" "$att"

# A penalty as a window of failures (policies and scenario in tests/e2e):
# news hellos put their device in penalty for 60 s (on subscriber), until
# a swap at 30 s stops new penalties; the 2FA app, which no rule matches,
# fails inside the windows and never after they ran out (by 90 s).
win=$("$BR" --json simulate --scenario "$E2E/scenarios/penalty-window.scenario")
t_match "penalty window: the 2FA app fails inside it" \
	"$(jq '[.policies[0].timeline[] | select(.start_s < 60) |
		.failed_by_service.auth // 0] | add' <<<"$win")" '^[1-9][0-9]*$'
t_eq "penalty window: ... and nothing fails once it ran out" \
	"$(jq -c '[.policies[0].timeline[] | select(.start_s >= 90) |
		.failed_by_service | keys[]] | unique' <<<"$win")" '[]'
t_match "penalty window: ... where the 2FA app keeps opening" \
	"$(jq '[.policies[0].timeline[] | select(.start_s >= 90) |
		.ios.actions + .android.actions] | add' <<<"$win")" '^[1-9][0-9]*$'
t_eq "penalty window: the timeline adds up to the actions' rows" \
	"$(jq '[.policies[0].timeline[] | .ios.actions_failed +
		.android.actions_failed] | add' <<<"$win")" \
	"$(jq '[.policies[0].services[] | select(.action |
		test("push") | not) | .failed] | add' <<<"$win")"

# ---- calls by their STUN ------------------------------------------------------
# "udp stun type 0x0800-0x0802 drop" (WhatsApp's dialect): its calls fail,
# its messages work, and so do Telegram's calls (a WebRTC Binding Request,
# 0x0001, or the reflectors' packets) and messages. "udp stun drop" takes
# the WebRTC path too; Telegram's calls go on through the reflectors.

CALLS=$E2E/scenarios/calls.scenario
base=$("$BR" --json simulate --no-policy --scenario "$CALLS")
cut=$(sim "$CALLS" policies/examples/calls-stun.policy \
	"$E2E/policies/calls-any-stun.policy")
for sa in whatsapp:call whatsapp:message-sent telegram:call \
	telegram:message-sent; do
	att=$(outcome "$base" 0 "${sa%%:*}" any "${sa#*:}" attempted)
	t_match "no policy: $sa attempted" "$att" '^[1-9][0-9]*$'
	t_eq "no policy: every $sa works" \
		"$(outcome "$base" 0 "${sa%%:*}" any "${sa#*:}" ok)" "$att"
done
att=$(outcome "$cut" 0 whatsapp any call attempted)
t_match "WhatsApp calls attempted" "$att" '^[1-9][0-9]*$'
t_eq "stun type 0x0800-0x0802: every WhatsApp call fails" \
	"$(outcome "$cut" 0 whatsapp any call failed)" "$att"
for p in 0 1; do
	for sa in whatsapp:message-sent telegram:call telegram:message-sent; do
		t_eq "policy $p: $sa all ok" \
			"$(outcome "$cut" $p "${sa%%:*}" any "${sa#*:}" ok)" \
			"$(outcome "$cut" $p "${sa%%:*}" any "${sa#*:}" attempted)"
	done
done
t_eq "udp stun: every WhatsApp call fails" \
	"$(outcome "$cut" 1 whatsapp any call failed)" \
	"$(outcome "$cut" 1 whatsapp any call attempted)"

# ---- HTTP/3 by name (quic sni, through the batch program's opener) ------------

h3=$(sim "$SMALL" "$E2E/policies/none.policy" \
	"$E2E/policies/quic-sni-site.policy" "$E2E/policies/quic-sni-other.policy")
att=$(outcome "$h3" 0 web any page-load attempted)
t_match "no policy: web page loads attempted" "$att" '^[1-9][0-9]*$'
t_eq "no policy: no page load falls back to TCP" \
	"$(outcome "$h3" 0 web any page-load fallback)" 0
t_match "quic sni www.site.example: page loads fall back to TCP" \
	"$(outcome "$h3" 1 web any page-load fallback)" '^[1-9][0-9]*$'
t_eq "quic sni www.site.example: and none fails" \
	"$(outcome "$h3" 1 web any page-load failed)" 0
t_eq "quic sni other.example: no page load falls back" \
	"$(outcome "$h3" 2 web any page-load fallback)" 0

# ---- a timeline swap --------------------------------------------------------

r=$("$BR" --json simulate --no-policy --scenario "$E2E/scenarios/swap.scenario")
t_eq "the timeline's swap happened" "$(jq '.policies[0].swaps' <<<"$r")" 1
ok=$(outcome "$r" 0 bank ios push-received ok)
ko=$(outcome "$r" 0 bank ios push-received failed)
if [ "${ok:-0}" -gt 0 ] && [ "${ko:-0}" -gt 0 ] && [ "$ko" -gt "$ok" ]; then
	t_ok "pushes before the swap arrive ($ok), after it fail ($ko)"
else
	t_fail "pushes before the swap arrive, after it fail" \
		"succeeded $ok, failed $ko"
fi

txt=$("$BR" simulate --no-policy --scenario "$E2E/scenarios/swap.scenario" \
	2>/dev/null)
t_match "the text timeline marks the swap where it falls" "$txt" \
	'--- 1:00 swap: .*apns-addr-both.policy'
first=$(awk '/over time/ { on = 1; next } on && /^ +0:00-/ { print $3; exit }' \
	<<<"$txt")
last=$(awk '/over time/ { on = 1; next } on && /^ +2:51-/ { print $3; exit }' \
	<<<"$txt")
if [ "${first%.*}" = "0" ] && [ "${last%%.*}" -gt 30 ] 2>/dev/null; then
	t_ok "the timeline's failure rate: $first at the start, $last at the end"
else
	t_fail "the timeline's failure rate rises after the swap" \
		"first bucket $first, last $last"
fi

# ---- a censor whose tables the population outgrows ---------------------------
# The scenario gives the censor a flow table of 64 flows for 500 devices'
# long-lived connections: flows it evicts come back mid-stream, without a
# name. Signal's TLS connections (to 443, where the policy's name rule
# waits) show the fail mode: sni-default drop (fail-closed) fails most of
# its messages, without sni-default (fail-open) none; with the default
# table, none either way.
TABLE=$E2E/scenarios/small-table.scenario
sed -e '/^flow-table /d' "$TABLE" >"$TMP/big-table.scenario"
signal_failed() { # JSON: "FAILED ATTEMPTED" of Signal's messages
	jq -r '[.policies[0].services[] | select(.service == "signal")] |
		"\(map(.failed) | add) \(map(.attempted) | add)"' <<<"$1"
}
closed=$(sim "$TABLE" "$E2E/policies/twitter-closed.policy")
open=$(sim "$TABLE" "$E2E/policies/twitter-open.policy")
roomy=$(sim "$TMP/big-table.scenario" "$E2E/policies/twitter-closed.policy")
t_eq "the scenario's flow table, said" \
	"$(jq -c '[.scenario.flow_table, .scenario.hello_table]' <<<"$closed")" \
	'[64,16384]'
read -r fc ac <<<"$(signal_failed "$closed")"
t_eq "64 flows, fail-closed: most Signal messages fail ($fc of $ac)" \
	"$((ac >= 10 && fc * 2 > ac))" 1
t_eq "64 flows, fail-open: none does" "$(signal_failed "$open" | cut -d' ' -f1)" 0
t_eq "the default table, fail-closed: none does" \
	"$(signal_failed "$roomy" | cut -d' ' -f1)" 0
t_eq "and Twitter is blocked in all three" \
	"$(for r in "$closed" "$open" "$roomy"; do jq -r '.policies[0].efficacy | .failed == .attempted' <<<"$r"; done | sort -u)" \
	true
t_match "the text report says the tables" \
	"$("$BR" simulate --summary --scenario "$TABLE" --policy "$E2E/policies/twitter-open.policy" 2>/dev/null)" \
	"^censor's tables: 64 flows, 16384 hellos being read$"

# ---- the text what-if matrix --------------------------------------------------
# A service whose platforms differ gets a row per platform; a policy name
# too long for a column numbers the columns, with a key naming them whole.
long=facetime-media-blocked-by-a-long-name-40
printf 'policy %s\ntarget facetime\nrule "m" udp dport 3478 drop\n' "$long" \
	>"$TMP/long.policy"
txt=$("$BR" simulate --summary --scenario "$SMALL" --policy "$TMP/long.policy" \
	--policy policies/examples/imessage-apns-sni.policy 2>/dev/null)
t_match "text matrix: says what a cell counts" "$txt" \
	"^what-if: per service, failed % of its action instances \\(degraded %\\)$"
t_match "text matrix: banking's iOS row fails (its pushes) under APNs SNI" \
	"$txt" "^  banking \\(iOS\\) +0% +9[0-9]%$"
t_match "text matrix: banking's Android row, nothing lost" "$txt" \
	"^  banking \\(Android\\) +0% +0%$"
t_match "text matrix: a one-platform service names it" "$txt" \
	"^  APNs \\(iOS\\) +0% +100%$"
t_match "text matrix: a long name in a key, whole" "$txt" "^  \\[1\\] $long$"
t_match "text matrix: ... and the columns numbered" "$txt" \
	"^  service +\\[1\\] +\\[2\\]$"

# ---- the estimate before a run -----------------------------------------------
# Before it starts, simulate estimates a run from the scenario and the
# catalog: close to what a run with nothing blocked pushes.
base=$("$BR" --json simulate --no-policy --scenario "$SMALL")
t_within "the estimate's packets are within 15% of a run's" \
	"$(jq .scenario.estimate.packets <<<"$base")" \
	"$(jq '.policies[0].packets' <<<"$base")" 15
t_within "... and its action instances too" \
	"$(jq .scenario.estimate.instances <<<"$base")" \
	"$(jq '[.policies[0].services[].attempted] | add' <<<"$base")" 15
out=$("$BR" simulate --no-policy --scenario "$SMALL" 2>&1 >/dev/null)
t_match "the estimate is said first, on stderr" "$(head -n 1 <<<"$out")" \
	'^simulate: estimate: about [0-9.]+k packets a run, 1 run, about [0-9]+ s in all; [0-9]+ MB of memory \(runs that block and slow nothing: a throttle adds packets\)$'

# What would run for days or not fit in memory is refused at once (exit
# 1, the estimate said) unless --force; timeout: a run that starts fails
# the check instead of holding the suite for a day.
sed -e 's/^devices .*/devices 1000000/' -e 's/^duration .*/duration 24h/' \
	policies/scenarios/default.scenario >"$TMP/big.scenario"
out=$(timeout 60 "$BR" simulate --no-policy --scenario "$TMP/big.scenario" 2>&1); rc=$?
t_eq "1M devices for 24 h: refused before it starts" "$rc" 1
t_match "... saying the estimate, why, and the way past it" "$out" \
	'^blastradius: simulate: scenario default \(1000000 devices, 24\.0 h simulated\): about [0-9.]+G packets a run, 1 run, about [0-9.]+ (h|days) in all at [0-9]+k packets/s, and [0-9.]+ GB of memory \([0-9.]+ GB available\): longer than the hour a simulation may take; make it smaller \(devices, duration\) or pass --force$'
sed -e 's/^devices .*/devices 1000000/' -e 's/^duration .*/duration 1s/' \
	policies/scenarios/default.scenario >"$TMP/wide.scenario"
out=$( (ulimit -v 2000000; timeout 60 "$BR" simulate --no-policy \
	--scenario "$TMP/wide.scenario") 2>&1); rc=$?
t_eq "1M devices in 2 GB of address space: refused before it starts" "$rc" 1
t_match "... as more memory than is available" "$out" \
	'^blastradius: simulate: .* and [0-9.]+ GB of memory \([0-9.]+ GB available\): more memory than is available; make it smaller \(devices, duration\) or pass --force$'

# ---- a live instance is left alone ------------------------------------------

mkdir -p "/run/$ID"
mount -t bpf bpf "/run/$ID"
ip netns add "$NS"
ip netns add "$NS2"
# no IPv6: its router solicitations and MLD reports would trickle in while
# the counters are compared
for ns in "$NS" "$NS2"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NS" link add v0 type veth peer name v1 netns "$NS2"
ip -n "$NS" link set v0 up
ip -n "$NS2" link set v1 up
if "$BR" --pin-dir "$PINS" --netns "$NS" load v0 \
	policies/examples/https-port.policy --mode generic >"$TMP/load" 2>&1; then
	# some traffic on the live instance, so its counters are not all 0
	ip -n "$NS" addr add 198.18.0.1/24 dev v0
	ip -n "$NS2" addr add 198.18.0.2/24 dev v1
	# permanent neighbours: no ARP probe trickles in while the
	# simulation runs (it takes longer than the neighbours stay fresh)
	ip -n "$NS" neigh replace 198.18.0.2 dev v0 nud permanent lladdr \
		"$(ip -n "$NS2" -j link show v1 | jq -r '.[0].address')"
	ip -n "$NS2" neigh replace 198.18.0.1 dev v1 nud permanent lladdr \
		"$(ip -n "$NS" -j link show v0 | jq -r '.[0].address')"
	ip netns exec "$NS2" ping -c 3 -i 0.2 -W 1 198.18.0.1 >/dev/null 2>&1
	before=$("$BR" --pin-dir "$PINS" --json stats)
	gen_before=$("$BR" --pin-dir "$PINS" --json status |
		jq .generation)
	sim "$SMALL" "$E2E/policies/apns-sni-both.policy" >/dev/null
	after=$("$BR" --pin-dir "$PINS" --json stats)
	gen_after=$("$BR" --pin-dir "$PINS" --json status | jq .generation)
	t_match "the live instance counted its own packets" \
		"$(jq '.subscriber.packets' <<<"$before")" '^[1-9][0-9]*$'
	t_eq "simulate leaves the live counters untouched" "$after" "$before"
	t_eq "simulate leaves the live generation alone" "$gen_after" \
		"$gen_before"
else
	t_fail "load a live instance" "$(cat "$TMP/load")"
fi

echo "# $T_N checks, $T_FAILED failed"
[ "$T_FAILED" -eq 0 ]
