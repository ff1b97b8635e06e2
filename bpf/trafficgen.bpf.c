/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * trafficgen.bpf.c - the live traffic generator of tests/bench/bench_live.
 *
 * Run by BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel
 * hands it frames from a page pool, initialised once from a template
 * (IPv4, TCP or UDP, built with valid checksums by user space), and turns
 * its XDP_TX into a redirect out of the ingress device: on a veth, into
 * the peer, where the program under test runs natively.
 *
 * A page keeps its bytes between runs (the pool recycles it without
 * copying the template again), so every frame gets its addresses and
 * ports rewritten here, from the next entry of tg_pool (one counter per
 * CPU: a sending thread walks the pool from where user space started it),
 * and its checksums updated from the values the frame holds now.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * One frame's ends, laid out as the IPv4 header holds the addresses
 * (saddr, daddr) and TCP and UDP hold the ports (source, dest): network
 * order, copied as they are.
 */
struct tg_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
};

/* Entries of tg_pool in use; set before load. */
const volatile __u32 tg_pool_size = 1;

/* Sized by user space before load (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tg_tuple);
} tg_pool SEC(".maps");

/* Per CPU: the pool index of that CPU's next frame (user space sets it). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tg_next SEC(".maps");

/*
 * A checksum field after old[0, n) became new[0, n) (RFC 1624 eqn. 3:
 * HC' = ~(~HC + ~m + m')); bpf_csum_diff sums ~old and new onto the seed.
 */
static __always_inline __u16 tg_csum_replace(__u16 check, __be32 *old,
					     __be32 *new, __u32 n)
{
	__s64 sum = bpf_csum_diff(old, n, new, n, (__u16)~check);

	if (sum < 0)
		return check;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int tg_rewrite(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct tg_tuple old, *t;
	__u16 *l4_check = NULL;
	__be16 *ports;
	__u32 zero = 0, idx;
	__u64 *next;

	/* The template is ours: IPv4 without options, then TCP or UDP. */
	if ((void *)(iph + 1) > data_end || iph->ihl != 5)
		return XDP_ABORTED;
	ports = (void *)(iph + 1);
	if (iph->protocol == IPPROTO_TCP) {
		if ((void *)ports + 20 > data_end)
			return XDP_ABORTED;
		l4_check = (void *)ports + 16;
	} else if (iph->protocol == IPPROTO_UDP) {
		if ((void *)ports + 8 > data_end)
			return XDP_ABORTED;
		/* 0: sent without a checksum (IPv4 allows it), left so */
		if (*(__u16 *)((void *)ports + 6))
			l4_check = (void *)ports + 6;
	} else {
		return XDP_ABORTED;
	}

	next = bpf_map_lookup_elem(&tg_next, &zero);
	if (!next)
		return XDP_ABORTED;
	idx = *next % tg_pool_size;
	*next += 1;
	t = bpf_map_lookup_elem(&tg_pool, &idx);
	if (!t)
		return XDP_ABORTED;

	old.saddr = iph->saddr;
	old.daddr = iph->daddr;
	old.sport = ports[0];
	old.dport = ports[1];
	/* The IPv4 header sums the addresses; TCP and UDP all twelve bytes */
	iph->check = tg_csum_replace(iph->check, (__be32 *)&old,
				     (__be32 *)t, 8);
	if (l4_check) {
		*l4_check = tg_csum_replace(*l4_check, (__be32 *)&old,
					    (__be32 *)t, sizeof(old));
		/* a UDP sum of 0 is sent as all ones (RFC 768) */
		if (iph->protocol == IPPROTO_UDP && !*l4_check)
			*l4_check = 0xffff;
	}
	iph->saddr = t->saddr;
	iph->daddr = t->daddr;
	ports[0] = t->sport;
	ports[1] = t->dport;
	return XDP_TX;
}
