/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * clock.h - the one clock of the dataplane.
 *
 * Live, "now" is bpf_ktime_get_ns(). A simulation instance sets
 * cfg_virtual_clock at load time and puts the scenario's time in front of
 * each packet (struct br_xdp_meta in the XDP metadata area), so timeouts
 * follow the scenario's clock, not the speed at which packets are pushed.
 * Every stage that needs time asks br_now(); nothing reads a clock itself.
 */
#ifndef BR_CLOCK_H
#define BR_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

/* Load-time constant: the verifier prunes the path not taken. */
const volatile __u8 cfg_virtual_clock = 0;

/*
 * Without metadata the virtual clock reads 0: a simulation always sends it,
 * and a constant keeps the timing of such a packet deterministic.
 */
static __always_inline __u64 br_now(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	struct br_xdp_meta *meta = (void *)(long)ctx->data_meta;

	if (!cfg_virtual_clock)
		return bpf_ktime_get_ns();
	if ((void *)(meta + 1) > data)
		return 0;
	return meta->now_ns;
}

#endif /* BR_CLOCK_H */
