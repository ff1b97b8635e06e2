/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * packets.h - build test frames from a one-line description.
 *
 * A struct pkt_spec says what a frame is (addresses, VLAN tags, transport,
 * IPv6 extension headers, fragment, one deliberate defect); pkt_build()
 * writes it with correct IPv4 header and transport checksums, so a frame
 * that a test expects to pass would also be accepted by a real stack.
 * Fixture tables fill the spec with the macros at the end, e.g.
 *
 *	PKT(IP("198.18.0.1", "198.18.17.5"), TCP(40000, 5223), VLAN(QINQ))
 */
#ifndef BR_TEST_PACKETS_H
#define BR_TEST_PACKETS_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

#define PKT_MAX 2048

enum pkt_ext { /* IPv6 extension headers, in the order listed */
	       PKT_EXT_END = 0,
	       PKT_EXT_HOP,	/* hop-by-hop options, 8 bytes */
	       PKT_EXT_ROUTING, /* segment routing, one segment, 24 bytes */
	       PKT_EXT_DEST,	/* destination options, 16 bytes */
	       PKT_EXT_FRAG,	/* fragment header: where .frag puts it */
	       PKT_EXT_AH,	/* authentication header, 24 bytes */
	       PKT_EXT_ESP,	/* encrypted: ends the chain, no transport */
	       PKT_EXT_MH,	/* mobility header: ends the chain */
};

enum pkt_frag {
	PKT_FRAG_NONE = 0,
	PKT_FRAG_FIRST,	 /* offset 0, more fragments */
	PKT_FRAG_LATER,	 /* the rest: offset > 0, last fragment */
	PKT_FRAG_ATOMIC, /* IPv6 fragment header, offset 0, no M */
};

/* The transport bytes a first fragment carries; the rest is the later one. */
#define PKT_FRAG_FIRST_LEN 32

enum pkt_bad { /* one deliberate defect per frame */
	       PKT_OK = 0,
	       PKT_BAD_VERSION,	      /* IP version 5 */
	       PKT_BAD_IHL,	      /* IPv4 IHL 4 */
	       PKT_BAD_TOT_LEN_LONG,  /* IPv4 tot_len beyond the frame */
	       PKT_BAD_TOT_LEN_SHORT, /* IPv4 tot_len below its own header */
	       PKT_TOT_LEN_ZERO,      /* IPv4 tot_len 0, as TSO frames: legal */
	       PKT_BAD_PLEN_LONG,     /* IPv6 payload_len beyond the frame */
	       PKT_BAD_DOFF_SHORT,    /* TCP data offset 4 */
	       PKT_BAD_DOFF_LONG,     /* TCP data offset 15, beyond the frame */
	       PKT_BAD_EXT_LEN,	 /* last extension header runs past the frame */
	       PKT_BAD_L4_SHORT, /* IP packet ends 4 bytes into the transport */
};

struct pkt_spec {
	const char *src; /* IPv4 or IPv6 literal; NULL: non-IP frame */
	const char *dst;
	uint16_t ether;	  /* EtherType of a non-IP frame */
	uint16_t vlan[3]; /* TPIDs, outermost first; 0 ends the list */
	uint8_t proto;	  /* IPPROTO_*; ICMP means ICMPv6 over IPv6 */
	uint16_t sport;
	uint16_t dport;
	uint8_t ip_opts; /* IPv4 option bytes, a multiple of 4 */
	uint8_t ext[10]; /* enum pkt_ext, PKT_EXT_END ends the list */
	uint8_t frag;	 /* enum pkt_frag */
	uint32_t frag_id;
	uint16_t payload; /* transport payload bytes */
	uint8_t bad;	  /* enum pkt_bad */
	uint16_t cut;	  /* nonzero: the frame ends after this byte */
};

/* ---- checksums ------------------------------------------------------ */

static inline uint32_t pkt_sum(const void *p, size_t n, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

static inline uint16_t pkt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Sum of the pseudo header the transport checksum covers. */
static inline uint32_t pkt_pseudo(int family, const uint8_t *src,
				  const uint8_t *dst, uint8_t proto,
				  uint32_t len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint32_t sum = 0;

	sum = pkt_sum(src, alen, sum);
	sum = pkt_sum(dst, alen, sum);
	sum += proto;
	sum += len >> 16;
	sum += len & 0xffff;
	return sum;
}

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
	pkt_put16(p, v >> 16);
	pkt_put16(p + 2, v & 0xffff);
}

/* ---- pieces ----------------------------------------------------------- */

/*
 * The whole transport datagram (header, payload, checksum) into t; returns
 * its length and the length of its header in *hlen.
 */
static inline size_t pkt_transport(const struct pkt_spec *s, int family,
				   const uint8_t *src, const uint8_t *dst,
				   uint8_t proto, uint8_t *t, size_t *hlen)
{
	uint32_t sum = 0;
	size_t h = 0, n, i;
	uint8_t *ck = NULL;

	switch (proto) {
	case IPPROTO_TCP:
		h = 20;
		pkt_put16(t, s->sport);
		pkt_put16(t + 2, s->dport);
		pkt_put32(t + 4, 0x10000000); /* seq */
		pkt_put32(t + 8, 0);
		t[12] = 5 << 4;
		t[13] = 0x02; /* SYN */
		pkt_put16(t + 14, 64240);
		pkt_put16(t + 18, 0); /* urgent pointer: t is not zeroed */
		ck = t + 16;
		break;
	case IPPROTO_UDP:
		h = 8;
		pkt_put16(t, s->sport);
		pkt_put16(t + 2, s->dport);
		pkt_put16(t + 4, h + s->payload);
		ck = t + 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		h = 8;
		t[0] = proto == IPPROTO_ICMP ? 8 : 128; /* echo request */
		pkt_put16(t + 4, 0x4242);		/* id */
		pkt_put16(t + 6, 1);			/* sequence */
		ck = t + 2;
		break;
	default: /* GRE, SCTP, ...: payload only */
		break;
	}
	n = h + s->payload;
	for (i = h; i < n; i++)
		t[i] = (uint8_t)('a' + i % 26);
	if (ck) {
		memset(ck, 0, 2);
		if (proto != IPPROTO_ICMP)
			sum = pkt_pseudo(family, src, dst, proto, n);
		memcpy(ck, &(uint16_t){pkt_fold(pkt_sum(t, n, sum))}, 2);
		if (proto == IPPROTO_UDP && !ck[0] && !ck[1])
			ck[0] = ck[1] = 0xff;
	}
	*hlen = h;
	return n;
}

/* One IPv6 extension header at p; returns its length. */
static inline size_t pkt_ext6(uint8_t kind, uint8_t next, const uint8_t *dst,
			      uint8_t *p)
{
	switch (kind) {
	case PKT_EXT_HOP: /* PadN of 4 */
		p[0] = next;
		p[1] = 0;
		p[2] = 1;
		p[3] = 4;
		memset(p + 4, 0, 4);
		return 8;
	case PKT_EXT_DEST: /* PadN of 12: two 8-octet units */
		p[0] = next;
		p[1] = 1;
		p[2] = 1;
		p[3] = 12;
		memset(p + 4, 0, 12);
		return 16;
	case PKT_EXT_ROUTING: /* SRH, segments left 0 */
		p[0] = next;
		p[1] = 2;
		p[2] = 4;
		memset(p + 3, 0, 5);
		memcpy(p + 8, dst, 16);
		return 24;
	case PKT_EXT_AH: /* 96-bit ICV: (4 + 2) * 4 bytes */
		p[0] = next;
		p[1] = 4;
		memset(p + 2, 0, 2);
		pkt_put32(p + 4, 0x1000); /* SPI */
		pkt_put32(p + 8, 1);	  /* sequence */
		memset(p + 12, 0xa5, 12);
		return 24;
	case PKT_EXT_MH: /* binding refresh request */
		p[0] = IPPROTO_NONE;
		p[1] = 1;
		p[2] = 0;
		memset(p + 3, 0, 13);
		return 16;
	default:
		return 0;
	}
}

static inline uint8_t pkt_ext_proto(uint8_t kind)
{
	static const uint8_t num[] = {
		[PKT_EXT_HOP] = IPPROTO_HOPOPTS,
		[PKT_EXT_ROUTING] = IPPROTO_ROUTING,
		[PKT_EXT_DEST] = IPPROTO_DSTOPTS,
		[PKT_EXT_FRAG] = IPPROTO_FRAGMENT,
		[PKT_EXT_AH] = IPPROTO_AH,
		[PKT_EXT_ESP] = IPPROTO_ESP,
		[PKT_EXT_MH] = IPPROTO_MH,
	};

	return kind < sizeof(num) ? num[kind] : 0;
}

static inline size_t pkt_n_ext(const struct pkt_spec *s)
{
	size_t n = 0;

	while (n < sizeof(s->ext) && s->ext[n] != PKT_EXT_END)
		n++;
	return n;
}

/* ---- frames ----------------------------------------------------------- */

/* Ethernet and VLAN tags; returns the offset of the L3 header. */
static inline size_t pkt_l2(const struct pkt_spec *s, uint16_t type, uint8_t *f)
{
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02};
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01};
	size_t off = 12;
	int i;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	for (i = 0; i < 3 && s->vlan[i]; i++) {
		pkt_put16(f + off, s->vlan[i]);
		pkt_put16(f + off + 2, 100 + i); /* VID */
		off += 4;
	}
	pkt_put16(f + off, type);
	return off + 2;
}

static inline size_t pkt_nonip(const struct pkt_spec *s, uint8_t *f)
{
	static const uint8_t arp[28] = {
		0,    1, 8, 0, 6, 4,	0,   1,		 /* request */
		0x02, 0, 0, 0, 0, 0x01, 198, 18, 0, 1,	 /* sender */
		0,    0, 0, 0, 0, 0,	198, 18, 0, 254, /* target */
	};
	static const uint8_t lldp[] = {
		0x02, 0x07, 0x04, 0x02, 0,   0, 0, 0, 0x01, /* chassis */
		0x04, 0x03, 0x07, 'p',	'1',		    /* port */
		0x06, 0x02, 0x00, 0x78,			    /* TTL */
		0x00, 0x00,				    /* end */
	};
	size_t off = pkt_l2(s, s->ether, f);

	if (s->ether == ETH_P_ARP) {
		memcpy(f + off, arp, sizeof(arp));
		return off + sizeof(arp);
	}
	if (s->ether == ETH_P_LLDP) {
		memcpy(f + off, lldp, sizeof(lldp));
		return off + sizeof(lldp);
	}
	memset(f + off, 0, 46);
	return off + 46;
}

static inline size_t pkt_ipv4(const struct pkt_spec *s, const uint8_t *src,
			      const uint8_t *dst, uint8_t *f)
{
	uint8_t t[PKT_MAX];
	size_t off = pkt_l2(s, ETH_P_IP, f), ihl, tlen, hl, from = 0, n;
	uint8_t *ip = f + off;
	uint16_t frag = 0x4000; /* DF */
	uint16_t tot;

	tlen = pkt_transport(s, 4, src, dst, s->proto, t, &hl);
	if ((s->frag == PKT_FRAG_FIRST || s->frag == PKT_FRAG_LATER) &&
	    tlen <= PKT_FRAG_FIRST_LEN)
		return 0;
	n = tlen;
	if (s->frag == PKT_FRAG_FIRST) {
		n = PKT_FRAG_FIRST_LEN;
		frag = 0x2000;
	} else if (s->frag == PKT_FRAG_LATER) {
		from = PKT_FRAG_FIRST_LEN;
		n = tlen - from;
		frag = from / 8;
	}

	ihl = 20 + s->ip_opts;
	memset(ip, 0, ihl);
	ip[0] = 0x40 | ihl / 4;
	tot = ihl + n;
	pkt_put16(ip + 4, s->frag_id ? s->frag_id : 0x1234);
	pkt_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = s->proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	if (ihl > 20) { /* router alert, then NOPs, then EOL */
		memset(ip + 20, 1, ihl - 20);
		ip[20] = 0x94;
		ip[21] = 4;
		ip[22] = ip[23] = 0;
		ip[ihl - 1] = 0;
	}
	memcpy(ip + ihl, t + from, n);

	switch (s->bad) {
	case PKT_BAD_VERSION:
		ip[0] = 0x50 | ihl / 4;
		break;
	case PKT_BAD_IHL:
		ip[0] = 0x44;
		break;
	case PKT_BAD_TOT_LEN_LONG:
		tot += 4;
		break;
	case PKT_BAD_TOT_LEN_SHORT:
		tot = ihl - 4;
		break;
	case PKT_TOT_LEN_ZERO:
		tot = 0;
		break;
	case PKT_BAD_L4_SHORT:
		tot = ihl + 4;
		n = 4;
		break;
	case PKT_BAD_DOFF_SHORT:
		ip[ihl + 12] = 4 << 4;
		break;
	case PKT_BAD_DOFF_LONG:
		ip[ihl + 12] = 15 << 4;
		break;
	}
	pkt_put16(ip + 2, tot);
	memcpy(ip + 10, &(uint16_t){pkt_fold(pkt_sum(ip, ihl, 0))}, 2);
	return off + ihl + n;
}

static inline size_t pkt_ipv6(const struct pkt_spec *s, const uint8_t *src,
			      const uint8_t *dst, uint8_t *f)
{
	uint8_t t[PKT_MAX], ext[10];
	size_t off = pkt_l2(s, ETH_P_IPV6, f), tlen, hl, n_ext, i, len;
	uint8_t proto = s->proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : s->proto;
	size_t frag_at = SIZE_MAX, after_frag = 0, from = 0, n, last = 0;
	uint8_t *ip = f + off, *p = ip + 40;
	int opaque = 0;

	n_ext = pkt_n_ext(s);
	memcpy(ext, s->ext, n_ext);
	if (s->frag) {
		for (i = 0; i < n_ext && ext[i] != PKT_EXT_FRAG; i++)
			;
		if (i == n_ext && n_ext < sizeof(ext))
			ext[n_ext++] = PKT_EXT_FRAG;
		frag_at = i;
	}
	for (i = 0; i < n_ext; i++) {
		uint8_t scratch[32];

		if (ext[i] == PKT_EXT_ESP || ext[i] == PKT_EXT_MH)
			opaque = 1;
		/* a later fragment's offset counts the headers it leaves out */
		if (frag_at != SIZE_MAX && i > frag_at)
			after_frag += pkt_ext6(ext[i], 0, dst, scratch);
	}

	tlen = pkt_transport(s, 6, src, dst, proto, t, &hl);
	if ((s->frag == PKT_FRAG_FIRST || s->frag == PKT_FRAG_LATER) &&
	    tlen <= PKT_FRAG_FIRST_LEN)
		return 0;
	n = tlen;
	if (s->frag == PKT_FRAG_FIRST) {
		n = PKT_FRAG_FIRST_LEN;
	} else if (s->frag == PKT_FRAG_LATER) {
		from = PKT_FRAG_FIRST_LEN;
		n = tlen - from;
	}

	ip[0] = 0x60;
	memset(ip + 1, 0, 7);
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	ip[6] = n_ext ? pkt_ext_proto(ext[0]) : proto;

	for (i = 0; i < n_ext; i++) {
		uint8_t next =
			i + 1 < n_ext ? pkt_ext_proto(ext[i + 1]) : proto;

		last = p - ip;
		if (ext[i] == PKT_EXT_FRAG) {
			uint16_t fo = 0;

			/* what follows the fragment header is fragmentable */
			if (s->frag == PKT_FRAG_FIRST)
				fo = 1;
			p[0] = next;
			p[1] = 0;
			pkt_put32(p + 4, s->frag_id ? s->frag_id : 0x1234);
			if (s->frag == PKT_FRAG_LATER) {
				fo = (uint16_t)((after_frag + from) & ~7u);
				pkt_put16(p + 2, fo);
				p += 8;
				break; /* a later fragment: payload only */
			}
			pkt_put16(p + 2, fo);
			p += 8;
			continue;
		}
		if (ext[i] == PKT_EXT_ESP) {
			pkt_put32(p, 0x2000); /* SPI */
			pkt_put32(p + 4, 1);
			memset(p + 8, 0x5a, 16 + s->payload);
			p += 24 + s->payload;
			break;
		}
		len = pkt_ext6(ext[i], next, dst, p);
		p += len;
		if (ext[i] == PKT_EXT_MH)
			break;
	}
	if (!opaque) {
		memcpy(p, t + from, n);
		p += n;
	}

	switch (s->bad) {
	case PKT_BAD_VERSION:
		ip[0] = 0x50;
		break;
	case PKT_BAD_EXT_LEN:
		ip[last + 1] = 255;
		break;
	case PKT_BAD_L4_SHORT:
		p -= n - 4;
		break;
	case PKT_BAD_DOFF_SHORT:
		p[-(long)n + 12] = 4 << 4;
		break;
	case PKT_BAD_DOFF_LONG:
		p[-(long)n + 12] = 15 << 4;
		break;
	}
	pkt_put16(ip + 4, (uint16_t)(p - ip - 40 +
				     (s->bad == PKT_BAD_PLEN_LONG ? 4 : 0)));
	return p - f;
}

/*
 * Write the frame into f (PKT_MAX bytes); returns its length, or 0 when the
 * spec cannot be built (an address that does not parse, a fragmented
 * datagram no longer than PKT_FRAG_FIRST_LEN: give it a PAYLOAD).
 */
static inline size_t pkt_build(const struct pkt_spec *s, uint8_t *f)
{
	uint8_t src[16], dst[16];
	int family, af;
	size_t len;

	memset(f, 0, PKT_MAX);
	if (!s->src) {
		len = pkt_nonip(s, f);
	} else {
		family = strchr(s->src, ':') ? 6 : 4;
		af = family == 4 ? AF_INET : AF_INET6;
		if (inet_pton(af, s->src, src) != 1 ||
		    inet_pton(af, s->dst, dst) != 1)
			return 0;
		len = family == 4 ? pkt_ipv4(s, src, dst, f)
				  : pkt_ipv6(s, src, dst, f);
	}
	return s->cut && s->cut < len ? s->cut : len;
}

/* ---- one-line specs for fixture tables ---------------------------------- */

/* clang-format off */

#define PKT(...)	{ __VA_ARGS__ }
#define IP(s, d)	.src = (s), .dst = (d)
#define TCP(sp, dp)	.proto = IPPROTO_TCP, .sport = (sp), .dport = (dp)
#define UDP(sp, dp)	.proto = IPPROTO_UDP, .sport = (sp), .dport = (dp)
#define ICMP		.proto = IPPROTO_ICMP
#define PROTO(p)	.proto = (p), .payload = 16
#define ETHER(t)	.ether = (t)
#define VLAN(...)	.vlan = { __VA_ARGS__ }
#define DOT1Q		ETH_P_8021Q
#define DOT1AD		ETH_P_8021AD
#define OPTS(n)		.ip_opts = (n)
#define EXT(...)	.ext = { __VA_ARGS__ }
#define FRAG(k, id)	.frag = PKT_FRAG_##k, .frag_id = (id)
#define PAYLOAD(n)	.payload = (n)
#define BAD(d)		.bad = PKT_##d
#define CUT(n)		.cut = (n)
/* clang-format on */

#endif /* BR_TEST_PACKETS_H */
