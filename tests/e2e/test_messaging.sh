#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_messaging.sh - iMessage between devices and the identity lookup's
# path (issue 12), from simulate --json, with imessage-identity (TLS to
# query.ess.apple.com dropped) on tests/e2e/scenarios/messaging.scenario:
#   - lookups inside the APNs channel: ~0% of iMessage blocked;
#   - lookups over TLS: new conversations (contacts whose keys the device
#     lacks: 20% at key-cache 80%) fail, established ones do not; with no
#     key known every send fails, with every key known none does;
#   - what a device receives is what its contacts sent: received =
#     delivered sends, and no policy on the channel loses any;
#   - with imessage-apns-sni and sms-fallback 50%, half the failed sends
#     go out as SMS, and only the actions the catalog marks sms.
#
# usage: tests/e2e/test_messaging.sh [BUILD_DIR]   (as root)
set -u
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 1
BUILD=${1:-build}
BR=$BUILD/blastradius
E2E=tests/e2e
. "$E2E/lib.sh"

TMP=$(mktemp -d "/tmp/brmsg$$.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

SCN=$E2E/scenarios/messaging.scenario
POL=policies/imessage-identity.policy

# run NAME SED: the scenario edited by SED, under the policy, as JSON
run() {
	sed "$2" "$SCN" >"$TMP/$1.scenario"
	"$BR" --json simulate --scenario "$TMP/$1.scenario" --policy "$POL" \
		>"$TMP/$1.json" 2>"$TMP/$1.err" ||
		t_fail "$1: simulate ran" "$(cat "$TMP/$1.err")"
}

# v NAME ACTION FIELD: one figure of imessage's (or facetime's) row
v() {
	jq -r --arg a "$2" --arg f "$3" '[.policies[0].services[] |
		select((.service == "imessage" or .service == "facetime") and
		.action == $a) | .[$f]] | .[0]' "$TMP/$1.json"
}

# pct NAME PART WHOLE LO HI: LO% <= PART/WHOLE <= HI%
pct() {
	if [ "$3" -gt 0 ] 2>/dev/null &&
		[ $(($2 * 100)) -ge $(($4 * $3)) ] &&
		[ $(($2 * 100)) -le $(($5 * $3)) ]; then
		t_ok "$1 ($2 of $3)"
	else
		t_fail "$1" "got $2 of $3, want $4-$5%"
	fi
}

run channel 's/^identity-lookup .*/identity-lookup channel/'
run tls 's/^identity-lookup .*/identity-lookup tls/'
run cold 's/^identity-lookup .*/identity-lookup tls/; s/^key-cache .*/key-cache 0%/'
run warm 's/^identity-lookup .*/identity-lookup tls/; s/^key-cache .*/key-cache 100%/'

t_eq "lookups in the channel: the headline" \
	"$(jq -r '.policies[0].headline' "$TMP/channel.json")" \
	"blocks 0% of iMessage; no collateral failure"
for a in message-sent attachment-sent; do
	pct "lookups in the channel: $a fails ~0%" \
		"$(v channel $a failed)" "$(v channel $a attempted)" 0 1
	# new conversations: a fifth of the contacts, and their share of
	# sends; the lookup never succeeds, so they stay new
	pct "lookups over TLS: $a to new contacts fails (~20%)" \
		"$(v tls $a failed)" "$(v tls $a attempted)" 12 28
	pct "no key known: every $a fails" \
		"$(v cold $a failed)" "$(v cold $a attempted)" 99 100
	pct "every key known: no $a fails" \
		"$(v warm $a failed)" "$(v warm $a attempted)" 0 0
done
pct "lookups over TLS: FaceTime calls to new contacts fail" \
	"$(v tls call failed)" "$(v tls call attempted)" 10 30
for r in channel tls; do
	sent=$(($(v $r message-sent ok) + $(v $r message-sent fallback) +
		$(v $r message-sent late)))
	t_eq "$r: messages received = messages delivered" \
		"$(v $r message-received attempted)" "$sent"
	t_eq "$r: none of them lost (the channel is open)" \
		"$(v $r message-received failed)" 0
done
t_eq "no key known: nothing is received" \
	"$(v cold message-received attempted)" 0

# "Send as Text Message": a failed send goes out as an SMS for the users
# who have it on; it still counts as failed (iMessage was blocked)
POL=policies/imessage-apns-sni.policy
run sms 's/^key-cache .*/key-cache 80%\nsms-fallback 50%/'
f=$(v sms message-sent failed)
pct "APNs cut: every message-sent fails" "$f" "$(v sms message-sent attempted)" 99 100
pct "... half of them (the users with SMS on) went out as SMS" \
	"$(jq '[.policies[0].services[] | select(.service == "imessage" and
		.action == "message-sent") | .sms // 0] | add' "$TMP/sms.json")" \
	"$f" 40 60
t_eq "... attachments are not sent as SMS (the catalog's sms)" \
	"$(jq '[.policies[0].services[] | select(.service == "imessage" and
		.action == "attachment-sent") | .sms // 0] | add' "$TMP/sms.json")" 0
t_done
