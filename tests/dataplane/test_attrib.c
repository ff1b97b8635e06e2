/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_attrib.c - rules against catalog flow signatures (user/model/attrib.c,
 * user/model/classify.c: the flows' packets through a private instance of the
 * program): server names with '%' and domain semantics, port and prefix
 * overlaps, protocols, DNS lookups and QUIC versions, the subscriber side
 * known (the traffic model) or not (a live network), the services a
 * flow's verdicts fall on and when a signature is shared, and the check
 * that decides whether load and swap simulate a policy at all.
 *
 * The catalog is a small one written here, so these tests do not move when
 * the shipped catalog does. Needs root (a private instance).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "catalog.h"
#include "policy.h"

static const char catalog_text[] =
	"set apple-push addr { 17.249.0.0/16, 2620:149:a44::/48 }\n"
	"set apple addr { 17.0.0.0/8 }\n"
	"set google addr { 142.250.0.0/15 }\n"
	"set cdn addr { 104.16.0.0/13 }\n"
	"service apns \"APNs\"\n"
	"category apple\n"
	"platform ios\n"
	"source \"test\"\n"
	"flow courier tls daddr @apple-push dport 5223 "
	"sni \"%-courier.push.apple.com\" dns \"%-courier.push.apple.com\" "
	"sni-max 50 channel bytes 1KB 4KB\n"
	"flow courier-443 tls daddr @apple-push dport 443 "
	"sni \"%-courier.push.apple.com\" dns \"%-courier.push.apple.com\" "
	"sni-max 50 channel bytes 1KB 4KB\n"
	"action push-received needs courier | courier-443 rate 6/h\n"
	"service imessage \"iMessage\"\n"
	"category apple\n"
	"platform ios\n"
	"source \"test\"\n"
	"flow identity tls daddr @apple dport 443 sni query.ess.apple.com "
	"dns query.ess.apple.com bytes 1KB 4KB\n"
	"action message-sent needs apns.courier | apns.courier-443, identity "
	"rate 4/h\n"
	"service facetime \"FaceTime\"\n"
	"category apple\n"
	"platform ios\n"
	"source \"test\"\n"
	"flow media udp daddr @apple dport 3478-3497 bytes 64KB 64KB\n"
	"action call needs apns.courier | apns.courier-443, imessage.identity, "
	"media rate 0.2/h\n"
	"service fcm \"FCM\"\n"
	"category google\n"
	"platform android\n"
	"source \"test\"\n"
	"flow mtalk tls daddr @google dport 5228 sni mtalk.google.com "
	"dns mtalk.google.com channel bytes 1KB 4KB\n"
	"action push-received needs mtalk rate 6/h\n"
	"service bank \"Bank\"\n"
	"category push-app\n"
	"source \"test\"\n"
	"flow api tls daddr @cdn dport 443 sni api.bank.example "
	"dns api.bank.example bytes 2KB 32KB\n"
	"action push-received platform ios needs apns.courier | "
	"apns.courier-443 rate 1/h\n"
	"action push-received platform android needs fcm.mtalk rate 1/h\n"
	"action open needs api rate 0.5/h\n"
	"service web \"Web\"\n"
	"category web\n"
	"source \"test\"\n"
	"flow quic quic daddr @cdn dport 443 sni www.site.example "
	"dns www.site.example bytes 2KB 256KB\n"
	"flow tls tls daddr @cdn dport 443 sni www.site.example "
	"dns www.site.example pq bytes 2KB 256KB\n"
	"action page-load needs quic | tls rate 20/h\n"
	"set relays addr { 203.0.113.0/24 }\n"
	"service calls \"Calls\"\n"
	"category messenger\n"
	"source \"test\"\n"
	"flow ping udp daddr @relays dport 45395 stun 0x0801 bytes 64KB 64KB\n"
	"flow ice udp daddr @relays dport 1400 stun 0x0001 bytes 64KB 64KB\n"
	"flow relay udp daddr @relays dport 596-599 bytes 64KB 64KB\n"
	"action call needs ping | ice | relay\n";

static struct br_catalog *cat;

static int setup(void **state)
{
	struct br_diag diag;
	int err;

	(void)state;
	br_diag_init(&diag);
	err = br_catalog_parse_buffer("test.catalog", catalog_text,
				      strlen(catalog_text), &cat, &diag);
	if (err)
		br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	return err;
}

static int teardown(void **state)
{
	(void)state;
	br_catalog_free(cat);
	return 0;
}

static struct br_policy *policy(const char *text)
{
	struct br_policy *pol = NULL;
	struct br_diag diag;

	br_diag_init(&diag);
	if (br_policy_parse_buffer_cat("test.policy", text, strlen(text), cat,
				       &pol, &diag))
		br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	assert_non_null(pol);
	return pol;
}

/*
 * The flows rule 0 of text matches, seen from side, as "svc.flow:parts"
 * joined by spaces (parts: f the flow's packets, d its DNS lookup).
 */
static void sigs_of(const char *text, const struct br_attrib_side *side,
		    char *out, size_t len)
{
	struct br_policy *pol = policy(text);
	struct br_attrib a;
	size_t g, used = 0;

	out[0] = '\0';
	assert_int_equal(br_attrib_compute(cat, pol, side, &a), 0);
	assert_true(a.n_rules >= 1);
	for (g = 0; g < a.rules[0].n_sigs; g++) {
		const struct br_attrib_sig *s = &a.rules[0].sigs[g];
		const struct br_cat_service *svc = &cat->services[s->service];

		used += snprintf(out + used, len - used, "%s%s.%s:%s%s",
				 g ? " " : "", svc->id,
				 svc->flows[s->flow].name,
				 s->parts & BR_ATTRIB_FLOW ? "f" : "",
				 s->parts & BR_ATTRIB_DNS ? "d" : "");
	}
	br_attrib_free(&a);
	br_policy_free(pol);
}

#define EXPECT_SIGS(text, want)                                        \
	do {                                                           \
		char got_[512];                                        \
		sigs_of("policy t\n" text "\n", &br_attrib_live, got_, \
			sizeof(got_));                                 \
		assert_string_equal(got_, want);                       \
	} while (0)

static void test_sni_domains(void **state)
{
	(void)state;
	/* '%' stands for 1..sni_max: below push.apple.com */
	EXPECT_SIGS("rule sni *.push.apple.com drop",
		    "apns.courier:f apns.courier-443:f");
	EXPECT_SIGS("rule sni .push.apple.com drop",
		    "apns.courier:f apns.courier-443:f");
	EXPECT_SIGS("rule sni *.apple.com drop",
		    "apns.courier:f apns.courier-443:f imessage.identity:f");
	/* exact: "courier.push.apple.com" is none of N-courier... */
	EXPECT_SIGS("rule sni courier.push.apple.com drop", "");
	EXPECT_SIGS("rule sni *.courier.push.apple.com drop", "");
	/* an exact name a '%' stands for */
	EXPECT_SIGS("rule sni 37-courier.push.apple.com drop",
		    "apns.courier:f apns.courier-443:f");
	EXPECT_SIGS("rule sni 51-courier.push.apple.com drop", "");
	EXPECT_SIGS("rule sni query.ess.apple.com drop", "imessage.identity:f");
	/* sni rules see TCP hellos only: not QUIC's */
	EXPECT_SIGS("rule sni www.site.example drop", "web.tls:f");
	/*
	 * ech: no hello of the model carries one (its big, post-quantum
	 * hellos neither: packet.c), so no flow of the simulation meets the
	 * rule, and attribution says so too
	 */
	EXPECT_SIGS("rule ech drop", "");
	EXPECT_SIGS("rule sni www.site.example ech drop", "");
}

static void test_ports_protocols(void **state)
{
	(void)state;
	EXPECT_SIGS("rule tcp dport 5223 drop", "apns.courier:f");
	EXPECT_SIGS("rule udp dport 5223 drop", "");
	EXPECT_SIGS("rule tcp dport { 5220-5230 } drop",
		    "apns.courier:f fcm.mtalk:f");
	/* a range overlapping the catalog's partly */
	EXPECT_SIGS("rule udp dport 3490-3500 drop", "facetime.media:f");
	/* the server's port seen as the source of its packets */
	EXPECT_SIGS("rule tcp sport 5228 drop", "fcm.mtalk:f");
	/* a port of the devices' side is no service's signature */
	EXPECT_SIGS("rule tcp dport 40000 drop", "");
	EXPECT_SIGS("rule tcp sport 40000 drop", "");
	EXPECT_SIGS("rule icmp drop", "");
	EXPECT_SIGS("rule ether type 0x88cc drop", "");
	EXPECT_SIGS("rule quic drop", "web.quic:f");
	EXPECT_SIGS("rule quic version v2 drop", "");
	EXPECT_SIGS("rule quic version { v1, v2 } drop", "web.quic:f");
	/* STUN: the flows that begin with a message of the rule's types */
	EXPECT_SIGS("rule stun drop", "calls.ping:f calls.ice:f");
	EXPECT_SIGS("rule stun type 0x0800-0x0802 drop", "calls.ping:f");
	EXPECT_SIGS("rule stun type { 1, 3 } drop", "calls.ice:f");
	EXPECT_SIGS("rule stun type 0x0101 drop", "");
	EXPECT_SIGS("rule udp dport 45395 stun drop", "calls.ping:f");
	EXPECT_SIGS("rule udp dport 3478 stun drop", "");
}

static void test_addresses(void **state)
{
	(void)state;
	/* wider than the catalog's prefix, narrower, and apart */
	EXPECT_SIGS("rule daddr 17.0.0.0/8 drop",
		    "apns.courier:f apns.courier-443:f imessage.identity:f "
		    "facetime.media:f");
	EXPECT_SIGS("rule daddr 17.249.1.0/24 drop",
		    "apns.courier:f apns.courier-443:f imessage.identity:f "
		    "facetime.media:f");
	EXPECT_SIGS("rule tcp daddr 17.249.1.7 dport 5223 drop",
		    "apns.courier:f");
	EXPECT_SIGS("rule daddr 18.0.0.0/8 drop", "");
	EXPECT_SIGS("rule daddr 2620:149:a44:1::/64 drop",
		    "apns.courier:f apns.courier-443:f");
	/* the server's address as the source of its packets */
	EXPECT_SIGS("rule saddr 142.250.10.0/24 drop", "fcm.mtalk:f");
	/*
	 * Live, the subscribers' addresses are unknown: a rule naming
	 * addresses does not match them (a lab stand-in range, say).
	 */
	EXPECT_SIGS("rule tcp daddr 198.18.0.0/15 dport 5223 drop", "");
	EXPECT_SIGS("rule saddr 198.18.0.0/15 drop", "");
	/* no address at all: every flow of the protocol */
	EXPECT_SIGS("rule udp drop",
		    "apns.courier:d apns.courier-443:d imessage.identity:d "
		    "facetime.media:f fcm.mtalk:d bank.api:d web.quic:fd "
		    "web.tls:d calls.ping:f calls.ice:f calls.relay:f");
}

static void test_dns(void **state)
{
	(void)state;
	EXPECT_SIGS("rule dns *.push.apple.com nxdomain",
		    "apns.courier:d apns.courier-443:d");
	EXPECT_SIGS("rule dns api.bank.example qtype AAAA nxdomain",
		    "bank.api:d");
	EXPECT_SIGS("rule dns api.bank.example qtype MX nxdomain", "");
	EXPECT_SIGS("rule udp dport 53 drop",
		    "apns.courier:d apns.courier-443:d imessage.identity:d "
		    "fcm.mtalk:d bank.api:d web.quic:d web.tls:d");
}

static void test_services_shared(void **state)
{
	struct br_policy *pol = policy("policy t\n"
				       "rule tcp dport 5223 drop\n"
				       "rule \"ok\" tcp dport 443 pass\n"
				       "rule sni mtalk.google.com reset\n");
	const struct br_attrib_rule *r;
	struct br_attrib a;
	char got[256];
	size_t i, used = 0;

	(void)state;
	assert_int_equal(br_attrib_compute(cat, pol, &br_attrib_live, &a), 0);
	/* the pass rule is left out */
	assert_int_equal(a.n_rules, 2);
	assert_int_equal(a.rules[0].rule, 0);
	assert_int_equal(a.rules[1].rule, 2);
	r = &a.rules[0];
	assert_int_equal(r->n_sigs, 1);
	/* apns itself, and iMessage, FaceTime and the bank ride on it */
	assert_int_equal(r->sigs[0].n_users, 4);
	for (i = 0; i < r->n_svcs; i++) {
		const struct br_attrib_svc *x = &r->svcs[i];

		used += snprintf(got + used, sizeof(got) - used,
				 "%s%s:%s%s:%zu:%zu", i ? " " : "",
				 cat->services[x->service].id,
				 x->direct ? "own" : "via",
				 x->shared ? "+" : "", x->n_via, x->n_actions);
	}
	assert_string_equal(got, "apns:own+:0:1 imessage:via+:1:1 "
				 "facetime:via+:1:1 bank:via+:1:1");
	/* the bank's push on iOS, not its Android one nor its app */
	r = &a.rules[0];
	assert_string_equal(cat->services[r->svcs[3].service]
				    .actions[r->svcs[3].actions[0]]
				    .name,
			    "push-received");
	assert_int_equal(cat->services[r->svcs[3].service]
				 .actions[r->svcs[3].actions[0]]
				 .platform,
			 BR_PLAT_IOS);
	/* FCM's channel: FCM and the bank on Android */
	r = &a.rules[1];
	assert_int_equal(r->n_sigs, 1);
	assert_int_equal(r->sigs[0].n_users, 2);
	assert_int_equal(r->n_svcs, 2);
	br_attrib_free(&a);
	br_policy_free(pol);
}

static bool touches(const char *text)
{
	struct br_policy *pol = policy(text);
	bool t = br_attrib_touches_others(cat, pol);

	br_policy_free(pol);
	return t;
}

static void test_touches_others(void **state)
{
	(void)state;
	/* aimed at iMessage, cuts APNs and everything riding on it */
	assert_true(touches("policy t\ntarget imessage\n"
			    "rule tcp dport { 5223, 443 } sni *.push.apple.com "
			    "drop\n"));
	/* FaceTime's media: FaceTime's alone */
	assert_false(touches("policy t\ntarget facetime\n"
			     "rule udp dport 3478-3497 drop\n"));
	/* the same without a target: FaceTime is collateral */
	assert_true(touches("policy t\nrule udp dport 3478-3497 drop\n"));
	/* iMessage's identity lookup: FaceTime needs it too */
	assert_true(touches("policy t\ntarget imessage\n"
			    "rule sni query.ess.apple.com drop\n"));
	/* pass rules block nothing */
	assert_false(touches("policy t\nrule tcp dport 443 pass\n"));
	/* the default or the sni-default blocking: anything may break */
	assert_true(touches("policy t\ntarget imessage\ndefault drop\n"
			    "rule tcp dport 5223 pass\n"));
	/* the lab stand-ins of the tests: lab servers, not the devices' */
	assert_false(touches("policy t\n"
			     "rule tcp daddr 198.18.0.0/15 dport 5223 drop\n"
			     "rule udp saddr 198.18.0.2 daddr 198.19.0.2 "
			     "dport 443 drop\n"));
	/*
	 * The model's devices are 198.18.0.0/15: a rule on their addresses
	 * cuts what they receive, in the simulation too.
	 */
	assert_true(touches("policy t\ntarget apns\n"
			    "rule daddr 198.18.0.0/16 drop\n"));
	/* and its resolver, 198.19.255.53 */
	assert_true(touches("policy t\ntarget apns\n"
			    "rule udp daddr 198.19.255.53 drop\n"));
}

/* A registry-scale set: one pass over it, whatever its size. */
static void test_large_sets(void **state)
{
	size_t n = 200000, i, len = 0, cap = n * 40 + 4096;
	char *text = malloc(cap);
	struct br_policy *pol;
	struct br_attrib a;

	(void)state;
	assert_non_null(text);
	len += snprintf(text + len, cap - len, "policy big\nset a addr {\n");
	for (i = 0; i < n; i++)
		len += snprintf(text + len, cap - len, "2001:db8:%zx:%zx::1\n",
				0x100 + i / 65536, i % 65536);
	len += snprintf(text + len, cap - len,
			"17.249.200.1\n}\nset d domain {\n");
	for (i = 0; i < n; i++)
		len += snprintf(text + len, cap - len, "n%zu.example\n", i);
	len += snprintf(text + len, cap - len,
			"api.bank.example\n}\n"
			"rule daddr @a drop\nrule sni @d drop\n");
	pol = policy(text);
	assert_int_equal(br_attrib_compute(cat, pol, &br_attrib_live, &a), 0);
	assert_int_equal(a.n_rules, 2);
	/* 17.249.200.1: the APNs /16 and Apple's /8 */
	assert_int_equal(a.rules[0].n_sigs, 4);
	assert_int_equal(a.rules[1].n_sigs, 1); /* the bank's api */
	br_attrib_free(&a);
	br_policy_free(pol);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_domains),
		cmocka_unit_test(test_ports_protocols),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_services_shared),
		cmocka_unit_test(test_touches_others),
		cmocka_unit_test(test_large_sets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
