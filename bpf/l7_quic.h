/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_quic.h - the QUIC stage of a stateful policy: a UDP flow awaiting a
 * QUIC Initial, judged by the version of its long header.
 */
#ifndef BR_L7_QUIC_H
#define BR_L7_QUIC_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "match.h"
#include "action.h"
#include "count.h"
#include "flow.h"
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

/*
 * A packet of a UDP flow whose QUIC rule waits for an Initial: a client
 * datagram whose first packet is an Initial or 0-RTT packet (or of a
 * reserved version) is matched, and decides the flow if a QUIC rule wins;
 * every other packet gets the provisional verdict, and the flow goes on
 * waiting, so a datagram sent ahead of the Initial does not hide it.
 */
__noinline int br_await_quic(struct xdp_md *ctx,
			     const struct br_policy_hdr *hdr,
			     const struct br_pkt *pkt, struct br_flow_val *f,
			     struct br_verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, len, whole, dgram, rule, action, unreadable, ctr = 0;
	struct br_gen_counters *block;
	struct br_scratch *s;
	br_rules_t m, unread = 0;
	__u8 *first;
	int kind;

	if (!v || !br_await_begin(hdr, pkt, f, v))
		return 0;
	block = br_counters_of(hdr->gen_idx);
	if (!br_flow_from_client(f, pkt) || pkt->payload_off > BR_L4_OFF_MAX)
		goto provisional;
	/* a short header (top bit clear) is never an Initial: no copy */
	first = data + pkt->payload_off;
	if ((void *)(first + 1) > data_end || !(*first & BR_QUIC_FORM_LONG))
		goto provisional;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		goto provisional;
	len = br_load_payload(ctx, pkt, s, &whole);
	dgram = pkt->frag == BR_FRAG_FIRST ? pkt->dgram_len : whole;
	kind = len ? br_quic_stage(&s->buf, len, dgram, &s->qi) : BR_QUIC_NONE;
	if (kind == BR_QUIC_INITIAL)
		ctr = BR_CTR_QUIC_INITIAL;
	else if (kind == BR_QUIC_0RTT)
		ctr = BR_CTR_QUIC_0RTT;
	else if (kind == BR_QUIC_GREASED)
		ctr = BR_CTR_QUIC_GREASED;
	else if (pkt->frag == BR_FRAG_FIRST && len < BR_QUIC_HDR_MAX)
		unread = hdr->l7_quic; /* the header may be cut */
	else
		goto provisional;
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	m = ctr ? br_quic_rules(hdr, v->slot, &s->qi) : 0;
	br_match_l34(hdr, v->slot, pkt, &v->b);
	rule = br_decide(hdr, v->slot, v->b, m, 0, unread, &action,
			 &unreadable);
	if (unreadable)
		br_extra(block, BR_CTR_UNREADABLE, pkt->frame_len);
	if (rule == BR_RULE_UNREADABLE) {
		/* this datagram only: the flow's next one may show more */
		v->action = action;
		v->rule_ctr = BR_NO_RULE_CTR;
		br_apply(ctx, pkt, NULL, v); /* pass or drop */
		return BR_CTR_UNREADABLE_ACTION;
	}
	if (rule >= BR_MAX_RULES || !(m & v->b & (1ULL << rule)))
		goto provisional; /* no QUIC rule won: go on waiting */
	br_flow_set_decided(hdr, v->slot, f, rule, action);
	v->action = action;
	v->rule_ctr = br_rule_ctr(rule);
	return br_apply(ctx, pkt, f, v);

provisional:
	br_extra(block, BR_CTR_FLOW_PENDING, pkt->frame_len);
	return br_apply(ctx, pkt, f, v);
}

#endif /* BR_L7_QUIC_H */
