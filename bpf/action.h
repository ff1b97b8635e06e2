/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * action.h - stage 4: what the winning rule's action does to the packet.
 *
 * The one-shot path (br_verdict) can only pass or drop; the flow path
 * (br_apply) also answers in the censor's place (a forged RST, forge.h),
 * polices a flow (police.h) and counts a flow's bytes until it freezes
 * (freeze.h). A forged DNS answer needs the parsed query, so the DNS
 * stage (l7_dns.h) builds it and sends it itself.
 */
#ifndef BR_ACTION_H
#define BR_ACTION_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "forge.h"
#include "freeze.h"
#include "police.h"
#include "side.h"

/*
 * Actions that meter a flow: a packet's verdict depends on the packets
 * before it (the throttle's rate, the freeze's bytes), kept in the flow's
 * entry, so the flow must stay in the table and every packet of it must
 * come through the program.
 */
static __always_inline int br_action_metered(__u32 action)
{
	return action == BR_ACT_THROTTLE || action == BR_ACT_FREEZE;
}

/* The action of a rule, or the policy default for BR_MAX_RULES. */
static __always_inline __u32 br_rule_action(const struct br_policy_hdr *hdr,
					    __u32 slot, __u32 rule)
{
	__u32 idx = slot * BR_MAX_RULES + rule;
	struct br_rule *r;

	if (rule >= BR_MAX_RULES)
		return hdr->default_action;
	r = bpf_map_lookup_elem(&rules, &idx);
	return r ? r->action : BR_ACT_PASS;
}

/*
 * The verdict of the one-shot path (stateless policies, and fragments and
 * non-TCP/UDP packets of stateful ones). An answer cannot be forged here
 * and a flow cannot be policed or counted: reset, nxdomain and sinkhole
 * drop, penalty drops, throttle and freeze pass (what reaches here of a tcp or udp rule's
 * flow is a later fragment whose first was never seen, or a transport the
 * parser could not reach). Anything unknown lets the packet through.
 */
static __always_inline int br_verdict(__u32 action)
{
	switch (action) {
	case BR_ACT_DROP:
	case BR_ACT_RESET:
	case BR_ACT_NXDOMAIN:
	case BR_ACT_SINKHOLE:
	case BR_ACT_PENALTY: /* the caller sets the penalty (penalty.h) */
		return XDP_DROP;
	case BR_ACT_PASS:
	default:
		return XDP_PASS;
	}
}

/*
 * Apply v->action to the packet in hand: sets v->xdp and returns the
 * counter the action moved (RST sent, throttled, frozen, ...), 0 for
 * none. f is the flow's entry (throttle needs its policer word, freeze
 * its byte count), NULL for an uncached DNS verdict or a flow the table
 * could not hold: throttle then drops, freeze passes uncounted (a freeze
 * passes a flow until it has counted its bytes).
 */
__noinline int br_apply(struct xdp_md *ctx, const struct br_pkt *pkt,
			struct br_flow_val *f, struct br_verdict *v)
{
	__u32 ctr = 0;
	int r;

	if (!v)
		return 0;
	v->xdp = XDP_DROP;
	if (!pkt)
		return 0;
	switch (v->action) {
	case BR_ACT_PASS:
		v->xdp = XDP_PASS;
		return 0;
	case BR_ACT_RESET:
		r = br_forge_rst(ctx, pkt);
		if (!r) {
			v->xdp = XDP_TX;
			ctr = BR_CTR_RESET_SENT;
		} else {
			ctr = r > 0 ? BR_CTR_RESET_SKIPPED : BR_CTR_FORGE_FAILED;
		}
		break;
	case BR_ACT_THROTTLE:
		if (f && br_police(f, v->now, pkt->ip_end - pkt->l3_off)) {
			v->xdp = XDP_PASS;
			return 0;
		}
		ctr = BR_CTR_THROTTLED;
		break;
	case BR_ACT_FREEZE:
		if (!f || br_freeze_pass(f,
					 f->both || !br_flow_from_client(f, pkt),
					 br_payload_len(pkt))) {
			v->xdp = XDP_PASS;
			return 0;
		}
		ctr = BR_CTR_FROZEN;
		break;
	default: /* drop; nxdomain and sinkhole on a packet that is no query;
		  * penalty (br_xdp sets the penalty, penalty.h) */
		return 0;
	}
	return ctr;
}

#endif /* BR_ACTION_H */
