/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * compile.c - policy IR to map images for one generation slot.
 *
 * Every match dimension becomes a table of rule bitmaps (bit i = rule i),
 * as bpf/abi.h lays them out: protocol, source and destination port,
 * ethertype, and address classes. An address class is the pair of bitmaps
 * (source, destination) an address earns from the sets that contain it;
 * the IPv4 directory and lines and the IPv6 filter and table map an
 * address to its class. Class 0 is the address in no referenced set.
 *
 * The fixed-size images live in mmapped map memory: they are built in user
 * memory where building needs random access, and written once, front to
 * back. The IPv4 and IPv6 lines are sized to the policy: the compiler
 * returns them in user memory, and the dataplane makes maps of exactly
 * that size.
 *
 * L7 rules add per-rule masks in the header (which survivors of the L3/L4
 * AND still need a ClientHello, a DNS query, a QUIC Initial or a STUN
 * message), a bitmap per DNS query type and per STUN message type, a
 * small table of QUIC versions, and the domain image:
 * one (key, exact rules, below rules) entry per distinct br_domain_hash()
 * of a domain-set entry, which the dataplane loads into a hash map.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile.h"
#include "domain.h"

#define BR_RULE_BIT(i) ((br_rules_t)1 << (i))

/* A set that some IP rule matches addresses against, and the bits it adds. */
struct addr_ref {
	int set;	      /* index into br_policy.sets */
	struct br_class bits; /* rules whose saddr/daddr is this set */
};

/* Interned (src, dst) bitmap pairs; the id of a pair is its class. */
struct class_table {
	struct br_class *pairs; /* by class id */
	__u32 n;
	__u32 pairs_cap;
	__u32 *slots; /* class id + 1; 0 is empty */
	__u32 slot_mask;
	__u32 last_id; /* addresses come in runs of one class */
};

struct compiler {
	const struct br_policy *pol;
	struct br_slot_view *view;
	struct br_diag *diag;
	struct br_compile_stats stats;
	struct br_class base; /* class 0: rules without an address match */
	struct addr_ref refs[2 * BR_MAX_RULES];
	unsigned int n_refs;
	struct class_table classes;
	int class_overflow_set; /* set whose prefix made one class too many */
};

/* Capacity errors point at the declaration of the set that overflowed. */
static struct br_pos set_pos(const struct compiler *c, int set)
{
	return set >= 0 ? c->pol->sets[set].pos : c->pol->name_pos;
}

static void __attribute__((format(printf, 3, 4)))
too_large(struct compiler *c, struct br_pos pos, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	if (!c->diag)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	br_diag_error(c->diag, pos, "policy too large for its map: %s", what);
}

static inline int same_class(struct br_class a, struct br_class b)
{
	return a.src == b.src && a.dst == b.dst;
}

static inline struct br_class class_or(struct br_class a, struct br_class b)
{
	return (struct br_class){ .src = a.src | b.src, .dst = a.dst | b.dst };
}

/* ---- class interning ------------------------------------------------ */

/*
 * Tables below index by the low bits of a hash of keys whose entropy often
 * sits in a few high bits (rule bitmaps, IPv6 prefixes): mix fully.
 */
static inline __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline __u64 class_hash(struct br_class bits)
{
	return mix64(bits.src ^ mix64(bits.dst ^ 0x9e3779b97f4a7c15ULL));
}

static int class_table_grow(struct class_table *t)
{
	__u32 size = t->slots ? 2 * (t->slot_mask + 1) : 1024;
	__u32 *slots = calloc(size, sizeof(*slots));
	__u32 id;

	if (!slots)
		return -ENOMEM;
	for (id = 0; id < t->n; id++) {
		__u32 pos = class_hash(t->pairs[id]) & (size - 1);

		while (slots[pos])
			pos = (pos + 1) & (size - 1);
		slots[pos] = id + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->slot_mask = size - 1;
	return 0;
}

/*
 * The class id of bits, a new one on first sight. Ids count up from 0 in
 * order of first sight, so the numbering follows the (deterministic) order
 * of the sweep. Past BR_MAX_CLASSES interning goes on, only to count.
 */
static int class_intern(struct compiler *c, struct br_class bits, int set,
			__u32 *id)
{
	struct class_table *t = &c->classes;
	__u32 pos, slot;
	int err;

	if (t->n && same_class(t->pairs[t->last_id], bits)) {
		*id = t->last_id;
		return 0;
	}
	pos = class_hash(bits) & t->slot_mask;
	while ((slot = t->slots[pos])) {
		if (same_class(t->pairs[slot - 1], bits)) {
			*id = t->last_id = slot - 1;
			return 0;
		}
		pos = (pos + 1) & t->slot_mask;
	}
	if (2 * (t->n + 1) > t->slot_mask + 1) {
		err = class_table_grow(t);
		if (err)
			return err;
		pos = class_hash(bits) & t->slot_mask;
		while (t->slots[pos])
			pos = (pos + 1) & t->slot_mask;
	}
	if (t->n == t->pairs_cap) {
		__u32 cap = t->pairs_cap ? 2 * t->pairs_cap : 1024;
		struct br_class *pairs =
			realloc(t->pairs, cap * sizeof(*pairs));

		if (!pairs)
			return -ENOMEM;
		t->pairs = pairs;
		t->pairs_cap = cap;
	}
	t->pairs[t->n] = bits;
	t->slots[pos] = t->n + 1;
	*id = t->last_id = t->n++;
	if (t->n == BR_MAX_CLASSES + 1)
		c->class_overflow_set = set;
	return 0;
}

/* ---- rules, protocols, ports, ethertypes ---------------------------- */

static int check_set(struct compiler *c, const struct br_rule_ir *rule, int set,
		     enum br_set_type type)
{
	static const char *const names[] = {
		[BR_SET_ADDR] = "an address set",
		[BR_SET_PORT] = "a port set",
		[BR_SET_DOMAIN] = "a domain set",
	};

	if (set == BR_NO_SET)
		return 0;
	if (set < 0 || (size_t)set >= c->pol->n_sets ||
	    c->pol->sets[set].type != type) {
		if (c->diag)
			br_diag_error(c->diag, rule->pos,
				      "rule refers to set %d, which is not %s",
				      set, names[type]);
		return -EINVAL;
	}
	return 0;
}

/*
 * Only sni (TLS or QUIC) and dns rules have a domain set: domain_set means
 * nothing else.
 */
static int domain_set_of(const struct br_rule_ir *rule)
{
	if (rule->l7 != BR_L7_TLS && rule->l7 != BR_L7_DNS &&
	    rule->l7 != BR_L7_QUIC)
		return BR_NO_SET;
	return rule->domain_set;
}

static int is_ip_rule(const struct br_rule_ir *rule)
{
	return rule->ether_type < 0;
}

static int stun_types_ok(const struct br_rule_ir *rule)
{
	size_t k;

	for (k = 0; k < rule->n_stun_types && k < BR_MAX_STUN_TYPES; k++)
		if (rule->stun_types[k].lo > rule->stun_types[k].hi ||
		    rule->stun_types[k].hi >= BR_STUN_TYPES)
			return 0;
	return 1;
}

/* What the parser guarantees, for IR built by other means (tests). */
static int check_l7_rule(struct compiler *c, const struct br_rule_ir *rule)
{
	const char *what = NULL;

	if (rule->n_qtypes > BR_MAX_QTYPES ||
	    (rule->n_qtypes && rule->l7 != BR_L7_DNS))
		what = "bad query types";
	else if (rule->n_quic_versions > BR_MAX_QUIC_VERSIONS ||
		 (rule->n_quic_versions && rule->l7 != BR_L7_QUIC))
		what = "bad QUIC versions";
	else if (rule->n_stun_types > BR_MAX_STUN_TYPES ||
		 (rule->n_stun_types && rule->l7 != BR_L7_STUN) ||
		 !stun_types_ok(rule))
		what = "bad STUN types";
	else if (rule->n_ja4 > BR_MAX_JA4 ||
		 (rule->n_ja4 && rule->l7 != BR_L7_TLS))
		what = "bad JA4 fingerprints";
	else if (rule->action == BR_ACT_THROTTLE && !rule->rate_bps)
		what = "throttle at rate 0";
	else if (rule->action == BR_ACT_FREEZE && !rule->freeze_bytes)
		what = "freeze after 0 bytes";
	else if (rule->action == BR_ACT_PENALTY &&
		 (!rule->penalty_ns || rule->penalty_ns > BR_PENALTY_MAX_NS))
		what = "a penalty of 0 or more than 24h";
	else if (rule->action == BR_ACT_PENALTY &&
		 (rule->penalty_scope < BR_PENALTY_SUBSCRIBER ||
		  rule->penalty_scope > BR_PENALTY_PAIR))
		what = "a bad penalty scope";
	else if (rule->action == BR_ACT_PENALTY && !is_ip_rule(rule))
		what = "a penalty on non-IP frames";
	if (!what)
		return 0;
	if (c->diag)
		br_diag_error(c->diag, rule->pos, "rule has %s", what);
	return -EINVAL;
}

static int check_rules(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	size_t i;
	int err;

	if (pol->n_rules > BR_MAX_RULES) {
		too_large(c, pol->rules[BR_MAX_RULES].pos,
			  "%zu rules, at most %d", pol->n_rules, BR_MAX_RULES);
		return -E2BIG;
	}
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		if ((err = check_set(c, rule, rule->saddr_set, BR_SET_ADDR)) ||
		    (err = check_set(c, rule, rule->daddr_set, BR_SET_ADDR)) ||
		    (err = check_set(c, rule, rule->sport_set, BR_SET_PORT)) ||
		    (err = check_set(c, rule, rule->dport_set, BR_SET_PORT)) ||
		    (err = check_set(c, rule, domain_set_of(rule),
				     BR_SET_DOMAIN)) ||
		    (err = check_l7_rule(c, rule)))
			return err;
		if (rule->ether_type > 0xffff) {
			if (c->diag)
				br_diag_error(c->diag, rule->pos,
					      "ethertype %d out of range",
					      rule->ether_type);
			return -EINVAL;
		}
	}
	return 0;
}

static struct addr_ref *ref_of(struct compiler *c, int set)
{
	unsigned int i;

	for (i = 0; i < c->n_refs; i++)
		if (c->refs[i].set == set)
			return &c->refs[i];
	c->refs[c->n_refs] = (struct addr_ref){ .set = set };
	return &c->refs[c->n_refs++];
}

/*
 * Class 0 holds the IP rules without an address match of a direction;
 * every referenced set adds the rules that match against it.
 */
static void collect_addr_refs(struct compiler *c)
{
	size_t i;

	for (i = 0; i < c->pol->n_rules; i++) {
		const struct br_rule_ir *rule = &c->pol->rules[i];

		if (!is_ip_rule(rule))
			continue;
		if (rule->saddr_set == BR_NO_SET)
			c->base.src |= BR_RULE_BIT(i);
		else
			ref_of(c, rule->saddr_set)->bits.src |= BR_RULE_BIT(i);
		if (rule->daddr_set == BR_NO_SET)
			c->base.dst |= BR_RULE_BIT(i);
		else
			ref_of(c, rule->daddr_set)->bits.dst |= BR_RULE_BIT(i);
	}
}

/* The action and its parameters. */
static void compile_rule_params(const struct br_rule_ir *rule,
				struct br_rule *out)
{
	*out = (struct br_rule){ .action = rule->action };
	if (rule->action == BR_ACT_THROTTLE) {
		out->burst = rule->burst_bytes;
		/* 1e12 ps per second over rate / 8 bytes per second */
		out->ps_per_byte = (8000000000000ULL + rule->rate_bps / 2) /
				   rule->rate_bps;
	}
	if (rule->action == BR_ACT_FREEZE) {
		out->freeze_after = rule->freeze_bytes;
		if (rule->freeze_both)
			out->flags |= BR_RULE_F_FREEZE_BOTH;
	}
	if (rule->action == BR_ACT_PENALTY) {
		out->penalty_ns = rule->penalty_ns;
		out->penalty_scope = rule->penalty_scope;
	}
	if (rule->action == BR_ACT_SINKHOLE) {
		if (rule->has_sink4) {
			memcpy(out->sink4, rule->sink4, sizeof(out->sink4));
			out->flags |= BR_RULE_F_SINK4;
		}
		if (rule->has_sink6) {
			memcpy(out->sink6, rule->sink6, sizeof(out->sink6));
			out->flags |= BR_RULE_F_SINK6;
		}
	}
}

static void compile_rules(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	br_rules_t proto[BR_PROTO_SLOTS] = { 0 };
	br_rules_t ip = 0;
	size_t i;
	int p;

	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		compile_rule_params(rule, &c->view->rules[i]);
		if (!is_ip_rule(rule))
			continue;
		ip |= BR_RULE_BIT(i);
		if (rule->proto == BR_PROTO_ANY) {
			for (p = 0; p < BR_PROTO_SLOTS; p++)
				proto[p] |= BR_RULE_BIT(i);
			continue;
		}
		proto[br_proto_number(rule->proto, 4)] |= BR_RULE_BIT(i);
		proto[br_proto_number(rule->proto, 6)] |= BR_RULE_BIT(i);
		/* Some rule names a protocol: the program looks its bitmap up. */
		c->view->hdr->flags |= BR_HDR_PROTO;
	}
	memset(&c->view->rules[pol->n_rules], 0,
	       (BR_MAX_RULES - pol->n_rules) * sizeof(struct br_rule));
	memcpy(c->view->proto, proto, sizeof(proto));
	/* Otherwise every bitmap is the IP rules, read from the header. */
	c->view->hdr->ip_rules = ip;
}

static int port_set_of(const struct br_rule_ir *rule, int dst)
{
	return dst ? rule->dport_set : rule->sport_set;
}

/*
 * One direction's port bitmaps: a rule without a port set matches every
 * port and "no port"; a rule with one matches its ports only. Each port set
 * is swept once (difference array), whatever its ranges and overlaps.
 */
static int compile_ports(struct compiler *c, int dst, br_rules_t *out)
{
	const struct br_policy *pol = c->pol;
	br_rules_t unconstrained = 0, *bitmaps;
	int *starts = NULL;
	size_t i, j, k;
	int err = 0;

	bitmaps = malloc(BR_PORT_SLOTS * sizeof(*bitmaps));
	starts = malloc((BR_PORT_NONE + 1) * sizeof(*starts));
	if (!bitmaps || !starts) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < pol->n_rules; i++)
		if (port_set_of(&pol->rules[i], dst) == BR_NO_SET)
			unconstrained |= BR_RULE_BIT(i);
	/*
	 * A direction no rule constrains: every bitmap is the same, so the
	 * program skips its lookup (a random port is a cold line of 512 KiB).
	 */
	if (unconstrained != c->view->hdr->rules_valid)
		c->view->hdr->flags |= dst ? BR_HDR_DPORT : BR_HDR_SPORT;
	for (k = 0; k < BR_PORT_SLOTS; k++)
		bitmaps[k] = unconstrained;

	for (i = 0; i < pol->n_rules; i++) {
		int set = port_set_of(&pol->rules[i], dst);
		const struct br_set *ports;
		br_rules_t rules = 0;
		int depth = 0;

		if (set == BR_NO_SET)
			continue;
		for (j = 0; j < i; j++)
			if (port_set_of(&pol->rules[j], dst) == set)
				break;
		if (j < i)
			continue; /* done with the first rule using it */
		for (j = i; j < pol->n_rules; j++)
			if (port_set_of(&pol->rules[j], dst) == set)
				rules |= BR_RULE_BIT(j);

		ports = &pol->sets[set];
		memset(starts, 0, (BR_PORT_NONE + 1) * sizeof(*starts));
		for (k = 0; k < ports->n; k++) {
			if (ports->ports[k].lo > ports->ports[k].hi)
				continue;
			starts[ports->ports[k].lo]++;
			starts[ports->ports[k].hi + 1]--;
		}
		for (k = 0; k < BR_PORT_NONE; k++) {
			depth += starts[k];
			if (depth)
				bitmaps[k] |= rules;
		}
	}
	memcpy(out, bitmaps, BR_PORT_SLOTS * sizeof(*bitmaps));
out:
	free(starts);
	free(bitmaps);
	return err;
}

static int compile_etypes(struct compiler *c)
{
	br_rules_t *bitmaps = calloc(BR_ETYPE_SLOTS, sizeof(*bitmaps));
	size_t i;

	if (!bitmaps)
		return -ENOMEM;
	for (i = 0; i < c->pol->n_rules; i++)
		if (!is_ip_rule(&c->pol->rules[i]))
			bitmaps[c->pol->rules[i].ether_type] |= BR_RULE_BIT(i);
	memcpy(c->view->etype, bitmaps, BR_ETYPE_SLOTS * sizeof(*bitmaps));
	free(bitmaps);
	return 0;
}

/* ---- L7: header masks, query types, QUIC versions ------------------- */

static int is_flow_action(enum br_action action)
{
	return action == BR_ACT_RESET || action == BR_ACT_NXDOMAIN ||
	       action == BR_ACT_SINKHOLE || action == BR_ACT_THROTTLE ||
	       action == BR_ACT_FREEZE;
}

/* Which rules need which L7 fact; the flags that follow from them. */
static void compile_l7_masks(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	struct br_policy_hdr *hdr = c->view->hdr;
	size_t i;

	hdr->l7_tls = hdr->l7_sni = hdr->l7_ech = 0;
	hdr->l7_dns = hdr->l7_dns_name = 0;
	hdr->l7_quic = hdr->l7_quic_any = 0;
	hdr->l7_stun = 0;
	hdr->l7_ja4 = 0;
	hdr->l7_quic_sni = 0;
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];
		br_rules_t bit = BR_RULE_BIT(i);

		switch (rule->l7) {
		case BR_L7_TLS:
			hdr->l7_tls |= bit;
			if (rule->domain_set != BR_NO_SET)
				hdr->l7_sni |= bit;
			if (rule->ech)
				hdr->l7_ech |= bit;
			if (rule->n_ja4) {
				hdr->l7_ja4 |= bit;
				hdr->flags |= BR_HDR_JA4;
			}
			break;
		case BR_L7_DNS:
			hdr->l7_dns |= bit;
			if (rule->domain_set != BR_NO_SET)
				hdr->l7_dns_name |= bit;
			break;
		case BR_L7_QUIC:
			hdr->l7_quic |= bit;
			if (!rule->n_quic_versions)
				hdr->l7_quic_any |= bit;
			if (rule->domain_set != BR_NO_SET) {
				hdr->l7_quic_sni |= bit;
				hdr->flags |= BR_HDR_QUIC_SNI;
				c->stats.quic_sni_rules++;
			}
			break;
		case BR_L7_STUN:
			hdr->l7_stun |= bit;
			break;
		default:
			break;
		}
		if (rule->l7 != BR_L7_NONE || is_flow_action(rule->action))
			hdr->flags |= BR_HDR_FLOWS;
		if (rule->action == BR_ACT_PENALTY)
			hdr->flags |= BR_HDR_PENALTY_SUB
				      << (rule->penalty_scope - 1);
	}
	hdr->sni_default = pol->sni_default;
	if (pol->sni_default != BR_ACT_NONE)
		hdr->flags |= BR_HDR_SNI_DEFAULT;
	hdr->tls_default = pol->tls_default;
	if (pol->tls_default != BR_ACT_NONE)
		hdr->flags |= BR_HDR_TLS_DEFAULT;
	hdr->unreadable = pol->unreadable;
	if (pol->unreadable != BR_ACT_NONE)
		hdr->flags |= BR_HDR_UNREADABLE;
	if (pol->on_swap_flush)
		hdr->flags |= BR_HDR_ON_SWAP_FLUSH;
	memset(hdr->reserved, 0, sizeof(hdr->reserved));
	hdr->reserved2 = 0;
}

/*
 * One bitmap per query type: a DNS rule with a list of types matches those
 * only; every other rule (DNS without a list, or not DNS) matches them all,
 * as a rule without a port match does every port.
 */
static int compile_qtypes(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	br_rules_t *bitmaps, any = 0;
	size_t i, k;

	bitmaps = malloc(BR_QTYPE_SLOTS * sizeof(*bitmaps));
	if (!bitmaps)
		return -ENOMEM;
	for (i = 0; i < pol->n_rules; i++)
		if (pol->rules[i].l7 != BR_L7_DNS || !pol->rules[i].n_qtypes)
			any |= BR_RULE_BIT(i);
	for (k = 0; k < BR_QTYPE_SLOTS; k++)
		bitmaps[k] = any;
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		if (rule->l7 != BR_L7_DNS)
			continue;
		for (k = 0; k < rule->n_qtypes; k++)
			bitmaps[rule->qtypes[k]] |= BR_RULE_BIT(i);
	}
	memcpy(c->view->qtype, bitmaps, BR_QTYPE_SLOTS * sizeof(*bitmaps));
	free(bitmaps);
	return 0;
}

/*
 * One bitmap per STUN message type, as for query types: a stun rule with
 * types matches those only; every other rule matches them all.
 */
static void compile_stun_types(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	br_rules_t *bitmaps = c->view->stun_type, any = 0;
	size_t i, k;
	__u32 t;

	for (i = 0; i < pol->n_rules; i++)
		if (pol->rules[i].l7 != BR_L7_STUN ||
		    !pol->rules[i].n_stun_types)
			any |= BR_RULE_BIT(i);
	for (t = 0; t < BR_STUN_TYPES; t++)
		bitmaps[t] = any;
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		if (rule->l7 != BR_L7_STUN)
			continue;
		for (k = 0; k < rule->n_stun_types; k++)
			for (t = rule->stun_types[k].lo;
			     t <= rule->stun_types[k].hi; t++)
				bitmaps[t] |= BR_RULE_BIT(i);
	}
}

/*
 * The distinct versions quic rules name, in order of first mention, each
 * with the rules naming it. More than the table holds is an error at the
 * rule that named the first version too many.
 */
static int compile_quic(struct compiler *c)
{
	struct br_quic_version_rules *out = c->view->quic;
	const struct br_policy *pol = c->pol;
	__u32 seen[BR_MAX_RULES * BR_MAX_QUIC_VERSIONS];
	unsigned int n = 0, j;
	int overflow_rule = -1;
	size_t i, k;

	memset(out, 0, BR_QUIC_VERSIONS * sizeof(*out));
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		if (rule->l7 != BR_L7_QUIC)
			continue;
		for (k = 0; k < rule->n_quic_versions; k++) {
			__u32 v = rule->quic_versions[k];

			for (j = 0; j < n && seen[j] != v; j++)
				;
			if (j == n) {
				seen[n++] = v;
				if (n == BR_QUIC_VERSIONS + 1)
					overflow_rule = (int)i;
			}
			if (j < BR_QUIC_VERSIONS) {
				out[j].version = v;
				out[j].rules |= BR_RULE_BIT(i);
			}
		}
	}
	if (overflow_rule >= 0) {
		too_large(c, pol->rules[overflow_rule].pos,
			  "%u distinct QUIC versions, at most %u", n,
			  BR_QUIC_VERSIONS);
		memset(out, 0, BR_QUIC_VERSIONS * sizeof(*out));
		c->view->hdr->n_quic_versions = 0;
		return -E2BIG;
	}
	c->view->hdr->n_quic_versions = (__u8)n;
	return 0;
}

/*
 * The distinct fingerprints (key and mask) ja4 rules list, in order of
 * first mention, each with the rules listing it. More than the table
 * holds is an error at the first fingerprint too many.
 */
static int compile_ja4(struct compiler *c)
{
	struct br_ja4_rules *out = c->view->ja4->e;
	const struct br_policy *pol = c->pol;
	unsigned int n = 0, j;
	size_t i, k;

	memset(c->view->ja4, 0, sizeof(*c->view->ja4));
	c->view->hdr->n_ja4 = 0;
	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *rule = &pol->rules[i];

		if (rule->l7 != BR_L7_TLS)
			continue;
		for (k = 0; k < rule->n_ja4; k++) {
			const struct br_ja4_pattern *p = &rule->ja4[k];

			for (j = 0; j < n; j++)
				if (!memcmp(&out[j].key, &p->key,
					    sizeof(p->key)) &&
				    !memcmp(&out[j].mask, &p->mask,
					    sizeof(p->mask)))
					break;
			if (j == BR_JA4_FPS) {
				too_large(c, p->pos,
					  "more than %u distinct JA4 "
					  "fingerprints", BR_JA4_FPS);
				memset(c->view->ja4, 0,
				       sizeof(*c->view->ja4));
				return -E2BIG;
			}
			if (j == n) {
				out[n].key = p->key;
				out[n].mask = p->mask;
				n++;
			}
			out[j].rules |= BR_RULE_BIT(i);
		}
	}
	c->view->hdr->n_ja4 = (__u8)n;
	c->stats.ja4_prints = n;
	return 0;
}

/* ---- L7: the domain image ------------------------------------------- */

/*
 * The presence filter of the domain keys (abi.h): about
 * BR_DOMAIN_FILTER_BITS bits a key, in a power of two of lines.
 */
static int domain_filter_build(struct compiler *c)
{
	struct br_slot_view *view = c->view;
	size_t lines = 1, k;
	__u32 j, bit;

	while (lines * BR_DOMAIN_FILTER_LINE_BITS <
	       view->n_domains * BR_DOMAIN_FILTER_BITS)
		lines *= 2;
	view->domain_filter = calloc(lines, sizeof(*view->domain_filter));
	if (!view->domain_filter)
		return -ENOMEM;
	view->n_domain_filter = lines;
	view->hdr->domain_filter_mask = (__u32)(lines - 1);
	c->stats.domain_filter_lines = (__u32)lines;
	for (k = 0; k < view->n_domains; k++) {
		__u64 key = view->domain_keys[k];
		struct br_domain_filter_line *l =
			&view->domain_filter[br_domain_filter_line(
				key, view->hdr->domain_filter_mask)];

		for (j = 0; j < BR_DOMAIN_FILTER_K; j++) {
			bit = br_domain_filter_bit(key, j);
			l->bits[bit / 64] |= 1ULL << (bit & 63);
		}
	}
	return 0;
}

/*
 * The distinct rule bitmaps of the keys, entry 0 left empty: rules_of[k]
 * gets key k's index. Found through an open-addressing table of indices.
 */
static int domain_rules_build(struct compiler *c, __u32 *rules_of)
{
	struct br_slot_view *view = c->view;
	size_t size, k, pos, n = 1;
	__u32 *slots, idx;
	__u64 h;

	for (size = 16; size < 2 * view->n_domains; size *= 2)
		;
	slots = calloc(size, sizeof(*slots));
	view->domain_rules = calloc(view->n_domains + 1,
				    sizeof(*view->domain_rules));
	if (!slots || !view->domain_rules) {
		free(slots);
		return -ENOMEM;
	}
	for (k = 0; k < view->n_domains; k++) {
		const struct br_domain_rules *r = &view->domain_vals[k];

		h = (r->exact * 0x9e3779b97f4a7c15ULL) ^
		    (r->below * 0xc4ceb9fe1a85ec53ULL);
		h ^= h >> 29;
		for (pos = h & (size - 1); (idx = slots[pos]);
		     pos = (pos + 1) & (size - 1))
			if (!memcmp(&view->domain_rules[idx], r, sizeof(*r)))
				break;
		if (!idx) {
			idx = slots[pos] = (__u32)n++;
			view->domain_rules[idx] = *r;
		}
		rules_of[k] = idx;
	}
	free(slots);
	view->n_domain_rules = n;
	c->stats.domain_rule_pairs = (__u32)(n - 1);
	return 0;
}

/* Keys in order of their home bucket, then of their index. */
struct domain_order {
	__u32 home;
	__u32 k;
};

static int domain_order_cmp(const void *a, const void *b)
{
	const struct domain_order *x = a, *y = b;

	if (x->home != y->home)
		return x->home < y->home ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/*
 * Put every key in the first bucket with a free place from its home, in
 * order of home (so a key waits behind those of earlier homes only, as
 * Robin Hood hashing would place them: the farthest any key goes is
 * least). Returns the farthest a key went, or BR_DOMAIN_MAX_PROBE when
 * one would go further. The image depends on the policy alone.
 */
static __u32 domain_place(struct br_slot_view *view, const __u32 *rules_of,
			  struct domain_order *order, __u32 n)
{
	__u32 i, k, b, d, j, far = 0;

	memset(view->domain_buckets, 0,
	       (size_t)n * sizeof(*view->domain_buckets));
	for (i = 0; i < view->n_domains; i++) {
		order[i].home = br_domain_home(view->domain_keys[i], n);
		order[i].k = i;
	}
	qsort(order, view->n_domains, sizeof(*order), domain_order_cmp);
	for (i = 0; i < view->n_domains; i++) {
		struct br_domain_bucket *bk = NULL;

		k = order[i].k;
		b = order[i].home;
		for (d = 0; d < BR_DOMAIN_MAX_PROBE; d++) {
			bk = &view->domain_buckets[b];
			if (!bk->rules[BR_DOMAIN_BUCKET_KEYS - 1])
				break;
			if (++b >= n)
				b = 0;
		}
		if (d == BR_DOMAIN_MAX_PROBE)
			return BR_DOMAIN_MAX_PROBE;
		for (j = 0; bk->rules[j]; j++)
			;
		bk->key[j] = view->domain_keys[k];
		bk->rules[j] = rules_of[k];
		if (d > far)
			far = d;
	}
	return far;
}

/*
 * The domain table (abi.h): BR_DOMAIN_LOAD_PCT of its places used at
 * first, an eighth more buckets until every key is near enough home.
 */
static int domain_table_build(struct compiler *c)
{
	struct br_slot_view *view = c->view;
	struct domain_order *order;
	__u32 *rules_of, far;
	size_t n;
	int err;

	rules_of = malloc(view->n_domains * sizeof(*rules_of));
	order = malloc(view->n_domains * sizeof(*order));
	if (!rules_of || !order) {
		err = -ENOMEM;
		goto out;
	}
	err = domain_rules_build(c, rules_of);
	if (err)
		goto out;
	n = view->n_domains * 100 /
		    (BR_DOMAIN_BUCKET_KEYS * BR_DOMAIN_LOAD_PCT) + 1;
	for (;;) {
		if (n > UINT32_MAX / 2) {
			err = -E2BIG;
			goto out;
		}
		free(view->domain_buckets);
		view->domain_buckets = malloc(n * sizeof(*view->domain_buckets));
		if (!view->domain_buckets) {
			err = -ENOMEM;
			goto out;
		}
		far = domain_place(view, rules_of, order, (__u32)n);
		if (far < BR_DOMAIN_MAX_PROBE)
			break;
		n += n / 8 + 1;
	}
	view->n_domain_buckets = n;
	view->hdr->domain_buckets = (__u32)n;
	c->stats.domain_bucket_lines = (__u32)n;
	c->stats.domain_max_probe = far;
out:
	free(order);
	free(rules_of);
	return err;
}

/*
 * Every entry of every domain set an sni or dns rule uses, keyed by
 * br_domain_hash() of its name: entries that share a key (a name listed
 * twice, in two sets, or as "x" and "*.x") merge their rule bits. Built in
 * order of first occurrence, so the image depends on the policy alone.
 */
static int compile_domains(struct compiler *c)
{
	const struct br_policy *pol = c->pol;
	struct br_slot_view *view = c->view;
	br_rules_t *users = NULL;
	size_t total = 0, n = 0, i, k, size;
	__u32 *slots = NULL, slot;
	int err = 0;

	users = calloc(pol->n_sets + 1, sizeof(*users));
	if (!users)
		return -ENOMEM;
	for (i = 0; i < pol->n_rules; i++)
		if (domain_set_of(&pol->rules[i]) != BR_NO_SET)
			users[pol->rules[i].domain_set] |= BR_RULE_BIT(i);
	for (i = 0; i < pol->n_sets; i++)
		if (users[i])
			total += pol->sets[i].n;
	if (!total)
		goto out;

	for (size = 16; size < 2 * total; size *= 2)
		;
	slots = calloc(size, sizeof(*slots));
	view->domain_keys = malloc(total * sizeof(*view->domain_keys));
	view->domain_vals = malloc(total * sizeof(*view->domain_vals));
	if (!slots || !view->domain_keys || !view->domain_vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < pol->n_sets; i++) {
		const struct br_set *set = &pol->sets[i];

		if (!users[i])
			continue;
		for (k = 0; k < set->n; k++) {
			const struct br_domain *d = &set->domains[k];
			size_t len = strlen(d->name), pos, labels = 1, b;
			__u64 key = br_domain_hash(d->name, (__u32)len);

			for (b = 0; b < len; b++)
				labels += d->name[b] == '.';
			if (!key || !(d->flags & (BR_DOMAIN_EXACT |
						  BR_DOMAIN_BELOW)) ||
			    ((d->flags & BR_DOMAIN_BELOW) &&
			     labels >= BR_DOMAIN_MAX_LABELS)) {
				if (c->diag)
					br_diag_error(c->diag, d->pos,
						      "bad domain \"%s\" in set "
						      "%s",
						      d->name, set->name);
				err = -EINVAL;
				goto out;
			}
			/* the key is a finalised hash: its low bits will do */
			for (pos = key & (size - 1); (slot = slots[pos]);
			     pos = (pos + 1) & (size - 1))
				if (view->domain_keys[slot - 1] == key)
					break;
			if (!slot) {
				slot = slots[pos] = (__u32)++n;
				view->domain_keys[slot - 1] = key;
				view->domain_vals[slot - 1] =
					(struct br_domain_rules){ 0 };
			}
			if (d->flags & BR_DOMAIN_EXACT)
				view->domain_vals[slot - 1].exact |= users[i];
			if (d->flags & BR_DOMAIN_BELOW)
				view->domain_vals[slot - 1].below |= users[i];
		}
	}
	view->n_domains = n;
	c->stats.domains = (__u32)n;
	err = domain_filter_build(c);
	if (!err)
		err = domain_table_build(c);
out:
	free(slots);
	free(users);
	return err;
}

/* ---- IPv4: a /16 directory over lines ------------------------------- */

/*
 * A prefix as one sortable key: address (host order), then length, so a
 * prefix sorts before every prefix it contains; the low byte names the
 * addr_ref it came from.
 */
#define V4_KEY_SORT_SHIFT 8
#define V4_KEY_SORT_BITS 38
#define V4_RADIX_BITS 13
#define V4_SUFFIXES 65536u /* addresses of a /16 */

static inline __u64 v4_key(__u32 addr, __u32 len, unsigned int ref)
{
	return ((((__u64)addr << 6) | len) << V4_KEY_SORT_SHIFT) | ref;
}

static inline __u32 v4_key_addr(__u64 key)
{
	return key >> (V4_KEY_SORT_SHIFT + 6);
}

static inline __u32 v4_key_len(__u64 key)
{
	return (key >> V4_KEY_SORT_SHIFT) & 0x3f;
}

static inline unsigned int v4_key_ref(__u64 key)
{
	return key & 0xff;
}

static inline int v4_same_prefix(__u64 a, __u64 b)
{
	return (a >> V4_KEY_SORT_SHIFT) == (b >> V4_KEY_SORT_SHIFT);
}

static inline __u32 v4_mask(__u32 len)
{
	return len ? ~0u << (32 - len) : 0;
}

/* LSD radix sort, stable: equal prefixes keep the order of the sets. */
static int v4_sort(__u64 **keys, size_t n)
{
	__u64 *from = *keys, *to = malloc(n * sizeof(*to)), *swap;
	size_t *count = malloc((1u << V4_RADIX_BITS) * sizeof(*count));
	unsigned int shift;
	size_t i, sum;
	int err = 0;

	if (!to || !count) {
		err = -ENOMEM;
		goto out;
	}
	for (shift = V4_KEY_SORT_SHIFT;
	     shift < V4_KEY_SORT_SHIFT + V4_KEY_SORT_BITS;
	     shift += V4_RADIX_BITS) {
		const __u64 digit_mask = (1u << V4_RADIX_BITS) - 1;

		memset(count, 0, (1u << V4_RADIX_BITS) * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(from[i] >> shift) & digit_mask]++;
		for (i = 0, sum = 0; i < (1u << V4_RADIX_BITS); i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[(from[i] >> shift) & digit_mask]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	*keys = from;
out:
	free(to);
	free(count);
	return err;
}

/* A run of suffixes of one class within a /16. */
struct v4_run {
	__u16 lo, hi;
	__u32 class_id;
};

/* A prefix around the sweep point. */
struct v4_open {
	__u64 end; /* its last address */
	__u32 class_id;
	struct br_class bits; /* its sets and those of every prefix around */
};

struct v4_build {
	__u32 *dir;
	struct br_v4_line *lines;
	size_t n_lines, cap_lines;
	__u64 cursor;		   /* addresses below it are swept */
	struct v4_open stack[33];  /* one per length, 0..32 */
	unsigned int depth;
	__u32 top;		   /* the /16 being collected */
	struct v4_run *runs;	   /* its runs of classes other than 0 */
	__u32 n_runs;
	struct v4_run *other;	   /* its runs not of its default class */
	int set;		   /* of the last prefix swept, for errors */
};

static void fill_u32(__u32 *to, __u32 value, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		to[i] = value;
}

/* The bits of the next distinct prefix at keys[*i], duplicates merged. */
static struct br_class v4_next_prefix(const struct compiler *c,
				      const __u64 *keys, size_t n, size_t *i)
{
	struct br_class bits = c->refs[v4_key_ref(keys[*i])].bits;
	size_t j;

	for (j = *i + 1; j < n && v4_same_prefix(keys[j], keys[*i]); j++)
		bits = class_or(bits, c->refs[v4_key_ref(keys[j])].bits);
	*i = j;
	return bits;
}

/* Room for n more lines; their memory is zeroed. */
static struct br_v4_line *v4_lines_reserve(struct v4_build *b, size_t n)
{
	struct br_v4_line *l;

	if (b->n_lines + n > b->cap_lines) {
		size_t cap = b->cap_lines ? b->cap_lines : 64;

		while (cap < b->n_lines + n)
			cap *= 2;
		l = realloc(b->lines, cap * sizeof(*l));
		if (!l)
			return NULL;
		b->lines = l;
		b->cap_lines = cap;
	}
	l = b->lines + b->n_lines;
	memset(l, 0, n * sizeof(*l));
	return l;
}

/*
 * The line of one part [lo, lo + width) of a /16, from the runs not of
 * the /16's default class that meet it (run[0..n), clipped here). Returns
 * 0, or -E2BIG when the part needs a smaller width.
 */
static int v4_part_line(struct br_v4_line *l, const struct v4_run *run,
			__u32 n, __u32 lo, __u32 width, __u32 dflt,
			struct br_compile_stats *st)
{
	__u32 i, hi = lo + width - 1, covered = 0, hit = dflt, a;

	for (i = 0; i < BR_V4_LINE_RANGES; i++) {
		l->r.lo[i] = 0xffff;
		l->r.hi[i] = 0;
	}
	l->kind = BR_V4_RANGES;
	l->miss = dflt;
	if (n == 1 && run[0].lo <= lo && run[0].hi >= hi) {
		l->miss = run[0].class_id; /* the whole part is one class */
		return 0;
	}
	if (n <= BR_V4_LINE_RANGES) {
		for (i = 0; i < n; i++) {
			l->r.lo[i] = run[i].lo > lo ? run[i].lo : lo;
			l->r.hi[i] = run[i].hi < hi ? run[i].hi : hi;
			l->r.cls[i] = run[i].class_id;
		}
		return 0;
	}
	if (width > BR_V4_LINE_BITMAP_MAX)
		return -E2BIG;
	/* Two classes at most: the default (where no run is) and one more. */
	for (i = 0; i < n; i++) {
		if (hit != dflt && run[i].class_id != hit)
			return -E2BIG;
		hit = run[i].class_id;
		covered += (run[i].hi < hi ? run[i].hi : hi) -
			   (run[i].lo > lo ? run[i].lo : lo) + 1;
	}
	memset(&l->r, 0, sizeof(l->r));
	l->kind = BR_V4_BITMAP;
	l->b.hit = hit;
	if (covered == width) /* no default in it: any miss class will do */
		l->miss = hit;
	for (i = 0; i < n; i++)
		for (a = run[i].lo > lo ? run[i].lo : lo;
		     a <= (run[i].hi < hi ? run[i].hi : hi); a++)
			l->b.bits[(a & 255) >> 5] |= 1u << (a & 31);
	st->v4_bitmap_lines++;
	return 0;
}

/*
 * Cut a /16 into 2^k parts of one line each, the smallest k that fits
 * (k = 16 always does: each part is one address). Returns the dir entry.
 */
static int v4_node(struct compiler *c, struct v4_build *b, __u32 n,
		   __u32 dflt, __u32 *entry)
{
	const struct v4_run *run = b->other;
	struct br_v4_line *lines;
	__u32 k = 0, p, width, first, last, bitmaps = c->stats.v4_bitmap_lines;

	/* Parts wider than a bitmap hold BR_V4_LINE_RANGES runs at most. */
	while ((V4_SUFFIXES >> k) > BR_V4_LINE_BITMAP_MAX &&
	       BR_V4_LINE_RANGES * (1u << k) < n)
		k++;
	for (;; k++) {
		width = V4_SUFFIXES >> k;
		lines = v4_lines_reserve(b, (size_t)1 << k);
		if (!lines)
			return -ENOMEM;
		c->stats.v4_bitmap_lines = bitmaps;
		for (p = 0, first = 0; p < (1u << k); p++) {
			__u32 lo = p * width;

			while (first < n && run[first].hi < lo)
				first++;
			for (last = first;
			     last < n && run[last].lo <= lo + width - 1; last++)
				;
			if (v4_part_line(&lines[p], run + first, last - first,
					 lo, width, dflt, &c->stats))
				break;
		}
		if (p == (1u << k))
			break;
	}
	*entry = br_v4_node(k, b->n_lines);
	b->n_lines += (size_t)1 << k;
	c->stats.v4_nodes++;
	if (k > c->stats.v4_max_k)
		c->stats.v4_max_k = k;
	return 0;
}

/*
 * The /16 collected in b->runs is complete: write its dir entry. Its
 * default class, the one its line ranges leave out, is class 0 when at
 * least half of it is in no set, else the class of its widest run (the
 * /8 around a few hosts).
 */
static int v4_flush(struct compiler *c, struct v4_build *b)
{
	__u32 i, n = 0, gap = V4_SUFFIXES, widest = 0, dflt = 0, next = 0;
	__u32 entry;
	int err;

	if (!b->n_runs)
		return 0;
	for (i = 0; i < b->n_runs; i++) {
		__u32 w = b->runs[i].hi - b->runs[i].lo + 1u;

		gap -= w;
		if (w > widest) {
			widest = w;
			dflt = b->runs[i].class_id;
		}
	}
	if (gap * 2 >= V4_SUFFIXES)
		dflt = 0;
	for (i = 0; i < b->n_runs; i++) {
		const struct v4_run *r = &b->runs[i];

		if (dflt && r->lo > next) /* a gap: class 0, not the default */
			b->other[n++] = (struct v4_run){ next, r->lo - 1, 0 };
		if (r->class_id != dflt)
			b->other[n++] = *r;
		next = r->hi + 1u;
	}
	if (dflt && next < V4_SUFFIXES)
		b->other[n++] = (struct v4_run){ next, V4_SUFFIXES - 1, 0 };
	if (!n) { /* runs of one class, end to end */
		entry = br_v4_leaf(dflt);
	} else {
		err = v4_node(c, b, n, dflt, &entry);
		if (err)
			return err;
	}
	b->dir[b->top] = entry;
	b->n_runs = 0;
	return 0;
}

/* Addresses [lo, hi] have class class_id: into their /16s. */
static int v4_emit(struct compiler *c, struct v4_build *b, __u64 lo, __u64 hi,
		   __u32 class_id)
{
	int err;

	while (class_id && lo <= hi) {
		__u32 top = lo >> 16;
		__u64 end = hi < ((__u64)top << 16 | 0xffff) ? hi
					: ((__u64)top << 16 | 0xffff);
		struct v4_run *last = b->n_runs ? &b->runs[b->n_runs - 1]
						: NULL;

		if (top != b->top) {
			err = v4_flush(c, b);
			if (err)
				return err;
			b->top = top;
			last = NULL;
		}
		if (!(lo & 0xffff) && (end & 0xffff) == 0xffff)
			b->dir[top] = br_v4_leaf(class_id); /* all of it */
		else if (last && last->hi + 1u == (lo & 0xffff) &&
			 last->class_id == class_id)
			last->hi = end & 0xffff;
		else
			b->runs[b->n_runs++] = (struct v4_run){
				lo & 0xffff, end & 0xffff, class_id };
		lo = end + 1;
	}
	return 0;
}

/* Sweep up to (not including) addr, closing the prefixes that end before. */
static int v4_sweep_to(struct compiler *c, struct v4_build *b, __u64 addr)
{
	int err;

	while (b->depth && b->stack[b->depth - 1].end < addr) {
		const struct v4_open *top = &b->stack[--b->depth];

		err = v4_emit(c, b, b->cursor, top->end, top->class_id);
		if (err)
			return err;
		b->cursor = top->end + 1;
	}
	if (addr > b->cursor) {
		err = v4_emit(c, b, b->cursor, addr - 1,
			      b->depth ? b->stack[b->depth - 1].class_id : 0);
		if (err)
			return err;
		b->cursor = addr;
	}
	return 0;
}

static size_t v4_count(const struct compiler *c)
{
	unsigned int r;
	size_t n = 0, k;

	for (r = 0; r < c->n_refs; r++) {
		const struct br_set *set = &c->pol->sets[c->refs[r].set];

		for (k = 0; k < set->n; k++)
			n += set->prefixes[k].family == 4;
	}
	return n;
}

/* Every referenced IPv4 prefix as a key, sorted. */
static int v4_keys(const struct compiler *c, __u64 **out, size_t *n_out)
{
	size_t n = v4_count(c), i = 0, k;
	__u64 *keys;
	unsigned int r;
	int err;

	*out = NULL;
	*n_out = 0;
	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (r = 0; r < c->n_refs; r++) {
		const struct br_set *set = &c->pol->sets[c->refs[r].set];

		for (k = 0; k < set->n; k++) {
			const struct br_prefix *p = &set->prefixes[k];
			__u32 addr;

			if (p->family != 4)
				continue;
			addr = (__u32)p->addr[0] << 24 | p->addr[1] << 16 |
			       p->addr[2] << 8 | p->addr[3];
			keys[i++] = v4_key(addr & v4_mask(p->len), p->len, r);
		}
	}
	err = v4_sort(&keys, n);
	if (err) {
		free(keys);
		return err;
	}
	*out = keys;
	*n_out = n;
	return 0;
}

/*
 * Sort every referenced IPv4 prefix, then sweep the address space once,
 * front to back: a stack holds the prefixes around the sweep point
 * (prefixes nest or are disjoint), each run of one class goes to its /16,
 * and each /16 is written when the sweep leaves it.
 */
static int compile_v4(struct compiler *c)
{
	struct v4_build *b = calloc(1, sizeof(*b));
	size_t n, i = 0;
	__u64 *keys = NULL;
	int err;

	c->view->n_v4_lines = 0;
	c->view->v4_lines = NULL;
	if (!b)
		return -ENOMEM;
	fill_u32(c->view->v4_dir, br_v4_leaf(0), BR_V4_DIR_SIZE);
	err = v4_keys(c, &keys, &n);
	if (err || !n)
		goto out;
	b->runs = malloc(V4_SUFFIXES * sizeof(*b->runs));
	b->other = malloc((2 * V4_SUFFIXES + 1) * sizeof(*b->other));
	if (!b->runs || !b->other) {
		err = -ENOMEM;
		goto out;
	}
	b->dir = c->view->v4_dir;
	while (i < n) {
		__u32 addr = v4_key_addr(keys[i]), len = v4_key_len(keys[i]);
		struct v4_open *open;
		struct br_class bits;

		b->set = c->refs[v4_key_ref(keys[i])].set;
		err = v4_sweep_to(c, b, addr);
		if (err)
			goto out;
		bits = v4_next_prefix(c, keys, n, &i);
		if (b->depth)
			bits = class_or(bits, b->stack[b->depth - 1].bits);
		open = &b->stack[b->depth++];
		open->end = (__u64)addr + ((__u64)1 << (32 - len)) - 1;
		open->bits = bits;
		err = class_intern(c, class_or(c->base, bits), b->set,
				   &open->class_id);
		if (err)
			goto out;
		c->stats.v4_prefixes++;
	}
	err = v4_sweep_to(c, b, (__u64)1 << 32);
	if (!err)
		err = v4_flush(c, b);
	if (err)
		goto out;
	c->stats.v4_lines = b->n_lines;
	c->view->hdr->flags |= BR_HDR_V4_ADDRS;
	if (b->n_lines > BR_V4_MAX_LINES) {
		too_large(c, set_pos(c, b->set), "%zu IPv4 set lines, at most %u",
			  b->n_lines, BR_V4_MAX_LINES);
		err = -E2BIG;
		goto out;
	}
	c->view->v4_lines = b->lines;
	c->view->n_v4_lines = b->n_lines;
	b->lines = NULL;
out:
	free(keys);
	if (b) {
		free(b->lines);
		free(b->runs);
		free(b->other);
	}
	free(b);
	return err;
}

/* ---- IPv6: tiers of exact-match prefixes behind a filter ------------ */

/*
 * The user-memory tables below are far bigger than the caches and hit at
 * random: lookups are started (hashed, prefetched) this many prefixes
 * before they are used.
 */
#define V6_AHEAD 16

/* A distinct IPv6 prefix. */
struct v6_prefix {
	__u32 addr[4];	      /* masked, network order words as in a bucket */
	struct br_class bits; /* of the sets holding it, duplicates merged */
	__u32 class_id;
	__u32 home; /* its bucket by br_v6_hash() */
	__u8 plen;
	__u8 ref; /* addr_ref of its first occurrence */
};

/* The prefixes of one length, by address (slot: hash tag | index + 1). */
struct v6_tier {
	__u64 *slots;
	__u64 mask;
};

struct v6_build {
	struct v6_prefix *prefixes;
	size_t n;
	struct v6_tier tiers[129];
	__u8 lens[BR_V6_MAX_TIERS]; /* distinct lengths, ascending */
	unsigned int n_lens;
	__u64 *buckets; /* home << 32 | index + 1; 0 is empty */
	__u64 mask;	/* buckets - 1 */
};

/* A prefix on its way into its tier. */
struct v6_pending {
	__u32 addr[4];
	__u64 hash;
	__u8 plen;
	__u8 ref;
};

/* The shorter prefixes that could hold a prefix, one per shorter tier. */
struct v6_outer {
	__u32 addr[BR_V6_MAX_TIERS][4];
	__u64 hash[BR_V6_MAX_TIERS];
	unsigned int n;
};

static inline __u64 v6_key_hash(const __u32 addr[4])
{
	return mix64(((__u64)addr[0] << 32 | addr[1]) ^
		     mix64((__u64)addr[2] << 32 | addr[3]));
}

static void v6_mask(__u32 out[4], const __u32 addr[4], unsigned int plen)
{
	unsigned int w;

	for (w = 0; w < 4; w++) {
		int bits = (int)plen - 32 * (int)w;
		__u32 mask;

		if (bits <= 0)
			mask = 0;
		else if (bits >= 32)
			mask = ~0u;
		else
			mask = ~0u << (32 - bits);
		/* addr words hold network-order bytes: mask in that order */
		out[w] = addr[w] & __builtin_bswap32(mask);
	}
}

static inline int v6_same_addr(const __u32 a[4], const __u32 b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		(a[3] ^ b[3])) == 0;
}

static inline void v6_tier_prefetch(const struct v6_tier *tier, __u64 hash)
{
	__builtin_prefetch(&tier->slots[hash & tier->mask]);
}

/* The slot of addr in tier, or of the empty slot where it belongs. */
static __u64 *v6_tier_find(const struct v6_build *b, const struct v6_tier *tier,
			   const __u32 addr[4], __u64 hash)
{
	__u64 tag = hash >> 32, pos = hash & tier->mask;

	for (;; pos = (pos + 1) & tier->mask) {
		__u64 slot = tier->slots[pos];

		if (!slot)
			return &tier->slots[pos];
		if (slot >> 32 == tag &&
		    v6_same_addr(b->prefixes[(__u32)slot - 1].addr, addr))
			return &tier->slots[pos];
	}
}

/*
 * Count the prefixes per length; more distinct lengths than the program
 * probes is an error naming the set that brought the first length too many.
 */
static int v6_count(struct compiler *c, struct v6_build *b, size_t *n)
{
	size_t per_len[129] = { 0 }, k;
	int overflow_set = -1;
	unsigned int r, len, n_lens = 0;

	*n = 0;
	for (r = 0; r < c->n_refs; r++) {
		const struct br_set *set = &c->pol->sets[c->refs[r].set];

		for (k = 0; k < set->n; k++) {
			const struct br_prefix *p = &set->prefixes[k];

			if (p->family != 6)
				continue;
			if (!per_len[p->len]++ &&
			    ++n_lens == BR_V6_MAX_TIERS + 1)
				overflow_set = c->refs[r].set;
			(*n)++;
		}
	}
	if (n_lens > BR_V6_MAX_TIERS) {
		too_large(c, set_pos(c, overflow_set),
			  "%u distinct IPv6 prefix lengths, at most %u", n_lens,
			  BR_V6_MAX_TIERS);
		return -E2BIG;
	}
	for (len = 0; len <= 128; len++) {
		struct v6_tier *tier = &b->tiers[len];
		__u64 size = 16;

		if (!per_len[len])
			continue;
		b->lens[b->n_lens++] = len;
		while (size < 2 * per_len[len])
			size *= 2;
		tier->slots = calloc(size, sizeof(*tier->slots));
		if (!tier->slots)
			return -ENOMEM;
		tier->mask = size - 1;
	}
	return 0;
}

static void v6_insert(struct compiler *c, struct v6_build *b,
		      const struct v6_pending *p)
{
	__u64 *slot = v6_tier_find(b, &b->tiers[p->plen], p->addr, p->hash);
	struct v6_prefix *prefix;

	if (*slot) {
		prefix = &b->prefixes[(__u32)*slot - 1];
		prefix->bits = class_or(prefix->bits, c->refs[p->ref].bits);
		return;
	}
	prefix = &b->prefixes[b->n];
	memcpy(prefix->addr, p->addr, sizeof(prefix->addr));
	prefix->bits = c->refs[p->ref].bits;
	prefix->plen = p->plen;
	prefix->ref = p->ref;
	prefix->home = br_v6_hash(prefix->addr, prefix->plen) & b->mask;
	*slot = (p->hash >> 32) << 32 | ++b->n;
}

/* Gather the distinct prefixes in order of first occurrence. */
static void v6_collect(struct compiler *c, struct v6_build *b)
{
	struct v6_pending ring[V6_AHEAD];
	size_t q = 0, k;
	unsigned int r;

	for (r = 0; r < c->n_refs; r++) {
		const struct br_set *set = &c->pol->sets[c->refs[r].set];

		for (k = 0; k < set->n; k++) {
			const struct br_prefix *p = &set->prefixes[k];
			struct v6_pending *next = &ring[q % V6_AHEAD];
			__u32 addr[4];

			if (p->family != 6)
				continue;
			if (q++ >= V6_AHEAD)
				v6_insert(c, b, next);
			memcpy(addr, p->addr, sizeof(addr));
			v6_mask(next->addr, addr, p->len);
			next->hash = v6_key_hash(next->addr);
			next->plen = p->len;
			next->ref = r;
			v6_tier_prefetch(&b->tiers[p->len], next->hash);
		}
	}
	for (k = q > V6_AHEAD ? q - V6_AHEAD : 0; k < q; k++)
		v6_insert(c, b, &ring[k % V6_AHEAD]);
}

static void v6_outer_start(const struct v6_build *b,
			   const struct v6_prefix *prefix, struct v6_outer *o)
{
	unsigned int u;

	for (u = 0; u < b->n_lens && b->lens[u] < prefix->plen; u++) {
		v6_mask(o->addr[u], prefix->addr, b->lens[u]);
		o->hash[u] = v6_key_hash(o->addr[u]);
		v6_tier_prefetch(&b->tiers[b->lens[u]], o->hash[u]);
	}
	o->n = u;
}

/*
 * The program stops at the longest stored prefix that contains the
 * address, so that prefix's class must carry the bits of every shorter
 * one containing it.
 */
static int v6_outer_finish(struct compiler *c, const struct v6_build *b,
			   struct v6_prefix *prefix, const struct v6_outer *o)
{
	struct br_class bits = prefix->bits;
	unsigned int u;

	for (u = 0; u < o->n; u++) {
		const __u64 *slot = v6_tier_find(b, &b->tiers[b->lens[u]],
						 o->addr[u], o->hash[u]);

		if (*slot)
			bits = class_or(bits,
					b->prefixes[(__u32)*slot - 1].bits);
	}
	return class_intern(c, class_or(c->base, bits),
			    c->refs[prefix->ref].set, &prefix->class_id);
}

/* Class ids are interned in order of first occurrence: they follow input. */
static int v6_classes(struct compiler *c, struct v6_build *b)
{
	struct v6_outer ring[V6_AHEAD];
	size_t k;
	int err;

	for (k = 0; k < b->n + V6_AHEAD; k++) {
		if (k >= V6_AHEAD) {
			err = v6_outer_finish(c, b, &b->prefixes[k - V6_AHEAD],
					      &ring[k % V6_AHEAD]);
			if (err)
				return err;
		}
		if (k < b->n)
			v6_outer_start(b, &b->prefixes[k], &ring[k % V6_AHEAD]);
	}
	return 0;
}

/*
 * Robin Hood linear probing into a user-memory index of the table: a
 * prefix far from home takes the bucket of one nearer to its own, which
 * keeps the longest probe short. The program gives up after
 * BR_V6_MAX_PROBE buckets, so no prefix may sit further from home.
 */
static int v6_place_one(struct v6_build *b, size_t k, __u32 *max_probe)
{
	const __u64 mask = b->mask;
	__u64 home = b->prefixes[k].home, pos = home, dist = 0;
	__u64 carried = home << 32 | (k + 1);

	for (;;) {
		__u64 slot = b->buckets[pos], slot_dist;

		if (!slot) {
			b->buckets[pos] = carried;
			break;
		}
		slot_dist = (pos - (slot >> 32)) & mask;
		if (slot_dist < dist) {
			b->buckets[pos] = carried;
			carried = slot;
			if (dist + 1 > *max_probe)
				*max_probe = dist + 1;
			dist = slot_dist;
		}
		pos = (pos + 1) & mask;
		if (++dist >= BR_V6_MAX_PROBE)
			return -E2BIG;
	}
	if (dist + 1 > *max_probe)
		*max_probe = dist + 1;
	return 0;
}

static int v6_place(struct compiler *c, struct v6_build *b)
{
	__u32 max_probe = 0;
	size_t k;

	b->buckets = calloc(b->mask + 1, sizeof(*b->buckets));
	if (!b->buckets)
		return -ENOMEM;
	for (k = 0; k < b->n; k++) {
		if (k + V6_AHEAD < b->n)
			__builtin_prefetch(
				&b->buckets[b->prefixes[k + V6_AHEAD].home]);
		if (v6_place_one(b, k, &max_probe)) {
			too_large(c,
				  set_pos(c, c->refs[b->prefixes[k].ref].set),
				  "IPv6 probe limit %u exceeded at %zu entries",
				  BR_V6_MAX_PROBE, k + 1);
			return -E2BIG;
		}
	}
	c->stats.v6_max_probe = max_probe;
	return 0;
}

/*
 * The slot's lines: the filter (a bit per /32 and length of the prefixes
 * of /32 or longer), then the buckets, two a line.
 */
static int v6_write(struct compiler *c, const struct v6_build *b)
{
	struct br_policy_hdr *hdr = c->view->hdr;
	size_t k, n_filter, n_lines, bits = BR_V6_FILTER_LINE_BITS;
	struct br_v6_line *lines;

	while (bits < 16 * b->n)
		bits *= 2;
	n_filter = bits / BR_V6_FILTER_LINE_BITS;
	n_lines = n_filter + (b->mask + 1) / 2;
	if (n_lines > BR_V6_MAX_LINES) {
		too_large(c, set_pos(c, c->refs[b->prefixes[0].ref].set),
			  "%zu IPv6 set lines, at most %u", n_lines,
			  BR_V6_MAX_LINES);
		return -E2BIG;
	}
	lines = calloc(n_lines, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	hdr->v6_filter_mask = n_filter - 1;
	hdr->v6_bucket_mask = b->mask;
	hdr->v6_bucket_base = n_filter;
	for (k = 0; k < b->n; k++) {
		const struct v6_prefix *prefix = &b->prefixes[k];
		__u32 line, bit;

		if (prefix->plen < 32)
			continue;
		line = br_v6_filter_line(prefix->addr[0], hdr->v6_filter_mask);
		bit = br_v6_filter_bit(prefix->addr[0], prefix->plen);
		lines[line].bits[bit / 64] |= 1ULL << (bit & 63);
	}
	for (k = 0; k <= b->mask; k++) {
		const struct v6_prefix *prefix;
		__u64 slot = b->buckets[k];

		if (k + V6_AHEAD <= b->mask && b->buckets[k + V6_AHEAD])
			__builtin_prefetch(
				&b->prefixes[(__u32)b->buckets[k + V6_AHEAD] -
					     1]);
		if (!slot)
			continue;
		prefix = &b->prefixes[(__u32)slot - 1];
		lines[n_filter + k / 2].b[k & 1] = (struct br_v6_bucket){
			.addr = { prefix->addr[0], prefix->addr[1],
				  prefix->addr[2], prefix->addr[3] },
			.class_id = prefix->class_id,
			.plen = prefix->plen,
			.used = 1,
		};
	}
	c->view->v6_lines = lines;
	c->view->n_v6_lines = n_lines;
	c->stats.v6_lines = n_lines;
	return 0;
}

static int compile_v6(struct compiler *c)
{
	struct v6_build *b = calloc(1, sizeof(*b));
	struct br_policy_hdr *hdr = c->view->hdr;
	unsigned int t, len;
	size_t n;
	int err;

	hdr->v6_filter_mask = hdr->v6_bucket_mask = hdr->v6_bucket_base = 0;
	if (!b)
		return -ENOMEM;
	err = v6_count(c, b, &n);
	if (err || !n)
		goto out;
	b->prefixes = malloc(n * sizeof(*b->prefixes));
	if (!b->prefixes) {
		err = -ENOMEM;
		goto out;
	}
	b->mask = 15; /* a power of two, at least twice the prefixes */
	while (b->mask + 1 < 2 * n)
		b->mask = b->mask * 2 + 1;
	v6_collect(c, b);
	err = v6_classes(c, b);
	if (err)
		goto out;
	err = v6_place(c, b);
	if (err)
		goto out;
	err = v6_write(c, b);
	if (err)
		goto out;

	c->stats.v6_prefixes = b->n;
	hdr->flags |= BR_HDR_V6_ADDRS;
	hdr->v6_n_tiers = b->n_lens;
	for (t = 0; t < b->n_lens; t++)
		hdr->v6_tiers[t] = b->lens[b->n_lens - 1 - t];
out:
	for (len = 0; len <= 128; len++)
		free(b->tiers[len].slots);
	free(b->buckets);
	free(b->prefixes);
	free(b);
	return err;
}

/* ---- the slot ------------------------------------------------------- */

static int check_addr_sets(struct compiler *c)
{
	unsigned int r;
	size_t k;

	for (r = 0; r < c->n_refs; r++) {
		const struct br_set *set = &c->pol->sets[c->refs[r].set];

		for (k = 0; k < set->n; k++) {
			const struct br_prefix *p = &set->prefixes[k];

			if ((p->family == 4 && p->len <= 32) ||
			    (p->family == 6 && p->len <= 128))
				continue;
			if (c->diag)
				br_diag_error(c->diag, set->pos,
					      "bad prefix in set %s: /%u",
					      set->name, p->len);
			return -EINVAL;
		}
	}
	return 0;
}

static void write_classes(struct compiler *c)
{
	const struct class_table *t = &c->classes;

	memcpy(c->view->classes, t->pairs, t->n * sizeof(*t->pairs));
	/* unused classes zeroed: the image depends on the policy alone */
	memset(c->view->classes + t->n, 0,
	       (BR_MAX_CLASSES - t->n) * sizeof(*t->pairs));
}

void br_view_free(struct br_slot_view *view)
{
	free(view->v4_lines);
	free(view->v6_lines);
	free(view->domain_keys);
	free(view->domain_vals);
	free(view->domain_filter);
	free(view->domain_buckets);
	free(view->domain_rules);
	view->v4_lines = NULL;
	view->v6_lines = NULL;
	view->domain_keys = NULL;
	view->domain_vals = NULL;
	view->domain_filter = NULL;
	view->domain_buckets = NULL;
	view->domain_rules = NULL;
	view->n_v4_lines = view->n_v6_lines = 0;
	view->n_domains = view->n_domain_filter = 0;
	view->n_domain_buckets = view->n_domain_rules = 0;
}

int br_compile(const struct br_policy *pol, struct br_slot_view *view,
	       struct br_compile_stats *stats, struct br_diag *diag)
{
	struct br_policy_hdr *hdr = view->hdr;
	struct compiler *c = calloc(1, sizeof(*c));
	int err, too_big = 0;
	size_t i;
	__u32 id;

	view->n_domains = 0;
	view->domain_keys = NULL;
	view->domain_vals = NULL;
	view->n_domain_filter = 0;
	view->domain_filter = NULL;
	hdr->domain_filter_mask = 0;
	view->n_domain_buckets = 0;
	view->domain_buckets = NULL;
	view->n_domain_rules = 0;
	view->domain_rules = NULL;
	hdr->domain_buckets = 0;
	view->n_v4_lines = 0;
	view->v4_lines = NULL;
	view->n_v6_lines = 0;
	view->v6_lines = NULL;
	if (!c)
		return -ENOMEM;
	c->pol = pol;
	c->view = view;
	c->diag = diag;
	c->class_overflow_set = -1;

	err = check_rules(c);
	if (err)
		goto out;
	collect_addr_refs(c);
	err = check_addr_sets(c);
	if (err)
		goto out;
	err = class_table_grow(&c->classes);
	if (err)
		goto out;
	err = class_intern(c, c->base, -1, &id); /* class 0 */
	if (err)
		goto out;

	hdr->flags &= BR_HDR_FAIL_CLOSED;
	hdr->n_rules = pol->n_rules;
	hdr->rules_valid = pol->n_rules == BR_MAX_RULES
				   ? ~(br_rules_t)0
				   : BR_RULE_BIT(pol->n_rules) - 1;
	hdr->default_action = pol->default_action;
	/* A direction no rule constrains needs no lookup per packet. */
	for (i = 0; i < pol->n_rules; i++) {
		if (pol->rules[i].saddr_set != BR_NO_SET)
			hdr->flags |= BR_HDR_SADDR;
		if (pol->rules[i].daddr_set != BR_NO_SET)
			hdr->flags |= BR_HDR_DADDR;
	}
	hdr->v6_n_tiers = 0;
	memset(hdr->v6_tiers, 0, sizeof(hdr->v6_tiers));

	compile_rules(c);
	if ((err = compile_ports(c, 0, view->sport)) ||
	    (err = compile_ports(c, 1, view->dport)) ||
	    (err = compile_etypes(c)) || (err = compile_qtypes(c)))
		goto out;
	compile_stun_types(c);
	compile_l7_masks(c);
	err = compile_domains(c);
	if (err)
		goto out;

	/* Capacity errors of one structure do not hide those of another. */
	err = compile_quic(c);
	if (err == -E2BIG)
		too_big = 1;
	else if (err)
		goto out;
	err = compile_ja4(c);
	if (err == -E2BIG)
		too_big = 1;
	else if (err)
		goto out;
	err = compile_v4(c);
	if (err == -E2BIG)
		too_big = 1;
	else if (err)
		goto out;
	err = compile_v6(c);
	if (err == -E2BIG)
		too_big = 1;
	else if (err)
		goto out;

	c->stats.n_classes = c->classes.n;
	if (c->classes.n > BR_MAX_CLASSES) {
		too_large(c, set_pos(c, c->class_overflow_set),
			  "%u address classes, at most %u", c->classes.n,
			  BR_MAX_CLASSES);
		too_big = 1;
	}
	if (too_big) {
		err = -E2BIG;
		goto out;
	}
	write_classes(c);
	err = 0;
out:
	if (stats)
		*stats = c->stats;
	free(c->classes.pairs);
	free(c->classes.slots);
	free(c);
	return err;
}
