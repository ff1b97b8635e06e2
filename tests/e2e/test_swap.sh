#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: "a swap must be atomic per packet, lose no counter, and leave
# the old policy in force on any failure". A client and a server joined
# through a censor router running blastradius in native XDP mode:
#
#  1. swap under load: a steady UDP stream that two policies judge
#     oppositely, while 500 swaps run back to back; every datagram counted
#     once, under one generation, with that generation's verdict;
#  2. failed swaps (parse error, too large for the maps, missing file, map
#     errors before and after the compile) change nothing;
#  3. two swaps started at once are serialised;
#  4. a new process reads the same counters; load when loaded changes
#     nothing;
#  5. swaps killed with SIGKILL at random moments (and, when strace is
#     installed, at each step of the commit) leave the old or the new policy
#     in force, complete, with every counter;
#  6. a later swap and unload work.
#
# Runs in about 100 s on 2 cores. Traffic stays inside the lab namespaces,
# on 198.18.0.0/15 and 2001:db8::/32.
#
# usage: tests/e2e/test_swap.sh BUILD_DIR   (as root)
# SWAP_SWAPS, SWAP_KILLS and SWAP_SEED override the 500 swaps, the 50 kills
# and the random seed (printed, to replay a failure).
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh
. scripts/lab.sh

SWAPS=${SWAP_SWAPS:-500}
KILLS=${SWAP_KILLS:-50}
SEED=${SWAP_SEED:-$((($$ + $(date +%s)) % 32768))}
RANDOM=$SEED
echo "# seed $SEED (SWAP_SEED=$SEED replays the random kill moments)"

POL_A=tests/e2e/policies/swap-a.policy
POL_B=tests/e2e/policies/swap-b.policy
TRAFFIC=tests/e2e/traffic.py
TMP=$(mktemp -d)
RATE=4000		# datagrams/s, both ports together
FRAME=74		# Ethernet frame of a datagram: 14 + 20 + 8 + 32 bytes

# Background processes of the test (besides lab_spawn's), ended on any exit.
BG=""
bg_add() { BG="$BG $1"; }
bg_wait() {
	local rc

	wait "$1"
	rc=$?
	BG=$(echo "$BG" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
	return $rc
}
cleanup() {
	local pid

	for pid in $BG; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
lab_up || { echo "not ok 1 - lab set-up"; exit 1; }

br() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" "$@"; }
status_json() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json status; }
# What identifies the policy in force.
in_force() { status_json | jq -c '{generation, slot, policy, file}'; }
ifstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# Addresses of the large policies' set that the server also owns: the
# set's first IPv4 and last IPv6 element, routed through the router.
BIG_V4=198.19.200.1
BIG_V6=2001:db8:201::1
ip -n "$LAB_SERVER" addr add "$BIG_V4/32" dev lo
ip -n "$LAB_SERVER" addr add "$BIG_V6/128" dev lo nodad
ip -n "$LAB_ROUTER" route add 198.19.200.0/23 via "$LAB_SERVER_V4"
ip -n "$LAB_ROUTER" -6 route add 2001:db8:200::/47 via "$LAB_SERVER_V6"
ip -n "$LAB_CLIENT" route add 198.19.200.0/23 via 198.18.0.1
ip -n "$LAB_CLIENT" -6 route add 2001:db8:200::/47 via 2001:db8:1::1
# Fixed neighbours on the UDP stream's path: no datagram waits in (or is
# dropped from) a neighbour queue while an ARP exchange runs.
ip -n "$LAB_CLIENT" neigh replace 198.18.0.1 lladdr "$(mac "$LAB_ROUTER" sub0)" dev eth0 nud permanent
ip -n "$LAB_ROUTER" neigh replace "$LAB_SERVER_V4" lladdr "$(mac "$LAB_SERVER" eth0)" dev up0 nud permanent

# Real connections to judge the policy in force: the APNs port, the web
# port, and the two addresses of the large set (port 443).
PROBES="$LAB_SERVER_V4:5223 $LAB_SERVER_V4:443 $BIG_V4:443 [$BIG_V6]:443"
lab_spawn "$LAB_SERVER" python3 "$TRAFFIC" listen 5223,443
lab_wait_port "$LAB_SERVER" 5223 && lab_wait_port "$LAB_SERVER" 443 ||
	t_fail "TCP listeners up"

# What each policy does to the probes, in order.
verdicts_of() {
	case $1 in
	swap-a) echo "drop pass pass pass" ;;
	swap-b) echo "pass drop pass pass" ;;
	big-apns) echo "drop pass drop drop" ;;
	big-https) echo "pass drop drop drop" ;;
	none) echo "pass pass pass pass" ;;
	*) echo "unknown policy $1" ;;
	esac
}

# probe POLICY: the verdicts the probes actually get, given what POLICY
# should do (a probe expected to be dropped waits 0.5 s, one expected to
# pass up to 5 s; see traffic.py).
probe() {
	local want=($(verdicts_of "$1")) args=() i=0 p

	for p in $PROBES; do
		args+=("$p:${want[$i]:-pass}")
		i=$((i + 1))
	done
	lab_cli python3 "$TRAFFIC" probe 0.5 5 "${args[@]}"
}

# Frames the dataplane must have counted, read while none moves: the
# client's eth0 sends only to sub0 and the server's eth0 only to up0 (veth
# pairs; with XDP on the peer, a veth counts a frame as sent once the
# peer's XDP program has run on it), and every frame counts once under its
# role. Prints "client_tx server_tx subscriber upstream pass+drop".
snapshot() {
	local a b t i

	for i in $(seq 1 30); do
		a="$(ifstat "$LAB_CLIENT" eth0 tx_packets) $(ifstat "$LAB_SERVER" eth0 tx_packets)"
		t=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --totals |
		    jq -r '"\(.subscriber.packets) \(.upstream.packets) \(.actions.pass.packets + .actions.drop.packets)"') ||
			return 1
		b="$(ifstat "$LAB_CLIENT" eth0 tx_packets) $(ifstat "$LAB_SERVER" eth0 tx_packets)"
		[ "$a" = "$b" ] && { echo "$a $t"; return 0; }
		sleep 0.1
	done
	return 1
}

# counted_once BASE NOW: empty when, between the two snapshots, the
# dataplane counted exactly the frames the client and the server sent, and
# each once per role and once per verdict; else what differs.
counted_once() {
	local b=($1) n=($2)

	[ ${#b[@]} -eq 5 ] && [ ${#n[@]} -eq 5 ] || { echo "no snapshot: '$1' '$2'"; return; }
	[ $((n[0] - b[0])) -eq $((n[2] - b[2])) ] ||
		echo "client sent $((n[0] - b[0])) frames, subscriber side counted $((n[2] - b[2]))"
	[ $((n[1] - b[1])) -eq $((n[3] - b[3])) ] ||
		echo "server sent $((n[1] - b[1])) frames, upstream side counted $((n[3] - b[3]))"
	[ $((n[2] + n[3])) -eq "${n[4]}" ] ||
		echo "roles count $((n[2] + n[3])) packets, verdicts ${n[4]}"
}

# ---- load ------------------------------------------------------------------
lab_cli ping -c 1 -W 2 -q "$LAB_SERVER_V4" >/dev/null
RECV_OUT=$TMP/received.json
SENT_OUT=$TMP/sent.json
ip netns exec "$LAB_SERVER" python3 "$TRAFFIC" recv 5223,443 "$RECV_OUT" &
RECV_PID=$!
bg_add "$RECV_PID"
for i in $(seq 1 50); do
	[ "$(lab_server ss -Hulnp 'sport = :5223 or sport = :443' | wc -l)" -eq 2 ] && break
	sleep 0.1
done
t_check "load swap-a in native mode" br load sub0:subscriber up0:upstream "$POL_A" --mode native
t_eq "status: generation 1, swap-a" "$(status_json | jq -r '"\(.generation) \(.policy)"')" "1 swap-a"

# ---- 1. swap under load ------------------------------------------------------
#
# The client sends UDP datagrams to the server's ports 5223 and 443 in turn,
# RATE per second, while SWAPS swaps alternate swap-b and swap-a. Each
# policy has one rule per port: A drops 5223 and passes 443, B the reverse.
# Every datagram enters the router on sub0 only, so the dataplane evaluates
# it exactly once, and the rule that counts it names its port, its
# generation and the verdict that generation gives it. Then, per port P:
#
#   (1) sum over generations of P's rule counters == datagrams sent to P
#       (packets, and bytes: 74-byte frames)
#   (2) sum over generations of P's pass-rule counters == received on P
#   (3) sum over generations of P's drop-rule counters == sent - received
#
# How a broken swap breaks them:
#  - A packet evaluated against a half-written slot: it finds no header yet
#    (generation 0: passed uncounted, (1) falls short), or a port bitmap
#    without its rule (counted under the default, not P's rule: (1) falls
#    short), or a rule before its action (counted under P's rule with a
#    verdict not the rule's: (2) and (3) are off by one each way).
#  - A packet judged by one policy but counted under the other generation
#    (the slot index read twice): it is counted under the rule of the
#    opposite verdict for its port: (2) and (3) again.
#  - A packet lost from the counters (counted into a ring position being
#    zeroed, or a generation left out of the sum): (1) falls short.
#  - A packet counted twice (under two generations, or two rules): (1)
#    exceeds.
# The receiver counts the datagrams it got per port (and duplicates by
# sequence number); the server's UDP receive-buffer errors must stay 0, or
# the test would blame the dataplane for the receiver's losses: that is
# checked on its own and fails loudly. The subscriber-role counter, summed
# over the same window, must equal the frames the client's eth0 sent, and
# the totals (stats --totals) must equal the sum over every generation.
#
# Reading each generation's counters: only the last 16 generations are
# kept (older ones are folded into the totals), so the loop reads them as
# it goes. Not right after a generation is replaced, though: a CPU that read
# the slot index just before the commit may still count a packet under the
# replaced generation after the swap returned. Generation k-2 is read after
# swap k returns: swap k reused k-2's slot only after an RCU grace period,
# so no packet is still being evaluated under k-2, and k-2 stays in the
# ring until k+14. The last two are read after the stream stopped.

# Packets the kernel dropped from its per-CPU backlog queues (all
# namespaces): a diagnostic, printed, for a failure the checks below pin on
# neither the dataplane nor the receiver.
softnet_drops() {
	local s=0 _ dropped rest

	while read -r _ dropped rest; do
		s=$((s + 16#$dropped))
	done </proc/net/softnet_stat
	echo "$s"
}
udp_errors() {
	lab_server awk '/^Udp: [0-9]/ { split(h, n); for (i = 1; i <= NF; i++)
		if (n[i] == "RcvbufErrors" || n[i] == "InErrors") s += $i }
		/^Udp: [A-Z]/ { h = $0 } END { print s + 0 }' /proc/net/snmp
}
GENS=$TMP/generations.jsonl
: >"$GENS"
snap0=$(snapshot)
udp_err0=$(udp_errors)
drops0="$(ifstat "$LAB_CLIENT" eth0 tx_dropped) $(ifstat "$LAB_ROUTER" up0 tx_dropped)"
backlog0=$(softnet_drops)
ip netns exec "$LAB_CLIENT" python3 "$TRAFFIC" send "$LAB_SERVER_V4" 5223,443 "$RATE" "$SENT_OUT" &
GEN_PID=$!
bg_add "$GEN_PID"
sleep 0.3
swap_errors=""
prev=1
t0=$(date +%s%N)
for i in $(seq 1 "$SWAPS"); do
	if [ $((i % 2)) -eq 1 ]; then pol=$POL_B; else pol=$POL_A; fi
	if ! out=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json swap "$pol" 2>&1); then
		swap_errors="$swap_errors; swap $i failed: $out"
		continue
	fi
	k=${out#*\"generation\":}
	k=${k%%,*}
	[ "$k" -eq $((prev + 1)) ] || swap_errors="$swap_errors; swap $i made generation $k after $prev"
	prev=$k
	if [ "$k" -gt 2 ] && ! "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json \
		stats --generation $((k - 2)) >>"$GENS" 2>"$TMP/err"; then
		swap_errors="$swap_errors; stats of generation $((k - 2)): $(cat "$TMP/err")"
	fi
done
t1=$(date +%s%N)
kill -TERM "$GEN_PID"
bg_wait "$GEN_PID"
sleep 0.5
kill -TERM "$RECV_PID"
bg_wait "$RECV_PID"
echo "# $SWAPS swaps in $(((t1 - t0) / 1000000)) ms under a $RATE datagram/s stream"
LAST=$prev
t_eq "$SWAPS swaps under load all succeed, generations 2..$((SWAPS + 1)) in order" \
	"${swap_errors:-none} last $LAST" "none last $((SWAPS + 1))"

# The last two generations and the totals, read together while nothing
# moves (a stray frame between the reads would count in one, not the other).
for i in $(seq 1 10); do
	snap1=$(snapshot)
	last2=$( { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --generation $((LAST - 1)) &&
		   "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --generation "$LAST"; } 2>&1)
	totals=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --totals)
	[ "$(snapshot)" = "$snap1" ] && break
done
printf '%s\n' "$last2" >>"$GENS"

t_eq "the generator sent without errors" "$(jq -r .errors "$SENT_OUT" 2>&1)" 0
t_eq "the receiver lost nothing (server UDP receive errors)" "$(($(udp_errors) - udp_err0))" 0
t_eq "no frame dropped on the wire (client eth0 and router up0 tx_dropped)" \
	"$(ifstat "$LAB_CLIENT" eth0 tx_dropped) $(ifstat "$LAB_ROUTER" up0 tx_dropped)" "$drops0"
echo "# kernel backlog drops during the run: $(($(softnet_drops) - backlog0))"
t_eq "the receiver saw no duplicate datagram" "$(jq -r .duplicates "$RECV_OUT" 2>&1)" 0
t_eq "every generation 1..$LAST read exactly once" \
	"$(jq -s -c '[.[].generation] | sort' "$GENS")" "$(seq 1 "$LAST" | jq -s -c .)"

# Per port: counted, bytes, passed, dropped, over every generation; and how
# many generations counted the stream at all.
RULE_RE='udp saddr 198[.]18[.]0[.]2 daddr 198[.]19[.]0[.]2 dport (?<port>[0-9]+) (pass|drop)$'
port_sums() {
	jq -s -r --arg port "$1" --arg re "$RULE_RE" '
		[.[].rules[] | select((.text | capture($re)? | .port) == $port)] as $r |
		"\([$r[].packets] | add) \([$r[].bytes] | add) \([$r[] | select(.action == "pass") | .packets] | add) \([$r[] | select(.action == "drop") | .packets] | add)"' "$GENS"
}
for port in 5223 443; do
	sent=$(jq -r ".sent[\"$port\"]" "$SENT_OUT" 2>/dev/null)
	got=$(jq -r ".received[\"$port\"]" "$RECV_OUT" 2>/dev/null)
	read -r counted bytes passed dropped <<<"$(port_sums "$port")"
	echo "# port $port: sent $sent, received $got; counted $counted ($bytes B), passed $passed, dropped $dropped"
	t_match "port $port: a real stream, both passed and dropped" \
		"$sent $passed $dropped" '^[0-9]{4,} [1-9][0-9]* [1-9][0-9]*$'
	t_eq "port $port: every datagram counted exactly once (sum of its rules over generations == sent)" \
		"$counted" "$sent"
	t_eq "port $port: counted bytes == sent frames x $FRAME" "$bytes" "$((sent * FRAME))"
	t_eq "port $port: pass-rule counts == received" "$passed" "$got"
	t_eq "port $port: drop-rule counts == sent - received" "$dropped" "$((sent - got))"
done
busy=$(jq -s --arg re "$RULE_RE" '[.[] | select([.rules[] | select(.text | test($re)) | .packets] | add > 0)] | length' "$GENS")
echo "# $busy of $LAST generations counted datagrams of the stream"
t_eq "the stream ran through the swaps (>= 90% of generations counted some of it)" \
	"$((busy * 10 >= LAST * 9))" 1
t_eq "every generation counted each packet once per role and once per verdict" \
	"$(jq -s '[.[] | select(.subscriber.packets + .upstream.packets != .actions.pass.packets + .actions.drop.packets) | .generation]' "$GENS" | jq -c .)" "[]"
t_eq "subscriber-role counters over the run == frames the client sent" \
	"$(counted_once "$snap0" "$snap1")" ""
SUM='{pass: .actions.pass, drop: .actions.drop, no_rule: (.default // .no_rule),
	nonip, malformed, unparsed, frag_followed, frag_orphan, subscriber, upstream}'
t_eq "stats --totals == the sum over all $LAST generations (most folded out of the ring)" \
	"$(echo "$totals" | jq -c "$SUM")" \
	"$(jq -s -c "map($SUM) | reduce .[] as \$g ({}; reduce (\$g | keys[]) as \$k (.;
		.[\$k].packets += \$g[\$k].packets | .[\$k].bytes += \$g[\$k].bytes))
		| {pass, drop, no_rule, nonip, malformed, unparsed, frag_followed, frag_orphan,
		   subscriber, upstream}" "$GENS")"

# ---- 2. failed swaps change nothing ----------------------------------------
before=$(in_force)
pname=$(echo "$before" | jq -r .policy)
gen=$(echo "$before" | jq -r .generation)
t_eq "probes see $pname in force" "$(probe "$pname")" "$(verdicts_of "$pname")"
snap=$(snapshot)

# fails WHAT POLICY REGEX...: the swap fails, says why (a line matching
# each REGEX), and changes nothing.
fails() {
	local what=$1 file=$2 out rc re missing=""

	shift 2
	out=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$file" 2>&1)
	rc=$?
	t_eq "$what: swap exits 1" "$rc" 1
	for re in "$@"; do
		printf '%s\n' "$out" | grep -Eq -- "$re" || missing="$missing [$re]"
	done
	if [ -z "$missing" ]; then
		t_ok "$what: says why"
	else
		t_fail "$what: says why" "output: $out" "no line matches:$missing"
	fi
	t_eq "$what: the same generation and policy in force" "$(in_force)" "$before"
	t_eq "$what: its verdicts unchanged (real connections)" "$(probe "$pname")" "$(verdicts_of "$pname")"
	t_fails "$what: no generation $((gen + 1)) recorded" \
		"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --generation $((gen + 1))
}
NOCHANGE="nothing changed: generation $gen \\($pname\\) stays in force"

cat >"$TMP/broken.policy" <<'P'
policy broken
default pass
rule tcp dport 5223 dorp
P
fails "parse error" "$TMP/broken.policy" "^$TMP/broken.policy:3:[0-9]+: "
fails "missing file" "$TMP/missing.policy" "$TMP/missing.policy: .*No such file"

# Map errors, by swapping a pinned map for one that refuses a step (bpffs
# names cannot hold dots). "grace": an array-of-maps whose inner maps are
# hashes refuses the array the RCU grace period stores, before the compile.
# It must come before any failure after the compile: such a failure leaves
# the inactive slot marked empty, and the next swap skips the grace period
# (no CPU can be on a slot that was never committed).
P=$LAB_PIN_DIR
mv "$P/grace" "$P/grace_saved"
bpftool map create "$P/grace_inner" type hash key 4 value 4 entries 1 name br_grace_in &&
	bpftool map create "$P/grace" type array_of_maps key 4 value 4 entries 1 \
		name br_grace inner_map pinned "$P/grace_inner"
fails "map error before the compile (grace period)" "$POL_B" \
	"cannot swap in .*: Invalid argument" "$NOCHANGE"
rm -f "$P/grace" "$P/grace_inner"
mv "$P/grace_saved" "$P/grace"

# Too large for the maps: it parses, and fails while compiling into the slot.
crowded_msg=$(crowded_policy "$TMP")
fails "too large for its maps" "$TMP/crowded.policy" "$crowded_msg" "$NOCHANGE"

# "retired": a frozen map refuses the write that folds the counters of the
# generation leaving the ring into the totals: the swap fails after the
# policy was compiled into the inactive slot, at the last step before the
# commit.
mv "$P/retired" "$P/retired_saved"
bpftool map create "$P/retired" type array key 4 \
	value "$(bpftool -j map show pinned "$P/retired_saved" | jq .bytes_value)" \
	entries 1 name br_retired && bpftool map freeze pinned "$P/retired"
fails "map error after the compile (counters of the generation leaving)" "$POL_B" \
	"cannot swap in .*: Operation not permitted" "$NOCHANGE"
rm -f "$P/retired"
mv "$P/retired_saved" "$P/retired"
t_eq "failed swaps lost no counter" "$(counted_once "$snap" "$(snapshot)")" ""

# ---- 3. two swaps started at once ------------------------------------------
# First with the large policies, whose parsing (before the lock) takes long
# enough for the two to overlap; then with the test holding the lock. The
# large policies are generated once, used again by the kills below: a
# registry-scale set of a million IPv6 and 38,400 IPv4 hosts, with the
# probes' two addresses first and last, and the APNs port (big-apns) or the
# web port (big-https) cut on top. A swap of it takes a few hundred ms.
# Their set holds addresses the simulated devices have, so a swap would
# simulate its impact after the commit: --no-impact keeps the swaps (and
# the kills below) to the swap itself.
awk -v v4="$BIG_V4" -v v6="$BIG_V6" 'BEGIN {
	print "set big addr {"; print v4
	for (i = 0; i < 1000000; i++)
		printf "2001:db8:%x:%x::%x\n", 256 + int(i / 65536), i % 65536, 1 + i % 7
	for (i = 0; i < 38400; i++)
		printf "198.18.%d.%d\n", 16 + int(i / 160), 1 + i % 160
	print v6; print "}" }' >"$TMP/big.set"
for p in apns:5223 https:443; do
	printf 'policy big-%s\ninclude "big.set"\nrule "big" daddr @big drop\nrule "%s" tcp daddr %s dport %s drop\n' \
		"${p%:*}" "$p" "$LAB_SERVER_V4" "${p#*:}" >"$TMP/big-${p%:*}.policy"
done
t_check "the large policies are valid" "$BLASTRADIUS" check "$TMP/big-apns.policy" "$TMP/big-https.policy"

# together FILE1 FILE2: start both swaps at once; both must succeed, one
# after the other.
together() {
	local g0 s0 pid1 pid2 rc1 rc2 gens second

	g0=$(status_json | jq .generation)
	s0=$(status_json | jq .slot)
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json swap --no-impact "$1" >"$TMP/one" 2>&1 &
	pid1=$!
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json swap --no-impact "$2" >"$TMP/two" 2>&1 &
	pid2=$!
	bg_add "$pid1"
	bg_add "$pid2"
	if [ -n "${HOLD_FD:-}" ]; then
		sleep 0.5
		t_eq "$3: both wait for the lock, nothing committed" \
			"$(kill -0 "$pid1" 2>&1 && kill -0 "$pid2" 2>&1 && status_json | jq .generation)" "$g0"
		flock -u "$HOLD_FD"
	fi
	bg_wait "$pid1"; rc1=$?
	bg_wait "$pid2"; rc2=$?
	t_eq "$3: both succeed" "$rc1 $rc2" "0 0"
	echo "# $3: lock waited $(cat "$TMP/one" "$TMP/two" | jq -s -r 'map(.ns.lock / 1e6 | floor | tostring) | join(" ms, ")') ms"
	gens=$(cat "$TMP/one" "$TMP/two" | jq -s -c 'sort_by(.generation) | map([.generation, .previous_generation])')
	t_eq "$3: generations +1 and +2, the second replacing the first" \
		"$gens" "[[$((g0 + 1)),$g0],[$((g0 + 2)),$((g0 + 1))]]"
	second=$(cat "$TMP/one" "$TMP/two" | jq -s -r 'max_by(.generation) | .policy')
	t_eq "$3: status shows generation $((g0 + 2)), the later swap's policy, the same slot" \
		"$(status_json | jq -c '[.generation, .policy, .slot, (.interfaces | length)]')" \
		"[$((g0 + 2)),\"$second\",$s0,2]"
	t_eq "$3: its verdicts in force (real connections)" "$(probe "$second")" "$(verdicts_of "$second")"
}
together "$TMP/big-apns.policy" "$TMP/big-https.policy" "two swaps started at once"
# The same, made certain to contend: the test holds the lock while both
# start.
exec {HOLD_FD}<"$LAB_PIN_DIR"
flock -x "$HOLD_FD"
together "$POL_A" "$POL_B" "two swaps held at the lock"
exec {HOLD_FD}<&-
unset HOLD_FD

# ---- 4. a new process reads the same counters; load when loaded --------------
# blastradius keeps no daemon: every command is a new process reading the
# pinned maps. Read everything twice, around a refused load, with no
# traffic in between; any difference is read again, up to five times: a
# stray packet (the client's and server's counters catch most, not one
# landing while a read is under way, seen once in 2,200 checks) moves a
# counter once, a process that reads other state than the last differs
# every time.
read_all() {
	local g

	g=$(status_json | jq .generation)
	ifstat "$LAB_CLIENT" eth0 tx_packets
	ifstat "$LAB_SERVER" eth0 tx_packets
	status_json
	for n in "$g" $((g - 1)) $((g - 2)); do
		"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --generation "$n"
	done
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --json stats --totals
	lab_router ip -d link show | grep -o 'prog/xdp id [0-9]*'
}
pname=$(status_json | jq -r .policy)
gen=$(status_json | jq -r .generation)
for i in $(seq 1 5); do
	r1=$(read_all)
	out=$(br load sub0:subscriber up0:upstream "$POL_A" 2>&1)
	rc=$?
	r2=$(read_all)
	[ "$r1" = "$r2" ] && break
done
t_eq "load when loaded exits 1" "$rc" 1
t_match "load when loaded says already loaded, with what" "$out" \
	"already loaded at $LAB_PIN_DIR: policy $pname \\(.*\\), generation $gen"
t_eq "a new process reads the same status, counters, totals and XDP programs" "$r2" "$r1"
t_match "the counters read are real" "$(sed -n 4p <<<"$r1" | jq -c '[.generation, .policy]')" "^\\[$gen,\"$pname\"\\]$"

# ---- 5. SIGKILL at random moments during swaps -------------------------------
# How long a swap of the large policy takes, uninterrupted.
durations=""
timed=ok
for pol in big-apns big-https big-apns; do
	t0=$(date +%s%N)
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap --no-impact "$TMP/$pol.policy" >/dev/null || timed="swap to $pol failed"
	t1=$(date +%s%N)
	durations="$durations $(((t1 - t0) / 1000000))"
done
t_eq "swaps of the large policy work (timed)" "$timed" ok
D=$(printf '%s\n' $durations | sort -n | sed -n 2p)
echo "# swaps of the large policy took$durations ms; killing within ${D} ms"

base=$(snapshot)
last_total=$(echo "$base" | cut -d' ' -f5)
bad_status="" bad_policy="" bad_verdicts="" bad_counters="" killed=0 outcomes=""
for i in $(seq 1 "$KILLS"); do
	st=$(in_force)
	g0=$(echo "$st" | jq .generation)
	p0=$(echo "$st" | jq -r .policy)
	if [ "$p0" = big-apns ]; then new=big-https; else new=big-apns; fi
	delay=$((RANDOM % (D + 1)))
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap --no-impact "$TMP/$new.policy" >/dev/null 2>&1 &
	pid=$!
	bg_add "$pid"
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	{ kill -9 "$pid"; bg_wait "$pid"; } 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
	if ! st=$(status_json 2>&1); then
		bad_status="$bad_status; kill $i at ${delay} ms: $st"
		continue
	fi
	g1=$(echo "$st" | jq .generation)
	p1=$(echo "$st" | jq -r .policy)
	if [ "$g1" -eq "$g0" ] && [ "$p1" = "$p0" ]; then
		outcomes="${outcomes}o"
	elif [ "$g1" -gt "$g0" ] && [ "$p1" = "$new" ]; then
		outcomes="${outcomes}n"
	else
		bad_policy="$bad_policy; kill $i at ${delay} ms: generation $g0 ($p0) -> $g1 ($p1), swapping to $new"
	fi
	got=$(probe "$p1")
	[ "$got" = "$(verdicts_of "$p1")" ] ||
		bad_verdicts="$bad_verdicts; kill $i at ${delay} ms: $p1 in force, probes $got"
	snap=$(snapshot)
	diff=$(counted_once "$base" "$snap")
	total=$(echo "$snap" | cut -d' ' -f5)
	[ -z "$diff" ] && [ "${total:-0}" -ge "$last_total" ] ||
		bad_counters="$bad_counters; kill $i at ${delay} ms: $diff (totals $last_total -> $total)"
	last_total=${total:-0}
done
echo "# $killed of $KILLS swaps killed before they finished; after each kill (o: old, n: new in force): $outcomes"
t_eq "SIGKILL x$KILLS: status works after every kill" "${bad_status:-ok}" ok
t_eq "SIGKILL x$KILLS: the old or the new policy in force, nothing else" "${bad_policy:-ok}" ok
t_eq "SIGKILL x$KILLS: real connections get the verdicts of the policy in force, complete (its set's first and last element)" \
	"${bad_verdicts:-ok}" ok
t_eq "SIGKILL x$KILLS: totals never decrease, every frame counted once" "${bad_counters:-ok}" ok
t_eq "SIGKILL x$KILLS: most kills landed during a swap" "$((killed * 2 >= KILLS))" 1
t_match "SIGKILL x$KILLS: counters moved (the probes' traffic)" \
	"$(($(echo "$snap" | cut -d' ' -f1) - $(echo "$base" | cut -d' ' -f1)))" '^[1-9]'

# ---- 5b. SIGKILL at each step of the commit ------------------------------------
# Random kills rarely land between two particular syscalls. strace can kill
# the swap on entering its Nth bpf() call: before the grace period, the
# counter fold, the zeroing of the leaving generation, the write of the next
# generation number (an install killed there used to leave that
# generation's counters out of the totals for good), and the commit itself.
if ! command -v strace >/dev/null; then
	t_ok "# SKIP kills at each step of the commit: strace not installed"
else
	# Steady state: the inactive slot held a policy, the ring is full.
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$POL_B" >/dev/null
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$POL_A" >/dev/null
	strace -o "$TMP/trace" -e trace=bpf "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$POL_B" >/dev/null
	"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$POL_A" >/dev/null
	# The ordinals of the map updates among all bpf() calls.
	ups=($(grep '^bpf(' "$TMP/trace" | awk '/BPF_MAP_UPDATE_ELEM/ { print NR }'))
	# The Nth bpf() call of a trace: command and map (to check that a kill
	# landed on the call it was meant for).
	call() { grep '^bpf(' "$1" | sed -n "$2p" | grep -Eo '^bpf\(BPF_[A-Z_]+, \{(map_fd|map_type)=[A-Z_0-9]+'; }
	n=${#ups[@]}
	points="${ups[0]}:grace ${ups[1]}:fold $((ups[1] - 1)):fold-read ${ups[2]}:zero-first ${ups[n - 3]}:zero-last ${ups[n - 2]}:next-generation ${ups[n - 1]}:commit"
	bad=""
	base=$(snapshot)
	for pt in $points; do
		k=${pt%%:*}
		st=$(in_force)
		p0=$(echo "$st" | jq -r .policy)
		if [ "$p0" = swap-a ]; then new=$POL_B; else new=$POL_A; fi
		{ strace -o "$TMP/killed" -e trace=bpf -e inject=bpf:signal=KILL:when="$k" \
			"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$new" >/dev/null; } 2>/dev/null
		grep -q 'killed by SIGKILL' "$TMP/killed" || bad="$bad; ${pt#*:}: not killed"
		[ "$(call "$TMP/killed" "$k")" = "$(call "$TMP/trace" "$k")" ] ||
			bad="$bad; ${pt#*:}: killed at $(call "$TMP/killed" "$k"), not $(call "$TMP/trace" "$k")"
		[ "$(in_force)" = "$st" ] || bad="$bad; ${pt#*:}: $(in_force) after the kill"
		[ "$(probe "$p0")" = "$(verdicts_of "$p0")" ] || bad="$bad; ${pt#*:}: verdicts"
		# The next swap, then traffic under it: counted, and in the totals.
		"$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$new" >/dev/null 2>&1 ||
			bad="$bad; ${pt#*:}: the next swap failed"
		# Killed at the commit itself, its generation number was saved
		# and its record written: the next swap took the number after
		# it, and stats must say that one never was in force.
		if [ "${pt#*:}" = commit ]; then
			lost=$(($(status_json | jq .generation) - 1))
			msg=$("$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" stats --generation "$lost" 2>&1) &&
				bad="$bad; commit: stats of the lost generation $lost succeeded"
			echo "$msg" | grep -q "generation $lost was never in force" ||
				bad="$bad; commit: stats of generation $lost said: $msg"
		fi
		lab_cli ping -c 3 -i 0.01 -W 1 -q "$LAB_SERVER_V4" >/dev/null
		diff=$(counted_once "$base" "$(snapshot)")
		[ -z "$diff" ] || bad="$bad; ${pt#*:}: $diff"
	done
	t_eq "SIGKILL at each step ($(echo $points | sed 's/[0-9]*://g')): old policy in force, next swap works, every counter kept, a lost generation said so" \
		"${bad:-ok}" ok
fi

# ---- 6. a later swap, and unload -----------------------------------------------
t_check "after all that, a swap works" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" swap "$POL_A"
t_eq "swap-a in force" "$(status_json | jq -r .policy)" swap-a
t_eq "swap-a's verdicts (real connections)" "$(probe swap-a)" "$(verdicts_of swap-a)"
t_check "unload" "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" unload
t_eq "no XDP left on the router" "$(lab_router ip -d link show | grep -c 'prog/xdp')" 0
t_eq "nothing pinned" "$(ls -A "$LAB_PIN_DIR" 2>/dev/null | wc -l)" 0
t_eq "after unload every probe passes" "$(probe none)" "$(verdicts_of none)"

t_done
