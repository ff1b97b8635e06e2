/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * match.h - stage 3: which rule a packet hits.
 *
 * Rule-bitmap classification (bpf-iptables): every match dimension is one
 * lookup returning the bitmap of the rules it satisfies; the AND of all
 * dimensions, lowest set bit first, is the winning rule. Addresses go through
 * equivalence classes: a /16 directory over lines sized to the set for
 * IPv4, a tiered open-addressing table for IPv6 (encodings in abi.h).
 *
 * The decoding helpers at the top are pure and compile on the host too; the
 * lookups below them need the maps of maps.h and exist only for BPF.
 */
#ifndef BR_MATCH_H
#define BR_MATCH_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include "abi.h"
#include "parse.h"

/*
 * Index of the lowest set bit, BR_MAX_RULES when none. Branch-free (a de
 * Bruijn multiply and a table): six data-dependent branches would leave the
 * verifier up to 64 states, one per result, to walk the rest of the stage
 * with. (clang 14's BPF backend crashes on __builtin_ctzll anyway.)
 */
static const __u8 br_debruijn64[64] = {
	0,  1,	56, 2,	57, 49, 28, 3,	61, 58, 42, 50, 38, 29, 17, 4,
	62, 47, 59, 36, 45, 43, 51, 22, 53, 39, 33, 30, 24, 18, 12, 5,
	63, 55, 48, 27, 60, 41, 37, 16, 46, 35, 44, 21, 52, 32, 23, 11,
	54, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,	13, 8,	7,  6,
};

/*
 * Verdicts that come from a policy's own statements rather than a rule:
 * counted under their own counters, never under a rule's.
 */
#define BR_RULE_SNI_DEFAULT (BR_MAX_RULES + 1) /* sni-default */
#define BR_RULE_UNREADABLE (BR_MAX_RULES + 2)  /* unreadable */
#define BR_RULE_TLS_DEFAULT (BR_MAX_RULES + 3) /* tls-default */
#define BR_RULE_NONE (BR_MAX_RULES + 3)	       /* passed, nothing decided */

static __always_inline __u32 br_lowest_rule(br_rules_t b)
{
	if (!b)
		return BR_MAX_RULES;
	return br_debruijn64[((b & -b) * 0x03f79d71b4ca8b09ULL) >> 58];
}

/* The network-order address masked to plen bits, as the v6 buckets key it. */
static __always_inline void br_v6_mask(const __u32 addr[4], __u32 plen,
				       __u32 out[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		__u32 bits = plen > 32u * i ? plen - 32u * i : 0;

		if (bits >= 32)
			out[i] = addr[i];
		else if (bits == 0)
			out[i] = 0;
		else
			out[i] = addr[i] & bpf_htonl(~0u << (32 - bits));
	}
}

#if defined(__bpf__) || defined(__BPF__)

#include "maps.h"
#include "action.h"

/*
 * Class of one IPv6 address (dir 0: source, 1: destination): longest tier
 * first, the first bucket holding the masked address at that length wins.
 * A tier of /32 or longer is skipped when the filter says no prefix of its
 * length lies in the address's /32. A global function so the verifier
 * walks the probe loops once, not once per call site.
 */
__noinline int br_v6_class(const struct br_policy_hdr *hdr, __u32 slot,
			   const struct br_pkt *pkt, __u32 dir)
{
	__u32 addr[4], key[4];
	__u32 n_tiers, t, p, h, plen, idx, bit;
	struct br_v6_line *l, *filter;
	void *lines;
	int i;

	if (!hdr || !pkt || slot >= BR_SLOTS)
		return 0;
	lines = bpf_map_lookup_elem(&v6_lines, &slot);
	if (!lines)
		return 0;
	for (i = 0; i < 4; i++)
		addr[i] = dir ? pkt->daddr[i] : pkt->saddr[i];
	idx = br_v6_filter_line(addr[0], hdr->v6_filter_mask);
	filter = bpf_map_lookup_elem(lines, &idx);
	if (!filter)
		return 0;
	n_tiers = hdr->v6_n_tiers;

	for (t = 0; t < BR_V6_MAX_TIERS; t++) {
		if (t >= n_tiers)
			break;
		plen = hdr->v6_tiers[t];
		if (plen > 128)
			continue;
		if (plen >= 32) {
			bit = br_v6_filter_bit(addr[0], plen);
			if (!((filter->bits[(bit / 64) & 7] >> (bit & 63)) & 1))
				continue;
		}
		br_v6_mask(addr, plen, key);
		h = br_v6_hash(key, plen);
		for (p = 0; p < BR_V6_MAX_PROBE; p++) {
			struct br_v6_bucket *b;

			idx = br_v6_bucket_line(hdr, h + p);
			l = bpf_map_lookup_elem(lines, &idx);
			if (!l)
				break;
			b = &l->b[(h + p) & 1];
			if (!b->used)
				break;
			if (b->plen == plen && b->addr[0] == key[0] &&
			    b->addr[1] == key[1] && b->addr[2] == key[2] &&
			    b->addr[3] == key[3])
				return b->class_id;
		}
	}
	return 0;
}

/*
 * Class of an IPv4 address: its /16's directory entry, then, for a /16
 * that holds more than one class, the one line of its node that holds it.
 */
static __always_inline __u32 br_v4_class(__u32 slot, __u32 addr_be)
{
	__u32 addr = bpf_ntohl(addr_be), top = addr >> 16;
	__u32 idx = slot * BR_V4_DIR_ELEMS + top / BR_V4_DIR_PER_ELEM;
	struct br_v4_dir_elem *d;
	struct br_v4_line *l;
	void *lines;
	__u32 e;

	d = bpf_map_lookup_elem(&v4_dir, &idx);
	if (!d)
		return 0;
	e = d->entry[top % BR_V4_DIR_PER_ELEM];
	if (!(e & BR_V4_NODE))
		return BR_V4_LEAF_CLASS(e);
	lines = bpf_map_lookup_elem(&v4_lines, &slot);
	if (!lines)
		return 0;
	idx = br_v4_line_of(e, addr);
	l = bpf_map_lookup_elem(lines, &idx);
	return l ? br_v4_line_class(l, addr & 0xffff) : 0;
}

/* Rules satisfied by an address class in one direction. */
static __always_inline br_rules_t br_class_rules(__u32 slot, __u32 class_id,
						 __u32 dir)
{
	__u32 idx = slot * BR_MAX_CLASSES + (class_id & (BR_MAX_CLASSES - 1));
	struct br_class *c;

	if (class_id >= BR_MAX_CLASSES)
		return 0;
	c = bpf_map_lookup_elem(&classes, &idx);
	if (!c)
		return 0;
	return dir ? c->dst : c->src;
}

static __always_inline br_rules_t br_dim_rules(void *map, __u32 slot, __u32 n,
					       __u32 value)
{
	__u32 idx = slot * n + value;
	br_rules_t *r;

	if (value >= n)
		return 0;
	r = bpf_map_lookup_elem(map, &idx);
	return r ? *r : 0;
}

/*
 * Class of the source (dir 0) or destination (dir 1) address. A direction
 * no rule constrains is class 0 without a lookup: in real traffic every
 * address lookup is a likely cache miss, so a policy on destinations only
 * must not pay one for the sources.
 */
static __always_inline __u32 br_addr_class(const struct br_policy_hdr *hdr,
					   __u32 slot, const struct br_pkt *pkt,
					   __u32 dir)
{
	if (!(hdr->flags & (dir ? BR_HDR_DADDR : BR_HDR_SADDR)))
		return 0;
	if (pkt->family == 4 && (hdr->flags & BR_HDR_V4_ADDRS))
		return br_v4_class(slot, dir ? pkt->daddr[0] : pkt->saddr[0]);
	if (pkt->family == 6 && (hdr->flags & BR_HDR_V6_ADDRS))
		return br_v6_class(hdr, slot, pkt, dir);
	return 0;
}

/* Rules among b whose address matches the packet satisfies. */
static __always_inline br_rules_t br_addr_rules(const struct br_policy_hdr *hdr,
						__u32 slot,
						const struct br_pkt *pkt,
						br_rules_t b)
{
	/* a direction no rule constrains: every class holds every rule */
	if (hdr->flags & BR_HDR_DADDR)
		b &= br_class_rules(slot, br_addr_class(hdr, slot, pkt, 1), 1);
	if (!b || !(hdr->flags & BR_HDR_SADDR))
		return b;
	return b & br_class_rules(slot, br_addr_class(hdr, slot, pkt, 0), 0);
}

/*
 * Rules whose L3/L4 matches an IP packet satisfies. Cheapest dimensions
 * first, and the destination before the source (rules name destinations far
 * more often), so most packets that match nothing stop before the last
 * lookups. A dimension no rule constrains (the protocol, a port or an
 * address direction) is not looked up at all.
 */
static __always_inline br_rules_t br_l34_rules(const struct br_policy_hdr *hdr,
					       __u32 slot,
					       const struct br_pkt *pkt)
{
	br_rules_t b;

	b = hdr->rules_valid;
	if (hdr->flags & BR_HDR_PROTO)
		b &= br_dim_rules(&proto_rules, slot, BR_PROTO_SLOTS, pkt->proto);
	else
		b &= hdr->ip_rules;
	if (hdr->flags & BR_HDR_DPORT)
		b &= br_dim_rules(&dport_rules, slot, BR_PORT_SLOTS, pkt->dport);
	if (hdr->flags & BR_HDR_SPORT)
		b &= br_dim_rules(&sport_rules, slot, BR_PORT_SLOTS, pkt->sport);
	if (!b)
		return 0;
	return br_addr_rules(hdr, slot, pkt, b);
}

/* Rules that need an L7 fact: never matched where none is read. */
static __always_inline br_rules_t br_l7_rules(const struct br_policy_hdr *hdr)
{
	return hdr->l7_tls | hdr->l7_dns | hdr->l7_quic | hdr->l7_stun;
}

/*
 * What the one-shot path decided, packed in br_classify()'s return value
 * (a struct in the caller's frame would cost the stack chain of the
 * stateful stages): the rule (BR_MAX_RULES for the default,
 * BR_RULE_UNREADABLE for the policy's unreadable action), its action, and
 * whether a rule this packet could not be read for stood ahead of it.
 */
#define BR_CLASS(rule, action, unreadable) \
	((rule) | (action) << 8 | (unreadable) << 16)
#define BR_CLASS_RULE(c) ((__u32)(c) & 0xff)
#define BR_CLASS_ACTION(c) (((__u32)(c) >> 8) & 0xff)
#define BR_CLASS_UNREADABLE(c) (((__u32)(c) >> 16) & 1)

/*
 * The one-shot path: stateless policies, and what stateful ones do not
 * send through the flow stage (other protocols, hidden transports, orphan
 * fragments). No L7 fact is read here, so no L7 rule matches.
 *
 * A packet whose transport hides behind an IPv6 chain (protocol and ports
 * unknown) or that is a fragment without its first (ports unknown) cannot
 * show what a rule with a port or L7 condition asks for: such a rule does
 * not match it. When one of them stands before the rule that does match,
 * the packet is unreadable for the policy, and a policy with an
 * "unreadable" statement gives it that action.
 */
__noinline int br_classify(const struct br_policy_hdr *hdr, __u32 slot,
			   const struct br_pkt *pkt)
{
	br_rules_t possible, b;
	__u32 rule;

	if (!hdr || !pkt || slot >= BR_SLOTS)
		return BR_CLASS(BR_MAX_RULES, BR_ACT_PASS, 0);
	if (pkt->status != BR_PKT_UNPARSED && pkt->frag != BR_FRAG_LATER) {
		b = br_l34_rules(hdr, slot, pkt) & ~br_l7_rules(hdr);
		rule = br_lowest_rule(b);
		return BR_CLASS(rule, br_rule_action(hdr, slot, rule), 0);
	}
	/* what could match if the fields it cannot show held anything */
	possible = hdr->rules_valid;
	if (pkt->proto != BR_PROTO_UNKNOWN)
		possible &= br_dim_rules(&proto_rules, slot, BR_PROTO_SLOTS, pkt->proto);
	possible = br_addr_rules(hdr, slot, pkt, possible);
	b = possible & ~br_l7_rules(hdr);
	b &= br_dim_rules(&proto_rules, slot, BR_PROTO_SLOTS, pkt->proto);
	b &= br_dim_rules(&dport_rules, slot, BR_PORT_SLOTS, BR_PORT_NONE);
	b &= br_dim_rules(&sport_rules, slot, BR_PORT_SLOTS, BR_PORT_NONE);
	rule = br_lowest_rule(b);
	if (br_lowest_rule(possible) >= rule)
		return BR_CLASS(rule, br_rule_action(hdr, slot, rule), 0);
	if (hdr->flags & BR_HDR_UNREADABLE)
		return BR_CLASS(BR_RULE_UNREADABLE, hdr->unreadable, 1);
	return BR_CLASS(rule, br_rule_action(hdr, slot, rule), 1);
}

/* The same bitmap for the stateful stages, which weigh L7 facts next. */
__noinline int br_match_l34(const struct br_policy_hdr *hdr, __u32 slot,
			    const struct br_pkt *pkt, br_rules_t *out)
{
	if (!out)
		return 0;
	*out = 0;
	if (!hdr || !pkt || slot >= BR_SLOTS)
		return 0;
	*out = br_l34_rules(hdr, slot, pkt);
	return 0;
}

/* Non-IP frames: only "ether type" rules can match them. */
static __always_inline __u32 br_match_etype(const struct br_policy_hdr *hdr,
					    __u32 slot, __u16 eth_proto)
{
	br_rules_t b = hdr->rules_valid;

	b &= br_dim_rules(&etype_rules, slot, BR_ETYPE_SLOTS, eth_proto);
	return br_lowest_rule(b);
}

#define BR_NO_RULE_CTR 0xffffffffu

/* The counter of a rule, BR_NO_RULE_CTR for a verdict no rule gave. */
static __always_inline __u32 br_rule_ctr(__u32 rule)
{
	return rule <= BR_MAX_RULES ? rule : BR_NO_RULE_CTR;
}

/*
 * How a verdict is evaluated: b, the rules whose addresses, ports and
 * protocol match; m, the rules among them whose L7 condition holds; the
 * winner is the lowest rule of b that is plain (no L7 condition) or in m.
 * A TLS rule ahead of every plain candidate makes the flow await its hello;
 * a QUIC or STUN rule ahead of them, a datagram that shows its fact. When
 * the hello ends without a name the censor could read (no server_name,
 * not TLS, malformed, cut by fragmentation, its state lost, or never seen:
 * mid-stream) and a TLS rule was ahead of the winner, the policy's
 * sni-default, if it has one, decides instead. When an L7 fact a rule
 * ahead needs is cut off (a DNS question, a QUIC or STUN header in a first
 * fragment), the policy's unreadable action, if it has one, decides.
 */

/*
 * The winner among b given the L7 matches m.
 * name_missing: a TLS flow whose name could not be read; unread: the
 * rules whose L7 condition this packet cuts off. *unreadable tells
 * whether one of those stood ahead of the winner.
 */
static __always_inline __u32 br_decide(const struct br_policy_hdr *hdr,
				       __u32 slot, br_rules_t b, br_rules_t m,
				       int name_missing, br_rules_t unread,
				       __u32 *action, __u32 *unreadable)
{
	br_rules_t plain = b & ~br_l7_rules(hdr);
	__u32 rule = br_lowest_rule(b & (plain | m));

	*unreadable = 0;
	if (name_missing && (hdr->flags & BR_HDR_SNI_DEFAULT) &&
	    br_lowest_rule(b & hdr->l7_tls) < rule) {
		*action = hdr->sni_default;
		return BR_RULE_SNI_DEFAULT;
	}
	if (br_lowest_rule(b & unread) < rule) {
		*unreadable = 1;
		if (hdr->flags & BR_HDR_UNREADABLE) {
			*action = hdr->unreadable;
			return BR_RULE_UNREADABLE;
		}
	}
	*action = br_rule_action(hdr, slot, rule);
	return rule;
}

#endif /* __bpf__ */

#endif /* BR_MATCH_H */
