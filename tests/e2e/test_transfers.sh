#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_transfers.sh - what a user sees of web transfers in simulation
# (default scenario, from --json):
#   - quic-block-2022: page loads fall back to TCP, unseen: the browser
#     races HTTP/3 against TCP and remembers it broken
#     (user/model/browser.h), so next to none is late;
#   - twitter-throttle-2021: every byte of a response goes through the
#     program, so opening Twitter (a 64 KB timeline, a 512 KB image) takes
#     as long as 130 kbit/s allows, completion times spread with the
#     sizes, and every opening is late; without the policy it is quick.
#
# usage: tests/e2e/test_transfers.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brtransfers$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# row FILE POLICY SERVICE ACTION FIELD: a field of a services row (jq path)
row() {
	jq -r --arg p "$2" --arg s "$3" --arg a "$4" \
		"[.policies[] | select(.name == \$p) | .services[] |
		select(.service == \$s and .action == \$a) | $5] |
		if length == 1 then .[0] else \"missing\" end" "$1"
}

# t_awk NAME EXPR VAR=VALUE...: passes when the awk expression is true
t_awk() {
	local name=$1 expr=$2 args=() v

	shift 2
	for v in "$@"; do
		args+=(-v "$v")
	done
	if awk "${args[@]}" "BEGIN { exit !($expr) }" 2>/dev/null; then
		t_ok "$name ($*)"
	else
		t_fail "$name" "false: $expr" "with: $*"
	fi
}

J=$TMP/sim.json
if ! "$BR" --json simulate --policy policies/quic-block-2022.policy \
	--policy policies/twitter-throttle-2021.policy >"$J" 2>"$TMP/err"; then
	t_fail "simulate quic-block-2022 and twitter-throttle-2021" \
		"$(cat "$TMP/err")"
	t_done
	exit 1
fi
N=$TMP/none.json
if ! "$BR" --json simulate --no-policy >"$N" 2>"$TMP/err"; then
	t_fail "simulate without a policy" "$(cat "$TMP/err")"
	t_done
	exit 1
fi

# ---- quic-block-2022: the browser's fallback, unseen ----------------------

P=quic-block-2022
att=$(row "$J" $P web page-load .attempted)
t_awk "$P: page loads attempted" 'a > 1000' "a=$att"
# late: under 1% (a load over TCP after a lost race is 1.5 RTTs behind)
t_awk "$P: under 1% of page loads late" 'l * 100 < a' \
	"l=$(row "$J" $P web page-load .late)" "a=$att"
# fallback: the loads after a device's first visit (about 3 a device in
# 10 minutes at 20/h, the first over TCP anyway): well over half
t_awk "$P: over half of page loads fall back" 'f * 2 > a' \
	"f=$(row "$J" $P web page-load .fallback)" "a=$att"
t_eq "$P: no page load failed" "$(row "$J" $P web page-load .failed)" 0
# the same loads, no policy: HTTP/3 after the first visit, nothing to fall
# back from
t_eq "no policy: no page load falls back" \
	"$(row "$N" none web page-load .fallback)" 0
t_eq "no policy: no page load late" "$(row "$N" none web page-load .late)" 0

# ---- twitter-throttle-2021: transfers at full length -----------------------

P=twitter-throttle-2021
att=$(row "$J" $P twitter open .attempted)
t_awk "$P: Twitter openings attempted" 'a >= 20' "a=$att"
p50=$(row "$J" $P twitter open .duration_s.p50)
p95=$(row "$J" $P twitter open .duration_s.p95)
# 512 KB + 64 KB at 130 kbit/s less the 16 KB bursts: about 35 s
t_awk "$P: an opening takes 25-40 s (median)" 'p >= 25 && p <= 40' \
	"p=$p50"
# sizes drawn within 25% of the catalog's: a policed transfer's time
# follows its bytes, so the slowest 5% take at least 10% longer
t_awk "$P: completion times spread (p95 > 1.1 x p50)" 'q > 1.1 * p' \
	"p=$p50" "q=$p95"
t_eq "$P: every opening late" "$(row "$J" $P twitter open .late)" "$att"
t_eq "$P: none failed" "$(row "$J" $P twitter open .failed)" 0
# the same openings, no policy: well within the 10 s deadline
t_awk "no policy: an opening takes under 3 s (median)" 'p < 3' \
	"p=$(row "$N" none twitter open .duration_s.p50)"
t_eq "no policy: no opening late" "$(row "$N" none twitter open .late)" 0

t_done
