/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_compile.c - the policy compiler against a naive reference.
 *
 * Policies are built by hand, compiled into plain buffers standing in for
 * one slot of the maps, and read back the way the XDP program reads them
 * (a small decoder of the IPv4 directory and lines and the IPv6 table). Expected
 * answers come from a linear scan over the rules and their prefixes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <glob.h>
#include <cmocka.h>

#include "compile.h"
#include "domain.h"

#define NONE BR_NO_SET
#define RULE_BIT(i) ((br_rules_t)1 << (i))

/* ---- building policies ---------------------------------------------- */

static struct br_policy *policy_new(void)
{
	struct br_policy *pol = calloc(1, sizeof(*pol));

	assert_non_null(pol);
	pol->file = "test.policy";
	pol->default_action = BR_ACT_PASS;
	return pol;
}

static void policy_free(struct br_policy *pol)
{
	size_t i;

	for (i = 0; i < pol->n_sets; i++) {
		for (size_t k = 0; pol->sets[i].domains && k < pol->sets[i].n;
		     k++)
			free(pol->sets[i].domains[k].name);
		free(pol->sets[i].name);
		free(pol->sets[i].prefixes);
		free(pol->sets[i].ports);
		free(pol->sets[i].domains);
	}
	free(pol->sets);
	free(pol->rules);
	free(pol);
}

static struct br_prefix prefix_of(const char *text)
{
	struct br_prefix p = {0};
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p.addr) == 1) {
		p.family = 4;
		p.len = slash ? atoi(slash + 1) : 32;
	} else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
		p.family = 6;
		p.len = slash ? atoi(slash + 1) : 128;
	} else {
		fail_msg("bad prefix in test: %s", text);
	}
	return p;
}

/* Declared sets sit on line 100 + their index, so positions say which. */
static struct br_set *set_new(struct br_policy *pol, enum br_set_type type,
			      size_t n, int *index)
{
	struct br_set *set;

	pol->sets = realloc(pol->sets, (pol->n_sets + 1) * sizeof(*set));
	assert_non_null(pol->sets);
	*index = pol->n_sets;
	set = &pol->sets[pol->n_sets++];
	memset(set, 0, sizeof(*set));
	assert_true(asprintf(&set->name, "set%d", *index) > 0);
	set->type = type;
	set->pos = (struct br_pos){"test.policy", 100 + *index, 5};
	set->n = n;
	if (type == BR_SET_ADDR)
		set->prefixes = calloc(n ? n : 1, sizeof(*set->prefixes));
	else if (type == BR_SET_PORT)
		set->ports = calloc(n ? n : 1, sizeof(*set->ports));
	else
		set->domains = calloc(n ? n : 1, sizeof(*set->domains));
	return set;
}

/* An address set from a NULL-terminated list of "addr[/len]". */
static int addr_set(struct br_policy *pol, const char *const *items)
{
	size_t n = 0, i;
	struct br_set *set;
	int index;

	while (items[n])
		n++;
	set = set_new(pol, BR_SET_ADDR, n, &index);
	for (i = 0; i < n; i++)
		set->prefixes[i] = prefix_of(items[i]);
	return index;
}

/* A port set from lo, hi pairs ending with -1. */
static int port_set(struct br_policy *pol, const int *ranges)
{
	size_t n = 0, i;
	struct br_set *set;
	int index;

	while (ranges[2 * n] >= 0)
		n++;
	set = set_new(pol, BR_SET_PORT, n, &index);
	for (i = 0; i < n; i++)
		set->ports[i] = (struct br_port_range){ranges[2 * i],
						       ranges[2 * i + 1]};
	return index;
}

#define ADDRS(...) addr_set(pol, (const char *const[]){__VA_ARGS__, NULL})
#define PORTS(...) port_set(pol, (const int[]){__VA_ARGS__, -1})

static int add_rule(struct br_policy *pol, enum br_proto proto, int saddr,
		    int daddr, int sport, int dport, enum br_action action)
{
	struct br_rule_ir *rule;

	pol->rules = realloc(pol->rules, (pol->n_rules + 1) * sizeof(*rule));
	assert_non_null(pol->rules);
	rule = &pol->rules[pol->n_rules];
	*rule = (struct br_rule_ir){
		.pos = {"test.policy", 200 + (int)pol->n_rules, 1},
		.proto = proto,
		.saddr_set = saddr,
		.daddr_set = daddr,
		.sport_set = sport,
		.dport_set = dport,
		.ether_type = -1,
		.action = action,
	};
	return pol->n_rules++;
}

static int add_ether_rule(struct br_policy *pol, int ether_type,
			  enum br_action action)
{
	int i = add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, action);

	pol->rules[i].ether_type = ether_type;
	return i;
}

/* ---- the slot: plain buffers shared by every test ------------------- */

static struct br_slot_view view;


/* The domain arrays br_compile allocates: the caller's to free. */
static void free_domains(void)
{
	br_view_free(&view);
}

static int view_setup(void **state)
{
	(void)state;
	view.hdr = calloc(1, sizeof(*view.hdr));
	view.rules = calloc(BR_MAX_RULES, sizeof(*view.rules));
	view.classes = calloc(BR_MAX_CLASSES, sizeof(*view.classes));
	view.v4_dir = calloc(BR_V4_DIR_SIZE, sizeof(*view.v4_dir));
	view.proto = calloc(BR_PROTO_SLOTS, sizeof(*view.proto));
	view.sport = calloc(BR_PORT_SLOTS, sizeof(*view.sport));
	view.dport = calloc(BR_PORT_SLOTS, sizeof(*view.dport));
	view.etype = calloc(BR_ETYPE_SLOTS, sizeof(*view.etype));
	view.qtype = calloc(BR_QTYPE_SLOTS, sizeof(*view.qtype));
	view.quic = calloc(BR_QUIC_VERSIONS, sizeof(*view.quic));
	view.stun_type = calloc(BR_STUN_TYPES, sizeof(*view.stun_type));
	view.ja4 = calloc(1, sizeof(*view.ja4));
	return !(view.hdr && view.rules && view.classes && view.v4_dir &&
		 view.proto &&
		 view.sport &&
		 view.dport && view.etype && view.qtype && view.quic &&
		 view.stun_type && view.ja4);
}

static int view_teardown(void **state)
{
	(void)state;
	free(view.hdr);
	free(view.rules);
	free(view.classes);
	free(view.v4_dir);
	free(view.proto);
	free(view.sport);
	free(view.dport);
	free(view.etype);
	free(view.qtype);
	free(view.quic);
	free(view.stun_type);
	free(view.ja4);
	free_domains();
	return 0;
}

static struct br_compile_stats stats;

/* Compile and expect success; on failure show the messages. */
static void compile_ok(const struct br_policy *pol)
{
	struct br_diag diag;
	int err;

	br_diag_init(&diag);
	free_domains();
	err = br_compile(pol, &view, &stats, &diag);
	if (err)
		br_diag_print(&diag, stderr);
	assert_int_equal(err, 0);
	assert_int_equal(diag.n, 0);
	br_diag_free(&diag);
}

/* Compile, expect -E2BIG and exactly one message, at line. */
static void compile_too_big(const struct br_policy *pol, const char *message,
			    int line)
{
	struct br_diag diag;

	br_diag_init(&diag);
	free_domains();
	assert_int_equal(br_compile(pol, &view, &stats, &diag), -E2BIG);
	assert_int_equal(diag.n, 1);
	assert_string_equal(diag.msgs[0].text, message);
	assert_int_equal(diag.msgs[0].pos.line, line);
	br_diag_free(&diag);
}

/* The address family flags: which tables the program reads. */
static __u32 addr_flags(void)
{
	return view.hdr->flags & (BR_HDR_V4_ADDRS | BR_HDR_V6_ADDRS);
}

/* The direction flags: which addresses the program looks up at all. */
static __u32 dir_flags(void)
{
	return view.hdr->flags & (BR_HDR_SADDR | BR_HDR_DADDR);
}

/* ---- reading the image back, as the XDP program does ---------------- */

static __u32 v4_host(const __u8 addr[16])
{
	return (__u32)addr[0] << 24 | addr[1] << 16 | addr[2] << 8 | addr[3];
}

/* The line of addr, checked to lie in the lines the compiler returned. */
static const struct br_v4_line *v4_line(__u32 addr)
{
	__u32 e = view.v4_dir[addr >> 16], idx;

	assert_true(e & BR_V4_NODE);
	assert_true(BR_V4_NODE_K(e) <= 16);
	idx = br_v4_line_of(e, addr);
	if (idx >= view.n_v4_lines)
		fail_msg("line %u of %#x past the %zu lines", idx, addr,
			 view.n_v4_lines);
	return &view.v4_lines[idx];
}

static __u32 lookup_v4(__u32 addr)
{
	__u32 e;

	if (!(view.hdr->flags & BR_HDR_V4_ADDRS))
		return 0;
	e = view.v4_dir[addr >> 16];
	if (!(e & BR_V4_NODE))
		return BR_V4_LEAF_CLASS(e);
	return br_v4_line_class(v4_line(addr), addr & 0xffff);
}

static void mask_v6(__u32 out[4], const __u8 addr[16], unsigned int plen)
{
	__u8 bytes[16];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		int bits = (int)plen - 8 * (int)i;

		bytes[i] = bits >= 8   ? addr[i]
			   : bits <= 0 ? 0
				       : addr[i] & (0xff << (8 - bits));
	}
	memcpy(out, bytes, 16);
}

static unsigned int v6_probes; /* of the last lookup_v6 hit */

/* Line idx of the IPv6 lines, checked to lie in what the compiler returned. */
static const struct br_v6_line *v6_line(__u32 idx)
{
	if (idx >= view.n_v6_lines)
		fail_msg("IPv6 line %u past the %zu lines", idx,
			 view.n_v6_lines);
	return &view.v6_lines[idx];
}

/* Whether the filter lets a lookup of addr probe its tier of plen (>= 32). */
static int v6_filter_present(const __u8 addr[16], __u32 plen)
{
	__u32 top, line, bit;

	memcpy(&top, addr, 4);
	line = br_v6_filter_line(top, view.hdr->v6_filter_mask);
	bit = br_v6_filter_bit(top, plen);
	return (v6_line(line)->bits[bit / 64] >> (bit & 63)) & 1;
}

static __u32 lookup_v6(const __u8 addr[16])
{
	unsigned int t, probe;

	if (!(view.hdr->flags & BR_HDR_V6_ADDRS))
		return 0;
	for (t = 0; t < view.hdr->v6_n_tiers; t++) {
		__u32 plen = view.hdr->v6_tiers[t], key[4], home;

		if (plen >= 32 && !v6_filter_present(addr, plen))
			continue;
		mask_v6(key, addr, plen);
		home = br_v6_hash(key, plen);
		for (probe = 0; probe < BR_V6_MAX_PROBE; probe++) {
			const struct br_v6_bucket *b =
				&v6_line(br_v6_bucket_line(view.hdr,
							   home + probe))
					 ->b[(home + probe) & 1];

			if (!b->used)
				break;
			if (b->plen == plen && !memcmp(b->addr, key, 16)) {
				v6_probes = probe + 1;
				return b->class_id;
			}
		}
	}
	return 0;
}

/* ---- packets: the dataplane's answer and the reference answer ------- */

struct packet {
	int family; /* 4, 6, or 0 for a non-IP frame */
	__u8 src[16], dst[16];
	int proto;
	int sport, dport; /* BR_PORT_NONE when the packet has none */
	int ether_type;
};

static __u32 class_of(int family, const __u8 addr[16])
{
	return family == 4 ? lookup_v4(v4_host(addr)) : lookup_v6(addr);
}

/* The winning rule as the program computes it, -1 for the default. */
static int dataplane_rule(const struct packet *pkt)
{
	br_rules_t b = view.hdr->rules_valid;
	__u32 src_class, dst_class;

	if (!pkt->family) {
		b &= view.etype[pkt->ether_type];
	} else {
		src_class = class_of(pkt->family, pkt->src);
		dst_class = class_of(pkt->family, pkt->dst);
		assert_in_range(src_class, 0, stats.n_classes - 1);
		assert_in_range(dst_class, 0, stats.n_classes - 1);
		b &= view.proto[pkt->proto] & view.sport[pkt->sport] &
		     view.dport[pkt->dport] & view.classes[src_class].src &
		     view.classes[dst_class].dst;
	}
	return b ? __builtin_ctzll(b) : -1;
}

static int prefix_contains(const struct br_prefix *p, int family,
			   const __u8 addr[16])
{
	unsigned int i;

	if (p->family != family)
		return 0;
	for (i = 0; i < p->len; i++)
		if ((p->addr[i / 8] ^ addr[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static int in_addr_set(const struct br_policy *pol, int set, int family,
		       const __u8 addr[16])
{
	size_t i;

	if (set == NONE)
		return 1;
	for (i = 0; i < pol->sets[set].n; i++)
		if (prefix_contains(&pol->sets[set].prefixes[i], family, addr))
			return 1;
	return 0;
}

static int in_port_set(const struct br_policy *pol, int set, int port)
{
	size_t i;

	if (set == NONE)
		return 1;
	if (port == BR_PORT_NONE)
		return 0;
	for (i = 0; i < pol->sets[set].n; i++)
		if (port >= pol->sets[set].ports[i].lo &&
		    port <= pol->sets[set].ports[i].hi)
			return 1;
	return 0;
}

static int proto_matches(enum br_proto proto, int p)
{
	switch (proto) {
	case BR_PROTO_ANY:
		return 1;
	case BR_PROTO_TCP:
		return p == 6;
	case BR_PROTO_UDP:
		return p == 17;
	case BR_PROTO_ICMP:
		return p == 1 || p == 58;
	}
	return 0;
}

/* First match wins, by a linear scan of the IR: the reference. */
static int reference_rule(const struct br_policy *pol, const struct packet *pkt)
{
	size_t i;

	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *r = &pol->rules[i];

		if (r->ether_type >= 0 || !pkt->family) {
			if (r->ether_type >= 0 && !pkt->family &&
			    r->ether_type == pkt->ether_type)
				return i;
			continue;
		}
		if (proto_matches(r->proto, pkt->proto) &&
		    in_port_set(pol, r->sport_set, pkt->sport) &&
		    in_port_set(pol, r->dport_set, pkt->dport) &&
		    in_addr_set(pol, r->saddr_set, pkt->family, pkt->src) &&
		    in_addr_set(pol, r->daddr_set, pkt->family, pkt->dst))
			return i;
	}
	return -1;
}

/* The (src, dst) bits an address should get, by the reference. */
static struct br_class reference_class(const struct br_policy *pol, int family,
				       const __u8 addr[16])
{
	struct br_class bits = {0, 0};
	size_t i;

	for (i = 0; i < pol->n_rules; i++) {
		const struct br_rule_ir *r = &pol->rules[i];

		if (r->ether_type >= 0)
			continue;
		if (in_addr_set(pol, r->saddr_set, family, addr))
			bits.src |= RULE_BIT(i);
		if (in_addr_set(pol, r->daddr_set, family, addr))
			bits.dst |= RULE_BIT(i);
	}
	return bits;
}

static void check_address(const struct br_policy *pol, int family,
			  const __u8 addr[16])
{
	struct br_class want = reference_class(pol, family, addr);
	__u32 id = class_of(family, addr);
	char text[INET6_ADDRSTRLEN];

	assert_in_range(id, 0, stats.n_classes - 1);
	if (view.classes[id].src != want.src ||
	    view.classes[id].dst != want.dst) {
		inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text,
			  sizeof(text));
		fail_msg("%s: class %u = (%#llx, %#llx), want (%#llx, %#llx)",
			 text, id, (unsigned long long)view.classes[id].src,
			 (unsigned long long)view.classes[id].dst,
			 (unsigned long long)want.src,
			 (unsigned long long)want.dst);
	}
}

static void check_v4(const struct br_policy *pol, __u32 host)
{
	__u8 addr[16] = {host >> 24, host >> 16, host >> 8, host};

	check_address(pol, 4, addr);
}

/* Addresses around every prefix of every set: ends, neighbours, middle. */
static void check_prefix_edges(const struct br_policy *pol)
{
	size_t s, i;

	for (s = 0; s < pol->n_sets; s++) {
		for (i = 0; i < pol->sets[s].n; i++) {
			const struct br_prefix *p = &pol->sets[s].prefixes[i];

			if (pol->sets[s].type != BR_SET_ADDR)
				break;
			if (p->family == 4) {
				__u32 first = v4_host(p->addr);
				__u32 last = first |
					     (p->len < 32 ? ~0u >> p->len : 0);

				check_v4(pol, first - 1);
				check_v4(pol, first);
				check_v4(pol, first + (last - first) / 2);
				check_v4(pol, last);
				check_v4(pol, last + 1);
			} else {
				__u8 addr[16];
				unsigned int b;

				memcpy(addr, p->addr, 16);
				check_address(pol, 6, addr);
				for (b = 0; b < 16; b++)
					addr[b] |=
						p->len >= 8 * (b + 1) ? 0
						: p->len <= 8 * b
							? 0xff
							: 0xff >> (p->len % 8);
				check_address(pol, 6, addr); /* last */
				addr[15] ^= 1;
				check_address(pol, 6, addr);
				memcpy(addr, p->addr, 16);
				if (p->len) /* just outside */
					addr[(p->len - 1) / 8] ^=
						0x80 >> ((p->len - 1) % 8);
				check_address(pol, 6, addr);
			}
		}
	}
}

/* ---- protocol, port, ethertype bitmaps and the header --------------- */

static void test_proto_bitmap_per_rule_protocol(void **state)
{
	static const struct {
		int proto;
		br_rules_t want; /* rules: any, tcp, udp, icmp, ether */
				 /* clang-format off */
	} cases[] = {
		{ 0,   0x01 },
		{ 1,   0x09 },	/* ICMP */
		{ 6,   0x03 },	/* TCP */
		{ 17,  0x05 },	/* UDP */
		{ 58,  0x09 },	/* ICMPv6 */
		{ 132, 0x01 },	/* SCTP: only "any" */
		{ 255, 0x01 },	/* unparsed L4 */
	};
	/* clang-format on */
	struct br_policy *pol = policy_new();
	size_t i;

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ICMP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_ether_rule(pol, 0x0806, BR_ACT_DROP);
	compile_ok(pol);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(view.proto[cases[i].proto], cases[i].want);
	policy_free(pol);
}

static void test_port_bitmaps_per_direction(void **state)
{
	static const struct {
		int port;
		br_rules_t sport, dport;
		/* clang-format off */
	} cases[] = {
		/* rules: 0 dport {443, 5223}, 1 sport 1024-65535 and
		 * dport 0-10 overlapping 5-20, 2 no ports, 3 dport {443} */
		{ 0,            0x0d, 0x06 },
		{ 10,           0x0d, 0x06 },
		{ 20,           0x0d, 0x06 },
		{ 21,           0x0d, 0x04 },
		{ 442,          0x0d, 0x04 },
		{ 443,          0x0d, 0x0d },
		{ 444,          0x0d, 0x04 },
		{ 1023,         0x0d, 0x04 },
		{ 1024,         0x0f, 0x04 },
		{ 5223,         0x0f, 0x05 },
		{ 65535,        0x0f, 0x04 },
		{ BR_PORT_NONE, 0x0d, 0x04 },	/* ICMP, fragments */
	};
	/* clang-format on */
	struct br_policy *pol = policy_new();
	int push = PORTS(443, 443, 5223, 5223);
	int high = PORTS(1024, 65535);
	int low = PORTS(0, 10, 5, 20);
	int https = PORTS(443, 443);
	size_t i;

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, push, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, high, low, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, https, BR_ACT_DROP);
	compile_ok(pol);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(view.sport[cases[i].port], cases[i].sport);
		assert_int_equal(view.dport[cases[i].port], cases[i].dport);
	}
	policy_free(pol);
}

static void test_etype_bitmap_only_for_ether_rules(void **state)
{
	struct br_policy *pol = policy_new();

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	add_ether_rule(pol, 0x0806, BR_ACT_DROP);
	add_ether_rule(pol, 0x88cc, BR_ACT_DROP);
	add_ether_rule(pol, 0x0806, BR_ACT_PASS);
	compile_ok(pol);
	assert_int_equal(view.etype[0x0806], 0x0a);
	assert_int_equal(view.etype[0x88cc], 0x04);
	assert_int_equal(view.etype[0x0800], 0);
	assert_int_equal(view.proto[6], 0x01);
	/* ether rules are in no address class */
	assert_int_equal(view.classes[0].src, 0x01);
	assert_int_equal(view.classes[0].dst, 0x01);
	policy_free(pol);
}

static void test_header_and_rules_rewritten_caller_fields_kept(void **state)
{
	struct br_policy *pol = policy_new();
	int apns = ADDRS("17.249.0.0/16");
	size_t i;

	(void)state;
	memset(view.rules, 0xab, BR_MAX_RULES * sizeof(*view.rules));
	view.hdr->generation = 41;
	view.hdr->gen_idx = 9;
	view.hdr->flags = BR_HDR_FAIL_CLOSED | BR_HDR_V6_ADDRS;
	view.hdr->v6_n_tiers = 3;
	pol->default_action = BR_ACT_DROP;
	add_rule(pol, BR_PROTO_TCP, NONE, apns, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);

	assert_int_equal(view.hdr->generation, 41);
	assert_int_equal(view.hdr->gen_idx, 9);
	assert_int_equal(view.hdr->flags,
			 BR_HDR_FAIL_CLOSED | BR_HDR_V4_ADDRS | BR_HDR_DADDR |
				 BR_HDR_PROTO);
	assert_int_equal(view.hdr->n_rules, 2);
	assert_int_equal(view.hdr->rules_valid, 0x3);
	assert_int_equal(view.hdr->default_action, BR_ACT_DROP);
	assert_int_equal(view.hdr->v6_n_tiers, 0);
	assert_int_equal(view.rules[0].action, BR_ACT_DROP);
	assert_int_equal(view.rules[1].action, BR_ACT_PASS);
	assert_int_equal(view.rules[0].burst, 0);
	for (i = 2; i < BR_MAX_RULES; i++) {
		assert_int_equal(view.rules[i].action, 0);
		assert_int_equal(view.rules[i].ps_per_byte, 0);
	}
	assert_int_equal(stats.v4_prefixes, 1);
	policy_free(pol);
}

static void test_64_rules_fill_rules_valid(void **state)
{
	struct br_policy *pol = policy_new();
	int i;

	(void)state;
	for (i = 0; i < BR_MAX_RULES; i++)
		add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE,
			 BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.hdr->n_rules, 64);
	assert_true(view.hdr->rules_valid == ~(br_rules_t)0);
	assert_true(view.proto[17] == ~(br_rules_t)0);
	policy_free(pol);
}

static void test_65_rules_too_large(void **state)
{
	struct br_policy *pol = policy_new();
	int i;

	(void)state;
	for (i = 0; i <= BR_MAX_RULES; i++)
		add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE,
			 BR_ACT_DROP);
	compile_too_big(pol,
			"policy too large for its map: 65 rules, at most 64",
			200 + BR_MAX_RULES);
	policy_free(pol);
}

/* ---- address classes ------------------------------------------------ */

static void test_class0_is_rules_without_address_match(void **state)
{
	struct br_policy *pol = policy_new();
	int apple = ADDRS("17.0.0.0/8", "2620:149::/32");
	int lab = ADDRS("198.18.0.0/15");

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, apple, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_TCP, lab, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	add_ether_rule(pol, 0x0806, BR_ACT_DROP);
	compile_ok(pol);
	/* class 0: rule 0 matches any source, rule 1 any destination */
	assert_int_equal(view.classes[0].src, 0x5);
	assert_int_equal(view.classes[0].dst, 0x6);
	assert_int_equal(lookup_v4(0x08080808), 0); /* 8.8.8.8 */
	assert_int_equal(view.classes[lookup_v4(0x11000001)].dst, 0x7);
	assert_int_equal(view.classes[lookup_v4(0x11000001)].src, 0x5);
	assert_int_equal(view.classes[lookup_v4(0xc6120001)].src, 0x7);
	assert_int_equal(addr_flags(), BR_HDR_V4_ADDRS | BR_HDR_V6_ADDRS);
	assert_int_equal(dir_flags(), BR_HDR_SADDR | BR_HDR_DADDR);
	assert_int_equal(stats.n_classes, 3);
	policy_free(pol);
}

static void test_duplicate_prefixes_merge_their_rules(void **state)
{
	struct br_policy *pol = policy_new();
	int a = ADDRS("10.1.2.3", "10.9.0.0/16", "2001:db8::1");
	int b = ADDRS("10.1.2.3", "10.9.0.0/16", "2001:db8::1", "10.1.2.3");

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, a, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_UDP, b, b, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(stats.v4_prefixes, 2);
	assert_int_equal(stats.v6_prefixes, 1);
	check_prefix_edges(pol);
	assert_int_equal(view.classes[lookup_v4(0x0a010203)].dst, 0x3);
	assert_int_equal(view.classes[lookup_v4(0x0a010203)].src, 0x3);
	policy_free(pol);
}

static void test_direction_flags_only_for_constrained_directions(void **state)
{
	struct br_policy *pol = policy_new();
	int lab = ADDRS("198.18.0.0/15");

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(dir_flags(), 0); /* no address lookups at all */
	policy_free(pol);

	pol = policy_new();
	lab = ADDRS("198.18.0.0/15");
	add_rule(pol, BR_PROTO_TCP, NONE, lab, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(dir_flags(), BR_HDR_DADDR); /* sources skipped */
	policy_free(pol);

	pol = policy_new();
	lab = ADDRS("198.18.0.0/15");
	add_rule(pol, BR_PROTO_UDP, lab, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(dir_flags(), BR_HDR_SADDR);
	policy_free(pol);
}

/*
 * The protocol flag: set when some rule names a protocol; without it every
 * protocol's bitmap is the same, the IP rules, which the header holds so
 * the program need not look it up. Ether type rules are in none of them.
 */
static void test_proto_flag_and_ip_rules(void **state)
{
	struct br_policy *pol = policy_new();
	int lab = ADDRS("198.18.0.0/15");
	int p;

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, lab, NONE, NONE, BR_ACT_DROP);
	add_ether_rule(pol, 0x0806, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	assert_int_equal(view.hdr->flags & BR_HDR_PROTO, 0);
	assert_int_equal(view.hdr->ip_rules, 0x5);
	for (p = 0; p < BR_PROTO_SLOTS; p++)
		assert_int_equal(view.proto[p], view.hdr->ip_rules);
	policy_free(pol);

	pol = policy_new();
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.hdr->flags & BR_HDR_PROTO, BR_HDR_PROTO);
	policy_free(pol);
}

/* The port flags: which port tables the program looks up at all. */
static void test_port_flags_only_for_constrained_directions(void **state)
{
	struct br_policy *pol = policy_new();
	const __u32 ports = BR_HDR_SPORT | BR_HDR_DPORT;
	int web;

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.hdr->flags & ports, 0);
	policy_free(pol);

	pol = policy_new();
	web = PORTS(443, 443);
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, web, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.hdr->flags & ports, BR_HDR_DPORT);
	policy_free(pol);

	pol = policy_new();
	web = PORTS(1000, 2000);
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, web, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.hdr->flags & ports, BR_HDR_SPORT);
	policy_free(pol);
}

static void test_empty_set_matches_nothing_and_writes_no_table(void **state)
{
	struct br_policy *pol = policy_new();
	int empty = addr_set(pol, (const char *const[]){NULL});

	(void)state;
	add_rule(pol, BR_PROTO_ANY, empty, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(addr_flags(), 0);
	assert_int_equal(view.n_v4_lines, 0);
	assert_null(view.v4_lines);
	assert_int_equal(view.classes[0].src, 0);
	assert_int_equal(view.classes[0].dst, 0x1);
	assert_int_equal(stats.n_classes, 1);
	policy_free(pol);
}

/* ---- IPv4 ----------------------------------------------------------- */

static void test_v4_overlapping_prefixes_against_reference(void **state)
{
	struct br_policy *pol = policy_new();
	int registry = ADDRS("10.0.0.0/8", "10.1.0.0/16", "10.1.2.3",
			     "10.1.2.128/25", "10.1.2.130/31", "10.1.2.255",
			     "10.2.3.0/24", "10.2.3.0/24", "192.0.2.0/30",
			     "255.255.255.255", "0.0.0.0", "172.16.0.0/12",
			     "100.64.7.0/25", "100.64.7.66");
	int apns = ADDRS("10.1.0.0/16", "10.1.2.128/26", "10.1.2.130",
			 "172.20.5.0/29", "172.20.5.4/30", "203.0.113.7",
			 "100.64.7.64/26", "100.64.7.65");
	int everything = ADDRS("0.0.0.0/0");
	__u32 i, seed = 7;

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, registry, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, apns, apns, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_UDP, everything, NONE, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	check_prefix_edges(pol);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		check_v4(pol, (seed & 0x00ffffff) |
				      (i & 1 ? 0x0a000000 : 0xac100000));
		check_v4(pol, 0x0a010200 | (i & 0xff));
		check_v4(pol, 0x64400700 | (i & 0xff)); /* nested, no cover */
	}
	/* /0 makes every address a member: class 0 is used by no address */
	assert_int_not_equal(lookup_v4(0x08080808), 0);
	policy_free(pol);
}

/*
 * The layout the compiler picks per /16: a leaf for a /16 of one class, a
 * node of one line while its ranges fit one, of 2^k lines once they do
 * not, a bitmap for a /24 of clustered hosts.
 */
static void test_v4_layout_per_16(void **state)
{
	struct br_policy *pol = policy_new();
	int set = ADDRS("10.0.0.9", "10.0.1.1", "10.0.2.4/31", "10.0.3.128/25",
			"10.0.3.129", "10.0.4.0/24", "10.0.5.77", "10.1.0.0/16",
			"10.2.0.0/15", "10.4.7.7", "10.5.0.1", "10.5.0.3",
			"10.5.0.5", "10.5.0.7", "10.5.0.9", "10.5.0.11",
			"10.5.0.13", "10.5.0.15", "10.5.0.17", "10.5.0.19",
			"10.5.0.21", "10.6.0.0/16", "10.7.0.1", "10.7.0.5",
			"10.7.0.9", "10.7.0.13", "10.7.0.17", "10.7.0.21",
			"10.7.128.1");
	int other = ADDRS("10.0.3.130", "10.6.9.9", "10.7.0.3", "10.7.0.7",
			  "10.7.0.11", "10.7.0.15", "10.7.0.19", "10.7.0.23");
	const struct br_v4_line *l;
	__u32 e, i;

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, set, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, other, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	/* 10.0/16: seven ranges, one line */
	e = view.v4_dir[0x0a00];
	assert_true(e & BR_V4_NODE);
	assert_int_equal(BR_V4_NODE_K(e), 0);
	l = v4_line(0x0a000009);
	assert_int_equal(l->kind, BR_V4_RANGES);
	assert_int_equal(l->miss, 0);
	assert_int_equal(l->r.lo[0], 0x0009);
	assert_int_equal(l->r.hi[0], 0x0009);
	/* 10.1/16 and 10.2/15: leaves; 10.8/16: nothing */
	assert_false(view.v4_dir[0x0a01] & BR_V4_NODE);
	assert_int_not_equal(view.v4_dir[0x0a01], 0);
	assert_int_equal(view.v4_dir[0x0a02], view.v4_dir[0x0a03]);
	assert_int_equal(view.v4_dir[0x0a08], 0);
	/* 10.5/16: eleven hosts in 10.5.0/24, one class: a bitmap (k 8) */
	assert_int_equal(BR_V4_NODE_K(view.v4_dir[0x0a05]), 8);
	assert_int_equal(v4_line(0x0a050001)->kind, BR_V4_BITMAP);
	assert_int_equal(v4_line(0x0a050101)->kind, BR_V4_RANGES);
	/* 10.6/16: a /16 around a host: the /16's class is the default */
	l = v4_line(0x0a060909);
	assert_int_equal(BR_V4_NODE_K(view.v4_dir[0x0a06]), 0);
	assert_int_equal(l->miss, BR_V4_LEAF_CLASS(view.v4_dir[0x0a01]));
	assert_int_equal(l->r.lo[0], 0x0909);
	assert_int_equal(l->r.lo[1], 0xffff); /* unused */
	assert_int_equal(l->r.hi[1], 0);
	/*
	 * 10.7/16: twelve hosts of two sets in 10.7.0/24, three classes
	 * with the gaps: no bitmap; parts of 16 addresses hold ten ranges.
	 */
	assert_int_equal(BR_V4_NODE_K(view.v4_dir[0x0a07]), 12);
	assert_int_equal(stats.v4_nodes, 5);
	assert_int_equal(stats.v4_max_k, 12);
	assert_int_equal(stats.v4_lines, 1 + 1 + 256 + 1 + 4096);
	assert_int_equal(stats.v4_bitmap_lines, 1);
	for (i = 0; i < 8 * 65536; i++)
		check_v4(pol, 0x0a000000 + i);
	policy_free(pol);
}

/*
 * n_sets IPv4 sets, set j holding every /(j + 1) whose last bit is 1, each
 * the source of one rule: an address's top n_sets bits name the sets it is
 * in, so every address range of that size is its own class.
 */
static void nested_halves(struct br_policy *pol, unsigned int n_sets)
{
	unsigned int j, k;

	for (j = 0; j < n_sets; j++) {
		struct br_set *set;
		int index;

		set = set_new(pol, BR_SET_ADDR, 1u << j, &index);
		for (k = 0; k < (1u << j); k++) {
			/* the prefixes of length j + 1 whose last bit is 1 */
			__u32 top = (k << 1 | 1) << (31 - j);
			struct br_prefix *p = &set->prefixes[k];

			p->family = 4;
			p->len = j + 1;
			p->addr[0] = top >> 24;
			p->addr[1] = top >> 16;
			p->addr[2] = top >> 8;
			p->addr[3] = top;
		}
		add_rule(pol, BR_PROTO_ANY, index, NONE, NONE, NONE,
			 BR_ACT_DROP);
	}
}

/*
 * 12 sets of nested halves give 4096 classes; a line holds any class id
 * (16 bits): hosts whose classes come late are found like the others.
 */
static void test_v4_classes_past_2048(void **state)
{
	struct br_policy *pol = policy_new();
	int late;

	(void)state;
	nested_halves(pol, 12);
	late = ADDRS("255.255.0.1", "0.0.1.1");
	add_rule(pol, BR_PROTO_ANY, late, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(stats.n_classes, 4096 + 2);
	/* 255.255.0.1: in every set, its class comes last */
	assert_true(view.v4_dir[0xffff] & BR_V4_NODE);
	assert_int_equal(lookup_v4(0xffff0001), 4096 + 1);
	check_v4(pol, 0xffff0001);
	check_v4(pol, 0xffff0002);
	check_v4(pol, 0x00000101);
	check_v4(pol, 0x00000102);
	check_prefix_edges(pol);
	policy_free(pol);
}

static void test_v4_stale_dir_overwritten(void **state)
{
	struct br_policy *pol = policy_new();
	int set =
		ADDRS("10.0.1.1", "10.0.1.2", "192.168.0.0/16", "192.168.7.7");
	__u32 top;

	(void)state;
	memset(view.v4_dir, 0x5a, BR_V4_DIR_SIZE * sizeof(*view.v4_dir));
	add_rule(pol, BR_PROTO_ANY, set, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	for (top = 0; top < BR_V4_DIR_SIZE; top++) {
		__u32 e = view.v4_dir[top];

		if (top == 0x0a00) /* 10.0/16, the /16 of two hosts */
			continue;
		assert_false(e & BR_V4_NODE);
		assert_int_equal(BR_V4_LEAF_CLASS(e), top == 0xc0a8 ? 1 : 0);
	}
	/* 192.168.7.7 adds nothing to its /16 */
	assert_int_equal(stats.v4_nodes, 1);
	for (top = 0; top < 256; top++) {
		check_v4(pol, 0x0a000100 | top);
		check_v4(pol, 0xc0a80700 | top);
	}
	policy_free(pol);
}

static void test_v4_no_lines_without_v4_prefixes(void **state)
{
	struct br_policy *pol = policy_new();
	int v6only = ADDRS("2001:db8::/32");

	(void)state;
	add_rule(pol, BR_PROTO_ANY, v6only, NONE, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(addr_flags(), BR_HDR_V6_ADDRS);
	assert_int_equal(view.n_v4_lines, 0);
	assert_null(view.v4_lines);
	assert_int_equal(stats.v4_nodes, 0);
	policy_free(pol);
}

/* ---- IPv6 ----------------------------------------------------------- */

static void test_v6_tiers_against_reference(void **state)
{
	struct br_policy *pol = policy_new();
	int apns = ADDRS("2620:149:a44::/48", "2403:300:a42::/48",
			 "2403:300:a51::/48", "2a01:b740:a42::/48");
	int apple = ADDRS("2403:300::/32", "2620:149::/32", "2a01:b740::/32",
			  "2620:149:a44::5", "2620:149:a44:1::/64");
	int hosts = ADDRS("2620:149:a44:1::1", "2620:149:a44:1::2",
			  "2001:db8::1", "::", "2620:149:a44::/48");
	int everything = ADDRS("::/0");
	unsigned int i;

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, apns, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_UDP, NONE, apple, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, hosts, hosts, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ICMP, everything, NONE, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	assert_int_equal(view.hdr->v6_n_tiers, 5);
	assert_memory_equal(view.hdr->v6_tiers, ((__u8[]){128, 64, 48, 32, 0}),
			    5);
	assert_int_equal(addr_flags(), BR_HDR_V6_ADDRS);
	assert_int_equal(stats.v6_prefixes, 14);
	check_prefix_edges(pol);
	for (i = 0; i < 1000; i++) {
		__u8 addr[16] = {0x26, 0x20, 0x01, 0x49, 0x0a, 0x44, 0, 1};

		addr[15] = i;
		addr[7] = i >> 8;
		check_address(pol, 6, addr);
	}
	policy_free(pol);
}

/*
 * The filter: a miss in a /32 that holds no prefix of /32 or longer skips
 * those tiers; a shorter prefix is still found there; the lines are sized
 * to the set.
 */
static void test_v6_filter_and_lines_sized_to_the_set(void **state)
{
	struct br_policy *pol = policy_new();
	int set = ADDRS("2001:db8::/48", "2001:db8:1::1", "2400::/16",
			"2a00:1450::/32");
	__u8 in16[16] = {0x24, 0x00, 0x12, 0x34, 0, 0, 0, 0, 9};
	__u8 other[16] = {0x26, 0x20, 0x01, 0x49, 0, 0, 0, 0, 1};

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, set, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	/* one filter line, 16 buckets (8 lines): twice the 4 prefixes at least */
	assert_int_equal(view.hdr->v6_filter_mask, 0);
	assert_int_equal(view.hdr->v6_bucket_mask, 15);
	assert_int_equal(view.hdr->v6_bucket_base, 1);
	assert_int_equal(view.n_v6_lines, 1 + 8);
	assert_int_equal(stats.v6_lines, 9);
	assert_true(v6_filter_present(
		(__u8[16]){0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff}, 48));
	assert_true(v6_filter_present(
		(__u8[16]){0x20, 0x01, 0x0d, 0xb8, 0, 1}, 128));
	assert_true(v6_filter_present((__u8[16]){0x2a, 0x00, 0x14, 0x50}, 32));
	/* a tier the /32 holds no prefix of is skipped (no collision here) */
	assert_false(v6_filter_present((__u8[16]){0x2a, 0x00, 0x14, 0x50}, 48));
	/* 2400:1234::/32 holds no long prefix: its lookups skip to the /16 */
	assert_false(v6_filter_present(in16, 32));
	assert_false(v6_filter_present(in16, 48));
	assert_false(v6_filter_present(in16, 128));
	assert_int_not_equal(lookup_v6(in16), 0);
	check_address(pol, 6, in16);
	check_address(pol, 6, other);
	check_prefix_edges(pol);
	policy_free(pol);
}

static void test_v6_random_set_fits_with_short_probes(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_set *set;
	__u64 x = 88172645463325252ULL;
	size_t n = 100000, k;
	int index;

	(void)state;
	set = set_new(pol, BR_SET_ADDR, n, &index);
	for (k = 0; k < n; k++) {
		struct br_prefix *p = &set->prefixes[k];
		unsigned int b;

		p->family = 6;
		p->len = k % 10 ? 128 : 64;
		for (b = 0; b < 16; b++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p->addr[b] = 8 * b < p->len ? x : 0;
		}
		p->addr[0] = 0x20;
	}
	add_rule(pol, BR_PROTO_ANY, NONE, index, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_in_range(stats.v6_max_probe, 1, BR_V6_MAX_PROBE);
	for (k = 0; k < n; k += 7) {
		assert_int_not_equal(lookup_v6(set->prefixes[k].addr), 0);
		assert_in_range(v6_probes, 1, stats.v6_max_probe);
	}
	policy_free(pol);
}

/* ---- capacity errors ------------------------------------------------ */

/*
 * 17 sets of nested halves: every address is in its own combination of
 * sets by its top 17 bits, 2^17 classes. Class 65536 is born at the /1 of
 * the first set (line 100).
 */
static void test_too_many_classes(void **state)
{
	struct br_policy *pol = policy_new();

	(void)state;
	nested_halves(pol, 17);
	compile_too_big(pol,
			"policy too large for its map: 131072 address "
			"classes, at most 65536",
			100);
	policy_free(pol);
}

static void test_too_many_v6_tiers(void **state)
{
	struct br_policy *pol = policy_new();
	int first = ADDRS("2001:db8::/32", "2001:db8::/40", "2001:db8::/48",
			  "2001:db8::/56", "2001:db8::/64", "2001:db8::/72",
			  "10.0.0.0/8");
	int second = ADDRS("2001:db8::/80", "2001:db8::/88", "2001:db8::/96",
			   "2001:db8::/104");

	(void)state;
	add_rule(pol, BR_PROTO_ANY, first, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, second, NONE, NONE, BR_ACT_DROP);
	compile_too_big(pol,
			"policy too large for its map: 10 distinct IPv6 "
			"prefix lengths, at most 8",
			100 + second);
	policy_free(pol);
}

/*
 * A set of hosts, one at each of the n_octets last octets in each of n /24s
 * from 1.0.0.0 on; returns its index.
 */
static int hosts_per_24(struct br_policy *pol, __u32 n, const __u8 *octets,
			__u32 n_octets)
{
	struct br_set *set;
	int index;
	__u32 k;

	set = set_new(pol, BR_SET_ADDR, n * n_octets, &index);
	for (k = 0; k < n * n_octets; k++) {
		__u32 addr = 0x01000000 + (k / n_octets) * 256 +
			     octets[k % n_octets];

		set->prefixes[k] = (struct br_prefix){
			.family = 4,
			.len = 32,
			.addr = {addr >> 24, addr >> 16, addr >> 8, addr},
		};
	}
	return index;
}

/*
 * Hosts of one set in clustered /24s (cloud ranges): more than a line
 * holds in a /24 of two classes becomes a bitmap.
 */
static void test_v4_clustered_hosts_use_bitmaps(void **state)
{
	struct br_policy *pol = policy_new();
	static const __u8 octets[12] = { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 };
	__u32 k, n = 1000;
	int set = hosts_per_24(pol, n, octets, 12);

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, set, NONE, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(stats.v4_bitmap_lines, n);
	assert_int_equal(stats.v4_max_k, 8);
	assert_int_equal(stats.v4_lines, 4 * 256);
	assert_int_equal(view.v4_lines[BR_V4_NODE_LINE(view.v4_dir[0x0100])].kind,
			 BR_V4_BITMAP);
	for (k = 0; k < 3 * 256; k++)
		check_v4(pol, 0x01000000 + k);
	check_v4(pol, 0x01000000 + (n - 1) * 256 + 23);
	check_v4(pol, 0x01000000 + (n - 1) * 256 + 24);
	policy_free(pol);
}

/*
 * Hosts of two sets side by side in each /24: three classes, twelve
 * ranges, no bitmap: parts of 8 addresses (the costly case: 8192 lines a
 * /16).
 */
static void test_v4_three_classes_in_a_24(void **state)
{
	struct br_policy *pol = policy_new();
	static const __u8 a_oct[6] = { 1, 3, 5, 7, 9, 11 };
	static const __u8 b_oct[6] = { 2, 4, 6, 8, 10, 12 };
	int a = hosts_per_24(pol, 20, a_oct, 6);
	int b = hosts_per_24(pol, 20, b_oct, 6);
	__u32 k;

	(void)state;
	add_rule(pol, BR_PROTO_ANY, NONE, a, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, b, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	assert_int_equal(stats.v4_max_k, 13);
	assert_int_equal(stats.v4_bitmap_lines, 0);
	for (k = 0; k < 21 * 256; k++)
		check_v4(pol, 0x01000000 + k);
	policy_free(pol);
}

/*
 * /128s whose home buckets all lie in 0..7 (found by search) pile up in
 * one cluster: the 40th of them, entry 41 after the filler, would sit 32
 * buckets past its home, one more than the program probes.
 */
static void test_v6_probe_limit(void **state)
{
	struct br_policy *pol = policy_new();
	int filler = ADDRS("2001:db8::1");
	struct br_set *set;
	__u32 key[4] = {htonl(0x20010db8), 0, 0, 0}, found = 0;
	int index;

	(void)state;
	set = set_new(pol, BR_SET_ADDR, 48, &index);
	while (found < 48) {
		key[3]++;
		if ((br_v6_hash(key, 128) & 127) < 8) { /* 49 prefixes: 128 buckets */
			set->prefixes[found].family = 6;
			set->prefixes[found].len = 128;
			memcpy(set->prefixes[found++].addr, key, 16);
		}
	}
	add_rule(pol, BR_PROTO_ANY, filler, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, index, NONE, NONE, BR_ACT_DROP);
	compile_too_big(pol,
			"policy too large for its map: IPv6 probe limit 32 "
			"exceeded at 41 entries",
			100 + index);
	policy_free(pol);
}

/* ---- whole policies, random, against the reference ------------------ */

static __u32 rnd_state;

static __u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* A prefix in a small corner of the space, so that sets overlap. */
static struct br_prefix random_prefix(void)
{
	static const __u8 v4_lens[] = {16, 20, 22, 23, 24, 24, 25, 26, 27,
				       28, 29, 30, 31, 32, 32, 32, 32, 32};
	static const __u8 v6_lens[] = {0, 32, 48, 64, 127, 128, 128, 128};
	struct br_prefix p = {0};
	unsigned int b;

	if (rnd() % 3) {
		/* 8 /24s, mostly their first quarter: long prefixes nest */
		__u32 addr = 0x0a000000 | (rnd() & 0x0001033f) |
			     (rnd() % 4 ? 0 : rnd() & 0xc0);

		p.family = 4;
		p.len = rnd() % 64  ? v4_lens[rnd() % sizeof(v4_lens)]
			: rnd() % 2 ? 0
				    : 8;
		if (p.len < 32)
			addr &= p.len ? ~0u << (32 - p.len) : 0;
		p.addr[0] = addr >> 24;
		p.addr[1] = addr >> 16;
		p.addr[2] = addr >> 8;
		p.addr[3] = addr;
	} else {
		p.family = 6;
		p.len = v6_lens[rnd() % sizeof(v6_lens)];
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[5] = rnd() & 3;
		p.addr[7] = rnd() & 3;
		p.addr[15] = rnd() & 7;
		for (b = 0; b < 16; b++) {
			int bits = (int)p.len - 8 * (int)b;

			if (bits <= 0)
				p.addr[b] = 0;
			else if (bits < 8)
				p.addr[b] &= 0xff << (8 - bits);
		}
	}
	return p;
}

/* An address near one of the policy's prefixes, or anywhere nearby. */
static void random_address(const struct br_policy *pol, int family,
			   __u8 addr[16])
{
	const struct br_set *set = &pol->sets[rnd() % pol->n_sets];
	struct br_prefix p = random_prefix();
	unsigned int b;

	while (p.family != family)
		p = random_prefix();
	if (set->type == BR_SET_ADDR && set->n && rnd() % 4) {
		const struct br_prefix *q = &set->prefixes[rnd() % set->n];

		if (q->family == family)
			p = *q;
	}
	memcpy(addr, p.addr, 16);
	for (b = p.len; b < (family == 4 ? 32u : 128u); b++)
		if (rnd() % 2)
			addr[b / 8] |= 0x80 >> (b % 8);
	if (rnd() % 8 == 0 && p.len) /* just outside */
		addr[(p.len - 1) / 8] ^= 0x80 >> ((p.len - 1) % 8);
}

static int random_port(const struct br_policy *pol)
{
	const struct br_set *set = &pol->sets[rnd() % pol->n_sets];

	if (rnd() % 8 == 0)
		return BR_PORT_NONE;
	if (set->type == BR_SET_PORT && set->n) {
		const struct br_port_range *r = &set->ports[rnd() % set->n];

		return (r->lo + rnd() % 3 + 65535) % 65536;
	}
	return rnd() % 65536;
}

static struct br_policy *random_policy(void)
{
	static const enum br_proto protos[] = {BR_PROTO_ANY, BR_PROTO_TCP,
					       BR_PROTO_UDP, BR_PROTO_ICMP};
	struct br_policy *pol = policy_new();
	unsigned int n_addr = 1 + rnd() % 5, n_port = 1 + rnd() % 3, i, k;
	unsigned int n_rules = 1 + rnd() % 20;

	for (i = 0; i < n_addr; i++) {
		struct br_set *set;
		int index;

		set = set_new(pol, BR_SET_ADDR, rnd() % 40, &index);
		for (k = 0; k < set->n; k++)
			set->prefixes[k] = random_prefix();
	}
	for (i = 0; i < n_port; i++) {
		struct br_set *set;
		int index;

		set = set_new(pol, BR_SET_PORT, 1 + rnd() % 4, &index);
		for (k = 0; k < set->n; k++) {
			__u16 lo = rnd() % 65536,
			      span = rnd() % 4 ? 0 : rnd() % 3000;

			set->ports[k].lo = lo;
			set->ports[k].hi =
				lo + span < 65536 ? lo + span : 65535;
		}
	}
	for (i = 0; i < n_rules; i++) {
		int saddr, daddr, sport, dport;
		enum br_proto proto;

		if (rnd() % 10 == 0) {
			add_ether_rule(pol, rnd() % 2 ? 0x0806 : 0x88cc,
				       BR_ACT_DROP);
			continue;
		}
		/* each dimension unconstrained about half the time */
		proto = protos[rnd() % 4];
		saddr = rnd() % 2 ? (int)(rnd() % n_addr) : NONE;
		daddr = rnd() % 2 ? (int)(rnd() % n_addr) : NONE;
		sport = rnd() % 3 ? NONE : (int)(n_addr + rnd() % n_port);
		dport = rnd() % 2 ? NONE : (int)(n_addr + rnd() % n_port);
		add_rule(pol, proto, saddr, daddr, sport, dport,
			 rnd() % 2 ? BR_ACT_DROP : BR_ACT_PASS);
	}
	pol->default_action = rnd() % 2 ? BR_ACT_PASS : BR_ACT_DROP;
	return pol;
}

static void test_random_policies_match_reference(void **state)
{
	static const int l4[] = {1, 6, 6, 17, 17, 58, 47, 255};
	unsigned int round, k;

	(void)state;
	rnd_state = 2463534242u;
	for (round = 0; round < 40; round++) {
		struct br_policy *pol = random_policy();

		compile_ok(pol);
		check_prefix_edges(pol);
		for (k = 0; k < 20000; k++) {
			struct packet pkt = {0};
			int want, got;

			pkt.family = rnd() % 16 == 0 ? 0 : rnd() % 2 ? 4 : 6;
			pkt.ether_type = rnd() % 2 ? 0x0806 : 0x88cc;
			random_address(pol, pkt.family ? pkt.family : 4,
				       pkt.src);
			random_address(pol, pkt.family ? pkt.family : 4,
				       pkt.dst);
			pkt.proto = l4[rnd() % 8];
			pkt.sport = pkt.proto == 6 || pkt.proto == 17
					    ? random_port(pol)
					    : BR_PORT_NONE;
			pkt.dport = pkt.proto == 6 || pkt.proto == 17
					    ? random_port(pol)
					    : BR_PORT_NONE;
			want = reference_rule(pol, &pkt);
			got = dataplane_rule(&pkt);
			if (want != got)
				fail_msg("round %u packet %u: rule %d, want %d",
					 round, k, got, want);
		}
		policy_free(pol);
	}
}

/* ---- L7: masks, rule parameters, query types, QUIC, domains --------- */

/*
 * A domain set from a NULL-terminated list written as in a policy: "x"
 * (exact), "*.x" (below) or ".x" (both). Element k sits at line 300 + k.
 */
static int domain_set(struct br_policy *pol, const char *const *items)
{
	size_t n = 0, i;
	struct br_set *set;
	int index;

	while (items[n])
		n++;
	set = set_new(pol, BR_SET_DOMAIN, n, &index);
	for (i = 0; i < n; i++) {
		const char *t = items[i];
		struct br_domain *d = &set->domains[i];

		if (!strncmp(t, "*.", 2)) {
			d->flags = BR_DOMAIN_BELOW;
			t += 2;
		} else if (t[0] == '.') {
			d->flags = BR_DOMAIN_EXACT | BR_DOMAIN_BELOW;
			t++;
		} else {
			d->flags = BR_DOMAIN_EXACT;
		}
		d->name = strdup(t);
		assert_non_null(d->name);
		d->pos = (struct br_pos){ "test.policy", 300 + (int)i, 3 };
	}
	return index;
}

#define DOMAINS(...) domain_set(pol, (const char *const[]){__VA_ARGS__, NULL})

static struct br_rule_ir *add_l7_rule(struct br_policy *pol, enum br_l7 l7,
				      enum br_proto proto, int domains,
				      enum br_action action)
{
	int i = add_rule(pol, proto, NONE, NONE, NONE, NONE, action);

	pol->rules[i].l7 = l7;
	pol->rules[i].domain_set = domains;
	return &pol->rules[i];
}

static const br_rules_t L7_ALL = ~(br_rules_t)0;

static void fill_l7_garbage(void)
{
	struct br_policy_hdr *h = view.hdr;

	h->l7_tls = h->l7_sni = h->l7_ech = L7_ALL;
	h->l7_dns = h->l7_dns_name = h->l7_quic = h->l7_quic_any = L7_ALL;
	h->l7_stun = L7_ALL;
	h->sni_default = 0xee;
	h->tls_default = 0xee;
	h->n_quic_versions = 0xee;
	memset(h->reserved, 0xee, sizeof(h->reserved));
	h->flags = BR_HDR_FLOWS | BR_HDR_ON_SWAP_FLUSH | BR_HDR_SNI_DEFAULT |
		   BR_HDR_TLS_DEFAULT;
	memset(view.qtype, 0xff, BR_QTYPE_SLOTS * sizeof(*view.qtype));
	memset(view.quic, 0xee, BR_QUIC_VERSIONS * sizeof(*view.quic));
	memset(view.stun_type, 0xff, BR_STUN_TYPES * sizeof(*view.stun_type));
	memset(view.ja4, 0xee, sizeof(*view.ja4));
	h->l7_ja4 = L7_ALL;
	h->l7_quic_sni = L7_ALL;
	h->n_ja4 = 0xee;
}

static void test_l7_masks_and_flags(void **state)
{
	static const __u8 zero[sizeof(((struct br_policy_hdr *)0)->reserved)];
	struct br_policy *pol = policy_new();
	int apple = DOMAINS("courier.push.apple.com");
	struct br_rule_ir *r;

	(void)state;
	fill_l7_garbage();
	pol->sni_default = BR_ACT_RESET;
	pol->tls_default = BR_ACT_DROP;
	pol->unreadable = BR_ACT_DROP;
	pol->on_swap_flush = 1;
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, apple, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_RESET);
	r->ech = 1;
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, apple, BR_ACT_PASS);
	r->ech = 1;
	add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, apple, BR_ACT_NXDOMAIN);
	r = add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_qtypes = 1;
	r->qtypes[0] = 28;
	add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_quic_versions = 1;
	r->quic_versions[0] = 1;
	compile_ok(pol);

	assert_true(view.hdr->l7_tls == 0x0e);
	assert_true(view.hdr->l7_sni == 0x0a);
	assert_true(view.hdr->l7_ech == 0x0c);
	assert_true(view.hdr->l7_dns == 0x30);
	assert_true(view.hdr->l7_dns_name == 0x10);
	assert_true(view.hdr->l7_quic == 0xc0);
	assert_true(view.hdr->l7_quic_any == 0x40);
	assert_true(view.hdr->l7_stun == 0);
	assert_int_equal(view.hdr->sni_default, BR_ACT_RESET);
	assert_int_equal(view.hdr->tls_default, BR_ACT_DROP);
	assert_int_equal(view.hdr->unreadable, BR_ACT_DROP);
	assert_int_equal(view.hdr->n_quic_versions, 1);
	assert_memory_equal(view.hdr->reserved, zero, sizeof(zero));
	assert_int_equal(view.hdr->flags,
			 BR_HDR_FLOWS | BR_HDR_ON_SWAP_FLUSH |
				 BR_HDR_SNI_DEFAULT | BR_HDR_TLS_DEFAULT |
				 BR_HDR_UNREADABLE | BR_HDR_PROTO);
	/* L7 rules are IP rules: their L3/L4 bitmaps as any other's */
	assert_true(view.proto[6] == 0x0f);
	assert_true(view.proto[17] == 0xf0);
	assert_true(view.classes[0].dst == 0xff);
	assert_true(view.dport[443] == 0xff);
	policy_free(pol);

	/* a v1 policy: every L7 field and flag of the last one gone */
	fill_l7_garbage();
	pol = policy_new();
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	add_rule(pol, BR_PROTO_ANY, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	compile_ok(pol);
	assert_true(view.hdr->l7_tls == 0);
	assert_true(view.hdr->l7_sni == 0);
	assert_true(view.hdr->l7_ech == 0);
	assert_true(view.hdr->l7_dns == 0);
	assert_true(view.hdr->l7_dns_name == 0);
	assert_true(view.hdr->l7_quic == 0);
	assert_true(view.hdr->l7_quic_any == 0);
	assert_true(view.hdr->l7_stun == 0);
	assert_true(view.hdr->l7_ja4 == 0);
	assert_int_equal(view.hdr->n_ja4, 0);
	assert_int_equal(view.hdr->sni_default, BR_ACT_NONE);
	assert_int_equal(view.hdr->tls_default, BR_ACT_NONE);
	assert_int_equal(view.hdr->unreadable, BR_ACT_NONE);
	assert_int_equal(view.hdr->n_quic_versions, 0);
	assert_int_equal(view.hdr->flags, BR_HDR_PROTO); /* the TCP rule */
	assert_int_equal(view.n_domains, 0);
	assert_null(view.domain_keys);
	assert_null(view.domain_vals);
	assert_int_equal(stats.domains, 0);
	policy_free(pol);
}

/* Flow state is needed for L7 matches and for the actions that keep it. */
static void test_flows_flag_per_action(void **state)
{
	static const struct {
		enum br_action action;
		int flows;
	} cases[] = {
		{ BR_ACT_PASS, 0 },	{ BR_ACT_DROP, 0 },
		{ BR_ACT_RESET, 1 },	{ BR_ACT_NXDOMAIN, 1 },
		{ BR_ACT_SINKHOLE, 1 }, { BR_ACT_THROTTLE, 1 },
		{ BR_ACT_FREEZE, 1 },
	};
	struct br_policy *pol;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pol = policy_new();
		add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE,
			 cases[i].action);
		pol->rules[0].rate_bps = 1000000;
		pol->rules[0].freeze_bytes = 16384;
		compile_ok(pol);
		assert_int_equal(!!(view.hdr->flags & BR_HDR_FLOWS),
				 cases[i].flows);
		policy_free(pol);
	}
}

static void test_rule_params(void **state)
{
	static const __u8 zero16[16];
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	struct br_policy *pol = policy_new();
	struct br_rule_ir *r;
	size_t i;

	(void)state;
	memset(view.rules, 0xab, BR_MAX_RULES * sizeof(*view.rules));
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_THROTTLE);
	r->ech = 1;
	r->rate_bps = 128000;
	r->burst_bytes = 16384;
	r = add_l7_rule(pol, BR_L7_NONE, BR_PROTO_UDP, NONE, BR_ACT_THROTTLE);
	r->rate_bps = 100000000000ULL;
	r->burst_bytes = 1514;
	r = add_l7_rule(pol, BR_L7_NONE, BR_PROTO_UDP, NONE, BR_ACT_THROTTLE);
	r->rate_bps = 8000;
	r->burst_bytes = 4294967295u;
	r = add_l7_rule(pol, BR_L7_NONE, BR_PROTO_UDP, NONE, BR_ACT_THROTTLE);
	r->rate_bps = 3000000; /* 2666666.67 ps per byte: rounded up */
	r->burst_bytes = 2000;
	r = add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_SINKHOLE);
	r->has_sink4 = 1;
	memcpy(r->sink4, (__u8[]){ 198, 18, 0, 9 }, 4);
	r->has_sink6 = 1;
	memcpy(r->sink6, v6, 16);
	r = add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_SINKHOLE);
	r->has_sink6 = 1;
	memcpy(r->sink6, v6, 16);
	add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_SINKHOLE);
	add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_NXDOMAIN);
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_RESET)->ech = 1;
	/* parameters of another action are not the rule's */
	i = (size_t)add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE,
			     BR_ACT_DROP);
	r = &pol->rules[i];
	r->rate_bps = 1000;
	r->burst_bytes = 5000;
	r->has_sink4 = 1;
	r->freeze_bytes = 777;
	r->freeze_both = 1;
	/* freeze: its bytes in freeze_after (once 4 reserved bytes), both
	 * ways as a flag */
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_FREEZE);
	r->freeze_bytes = 16384;
	r = add_l7_rule(pol, BR_L7_NONE, BR_PROTO_UDP, NONE, BR_ACT_FREEZE);
	r->freeze_bytes = 1;
	r->freeze_both = 1;
	r = add_l7_rule(pol, BR_L7_NONE, BR_PROTO_TCP, NONE, BR_ACT_FREEZE);
	r->freeze_bytes = 4294967295u;
	r->rate_bps = 1000000;
	r->burst_bytes = 5000;
	compile_ok(pol);

	assert_int_equal(view.rules[0].action, BR_ACT_THROTTLE);
	assert_int_equal(view.rules[0].burst, 16384);
	assert_int_equal(view.rules[0].ps_per_byte, 62500000);
	assert_int_equal(view.rules[0].flags, 0);
	assert_int_equal(view.rules[1].burst, 1514);
	assert_int_equal(view.rules[1].ps_per_byte, 80);
	assert_int_equal(view.rules[2].burst, 4294967295u);
	assert_int_equal(view.rules[2].ps_per_byte, 1000000000);
	assert_int_equal(view.rules[3].ps_per_byte, 2666667);
	assert_int_equal(view.rules[4].action, BR_ACT_SINKHOLE);
	assert_int_equal(view.rules[4].flags,
			 BR_RULE_F_SINK4 | BR_RULE_F_SINK6);
	assert_memory_equal(view.rules[4].sink4, ((__u8[]){ 198, 18, 0, 9 }),
			    4);
	assert_memory_equal(view.rules[4].sink6, v6, 16);
	assert_int_equal(view.rules[4].burst, 0);
	assert_int_equal(view.rules[4].ps_per_byte, 0);
	assert_int_equal(view.rules[5].flags, BR_RULE_F_SINK6);
	assert_memory_equal(view.rules[5].sink4, zero16, 4);
	assert_memory_equal(view.rules[5].sink6, v6, 16);
	/* no address: the dataplane answers NODATA */
	assert_int_equal(view.rules[6].flags, 0);
	assert_memory_equal(view.rules[6].sink6, zero16, 16);
	assert_int_equal(view.rules[7].action, BR_ACT_NXDOMAIN);
	assert_int_equal(view.rules[8].action, BR_ACT_RESET);
	for (i = 4; i < 10; i++) {
		assert_int_equal(view.rules[i].burst, 0);
		assert_int_equal(view.rules[i].ps_per_byte, 0);
		assert_int_equal(view.rules[i].reserved, 0);
		assert_int_equal(view.rules[i].freeze_after, 0);
	}
	assert_int_equal(view.rules[9].action, BR_ACT_DROP);
	assert_int_equal(view.rules[9].flags, 0);
	assert_memory_equal(view.rules[9].sink4, zero16, 4);
	assert_int_equal(view.rules[9].freeze_after, 0);
	assert_int_equal(offsetof(struct br_rule, freeze_after), 36);
	assert_int_equal(view.rules[10].action, BR_ACT_FREEZE);
	assert_int_equal(view.rules[10].freeze_after, 16384);
	assert_int_equal(view.rules[10].flags, 0);
	assert_int_equal(view.rules[11].freeze_after, 1);
	assert_int_equal(view.rules[11].flags, BR_RULE_F_FREEZE_BOTH);
	assert_int_equal(view.rules[12].freeze_after, 4294967295u);
	for (i = 10; i < 13; i++) {
		assert_int_equal(view.rules[i].burst, 0);
		assert_int_equal(view.rules[i].ps_per_byte, 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(view.rules[i].freeze_after, 0);
	for (i = 13; i < BR_MAX_RULES; i++) {
		assert_int_equal(view.rules[i].action, 0);
		assert_int_equal(view.rules[i].flags, 0);
		assert_int_equal(view.rules[i].ps_per_byte, 0);
		assert_int_equal(view.rules[i].freeze_after, 0);
	}
	policy_free(pol);
}

/*
 * penalty: its duration in the throttle's word, its scope in its own
 * byte; the header says which scopes the policy checks, one flag each,
 * and none without a penalty rule (no lookup on the hot path). A
 * penalty keeps no flow: a policy of penalties and drops is stateless.
 */
static void test_penalty_params(void **state)
{
	static const struct {
		enum br_penalty_scope scopes[3]; /* of the rules, 0: none */
		__u32 flags;
	} cases[] = {
		{ { 0 }, 0 },
		{ { BR_PENALTY_SUBSCRIBER }, BR_HDR_PENALTY_SUB },
		{ { BR_PENALTY_DESTINATION }, BR_HDR_PENALTY_DST },
		{ { BR_PENALTY_PAIR }, BR_HDR_PENALTY_PAIR },
		{ { BR_PENALTY_PAIR, BR_PENALTY_PAIR }, BR_HDR_PENALTY_PAIR },
		{ { BR_PENALTY_DESTINATION, BR_PENALTY_SUBSCRIBER },
		  BR_HDR_PENALTY_DST | BR_HDR_PENALTY_SUB },
		{ { BR_PENALTY_SUBSCRIBER, BR_PENALTY_DESTINATION,
		    BR_PENALTY_PAIR },
		  BR_HDR_PENALTY },
	};
	struct br_policy *pol;
	struct br_rule_ir *r;
	size_t i, k;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pol = policy_new();
		add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE,
			 BR_ACT_DROP);
		for (k = 0; k < 3 && cases[i].scopes[k]; k++) {
			n = add_rule(pol, k ? BR_PROTO_ANY : BR_PROTO_UDP, NONE,
				     NONE, NONE, NONE, BR_ACT_PENALTY);
			r = &pol->rules[n];
			r->penalty_ns = (k + 1) * 600 * 1000000000ULL;
			r->penalty_scope = cases[i].scopes[k];
		}
		compile_ok(pol);
		assert_int_equal(view.hdr->flags & BR_HDR_PENALTY,
				 cases[i].flags);
		assert_int_equal(view.hdr->flags & BR_HDR_FLOWS, 0);
		assert_int_equal(view.rules[0].penalty_scope, 0);
		assert_int_equal(view.rules[0].penalty_ns, 0);
		for (k = 0; k < 3 && cases[i].scopes[k]; k++) {
			assert_int_equal(view.rules[k + 1].action,
					 BR_ACT_PENALTY);
			assert_int_equal(view.rules[k + 1].penalty_ns,
					 (k + 1) * 600 * 1000000000ULL);
			assert_int_equal(view.rules[k + 1].penalty_scope,
					 cases[i].scopes[k]);
			assert_int_equal(view.rules[k + 1].flags, 0);
			assert_int_equal(view.rules[k + 1].burst, 0);
			assert_int_equal(view.rules[k + 1].freeze_after, 0);
		}
		policy_free(pol);
	}
	/* the duration shares the throttle's word; the scope a byte */
	assert_int_equal(offsetof(struct br_rule, penalty_ns),
			 offsetof(struct br_rule, ps_per_byte));
	assert_int_equal(offsetof(struct br_rule, penalty_scope), 2);
}

static void test_qtype_bitmaps(void **state)
{
	struct br_policy *pol = policy_new();
	int names = DOMAINS("example.com");
	struct br_rule_ir *r;
	size_t v;

	(void)state;
	fill_l7_garbage();
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	r = add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, NONE, BR_ACT_NXDOMAIN);
	r->n_qtypes = 2;
	r->qtypes[0] = 1;
	r->qtypes[1] = 28;
	add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, names, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, names, BR_ACT_DROP);
	r->n_qtypes = 3;
	r->qtypes[0] = 28;
	r->qtypes[1] = 65;
	r->qtypes[2] = 65535;
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, names, BR_ACT_DROP);
	compile_ok(pol);

	assert_true(view.qtype[1] == 0x17);
	assert_true(view.qtype[28] == 0x1f);
	assert_true(view.qtype[65] == 0x1d);
	assert_true(view.qtype[65535] == 0x1d);
	for (v = 0; v < BR_QTYPE_SLOTS; v++) {
		if (v == 1 || v == 28 || v == 65 || v == 65535)
			continue;
		if (view.qtype[v] != 0x15)
			fail_msg("qtype %zu: %#llx, want 0x15", v,
				 (unsigned long long)view.qtype[v]);
	}
	assert_true(view.hdr->l7_dns == 0x0e);
	assert_true(view.hdr->l7_dns_name == 0x0c);
	assert_true(view.hdr->l7_sni == 0x10);
	policy_free(pol);
}

/*
 * STUN rules: their header mask, and a bitmap per message type in which
 * a typed rule holds its types only and every other rule every type.
 */
static void test_stun_types_table(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_rule_ir *r;
	__u32 t;

	(void)state;
	fill_l7_garbage();
	add_l7_rule(pol, BR_L7_STUN, BR_PROTO_UDP, NONE, BR_ACT_PASS);
	r = add_l7_rule(pol, BR_L7_STUN, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_stun_types = 2;
	r->stun_types[0] = (struct br_stun_range){ 0x0800, 0x0802 };
	r->stun_types[1] = (struct br_stun_range){ 0x3fff, 0x3fff };
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	r = add_l7_rule(pol, BR_L7_STUN, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_stun_types = 1;
	r->stun_types[0] = (struct br_stun_range){ 0x0001, 0x0001 };
	compile_ok(pol);

	assert_true(view.hdr->l7_stun == 0x0b);
	assert_true(view.hdr->l7_quic == 0);
	assert_int_equal(view.hdr->flags, BR_HDR_FLOWS | BR_HDR_PROTO);
	for (t = 0; t < BR_STUN_TYPES; t++) {
		br_rules_t want = 0x05;

		if (t >= 0x0800 && t <= 0x0802)
			want |= 0x02;
		if (t == 0x3fff)
			want |= 0x02;
		if (t == 0x0001)
			want |= 0x08;
		if (view.stun_type[t] != want)
			fail_msg("type 0x%04x: 0x%llx, want 0x%llx", t,
				 (unsigned long long)view.stun_type[t],
				 (unsigned long long)want);
	}
	policy_free(pol);
}

static void test_quic_versions_table(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_rule_ir *r;
	size_t j;

	(void)state;
	fill_l7_garbage();
	add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_quic_versions = 2;
	r->quic_versions[0] = 0x00000001;
	r->quic_versions[1] = 0x6b3343cf;
	add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_PASS);
	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_PASS);
	r->n_quic_versions = 2;
	r->quic_versions[0] = 0x6b3343cf;
	r->quic_versions[1] = 0xff00001d;
	compile_ok(pol);

	assert_true(view.hdr->l7_quic == 0x0b);
	assert_true(view.hdr->l7_quic_any == 0x01);
	assert_int_equal(view.hdr->n_quic_versions, 3);
	assert_int_equal(view.quic[0].version, 0x00000001);
	assert_true(view.quic[0].rules == 0x02);
	assert_int_equal(view.quic[1].version, 0x6b3343cf);
	assert_true(view.quic[1].rules == 0x0a);
	assert_int_equal(view.quic[2].version, 0xff00001d);
	assert_true(view.quic[2].rules == 0x08);
	for (j = 0; j < 3; j++)
		assert_int_equal(view.quic[j].reserved, 0);
	for (j = 3; j < BR_QUIC_VERSIONS; j++) {
		assert_int_equal(view.quic[j].version, 0);
		assert_int_equal(view.quic[j].reserved, 0);
		assert_true(view.quic[j].rules == 0);
	}
	assert_int_equal(view.hdr->flags, BR_HDR_FLOWS | BR_HDR_PROTO);
	policy_free(pol);
}

/* 16 distinct versions fit; the rule naming a 17th is the error. */
static void test_quic_versions_overflow(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_rule_ir *r;
	unsigned int k, i;

	(void)state;
	for (k = 0; k < 3; k++) {
		r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE,
				BR_ACT_DROP);
		r->n_quic_versions = BR_MAX_QUIC_VERSIONS;
		for (i = 0; i < BR_MAX_QUIC_VERSIONS; i++)
			r->quic_versions[i] =
				0xff000016 + (k == 2 ? i : 8 * k + i);
	}
	compile_ok(pol);
	assert_int_equal(view.hdr->n_quic_versions, BR_QUIC_VERSIONS);
	assert_int_equal(view.quic[15].version, 0xff000016 + 15);
	assert_true(view.quic[0].rules == 0x05);
	assert_true(view.quic[15].rules == 0x02);

	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_quic_versions = 2;
	r->quic_versions[0] = 0xff000016;
	r->quic_versions[1] = 0x709a50c4;
	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r->n_quic_versions = 1;
	r->quic_versions[0] = 0x6b3343cf;
	compile_too_big(pol,
			"policy too large for its map: 18 distinct QUIC "
			"versions, at most 16",
			203);
	policy_free(pol);
}

/* A JA4 pattern: JA4_a given (or "*" when a is NULL), b and c as one byte. */
static struct br_ja4_pattern ja4_pat(const char *a, int b, int c, int line)
{
	struct br_ja4_pattern p;

	memset(&p, 0, sizeof(p));
	p.pos = (struct br_pos){ "test.policy", line, 7 };
	if (a) {
		memcpy(p.key.a, a, BR_JA4_A_LEN);
		memset(p.mask.a, 0xff, BR_JA4_A_LEN);
	}
	if (b >= 0) {
		p.key.b[0] = (__u8)b;
		memset(p.mask.b, 0xff, BR_JA4_HASH_LEN);
	}
	if (c >= 0) {
		p.key.c[0] = (__u8)c;
		memset(p.mask.c, 0xff, BR_JA4_HASH_LEN);
	}
	return p;
}

/*
 * JA4 rules: their header mask and flag, and one table entry per
 * distinct key and mask with the rules listing it; a rule without a
 * ja4 match is in none (it needs no fingerprint).
 */
static void test_ja4_table(void **state)
{
	struct br_policy *pol = policy_new();
	int apple = DOMAINS("courier.push.apple.com");
	struct br_rule_ir *r;
	unsigned int j;

	(void)state;
	fill_l7_garbage();
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, apple, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_DROP);
	r->n_ja4 = 2;
	r->ja4[0] = ja4_pat("t13d1516h2", 0x8d, 0xe5, 300);
	r->ja4[1] = ja4_pat("t13d1516h2", -1, -1, 300);
	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, apple, BR_ACT_PASS);
	r->n_ja4 = 2;
	/* the same key, another mask: another entry */
	r->ja4[0] = ja4_pat(NULL, 0x8d, -1, 301);
	r->ja4[1] = ja4_pat("t13d1516h2", 0x8d, 0xe5, 301);
	compile_ok(pol);

	assert_true(view.hdr->l7_tls == 0x07);
	assert_true(view.hdr->l7_sni == 0x05);
	assert_true(view.hdr->l7_ja4 == 0x06);
	assert_true(view.hdr->flags & BR_HDR_JA4);
	assert_int_equal(view.hdr->n_ja4, 3);
	assert_true(view.ja4->e[0].rules == 0x06);
	assert_int_equal(view.ja4->e[0].key.b[0], 0x8d);
	assert_int_equal(view.ja4->e[0].mask.c[5], 0xff);
	assert_true(view.ja4->e[1].rules == 0x02);
	assert_int_equal(view.ja4->e[1].mask.b[0], 0);
	assert_true(view.ja4->e[2].rules == 0x04);
	assert_int_equal(view.ja4->e[2].mask.a[0], 0);
	assert_int_equal(view.ja4->e[2].mask.b[5], 0xff);
	for (j = 3; j < BR_JA4_FPS; j++)
		assert_true(view.ja4->e[j].rules == 0 &&
			    view.ja4->e[j].mask.w[0] == 0);
	policy_free(pol);

	/* no ja4 rule: no flag, no entry left from the last policy */
	fill_l7_garbage();
	pol = policy_new();
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_DROP);
	pol->rules[0].ech = 1;
	compile_ok(pol);
	assert_true(view.hdr->l7_ja4 == 0);
	assert_int_equal(view.hdr->n_ja4, 0);
	assert_false(view.hdr->flags & BR_HDR_JA4);
	for (j = 0; j < BR_JA4_FPS; j++)
		assert_true(view.ja4->e[j].rules == 0);
	policy_free(pol);
}

/* 64 distinct fingerprints fit; the 65th is the error, at its place. */
static void test_ja4_overflow(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_rule_ir *r = NULL;
	unsigned int k;

	(void)state;
	for (k = 0; k < BR_JA4_FPS; k++) {
		if (k % BR_MAX_JA4 == 0)
			r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE,
					BR_ACT_DROP);
		r->ja4[r->n_ja4++] = ja4_pat("t13d1516h2", (int)k, 0, 400);
	}
	compile_ok(pol);
	assert_int_equal(view.hdr->n_ja4, BR_JA4_FPS);
	assert_true(view.ja4->e[BR_JA4_FPS - 1].rules == 0x08);

	r = add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, NONE, BR_ACT_DROP);
	r->n_ja4 = 2;
	r->ja4[0] = ja4_pat("t13d1516h2", 0, 0, 401); /* not new */
	r->ja4[1] = ja4_pat("t13d1516h2", 0, 1, 402);
	compile_too_big(pol,
			"policy too large for its map: more than 64 distinct "
			"JA4 fingerprints",
			402);
	policy_free(pol);
}

/*
 * The domain table (abi.h): every key found where a lookup walks (from
 * its home bucket to the first free place, as the program does), with its
 * own rule bitmaps, no further than BR_DOMAIN_MAX_PROBE buckets; every
 * rule pair once, entry 0 empty. Prints the load it came to.
 */
static void check_domain_table(void)
{
	__u32 n = view.hdr->domain_buckets, b, d, j, far = 0;
	size_t i, k, used = 0;
	__u64 key;

	assert_int_equal(view.n_domain_buckets, n);
	assert_int_equal(stats.domain_bucket_lines, n);
	assert_int_equal(view.n_domain_rules, stats.domain_rule_pairs + 1);
	assert_true(view.domain_rules[0].exact == 0 &&
		    view.domain_rules[0].below == 0);
	for (i = 1; i < view.n_domain_rules; i++)
		for (k = i + 1; k < view.n_domain_rules; k++)
			assert_memory_not_equal(&view.domain_rules[i],
						&view.domain_rules[k],
						sizeof(view.domain_rules[i]));
	for (i = 0; i < view.n_domains; i++) {
		const struct br_domain_bucket *bk = NULL;

		key = view.domain_keys[i];
		b = br_domain_home(key, n);
		for (d = 0; d < BR_DOMAIN_MAX_PROBE; d++) {
			bk = &view.domain_buckets[b];
			for (j = 0; j < BR_DOMAIN_BUCKET_KEYS; j++)
				if (!bk->rules[j] || bk->key[j] == key)
					break;
			if (j < BR_DOMAIN_BUCKET_KEYS)
				break;
			b = b + 1 < n ? b + 1 : 0;
		}
		if (d == BR_DOMAIN_MAX_PROBE || !bk->rules[j] ||
		    bk->rules[j] >= view.n_domain_rules)
			fail_msg("key %zu (%016llx) not found", i,
				 (unsigned long long)key);
		assert_memory_equal(&view.domain_rules[bk->rules[j]],
				    &view.domain_vals[i],
				    sizeof(view.domain_vals[i]));
		far = d > far ? d : far;
	}
	assert_int_equal(stats.domain_max_probe, far);
	for (b = 0; b < n; b++)
		for (j = 0; j < BR_DOMAIN_BUCKET_KEYS; j++)
			used += view.domain_buckets[b].rules[j] != 0;
	assert_int_equal(used, view.n_domains);
	print_message("domain table: %zu keys in %u buckets (%.0f%% of the "
		      "places), %u past home at most, %u rule pairs\n",
		      view.n_domains, n,
		      100.0 * view.n_domains / ((double)n * BR_DOMAIN_BUCKET_KEYS),
		      far, stats.domain_rule_pairs);
}

/* The entry of key in the image, or NULL. */
static const struct br_domain_rules *domain_entry(__u64 key)
{
	size_t i;

	for (i = 0; i < view.n_domains; i++)
		if (view.domain_keys[i] == key)
			return &view.domain_vals[i];
	return NULL;
}

static const struct br_domain_rules *domain_lookup(const char *name)
{
	__u64 key = br_domain_hash(name, strlen(name));

	assert_true(key != 0);
	return domain_entry(key);
}

/*
 * quic sni: a quic rule with a domain set needs its Initial opened
 * (l7_quic_sni, BR_HDR_QUIC_SNI); its names are in the domain table with
 * its bit, as an sni rule's are; a quic rule without one needs nothing
 * more than the version.
 */
static void test_quic_sni_masks(void **state)
{
	struct br_policy *pol = policy_new();
	int names = DOMAINS(".googlevideo.com");
	const struct br_domain_rules *e;
	struct br_rule_ir *r;

	(void)state;
	fill_l7_garbage();
	add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	r = add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, names, BR_ACT_DROP);
	r->n_quic_versions = 1;
	r->quic_versions[0] = 1;
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, names, BR_ACT_DROP);
	compile_ok(pol);
	assert_true(view.hdr->l7_quic == 0x03);
	assert_true(view.hdr->l7_quic_sni == 0x02);
	assert_true(view.hdr->l7_sni == 0x04);
	assert_true(view.hdr->flags & BR_HDR_QUIC_SNI);
	e = domain_lookup("googlevideo.com");
	assert_non_null(e);
	assert_true(e->exact == 0x06 && e->below == 0x06);
	policy_free(pol);

	fill_l7_garbage();
	pol = policy_new();
	add_l7_rule(pol, BR_L7_QUIC, BR_PROTO_UDP, NONE, BR_ACT_DROP);
	compile_ok(pol);
	assert_true(view.hdr->l7_quic_sni == 0);
	assert_false(view.hdr->flags & BR_HDR_QUIC_SNI);
	policy_free(pol);
}

/* A name's rules as the dataplane finds them: domain.h's matching rule. */
static br_rules_t domain_match(const char *name)
{
	__u64 out[BR_DOMAIN_MAX_LABELS];
	const struct br_domain_rules *e;
	br_rules_t rules = 0;
	__u32 n, i;

	br_domain_hashes(name, strlen(name), out, &n);
	for (i = 0; i < n; i++) {
		e = domain_entry(out[i]);
		if (e)
			rules |= i == n - 1 ? e->exact : e->below;
	}
	return rules;
}

static void test_domain_image(void **state)
{
	struct br_policy *pol = policy_new();
	const struct br_domain_rules *e;
	static const struct {
		const char *name;
		br_rules_t rules;
	} names[] = {
		{ "a.com", 0x01 },	   { "www.a.com", 0x06 },
		{ "A.Com.", 0x01 },	   { "x.y.a.com", 0x06 },
		{ "b.com", 0x00 },	   { "x.b.com", 0x01 },
		{ "x.y.B.com", 0x01 },	   { "c.com", 0x07 },
		{ "x.c.com", 0x01 },	   { "d.com", 0x06 },
		{ "x.d.com", 0x00 },	   { "unused.com", 0x00 },
		{ "com", 0x00 },	   { "aa.com", 0x00 },
		{ "a.com.evil", 0x00 },
		{ "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.b.com", 0x01 },
	};
	int s0, s1, s2;
	size_t i;

	(void)state;
	s0 = DOMAINS("a.com", "*.b.com", ".c.com", "A.COM");
	s1 = DOMAINS("c.com", "*.a.com", "d.com", "d.com");
	s2 = DOMAINS("unused.com");
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, s0, BR_ACT_DROP);
	add_l7_rule(pol, BR_L7_DNS, BR_PROTO_UDP, s1, BR_ACT_NXDOMAIN);
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, s1, BR_ACT_RESET)->ech = 1;
	/* domain_set means nothing outside sni (TLS, QUIC) and dns rules */
	add_l7_rule(pol, BR_L7_STUN, BR_PROTO_UDP, s2, BR_ACT_DROP);
	add_l7_rule(pol, BR_L7_NONE, BR_PROTO_TCP, s2, BR_ACT_DROP);
	compile_ok(pol);

	assert_int_equal(view.n_domains, 4);
	assert_int_equal(stats.domains, 4);
	/* in order of first occurrence */
	assert_true(view.domain_keys[0] == br_domain_hash("a.com", 5));
	assert_true(view.domain_keys[1] == br_domain_hash("b.com", 5));
	assert_true(view.domain_keys[2] == br_domain_hash("c.com", 5));
	assert_true(view.domain_keys[3] == br_domain_hash("d.com", 5));
	check_domain_table();
	e = domain_lookup("a.com");
	assert_true(e->exact == 0x01 && e->below == 0x06);
	e = domain_lookup("b.com");
	assert_true(e->exact == 0x00 && e->below == 0x01);
	e = domain_lookup("c.com");
	assert_true(e->exact == 0x07 && e->below == 0x01);
	e = domain_lookup("d.com");
	assert_true(e->exact == 0x06 && e->below == 0x00);
	assert_null(domain_lookup("unused.com"));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		br_rules_t got = domain_match(names[i].name);

		if (got != names[i].rules)
			fail_msg("%s: rules %#llx, want %#llx", names[i].name,
				 (unsigned long long)got,
				 (unsigned long long)names[i].rules);
	}
	assert_true(view.hdr->l7_sni == 0x05);
	assert_true(view.hdr->l7_dns_name == 0x02);
	policy_free(pol);
}

/* Entries the parser refuses never reach the maps from other IR either. */
static void test_domain_bad_entries(void **state)
{
	static const char *const bad[] = {
		"a..b",
		".",
		"*.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
	};
	struct br_policy *pol;
	struct br_diag diag;
	char want[128];
	size_t i;
	int s;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pol = policy_new();
		s = DOMAINS("ok.example", bad[i]);
		add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, s, BR_ACT_DROP);
		br_diag_init(&diag);
		free_domains();
		assert_int_equal(br_compile(pol, &view, &stats, &diag),
				 -EINVAL);
		assert_int_equal(diag.n, 1);
		snprintf(want, sizeof(want), "bad domain \"%s\" in set set0",
			 pol->sets[0].domains[1].name);
		assert_string_equal(diag.msgs[0].text, want);
		assert_int_equal(diag.msgs[0].pos.line, 301);
		br_diag_free(&diag);
		policy_free(pol);
	}
	/* 15 labels below a BELOW entry are fine, as is any depth of EXACT */
	pol = policy_new();
	s = DOMAINS("*.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p",
		    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s");
	add_l7_rule(pol, BR_L7_TLS, BR_PROTO_TCP, s, BR_ACT_DROP);
	compile_ok(pol);
	assert_int_equal(view.n_domains, 2);
	assert_true(domain_match("x.y.z.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p") == 1);
	assert_true(domain_match("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s") == 1);
	policy_free(pol);
}

/* What the parser rules out is refused here too, with the rule's line. */
static void test_l7_ir_checked(void **state)
{
	static const char *const want[] = {
		"rule has bad query types",
		"rule has bad QUIC versions",
		"rule has bad QUIC versions",
		"rule has throttle at rate 0",
		"rule refers to set 0, which is not a domain set",
		"rule has freeze after 0 bytes",
		"rule has a penalty of 0 or more than 24h",
		"rule has a penalty of 0 or more than 24h",
		"rule has a bad penalty scope",
		"rule has a penalty on non-IP frames",
		"rule has bad STUN types",
		"rule has bad STUN types",
		"rule has bad STUN types",
	};
	struct br_policy *pol;
	struct br_diag diag;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		pol = policy_new();
		add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_PASS);
		add_rule(pol, BR_PROTO_UDP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
		pol->rules[1].domain_set = NONE;
		switch (i) {
		case 0: /* query types on a QUIC rule */
			pol->rules[1].l7 = BR_L7_QUIC;
			pol->rules[1].n_qtypes = 1;
			break;
		case 1:
			pol->rules[1].l7 = BR_L7_QUIC;
			pol->rules[1].n_quic_versions = BR_MAX_QUIC_VERSIONS + 1;
			break;
		case 2: /* versions on a DNS rule */
			pol->rules[1].l7 = BR_L7_DNS;
			pol->rules[1].n_quic_versions = 1;
			break;
		case 3:
			pol->rules[1].action = BR_ACT_THROTTLE;
			break;
		case 4:
			ADDRS("198.18.0.0/15");
			pol->rules[1].l7 = BR_L7_DNS;
			pol->rules[1].domain_set = 0;
			break;
		case 5:
			pol->rules[1].action = BR_ACT_FREEZE;
			break;
		case 6:
			pol->rules[1].action = BR_ACT_PENALTY;
			pol->rules[1].penalty_scope = BR_PENALTY_PAIR;
			break;
		case 7:
			pol->rules[1].action = BR_ACT_PENALTY;
			pol->rules[1].penalty_ns = BR_PENALTY_MAX_NS + 1;
			pol->rules[1].penalty_scope = BR_PENALTY_PAIR;
			break;
		case 8:
			pol->rules[1].action = BR_ACT_PENALTY;
			pol->rules[1].penalty_ns = 1;
			pol->rules[1].penalty_scope = 0;
			break;
		case 9:
			pol->rules[1].action = BR_ACT_PENALTY;
			pol->rules[1].penalty_ns = 1;
			pol->rules[1].penalty_scope = BR_PENALTY_PAIR;
			pol->rules[1].proto = BR_PROTO_ANY;
			pol->rules[1].ether_type = 0x88cc;
			break;
		case 10: /* STUN types on a QUIC rule */
			pol->rules[1].l7 = BR_L7_QUIC;
			pol->rules[1].n_stun_types = 1;
			break;
		case 11: /* past the 14 bits of a type */
			pol->rules[1].l7 = BR_L7_STUN;
			pol->rules[1].n_stun_types = 1;
			pol->rules[1].stun_types[0].lo = 1;
			pol->rules[1].stun_types[0].hi = BR_STUN_TYPES;
			break;
		case 12: /* reversed */
			pol->rules[1].l7 = BR_L7_STUN;
			pol->rules[1].n_stun_types = 1;
			pol->rules[1].stun_types[0].lo = 2;
			pol->rules[1].stun_types[0].hi = 1;
			break;
		}
		br_diag_init(&diag);
		free_domains();
		assert_int_equal(br_compile(pol, &view, &stats, &diag),
				 -EINVAL);
		assert_int_equal(diag.n, 1);
		assert_string_equal(diag.msgs[0].text, want[i]);
		assert_int_equal(diag.msgs[0].pos.line, 201);
		br_diag_free(&diag);
		policy_free(pol);
	}
}

/* br_compile owns the three output fields from its first instruction. */
static void test_domain_fields_reset_at_entry(void **state)
{
	struct br_policy *pol = policy_new();
	struct br_diag diag;

	(void)state;
	add_rule(pol, BR_PROTO_TCP, NONE, NONE, NONE, NONE, BR_ACT_DROP);
	free_domains();
	view.n_domains = 7;
	view.domain_keys = (__u64 *)&view;	/* never freed by br_compile */
	view.domain_vals = (struct br_domain_rules *)&view;
	br_diag_init(&diag);
	assert_int_equal(br_compile(pol, &view, &stats, &diag), 0);
	assert_int_equal(view.n_domains, 0);
	assert_null(view.domain_keys);
	assert_null(view.domain_vals);
	br_diag_free(&diag);
	policy_free(pol);
}

/*
 * The presence filter of the view's n domain keys (abi.h): sized to about
 * BR_DOMAIN_FILTER_BITS bits a key, every key found (a miss would hide a
 * blocked name), and absent keys let through rarely: the rate measured on
 * 1M keys no set holds is what abi.h quotes, held here under 1%.
 */
static void check_domain_filter(size_t n)
{
	const struct br_domain_filter_line *l;
	size_t lines = view.n_domain_filter, i, passed = 0;
	char name[64];
	__u64 key;

	assert_true((lines & (lines - 1)) == 0);
	assert_true(lines * BR_DOMAIN_FILTER_LINE_BITS >=
		    n * BR_DOMAIN_FILTER_BITS);
	assert_true(lines * BR_DOMAIN_FILTER_LINE_BITS <
		    2 * n * BR_DOMAIN_FILTER_BITS);
	assert_int_equal(view.hdr->domain_filter_mask, lines - 1);
	assert_int_equal(stats.domain_filter_lines, lines);
	for (i = 0; i < view.n_domains; i++) {
		key = view.domain_keys[i];
		l = &view.domain_filter[br_domain_filter_line(
			key, view.hdr->domain_filter_mask)];
		if (!br_domain_filter_has(l, key))
			fail_msg("key %zu (%016llx) not in the filter", i,
				 (unsigned long long)key);
	}
	for (i = 0; i < 1000000; i++) {
		snprintf(name, sizeof(name), "absent%zu.example", i);
		key = br_domain_hash(name, (__u32)strlen(name));
		l = &view.domain_filter[br_domain_filter_line(
			key, view.hdr->domain_filter_mask)];
		passed += br_domain_filter_has(l, key);
	}
	print_message("domain filter: %zu lines for %zu keys, %.3f%% of 1M "
		      "absent keys let through\n",
		      lines, n, passed / 1e4);
	assert_true(passed < 10000);
}

#define BIG_DOMAINS 1000000
#define BIG_DISTINCT 900000

/* A million names through the parser and the compiler; some repeat. */
static void test_large_domain_set(void **state)
{
	struct br_policy *pol = NULL;
	const struct br_domain_rules *e;
	struct br_diag diag;
	char *text, name[64];
	size_t len = 0;
	unsigned int i;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fputs("policy big\nset reg domain {\n", f);
	for (i = 0; i < BIG_DOMAINS; i++)
		fprintf(f, "%sn%u.r%u.example\n", i % 2 ? "*." : "",
			i % BIG_DISTINCT, i % 1000);
	fputs("}\nrule sni @reg drop\nrule dns @reg nxdomain\n", f);
	assert_int_equal(fclose(f), 0);
	br_diag_init(&diag);
	assert_int_equal(br_policy_parse_buffer("big.policy", text, len, &pol,
						&diag),
			 0);
	assert_int_equal(diag.n, 0);
	free(text);
	compile_ok(pol);

	assert_int_equal(view.n_domains, BIG_DISTINCT);
	assert_int_equal(stats.domains, BIG_DISTINCT);
	for (i = 0; i < BIG_DISTINCT; i += 4999) {
		snprintf(name, sizeof(name), "n%u.r%u.example", i, i % 1000);
		e = domain_lookup(name);
		assert_non_null(e);
		/* i and i + BIG_DISTINCT are alike: same parity */
		assert_true(e->exact == (i % 2 ? 0 : 0x3));
		assert_true(e->below == (i % 2 ? 0x3 : 0));
	}
	/* the repeats: n1.r1 and n900001 % ... merge into one entry */
	snprintf(name, sizeof(name), "n%u.r%u.example", 99999u, 99999u % 1000);
	assert_non_null(domain_lookup(name));
	check_domain_filter(BIG_DISTINCT);
	check_domain_table();
	br_diag_free(&diag);
	br_policy_free(pol);
}

/* Every shipped example compiles: what `blastradius check` does. */
static void test_examples_compile(void **state)
{
	struct br_policy *pol;
	struct br_diag diag;
	glob_t g;
	size_t i;
	int err;

	(void)state;
	assert_int_equal(glob("policies/examples/*.policy", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 8);
	for (i = 0; i < g.gl_pathc; i++) {
		br_diag_init(&diag);
		err = br_policy_parse_file(g.gl_pathv[i], &pol, &diag);
		if (!err) {
			free_domains();
			err = br_compile(pol, &view, &stats, &diag);
		}
		if (err) {
			br_diag_print(&diag, stderr);
			fail_msg("%s: %d", g.gl_pathv[i], err);
		}
		br_diag_free(&diag);
		br_policy_free(pol);
	}
	globfree(&g);
}

/* ---- determinism ---------------------------------------------------- */

static __u64 hash_bytes(__u64 h, const void *data, size_t len)
{
	const __u64 *words = data;
	size_t i;

	for (i = 0; i < len / 8; i++)
		h = (h ^ words[i]) * 0x100000001b3ULL;
	return h;
}

static __u64 image_hash(void)
{
	__u64 h = 0xcbf29ce484222325ULL;

	h = hash_bytes(h, view.classes, BR_MAX_CLASSES * sizeof(*view.classes));
	h = hash_bytes(h, view.v4_dir, BR_V4_DIR_SIZE * sizeof(*view.v4_dir));
	h = hash_bytes(h, view.v4_lines,
		       view.n_v4_lines * sizeof(*view.v4_lines));
	h = hash_bytes(h, view.v6_lines,
		       view.n_v6_lines * sizeof(*view.v6_lines));
	h = hash_bytes(h, view.sport, BR_PORT_SLOTS * sizeof(*view.sport));
	return h;
}

static void test_same_policy_same_image(void **state)
{
	struct br_policy *pol;
	__u64 first;

	(void)state;
	rnd_state = 99;
	pol = random_policy();
	compile_ok(pol);
	assert_int_equal(addr_flags(), BR_HDR_V4_ADDRS | BR_HDR_V6_ADDRS);
	first = image_hash();
	memset(view.v4_dir, 0x11, BR_V4_DIR_SIZE * sizeof(*view.v4_dir));
	compile_ok(pol);
	assert_true(image_hash() == first);
	policy_free(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_bitmap_per_rule_protocol),
		cmocka_unit_test(test_port_bitmaps_per_direction),
		cmocka_unit_test(test_etype_bitmap_only_for_ether_rules),
		cmocka_unit_test(
			test_header_and_rules_rewritten_caller_fields_kept),
		cmocka_unit_test(test_64_rules_fill_rules_valid),
		cmocka_unit_test(test_65_rules_too_large),
		cmocka_unit_test(test_class0_is_rules_without_address_match),
		cmocka_unit_test(test_duplicate_prefixes_merge_their_rules),
		cmocka_unit_test(
			test_direction_flags_only_for_constrained_directions),
		cmocka_unit_test(
			test_port_flags_only_for_constrained_directions),
		cmocka_unit_test(test_proto_flag_and_ip_rules),
		cmocka_unit_test(test_v4_clustered_hosts_use_bitmaps),
		cmocka_unit_test(test_v4_three_classes_in_a_24),
		cmocka_unit_test(
			test_empty_set_matches_nothing_and_writes_no_table),
		cmocka_unit_test(
			test_v4_overlapping_prefixes_against_reference),
		cmocka_unit_test(test_v4_layout_per_16),
		cmocka_unit_test(test_v4_classes_past_2048),
		cmocka_unit_test(test_v4_stale_dir_overwritten),
		cmocka_unit_test(test_v4_no_lines_without_v4_prefixes),
		cmocka_unit_test(test_v6_tiers_against_reference),
		cmocka_unit_test(test_v6_filter_and_lines_sized_to_the_set),
		cmocka_unit_test(test_v6_random_set_fits_with_short_probes),
		cmocka_unit_test(test_too_many_classes),
		cmocka_unit_test(test_too_many_v6_tiers),
		cmocka_unit_test(test_v6_probe_limit),
		cmocka_unit_test(test_random_policies_match_reference),
		cmocka_unit_test(test_same_policy_same_image),
		cmocka_unit_test(test_l7_masks_and_flags),
		cmocka_unit_test(test_flows_flag_per_action),
		cmocka_unit_test(test_rule_params),
		cmocka_unit_test(test_penalty_params),
		cmocka_unit_test(test_qtype_bitmaps),
		cmocka_unit_test(test_quic_versions_table),
		cmocka_unit_test(test_stun_types_table),
		cmocka_unit_test(test_quic_sni_masks),
		cmocka_unit_test(test_ja4_table),
		cmocka_unit_test(test_ja4_overflow),
		cmocka_unit_test(test_quic_versions_overflow),
		cmocka_unit_test(test_domain_image),
		cmocka_unit_test(test_domain_bad_entries),
		cmocka_unit_test(test_l7_ir_checked),
		cmocka_unit_test(test_domain_fields_reset_at_entry),
		cmocka_unit_test(test_large_domain_set),
		cmocka_unit_test(test_examples_compile),
	};

	return cmocka_run_group_tests(tests, view_setup, view_teardown);
}
