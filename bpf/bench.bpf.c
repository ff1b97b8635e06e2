/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench.bpf.c - baselines for the benchmarks, loaded next to the dataplane:
 *   bench_drop  the floor: a bare XDP_DROP;
 *   bench_lpm   what a set costs with the kernel's LPM trie: the same
 *               Ethernet/VLAN parsing as the dataplane, then the destination
 *               looked up in a v4 or v6 trie, dropped on a hit;
 *   bench_feed  the streamed run's feeder (bench.h): the next destination of
 *               a pool into the packet, then a tail call into the program
 *               under test.
 * Our DIR-24-8 and IPv6 tables are measured against bench_lpm.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bench.h"
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

/* ---- the streamed run's feeder (bench.h) ------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* sized by the benchmark before loading */
	__type(key, __u32);
	__type(value, struct bench_feed_entry);
} bench_feed_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_feed_progs SEC(".maps");

/*
 * Written by the benchmark before each run; next moves on every packet. A
 * map, not a global: a global of this type would put struct bench_feed_cfg
 * into bench.skel.h, which every includer would then have to define.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_feed_cfg);
} bench_feed_ctl SEC(".maps");

static __always_inline int feed_put(struct xdp_md *ctx, __u32 off,
				    const __u8 *src, __u32 len)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *p = data + (off & BENCH_FEED_OFF_MASK);

	if (len == 16) {
		if ((void *)(p + 16) > (void *)(long)ctx->data_end)
			return -1;
		__builtin_memcpy(p, src, 16);
	} else if (len == 4) {
		if ((void *)(p + 4) > (void *)(long)ctx->data_end)
			return -1;
		__builtin_memcpy(p, src, 4);
	} else {
		if ((void *)(p + 2) > (void *)(long)ctx->data_end)
			return -1;
		__builtin_memcpy(p, src, 2);
	}
	return 0;
}

/*
 * Test-run with repeat = the pool's size: every run is the next packet.
 * XDP_ABORTED if the configuration does not fit the packet or the tail call
 * fails (an empty slot, or a program the prog array cannot hold), so a
 * broken run cannot pass for a measured one.
 */
SEC("xdp")
int bench_feed(struct xdp_md *ctx)
{
	struct bench_feed_entry *e;
	struct bench_feed_cfg *c;
	__u32 i = 0;

	c = bpf_map_lookup_elem(&bench_feed_ctl, &i);
	if (!c)
		return XDP_ABORTED;
	i = c->next;
	c->next = i + 1 < c->n ? i + 1 : 0;
	e = bpf_map_lookup_elem(&bench_feed_pool, &i);
	if (!e)
		return XDP_ABORTED;
	if (feed_put(ctx, c->daddr_off, e->daddr, c->daddr_len))
		return XDP_ABORTED;
	if (c->ip_csum_off && feed_put(ctx, c->ip_csum_off, e->ip_csum, 2))
		return XDP_ABORTED;
	if (feed_put(ctx, c->l4_csum_off, e->l4_csum, 2))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &bench_feed_progs, BENCH_FEED_SLOT);
	return XDP_ABORTED;
}
