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

/* This CPU's counter block of a generation (NULL never, in practice). */
static __always_inline struct br_gen_counters *br_counters_of(__u32 gen_idx)
{
	__u32 idx = gen_idx % BR_GEN_RING;

	return bpf_map_lookup_elem(&counters, &idx);
}

static __always_inline void br_count(struct br_gen_counters *block, __u32 ctr,
				     __u32 bytes)
{
	struct br_counter *c;

	/*
	 * clang knows every caller's ctr is in range and drops a plain mask;
	 * the verifier does not know it. The empty asm hides the value so the
	 * mask stays.
	 */
	asm volatile("" : "+r"(ctr));
	c = &block->ctr[ctr & (BR_CTR_PER_GEN - 1)];
	c->packets++;
	c->bytes += bytes;
}

/* Count when the block is there (a stage that looked it up may not have it). */
static __always_inline void br_extra(struct br_gen_counters *block, __u32 ctr,
				     __u32 len)
{
	if (block)
		br_count(block, ctr, len);
}

#endif /* BR_COUNT_H */
