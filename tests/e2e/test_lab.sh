#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_lab.sh - the live lab against the model (issue 14). One lab
# (blastradius lab up: the devices of policies/scenarios/lab.scenario,
# real TLS, QUIC, DNS and UDP servers, the censor router running the
# program natively), then:
#
#  1. lab compare --json of imessage-apns-sni, facetime-2025,
#     twitter-throttle-2021 and quic-block-2022: no row (service, action,
#     platform) whose failed or late share differs between the lab and
#     simulate by more than 5 percentage points; and in both, what the
#     policy is known to do (so agreement is not two runs of nothing):
#     iOS pushes all fail under the SNI block, FaceTime calls fail under
#     facetime-2025, Twitter opens are late under the throttle, page
#     loads neither fail nor come late under the QUIC block;
#  2. a swap on the scenario's timeline, done live (lab-swap.scenario:
#     APNs dropped by address at 1m of 2m): iOS pushes lost after the
#     swap only, in the lab as in simulate;
#  3. lab down after a SIGKILL of lab run (which brought its own lab up)
#     leaves no namespace, mount, state or process of it.
#
# A run is real time: about 14 minutes in all.
#
# usage: tests/e2e/test_lab.sh [BUILD_DIR]   (as root)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=$(realpath "${1:-build}")
BR=$BUILD/blastradius
RUN_DIR=/run/blastradius-lab
. tests/e2e/lib.sh

R=$(printf '%05x' $(((RANDOM << 15 | RANDOM) & 0xfffff)))
LAB=t$R
KILLED=""
TMP=$(mktemp -d)
cleanup() {
	[ -n "$KILLED" ] && "$BR" lab down "$KILLED" >/dev/null 2>&1
	"$BR" lab down "$LAB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! "$BR" --quiet lab up --lab "$LAB" >"$TMP/up" 2>&1; then
	t_fail "lab up" "$(cat "$TMP/up")"
	t_done
	exit 1
fi
t_ok "lab up: the lab scenario's devices, servers and router"

# ---- 1. agreement ---------------------------------------------------------

# row JSON SERVICE ACTION PLATFORM SIDE FIELD: a compare row's count
row() {
	jq -r --arg s "$2" --arg a "$3" --arg p "$4" \
		".rows[] | select(.service == \$s and .action == \$a and .platform == \$p) | .$5.$6" "$1"
}

# share JSON SERVICE ACTION PLATFORM SIDE FIELD: that count in % of attempted
share() {
	local k n

	k=$(row "$@")
	n=$(row "$1" "$2" "$3" "$4" "$5" attempted)
	awk -v k="$k" -v n="$n" 'BEGIN { printf "%d", n ? 100 * k / n : -1 }'
}

compare() {
	local pol=$1 out=$TMP/$1.json

	"$BR" --quiet --json lab compare --lab "$LAB" \
		--policy "policies/$pol.policy" >"$out" 2>"$TMP/$pol.err"
	t_eq "$pol: compare ran (exit 0: no row flagged)" "$?" 0
	t_eq "$pol: rows beyond 5 pp between lab and simulate" \
		"$(jq -r '.flagged' "$out")" 0
	if [ "$(jq -r '.flagged' "$out")" != 0 ]; then
		jq -c '.rows[] | select(.flagged)' "$out" | sed 's/^/#   /'
	fi
	t_match "$pol: the lab's events ran on time (lag under 1 s)" \
		"$(jq -r '.lab_run.lag_max_s' "$out")" '^0\.'
}

# both JSON SERVICE ACTION PLATFORM FIELD OP PCT: model and lab alike
both() {
	local side v

	for side in model lab; do
		v=$(share "$1" "$2" "$3" "$4" "$side" "$5")
		if awk -v v="$v" -v p="$7" "BEGIN { exit !(v $6 p) }"; then
			t_ok "$(basename "$1" .json): $side: $2 $3 $4 $5 $v% $6 $7%"
		else
			t_fail "$(basename "$1" .json): $side: $2 $3 $4 $5 $6 $7%" \
				"got: $v%"
		fi
	done
}

compare imessage-apns-sni
both "$TMP/imessage-apns-sni.json" apns push-received ios failed '>=' 95
both "$TMP/imessage-apns-sni.json" fcm push-received android failed '<=' 0

compare facetime-2025
both "$TMP/facetime-2025.json" facetime call ios failed '>=' 95
both "$TMP/facetime-2025.json" imessage message-sent ios failed '<=' 0

compare twitter-throttle-2021
both "$TMP/twitter-throttle-2021.json" twitter open android late '>=' 95
both "$TMP/twitter-throttle-2021.json" twitter open android failed '<=' 0

compare quic-block-2022
both "$TMP/quic-block-2022.json" web page-load android failed '<=' 0
both "$TMP/quic-block-2022.json" web page-load android late '<=' 5

# ---- 2. a swap on the timeline ---------------------------------------------

SWAP=tests/e2e/scenarios/lab-swap.scenario
# a population of its own: lab run brings its own lab up, and down after
"$BR" --quiet --json lab run --scenario "$SWAP" \
	>"$TMP/swap-lab.json" 2>"$TMP/swap-lab.err"
rc=$?
t_eq "swap: lab run ran" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$TMP/swap-lab.err"
"$BR" --quiet --json simulate --scenario "$SWAP" --no-policy \
	>"$TMP/swap-sim.json" 2>/dev/null
t_eq "swap: simulate ran" "$?" 0

# lost JSON FROM TO: iOS pushes lost in the buckets starting in [FROM, TO)
lost() {
	jq -r --argjson a "$2" --argjson b "$3" \
		'[.policies[0].timeline[] | select(.start_s >= $a and .start_s < $b) | .ios.pushes_lost] | add' "$1"
}

for side in lab sim; do
	f=$TMP/swap-$side.json
	t_eq "swap: $side: one policy put in force mid-run" \
		"$(jq -r '.policies[0].swaps' "$f")" 1
	t_eq "swap: $side: no iOS push lost before the swap" \
		"$(lost "$f" 0 60)" 0
	n=$(lost "$f" 60 120)
	if [ "${n:-0}" -gt 20 ]; then
		t_ok "swap: $side: iOS pushes lost after the swap ($n)"
	else
		t_fail "swap: $side: iOS pushes lost after the swap" "got: $n"
	fi
done
# the same instances, the same fate: the lab's count near the model's
t_within "swap: the lab loses as many iOS pushes after the swap as the model" \
	"$(lost "$TMP/swap-lab.json" 60 120)" "$(lost "$TMP/swap-sim.json" 60 120)" 10

t_fails "a lab of another population is refused by lab run --lab" \
	"$BR" --quiet lab run --lab "$LAB" --scenario "$SWAP"
t_match "lab list names the lab" "$("$BR" lab list)" "^$LAB\$"

# ---- 3. SIGKILL, then down -------------------------------------------------

"$BR" lab run --scenario "$SWAP" >/dev/null 2>"$TMP/kill.err" &
pid=$!
id=""
for _ in $(seq 1 300); do
	id=$(sed -n 's/^lab \([0-9a-z]*\): .*s of real time.*/\1/p' "$TMP/kill.err")
	[ -n "$id" ] && break
	sleep 0.1
done
KILLED=$id
t_match "kill: lab run brought its own lab up" "$id" '^[0-9a-z]+$'
sleep 3 # it runs: its sockets, servers and router are in use
pids=$(awk '{ print $1 }' "$RUN_DIR/$id/pids" 2>/dev/null)
t_match "kill: the lab's servers run" "$pids" '[0-9]'
kill -9 "$pid"
wait "$pid" 2>/dev/null
t_check "kill: lab down after the SIGKILL" "$BR" lab down "$id"
t_eq "kill: no namespace of the lab left" \
	"$(ip netns list | grep -c "^br-$id-")" 0
t_eq "kill: no mount of the lab left" \
	"$(grep -c "$RUN_DIR/$id" /proc/mounts)" 0
t_eq "kill: no state of the lab left" "$([ -e "$RUN_DIR/$id" ] && echo yes)" ""
# alive: not gone and not a zombie waiting for init to reap it
alive=""
for p in $pids; do
	st=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && alive="$alive $p"
done
t_eq "kill: no process of the lab left" "$alive" ""
t_check "kill: lab down again is fine" "$BR" lab down "$id"
KILLED=""

t_done
