// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * decap.c - tunnels taken off captured frames; see decap.h.
 *
 * Header layouts: VXLAN (RFC 7348): flags (the I bit, 0x08, says the VNI
 * is valid), 3 reserved bytes, the 24-bit VNI, 1 reserved byte. GRE (RFC
 * 2784, 2890): flags and version (C 0x8000, R 0x4000, K 0x2000, S 0x1000;
 * version 0), the protocol type, then a checksum word when C, a key when
 * K, a sequence number when S. ERSPAN (draft-foschiano-erspan): type II,
 * protocol 0x88be with S set, 8 bytes (version 1, VLAN, CoS, T, a 10-bit
 * session id, index); type I, 0x88be without S, no header at all; type
 * III, 0x22eb, 12 bytes (version 2, VLAN, CoS, BSO, T, session id,
 * timestamp, SGT, P, FT, hardware id, D, granularity, O), 8 more when O
 * (a platform sub-header), the frame type FT 0 for Ethernet, 2 for IP.
 */
#include <netinet/in.h>
#include <string.h>
#include "decap.h"
#include "linktype.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_VERSION 0x0007
#define GRE_TEB 0x6558
#define GRE_ERSPAN2 0x88be
#define GRE_ERSPAN3 0x22eb
#define ERSPAN3_FT_IP 2

const char *const br_tunnel_name[BR_N_TUNNELS] = {
	"none",
	"VXLAN",
	"GRE",
	"ERSPAN",
};

static unsigned int rd16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int br_vxlan_port(const struct br_decap_opts *o, unsigned int port)
{
	size_t i;

	if (!o->n_vxlan_ports)
		return port == BR_VXLAN_PORT;
	for (i = 0; i < o->n_vxlan_ports; i++)
		if (o->vxlan_ports[i] == port)
			return 1;
	return 0;
}

/* GRE at f[off, end): where its payload starts, and what it is. */
static int br_gre(const uint8_t *f, size_t off, size_t end, struct br_decap *d)
{
	unsigned int flags, proto, word;

	if (off + 4 > end)
		return 0;
	flags = rd16(f + off);
	proto = rd16(f + off + 2);
	if ((flags & GRE_VERSION) || (flags & GRE_R))
		return 0; /* PPTP's enhanced GRE, RFC 1701 source routes */
	off += 4;
	if (flags & GRE_C)
		off += 4;
	if (flags & GRE_K) {
		if (off + 4 > end)
			return 0;
		d->id = rd32(f + off);
		d->has_id = 1;
		off += 4;
	}
	if (flags & GRE_S)
		off += 4;
	d->tunnel = BR_TUNNEL_GRE;
	switch (proto) {
	case GRE_TEB:
		break;
	case BR_ETH_IPV4:
	case BR_ETH_IPV6:
		d->ip_type = proto;
		break;
	case GRE_ERSPAN2:
		d->tunnel = BR_TUNNEL_ERSPAN;
		if (!(flags & GRE_S)) /* type I: the frame follows */
			break;
		if (off + 8 > end || (f[off] >> 4) != 1)
			return 0;
		d->id = rd16(f + off + 2) & 0x3ff;
		d->has_id = 1;
		off += 8;
		break;
	case GRE_ERSPAN3:
		d->tunnel = BR_TUNNEL_ERSPAN;
		if (off + 12 > end || (f[off] >> 4) != 2)
			return 0;
		d->id = rd16(f + off + 2) & 0x3ff;
		d->has_id = 1;
		word = rd16(f + off + 10);
		off += 12 + (word & 1 ? 8 : 0); /* O: a platform sub-header */
		if (((word >> 10) & 0x1f) == ERSPAN3_FT_IP) {
			if (off >= end)
				return 0;
			d->ip_type =
				(f[off] >> 4) == 6 ? BR_ETH_IPV6 : BR_ETH_IPV4;
		}
		break;
	default:
		return 0;
	}
	d->inner = off;
	return 1;
}

int br_decap_find(const struct br_decap_opts *o, const uint8_t *f, size_t len,
		  struct br_decap *d)
{
	size_t l3, l4, end, hlen, claim;
	unsigned int type, proto;

	memset(d, 0, sizeof(*d));
	if (!o->kinds || br_ether_l3(f, len, &l3, &type) ||
	    br_ip_claim(f, len, l3, type, &claim))
		return 0;
	if (type == BR_ETH_IPV4) {
		hlen = (f[l3] & 0xf) * 4;
		/* a fragment holds part of the tunnel's payload only */
		if (hlen < 20 || (rd16(f + l3 + 6) & 0x3fff))
			return 0;
		proto = f[l3 + 9];
	} else {
		hlen = 40;
		proto = f[l3 + 6];
	}
	end = claim >= hlen && l3 + claim < len ? l3 + claim : len;
	l4 = l3 + hlen;
	if (l4 > end)
		return 0;
	if (proto == IPPROTO_UDP && (o->kinds & BR_DECAP_VXLAN)) {
		if (l4 + 16 > end || !br_vxlan_port(o, rd16(f + l4 + 2)))
			return 0;
		d->tunnel = BR_TUNNEL_VXLAN;
		d->has_id = !!(f[l4 + 8] & 0x08);
		d->id = rd32(f + l4 + 12) >> 8;
		d->inner = l4 + 16;
	} else if (proto == 47 && (o->kinds & BR_DECAP_GRE)) {
		if (!br_gre(f, l4, end, d))
			return 0;
	} else {
		return 0;
	}
	d->end = end;
	/* an inner Ethernet frame needs its header, an IP packet a byte */
	if (d->inner + (d->ip_type ? 1 : BR_ETH_HLEN) > end) {
		memset(d, 0, sizeof(*d));
		return 0;
	}
	return 1;
}

void br_decap_frame(const struct br_decap *d, const uint8_t *f, uint8_t *buf,
		    const uint8_t **out, size_t *out_len)
{
	if (!d->ip_type) {
		*out = f + d->inner;
		*out_len = d->end - d->inner;
		return;
	}
	memcpy(buf, f, 12);
	buf[12] = d->ip_type >> 8;
	buf[13] = d->ip_type;
	memcpy(buf + BR_ETH_HLEN, f + d->inner, d->end - d->inner);
	*out = buf;
	*out_len = BR_ETH_HLEN + d->end - d->inner;
}
