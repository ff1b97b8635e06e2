/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.h - stage 1: from frame bytes to the fields rules match on.
 *
 * Pure code over a [data, data_end) window, in the hdr_cursor style of
 * xdp-tools' parsing_helpers.h: each parse_* step checks its bounds, moves
 * the cursor and returns the next protocol, or -1 when the header does not
 * fit. Nothing here touches maps or helpers, so the same source compiles for
 * BPF and, with gcc, on the host for unit tests and fuzzing.
 *
 * What the parser decides (struct br_pkt.status):
 *   BR_PKT_IP         classify with addresses, protocol and ports.
 *   BR_PKT_NONIP      not IPv4/IPv6 after at most two VLAN tags (ARP, LLDP,
 *                     a third VLAN tag, an 802.3 length field): matched only
 *                     by "ether type" rules.
 *   BR_PKT_UNPARSED   IP whose transport we cannot see: an IPv6 extension
 *                     chain longer than BR_MAX_EXT_HDRS or an extension header
 *                     we do not walk (mobility, HIP, shim6, experimental):
 *                     protocol BR_PROTO_UNKNOWN; or ESP, whose payload is
 *                     encrypted: protocol 50, as a censor's ACL sees it.
 *                     Either way no ports; addresses still classify.
 *   BR_PKT_MALFORMED  headers that lie about their lengths or are cut short:
 *                     not classified at all (fail-open or fail-closed).
 * A protocol we simply do not parse (GRE, SCTP, IPIP, "no next header", ...)
 * is BR_PKT_IP with its real number and no ports: nothing is hidden from us
 * that the policy language could match.
 */
#ifndef BR_PARSE_H
#define BR_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define BR_MAX_VLANS 2	     /* 802.1Q, 802.1ad, QinQ in any order */
#define BR_MAX_EXT_HDRS 8    /* IPv6 extension headers we walk */
#define BR_PROTO_UNKNOWN 255 /* transport hidden behind a chain */

#ifndef IPPROTO_MH
#define IPPROTO_MH 135
#endif
#define BR_IPPROTO_HIP 139
#define BR_IPPROTO_SHIM6 140
#define BR_IPPROTO_EXP1 253
#define BR_IPPROTO_EXP2 254

#define BR_IP_MF 0x2000
#define BR_IP_OFFSET 0x1fff
#define BR_IP6_MF 0x0001
#define BR_IP6_OFFSET 0xfff8

/* Not in uapi <linux/if_vlan.h>; the same layout as the kernel's. */
struct br_vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

/*
 * ICMP and ICMPv6 share the first 8 bytes' shape; <linux/icmp.h> would pull
 * libc headers into the BPF build, so the header is defined here.
 */
struct br_icmp_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

/* Generic IPv6 extension header (RFC 6564 layout): next header, length. */
struct br_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct br_frag6_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

enum br_pkt_status {
	BR_PKT_IP = 0,
	BR_PKT_NONIP,
	BR_PKT_UNPARSED,
	BR_PKT_MALFORMED,
};

enum br_frag_state {
	BR_FRAG_NONE = 0, /* not fragmented (or an atomic fragment) */
	BR_FRAG_FIRST,	  /* offset 0, more fragments: carries ports */
	BR_FRAG_LATER,	  /* offset > 0: no transport header */
};

/*
 * What parse found, kept in the stack frame of the entry point and handed to
 * every later stage. Offsets are from the start of the frame; addresses are
 * network order with IPv4 in saddr[0]; ports are host order.
 */
struct br_pkt {
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 sport; /* BR_PORT_NONE when the packet has none */
	__u32 dport;
	__u32 frag_id;	 /* IPv4 id or IPv6 identification */
	__u32 frame_len; /* whole frame, fragments of a buffer included */
	__u32 ip_end;	 /* end of the IP packet (tot_len), for L7 */
	__u16 eth_proto; /* host order, after the VLAN tags */
	__u16 l3_off;
	__u16 l4_off;	   /* 0 when no transport header was parsed */
	__u16 payload_off; /* first byte after the transport header */
	__u8 status;	   /* enum br_pkt_status */
	__u8 family;	   /* 4 or 6; 0 for non-IP */
	__u8 proto;	   /* transport protocol the rules see */
	__u8 frag;	   /* enum br_frag_state */
	__u8 frag_proto;   /* protocol field of the fragment key */
	__u8 role;	   /* enum br_role of the interface */
	__u8 n_vlans;
	__u8 n_ext; /* IPv6 extension headers walked */
	__u8 ttl;   /* IPv4 TTL or IPv6 hop limit, as the packet arrived */
	__u8 reserved;
	__u16 dgram_len; /* UDP: the datagram's payload, as its header says
			  * (more than this packet holds in a first fragment) */
};

struct hdr_cursor {
	void *pos;
};

static __always_inline int br_proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) ||
	       h_proto == bpf_htons(ETH_P_8021AD);
}

/* Ethernet and up to BR_MAX_VLANS tags; returns the inner EtherType. */
static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct br_pkt *pkt)
{
	struct ethhdr *eth = nh->pos;
	__u16 h_proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	nh->pos = eth + 1;
	h_proto = eth->h_proto;

	for (i = 0; i < BR_MAX_VLANS; i++) {
		struct br_vlan_hdr *vlh = nh->pos;

		if (!br_proto_is_vlan(h_proto))
			break;
		if ((void *)(vlh + 1) > data_end)
			return -1;
		h_proto = vlh->h_vlan_encapsulated_proto;
		nh->pos = vlh + 1;
	}
	pkt->n_vlans = i;
	return bpf_ntohs(h_proto);
}

/*
 * IPv4 with options. tot_len is checked against the whole frame (frame_len)
 * rather than the linear window, so a multi-buffer frame is not malformed;
 * 0 is accepted because TSO and BIG TCP super-frames carry it.
 */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end,
				       struct br_pkt *pkt)
{
	struct iphdr *iph = nh->pos;
	__u32 hdrsize, tot_len, frag_off;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hdrsize = iph->ihl * 4;
	if (nh->pos + hdrsize > data_end)
		return -1;

	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len) {
		if (tot_len < hdrsize || tot_len > pkt->frame_len - pkt->l3_off)
			return -1;
		pkt->ip_end = pkt->l3_off + tot_len;
	}

	pkt->family = 4;
	pkt->ttl = iph->ttl;
	pkt->saddr[0] = iph->saddr;
	pkt->daddr[0] = iph->daddr;
	pkt->frag_proto = iph->protocol;

	/* one test for the common case: not a fragment (DF alone is fine) */
	if (iph->frag_off & bpf_htons(BR_IP_MF | BR_IP_OFFSET)) {
		frag_off = bpf_ntohs(iph->frag_off);
		pkt->frag =
			frag_off & BR_IP_OFFSET ? BR_FRAG_LATER : BR_FRAG_FIRST;
		pkt->frag_id = bpf_ntohs(iph->id);
	}

	nh->pos += hdrsize;
	return iph->protocol;
}

static __always_inline int parse_ip6hdr(struct hdr_cursor *nh, void *data_end,
					struct br_pkt *pkt)
{
	struct ipv6hdr *ip6h = nh->pos;
	__u32 plen;
	int i;

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	if (ip6h->version != 6)
		return -1;
	/* 0 is a jumbogram or a BIG TCP super-frame: bounded by the frame. */
	plen = bpf_ntohs(ip6h->payload_len);
	if (plen) {
		if (plen + sizeof(*ip6h) > pkt->frame_len - pkt->l3_off)
			return -1;
		pkt->ip_end = pkt->l3_off + sizeof(*ip6h) + plen;
	}

	pkt->family = 6;
	pkt->ttl = ip6h->hop_limit;
	for (i = 0; i < 4; i++) {
		pkt->saddr[i] = ip6h->saddr.in6_u.u6_addr32[i];
		pkt->daddr[i] = ip6h->daddr.in6_u.u6_addr32[i];
	}

	nh->pos = ip6h + 1;
	return ip6h->nexthdr;
}

/*
 * One extension header; returns the next header or -1 if it is cut short.
 * A fragment header ends the walk of a non-first fragment: what follows it
 * is the middle of the original payload.
 */
static __always_inline int parse_exthdr(struct hdr_cursor *nh, void *data_end,
					int nexthdr, struct br_pkt *pkt)
{
	struct br_ext_hdr *eh = nh->pos;
	struct br_frag6_hdr *fh = nh->pos;
	__u32 frag_off;

	if (nexthdr == IPPROTO_FRAGMENT) {
		if ((void *)(fh + 1) > data_end)
			return -1;
		nh->pos = fh + 1;
		frag_off = bpf_ntohs(fh->frag_off);
		/* offset 0 without M is an atomic fragment: not fragmented */
		if (frag_off & BR_IP6_OFFSET)
			pkt->frag = BR_FRAG_LATER;
		else if (frag_off & BR_IP6_MF)
			pkt->frag = BR_FRAG_FIRST;
		if (pkt->frag) {
			pkt->frag_id = bpf_ntohl(fh->identification);
			pkt->frag_proto = fh->nexthdr;
		}
		return fh->nexthdr;
	}

	if ((void *)(eh + 1) > data_end)
		return -1;
	if (nexthdr == IPPROTO_AH) /* length in 4-octet units, minus 2 */
		nh->pos += (eh->hdrlen + 2) * 4;
	else /* 8-octet units, not counting the first */
		nh->pos += (eh->hdrlen + 1) * 8;
	if (nh->pos > data_end)
		return -1;
	return eh->nexthdr;
}

/* Extension headers we walk; AH also appears in IPv4 (IPsec transport). */
static __always_inline int br_is_walked_ext(int nexthdr, __u8 family)
{
	if (nexthdr == IPPROTO_AH)
		return 1;
	return family == 6 &&
	       (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
		nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT);
}

/* IPv6 extension headers we do not walk: the transport stays hidden. */
static __always_inline int br_is_opaque_ext(int nexthdr, __u8 family)
{
	if (nexthdr == IPPROTO_ESP)
		return 1;
	return family == 6 &&
	       (nexthdr == IPPROTO_MH || nexthdr == BR_IPPROTO_HIP ||
		nexthdr == BR_IPPROTO_SHIM6 || nexthdr == BR_IPPROTO_EXP1 ||
		nexthdr == BR_IPPROTO_EXP2);
}

/*
 * The transport header must fit both in the linear window (for the reads)
 * and inside the IP packet (a header past tot_len is padding, not TCP).
 * ip_end never exceeds the frame, so the second test alone decides what is
 * malformed; the first is for the reads (and the verifier).
 */
static __always_inline int br_l4_fits(struct hdr_cursor *nh, void *data,
				      void *data_end, __u32 len,
				      struct br_pkt *pkt)
{
	if (nh->pos + len > data_end)
		return 0;
	return (__u32)(nh->pos - data) + len <= pkt->ip_end;
}

static __always_inline int parse_tcphdr(struct hdr_cursor *nh, void *data,
					void *data_end, struct br_pkt *pkt)
{
	struct tcphdr *th = nh->pos;
	__u32 len;

	if (!br_l4_fits(nh, data, data_end, sizeof(*th), pkt))
		return -1;
	/* options are not read: they need only be inside the packet */
	len = th->doff * 4;
	if (len < sizeof(*th) || (__u32)(nh->pos - data) + len > pkt->ip_end)
		return -1;
	pkt->sport = bpf_ntohs(th->source);
	pkt->dport = bpf_ntohs(th->dest);
	nh->pos += len;
	return 0;
}

static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data,
					void *data_end, struct br_pkt *pkt)
{
	struct udphdr *uh = nh->pos;
	__u32 len;

	if (!br_l4_fits(nh, data, data_end, sizeof(*uh), pkt))
		return -1;
	pkt->sport = bpf_ntohs(uh->source);
	pkt->dport = bpf_ntohs(uh->dest);
	len = bpf_ntohs(uh->len);
	pkt->dgram_len = len > sizeof(*uh) ? len - sizeof(*uh) : 0;
	nh->pos = uh + 1;
	return 0;
}

static __always_inline int parse_icmphdr(struct hdr_cursor *nh, void *data,
					 void *data_end, struct br_pkt *pkt)
{
	struct br_icmp_hdr *ih = nh->pos;

	if (!br_l4_fits(nh, data, data_end, sizeof(*ih), pkt))
		return -1;
	nh->pos = ih + 1;
	return 0;
}

static __always_inline int br_is_transport(int nexthdr)
{
	return nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP ||
	       nexthdr == IPPROTO_ICMP || nexthdr == IPPROTO_ICMPV6;
}

/*
 * Walk extension headers up to the transport; returns its protocol, or -1
 * when a header is cut short. Sets pkt->status to BR_PKT_UNPARSED (and
 * pkt->proto) when the transport stays hidden; stops early at the fragment
 * header of a later fragment.
 */
static __always_inline int parse_ext_chain(struct hdr_cursor *nh,
					   void *data_end, int nexthdr,
					   struct br_pkt *pkt)
{
	int i;

	for (i = 0; i < BR_MAX_EXT_HDRS; i++) {
		if (!br_is_walked_ext(nexthdr, pkt->family))
			break;
		nexthdr = parse_exthdr(nh, data_end, nexthdr, pkt);
		if (nexthdr < 0)
			return -1;
		pkt->n_ext++;
		if (pkt->frag == BR_FRAG_LATER)
			return nexthdr;
	}
	if (br_is_walked_ext(nexthdr, pkt->family)) {
		pkt->proto = BR_PROTO_UNKNOWN; /* chain beyond the bound */
		pkt->status = BR_PKT_UNPARSED;
	} else if (br_is_opaque_ext(nexthdr, pkt->family)) {
		pkt->proto =
			nexthdr == IPPROTO_ESP ? IPPROTO_ESP : BR_PROTO_UNKNOWN;
		pkt->status = BR_PKT_UNPARSED;
	}
	return nexthdr;
}

/*
 * Parse one frame. frame_len is the whole frame (bpf_xdp_get_buff_len), at
 * least data_end - data. Fills pkt (which the caller zeroed) and returns
 * pkt->status.
 */
static __always_inline int br_parse_frame(void *data, void *data_end,
					  __u32 frame_len, struct br_pkt *pkt)
{
	struct hdr_cursor nh = {.pos = data};
	int eth_proto, nexthdr, err = 0;

	pkt->frame_len = frame_len;
	pkt->ip_end = frame_len;
	pkt->sport = BR_PORT_NONE;
	pkt->dport = BR_PORT_NONE;

	eth_proto = parse_ethhdr(&nh, data_end, pkt);
	if (eth_proto < 0)
		goto malformed;
	pkt->eth_proto = eth_proto;
	pkt->l3_off = nh.pos - data;

	if (eth_proto == ETH_P_IP)
		nexthdr = parse_iphdr(&nh, data_end, pkt);
	else if (eth_proto == ETH_P_IPV6)
		nexthdr = parse_ip6hdr(&nh, data_end, pkt);
	else
		return pkt->status = BR_PKT_NONIP;
	if (nexthdr < 0)
		goto malformed;

	/* IPv4 non-first fragment: no headers follow, only payload */
	if (pkt->frag == BR_FRAG_LATER)
		goto portless;

	/* Most packets carry their transport right after the IP header. */
	if (!br_is_transport(nexthdr)) {
		nexthdr = parse_ext_chain(&nh, data_end, nexthdr, pkt);
		if (nexthdr < 0)
			goto malformed;
		if (pkt->frag == BR_FRAG_LATER)
			goto portless;
		if (pkt->status == BR_PKT_UNPARSED)
			return pkt->status;
	}

	pkt->proto = nexthdr;
	pkt->l4_off = nh.pos - data;
	switch (nexthdr) {
	case IPPROTO_TCP:
		err = parse_tcphdr(&nh, data, data_end, pkt);
		break;
	case IPPROTO_UDP:
		err = parse_udphdr(&nh, data, data_end, pkt);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		err = parse_icmphdr(&nh, data, data_end, pkt);
		break;
	default:
		pkt->l4_off = 0; /* a protocol we match without ports */
		return pkt->status = BR_PKT_IP;
	}
	if (err)
		goto malformed;
	pkt->payload_off = nh.pos - data;
	return pkt->status = BR_PKT_IP;

portless:
	pkt->proto = nexthdr;
	return pkt->status = BR_PKT_IP;
malformed:
	return pkt->status = BR_PKT_MALFORMED;
}

/* Bytes of transport payload in the packet in hand (a first fragment's). */
static __always_inline __u32 br_payload_len(const struct br_pkt *pkt)
{
	return pkt->ip_end > pkt->payload_off ? pkt->ip_end - pkt->payload_off
					      : 0;
}

#endif /* BR_PARSE_H */
