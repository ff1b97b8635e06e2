#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# labctl.sh - the live lab's wiring (issue 14): builds, lists and removes
# a lab's namespaces, links, delays, XDP programs and state, and starts
# processes inside it. `blastradius lab` calls it; the devices and servers
# are its own parts. Names and the state directory are those of
# user/lab/labproto.h; docs/LAB.md ("Wiring") has the picture.
#
#   labctl.sh up ID DEVFILE [--rtt-wifi MS] [--rtt-cell MS] [--bin BUILD_DIR]
#   labctl.sh spawn ID ROLE LOGNAME CMD [ARG...]
#   labctl.sh down ID
#   labctl.sh list
#   labctl.sh netem         (exit 0: the kernel can delay links)
#
#   br-ID-wifi            br-ID-rtr (the censor)             br-ID-srv
#   eth0 [XDP_PASS] ----- subw [XDP: subscriber]
#                                up0 [XDP: upstream] ------ eth0 [XDP_PASS]
#   br-ID-cell                                              lo: 198.19.0.0/17,
#   eth0 [XDP_PASS] ----- subc [XDP: subscriber]            2001:db8:8000::/33
#                                                           (AnyIP), resolver
#
# Everything runs as root. Traffic stays inside the lab: no namespace has
# a route out, and every address is in 198.18.0.0/15 or 2001:db8::/32.
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# BR_LAB_RUN_DIR and the role names of labproto.h.
RUN_DIR=/run/blastradius-lab
ROLES="wifi cell rtr srv"

# The links' own addresses, outside the devices' (198.18.0.1 + index,
# 2001:db8:1:INDEX::10: addrplan.h) and the address map's world
# (198.19.0.0/17, 2001:db8:8000::/33: addrmap.h). labproto.h mirrors them.
WIFI_V4=198.18.254.2 RTR_WIFI_V4=198.18.254.1	# /30, wifi eth0 <-> rtr subw
CELL_V4=198.18.254.6 RTR_CELL_V4=198.18.254.5	# /30, cell eth0 <-> rtr subc
RTR_UP_V4=198.19.254.1 SRV_V4=198.19.254.2	# /30, rtr up0 <-> srv eth0
WIFI_V6=2001:db8:fe:1::2 RTR_WIFI_V6=2001:db8:fe:1::1	# /64
CELL_V6=2001:db8:fe:2::2 RTR_CELL_V6=2001:db8:fe:2::1	# /64
RTR_UP_V6=2001:db8:fe:3::1 SRV_V6=2001:db8:fe:3::2	# /64
# What the devices reach through the router: the servers' world and the
# model's resolver (addrplan.h), which the server namespace answers on.
WORLD_V4=198.19.0.0/17
WORLD_V6=2001:db8:8000::/33
RESOLVER_V4=198.19.255.53
RESOLVER_V6=2001:db8:53::53
DEV_ROUTE_V4=198.19.0.0/16			# world, resolver
DEV_ROUTES_V6="2001:db8:8000::/33 2001:db8:53::/48"
# Where the devices live, as the servers route back to them.
DEVS_V4=198.18.0.0/16
DEVS_V6=2001:db8:1::/48

# The model's round-trip times (BR_RTT_WIFI/CELL in user/model/stack.h).
RTT_WIFI=30
RTT_CELL=70
# netem's queue, in packets: its default (1000) would drop when hundreds
# of devices send at once, and the model loses nothing.
NETEM_LIMIT=100000

die() {
	echo "labctl: $*" >&2
	exit 1
}

usage() {
	cat >&2 <<EOF
usage: labctl.sh up ID DEVFILE [--rtt-wifi MS] [--rtt-cell MS] [--bin BUILD_DIR]
       labctl.sh spawn ID ROLE LOGNAME CMD [ARG...]
       labctl.sh down ID
       labctl.sh list
EOF
	exit 2
}

valid_id() {
	[[ $1 =~ ^[0-9a-z]{1,8}$ ]] || die "bad lab id \"$1\": 1-8 characters [0-9a-z]"
}

ns() { echo "br-$1-$2"; }
ns_exists() { [ -e "/var/run/netns/$1" ]; }

# stat_field PID N: field N (3 or more) of /proc/PID/stat, after the
# command name in parentheses, which may itself hold spaces and parentheses.
stat_field() {
	local stat rest i=$(($2 - 2))

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) }
	# shellcheck disable=SC2086 # split into the fields from field 3 on
	set -- $rest
	[ $# -ge "$i" ] && echo "${!i}"
}

# start_time PID: when PID started (field 22), for a process not yet
# reaped; nothing for a zombie, which no signal can end anyway.
start_time() {
	[ "$(stat_field "$1" 3)" != Z ] && stat_field "$1" 22
}

# ---- up ----------------------------------------------------------------

UP_ID=""

# up_fail MESSAGE: undo the half-built lab and exit with one line.
up_fail() {
	trap - INT TERM HUP
	(cmd_down "$UP_ID") >/dev/null 2>&1
	die "up $UP_ID: $*"
}

# step WHAT CMD...: run CMD (stdin passed on); on failure, up_fail with
# WHAT and CMD's error output joined on one line.
step() {
	local what=$1 err

	shift
	if ! err=$("$@" 2>&1 >/dev/null); then
		up_fail "$what: $(printf '%s\n' "$err" | grep -v '^$' | paste -sd ';' -)"
	fi
}

# read_devices FILE NAME: check every line (NAME:LINE in messages), and
# fill the per-namespace batches of `ip -batch` commands: the devices'
# addresses and the router's routes to them.
WIFI_BATCH="" CELL_BATCH="" RTR_BATCH="" NDEV=0
read_devices() {
	local line n=0 acc v4 v6 extra o via4 via6 batch
	local -A seen=()

	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		line=${line%$'\r'}	# a CRLF file reads like an LF one
		read -r acc v4 v6 extra <<<"$line"
		[ -z "$acc" ] && continue
		if [ -z "$v6" ] || [ -n "$extra" ]; then
			up_fail "$2:$n: want ACCESS V4 V6, got \"$line\""
		fi
		case $acc in
		wifi) via4=$WIFI_V4 via6=$WIFI_V6 ;;
		cell) via4=$CELL_V4 via6=$CELL_V6 ;;
		*) up_fail "$2:$n: access \"$acc\" is neither wifi nor cell" ;;
		esac
		# Devices live in 198.18.0.0/16 (but not the links' 198.18.254/24)
		# and 2001:db8:1::/48: where the server routes back to them.
		o='(0|[1-9][0-9]{0,2})'
		if ! [[ $v4 =~ ^198\.18\.$o\.$o$ ]] ||
			((BASH_REMATCH[1] >= 254 || BASH_REMATCH[2] > 255)); then
			up_fail "$2:$n: \"$v4\" is not a device address in 198.18.0.0/16 (198.18.254+ are the links')"
		fi
		v6=${v6,,}
		# Its syntax is ip's to check (a late failure: up undoes it all).
		[[ $v6 =~ ^2001:0*db8:0*1: ]] ||
			up_fail "$2:$n: \"$v6\" is not a device address in $DEVS_V6"
		[ -z "${seen[$v4]:-}${seen[$v6]:-}" ] ||
			up_fail "$2:$n: $v4 or $v6 is listed twice"
		seen[$v4]=1 seen[$v6]=1
		batch="addr add $v4/32 dev eth0
addr add $v6/128 dev eth0 nodad
"
		if [ "$acc" = wifi ]; then
			WIFI_BATCH+=$batch
		else
			CELL_BATCH+=$batch
		fi
		# Via the link's address, not on-link: one neighbour entry per
		# link, whatever the number of devices (gc_thresh3 is 1024).
		RTR_BATCH+="route add $v4/32 via $via4
route add $v6/128 via $via6
"
		NDEV=$((NDEV + 1))
	done <"$1"
}

# link NS_A NAME_A NS_B NAME_B: a veth pair made in place, so no half of
# it ever sits in the host (a kill there would leave it behind).
link() {
	step "veth $2 <-> $4" ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	step "$2 up" ip -n "$1" link set "$2" up
	step "$4 up" ip -n "$3" link set "$4" up
}

# netem NS DEV RTT_MS: half the round trip on DEV's way out; none for 0.
netem() {
	local err

	[ "$3" -eq 0 ] && return 0
	err=$(tc -n "$1" qdisc add dev "$2" root netem \
		delay "$(($3 * 500))us" limit "$NETEM_LIMIT" 2>&1) && return 0
	# Some kernels are built without it (CONFIG_NET_SCH_NETEM unset).
	case $err in
	*"qdisc kind is unknown"*)
		up_fail "netem on $1 $2: the kernel has no netem qdisc; --rtt-wifi 0 --rtt-cell 0 make links without delay" ;;
	*) up_fail "netem on $1 $2: $(printf '%s' "$err" | paste -sd ';' -)" ;;
	esac
}

# addresses ID: the links' and devices' addresses, and every route, each
# namespace's in one `ip -batch` (thousands of devices go in in seconds).
addresses() {
	local wifi cell rtr srv r

	wifi=$(ns "$1" wifi) cell=$(ns "$1" cell) rtr=$(ns "$1" rtr) srv=$(ns "$1" srv)
	step "addresses in $wifi" ip -n "$wifi" -batch - <<EOF
addr add $WIFI_V4/30 dev eth0
addr add $WIFI_V6/64 dev eth0 nodad
route add $DEV_ROUTE_V4 via $RTR_WIFI_V4
$(for r in $DEV_ROUTES_V6; do echo "route add $r via $RTR_WIFI_V6"; done)
$WIFI_BATCH
EOF
	step "addresses in $cell" ip -n "$cell" -batch - <<EOF
addr add $CELL_V4/30 dev eth0
addr add $CELL_V6/64 dev eth0 nodad
route add $DEV_ROUTE_V4 via $RTR_CELL_V4
$(for r in $DEV_ROUTES_V6; do echo "route add $r via $RTR_CELL_V6"; done)
$CELL_BATCH
EOF
	step "addresses in $rtr" ip -n "$rtr" -batch - <<EOF
addr add $RTR_WIFI_V4/30 dev subw
addr add $RTR_WIFI_V6/64 dev subw nodad
addr add $RTR_CELL_V4/30 dev subc
addr add $RTR_CELL_V6/64 dev subc nodad
addr add $RTR_UP_V4/30 dev up0
addr add $RTR_UP_V6/64 dev up0 nodad
route add $DEV_ROUTE_V4 via $SRV_V4
$(for r in $DEV_ROUTES_V6; do echo "route add $r via $SRV_V6"; done)
$RTR_BATCH
EOF
	# AnyIP: a "local" route makes every address of the world the
	# server's own, so one socket bound to 0.0.0.0 or :: answers them all.
	step "addresses in $srv" ip -n "$srv" -batch - <<EOF
addr add $SRV_V4/30 dev eth0
addr add $SRV_V6/64 dev eth0 nodad
route add local $WORLD_V4 dev lo
route add local $WORLD_V6 dev lo
addr add $RESOLVER_V4/32 dev lo
addr add $RESOLVER_V6/128 dev lo nodad
route add $DEVS_V4 via $RTR_UP_V4
route add $DEVS_V6 via $RTR_UP_V6
EOF
}

cmd_up() {
	local id dev_file bin="build" wifi cell rtr srv st r

	[ $# -ge 2 ] || usage
	id=$1 dev_file=$2
	shift 2
	valid_id "$id"
	while [ $# -gt 0 ]; do
		[ $# -ge 2 ] || usage
		case $1 in
		--rtt-wifi) RTT_WIFI=$2 ;;
		--rtt-cell) RTT_CELL=$2 ;;
		--bin) bin=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	# No leading zero: shell arithmetic would read it as octal.
	[[ $RTT_WIFI =~ ^(0|[1-9][0-9]{0,4})$ && $RTT_CELL =~ ^(0|[1-9][0-9]{0,4})$ ]] ||
		die "up $id: --rtt-wifi and --rtt-cell take whole milliseconds"
	[ -r "$dev_file" ] || die "up $id: cannot read $dev_file"
	if ! bin=$(realpath -e "$bin" 2>/dev/null) || ! [ -x "$bin/blastradius" ] ||
		! [ -r "$bin/xdp_pass.bpf.o" ]; then
		die "up $id: no blastradius and xdp_pass.bpf.o in --bin directory"
	fi
	st=$RUN_DIR/$id
	wifi=$(ns "$id" wifi) cell=$(ns "$id" cell) rtr=$(ns "$id" rtr) srv=$(ns "$id" srv)
	for r in $ROLES; do
		ns_exists "$(ns "$id" "$r")" && die "up $id: lab $id is already up ($(ns "$id" "$r") exists)"
	done
	mkdir -p "$RUN_DIR" || die "up $id: cannot make $RUN_DIR"
	# The state directory is the lab's claim: mkdir fails when it exists.
	mkdir -m 0700 "$st" 2>/dev/null || die "up $id: lab $id is already up ($st exists)"

	# From here on, any failure or signal takes everything down again.
	UP_ID=$id
	trap 'up_fail "interrupted"' INT TERM HUP
	echo "$bin" >"$st/bin"
	: >"$st/pids"
	step "copy $dev_file" cp "$dev_file" "$st/devices"
	read_devices "$st/devices" "$dev_file"

	for r in $ROLES; do
		step "netns $(ns "$id" "$r")" ip netns add "$(ns "$id" "$r")"
		step "lo up in $(ns "$id" "$r")" ip -n "$(ns "$id" "$r")" link set lo up
	done
	link "$wifi" eth0 "$rtr" subw
	link "$cell" eth0 "$rtr" subc
	link "$rtr" up0 "$srv" eth0

	addresses "$id"

	# Devices bind their own addresses, not the link's: the router must
	# not judge those sources by the reverse path (rp_filter 0: the
	# larger of "all" and the interface's value counts).
	step "forwarding in $rtr" ip netns exec "$rtr" sysctl -qw \
		net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.subw.rp_filter=0 net.ipv4.conf.subc.rp_filter=0 \
		net.ipv4.conf.up0.rp_filter=0

	# IPv4 lets a socket bind an address of a "local" route, IPv6 only
	# with nonlocal binds: a server that must answer from one world
	# address (UDP, QUIC) binds it, rather than the wildcard.
	step "nonlocal binds in $srv" ip netns exec "$srv" sysctl -qw \
		net.ipv6.ip_nonlocal_bind=1

	netem "$wifi" eth0 "$RTT_WIFI"
	netem "$rtr" subw "$RTT_WIFI"
	netem "$cell" eth0 "$RTT_CELL"
	netem "$rtr" subc "$RTT_CELL"

	# Native XDP_TX from the router (resets, forged DNS answers) reaches
	# a veth peer only when the peer runs an XDP program itself.
	for r in "$wifi" "$cell" "$srv"; do
		step "XDP_PASS on $r eth0" ip -n "$r" link set dev eth0 xdpdrv \
			obj "$bin/xdp_pass.bpf.o" sec xdp
	done

	# A bpffs of the lab's own, outside /sys (`ip netns exec` gets a
	# fresh /sys), mode 0700 (a bpffs is 1777 by default).
	step "mkdir $st/bpf" mkdir -m 0700 "$st/bpf"
	step "bpffs at $st/bpf" mount -t bpf -o mode=0700 bpf "$st/bpf"
	cat >"$st/open.policy" <<EOF
# The lab at rest: the censor runs, and passes everything.
policy lab-open
description "labctl.sh: pass everything"
default pass
EOF
	step "blastradius load in $rtr" "$bin/blastradius" --pin-dir "$st/bpf/state" \
		--netns "$rtr" load subw:subscriber subc:subscriber up0:upstream \
		"$st/open.policy" --mode native --no-impact
	# What the links add to a round trip, for the devices to read: where
	# the kernel has no netem, 0, and a device may add the model's own.
	printf 'wifi %s\ncell %s\n' "$RTT_WIFI" "$RTT_CELL" >"$st/rtt"
	trap - INT TERM HUP
	echo "lab $id up: $NDEV devices, state in $st"
}

# ---- spawn -------------------------------------------------------------

cmd_spawn() {
	local id role logname st pid start

	[ $# -ge 4 ] || usage
	id=$1 role=$2 logname=$3
	shift 3
	valid_id "$id"
	[[ " $ROLES " == *" $role "* ]] || die "spawn: role \"$role\" is not one of $ROLES"
	[[ $logname =~ ^[A-Za-z0-9_.-]+$ && $logname != .* ]] ||
		die "spawn: bad log name \"$logname\""
	st=$RUN_DIR/$id
	if ! [ -d "$st" ] || ! ns_exists "$(ns "$id" "$role")"; then
		die "spawn: lab $id is not up"
	fi
	# A background job of a shell without job control is no group
	# leader, so setsid makes it one in place, without a fork: $! is
	# the command's PID (the subshell, setsid and `ip netns exec` all
	# exec the next).
	(
		# Nothing but stdin, stdout and stderr: a descriptor the caller
		# left open (a pipe it reads to the end) must not live on in a
		# server.
		for fd in /proc/"$BASHPID"/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && [ -e "/proc/$BASHPID/fd/$fd" ] && exec {fd}>&-
		done
		exec setsid ip netns exec "$(ns "$id" "$role")" "$@"
	) </dev/null >>"$st/$logname.log" 2>&1 &
	pid=$!
	# Our child, not yet reaped: its stat is there even if it has ended.
	start=$(stat_field "$pid" 22) || die "spawn: no /proc/$pid/stat"
	echo "$pid $start" >>"$st/pids"
	echo "$pid"
}

# ---- down --------------------------------------------------------------

# lab_pids ID: the processes of the lab: every one in its namespaces, and
# every one of STATE/pids whose start time still matches (the PID was not
# reused). Never this script.
lab_pids() {
	local id=$1 r pid start

	{
		for r in $ROLES; do
			ns_exists "$(ns "$id" "$r")" && ip netns pids "$(ns "$id" "$r")" 2>/dev/null
		done
		if [ -r "$RUN_DIR/$id/pids" ]; then
			while read -r pid start; do
				[[ $pid =~ ^[0-9]+$ ]] || continue
				[ "$(start_time "$pid")" = "$start" ] && echo "$pid"
			done <"$RUN_DIR/$id/pids"
		fi
	} | sort -un | grep -vx -e "$$" -e "$BASHPID"
}

# running PID...: whether one of them still runs (a zombie does not).
# Builtins only: it is polled, and every fork costs.
running() {
	local pid stat

	for pid; do
		stat=""
		{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null
		stat=${stat##*) }
		[ -n "$stat" ] && [ "${stat%% *}" != Z ] && return 0
	done
	return 1
}

# kill_lab ID: TERM, then KILL what is left after 2 s, again while the
# dying forked more (three rounds at most; down names any survivor).
kill_lab() {
	local id=$1 sig pids

	for sig in TERM KILL KILL KILL; do
		pids=$(lab_pids "$id")
		[ -z "$pids" ] && return 0
		# shellcheck disable=SC2086 # one PID a word
		kill -s "$sig" $pids 2>/dev/null
		for _ in $(seq 1 20); do
			# shellcheck disable=SC2086
			running $pids || break
			sleep 0.1
		done
	done
}

lab_mounted() { grep -qF " $1 " /proc/self/mountinfo; }

cmd_down() {
	local id st r left="" bin rtr survivors

	[ $# -eq 1 ] || usage
	id=$1
	valid_id "$id"
	st=$RUN_DIR/$id
	rtr=$(ns "$id" rtr)
	kill_lab "$id"
	# Counted now: the pids file and the namespaces' names go below.
	survivors=$(lab_pids "$id")
	bin=$(cat "$st/bin" 2>/dev/null)
	if [ -n "$bin" ] && [ -x "$bin/blastradius" ] && [ -e "$st/bpf/state" ]; then
		# Its failure is no matter: the umount and the namespaces'
		# end below free the pins and the links all the same.
		if ns_exists "$rtr"; then
			"$bin/blastradius" --pin-dir "$st/bpf/state" --netns "$rtr" unload
		else
			"$bin/blastradius" --pin-dir "$st/bpf/state" unload
		fi >/dev/null 2>&1
	fi
	while lab_mounted "$st/bpf" && umount "$st/bpf" 2>/dev/null; do :; done
	for r in $ROLES; do
		ns_exists "$(ns "$id" "$r")" && ip netns del "$(ns "$id" "$r")" 2>/dev/null
	done
	# Never through a mount: what is under it is not the lab's to delete.
	lab_mounted "$st/bpf" || rm -rf --one-file-system "$st"

	# shellcheck disable=SC2086 # one PID a word
	running $survivors && left+=" processes ${survivors//$'\n'/ };"
	for r in $ROLES; do
		ns_exists "$(ns "$id" "$r")" && left+=" namespace $(ns "$id" "$r");"
	done
	lab_mounted "$st/bpf" && left+=" mount $st/bpf;"
	[ -e "$st" ] && left+=" directory $st;"
	[ -z "$left" ] || die "down $id: left behind:${left%;}"
}

# ---- list --------------------------------------------------------------

# Not the testbeds of scripts/lab.sh, which have a br-ID-rtr too, but a
# br-ID-cli and no state directory here.
cmd_list() {
	local id

	[ $# -eq 0 ] || usage
	{
		[ -d "$RUN_DIR" ] && find "$RUN_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
		ip netns list | sed -n 's/^br-\([^ -]*\)-rtr\( .*\)\{0,1\}$/\1/p' |
			while read -r id; do
				ns_exists "$(ns "$id" cli)" || echo "$id"
			done
	} | sort -u
}

# netem: exit 0 when the kernel can delay a link (tc netem), 1 when not.
cmd_netem() {
	local t="br-netem-$$-$RANDOM" ok=1

	ip netns add "$t" || return 1
	tc -n "$t" qdisc add dev lo root netem delay 1ms 2>/dev/null && ok=0
	ip netns del "$t"
	return "$ok"
}

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, XDP, bpffs)"
[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
up) cmd_up "$@" ;;
spawn) cmd_spawn "$@" ;;
down) cmd_down "$@" ;;
list) cmd_list "$@" ;;
netem) cmd_netem ;;
*) usage ;;
esac
