// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * linktype.c - captured link layers to Ethernet; see linktype.h.
 *
 * Header layouts from tcpdump.org's LINKTYPE_ pages: SLL is packet type
 * (2), ARPHRD type (2), address length (2), address (8), protocol (2);
 * SLL2 is protocol (2), reserved (2), interface index (4), ARPHRD type
 * (2), packet type (1), address length (1), address (8). Their protocol
 * field is an EtherType for the frames a censor sees (IPv4, IPv6, VLAN,
 * ARP); values below 0x0600 (802.3 and 802.2 frames, CAN) name no
 * EtherType and are copied all the same: the program counts those frames
 * as not IP, as it would an Ethernet frame with a length field there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include "linktype.h"

/* The address families NULL and LOOP carry for IPv6 differ by system. */
#define BR_AF_INET 2
#define BR_AF_INET6_BSD 24     /* NetBSD, OpenBSD */
#define BR_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly */
#define BR_AF_INET6_DARWIN 30  /* macOS, iOS */

static const struct {
	uint32_t lt;
	const char *name;
	size_t hdr; /* the link header's length */
} br_linktypes[] = {
	{ BR_LT_ETHERNET, "Ethernet", 0 },
	{ BR_LT_SLL, "Linux SLL", 16 },
	{ BR_LT_SLL2, "Linux SLL2", 20 },
	{ BR_LT_RAW, "raw IP", 0 },
	{ BR_LT_DLT_RAW, "raw IP", 0 },
	{ BR_LT_DLT_RAW_BSD, "raw IP", 0 },
	{ BR_LT_IPV4, "raw IPv4", 0 },
	{ BR_LT_IPV6, "raw IPv6", 0 },
	{ BR_LT_NULL, "BSD loopback NULL", 4 },
	{ BR_LT_LOOP, "OpenBSD loopback LOOP", 4 },
};

static unsigned int rd16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static int br_linktype_find(uint32_t lt)
{
	size_t i;

	for (i = 0; i < sizeof(br_linktypes) / sizeof(br_linktypes[0]); i++)
		if (br_linktypes[i].lt == lt)
			return i;
	return -1;
}

bool br_linktype_known(uint32_t lt)
{
	return br_linktype_find(lt) >= 0;
}

void br_linktype_text(uint32_t lt, char *buf, size_t len)
{
	const char *name;
	int i = br_linktype_find(lt);

	if (i >= 0) {
		snprintf(buf, len, "%s (%u)", br_linktypes[i].name, lt);
		return;
	}
	/* LINKTYPE_ and DLT_ values agree for the types named here */
	name = lt < 0x10000 ? pcap_datalink_val_to_name(lt) : NULL;
	if (name)
		snprintf(buf, len, "%s (%u)", name, lt);
	else
		snprintf(buf, len, "%u", lt);
}

/* The EtherType of the IP packet at p (its version), 0 when not IP. */
static unsigned int br_ip_version_type(const uint8_t *p, size_t len)
{
	if (!len)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return BR_ETH_IPV4;
	case 6:
		return BR_ETH_IPV6;
	default:
		return 0;
	}
}

/* NULL and LOOP: an address family, in either byte order. */
static unsigned int br_af_type(const uint8_t *p)
{
	uint32_t af = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[1] << 8 | p[0];

	/* no family needs the upper half: the writer's order was the other */
	if (af & 0xffff0000u)
		af = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		     (uint32_t)p[2] << 8 | p[3];
	switch (af) {
	case BR_AF_INET:
		return BR_ETH_IPV4;
	case BR_AF_INET6_BSD:
	case BR_AF_INET6_FREEBSD:
	case BR_AF_INET6_DARWIN:
		return BR_ETH_IPV6;
	default:
		return 0;
	}
}

int br_linktype_to_ether(uint32_t lt, const uint8_t *p, size_t caplen,
			 uint8_t *buf, const uint8_t **out, size_t *out_len)
{
	const uint8_t *src_mac = NULL;
	unsigned int type = 0;
	size_t hdr;
	int i;

	if (lt == BR_LT_ETHERNET) {
		*out = p;
		*out_len = caplen;
		return 0;
	}
	i = br_linktype_find(lt);
	if (i < 0)
		return -EPROTONOSUPPORT;
	hdr = br_linktypes[i].hdr;
	if (caplen < hdr) {
		hdr = caplen; /* the link header itself is cut: not IP */
	} else {
		switch (lt) {
		case BR_LT_SLL:
			type = rd16(p + 14);
			if (rd16(p + 4) == 6)
				src_mac = p + 6;
			break;
		case BR_LT_SLL2:
			type = rd16(p);
			if (p[11] == 6)
				src_mac = p + 12;
			break;
		case BR_LT_IPV4:
			type = BR_ETH_IPV4;
			break;
		case BR_LT_IPV6:
			type = BR_ETH_IPV6;
			break;
		case BR_LT_NULL:
		case BR_LT_LOOP:
			type = br_af_type(p);
			break;
		default: /* raw IP */
			type = br_ip_version_type(p, caplen);
		}
	}
	memset(buf, 0, 12);
	if (src_mac)
		memcpy(buf + 6, src_mac, 6);
	buf[12] = type >> 8;
	buf[13] = type;
	memcpy(buf + BR_ETH_HLEN, p + hdr, caplen - hdr);
	*out = buf;
	*out_len = caplen - hdr + BR_ETH_HLEN;
	return 0;
}

int br_ether_l3(const uint8_t *f, size_t len, size_t *l3, unsigned int *type)
{
	size_t off = 12;
	int i;

	if (len < BR_ETH_HLEN)
		return -1;
	*type = rd16(f + off);
	off += 2;
	for (i = 0; i < 2 && (*type == 0x8100 || *type == 0x88a8); i++) {
		if (off + 4 > len)
			return -1;
		*type = rd16(f + off + 2);
		off += 4;
	}
	*l3 = off;
	return 0;
}

int br_ip_claim(const uint8_t *f, size_t len, size_t l3, unsigned int type,
		size_t *claim)
{
	if (type == BR_ETH_IPV4) {
		if (l3 + 20 > len || (f[l3] >> 4) != 4)
			return -1;
		*claim = rd16(f + l3 + 2);
		return 0;
	}
	if (type == BR_ETH_IPV6) {
		if (l3 + 40 > len || (f[l3] >> 4) != 6)
			return -1;
		*claim = rd16(f + l3 + 4);
		if (*claim)
			*claim += 40;
		return 0;
	}
	return -1;
}
