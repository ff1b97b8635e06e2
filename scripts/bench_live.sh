#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench_live.sh - the live receive rate of docs/PERFORMANCE.md ("Live
# receive rate"), run by scripts/bench.sh (`make bench`).
#
# In a throwaway network namespace (no addresses, no route out), a veth
# pair: lg0 sends, lg1 receives with two rx queues and runs, in native
# XDP, each program in turn: a bare XDP_DROP (xdp-bench drop fails to
# load on this kernel, so bench_drop of build/bench.bpf.o), XDP_PASS,
# Debian's xdp-filter where it expresses the policy, and blastradius with
# a one-rule policy, a 10,000-host set, a registry-shaped 1M set and a
# stateful SNI policy over established flows. build/bench/bench_live
# sends (BPF_PROG_TEST_RUN live frames, one pinned thread per CPU) and
# the rate is read at the receiver: the sum of ethtool's
# rx_queue_N_xdp_packets over a window, median of the rounds, with one
# CPU sending and receiving and with two.
#
# Prints markdown on stdout, progress on stderr.
# usage: scripts/bench_live.sh [BUILD_DIR]   (as root)
#        LIVE_SECONDS (window, default 2), LIVE_ROUNDS (default 3)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
GEN=$(realpath "$BUILD/bench/bench_live")
BLASTRADIUS=$(realpath "$BUILD/blastradius")
WINDOW=${LIVE_SECONDS:-2}
ROUNDS=${LIVE_ROUNDS:-3}
WARMUP=1 # seconds of traffic before the window opens
SNI_FLOWS=10000

if [ "$(id -u)" -ne 0 ]; then
	echo "bench_live: needs root (XDP, network namespaces)" >&2
	exit 1
fi
for f in "$GEN" "$BLASTRADIUS" "$BUILD/bench.bpf.o" "$BUILD/xdp_pass.bpf.o"; do
	[ -e "$f" ] || { echo "bench_live: $f missing: run make" >&2; exit 1; }
done

NS="brlive-$$"
BPFFS="/run/brlive-$$"
PIN="$BPFFS/state"
TMP=$(mktemp -d)
cleanup() {
	"$BLASTRADIUS" --pin-dir "$PIN" unload >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	umount "$BPFFS" 2>/dev/null && rmdir "$BPFFS"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

log() { echo "bench_live: $*" >&2; }
nsx() { ip netns exec "$NS" "$@"; }
br() { "$BLASTRADIUS" --pin-dir "$PIN" --netns "$NS" "$@"; }

# IPv6 off: the stack then sends nothing of its own into the counters.
setup() {
	ip netns add "$NS" &&
		nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 &&
		ip -n "$NS" link add lg0 numtxqueues 2 numrxqueues 2 type veth \
			peer name lg1 numtxqueues 2 numrxqueues 2 &&
		ip -n "$NS" link set lg0 up && ip -n "$NS" link set lg1 up &&
		mkdir -p "$BPFFS" && mount -t bpf -o mode=0700 bpf "$BPFFS"
}

# ---- traffic -----------------------------------------------------------
# Every configuration gets a pool of 2^20 tuples, so the generator's own
# cost (its pool walk) is the same for all: 64 sources, 256 source ports,
# and 64 destinations to UDP 443, or destinations drawn over a set.
UDP=(--kind udp --srcs 64 --sports 256 --dport 443 --pool 1048576)
T_UDP=(--dst 198.19.0.1 --dsts 64)
T_10K=(--set 10000 --hosts --seed 10)
T_1M=(--set 1000000 --seed 1)
# The SNI flows: 100 destinations x 100 source ports, one source; the
# blocked ones and the passed ones differ in their source ports.
FLOWS=(--dst 198.19.1.0 --dsts 100 --srcs 1 --sports 100 --dport 443)
T_FLOWS_DROP=("${FLOWS[@]}" --sport 20000 --sni blocked.example)
T_FLOWS_PASS=("${FLOWS[@]}" --sport 30000 --sni ok.example)

# The sum of the receiver's per-queue XDP packet counters.
rx_packets() {
	nsx ethtool -S lg1 |
		awk '$1 ~ /^rx_queue_[0-9]+_xdp_packets:$/ { s += $2 } END { printf "%.0f\n", s }'
}

# measure CPUS GEN_ARGS...: Mpps received in one window, or "" on failure.
# The generator builds its pool first (a second for a 1M set): the warm-up
# counts from the first frames received.
measure() {
	local cpus=$1 pid s0 s1 t0 t1 i

	shift
	s0=$(rx_packets)
	nsx "$GEN" --dev lg0 --cpus "$cpus" \
		--seconds "$((WARMUP + WINDOW + 1))" "$@" >/dev/null &
	pid=$!
	for i in $(seq 100); do
		[ "$(rx_packets)" != "$s0" ] && break
		sleep 0.1
	done
	[ "$i" -lt 100 ] || { wait "$pid"; return 1; }
	sleep "$WARMUP"
	s0=$(rx_packets)
	t0=$(date +%s%N)
	sleep "$WINDOW"
	s1=$(rx_packets)
	t1=$(date +%s%N)
	wait "$pid" || return 1
	awk -v n=$((s1 - s0)) -v ns=$((t1 - t0)) \
		'BEGIN { printf "%.2f\n", n / ns * 1000 }'
}

# median_of CPUS GEN_ARGS...: the median Mpps of ROUNDS windows.
median_of() {
	local v all=""

	for _ in $(seq "$ROUNDS"); do
		v=$(measure "$@") || return 1
		all="$all $v"
	done
	# shellcheck disable=SC2086 # one figure a word
	printf '%s\n' $all | sort -g | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Results, by configuration id: RATE[id,cpus] (median Mpps), what it
# is (LABEL, TRAFFIC), why a figure is missing (NOTE); ROWS in order.
declare -A RATE NOTE TRAFFIC LABEL
ROWS=()
HELLO_NOTE=""	# set when the SNI flows did not all come up
BR_POLICY=""	# the policy blastradius has in force, if loaded

# run ID LABEL TRAFFIC GEN_ARGS...: both CPU counts for what is attached.
run() {
	local id=$1 c cpus v

	LABEL[$id]=$2
	TRAFFIC[$id]=$3
	shift 3
	ROWS+=("$id")
	for c in 1 2; do
		if [ "$c" = 2 ] && [ "$(nproc)" -lt 2 ]; then
			NOTE[$id]="one CPU online: no 2-CPU figure"
			continue
		fi
		cpus=0
		[ "$c" = 2 ] && cpus=0,1
		log "${LABEL[$id]}, $c CPU(s)"
		v=$(median_of "$cpus" "$@")
		if [ -n "$v" ]; then
			RATE[$id,$c]=$v
		else
			NOTE[$id]="the generator failed (see stderr)"
		fi
	done
}

# not_measured ID LABEL TRAFFIC WHY
not_measured() {
	ROWS+=("$1")
	LABEL[$1]=$2
	TRAFFIC[$1]=$3
	NOTE[$1]=$4
	log "$2: not measured: $4"
}

attach_obj() { ip -n "$NS" link set dev lg1 xdpdrv obj "$1" sec xdp "${@:2}"; }
detach() { ip -n "$NS" link set dev lg1 xdpdrv off; }

# ---- xdp-filter ----------------------------------------------------------
# As scripts/bench.sh loads it: each `ip netns exec` call has a private
# mount namespace, so the bpffs mounted in it holds that instance's state
# alone, while the program stays attached after the call. Its policy mode
# is "allow": what matches a rule is dropped, the rest passes.

# xdp-filter dropping UDP to port 443: what the one-rule policy says.
xdp_filter_port() {
	# shellcheck disable=SC2016
	nsx sh -c 'set -e
		mount -t bpf bpf /sys/fs/bpf
		xdp-filter load -m native -f udp lg1
		xdp-filter port 443 -m dst -p udp' >/dev/null
}

# xdp-filter dropping the hosts of set file $1 as destinations: the first
# added with `xdp-filter ip`, the rest copied with its value (the dst
# flag) into its per-CPU hash by bpftool, one batch (an `xdp-filter ip`
# per address takes ~10 ms: minutes for 10,000).
xdp_filter_hosts() {
	local first id map val

	first=$(awk '/^[0-9]/ { print; exit }' "$1")
	# shellcheck disable=SC2016
	nsx sh -c 'set -e
		mount -t bpf bpf /sys/fs/bpf
		xdp-filter load -m native -f ipv4 lg1
		xdp-filter ip "$1" -m dst' sh "$first" >/dev/null || return 1
	id=$(ip -n "$NS" -d link show lg1 |
		sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
	[ -n "$id" ] || return 1
	map=$(bpftool prog show id "$id" -j | jq -r '.map_ids[]' |
		while read -r m; do bpftool map show id "$m" -j; done |
		jq -r 'select(.name == "filter_ipv4") | .id')
	[ -n "$map" ] || return 1
	# shellcheck disable=SC2046 # the address's four bytes, four words
	val=$(bpftool map lookup id "$map" key $(tr . ' ' <<<"$first") -j |
		jq -r '.values[0].value') || return 1
	awk -v m="$map" -v v="$val" '/^[0-9]/ { gsub(/\./, " ");
		printf "map update id %s key %s value", m, $0;
		for (i = 0; i < 8; i++) { printf " %d", v % 256; v = int(v / 256) }
		print "" }' "$1" >"$TMP/xf.batch"
	bpftool batch file "$TMP/xf.batch" >/dev/null
}

# ---- blastradius ---------------------------------------------------------

write_policies() {
	"$GEN" "${T_10K[@]}" --write-set "$TMP/set10k.set" &&
		"$GEN" "${T_1M[@]}" --write-set "$TMP/set1m.set" || return 1
	printf 'policy live-one\ndefault pass\nrule "one rule" udp dport 443 drop\n' \
		>"$TMP/one.policy"
	for s in 10k 1m; do
		printf 'policy live-%s\ndefault pass\ninclude "set%s.set"\nrule "set" udp daddr @live drop\n' \
			"$s" "$s" >"$TMP/set$s.policy"
	done
	printf 'policy live-sni\ndefault pass\nset blocked domain {\n\tblocked.example\n}\nrule "blocked name" sni @blocked drop\n' \
		>"$TMP/sni.policy"
}

br_rule_pkts() {
	"$BLASTRADIUS" --pin-dir "$PIN" stats --json | jq ".rules[$1].packets"
}

# flows_up GEN_ARGS...: each flow's SYN, then its ClientHello, one CPU.
flows_up() {
	nsx "$GEN" --dev lg0 --cpus 0 --kind tcp-syn --frames "$SNI_FLOWS" \
		"$@" >/dev/null &&
		sleep 0.2 &&
		nsx "$GEN" --dev lg0 --cpus 0 --kind tls-hello \
			--frames "$SNI_FLOWS" "$@" >/dev/null && sleep 0.2
}

# ---- the run -------------------------------------------------------------

# br_run ID LABEL TRAFFIC POLICY GEN_ARGS...: blastradius with TMP/POLICY
# (loaded, or swapped in over the one in force), then run. The SNI policy
# first gets its flows: SYN and ClientHello of each, blocked and passed.
br_run() {
	local id=$1 label=$2 traffic=$3 pol=$4 out hellos

	shift 4
	if [ "$pol" != "$BR_POLICY" ]; then
		if [ -z "$BR_POLICY" ]; then
			out=$(br load lg1 "$TMP/$pol.policy" --mode native 2>&1)
		else
			out=$(br swap "$TMP/$pol.policy" 2>&1)
		fi || {
			not_measured "$id" "$label" "$traffic" \
				"blastradius failed to load the policy: ${out%%$'\n'*}"
			return 0
		}
		BR_POLICY=$pol
		if [ "$pol" = sni ]; then
			if ! flows_up "${T_FLOWS_DROP[@]}" ||
				! flows_up "${T_FLOWS_PASS[@]}"; then
				not_measured "$id" "$label" "$traffic" \
					"the flows' SYNs and hellos could not be sent"
				return 0
			fi
			hellos=$(br_rule_pkts 0)
			[ "$hellos" = "$SNI_FLOWS" ] ||
				HELLO_NOTE="of $SNI_FLOWS hellos naming the blocked name, $hellos were dropped by the rule"
		fi
	fi
	run "$id" "$label" "$traffic" "$@"
}

measure_all() {
	log "baselines"
	if attach_obj "$BUILD/bench.bpf.o" program bench_drop; then
		run drop_udp "XDP_DROP (bench_drop)" "UDP" "${UDP[@]}" "${T_UDP[@]}"
		run drop_tcp "XDP_DROP (bench_drop)" "TCP data" --kind tcp-data "${T_FLOWS_PASS[@]}"
	else
		not_measured drop_udp "XDP_DROP (bench_drop)" "UDP" "bench_drop failed to attach"
		not_measured drop_tcp "XDP_DROP (bench_drop)" "TCP data" "bench_drop failed to attach"
	fi
	detach
	if attach_obj "$BUILD/xdp_pass.bpf.o"; then
		run pass_tcp "XDP_PASS (xdp_pass)" "TCP data" --kind tcp-data "${T_FLOWS_PASS[@]}"
	else
		not_measured pass_tcp "XDP_PASS (xdp_pass)" "TCP data" "xdp_pass failed to attach"
	fi
	detach

	if ! command -v xdp-filter >/dev/null; then
		not_measured xf_port "xdp-filter: UDP port 443" "UDP" "xdp-filter is not installed"
		not_measured xf_10k "xdp-filter: 10,000 hosts" "UDP over the 10k set" "xdp-filter is not installed"
	else
		if xdp_filter_port; then
			run xf_port "xdp-filter: UDP port 443" "UDP" "${UDP[@]}" "${T_UDP[@]}"
		else
			not_measured xf_port "xdp-filter: UDP port 443" "UDP" "xdp-filter failed to load"
		fi
		detach
		if xdp_filter_hosts "$TMP/set10k.set"; then
			run xf_10k "xdp-filter: 10,000 hosts" "UDP over the 10k set" "${UDP[@]}" "${T_10K[@]}"
		else
			not_measured xf_10k "xdp-filter: 10,000 hosts" "UDP over the 10k set" "xdp-filter failed to load or fill"
		fi
		detach
	fi

	br_run br_one "blastradius: one rule (udp dport 443 drop)" "UDP" \
		one "${UDP[@]}" "${T_UDP[@]}"
	br_run br_10k "blastradius: 10,000-host set" "UDP over the 10k set" \
		set10k "${UDP[@]}" "${T_10K[@]}"
	br_run br_1m "blastradius: registry-shaped 1M set" "UDP over the 1M set" \
		set1m "${UDP[@]}" "${T_1M[@]}"
	br_run br_sni_drop "blastradius: SNI, established flows decided drop" \
		"TCP data" sni --kind tcp-data "${T_FLOWS_DROP[@]}"
	br_run br_sni_pass "blastradius: SNI, established flows decided pass" \
		"TCP data" sni --kind tcp-data "${T_FLOWS_PASS[@]}"
	br unload >/dev/null

	# The floor again: how far the machine drifted during the run.
	if attach_obj "$BUILD/bench.bpf.o" program bench_drop; then
		run drop_end "XDP_DROP (bench_drop), again at the end" "UDP" \
			"${UDP[@]}" "${T_UDP[@]}"
	else
		not_measured drop_end "XDP_DROP (bench_drop), again at the end" \
			"UDP" "bench_drop failed to attach"
	fi
	detach
}

# ---- markdown ------------------------------------------------------------

# ratio A B: A / B with two decimals, "—" when either is missing.
ratio() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		echo "—"
		return
	fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx\n", (b > 0 ? a / b : 0) }'
}

# The XDP_DROP figure an id is compared with: the same traffic.
base_of() {
	case ${TRAFFIC[$1]} in
	"TCP data") echo drop_tcp ;;
	*) echo drop_udp ;;
	esac
}

# goal NAME A B MIN: PASS when A >= MIN * B, for each CPU count.
goal() {
	local name=$1 a=$2 b=$3 min=$4 c ra rb v out=""

	for c in 1 2; do
		ra=${RATE[$a,$c]:-}
		rb=${RATE[$b,$c]:-}
		if [ -z "$ra" ] || [ -z "$rb" ]; then
			v="not measured"
		else
			v=$(awk -v a="$ra" -v b="$rb" -v m="$min" 'BEGIN {
				printf "%.2fx: %s", a / b, (a >= m * b ? "PASS" : "FAIL") }')
		fi
		out="$out | $v"
	done
	echo "| $name$out |"
}

# shellcheck disable=SC2016 # the backquotes are markdown
report() {
	local id b r1 r2

	printf '### Live receive rate (`scripts/bench_live.sh`)\n\n'
	printf -- '- Link: a veth pair in a throwaway namespace, the receiver in native XDP with 2 rx queues; frames from `bench_live` (BPF_PROG_TEST_RUN live frames, batch 64, one pinned thread per CPU: CPU 0, or CPUs 0 and 1). The same CPUs run the generator and the receiver: every figure is the rate of the pair.\n'
	printf -- '- Rate: the receiver'"'"'s `rx_queue_N_xdp_packets` (ethtool -S, summed over queues) over a %s s window after %s s of traffic; median of %s rounds.\n' "$WINDOW" "$WARMUP" "$ROUNDS"
	printf -- '- Traffic (60-byte UDP frames; TCP data: 84-byte segments with 18 payload bytes): UDP to port 443 from 64 sources and 256 source ports, to 64 destinations, or to destinations drawn at random over the set (a pool of 2^20 tuples each); TCP data: segments of %s established flows (SYN and ClientHello sent first), the blocked ones naming blocked.example, the passed ones ok.example.\n' "$SNI_FLOWS"
	[ -n "$HELLO_NOTE" ] && printf -- '- Flow set-up: %s.\n' "$HELLO_NOTE"
	printf '\n| program: policy | traffic | 1 CPU Mpps | vs XDP_DROP | 2 CPUs Mpps | vs XDP_DROP | 2 CPUs / 1 CPU |\n'
	printf '|---|---|--:|--:|--:|--:|--:|\n'
	for id in "${ROWS[@]}"; do
		b=$(base_of "$id")
		r1=${RATE[$id,1]:-}
		r2=${RATE[$id,2]:-}
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${LABEL[$id]}" \
			"${TRAFFIC[$id]}" "${r1:-—}" "$(ratio "$r1" "${RATE[$b,1]:-}")" \
			"${r2:-—}" "$(ratio "$r2" "${RATE[$b,2]:-}")" "$(ratio "$r2" "$r1")"
	done
	for id in "${ROWS[@]}"; do
		[ -n "${NOTE[$id]:-}" ] &&
			printf '\n%s: not measured in full: %s.\n' "${LABEL[$id]}" "${NOTE[$id]}"
	done
	printf '\nThe last row repeats the first at the end of the run: its ratio is how far the machine drifted meanwhile (other work on it, CPU frequency), the uncertainty of every ratio above.\n'
	printf '\n#### Goals (issue 15), per CPU count\n\n'
	printf '| goal | 1 CPU | 2 CPUs |\n|---|---|---|\n'
	goal "one-rule policy >= 0.85x XDP_DROP" br_one drop_udp 0.85
	goal "1M set, destinations over the set, >= 0.6x XDP_DROP" br_1m drop_udp 0.6
	goal "stateful SNI, flows decided pass, >= 0.5x XDP_DROP" br_sni_pass drop_tcp 0.5
	goal "stateful SNI, flows decided drop, >= 0.5x XDP_DROP" br_sni_drop drop_tcp 0.5
	goal "one rule >= xdp-filter (UDP port 443)" br_one xf_port 1
	goal "10,000-host set >= xdp-filter (same hosts)" br_10k xf_10k 1
	printf '| two CPUs scale the rate: 2 CPUs >= 1.5x 1 CPU |'
	for id in "${ROWS[@]}"; do
		if [ -z "${RATE[$id,1]:-}" ] || [ -z "${RATE[$id,2]:-}" ]; then
			continue
		fi
		awk -v a="${RATE[$id,2]}" -v b="${RATE[$id,1]}" 'BEGIN { exit !(a < 1.5 * b) }' &&
			printf ' FAIL: %s %s;' "${LABEL[$id]}" "$(ratio "${RATE[$id,2]}" "${RATE[$id,1]}")"
	done | awk '{ s = s $0 } END { print (s == "" ? " PASS, every row" : s) " | |" }'
	printf '\nThe passed flows'"'"' frames go on to the kernel stack (an skb each, then dropped: no address is ours), which XDP_DROP never pays: the XDP_PASS row, on the same frames, is that path with no program work.\n\n'
}

setup || { log "namespace set-up failed"; exit 1; }
write_policies || { log "cannot write the policies"; exit 1; }
measure_all
report
