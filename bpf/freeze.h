/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * freeze.h - the freeze's byte count.
 *
 * freeze models the TSPU's "16-20 KB freeze" (2025; net4people/bbs#417,
 * #490, #662, ntc.party topic 17013, hyperion-cs/dpi-checkers "RU :: TCP
 * 16-20"): a connection passes until about that much has come from the
 * server, then stalls both ways. Each flow counts, in one word of its
 * entry, the transport payload bytes it carried the counted way (from
 * the server, or both ways together). A packet whose bytes keep the count
 * within the rule's limit passes; the one that takes it past the limit is
 * dropped, and so is every later packet of the flow, both ways: the count
 * past the limit is the "frozen" mark, and it only grows.
 *
 * What counts is an assumption, the simplest honest one: a censor that
 * counts the bytes it forwards. Retransmissions count again (a censor
 * that tracked sequence numbers would not count them: with loss, this one
 * freezes a little sooner); headers, an Ethernet pad or bytes past the IP
 * length do not, nor do later IP fragments (they follow their first's
 * verdict unread, blastradius.bpf.c). Which side is the server is the
 * flow's (flow.h): the side that did not open it.
 */
#ifndef BR_FREEZE_H
#define BR_FREEZE_H

#include <linux/types.h>
#include "abi.h"

#if defined(__bpf__) || defined(__BPF__)

/*
 * Count one packet of flow f: 1 to send it, 0 to drop it. counted says
 * whether it travels a counted way. The two directions may run on two
 * CPUs: the count is updated with a compare-and-swap, retried a few
 * times; a packet that loses every race is dropped uncounted (the flow is
 * that busy; its sender sends it again) and does not freeze the flow.
 */
static __always_inline int br_freeze_pass(struct br_flow_val *f, int counted,
					  __u32 len)
{
	__u64 old, prev;
	__u32 limit = f->limit;
	int i;

	old = *(volatile __u64 *)&f->counted;
	if (old > limit)
		return 0;
	if (!counted || !len)
		return 1;
	for (i = 0; i < 4; i++) {
		prev = __sync_val_compare_and_swap(&f->counted, old, old + len);
		if (prev == old)
			return old + len <= limit;
		if (prev > limit)
			return 0; /* frozen meanwhile */
		old = prev;
	}
	return 0;
}

#endif /* __bpf__ */

#endif /* BR_FREEZE_H */
