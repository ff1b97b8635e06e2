/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * count.h - stage 5: per-CPU counters of the generation the packet was
 * evaluated under (layout: enum br_ctr in abi.h). Per-CPU values need no
 * atomics; the loader sums them.
 */
#ifndef BR_COUNT_H
#define BR_COUNT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"

static __always_inline void br_count(__u32 gen_idx, __u32 ctr, __u32 bytes)
{
	__u32 idx = (gen_idx % BR_GEN_RING) * BR_CTR_PER_GEN +
		    (ctr % BR_CTR_PER_GEN);
	struct br_counter *c;

	c = bpf_map_lookup_elem(&counters, &idx);
	if (!c)
		return;
	c->packets++;
	c->bytes += bytes;
}

#endif /* BR_COUNT_H */
