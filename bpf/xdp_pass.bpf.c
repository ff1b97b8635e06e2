/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdp_pass.bpf.c - attached on the far end of lab veth pairs. Native XDP_TX
 * on a veth reaches the peer only if the peer runs an XDP program itself
 * (measured: GRO alone was not enough), so resets and forged DNS answers
 * need this on the hosts that should receive them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int br_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
