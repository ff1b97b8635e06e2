#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# import-registry on dumps written by tests/gen_registry.py: every corner
# of the format (IPv6 in both spellings, CIDR, IDN Cyrillic names in
# windows-1251, "*." names, empty domains, rows of many IPs, decision
# numbers holding ';', repeats) imported into a policy that check accepts,
# its sets holding exactly the elements the generator made (computed there
# with Python's ipaddress and punycode codec, not by blastradius), the
# counts of the summary equal to the generator's, each malformed line
# reported with its number, and the exit codes of failure and misuse.
# Then SYNs replayed through the imported policy: to an address of the
# dump, into a prefix of the dump, and to an address outside it.
#
# usage: tests/e2e/test_registry.sh BUILD_DIR   (as root: replay)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GEN="python3 tests/gen_registry.py"

$GEN --rows 3000 --addrs 9000 --malformed 6 --seed 7 --elements \
	--out "$TMP/dump.csv" --expect "$TMP/expect.json"
$GEN --rows 3000 --addrs 9000 --malformed 6 --seed 7 --out "$TMP/again.csv"
t_check "the generator writes the same bytes for the same seed" \
	cmp "$TMP/dump.csv" "$TMP/again.csv"

# ---- import with --out: the policy, its set file, the summary ---------------
"$BLASTRADIUS" --json import-registry --out "$TMP/reg.policy" "$TMP/dump.csv" \
	>"$TMP/summary.json" 2>"$TMP/err"; rc=$?
t_eq "import of a dump with 6 bad lines exits 0" "$rc" 0
t_check "the policy and its set file are written" \
	test -s "$TMP/reg.policy" -a -s "$TMP/reg.set"
t_check "the policy includes the set file" \
	grep -qx 'include "reg.set"' "$TMP/reg.policy"
out=$("$BLASTRADIUS" check "$TMP/reg.policy" 2>&1); rc=$?
t_eq "check accepts the imported policy" "$rc" 0
t_match "... with two rules and the registry's sets" "$out" \
	': ok: policy registry, 2 rules, 2 named sets, '

# The summary's counts against the generator's, key by key.
cmp_counts() {
	python3 - "$1" "$2" <<'PY'
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
keys = ["rows", "ipv4_addresses", "ipv4_prefixes", "ipv6_addresses",
        "ipv6_prefixes", "domains", "urls_ignored", "error_lines"]
bad = ["%s: %s, want %s" % (k, got.get(k), want[k]) for k in keys
       if got.get(k) != want[k]]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
t_check "the summary counts what the generator wrote" \
	cmp_counts "$TMP/summary.json" "$TMP/expect.json"

# The set file's elements against the generator's own conversion.
cmp_elements() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
want = json.load(open(sys.argv[2]))
def body(kind):
    m = re.search(r"set registry-\w+ %s \{\n(.*?)\n\}" % kind, text, re.S)
    return m.group(1).split("\n") if m else []
addrs, doms = body("addr"), body("domain")
ok = True
for name, got, exp in (("addrs", addrs, want["addrs"]),
                       ("domains", doms, want["domain_elements"])):
    if len(got) != len(set(got)):
        print("%s: an element twice" % name); ok = False
    if set(got) != set(exp):
        print("%s: extra %s, missing %s" % (name, sorted(set(got) - set(exp))[:3],
                                            sorted(set(exp) - set(got))[:3]))
        ok = False
sys.exit(0 if ok else 1)
PY
}
t_check "the sets hold exactly the generator's addresses and names" \
	cmp_elements "$TMP/reg.set" "$TMP/expect.json"
t_check "an IDN name is in punycode, a wildcard kept" \
	grep -qE '^(xn--[a-z0-9-]+\.xn--p1ai)$' "$TMP/reg.set"
t_check "... and a \"*.\" name kept as the registry spells it" \
	grep -qE '^\*\.w[0-9]+\.example\.net$' "$TMP/reg.set"

# Each malformed line, by its number and kind.
lines=$(python3 -c 'import json,sys
for e in json.load(open(sys.argv[1]))["errors"]: print("%d %s" % (e["line"], e["kind"]))' \
	"$TMP/expect.json")
n=0
while read -r num kind; do
	grep -q "^$TMP/dump.csv:$num: $kind" "$TMP/err" && n=$((n + 1))
done <<<"$lines"
t_eq "each malformed line is reported as DUMP:LINE: message" "$n" 6
t_eq "... and nothing else is" "$(grep -c "^$TMP/dump.csv:[0-9]*: " "$TMP/err")" 6

# ---- the program matches what was imported --------------------------------
# SYNs to the dump's first address, into its first /24 and to an address
# no element covers (chosen against the generator's elements), as a pcap.
# shellcheck disable=SC2046 # three addresses, one a word
python3 tests/e2e/syn_pcap.py "$TMP/syn.pcap" $(python3 - "$TMP/expect.json" <<'PY'
import ipaddress, json, sys
want = json.load(open(sys.argv[1]))
nets = [ipaddress.ip_network(a) for a in want["addrs"] if ":" not in a]
host = next(a for a in want["addrs"] if ":" not in a and "/" not in a)
pfx = ipaddress.ip_network(next(a for a in want["addrs"] if a.endswith("/24")))
inside = str(pfx.network_address + 77)
outside = next(str(ipaddress.ip_address(x)) for x in
               range(int(ipaddress.ip_address("192.0.2.1")), 1 << 32)
               if not any(ipaddress.ip_address(x) in n for n in nets))
print(host, inside, outside)
PY
)
verdicts=$("$BLASTRADIUS" --json replay --policy "$TMP/reg.policy" "$TMP/syn.pcap" |
	python3 -c 'import json,sys
print(" ".join("%s:%s" % (f["verdict"], f["rule"]) for f in json.load(sys.stdin)["flows"]))')
t_eq "replay: a dump address and a dump prefix dropped by the address rule, another passed" \
	"$verdicts" "drop:0 drop:0 pass:None"

# ---- stdout: sets inline ----------------------------------------------------
"$BLASTRADIUS" import-registry "$TMP/dump.csv" >"$TMP/inline.policy" \
	2>"$TMP/err2"; rc=$?
t_eq "import to stdout exits 0" "$rc" 0
t_check "the inline policy passes check" "$BLASTRADIUS" check "$TMP/inline.policy"
t_check "... with the same elements" \
	cmp_elements "$TMP/inline.policy" "$TMP/expect.json"
t_match "the summary on stderr says URLs are ignored" "$(tail -1 "$TMP/err2")" \
	'URLs ignored \(blastradius does not match URLs\)'
"$BLASTRADIUS" import-registry "$TMP/dump.csv" >"$TMP/inline2.policy" 2>/dev/null
t_check "the same dump gives the same bytes" \
	cmp "$TMP/inline.policy" "$TMP/inline2.policy"

# ---- actions and names ------------------------------------------------------
for act in reset drop; do
	"$BLASTRADIUS" import-registry --action $act "$TMP/dump.csv" \
		>"$TMP/a.policy" 2>/dev/null
	t_check "--action $act: the domains by TLS name" \
		grep -qx "rule \"registry domains\" sni @registry-domains $act" \
		"$TMP/a.policy"
done
"$BLASTRADIUS" import-registry --action nxdomain --name rkn-2026 \
	--out "$TMP/nx.policy" "$TMP/dump.csv" 2>/dev/null
t_check "--action nxdomain: the domains by DNS query" \
	grep -qx 'rule "registry domains" dns @rkn-2026-domains nxdomain' \
	"$TMP/nx.policy"
t_match "--name names the policy and its sets" \
	"$("$BLASTRADIUS" check "$TMP/nx.policy" 2>&1)" ': ok: policy rkn-2026, 2 rules'
t_check "addresses are dropped whatever the action" \
	grep -qx 'rule "registry addresses" daddr @rkn-2026-addrs drop' \
	"$TMP/nx.policy"

# ---- too many errors: exit 1, nothing written -------------------------------
"$BLASTRADIUS" import-registry --max-errors 5 --out "$TMP/no.policy" \
	"$TMP/dump.csv" >/dev/null 2>"$TMP/err3"; rc=$?
t_eq "6 bad lines over --max-errors 5: exit 1" "$rc" 1
t_check "... nothing written" test ! -e "$TMP/no.policy" -a ! -e "$TMP/no.set"
t_match "... and says why" "$(cat "$TMP/err3")" \
	'more than 5 lines with errors: nothing written'
"$BLASTRADIUS" import-registry --max-errors 6 "$TMP/dump.csv" >/dev/null 2>&1
t_eq "6 bad lines with --max-errors 6: exit 0" "$?" 0

$GEN --rows 200 --addrs 300 --malformed 101 --out "$TMP/bad.csv"
"$BLASTRADIUS" import-registry "$TMP/bad.csv" >/dev/null 2>&1
t_eq "101 bad lines of 301 rows over the default (at least 100): exit 1" "$?" 1
$GEN --rows 200 --addrs 300 --malformed 100 --out "$TMP/bad100.csv"
"$BLASTRADIUS" import-registry "$TMP/bad100.csv" >/dev/null 2>&1
t_eq "100 bad lines: exit 0" "$?" 0

printf 'Updated: 2026-11-30 12:00:00 +0000\n' >"$TMP/empty.csv"
"$BLASTRADIUS" import-registry "$TMP/empty.csv" >/dev/null 2>&1
t_eq "a dump with no address and no domain: exit 1" "$?" 1
"$BLASTRADIUS" import-registry "$TMP/missing.csv" >/dev/null 2>&1
t_eq "a missing dump: exit 1" "$?" 1

# ---- usage ------------------------------------------------------------------
"$BLASTRADIUS" import-registry >/dev/null 2>&1
t_eq "no DUMP: exit 2" "$?" 2
"$BLASTRADIUS" import-registry --name 1bad "$TMP/dump.csv" >/dev/null 2>&1
t_eq "--name that is not an identifier: exit 2" "$?" 2
"$BLASTRADIUS" import-registry --action block "$TMP/dump.csv" >/dev/null 2>&1
t_eq "--action not drop, reset or nxdomain: exit 2" "$?" 2
"$BLASTRADIUS" import-registry --max-errors x "$TMP/dump.csv" >/dev/null 2>&1
t_eq "--max-errors not a number: exit 2" "$?" 2
"$BLASTRADIUS" --json import-registry "$TMP/dump.csv" >/dev/null 2>&1
t_eq "--json without --out (stdout holds the policy): exit 2" "$?" 2

t_done
