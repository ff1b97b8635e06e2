/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_dgram.h - the datagram stage of a stateful policy: a UDP flow whose
 * QUIC or STUN rule waits for a datagram that shows its fact, a QUIC
 * Initial (l7_quic.h) or a STUN message (l7_stun.h). The first byte says
 * which one a datagram can be: a long header has its top bit set, a STUN
 * message its top two bits clear.
 */
#ifndef BR_L7_DGRAM_H
#define BR_L7_DGRAM_H

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
#include "l7_quic.h"
#include "l7_stun.h"

/*
 * What the client datagram in hand shows: the counter of the fact read
 * (a QUIC Initial, 0-RTT or reserved version, a STUN message), with the
 * rules it meets in v->m; or 0, with v->unread the rules whose fact a
 * first fragment cuts off. A global function of its own: its frame is
 * gone before the action's, and the stage's stays small.
 */
__noinline int br_dgram_fact(struct xdp_md *ctx,
			     const struct br_policy_hdr *hdr,
			     const struct br_pkt *pkt, struct br_verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct br_scratch *s;
	__u32 zero = 0;
	__u8 *first;

	if (!v)
		return 0;
	v->m = v->unread = 0;
	v->hello_read = 0;
	if (!hdr || !pkt || v->slot >= BR_SLOTS ||
	    pkt->payload_off > BR_L4_OFF_MAX)
		return 0;
	first = data + pkt->payload_off;
	if ((void *)(first + 1) > data_end) {
		/* a first fragment that stops at the UDP header hides both */
		if (pkt->frag == BR_FRAG_FIRST && !br_payload_len(pkt))
			v->unread = hdr->l7_quic | hdr->l7_stun;
		return 0;
	}
	/* neither a long header nor STUN (RTP, a short header): no copy */
	if (!(*first & BR_QUIC_FORM_LONG) && (*first & BR_STUN_TOP_BITS))
		return 0;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	if (*first & BR_QUIC_FORM_LONG)
		return br_quic_fact(ctx, hdr, pkt, s, v);
	return br_stun_fact(ctx, hdr, pkt, s, v);
}

/*
 * A packet of a UDP flow whose QUIC or STUN rule waits: a client datagram
 * that starts with an Initial or 0-RTT packet (or one of a reserved
 * version), or that is one STUN message, is matched, and decides the flow
 * if a QUIC or STUN rule wins; every other packet gets the provisional
 * verdict, and the flow goes on waiting, so a datagram sent ahead of the
 * fact does not hide it; a QUIC flow whose ClientHello was read whole is
 * decided then, by whatever rule wins. A flow decided so keeps its
 * verdict for its later datagrams, the ones without the fact too: a call
 * whose STUN is dropped has its media dropped with it, as a stateful
 * censor would.
 */
__noinline int br_await_dgram(struct xdp_md *ctx,
			      const struct br_policy_hdr *hdr,
			      const struct br_pkt *pkt, struct br_flow_val *f,
			      struct br_verdict *v)
{
	__u32 rule, action, unreadable, ctr;
	struct br_gen_counters *block;

	if (!v || !br_await_begin(hdr, pkt, f, v))
		return 0;
	block = br_counters_of(hdr->gen_idx);
	if (!br_flow_from_client(f, pkt))
		goto provisional;
	ctr = br_dgram_fact(ctx, hdr, pkt, v);
	if (ctr == BR_QUIC_HANDED)
		return 0; /* to be opened, then run again: nothing yet */
	if (!ctr && !v->unread)
		goto provisional;
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	br_match_l34(hdr, v->slot, pkt, &v->b);
	rule = br_decide(hdr, v->slot, v->b, v->m, 0, v->unread, &action,
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
	/*
	 * No QUIC or STUN rule won: go on waiting, unless the datagram
	 * showed a whole ClientHello, after which no later one can show
	 * more (its next Initials may not even open: the client has moved
	 * to the server's connection ID, the keys stay the first one's).
	 */
	if ((rule >= BR_MAX_RULES || !(v->m & v->b & (1ULL << rule))) &&
	    !v->hello_read)
		goto provisional;
	br_flow_set_decided(hdr, v->slot, f, rule, action);
	v->action = action;
	v->rule_ctr = br_rule_ctr(rule);
	return br_apply(ctx, pkt, f, v);

provisional:
	br_extra(block, BR_CTR_FLOW_PENDING, pkt->frame_len);
	return br_apply(ctx, pkt, f, v);
}

#endif /* BR_L7_DGRAM_H */
