/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * forge.h - the packets a censor writes: TCP resets and DNS answers.
 *
 * Both turn the packet in hand into its answer and send it back where it
 * came from with XDP_TX: Ethernet addresses, IP addresses and ports are
 * swapped, VLAN tags are kept. Every checksum is computed from scratch over
 * what is sent. An incremental update would be wrong here: a packet from a
 * local socket on a veth reaches XDP with only the pseudo-header sum in its
 * checksum field (CHECKSUM_PARTIAL), so "old checksum + difference" gives
 * garbage, which generic XDP happens to let through and native XDP does
 * not (csum.h).
 *
 * What is forged: IPv4 without options and IPv6 without extension headers.
 * Anything else is left alone; the caller drops it and counts
 * BR_CTR_FORGE_FAILED.
 *
 * The reset follows RFC 9293 3.10.7.1, which goes by the ACK bit: to a
 * segment without ACK (a SYN), RST|ACK with seq 0; to one with ACK (a
 * SYN-ACK included), seq = its acknowledgment number (what the receiver
 * expects next, so its kernel takes the reset as in-window, RFC 5961 3.2).
 * Either way ACK is set, with ack = its seq + its length (data, and 1 for
 * each of SYN and FIN). An RST is never answered.
 *
 * The DNS answer is built by dns.h in the scratch buffer; here it replaces
 * the query's payload. A longer answer grows the frame at its head (growing
 * the tail fails on native veth) and moves the headers forward; a shorter
 * one shrinks the tail.
 */
#ifndef BR_FORGE_H
#define BR_FORGE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "abi.h"
#include "parse.h"
#include "maps.h"
#include "csum.h"

#define BR_FORGE_TTL 64
#define BR_FORGE_HDR_MAX sizeof(((struct br_scratch *)0)->hdrs)
/* Whether the headers are of a shape this file rewrites. */
static __always_inline int br_forgeable(const struct br_pkt *pkt)
{
	if (pkt->n_ext || pkt->l3_off > ETH_HLEN + 8)
		return 0;
	if (pkt->family == 4)
		return pkt->l4_off == pkt->l3_off + sizeof(struct iphdr);
	return pkt->family == 6 &&
	       pkt->l4_off == pkt->l3_off + sizeof(struct ipv6hdr);
}

static __always_inline void br_swap_eth(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/*
 * Rewrite the IP header at l3 for an answer with l4_len bytes of transport
 * header and payload: addresses swapped, fresh length, TTL and checksum.
 * Returns the answer's pseudo-header sum, or 0 (never a real sum: proto is
 * in it) if the header is not in the packet.
 */
static __always_inline __u64 br_answer_ip(const struct br_pkt *pkt, void *l3,
					  void *data_end, __u32 l4_len,
					  __u8 proto)
{
	__u64 pseudo = bpf_htons(proto) + bpf_htons(l4_len);

	if (pkt->family == 4) {
		struct iphdr *ip = l3;
		__u32 a;

		if ((void *)(ip + 1) > data_end)
			return 0;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->tot_len = bpf_htons(sizeof(*ip) + l4_len);
		ip->id = 0;
		ip->frag_off = bpf_htons(0x4000); /* DF */
		ip->ttl = BR_FORGE_TTL;
		ip->protocol = proto;
		ip->check = 0;
		ip->check = br_csum_fold(br_csum_words((__u16 *)ip, 10));
		return pseudo + br_csum_words((__u16 *)&ip->saddr, 4);
	} else {
		struct ipv6hdr *ip6 = l3;
		struct in6_addr a;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
		ip6->payload_len = bpf_htons(l4_len);
		ip6->nexthdr = proto;
		ip6->hop_limit = BR_FORGE_TTL;
		return pseudo + br_csum_words((__u16 *)&ip6->saddr, 16);
	}
}

/*
 * Turn a TCP segment into the RST that answers it. 0: send it back with
 * XDP_TX; -1: not forgeable (drop); 1: the segment is itself an RST (drop,
 * silently).
 */
__noinline int br_forge_rst(struct xdp_md *ctx, const struct br_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3_off, l4_off, seq, ack, len;
	struct tcphdr *th;
	struct ethhdr *eth;
	void *l3;
	int syn, fin, has_ack;
	__u64 pseudo;

	if (!pkt || pkt->proto != 6 || !br_forgeable(pkt))
		return -1;
	l3_off = pkt->l3_off;
	l4_off = pkt->l4_off;
	l4_off &= 0x7f;
	th = data + l4_off;
	if ((void *)(th + 1) > data_end)
		return -1;
	if (th->rst)
		return 1;
	syn = th->syn;
	fin = th->fin;
	has_ack = th->ack;
	seq = bpf_ntohl(th->seq);
	ack = bpf_ntohl(th->ack_seq);
	len = pkt->ip_end > pkt->payload_off ? pkt->ip_end - pkt->payload_off
					     : 0;

	if (bpf_xdp_adjust_tail(ctx, (int)(l4_off + sizeof(*th)) -
					     (int)bpf_xdp_get_buff_len(ctx)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	l3 = data + (l3_off & 0x1f);
	th = data + l4_off;
	if ((void *)(th + 1) > data_end || (void *)(eth + 1) > data_end)
		return -1;
	br_swap_eth(eth);
	pseudo = br_answer_ip(pkt, l3, data_end, sizeof(*th), 6);
	if (!pseudo)
		return -1;
	{
		__u16 p = th->source;

		th->source = th->dest;
		th->dest = p;
	}
	th->seq = has_ack ? bpf_htonl(ack) : 0;
	th->ack_seq = bpf_htonl(seq + syn + len + fin);
	((__u8 *)th)[12] = (sizeof(*th) / 4) << 4; /* doff 5, no flags */
	((__u8 *)th)[13] = 0x14;		  /* RST | ACK */
	th->window = 0;
	th->urg_ptr = 0;
	th->check = 0;
	th->check = br_csum_fold(pseudo + br_csum_words((__u16 *)th, 10));
	return 0;
}

/*
 * Replace the UDP payload of a DNS query with the answer of new_len bytes
 * in s->buf and turn the datagram around. 0: send with XDP_TX; -1: failed
 * (the frame may be half rewritten: drop it).
 */
__noinline int br_forge_dns(struct xdp_md *ctx, const struct br_pkt *pkt,
			 struct br_scratch *s, __u32 new_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 hdr_len, l3_off, len4;
	int frame = bpf_xdp_get_buff_len(ctx), target, grow;
	struct ethhdr *eth;
	struct udphdr *uh;
	__u64 sum, pseudo;
	__s64 part;
	void *l3;

	if (!pkt || !s || pkt->proto != 17 || !br_forgeable(pkt))
		return -1;
	hdr_len = pkt->payload_off;
	l3_off = pkt->l3_off;
	if (!new_len || new_len > BR_L7_SCRATCH - 4 || !hdr_len ||
	    hdr_len > BR_FORGE_HDR_MAX)
		return -1;
	target = hdr_len + new_len;
	grow = target - frame;
	if (grow > 0) {
		if (bpf_xdp_load_bytes(ctx, 0, s->hdrs, hdr_len))
			return -1;
		if (bpf_xdp_adjust_head(ctx, -grow))
			return -1;
		if (bpf_xdp_store_bytes(ctx, 0, s->hdrs, hdr_len))
			return -1;
	} else if (grow < 0) {
		if (bpf_xdp_adjust_tail(ctx, grow))
			return -1;
	}
	/* new_len < BR_L7_SCRATCH: the mask keeps the bound in sight */
	len4 = new_len;
	asm volatile("" : "+r"(len4));
	len4 &= BR_L7_SCRATCH - 1;
	if (!len4 || bpf_xdp_store_bytes(ctx, hdr_len, s->buf.b, len4))
		return -1;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	l3 = data + (l3_off & 0x1f);
	uh = data + (pkt->l4_off & 0x7f);
	if ((void *)(uh + 1) > data_end || (void *)(eth + 1) > data_end)
		return -1;
	br_swap_eth(eth);
	pseudo = br_answer_ip(pkt, l3, data_end, sizeof(*uh) + new_len, 17);
	if (!pseudo)
		return -1;
	{
		__u16 p = uh->source;

		uh->source = uh->dest;
		uh->dest = p;
	}
	uh->len = bpf_htons(sizeof(*uh) + new_len);
	uh->check = 0;

	/* payload sum from the scratch copy */
	part = br_csum_buf(&s->buf, new_len);
	if (part < 0)
		return -1;
	sum = part;
	sum += pseudo;
	sum += br_csum_words((__u16 *)uh, 4);
	uh->check = br_csum_fold(sum);
	if (!uh->check)
		uh->check = 0xffff; /* 0 means "no checksum" in UDP */
	return 0;
}

#endif /* BR_FORGE_H */
