#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End to end: the live side of impact. A censor router in a lab (scripts/
# lab.sh) running blastradius in native mode:
#
#  1. load of the headline policy (imessage-apns-sni) prints its impact on
#     the default scenario: every iOS app class loses its pushes; --quiet
#     prints nothing; --json carries it as "impact";
#  2. a policy without collateral (FaceTime's media ports) prints none;
#     it reaches WhatsApp's call flow (UDP 3478), which the default
#     scenario never uses (calls have no default rate), so its impact is
#     simulated and finds none;
#  3. swap --dry-run prints the impact and changes nothing;
#     swap --max-collateral refuses past the limit (the old policy stays)
#     and swaps within it;
#  4. stats attributes the SNI rule's drops (a real ClientHello naming an
#     APNs courier) to APNs, iMessage and every iOS push app class (the
#     push-driven classes and the Russian apps of whitelisted.catalog), the
#     signature shared; and says when the policy file changed or is gone;
#  5. stats --prometheus is valid text exposition format (checked by a
#     parser below) and its totals are those of stats --totals --json.
#
# usage: tests/e2e/test_impact_live.sh BUILD_DIR   (as root)
set -u
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
BLASTRADIUS=$(realpath "$BUILD/blastradius")
. tests/e2e/lib.sh
. scripts/lab.sh

SNI_POLICY=policies/examples/imessage-apns-sni.policy
FT_POLICY=tests/e2e/policies/facetime-media-real.policy
TRAFFIC=tests/e2e/traffic.py
TMP=$(mktemp -d)
cleanup() {
	lab_down
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
lab_up || { echo "not ok 1 - lab set-up"; exit 1; }

# A copy of the headline policy at an absolute path: stats re-reads it,
# and the test changes it later.
cp "$SNI_POLICY" "$TMP/imsg.policy"
POL="$TMP/imsg.policy"

br() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" --netns "$LAB_ROUTER" "$@"; }
bs() { "$BLASTRADIUS" --pin-dir "$LAB_PIN_DIR" "$@"; }
in_force() { bs --json status | jq -r '"\(.generation) \(.policy)"'; }

lab_spawn "$LAB_SERVER" python3 "$TRAFFIC" listen 5223,443
lab_wait_port "$LAB_SERVER" 5223 || t_fail "TCP listener up"

# ---- 1. load prints the impact ---------------------------------------------
t0=$(date +%s%N)
out=$(br load sub0:subscriber up0:upstream "$POL" 2>&1); rc=$?
t1=$(date +%s%N)
echo "# load with its what-if took $(((t1 - t0) / 1000000)) ms"
t_eq "load of imessage-apns-sni exits 0" "$rc" 0
t_match "load says what it loaded" "$out" \
	"^loaded policy imessage-apns-sni \\(generation 1\\) on sub0"
t_match "load prints the impact's headline" "$out" \
	"^  blocks 100% of iMessage; also loses 100% of iOS push notifications"
for class in banking delivery 2FA ride-hailing news; do
	t_match "load: $class loses ~100% of its pushes on iOS" "$out" \
		"^    $class +ios +[1-9][0-9]* +[1-9][0-9]* +(99\\.[5-9]|100\\.0)% "
done
t_eq "load: no Android push is lost (no android row)" \
	"$(echo "$out" | grep -c '^    [a-zA-Z0-9 -]* android ')" 0
t_match "load: collateral by service lists APNs" "$out" "^    APNs +[0-9]+ +[0-9]+ +100\\.0%"

bs unload >/dev/null
t0=$(date +%s%N)
out=$(br -q load sub0:subscriber up0:upstream "$POL" 2>&1); rc=$?
t1=$(date +%s%N)
t_eq "load --quiet: exit 0 and nothing printed" "$rc:$out" "0:"
echo "# load --quiet took $(((t1 - t0) / 1000000)) ms (no simulation)"
bs unload >/dev/null

js=$(br --json load sub0:subscriber up0:upstream "$POL")
t_eq "load --json: impact simulated, with collateral" \
	"$(echo "$js" | jq -c '[.generation, .impact.simulated, .impact.has_collateral]')" \
	"[1,true,true]"
t_eq "load --json: every iOS push of the app classes lost, none on Android" \
	"$(echo "$js" | jq -c '[.impact.push[] | select(.app_class | IN("bank","delivery","auth","ridehail","news"))
		| select((.platform == "ios") != (.lost == .attempted and .attempted > 0))] | length')" 0
t_match "load --json: the headline" "$(echo "$js" | jq -r .impact.headline)" "^blocks 100% of iMessage"

# ---- 4. attribution: a real ClientHello naming an APNs courier -----------
# (The dropped flow's ends retransmit for a while: later reads may count
# more drops, so counts are compared within one read only.)
lab_cli timeout 3 openssl s_client -connect "$LAB_SERVER_V4:5223" \
	-servername 7-courier.push.apple.com </dev/null >/dev/null 2>&1
s=$(bs --json stats)
drops=$(echo "$s" | jq '.rules[0].packets')
t_match "the SNI rule dropped the hello" "$drops" "^[1-9]"
t_eq "stats --json: the SNI rule's services (attribution)" \
	"$(echo "$s" | jq -c '[.attribution[0].services[].service]')" \
	'["apns","imessage","facetime","bank","delivery","auth","ridehail","news","gosuslugi","yandex","vk","max","rutube","ozon","wildberries","sberbank"]'
t_eq "stats --json: every one through a shared signature, APNs directly" \
	"$(echo "$s" | jq -c '([.attribution[0].services[] | select(.shared | not)] | length),
		[.attribution[0].services[] | select(.direct) | .service]' | tr '\n' ' ')" \
	'0 ["apns"] '
t_eq "stats --json: signatures apns.courier and courier-443, shared by 16" \
	"$(echo "$s" | jq -c '[.attribution[0].signatures[] | "\(.service).\(.flow):\(.users):\(.shared)"]')" \
	'["apns.courier:16:true","apns.courier-443:16:true"]'
t_eq "stats --json: the attribution counts the rule's drops; source unchanged" \
	"$(echo "$s" | jq -c '[.attribution[0].packets == .rules[0].packets, .attribution_source.status]')" \
	'[true,"unchanged"]'
out=$(bs stats)
t_match "stats: a section of drops attributed to services" "$out" \
	"^drops attributed to services"
t_match "stats: rule 0 with its drops" "$out" "^  rule 0 \\(drop, [1-9][0-9]* packets\\): rule \"apns by sni\""
t_match "stats: apns.courier shared by 16 services" "$out" \
	"apns\\.courier +tls 5223 sni %-courier\\.push\\.apple\\.com; shared by 16 services"
for svc in apns imessage bank delivery auth ridehail news; do
	t_match "stats: $svc listed for the SNI rule, shared" "$out" \
		"^ +(services +)?$svc +.* shared .*(push-received|message-sent)"
done
t_match "stats: says what shared means" "$out" "a drop on a shared signature counts against every service"
t_eq "stats --no-attribution leaves the section out" \
	"$(bs stats --no-attribution | grep -c 'drops attributed')" 0
t_eq "stats --totals: no attribution (the generation in force only)" \
	"$(bs --json stats --totals | jq 'has("attribution")')" false

# ---- 5. stats --prometheus -------------------------------------------------
# check_prom FILE TOTALS_JSON STATUS_JSON: a parser of the text exposition
# format; prints "ok" or what is wrong.
check_prom() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(%s)(\{(?:%s=%s(?:,%s=%s)*,?)?\})? ([^ ]+)( -?[0-9]+)?$'
                    % (NAME, LABEL, VALUE, LABEL, VALUE))
PAIR = re.compile(r'(%s)=(%s)' % (LABEL, VALUE))
errs = []
types, helps, series, seen_fams = {}, {}, {}, []
text = open(sys.argv[1]).read()
if not text.endswith('\n'):
    errs.append('no final newline')
for n, line in enumerate(text.split('\n')[:-1], 1):
    if line.startswith('#'):
        m = re.match(r'^# (HELP|TYPE) (%s) (.*)$' % NAME, line)
        if not m:
            if re.match(r'^# (HELP|TYPE) ', line):
                errs.append('%d: bad %s' % (n, line))
            continue
        kind, name, rest = m.groups()
        table = helps if kind == 'HELP' else types
        if name in table:
            errs.append('%d: second %s for %s' % (n, kind, name))
        if kind == 'TYPE' and rest not in ('counter', 'gauge', 'histogram',
                                           'summary', 'untyped'):
            errs.append('%d: type %s' % (n, rest))
        if kind == 'TYPE' and any(s[0] == name for s in series):
            errs.append('%d: TYPE of %s after its samples' % (n, name))
        table[name] = rest
        continue
    if not line.strip():
        continue
    m = SAMPLE.match(line)
    if not m:
        errs.append('%d: not a sample: %s' % (n, line))
        continue
    name, labels, value = m.group(1), m.group(2) or '', m.group(3)
    try:
        v = float(value)
    except ValueError:
        errs.append('%d: value %s' % (n, value))
        continue
    lab = tuple(sorted((k, json.loads(val)) for k, val in PAIR.findall(labels)))
    if len(set(k for k, _ in lab)) != len(lab):
        errs.append('%d: a label twice' % n)
    if (name, lab) in series:
        errs.append('%d: series twice: %s' % (n, line))
    series[(name, lab)] = v
    if name not in types:
        errs.append('%d: %s has no TYPE' % (n, name))
    if seen_fams and seen_fams[-1] != name and name in seen_fams:
        errs.append('%d: %s not contiguous' % (n, name))
    if not seen_fams or seen_fams[-1] != name:
        seen_fams.append(name)
    if types.get(name) == 'counter':
        if not name.endswith('_total'):
            errs.append('%d: counter %s without _total' % (n, name))
        if v < 0 or v != int(v):
            errs.append('%d: counter %s = %s' % (n, name, value))
for name, t in types.items():
    if name not in helps:
        errs.append('%s: no HELP' % name)

def get(name, **lab):
    return series.get((name, tuple(sorted(lab.items()))))

tot = json.load(open(sys.argv[2]))
st = json.load(open(sys.argv[3]))
want = {}
for verdict, c in tot['actions'].items():
    want[('blastradius_packets_total', (('verdict', verdict),))] = c['packets']
    want[('blastradius_bytes_total', (('verdict', verdict),))] = c['bytes']
for role in ('subscriber', 'upstream'):
    want[('blastradius_role_packets_total', (('role', role),))] = tot[role]['packets']
    want[('blastradius_role_bytes_total', (('role', role),))] = tot[role]['bytes']
want[('blastradius_no_rule_packets_total', ())] = tot['no_rule']['packets']
for key, c in tot.items():
    if isinstance(c, dict) and set(c) == {'packets', 'bytes'} and \
            key not in ('subscriber', 'upstream', 'no_rule'):
        want[('blastradius_%s_packets_total' % key, ())] = c['packets']
        want[('blastradius_%s_bytes_total' % key, ())] = c['bytes']
for k, v in want.items():
    if series.get(k) != v:
        errs.append('%s%s: %s, stats --totals --json says %s' % (k[0], dict(k[1]), series.get(k), v))
if get('blastradius_generation') != st['generation']:
    errs.append('generation %s, status %s' % (get('blastradius_generation'), st['generation']))
if len(want) < 40:
    errs.append('only %d totals compared' % len(want))
print('; '.join(errs) if errs else 'ok')
PY
}

# Read while no counter moves: the Prometheus text, the JSON totals, the
# text again, until the two texts agree.
prom_ok=""
for i in $(seq 1 20); do
	bs stats --prometheus >"$TMP/prom1" &&
		bs --json stats --totals >"$TMP/totals.json" &&
		bs stats --prometheus >"$TMP/prom2" || break
	if cmp -s "$TMP/prom1" "$TMP/prom2"; then
		prom_ok=1
		break
	fi
	sleep 0.2
done
t_eq "stats --prometheus read twice alike" "${prom_ok:-no}" 1
bs --json status >"$TMP/status.json"
t_eq "stats --prometheus is valid exposition format; totals = stats --totals --json" \
	"$(check_prom "$TMP/prom1" "$TMP/totals.json" "$TMP/status.json")" ok
t_match "stats --prometheus: the SNI rule as a gauge, with its text" "$(cat "$TMP/prom1")" \
	"^blastradius_rule_packets\\{generation=\"1\",rule=\"0\",action=\"drop\",text=\"rule \\\\\"apns by sni\\\\\" tcp dport .*\"\\} [1-9][0-9]*\$"
t_match "stats --prometheus: its HELP says it restarts per generation" "$(cat "$TMP/prom1")" \
	"^# HELP blastradius_rule_packets .*starts from 0 with each generation"
out=$(bs stats --prometheus --totals 2>&1); rc=$?
t_eq "stats --prometheus --totals is a usage error" "$rc" 2

# ---- 2. a policy without collateral ----------------------------------------
out=$(bs swap "$FT_POLICY" 2>&1); rc=$?
t_eq "swap to facetime-media-real exits 0" "$rc" 0
t_match "swap to facetime-media-real: one line, no impact warning" \
	"$(echo "$out" | wc -l):$out" "^1:swapped: generation 2, policy facetime-media-real"
t_eq "swap --json to a policy without collateral: simulated (WhatsApp's calls), none found" \
	"$(bs --json swap "$FT_POLICY" | jq -c '[.generation, .impact.simulated, .impact.has_collateral]')" \
	"[3,true,false]"

# ---- 3. --dry-run and --max-collateral -------------------------------------
before=$(in_force)
out=$(bs swap --dry-run "$POL" 2>&1); rc=$?
t_eq "swap --dry-run exits 0" "$rc" 0
t_match "swap --dry-run says it changed nothing" "$out" \
	"^dry run: policy imessage-apns-sni \\(.*\\) compiles; it would replace generation 3 \\(facetime-media-real\\); nothing changed"
t_match "swap --dry-run prints the push loss" "$out" "^    banking +ios +[0-9]+ +[0-9]+ +100\\.0% "
t_eq "swap --dry-run: generation and policy unchanged" "$(in_force)" "$before"
out=$(bs swap --dry-run "$FT_POLICY" 2>&1)
t_match "swap --dry-run of a policy without collateral says so" "$out" \
	"^  blocks 100% of FaceTime; no collateral failure"
printf 'policy broken\nrule tcp dport 99999 drop\n' >"$TMP/broken.policy"
out=$(bs swap --dry-run "$TMP/broken.policy" 2>&1); rc=$?
t_eq "swap --dry-run of a broken policy exits 1, generation unchanged" "$rc $(in_force)" "1 $before"

out=$(bs swap "$POL" --max-collateral push=10 2>"$TMP/err"); rc=$?
t_eq "swap --max-collateral push=10 refuses: exit 1" "$rc" 1
t_match "refusal says why" "$(cat "$TMP/err")" \
	"refused: push notifications lost [0-9.]+% \\([0-9]+ of [0-9]+\\) in the what-if, over --max-collateral push=10"
t_match "refusal says nothing changed" "$(cat "$TMP/err")" "nothing changed: generation 3 \\(facetime-media-real\\) stays in force"
t_eq "refused: generation and policy unchanged" "$(in_force)" "$before"
t_match "refused: the impact printed" "$out" "^    news +ios"
js=$(bs --json swap "$POL" --max-collateral bank:ios=50 2>/dev/null); rc=$?
t_eq "swap --json --max-collateral bank:ios=50 refuses (banking loses its iOS pushes)" \
	"$rc $(echo "$js" | jq -c '[.refused, .limits[0].exceeded, .limits[0].lost > 0]')" "1 [true,true,true]"
out=$(bs swap "$POL" --max-collateral push=100 --max-collateral bank:android=0 2>&1); rc=$?
t_eq "swap --max-collateral push=100 bank:android=0 swaps: exit 0" "$rc" 0
t_match "within the limit, said" "$out" "^--max-collateral push=100: push notifications lost .*, within the limit"
t_eq "swapped: generation 4, imessage-apns-sni" "$(in_force)" "4 imessage-apns-sni"
out=$(bs swap "$POL" --max-collateral frobnicate=5 2>&1); rc=$?
t_eq "an unknown class is a usage error" "$rc" 2
out=$(bs swap "$POL" --max-collateral push=10 --no-impact 2>&1); rc=$?
t_eq "--max-collateral with --no-impact is a usage error" "$rc" 2
out=$(bs swap --no-impact "$POL" 2>&1); rc=$?
t_eq "swap --no-impact: one line" "$rc $(echo "$out" | wc -l)" "0 1"

# ---- 4b. the policy file changed or gone -------------------------------------
touch -d '+2 seconds' "$POL"
t_match "stats: a file written after the install, same rules, said" \
	"$(bs stats)" "was written after generation 5 was installed; its rules are the same"
printf 'rule "extra" udp dport 9 drop\n' >>"$POL"
out=$(bs stats)
t_match "stats: a file whose rules changed, said" "$out" "has changed since generation 5 was installed: its rules differ"
t_eq "stats --json: attribution empty, status changed" \
	"$(bs --json stats | jq -c '[(.attribution | length), .attribution_source.status]')" '[0,"changed"]'
rm "$POL"
t_match "stats: a file that is gone, said" "$(bs stats)" "$POL is gone: no attribution"

t_check "unload" bs unload
t_done
