/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * penalty.h - scopes in penalty: put there by a penalty rule, checked
 * before any rule.
 *
 * penalty models a report quoted in net4people/bbs#417, *unverified*:
 * UDP to some hosting providers turns on a block of HTTPS to them for
 * about ten minutes. A penalty rule that wins a packet drops it and
 * writes an entry for the packet's scope (abi.h: the subscriber, the
 * destination, or the pair) that expires at now + the rule's duration.
 * While the policy in force has penalty rules, every IP packet with
 * readable addresses looks up the scopes those rules use, first, and is
 * dropped while one of them is in penalty: whatever its protocol, port
 * or name, both ways. Time is br_now() (clock.h): a simulation's penalty
 * lasts in the scenario's time.
 *
 * Entries are state, as flows are: a swap keeps them, and they count
 * under the policy in force as long as it has penalty rules of their
 * scope (a policy without any looks nothing up); with on-swap flush, an
 * older generation's entries are void. An entry past its time is absent,
 * and the next penalty of its scope overwrites it.
 */
#ifndef BR_PENALTY_H
#define BR_PENALTY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "clock.h"
#include "count.h"
#include "maps.h"
#include "match.h"
#include "parse.h"

/* The key of the packet's scope: its addresses as the censor sees them. */
static __always_inline void br_penalty_key_of(const struct br_pkt *pkt,
					      __u32 scope,
					      struct br_penalty_key *k)
{
	int from_sub = pkt->role == BR_ROLE_SUBSCRIBER;
	int i;

	for (i = 0; i < 4; i++) {
		k->sub_addr[i] = !(scope & BR_PENALTY_SUBSCRIBER) ? 0
				 : from_sub			  ? pkt->saddr[i]
								  : pkt->daddr[i];
		k->remote_addr[i] = !(scope & BR_PENALTY_DESTINATION) ? 0
				    : from_sub ? pkt->daddr[i]
					       : pkt->saddr[i];
	}
	k->scope = scope;
	k->family = pkt->family;
	k->reserved = 0;
}

/*
 * Whether the packet's scope is in penalty now under the policy hdr: the rule
 * that put it there (BR_RULE_NONE for a rule of an older generation,
 * which the counters of this one cannot name), -1 if it is not.
 */
__noinline int br_penalised(struct xdp_md *ctx,
			    const struct br_policy_hdr *hdr,
			    const struct br_pkt *pkt)
{
	struct br_penalty_key k;
	struct br_penalty_val *e;
	__u64 now = br_now(ctx);
	__u32 scope;

	if (!hdr || !pkt)
		return -1;
	for (scope = BR_PENALTY_SUBSCRIBER; scope <= BR_PENALTY_PAIR;
	     scope++) {
		if (!(hdr->flags & (BR_HDR_PENALTY_SUB << (scope - 1))))
			continue;
		br_penalty_key_of(pkt, scope, &k);
		e = bpf_map_lookup_elem(&penalties, &k);
		if (!e || now >= e->until_ns)
			continue;
		if (e->generation == hdr->generation)
			return e->rule & (BR_MAX_RULES - 1);
		if (!(hdr->flags & BR_HDR_ON_SWAP_FLUSH))
			return BR_RULE_NONE;
	}
	return -1;
}

/*
 * Put the packet's scope in penalty: the penalty rule of slot won it,
 * now. Counts it under "penalty_set" (here, so that br_xdp keeps no
 * more state across its stages: its frame is the batch loop's deepest);
 * 1 if set, 0 when the table refused the entry (the packet is dropped
 * all the same).
 */
__noinline int br_penalise(struct xdp_md *ctx,
			   const struct br_policy_hdr *hdr, __u32 slot,
			   const struct br_pkt *pkt, __u32 rule)
{
	__u32 idx = (slot % BR_SLOTS) * BR_MAX_RULES + (rule % BR_MAX_RULES);
	struct br_penalty_val val = {};
	struct br_penalty_key k;
	struct br_rule *r;

	if (!hdr || !pkt || rule >= BR_MAX_RULES)
		return 0;
	r = bpf_map_lookup_elem(&rules, &idx);
	if (!r || r->action != BR_ACT_PENALTY || !r->penalty_scope)
		return 0;
	br_penalty_key_of(pkt, r->penalty_scope & BR_PENALTY_PAIR, &k);
	val.until_ns = br_now(ctx) + r->penalty_ns;
	val.generation = hdr->generation;
	val.rule = rule;
	if (bpf_map_update_elem(&penalties, &k, &val, BPF_ANY))
		return 0;
	br_extra(br_counters_of(hdr->gen_idx), BR_CTR_PENALTY_SET,
		 pkt->frame_len);
	return 1;
}

#endif /* BR_PENALTY_H */
