/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow.h - flow keys, expiry and the throttle's policer.
 *
 * A stateful censor decides a flow once (for TLS, at its ClientHello) and
 * applies that verdict to every later packet of the flow, both ways, until
 * the entry expires. The key is written from the subscriber's side (the
 * role of the interface says which side that is), so a packet and its
 * answer find the same entry without a second lookup.
 *
 * throttle polices each flow with GCRA (the virtual-scheduling form of a
 * token bucket): one word, the theoretical arrival time, updated with a
 * compare-and-swap so CPUs handling the two directions never lose an
 * update. A packet conforms when, after adding its cost, the backlog the
 * word describes stays within the burst.
 *
 * The pure parts compile on the host.
 */
#ifndef BR_FLOW_H
#define BR_FLOW_H

#include <linux/types.h>
#include "abi.h"
#include "parse.h"

static __always_inline void br_flow_key_of(const struct br_pkt *pkt,
					   struct br_flow_key *key)
{
	int from_sub = pkt->role == BR_ROLE_SUBSCRIBER;
	int i;

	for (i = 0; i < 4; i++) {
		key->sub_addr[i] = from_sub ? pkt->saddr[i] : pkt->daddr[i];
		key->remote_addr[i] = from_sub ? pkt->daddr[i] : pkt->saddr[i];
	}
	key->sub_port = from_sub ? pkt->sport : pkt->dport;
	key->remote_port = from_sub ? pkt->dport : pkt->sport;
	key->proto = pkt->proto;
	key->family = pkt->family;
	key->reserved = 0;
}

/* Whether the packet travels from the side that opened the flow. */
static __always_inline int br_flow_from_client(const struct br_flow_val *f,
					       const struct br_pkt *pkt)
{
	int from_sub = pkt->role == BR_ROLE_SUBSCRIBER;

	return !!(f->flags & BR_FLOW_F_CLIENT_SUB) == from_sub;
}

/*
 * Whether a flow has been idle past its TTL. seen_ns may be later than
 * now: the two directions of a flow run on different CPUs, and the other
 * one can store its later time between this one's clock read and its
 * lookup. That is a live flow, not an expired one (an unsigned difference
 * would wrap and delete it mid-stream, and its next packet would be judged
 * without its ClientHello).
 */
static __always_inline int br_flow_expired(const struct br_flow_val *f,
					   __u8 proto, __u64 now)
{
	__u64 ttl = proto == IPPROTO_TCP ? BR_FLOW_TCP_TTL_NS : BR_FLOW_UDP_TTL_NS;
	__u64 seen = f->seen_ns;

	return now > seen && now - seen >= ttl;
}

/* GCRA cost of len bytes, in ns (ps_per_byte is 1e12 / bytes per s). */
static __always_inline __u64 br_gcra_cost(__u64 ps_per_byte, __u32 len)
{
	return (ps_per_byte * len) / 1000;
}

/*
 * The next theoretical arrival time if a packet of cost ns arriving at now
 * conforms, 0 if it does not (the word is never 0 after a first update:
 * now is far from 0 on a live clock; on a virtual one a scenario starts
 * after 0).
 */
static __always_inline __u64 br_gcra_next(__u64 tat, __u64 now, __u64 cost,
					  __u64 tau)
{
	__u64 start = tat > now ? tat : now;

	if (start + cost - now > tau)
		return 0;
	return start + cost;
}

#if defined(__bpf__) || defined(__BPF__)

/*
 * Police one packet: 1 to send it, 0 to drop it. A lost race is retried a
 * few times; a flow contended that hard is over its rate anyway.
 */
static __always_inline int br_police(struct br_flow_val *f, __u64 now,
				     __u32 len)
{
	__u64 ps = f->ps_per_byte, cost, tau, old, prev, next;
	int i;

	if (!ps)
		return 1;
	cost = br_gcra_cost(ps, len);
	tau = br_gcra_cost(ps, f->burst);
	old = *(volatile __u64 *)&f->tat_ns;
	for (i = 0; i < 4; i++) {
		next = br_gcra_next(old, now, cost, tau);
		if (!next)
			return 0;
		prev = __sync_val_compare_and_swap(&f->tat_ns, old, next);
		if (prev == old)
			return 1;
		old = prev;
	}
	return 0;
}

#endif /* __bpf__ */

#endif /* BR_FLOW_H */
