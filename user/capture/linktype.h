/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * linktype.h - the link layers of captured frames, turned into the one
 * the XDP program reads: Ethernet.
 *
 * A capture names its link layer with a LINKTYPE_ value (tcpdump.org's
 * link-layer header types). replay reads those a Linux censor's analyst
 * meets: Ethernet; Linux "cooked" SLL and SLL2 (tcpdump -i any); raw IP
 * (LINKTYPE_RAW 101, and 12 and 14, the DLT_RAW values that some writers
 * put in files), raw IPv4 (228) and IPv6 (229); BSD loopback NULL (0, a
 * 4-byte address family in the writer's byte order) and OpenBSD LOOP
 * (108, network order). A frame of another link type gets an Ethernet
 * header made up from its protocol field: the EtherType that field names
 * (SLL, SLL2), or the one the IP version or address family implies, the
 * sender's MAC when the capture has it (SLL, SLL2), else zeros.
 */
#ifndef BR_LINKTYPE_H
#define BR_LINKTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BR_LT_NULL 0
#define BR_LT_ETHERNET 1
#define BR_LT_DLT_RAW 12     /* DLT_RAW on most systems */
#define BR_LT_DLT_RAW_BSD 14 /* DLT_RAW on OpenBSD and BSD/OS */
#define BR_LT_RAW 101
#define BR_LT_LOOP 108
#define BR_LT_SLL 113
#define BR_LT_IPV4 228
#define BR_LT_IPV6 229
#define BR_LT_SLL2 276

#define BR_ETH_HLEN 14
#define BR_ETH_IPV4 0x0800
#define BR_ETH_IPV6 0x86dd

/* Can replay read frames of link type lt? */
bool br_linktype_known(uint32_t lt);

/*
 * "Ethernet (1)", "Linux SLL2 (276)", ..., or for a type replay does not
 * read, libpcap's name of it: "USER0 (147)", else "147".
 */
void br_linktype_text(uint32_t lt, char *buf, size_t len);

/*
 * The Ethernet frame of a frame p[0, caplen) of link type lt. An Ethernet
 * frame is used as it is (*out = p); another gets a made-up Ethernet
 * header in front of its payload, in buf (room for caplen + 14 bytes).
 * 0, or -EPROTONOSUPPORT for a link type replay does not read. A frame
 * shorter than its link header becomes an Ethernet frame whose EtherType
 * is 0 (nothing the program classifies).
 */
int br_linktype_to_ether(uint32_t lt, const uint8_t *p, size_t caplen,
			 uint8_t *buf, const uint8_t **out, size_t *out_len);

/*
 * Where the network layer of an Ethernet frame starts, after up to two
 * VLAN tags (802.1Q, 802.1ad), and its EtherType. 0, or -1 when the frame
 * is shorter than those headers.
 */
int br_ether_l3(const uint8_t *f, size_t len, size_t *l3, unsigned int *type);

/*
 * The length of the IP packet at f + l3 as its header claims it (the
 * IPv4 total length; the IPv6 payload length and the fixed header), in
 * *claim: 0 when the header gives none (an IPv4 total length of 0, as TSO
 * hands super-frames over; an IPv6 jumbogram). 0, or -1 when f holds no
 * IPv4 or IPv6 header at l3 (type, version or length).
 */
int br_ip_claim(const uint8_t *f, size_t len, size_t l3, unsigned int type,
		size_t *claim);

#endif /* BR_LINKTYPE_H */
