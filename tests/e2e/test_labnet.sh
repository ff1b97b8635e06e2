#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: the live lab's wiring, scripts/labctl.sh (issue 14). Two
# labs side by side, each with Wi-Fi and cellular devices:
#
#  1. every device reaches the servers' world and resolver from its own
#     address, IPv4 and IPv6, and the server sees that address;
#  2. the router runs blastradius natively on subw, subc and up0, the
#     peers run XDP_PASS, netem holds the configured delays (config only,
#     never a timing);
#  3. a policy swapped in resets a port: the device gets the forged RST
#     at once (refused or reset, not a timeout), the other lab is
#     untouched;
#  4. an id already up is refused and left working; down of one lab
#     leaves the other working; down after spawns and a SIGKILL of a
#     spawned group's leader leaves no process, namespace, mount or
#     state; down twice succeeds; up with a bad device file fails, early
#     or half-way, and leaves nothing; so does down after a SIGKILL of up.
#
# Runs in about 25 s. Traffic stays inside the labs' namespaces, on
# 198.18.0.0/15 and 2001:db8::/32.
#
# usage: tests/e2e/test_labnet.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=$(realpath "${1:-build}")
BLASTRADIUS=$BUILD/blastradius
LABCTL=scripts/labctl.sh
RUN_DIR=/run/blastradius-lab
. tests/e2e/lib.sh

# Random ids, one letter apart: never those of another run, nor of
# scripts/lab.sh (six hex digits).
R=$(printf '%06x' $(((RANDOM << 15 | RANDOM) & 0xffffff)))
A=a$R B=b$R C=c$R
TMP=$(mktemp -d)
cleanup() {
	local id

	for id in "$A" "$B" "$C"; do
		"$LABCTL" down "$id" >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$TMP/devices" <<'EOF'
# ACCESS V4 V6
wifi 198.18.0.1 2001:db8:1::10
wifi 198.18.0.2 2001:db8:1:1::10	# a comment
cell 198.18.0.3 2001:db8:1:2::10

cell 198.18.0.4 2001:db8:1:3::10
EOF
printf 'cell 198.18.0.5 2001:db8:1:4::10\r\n' >>"$TMP/devices"

# gone ID: nothing of lab ID is left (else says what is).
gone() {
	local left=""

	left+=$(ip netns list | grep -o "^br-$1-[a-z]*")
	left+=$(grep -Eo " $RUN_DIR/$1(/[^ ]*)? " /proc/self/mountinfo)
	[ -e "$RUN_DIR/$1" ] && left+=" $RUN_DIR/$1"
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

# lab_up ID RTT_WIFI RTT_CELL: up with those delays. A kernel without
# netem refuses them; then the refusal must leave nothing, and the lab
# comes up without delay (NETEM=no).
NETEM=yes
lab_up() {
	local out

	if [ "$NETEM" = yes ]; then
		out=$("$LABCTL" up "$1" "$TMP/devices" --rtt-wifi "$2" --rtt-cell "$3" \
			--bin "$BUILD" 2>&1 >/dev/null) && return 0
		case $out in
		*"no netem qdisc"*) NETEM=no
			t_check "up $1 on a kernel without netem fails and leaves nothing" gone "$1" ;;
		*) echo "# $out"; return 1 ;;
		esac
	fi
	"$LABCTL" up "$1" "$TMP/devices" --rtt-wifi 0 --rtt-cell 0 --bin "$BUILD" >/dev/null
}

lab_up "$A" 30 70 || { t_fail "up lab $A"; t_done; exit 1; }
t_ok "up lab $A"
lab_up "$B" 20 50 || { t_fail "up lab $B"; t_done; exit 1; }
t_ok "up lab $B"
t_match "list names both labs" "$("$LABCTL" list | paste -sd ' ' -)" "(^| )$A .*$B( |$)"

# One server per family and port in each lab, bound to the wildcard: it
# answers with the address the connection came from.
# shellcheck disable=SC2016 # $SOCAT_PEERADDR is socat's, for its shell
for id in "$A" "$B"; do
	for port in 8443 8444; do
		"$LABCTL" spawn "$id" srv "tcp4-$port" socat "TCP4-LISTEN:$port,fork,reuseaddr" \
			'SYSTEM:echo $SOCAT_PEERADDR' >/dev/null
		"$LABCTL" spawn "$id" srv "tcp6-$port" socat "TCP6-LISTEN:$port,ipv6only=1,fork,reuseaddr" \
			'SYSTEM:echo $SOCAT_PEERADDR' >/dev/null
	done
done
listening() {
	local n

	for _ in $(seq 1 50); do
		n=$(ip netns exec "br-$1-srv" ss -Htln | grep -c -E ':844[34] ')
		[ "$n" -eq 4 ] && return 0
		sleep 0.1
	done
	return 1
}
t_check "servers of $A listen" listening "$A"
t_check "servers of $B listen" listening "$B"

# talk ID ACCESS SRC DST PORT: one TCP exchange from device address SRC;
# prints what the server saw as the source (socat writes an IPv6 peer in
# full, in brackets), or socat's error.
talk() {
	local dst=$4 src=$3 fam=4

	case $src in *:*) fam=6 dst="[$4]" src="[$3]" ;; esac
	ip netns exec "br-$1-$2" socat -T5 -u \
		"TCP$fam:$dst:$5,bind=$src,connect-timeout=5" STDOUT 2>&1
}
seen_as() {
	case $1 in
	*:*) python3 -c 'import ipaddress, sys; print("[%s]" % ipaddress.ip_address(sys.argv[1]).exploded)' "$1" ;;
	*) echo "$1" ;;
	esac
}
# reaches ID ACCESS SRC DST [PORT]
reaches() {
	t_eq "lab $1: $2 device $3 reaches $4 port ${5:-8443} from its own address" \
		"$(talk "$1" "$2" "$3" "$4" "${5:-8443}")" "$(seen_as "$3")"
}

for id in "$A" "$B"; do
	reaches "$id" wifi 198.18.0.1 198.19.3.7
	reaches "$id" cell 198.18.0.4 198.19.100.200
	reaches "$id" wifi 2001:db8:1:1::10 2001:db8:8000::5
	reaches "$id" cell 2001:db8:1:2::10 2001:db8:ffff:1::77
	reaches "$id" cell 198.18.0.3 198.19.255.53
	reaches "$id" wifi 2001:db8:1::10 2001:db8:53::53
done
# binds ID ADDR: a server socket can bind one world address of its own.
binds() {
	ip netns exec "br-$1-srv" python3 -c 'import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a, 9))' "$2"
}
t_check "lab $A: a server binds world address 198.19.3.7" binds "$A" 198.19.3.7
t_check "lab $A: a server binds world address 2001:db8:8000::5" binds "$A" 2001:db8:8000::5
reaches "$A" cell 198.18.0.5 198.19.3.7	# its line ends in CRLF
t_match "a device's address is not the other access's" \
	"$(talk "$A" cell 198.18.0.1 198.19.3.7 8443)" "Cannot assign requested address"

# The censor and its peers.
for id in "$A" "$B"; do
	t_eq "lab $id: blastradius native on subw, subc (subscriber), up0 (upstream)" \
		"$("$BLASTRADIUS" --pin-dir "$RUN_DIR/$id/bpf/state" --json status |
			jq -r '[.interfaces[] | "\(.name):\(.role):\(.mode):\(.state)"] | sort | join(" ")')" \
		"subc:subscriber:native:attached subw:subscriber:native:attached up0:upstream:native:attached"
	for r in wifi cell srv; do
		t_eq "lab $id: native XDP_PASS on $r eth0" \
			"$(ip -j -n "br-$id-$r" link show eth0 | jq -r '.[0].xdp | "\(.mode) \(.prog.name)"')" \
			"1 br_xdp_pass"
	done
done

# qdisc NS DEV: its root qdisc, as tc prints it.
qdisc() { tc -n "$1" qdisc show dev "$2" root; }
# delays ID WIFI_HALF CELL_HALF: each link end delays its way out by half
# the round trip (tc prints "delay 15ms", older versions "delay 15.0ms").
delays() {
	local id=$1 end ns dev half

	for end in "wifi eth0 $2" "rtr subw $2" "cell eth0 $3" "rtr subc $3"; do
		read -r ns dev half <<<"$end"
		if [ "$NETEM" = yes ]; then
			t_match "lab $id: netem on $ns $dev: delay ${half}ms, limit 100000" \
				"$(qdisc "br-$id-$ns" "$dev")" "netem .*limit 100000 delay ${half}(\.0)?ms"
		else
			t_fails "lab $id: no netem on $ns $dev with RTT 0 (kernel without netem)" \
				grep -q netem <<<"$(qdisc "br-$id-$ns" "$dev")"
		fi
	done
	t_fails "lab $id: no netem between router and servers" \
		grep -q netem <<<"$(qdisc "br-$id-rtr" up0)$(qdisc "br-$id-srv" eth0)"
}
delays "$A" 15 35
delays "$B" 10 25
if [ "$NETEM" = yes ]; then
	t_eq "lab $B: the state says what the links add" \
		"$(paste -sd ' ' "$RUN_DIR/$B/rtt")" "wifi 20 cell 50"
else
	t_eq "lab $B: the state says the links add nothing" \
		"$(paste -sd ' ' "$RUN_DIR/$B/rtt")" "wifi 0 cell 0"
fi

# An id already up is refused, and the lab stays.
t_fails "up of $A again is refused" "$LABCTL" up "$A" "$TMP/devices" --bin "$BUILD"
reaches "$A" wifi 198.18.0.2 198.19.3.7

# A censor that resets TCP port 8444: its forged RST reaches the device.
cat >"$TMP/reset.policy" <<'EOF'
policy lab-reset-8444
rule "reset 8444" tcp dport 8444 reset
EOF
reaches "$A" wifi 198.18.0.2 198.19.3.7 8444
t_check "swap lab $A to a policy that resets port 8444" \
	"$BLASTRADIUS" --pin-dir "$RUN_DIR/$A/bpf/state" --netns "br-$A-rtr" \
	swap "$TMP/reset.policy" --no-impact
t_match "lab $A: wifi device to port 8444 is reset (IPv4)" \
	"$(talk "$A" wifi 198.18.0.2 198.19.3.7 8444)" "Connection (refused|reset)"
t_match "lab $A: cell device to port 8444 is reset (IPv6)" \
	"$(talk "$A" cell 2001:db8:1:3::10 2001:db8:8000::5 8444)" "Connection (refused|reset)"
t_eq "lab $A: the censor counts both resets as sent" \
	"$("$BLASTRADIUS" --pin-dir "$RUN_DIR/$A/bpf/state" --json stats | jq .reset_sent.packets)" 2
reaches "$A" cell 198.18.0.3 198.19.3.7 8443
reaches "$B" wifi 198.18.0.2 198.19.3.7 8444

# Down of one lab leaves the other working.
t_check "down lab $A" "$LABCTL" down "$A"
t_check "nothing of lab $A is left" gone "$A"
reaches "$B" cell 2001:db8:1:3::10 2001:db8:8000::5
t_match "list names $B, not $A" "$("$LABCTL" list | paste -sd ' ' -)" "(^| )$B( |$)"
t_fails "list does not name $A" grep -qx "$A" <<<"$("$LABCTL" list)"

# Spawned processes, one deaf to SIGTERM, one a group whose leader dies
# by SIGKILL: its orphans stay in the server namespace, and down still
# finds them.
pids=$("$LABCTL" spawn "$B" srv sleep-srv sleep 1000 7>"$TMP/fd7")
t_fails "a spawned process does not keep its caller's descriptors" \
	test -e "/proc/${pids}/fd/7"
pids+=" $("$LABCTL" spawn "$B" wifi sleep-wifi sleep 1000)"
# shellcheck disable=SC2016 # for the spawned shell
pids+=" $("$LABCTL" spawn "$B" rtr deaf sh -c 'trap "" TERM; while :; do sleep 1; done')"
leader=$("$LABCTL" spawn "$B" srv group sh -c 'sleep 1000 & sleep 1000; wait')
for _ in $(seq 1 50); do
	orphans=$(pgrep -g "$leader" -x sleep | paste -sd ' ' -)
	[ "$(wc -w <<<"$orphans")" -eq 2 ] && break
	sleep 0.1
done
t_eq "the spawned group has two sleeps" "$(wc -w <<<"$orphans")" 2
kill -9 "$leader"
# shellcheck disable=SC2086 # one PID a word
t_check "its sleeps outlive its leader" kill -0 $orphans
t_check "down lab $B" "$LABCTL" down "$B"
t_check "nothing of lab $B is left" gone "$B"
# A zombie waiting for init to reap it is no process left.
alive=""
for p in $pids $orphans; do
	state=$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && alive+=" $p"
done
t_eq "no spawned process of lab $B is left" "$alive" ""
t_check "down lab $B again" "$LABCTL" down "$B"

# Bad device files, refused before anything is made or half-way through
# (an address only ip can judge), leave nothing.
printf 'wifi 198.18.0.1 2001:db8:1::10\nwlan 198.18.0.2 2001:db8:1:1::10\n' >"$TMP/bad1"
printf 'wifi 198.18.0.1 2001:db8:1::10\ncell 198.18.0.2 2001:db8:1:zz::10\n' >"$TMP/bad2"
out=$("$LABCTL" up "$C" "$TMP/bad1" --rtt-wifi 0 --rtt-cell 0 --bin "$BUILD" 2>&1)
t_match "up with an unknown access fails in one line naming it" "$out rc=$?" \
	"^labctl: up $C: .*/bad1:2: access \"wlan\" is neither wifi nor cell rc=1$"
t_check "it leaves nothing" gone "$C"
out=$("$LABCTL" up "$C" "$TMP/bad2" --rtt-wifi 0 --rtt-cell 0 --bin "$BUILD" 2>&1)
t_match "up with an address ip refuses fails in one line" "$out rc=$?" \
	"^labctl: up $C: addresses in br-$C-cell: .* rc=1$"
t_check "it leaves nothing either" gone "$C"
# up killed by SIGKILL part-way, with whatever it runs at that moment:
# down still removes all of it (any moment will do, none is asserted).
awk 'BEGIN { for (i = 1; i <= 1000; i++)
	printf "%s 198.18.%d.%d 2001:db8:1:%x::10\n", i % 2 ? "wifi" : "cell",
		int(i / 256), i % 256, i }' >"$TMP/many"
{	# quiet: no shell's "Killed" notice
	setsid "$LABCTL" up "$C" "$TMP/many" --rtt-wifi 0 --rtt-cell 0 --bin "$BUILD" \
		>/dev/null &
	up_pid=$!
	sleep 0.7
	kill -9 -- "-$up_pid"
	wait "$up_pid"
} 2>/dev/null
t_check "down after a SIGKILL of up and its children" "$LABCTL" down "$C"
t_check "it leaves nothing of lab $C" gone "$C"
t_fails "a bad lab id is refused" "$LABCTL" up "x-1" "$TMP/devices" --bin "$BUILD"

t_done
