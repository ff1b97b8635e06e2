#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_records.sh - calibration against history: every shipped policy that
# carries records (policies/README.md, "Records") is simulated with
# --runs on the scenario its records hold for, and the model's interval
# (the 2.5th..97.5th percentile of the draws) must overlap each record's
# range. A record the model is known to miss is listed in KNOWN_MISSES
# with the reason; it must still miss, so that the list cannot outlive
# the reason: when the model learns to meet it, this test fails until the
# entry goes.
#
# RUNS draws per scenario: few, to keep the test short (the interval of 4
# draws is nearly their range); the README's table and a researcher use
# more.
#
# usage: tests/e2e/test_records.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

RUNS=4
# POLICY:SERVICE:PLATFORM:FIGURE  the reason
KNOWN_MISSES="
"

TMP=$(mktemp -d "/tmp/brrecords$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# The policies with records, and the scenario each holds for (relative to
# the policy's directory, as the language resolves it).
declare -A scn_of
for f in policies/*.policy; do
	grep -q '^record ' "$f" || continue
	s=$(sed -n 's/^record scenario "\(.*\)"$/\1/p' "$f")
	if [ -z "$s" ]; then
		t_fail "$f: its records name a scenario"
		continue
	fi
	scn_of[$f]=$(dirname "$f")/$s
done
t_eq "the event policies carry records" \
	"$(printf '%s\n' "${!scn_of[@]}" | sort | xargs)" \
	"policies/calls-2025.policy policies/ech-2024.policy policies/facetime-2025.policy policies/freeze-16k-2025.policy policies/mobile-whitelist-2025-push.policy policies/mobile-whitelist-2025.policy policies/quic-block-2022.policy policies/telegram-2018.policy policies/twitter-throttle-2021.policy policies/whatsapp-2026.policy policies/youtube-throttle-2024.policy"

# One ensemble per scenario, with every policy whose records hold for it.
for scn in $(printf '%s\n' "${scn_of[@]}" | sort -u); do
	args=()
	for f in "${!scn_of[@]}"; do
		[ "${scn_of[$f]}" = "$scn" ] && args+=(--policy "$f")
	done
	out=$TMP/$(basename "$scn" .scenario).json
	if ! "$BR" --json simulate --runs "$RUNS" --scenario "$scn" \
		"${args[@]}" >"$out" 2>"$TMP/err"; then
		t_fail "simulate --runs $RUNS --scenario $scn" "$(cat "$TMP/err")"
		continue
	fi
	for f in "${args[@]}"; do
		[ "$f" = --policy ] && continue
		p=$(basename "$f" .policy)
		t_eq "$p: one result per record statement" \
			"$(jq --arg p "$p" '[.policies[] | select(.name == $p) |
				.record[]] | length' "$out")" \
			"$(($(grep -c '^record ' "$f") - 1))" # less the scenario
		# POLICY:SERVICE:PLATFORM:FIGURE model lo..hi record lo..hi
		jq -r --arg p "$p" '.policies[] | select(.name == $p) |
			.record[] | [($p + ":" + .service + ":" + .platform +
			":" + .figure), (.model.lo // "null"),
			(.model.hi // "null"), .record_lo.value,
			.record_hi.value] | @tsv' "$out" >"$TMP/rows"
		while IFS=$'\t' read -r key mlo mhi rlo rhi; do
			what="$key: model ${mlo}..${mhi}%, record ${rlo}..${rhi}%"
			if [ "$mlo" = null ]; then
				t_fail "$what: the runs attempted none"
				continue
			fi
			hit=$(awk -v a="$mlo" -v b="$mhi" -v c="$rlo" -v d="$rhi" \
				'BEGIN { print (a <= d && b >= c) ? 1 : 0 }')
			why=$(printf '%s\n' "$KNOWN_MISSES" |
				awk -v k="$key" '$1 == k { $1 = ""; print }')
			if [ -n "$why" ] && [ "$hit" = 0 ]; then
				t_ok "$what: misses, as known:$why"
			elif [ -n "$why" ]; then
				t_fail "$what: meets its record now" \
					"remove it from KNOWN_MISSES"
			elif [ "$hit" = 1 ]; then
				t_ok "$what: overlaps"
			else
				t_fail "$what: misses its record"
			fi
		done <"$TMP/rows"
	done
done

t_done
