#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_lab_plan.sh - "blastradius lab plan" (the live lab's address map,
# user/lab/addrmap.h): every real prefix of the catalog and of every
# shipped policy gets a block inside the lab's world, and the printed map
# keeps containment both ways (checked here with Python's ipaddress, not
# with the code that made it); text and JSON agree; a bad policy and a
# bad subcommand are refused.
#
# usage: tests/e2e/test_lab_plan.sh [BUILD_DIR]
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brlabplan$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$BR" --json lab plan policies/*.policy >"$TMP/map.json" 2>"$TMP/err"
t_eq "lab plan of every shipped policy: exit 0" "$?" 0
n=$(jq '.map | length' "$TMP/map.json")
t_match "it maps the catalog's and the policies' prefixes" "$n" '^[0-9]{2,}$'
t_eq "its world is the lab's ranges" "$(jq -c .world "$TMP/map.json")" \
	'["198.19.0.0/17","2001:db8:8000::/33"]'

# containment, both ways, over every pair: checked from the output alone
python3 - "$TMP/map.json" >"$TMP/check" <<'PY'
import ipaddress, json, sys
m = json.load(open(sys.argv[1]))
world = [ipaddress.ip_network(w) for w in m["world"]]
pairs = [(ipaddress.ip_network(e["real"]), ipaddress.ip_network(e["lab"]))
         for e in m["map"]]
bad = [str(l) for r, l in pairs
       if not any(l.version == w.version and l.subnet_of(w) for w in world)]
print("outside", len(bad))
wrong = 0
nested = 0
for r1, l1 in pairs:
    for r2, l2 in pairs:
        if r1.version != r2.version or r1 == r2:
            continue
        if r1.subnet_of(r2) != l1.subnet_of(l2) or \
           r1.overlaps(r2) != l1.overlaps(l2):
            wrong += 1
        nested += r1.subnet_of(r2)
print("wrong", wrong)
print("nested", nested)
PY
t_eq "every block lies in the lab's world" \
	"$(grep outside "$TMP/check")" "outside 0"
t_eq "nested stays nested, disjoint stays disjoint" \
	"$(grep wrong "$TMP/check")" "wrong 0"
t_match "the map has nested prefixes to keep (Apple's 17.0.0.0/8)" \
	"$(grep nested "$TMP/check")" '^nested [1-9]'

"$BR" lab plan policies/*.policy >"$TMP/map.txt" 2>/dev/null
t_eq "the text lists the same map" \
	"$(awk 'NR > 1 { print $1 " " $3 }' "$TMP/map.txt")" \
	"$(jq -r '.map[] | "\(.real) \(.lab)"' "$TMP/map.json")"

printf 'policy bad\nset a addr { 10.0.0.0/33 }\nrule daddr @a drop\n' \
	>"$TMP/bad.policy"
"$BR" lab plan "$TMP/bad.policy" >/dev/null 2>"$TMP/err"
t_eq "a malformed policy: exit 1" "$?" 1
t_match "... with file:line:col" "$(cat "$TMP/err")" 'bad.policy:2:[0-9]+: '
"$BR" lab nothing >/dev/null 2>&1
t_eq "an unknown subcommand: usage, exit 2" "$?" 2

t_done
