/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy.c - the policy language (policies/README.md) into the policy IR.
 *
 * One function per statement. An error is reported at the offending token
 * and counted; a function returns -EINVAL only when the input position is
 * lost and the statement loop must skip to the next line. So one run lists
 * every error, and the IR is handed out only when there was none.
 *
 * The token handling, recovery, sets, set files and literal values are the
 * parsing core the other languages share (parser.h); with a catalog,
 * targets are checked against it and "rule service ID ACTION" expands to
 * the service's signature (service_rules.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lex.h"
#include "name_index.h"
#include "parser.h"
#include "policy.h"
#include "policy_parse.h"
#include "policy_record.h"
#include "quic.h"
#include "service_rules.h"
#include "textfile.h"

#define BR_THROTTLE_MIN_BURST 1514 /* one full Ethernet frame */
#define BR_ACTIONS \
	"pass, drop, reset, nxdomain, sinkhole, throttle, freeze or penalty"
/* what "rule service ID ACTION" takes */
#define BR_SERVICE_ACTIONS "pass, drop, reset, throttle, freeze or penalty"

/* Match dimensions of a rule, to find repeats and conflicts. */
enum dim {
	D_PROTO,
	D_SADDR,
	D_DADDR,
	D_SPORT,
	D_DPORT,
	D_ETHER,
	D_SNI, /* L7 matches: D_SNI .. D_STUN */
	D_ECH,
	D_JA4,
	D_DNS,
	D_QTYPE,
	D_QUIC,
	D_STUN,
	D_ACTION,
	D_COUNT,
};

static const char *const dim_kw[D_COUNT] = {
	[D_SNI] = "sni", [D_ECH] = "ech",   [D_JA4] = "ja4", [D_DNS] = "dns",
	[D_QTYPE] = "qtype", [D_QUIC] = "quic", [D_STUN] = "stun",
};

static const char *const stmt_keywords[] = {
	"policy",     "description", "target", "default",     "include",
	"set",	      "rule",	     "on-swap", "sni-default", "tls-default",
	"unreadable", "drop",	     "pass",	"reset",       "record",
};

/* ---- statements ------------------------------------------------------- */

static enum br_action action_of(const struct br_token *t)
{
	if (br_tok_is(t, "pass"))
		return BR_ACT_PASS;
	if (br_tok_is(t, "drop"))
		return BR_ACT_DROP;
	return BR_ACT_NONE;
}

/* A rule's action keyword, the ones with parameters included. */
static enum br_action rule_action_of(const struct br_token *t)
{
	enum br_action act = action_of(t);

	if (act != BR_ACT_NONE)
		return act;
	if (br_tok_is(t, "reset"))
		return BR_ACT_RESET;
	if (br_tok_is(t, "nxdomain"))
		return BR_ACT_NXDOMAIN;
	if (br_tok_is(t, "sinkhole"))
		return BR_ACT_SINKHOLE;
	if (br_tok_is(t, "throttle"))
		return BR_ACT_THROTTLE;
	if (br_tok_is(t, "freeze"))
		return BR_ACT_FREEZE;
	if (br_tok_is(t, "penalty"))
		return BR_ACT_PENALTY;
	return BR_ACT_NONE;
}

static int parse_policy(struct br_parser *ps, struct br_src *s, int first)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_pos pos = s->cur.pos;
	int err;

	br_parse_next(s);
	if (!first && !pp->policy_pos.line) {
		br_perr(ps, pos, "\"policy\" must be the first statement");
		return -EINVAL;
	}
	if (br_parse_once(ps, pos, "policy", &pp->policy_pos))
		return -EINVAL;
	err = br_parse_name(ps, s, "policy name", 1, &ps->pol->name,
			    &ps->pol->name_pos);
	if (err)
		return err;
	return br_parse_end_statement(ps, s);
}

static int parse_description(struct br_parser *ps, struct br_src *s)
{
	struct br_pos pos = s->cur.pos;

	br_parse_next(s);
	if (br_parse_once(ps, pos, "description",
			  &br_pol_of(ps)->description_pos))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted string");
	ps->pol->description = br_tok_string(&s->cur);
	if (!ps->pol->description)
		return -ENOMEM;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

static int parse_target(struct br_parser *ps, struct br_src *s)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_policy *pol = ps->pol;
	struct br_pos pos, *where;
	char **names, *name;
	size_t cap, i;
	int err;

	br_parse_next(s);
	for (;;) {
		err = br_parse_name(ps, s, "target name", 0, &name, &pos);
		if (err)
			return err;
		for (i = 0; i < pol->n_targets; i++) {
			if (!strcmp(pol->targets[i], name)) {
				br_perr(ps, pos,
					"target \"%s\" already given at " POSF,
					name, POSA(pol->target_pos[i]));
				free(name);
				return -EINVAL;
			}
		}
		if (pp->cat && br_parse_target_name(ps, name, pos) < 0) {
			free(name);
			goto next;
		}
		cap = pp->cap_targets;
		names = br_grow(pol->targets, &cap, pol->n_targets,
				sizeof(*names));
		if (names)
			pol->targets = names;
		where = br_grow(pol->target_pos, &pp->cap_targets,
				pol->n_targets, sizeof(*where));
		if (where)
			pol->target_pos = where;
		if (!names || !where) {
			free(name);
			return -ENOMEM;
		}
		pol->targets[pol->n_targets] = name;
		pol->target_pos[pol->n_targets++] = pos;
	next:
		if (s->cur.kind != BR_TOK_COMMA)
			break;
		br_parse_next(s);
	}
	if (!br_parse_at_eol(s))
		return br_parse_expected(ps, s, "\",\" or end of line");
	return br_parse_end_statement(ps, s);
}

/*
 * "KEYWORD ACTION": a statement given at most once (its position in
 * *seen) that names the action of what no rule decides: pass or drop, and
 * reset where with_reset. Stores it in *out.
 */
static int parse_action_statement(struct br_parser *ps, struct br_src *s,
				  const char *keyword, struct br_pos *seen,
				  int with_reset, enum br_action *out)
{
	const char *expect = with_reset ? "pass, drop or reset" : "pass or drop";
	struct br_pos pos = s->cur.pos;
	enum br_action act;
	char d[BR_PARSE_DESC_LEN];

	br_parse_next(s);
	if (br_parse_once(ps, pos, keyword, seen))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, expect);
	act = action_of(&s->cur);
	if (with_reset && br_tok_is(&s->cur, "reset"))
		act = BR_ACT_RESET;
	if (act == BR_ACT_NONE) {
		br_perr(ps, s->cur.pos, "unknown action %s (expected %s)",
			br_parse_desc(&s->cur, d), expect);
		return -EINVAL;
	}
	*out = act;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

static int parse_default(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "default",
				      &br_pol_of(ps)->default_pos, 0,
				      &ps->pol->default_action);
}

static int parse_on_swap(struct br_parser *ps, struct br_src *s)
{
	struct br_pos pos = s->cur.pos;
	char d[BR_PARSE_DESC_LEN];

	br_parse_next(s);
	if (br_parse_once(ps, pos, "on-swap", &br_pol_of(ps)->on_swap_pos))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "keep or flush");
	if (br_tok_is(&s->cur, "keep")) {
		ps->pol->on_swap_flush = 0;
	} else if (br_tok_is(&s->cur, "flush")) {
		ps->pol->on_swap_flush = 1;
	} else {
		br_perr(ps, s->cur.pos,
			"unknown on-swap mode %s (expected keep or flush)",
			br_parse_desc(&s->cur, d));
		return -EINVAL;
	}
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

static int parse_sni_default(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "sni-default",
				      &br_pol_of(ps)->sni_default_pos, 1,
				      &ps->pol->sni_default);
}

/*
 * "tls-default pass|drop|reset": what a TLS flow gets whose hello the
 * censor read, that an sni or ech rule awaited, when no rule decides it:
 * the default of TLS flows (a whitelist: "SYN passes, a hello naming
 * nothing approved is dropped").
 */
static int parse_tls_default(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "tls-default",
				      &br_pol_of(ps)->tls_default_pos, 1,
				      &ps->pol->tls_default);
}

/*
 * "unreadable pass|drop": what a packet gets when a rule ahead of the one
 * it matches needs a field the censor cannot read in it (ports behind an
 * IPv6 chain, an orphan fragment, an L7 fact cut by fragmentation).
 */
static int parse_unreadable(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "unreadable",
				      &br_pol_of(ps)->unreadable_pos, 0,
				      &ps->pol->unreadable);
}

static int parse_ether_type(struct br_parser *ps, struct br_src *s, int *out)
{
	const struct br_token *t = &s->cur;
	char d[BR_PARSE_DESC_LEN];
	uint32_t v;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "arp, lldp or a number");
	if (br_tok_is(t, "arp")) {
		v = 0x0806;
	} else if (br_tok_is(t, "lldp")) {
		v = 0x88cc;
	} else {
		err = br_parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown ether type %s (expected arp, lldp or "
				"a "
				"number)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (v > 0xffff) {
			br_perr(ps, t->pos,
				"ether type %.*s out of range (0-0xffff)",
				(int)t->len, t->start);
			return -EINVAL;
		}
	}
	/* IP and VLAN tags never reach this match: the parser eats them */
	switch (v) {
	case 0x0800:
	case 0x86dd:
		br_perr(ps, t->pos,
			"ether type 0x%04x is IPv%d: match IP with protocol "
			"and "
			"address matches",
			v, v == 0x0800 ? 4 : 6);
		return -EINVAL;
	case 0x8100:
	case 0x88a8:
		br_perr(ps, t->pos,
			"ether type 0x%04x is a VLAN tag: rules see the frame "
			"inside the tags",
			v);
		return -EINVAL;
	}
	*out = (int)v;
	br_parse_next(s);
	return 0;
}

/* ---- L7 matches and action parameters --------------------------------- */

/*
 * One value, or { V, V ... }, at cur: each handed to fn, which reports a
 * bad value and returns -EINVAL, marking *bad. what names a value, after
 * names the keyword before it, in messages.
 */
static int parse_values(struct br_parser *ps, struct br_src *s,
			const char *what, const char *after, br_elem_fn fn,
			void *arg, int *bad)
{
	struct br_pos open = s->cur.pos;
	char buf[96];
	unsigned int n;
	int err;

	if (s->cur.kind == BR_TOK_WORD) {
		err = fn(ps, &s->cur, arg);
		if (err == -ENOMEM)
			return err;
		if (err)
			*bad = 1;
		br_parse_next(s);
		return 0;
	}
	if (s->cur.kind != BR_TOK_LBRACE) {
		snprintf(buf, sizeof(buf), "%s or \"{\" after \"%s\"", what,
			 after);
		return br_parse_expected(ps, s, buf);
	}
	err = br_parse_braced(ps, s, what, fn, arg, &n, bad);
	if (err)
		return err;
	if (!n && !*bad) {
		br_perr(ps, open, "empty list");
		*bad = 1;
	}
	return 0;
}

/* The DNS types most worth naming (IANA "Resource Record (RR) TYPEs"). */
static const struct {
	const char *name;
	uint16_t type;
} qtype_names[] = {
	{ "A", 1 },	   { "NS", 2 },	     { "CNAME", 5 },   { "SOA", 6 },
	{ "PTR", 12 },	   { "MX", 15 },     { "TXT", 16 },    { "AAAA", 28 },
	{ "SRV", 33 },	   { "NAPTR", 35 },  { "DS", 43 },     { "RRSIG", 46 },
	{ "DNSKEY", 48 }, { "SVCB", 64 },   { "HTTPS", 65 },  { "ANY", 255 },
};

/* A list being filled: the first value past its room is reported once. */
struct value_list {
	struct br_rule_ir *r;
	int overflow;
};

static int add_qtype(struct br_parser *ps, const struct br_token *t, void *arg)
{
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	char d[BR_PARSE_DESC_LEN];
	uint32_t v = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(qtype_names) / sizeof(qtype_names[0]); i++) {
		if (t->len == strlen(qtype_names[i].name) &&
		    !strncasecmp(t->start, qtype_names[i].name, t->len)) {
			v = qtype_names[i].type;
			break;
		}
	}
	if (i == sizeof(qtype_names) / sizeof(qtype_names[0])) {
		err = br_parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE || (!err && v > 0xffff)) {
			br_perr(ps, t->pos,
				"query type %s out of range (0-65535)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown query type %s (expected A, NS, CNAME, "
				"SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, DS, "
				"RRSIG, DNSKEY, SVCB, HTTPS, ANY or a number)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
	}
	for (i = 0; i < r->n_qtypes; i++)
		if (r->qtypes[i] == v)
			return 0; /* a duplicate merges */
	if (r->n_qtypes == BR_MAX_QTYPES) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many query types: at most %d per rule",
				BR_MAX_QTYPES);
		return -EINVAL;
	}
	r->qtypes[r->n_qtypes++] = (uint16_t)v;
	return 0;
}

/* v1, v2, draft-NN or a number; only versions quic.h recognises. */
static int add_quic_version(struct br_parser *ps, const struct br_token *t,
			    void *arg)
{
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	char d[BR_PARSE_DESC_LEN];
	uint32_t v, n;
	size_t i;
	int err;

	if (br_tok_is(t, "v1")) {
		v = BR_QUIC_V1;
	} else if (br_tok_is(t, "v2")) {
		v = BR_QUIC_V2;
	} else if (t->len > 6 && !memcmp(t->start, "draft-", 6)) {
		err = br_parse_uint(t->start + 6, t->len - 6, 0, &n);
		if (err || n < 22 || n > 34) {
			br_perr(ps, t->pos,
				"unknown QUIC draft %s (draft-22 to draft-34)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		v = BR_QUIC_DRAFT(n);
	} else {
		err = br_parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown QUIC version %s (expected v1, v2, "
				"draft-NN or a number)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (!br_quic_version_family(v)) {
			br_perr(ps, t->pos,
				"QUIC version 0x%08x is not one the dataplane "
				"recognises (v1, v2, 0x709a50c4, draft-22 to "
				"draft-34): the rule could never match",
				v);
			return -EINVAL;
		}
	}
	for (i = 0; i < r->n_quic_versions; i++)
		if (r->quic_versions[i] == v)
			return 0;
	if (r->n_quic_versions == BR_MAX_QUIC_VERSIONS) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many QUIC versions: at most %d per rule",
				BR_MAX_QUIC_VERSIONS);
		return -EINVAL;
	}
	r->quic_versions[r->n_quic_versions++] = v;
	return 0;
}

/*
 * A STUN message type as written: a number (0x0001, 1) or a range LO-HI
 * of them, within the 14 bits a STUN message has for its type (RFC 5389
 * section 6: the two top bits are 0).
 */
static int stun_type_of(struct br_parser *ps, const struct br_token *t,
			const char *p, size_t n, uint32_t *out)
{
	char d[BR_PARSE_DESC_LEN];
	int err = br_parse_uint(p, n, 1, out);

	if (!err && *out < BR_STUN_TYPES)
		return 0;
	if (err == -EINVAL)
		br_perr(ps, t->pos,
			"bad STUN message type %s (expected a number such as "
			"0x0001, or a range such as 0x0800-0x0802)",
			br_parse_desc(t, d));
	else
		br_perr(ps, t->pos,
			"STUN message type %s out of range (0-0x3fff: the "
			"two top bits of a STUN message are 0)",
			br_parse_desc(t, d));
	return -EINVAL;
}

/* A JA4 fingerprint (parse_ja4.c); the same one twice merges. */
static int add_ja4(struct br_parser *ps, const struct br_token *t, void *arg)
{
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	struct br_ja4_pattern p;
	size_t i;

	if (br_parse_ja4(ps, t, &p))
		return -EINVAL;
	for (i = 0; i < r->n_ja4; i++)
		if (!memcmp(&r->ja4[i].key, &p.key, sizeof(p.key)) &&
		    !memcmp(&r->ja4[i].mask, &p.mask, sizeof(p.mask)))
			return 0;
	if (r->n_ja4 == BR_MAX_JA4) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many JA4 fingerprints: at most %d per "
				"rule", BR_MAX_JA4);
		return -EINVAL;
	}
	r->ja4[r->n_ja4++] = p;
	return 0;
}

static int add_stun_type(struct br_parser *ps, const struct br_token *t,
			 void *arg)
{
	const char *dash = memchr(t->start, '-', t->len);
	size_t llen = dash ? (size_t)(dash - t->start) : t->len;
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	char d[BR_PARSE_DESC_LEN];
	uint32_t lo, hi;
	size_t i;

	if (stun_type_of(ps, t, t->start, llen, &lo))
		return -EINVAL;
	hi = lo;
	if (dash && stun_type_of(ps, t, dash + 1, t->len - llen - 1, &hi))
		return -EINVAL;
	if (lo > hi) {
		br_perr(ps, t->pos,
			"STUN type range %s is reversed (did you mean "
			"0x%04x-0x%04x?)",
			br_parse_desc(t, d), hi, lo);
		return -EINVAL;
	}
	for (i = 0; i < r->n_stun_types; i++)
		if (r->stun_types[i].lo == lo && r->stun_types[i].hi == hi)
			return 0; /* a duplicate merges */
	if (r->n_stun_types == BR_MAX_STUN_TYPES) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many STUN types: at most %d types or "
				"ranges per rule",
				BR_MAX_STUN_TYPES);
		return -EINVAL;
	}
	r->stun_types[r->n_stun_types].lo = (uint16_t)lo;
	r->stun_types[r->n_stun_types++].hi = (uint16_t)hi;
	return 0;
}

/* sinkhole ADDR [ADDR]: one IPv4 and/or one IPv6 address. */
static int parse_sinkhole(struct br_parser *ps, struct br_src *s,
			  struct br_rule_ir *r)
{
	const struct br_token *t = &s->cur;
	struct br_prefix a;
	char d[BR_PARSE_DESC_LEN];
	int k;

	for (k = 0; k < 2; k++) {
		if (t->kind != BR_TOK_WORD) {
			if (k)
				return 0;
			return br_parse_expected(
				ps, s, "an address after \"sinkhole\"");
		}
		/* a second word that is no address: "after the action" */
		if (k && !memchr(t->start, ':', t->len) &&
		    !(t->start[0] >= '0' && t->start[0] <= '9'))
			return 0;
		if (memchr(t->start, '/', t->len)) {
			br_perr(ps, t->pos,
				"sinkhole takes an address, not a prefix: %s",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (br_parse_prefix(ps, t, &a))
			return -EINVAL;
		if ((a.family == 4 && r->has_sink4) ||
		    (a.family == 6 && r->has_sink6)) {
			br_perr(ps, t->pos,
				"sinkhole has two IPv%d addresses (at most one "
				"of "
				"each family)",
				a.family);
			return -EINVAL;
		}
		if (a.family == 4) {
			r->has_sink4 = 1;
			memcpy(r->sink4, a.addr, 4);
		} else {
			r->has_sink6 = 1;
			memcpy(r->sink6, a.addr, 16);
		}
		br_parse_next(s);
	}
	return 0;
}

/* throttle RATE burst SIZE */
static int parse_throttle(struct br_parser *ps, struct br_src *s,
			  struct br_rule_ir *r)
{
	char d[BR_PARSE_DESC_LEN];
	int bad = 0;

	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a rate after \"throttle\"");
	bad |= br_parse_rate(ps, &s->cur, &r->rate_bps) != 0;
	br_parse_next(s);
	if (!br_tok_is(&s->cur, "burst"))
		return br_parse_expected(ps, s, "\"burst\" after the rate");
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a size after \"burst\"");
	if (br_parse_size(ps, &s->cur, "burst", &r->burst_bytes)) {
		bad = 1;
	} else if (r->burst_bytes < BR_THROTTLE_MIN_BURST) {
		br_perr(ps, s->cur.pos,
			"burst %s is below one full frame (%d bytes): no "
			"packet could ever pass",
			br_parse_desc(&s->cur, d), BR_THROTTLE_MIN_BURST);
		bad = 1;
	}
	br_parse_next(s);
	return bad ? -EINVAL : 0;
}

/*
 * freeze after SIZE [from server | both]: the bytes a flow carries before
 * it freezes, from the server (the default) or both ways together.
 */
static int parse_freeze(struct br_parser *ps, struct br_src *s,
			struct br_rule_ir *r)
{
	char d[BR_PARSE_DESC_LEN];
	int bad = 0;

	if (!br_tok_is(&s->cur, "after"))
		return br_parse_expected(ps, s, "\"after\" after \"freeze\"");
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a size after \"after\"");
	if (br_parse_size(ps, &s->cur, "freeze size", &r->freeze_bytes)) {
		bad = 1;
	} else if (!r->freeze_bytes) {
		br_perr(ps, s->cur.pos, "freeze size %s is 0 bytes (at least 1)",
			br_parse_desc(&s->cur, d));
		bad = 1;
	}
	br_parse_next(s);
	if (br_tok_is(&s->cur, "both")) {
		r->freeze_both = 1;
		br_parse_next(s);
	} else if (br_tok_is(&s->cur, "from")) {
		br_parse_next(s);
		if (!br_tok_is(&s->cur, "server"))
			return br_parse_expected(
				ps, s,
				"\"server\" after \"from\" (or \"both\", "
				"without \"from\", for both ways)");
		br_parse_next(s);
	}
	return bad ? -EINVAL : 0;
}

/*
 * penalty DURATION [on subscriber | destination | pair]: how long the
 * scope stays in penalty, and which scope (the pair by default).
 */
static int parse_penalty(struct br_parser *ps, struct br_src *s,
			 struct br_rule_ir *r)
{
	static const struct {
		const char *kw;
		enum br_penalty_scope scope;
	} scopes[] = {
		{ "subscriber", BR_PENALTY_SUBSCRIBER },
		{ "destination", BR_PENALTY_DESTINATION },
		{ "pair", BR_PENALTY_PAIR },
	};
	char d[BR_PARSE_DESC_LEN];
	int bad = 0;
	size_t i;

	r->penalty_scope = BR_PENALTY_PAIR;
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s,
					 "a duration after \"penalty\", as in "
					 "\"10m\"");
	if (br_parse_duration(ps, &s->cur, "penalty duration",
			      BR_PENALTY_MAX_NS, &r->penalty_ns))
		bad = 1;
	br_parse_next(s);
	if (!br_tok_is(&s->cur, "on"))
		return bad ? -EINVAL : 0;
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s,
					 "a scope after \"on\" (subscriber, "
					 "destination or pair)");
	for (i = 0; i < ARRAY_SIZE(scopes); i++)
		if (br_tok_is(&s->cur, scopes[i].kw))
			break;
	if (i == ARRAY_SIZE(scopes)) {
		br_perr(ps, s->cur.pos,
			"unknown penalty scope %s (expected subscriber, "
			"destination or pair)",
			br_parse_desc(&s->cur, d));
		return -EINVAL;
	}
	r->penalty_scope = scopes[i].scope;
	br_parse_next(s);
	return bad ? -EINVAL : 0;
}

static const struct {
	const char *kw;
	enum dim dim;
	enum br_set_type type;
} operand_kws[] = {
	{ "saddr", D_SADDR, BR_SET_ADDR },
	{ "daddr", D_DADDR, BR_SET_ADDR },
	{ "sport", D_SPORT, BR_SET_PORT },
	{ "dport", D_DPORT, BR_SET_PORT },
};

static const struct {
	const char *kw;
	enum br_proto proto;
} proto_kws[] = {
#define BR_PROTO_KW(id, kw, v4, v6) { kw, BR_PROTO_##id },
	BR_RULE_PROTOS(BR_PROTO_KW)
#undef BR_PROTO_KW
};

static int *dim_set(struct br_rule_ir *r, enum dim dim)
{
	switch (dim) {
	case D_SADDR:
		return &r->saddr_set;
	case D_DADDR:
		return &r->daddr_set;
	case D_SPORT:
		return &r->sport_set;
	default:
		return &r->dport_set;
	}
}

/* The operand of an L7 match, cur just past its keyword. */
static int parse_l7(struct br_parser *ps, struct br_src *s,
		    struct br_rule_ir *r, enum dim dim, int *bad)
{
	struct value_list list = { .r = r };

	switch (dim) {
	case D_SNI:
		br_pol_of(ps)->sni_matches++;
		r->l7 = BR_L7_TLS;
		return br_parse_operand(ps, s, "sni", BR_SET_DOMAIN,
					&r->domain_set, bad);
	case D_ECH:
		br_pol_of(ps)->any_ech = 1;
		r->l7 = BR_L7_TLS;
		r->ech = 1;
		return 0;
	case D_JA4:
		br_pol_of(ps)->any_ja4 = 1;
		r->l7 = BR_L7_TLS;
		return parse_values(ps, s, "JA4 fingerprint", "ja4", add_ja4,
				    &list, bad);
	case D_DNS:
		r->l7 = BR_L7_DNS;
		return br_parse_operand(ps, s, "dns", BR_SET_DOMAIN,
					&r->domain_set, bad);
	case D_QTYPE:
		r->l7 = BR_L7_DNS;
		return parse_values(ps, s, "query type", "qtype", add_qtype,
				    &list, bad);
	case D_QUIC:
		r->l7 = BR_L7_QUIC;
		if (!br_tok_is(&s->cur, "version"))
			return 0;
		br_parse_next(s);
		return parse_values(ps, s, "QUIC version", "version",
				    add_quic_version, &list, bad);
	default:
		r->l7 = BR_L7_STUN;
		if (!br_tok_is(&s->cur, "type"))
			return 0;
		br_parse_next(s);
		return parse_values(ps, s, "STUN message type", "type",
				    add_stun_type, &list, bad);
	}
}

/* One match or the action, at cur. */
static int parse_match(struct br_parser *ps, struct br_src *s,
		       struct br_rule_ir *r, struct br_pos dims[D_COUNT],
		       int *bad)
{
	const struct br_token *t = &s->cur;
	const struct br_token *ahead;
	struct br_pos pos = t->pos;
	char d[BR_PARSE_DESC_LEN];
	enum br_action act;
	size_t i;

	if (t->kind == BR_TOK_COMMA) {
		br_perr(ps, pos,
			"unexpected \",\": list several values in { }");
		return -EINVAL;
	}
	if (t->kind != BR_TOK_WORD) {
		if (t->kind != BR_TOK_ERROR)
			br_perr(ps, pos, "unexpected %s", br_parse_desc(t, d));
		return -EINVAL;
	}

	for (i = 0; i < sizeof(proto_kws) / sizeof(proto_kws[0]); i++) {
		if (!br_tok_is(t, proto_kws[i].kw))
			continue;
		if (dims[D_PROTO].line) {
			br_perr(ps, pos, "protocol already given at " POSF,
				POSA(dims[D_PROTO]));
			return -EINVAL;
		}
		dims[D_PROTO] = pos;
		r->proto = proto_kws[i].proto;
		br_parse_next(s);
		return 0;
	}

	for (i = 0; i < sizeof(operand_kws) / sizeof(operand_kws[0]); i++) {
		if (!br_tok_is(t, operand_kws[i].kw))
			continue;
		if (dims[operand_kws[i].dim].line) {
			br_perr(ps, pos, "\"%s\" already given at " POSF,
				operand_kws[i].kw,
				POSA(dims[operand_kws[i].dim]));
			return -EINVAL;
		}
		dims[operand_kws[i].dim] = pos;
		br_parse_next(s);
		return br_parse_operand(ps, s, operand_kws[i].kw,
					operand_kws[i].type,
					dim_set(r, operand_kws[i].dim), bad);
	}

	if (br_tok_is(t, "ether")) {
		if (dims[D_ETHER].line) {
			br_perr(ps, pos,
				"\"ether type\" already given at " POSF,
				POSA(dims[D_ETHER]));
			return -EINVAL;
		}
		dims[D_ETHER] = pos;
		br_parse_next(s);
		if (!br_tok_is(&s->cur, "type"))
			return br_parse_expected(ps, s,
						 "\"type\" after \"ether\"");
		br_parse_next(s);
		return parse_ether_type(ps, s, &r->ether_type);
	}

	for (i = D_SNI; i <= D_STUN; i++) {
		if (!br_tok_is(t, dim_kw[i]))
			continue;
		if (dims[i].line) {
			br_perr(ps, pos, "\"%s\" already given at " POSF,
				dim_kw[i], POSA(dims[i]));
			return -EINVAL;
		}
		dims[i] = pos;
		br_parse_next(s);
		return parse_l7(ps, s, r, (enum dim)i, bad);
	}

	act = rule_action_of(t);
	if (act != BR_ACT_NONE) {
		r->action = act;
		dims[D_ACTION] = pos;
		br_parse_next(s);
		if (act == BR_ACT_SINKHOLE)
			return parse_sinkhole(ps, s, r);
		if (act == BR_ACT_THROTTLE)
			return parse_throttle(ps, s, r);
		if (act == BR_ACT_FREEZE)
			return parse_freeze(ps, s, r);
		if (act == BR_ACT_PENALTY)
			return parse_penalty(ps, s, r);
		return 0;
	}

	if (br_tok_is(t, "service")) {
		br_perr(ps, pos,
			"\"service\" takes no other match: rule [\"name\"] "
			"service ID ACTION");
		return -EINVAL;
	}

	/* the last word of a rule stands where the action goes */
	ahead = br_parse_peek(s);
	if (ahead->kind == BR_TOK_NEWLINE || ahead->kind == BR_TOK_EOF)
		br_perr(ps, pos, "unknown action %s (expected " BR_ACTIONS ")",
			br_parse_desc(t, d));
	else
		br_perr(ps, pos, "unknown match %s", br_parse_desc(t, d));
	return -EINVAL;
}

/* The rule's source, comments dropped and whitespace runs made one space. */
static char *collapse(const char *p, const char *end)
{
	char *out = malloc((size_t)(end - p) + 1);
	int space = 0;
	char *o = out;

	if (!out)
		return NULL;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			p++;
			continue;
		}
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (space && o > out)
			*o++ = ' ';
		space = 0;
		if (*p == '"') {
			*o++ = *p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					*o++ = *p++;
				*o++ = *p++;
			}
			if (p < end)
				*o++ = *p++;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static int pos_before(struct br_pos a, struct br_pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static enum br_l7 dim_l7(int dim)
{
	switch (dim) {
	case D_SNI:
	case D_ECH:
	case D_JA4:
		return BR_L7_TLS;
	case D_DNS:
	case D_QTYPE:
		return BR_L7_DNS;
	case D_QUIC:
		return BR_L7_QUIC;
	default:
		return BR_L7_STUN;
	}
}

/*
 * The L7 protocol of a match in a rule: "sni" in a rule with "quic" is the
 * name in the Initial's ClientHello (quic sni D), not TLS over TCP.
 */
static enum br_l7 rule_l7(int dim, int quic)
{
	return dim == D_SNI && quic ? BR_L7_QUIC : dim_l7(dim);
}

/*
 * One L7 protocol per rule, and the transport it implies: tcp for TLS,
 * udp for DNS, QUIC and STUN. A rule without a protocol gets that one.
 */
static int check_l7(struct br_parser *ps, struct br_rule_ir *r,
		    const struct br_pos dims[D_COUNT])
{
	int d, first = -1, other = -1, quic = !!dims[D_QUIC].line;
	enum br_proto want;

	for (d = D_SNI; d <= D_STUN; d++)
		if (dims[d].line &&
		    (first < 0 || pos_before(dims[d], dims[first])))
			first = d;
	if (first < 0)
		return 0;
	if (quic && dims[D_SNI].line)
		br_pol_of(ps)->quic_sni_matches++;
	for (d = D_SNI; d <= D_STUN; d++)
		if (dims[d].line &&
		    rule_l7(d, quic) != rule_l7(first, quic) &&
		    (other < 0 || pos_before(dims[d], dims[other])))
			other = d;
	if (other >= 0) {
		br_perr(ps, dims[other],
			"\"%s\" cannot be combined with \"%s\": one L7 "
			"protocol per rule",
			dim_kw[other], dim_kw[first]);
		return 1;
	}
	r->l7 = rule_l7(first, quic);
	want = r->l7 == BR_L7_TLS ? BR_PROTO_TCP : BR_PROTO_UDP;
	if (r->proto == BR_PROTO_ANY) {
		r->proto = want;
	} else if (r->proto != want) {
		br_perr(ps, dims[first], "\"%s\" needs protocol %s",
			dim_kw[first], br_proto_name(want));
		return 1;
	}
	return 0;
}

/* Actions that only make sense for some rules. */
static int check_action(struct br_parser *ps, const struct br_rule_ir *r,
			const struct br_pos dims[D_COUNT])
{
	switch (r->action) {
	case BR_ACT_RESET:
		if (r->proto == BR_PROTO_TCP)
			return 0;
		br_perr(ps, dims[D_ACTION], "reset needs a tcp rule");
		return 1;
	case BR_ACT_NXDOMAIN:
	case BR_ACT_SINKHOLE:
		if (r->l7 == BR_L7_DNS)
			return 0;
		br_perr(ps, dims[D_ACTION], "%s needs a dns or qtype rule",
			br_action_name(r->action));
		return 1;
	case BR_ACT_THROTTLE:
	case BR_ACT_FREEZE:
		if (r->proto == BR_PROTO_TCP || r->proto == BR_PROTO_UDP)
			return 0;
		br_perr(ps, dims[D_ACTION], "%s needs a tcp or udp rule",
			br_action_name(r->action));
		return 1;
	case BR_ACT_PENALTY:
		if (!dims[D_ETHER].line)
			return 0;
		br_perr(ps, dims[D_ACTION],
			"penalty needs an IP rule (its scope is an address), "
			"not \"ether type\"");
		return 1;
	default:
		return 0;
	}
}

/* Checks that need the whole rule; every error found is reported. */
static int check_rule(struct br_parser *ps, struct br_rule_ir *r,
		      const struct br_pos dims[D_COUNT])
{
	const struct br_set *sets = ps->pol->sets;
	unsigned int fs, fd;
	int d, bad = 0;

	if (dims[D_ETHER].line) {
		if (dims[D_PROTO].line || dims[D_SADDR].line ||
		    dims[D_DADDR].line || dims[D_SPORT].line ||
		    dims[D_DPORT].line) {
			br_perr(ps, dims[D_ETHER],
				"\"ether type\" cannot be combined with "
				"protocol, "
				"address or port matches");
			bad = 1;
		}
		for (d = D_SNI; d <= D_STUN && !bad; d++) {
			if (!dims[d].line)
				continue;
			br_perr(ps, dims[D_ETHER],
				"\"ether type\" cannot be combined with L7 "
				"matches (sni, ech, ja4, dns, qtype, quic, "
				"stun)");
			bad = 1;
		}
		return bad || check_action(ps, r, dims);
	}
	if (check_l7(ps, r, dims))
		return 1;
	if (r->proto != BR_PROTO_TCP && r->proto != BR_PROTO_UDP) {
		if (dims[D_SPORT].line) {
			br_perr(ps, dims[D_SPORT],
				"\"sport\" needs protocol tcp or udp");
			bad = 1;
		}
		if (dims[D_DPORT].line) {
			br_perr(ps, dims[D_DPORT],
				"\"dport\" needs protocol tcp or udp");
			bad = 1;
		}
	}
	if (r->saddr_set != BR_NO_SET && r->daddr_set != BR_NO_SET) {
		fs = br_parse_set_families(&sets[r->saddr_set]);
		fd = br_parse_set_families(&sets[r->daddr_set]);
		if ((fs == 1 && fd == 2) || (fs == 2 && fd == 1)) {
			br_perr(ps,
				pos_before(dims[D_SADDR], dims[D_DADDR])
					? dims[D_DADDR]
					: dims[D_SADDR],
				"rule can never match: saddr is IPv%d only, "
				"daddr "
				"is IPv%d only",
				fs == 1 ? 4 : 6, fd == 1 ? 4 : 6);
			bad = 1;
		}
	}
	return check_action(ps, r, dims) | bad;
}

/* Is t a keyword of parse_match (the action aside)? */
static int is_match_keyword(const struct br_token *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proto_kws); i++)
		if (br_tok_is(t, proto_kws[i].kw))
			return 1;
	for (i = 0; i < ARRAY_SIZE(operand_kws); i++)
		if (br_tok_is(t, operand_kws[i].kw))
			return 1;
	for (i = D_SNI; i <= D_STUN; i++)
		if (br_tok_is(t, dim_kw[i]))
			return 1;
	return br_tok_is(t, "ether");
}

/*
 * rule ["name"] service ID ACTION, cur at "service": the service's
 * signature as rules (expand_service). r holds the rule's position and
 * name, and is used up.
 */
static int parse_service_rule(struct br_parser *ps, struct br_src *s,
			      struct br_rule_ir *r)
{
	struct br_pos kw = s->cur.pos, id_pos;
	const char *act_start;
	char *id = NULL, *act_text = NULL;
	char d[BR_PARSE_DESC_LEN];
	int svc, err;

	br_parse_next(s);
	err = br_parse_name(ps, s, "service id", 0, &id, &id_pos);
	if (err)
		goto bad;
	if (!br_pol_of(ps)->cat) {
		br_perr(ps, kw,
			"no service catalog: cannot expand \"service %s\"", id);
		err = -EINVAL;
		goto bad;
	}
	svc = br_parse_service_id(ps, id, id_pos);
	if (svc < 0) {
		err = -EINVAL;
		goto bad;
	}
	if (s->cur.kind != BR_TOK_WORD) {
		err = br_parse_expected(ps, s,
					"an action (" BR_SERVICE_ACTIONS ")");
		goto bad;
	}
	r->action = rule_action_of(&s->cur);
	if (is_match_keyword(&s->cur)) {
		br_perr(ps, s->cur.pos,
			"a service rule takes no other match: rule [\"name\"] "
			"service ID ACTION");
		err = -EINVAL;
		goto bad;
	}
	if (r->action == BR_ACT_NONE || r->action == BR_ACT_NXDOMAIN ||
	    r->action == BR_ACT_SINKHOLE) {
		if (r->action == BR_ACT_NONE)
			br_perr(ps, s->cur.pos,
				"unknown action %s (expected " BR_SERVICE_ACTIONS
				")",
				br_parse_desc(&s->cur, d));
		else
			br_perr(ps, s->cur.pos,
				"%s is not an action of service rules "
				"(expected " BR_SERVICE_ACTIONS ")",
				br_action_name(r->action));
		err = -EINVAL;
		goto bad;
	}
	act_start = s->cur.start;
	br_parse_next(s);
	if (r->action == BR_ACT_THROTTLE)
		err = parse_throttle(ps, s, r);
	else if (r->action == BR_ACT_FREEZE)
		err = parse_freeze(ps, s, r);
	else if (r->action == BR_ACT_PENALTY)
		err = parse_penalty(ps, s, r);
	if (err)
		goto bad;
	if (!br_parse_at_eol(s)) {
		if (s->cur.kind != BR_TOK_ERROR)
			br_perr(ps, s->cur.pos,
				"unexpected %s after the action",
				br_parse_desc(&s->cur, d));
		err = -EINVAL;
		goto bad;
	}
	act_text = collapse(act_start, s->prev_end);
	err = act_text ? br_expand_service(ps, r, svc, act_text) : -ENOMEM;
	if (!err)
		err = br_parse_end_statement(ps, s);
	goto out;
bad:
	br_claim_rules(ps, 1, r->pos, NULL);
out:
	free(id);
	free(act_text);
	free(r->name);
	return err;
}

/*
 * drop|pass|reset service ID: the short form of "rule service ID ACTION",
 * as an analyst says it ("drop service facetime").
 */
static int parse_service_short(struct br_parser *ps, struct br_src *s)
{
	struct br_rule_ir r = {
		.pos = s->cur.pos,
		.saddr_set = BR_NO_SET,
		.daddr_set = BR_NO_SET,
		.sport_set = BR_NO_SET,
		.dport_set = BR_NO_SET,
		.ether_type = -1,
		.domain_set = BR_NO_SET,
	};
	struct br_pos kw, id_pos;
	char *id = NULL, *act_text;
	char d[BR_PARSE_DESC_LEN];
	int svc, err = -EINVAL;

	ps->rule_stmts++;
	r.action = rule_action_of(&s->cur);
	act_text = strndup(s->cur.start, s->cur.len);
	if (!act_text)
		return -ENOMEM;
	br_parse_next(s);
	if (!br_tok_is(&s->cur, "service")) {
		br_perr(ps, s->cur.pos,
			"expected \"service ID\" after \"%s\" (a rule is "
			"written \"rule MATCH... %s\")",
			act_text, act_text);
		goto bad;
	}
	kw = s->cur.pos;
	br_parse_next(s);
	err = br_parse_name(ps, s, "service id", 0, &id, &id_pos);
	if (err)
		goto bad;
	err = -EINVAL;
	if (!br_pol_of(ps)->cat) {
		br_perr(ps, kw,
			"no service catalog: cannot expand \"service %s\"", id);
		goto bad;
	}
	svc = br_parse_service_id(ps, id, id_pos);
	if (svc < 0)
		goto bad;
	if (!br_parse_at_eol(s)) {
		if (s->cur.kind != BR_TOK_ERROR)
			br_perr(ps, s->cur.pos,
				"unexpected %s after the service id",
				br_parse_desc(&s->cur, d));
		goto bad;
	}
	err = br_expand_service(ps, &r, svc, act_text);
	if (!err)
		err = br_parse_end_statement(ps, s);
	goto out;
bad:
	br_claim_rules(ps, 1, r.pos, NULL);
out:
	free(id);
	free(act_text);
	return err;
}

static int parse_rule(struct br_parser *ps, struct br_src *s)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_rule_ir r = {
		.pos = s->cur.pos,
		.saddr_set = BR_NO_SET,
		.daddr_set = BR_NO_SET,
		.sport_set = BR_NO_SET,
		.dport_set = BR_NO_SET,
		.ether_type = -1,
		.domain_set = BR_NO_SET,
		.action = BR_ACT_NONE,
	};
	struct br_pos dims[D_COUNT] = { { 0 } };
	const char *start = s->cur.start;
	struct br_policy *pol = ps->pol;
	struct br_rule_ir *rules;
	char d[BR_PARSE_DESC_LEN];
	int err, bad = 0;

	ps->rule_stmts++;
	br_parse_next(s);
	if (s->cur.kind == BR_TOK_STRING) {
		if (s->cur.len == 2) {
			br_perr(ps, s->cur.pos, "empty name");
			br_claim_rules(ps, 1, r.pos, NULL);
			return -EINVAL;
		}
		r.name = br_tok_string(&s->cur);
		if (!r.name)
			return -ENOMEM;
		br_parse_next(s);
	}
	if (br_tok_is(&s->cur, "service"))
		return parse_service_rule(ps, s, &r);
	br_claim_rules(ps, 1, r.pos, NULL);

	while (!br_parse_at_eol(s)) {
		if (r.action != BR_ACT_NONE) {
			if (s->cur.kind != BR_TOK_ERROR)
				br_perr(ps, s->cur.pos,
					"unexpected %s after the action",
					br_parse_desc(&s->cur, d));
			err = -EINVAL;
			goto out;
		}
		err = parse_match(ps, s, &r, dims, &bad);
		if (err)
			goto out;
	}
	if (r.action == BR_ACT_NONE) {
		br_perr(ps, s->prev_end_pos,
			"missing action at end of rule (expected " BR_ACTIONS
			")");
		bad = 1;
	} else if (!bad) {
		bad = check_rule(ps, &r, dims);
	}
	if (bad || pp->rule_slots > BR_MAX_RULES) {
		err = br_parse_end_statement(ps, s);
		goto out;
	}

	r.text = collapse(start, s->prev_end);
	rules = br_grow(pol->rules, &pp->cap_rules, pol->n_rules, sizeof(r));
	if (rules)
		pol->rules = rules;
	if (!r.text || !rules) {
		err = -ENOMEM;
		goto out;
	}
	pol->rules[pol->n_rules++] = r;
	return br_parse_end_statement(ps, s);
out:
	free(r.name);
	free(r.text);
	return err;
}

static int parse_statement(struct br_parser *ps, struct br_src *s)
{
	const struct br_token *t = &s->cur;
	int first;
	char d[BR_PARSE_DESC_LEN];

	first = ++br_pol_of(ps)->statements == 1;
	/* a typo in the first keyword is reported as just that */
	if (first && br_parse_is_keyword(ps, t) && !br_tok_is(t, "policy"))
		br_perr(ps, t->pos,
			"expected \"policy NAME\" as the first statement");

	if (br_tok_is(t, "policy"))
		return parse_policy(ps, s, first);
	if (br_tok_is(t, "description"))
		return parse_description(ps, s);
	if (br_tok_is(t, "target"))
		return parse_target(ps, s);
	if (br_tok_is(t, "default"))
		return parse_default(ps, s);
	if (br_tok_is(t, "include"))
		return br_parse_include(ps, s);
	if (br_tok_is(t, "set"))
		return br_parse_set_stmt(ps, s);
	if (br_tok_is(t, "rule"))
		return parse_rule(ps, s);
	if (br_tok_is(t, "on-swap"))
		return parse_on_swap(ps, s);
	if (br_tok_is(t, "sni-default"))
		return parse_sni_default(ps, s);
	if (br_tok_is(t, "tls-default"))
		return parse_tls_default(ps, s);
	if (br_tok_is(t, "unreadable"))
		return parse_unreadable(ps, s);
	if (br_tok_is(t, "record"))
		return br_parse_record(ps, s);
	if (br_tok_is(t, "drop") || br_tok_is(t, "pass") ||
	    br_tok_is(t, "reset"))
		return parse_service_short(ps, s);
	br_perr(ps, t->pos, "unknown statement %s", br_parse_desc(t, d));
	return -EINVAL;
}

/* ---- whole policy ----------------------------------------------------- */

/* Named sets first, in order of declaration, as policy.h promises. */
static int order_sets(struct br_policy *pol)
{
	struct br_set *sets;
	size_t i, k = 0;
	int pass, *map;

	sets = malloc(pol->n_sets * sizeof(*sets) + 1);
	map = malloc(pol->n_sets * sizeof(*map) + 1);
	if (!sets || !map) {
		free(sets);
		free(map);
		return -ENOMEM;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < pol->n_sets; i++) {
			if (pol->sets[i].anonymous != pass)
				continue;
			map[i] = (int)k;
			sets[k++] = pol->sets[i];
		}
	}
	for (i = 0; i < pol->n_rules; i++) {
		struct br_rule_ir *r = &pol->rules[i];

		if (r->saddr_set != BR_NO_SET)
			r->saddr_set = map[r->saddr_set];
		if (r->daddr_set != BR_NO_SET)
			r->daddr_set = map[r->daddr_set];
		if (r->sport_set != BR_NO_SET)
			r->sport_set = map[r->sport_set];
		if (r->dport_set != BR_NO_SET)
			r->dport_set = map[r->dport_set];
		if (r->domain_set != BR_NO_SET)
			r->domain_set = map[r->domain_set];
	}
	free(pol->sets);
	free(map);
	pol->sets = sets;
	return 0;
}

/*
 * The dataplane probes one IPv6 hash tier per distinct prefix length, and
 * has room for BR_V6_MAX_TIERS. Only sets some rule uses reach the maps.
 */
static int check_v6_tiers(struct br_parser *ps)
{
	const struct br_policy *pol = ps->pol;
	unsigned char seen[129] = { 0 };
	unsigned int tiers = 0;
	unsigned char *used;
	const struct br_set *set;
	size_t i, j;

	used = calloc(pol->n_sets + 1, 1);
	if (!used)
		return -ENOMEM;
	for (i = 0; i < pol->n_rules; i++) {
		if (pol->rules[i].saddr_set != BR_NO_SET)
			used[pol->rules[i].saddr_set] = 1;
		if (pol->rules[i].daddr_set != BR_NO_SET)
			used[pol->rules[i].daddr_set] = 1;
	}
	for (i = 0; i < pol->n_sets; i++) {
		set = &pol->sets[i];
		if (!used[i] || set->type != BR_SET_ADDR)
			continue;
		for (j = 0; j < set->n; j++) {
			if (set->prefixes[j].family != 6 ||
			    seen[set->prefixes[j].len])
				continue;
			seen[set->prefixes[j].len] = 1;
			if (++tiers > BR_V6_MAX_TIERS) {
				br_perr(ps, set->pos,
					"too many IPv6 prefix lengths: /%u "
					"makes "
					"%u, at most %d per policy",
					set->prefixes[j].len, tiers,
					BR_V6_MAX_TIERS);
				goto out;
			}
		}
	}
out:
	free(used);
	return 0;
}

static int parse_policy_text(const char *file, const char *text, size_t len,
			     const struct stat *st,
			     const struct br_catalog *cat,
			     struct br_policy **out, struct br_diag *diag)
{
	struct br_pol_parser pp = {
		.ps = {
			.diag = diag,
			.keywords = stmt_keywords,
			.n_keywords = ARRAY_SIZE(stmt_keywords),
			.statement = parse_statement,
			.priv = &pp,
		},
		.cat = cat,
	};
	struct br_parser *ps = &pp.ps;
	struct br_src s;
	int err, tls_sni;

	*out = NULL;
	err = br_text_check_len(file, len, diag);
	if (err)
		return err;
	ps->pol = calloc(1, sizeof(*ps->pol));
	if (!ps->pol)
		return -ENOMEM;
	ps->pol->default_action = BR_ACT_PASS;
	ps->pol->file = strdup(file);
	if (!ps->pol->file) {
		err = -ENOMEM;
		goto out;
	}

	br_src_init(&s, ps, br_file_intern(file), text, len, st);
	s.lx.percent = 1; /* a record's range: "10%..35%" */
	err = br_parse_source(ps, &s);
	if (err)
		goto out;
	if (!pp.statements) {
		struct br_pos top = { .file = s.name, .line = 1, .col = 1 };

		br_perr(ps, top,
			"expected \"policy NAME\" as the first statement");
	}
	tls_sni = pp.sni_matches > pp.quic_sni_matches;
	if (ps->pol->sni_default != BR_ACT_NONE && !tls_sni)
		br_perr(ps, pp.sni_default_pos,
			"sni-default without any sni rule%s",
			pp.quic_sni_matches
				? " over TLS (for quic sni rules, "
				  "\"unreadable\" decides an Initial that "
				  "cannot be read)"
				: "");
	if (ps->pol->tls_default != BR_ACT_NONE && !tls_sni &&
	    !pp.any_ech && !pp.any_ja4)
		br_perr(ps, pp.tls_default_pos,
			"tls-default without any sni, ech or ja4 rule%s",
			pp.quic_sni_matches
				? " over TLS (a quic sni rule's flow "
				  "that no rule decides gets \"default\")"
				: "");
	br_check_records(ps);
	if (!ps->errors)
		err = order_sets(ps->pol);
	if (!err && !ps->errors)
		err = check_v6_tiers(ps);
	if (!err && ps->errors)
		err = -EINVAL;
out:
	free(ps->set_cap);
	free(pp.cat_copy);
	br_name_index_free(&ps->set_names);
	if (err) {
		br_policy_free(ps->pol);
		return err;
	}
	*out = ps->pol;
	return 0;
}

int br_policy_parse_buffer_cat(const char *file, const char *text, size_t len,
			       const struct br_catalog *cat,
			       struct br_policy **out, struct br_diag *diag)
{
	struct stat st;

	if (!file)
		file = "<buffer>";
	/* the buffer may be a file's text: an include of it is a cycle */
	return parse_policy_text(file, text, len, stat(file, &st) ? NULL : &st,
				 cat, out, diag);
}

int br_policy_parse_buffer(const char *file, const char *text, size_t len,
			   struct br_policy **out, struct br_diag *diag)
{
	return br_policy_parse_buffer_cat(file, text, len, NULL, out, diag);
}

int br_policy_parse_file(const char *path, struct br_policy **out,
			 struct br_diag *diag)
{
	return br_policy_parse_file_cat(path, NULL, out, diag);
}

int br_policy_parse_file_cat(const char *path, const struct br_catalog *cat,
			     struct br_policy **out, struct br_diag *diag)
{
	char *buf;
	struct stat st;
	size_t len;
	int err;

	*out = NULL;
	err = br_load_file(path, diag, &buf, &len, &st);
	if (!err)
		err = parse_policy_text(path, buf, len, &st, cat, out, diag);
	free(buf);
	return err;
}
