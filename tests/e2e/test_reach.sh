#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_reach.sh - who the censor sees (issue 13), through simulate:
#   - vpn 100%: a blocking policy's efficacy is 0, every packet is counted
#     unseen and none goes through the program;
#   - vpn SERVICE 100%: that service escapes, the others do not;
#   - coverage wifi 0%, cellular 100%: only cellular devices' Twitter is
#     throttled (none with all devices on Wi-Fi, all with all on cellular);
#     an operator's coverage replaces its access's for its subscribers;
#   - proxy SERVICE 100%: an address block of the service misses it;
#   - a service's servers that rotate into an unlisted pool come back
#     after the first move; into a listed one they do not;
#   - the chase ("move ... after T into POOLS" and the timeline's
#     stages): a move to a pool not yet blocked gets through until the
#     censor's stage adds it, then fails, and a next pool helps again;
#   - the HTML report says whom the censor sees;
#   - the same seed gives the same bytes with these statements too.
#
# usage: tests/e2e/test_reach.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d /tmp/brreach.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# scn BASE LINE...: BASE's scenario with LINEs added, as a file path
scn() {
	local base=$1 f

	shift
	f=$(mktemp "$TMP/s.XXXXXX.scenario")
	{ cat "$E2E/scenarios/$base.scenario"; printf '%s\n' "$@"; } >"$f"
	echo "$f"
}

sim() {
	"$BR" --json simulate "$@" 2>/dev/null
}

outcome() {
	jq -r --arg s "$2" --arg p "$3" --arg a "$4" --arg f "$5" \
		'[.policies[0].services[] |
		select(.service == $s and ($p == "*" or .platform == $p) and
		       .action == $a) | .[$f]] | add' <<<"$1"
}

# all_failed NAME JSON: Telegram messages were sent, and every one failed
all_failed() {
	local att ko

	att=$(outcome "$2" telegram '*' message-sent attempted)
	ko=$(outcome "$2" telegram '*' message-sent failed)
	if [ "${att:-0}" -gt 0 ] && [ "$ko" = "$att" ]; then
		t_ok "$1 ($ko of $att)"
	else
		t_fail "$1" "failed $ko of $att"
	fi
}

TG=policies/telegram-2018.policy

# ---- a VPN for everything ---------------------------------------------------

r=$(sim --scenario "$(scn small)" --policy "$TG")
t_eq "no VPN: telegram-2018 blocks Telegram (failed = attempted)" \
	"$(jq '.policies[0].efficacy.failed == .policies[0].efficacy.attempted and .policies[0].efficacy.attempted > 0' <<<"$r")" true
t_eq "no VPN: no packet is unseen" "$(jq '.policies[0].unseen_packets' <<<"$r")" 0

r=$(sim --scenario "$(scn small 'vpn 100%')" --policy "$TG")
t_eq "vpn 100%: the scenario says so" "$(jq '.scenario.reach.vpn' <<<"$r")" 1
t_eq "vpn 100%: efficacy 0 (no Telegram message fails)" \
	"$(jq '.policies[0].efficacy.failed' <<<"$r")" 0
t_eq "vpn 100%: and no collateral either" \
	"$(jq '.policies[0].collateral.failed' <<<"$r")" 0
t_eq "vpn 100%: no packet went through the program" \
	"$(jq '.policies[0].packets' <<<"$r")" 0
t_match "vpn 100%: every packet counted as unseen" \
	"$(jq '.policies[0].unseen_packets' <<<"$r")" '^[1-9][0-9]{3,}$'

# ---- a VPN for one service ---------------------------------------------------

r=$(sim --scenario "$(scn small 'vpn telegram 100%')" --policy "$TG")
t_eq "vpn telegram 100%: Telegram escapes the block" \
	"$(jq '.policies[0].efficacy.failed' <<<"$r")" 0
t_match "vpn telegram 100%: the cloud app still fails (collateral)" \
	"$(outcome "$r" cloud-app '*' open failed)" '^[1-9][0-9]*$'
t_match "vpn telegram 100%: some packets unseen, others seen" \
	"$(jq '"\(.policies[0].unseen_packets) \(.policies[0].packets)"' <<<"$r")" \
	'^"[1-9][0-9]* [1-9][0-9]*"$'
t_eq "the JSON lists the per-service share" \
	"$(jq -c '.scenario.reach.vpn_by_service' <<<"$r")" '{"telegram":1}'
u=$(jq '.policies[0].unseen_packets' <<<"$r")
t_match "the text report counts the unseen packets too" \
	"$("$BR" simulate --scenario "$(scn small 'vpn telegram 100%')" \
		--policy "$TG" 2>/dev/null | grep '^policy telegram')" \
	"\\($u more went around it, unseen\\)"

# ---- coverage by access -------------------------------------------------------

THR=policies/examples/sni-twimg-throttle.policy
half=$(scn twitter 'access wifi 50%, cellular 50%' \
	'coverage wifi 0%, cellular 100%')
r=$(sim --scenario "$half" --policy "$THR")
att=$(outcome "$r" twitter '*' open attempted)
late=$(outcome "$r" twitter '*' open late)
if [ "${late:-0}" -gt 0 ] && [ "$late" -lt "${att:-0}" ]; then
	t_ok "coverage wifi 0%: some openings throttled, not all ($late of $att)"
else
	t_fail "coverage wifi 0%: some openings throttled, not all" \
		"late $late of $att"
fi
t_eq "the JSON says the coverage" \
	"$(jq -c '.scenario.reach.coverage' <<<"$r")" '{"wifi":0,"cellular":1}'
r=$(sim --scenario "$(scn twitter 'access wifi 100%' \
	'coverage wifi 0%, cellular 100%')" --policy "$THR")
t_eq "all on Wi-Fi, Wi-Fi not covered: no opening late" \
	"$(outcome "$r" twitter '*' open late)" 0
t_eq "... and no packet through the program" \
	"$(jq '.policies[0].packets' <<<"$r")" 0
r=$(sim --scenario "$(scn twitter 'access cellular 100%' \
	'coverage wifi 0%, cellular 100%')" --policy "$THR")
att=$(outcome "$r" twitter '*' open attempted)
t_eq "all on cellular, cellular covered: every opening late" \
	"$(outcome "$r" twitter '*' open late)" "$att"

# an operator's coverage replaces its access's for its subscribers
r=$(sim --scenario "$(scn twitter 'access cellular 100%' \
	'operator a cellular 50% coverage 0%')" --policy "$THR")
att=$(outcome "$r" twitter '*' open attempted)
late=$(outcome "$r" twitter '*' open late)
if [ "${late:-0}" -gt 0 ] && [ "$late" -lt "${att:-0}" ]; then
	t_ok "half of cellular on an operator without the censor: some late, not all ($late of $att)"
else
	t_fail "half of cellular on an operator without the censor: some late, not all" \
		"late $late of $att"
fi
t_eq "the JSON lists the operator" \
	"$(jq -c '.scenario.reach.operators' <<<"$r")" \
	'[{"name":"a","access":"cellular","share":0.5,"coverage":0}]'
r=$(sim --scenario "$(scn twitter 'access cellular 100%' \
	'coverage cellular 0%' 'operator a cellular 100% coverage 100%')" \
	--policy "$THR")
att=$(outcome "$r" twitter '*' open attempted)
t_eq "cellular not covered, but its one operator is: every opening late" \
	"$(outcome "$r" twitter '*' open late)" "$att"

"$BR" simulate --scenario "$half" --policy "$THR" --html "$TMP/r.html" \
	>/dev/null 2>&1
t_match "the HTML report says whom the censor sees" \
	"$(grep -o '<dt>censor sees</dt><dd>[^<]*' "$TMP/r.html")" \
	'0% of Wi-Fi and 100% of cellular devices; 0% of users on a VPN'

# ---- a proxy -------------------------------------------------------------------

r=$(sim --scenario "$(scn small 'proxy telegram 100%')" --policy "$TG")
t_eq "proxy telegram 100%: the address block misses Telegram" \
	"$(jq '.policies[0].efficacy.failed' <<<"$r")" 0
t_eq "... though every packet went through the program" \
	"$(jq '.policies[0].unseen_packets' <<<"$r")" 0

# ---- address rotation ---------------------------------------------------------

# The catalog with Telegram's servers moving every 2m into a pool that
# the policy does not list (RKN's first step of 04-16: Telegram's own
# ranges only); the same catalog without rotation to compare.
CAT="$TMP/catalog"
mkdir -p "$CAT"
cp policies/catalog/* "$CAT/"
sed -i -E -e '/^flow dc tcp daddr @telegram /s/ rotate [^ ]+ into [^ ]+//' \
	-e 's/^(flow dc tcp daddr @telegram dport 443 .*)$/\1 ROTATE/' \
	"$CAT/messengers.catalog"
grep -q ' ROTATE$' "$CAT/messengers.catalog" ||
	t_fail "the catalog copy has Telegram's flow to rotate"
cp -r "$CAT" "$TMP/still"
sed -i 's/ ROTATE$//' "$TMP/still/messengers.catalog"
sed -i 's/ ROTATE$/ rotate 2m into @tg-pool/' "$CAT/messengers.catalog"
sed -i '1i set tg-pool addr { 198.51.100.0/24, 2001:db8:99::/48 }' \
	"$CAT/messengers.catalog"
cat >"$TMP/tg-own.policy" <<'POL'
policy tg-own
target telegram
set telegram addr {
	91.105.192.0/23, 91.108.4.0/22, 91.108.8.0/22, 91.108.12.0/22
	91.108.16.0/22, 91.108.20.0/22, 91.108.56.0/22, 149.154.160.0/20
	185.76.151.0/24
	2001:67c:4e8::/48, 2001:b28:f23c::/48, 2001:b28:f23d::/48
	2001:b28:f23f::/48, 2a0a:f280::/32
}
rule "telegram up" daddr @telegram drop
rule "telegram down" saddr @telegram drop
POL
TGS=$(scn small 'duration 10m' 'rate telegram.message-sent 30/h')
sed -i '/^duration 2m$/d' "$TGS"
still=$(BLASTRADIUS_CATALOG="$TMP/still" sim --scenario "$TGS" \
	--policy "$TMP/tg-own.policy")
moved=$(BLASTRADIUS_CATALOG="$CAT" sim --scenario "$TGS" \
	--policy "$TMP/tg-own.policy")
all_failed "no rotation: every Telegram message fails" "$still"
ok=$(($(outcome "$moved" telegram '*' message-sent ok) + \
	$(outcome "$moved" telegram '*' message-sent late)))
ko=$(outcome "$moved" telegram '*' message-sent failed)
if [ "${ok:-0}" -gt 0 ] && [ "${ko:-0}" -gt 0 ]; then
	t_ok "rotation every 2m: messages fail, then get through ($ko failed, $ok succeeded)"
else
	t_fail "rotation every 2m: messages fail, then get through" \
		"failed $ko, succeeded $ok"
fi
t_eq "rotation: efficacy below 100%" \
	"$(jq '.policies[0].efficacy | .attempted > 0 and .failed < .attempted' \
		<<<"$moved")" true
both="$TMP/tg-pool.policy"
sed -e 's/^rule "telegram down".*/&\nset pool addr { 198.51.100.0\/24, 2001:db8:99::\/48 }\nrule "pool up" daddr @pool drop\nrule "pool down" saddr @pool drop/' \
	"$TMP/tg-own.policy" >"$both"
r=$(BLASTRADIUS_CATALOG="$CAT" sim --scenario "$TGS" --policy "$both")
all_failed "a policy that also lists the pool: rotation does not help" "$r"

# ---- the chase: the target moves on, the censor follows --------------------
# Telegram's own ranges are blocked from the start; its servers move 1m
# after each stage of the block ("move"). A censor that never catches up:
# messages fail, then get through. One that adds the new pool at 5m:
# they fail again from there. A second pool to move into: they get
# through again 1m after that.

CH="$TMP/chase-cat"
cp -r "$TMP/still" "$CH"
sed -i '1i set chase-a addr { 198.51.100.0/24, 2001:db8:99::/48 }\nset chase-b addr { 192.0.2.0/24, 2001:db8:98::/48 }' \
	"$CH/messengers.catalog"
sed -e 's/^rule "telegram down".*/&\nset pool addr { 198.51.100.0\/24, 2001:db8:99::\/48 }\nrule "pool up" daddr @pool drop\nrule "pool down" saddr @pool drop/' \
	"$TMP/tg-own.policy" >"$TMP/tg-own-a.policy"
chase() { # NAME LINE...: the small scenario, 10 minutes, with LINEs
	local f="$TMP/$1.scenario"

	shift
	{ grep -v '^duration' "$E2E/scenarios/small.scenario"
	  printf '%s\n' 'duration 10m' 'rate telegram.message-sent 30/h' \
		'at 0s policy "tg-own.policy"' "$@"; } >"$f"
	echo "$f"
}
chase_sim() {
	BLASTRADIUS_CATALOG="$CH" sim --scenario "$1" --policy "$TMP/tg-own.policy"
}
c1=$(chase_sim "$(chase c1 'move telegram.dc after 1m into @chase-a')")
c2=$(chase_sim "$(chase c2 'move telegram.dc after 1m into @chase-a' \
	'at 5m policy "tg-own-a.policy"')")
c3=$(chase_sim "$(chase c3 'move telegram.dc after 1m into @chase-a, @chase-b' \
	'at 5m policy "tg-own-a.policy"')")
# a message waits for its channel up to 120 s: one that the move lets
# through in that time is late, not failed; both count here
bad() {
	echo $(($(outcome "$1" telegram '*' message-sent failed) + \
		$(outcome "$1" telegram '*' message-sent late)))
}
att=$(outcome "$c1" telegram '*' message-sent attempted)
f1=$(bad "$c1")
f2=$(bad "$c2")
f3=$(bad "$c3")
ok2=$(outcome "$c2" telegram '*' message-sent ok)
echo "# chase: attempted $att; failed or late: no catch-up $f1, caught up at 5m $f2, moved on again $f3"
if [ "${att:-0}" -gt 100 ] && [ "$f1" -gt 0 ] && [ "$f1" -lt $((att / 2)) ]; then
	t_ok "chase: a move to a pool not yet blocked gets through ($f1 of $att failed or late)"
else
	t_fail "chase: a move to a pool not yet blocked gets through" \
		"failed or late $f1 of $att"
fi
# the censor blocks the pool for the second half: about half of the
# messages more fail, and those before still got through
if [ "$ok2" -gt 0 ] && [ "$f2" -gt $((f1 + att / 4)) ]; then
	t_ok "chase: it passes until the censor catches up, then fails ($f2 failed or late, $ok2 in time)"
else
	t_fail "chase: it passes until the censor catches up, then fails" \
		"failed or late $f2 (without the catch-up $f1), in time $ok2, of $att"
fi
if [ "$f3" -lt $((f2 - att / 5)) ]; then
	t_ok "chase: a next pool lets it through again ($f3 failed or late)"
else
	t_fail "chase: a next pool lets it through again" \
		"failed or late $f3, $f2 without"
fi
# ranged times: a draw per run, the same bytes for the same seed
cr=$(chase cr 'move telegram.dc after 30s..1m..90s into @chase-a, @chase-b' \
	'at 4m..5m policy "tg-own-a.policy"')
a=$(BLASTRADIUS_CATALOG="$CH" sim --runs 2 --jobs 1 --scenario "$cr" \
	--policy "$TMP/tg-own.policy")
b=$(BLASTRADIUS_CATALOG="$CH" sim --runs 2 --jobs 1 --scenario "$cr" \
	--policy "$TMP/tg-own.policy")
t_eq "chase: ranged times, the same seed, the same bytes" \
	"$(sha256sum <<<"$a")" "$(sha256sum <<<"$b")"
t_eq "chase: both ranged times are drawn per run" \
	"$(jq -c '[.scenario.parameters[].name] | sort' <<<"$a")" \
	'["at policy \"tg-own-a.policy\"","move telegram.dc after"]'

# ---- determinism -------------------------------------------------------------

s=$(scn small 'vpn 30%' 'vpn telegram 50%' 'proxy telegram 20%' \
	'coverage wifi 50%, cellular 90%')
a=$(sim --scenario "$s" --policy "$TG" | sha256sum)
b=$(sim --scenario "$s" --policy "$TG" | sha256sum)
t_eq "the same seed, the same bytes" "$a" "$b"

t_done
