/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * action.h - stage 4: from the winning rule to an XDP verdict.
 *
 * Later actions (reset, DNS forgery, throttle) rewrite or police the packet
 * here; each becomes one more case of br_verdict().
 */
#ifndef BR_ACTION_H
#define BR_ACTION_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"

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
 * and a flow cannot be policed: reset, nxdomain and sinkhole drop, throttle
 * passes. Anything unknown lets the packet through.
 */
static __always_inline int br_verdict(__u32 action)
{
	switch (action) {
	case BR_ACT_DROP:
	case BR_ACT_RESET:
	case BR_ACT_NXDOMAIN:
	case BR_ACT_SINKHOLE:
		return XDP_DROP;
	case BR_ACT_PASS:
	default:
		return XDP_PASS;
	}
}

#endif /* BR_ACTION_H */
