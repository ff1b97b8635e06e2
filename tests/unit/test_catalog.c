/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_catalog.c - the service catalog: its language, the IR it gives, its
 * diagnostics, and the shipped catalog (policies/catalog/).
 *
 * Malformed catalogs are one table row each: the input and every message
 * it must produce, exactly as `blastradius check` prints them. Runs from
 * the repository root (the shipped catalog is read by relative path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "domain.h"
#include "policy.h"
#include "unit.h"

/* ---- helpers ---------------------------------------------------------- */

/* Every message as printed, the last newline kept (unit.h's diag_text
 * drops it); caller frees. */
static char *diag_all(const struct br_diag *d)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	br_diag_print(d, f);
	fclose(f);
	return buf;
}

static struct br_catalog *parse_ok(const char *text)
{
	struct br_catalog *cat = NULL;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_catalog_parse_buffer("t.catalog", text, strlen(text), &cat,
				      &d);
	msgs = diag_all(&d);
	if (err)
		print_error("unexpected errors:\n%s\n", msgs);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	assert_non_null(cat);
	free(msgs);
	br_diag_free(&d);
	return cat;
}

/* Parse text that must fail; returns its messages. */
static char *parse_bad(const char *text)
{
	struct br_catalog *cat = (struct br_catalog *)1;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_catalog_parse_buffer("t.catalog", text, strlen(text), &cat,
				      &d);
	assert_int_equal(err, -EINVAL);
	assert_null(cat);
	msgs = diag_all(&d);
	br_diag_free(&d);
	return msgs;
}

static struct br_catalog *load_shipped(void)
{
	struct br_catalog *cat = NULL;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_catalog_load_dir("policies/catalog", &cat, &d);
	msgs = diag_all(&d);
	if (err)
		print_error("policies/catalog:\n%s\n", msgs);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);
	return cat;
}

static const struct br_cat_service *svc_of(const struct br_catalog *cat,
					   const char *id)
{
	int i = br_catalog_service(cat, id);

	if (i < 0)
		print_error("no service \"%s\"\n", id);
	assert_true(i >= 0);
	return &cat->services[i];
}

static const struct br_cat_flow *flow_of(const struct br_catalog *cat,
					 const char *id, const char *flow)
{
	const struct br_cat_service *svc = svc_of(cat, id);
	int i = br_catalog_flow(svc, flow);

	if (i < 0)
		print_error("no flow \"%s.%s\"\n", id, flow);
	assert_true(i >= 0);
	return &svc->flows[i];
}

static const struct br_cat_action *action_of(const struct br_catalog *cat,
					     const char *id, const char *name,
					     enum br_platform p)
{
	const struct br_cat_service *svc = svc_of(cat, id);
	int i = br_catalog_action(svc, name, p);

	if (i < 0)
		print_error("no action \"%s.%s\" for %s\n", id, name,
			    br_platform_name(p));
	assert_true(i >= 0);
	return &svc->actions[i];
}

/* An action's needs as text: "a.x | a.y, b.z". */
static char *needs_text(const struct br_catalog *cat,
			const struct br_cat_action *a)
{
	const struct br_cat_flow_ref *r;
	size_t len = 0, i, k;
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (i = 0; i < a->n_terms; i++) {
		for (k = 0; k < a->terms[i].n; k++) {
			r = &a->terms[i].alts[k];
			assert_true(r->service >= 0 &&
				    (size_t)r->service < cat->n_services);
			assert_true(r->flow >= 0 &&
				    (size_t)r->flow <
					    cat->services[r->service].n_flows);
			fprintf(f, "%s%s%s.%s", i && !k ? ", " : "",
				k ? " | " : "", cat->services[r->service].id,
				cat->services[r->service].flows[r->flow].name);
		}
	}
	fclose(f);
	return buf;
}

static void check_needs(const struct br_catalog *cat,
			const struct br_cat_action *a, const char *want)
{
	char *got = needs_text(cat, a);

	assert_string_equal(got, want);
	free(got);
}

static char *tmp_dir(void)
{
	char *dir = strdup("/tmp/br-catalog-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void rm_tree(const char *dir)
{
	char *cmd;

	assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* load_dir on dir; returns its messages, *err its return value. */
static char *load(const char *dir, struct br_catalog **cat, int *err)
{
	struct br_diag d;
	char *msgs;

	br_diag_init(&d);
	*err = br_catalog_load_dir(dir, cat, &d);
	msgs = diag_all(&d);
	br_diag_free(&d);
	return msgs;
}

/* ---- a small catalog: the IR ----------------------------------------- */

static void test_ir(void **state)
{
	const struct br_cat_service *s;
	const struct br_cat_action *a;
	const struct br_cat_flow *f;
	struct br_catalog *cat;

	(void)state;
	cat = parse_ok(
		"# a comment\n"
		"set srv addr { 192.0.2.0/24, 2001:db8::/32 }  # both families\n"
		"service push \"Push service\"\n"
		"category core\n"
		"platform ios\n"
		"source \"https://example.org/a\"\n"
		"source \"a paper\"\n"
		"flow ch tls daddr @srv dport 5223 sni \"%-c.example.com\" "
		"dns \"%-C.Example.com.\" sni-max 9 channel bytes 1KB 4KB\n"
		"flow ch-443 tls sni-max 9 sni \"%-c.example.com\" dport 443 "
		"daddr @srv channel pq\n"
		"action got needs ch | ch-443 rate 6/h deadline 60s\n"
		"\n"
		"service app\r\n"
		"category push-app\n"
		"flow api quic daddr { 198.51.100.0/24,\n"
		"   2001:db8:1::/48 } dport 443 sni api.example need 1mbit "
		"alt-svc\n"
		"flow media udp daddr @srv dport 3478-3497 bytes 100 1MiB\n"
		"flow look dns dns Look.Example\n"
		"flow raw tcp daddr 203.0.113.7 dport 5222\n"
		"action got platform ios needs push.ch | push.ch-443 rate 0.5/d "
		"deadline 1.5m\n"
		"action open needs api, later.x | raw, look\n"
		"service later\n"
		"category c\n"
		"flow x tcp daddr @srv dport 1\n"
		"action a deadline 250ms needs x\n");

	/* sets: named and inline, in order of declaration */
	assert_int_equal(cat->n_sets, 3);
	assert_string_equal(cat->sets[0].name, "srv");
	assert_false(cat->sets[0].anonymous);
	assert_int_equal(cat->sets[0].type, BR_SET_ADDR);
	assert_int_equal(cat->sets[0].n, 2);
	check_prefix(&cat->sets[0].prefixes[0], "192.0.2.0", 24);
	check_prefix(&cat->sets[0].prefixes[1], "2001:db8::", 32);
	assert_string_equal(cat->sets[1].name, "app.api.daddr");
	assert_true(cat->sets[1].anonymous);
	assert_int_equal(cat->sets[1].n, 2);
	check_prefix(&cat->sets[1].prefixes[1], "2001:db8:1::", 48);
	assert_string_equal(cat->sets[2].name, "app.raw.daddr");
	check_prefix(&cat->sets[2].prefixes[0], "203.0.113.7", 32);

	assert_int_equal(cat->n_services, 3);
	s = &cat->services[0];
	assert_string_equal(s->id, "push");
	assert_string_equal(s->title, "Push service");
	assert_string_equal(s->pos.file, "t.catalog");
	assert_int_equal(s->pos.line, 3);
	assert_int_equal(s->pos.col, 9);
	assert_string_equal(s->category, "core");
	assert_int_equal(s->platform, BR_PLAT_IOS);
	assert_int_equal(s->n_sources, 2);
	assert_string_equal(s->sources[0], "https://example.org/a");
	assert_string_equal(s->sources[1], "a paper");
	assert_int_equal(s->n_flows, 2);
	f = &s->flows[0];
	assert_string_equal(f->name, "ch");
	assert_int_equal(f->pos.line, 8);
	assert_int_equal(f->pos.col, 6);
	assert_int_equal(f->kind, BR_CAT_TLS);
	assert_int_equal(f->addr_set, 0);
	assert_int_equal(f->port, 5223);
	assert_int_equal(f->port_hi, 5223);
	assert_string_equal(f->sni, "%-c.example.com");
	assert_string_equal(f->dns, "%-c.example.com"); /* folded, dot gone */
	assert_int_equal(f->sni_max, 9);
	assert_int_equal(f->qtype_aaaa, 1);
	assert_int_equal(f->pq_hello, 0);
	assert_int_equal(f->channel, 1);
	assert_int_equal(f->alt_svc, 0);
	assert_int_equal(f->req_bytes, 1024);
	assert_int_equal(f->resp_bytes, 4096);
	assert_int_equal(f->need_bps, 0);
	f = &s->flows[1];
	assert_string_equal(f->name, "ch-443");
	assert_int_equal(f->port, 443);
	assert_null(f->dns);
	assert_int_equal(f->qtype_aaaa, 0);
	assert_int_equal(f->pq_hello, 1);
	assert_int_equal(f->req_bytes, 0);
	assert_int_equal(s->n_actions, 1);
	a = &s->actions[0];
	assert_string_equal(a->name, "got");
	assert_int_equal(a->pos.line, 10);
	assert_int_equal(a->pos.col, 8);
	assert_int_equal(a->platform, BR_PLAT_IOS); /* the service's */
	assert_true(a->per_hour == 6.0);
	assert_int_equal(a->deadline_ns, 60000000000ull);
	assert_int_equal(a->n_terms, 1);
	assert_int_equal(a->terms[0].n, 2);
	assert_int_equal(a->terms[0].alts[1].service, 0);
	assert_int_equal(a->terms[0].alts[1].flow, 1);
	assert_int_equal(a->terms[0].alts[1].pos.line, 10);
	assert_int_equal(a->terms[0].alts[1].pos.col, 23);

	s = &cat->services[1];
	assert_string_equal(s->id, "app");
	assert_string_equal(s->title, "app"); /* no title: the id */
	assert_int_equal(s->platform, BR_PLAT_ANY);
	assert_int_equal(s->n_sources, 0);
	assert_int_equal(s->n_flows, 4);
	f = &s->flows[0];
	assert_int_equal(f->kind, BR_CAT_QUIC);
	assert_int_equal(f->addr_set, 1);
	assert_string_equal(f->sni, "api.example");
	assert_int_equal(f->sni_max, 1);
	assert_int_equal(f->need_bps, 1000000);
	assert_int_equal(f->alt_svc, 1);
	f = &s->flows[1];
	assert_int_equal(f->kind, BR_CAT_UDP);
	assert_int_equal(f->port, 3478);
	assert_int_equal(f->port_hi, 3497);
	assert_null(f->sni);
	assert_int_equal(f->req_bytes, 100);
	assert_int_equal(f->resp_bytes, 1048576);
	f = &s->flows[2];
	assert_int_equal(f->kind, BR_CAT_DNS);
	assert_int_equal(f->addr_set, BR_NO_SET);
	assert_int_equal(f->port, 53);
	assert_string_equal(f->dns, "look.example");
	assert_int_equal(f->qtype_aaaa, 1);
	f = &s->flows[3];
	assert_int_equal(f->kind, BR_CAT_TCP);
	assert_int_equal(f->addr_set, 2);
	assert_int_equal(f->port, 5222);
	assert_int_equal(s->n_actions, 2);
	a = &s->actions[0];
	assert_int_equal(a->platform, BR_PLAT_IOS);
	assert_true(a->per_hour > 0.5 / 24 - 1e-12 &&
		    a->per_hour < 0.5 / 24 + 1e-12);
	assert_int_equal(a->deadline_ns, 90000000000ull);
	check_needs(cat, a, "push.ch | push.ch-443");
	a = &s->actions[1];
	assert_int_equal(a->platform, BR_PLAT_ANY);
	assert_true(a->per_hour == 0.0); /* no rate: the scenario's */
	assert_int_equal(a->deadline_ns, 0); /* no deadline: none */
	/* a reference to a service declared later resolves */
	check_needs(cat, a, "app.api, later.x | app.raw, app.look");
	assert_int_equal(a->terms[1].alts[0].service, 2);
	assert_int_equal(a->terms[1].alts[0].flow, 0);
	/* options in any order; a deadline of milliseconds */
	a = &cat->services[2].actions[0];
	assert_int_equal(a->deadline_ns, 250000000ull);
	check_needs(cat, a, "later.x");

	/* lookups */
	assert_int_equal(br_catalog_service(cat, "later"), 2);
	assert_int_equal(br_catalog_service(cat, "nope"), -1);
	assert_int_equal(br_catalog_service(NULL, "push"), -1);
	assert_int_equal(br_catalog_flow(&cat->services[1], "look"), 2);
	assert_int_equal(br_catalog_flow(&cat->services[1], "ch"), -1);
	assert_int_equal(br_catalog_action(&cat->services[1], "got",
					   BR_PLAT_IOS), 0);
	assert_int_equal(br_catalog_action(&cat->services[1], "got",
					   BR_PLAT_ANDROID), -1);
	assert_int_equal(br_catalog_action(&cat->services[1], "open",
					   BR_PLAT_ANDROID), 1);
	assert_string_equal(br_catalog_suggest(cat, "psuh"), "push");
	assert_string_equal(br_catalog_suggest(cat, "laterr"), "later");
	assert_null(br_catalog_suggest(cat, "xyz"));
	br_catalog_free(cat);
}

/* One name may serve both platforms; an action for any fits either. */
/* "rotate EVERY into @set": a service that moves to fresh addresses. */
static void test_rotate(void **state)
{
	const struct br_cat_flow *f;
	struct br_catalog *cat;

	(void)state;
	cat = parse_ok("set pool addr { 198.51.100.0/24 }\n"
		       "service m\n"
		       "category messenger\n"
		       "flow dc tcp daddr 192.0.2.0/24 dport 443 rotate 90m "
		       "into @pool channel\n"
		       "flow web tls daddr 192.0.2.0/24 dport 443 rotate 1h "
		       "into { 203.0.113.0/24 }\n"
		       "flow still tcp daddr 192.0.2.0/24 dport 443\n"
		       "action a needs dc, web, still\n");
	f = &cat->services[0].flows[0];
	assert_true(f->rotate_ns == 90ull * 60 * 1000000000ull);
	assert_int_equal(f->rotate_set, 0);
	assert_int_equal(f->channel, 1);
	f = &cat->services[0].flows[1];
	assert_true(f->rotate_ns == 3600ull * 1000000000ull);
	assert_string_equal(cat->sets[f->rotate_set].name, "m.web.rotate");
	check_prefix(&cat->sets[f->rotate_set].prefixes[0], "203.0.113.0", 24);
	f = &cat->services[0].flows[2];
	assert_true(f->rotate_ns == 0);
	assert_int_equal(f->rotate_set, BR_NO_SET);
	br_catalog_free(cat);
}

static void test_platform_actions(void **state)
{
	struct br_catalog *cat;
	const struct br_cat_service *s;

	(void)state;
	cat = parse_ok("service a\ncategory c\nplatform ios\n"
		       "flow f tls daddr 1.0.0.0/8 dport 1\n"
		       "action p needs f\n"
		       "service b\ncategory c\nplatform android\n"
		       "flow f tls daddr 1.0.0.0/8 dport 1\n"
		       "action p needs f\n"
		       "service app\ncategory c\n"
		       "flow f tls daddr 1.0.0.0/8 dport 1\n"
		       "action p platform ios needs a.f, f\n"
		       "action p platform android needs b.f, f\n"
		       "action o needs f\n");
	s = &cat->services[2];
	assert_int_equal(br_catalog_action(s, "p", BR_PLAT_IOS), 0);
	assert_int_equal(br_catalog_action(s, "p", BR_PLAT_ANDROID), 1);
	assert_int_equal(br_catalog_action(s, "o", BR_PLAT_IOS), 2);
	assert_int_equal(s->actions[2].platform, BR_PLAT_ANY);
	assert_int_equal(cat->services[1].actions[0].platform,
			 BR_PLAT_ANDROID);
	assert_string_equal(br_platform_name(BR_PLAT_ANY), "any");
	assert_string_equal(br_platform_name(BR_PLAT_IOS), "ios");
	assert_string_equal(br_platform_name(BR_PLAT_ANDROID), "android");
	assert_string_equal(br_cat_kind_name(BR_CAT_TLS), "tls");
	assert_string_equal(br_cat_kind_name(BR_CAT_QUIC), "quic");
	assert_string_equal(br_cat_kind_name(BR_CAT_TCP), "tcp");
	assert_string_equal(br_cat_kind_name(BR_CAT_UDP), "udp");
	assert_string_equal(br_cat_kind_name(BR_CAT_DNS), "dns");
	br_catalog_free(cat);
}

/* What reports need of the catalog: names, and which actions are pushes. */
static void test_report_attributes(void **state)
{
	const struct br_cat_service *s;
	struct br_catalog *cat;

	(void)state;
	cat = parse_ok("service apns \"Push\"\nlabel \"APNs\"\n"
		       "class-label \"iOS system\"\ncategory c\nplatform ios\n"
		       "flow ch tls daddr 1.0.0.0/8 dport 1 channel\n"
		       "action push-received needs ch push\n"
		       "service bank\ncategory c\nlabel \"banking\"\n"
		       "flow f tls daddr 1.0.0.0/8 dport 1\n"
		       "action got platform ios push needs apns.ch\n"
		       "action msg received needs f\n"
		       "action both push received needs f\n"
		       "action open needs f\n"
		       "service plain\ncategory c\n"
		       "flow f tls daddr 1.0.0.0/8 dport 1\n"
		       "action open needs f\n");
	s = &cat->services[0];
	assert_string_equal(br_cat_label(s), "APNs");
	assert_string_equal(br_cat_class_label(s), "iOS system");
	assert_true(s->actions[0].push);
	assert_true(s->actions[0].received); /* a push comes down */
	s = &cat->services[1];
	assert_string_equal(br_cat_label(s), "banking");
	assert_string_equal(br_cat_class_label(s), "banking"); /* the label */
	assert_true(s->actions[0].push && s->actions[0].received);
	assert_false(s->actions[1].push);
	assert_true(s->actions[1].received);
	assert_true(s->actions[2].push && s->actions[2].received);
	assert_false(s->actions[3].push || s->actions[3].received);
	s = &cat->services[2];
	assert_null(s->label);
	assert_string_equal(br_cat_label(s), "plain"); /* the id */
	assert_string_equal(br_cat_class_label(s), "plain");
	br_catalog_free(cat);
}

/* ---- malformed catalogs ----------------------------------------------- */

struct bad_case {
	const char *text;
	const char *want; /* every message, in order, one a line */
};

static const struct bad_case bad_cases[] = {
	/* report names: a quoted name, once each; push, received once */
	{ "service s\n"
	    "category c\n"
	    "label \"S\"\n"
	    "label \"T\"\n"
	    "label plain\n"
	    "class-label \"\"\n"
	    "class-label\n"
	    "class-label \"C\"\n"
	    "class-label \"D\"\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f push push\n"
	    "action b received needs f received\n"
	    "action c needs f\n",
	  "t.catalog:4:1: \"label\" already given at t.catalog:3:1\n"
	  "t.catalog:5:1: \"label\" already given at t.catalog:3:1\n"
	  "t.catalog:6:13: empty class-label\n"
	  "t.catalog:7:12: expected a quoted name, got end of line\n"
	  "t.catalog:9:1: \"class-label\" already given at t.catalog:8:1\n"
	  "t.catalog:11:23: \"push\" already given at t.catalog:11:18\n"
	  "t.catalog:12:27: \"received\" already given at t.catalog:12:10\n" },
	{ "service s\ncategory c\nlabel plain\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\naction a needs f\n",
	  "t.catalog:3:7: expected a quoted name, got \"plain\"\n" },
	/* strings hold printable text only, wherever they stand */
	{ "service s \"Tit\x1b[2Jle\"\ncategory c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\naction a needs f\n",
	  "t.catalog:1:15: control character \"\\x1b\" in string\n" },
	{ "service s\ncategory c\nflow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f | \"x\x01\"\n",
	  "t.catalog:4:22: control character \"\\x01\" in string\n"
	  "t.catalog:1:9: service \"s\" has no action\n" },
	{ "flow f tls daddr 1.0.0.0/8 dport 1\n"
	    "frob x\n"
	    "action a needs f\n",
	  "t.catalog:1:1: \"flow\" outside a service (a \"service ID\" statement comes first)\n"
	  "t.catalog:2:1: unknown statement \"frob\"\n"
	  "t.catalog:3:1: \"action\" outside a service (a \"service ID\" statement comes first)\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n"
	    "service s\n"
	    "service 9x\n"
	    "service a.b\n"
	    "service t \"\"\n"
	    "service u \"U\" extra\n",
	  "t.catalog:5:9: service \"s\" already declared at t.catalog:1:9\n"
	  "t.catalog:6:9: bad name \"9x\"\n"
	  "t.catalog:7:9: bad name \"a.b\": no \".\" in service id (\"service.flow\" names another service's flow)\n"
	  "t.catalog:8:11: empty title\n"
	  "t.catalog:9:15: expected end of line, got \"extra\"\n"
	  "t.catalog:9:9: service \"u\" has no \"category\"\n"
	  "t.catalog:9:9: service \"u\" has no flow\n"
	  "t.catalog:9:9: service \"u\" has no action\n" },
	{ "service s\n"
	    "category c\n"
	    "category d\n"
	    "platform windows\n"
	    "platform ios\n"
	    "platform android\n"
	    "source url\n"
	    "source \"\"\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n",
	  "t.catalog:3:1: \"category\" already given at t.catalog:2:10\n"
	  "t.catalog:4:10: unknown platform \"windows\" (expected ios or android)\n"
	  "t.catalog:5:1: \"platform\" already given at t.catalog:4:1\n"
	  "t.catalog:6:1: \"platform\" already given at t.catalog:4:1\n"
	  "t.catalog:7:8: expected a quoted source, got \"url\"\n"
	  "t.catalog:8:8: empty source\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "flow f udp daddr 1.0.0.0/8 dport 1\n"
	    "flow g http\n"
	    "flow h\n"
	    "flow a.b tcp\n"
	    "flow i tcp daddr 1.0.0.0/8 dport 1 fast\n"
	    "flow j tcp dport 1 dport 2\n"
	    "action a needs f\n",
	  "t.catalog:4:6: flow \"f\" already declared at t.catalog:3:6\n"
	  "t.catalog:5:8: unknown flow kind \"http\" (expected tls, quic, tcp, udp or dns)\n"
	  "t.catalog:6:7: expected a flow kind (tls, quic, tcp, udp or dns), got end of line\n"
	  "t.catalog:7:6: bad name \"a.b\": no \".\" in flow name (\"service.flow\" names another service's flow)\n"
	  "t.catalog:8:36: unknown flow option \"fast\" (expected daddr, dport, sni, sni-max, dns, pq, channel, bytes, need, lookup, alt-svc, rotate or stun)\n"
	  "t.catalog:9:20: \"dport\" already given at t.catalog:9:12\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tls sni a.example\n"
	    "flow g tls daddr 1.0.0.0/8 dport 1-2\n"
	    "flow h tcp daddr 1.0.0.0/8 dport 1 sni a.example pq\n"
	    "flow k udp daddr 1.0.0.0/8 dport 1-9 pq\n"
	    "flow m tls daddr 1.0.0.0/8 dport 443 alt-svc\n"
	    "flow n dns dns a.example alt-svc\n"
	    "flow p tcp daddr 1.0.0.0/8 dport 1 stun 1\n"
	    "flow q dns dns a.example stun 1\n"
	    "flow r udp daddr 1.0.0.0/8 dport 1 stun 0x4000\n"
	    "flow s udp daddr 1.0.0.0/8 dport 1 stun binding\n"
	    "flow t udp daddr 1.0.0.0/8 dport 1 stun\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n",
	  "t.catalog:3:8: a tls flow needs \"daddr\": the servers\n"
	  "t.catalog:3:8: a tls flow needs \"dport\": the server port\n"
	  "t.catalog:4:28: a tls flow has one destination port (a range is for udp)\n"
	  "t.catalog:5:36: \"sni\" needs a tls or quic flow\n"
	  "t.catalog:5:50: \"pq\" needs a tls or quic flow\n"
	  "t.catalog:6:38: \"pq\" needs a tls or quic flow\n"
	  "t.catalog:7:38: \"alt-svc\" needs a quic flow\n"
	  "t.catalog:8:26: \"alt-svc\" needs a quic flow\n"
	  "t.catalog:9:36: \"stun\" needs a udp flow\n"
	  "t.catalog:10:26: \"stun\" needs a udp flow\n"
	  "t.catalog:11:41: stun \"0x4000\": a STUN message type is a number of 14 bits (0-0x3fff)\n"
	  "t.catalog:12:41: stun \"binding\": a STUN message type is a number of 14 bits (0-0x3fff)\n"
	  "t.catalog:13:40: expected a STUN message type after \"stun\", as in 0x0001, got end of line\n" },
	{ "service s\n"
	    "category c\n"
	    "flow d dns\n"
	    "flow e dns dns a.example dport 53 channel sni a.example\n"
	    "flow g dns dns \"%.example\"\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n",
	  "t.catalog:3:8: a dns flow needs \"dns NAME\": the name it looks up\n"
	  "t.catalog:4:26: a dns flow has no \"dport\"\n"
	  "t.catalog:4:35: a dns flow has no \"channel\"\n"
	  "t.catalog:4:43: \"sni\" needs a tls or quic flow\n"
	  "t.catalog:5:12: a name with \"%\" needs \"sni-max N\": the largest number a device picks\n" },
	{ "service s\n"
	    "category c\n"
	    "flow a tls daddr 1.0.0.0/8 dport 1 sni \"%-x.example\"\n"
	    "flow b tls daddr 1.0.0.0/8 dport 1 sni x.example sni-max 2\n"
	    "flow c tls daddr 1.0.0.0/8 dport 1 sni \"%-x.example\" sni-max 0\n"
	    "flow d tls daddr 1.0.0.0/8 dport 1 sni \"%-x.example\" sni-max 1001\n"
	    "flow e tls daddr 1.0.0.0/8 dport 1 sni \"%-%.example\" sni-max 2\n"
	    "flow g tls daddr 1.0.0.0/8 dport 1 sni .x.example\n"
	    "flow h tls daddr 1.0.0.0/8 dport 1 dns *.x.example\n"
	    "flow i tls daddr 1.0.0.0/8 dport 1 sni a..example\n"
	    "flow j tls daddr 1.0.0.0/8 dport 1 sni %-x.example\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n",
	  "t.catalog:3:36: a name with \"%\" needs \"sni-max N\": the largest number a device picks\n"
	  "t.catalog:4:50: \"sni-max\" without a \"%\" in sni or dns\n"
	  "t.catalog:5:62: sni-max \"0\" out of range (1-1000)\n"
	  "t.catalog:6:62: sni-max \"1001\" out of range (1-1000)\n"
	  "t.catalog:7:40: sni \"%-%.example\" has two \"%\": one number per name\n"
	  "t.catalog:8:40: sni \".x.example\": a host name, not a pattern (\".x\" and \"*.x\" are for policies)\n"
	  "t.catalog:9:40: dns \"*.x.example\": a host name, not a pattern (\".x\" and \"*.x\" are for policies)\n"
	  "t.catalog:10:40: bad domain \"a..example\": empty label\n"
	  "t.catalog:11:40: unexpected character \"%\"\n" },
	{ "service s\n"
	    "category c\n"
	    "set p port { 443 }\n"
	    "flow a tls daddr 1.0.0.0/8 dport 1 bytes 1KB\n"
	    "flow b tls daddr 1.0.0.0/8 dport 1 bytes 1XB 2KB\n"
	    "flow c tls daddr 1.0.0.0/8 dport 1 need 1kbit\n"
	    "flow d tls daddr @nope dport 1\n"
	    "flow e tls daddr @p dport 1\n"
	    "flow g tls daddr 1.0.0.0/33 dport 1\n"
	    "flow h tls daddr 1.0.0.0/8 dport @p\n"
	    "flow i tls daddr 1.0.0.0/8 dport 70000\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n",
	  "t.catalog:4:45: expected a response size after the request size, got end of line\n"
	  "t.catalog:5:42: bad size \"1XB\" (expected bytes, or a number and B, K, KB, KiB, MB or MiB, as in 16KB)\n"
	  "t.catalog:6:41: rate \"1kbit\" out of range (8kbit to 100gbit)\n"
	  "t.catalog:7:18: unknown set \"nope\"\n"
	  "t.catalog:8:18: set \"p\" is a port set, \"daddr\" needs an address set\n"
	  "t.catalog:9:18: prefix length 33 out of range (0-32)\n"
	  "t.catalog:10:34: expected a port or LO-HI after \"dport\", got \"@p\"\n"
	  "t.catalog:11:34: port 70000 out of range (0-65535)\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a\n"
	    "action b needs\n"
	    "action c needs f,\n"
	    "action d needs f | | f\n"
	    "action e needs a.b.c\n"
	    "action g needs f rate 6\n"
	    "action h needs f rate 0/h\n"
	    "action i needs f needs f\n"
	    "action j needs f frob\n"
	    "action k needs f $\n"
	    "action l platform mac needs f\n"
	    "action m needs f rate 1/h\n",
	  "t.catalog:4:8: action \"a\" needs \"needs FLOW [| FLOW]... [, ...]\": what it takes\n"
	  "t.catalog:5:15: expected a flow (\"flow\" or \"service.flow\"), got end of line\n"
	  "t.catalog:6:18: expected a flow (\"flow\" or \"service.flow\"), got end of line\n"
	  "t.catalog:7:20: expected a flow (\"flow\" or \"service.flow\"), got \"|\"\n"
	  "t.catalog:8:16: bad flow reference \"a.b.c\" (expected \"flow\" or \"service.flow\")\n"
	  "t.catalog:9:23: bad rate \"6\" (expected a number per hour or day, as in 6/h or 0.5/d)\n"
	  "t.catalog:10:23: rate \"0/h\" out of range (more than 0, at most 3600000/h)\n"
	  "t.catalog:11:18: \"needs\" already given at t.catalog:11:10\n"
	  "t.catalog:12:18: unknown action option \"frob\" (expected platform, needs, rate, deadline, push, received, store, expiry, valid, from or sms)\n"
	  "t.catalog:13:18: unexpected character \"$\"\n"
	  "t.catalog:14:19: unknown platform \"mac\" (expected ios or android)\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f deadline\n"
	    "action b needs f deadline 10\n"
	    "action c needs f deadline 0s\n"
	    "action d needs f deadline 25h\n"
	    "action e needs f deadline 1.5.2s\n"
	    "action g needs f deadline 10s deadline 5s\n"
	    "action h needs f deadline -1s\n"
	    "action i needs f deadline 0.0000000001s\n"
	    "action j needs f deadline 10sec\n"
	    "action k needs f deadline 0.0000001ms\n"
	    "action l needs f deadline 1440.001m\n"
	    "action m needs f deadline 99999999999999999999h\n"
	    "action n needs f deadline .5s\n"
	    "action o needs f deadline 1440m\n",
	  "t.catalog:4:26: expected a duration after \"deadline\", got end of line\n"
	  "t.catalog:5:27: bad deadline \"10\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n"
	  "t.catalog:6:27: deadline \"0s\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:7:27: deadline \"25h\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:8:27: bad deadline \"1.5.2s\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n"
	  "t.catalog:9:31: \"deadline\" already given at t.catalog:9:18\n"
	  "t.catalog:10:27: bad deadline \"-1s\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n"
	  "t.catalog:11:27: bad deadline \"0.0000000001s\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n"
	  "t.catalog:12:27: bad deadline \"10sec\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n"
	  "t.catalog:13:27: deadline \"0.0000001ms\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:14:27: deadline \"1440.001m\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:15:27: deadline \"99999999999999999999h\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:16:27: bad deadline \".5s\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)\n" },
	/* what a store does with received data: store, expiry, valid */
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443 channel\n"
	    "action a needs f push store\n"
	    "action b needs f push store newest\n"
	    "action c needs f store latest\n"
	    "action d needs f expiry 1h\n"
	    "action e needs f valid 5m\n"
	    "action g needs f push expiry 31d\n"
	    "action h needs f push valid 0s\n"
	    "action i needs f received store all store all\n"
	    "action j needs f push expiry 28d valid 5m store latest\n",
	  "t.catalog:4:28: expected \"latest\" or \"all\" after \"store\", got end of line\n"
	  "t.catalog:5:29: unknown store \"newest\" (expected latest or all)\n"
	  "t.catalog:6:18: \"store\" applies to data the device receives: add \"push\" or \"received\"\n"
	  "t.catalog:7:18: \"expiry\" applies to data the device receives: add \"push\" or \"received\"\n"
	  "t.catalog:8:18: \"valid\" applies to data the device receives: add \"push\" or \"received\"\n"
	  "t.catalog:9:30: expiry \"31d\" out of range (more than 0, at most 30d)\n"
	  "t.catalog:10:29: valid \"0s\" out of range (more than 0, at most 30d)\n"
	  "t.catalog:11:37: \"store\" already given at t.catalog:11:27\n" },
	/* "from": received from another action of the service */
	{ "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443 channel\n"
	    "flow l tls daddr 1.0.0.0/8 dport 443 lookup\n"
	    "action sent needs l, f rate 1/h\n"
	    "action got needs f received from sent\n"
	    "action a needs f received from later\n"
	    "action b needs f received from got\n"
	    "action c needs f from sent\n"
	    "action d needs f received from\n"
	    "action later needs f rate 1/h\n",
	  "t.catalog:7:32: no action \"later\" that sends, declared before in service \"s\"\n"
	  "t.catalog:8:32: no action \"got\" that sends, declared before in service \"s\"\n"
	  "t.catalog:9:18: \"from\" applies to data the device receives: add \"push\" or \"received\"\n"
	  "t.catalog:10:31: expected an action name after \"from\", got end of line\n" },
	{ "service apns\n"
	    "category apple\n"
	    "platform ios\n"
	    "flow courier tls daddr 1.0.0.0/8 dport 5223\n"
	    "action p needs courier\n"
	    "service app\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs apn.courier, apns.courir, nope.x, g\n"
	    "action b platform android needs apns.courier\n"
	    "action c needs apns.courier\n"
	    "action d platform ios needs apns.courier | f\n",
	  "t.catalog:9:16: unknown service \"apn\" (did you mean \"apns\"?)\n"
	  "t.catalog:9:29: service \"apns\" has no flow \"courir\" (did you mean \"courier\"?)\n"
	  "t.catalog:9:42: unknown service \"nope\"\n"
	  "t.catalog:9:50: service \"app\" has no flow \"g\" (did you mean \"f\"?)\n"
	  "t.catalog:10:33: flow \"apns.courier\" is of ios service \"apns\": the action is for android (give it \"platform ios\")\n"
	  "t.catalog:11:16: flow \"apns.courier\" is of ios service \"apns\": the action is for any (give it \"platform ios\")\n" },
	{ "service s\n"
	    "category c\n"
	    "platform ios\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n"
	    "action a needs f\n"
	    "action b platform android needs f\n"
	    "service t\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n"
	    "action a platform ios needs f\n"
	    "action x platform ios needs f\n"
	    "action x platform android needs f\n"
	    "action x platform ios needs f\n"
	    "service u\n"
	    "service v\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "service w\n"
	    "flow f tls daddr 1.0.0.0/8 dport 1\n"
	    "action a needs f\n",
	  "t.catalog:6:8: action \"a\" already declared at t.catalog:5:8\n"
	  "t.catalog:12:8: action \"a\" for ios overlaps the one for any at t.catalog:11:8\n"
	  "t.catalog:15:8: action \"x\" already declared at t.catalog:13:8\n"
	  "t.catalog:7:8: action \"b\" is for android, service \"s\" is ios only\n"
	  "t.catalog:16:9: service \"u\" has no \"category\"\n"
	  "t.catalog:16:9: service \"u\" has no flow\n"
	  "t.catalog:16:9: service \"u\" has no action\n"
	  "t.catalog:17:9: service \"v\" has no action\n"
	  "t.catalog:20:9: service \"w\" has no \"category\"\n" },
	{ "set a addr { 1.0.0.0/8\n"
	    "service s\n"
	    "category c\n"
	    "flow f tls daddr 1.0.0.0/8 dport 443\n"
	    "action a needs f\n"
	    "set b addr { 1.0.0.0/8 }\n"
	    "set b addr { 2.0.0.0/8 }\n",
	  "t.catalog:1:12: unterminated \"{\"\n"
	  "t.catalog:7:5: set \"b\" already declared at t.catalog:6:5\n" },
	{ "service s\n"
	    "category c\n"
	    "flow f tcp daddr 1.0.0.0/8 dport 443 rotate\n"
	    "flow g tcp daddr 1.0.0.0/8 dport 443 rotate 1h\n"
	    "flow h tcp daddr 1.0.0.0/8 dport 443 rotate 1h to @x\n"
	    "flow i tcp daddr 1.0.0.0/8 dport 443 rotate 0s into 2.0.0.0/8\n"
	    "flow k tcp daddr 1.0.0.0/8 dport 443 rotate 2d into 2.0.0.0/8\n"
	    "flow m dns dns a.example rotate 1h into 2.0.0.0/8\n"
	    "flow n tcp daddr 1.0.0.0/8 dport 443 rotate 1h into @nosuch\n"
	    "flow p tcp daddr 1.0.0.0/8 dport 443 rotate 1h into 2.0.0.0/8 "
	    "rotate 2h into 3.0.0.0/8\n"
	    "flow q tcp daddr 1.0.0.0/8 dport 443\n"
	    "action a needs q\n",
	  "t.catalog:3:44: expected a period after \"rotate\", as in \"1h\", got end of line\n"
	  "t.catalog:4:47: expected \"into @set\" after the period, got end of line\n"
	  "t.catalog:5:48: expected \"into @set\" after the period, got \"to\"\n"
	  "t.catalog:6:45: rotate \"0s\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:7:45: rotate \"2d\" out of range (more than 0, at most 24h)\n"
	  "t.catalog:8:26: a dns flow has no \"rotate\"\n"
	  "t.catalog:9:53: unknown set \"nosuch\"\n"
	  "t.catalog:10:63: \"rotate\" already given at t.catalog:10:38\n" },
};

static void test_bad_catalogs(void **state)
{
	const struct bad_case *c;
	unsigned int failed = 0;
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		c = &bad_cases[i];
		got = parse_bad(c->text);
		if (strcmp(got, c->want)) {
			print_error("case %zu, input:\n%s\nwant:\n%s\ngot:\n%s\n",
				    i, c->text, c->want, got);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

/* ---- a directory: files in name order, sets and ids global ------------ */

static void test_load_dir(void **state)
{
	struct br_catalog *cat = NULL;
	char *dir = tmp_dir(), *sub, *msgs;
	int err;

	(void)state;
	assert_true(asprintf(&sub, "%s/sets", dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	/* b uses a's set and names c's service, read after it */
	write_file(dir, "b.catalog",
		   "service b\ncategory c\n"
		   "flow f tcp daddr @shared dport 1\n"
		   "action go needs f, c.g\n");
	write_file(dir, "a.catalog",
		   "include \"sets/shared.set\"\n"
		   "service a\ncategory c\n"
		   "flow f udp daddr @shared dport 1-2\n"
		   "action go needs f\n");
	write_file(dir, "sets/shared.set",
		   "set shared addr {\n  192.0.2.0/24\n}\n");
	write_file(dir, "c.catalog",
		   "service c\ncategory c\n"
		   "flow g tcp daddr 192.0.2.1 dport 2\n"
		   "action go needs g\n");
	write_file(dir, "notes.txt", "not a catalog\n");
	write_file(dir, ".hidden.catalog", "garbage\n");
	msgs = load(dir, &cat, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	assert_int_equal(cat->n_services, 3);
	assert_string_equal(cat->services[0].id, "a");
	assert_string_equal(cat->services[1].id, "b");
	assert_string_equal(cat->services[2].id, "c");
	assert_int_equal(cat->services[1].flows[0].addr_set, 0);
	assert_string_equal(cat->sets[0].name, "shared");
	assert_true(strstr(cat->sets[0].pos.file, "sets/shared.set") != NULL);
	assert_true(strstr(cat->services[1].pos.file, "/b.catalog") != NULL);
	check_needs(cat, &cat->services[1].actions[0], "b.f, c.g");
	br_catalog_free(cat);
	free(msgs);

	/* errors name their file; a set file holds sets only; ids are global */
	write_file(dir, "sets/shared.set",
		   "set shared addr { 192.0.2.0/24 }\nflow x tcp\n");
	write_file(dir, "d.catalog",
		   "set shared addr { 192.0.2.0/24 }\n"
		   "service a\ncategory c\n"
		   "flow f tcp daddr 192.0.2.1 dport 1\n"
		   "action go needs f\n");
	msgs = load(dir, &cat, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(cat);
	{
		char *want;

		assert_true(asprintf(&want,
				     "%s/sets/shared.set:2:1: \"flow\" is not "
				     "allowed in a set file\n"
				     "%s/d.catalog:1:5: set \"shared\" already "
				     "declared at %s/sets/shared.set:1:5\n"
				     "%s/d.catalog:2:9: service \"a\" already "
				     "declared at %s/a.catalog:2:9\n",
				     dir, dir, dir, dir, dir) > 0);
		assert_string_equal(msgs, want);
		free(want);
	}
	free(msgs);
	rm_tree(dir);

	/* a directory that is not there, or holds no catalog */
	msgs = load(dir, &cat, &err);
	assert_int_equal(err, -ENOENT);
	assert_null(cat);
	assert_true(strstr(msgs, ": cannot open: No such file or directory\n") !=
		    NULL);
	free(msgs);
	assert_int_equal(mkdir(dir, 0755), 0);
	msgs = load(dir, &cat, &err);
	assert_int_equal(err, -ENOENT);
	assert_true(strstr(msgs, ": no *.catalog files\n") != NULL);
	free(msgs);
	rm_tree(dir);
	free(sub);
	free(dir);
}

/*
 * Only regular files are read: a FIFO with no writer or /dev/zero, as a
 * catalog file or an include, would block or fill memory. alarm(): a
 * hang fails the test instead of stopping the suite.
 */
static void test_load_not_regular(void **state)
{
	struct br_catalog *cat = NULL;
	char *dir = tmp_dir(), *path, *msgs, *want;
	int err;

	(void)state;
	alarm(30);
	write_file(dir, "a.catalog",
		   "include \"/dev/zero\"\n"
		   "include \"fifo.set\"\n"
		   "service a\ncategory c\n"
		   "flow f tcp daddr 192.0.2.1 dport 1\n"
		   "action go needs f\n");
	assert_true(asprintf(&path, "%s/fifo.set", dir) > 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	free(path);
	assert_true(asprintf(&path, "%s/b.catalog", dir) > 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	free(path);
	msgs = load(dir, &cat, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(cat);
	assert_true(asprintf(&want,
			     "%1$s/a.catalog:1:9: cannot open \"/dev/zero\": "
			     "not a regular file (a character device)\n"
			     "%1$s/a.catalog:2:9: cannot open \"fifo.set\": "
			     "not a regular file (a FIFO)\n"
			     "%1$s/b.catalog: cannot open: not a regular file "
			     "(a FIFO)\n",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);
	rm_tree(dir);
	free(dir);
	alarm(0);
}

/* A buffer over the cap is refused unread (a read of PROT_NONE crashes). */
static void test_buffer_cap(void **state)
{
	size_t len = (size_t)(256 << 20) + 1;
	struct br_catalog *cat = NULL;
	struct br_diag d;
	char *text, *msgs;

	(void)state;
	text = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(text != MAP_FAILED);
	br_diag_init(&d);
	assert_int_equal(br_catalog_parse_buffer("t.catalog", text, len, &cat,
						 &d),
			 -EINVAL);
	assert_null(cat);
	msgs = diag_all(&d);
	assert_string_equal(msgs,
			    "t.catalog: larger than 256 MiB (268435457 bytes)\n");
	free(msgs);
	br_diag_free(&d);
	munmap(text, len);
}

static void test_default_dir(void **state)
{
	const char *dir;
	struct stat st;

	(void)state;
	assert_int_equal(setenv("BLASTRADIUS_CATALOG", "/some/where", 1), 0);
	assert_string_equal(br_catalog_default_dir(), "/some/where");
	assert_int_equal(unsetenv("BLASTRADIUS_CATALOG"), 0);
	/* built from this tree: the tree's catalog */
	dir = br_catalog_default_dir();
	assert_true(strlen(dir) > 17);
	assert_string_equal(dir + strlen(dir) - 17, "/policies/catalog");
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

/* ---- the shipped catalog ---------------------------------------------- */

/* Is p inside a range no real server uses (private, lab, documentation)? */
static int is_reserved(const struct br_prefix *p)
{
	static const struct {
		int family;
		const char *addr;
		unsigned int len;
	} reserved[] = {
		{ 4, "0.0.0.0", 8 },	 { 4, "10.0.0.0", 8 },
		{ 4, "100.64.0.0", 10 }, { 4, "127.0.0.0", 8 },
		{ 4, "169.254.0.0", 16 }, { 4, "172.16.0.0", 12 },
		{ 4, "192.0.2.0", 24 },	 { 4, "192.168.0.0", 16 },
		{ 4, "198.18.0.0", 15 }, { 4, "198.51.100.0", 24 },
		{ 4, "203.0.113.0", 24 }, { 4, "224.0.0.0", 3 },
		{ 6, "::", 8 },		 { 6, "2001:db8::", 32 },
		{ 6, "fc00::", 7 },	 { 6, "fe80::", 10 },
		{ 6, "ff00::", 8 },
	};
	uint8_t r[16];
	unsigned int bits, i, k;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (reserved[i].family != p->family)
			continue;
		assert_int_equal(inet_pton(p->family == 4 ? AF_INET : AF_INET6,
					   reserved[i].addr, r), 1);
		bits = reserved[i].len < p->len ? reserved[i].len : p->len;
		for (k = 0; k < bits; k++)
			if ((r[k / 8] ^ p->addr[k / 8]) & (0x80 >> (k % 8)))
				break;
		if (k == bits)
			return 1;
	}
	return 0;
}

/*
 * Actions without a default rate, happening only at a scenario's: the
 * messengers' calls (messengers.catalog), so that the scenarios naming
 * the messengers keep measuring what they did before the calls existed.
 */
static int scenario_rated(const char *service, const char *action)
{
	return (!strcmp(service, "whatsapp") || !strcmp(service, "telegram")) &&
	       !strcmp(action, "call");
}

static const struct br_set *set_named(const struct br_catalog *cat,
				      const char *name)
{
	size_t i;

	for (i = 0; i < cat->n_sets; i++)
		if (!strcmp(cat->sets[i].name, name))
			return &cat->sets[i];
	print_error("no set \"%s\"\n", name);
	fail();
	return NULL;
}

/* Does a domain set match name, as domain.h would? */
static int domain_set_has(const struct br_set *set, const char *name)
{
	size_t i, n = strlen(name), m;

	assert_int_equal(set->type, BR_SET_DOMAIN);
	for (i = 0; i < set->n; i++) {
		const struct br_domain *d = &set->domains[i];

		m = strlen(d->name);
		if ((d->flags & BR_DOMAIN_EXACT) && !strcmp(name, d->name))
			return 1;
		if ((d->flags & BR_DOMAIN_BELOW) && n > m + 1 &&
		    name[n - m - 1] == '.' && !strcmp(name + n - m, d->name))
			return 1;
	}
	return 0;
}

/* Services kept reachable by Russia's mobile whitelists (ru-apps.catalog):
 * every flow approved by name, every push through the platform's channel */
static void check_ru_apps(const struct br_catalog *cat)
{
	static const char *const ru_apps[] = {
		"gosuslugi", "yandex", "vk",	      "max",
		"rutube",    "ozon",   "wildberries", "sberbank",
	};
	const struct br_set *approved = set_named(cat, "ru-whitelist");
	const struct br_set *push = set_named(cat, "push-channels");
	const struct br_cat_service *s;
	size_t i, k;

	for (i = 0; i < sizeof(ru_apps) / sizeof(ru_apps[0]); i++) {
		s = svc_of(cat, ru_apps[i]);
		assert_string_equal(s->category, "ru-app");
		assert_int_equal(s->platform, BR_PLAT_ANY);
		assert_true(s->n_flows >= 1);
		for (k = 0; k < s->n_flows; k++) {
			assert_int_equal(s->flows[k].kind, BR_CAT_TLS);
			assert_int_equal(s->flows[k].port, 443);
			if (!domain_set_has(approved, s->flows[k].sni))
				fail_msg("%s.%s: %s not in ru-whitelist", s->id,
					 s->flows[k].name, s->flows[k].sni);
			assert_string_equal(s->flows[k].dns, s->flows[k].sni);
		}
		check_needs(cat,
			    action_of(cat, ru_apps[i], "push-received",
				      BR_PLAT_IOS),
			    "apns.courier | apns.courier-443");
		check_needs(cat,
			    action_of(cat, ru_apps[i], "push-received",
				      BR_PLAT_ANDROID),
			    "fcm.mtalk | fcm.mtalk-443");
		assert_true(
			action_of(cat, ru_apps[i], "push-received", BR_PLAT_IOS)
				->push);
	}
	/* the push channels are not approved with the apps: a policy's
	 * choice; push-channels names both, for the policy that approves */
	assert_false(domain_set_has(approved, "1-courier.push.apple.com"));
	assert_false(domain_set_has(approved, "mtalk.google.com"));
	assert_true(domain_set_has(push, "24-courier.push.apple.com"));
	assert_true(domain_set_has(push, "mtalk.google.com"));
	assert_true(domain_set_has(push, "alt8-mtalk.google.com"));
	/* a foreign site is not approved */
	assert_false(domain_set_has(approved, "www.site.example"));
	/* where the apps answer: published or observed, else ru-cdn */
	assert_string_equal(
		cat->sets[flow_of(cat, "gosuslugi", "api")->addr_set].name,
		"ru-gosuslugi");
	assert_string_equal(
		cat->sets[flow_of(cat, "yandex", "search")->addr_set].name,
		"ru-yandex");
	assert_string_equal(cat->sets[flow_of(cat, "vk", "api")->addr_set].name,
			    "ru-vk");
	assert_true(flow_of(cat, "max", "chat")->channel);
	check_needs(cat, action_of(cat, "max", "message-sent", BR_PLAT_ANY),
		    "max.chat");
	check_needs(cat, action_of(cat, "sberbank", "open", BR_PLAT_ANY),
		    "sberbank.api");
}

/* Sites on the providers frozen after ~16-20 KB (hosters.catalog): a page
 * and a download above the freeze, an API answer below it */
static void check_hosted(const struct br_catalog *cat)
{
	static const struct {
		const char *id, *set;
	} hosted[] = {
		{ "cf-site", "cloudflare-ips" },
		{ "hetzner-site", "hetzner" },
		{ "do-site", "digitalocean" },
	};
	const struct br_cat_flow *f;
	char *want;
	size_t i;

	for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++) {
		const struct br_cat_service *s = svc_of(cat, hosted[i].id);

		assert_string_equal(s->category, "hosted");
		for (f = s->flows; f < s->flows + s->n_flows; f++) {
			assert_int_equal(f->kind, BR_CAT_TLS);
			assert_string_equal(cat->sets[f->addr_set].name,
					    hosted[i].set);
		}
		assert_true(flow_of(cat, hosted[i].id, "page")->resp_bytes >
			    20 * 1024);
		assert_true(flow_of(cat, hosted[i].id, "download")->resp_bytes >
			    20 * 1024);
		/* drawn within a quarter either way: still under 16 KB */
		assert_true(flow_of(cat, hosted[i].id, "api")->resp_bytes * 5 /
				    4 <
			    16 * 1024);
		assert_true(asprintf(&want, "%s.page", hosted[i].id) > 0);
		check_needs(
			cat,
			action_of(cat, hosted[i].id, "page-load", BR_PLAT_ANY),
			want);
		free(want);
	}
	/* Cloudflare's whole published list: 15 IPv4 and 7 IPv6 prefixes */
	assert_int_equal(set_named(cat, "cloudflare-ips")->n, 22);
	check_prefix(&set_named(cat, "cloudflare-ips")->prefixes[0],
		     "173.245.48.0", 20);
}

/* The messengers' calls (messengers.catalog): UDP to the services' own
 * ranges, beside the signalling connection the messages use */
static void check_calls(const struct br_catalog *cat)
{
	const struct br_cat_action *a;

	a = action_of(cat, "whatsapp", "call", BR_PLAT_ANY);
	check_needs(cat, a,
		    "whatsapp.chat | whatsapp.chat-443, "
		    "whatsapp.call | whatsapp.call-45395");
	assert_true(a->per_hour == 0 && a->from < 0);
	assert_int_equal(flow_of(cat, "whatsapp", "call")->kind, BR_CAT_UDP);
	assert_int_equal(flow_of(cat, "whatsapp", "call")->port, 3478);
	assert_int_equal(flow_of(cat, "whatsapp", "call-45395")->port, 45395);
	/* a call flow begins with the relay's ping, 0x0801 */
	assert_int_equal(flow_of(cat, "whatsapp", "call")->stun, 1);
	assert_int_equal(flow_of(cat, "whatsapp", "call")->stun_type, 0x0801);
	assert_int_equal(flow_of(cat, "whatsapp", "call-45395")->stun_type,
			 0x0801);
	assert_int_equal(flow_of(cat, "whatsapp", "call")->addr_set,
			 flow_of(cat, "whatsapp", "chat")->addr_set);

	a = action_of(cat, "telegram", "call", BR_PLAT_ANY);
	check_needs(cat, a,
		    "telegram.dc, telegram.call-relay | telegram.call-webrtc");
	assert_true(a->per_hour == 0 && a->from < 0);
	assert_int_equal(flow_of(cat, "telegram", "call-relay")->kind,
			 BR_CAT_UDP);
	assert_int_equal(flow_of(cat, "telegram", "call-relay")->port, 596);
	assert_int_equal(flow_of(cat, "telegram", "call-relay")->port_hi, 599);
	assert_int_equal(flow_of(cat, "telegram", "call-webrtc")->port, 1400);
	/* WebRTC's ICE check; the reflectors' packets have no fixed bytes */
	assert_int_equal(flow_of(cat, "telegram", "call-webrtc")->stun, 1);
	assert_int_equal(flow_of(cat, "telegram", "call-webrtc")->stun_type,
			 0x0001);
	assert_int_equal(flow_of(cat, "telegram", "call-relay")->stun, 0);
	assert_int_equal(flow_of(cat, "telegram", "call-relay")->addr_set,
			 flow_of(cat, "telegram", "dc")->addr_set);
	/* the messages' flows are as they were */
	check_needs(cat,
		    action_of(cat, "whatsapp", "message-sent", BR_PLAT_ANY),
		    "whatsapp.chat | whatsapp.chat-443");
	assert_int_equal(flow_of(cat, "whatsapp", "chat")->kind, BR_CAT_TCP);
}

static void test_shipped(void **state)
{
	static const char *const ids[] = {
		"apns",	    "imessage", "facetime", "icloud",   "fcm",
		"bank",	    "delivery", "auth",	    "ridehail", "news",
		"telegram", "whatsapp", "signal",   "web",	"cloud-app",
		"twitter",  "ewallet",	"game-network", "video",
	};
	/* hosted in the ranges blocked against Telegram in 2018 */
	static const struct {
		const char *id, *flow, *action;
	} cloud_hosted[] = {
		{ "cloud-app", "api", "open" },
		{ "ewallet", "api", "pay" },
		{ "game-network", "lobby", "play" },
		{ "video", "api", "play" },
	};
	static const char *const push_apps[] = {
		"bank", "delivery", "auth", "ridehail", "news",
	};
	struct br_catalog *cat = load_shipped();
	const struct br_cat_service *s;
	const struct br_set *set;
	size_t i, k;

	(void)state;
	/* every service: described, sourced, with flows and actions */
	for (i = 0; i < cat->n_services; i++) {
		s = &cat->services[i];
		assert_non_null(s->category);
		assert_true(s->n_sources >= 1);
		assert_true(s->n_flows >= 1);
		assert_true(s->n_actions >= 1);
		for (k = 0; k < s->n_actions; k++) {
			free(needs_text(cat, &s->actions[k])); /* refs resolve */
			/* a rate, unless another device's sends drive it or
			 * only a scenario's rate does (the messengers' calls) */
			assert_true(s->actions[k].per_hour > 0 ||
				    s->actions[k].from >= 0 ||
				    scenario_rated(s->id, s->actions[k].name));
			/* a deadline, of at most two minutes */
			assert_true(s->actions[k].deadline_ns > 0);
			assert_true(s->actions[k].deadline_ns <=
				    120000000000ull);
		}
		for (k = 0; k < s->n_flows; k++) {
			const struct br_cat_flow *f = &s->flows[k];

			if (f->kind != BR_CAT_DNS)
				assert_true(f->addr_set >= 0 &&
					    (size_t)f->addr_set < cat->n_sets);
		}
	}
	/* every set holds something, and only public addresses */
	for (i = 0; i < cat->n_sets; i++) {
		set = &cat->sets[i];
		assert_true(set->n > 0);
		for (k = 0; set->type == BR_SET_ADDR && k < set->n; k++)
			if (is_reserved(&set->prefixes[k]))
				fail_msg("set %s: element %zu is not public",
					 set->name, k);
	}
	/* the ids and actions other parts rely on */
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		svc_of(cat, ids[i]);
	assert_int_equal(svc_of(cat, "apns")->platform, BR_PLAT_IOS);
	assert_int_equal(svc_of(cat, "imessage")->platform, BR_PLAT_IOS);
	assert_int_equal(svc_of(cat, "facetime")->platform, BR_PLAT_IOS);
	assert_int_equal(svc_of(cat, "icloud")->platform, BR_PLAT_IOS);
	assert_int_equal(svc_of(cat, "fcm")->platform, BR_PLAT_ANDROID);

	/* APNs: N-courier on 5223, then 443, to Apple's published ranges */
	check_needs(cat, action_of(cat, "apns", "push-received", BR_PLAT_IOS),
		    "apns.courier | apns.courier-443");
	assert_int_equal(flow_of(cat, "apns", "courier")->port, 5223);
	assert_int_equal(flow_of(cat, "apns", "courier-443")->port, 443);
	assert_string_equal(flow_of(cat, "apns", "courier")->sni,
			    "%-courier.push.apple.com");
	assert_true(flow_of(cat, "apns", "courier")->channel);
	set = &cat->sets[flow_of(cat, "apns", "courier")->addr_set];
	assert_string_equal(set->name, "apple-push");
	assert_int_equal(set->n, 9);
	check_prefix(&set->prefixes[0], "17.249.0.0", 16);
	check_prefix(&set->prefixes[1], "17.252.0.0", 16);
	check_prefix(&set->prefixes[2], "17.57.144.0", 22);
	check_prefix(&set->prefixes[3], "17.188.128.0", 18);
	check_prefix(&set->prefixes[4], "17.188.20.0", 23);
	check_prefix(&set->prefixes[5], "2620:149:a44::", 48);
	check_prefix(&set->prefixes[6], "2403:300:a42::", 48);
	check_prefix(&set->prefixes[7], "2403:300:a51::", 48);
	check_prefix(&set->prefixes[8], "2a01:b740:a42::", 48);

	check_needs(cat,
		    action_of(cat, "imessage", "message-sent", BR_PLAT_IOS),
		    "imessage.identity, apns.courier | apns.courier-443");
	check_needs(cat,
		    action_of(cat, "imessage", "message-received",
			      BR_PLAT_IOS),
		    "apns.courier | apns.courier-443");
	/* what a device receives, its contacts sent */
	assert_int_equal(action_of(cat, "imessage", "message-received",
				   BR_PLAT_IOS)->from,
			 action_of(cat, "imessage", "message-sent",
				   BR_PLAT_IOS) -
				 cat->services[br_catalog_service(cat,
								  "imessage")]
					 .actions);
	assert_string_equal(flow_of(cat, "imessage", "identity")->sni,
			    "query.ess.apple.com");
	assert_true(flow_of(cat, "imessage", "identity")->lookup);
	check_needs(cat, action_of(cat, "facetime", "call", BR_PLAT_IOS),
		    "imessage.identity, apns.courier | apns.courier-443, "
		    "facetime.media | facetime.media-16384 | "
		    "facetime.media-16393");
	/* the callee's ring: a push, from the caller's call */
	assert_true(action_of(cat, "facetime", "call-received", BR_PLAT_IOS)
			    ->push);
	assert_int_equal(action_of(cat, "facetime", "call-received",
				   BR_PLAT_IOS)
				 ->from,
			 action_of(cat, "facetime", "call", BR_PLAT_IOS) -
				 cat->services[br_catalog_service(cat,
								  "facetime")]
					 .actions);
	assert_int_equal(flow_of(cat, "facetime", "media")->port, 3478);
	assert_int_equal(flow_of(cat, "facetime", "media")->port_hi, 3497);
	assert_int_equal(flow_of(cat, "facetime", "media-16384")->port_hi,
			 16387);
	assert_int_equal(flow_of(cat, "facetime", "media-16393")->port, 16393);
	assert_int_equal(flow_of(cat, "facetime", "media-16393")->port_hi,
			 16402);
	action_of(cat, "icloud", "sync", BR_PLAT_IOS);

	/* FCM: mtalk.google.com on 5228, then 443 */
	check_needs(cat, action_of(cat, "fcm", "push-received",
				   BR_PLAT_ANDROID),
		    "fcm.mtalk | fcm.mtalk-443");
	assert_int_equal(flow_of(cat, "fcm", "mtalk")->port, 5228);
	assert_string_equal(flow_of(cat, "fcm", "mtalk")->sni,
			    "mtalk.google.com");

	/* push-driven apps ride on the platform's channel */
	for (i = 0; i < sizeof(push_apps) / sizeof(push_apps[0]); i++) {
		const struct br_cat_action *a;

		a = action_of(cat, push_apps[i], "push-received", BR_PLAT_IOS);
		assert_int_equal(a->platform, BR_PLAT_IOS);
		check_needs(cat, a, "apns.courier | apns.courier-443");
		a = action_of(cat, push_apps[i], "push-received",
			      BR_PLAT_ANDROID);
		assert_int_equal(a->platform, BR_PLAT_ANDROID);
		check_needs(cat, a, "fcm.mtalk | fcm.mtalk-443");
		a = action_of(cat, push_apps[i], "open", BR_PLAT_ANY);
		assert_int_equal(a->platform, BR_PLAT_ANY);
		assert_int_equal(a->n_terms, 1);
		assert_int_equal(a->terms[0].n, 1);
		assert_int_equal(cat->services[a->terms[0].alts[0].service]
					 .flows[a->terms[0].alts[0].flow]
					 .kind,
				 BR_CAT_TLS);
	}

	check_needs(cat, action_of(cat, "telegram", "message-sent",
				   BR_PLAT_ANY),
		    "telegram.dc");
	assert_int_equal(flow_of(cat, "telegram", "dc")->kind, BR_CAT_TCP);
	set = &cat->sets[flow_of(cat, "telegram", "dc")->addr_set];
	check_prefix(&set->prefixes[7], "149.154.160.0", 20);
	action_of(cat, "whatsapp", "message-sent", BR_PLAT_ANY);
	action_of(cat, "signal", "message-sent", BR_PLAT_ANY);
	check_needs(cat, action_of(cat, "web", "page-load", BR_PLAT_ANY),
		    "web.quic | web.tls");
	assert_int_equal(flow_of(cat, "web", "quic")->kind, BR_CAT_QUIC);
	assert_non_null(flow_of(cat, "web", "quic")->dns);
	assert_non_null(flow_of(cat, "web", "tls")->dns);

	/* the cloud-hosted app: the ranges blocked against Telegram in 2018 */
	set = &cat->sets[flow_of(cat, "cloud-app", "api")->addr_set];
	assert_int_equal(set->n, 4);
	check_prefix(&set->prefixes[0], "52.58.0.0", 15);
	check_prefix(&set->prefixes[1], "18.194.0.0", 15);
	check_prefix(&set->prefixes[2], "18.196.0.0", 15);
	check_prefix(&set->prefixes[3], "35.156.0.0", 14);
	for (i = 0; i < sizeof(cloud_hosted) / sizeof(cloud_hosted[0]); i++) {
		const struct br_cat_flow *f =
			flow_of(cat, cloud_hosted[i].id, cloud_hosted[i].flow);
		char *want;

		assert_int_equal(f->kind, BR_CAT_TLS);
		assert_ptr_equal(&cat->sets[f->addr_set], set);
		assert_true(asprintf(&want, "%s.%s", cloud_hosted[i].id,
				     cloud_hosted[i].flow) > 0);
		check_needs(cat,
			    action_of(cat, cloud_hosted[i].id,
				      cloud_hosted[i].action, BR_PLAT_ANY),
			    want);
		free(want);
	}

	/* pushes are the push-received actions and the rings of calls
	 * (from another device's call); whatever is -received comes down a
	 * channel; both marked, not inferred from the name */
	for (i = 0; i < cat->n_services; i++) {
		const struct br_cat_service *svc = &cat->services[i];

		for (k = 0; k < svc->n_actions; k++) {
			const char *n = svc->actions[k].name;
			size_t len = strlen(n);

			assert_int_equal(svc->actions[k].push,
					 !strcmp(n, "push-received") ||
						 !strcmp(n, "call-received"));
			assert_int_equal(svc->actions[k].received,
					 len > 9 &&
						 !strcmp(n + len - 9,
							 "-received"));
		}
	}
	assert_string_equal(br_cat_label(&cat->services[br_catalog_service(
				    cat, "apns")]),
			    "APNs");
	assert_string_equal(br_cat_class_label(
				    &cat->services[br_catalog_service(cat, "fcm")]),
			    "Android system");
	assert_string_equal(br_cat_label(&cat->services[br_catalog_service(
				    cat, "auth")]),
			    "2FA");

	check_ru_apps(cat);
	check_hosted(cat);
	check_calls(cat);

	/* deadlines: a web page in 10 s, a push in 60 s (assumptions) */
	assert_int_equal(action_of(cat, "web", "page-load", BR_PLAT_ANY)
				 ->deadline_ns,
			 10000000000ull);
	assert_int_equal(action_of(cat, "apns", "push-received", BR_PLAT_IOS)
				 ->deadline_ns,
			 60000000000ull);
	br_catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ir),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_platform_actions),
		cmocka_unit_test(test_report_attributes),
		cmocka_unit_test(test_bad_catalogs),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_buffer_cap),
		cmocka_unit_test(test_default_dir),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
