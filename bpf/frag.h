/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * frag.h - stage 2: fragments.
 *
 * Only a first fragment carries the transport header, so a censor that
 * matches on ports must remember its verdict for the fragments that follow,
 * as a reassembling middlebox would. The first fragment is classified as
 * usual and its rule and action are stored under the reassembly key
 * (addresses, protocol, id, family); a later fragment takes them if they
 * belong to the same generation and are younger than BR_FRAG_TTL_NS.
 * Otherwise it is an orphan, classified without ports. Entries are not
 * deleted at the last fragment: fragments reorder and repeat, and the LRU
 * and the TTL bound the table anyway.
 *
 * The key and freshness helpers are pure and compile on the host.
 */
#ifndef BR_FRAG_H
#define BR_FRAG_H

#include <linux/types.h>
#include "abi.h"
#include "parse.h"

static __always_inline void br_frag_key_of(const struct br_pkt *pkt,
					   struct br_frag_key *key)
{
	int i;

	for (i = 0; i < 4; i++) {
		key->saddr[i] = pkt->saddr[i];
		key->daddr[i] = pkt->daddr[i];
	}
	key->id = pkt->frag_id;
	key->proto = pkt->frag_proto;
	key->family = pkt->family;
	key->reserved = 0;
}

/*
 * A clock that went backwards (a simulation rewinding) makes now - seen
 * wrap to a huge value: the entry reads as expired, the safe side.
 */
static __always_inline int br_frag_fresh(const struct br_frag_val *val,
					 __u64 generation, __u64 now)
{
	return val->generation == generation &&
	       now - val->seen_ns < BR_FRAG_TTL_NS;
}

#if defined(__bpf__) || defined(__BPF__)

#include "maps.h"

/*
 * A later fragment: the verdict of its first one, if still valid. Global
 * functions, so their keys are not on the entry point's stack, which a
 * chain of stateful stages shares.
 */
__noinline int br_frag_follow(const struct br_pkt *pkt, __u64 generation,
			      __u64 now, __u32 *rule, __u32 *action)
{
	struct br_frag_key key;
	struct br_frag_val *val;

	if (!pkt || !rule || !action)
		return 0;
	br_frag_key_of(pkt, &key);
	val = bpf_map_lookup_elem(&frags, &key);
	if (!val || !br_frag_fresh(val, generation, now))
		return 0;
	*rule = val->rule;
	*action = val->action;
	return 1;
}

__noinline int br_frag_remember(const struct br_pkt *pkt, __u64 generation,
				__u64 now, __u32 rule, __u32 action)
{
	struct br_frag_key key;
	struct br_frag_val val = {
		.generation = generation,
		.seen_ns = now,
		.rule = rule,
		.action = action,
	};

	if (!pkt)
		return 0;
	br_frag_key_of(pkt, &key);
	bpf_map_update_elem(&frags, &key, &val, BPF_ANY);
	return 0;
}

#endif /* __bpf__ */

#endif /* BR_FRAG_H */
