/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * blastradius.bpf.c - the XDP program: the stages of a packet, in order.
 *
 *   policy slot -> parse -> frag -> match -> action -> count
 *
 * One entry point per interface role, so no packet pays for a role lookup.
 * The active slot is read once, first; everything after it, counters
 * included, uses that slot and its generation, so a swap never splits a
 * packet between two policies.
 *
 * Parse and classify are global (separately verified) functions: the L7
 * stages to come add their own without pushing one function over the
 * verifier's limits.
 *
 * Counting, per generation: every packet of a slot that holds a policy
 * counts once under its role and once under its action. It counts under a
 * rule (or BR_CTR_DEFAULT) only when a rule decided its fate: malformed
 * frames (the fail-open/closed switch decided) and non-IP frames no "ether
 * type" rule matched (always passed, whatever the default) do not, so the
 * default counter means "got the default action". Malformed, unparsed,
 * non-IP, followed and orphan fragments are each counted once more under
 * their own counter.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "clock.h"
#include "parse.h"
#include "frag.h"
#include "match.h"
#include "action.h"
#include "count.h"
#include "stateful.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__noinline int br_parse(struct xdp_md *ctx, struct br_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!pkt)
		return BR_PKT_MALFORMED;
	return br_parse_frame(data, data_end, bpf_xdp_get_buff_len(ctx), pkt);
}

/* The counter of a rule, or -1 for a verdict no rule gave. */
static __always_inline int br_rule_counter(__u32 rule)
{
	return rule <= BR_MAX_RULES ? (int)rule : -1;
}

static __always_inline int br_xdp(struct xdp_md *ctx, enum br_role role)
{
	__u32 zero = 0, slot, gen_idx, rule, action, extra = 0, extra2 = 0, xdp;
	int c;
	struct br_scratch *s;
	int status, rule_ctr = -1; /* -1: no rule decided */
	struct br_pkt pkt = {};
	struct br_gen_counters *block;
	struct br_policy_hdr *hdr;
	__u32 *active_slot;
	__u64 generation;

	/* The one read of the active slot: the swap's commit point. */
	active_slot = bpf_map_lookup_elem(&active, &zero);
	if (!active_slot)
		return XDP_PASS;
	slot = *(volatile __u32 *)active_slot;
	hdr = bpf_map_lookup_elem(&policy, &slot);
	if (!hdr || !hdr->generation)
		return XDP_PASS;
	generation = hdr->generation;
	gen_idx = hdr->gen_idx;

	pkt.role = role;
	status = br_parse(ctx, &pkt);

	switch (status) {
	case BR_PKT_MALFORMED:
		action = hdr->flags & BR_HDR_FAIL_CLOSED ? BR_ACT_DROP
							 : BR_ACT_PASS;
		extra = BR_CTR_MALFORMED;
		/*
		 * A first fragment too short for its transport header (tiny
		 * fragments): its later fragments follow the fail mode's
		 * verdict rather than pass for orphans.
		 */
		if (pkt.frag == BR_FRAG_FIRST)
			br_frag_remember(&pkt, generation, br_now(ctx),
					 BR_RULE_NONE, action);
		break;
	case BR_PKT_NONIP:
		extra = BR_CTR_NONIP;
		rule = br_match_etype(hdr, slot, pkt.eth_proto);
		if (rule < BR_MAX_RULES) {
			action = br_rule_action(hdr, slot, rule);
			rule_ctr = rule;
		} else {
			action = BR_ACT_PASS;
		}
		break;
	default:
		if (status == BR_PKT_UNPARSED)
			extra = BR_CTR_UNPARSED;
		if (pkt.frag == BR_FRAG_LATER) {
			if (br_frag_follow(&pkt, generation, br_now(ctx), &rule,
					   &action)) {
				extra = BR_CTR_FRAG_FOLLOWED;
				rule_ctr = br_rule_counter(rule);
				break;
			}
			extra = BR_CTR_FRAG_ORPHAN;
		}
		/* TCP and UDP, first fragments included, go by their flow */
		if ((hdr->flags & BR_HDR_FLOWS) && pkt.frag != BR_FRAG_LATER &&
		    status == BR_PKT_IP && pkt.l4_off &&
		    (pkt.proto == IPPROTO_TCP || pkt.proto == IPPROTO_UDP)) {
			s = bpf_map_lookup_elem(&scratch, &zero);
			if (!s)
				return XDP_PASS;
			br_flow_stage(ctx, hdr, slot, &pkt, &s->v);
			action = s->v.action;
			rule = s->v.rule_ctr;
			rule_ctr = br_rule_counter(rule);
			xdp = s->v.xdp;
			if (pkt.frag == BR_FRAG_FIRST)
				br_frag_remember(&pkt, generation, br_now(ctx),
						 rule, action);
			goto count;
		}
		c = br_classify(hdr, slot, &pkt);
		rule = BR_CLASS_RULE(c);
		action = BR_CLASS_ACTION(c);
		rule_ctr = br_rule_counter(rule);
		if (BR_CLASS_UNREADABLE(c))
			extra2 = rule == BR_RULE_UNREADABLE
					 ? BR_CTR_UNREADABLE_ACTION
					 : BR_CTR_UNREADABLE;
		if (pkt.frag == BR_FRAG_FIRST)
			br_frag_remember(&pkt, generation, br_now(ctx), rule,
					 action);
		break;
	}

	xdp = br_verdict(action);
count:
	block = br_counters_of(gen_idx);
	if (!block)
		return xdp;
	if (rule_ctr >= 0)
		br_count(block, BR_CTR_RULE0 + rule_ctr, pkt.frame_len);
	if (extra)
		br_count(block, extra, pkt.frame_len);
	if (extra2 == BR_CTR_UNREADABLE_ACTION)
		br_count(block, BR_CTR_UNREADABLE, pkt.frame_len);
	if (extra2)
		br_count(block, extra2, pkt.frame_len);
	br_count(block, BR_CTR_ACTION0 + (action % BR_ACT_SLOTS),
		 pkt.frame_len);
	br_count(block,
		 role == BR_ROLE_SUBSCRIBER ? BR_CTR_SUBSCRIBER
					    : BR_CTR_UPSTREAM,
		 pkt.frame_len);
	return xdp;
}

SEC("xdp")
int br_xdp_subscriber(struct xdp_md *ctx)
{
	return br_xdp(ctx, BR_ROLE_SUBSCRIBER);
}

SEC("xdp")
int br_xdp_upstream(struct xdp_md *ctx)
{
	return br_xdp(ctx, BR_ROLE_UPSTREAM);
}
