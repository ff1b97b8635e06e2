/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_quic.h - the QUIC fact of a datagram that a UDP flow awaits
 * (l7_dgram.h): an Initial, judged by the version of its long header.
 */
#ifndef BR_L7_QUIC_H
#define BR_L7_QUIC_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "count.h"
#include "match.h"
#include "l7.h"

#define BR_QUIC_HDR_MAX 64 /* a first fragment shorter may cut the header */

/* The QUIC rules of the policy in slot that the first packet qi satisfies. */
static __always_inline br_rules_t br_quic_rules(const struct br_policy_hdr *hdr,
						__u32 slot,
						const struct br_quic_info *qi)
{
	struct br_quic_version_table *t;

	t = bpf_map_lookup_elem(&quic_versions, &slot);
	if (!t)
		return 0;
	return br_quic_version_match(qi, t, hdr->n_quic_versions,
				     hdr->l7_quic_any, hdr->l7_quic);
}

/* What br_quic_fact() returns when it handed the Initial over: no counter. */
#define BR_QUIC_HANDED 0xffffffffu

static __always_inline int br_flow_key_same(const struct br_flow_key *a,
					    const struct br_flow_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 i, d = 0;

	for (i = 0; i < sizeof(*a) / 4; i++)
		d |= x[i] ^ y[i];
	return !d;
}

/*
 * Whether the opener's fact in s->qh is this packet's: asked for (seq),
 * given (done), by this flow, for a payload whole bytes long.
 */
static __always_inline int br_quic_fact_in(const struct br_scratch *s,
					   const struct br_verdict *v,
					   __u32 whole)
{
	const struct br_quic_handoff *h = &s->qh;

	return h->seq && h->done == h->seq && h->whole == whole &&
	       br_flow_key_same(&h->key, &v->key);
}

/*
 * Whether a named rule of the Initial's stands ahead of every rule the
 * datagram meets without a name: then a hello not whole yet keeps the
 * flow waiting for the next Initial, rather than let a rule behind it
 * decide.
 */
static __always_inline int br_quic_named_ahead(const struct br_policy_hdr *hdr,
					       const struct br_verdict *v,
					       br_rules_t named)
{
	br_rules_t rest = (v->b & ~br_l7_rules(hdr)) | (v->m & v->b);

	return br_lowest_rule(named) < br_lowest_rule(rest);
}

/*
 * The quic rules with a name set, for the Initial copied into s (len
 * bytes) and satisfying v->m by its version: on the packet's first run,
 * handed over to be opened (l7_quic_open.h), BR_QUIC_HANDED; on its run
 * after the opener, its name matched against their sets (v->m keeps those
 * whose set holds it). A hello not whole yet (its rest in a later
 * Initial) leaves them in question: 0 when one of them stands ahead, the
 * flow waits (counted here). An Initial that could not be opened, or is
 * past its source's budget, leaves them unreadable for this datagram.
 * Returns ctr otherwise.
 */
static __always_inline __u32 br_quic_named(const struct br_policy_hdr *hdr,
					   const struct br_pkt *pkt,
					   struct br_scratch *s,
					   struct br_verdict *v, __u32 len,
					   __u32 ctr)
{
	struct br_quic_handoff *h = &s->qh;
	struct br_gen_counters *block;
	struct br_domain_hit hit = {};
	/* the named rules this Initial's version (and L3/L4) already meets */
	br_rules_t named = v->m & v->b & hdr->l7_quic_sni;
	__u32 frame_len = pkt->frame_len;

	if (!br_quic_fact_in(s, v, br_payload_len(pkt)) || h->len != len) {
		h->seq = ++h->next ? h->next : ++h->next;
		h->done = 0;
		h->key = v->key;
		h->now = v->now;
		__builtin_memcpy(h->src.addr, pkt->saddr, sizeof(h->src.addr));
		h->src.family = pkt->family;
		h->len = len;
		h->whole = br_payload_len(pkt);
		h->result = BR_QO_NONE;
		return BR_QUIC_HANDED;
	}
	h->seq = 0; /* this packet's fact: used once */
	block = br_counters_of(hdr->gen_idx);
	v->m &= ~hdr->l7_quic_sni;
	switch (h->result) {
	case BR_QO_SNI:
		v->hello_read = 1;
		br_extra(block, BR_CTR_QUIC_OPENED, frame_len);
		br_extra(block, BR_CTR_QUIC_SNI, frame_len);
		br_domain_match(hdr, v->slot,
				(const struct br_name_buf *)h->sni, h->sni_len,
				&hit);
		v->m |= hit.rules & named;
		return ctr;
	case BR_QO_NO_SNI:
		v->hello_read = 1;
		br_extra(block, BR_CTR_QUIC_OPENED, frame_len);
		return ctr;
	case BR_QO_MORE:
		br_extra(block, BR_CTR_QUIC_PARTIAL, frame_len);
		if (!br_quic_named_ahead(hdr, v, named))
			return ctr;
		br_extra(block, ctr, frame_len);
		return 0;
	case BR_QO_BUDGET:
		br_extra(block, BR_CTR_QUIC_OVER_BUDGET, frame_len);
		break;
	}
	br_extra(block, BR_CTR_QUIC_UNOPENED, frame_len);
	v->unread |= named;
	return ctr;
}

/*
 * A client datagram whose first byte starts a long header, copied into
 * s and parsed: the counter of what it is (an Initial, 0-RTT, a reserved
 * version), with the QUIC rules it satisfies in v->m; or 0, with
 * v->unread the QUIC rules when a first fragment may cut the header. A
 * quic rule with a name set is met by an Initial whose ClientHello names
 * a server in it (br_quic_named); BR_QUIC_HANDED when the Initial has
 * been handed over to be opened first.
 */
static __always_inline __u32 br_quic_fact(struct xdp_md *ctx,
					  const struct br_policy_hdr *hdr,
					  const struct br_pkt *pkt,
					  struct br_scratch *s,
					  struct br_verdict *v)
{
	__u32 len, whole, dgram, ctr = 0;
	int kind;

	if (!hdr->l7_quic)
		return 0;
	/*
	 * The packet's run after the opener: its copy (decrypted since) and
	 * its header's parse (s->qi, which the opener only reads) are the
	 * first run's, and it is an Initial.
	 */
	if ((hdr->flags & BR_HDR_QUIC_SNI) &&
	    br_quic_fact_in(s, v, br_payload_len(pkt))) {
		len = s->qh.len;
		kind = BR_QUIC_INITIAL;
	} else {
		len = br_load_payload(ctx, pkt, s, &whole);
		dgram = pkt->frag == BR_FRAG_FIRST ? pkt->dgram_len : whole;
		kind = len ? br_quic_stage(&s->buf, len, dgram, &s->qi)
			   : BR_QUIC_NONE;
	}
	if (kind == BR_QUIC_INITIAL)
		ctr = BR_CTR_QUIC_INITIAL;
	else if (kind == BR_QUIC_0RTT)
		ctr = BR_CTR_QUIC_0RTT;
	else if (kind == BR_QUIC_GREASED)
		ctr = BR_CTR_QUIC_GREASED;
	else if (pkt->frag == BR_FRAG_FIRST && len < BR_QUIC_HDR_MAX)
		v->unread = hdr->l7_quic; /* the header may be cut */
	if (ctr)
		v->m = br_quic_rules(hdr, v->slot, &s->qi);
	if (!(hdr->flags & BR_HDR_QUIC_SNI))
		return ctr;
	if (ctr == BR_CTR_QUIC_INITIAL && (v->m & v->b & hdr->l7_quic_sni))
		return br_quic_named(hdr, pkt, s, v, len, ctr);
	v->m &= ~hdr->l7_quic_sni; /* a name needs an Initial opened */
	return ctr;
}

#endif /* BR_L7_QUIC_H */
