#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_markdown.sh - blastradius simulate --markdown FILE: the result as
# Markdown for an issue or a paper. Its tables parse (a header, an
# alignment row, the same number of cells in every row) and hold the
# figures simulate --json gives for the same runs: per policy its
# efficacy, collateral and headline; per service and policy its failed of
# attempted; per app class, platform and policy its pushes lost of
# attempted, a row per platform where a service's platforms differ; the
# scenario's devices, duration, seed and swaps.
#
# usage: tests/e2e/test_markdown.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brmd$$.XXXXXX")
cleanup() {
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SWAP=$E2E/scenarios/swap.scenario
SMALL=$E2E/scenarios/small.scenario
P1=policies/examples/imessage-apns-sni.policy
P2=$E2E/policies/facetime-media-real.policy

cat >"$TMP/check.py" <<'EOF'
# check.py MD JSON [both]: the Markdown against simulate --json of the same
# runs; "both": a service must have one row over both platforms
import json, re, sys

sys.path.insert(0, "tests/e2e")
import matrix_rows

md_path, json_path = sys.argv[1], sys.argv[2]
want_both = sys.argv[3:] == ["both"]
res = json.load(open(json_path))
runs = res["policies"]


def check(name, ok, why=""):
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))


def cells(line):
    """a table row's cells: split on | not escaped, outer pipes dropped"""
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


# the tables by the heading above them: header, rows
tables, heading, lines = {}, None, open(md_path, encoding="utf-8").read()
rows = lines.split("\n")
i = 0
while i < len(rows):
    line = rows[i]
    if line.startswith("## "):
        heading = line[3:]
    if line.startswith("|") and heading and heading not in tables:
        block = []
        while i < len(rows) and rows[i].startswith("|"):
            block.append(cells(rows[i]))
            i += 1
        tables[heading] = block
        continue
    i += 1

want = ["Scenario", "Policies", "What-if: failed actions per service",
        "Push notifications lost per app class"]
check("the four tables are there", all(t in tables for t in want),
      "tables: %s" % list(tables))
for name, t in tables.items():
    ok = len(t) >= 2 and all(re.fullmatch(r":?-{3,}:?", c) for c in t[1])
    check("%s: a header and an alignment row" % name, ok, t[:2])
    ok = all(len(r) == len(t[0]) for r in t)
    check("%s: every row has %d cells" % (name, len(t[0])), ok,
          [len(r) for r in t])


def share(part, whole):
    return "-" if not whole else "%.1f%% (%d/%d)" % (
        100.0 * part / whole, part, whole)


# the scenario
sc = {r[0]: r[1] for r in tables["Scenario"][2:]}
s = res["scenario"]
check("scenario: devices", sc.get("devices") == str(s["devices"]), sc)
check("scenario: duration", sc.get("duration") == "%d s" % s["duration_s"],
      sc)
check("scenario: seed", sc.get("seed") == str(s["seed"]), sc)
if "swap" in s["file"]:
    check("scenario: a swap row", any(k.startswith("swap at ") for k in sc),
          sc)

# per policy
pol = tables["Policies"][2:]
check("policies: one row per run, in order",
      [r[0] for r in pol] == [r["name"] for r in runs],
      [r[0] for r in pol])
for r, row in zip(runs, pol):
    e, c = r["efficacy"], r["collateral"]
    check("%s: targets" % r["name"],
          row[1] == (", ".join(r["targets"]) or "-"), row[1])
    check("%s: efficacy" % r["name"],
          row[2] == share(e["failed"], e["attempted"]), row[2])
    check("%s: collateral failed" % r["name"],
          row[3] == share(c["failed"], c["attempted"]), row[3])
    check("%s: collateral degraded" % r["name"],
          row[4] == share(c["degraded"], c["attempted"]), row[4])
    check("%s: headline" % r["name"], row[5] == r["headline"], row[5])

# per service, a row per platform where the platforms differ: the rule
# (matrix_rows.py) applied to --json's service_platforms, which must add
# up to its per-action services rows
mx = tables["What-if: failed actions per service"]
check("matrix: a column per run", mx[0][3:] == [r["name"] for r in runs],
      mx[0])
bad = matrix_rows.consistent(runs)
check("json: service_platforms add up to the services rows", not bad,
      bad[:5])
want_rows = matrix_rows.rows(runs)
got_rows = [(row[1], row[2]) for row in mx[2:]]
check("matrix: a row per service, per platform where they differ",
      got_rows == want_rows,
      sorted(set(got_rows) ^ set(want_rows)) or (got_rows, want_rows))
check("matrix: a service split by platform (the test means something)",
      ("bank", "ios") in got_rows and ("bank", "android") in got_rows,
      got_rows)
if want_both:
    check("matrix: a service on both platforms in one row",
          any(p == "both" for _, p in got_rows), got_rows)
label = {"ios": " (iOS)", "android": " (Android)", "both": ""}
bad = [row[0] for row in mx[2:]
       if not row[0].endswith(label[row[2]]) or
       (row[2] == "both" and row[0].endswith(")"))]
check("matrix: a row's label names its platform", not bad, bad)
bad = []
for row in mx[2:]:
    sv, pl = row[1], row[2]
    for k, r in enumerate(runs):
        a, f, d = matrix_rows.cell(runs, k, sv, pl)
        want = "-" if not a else share(f, a) + (
            "; degraded " + share(d, a) if d else "")
        if row[3 + k].replace("**", "") != want:
            bad.append((sv, pl, r["name"], row[3 + k], want))
check("matrix: every cell is failed (and degraded) of attempted",
      not bad, bad[:5])

# push notifications per app class and platform
pt = tables["Push notifications lost per app class"]
got = {(row[0], row[1]): row[2:] for row in pt[2:]}
keys = {(x["name"], x["platform"]) for r in runs for x in r["push"]}
check("push: a row per app class and platform", set(got) == keys,
      sorted(set(got) ^ keys))
bad = []
for k, r in enumerate(runs):
    for x in r["push"]:
        cell = got.get((x["name"], x["platform"]), [""] * len(runs))[k]
        if cell != share(x["lost"], x["attempted"]):
            bad.append((x["name"], x["platform"], r["name"], cell))
check("push: every cell is lost of attempted", not bad, bad[:5])
check("push: a loss to see (the test means something)",
      any(x["lost"] for r in runs for x in r["push"]))
EOF

report() {
	while IFS= read -r line; do
		case $line in
		PASS\ *) t_ok "${line#PASS }" ;;
		FAIL\ *) t_fail "${line#FAIL }" ;;
		*) t_fail "checker: $line" ;;
		esac
	done <<<"$1"
}

if "$BR" --json simulate --scenario "$SWAP" --policy "$P1" --policy "$P2" \
	--no-policy --markdown "$TMP/swap.md" >"$TMP/swap.json" \
	2>"$TMP/err"; then
	t_ok "simulate --markdown runs (swap scenario, two policies, baseline)"
	t_match "its path on stderr" "$(cat "$TMP/err")" \
		"^simulate: wrote $TMP/swap.md\$"
	report "$(python3 "$TMP/check.py" "$TMP/swap.md" "$TMP/swap.json" 2>&1)"
else
	t_fail "simulate --markdown runs" "$(cat "$TMP/err")"
fi
# the small scenario: services on both platforms, some in one row
if "$BR" --json simulate --scenario "$SMALL" --policy "$P1" --policy "$P2" \
	--markdown "$TMP/small.md" >"$TMP/small.json" 2>"$TMP/err"; then
	t_ok "simulate --markdown runs (small scenario, two policies)"
	report "$(python3 "$TMP/check.py" "$TMP/small.md" "$TMP/small.json" \
		both 2>&1 | sed 's/^\(PASS\|FAIL\) /\1 small: /')"
else
	t_fail "simulate --markdown runs (small scenario)" "$(cat "$TMP/err")"
fi
t_fails "an unwritable --markdown path fails" \
	"$BR" -q simulate --scenario "$SWAP" --no-policy \
	--markdown "$TMP/no/such/dir/x.md"

echo "# $T_N checks, $T_FAILED failed"
[ "$T_FAILED" -eq 0 ]
