#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The capture suite: every tests/captures/*.expect replays its capture
# with its policy through `blastradius replay --json --write` and checks
# its expectations against replay's report and, as the ground truth of
# what the capture holds, against tshark. tests/captures/README.md
# describes the .expect format.
#
# Besides each expectation (one TAP line each), for every capture replay
# reported on:
# - replay and tshark read the same number of frames;
# - every frame read is in --write's output, with a comment "frame N:";
# - each frame keeps its capture time to the nanosecond (where the
#   capture gives one);
# - where both replay and tshark read a name in a frame (a ClientHello's
#   or a QUIC Initial's server_name, a DNS query's name), it is the same.
# And once: every capture has a .expect, and gen_captures (make captures)
# writes the committed generated captures byte for byte.
#
# No network: replay runs the program with BPF_PROG_TEST_RUN (root).
#
# usage: tests/e2e/test_captures.sh BUILD_DIR [NAME...]   (as root)
#   NAME: run only these captures (the .expect's name without .expect).
#   CAPTURES_KEEP=DIR keeps replay's outputs in DIR.
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
shift
BR=$(realpath "$BUILD/blastradius")
GEN=$(realpath "$BUILD/tests/gen_captures")
. tests/e2e/lib.sh
if [ -z "${BLASTRADIUS_CATALOG:-}" ] && [ -d policies/catalog ]; then
	export BLASTRADIUS_CATALOG=$PWD/policies/catalog
fi
DIR=tests/captures

TMP=$(mktemp -d /tmp/blastradius-captures.XXXXXX)
cleanup() {
	if [ -n "${CAPTURES_KEEP:-}" ]; then
		mkdir -p "$CAPTURES_KEEP" && cp -r "$TMP"/* "$CAPTURES_KEEP"/
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for t in tshark jq; do
	command -v "$t" >/dev/null || { echo "not ok 1 - $t is installed"; exit 1; }
done
for f in "$BR" "$GEN"; do
	[ -x "$f" ] || { echo "not ok 1 - $f is built"; exit 1; }
done

# ---- the generated captures are what the generator writes -----------------
mkdir "$TMP/gen"
if "$GEN" "$TMP/gen" 2>"$TMP/gen.err"; then
	stale=""
	n=0
	for f in "$TMP"/gen/*; do
		n=$((n + 1))
		cmp -s "$f" "$DIR/${f##*/}" || stale="$stale ${f##*/}"
	done
	t_eq "gen_captures writes the committed captures ($n files)" \
		"$stale" ""
else
	t_fail "gen_captures runs" "$(cat "$TMP/gen.err")"
fi

# ---- every capture has expectations ---------------------------------------
lonely=""
for f in "$DIR"/*.pcap "$DIR"/*.pcapng; do
	[ -e "$f" ] || continue
	b=${f##*/}
	[ -f "$DIR/${b%.*}.expect" ] ||
		grep -qx "capture $b" "$DIR"/*.expect ||
		lonely="$lonely $b"
done
t_eq "every capture has a .expect" "$lonely" ""

# ---- one capture -------------------------------------------------------------

# tshark_cap ARGS...: tshark on the capture, with its tshark-option lines
tshark_cap() {
	tshark -r "$CAP" -n "${TSHARK_OPTS[@]}" "$@" 2>/dev/null
}

# comments_of N: replay's comments of frame N, one a line
comments_of() {
	awk -F'\t' -v n="$1" 'index($2, "frame " n ": ") == 1 { print $2 }' \
		"$OUT/written.tsv"
}

# verdict_of COMMENT: pass, drop, tx, other or not-judged
verdict_of() {
	case "$1" in
	"frame "*": not judged"*) echo not-judged ;;
	*) printf '%s\n' "$1" | sed -E 's/^frame [0-9]+: [a-z]+ ([a-z]+),.*/\1/' ;;
	esac
}

# name_of COMMENT: the name replay read in the frame ("" when none)
name_of() {
	case "$1" in
	*"; "*) printf '%s\n' "${1#*; }" | cut -d' ' -f2- ;;
	esac
}

run_capture() {
	local expect=$1 name base line kw n rest rc got c all i
	local policy="" frames="" want_exit=0 n_stderr=0
	local -a opts=() checks=()

	name=$(basename "$expect" .expect)
	base=${expect%.expect}
	CAP=""
	TSHARK_OPTS=()
	OUT=$TMP/$name
	mkdir -p "$OUT"
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%%[[:space:]]#*}
		case "$line" in
		"#"* | "") continue ;;
		esac
		kw=${line%% *}
		rest=${line#* }
		[ "$rest" = "$line" ] && rest=""
		case "$kw" in
		capture) CAP=$DIR/$rest ;;
		policy) policy=$rest ;;
		option) read -r -a i <<<"$rest" && opts+=("${i[@]}") ;;
		tshark-option) read -r -a i <<<"$rest" && TSHARK_OPTS+=("${i[@]}") ;;
		exit) want_exit=$rest ;;
		frames) frames=$rest ;;
		warning | error | frame | tshark | json) checks+=("$line") ;;
		*)
			t_fail "$name: $kw: not an expectation (tests/captures/README.md)"
			;;
		esac
	done <"$expect"
	if [ -z "$CAP" ]; then
		for c in "$base.pcap" "$base.pcapng"; do
			[ -f "$c" ] && CAP=$CAP${CAP:+ }$c
		done
	fi
	CHECKS=("${checks[@]}")
	if [ -z "$CAP" ] || [ ! -f "$CAP" ] || [ -z "$policy" ]; then
		t_fail "$name: has one capture and a policy" "capture '$CAP'" \
			"policy '$policy'"
		return
	fi

	"$BR" replay "$CAP" --policy "$policy" "${opts[@]}" --json \
		--write "$OUT/written.pcapng" >"$OUT/report.json" \
		2>"$OUT/stderr"
	rc=$?
	t_eq "$name: replay exits $want_exit" "$rc" "$want_exit"
	for line in "${checks[@]}"; do
		case "$line" in
		warning* | error*)
			n_stderr=$((n_stderr + 1))
			t_match "$name: $line" "$(cat "$OUT/stderr")" "${line#* }"
			;;
		esac
	done
	[ "$n_stderr" -eq 0 ] &&
		t_eq "$name: nothing on stderr" "$(cat "$OUT/stderr")" ""
	# exit 1: nothing reported, nothing more to compare
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
		return
	fi

	# tshark's view of the capture, and replay's comments
	tshark_cap -T fields -E separator=/t -e frame.number \
		-e frame.time_epoch -e tls.handshake.type \
		-e tls.handshake.extensions_server_name -e dns.flags.response \
		-e dns.qry.name >"$OUT/tshark.tsv"
	tshark -r "$OUT/written.pcapng" -n -T fields -E separator=/t \
		-e frame.time_epoch -e frame.comment \
		>"$OUT/written.tsv" 2>/dev/null
	n=$(wc -l <"$OUT/tshark.tsv")
	got=$(jq .frames.read "$OUT/report.json")
	t_eq "$name: replay and tshark read the same frames" "$got" "$n"
	[ -n "$frames" ] && t_eq "$name: $frames frames" "$got" "$frames"
	all=""
	for i in $(seq 1 "$got"); do
		[ -n "$(comments_of "$i")" ] || all="$all $i"
	done
	t_eq "$name: every frame read is in --write's output" "$all" ""

	# times, as captured
	all=$(awk -F'\t' 'NR == FNR {
			if (match($2, /^frame [0-9]+: /)) {
				k = substr($2, 7, RLENGTH - 8)
				if (!(k in t)) t[k] = $1
			}
			next
		}
		$2 != "" && t[$1] != $2 { print $1 ": " $2 " became " t[$1] }' \
		"$OUT/written.tsv" "$OUT/tshark.tsv" | head -n 3)
	t_eq "$name: every frame keeps its capture time" "$all" ""

	# names: replay's against tshark's (a hello's SNI, a query's name)
	compare_names "$name" "$got"

	# every tshark line in one pass (tshark takes seconds to start)
	TSHARK_SEEN=""
	all=""
	for line in "${checks[@]}"; do
		read -r kw n rest <<<"$line"
		[ "$kw" = tshark ] || continue
		all="${all:+$all || }(frame.number == $n && ($rest))"
	done
	[ -n "$all" ] &&
		TSHARK_SEEN=" $(tshark_cap -Y "$all" -T fields -e frame.number |
			tr '\n' ' ')"
	for line in "${checks[@]}"; do
		read -r kw n rest <<<"$line"
		case "$kw" in
		frame)
			check_frame "$name" "$n" "$rest"
			;;
		tshark)
			check_tshark "$name" "$n" "$rest"
			;;
		json)
			rest=${line#json }
			if jq -e "$rest" "$OUT/report.json" >/dev/null 2>&1; then
				t_ok "$name: json: $rest"
			else
				t_fail "$name: json: $rest" \
					"$(jq -c "$rest" "$OUT/report.json" 2>&1)"
			fi
			;;
		esac
	done
}

# compare_names NAME FRAMES
compare_names() {
	local name=$1 i c r t both=0 named=0 bad=""

	for i in $(seq 1 "$2"); do
		r=""
		while IFS= read -r c; do
			[ -n "$c" ] && r=$(name_of "$c")
			[ -n "$r" ] && break
		done < <(comments_of "$i")
		[ -n "$r" ] || continue
		named=$((named + 1))
		t=$(awk -F'\t' -v n="$i" '$1 == n {
				if ($4 != "") print $4
				else if ($5 == "0" || $5 == "False") print $6
			}' "$OUT/tshark.tsv")
		[ -n "$t" ] || continue
		both=$((both + 1))
		# tshark lists every value it found, comma-separated; names
		# compare as DNS names do: in any case, a trailing dot or not
		case ",${t,,}," in
		*",${r,,},"* | *",${r,,}.,"*) ;;
		*) bad="$bad [frame $i: replay '$r', tshark '$t']" ;;
		esac
	done
	if [ "$named" -gt 0 ] && [ "$both" -eq 0 ]; then
		t_fail "$name: replay and tshark agree on the names" \
			"replay named $named frames, tshark none of them"
	elif [ "$named" -gt 0 ]; then
		t_eq "$name: replay and tshark agree on the names of $both frames" \
			"$bad" ""
	fi
}

# check_tshark NAME N FILTER: tshark -Y FILTER selects frame N. The pass
# over every line answers unless another line names the same frame.
check_tshark() {
	local name=$1 n=$2 filter=$3 got line k m shared=0

	for line in "${CHECKS[@]}"; do
		read -r k m _ <<<"$line"
		[ "$k" = tshark ] && [ "$m" = "$n" ] && shared=$((shared + 1))
	done
	case "$TSHARK_SEEN " in
	*" $n "*)
		if [ "$shared" -gt 1 ]; then
			got=$(tshark_cap -Y "frame.number == $n && ($filter)" \
				-T fields -e frame.number)
		else
			got=$n
		fi
		;;
	*) got="" ;;
	esac
	t_eq "$name: tshark: frame $n: $filter" "$got" "$n"
}

# check_frame NAME N "verdict V" | "note REGEX" | "name NAME"
check_frame() {
	local name=$1 n=$2 what=${3%% *} arg=${3#* } c cs v bad="" hit=""

	cs=$(comments_of "$n")
	if [ -z "$cs" ]; then
		t_fail "$name: frame $n $3" "no comment for frame $n"
		return
	fi
	case "$what" in
	verdict) # V, or V1|V2...: any of them
		while IFS= read -r c; do
			v=$(verdict_of "$c")
			case "|$arg|" in
			*"|$v|"*) ;;
			*) bad="$bad $v" ;;
			esac
		done <<<"$cs"
		t_eq "$name: frame $n verdict $arg" "${bad# }" ""
		;;
	note)
		t_match "$name: frame $n note $arg" "$cs" "$arg"
		;;
	name)
		while IFS= read -r c; do
			[ "$(name_of "$c")" = "$arg" ] && hit=1
		done <<<"$cs"
		if [ -n "$hit" ]; then
			t_ok "$name: frame $n name $arg"
		else
			t_fail "$name: frame $n name $arg" "comments: $cs"
		fi
		;;
	*)
		t_fail "$name: frame $n $3: not an expectation"
		;;
	esac
}

if [ $# -gt 0 ]; then
	for n in "$@"; do
		run_capture "$DIR/$n.expect"
	done
else
	for e in "$DIR"/*.expect; do
		run_capture "$e"
	done
fi

t_done
