#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_ensemble.sh - simulate's ensembles (docs/simulate-output.md,
# "Ensembles"), on a small scenario whose assumptions are ranges
# (tests/e2e/scenarios/ranges.scenario):
#   - --runs 8 prints the same bytes as merge of 4 shards run by GNU
#     parallel (JSON and text), whatever order the partials come in;
#     --runs 2 of a quic sni policy the same in one worker as in two;
#   - every number of --runs --json is an interval {value, lo, hi} with
#     lo <= value <= hi, the shares (KEY_pct) are there, the assumptions
#     show what the runs drew, and the runs did differ;
#   - --sensitivity names the share of devices with IPv6 as what moves
#     an IPv4-only APNs rule's iOS push loss most (the rule misses IPv6
#     devices: at 0% IPv6 it loses every push), and the VPN share as what
#     moves imessage-apns-sni's in the default scenario;
#   - CSV has a row per figure, the HTML error bars;
#   - bad shards, options and partials are refused with a message.
#
# usage: tests/e2e/test_ensemble.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brensemble$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

SCN=$E2E/scenarios/ranges.scenario
POL=$E2E/policies/apns-v4-only.policy
SIM=(simulate --scenario "$SCN" --policy "$POL")

# ---- single machine and shards: the same bytes ---------------------------
"$BR" -q --json "${SIM[@]}" --runs 8 >"$TMP/runs.json" 2>"$TMP/err" ||
	t_fail "--runs 8 --json" "$(cat "$TMP/err")"
"$BR" -q "${SIM[@]}" --runs 8 >"$TMP/runs.txt" 2>>"$TMP/err"
parallel -j 2 "$BR" -q "${SIM[@]}" --runs 8 --shard {}/4 '>' \
	"$TMP/part{}.jsonl" ::: 0 1 2 3
t_check "GNU parallel ran the 4 shards" test -s "$TMP/part3.jsonl"
"$BR" --json merge "$TMP"/part{2,0,3,1}.jsonl >"$TMP/merged.json"
"$BR" merge "$TMP"/part{1,3,0,2}.jsonl >"$TMP/merged.txt"
t_check "merge of 4 shards == --runs 8, JSON, byte for byte" \
	cmp "$TMP/runs.json" "$TMP/merged.json"
t_check "merge of 4 shards == --runs 8, text, byte for byte" \
	cmp "$TMP/runs.txt" "$TMP/merged.txt"

# A worker runs its runs on one instance, reset between them: what a run
# prints must not depend on the runs before it in the same worker. Under
# a policy whose quic sni rules open Initials (keys, gathered hellos and
# per-source budgets on the run's clock), two runs in one worker against
# each in its own.
YT=(simulate --scenario "$E2E/scenarios/youtube.scenario"
    --policy policies/youtube-throttle-2024.policy --runs 2)
"$BR" -q --json "${YT[@]}" --jobs 1 >"$TMP/yt1.json" 2>>"$TMP/err"
"$BR" -q --json "${YT[@]}" --jobs 2 >"$TMP/yt2.json" 2>>"$TMP/err"
t_check "quic sni policy: --runs 2 in one worker == in two, byte for byte" \
	cmp "$TMP/yt1.json" "$TMP/yt2.json"

# ---- every figure an interval ------------------------------------------------
check_intervals() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad, n, moved = [], 0, 0
# The figures of an action no run exercised (a catalog service the
# scenario does not use: 0 attempted in every run) cannot move: they are
# checked, not counted, so the share that moved does not fall as the
# catalog grows.
def walk(v, path, count=True):
    global n, moved
    if isinstance(v, dict):
        if set(v) == {"draws"} and v["draws"] == 0:
            return  # a share whose base was 0 in every run: undefined
        if set(v) >= {"value", "lo", "hi"}:
            if not (v["lo"] <= v["value"] <= v["hi"]):
                bad.append(path)
            if count:
                n += 1
                moved += v["lo"] != v["hi"]
            return
        idle = isinstance(v.get("attempted"), dict) and \
            v["attempted"].get("hi") == 0
        for k, x in v.items():
            walk(x, path + "." + k, count and not idle)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i), count)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        bad.append(path + " (a bare number)")
walk(d["policies"], "policies")
walk(d["scenario"], "scenario")
assert d["ensemble"]["runs"] == 8, d["ensemble"]
p = d["policies"][0]
assert "failed_pct" in p["efficacy"], p["efficacy"].keys()
assert "lost_pct" in p["push"][0], p["push"][0].keys()
assert "[" in p["headline"], p["headline"]
names = [x["name"] for x in d["scenario"]["parameters"]]
assert "ipv6" in names and "platform ios" in names, names
if bad:
    sys.exit("not intervals: " + ", ".join(bad[:5]))
if moved < n // 4:
    sys.exit("only %d of %d figures moved across the runs" % (moved, n))
print("%d figures, %d moved" % (n, moved))
PY
}
if out=$(check_intervals "$TMP/runs.json" 2>&1); then
	t_ok "--runs --json: every number an interval ($out)"
else
	t_fail "--runs --json: every number an interval" "$out"
fi
t_match "text: the assumptions with what the runs drew" \
	"$(cat "$TMP/runs.txt")" 'ipv6 +0%\.\.60% +uniform +drawn: [0-9.]+ \['
t_match "text: push loss with its interval" "$(cat "$TMP/runs.txt")" \
	'push notifications lost: iOS [0-9.]+% \[[0-9.]+-[0-9.]+\]'

# ---- sensitivity -------------------------------------------------------------
"$BR" -q --json "${SIM[@]}" --sensitivity >"$TMP/sens.json" 2>"$TMP/err"
t_eq "--sensitivity: 1 + 2 runs per ranged assumption" \
	"$(jq '.sensitivity.runs' "$TMP/sens.json")" 17
t_eq "--sensitivity: IPv6 share moves the IPv4-only rule's iOS push loss most" \
	"$(jq -r '.sensitivity.policies[0].figures[] |
		select(.figure == "push_lost_pct_ios") | .moved_most_by' \
		"$TMP/sens.json")" ipv6
t_eq "--sensitivity: at 0% IPv6 the rule loses every iOS push" \
	"$(jq -r '.sensitivity.policies[0].figures[] |
		select(.figure == "push_lost_pct_ios") | .ranking[0] |
		"\(.assumption) \(.low) \(.at_low)"' "$TMP/sens.json")" \
	"ipv6 0 100"
"$BR" -q "${SIM[@]}" --sensitivity --html "$TMP/sens.html" >"$TMP/sens.txt"
t_match "--sensitivity text names it" "$(cat "$TMP/sens.txt")" \
	'iOS push notifications lost %: [0-9.]+ with every assumption central; moved most by ipv6'
t_match "--sensitivity --html: a tornado chart, a bar per end" \
	"$(grep -A1 'text-anchor="end">ipv6 0%..60%</text>' \
		"$TMP/sens.html")" 'fill="#4a78b5"/><rect [^>]*fill="#e8a23a"/>'
t_match "--sensitivity --html: the figure at each end, in %" \
	"$(grep -A1 'text-anchor="end">ipv6 0%..60%</text>' \
		"$TMP/sens.html")" '>low 100\.0%, high [0-9]+\.[0-9]%</text>'

# The issue's question on the shipped scenario: which assumption moves
# imessage-apns-sni's iOS push loss most? The VPN share: the rule loses
# every push of the iPhones it sees (29 runs of the default scenario).
"$BR" -q --json simulate --policy policies/imessage-apns-sni.policy \
	--sensitivity >"$TMP/sens-default.json" 2>"$TMP/err"
t_eq "default scenario: the VPN share moves imessage-apns-sni's iOS push loss most" \
	"$(jq -r '.sensitivity.policies[0].figures[] |
		select(.figure == "push_lost_pct_ios") |
		"\(.central) \(.moved_most_by)"' "$TMP/sens-default.json")" \
	"100 vpn"

# ---- CSV and HTML -----------------------------------------------------------------
"$BR" -q "${SIM[@]}" --runs 3 --csv --html "$TMP/runs.html" \
	>"$TMP/runs.csv" 2>"$TMP/err"
t_eq "--runs --csv: header" "$(head -1 "$TMP/runs.csv")" \
	"policy,figure,value,lo,hi,draws"
t_match "--runs --csv: a figure per row, with its path" \
	"$(cat "$TMP/runs.csv")" \
	'^apns-v4-only,push\[apns/iOS system/ios\]\.lost_pct,[0-9.]+,[0-9.]+,[0-9.]+,$'
t_check "--runs --html: error bars" grep -q '% \[[0-9.]*-[0-9.]*\]</text>' \
	"$TMP/runs.html"

# ---- refused -------------------------------------------------------------------------
t_fails "merge: a shard missing" "$BR" merge "$TMP"/part{0,1,2}.jsonl
t_match "merge: says which run is missing" \
	"$("$BR" merge "$TMP"/part{0,1,3}.jsonl 2>&1)" \
	'run 3 of 8 is in none of the partial results \(shard 2 of 4'
t_fails "merge: a shard twice" "$BR" merge "$TMP"/part{0,1,2,3,3}.jsonl
"$BR" -q "${SIM[@]}" --runs 9 --shard 0/4 >"$TMP/other.jsonl"
t_match "merge: a shard of another ensemble" \
	"$("$BR" merge "$TMP"/part{0,1,2}.jsonl "$TMP/other.jsonl" 2>&1)" \
	'other.jsonl:1: a shard of another ensemble'
printf 'not json\n' >"$TMP/junk"
t_match "merge: not a partial" "$("$BR" merge "$TMP/junk" 2>&1)" \
	'junk:1: not the header of a partial result'
"$BR" -q "${SIM[@]}" --runs 2 --shard 4/4 >/dev/null 2>&1
t_eq "--shard 4/4: a usage error" "$?" 2
"$BR" -q "${SIM[@]}" --runs 0 >/dev/null 2>&1
t_eq "--runs 0: a usage error" "$?" 2
"$BR" -q "${SIM[@]}" --runs 2 --sensitivity >/dev/null 2>&1
t_eq "--runs with --sensitivity: a usage error" "$?" 2
t_match "--sensitivity without a ranged assumption" \
	"$("$BR" -q simulate --scenario "$E2E/scenarios/small.scenario" \
		--policy "$POL" --sensitivity 2>&1)" \
	'scenario small has no assumption given as a range'

t_done
