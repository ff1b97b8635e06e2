/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench.bpf.c - baselines for the benchmarks, loaded next to the dataplane:
 *   bench_drop  the floor: a bare XDP_DROP;
 *   bench_lpm   what a set costs with the kernel's LPM trie: the same
 *               Ethernet/VLAN parsing as the dataplane, then the destination
 *               looked up in a v4 or v6 trie, dropped on a hit.
 * Our DIR-24-8 and IPv6 tables are measured against bench_lpm.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "parse.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define BENCH_LPM_ENTRIES (1 << 21) /* registry scale: 1M+ */

struct bench_lpm_v4_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct bench_lpm_v6_key {
	__u32 prefixlen;
	__u32 addr[4]; /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BENCH_LPM_ENTRIES);
	__type(key, struct bench_lpm_v4_key);
	__type(value, __u32);
} bench_lpm_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BENCH_LPM_ENTRIES);
	__type(key, struct bench_lpm_v6_key);
	__type(value, __u32);
} bench_lpm_v6 SEC(".maps");

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int bench_lpm(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor nh = {.pos = data};
	struct br_pkt pkt = {};
	int eth_proto, i;

	eth_proto = parse_ethhdr(&nh, data_end, &pkt);
	if (eth_proto == ETH_P_IP) {
		struct bench_lpm_v4_key key = {.prefixlen = 32};
		struct iphdr *iph = nh.pos;

		if ((void *)(iph + 1) > data_end)
			return XDP_PASS;
		key.addr = iph->daddr;
		if (bpf_map_lookup_elem(&bench_lpm_v4, &key))
			return XDP_DROP;
	} else if (eth_proto == ETH_P_IPV6) {
		struct bench_lpm_v6_key key = {.prefixlen = 128};
		struct ipv6hdr *ip6h = nh.pos;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_PASS;
		for (i = 0; i < 4; i++)
			key.addr[i] = ip6h->daddr.in6_u.u6_addr32[i];
		if (bpf_map_lookup_elem(&bench_lpm_v6, &key))
			return XDP_DROP;
	}
	return XDP_PASS;
}
