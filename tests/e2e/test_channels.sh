#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_channels.sh - push store-and-forward and the channels' lifecycle
# (issue 12), from simulate --json:
#   - a five-minute APNs outage (tests/e2e/scenarios/outage.scenario:
#     imessage-apns-ip from 5m to 10m of 20m): the iOS pushes of the window
#     are mostly delivered late or superseded, none lost otherwise; 2FA and
#     ride-hailing pushes past their validity are lost (stale); the
#     timeline shows the channels down during the outage only;
#   - imessage-apns-sni swapped in at 5m of 30m
#     (tests/e2e/scenarios/swap-sni.scenario): the share of iOS devices
#     whose channel is cut grows as channels reconnect, and passes 90%
#     within 1.25 reconnect horizons (the horizon is where 90% is expected;
#     the quarter is room for the sample of 1,000 devices);
#   - determinism: the same seed gives the same bytes.
#
# usage: tests/e2e/test_channels.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brchan$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

# checks KIND JSON: the python checks as TAP
checks() {
	local line

	while IFS= read -r line; do
		case $line in
		"ok "*) t_ok "$1: ${line#ok }" ;;
		*) t_fail "$1: ${line#fail }" ;;
		esac
	done < <(python3 "$E2E/channels.py" "$1" "$2" 2>&1)
}

for kind in outage swap; do
	scn=$E2E/scenarios/$kind.scenario
	[ "$kind" = swap ] && scn=$E2E/scenarios/swap-sni.scenario
	if "$BR" --json simulate --scenario "$scn" >"$TMP/$kind.json" \
		2>"$TMP/$kind.err"; then
		t_ok "$kind: simulate ran"
		checks "$kind" "$TMP/$kind.json"
	else
		t_fail "$kind: simulate ran" "$(cat "$TMP/$kind.err")"
	fi
done

"$BR" --json simulate --scenario "$E2E/scenarios/outage.scenario" \
	>"$TMP/again.json" 2>/dev/null
# the run's own wall-clock figures aside
strip() { grep -v '"wall_s"\|"run_s"' "$1"; }
if cmp -s <(strip "$TMP/outage.json") <(strip "$TMP/again.json"); then
	t_ok "same seed, same bytes"
else
	t_fail "same seed, same bytes" \
		"$(diff <(strip "$TMP/outage.json") <(strip "$TMP/again.json") | head -5)"
fi
t_done
