/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_dns.h - the DNS stage of a stateful policy: a query judged by its
 * question, and answered in the censor's place.
 *
 * DNS queries (UDP to port 53 with a DNS rule among the candidates) are
 * evaluated one by one, never cached: one socket may ask for many names,
 * so a query never takes a verdict from the flow table (which the answer
 * to an earlier, passed query may have filled). A query a throttle or
 * freeze rule wins is metered in the socket's flow entry, kept from query
 * to query while the same rule of the same generation wins them.
 */
#ifndef BR_L7_DNS_H
#define BR_L7_DNS_H

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
#include "forge.h"

/*
 * A DNS query to port 53: parsed, matched by name and type, answered in
 * the censor's place when the winning rule says so. Not cached. Sets
 * v->rule_ctr, v->action, v->xdp; a throttle or freeze verdict is left to
 * the caller (it needs a flow entry). Returns the counter of what was
 * done, 0 if none. A first fragment is read as far as it goes: the
 * question comes first, and a query whose question it cuts is unreadable
 * for the DNS rules.
 */
__noinline int br_dns_path(struct xdp_md *ctx, const struct br_policy_hdr *hdr,
			   const struct br_pkt *pkt, struct br_verdict *v)
{
	struct br_domain_hit hit = {};
	struct br_gen_counters *block;
	__u32 zero = 0, len, whole, rule, action, idx, slot, unreadable;
	br_rules_t m = 0, qt, unread = 0;
	struct br_scratch *s;
	struct br_rule *r;
	int st = BR_DNS_MALFORMED, n;

	if (!v)
		return 0;
	v->xdp = XDP_DROP;
	if (!hdr || !pkt || v->slot >= BR_SLOTS)
		return 0;
	slot = v->slot;
	block = br_counters_of(hdr->gen_idx);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	len = br_load_payload(ctx, pkt, s, &whole);
	if (len && (len == whole || pkt->frag == BR_FRAG_FIRST))
		st = br_dns_stage(&s->buf, len, &s->q);
	if (st == BR_DNS_QUERY || st == BR_DNS_UNMATCHABLE) {
		br_extra(block, BR_CTR_DNS_QUERY, pkt->frame_len);
		qt = br_dim_rules(&qtype_rules, slot, BR_QTYPE_SLOTS, s->q.qtype);
		m = hdr->l7_dns & ~hdr->l7_dns_name;
		if (st == BR_DNS_QUERY && (v->b & hdr->l7_dns_name)) {
			br_domain_match(hdr, slot, (struct br_name_buf *)s->q.name,
					s->q.name_len, &hit);
			m |= hit.rules & hdr->l7_dns_name;
		}
		m &= qt;
	} else if (st == BR_DNS_MALFORMED && pkt->frag == BR_FRAG_FIRST) {
		unread = hdr->l7_dns;
	}
	rule = br_decide(hdr, slot, v->b, m, 0, unread, &action, &unreadable);
	if (unreadable)
		v->extra = BR_CTR_UNREADABLE;
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	if (st == BR_DNS_QUERY)
		br_name_hit(hdr->generation, rule, BR_NAME_DNS, &hit,
			    (struct br_name_buf *)s->q.name, s);
	if (rule == BR_RULE_UNREADABLE) {
		br_apply(ctx, pkt, NULL, v); /* pass or drop: nothing to count */
		return BR_CTR_UNREADABLE_ACTION;
	}
	if (br_action_metered(action))
		return 0;
	if (action != BR_ACT_NXDOMAIN && action != BR_ACT_SINKHOLE)
		return br_apply(ctx, pkt, NULL, v);
	if (st != BR_DNS_QUERY && st != BR_DNS_UNMATCHABLE)
		return 0; /* not a query: nothing to answer, dropped */
	idx = slot * BR_MAX_RULES + (rule & (BR_MAX_RULES - 1));
	r = bpf_map_lookup_elem(&rules, &idx);
	n = r ? br_dns_answer(s, r) : -1;
	if (n > 0 && !br_forge_dns(ctx, pkt, s, n)) {
		v->xdp = XDP_TX;
		return BR_CTR_DNS_FORGED;
	}
	return BR_CTR_FORGE_FAILED;
}

#endif /* BR_L7_DNS_H */
