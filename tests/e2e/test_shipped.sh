#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_shipped.sh - the shipped policies (policies/NAME.policy) do, in
# simulation with the default scenario, what the issue says they do:
#   - facetime-2025: FaceTime calls fail >= 99%, yet ring at the callee
#     (as seen in December 2025); no push lost on either platform;
#   - imessage-apns-sni, imessage-apns-ip: every iMessage action fails
#     >= 99%, and iOS push notifications >= 99% in every app class;
#     Android's pushes none;
#   - imessage-identity: no push lost; with the default scenario's
#     lookups inside the APNs channel no iMessage action fails
#     (test_messaging.sh has the TLS path);
#   - quic-block-2022: most web page loads fall back to TCP (invisible; a
#     first visit goes over TCP anyway), none late, none failed; the
#     Russian site's loads, exempt, do not even fall back; YouTube's
#     HTTP/3 falls back too, unseen;
#   - twitter-throttle-2021: Twitter's openings late, none failed;
#   - youtube-throttle-2024: YouTube's video plays late, none failed,
#     opening the app (the web UI) untouched, nothing else touched; on a
#     scenario of a few plays a device, each of its two rules (TLS, QUIC)
#     slows plays the other does not;
#   - telegram-2018: Telegram fails, and so do the unrelated services the
#     catalog hosts in the blocked cloud ranges; nothing else;
#   - ech-2024: the Cloudflare site's pages fail on Android (Chrome's ECH)
#     and load on iOS; nothing else;
#   - freeze-16k-2025: the frozen providers' pages and downloads stall
#     (data/transfer_stalled), their small API answers load, nothing else;
#   - mobile-whitelist-2025 and -push: everything not approved fails, the
#     approved apps open; their push notifications are all lost without
#     the push channels approved and arrive with them;
#   - calls-2025: WhatsApp's and Telegram's calls fail, their messages
#     and everything else pass; the headline names the calls;
#   - whatsapp-2026: WhatsApp fails whole; nothing else;
# the event policies' records are shown with the model beside them;
# and the outputs: --json has its documented keys, --csv parses and
# agrees with it; an action's deadline makes a success after it late.
#
# usage: tests/e2e/test_shipped.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brshipped$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

SHIPPED="facetime-2025 imessage-apns-sni imessage-apns-ip imessage-identity
quic-block-2022 twitter-throttle-2021 youtube-throttle-2024 telegram-2018
ech-2024 freeze-16k-2025 mobile-whitelist-2025 mobile-whitelist-2025-push
calls-2025 whatsapp-2026"
J=$TMP/sim.json
# the whitelist's targets: every app of the default scenario it does not
# approve, the system push channels aside
WL_TARGETS=imessage,facetime,icloud,bank,delivery,auth,ridehail,news,telegram,whatsapp,signal,web,cloud-app,ewallet,game-network,video,cf-site,hetzner-site,do-site,twitter,youtube
WL_APPROVED="gosuslugi yandex vk max rutube ozon wildberries sberbank ru-web"

# ---- helpers ------------------------------------------------------------------

# val POLICY SERVICE PLATFORM ACTION FIELD: one number of a services row
val() {
	jq -r --arg p "$1" --arg s "$2" --arg pl "$3" --arg a "$4" \
		--arg f "$5" '[.policies[] | select(.name == $p) | .services[] |
		select(.service == $s and .platform == $pl and
		.action == $a) | .[$f]] |
		if length == 1 then .[0] else "missing" end' "$J"
}

is_num() {
	[[ $1 =~ ^[0-9]+$ ]]
}

# t_pct_ge NAME PART WHOLE PCT: WHOLE > 0 and PART >= PCT % of it
t_pct_ge() {
	if is_num "$2" && is_num "$3" && [ "$3" -gt 0 ] &&
		[ $(($2 * 100)) -ge $(($4 * $3)) ]; then
		t_ok "$1 ($2 of $3)"
	else
		t_fail "$1" "got $2 of $3, want at least $4%"
	fi
}

# t_ge NAME GOT MIN: GOT is a number, at least MIN
t_ge() {
	if is_num "$2" && [ "$2" -ge "$3" ]; then
		t_ok "$1 ($2)"
	else
		t_fail "$1" "got $2, want at least $3"
	fi
}

# t_zero NAME VALUE: VALUE is the number 0
t_zero() {
	if [ "$2" = 0 ]; then
		t_ok "$1"
	else
		t_fail "$1" "got $2, want 0"
	fi
}

# t_pos NAME VALUE: VALUE is a number above 0
t_pos() {
	if is_num "$2" && [ "$2" -gt 0 ]; then
		t_ok "$1 ($2)"
	else
		t_fail "$1" "got $2, want a number above 0"
	fi
}

# rows POLICY JQ_FILTER: the services rows of POLICY the filter selects, as
# "service platform action attempted failed late+fallback" lines
rows() {
	jq -r --arg p "$1" ".policies[] | select(.name == \$p) | .services[] |
		select($2) | select(.attempted > 0) |
		\"\\(.service) \\(.platform) \\(.action) \\(.attempted) \\(.failed) \\(.late + .fallback)\"" "$J"
}

# push POLICY PLATFORM: "app_class attempted lost" lines of its push rows
push() {
	jq -r --arg p "$1" --arg pl "$2" '.policies[] | select(.name == $p) |
		.push[] | select(.platform == $pl) |
		"\(.app_class) \(.attempted) \(.lost)"' "$J"
}

# untouched POLICY NAME JQ_FILTER: every row the filter selects (with
# something attempted) neither failed, late nor through a fallback; at
# least one such row
untouched() {
	local n=0 bad="" svc plat act att fail deg

	while read -r svc plat act att fail deg; do
		n=$((n + 1))
		[ "$fail" = 0 ] && [ "$deg" = 0 ] ||
			bad="$bad $svc/$plat/$act:failed=$fail,late+fallback=$deg"
	done < <(rows "$1" "$3")
	if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		t_ok "$1: $2 untouched ($n actions)"
	else
		t_fail "$1: $2 untouched" "rows: $n" "touched:$bad"
	fi
}

# ---- the policies: valid, described ------------------------------------------

for p in $SHIPPED; do
	f=policies/$p.policy
	t_check "$p: check passes" "$BR" check "$f"
	if grep -q '^# .*[Ss]ource' "$f" &&
		grep -q '^# What the simulation shows' "$f"; then
		t_ok "$p: its comment names its sources and what it shows"
	else
		t_fail "$p: its comment names its sources and what it shows"
	fi
done
# every shipped policy is one of them (a new one needs its checks here)
for f in policies/*.policy; do
	p=$(basename "$f" .policy)
	case " $(echo $SHIPPED) " in
	*" $p "*) ;;
	*) t_fail "policies/$p.policy has checks in test_shipped.sh" ;;
	esac
done

# ---- one simulation of the default scenario per policy ---------------------

args=()
for p in $SHIPPED; do
	args+=(--policy "policies/$p.policy")
done
start=$(date +%s)
if ! "$BR" --json simulate "${args[@]}" >"$J" 2>"$TMP/err"; then
	t_fail "simulate the shipped policies" "$(cat "$TMP/err")"
	t_done
	exit 1
fi
echo "# simulated $(echo $SHIPPED | wc -w) policies in $(($(date +%s) - start)) s"

# ---- JSON: parses, with the documented keys ---------------------------------

t_check "--json parses" jq -e . "$J"
t_eq "one result per policy, in order" \
	"$(jq -r '[.policies[].name] | join(" ")' "$J")" "$(echo $SHIPPED)"
t_eq "each names its file" \
	"$(jq -r '[.policies[].file] | join(" ")' "$J")" \
	"$(for p in $SHIPPED; do printf 'policies/%s.policy ' "$p"; done |
		sed 's/ $//')"
t_eq "each names its targets" \
	"$(jq -r '[.policies[] | .targets | join(",")] | join(" ")' "$J")" \
	"facetime imessage imessage imessage web twitter youtube telegram cf-site cf-site,hetzner-site,do-site,web $WL_TARGETS $WL_TARGETS whatsapp.call,telegram.call whatsapp"
t_eq "each has a headline that says what it blocks" \
	"$(jq '[.policies[].headline | select(test("^blocks [0-9]+% of "))] |
		length' "$J")" "$(echo $SHIPPED | wc -w)"
t_eq "policy keys" \
	"$(jq -c '[.policies[] | keys | contains(["file", "headline", "name",
		"push", "services", "targets"])] | unique' "$J")" '[true]'
t_eq "services rows: service, platform, action, outcomes, times, users" \
	"$(jq -c '[.policies[].services[] | keys - ["superseded", "expired",
		"stale", "held", "sms", "from"]] | unique' "$J")" \
	'[["action","attempted","duration_s","failed","failures","fallback","late","ok","platform","service","slow","users"]]'
t_eq "push rows: app class, platform, outcomes, delay, users" \
	"$(jq -c '[.policies[].push[] | keys] | unique' "$J")" \
	'[["app_class","attempted","delay_s","expired","held","late","lost","name","on_time","platform","stale","superseded","users"]]'
t_eq "counts add up: ok + fallback + late + failed = attempted, slow <= late, what a store did <= failed" \
	"$(jq '[.policies[].services[] | select(.ok + .fallback + .late +
		.failed != .attempted or .slow > .late or
		(.superseded // 0) + (.expired // 0) + (.stale // 0) +
		(.held // 0) > .failed)] | length' "$J")" 0
t_eq "push rows add up: on_time + late + lost = attempted" \
	"$(jq '[.policies[].push[] | select(.on_time + .late + .lost !=
		.attempted)] | length' "$J")" 0

# ---- facetime-2025 ------------------------------------------------------------

P=facetime-2025
t_pct_ge "$P: FaceTime calls fail >= 99%" \
	"$(val $P facetime ios call failed)" \
	"$(val $P facetime ios call attempted)" 99
# as users saw in December 2025 (FACTS.md): incoming calls ring (the
# invitation is a push, delivered) but do not connect (the media fail)
t_eq "$P: every call rings at the callee" \
	"$(val $P facetime ios call-received ok)" \
	"$(val $P facetime ios call attempted)"
t_eq "$P: ... a ring received from the call" \
	"$(val $P facetime ios call-received from)" call
t_eq "$P: the headline counts the calls, not the rings" \
	"$(jq -r '.policies[] | select(.name == "facetime-2025") |
		.efficacy | "\(.failed) \(.attempted)"' "$J")" \
	"$(val $P facetime ios call failed) $(val $P facetime ios call attempted)"
for plat in ios android; do
	att=$(push $P $plat | awk '{ a += $2 } END { print a + 0 }')
	lost=$(push $P $plat | awk '{ l += $3 } END { print l + 0 }')
	t_pos "$P: $plat pushes attempted" "$att"
	t_zero "$P: no $plat push lost" "$lost"
done
t_zero "$P: no collateral failure" \
	"$(jq '.policies[] | select(.name == "facetime-2025") |
		.collateral.failed' "$J")"

# ---- imessage-apns-sni, imessage-apns-ip ---------------------------------------

for P in imessage-apns-sni imessage-apns-ip; do
	n=0
	while read -r svc plat act att fail deg; do
		n=$((n + 1))
		t_pct_ge "$P: iMessage $act fails >= 99%" "$fail" "$att" 99
	done < <(rows $P '.service == "imessage"')
	# a failed send is never received: the actions received "from"
	# another device's sends do not happen at all
	t_eq "$P: every iMessage action that sends attempted" "$n" \
		"$(grep '^action ' <(awk '/^service /{ s = $2 }
			s == "imessage"' policies/catalog/apple.catalog) |
			grep -vc ' from ')"
	recv=$(awk '/^service /{ s = $2 } s == "imessage" &&
		/^action .* from / { print $2 }' policies/catalog/apple.catalog |
		jq -R . | jq -sc .)
	t_eq "$P: nothing received (every send failed)" \
		"$(jq --arg p "$P" --argjson r "$recv" '[.policies[] |
			select(.name == $p) | .services[] |
			select(.service == "imessage" and
			(.action | IN($r[]))) | .attempted] |
			if length == 2 then add else "rows: \(length)" end' "$J")" 0
	n=0
	while read -r cls att lost; do
		n=$((n + 1))
		t_pct_ge "$P: iOS pushes of $cls lost >= 99%" "$lost" "$att" 99
	done < <(push $P ios)
	t_ge "$P: iOS app classes with pushes (the system's, 5 apps)" "$n" 6
	n=0
	while read -r cls att lost; do
		n=$((n + 1))
		t_zero "$P: no Android push of $cls lost" "$lost"
	done < <(push $P android)
	t_ge "$P: Android app classes with pushes" "$n" 6
done

# ---- imessage-identity ----------------------------------------------------------

P=imessage-identity
for plat in ios android; do
	att=$(push $P $plat | awk '{ a += $2 } END { print a + 0 }')
	lost=$(push $P $plat | awk '{ l += $3 } END { print l + 0 }')
	t_pos "$P: $plat pushes attempted" "$att"
	t_zero "$P: no $plat push lost" "$lost"
done
# which iMessage actions need the identity lookup: the catalog says
imsg=$(awk '/^service /{ s = $2 } s == "imessage" && /^action /' \
	policies/catalog/apple.catalog)
need=$(awk '/[ ,]identity( |,|$)/ { print $2 }' <<<"$imsg" | sort | xargs)
noneed=$(awk '!/[ ,]identity( |,|$)/ { print $2 }' <<<"$imsg" | sort | xargs)
t_eq "$P: the catalog's iMessage actions that look up identities" \
	"$need" "attachment-sent message-sent"
t_eq "$P: ... and those that do not" \
	"$noneed" "attachment-received message-received"
# the default scenario looks keys up inside the APNs channel (its
# identity-lookup), which the policy does not touch: nothing fails.
# tests/e2e/test_messaging.sh shows the TLS path, where new
# conversations fail.
t_eq "$P: the default scenario looks keys up in the channel" \
	"$(jq -r '.scenario.identity_lookup' "$J")" channel
for act in $need; do
	t_pos "$P: iMessage $act attempted" \
		"$(val $P imessage ios "$act" attempted)"
	t_zero "$P: iMessage $act (a lookup, in the channel) never fails" \
		"$(val $P imessage ios "$act" failed)"
done
for act in $noneed; do
	t_pos "$P: iMessage $act attempted" \
		"$(val $P imessage ios "$act" attempted)"
	t_zero "$P: iMessage $act (no lookup) never fails" \
		"$(val $P imessage ios "$act" failed)"
	t_zero "$P: iMessage $act (no lookup) never late" \
		"$(val $P imessage ios "$act" late)"
done

# ---- records: the event policies carry what history reported ---------------

# each event policy has records, with a source each, and --json shows the
# model beside every one (whether the model meets them is the ensemble's
# calibration test: one run is one draw)
for p in facetime-2025 quic-block-2022 twitter-throttle-2021 \
	youtube-throttle-2024 telegram-2018 ech-2024 freeze-16k-2025 \
	mobile-whitelist-2025 mobile-whitelist-2025-push calls-2025 \
	whatsapp-2026; do
	t_eq "$p: records shown, each with model, range, source and verdict" \
		"$(jq -c --arg p "$p" '[.policies[] | select(.name == $p) |
			.record[] | (keys == ["figure", "instances", "model",
			"platform", "record_hi", "record_lo", "service",
			"source", "within"]) and (.source | length > 0) and
			.record_lo <= .record_hi] | (length > 0) and all' "$J")" \
		true
	# the population of the event's year: russia-YEAR.scenario, 2025's
	# for 2024 and 2026 (the nearest at hand, as the policies say)
	y=${p#*-20}
	y=20${y%%-*}
	case $y in 2024 | 2026) y=2025 ;; esac
	t_eq "$p: records hold for the scenario of its year" \
		"$(jq -r --arg p "$p" '.policies[] | select(.name == $p) |
			.record_scenario' "$J")" \
		"policies/scenarios/russia-$y.scenario"
done
t_eq "policies without records print none" \
	"$(jq -c '[.policies[] | select(.name | test("^imessage")) |
		has("record")] | unique' "$J")" '[false]'

# ---- quic-block-2022 ------------------------------------------------------------

P=quic-block-2022
# a device's first visit is over TCP (HTTP/3 is learnt from its Alt-Svc):
# about 3 loads a device in the run, so most but not all fall back
t_pct_ge "$P: web page loads fall back (to TCP)" \
	"$(val $P web any page-load fallback)" \
	"$(val $P web any page-load attempted)" 50
t_zero "$P: ... none late" "$(val $P web any page-load late)"
t_zero "$P: ... and none failed" "$(val $P web any page-load failed)"
# Russian sites were spared (net4people/bbs#108): their QUIC is exempt, so
# none of their loads even falls back
t_zero "$P: the Russian site's loads do not fall back (exempt)" \
	"$(val $P ru-web any page-load fallback)"
# YouTube's HTTP/3 is foreign QUIC too: it falls back to TCP, unseen
t_pos "$P: YouTube plays fall back (to TCP)" \
	"$(val $P youtube any play fallback)"
for act in open play; do
	t_zero "$P: ... YouTube $act: none late" "$(val $P youtube any $act late)"
	t_zero "$P: ... none failed" "$(val $P youtube any $act failed)"
done
untouched $P "everything but the web and YouTube" \
	'.service != "web" and .service != "ru-web" and .service != "youtube"'

# ---- twitter-throttle-2021 ------------------------------------------------------

P=twitter-throttle-2021
t_pct_ge "$P: Twitter openings late (throttled)" \
	"$(val $P twitter any open late)" \
	"$(val $P twitter any open attempted)" 99
t_zero "$P: ... and none failed" "$(val $P twitter any open failed)"
untouched $P "everything but Twitter" '.service != "twitter"'

# ---- youtube-throttle-2024 ------------------------------------------------------

P=youtube-throttle-2024
t_pct_ge "$P: YouTube plays late (throttled)" \
	"$(val $P youtube any play late)" \
	"$(val $P youtube any play attempted)" 99
t_pct_ge "$P: ... below the goodput the catalog says a play needs" \
	"$(val $P youtube any play slow)" \
	"$(val $P youtube any play attempted)" 99
t_zero "$P: ... and none failed" "$(val $P youtube any play failed)"
# the web UI (youtube.com, i.ytimg.com) was spared (net4people/bbs#382)
untouched $P "everything but YouTube's plays, its openings included" \
	'(.service == "youtube" and .action == "play") | not'
t_pos "$P: ... YouTube opened" "$(val $P youtube any open attempted)"
t_match "$P: the headline says late, not blocked" \
	"$(jq -r '.policies[] | select(.name == "youtube-throttle-2024") |
		.headline' "$J")" \
	'^blocks 0% of YouTube \(and makes [0-9]+% late\); no collateral failure$'

# Both paths: a device's first play goes over TLS (HTTP/3 not learnt
# yet), its later ones over QUIC. On a scenario of a few plays a device,
# the policy without its QUIC rule leaves the QUIC plays in time and the
# policy without its TLS rule the TLS plays: each rule slows plays the
# other does not reach.
YT=$E2E/scenarios/youtube.scenario
# (without the records, whose scenario is named relative to policies/)
grep -v -e ' quic sni @youtube-video ' -e '^record ' policies/$P.policy \
	>"$TMP/yt-tls.policy"
grep -v -e '^rule .* sni @youtube-video throttle 128kbit' -e '^record ' \
	policies/$P.policy >"$TMP/yt-quic.policy"
t_eq "$P: one TLS and one QUIC rule, each alone" \
	"$(grep -c '^rule ' "$TMP/yt-tls.policy" "$TMP/yt-quic.policy" |
		cut -d: -f2 | xargs) $(grep -c ' quic sni ' "$TMP/yt-quic.policy")" \
	"1 1 1"
if "$BR" --json simulate --scenario "$YT" \
	--policy policies/$P.policy --policy "$TMP/yt-tls.policy" \
	--policy "$TMP/yt-quic.policy" >"$TMP/yt.json" 2>"$TMP/err"; then
	# play FILE FIELD: a number of the plays' row of FILE's run
	play() {
		jq -r --arg f "$1" --arg k "$2" '[.policies[] |
			select(.file == $f) | .services[] |
			select(.service == "youtube" and .action == "play") |
			.[$k]] | if length == 1 then .[0] else "missing" end' \
			"$TMP/yt.json"
	}
	att=$(play policies/$P.policy attempted)
	late=$(play policies/$P.policy late)
	tls_late=$(play "$TMP/yt-tls.policy" late)
	quic_late=$(play "$TMP/yt-quic.policy" late)
	t_pct_ge "$P: a few plays a device: every play late" "$late" "$att" 99
	for what in "TLS rule alone:$tls_late" "QUIC rule alone:$quic_late"; do
		n=${what#*:}
		t_pos "$P: the ${what%%:*} slows plays" "$n"
		if is_num "$n" && [ "$n" -lt "$late" ]; then
			t_ok "$P: ... not all: the other rule's plays ($n of $late)"
		else
			t_fail "$P: ... not all: the other rule's plays" \
				"late $n, with both rules $late"
		fi
	done
else
	t_fail "simulate $YT" "$(cat "$TMP/err")"
fi

# ---- telegram-2018 --------------------------------------------------------------

P=telegram-2018
t_pct_ge "$P: Telegram fails" "$(val $P telegram any message-sent failed)" \
	"$(val $P telegram any message-sent attempted)" 99
# the services the catalog hosts in the blocked ranges, which the policy
# never names, that the default scenario's devices use (the 2018 era's
# others are russia-2018.scenario's)
cloud=$(awk '/^service /{ print $2 }' policies/catalog/cloud.catalog |
	while read -r s; do
		grep -q "^app $s " policies/scenarios/default.scenario &&
			echo "$s"
	done | xargs)
t_eq "$P: the catalog's cloud-hosted services the default scenario uses" \
	"$cloud" "cloud-app ewallet game-network video"
filter='.service == "none"'
for svc in $cloud; do
	n=0
	while read -r s plat act att fail deg; do
		n=$((n + 1))
		t_pct_ge "$P: collateral: $s $act fails" "$fail" "$att" 99
	done < <(rows $P ".service == \"$svc\"")
	t_pos "$P: $svc: actions attempted" "$n"
	filter="$filter or .service == \"$svc\""
done
t_pos "$P: collateral failures counted" \
	"$(jq '.policies[] | select(.name == "telegram-2018") |
		.collateral.failed' "$J")"
untouched $P "everything else" "($filter or .service == \"telegram\") | not"

# ---- ech-2024 ------------------------------------------------------------------

P=ech-2024
# Chrome on Android sends ECH to the Cloudflare site, Safari on iOS does
# not (the catalog's assumption, webhosted.catalog [ech])
t_pct_ge "$P: the Cloudflare site's pages fail on Android" \
	"$(val $P cf-site android page-load failed)" \
	"$(val $P cf-site android page-load attempted)" 99
t_pos "$P: ... attempted on iOS" "$(val $P cf-site ios page-load attempted)"
t_zero "$P: ... and none fails there" "$(val $P cf-site ios page-load failed)"
untouched $P "everything but the Cloudflare site's pages" \
	'(.service == "cf-site" and .action == "page-load") | not'

# ---- freeze-16k-2025 -------------------------------------------------------------

P=freeze-16k-2025
for svc in cf-site hetzner-site do-site; do
	for act in page-load download; do
		att=$(jq --arg p $P --arg s $svc --arg a $act '[.policies[] |
			select(.name == $p) | .services[] | select(.service ==
			$s and .action == $a) | .attempted] | add' "$J")
		t_pct_ge "$P: $svc $act stalls (data/transfer_stalled)" \
			"$(jq --arg p $P --arg s $svc --arg a $act '[.policies[] |
				select(.name == $p) | .services[] |
				select(.service == $s and .action == $a) |
				.failures["data/transfer_stalled"] // 0] | add' "$J")" \
			"$att" 99
	done
	# a 4 KB answer is under the freeze's 16 KB
	t_pos "$P: $svc api-call attempted" "$(val $P $svc any api-call attempted)"
	t_zero "$P: ... and loads" "$(val $P $svc any api-call failed)"
done
untouched $P "everything not on the frozen providers" \
	'.service | IN("cf-site", "hetzner-site", "do-site", "web") | not'

# ---- mobile-whitelist-2025, mobile-whitelist-2025-push -------------------------

for P in mobile-whitelist-2025 mobile-whitelist-2025-push; do
	for svc in ${WL_TARGETS//,/ }; do
		# iMessage rides the APNs channel: the twin approves it
		[ $P = mobile-whitelist-2025-push ] && [ $svc = imessage ] &&
			continue
		att=$(jq --arg p $P --arg s $svc '[.policies[] | select(.name ==
			$p) | .services[] | select(.service == $s and
			(.from | not)) | .attempted] | add // 0' "$J")
		fail=$(jq --arg p $P --arg s $svc '[.policies[] | select(.name ==
			$p) | .services[] | select(.service == $s and
			(.from | not) and (.action | test("push") | not)) |
			.failed] | add // 0' "$J")
		natt=$(jq --arg p $P --arg s $svc '[.policies[] | select(.name ==
			$p) | .services[] | select(.service == $s and
			(.from | not) and (.action | test("push") | not)) |
			.attempted] | add // 0' "$J")
		t_pct_ge "$P: $svc (not approved) fails, pushes aside" \
			"$fail" "$natt" 99
	done
	for svc in $WL_APPROVED; do
		untouched $P "approved $svc opens" \
			".service == \"$svc\" and (.action | test(\"push\") | not)"
	done
done
# the question: do the approved apps' notifications arrive?
for svc in gosuslugi yandex vk max rutube ozon wildberries sberbank; do
	for plat in ios android; do
		t_pct_ge "mobile-whitelist-2025: $svc $plat pushes lost (APNs/FCM not approved)" \
			"$(val mobile-whitelist-2025 $svc $plat push-received failed)" \
			"$(val mobile-whitelist-2025 $svc $plat push-received attempted)" 99
		t_pct_ge "mobile-whitelist-2025-push: $svc $plat pushes arrive (APNs/FCM approved)" \
			"$(val mobile-whitelist-2025-push $svc $plat push-received ok)" \
			"$(val mobile-whitelist-2025-push $svc $plat push-received attempted)" 99
	done
done
# iMessage's messages go down the APNs channel (apple.catalog): with it
# approved they pass; its attachments (iCloud) do not
t_zero "mobile-whitelist-2025-push: iMessage messages pass (through APNs)" \
	"$(val mobile-whitelist-2025-push imessage ios message-sent failed)"
t_pct_ge "mobile-whitelist-2025-push: ... its attachments (iCloud) fail" \
	"$(val mobile-whitelist-2025-push imessage ios attachment-sent failed)" \
	"$(val mobile-whitelist-2025-push imessage ios attachment-sent attempted)" 99
t_match "mobile-whitelist-2025: the headline sums its 21 targets up" \
	"$(jq -r '.policies[] | select(.name == "mobile-whitelist-2025") |
		.headline' "$J")" \
	'^blocks 100% of the actions of its 21 target services \(100% of each\); also loses 100% of iOS push notifications \(.*Gosuslugi 100%'

# ---- calls-2025 ---------------------------------------------------------------

P=calls-2025
for svc in whatsapp telegram; do
	t_pct_ge "$P: $svc calls fail" "$(val $P $svc any call failed)" \
		"$(val $P $svc any call attempted)" 99
	t_pos "$P: $svc messages attempted" \
		"$(val $P $svc any message-sent attempted)"
	t_zero "$P: ... and none fails" "$(val $P $svc any message-sent failed)"
done
untouched $P "everything but the calls" '.action != "call"'
t_eq "$P: the headline names the calls, not the services" \
	"$(jq -r '.policies[] | select(.name == "calls-2025") | .headline' "$J")" \
	"blocks 100% of Telegram (call), 100% of WhatsApp (call); no collateral failure"
t_eq "$P: efficacy counts the calls alone" \
	"$(jq -r '.policies[] | select(.name == "calls-2025") |
		.efficacy.attempted' "$J")" \
	"$(($(val $P whatsapp any call attempted) + $(val $P telegram any call attempted)))"

# ---- whatsapp-2026 --------------------------------------------------------------

P=whatsapp-2026
for act in message-sent call; do
	t_pct_ge "$P: WhatsApp $act fails" "$(val $P whatsapp any $act failed)" \
		"$(val $P whatsapp any $act attempted)" 99
done
untouched $P "everything but WhatsApp" '.service != "whatsapp"'

# ---- CSV: parses, and says what the JSON says -------------------------------

if "$BR" simulate --csv --policy policies/imessage-apns-sni.policy \
	--policy policies/telegram-2018.policy >"$TMP/sim.csv" \
	2>"$TMP/err"; then
	python3 - "$TMP/sim.csv" "$J" >"$TMP/csv.out" 2>&1 <<'EOF'
import csv, json, sys

HEADER = ["policy", "file", "service", "platform", "action", "target",
          "attempted", "ok", "fallback", "late", "failed", "superseded",
          "expired", "stale", "held", "users", "users_failed",
          "duration_p50_s", "duration_p95_s", "failures"]
COUNTS = HEADER[6:17]
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
js = json.load(open(sys.argv[2]))
want = {}
for p in js["policies"]:
    for r in p["services"]:
        if r["attempted"]:
            want[(p["name"], r["service"], r["platform"], r["action"])] = r
print("header", "ok" if rows and rows[0] == HEADER else rows[:1])
body = rows[1:]
bad = [r for r in body if len(r) != len(HEADER)
       or not all(x.isdigit() for x in r[5:17])
       or not all(x.replace(".", "", 1).isdigit() for x in r[17:19])]
print("numeric", "ok" if body and not bad else bad[:3])
seen = {}
mism = []
for r in body:
    if len(r) != len(HEADER):
        continue
    d = dict(zip(HEADER, r))
    key = (d["policy"], d["service"], d["platform"], d["action"])
    seen.setdefault(d["policy"], 0)
    seen[d["policy"]] += 1
    j = want.get(key)
    jv = dict(j or {})
    if j:
        jv["users_failed"] = j["users"]["failed"]
        jv["users"] = j["users"]["did"]
        jv["duration_p50_s"] = "%.3f" % j["duration_s"]["p50"]
        jv["duration_p95_s"] = "%.3f" % j["duration_s"]["p95"]
    if not j or any(int(d[k]) != jv.get(k, 0) for k in COUNTS) or \
            d["duration_p50_s"] != jv["duration_p50_s"] or \
            d["duration_p95_s"] != jv["duration_p95_s"] or \
            d["failures"] != " ".join("%s:%d" % kv for kv in
                                      j["failures"].items()):
        mism.append(key)
print("agrees", "ok" if body and not mism else mism[:3])
counts = {n: sum(1 for k in want if k[0] == n)
          for n in ("imessage-apns-sni", "telegram-2018")}
print("complete", "ok" if seen == counts else (seen, counts))
EOF
	for what in header numeric agrees complete; do
		got=$(awk -v w="$what" '$1 == w { $1 = ""; sub(/^ /, ""); print }' \
			"$TMP/csv.out")
		case $what in
		header) name="--csv: its header" ;;
		numeric) name="--csv: rows, numeric columns" ;;
		agrees) name="--csv: every row agrees with --json" ;;
		complete) name="--csv: a row for every action attempted" ;;
		esac
		t_eq "$name" "$got" ok
	done
else
	t_fail "simulate --csv" "$(cat "$TMP/err")"
fi

# ---- deadlines: a success later than its action's deadline is late ----------

SMALL=$E2E/scenarios/small.scenario
cp -r policies/catalog "$TMP/cat"
# the shipped catalog: no page load is late without a policy
r=$("$BR" --json simulate --no-policy --scenario "$SMALL")
t_eq "--no-policy: one run, without a policy" \
	"$(jq -c '[.policies[].name]' <<<"$r")" '["none"]'
t_zero "shipped deadlines: no page load late without a policy" \
	"$(jq '.policies[0].services[] | select(.service == "web") | .late' \
		<<<"$r")"
# 2 s: a direct page load makes it, and so does one through the TCP
# fallback: TCP races QUIC, 1.5 round trips behind it, instead of
# waiting for QUIC's retries (user/model/browser.h)
sed -i 's/^\(action page-load .*\) deadline [0-9.]*[a-z]*$/\1 deadline 2s/' \
	"$TMP/cat/web.catalog"
t_check "a catalog with a 2 s page-load deadline" \
	grep -q 'page-load .* deadline 2s$' "$TMP/cat/web.catalog"
r=$(BLASTRADIUS_CATALOG=$TMP/cat "$BR" --json simulate --scenario "$SMALL" \
	--policy policies/quic-block-2022.policy)
base=$(BLASTRADIUS_CATALOG=$TMP/cat "$BR" --json simulate --no-policy \
	--scenario "$SMALL")
web() {
	jq ".policies[0].services[] | select(.service == \"web\") | .$2" <<<"$1"
}
t_pos "2 s deadline, no policy: page loads" "$(web "$base" attempted)"
t_zero "... none late" "$(web "$base" late)"
t_zero "... none through a fallback" "$(web "$base" fallback)"
t_pos "2 s deadline, QUIC blocked: page loads fall back" \
	"$(web "$r" fallback)"
t_zero "... none late" "$(web "$r" late)"
t_zero "... none failed" "$(web "$r" failed)"
# 1 ms: every success is late
sed -i 's/ deadline 2s$/ deadline 1ms/' "$TMP/cat/web.catalog"
base=$(BLASTRADIUS_CATALOG=$TMP/cat "$BR" --json simulate --no-policy \
	--scenario "$SMALL")
t_eq "1 ms deadline, no policy: every page load late" \
	"$(web "$base" late)" "$(web "$base" attempted)"
t_zero "... none ok" "$(web "$base" ok)"

t_done
