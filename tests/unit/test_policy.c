/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_policy.c - the policy language: lexer, parser, diagnostics.
 *
 * Malformed policies are one table row each: the input and every message it
 * must produce, exactly as `blastradius check` prints them. Runs from the
 * repository root (the shipped examples are read by relative path).
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
#include "cli.h"
#include "domain.h"
#include "name_index.h"
#include "policy.h"
#include "targets.h"
#include "printable.h"
#include "textfile.h"
#include "unit.h"

/* ---- helpers ---------------------------------------------------------- */

static struct br_policy *parse_ok(const char *text)
{
	struct br_policy *pol = NULL;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_policy_parse_buffer("t.policy", text, strlen(text), &pol, &d);
	msgs = diag_text(&d);
	if (err)
		print_error("unexpected errors:\n%s\n", msgs);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	assert_non_null(pol);
	free(msgs);
	br_diag_free(&d);
	return pol;
}

/* Parse text that must fail; returns its messages. */
static char *parse_bad(const char *text, size_t len)
{
	struct br_policy *pol = (struct br_policy *)1;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_policy_parse_buffer("t.policy", text, len, &pol, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(pol);
	msgs = diag_text(&d);
	br_diag_free(&d);
	return msgs;
}

static char *tmp_dir(void)
{
	char *dir = strdup("/tmp/br-policy-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static char *path_in(const char *dir, const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	return path;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_in(dir, name);
	FILE *f = fopen(path, "w");

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

/* parse_file on dir/name; returns its messages, *err its return value. */
static char *parse_path(const char *dir, const char *name,
			struct br_policy **pol, int *err)
{
	char *path = path_in(dir, name);
	struct br_diag d;
	char *msgs;

	br_diag_init(&d);
	*err = br_policy_parse_file(path, pol, &d);
	msgs = diag_text(&d);
	br_diag_free(&d);
	free(path);
	return msgs;
}

/* ---- valid policies: the IR ------------------------------------------- */

static void test_full_ir(void **state)
{
	struct br_policy *pol;
	const struct br_rule_ir *r;
	const struct br_set *s;

	(void)state;
	pol = parse_ok(
		"# the lab's APNs range\n"
		"policy \"apns block\"   # a comment\n"
		"description \"cuts \\\"push\\\" \\\\ all\"\n"
		"target apns, imessage\n"
		"target facetime\n"
		"default drop\n"
		"set lab addr {\n"
		"\t198.18.0.0/15, 2001:db8::/32\n"
		"\t::ffff:198.18.0.1   # mapped: stays IPv6\n"
		"\t198.18.0.0/15,\n"
		"}\n"
		"set media port { 3478-3497, 16384 }\n"
		"rule \"apns\" tcp daddr @lab dport { 5223,  # primary\n"
		"    443 } drop\n"
		"rule udp   saddr 198.19.0.7 dport @media pass\n"
		"set late addr { 0.0.0.0/0 }\n"
		"rule icmp daddr @late drop\n"
		"rule ether type lldp pass\n"
		"rule ether type 0x88B5 drop\n"
		"rule pass\n");

	assert_string_equal(pol->file, "t.policy");
	assert_string_equal(pol->name, "apns block");
	assert_string_equal(pol->name_pos.file, "t.policy");
	assert_int_equal(pol->name_pos.line, 2);
	assert_int_equal(pol->name_pos.col, 8);
	assert_string_equal(pol->description, "cuts \"push\" \\ all");
	assert_int_equal(pol->n_targets, 3);
	assert_string_equal(pol->targets[0], "apns");
	assert_string_equal(pol->targets[1], "imessage");
	assert_string_equal(pol->targets[2], "facetime");
	assert_int_equal(pol->target_pos[1].line, 4);
	assert_int_equal(pol->target_pos[1].col, 14);
	assert_int_equal(pol->default_action, BR_ACT_DROP);

	/* named sets first, in declaration order, then the anonymous ones */
	assert_int_equal(pol->n_sets, 5);
	s = &pol->sets[0];
	assert_string_equal(s->name, "lab");
	assert_false(s->anonymous);
	assert_int_equal(s->type, BR_SET_ADDR);
	assert_int_equal(s->pos.line, 7);
	assert_int_equal(s->pos.col, 5);
	assert_int_equal(s->n, 4);	/* duplicates are kept */
	check_prefix(&s->prefixes[0], "198.18.0.0", 15);
	check_prefix(&s->prefixes[1], "2001:db8::", 32);
	check_prefix(&s->prefixes[2], "::ffff:198.18.0.1", 128);
	check_prefix(&s->prefixes[3], "198.18.0.0", 15);
	s = &pol->sets[1];
	assert_string_equal(s->name, "media");
	assert_int_equal(s->type, BR_SET_PORT);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->ports[0].lo, 3478);
	assert_int_equal(s->ports[0].hi, 3497);
	assert_int_equal(s->ports[1].lo, 16384);
	assert_int_equal(s->ports[1].hi, 16384);
	assert_string_equal(pol->sets[2].name, "late");
	check_prefix(&pol->sets[2].prefixes[0], "0.0.0.0", 0);
	s = &pol->sets[3];
	assert_string_equal(s->name, "rule1.dport");
	assert_true(s->anonymous);
	assert_int_equal(s->pos.line, 13);
	assert_int_equal(s->pos.col, 34);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->ports[0].lo, 5223);
	assert_int_equal(s->ports[1].hi, 443);
	s = &pol->sets[4];
	assert_string_equal(s->name, "rule2.saddr");
	assert_true(s->anonymous);
	assert_int_equal(s->n, 1);
	check_prefix(&s->prefixes[0], "198.19.0.7", 32);

	assert_int_equal(pol->n_rules, 6);
	r = &pol->rules[0];
	assert_int_equal(r->pos.line, 13);
	assert_int_equal(r->pos.col, 1);
	assert_string_equal(r->name, "apns");
	assert_string_equal(r->text,
			    "rule \"apns\" tcp daddr @lab dport { 5223, 443 } drop");
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->saddr_set, BR_NO_SET);
	assert_int_equal(r->daddr_set, 0);
	assert_int_equal(r->sport_set, BR_NO_SET);
	assert_int_equal(r->dport_set, 3);
	assert_int_equal(r->ether_type, -1);
	assert_int_equal(r->action, BR_ACT_DROP);
	r = &pol->rules[1];
	assert_null(r->name);
	assert_string_equal(r->text, "rule udp saddr 198.19.0.7 dport @media pass");
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->saddr_set, 4);
	assert_int_equal(r->dport_set, 1);
	assert_int_equal(r->action, BR_ACT_PASS);
	r = &pol->rules[2];
	assert_int_equal(r->proto, BR_PROTO_ICMP);
	assert_int_equal(r->daddr_set, 2);
	assert_int_equal(pol->rules[3].ether_type, 0x88cc);
	assert_int_equal(pol->rules[3].proto, BR_PROTO_ANY);
	assert_int_equal(pol->rules[4].ether_type, 0x88b5);
	r = &pol->rules[5];
	assert_string_equal(r->text, "rule pass");
	assert_int_equal(r->proto, BR_PROTO_ANY);
	assert_int_equal(r->daddr_set, BR_NO_SET);
	assert_int_equal(r->ether_type, -1);
	br_policy_free(pol);
}

static void test_minimal(void **state)
{
	struct br_policy *pol;

	(void)state;
	pol = parse_ok("policy p");	/* no newline at the end */
	assert_string_equal(pol->name, "p");
	assert_null(pol->description);
	assert_int_equal(pol->n_targets, 0);
	assert_int_equal(pol->default_action, BR_ACT_PASS);
	assert_int_equal(pol->n_sets, 0);
	assert_int_equal(pol->n_rules, 0);
	br_policy_free(pol);
}

static void test_literals(void **state)
{
	struct br_policy *pol;
	const struct br_set *s;

	(void)state;
	pol = parse_ok(
		"policy p\r\n"
		"set a addr {1.2.3.4,::,fe80::/10,2001:db8:0:0:0:0:0:1/128,"
		"255.255.255.255/32,10.0.0.0/8}\r\n"
		"rule tcp sport 0 dport 65535 drop\r\n"
		"rule udp dport 0-65535 daddr @a pass\r\n"
		"rule ether type 2054 drop\r\n"
		"rule any saddr { 2001:db8::/32 } daddr { 2001:db8::1, 198.18.0.1 } drop\r\n");
	s = &pol->sets[0];
	assert_int_equal(s->n, 6);
	check_prefix(&s->prefixes[0], "1.2.3.4", 32);
	check_prefix(&s->prefixes[1], "::", 128);
	check_prefix(&s->prefixes[2], "fe80::", 10);
	check_prefix(&s->prefixes[3], "2001:db8::1", 128);
	check_prefix(&s->prefixes[4], "255.255.255.255", 32);
	check_prefix(&s->prefixes[5], "10.0.0.0", 8);
	assert_int_equal(pol->sets[pol->rules[0].sport_set].ports[0].lo, 0);
	assert_int_equal(pol->sets[pol->rules[0].dport_set].ports[0].hi, 65535);
	assert_int_equal(pol->rules[2].ether_type, 0x0806);
	assert_string_equal(pol->rules[3].text,
			    "rule any saddr { 2001:db8::/32 } daddr { 2001:db8::1, 198.18.0.1 } drop");
	br_policy_free(pol);
}

static void test_max_rules(void **state)
{
	char *text, *msgs;
	struct br_policy *pol;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	f = open_memstream(&text, &len);
	fprintf(f, "policy p\n");
	for (i = 0; i < BR_MAX_RULES; i++)
		fprintf(f, "rule tcp dport %d drop\n", 1000 + i);
	fclose(f);
	pol = parse_ok(text);
	assert_int_equal(pol->n_rules, BR_MAX_RULES);
	assert_string_equal(pol->rules[BR_MAX_RULES - 1].text,
			    "rule tcp dport 1063 drop");
	br_policy_free(pol);
	free(text);

	/* the 65th rule is the error, and only it */
	f = open_memstream(&text, &len);
	fprintf(f, "policy p\n");
	for (i = 0; i < BR_MAX_RULES + 3; i++)
		fprintf(f, "rule tcp dport %d drop\n", 1000 + i);
	fclose(f);
	msgs = parse_bad(text, len);
	assert_string_equal(msgs,
			    "t.policy:66:1: too many rules: at most 64 per policy");
	free(msgs);
	free(text);
}

static void test_v6_tiers(void **state)
{
	static const char eight[] =
		"policy p\n"
		"set v6 addr { 2001:db8::/32, 2001:db8::/33, 2001:db8::/34,\n"
		"  2001:db8::/35, 2001:db8::/36, 2001:db8::/37, 2001:db8::/38 }\n"
		"set unused addr { ::/1, ::/2 }\n"
		"rule daddr @v6 saddr { 2001:db8::1, 198.18.0.0/15 } drop\n";
	static const char nine[] =
		"policy p\n"
		"set v6 addr { 2001:db8::/32, 2001:db8::/33, 2001:db8::/34,\n"
		"  2001:db8::/35, 2001:db8::/36, 2001:db8::/37, 2001:db8::/38 }\n"
		"rule daddr @v6 saddr { 2001:db8::1, 2001:db8::/56 } drop\n";
	struct br_policy *pol;
	char *msgs;

	(void)state;
	pol = parse_ok(eight);
	br_policy_free(pol);
	msgs = parse_bad(nine, strlen(nine));
	assert_string_equal(msgs,
			    "t.policy:4:22: too many IPv6 prefix lengths: /56 makes 9, at most 8 per policy");
	free(msgs);
}

/* ---- policy language v2: L7 matches, actions, statements --------------- */

static void check_domain(const struct br_domain *d, const char *name,
			 uint8_t flags)
{
	assert_string_equal(d->name, name);
	assert_int_equal(d->flags, flags);
}

#define EXACT BR_DOMAIN_EXACT
#define BELOW BR_DOMAIN_BELOW

static void test_l7_ir(void **state)
{
	struct br_policy *pol;
	const struct br_rule_ir *r;
	const struct br_set *s;
	static const uint8_t sink6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };

	(void)state;
	pol = parse_ok(
		"policy l7\n"
		"on-swap flush\n"
		"sni-default reset\n"
		"set apple domain {\n"
		"\tcourier.push.apple.com, *.push.apple.com\n"
		"\t.Apple.COM.   # folded, trailing dot dropped\n"
		"\txn--80ak6aa92e.com, _dmarc.x-y.example\n"
		"\tcourier.push.apple.com\n"
		"}\n"
		"rule \"apns\" sni @apple daddr 198.18.0.0/15 drop\n"
		"rule tcp ech sni { .twimg.com } throttle 128kbit burst 16KB\n"
		"rule ech reset\n"
		"rule dns { facetime.apple.com, *.facetime.apple.com } qtype { A, aaaa, 65, a } nxdomain\n"
		"rule udp qtype 0x1c dns @apple sinkhole 2001:db8::9 198.18.0.9\n"
		"rule dns example.com sinkhole 198.18.0.10\n"
		"rule quic version { v1, draft-29, 0x709a50c4, v2, v1 } drop\n"
		"rule quic dport 443 throttle 1mbit/s burst 1MiB\n"
		"rule udp quic pass\n"
		"unreadable drop\n"
		"tls-default drop\n");

	assert_int_equal(pol->on_swap_flush, 1);
	assert_int_equal(pol->sni_default, BR_ACT_RESET);
	assert_int_equal(pol->tls_default, BR_ACT_DROP);
	assert_int_equal(pol->unreadable, BR_ACT_DROP);

	assert_int_equal(pol->n_sets, 6);
	s = &pol->sets[0];
	assert_string_equal(s->name, "apple");
	assert_int_equal(s->type, BR_SET_DOMAIN);
	assert_int_equal(s->n, 6);	/* duplicates are kept */
	check_domain(&s->domains[0], "courier.push.apple.com", EXACT);
	assert_int_equal(s->domains[0].pos.line, 5);
	assert_int_equal(s->domains[0].pos.col, 2);
	check_domain(&s->domains[1], "push.apple.com", BELOW);
	assert_int_equal(s->domains[1].pos.col, 26);
	check_domain(&s->domains[2], "apple.com", EXACT | BELOW);
	check_domain(&s->domains[3], "xn--80ak6aa92e.com", EXACT);
	check_domain(&s->domains[4], "_dmarc.x-y.example", EXACT);
	check_domain(&s->domains[5], "courier.push.apple.com", EXACT);
	assert_string_equal(pol->sets[1].name, "rule1.daddr");
	s = &pol->sets[2];
	assert_string_equal(s->name, "rule2.sni");
	assert_true(s->anonymous);
	assert_int_equal(s->n, 1);
	check_domain(&s->domains[0], "twimg.com", EXACT | BELOW);
	s = &pol->sets[3];
	assert_string_equal(s->name, "rule4.dns");
	assert_int_equal(s->n, 2);
	check_domain(&s->domains[0], "facetime.apple.com", EXACT);
	check_domain(&s->domains[1], "facetime.apple.com", BELOW);
	assert_string_equal(pol->sets[4].name, "rule6.dns");
	check_domain(&pol->sets[4].domains[0], "example.com", EXACT);
	assert_string_equal(pol->sets[5].name, "rule8.dport");

	assert_int_equal(pol->n_rules, 9);
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->proto, BR_PROTO_TCP); /* implied by sni */
	assert_int_equal(r->domain_set, 0);
	assert_int_equal(r->ech, 0);
	assert_int_equal(r->action, BR_ACT_DROP);
	assert_string_equal(r->text,
			    "rule \"apns\" sni @apple daddr 198.18.0.0/15 drop");
	r = &pol->rules[1];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->domain_set, 2);
	assert_int_equal(r->ech, 1);
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	assert_int_equal(r->rate_bps, 128000);
	assert_int_equal(r->burst_bytes, 16384);
	r = &pol->rules[2];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->domain_set, BR_NO_SET);
	assert_int_equal(r->ech, 1);
	assert_int_equal(r->action, BR_ACT_RESET);
	r = &pol->rules[3];
	assert_int_equal(r->l7, BR_L7_DNS);
	assert_int_equal(r->proto, BR_PROTO_UDP); /* implied by dns */
	assert_int_equal(r->domain_set, 3);
	assert_int_equal(r->n_qtypes, 3);	/* a and A merge */
	assert_int_equal(r->qtypes[0], 1);
	assert_int_equal(r->qtypes[1], 28);
	assert_int_equal(r->qtypes[2], 65);
	assert_int_equal(r->action, BR_ACT_NXDOMAIN);
	assert_int_equal(r->has_sink4, 0);
	assert_int_equal(r->has_sink6, 0);
	r = &pol->rules[4];
	assert_int_equal(r->l7, BR_L7_DNS);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->domain_set, 0);
	assert_int_equal(r->n_qtypes, 1);
	assert_int_equal(r->qtypes[0], 28);
	assert_int_equal(r->action, BR_ACT_SINKHOLE);
	assert_int_equal(r->has_sink4, 1);
	assert_int_equal(r->has_sink6, 1);
	assert_memory_equal(r->sink4, ((uint8_t[]){ 198, 18, 0, 9 }), 4);
	assert_memory_equal(r->sink6, sink6, 16);
	r = &pol->rules[5];
	assert_int_equal(r->domain_set, 4);
	assert_int_equal(r->n_qtypes, 0);
	assert_int_equal(r->has_sink4, 1);
	assert_int_equal(r->has_sink6, 0);
	assert_memory_equal(r->sink4, ((uint8_t[]){ 198, 18, 0, 10 }), 4);
	r = &pol->rules[6];
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->domain_set, BR_NO_SET);
	assert_int_equal(r->n_quic_versions, 4);	/* v1 twice: merged */
	assert_int_equal(r->quic_versions[0], 0x00000001);
	assert_int_equal(r->quic_versions[1], 0xff00001d);
	assert_int_equal(r->quic_versions[2], 0x709a50c4);
	assert_int_equal(r->quic_versions[3], 0x6b3343cf);
	r = &pol->rules[7];
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->n_quic_versions, 0);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->dport_set, 5); /* dport: udp is implied */
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	assert_int_equal(r->rate_bps, 1000000);
	assert_int_equal(r->burst_bytes, 1048576);
	r = &pol->rules[8];
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->action, BR_ACT_PASS);
	br_policy_free(pol);

	/* v1 rules and statements: no L7, on-swap keep, no sni-default */
	pol = parse_ok("policy p\non-swap keep\nrule tcp dport 443 drop\n");
	assert_int_equal(pol->on_swap_flush, 0);
	assert_int_equal(pol->sni_default, BR_ACT_NONE);
	assert_int_equal(pol->tls_default, BR_ACT_NONE);
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_NONE);
	assert_int_equal(r->domain_set, BR_NO_SET);
	assert_int_equal(r->ech, 0);
	assert_int_equal(r->n_qtypes, 0);
	assert_int_equal(r->n_quic_versions, 0);
	br_policy_free(pol);

	/* an ech rule alone is enough for tls-default */
	pol = parse_ok("policy p\nrule tcp ech drop\ntls-default pass\n");
	assert_int_equal(pol->tls_default, BR_ACT_PASS);
	br_policy_free(pol);
}

/* Every named query type, and the limits of a list. */
static void test_qtypes(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
	} names[] = {
		{ "A", 1 },	  { "NS", 2 },	    { "CNAME", 5 },  { "SOA", 6 },
		{ "PTR", 12 },	  { "MX", 15 },	    { "TXT", 16 },   { "AAAA", 28 },
		{ "SRV", 33 },	  { "NAPTR", 35 },  { "DS", 43 },    { "RRSIG", 46 },
		{ "DNSKEY", 48 }, { "svcb", 64 },   { "Https", 65 }, { "ANY", 255 },
	};
	struct br_policy *pol;
	char text[512], *msgs;
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "policy p\nrule qtype {");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %s,",
				      names[i].name);
	snprintf(text + n, sizeof(text) - n, " } drop\nrule qtype 65535 drop\n"
		 "rule qtype 0 drop\n");
	pol = parse_ok(text);
	assert_int_equal(pol->rules[0].n_qtypes, BR_MAX_QTYPES);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(pol->rules[0].qtypes[i], names[i].type);
	assert_int_equal(pol->rules[0].domain_set, BR_NO_SET);
	assert_int_equal(pol->rules[1].qtypes[0], 65535);
	assert_int_equal(pol->rules[2].qtypes[0], 0);
	br_policy_free(pol);

	/* the 17th distinct type is one error, the ones after it none */
	msgs = parse_bad("policy p\nrule qtype { 1, 2, 3, 4, 5, 6, 7, 8, 9, "
			 "10, 11, 12, 13, 14, 15, 16, 1, 17, 18 } drop\n",
			 strlen("policy p\nrule qtype { 1, 2, 3, 4, 5, 6, 7, 8, "
				"9, 10, 11, 12, 13, 14, 15, 16, 1, 17, 18 } "
				"drop\n"));
	assert_string_equal(msgs,
			    "t.policy:2:72: too many query types: at most 16 per rule");
	free(msgs);
}

/*
 * ja4 FP | { FP, ... }: tcp implied, with sni and ech in one rule; a part
 * "*" is masked out, hex is read in either case, a duplicate merges.
 */
static void test_ja4_fingerprints(void **state)
{
	static const char seventeen[] =
		"policy p\n"
		"rule ja4 { t13d0000h2_*_*, t13d0100h2_*_*, t13d0200h2_*_*, "
		"t13d0300h2_*_*, t13d0400h2_*_*, t13d0500h2_*_*, "
		"t13d0600h2_*_*, t13d0700h2_*_*, t13d0800h2_*_*, "
		"t13d0900h2_*_*, t13d1000h2_*_*, t13d1100h2_*_*, "
		"t13d1200h2_*_*, t13d1300h2_*_*, t13d1400h2_*_*, "
		"t13d1500h2_*_*, t13d1600h2_*_* } drop\n";
	static const __u8 b[6] = { 0x8d, 0xaa, 0xf6, 0x15, 0x27, 0x71 };
	static const __u8 ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const __u8 zero[BR_JA4_A_LEN];
	const struct br_rule_ir *r;
	struct br_policy *pol;
	char *msgs;

	(void)state;
	pol = parse_ok("policy p\n"
		       "rule ja4 t13d1516h2_8daaf6152771_e5627efa2ab1 drop\n"
		       "rule sni a.example ja4 { t13d1516h2_*_*, "
		       "*_8DAAF6152771_*, t13d1516h2_*_* } ech reset\n"
		       "rule dport 443 ja4 t12i280600_d943125447b4_* "
		       "throttle 1mbit burst 16KB\n"
		       "tls-default drop\n");
	r = &pol->rules[0];
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->domain_set, BR_NO_SET);
	assert_int_equal(r->n_ja4, 1);
	assert_memory_equal(r->ja4[0].key.a, "t13d1516h2", BR_JA4_A_LEN);
	assert_memory_equal(r->ja4[0].key.b, b, 6);
	assert_int_equal(r->ja4[0].key.c[0], 0xe5);
	assert_int_equal(r->ja4[0].key.c[5], 0xb1);
	assert_memory_equal(r->ja4[0].mask.b, ones, 6);
	assert_true(r->ja4[0].mask.w[0] == ~0ULL && r->ja4[0].mask.w[1] ==
		    ~0ULL);
	assert_int_equal(r->ja4[0].pos.col, 10);
	r = &pol->rules[1];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_true(r->domain_set != BR_NO_SET);
	assert_int_equal(r->ech, 1);
	assert_int_equal(r->n_ja4, 2); /* the first twice: merged */
	assert_memory_equal(r->ja4[0].mask.b, zero, 6);
	assert_memory_equal(r->ja4[0].mask.c, zero, 6);
	assert_memory_equal(r->ja4[1].key.b, b, 6); /* upper case read */
	assert_memory_equal(r->ja4[1].mask.a, zero, BR_JA4_A_LEN);
	assert_int_equal(r->action, BR_ACT_RESET);
	r = &pol->rules[2];
	assert_memory_equal(r->ja4[0].key.a, "t12i280600", BR_JA4_A_LEN);
	assert_memory_equal(r->ja4[0].mask.c, zero, 6);
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	assert_int_equal(pol->tls_default, BR_ACT_DROP);
	br_policy_free(pol);

	msgs = parse_bad(seventeen, strlen(seventeen));
	assert_string_equal(msgs, "t.policy:2:268: too many JA4 fingerprints: "
				  "at most 16 per rule");
	free(msgs);
}

/* quic [version V] sni D, in either order: a QUIC rule with a name set. */
static void test_quic_sni(void **state)
{
	const struct br_rule_ir *r;
	struct br_policy *pol;

	(void)state;
	pol = parse_ok("policy p\n"
		       "set yt domain { .googlevideo.com }\n"
		       "rule quic sni @yt throttle 1mbit burst 16KB\n"
		       "rule sni example.com quic version v1 drop\n"
		       "rule sni example.com drop\n");
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_true(r->domain_set != BR_NO_SET);
	assert_int_equal(r->n_quic_versions, 0);
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	r = &pol->rules[1];
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_true(r->domain_set != BR_NO_SET);
	assert_int_equal(r->n_quic_versions, 1);
	r = &pol->rules[2];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->proto, BR_PROTO_TCP);
	br_policy_free(pol);
}

/* stun [type T | type { T, LO-HI ... }]: udp implied, types merged. */
static void test_stun_types(void **state)
{
	static const char nine[] =
		"policy p\n"
		"rule stun type { 1, 2, 3, 4, 5, 6, 7, 8, 9 } drop\n";
	const struct br_rule_ir *r;
	struct br_policy *pol;
	char *msgs;

	(void)state;
	pol = parse_ok("policy p\n"
		       "set meta addr { 157.240.0.0/16 }\n"
		       "rule udp daddr @meta stun type 0x0800-0x0802 drop\n"
		       "rule stun type { 0x0001, 0x0800-0x0802, 1, 0x3FFF } pass\n"
		       "rule stun dport 3478 throttle 64kbit burst 16KB\n"
		       "rule stun type 257 freeze after 1KB\n");
	r = &pol->rules[0];
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->l7, BR_L7_STUN);
	assert_int_equal(r->n_stun_types, 1);
	assert_int_equal(r->stun_types[0].lo, 0x0800);
	assert_int_equal(r->stun_types[0].hi, 0x0802);
	assert_int_equal(r->action, BR_ACT_DROP);
	r = &pol->rules[1];
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->n_stun_types, 3); /* 1 twice: merged */
	assert_int_equal(r->stun_types[0].lo, 1);
	assert_int_equal(r->stun_types[0].hi, 1);
	assert_int_equal(r->stun_types[1].lo, 0x0800);
	assert_int_equal(r->stun_types[1].hi, 0x0802);
	assert_int_equal(r->stun_types[2].lo, 0x3fff);
	assert_int_equal(r->stun_types[2].hi, 0x3fff);
	r = &pol->rules[2];
	assert_int_equal(r->l7, BR_L7_STUN);
	assert_int_equal(r->n_stun_types, 0);
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	r = &pol->rules[3];
	assert_int_equal(r->stun_types[0].lo, 257);
	assert_int_equal(r->action, BR_ACT_FREEZE);
	br_policy_free(pol);

	msgs = parse_bad(nine, strlen(nine));
	assert_string_equal(msgs, "t.policy:2:42: too many STUN types: at most "
				  "8 types or ranges per rule");
	free(msgs);
}

static void test_quic_versions(void **state)
{
	struct br_policy *pol;
	char *msgs;
	static const char nine[] =
		"policy p\n"
		"rule quic version { draft-22, draft-23, draft-24, draft-25, "
		"draft-26, draft-27, draft-28, draft-34, v1 } drop\n";

	(void)state;
	pol = parse_ok("policy p\n"
		       "rule quic version draft-22 drop\n"
		       "rule quic version draft-34 drop\n"
		       "rule quic version 1 drop\n"
		       "rule quic version 0x6B3343CF drop\n"
		       "rule quic version 4278190109 drop\n");
	assert_int_equal(pol->rules[0].quic_versions[0], 0xff000016);
	assert_int_equal(pol->rules[1].quic_versions[0], 0xff000022);
	assert_int_equal(pol->rules[2].quic_versions[0], 0x00000001);
	assert_int_equal(pol->rules[3].quic_versions[0], 0x6b3343cf);
	assert_int_equal(pol->rules[4].quic_versions[0], 0xff00001d);
	for (size_t i = 0; i < pol->n_rules; i++)
		assert_int_equal(pol->rules[i].n_quic_versions, 1);
	br_policy_free(pol);

	msgs = parse_bad(nine, strlen(nine));
	assert_string_equal(msgs,
			    "t.policy:2:101: too many QUIC versions: at most 8 per rule");
	free(msgs);
}

/* RATE and SIZE units, and their bounds. */
static void test_throttle_units(void **state)
{
	static const struct {
		const char *rate, *size;
		uint64_t bps;
		uint32_t bytes;
	} rows[] = {
		{ "8kbit", "1514", 8000, 1514 },
		{ "8000bit", "1514B", 8000, 1514 },
		{ "128kbit/s", "16K", 128000, 16384 },
		{ "2mbit", "16KiB", 2000000, 16384 },
		{ "1gbit/s", "2MB", 1000000000, 2097152 },
		{ "100gbit", "3MiB", 100000000000ULL, 3145728 },
		{ "130kbit", "4294967295", 130000, 4294967295u },
		{ "1000000kbit", "4095MiB", 1000000000, 4293918720u },
	};
	struct br_policy *pol;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text),
			 "policy p\nrule udp throttle %s burst %s\n",
			 rows[i].rate, rows[i].size);
		pol = parse_ok(text);
		assert_int_equal(pol->rules[0].action, BR_ACT_THROTTLE);
		assert_int_equal(pol->rules[0].rate_bps, rows[i].bps);
		assert_int_equal(pol->rules[0].burst_bytes, rows[i].bytes);
		br_policy_free(pol);
	}
}

/*
 * freeze after SIZE [from server | both]: SIZE as a throttle's burst
 * (bytes, K, KB, KiB, MB, MiB; 1 byte to 4 GiB - 1), for tcp and udp
 * rules, given or implied (sni, dns, quic); from the server by default.
 */
static void test_freeze_forms(void **state)
{
	static const struct {
		const char *rule;
		enum br_proto proto;
		enum br_l7 l7;
		uint32_t bytes;
		int both;
	} rows[] = {
		{ "tcp dport 443 sni .frozen.example freeze after 16KB",
		  BR_PROTO_TCP, BR_L7_TLS, 16384, 0 },
		{ "tcp daddr 198.18.0.0/15 freeze after 20000 from server",
		  BR_PROTO_TCP, BR_L7_NONE, 20000, 0 },
		{ "udp dport 443 freeze after 1MiB both", BR_PROTO_UDP,
		  BR_L7_NONE, 1048576, 1 },
		{ "sni a.example freeze after 1 both", BR_PROTO_TCP, BR_L7_TLS,
		  1, 1 },
		{ "quic freeze after 16K", BR_PROTO_UDP, BR_L7_QUIC, 16384, 0 },
		{ "dns .x.example freeze after 2KiB", BR_PROTO_UDP, BR_L7_DNS,
		  2048, 0 },
		{ "tcp freeze after 1B from server", BR_PROTO_TCP, BR_L7_NONE,
		  1, 0 },
		{ "udp freeze after 2MB", BR_PROTO_UDP, BR_L7_NONE, 2097152, 0 },
		{ "tcp freeze after 4294967295 both", BR_PROTO_TCP, BR_L7_NONE,
		  4294967295u, 1 },
	};
	struct br_policy *pol;
	char text[160], want[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "policy p\nrule %s\n",
			 rows[i].rule);
		pol = parse_ok(text);
		assert_int_equal(pol->n_rules, 1);
		assert_int_equal(pol->rules[0].action, BR_ACT_FREEZE);
		assert_int_equal(pol->rules[0].proto, rows[i].proto);
		assert_int_equal(pol->rules[0].l7, rows[i].l7);
		assert_int_equal(pol->rules[0].freeze_bytes, rows[i].bytes);
		assert_int_equal(pol->rules[0].freeze_both, rows[i].both);
		snprintf(want, sizeof(want), "rule %s", rows[i].rule);
		assert_string_equal(pol->rules[0].text, want);
		br_policy_free(pol);
	}
	/* the issue's case: exempt names first, then the frozen ones */
	pol = parse_ok("policy freeze-16k\n"
		       "set exempt domain { ok.frozen.example }\n"
		       "set frozen domain { .frozen.example }\n"
		       "set hetzner addr { 198.18.96.0/20 }\n"
		       "rule tcp dport 443 sni @exempt pass\n"
		       "rule tcp dport 443 sni @frozen freeze after 16KB\n"
		       "rule tcp daddr @hetzner freeze after 16KB\n");
	assert_int_equal(pol->n_rules, 3);
	assert_int_equal(pol->rules[0].action, BR_ACT_PASS);
	assert_int_equal(pol->rules[0].freeze_bytes, 0);
	assert_int_equal(pol->rules[1].action, BR_ACT_FREEZE);
	assert_int_equal(pol->rules[2].action, BR_ACT_FREEZE);
	assert_int_equal(pol->rules[2].l7, BR_L7_NONE);
	assert_int_equal(pol->rules[2].freeze_bytes, 16384);
	br_policy_free(pol);
}

#define SEC_NS 1000000000ULL

/*
 * penalty DURATION [on subscriber | destination | pair]: DURATION as the
 * catalog's (ms, s, m, h, d; decimals), more than 0 and at most 24h; the
 * pair by default; any IP rule, with or without a transport or L7 match.
 */
static void test_penalty_forms(void **state)
{
	static const struct {
		const char *rule;
		enum br_proto proto;
		enum br_l7 l7;
		uint64_t ns;
		enum br_penalty_scope scope;
	} rows[] = {
		{ "udp daddr 198.18.100.0/24 penalty 10m on destination",
		  BR_PROTO_UDP, BR_L7_NONE, 600 * SEC_NS,
		  BR_PENALTY_DESTINATION },
		{ "udp penalty 10m", BR_PROTO_UDP, BR_L7_NONE, 600 * SEC_NS,
		  BR_PENALTY_PAIR },
		{ "tcp dport 443 sni .x.example penalty 1h on subscriber",
		  BR_PROTO_TCP, BR_L7_TLS, 3600 * SEC_NS,
		  BR_PENALTY_SUBSCRIBER },
		{ "icmp penalty 90s on pair", BR_PROTO_ICMP, BR_L7_NONE,
		  90 * SEC_NS, BR_PENALTY_PAIR },
		{ "penalty 1.5s", BR_PROTO_ANY, BR_L7_NONE, 1500000000ULL,
		  BR_PENALTY_PAIR },
		{ "quic penalty 500ms on destination", BR_PROTO_UDP,
		  BR_L7_QUIC, 500000000ULL, BR_PENALTY_DESTINATION },
		{ "dns .x.example penalty 1ms", BR_PROTO_UDP, BR_L7_DNS,
		  1000000ULL, BR_PENALTY_PAIR },
		{ "udp penalty 24h", BR_PROTO_UDP, BR_L7_NONE,
		  BR_PENALTY_MAX_NS, BR_PENALTY_PAIR },
		{ "udp penalty 1d on subscriber", BR_PROTO_UDP, BR_L7_NONE,
		  BR_PENALTY_MAX_NS, BR_PENALTY_SUBSCRIBER },
	};
	struct br_policy *pol;
	char text[160], want[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), "policy p\nrule %s\n",
			 rows[i].rule);
		pol = parse_ok(text);
		assert_int_equal(pol->n_rules, 1);
		assert_int_equal(pol->rules[0].action, BR_ACT_PENALTY);
		assert_int_equal(pol->rules[0].proto, rows[i].proto);
		assert_int_equal(pol->rules[0].l7, rows[i].l7);
		assert_int_equal(pol->rules[0].penalty_ns, rows[i].ns);
		assert_int_equal(pol->rules[0].penalty_scope, rows[i].scope);
		snprintf(want, sizeof(want), "rule %s", rows[i].rule);
		assert_string_equal(pol->rules[0].text, want);
		br_policy_free(pol);
	}
}

/* Label and length limits of domain names, at their boundaries. */
static void test_domain_limits(void **state)
{
	char label63[64], name253[254], text[1024], want[1024], *msgs;
	struct br_policy *pol;
	size_t i;

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63,
		 label63, label63);
	assert_int_equal(strlen(name253), 253);
	snprintf(text, sizeof(text),
		 "policy p\nset d domain { %s.x, %s, %s. }\n"
		 "set deep domain {\n"
		 "  *.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p\n"       /* 15 labels */
		 "  .b.c.d.e.f.g.h.i.j.k.l.m.n.o.p\n"
		 "  a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s\n" /* exact: any depth */
		 "}\n",
		 label63, name253, name253);
	pol = parse_ok(text);
	assert_int_equal(pol->sets[0].n, 3);
	assert_int_equal(strlen(pol->sets[0].domains[0].name), 65);
	assert_string_equal(pol->sets[0].domains[1].name, name253);
	assert_string_equal(pol->sets[0].domains[2].name, name253);
	check_domain(&pol->sets[1].domains[0], "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
		     BELOW);
	check_domain(&pol->sets[1].domains[1], "b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
		     EXACT | BELOW);
	br_policy_free(pol);

	/* one byte more: a 64-byte label, a 254-byte name, 16 labels */
	snprintf(text, sizeof(text),
		 "policy p\nset d domain { %sa.x }\nset e domain { b%s }\n"
		 "set f domain { *.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p }\n"
		 "set g domain { .a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p }\n",
		 label63, name253);
	msgs = parse_bad(text, strlen(text));
	i = (size_t)snprintf(want, sizeof(want),
			     "t.policy:2:16: bad domain \"%.64s...\": label "
			     "\"%sa\" is longer than 63 bytes\n",
			     text + 24, label63);
	snprintf(want + i, sizeof(want) - i,
		 "t.policy:3:16: domain \"b%.63s...\" is longer than 253 "
		 "bytes\n"
		 "t.policy:4:16: domain \"*.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p\" "
		 "has 16 labels: names below it cannot be matched (at most 15 "
		 "for \"*.\" or \".\" entries)\n"
		 "t.policy:5:16: domain \".a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p\" "
		 "has 16 labels: names below it cannot be matched (at most 15 "
		 "for \"*.\" or \".\" entries)",
		 name253);
	assert_string_equal(msgs, want);
	free(msgs);
}

/* ---- malformed policies ----------------------------------------------- */

struct bad_case {
	const char *text;
	const char *want;	/* every message, in order, one a line */
};

#define P "policy p\n"
/* a record's scenario, relative to t.policy (the tests run at the top) */
#define RS "record scenario \"policies/scenarios/default.scenario\"\n"

static const struct bad_case bad_cases[] = {
	/* characters and strings */
	{ P "rule tcp drop;\n",
	  "t.policy:2:14: unexpected character \";\"" },
	{ P "rule drop \xc3\xa9t\xc3\xa9\n",
	  "t.policy:2:11: unexpected character \"\\xc3\"" },
	{ "policy \"p\n",
	  "t.policy:1:8: unterminated string" },
	{ P "description \"a\\tb\"\n",
	  "t.policy:2:15: unknown escape \"\\t\" in string" },
	{ P "rule daddr @ drop\n",
	  "t.policy:2:12: expected set name after \"@\"" },
	/* strings hold no NUL or other control character (C0, DEL, C1) */
	{ "policy \"x\x1b[31my\"\n",
	  "t.policy:1:10: control character \"\\x1b\" in string" },
	{ P "description \"a\tb\"\n",
	  "t.policy:2:15: control character \"\\x09\" in string" },
	{ P "description \"a\x7f\"\n",
	  "t.policy:2:15: control character \"\\x7f\" in string" },
	{ P "description \"a\xc2\x9b" "2J\"\n",
	  "t.policy:2:15: control character \"\\xc2\\x9b\" in string" },
	{ P "description \"\xc3\xa9t\xc3\xa9 \x9b" "2J\"\n", /* 8-bit CSI */
	  "t.policy:2:20: control character \"\\x9b\" in string" },
	{ P "description \"\xe2\x80\"\n", /* cut short: a lone 0x80 */
	  "t.policy:2:15: control character \"\\x80\" in string" },
	{ P "description \"abc\r\n",
	  "t.policy:2:13: unterminated string" },
	/* a token a message quotes: printable ASCII, the rest as \xNN */
	{ P "default \"\xc3\xa9t\xc3\xa9\"\n",
	  "t.policy:2:9: expected pass or drop, got string \"\\xc3\\xa9t\\xc3\\xa9\"" },

	/* records: the documented outcome (policies/README.md) */
	{ P RS "record tg failed 10%..35%\n",
	  "t.policy:3:1: record without a source (add source \"WHO, WHEN: WHAT\")" },
	{ P RS "record tg failed 10%..35% source \"\"\n",
	  "t.policy:3:34: empty source" },
	{ P RS "record tg failed 10%..35% \"s\"\n",
	  "t.policy:3:27: expected source \"...\", got string \"s\"" },
	{ P RS "record tg failed 35%..10% source \"s\"\n",
	  "t.policy:3:18: range \"35%..10%\" runs backwards (LO above HI)" },
	{ P RS "record tg failed 10%..135% source \"s\"\n",
	  "t.policy:3:18: range \"10%..135%\" out of 0-100%" },
	{ P RS "record tg failed 10..35 source \"s\"\n",
	  "t.policy:3:18: bad range \"10..35\" (expected LO%..HI%, such as \"10%..35%\")" },
	{ P RS "record tg failed 10%-35% source \"s\"\n",
	  "t.policy:3:18: bad range \"10%-35%\" (expected LO%..HI%, such as \"10%..35%\")" },
	{ P RS "record tg failed 20% source \"s\"\n",
	  "t.policy:3:18: bad range \"20%\" (expected LO%..HI%, such as \"10%..35%\")" },
	{ P RS "record tg failed 10% ..35% source \"s\"\n",
	  "t.policy:3:18: bad range \"10%\" (expected LO%..HI%, such as \"10%..35%\")" },
	{ P RS "record tg failed\n",
	  "t.policy:3:17: expected a range such as \"10%..35%\", got end of line" },
	{ P RS "record tg lost 10%..35% source \"s\"\n",
	  "t.policy:3:11: unknown figure \"lost\" (expected failed, late or failed-or-late)" },
	{ P RS "record tg ios late 1%..2% source \"a\"\n"
	  "record tg ios late 1%..3% source \"b\"\n",
	  "t.policy:4:8: record of tg late already given at t.policy:3:8" },
	{ P "record tg failed 10%..35% source \"s\"\n",
	  "t.policy:2:1: record without \"record scenario\" (the scenario the records hold for)" },
	{ P RS,
	  "t.policy:2:1: record scenario without any record" },
	{ P RS RS "record tg failed 10%..35% source \"s\"\n",
	  "t.policy:3:1: \"record scenario\" already given at t.policy:2:1" },
	{ P "record scenario \"no/such.scenario\"\n"
	  "record tg failed 10%..35% source \"s\"\n",
	  "t.policy:2:17: no scenario file \"no/such.scenario\" (looked for no/such.scenario)" },

	/* statements */
	{ "",
	  "t.policy:1:1: expected \"policy NAME\" as the first statement" },
	{ "# nothing but a comment\n\n",
	  "t.policy:1:1: expected \"policy NAME\" as the first statement" },
	{ "description \"x\"\n",
	  "t.policy:1:1: expected \"policy NAME\" as the first statement" },
	{ "target apns\npolicy p\n",
	  "t.policy:1:1: expected \"policy NAME\" as the first statement\n"
	  "t.policy:2:1: \"policy\" must be the first statement" },
	{ P "policy q\n",
	  "t.policy:2:1: \"policy\" already given at t.policy:1:1" },
	{ "policy\n",
	  "t.policy:1:7: expected policy name, got end of line" },
	{ "policy 9p\n",
	  "t.policy:1:8: bad name \"9p\"" },
	{ "policy \"\"\n",
	  "t.policy:1:8: empty name" },
	{ "policy p q\n",
	  "t.policy:1:10: expected end of line, got \"q\"" },
	{ P "polcy x\n",
	  "t.policy:2:1: unknown statement \"polcy\"" },
	{ P "{ 1.2.3.4 }\n",
	  "t.policy:2:1: expected a statement, got \"{\"" },
	{ P "description \"a\"\ndescription \"b\"\n",
	  "t.policy:3:1: \"description\" already given at t.policy:2:1" },
	{ P "description x\n",
	  "t.policy:2:13: expected a quoted string, got \"x\"" },
	{ P "default drop\ndefault pass\n",
	  "t.policy:3:1: \"default\" already given at t.policy:2:1" },
	{ P "default reject\n",
	  "t.policy:2:9: unknown action \"reject\" (expected pass or drop)" },
	{ P "default\n",
	  "t.policy:2:8: expected pass or drop, got end of line" },
	{ P "target apns imessage\n",
	  "t.policy:2:13: expected \",\" or end of line, got \"imessage\"" },
	{ P "target apns,\n",
	  "t.policy:2:13: expected target name, got end of line" },
	{ P "target apns, apns\n",
	  "t.policy:2:14: target \"apns\" already given at t.policy:2:8" },
	{ P "include no-such.set\n",
	  "t.policy:2:9: expected a quoted path, got \"no-such.set\"" },
	{ P "include \"no-such.set\"\n",
	  "t.policy:2:9: cannot open \"no-such.set\": No such file or directory" },
	{ P "include \"\"\n",
	  "t.policy:2:9: empty path" },

	/* sets and their elements */
	{ P "set lab addr { 198.18.1.0/15 }\n",
	  "t.policy:2:16: prefix 198.18.1.0/15 has host bits set (did you mean 198.18.0.0/15?)" },
	{ P "set lab addr { 2001:db8::1/32 }\n",
	  "t.policy:2:16: prefix 2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)" },
	{ P "set lab addr { 198.18.0.0/33 }\n",
	  "t.policy:2:16: prefix length 33 out of range (0-32)" },
	{ P "set lab addr { 2001:db8::/129 }\n",
	  "t.policy:2:16: prefix length 129 out of range (0-128)" },
	{ P "set lab addr { 198.18.0.256 }\n",
	  "t.policy:2:16: bad address \"198.18.0.256\"" },
	{ P "set lab addr { 010.0.0.1 }\n",
	  "t.policy:2:16: bad address \"010.0.0.1\"" },
	{ P "set lab addr { 2001:db8:::1 }\n",
	  "t.policy:2:16: bad address \"2001:db8:::1\"" },
	{ P "set lab addr { 198.18.0.0/ }\n",
	  "t.policy:2:16: bad address \"198.18.0.0/\"" },
	{ P "set lab addr { 198.18.0.0/99999999999 }\n",
	  "t.policy:2:16: number too large in \"198.18.0.0/99999999999\"" },
	{ P "set p port { 70000 }\n",
	  "t.policy:2:14: port 70000 out of range (0-65535)" },
	{ P "set p port { 3497-3478 }\n",
	  "t.policy:2:14: port range 3497-3478 is reversed (did you mean 3478-3497?)" },
	{ P "set p port { 5223x }\n",
	  "t.policy:2:14: bad port \"5223x\"" },
	{ P "set p port { 1-99999999999 }\n",
	  "t.policy:2:14: number too large in \"1-99999999999\"" },
	{ P "set lab addr { }\n",
	  "t.policy:2:5: set \"lab\" is empty" },
	{ P "set lab addr { 1.2.3.4 }\nset lab port { 1 }\n",
	  "t.policy:3:5: set \"lab\" already declared at t.policy:2:5" },
	{ P "set 1lab addr { 1.2.3.4 }\n",
	  "t.policy:2:5: bad name \"1lab\"" },
	{ P "set lab ip { 1.2.3.4 }\n",
	  "t.policy:2:9: unknown set type \"ip\" (expected addr, port or domain)" },
	{ P "set lab addr 1.2.3.4\n",
	  "t.policy:2:14: expected \"{\", got \"1.2.3.4\"" },
	{ P "set lab addr { 1.2.3.4 5.6.7.8 }\n",
	  "t.policy:2:24: expected \",\" or \"}\", got \"5.6.7.8\"" },
	{ P "set lab addr { 1.2.3.4,, 5.6.7.8 }\n",
	  "t.policy:2:24: expected address, got \",\"" },
	{ P "set lab addr { \"1.2.3.4\" }\n",
	  "t.policy:2:16: expected address, got string \"1.2.3.4\"" },
	{ P "set lab addr { 1.2.3.4\nrule drop\n",
	  "t.policy:2:14: unterminated \"{\"" },
	{ P "set lab addr {\n  1.2.3.4\n",
	  "t.policy:2:14: unterminated \"{\"" },
	{ P "set lab addr { 1.2.3.4, bad,\n  1.2.3.4/40 }\n",
	  "t.policy:2:25: bad address \"bad\"\n"
	  "t.policy:3:3: prefix length 40 out of range (0-32)" },

	/* rules */
	{ P "rule\n",
	  "t.policy:2:5: missing action at end of rule (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)" },
	{ P "rule tcp dport 5223\n",
	  "t.policy:2:20: missing action at end of rule (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)" },
	{ P "rule tcp dport 5223 block\n",
	  "t.policy:2:21: unknown action \"block\" (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)" },
	{ P "rule tcp port 5223 drop\n",
	  "t.policy:2:10: unknown match \"port\"" },
	{ P "rule tcp dport 5223 drop tcp\n",
	  "t.policy:2:26: unexpected \"tcp\" after the action" },
	{ P "rule drop pass\n",
	  "t.policy:2:11: unexpected \"pass\" after the action" },
	{ P "rule \"\" drop\n",
	  "t.policy:2:6: empty name" },
	{ P "rule \"a\" \"b\" drop\n",
	  "t.policy:2:10: unexpected string \"b\"" },
	{ P "rule tcp dport 5223,443 drop\n",
	  "t.policy:2:20: unexpected \",\": list several values in { }" },
	{ P "rule tcp udp drop\n",
	  "t.policy:2:10: protocol already given at t.policy:2:6" },
	{ P "rule tcp dport 1 dport 2 drop\n",
	  "t.policy:2:18: \"dport\" already given at t.policy:2:10" },
	{ P "rule ether type arp ether type lldp drop\n",
	  "t.policy:2:21: \"ether type\" already given at t.policy:2:6" },
	{ P "rule dport 53 drop\n",
	  "t.policy:2:6: \"dport\" needs protocol tcp or udp" },
	{ P "rule icmp sport 7 dport 7 drop\n",
	  "t.policy:2:11: \"sport\" needs protocol tcp or udp\n"
	  "t.policy:2:19: \"dport\" needs protocol tcp or udp" },
	{ P "rule any dport 53 drop\n",
	  "t.policy:2:10: \"dport\" needs protocol tcp or udp" },
	{ P "rule ether type arp tcp drop\n",
	  "t.policy:2:6: \"ether type\" cannot be combined with protocol, address or port matches" },
	{ P "rule daddr 198.18.0.1 ether type arp drop\n",
	  "t.policy:2:23: \"ether type\" cannot be combined with protocol, address or port matches" },
	{ P "rule ether type 0x0800 drop\n",
	  "t.policy:2:17: ether type 0x0800 is IPv4: match IP with protocol and address matches" },
	{ P "rule ether type 34525 drop\n",
	  "t.policy:2:17: ether type 0x86dd is IPv6: match IP with protocol and address matches" },
	{ P "rule ether type 0x8100 drop\n",
	  "t.policy:2:17: ether type 0x8100 is a VLAN tag: rules see the frame inside the tags" },
	{ P "rule ether type 0x88a8 drop\n",
	  "t.policy:2:17: ether type 0x88a8 is a VLAN tag: rules see the frame inside the tags" },
	{ P "rule ether type ip drop\n",
	  "t.policy:2:17: unknown ether type \"ip\" (expected arp, lldp or a number)" },
	{ P "rule ether type 0x10000 drop\n",
	  "t.policy:2:17: ether type 0x10000 out of range (0-0xffff)" },
	{ P "rule ether arp drop\n",
	  "t.policy:2:12: expected \"type\" after \"ether\", got \"arp\"" },
	{ P "rule ether type\n",
	  "t.policy:2:16: expected arp, lldp or a number, got end of line" },
	{ P "rule daddr\n",
	  "t.policy:2:11: expected address, @set or \"{\" after \"daddr\", got end of line" },
	{ P "rule tcp sport \"80\" drop\n",
	  "t.policy:2:16: expected port, @set or \"{\" after \"sport\", got string \"80\"" },
	{ P "rule daddr drop\n",
	  "t.policy:2:12: bad address \"drop\"" },
	{ P "rule daddr { } drop\n",
	  "t.policy:2:12: empty set" },
	{ P "rule daddr @nope drop\n",
	  "t.policy:2:12: unknown set \"nope\"" },
	{ P "rule daddr @late drop\nset late addr { 1.2.3.4 }\n",
	  "t.policy:2:12: unknown set \"late\"" },
	{ P "set ports port { 5223 }\nrule saddr @ports drop\n",
	  "t.policy:3:12: set \"ports\" is a port set, \"saddr\" needs an address set" },
	{ P "set lab addr { 198.18.0.0/15 }\nrule tcp dport @lab drop\n",
	  "t.policy:3:16: set \"lab\" is an address set, \"dport\" needs a port set" },
	{ P "rule saddr 198.18.0.1 daddr 2001:db8::1 drop\n",
	  "t.policy:2:23: rule can never match: saddr is IPv4 only, daddr is IPv6 only" },
	{ P "rule daddr { 198.18.0.1 } saddr { 2001:db8::/32 } drop\n",
	  "t.policy:2:27: rule can never match: saddr is IPv6 only, daddr is IPv4 only" },
	{ P "rule tcp dport { 1, x, 70000 } drop\n",
	  "t.policy:2:21: bad port \"x\"\n"
	  "t.policy:2:24: port 70000 out of range (0-65535)" },
	{ P "rule tcp dport { 1, 2\nrule drop\nrule tcp dport 80 rst\n",
	  "t.policy:2:16: unterminated \"{\"\n"
	  "t.policy:4:19: unknown action \"rst\" (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)" },
	{ P "rule foo daddr { 1.2.3.4\nrule drop\n",
	  "t.policy:2:6: unknown match \"foo\"\n"
	  "t.policy:2:16: unterminated \"{\"" },

	/* v2: domain sets, L7 matches, actions, statements */
	{ P "set d domain { a..b }\n",
	  "t.policy:2:16: bad domain \"a..b\": empty label" },
	{ P "set d domain { * }\n",
	  "t.policy:2:16: bad domain \"*\": \"*\" only as a whole first label, as in \"*.example.com\"" },
	{ P "set d domain { a.*.b }\n",
	  "t.policy:2:16: bad domain \"a.*.b\": \"*\" only as a whole first label, as in \"*.example.com\"" },
	{ P "set d domain { *a.b }\n",
	  "t.policy:2:16: bad domain \"*a.b\": \"*\" only as a whole first label, as in \"*.example.com\"" },
	{ P "set d domain { a/b }\n",
	  "t.policy:2:16: bad domain \"a/b\": \"/\" is not allowed in a name (letters, digits, \"-\" and \"_\")" },
	{ P "set d domain { a.b:c }\n",
	  "t.policy:2:16: bad domain \"a.b:c\": \":\" is not allowed in a name (letters, digits, \"-\" and \"_\")" },
	{ P "set d domain { *. }\n",
	  "t.policy:2:16: bad domain \"*.\": no name" },
	{ P "set d domain { . }\n",
	  "t.policy:2:16: bad domain \".\": no name" },
	{ P "set d domain { a.b.. }\n",
	  "t.policy:2:16: bad domain \"a.b..\": empty label" },
	{ P "set d domain { ..a }\n",
	  "t.policy:2:16: bad domain \"..a\": empty label" },
	{ P "set d domain { }\n",
	  "t.policy:2:5: set \"d\" is empty" },
	{ P "set d domain { \"a.b\" }\n",
	  "t.policy:2:16: expected domain, got string \"a.b\"" },
	{ P "set d domains { a.b }\n",
	  "t.policy:2:7: unknown set type \"domains\" (expected addr, port or domain)" },
	{ P "set d\n",
	  "t.policy:2:6: expected set type (addr, port or domain), got end of line" },
	{ P "set d domain { a.b, x..y,\n  *.c.*, ok.d }\n",
	  "t.policy:2:21: bad domain \"x..y\": empty label\n"
	  "t.policy:3:3: bad domain \"*.c.*\": \"*\" only as a whole first label, as in \"*.example.com\"" },
	{ P "rule sni\n",
	  "t.policy:2:9: expected domain, @set or \"{\" after \"sni\", got end of line" },
	{ P "set a addr { 1.2.3.4 }\nrule sni @a drop\n",
	  "t.policy:3:10: set \"a\" is an address set, \"sni\" needs a domain set" },
	{ P "set p port { 53 }\nrule dns @p drop\n",
	  "t.policy:3:10: set \"p\" is a port set, \"dns\" needs a domain set" },
	{ P "set d domain { a.b }\nrule daddr @d drop\n",
	  "t.policy:3:12: set \"d\" is a domain set, \"daddr\" needs an address set" },
	{ P "set d domain { a.b }\nrule tcp dport @d drop\n",
	  "t.policy:3:16: set \"d\" is a domain set, \"dport\" needs a port set" },
	{ P "rule sni @nope drop\n",
	  "t.policy:2:10: unknown set \"nope\"" },
	{ P "rule sni { } drop\n",
	  "t.policy:2:10: empty set" },
	{ P "rule sni { a.b, *, c }  drop\n",
	  "t.policy:2:17: bad domain \"*\": \"*\" only as a whole first label, as in \"*.example.com\"" },
	{ P "rule dns { a.b\nrule drop\n",
	  "t.policy:2:10: unterminated \"{\"" },
	{ P "rule sni a.b\n",
	  "t.policy:2:13: missing action at end of rule (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)" },
	{ P "rule sni a.b sni c.d drop\n",
	  "t.policy:2:14: \"sni\" already given at t.policy:2:6" },
	{ P "rule ech ech drop\n",
	  "t.policy:2:10: \"ech\" already given at t.policy:2:6" },
	{ P "rule quic quic drop\n",
	  "t.policy:2:11: \"quic\" already given at t.policy:2:6" },
	{ P "rule dns a qtype A dns b drop\n",
	  "t.policy:2:20: \"dns\" already given at t.policy:2:6" },
	{ P "rule qtype A qtype AAAA drop\n",
	  "t.policy:2:14: \"qtype\" already given at t.policy:2:6" },
	{ P "rule version v1 drop\n",
	  "t.policy:2:6: unknown match \"version\"" },
	{ P "rule udp sni a.b drop\n",
	  "t.policy:2:10: \"sni\" needs protocol tcp" },
	{ P "rule icmp ech drop\n",
	  "t.policy:2:11: \"ech\" needs protocol tcp" },
	{ P "rule tcp dns a.b drop\n",
	  "t.policy:2:10: \"dns\" needs protocol udp" },
	{ P "rule qtype A tcp drop\n",
	  "t.policy:2:6: \"qtype\" needs protocol udp" },
	{ P "rule icmp quic drop\n",
	  "t.policy:2:11: \"quic\" needs protocol udp" },
	{ P "rule sni a.b dns c.d drop\n",
	  "t.policy:2:14: \"dns\" cannot be combined with \"sni\": one L7 protocol per rule" },
	{ P "rule quic ech drop\n",
	  "t.policy:2:11: \"ech\" cannot be combined with \"quic\": one L7 protocol per rule" },
	{ P "rule qtype A dns a.b quic drop\n",
	  "t.policy:2:22: \"quic\" cannot be combined with \"qtype\": one L7 protocol per rule" },
	{ P "rule ether type arp ech drop\n",
	  "t.policy:2:6: \"ether type\" cannot be combined with L7 matches (sni, ech, ja4, dns, qtype, quic, stun)" },
	{ P "rule ether type arp stun drop\n",
	  "t.policy:2:6: \"ether type\" cannot be combined with L7 matches (sni, ech, ja4, dns, qtype, quic, stun)" },
	{ P "rule tcp stun drop\n",
	  "t.policy:2:10: \"stun\" needs protocol udp" },
	{ P "rule stun dport 3478 tcp drop\n",
	  "t.policy:2:6: \"stun\" needs protocol udp" },
	{ P "rule stun stun drop\n",
	  "t.policy:2:11: \"stun\" already given at t.policy:2:6" },
	{ P "rule stun quic drop\n",
	  "t.policy:2:11: \"quic\" cannot be combined with \"stun\": one L7 protocol per rule" },
	{ P "rule tcp quic sni a.example drop\n",
	  "t.policy:2:10: \"quic\" needs protocol udp" },
	{ P "rule quic sni a.example ech drop\n",
	  "t.policy:2:25: \"ech\" cannot be combined with \"quic\": one L7 protocol per rule" },
	{ P "rule quic sni a.example dns b.example drop\n",
	  "t.policy:2:25: \"dns\" cannot be combined with \"quic\": one L7 protocol per rule" },
	{ P "rule udp ja4 t13d1516h2_*_* drop\n",
	  "t.policy:2:10: \"ja4\" needs protocol tcp" },
	{ P "rule ja4 t13d1516h2_*_* dns a.b drop\n",
	  "t.policy:2:25: \"dns\" cannot be combined with \"ja4\": one L7 protocol per rule" },
	{ P "rule ja4 t13d1516h2_*_* ja4 t12d1516h2_*_* drop\n",
	  "t.policy:2:25: \"ja4\" already given at t.policy:2:6" },
	{ P "rule ja4 chrome drop\n",
	  "t.policy:2:10: \"chrome\" is not a JA4 fingerprint (three parts joined by \"_\": t13d1516h2_8daaf6152771_e5627efa2ab1, a part may be \"*\")" },
	{ P "rule ja4\n",
	  "t.policy:2:9: expected JA4 fingerprint or \"{\" after \"ja4\", got end of line" },
	{ P "rule ja4 q13d0310h3_55b375c5d22e_cd85d2d88918 drop\n",
	  "t.policy:2:10: a JA4 of a QUIC hello (\"q\"): blastradius fingerprints TLS over TCP only (\"t\")" },
	{ P "rule ja4 d13d0310h3_*_* drop\n",
	  "t.policy:2:10: a JA4 of a DTLS hello (\"d\"): blastradius fingerprints TLS over TCP only (\"t\")" },
	{ P "rule ja4 x13d1516h2_*_* drop\n",
	  "t.policy:2:10: JA4_a starts with the transport \"t\" (TLS over TCP), not \"x\"" },
	{ P "rule ja4 t14d1516h2_*_* drop\n",
	  "t.policy:2:11: unknown JA4 version \"14\" (expected 13, 12, 11, 10, s3, s2, d1, d2, d3 or 00)" },
	{ P "rule ja4 t13x1516h2_*_* drop\n",
	  "t.policy:2:13: JA4_a's fourth character is \"d\" (server_name sent) or \"i\" (none), not \"x\"" },
	{ P "rule ja4 t13d15a6h2_*_* drop\n",
	  "t.policy:2:16: JA4_a's extension count is two decimal digits" },
	{ P "rule ja4 t13d1516h-_*_* drop\n",
	  "t.policy:2:19: JA4_a ends with two letters or digits of the first ALPN (\"00\" for none)" },
	{ P "rule ja4 t13d1516h_*_* drop\n",
	  "t.policy:2:10: JA4_a is 10 characters, not 9" },
	{ P "rule ja4 t13d1516h2_8daaf615277_* drop\n",
	  "t.policy:2:21: JA4_b is 12 characters of hex, not 11" },
	{ P "rule ja4 t13d1516h2_8daaf6152771_e5627efa2ab1_0a0b drop\n",
	  "t.policy:2:34: JA4_c is 12 characters of hex, not 17 (the raw JA4_r and JA4_o forms are not matched)" },
	{ P "rule ja4 t13d1516h2_8daaf6152771_e5627efa2ag1 drop\n",
	  "t.policy:2:44: JA4_c is 12 hex digits (or \"*\"), not \"g\" here" },
	{ P "rule ja4 *_*_* drop\n",
	  "t.policy:2:10: \"*_*_*\" matches every fingerprinted hello: a rule without \"ja4\" says that" },
	{ P "rule ja4 t13d1516h2_* drop\n",
	  "t.policy:2:10: \"t13d1516h2_*\" is not a JA4 fingerprint (three parts joined by \"_\": t13d1516h2_8daaf6152771_e5627efa2ab1, a part may be \"*\")" },
	{ P "rule ja4 { } drop\n",
	  "t.policy:2:10: empty list" },
	{ P "rule ether type arp ja4 t13d1516h2_*_* drop\n",
	  "t.policy:2:6: \"ether type\" cannot be combined with L7 matches (sni, ech, ja4, dns, qtype, quic, stun)" },
	{ P "rule stun sni a.example drop\n",
	  "t.policy:2:11: \"sni\" cannot be combined with \"stun\": one L7 protocol per rule" },
	{ P "rule stun type\n",
	  "t.policy:2:15: expected STUN message type or \"{\" after \"type\", got end of line" },
	{ P "rule stun type binding drop\n",
	  "t.policy:2:16: bad STUN message type \"binding\" (expected a number such as 0x0001, or a range such as 0x0800-0x0802)" },
	{ P "rule stun type 0x4000 drop\n",
	  "t.policy:2:16: STUN message type \"0x4000\" out of range (0-0x3fff: the two top bits of a STUN message are 0)" },
	{ P "rule stun type 0x0001-0x8000 drop\n",
	  "t.policy:2:16: STUN message type \"0x0001-0x8000\" out of range (0-0x3fff: the two top bits of a STUN message are 0)" },
	{ P "rule stun type 0x0001-0x100000000 drop\n",
	  "t.policy:2:16: STUN message type \"0x0001-0x100000000\" out of range (0-0x3fff: the two top bits of a STUN message are 0)" },
	{ P "rule stun type 0x0802-0x0800 drop\n",
	  "t.policy:2:16: STUN type range \"0x0802-0x0800\" is reversed (did you mean 0x0800-0x0802?)" },
	{ P "rule stun type 0x0800- drop\n",
	  "t.policy:2:16: bad STUN message type \"0x0800-\" (expected a number such as 0x0001, or a range such as 0x0800-0x0802)" },
	{ P "rule stun type { } drop\n",
	  "t.policy:2:16: empty list" },
	{ P "rule stun type { 1 2 } drop\n",
	  "t.policy:2:20: expected \",\" or \"}\", got \"2\"" },
	{ P "rule stun type 1 reset\n",
	  "t.policy:2:18: reset needs a tcp rule" },
	{ P "rule quic daddr 198.18.0.1 ether type lldp drop\n",
	  "t.policy:2:28: \"ether type\" cannot be combined with protocol, address or port matches" },
	{ P "rule quic version\n",
	  "t.policy:2:18: expected QUIC version or \"{\" after \"version\", got end of line" },
	{ P "rule quic version v3 drop\n",
	  "t.policy:2:19: unknown QUIC version \"v3\" (expected v1, v2, draft-NN or a number)" },
	{ P "rule quic version draft-35 drop\n",
	  "t.policy:2:19: unknown QUIC draft \"draft-35\" (draft-22 to draft-34)" },
	{ P "rule quic version draft-21 drop\n",
	  "t.policy:2:19: unknown QUIC draft \"draft-21\" (draft-22 to draft-34)" },
	{ P "rule quic version draft-x drop\n",
	  "t.policy:2:19: unknown QUIC draft \"draft-x\" (draft-22 to draft-34)" },
	{ P "rule quic version 0 drop\n",
	  "t.policy:2:19: QUIC version 0x00000000 is not one the dataplane recognises (v1, v2, 0x709a50c4, draft-22 to draft-34): the rule could never match" },
	{ P "rule quic version { v1, 0x1a2a3a4a } drop\n",
	  "t.policy:2:25: QUIC version 0x1a2a3a4a is not one the dataplane recognises (v1, v2, 0x709a50c4, draft-22 to draft-34): the rule could never match" },
	{ P "rule quic version 0x100000000 drop\n",
	  "t.policy:2:19: number too large in \"0x100000000\"" },
	{ P "rule quic version { } drop\n",
	  "t.policy:2:19: empty list" },
	{ P "rule quic version { v1 v2 } drop\n",
	  "t.policy:2:24: expected \",\" or \"}\", got \"v2\"" },
	{ P "rule qtype\n",
	  "t.policy:2:11: expected query type or \"{\" after \"qtype\", got end of line" },
	{ P "rule qtype B drop\n",
	  "t.policy:2:12: unknown query type \"B\" (expected A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, DS, RRSIG, DNSKEY, SVCB, HTTPS, ANY or a number)" },
	{ P "rule qtype 65536 drop\n",
	  "t.policy:2:12: query type \"65536\" out of range (0-65535)" },
	{ P "rule qtype 0x10000 drop\n",
	  "t.policy:2:12: query type \"0x10000\" out of range (0-65535)" },
	{ P "rule qtype { A, \"AAAA\" } drop\n",
	  "t.policy:2:17: expected query type, got string \"AAAA\"" },
	{ P "rule qtype { A,\nrule drop\n",
	  "t.policy:2:12: unterminated \"{\"" },
	{ P "rule qtype { A, TXXT, 99999 } drop\n",
	  "t.policy:2:17: unknown query type \"TXXT\" (expected A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, DS, RRSIG, DNSKEY, SVCB, HTTPS, ANY or a number)\n"
	  "t.policy:2:23: query type \"99999\" out of range (0-65535)" },
	{ P "rule udp dport 53 reset\n",
	  "t.policy:2:19: reset needs a tcp rule" },
	{ P "rule reset\n",
	  "t.policy:2:6: reset needs a tcp rule" },
	{ P "rule quic reset\n",
	  "t.policy:2:11: reset needs a tcp rule" },
	{ P "rule dns a.b reset\n",
	  "t.policy:2:14: reset needs a tcp rule" },
	{ P "rule ether type arp reset\n",
	  "t.policy:2:21: reset needs a tcp rule" },
	{ P "rule udp dport 53 nxdomain\n",
	  "t.policy:2:19: nxdomain needs a dns or qtype rule" },
	{ P "rule sni a.b nxdomain\n",
	  "t.policy:2:14: nxdomain needs a dns or qtype rule" },
	{ P "rule udp dport 53 sinkhole 198.18.0.1\n",
	  "t.policy:2:19: sinkhole needs a dns or qtype rule" },
	{ P "rule quic sinkhole ::1\n",
	  "t.policy:2:11: sinkhole needs a dns or qtype rule" },
	{ P "rule dns a sinkhole\n",
	  "t.policy:2:20: expected an address after \"sinkhole\", got end of line" },
	{ P "rule dns a sinkhole 1.2.3.4 5.6.7.8\n",
	  "t.policy:2:29: sinkhole has two IPv4 addresses (at most one of each family)" },
	{ P "rule dns a sinkhole 2001:db8::1 ::1\n",
	  "t.policy:2:33: sinkhole has two IPv6 addresses (at most one of each family)" },
	{ P "rule dns a sinkhole 198.18.0.0/15\n",
	  "t.policy:2:21: sinkhole takes an address, not a prefix: \"198.18.0.0/15\"" },
	{ P "rule dns a sinkhole 1.2.3.256\n",
	  "t.policy:2:21: bad address \"1.2.3.256\"" },
	{ P "rule dns a sinkhole 1.2.3.4 drop\n",
	  "t.policy:2:29: unexpected \"drop\" after the action" },
	{ P "rule dns a sinkhole 1.2.3.4 ::1 ::2\n",
	  "t.policy:2:33: unexpected \"::2\" after the action" },
	{ P "rule dns a sinkhole { 1.2.3.4 }\n",
	  "t.policy:2:21: expected an address after \"sinkhole\", got \"{\"" },
	{ P "rule throttle 1mbit burst 16KB\n",
	  "t.policy:2:6: throttle needs a tcp or udp rule" },
	{ P "rule icmp throttle 1mbit burst 16KB\n",
	  "t.policy:2:11: throttle needs a tcp or udp rule" },
	{ P "rule ether type arp throttle 1mbit burst 16KB\n",
	  "t.policy:2:21: throttle needs a tcp or udp rule" },
	{ P "rule tcp throttle\n",
	  "t.policy:2:18: expected a rate after \"throttle\", got end of line" },
	{ P "rule tcp throttle 1mbit\n",
	  "t.policy:2:24: expected \"burst\" after the rate, got end of line" },
	{ P "rule tcp throttle 1mbit burst\n",
	  "t.policy:2:30: expected a size after \"burst\", got end of line" },
	{ P "rule tcp throttle 1mbit 16KB\n",
	  "t.policy:2:25: expected \"burst\" after the rate, got \"16KB\"" },
	{ P "rule tcp throttle 1mbit burst 16KB drop\n",
	  "t.policy:2:36: unexpected \"drop\" after the action" },
	{ P "rule tcp throttle 128 burst 16KB\n",
	  "t.policy:2:19: bad rate \"128\" (expected a number and bit, kbit, mbit or gbit, as in 128kbit)" },
	{ P "rule tcp throttle 128kbps burst 16KB\n",
	  "t.policy:2:19: bad rate \"128kbps\" (expected a number and bit, kbit, mbit or gbit, as in 128kbit)" },
	{ P "rule tcp throttle kbit burst 16KB\n",
	  "t.policy:2:19: bad rate \"kbit\" (expected a number and bit, kbit, mbit or gbit, as in 128kbit)" },
	{ P "rule tcp throttle 1Mbit burst 16KB\n",
	  "t.policy:2:19: bad rate \"1Mbit\" (expected a number and bit, kbit, mbit or gbit, as in 128kbit)" },
	{ P "rule tcp throttle 1.5mbit burst 16KB\n",
	  "t.policy:2:19: bad rate \"1.5mbit\" (expected a number and bit, kbit, mbit or gbit, as in 128kbit)" },
	{ P "rule tcp throttle 7999bit burst 16KB\n",
	  "t.policy:2:19: rate \"7999bit\" out of range (8kbit to 100gbit)" },
	{ P "rule tcp throttle 101gbit burst 16KB\n",
	  "t.policy:2:19: rate \"101gbit\" out of range (8kbit to 100gbit)" },
	{ P "rule tcp throttle 99999999999999999999999bit burst 16KB\n",
	  "t.policy:2:19: rate \"99999999999999999999999bit\" out of range (8kbit to 100gbit)" },
	{ P "rule tcp throttle 1mbit burst 1513\n",
	  "t.policy:2:31: burst \"1513\" is below one full frame (1514 bytes): no packet could ever pass" },
	{ P "rule tcp throttle 1mbit burst 1K\n",
	  "t.policy:2:31: burst \"1K\" is below one full frame (1514 bytes): no packet could ever pass" },
	{ P "rule tcp throttle 1mbit burst 16kb\n",
	  "t.policy:2:31: bad size \"16kb\" (expected bytes, or a number and B, K, KB, KiB, MB or MiB, as in 16KB)" },
	{ P "rule tcp throttle 1mbit burst 1GiB\n",
	  "t.policy:2:31: bad size \"1GiB\" (expected bytes, or a number and B, K, KB, KiB, MB or MiB, as in 16KB)" },
	{ P "rule tcp throttle 1mbit burst 4096MiB\n",
	  "t.policy:2:31: burst \"4096MiB\" too large (at most 4294967295 bytes)" },
	{ P "rule tcp throttle 1mbit burst 4294967296\n",
	  "t.policy:2:31: burst \"4294967296\" too large (at most 4294967295 bytes)" },
	{ P "rule udp throttle 7kbit burst 10\n",
	  "t.policy:2:19: rate \"7kbit\" out of range (8kbit to 100gbit)\n"
	  "t.policy:2:31: burst \"10\" is below one full frame (1514 bytes): no packet could ever pass" },
	/* freeze after SIZE [from server | both] */
	{ P "rule freeze after 16KB\n",
	  "t.policy:2:6: freeze needs a tcp or udp rule" },
	{ P "rule icmp freeze after 16KB\n",
	  "t.policy:2:11: freeze needs a tcp or udp rule" },
	{ P "rule ether type arp freeze after 16KB\n",
	  "t.policy:2:21: freeze needs a tcp or udp rule" },
	{ P "rule tcp freeze\n",
	  "t.policy:2:16: expected \"after\" after \"freeze\", got end of line" },
	{ P "rule tcp freeze 16KB\n",
	  "t.policy:2:17: expected \"after\" after \"freeze\", got \"16KB\"" },
	{ P "rule tcp freeze after\n",
	  "t.policy:2:22: expected a size after \"after\", got end of line" },
	{ P "rule tcp freeze after { 16KB }\n",
	  "t.policy:2:23: expected a size after \"after\", got \"{\"" },
	{ P "rule tcp freeze after 0\n",
	  "t.policy:2:23: freeze size \"0\" is 0 bytes (at least 1)" },
	{ P "rule tcp freeze after 0KB both\n",
	  "t.policy:2:23: freeze size \"0KB\" is 0 bytes (at least 1)" },
	{ P "rule tcp freeze after 16kb\n",
	  "t.policy:2:23: bad size \"16kb\" (expected bytes, or a number and B, K, KB, KiB, MB or MiB, as in 16KB)" },
	{ P "rule tcp freeze after -1\n",
	  "t.policy:2:23: bad size \"-1\" (expected bytes, or a number and B, K, KB, KiB, MB or MiB, as in 16KB)" },
	{ P "rule tcp freeze after 4096MiB\n",
	  "t.policy:2:23: freeze size \"4096MiB\" too large (at most 4294967295 bytes)" },
	{ P "rule tcp freeze after 4294967296\n",
	  "t.policy:2:23: freeze size \"4294967296\" too large (at most 4294967295 bytes)" },
	{ P "rule tcp freeze after 16KB from\n",
	  "t.policy:2:32: expected \"server\" after \"from\" (or \"both\", without \"from\", for both ways), got end of line" },
	{ P "rule tcp freeze after 16KB from client\n",
	  "t.policy:2:33: expected \"server\" after \"from\" (or \"both\", without \"from\", for both ways), got \"client\"" },
	{ P "rule tcp freeze after 16KB from both\n",
	  "t.policy:2:33: expected \"server\" after \"from\" (or \"both\", without \"from\", for both ways), got \"both\"" },
	{ P "rule udp freeze after 0 from client\n",
	  "t.policy:2:23: freeze size \"0\" is 0 bytes (at least 1)\n"
	  "t.policy:2:30: expected \"server\" after \"from\" (or \"both\", without \"from\", for both ways), got \"client\"" },
	{ P "rule tcp freeze after 16KB sideways\n",
	  "t.policy:2:28: unexpected \"sideways\" after the action" },
	{ P "rule tcp freeze after 16KB both drop\n",
	  "t.policy:2:33: unexpected \"drop\" after the action" },
	{ P "rule tcp freeze after 16KB from server both\n",
	  "t.policy:2:40: unexpected \"both\" after the action" },
	{ P "rule tcp freeze after 16KB\nrule udp freeze after 0\nrule freeze after 1\n",
	  "t.policy:3:23: freeze size \"0\" is 0 bytes (at least 1)\n"
	  "t.policy:4:6: freeze needs a tcp or udp rule" },
	/* penalty DURATION [on subscriber | destination | pair] */
	{ P "rule udp penalty\n",
	  "t.policy:2:17: expected a duration after \"penalty\", as in \"10m\", got end of line" },
	{ P "rule udp penalty { 10m }\n",
	  "t.policy:2:18: expected a duration after \"penalty\", as in \"10m\", got \"{\"" },
	{ P "rule udp penalty 0s\n",
	  "t.policy:2:18: penalty duration \"0s\" out of range (more than 0, at most 24h)" },
	{ P "rule udp penalty 0.0000000001s\n",
	  "t.policy:2:18: bad penalty duration \"0.0000000001s\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)" },
	{ P "rule udp penalty 10\n",
	  "t.policy:2:18: bad penalty duration \"10\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)" },
	{ P "rule udp penalty 10min\n",
	  "t.policy:2:18: bad penalty duration \"10min\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)" },
	{ P "rule udp penalty -1m\n",
	  "t.policy:2:18: bad penalty duration \"-1m\" (expected a number and ms, s, m, h or d, as in 10s or 500ms)" },
	{ P "rule udp penalty 24.001h\n",
	  "t.policy:2:18: penalty duration \"24.001h\" out of range (more than 0, at most 24h)" },
	{ P "rule udp penalty 18446744073709551616s\n",
	  "t.policy:2:18: penalty duration \"18446744073709551616s\" out of range (more than 0, at most 24h)" },
	{ P "rule udp penalty 10m on\n",
	  "t.policy:2:24: expected a scope after \"on\" (subscriber, destination or pair), got end of line" },
	{ P "rule udp penalty 10m on server\n",
	  "t.policy:2:25: unknown penalty scope \"server\" (expected subscriber, destination or pair)" },
	{ P "rule udp penalty 10m for destination\n",
	  "t.policy:2:22: unexpected \"for\" after the action" },
	{ P "rule udp penalty 10m on pair drop\n",
	  "t.policy:2:30: unexpected \"drop\" after the action" },
	{ P "rule udp penalty 0s on everyone\n",
	  "t.policy:2:18: penalty duration \"0s\" out of range (more than 0, at most 24h)\n"
	  "t.policy:2:24: unknown penalty scope \"everyone\" (expected subscriber, destination or pair)" },
	{ P "rule ether type arp penalty 10m\n",
	  "t.policy:2:21: penalty needs an IP rule (its scope is an address), not \"ether type\"" },
	{ P "default penalty\n",
	  "t.policy:2:9: unknown action \"penalty\" (expected pass or drop)" },
	{ P "on-swap keep\non-swap flush\n",
	  "t.policy:3:1: \"on-swap\" already given at t.policy:2:1" },
	{ P "on-swap\n",
	  "t.policy:2:8: expected keep or flush, got end of line" },
	{ P "on-swap drop\n",
	  "t.policy:2:9: unknown on-swap mode \"drop\" (expected keep or flush)" },
	{ P "on-swap keep flush\n",
	  "t.policy:2:14: expected end of line, got \"flush\"" },
	{ P "sni-default drop\nsni-default pass\nrule sni a.b drop\n",
	  "t.policy:3:1: \"sni-default\" already given at t.policy:2:1" },
	{ P "sni-default throttle\nrule sni a.b drop\n",
	  "t.policy:2:13: unknown action \"throttle\" (expected pass, drop or reset)" },
	{ P "sni-default\nrule sni a.b drop\n",
	  "t.policy:2:12: expected pass, drop or reset, got end of line" },
	{ P "sni-default drop\nrule ech drop\n",
	  "t.policy:2:1: sni-default without any sni rule" },
	{ P "sni-default reset\n",
	  "t.policy:2:1: sni-default without any sni rule" },
	{ P "sni-default drop\nrule quic sni a.b drop\n",
	  "t.policy:2:1: sni-default without any sni rule over TLS (for "
	  "quic sni rules, \"unreadable\" decides an Initial that cannot be "
	  "read)" },
	{ P "tls-default drop\ntls-default pass\nrule sni a.b pass\n",
	  "t.policy:3:1: \"tls-default\" already given at t.policy:2:1" },
	{ P "tls-default throttle\nrule sni a.b pass\n",
	  "t.policy:2:13: unknown action \"throttle\" (expected pass, drop or reset)" },
	{ P "tls-default\nrule sni a.b pass\n",
	  "t.policy:2:12: expected pass, drop or reset, got end of line" },
	{ P "rule tcp dport 443 pass\ntls-default drop\n",
	  "t.policy:3:1: tls-default without any sni, ech or ja4 rule" },
	{ P "rule dns a.b nxdomain\ntls-default reset\n",
	  "t.policy:3:1: tls-default without any sni, ech or ja4 rule" },
	{ P "rule quic sni a.b drop\ntls-default drop\n",
	  "t.policy:3:1: tls-default without any sni, ech or ja4 rule over "
	  "TLS (a quic sni rule's flow that no rule decides gets "
	  "\"default\")" },
	{ P "unreadable drop\nunreadable pass\n",
	  "t.policy:3:1: \"unreadable\" already given at t.policy:2:1" },
	{ P "unreadable reset\n",
	  "t.policy:2:12: unknown action \"reset\" (expected pass or drop)" },
	{ P "unreadable\n",
	  "t.policy:2:11: expected pass or drop, got end of line" },
	{ P "unreadable drop pass\n",
	  "t.policy:2:17: expected end of line, got \"pass\"" },
	{ P "default reset\n",
	  "t.policy:2:9: unknown action \"reset\" (expected pass or drop)" },


	/* every error of a file, each line recovered on its own */
	{ P "default maybe\nset s addr { 1.2.3.4/33 }\nrule tcp dport 80\n"
	    "rule udp dport @nope drop\nrule drop\n",
	  "t.policy:2:9: unknown action \"maybe\" (expected pass or drop)\n"
	  "t.policy:3:14: prefix length 33 out of range (0-32)\n"
	  "t.policy:4:18: missing action at end of rule (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)\n"
	  "t.policy:5:16: unknown set \"nope\"" },
};

/* Rows whose input holds a NUL: its length is the literal's. */
#define WITH_NUL(text) text, sizeof(text) - 1

static const struct {
	const char *text;
	size_t len;
	const char *want;
} nul_cases[] = {
	{ WITH_NUL(P "description \"a\0b\"\n"),
	  "t.policy:2:15: control character \"\\x00\" in string" },
	{ WITH_NUL(P "rule \"\0\" drop\n"),
	  "t.policy:2:7: control character \"\\x00\" in string" },
	{ WITH_NUL(P "rule tcp dport 8\0 drop\n"),
	  "t.policy:2:17: unexpected character \"\\x00\"" },
};

static void test_bad_policies(void **state)
{
	const struct bad_case *c;
	unsigned int failed = 0;
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		c = &bad_cases[i];
		got = parse_bad(c->text, strlen(c->text));
		if (strcmp(got, c->want)) {
			print_error("case %zu, input:\n%s\nwant:\n%s\ngot:\n%s\n\n",
				    i, c->text, c->want, got);
			failed++;
		}
		free(got);
	}
	for (i = 0; i < sizeof(nul_cases) / sizeof(nul_cases[0]); i++) {
		got = parse_bad(nul_cases[i].text, nul_cases[i].len);
		if (strcmp(got, nul_cases[i].want)) {
			print_error("NUL case %zu, want:\n%s\ngot:\n%s\n\n", i,
				    nul_cases[i].want, got);
			failed++;
		}
		free(got);
	}
	assert_int_equal(failed, 0);
}

/* The buffer need not end in a NUL: nothing may be read past len. */
static void test_unterminated_buffer(void **state)
{
	static const char text[] = "policy p\nrule tcp dport 52";
	char *buf, *got;

	(void)state;
	/* exactly the bytes, so a sanitizer sees any read past them */
	buf = malloc(sizeof(text) - 2);
	assert_non_null(buf);
	memcpy(buf, text, sizeof(text) - 2);
	got = parse_bad(buf, sizeof(text) - 2);
	assert_string_equal(got,
			    "t.policy:2:17: missing action at end of rule (expected pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty)");
	free(got);
	free(buf);
}

/* ---- includes --------------------------------------------------------- */

static void test_include(void **state)
{
	char *dir = tmp_dir(), *msgs, *sub;
	struct br_policy *pol;
	int err;

	(void)state;
	sub = path_in(dir, "sets");
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "t.policy",
		   "policy p\n"
		   "include \"sets/a.set\"\n"
		   "rule daddr @a saddr @b drop\n"
		   "rule tcp dport @web pass\n");
	/* relative to the including file, not to the working directory */
	write_file(dir, "sets/a.set",
		   "# a set file\n"
		   "set a addr { 198.18.0.0/24 }\n"
		   "include \"../b.set\"\n");
	write_file(dir, "b.set",
		   "set b addr {\n  198.19.0.1\n  198.19.0.2\n}\n"
		   "set web port { 80, 443 }\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	assert_int_equal(pol->n_sets, 3);
	assert_string_equal(pol->sets[0].name, "a");
	assert_int_equal(pol->sets[0].pos.line, 2);
	assert_string_equal(pol->sets[1].name, "b");
	assert_int_equal(pol->sets[1].n, 2);
	assert_true(strstr(pol->sets[1].pos.file, "sets/../b.set") != NULL);
	assert_int_equal(pol->rules[0].daddr_set, 0);
	assert_int_equal(pol->rules[0].saddr_set, 1);
	assert_int_equal(pol->rules[1].dport_set, 2);
	br_policy_free(pol);
	free(msgs);
	free(sub);
	rm_tree(dir);
	free(dir);
}

static void test_include_errors(void **state)
{
	char *dir = tmp_dir(), *msgs, *want;
	char name[32], text[96];
	struct br_policy *pol;
	int err, i;

	(void)state;
	/* a cycle through two files, reported where it closes */
	write_file(dir, "t.policy", "policy p\ninclude \"a.set\"\n");
	write_file(dir, "a.set", "include \"b.set\"\n");
	write_file(dir, "b.set", "set b addr { 1.2.3.4 }\ninclude \"a.set\"\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(pol);
	assert_true(asprintf(&want,
			     "%s/b.set:2:9: include cycle: %s/a.set -> %s/b.set -> %s/a.set",
			     dir, dir, dir, dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* back to the policy file itself */
	write_file(dir, "t.policy", "policy p\ninclude \"t.policy\"\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_true(asprintf(&want,
			     "%s/t.policy:2:9: include cycle: %s/t.policy -> %s/t.policy",
			     dir, dir, dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* only set and include in a set file; the rest is still read */
	write_file(dir, "t.policy", "policy p\ninclude \"s.set\"\nrule daddr @ok drop\n");
	write_file(dir, "s.set",
		   "policy q\nrule drop\nset ok addr { 1.2.3.4 }\ndefault drop\n"
		   "include \"missing.set\"\ninclude \".\"\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_true(asprintf(&want,
			     "%1$s/s.set:1:1: \"policy\" is not allowed in a set file\n"
			     "%1$s/s.set:2:1: \"rule\" is not allowed in a set file\n"
			     "%1$s/s.set:4:1: \"default\" is not allowed in a set file\n"
			     "%1$s/s.set:5:9: cannot open \"missing.set\": No such file or directory\n"
			     "%1$s/s.set:6:9: cannot open \".\": Is a directory",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/*
	 * A file that is not a set file at all (a services list, a binary):
	 * one message at its include, not one a line echoing it
	 */
	write_file(dir, "t.policy",
		   "policy p\ninclude \"services\"\ninclude \"bin\"\n"
		   "rule tcp dport 1 drop\n");
	write_file(dir, "services",
		   "# Network services\n\ntcpmux 1/tcp\necho 7/tcp\n"
		   "echo 7/udp\ndiscard 9/tcp sink null\n");
	write_file(dir, "bin", "\x7f" "ELF\x02\x01\x01\n\x03\x04\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_true(asprintf(&want,
			     "%1$s/t.policy:2:9: \"services\" is not a set file: it starts with \"tcpmux\" at line 3 (expected \"set\" or \"include\")\n"
			     "%1$s/t.policy:3:9: \"bin\" is not a set file: it starts with \"\\x7f\" at line 1 (expected \"set\" or \"include\")",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* a duplicate across files names the first file */
	write_file(dir, "t.policy", "policy p\ninclude \"d.set\"\nset lab addr { 1.2.3.4 }\n");
	write_file(dir, "d.set", "\nset lab addr { 1.2.3.4 }\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_true(asprintf(&want,
			     "%1$s/t.policy:3:5: set \"lab\" already declared at %1$s/d.set:2:5",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* eight levels of include are fine, a ninth is not */
	write_file(dir, "t.policy", "policy p\ninclude \"l1.set\"\n");
	for (i = 1; i <= 9; i++) {
		snprintf(name, sizeof(name), "l%d.set", i);
		snprintf(text, sizeof(text), "set s%d port { %d }\ninclude \"l%d.set\"\n",
			 i, i, i + 1);
		write_file(dir, name, i < 8 ? text : "set s8 port { 8 }\n");
	}
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(pol->n_sets, 8);
	br_policy_free(pol);
	free(msgs);
	write_file(dir, "l8.set", "set s8 port { 8 }\ninclude \"l9.set\"\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_true(asprintf(&want,
			     "%s/l8.set:2:9: include nested too deep (at most 8 levels)",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* the policy file itself */
	msgs = parse_path(dir, "none.policy", &pol, &err);
	assert_int_equal(err, -ENOENT);
	assert_null(pol);
	assert_true(asprintf(&want,
			     "%s/none.policy: cannot open: No such file or directory",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	rm_tree(dir);
	free(dir);
}

/*
 * Only regular files are read, and none over the cap: a FIFO with no
 * writer or /dev/zero as an include would block or fill memory. Each is
 * reported where it is named, and the rest of the file is still read.
 * alarm(): a hang fails the test instead of stopping the suite.
 */
static void test_include_not_regular(void **state)
{
	char *dir = tmp_dir(), *fifo, *big, *msgs, *want;
	struct br_policy *pol;
	int err, fd;

	(void)state;
	alarm(30);
	fifo = path_in(dir, "fifo.set");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* sparse: over the cap without the disk space */
	big = path_in(dir, "big.set");
	fd = open(big, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)BR_TEXT_MAX + 1), 0);
	close(fd);
	write_file(dir, "t.policy",
		   "policy p\n"
		   "include \"fifo.set\"\n"
		   "include \"/dev/zero\"\n"
		   "include \"big.set\"\n"
		   "rule tcp dport 70000 drop\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_int_equal(err, -EINVAL);
	assert_null(pol);
	assert_true(asprintf(&want,
			     "%1$s/t.policy:2:9: cannot open \"fifo.set\": not a regular file (a FIFO)\n"
			     "%1$s/t.policy:3:9: cannot open \"/dev/zero\": not a regular file (a character device)\n"
			     "%1$s/t.policy:4:9: cannot open \"big.set\": larger than 256 MiB (268435457 bytes)\n"
			     "%1$s/t.policy:5:16: port 70000 out of range (0-65535)",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	/* the policy file itself */
	msgs = parse_path(dir, "fifo.set", &pol, &err);
	assert_int_equal(err, -EINVAL);
	assert_true(asprintf(&want, "%s: cannot open: not a regular file (a FIFO)",
			     fifo) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);
	msgs = parse_path(dir, "big.set", &pol, &err);
	assert_int_equal(err, -EFBIG);
	assert_true(asprintf(&want,
			     "%s: cannot open: larger than 256 MiB (268435457 bytes)",
			     big) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);

	free(fifo);
	free(big);
	rm_tree(dir);
	free(dir);
	alarm(0);
}

/*
 * A buffer over the cap is refused before a byte of it is read: here no
 * byte can be (PROT_NONE), so reading one would crash the test. That
 * bounds every line and column a position holds.
 */
static void test_buffer_cap(void **state)
{
	size_t len = BR_TEXT_MAX + 1;
	struct br_policy *pol = NULL;
	struct br_diag d;
	char *text, *msgs;

	(void)state;
	text = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(text != MAP_FAILED);
	br_diag_init(&d);
	assert_int_equal(br_policy_parse_buffer("t.policy", text, len, &pol, &d),
			 -EFBIG);
	assert_null(pol);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "t.policy: larger than 256 MiB (268435457 bytes)");
	free(msgs);
	br_diag_free(&d);
	munmap(text, len);
}

/*
 * Errors are capped: the 101st is replaced by "too many errors" at its
 * position, and the parser reads no further. The text lies on one page
 * with an unreadable one after it (len covers both): reading on past
 * the cap would crash the test.
 */
static void test_error_cap(void **state)
{
	static const char first[] = "t.policy:2:1: unknown statement "
				    "\"bogus\"\n";
	static const char last[] = "\nt.policy:102:1: too many errors, "
				   "stopping here (at most 100 are reported)";
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n;
	struct br_policy *pol = NULL;
	struct br_diag d;
	char *text, *msgs;

	(void)state;
	text = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(text != MAP_FAILED);
	assert_int_equal(mprotect(text + page, page, PROT_NONE), 0);
	memset(text, '\n', page);
	memcpy(text, "policy p\n", 9);
	for (n = 9; n + 6 <= page; n += 6)
		memcpy(text + n, "bogus\n", 6); /* one error a line */
	br_diag_init(&d);
	assert_int_equal(br_policy_parse_buffer("t.policy", text, 2 * page,
						&pol, &d),
			 -EINVAL);
	assert_null(pol);
	assert_int_equal(d.n, BR_DIAG_MAX + 1);
	msgs = diag_text(&d);
	assert_true(strncmp(msgs, first, sizeof(first) - 1) == 0);
	assert_true(strlen(msgs) > strlen(last));
	assert_string_equal(msgs + strlen(msgs) - strlen(last), last);
	free(msgs);
	br_diag_free(&d);
	munmap(text, 2 * page);
}

/* ---- scale ------------------------------------------------------------ */

#define MANY_SETS 100000

/* A policy of MANY_SETS named port sets and 64 rules naming some. */
static char *many_sets_policy(void)
{
	char *text = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *f;

	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "policy many\n");
	for (i = 0; i < MANY_SETS; i++)
		fprintf(f, "set s%u port { %u }\n", i, i % 65536);
	for (i = 0; i < 64; i++)
		fprintf(f, "rule tcp dport @s%u drop\n", MANY_SETS - 1 - 1000 * i);
	assert_int_equal(fclose(f), 0);
	return text;
}

/*
 * Named sets are found by hash. The lookups' cost is counted, not timed
 * (name_index.c counts every slot a lookup looks at): a set statement
 * looks its name up once (is it taken?), a reference once, and each
 * lookup looks at a few slots, where a walk over the sets declared
 * before made 5 billion comparisons (22.7 s) for 100,000 sets. diff
 * finds each set of one policy in the other the same way.
 */
static void test_many_named_sets(void **state)
{
	unsigned long long before, lookups = MANY_SETS + 64;
	char *text = many_sets_policy(), *dir = tmp_dir(), *path;
	struct br_cli cli = { .quiet = true };
	struct br_policy *pol;
	char *argv[4];
	int out;

	(void)state;
	before = br_name_index_probes;
	pol = parse_ok(text);
	print_message("# %llu lookups looked at %llu slots\n", lookups,
		      br_name_index_probes - before);
	assert_true(br_name_index_probes - before <= 4 * lookups);
	assert_int_equal(pol->n_sets, MANY_SETS);
	assert_string_equal(pol->sets[pol->rules[0].dport_set].name, "s99999");
	assert_string_equal(pol->sets[pol->rules[63].dport_set].name, "s36999");
	br_policy_free(pol);

	/* diff parses both (2 x lookups), then finds each set in the other */
	write_file(dir, "many.policy", text);
	path = path_in(dir, "many.policy");
	argv[0] = "diff";
	argv[1] = path;
	argv[2] = path;
	argv[3] = NULL;
	fflush(stdout);
	out = dup(STDOUT_FILENO);
	assert_true(freopen("/dev/null", "w", stdout) != NULL);
	before = br_name_index_probes;
	assert_int_equal(cmd_diff(&cli, 3, argv), 0); /* the same: exit 0 */
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
	assert_true(br_name_index_probes - before <=
		    4 * (2 * lookups + 2 * MANY_SETS));
	free(path);
	free(text);
	rm_tree(dir);
	free(dir);
}

#define BIG_N 1000000

/* A registry-like set: mostly single IPv4 addresses, some /24s, some IPv6. */
static void big_element(unsigned int i, char *buf, size_t size)
{
	uint32_t x = i * 2654435761u;

	if (i % 10 < 7)
		snprintf(buf, size, "%u.%u.%u.%u", 1 + (x >> 24) % 223,
			 (x >> 16) & 255, (x >> 8) & 255, x & 255);
	else if (i % 10 < 9)
		snprintf(buf, size, "%u.%u.%u.0/24", 1 + (x >> 24) % 223,
			 (x >> 16) & 255, (x >> 8) & 255);
	else
		snprintf(buf, size, "2001:db8:%x:%x::%x", x >> 16, x & 0xffff,
			 i & 0xffff);
}

static void test_large_set(void **state)
{
	char *dir = tmp_dir(), *path, *msgs, elem[64];
	struct br_policy *pol;
	const struct br_set *s;
	unsigned int i;
	FILE *f;
	int err;

	(void)state;
	write_file(dir, "big.policy",
		   "policy big\ninclude \"big.set\"\nrule daddr @registry drop\n");
	path = path_in(dir, "big.set");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("set registry addr {\n", f);
	for (i = 0; i < BIG_N; i++) {
		big_element(i, elem, sizeof(elem));
		fprintf(f, "%s\n", elem);
	}
	fputs("}\n", f);
	assert_int_equal(fclose(f), 0);

	/* Parse time is a benchmark figure (make bench), not asserted here. */
	msgs = parse_path(dir, "big.policy", &pol, &err);

	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	s = &pol->sets[0];
	assert_int_equal(s->n, BIG_N);
	big_element(0, elem, sizeof(elem));
	check_prefix(&s->prefixes[0], elem, 32);
	big_element(BIG_N - 2, elem, sizeof(elem));
	*strchr(elem, '/') = '\0';
	check_prefix(&s->prefixes[BIG_N - 2], elem, 24);
	big_element(BIG_N - 1, elem, sizeof(elem));
	check_prefix(&s->prefixes[BIG_N - 1], elem, 128);
	br_policy_free(pol);
	free(msgs);
	free(path);
	rm_tree(dir);
	free(dir);
}

/* Domain sets in set files; v2 statements stay out of them. */
static void test_include_domains(void **state)
{
	char *dir = tmp_dir(), *msgs, *want;
	struct br_policy *pol;
	int err;

	(void)state;
	write_file(dir, "t.policy",
		   "policy p\n"
		   "sni-default drop\n" /* before the sni rule: fine */
		   "include \"apple.set\"\n"
		   "rule sni @apple drop\n"
		   "rule dns @apple nxdomain\n");
	write_file(dir, "apple.set",
		   "set apple domain {\n  .push.apple.com\n  FaceTime.Apple.com\n}\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	assert_int_equal(pol->n_sets, 1);
	assert_int_equal(pol->sets[0].type, BR_SET_DOMAIN);
	check_domain(&pol->sets[0].domains[0], "push.apple.com", EXACT | BELOW);
	check_domain(&pol->sets[0].domains[1], "facetime.apple.com", EXACT);
	assert_int_equal(pol->sets[0].domains[1].pos.line, 3);
	assert_int_equal(pol->sets[0].domains[1].pos.col, 3);
	assert_true(strstr(pol->sets[0].domains[1].pos.file, "apple.set") != NULL);
	assert_int_equal(pol->rules[0].domain_set, 0);
	assert_int_equal(pol->rules[1].domain_set, 0);
	assert_int_equal(pol->sni_default, BR_ACT_DROP);
	br_policy_free(pol);
	free(msgs);

	write_file(dir, "apple.set",
		   "on-swap flush\nsni-default drop\nset apple domain { a..b }\n");
	msgs = parse_path(dir, "t.policy", &pol, &err);
	assert_int_equal(err, -EINVAL);
	assert_true(asprintf(&want,
			     "%1$s/apple.set:1:1: \"on-swap\" is not allowed in a set file\n"
			     "%1$s/apple.set:2:1: \"sni-default\" is not allowed in a set file\n"
			     "%1$s/apple.set:3:20: bad domain \"a..b\": empty label",
			     dir) > 0);
	assert_string_equal(msgs, want);
	free(msgs);
	free(want);
	rm_tree(dir);
	free(dir);
}

/* A registry of names: a million, one a line, every kind of entry. */
static void big_domain(unsigned int i, char *buf, size_t size)
{
	static const char *const lead[3] = { "", "*.", "." };

	snprintf(buf, size, "%sn%u.h%x.Example%u.com", lead[i % 3], i,
		 i * 2654435761u, i % 97);
}

static void test_large_domain_set(void **state)
{
	char *dir = tmp_dir(), *path, *msgs, elem[96], want[96];
	struct br_policy *pol;
	const struct br_set *s;
	unsigned int i;
	FILE *f;
	int err;

	(void)state;
	write_file(dir, "big.policy",
		   "policy big\ninclude \"big.set\"\nrule sni @registry drop\n");
	path = path_in(dir, "big.set");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("set registry domain {\n", f);
	for (i = 0; i < BIG_N; i++) {
		big_domain(i, elem, sizeof(elem));
		fprintf(f, "%s\n", elem);
	}
	fputs("}\n", f);
	assert_int_equal(fclose(f), 0);

	msgs = parse_path(dir, "big.policy", &pol, &err);
	assert_string_equal(msgs, "");
	assert_int_equal(err, 0);
	s = &pol->sets[0];
	assert_int_equal(s->type, BR_SET_DOMAIN);
	assert_int_equal(s->n, BIG_N);
	for (i = 0; i < BIG_N; i += 99991) {
		big_domain(i, elem, sizeof(elem));
		snprintf(want, sizeof(want), "n%u.h%x.example%u.com", i,
			 i * 2654435761u, i % 97);
		check_domain(&s->domains[i], want,
			     i % 3 == 0 ? EXACT : i % 3 == 1 ? BELOW
							: EXACT | BELOW);
		assert_int_equal(s->domains[i].pos.line, (int)i + 2);
	}
	br_policy_free(pol);
	free(msgs);
	free(path);
	rm_tree(dir);
	free(dir);
}

/* ---- shipped examples, names, diagnostics ------------------------------ */

static struct br_policy *parse_example(const char *name)
{
	struct br_policy *pol = NULL;
	struct br_diag d;
	char *path, *msgs;

	assert_true(asprintf(&path, "policies/examples/%s.policy", name) > 0);
	br_diag_init(&d);
	assert_int_equal(br_policy_parse_file(path, &pol, &d), 0);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);
	free(path);
	return pol;
}

static void test_examples(void **state)
{
	struct br_policy *pol;
	const struct br_rule_ir *r;
	struct br_diag d;
	char *msgs;
	int err;

	(void)state;
	br_diag_init(&d);
	err = br_policy_parse_file("policies/examples/apns-port.policy", &pol, &d);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_int_equal(err, 0);
	assert_string_equal(pol->name, "apns-port");
	assert_int_equal(pol->n_targets, 1);
	assert_string_equal(pol->targets[0], "apns");
	assert_int_equal(pol->default_action, BR_ACT_PASS);
	assert_int_equal(pol->n_rules, 1);
	r = &pol->rules[0];
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->action, BR_ACT_DROP);
	assert_int_not_equal(r->daddr_set, BR_NO_SET);
	check_prefix(&pol->sets[r->daddr_set].prefixes[0], "198.18.0.0", 15);
	assert_int_equal(pol->sets[r->dport_set].ports[0].lo, 5223);
	assert_int_equal(pol->sets[r->dport_set].ports[0].hi, 5223);
	br_policy_free(pol);

	err = br_policy_parse_file("policies/examples/facetime-media.policy",
				   &pol, &d);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	assert_int_equal(err, 0);
	assert_true(pol->n_rules >= 1);
	assert_true(pol->n_sets >= 2);
	br_policy_free(pol);
	br_diag_free(&d);

	/* the L7 examples */
	pol = parse_example("sni-courier-drop");
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->action, BR_ACT_DROP);
	assert_int_equal(pol->sets[r->domain_set].n, 1);
	check_domain(&pol->sets[r->domain_set].domains[0],
		     "courier.push.apple.com", EXACT | BELOW);
	assert_string_equal(pol->targets[0], "apns");
	br_policy_free(pol);

	pol = parse_example("sni-courier-reset");
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->action, BR_ACT_RESET);
	check_domain(&pol->sets[r->domain_set].domains[0],
		     "courier.push.apple.com", EXACT | BELOW);
	br_policy_free(pol);

	pol = parse_example("dns-facetime-nxdomain");
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_DNS);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->n_qtypes, 0);
	assert_int_equal(r->action, BR_ACT_NXDOMAIN);
	check_domain(&pol->sets[r->domain_set].domains[0],
		     "facetime.apple.com", EXACT | BELOW);
	assert_string_equal(pol->targets[0], "facetime");
	br_policy_free(pol);

	pol = parse_example("sni-twimg-throttle");
	r = &pol->rules[0];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->action, BR_ACT_THROTTLE);
	assert_int_equal(r->rate_bps, 128000);
	assert_int_equal(r->burst_bytes, 16384);
	check_domain(&pol->sets[r->domain_set].domains[0], "twimg.com",
		     EXACT | BELOW);
	br_policy_free(pol);

	pol = parse_example("sni-freeze-16k");
	assert_int_equal(pol->n_rules, 2);
	assert_int_equal(pol->rules[0].action, BR_ACT_PASS);
	r = &pol->rules[1];
	assert_int_equal(r->l7, BR_L7_TLS);
	assert_int_equal(r->action, BR_ACT_FREEZE);
	assert_int_equal(r->freeze_bytes, 16384);
	assert_int_equal(r->freeze_both, 0);
	check_domain(&pol->sets[r->domain_set].domains[0], "frozen.example",
		     EXACT | BELOW);
	br_policy_free(pol);

	pol = parse_example("udp-hoster-penalty");
	assert_int_equal(pol->n_rules, 1);
	r = &pol->rules[0];
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->action, BR_ACT_PENALTY);
	assert_int_equal(r->penalty_ns, 600 * SEC_NS);
	assert_int_equal(r->penalty_scope, BR_PENALTY_PAIR);
	assert_int_equal(pol->sets[r->daddr_set].n, 2);
	br_policy_free(pol);

	pol = parse_example("quic-drop");
	r = &pol->rules[0];
	assert_int_equal(pol->n_rules, 1);
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->n_quic_versions, 0);
	assert_int_equal(r->daddr_set, BR_NO_SET);
	assert_int_equal(r->dport_set, BR_NO_SET);
	assert_int_equal(r->action, BR_ACT_DROP);
	br_policy_free(pol);
}

/* ---- against a service catalog: targets and service rules ------------ */

/* A catalog with one flow of every kind, and the signatures that merge. */
static const char small_catalog[] =
	"set srv addr { 1.2.3.0/24, 2a00:1::/32 }\n"
	"service push\ncategory c\n"
	"flow ch tls daddr @srv dport 5223 sni \"%-c.example.com\" sni-max 3 "
	"channel\n"
	"flow ch-443 tls daddr @srv dport 443 sni \"%-c.example.com\" "
	"sni-max 3 channel\n"
	"action got needs ch | ch-443\n"
	"service app\ncategory c\n"
	"flow api tls daddr @srv dport 443 sni api.example\n"
	"flow cdn tls daddr @srv dport 443 sni cdn.example dns cdn.example\n"
	"flow h3 quic daddr @srv dport 443 sni api.example\n"
	"flow raw tcp daddr { 5.6.7.8 } dport 5222\n"
	"flow bare tls daddr { 5.6.7.8 } dport 8443\n"
	"flow media udp daddr @srv dport 3478-3497\n"
	"flow media2 udp daddr @srv dport 3478-3497\n"
	"flow look dns dns look.example\n"
	"flow look2 dns dns \"%.look.example\" sni-max 2\n"
	"action open needs api, push.ch\n"
	"service names\ncategory c\n"
	"flow a dns dns a.example\n"
	"action x needs a\n";

static struct br_catalog *small_cat(void)
{
	struct br_catalog *cat = NULL;
	struct br_diag d;

	br_diag_init(&d);
	assert_int_equal(br_catalog_parse_buffer("c.catalog", small_catalog,
						 strlen(small_catalog), &cat,
						 &d),
			 0);
	br_diag_free(&d);
	return cat;
}

static struct br_catalog *shipped_cat(void)
{
	struct br_catalog *cat = NULL;
	struct br_diag d;
	char *msgs;

	br_diag_init(&d);
	assert_int_equal(br_catalog_load_dir("policies/catalog", &cat, &d), 0);
	msgs = diag_text(&d);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);
	return cat;
}

static struct br_policy *parse_cat_ok(const char *text,
				      const struct br_catalog *cat)
{
	struct br_policy *pol = NULL;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_policy_parse_buffer_cat("t.policy", text, strlen(text), cat,
					 &pol, &d);
	msgs = diag_text(&d);
	if (err)
		print_error("unexpected errors:\n%s\n", msgs);
	assert_int_equal(err, 0);
	assert_string_equal(msgs, "");
	free(msgs);
	br_diag_free(&d);
	return pol;
}

static char *parse_cat_bad(const char *text, const struct br_catalog *cat)
{
	struct br_policy *pol = (struct br_policy *)1;
	struct br_diag d;
	char *msgs;
	int err;

	br_diag_init(&d);
	err = br_policy_parse_buffer_cat("t.policy", text, strlen(text), cat,
					 &pol, &d);
	assert_int_equal(err, -EINVAL);
	assert_null(pol);
	msgs = diag_text(&d);
	br_diag_free(&d);
	return msgs;
}

static void test_targets(void **state)
{
	static const char text[] = "policy p\n"
				   "target push, pussh, app\n"
				   "target zzz, names\n";
	struct br_catalog *cat = small_cat();
	struct br_policy *pol;
	char *msgs;

	(void)state;
	msgs = parse_cat_bad(text, cat);
	assert_string_equal(msgs,
			    "t.policy:2:14: unknown service \"pussh\" (did you mean \"push\"?)\n"
			    "t.policy:3:8: unknown service \"zzz\" (not in the service catalog)");
	free(msgs);
	pol = parse_cat_ok("policy p\ntarget push, app\ntarget names\n", cat);
	assert_int_equal(pol->n_targets, 3);
	assert_string_equal(pol->targets[2], "names");
	br_policy_free(pol);
	/* without a catalog, targets are not checked */
	pol = parse_ok(text);
	assert_int_equal(pol->n_targets, 5);
	br_policy_free(pol);
	/* one action of a service: SERVICE.ACTION */
	msgs = parse_cat_bad("policy p\ntarget app.open, app.opn, zz.open\n",
			     cat);
	assert_string_equal(msgs,
			    "t.policy:2:18: service \"app\" has no action \"opn\" (its actions: open)\n"
			    "t.policy:2:27: unknown service \"zz\" (not in the service catalog)");
	free(msgs);
	pol = parse_cat_ok("policy p\ntarget app.open, names\n", cat);
	/* br_targets: an action, the service as a whole, or neither */
	assert_true(br_targets(cat, pol, 1, "open"));
	assert_true(br_targets(cat, pol, 1, NULL));
	assert_false(br_targets(cat, pol, 1, "other"));
	assert_false(br_targets_whole(cat, pol, 1));
	assert_true(br_targets(cat, pol, 2, "x"));
	assert_true(br_targets_whole(cat, pol, 2));
	assert_false(br_targets(cat, pol, 0, NULL));
	br_policy_free(pol);
	/* "app" is not a prefix match of "ap" or "app2" */
	pol = parse_ok("policy p\ntarget ap, app2.open\n");
	assert_false(br_targets(cat, pol, 1, NULL));
	br_policy_free(pol);
	br_catalog_free(cat);
}

/*
 * Records: the documented outcome, kept as written; the range split or
 * not by the lexer reads the same; the scenario is resolved against the
 * policy's directory; with a catalog, the service must be in it.
 */
static void test_records(void **state)
{
	static const char text[] =
		P RS
		"record tg failed 10%..35% source \"Meduza 2018-04-17\"\n"
		"record tw android late 12.5%..100% source \"TASS\"\n"
		"record tw failed-or-late 0%..0.5% source \"x\"\n";
	struct br_catalog *cat = small_cat();
	const struct br_policy_record *r;
	struct br_policy *pol;
	char *msgs;

	(void)state;
	pol = parse_ok(text);
	assert_int_equal(pol->n_records, 3);
	assert_string_equal(pol->record_scenario_text,
			    "policies/scenarios/default.scenario");
	assert_string_equal(pol->record_scenario,
			    "policies/scenarios/default.scenario");
	r = &pol->records[0];
	assert_string_equal(r->service, "tg");
	assert_int_equal(r->platform, BR_PLAT_ANY);
	assert_int_equal(r->figure, BR_RECORD_FAILED);
	assert_true(r->lo == 10.0 && r->hi == 35.0);
	assert_string_equal(r->source, "Meduza 2018-04-17");
	assert_int_equal(r->pos.line, 3);
	assert_int_equal(r->pos.col, 8);
	r = &pol->records[1];
	assert_int_equal(r->platform, BR_PLAT_ANDROID);
	assert_int_equal(r->figure, BR_RECORD_LATE);
	assert_true(r->lo == 12.5 && r->hi == 100.0);
	r = &pol->records[2];
	assert_int_equal(r->figure, BR_RECORD_FAILED_OR_LATE);
	assert_true(r->lo == 0.0 && r->hi == 0.5);
	assert_string_equal(br_record_figure_name(r->figure),
			    "failed-or-late");
	br_policy_free(pol);

	/* with a catalog: services are checked, a did-you-mean offered */
	msgs = parse_cat_bad(P RS "record pussh late 1%..2% source \"s\"\n"
			     "record push late 1%..2% source \"s\"\n", cat);
	assert_string_equal(msgs, "t.policy:3:8: unknown service \"pussh\" "
				  "(did you mean \"push\"?)");
	free(msgs);
	pol = parse_cat_ok(P RS "record push ios late 1%..2% source \"s\"\n",
			   cat);
	assert_int_equal(pol->n_records, 1);
	assert_int_equal(pol->records[0].platform, BR_PLAT_IOS);
	br_policy_free(pol);
	br_catalog_free(cat);
}

/* Every shipped example names catalog services only. */
static void test_examples_catalog(void **state)
{
	static const char *const names[] = {
		"apns-port",	       "dns-facetime-nxdomain",
		"facetime-media",      "https-port",
		"quic-drop",	       "sni-courier-drop",
		"sni-courier-reset",   "sni-twimg-throttle",
		"sni-freeze-16k",      "udp-hoster-penalty",
	};
	struct br_catalog *cat = shipped_cat();
	struct br_policy *pol;
	struct br_diag d;
	char *path, *msgs;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_true(asprintf(&path, "policies/examples/%s.policy",
				     names[i]) > 0);
		br_diag_init(&d);
		assert_int_equal(br_policy_parse_file_cat(path, cat, &pol, &d),
				 0);
		msgs = diag_text(&d);
		assert_string_equal(msgs, "");
		free(msgs);
		br_diag_free(&d);
		br_policy_free(pol);
		free(path);
	}
	br_catalog_free(cat);
}

static void check_range_set(const struct br_set *s, const char *name,
			    uint16_t lo, uint16_t hi)
{
	assert_string_equal(s->name, name);
	assert_true(s->anonymous);
	assert_int_equal(s->type, BR_SET_PORT);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ports[0].lo, lo);
	assert_int_equal(s->ports[0].hi, hi);
}

/* "rule service facetime drop": FaceTime's own flows, not APNs' */
static void test_service_facetime(void **state)
{
	static const char *const texts[] = {
		"service facetime: udp daddr @apple dport 3478-3497 drop",
		"service facetime: udp daddr @apple dport 16384-16387 drop",
		"service facetime: udp daddr @apple dport 16393-16402 drop",
	};
	static const uint16_t ports[][2] = {
		{ 3478, 3497 }, { 16384, 16387 }, { 16393, 16402 },
	};
	static const char *const port_sets[] = {
		"facetime.media.dport",
		"facetime.media-16384.dport",
		"facetime.media-16393.dport",
	};
	struct br_catalog *cat = shipped_cat();
	const struct br_rule_ir *r;
	const struct br_set *apple;
	struct br_policy *pol;
	size_t i;

	(void)state;
	pol = parse_cat_ok("policy ft\ntarget facetime\n"
			   "rule service facetime drop\n"
			   "rule tcp dport 1 drop\n",
			   cat);
	assert_int_equal(pol->n_rules, 4);
	/* the catalog's set is copied once, anonymous: it is no policy set */
	assert_int_equal(pol->n_sets, 5);
	apple = &pol->sets[0];
	assert_string_equal(apple->name, "apple");
	assert_true(apple->anonymous);
	assert_int_equal(apple->type, BR_SET_ADDR);
	assert_int_equal(apple->n, 4);
	check_prefix(&apple->prefixes[0], "17.0.0.0", 8);
	check_prefix(&apple->prefixes[1], "2403:300::", 32);
	check_prefix(&apple->prefixes[2], "2620:149::", 32);
	check_prefix(&apple->prefixes[3], "2a01:b740::", 32);
	for (i = 0; i < 3; i++) {
		r = &pol->rules[i];
		assert_int_equal(r->pos.line, 3);
		assert_int_equal(r->pos.col, 1);
		assert_null(r->name);
		assert_string_equal(r->text, texts[i]);
		assert_int_equal(r->proto, BR_PROTO_UDP);
		assert_int_equal(r->saddr_set, BR_NO_SET);
		assert_int_equal(r->daddr_set, 0);
		assert_int_equal(r->sport_set, BR_NO_SET);
		check_range_set(&pol->sets[r->dport_set], port_sets[i],
				ports[i][0], ports[i][1]);
		assert_int_equal(r->ether_type, -1);
		assert_int_equal(r->l7, BR_L7_NONE);
		assert_int_equal(r->domain_set, BR_NO_SET);
		assert_int_equal(r->action, BR_ACT_DROP);
	}
	/* the next statement's inline set is still named by its number */
	assert_string_equal(pol->sets[pol->rules[3].dport_set].name,
			    "rule2.dport");
	br_policy_free(pol);
	br_catalog_free(cat);
}

/* "rule service apns reset": the numbered names, listed one by one */
static void test_service_apns(void **state)
{
	struct br_catalog *cat = shipped_cat();
	const struct br_rule_ir *r;
	const struct br_set *names;
	struct br_policy *pol;
	char want[64];
	size_t i, k;

	(void)state;
	pol = parse_cat_ok("policy p\nrule \"push\" service apns reset\n", cat);
	assert_int_equal(pol->n_rules, 2);
	for (i = 0; i < 2; i++) {
		r = &pol->rules[i];
		assert_string_equal(r->name, "push");
		assert_int_equal(r->proto, BR_PROTO_TCP);
		assert_int_equal(r->l7, BR_L7_TLS);
		assert_int_equal(r->daddr_set, BR_NO_SET);
		assert_int_equal(r->action, BR_ACT_RESET);
		check_range_set(&pol->sets[r->dport_set],
				i ? "apns.courier-443.dport"
				  : "apns.courier.dport",
				i ? 443 : 5223, i ? 443 : 5223);
		names = &pol->sets[r->domain_set];
		assert_true(names->anonymous);
		assert_int_equal(names->type, BR_SET_DOMAIN);
		assert_int_equal(names->n, 50);
		for (k = 0; k < names->n; k++) {
			snprintf(want, sizeof(want), "%zu-courier.push.apple.com",
				 k + 1);
			check_domain(&names->domains[k], want, EXACT);
		}
	}
	assert_string_equal(pol->rules[0].text,
			    "rule \"push\" service apns: tcp dport 5223 sni "
			    "%-courier.push.apple.com reset");
	assert_string_equal(pol->rules[1].text,
			    "rule \"push\" service apns: tcp dport 443 sni "
			    "%-courier.push.apple.com reset");
	br_policy_free(pol);
	br_catalog_free(cat);
}

/* Every kind of flow, merged by signature, under every action. */
static void test_service_kinds(void **state)
{
	static const char *const want_drop[] = {
		"service app: tcp dport 443 sni { api.example, cdn.example } drop",
		"service app: udp daddr @srv dport 443 quic drop",
		"service app: tcp daddr @app.raw.daddr dport 5222 drop",
		"service app: tcp daddr @app.bare.daddr dport 8443 drop",
		"service app: udp daddr @srv dport 3478-3497 drop",
		"service app: dns { look.example, %.look.example } drop",
	};
	static const enum br_action reset_as[] = {
		BR_ACT_RESET, BR_ACT_DROP,  BR_ACT_RESET,
		BR_ACT_RESET, BR_ACT_DROP,  BR_ACT_NXDOMAIN,
	};
	struct br_catalog *cat = small_cat();
	const struct br_rule_ir *r;
	const struct br_set *set;
	struct br_policy *pol;
	size_t i;

	(void)state;
	pol = parse_cat_ok("policy p\nsni-default drop\n"
			   "rule service app drop\nrule service app reset\n"
			   "rule service app throttle 1mbit burst 16KB\n"
			   "rule service app freeze after 16KB both\n",
			   cat);
	assert_int_equal(pol->n_rules, 6 + 6 + 5 + 5);
	for (i = 0; i < 6; i++) {
		assert_string_equal(pol->rules[i].text, want_drop[i]);
		assert_int_equal(pol->rules[i].action, BR_ACT_DROP);
		assert_int_equal(pol->rules[6 + i].action, reset_as[i]);
	}
	r = &pol->rules[0];
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->l7, BR_L7_TLS);
	set = &pol->sets[r->domain_set];
	assert_string_equal(set->name, "app.api.sni");
	assert_int_equal(set->n, 2);
	check_domain(&set->domains[0], "api.example", EXACT);
	check_domain(&set->domains[1], "cdn.example", EXACT);
	r = &pol->rules[1];
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->l7, BR_L7_QUIC);
	assert_int_equal(r->n_quic_versions, 0);
	assert_string_equal(pol->sets[r->daddr_set].name, "srv");
	assert_int_equal(pol->sets[r->daddr_set].n, 2);
	r = &pol->rules[3]; /* a TLS flow without sni: by address */
	assert_int_equal(r->proto, BR_PROTO_TCP);
	assert_int_equal(r->l7, BR_L7_NONE);
	check_range_set(&pol->sets[r->dport_set], "app.bare.dport", 8443,
			8443);
	r = &pol->rules[4];
	assert_int_equal(r->l7, BR_L7_NONE);
	check_range_set(&pol->sets[r->dport_set], "app.media.dport", 3478,
			3497);
	r = &pol->rules[5];
	assert_int_equal(r->proto, BR_PROTO_UDP);
	assert_int_equal(r->l7, BR_L7_DNS);
	assert_int_equal(r->dport_set, BR_NO_SET);
	set = &pol->sets[r->domain_set];
	assert_int_equal(set->n, 3);
	check_domain(&set->domains[0], "look.example", EXACT);
	check_domain(&set->domains[1], "1.look.example", EXACT);
	check_domain(&set->domains[2], "2.look.example", EXACT);
	assert_string_equal(pol->rules[11].text,
			    "service app: dns { look.example, %.look.example } "
			    "nxdomain");
	/* a lookup has no rate: no DNS rule under throttle */
	for (i = 12; i < 17; i++) {
		assert_int_equal(pol->rules[i].action, BR_ACT_THROTTLE);
		assert_int_equal(pol->rules[i].rate_bps, 1000000);
		assert_int_equal(pol->rules[i].burst_bytes, 16384);
		assert_int_not_equal(pol->rules[i].l7, BR_L7_DNS);
	}
	assert_string_equal(pol->rules[12].text,
			    "service app: tcp dport 443 sni { api.example, "
			    "cdn.example } throttle 1mbit burst 16KB");
	/* nor a transfer to freeze */
	for (i = 17; i < 22; i++) {
		assert_int_equal(pol->rules[i].action, BR_ACT_FREEZE);
		assert_int_equal(pol->rules[i].freeze_bytes, 16384);
		assert_int_equal(pol->rules[i].freeze_both, 1);
		assert_int_not_equal(pol->rules[i].l7, BR_L7_DNS);
		assert_int_equal(pol->rules[i].proto,
				 pol->rules[i - 17].proto);
	}
	assert_string_equal(pol->rules[17].text,
			    "service app: tcp dport 443 sni { api.example, "
			    "cdn.example } freeze after 16KB both");
	assert_string_equal(pol->rules[21].text,
			    "service app: udp daddr @srv dport 3478-3497 "
			    "freeze after 16KB both");
	/* one copy of each catalog set per policy */
	assert_int_equal(pol->rules[1].daddr_set, pol->rules[7].daddr_set);
	br_policy_free(pol);
	br_catalog_free(cat);
}

/*
 * "drop service facetime", the issue's words: the short form of "rule
 * service facetime drop", the same rules; and its errors.
 */
static void test_service_short(void **state)
{
	struct br_catalog *cat = shipped_cat();
	struct br_policy *a, *b;
	char *msgs;
	size_t i;

	(void)state;
	a = parse_cat_ok("policy ft\ntarget facetime\n"
			 "rule service facetime drop\n",
			 cat);
	b = parse_cat_ok("policy ft\ntarget facetime\ndrop service facetime\n",
			 cat);
	assert_int_equal(b->n_rules, a->n_rules);
	assert_int_equal(b->n_rules, 3);
	for (i = 0; i < a->n_rules; i++) {
		assert_string_equal(b->rules[i].text, a->rules[i].text);
		assert_int_equal(b->rules[i].action, BR_ACT_DROP);
		assert_int_equal(b->rules[i].pos.line, 3);
		assert_int_equal(b->rules[i].pos.col, 1);
		assert_int_equal(b->rules[i].dport_set, a->rules[i].dport_set);
	}
	br_policy_free(a);
	br_policy_free(b);
	b = parse_cat_ok("policy p\npass service imessage\n"
			 "reset service imessage\n",
			 cat);
	assert_int_equal(b->rules[0].action, BR_ACT_PASS);
	assert_int_equal(b->rules[b->n_rules - 1].action, BR_ACT_RESET);
	br_policy_free(b);

	msgs = parse_cat_bad("policy p\ndrop service facetim\ndrop facetime\n"
			     "reset service facetime now\n"
			     "pass service\n",
			     cat);
	assert_string_equal(msgs,
			    "t.policy:2:14: unknown service \"facetim\" (did you mean \"facetime\"?)\n"
			    "t.policy:3:6: expected \"service ID\" after \"drop\" (a rule is written \"rule MATCH... drop\")\n"
			    "t.policy:4:24: unexpected \"now\" after the service id\n"
			    "t.policy:5:13: expected service id, got end of line");
	free(msgs);
	br_catalog_free(cat);
}

static void test_service_errors(void **state)
{
	static const char text[] =
		"policy p\n"
		"rule service puhs drop\n"
		"rule service zzz drop\n"
		"rule service app tcp drop\n"
		"rule tcp service app drop\n"
		"rule service app nxdomain\n"
		"rule service app frob\n"
		"rule service app\n"
		"rule service app drop now\n"
		"rule service app throttle 1mbit\n"
		"rule service names throttle 1mbit burst 2KB\n"
		"rule service \"app\" drop\n"
		"rule service app freeze 16KB\n"
		"rule service names freeze after 1KB\n"
		"rule service app freeze after 0 both\n";
	struct br_catalog *cat = small_cat();
	char *msgs, *big;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	msgs = parse_cat_bad(text, cat);
	assert_string_equal(msgs,
			    "t.policy:2:14: unknown service \"puhs\" (did you mean \"push\"?)\n"
			    "t.policy:3:14: unknown service \"zzz\" (not in the service catalog)\n"
			    "t.policy:4:18: a service rule takes no other match: rule [\"name\"] service ID ACTION\n"
			    "t.policy:5:10: \"service\" takes no other match: rule [\"name\"] service ID ACTION\n"
			    "t.policy:6:18: nxdomain is not an action of service rules (expected pass, drop, reset, throttle, freeze or penalty)\n"
			    "t.policy:7:18: unknown action \"frob\" (expected pass, drop, reset, throttle, freeze or penalty)\n"
			    "t.policy:8:17: expected an action (pass, drop, reset, throttle, freeze or penalty), got end of line\n"
			    "t.policy:9:23: unexpected \"now\" after the action\n"
			    "t.policy:10:32: expected \"burst\" after the rate, got end of line\n"
			    "t.policy:11:1: service \"names\" has no flow a throttle rule can match\n"
			    "t.policy:12:14: expected service id, got string \"app\"\n"
			    "t.policy:13:25: expected \"after\" after \"freeze\", got \"16KB\"\n"
			    "t.policy:14:1: service \"names\" has no flow a freeze rule can match\n"
			    "t.policy:15:31: freeze size \"0\" is 0 bytes (at least 1)");
	free(msgs);
	/* no catalog: nothing to expand */
	msgs = parse_bad("policy p\nrule service app drop\n", 31);
	assert_string_equal(msgs, "t.policy:2:6: no service catalog: cannot "
				  "expand \"service app\"");
	free(msgs);

	/* expansions count against the 64 rules: 62 + 2 fit, 63 + 2 do not */
	for (i = 62; i <= 63; i++) {
		int k;

		f = open_memstream(&big, &len);
		fprintf(f, "policy p\n");
		for (k = 0; k < i; k++)
			fprintf(f, "rule tcp dport %d drop\n", 1000 + k);
		fprintf(f, "rule service push drop\nrule tcp dport 1 drop\n");
		fclose(f);
		msgs = parse_cat_bad(big, cat);
		/* 62: the rule after the service is the 65th */
		assert_string_equal(msgs,
				    i == 62 ? "t.policy:65:1: too many rules: at most 64 per policy"
					    : "t.policy:65:1: too many rules: at most 64 per policy (service \"push\" makes 2)");
		free(msgs);
		free(big);
	}
	f = open_memstream(&big, &len);
	fprintf(f, "policy p\n");
	for (i = 0; i < 62; i++)
		fprintf(f, "rule tcp dport %d drop\n", 1000 + i);
	fprintf(f, "rule service push drop\n");
	fclose(f);
	{
		struct br_policy *pol = parse_cat_ok(big, cat);

		assert_int_equal(pol->n_rules, 64);
		br_policy_free(pol);
	}
	free(big);
	br_catalog_free(cat);
}

/*
 * Text in strings is kept as is: UTF-8 of any length (up to 4 bytes),
 * and bytes of a legacy encoding that are not controls (0xA0-0xFF).
 */
static void test_string_bytes(void **state)
{
	static const char *const kept[] = {
		"\xd0\xa0\xd0\xba\xd0\x9d \xe2\x80\x94 \xe2\x82\xac "
		"\xf0\x9f\x93\xb1 \xc2\xa0",
		"caf\xe9 \xff\xfe \xc0\xaf", /* Latin-1, not UTF-8 */
	};
	struct br_policy *pol;
	char text[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(text, sizeof(text),
			 "policy \"%s\"\ndescription \"%s\"\n", kept[i],
			 kept[i]);
		pol = parse_ok(text);
		assert_string_equal(pol->name, kept[i]);
		assert_string_equal(pol->description, kept[i]);
		br_policy_free(pol);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(br_action_name(BR_ACT_PASS), "pass");
	assert_string_equal(br_action_name(BR_ACT_DROP), "drop");
	assert_string_equal(br_action_name(BR_ACT_NONE), "none");
	assert_string_equal(br_action_name(BR_ACT_RESET), "reset");
	assert_string_equal(br_action_name(BR_ACT_NXDOMAIN), "nxdomain");
	assert_string_equal(br_action_name(BR_ACT_SINKHOLE), "sinkhole");
	assert_string_equal(br_action_name(BR_ACT_THROTTLE), "throttle");
	assert_string_equal(br_action_name(BR_ACT_FREEZE), "freeze");
	assert_string_equal(br_proto_name(BR_PROTO_ANY), "any");
	assert_string_equal(br_proto_name(BR_PROTO_TCP), "tcp");
	assert_string_equal(br_proto_name(BR_PROTO_UDP), "udp");
	assert_string_equal(br_proto_name(BR_PROTO_ICMP), "icmp");
}

static void test_diag(void **state)
{
	struct br_pos at = { br_file_intern("x.policy"), 3, 7 };
	struct br_pos file = { br_file_intern("x.policy"), 0, 0 };
	struct br_diag d;
	char *text;

	(void)state;
	/* one string per name, whatever buffer the caller passed */
	assert_ptr_equal(br_file_intern("x.policy"), at.file);
	br_diag_init(&d);
	br_diag_error(&d, at, "bad %s %d", "thing", 42);
	br_diag_error(&d, file, "cannot read");
	assert_int_equal(d.n, 2);
	text = diag_text(&d);
	assert_string_equal(text,
			    "x.policy:3:7: bad thing 42\nx.policy: cannot read");
	free(text);
	br_diag_free(&d);
	assert_int_equal(d.n, 0);
}

/*
 * What reaches a terminal is printable: a file name from the command
 * line and a message quoting one are escaped; UTF-8 stays as it is.
 */
static const struct {
	const char *in, *want;
} printable_cases[] = {
	{ "apns-port.policy", "apns-port.policy" },
	{ "x\x1b[2J.policy", "x\\x1b[2J.policy" },		/* ESC */
	{ "a\tb\nc\x7f", "a\\x09b\\x0ac\\x7f" },	/* C0, DEL */
	{ "\xc2\x9b" "31m", "\\xc2\\x9b31m" },		/* C1 CSI */
	{ "\xd0\xa0\xd0\x9a\xd0\x9d \xe2\x80\x94 \xf0\x9f\x93\xb1",
	  "\xd0\xa0\xd0\x9a\xd0\x9d \xe2\x80\x94 \xf0\x9f\x93\xb1" }, /* UTF-8 */
	{ "\xff\xc3(\xe2\x80", "\\xff\\xc3(\\xe2\\x80" },	/* broken */
	{ "back\\slash \"q\"", "back\\slash \"q\"" },	/* as is */
};

static void test_diag_printable(void **state)
{
	char buf[BR_PRINTABLE_LEN(64)], *text;
	struct br_pos at = { br_file_intern("x\x1b]0;pwned\x07.policy"), 2, 9 };
	struct br_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(printable_cases) / sizeof(printable_cases[0]);
	     i++)
		assert_string_equal(br_printable(printable_cases[i].in, buf,
						 sizeof(buf)),
				    printable_cases[i].want);
	/* cut short, never inside an escape */
	assert_string_equal(br_printable("abc\x1b", buf, 6), "abc");
	assert_string_equal(br_printable("ab\x1b", buf, 7), "ab\\x1b");

	br_diag_init(&d);
	br_diag_error(&d, at, "cannot open \"%s\": %s", "\x1b[2J", "gone");
	text = diag_text(&d);
	assert_string_equal(text, "x\\x1b]0;pwned\\x07.policy:2:9: cannot "
				  "open \"\\x1b[2J\": gone");
	free(text);
	br_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_ir),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_max_rules),
		cmocka_unit_test(test_v6_tiers),
		cmocka_unit_test(test_l7_ir),
		cmocka_unit_test(test_qtypes),
		cmocka_unit_test(test_quic_versions),
		cmocka_unit_test(test_quic_sni),
		cmocka_unit_test(test_ja4_fingerprints),
		cmocka_unit_test(test_stun_types),
		cmocka_unit_test(test_throttle_units),
		cmocka_unit_test(test_freeze_forms),
		cmocka_unit_test(test_penalty_forms),
		cmocka_unit_test(test_domain_limits),
		cmocka_unit_test(test_bad_policies),
		cmocka_unit_test(test_unterminated_buffer),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_include_not_regular),
		cmocka_unit_test(test_buffer_cap),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_many_named_sets),
		cmocka_unit_test(test_large_set),
		cmocka_unit_test(test_include_domains),
		cmocka_unit_test(test_large_domain_set),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_examples_catalog),
		cmocka_unit_test(test_service_facetime),
		cmocka_unit_test(test_service_apns),
		cmocka_unit_test(test_service_kinds),
		cmocka_unit_test(test_service_short),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_string_bytes),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_diag_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
