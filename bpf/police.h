/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * police.h - the throttle's policer.
 *
 * throttle polices each flow with GCRA (the virtual-scheduling form of a
 * token bucket): one word of the flow's entry, the theoretical arrival
 * time, updated with a compare-and-swap so CPUs handling the two
 * directions never lose an update. A packet conforms when, after adding
 * its cost, the backlog the word describes stays within the burst.
 */
#ifndef BR_POLICE_H
#define BR_POLICE_H

#include <linux/types.h>
#include "abi.h"

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

#endif /* BR_POLICE_H */
