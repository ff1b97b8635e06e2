// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gen_captures.c - the link-type and malformed part of the capture suite
 * (tests/captures/, README.md there): the same few flows in every link
 * type replay reads, in pcap and pcapng, and captures damaged the ways
 * real ones are (cut short, snap length, IP length lies, clocks going
 * back), and tunnelled ones (VXLAN, GRE, ERSPAN).
 *
 * usage: gen_captures DIR        (make captures: DIR is tests/captures)
 *
 * Frames come from user/model/packet.c, the builders the traffic model uses:
 * real stacks' TCP options, ClientHellos, DNS queries and QUIC Initials
 * that tshark decodes. Host-order pcap files are written by libpcap
 * (pcap_dump), so that the reader meets a writer other than ours; the
 * byte-swapped ones, the DLT_RAW aliases 12 and 14 (which libpcap writes
 * as 101) and every pcapng file are written here, to the letter of the
 * format drafts; tshark reading each one (test_captures.sh) is the check
 * on this writer. The output is the same bytes on every run:
 * test_captures.sh regenerates and compares.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "packet.h"

#define CAP_MAX 4096
#define FRAMES_MAX 32
#define TS0 1767225600000000000ULL /* 2026-01-01 00:00:00 UTC, in ns */

/* LINKTYPE_ values (tcpdump.org) */
#define LT_NULL 0
#define LT_ETHERNET 1
#define LT_DLT_RAW 12
#define LT_DLT_RAW_BSD 14
#define LT_RAW 101
#define LT_LOOP 108
#define LT_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_SLL2 276
#define LT_USER0 147

struct frame {
	uint8_t b[CAP_MAX];
	size_t len;    /* bytes on the wire */
	size_t caplen; /* bytes captured: len unless cut */
	uint64_t ts;   /* ns since the epoch */
	int up;	       /* sent by the client (SLL's "outgoing") */
	int family;    /* 4 or 6 */
};

struct frames {
	struct frame f[FRAMES_MAX];
	size_t n;
};

static const char *out_dir;
static int failed;

/* ---- the flows ---------------------------------------------------------- */

static struct br_ends ends(int family, uint16_t cport, uint16_t sport)
{
	struct br_ends e = {
		.family = family,
		.cport = cport,
		.sport = sport,
		.client_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.server_mac = { 0x02, 0, 0, 0, 0, 0x01 },
	};
	static const uint8_t c4[4] = { 198, 18, 0, 2 };
	static const uint8_t s4[4] = { 198, 19, 0, 1 };
	static const uint8_t c6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2
	};
	static const uint8_t s6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1
	};

	memcpy(e.client, family == 6 ? c6 : c4, family == 6 ? 16 : 4);
	memcpy(e.server, family == 6 ? s6 : s4, family == 6 ? 16 : 4);
	return e;
}

static struct frame *next_frame(struct frames *fs, int family, int up)
{
	struct frame *f;

	if (fs->n == FRAMES_MAX) {
		fprintf(stderr, "gen_captures: too many frames\n");
		exit(1);
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof(*f));
	f->ts = TS0 + fs->n * 1000123ULL; /* ~1 ms apart, ns digits set */
	f->family = family;
	f->up = up;
	fs->n++;
	return f;
}

static void done_frame(struct frame *f, size_t len)
{
	if (!len) {
		fprintf(stderr, "gen_captures: a frame did not fit\n");
		exit(1);
	}
	f->len = f->caplen = len;
}

static void tcp(struct frames *fs, const struct br_ends *e, enum br_dir dir,
		uint8_t flags, uint32_t seq, uint32_t ack, const void *p,
		size_t n)
{
	struct frame *f = next_frame(fs, e->family, dir == BR_DIR_UP);

	done_frame(f, br_pkt_tcp(f->b, sizeof(f->b), e, dir, flags, seq, ack, p,
				 n));
}

static void udp(struct frames *fs, const struct br_ends *e, enum br_dir dir,
		const void *p, size_t n)
{
	struct frame *f = next_frame(fs, e->family, dir == BR_DIR_UP);

	done_frame(f, br_pkt_udp(f->b, sizeof(f->b), e, dir, p, n));
}

/* A TLS flow's opening: SYN, SYN-ACK (when synack), the ClientHello. */
static void tls_flow(struct frames *fs, int family, uint16_t cport,
		     const char *sni, bool synack, uint64_t seed)
{
	struct br_ends e = ends(family, cport, 443);
	uint8_t hello[2048];
	size_t n;

	tcp(fs, &e, BR_DIR_UP, BR_TCP_SYN, 1000, 0, NULL, 0);
	if (synack)
		tcp(fs, &e, BR_DIR_DOWN, BR_TCP_SYN | BR_TCP_ACK, 5000, 1001,
		    NULL, 0);
	n = br_pkt_client_hello(hello, sizeof(hello), sni, "h2,http/1.1", 0,
				seed);
	tcp(fs, &e, BR_DIR_UP, BR_TCP_ACK | BR_TCP_PSH, 1001, 5001, hello, n);
}

static void dns_query(struct frames *fs, int family, uint16_t cport,
		      const char *name, uint16_t qtype, uint16_t id)
{
	struct br_ends e = ends(family, cport, 53);
	uint8_t q[512];
	size_t n = br_pkt_dns_query(q, sizeof(q), id, name, qtype, 1);

	udp(fs, &e, BR_DIR_UP, q, n);
}

static void quic_initial(struct frames *fs, int family, uint16_t cport,
			 const char *sni)
{
	static const uint8_t dcid[8] = { 0xc0, 0xff, 0xee, 0, 1, 2, 3, 4 };
	struct br_ends e = ends(family, cport, 443);
	uint8_t p[1500];
	size_t n = br_pkt_quic_initial(p, sizeof(p), 1, dcid, sni, 7);

	udp(fs, &e, BR_DIR_UP, p, n);
}

/*
 * The flows of every link-type capture (suite.policy decides them):
 * a TLS hello for a blocked name (dropped) and an allowed one (passes),
 * DNS queries for a blocked name (answered NXDOMAIN: tx) and an allowed
 * one, a QUIC v1 Initial (dropped), and a blocked hello over IPv6.
 * family 4 or 6 forces one family (raw IPv4, raw IPv6 link types).
 */
static void the_flows(struct frames *fs, int family)
{
	int f4 = family ? family : 4, f6 = family ? family : 6;

	fs->n = 0;
	tls_flow(fs, f4, 40001, "courier.push.apple.com", true, 1);
	tls_flow(fs, f4, 40002, "www.example.com", false, 2);
	dns_query(fs, f4, 40003, "facetime.apple.com", 1, 0x1111);
	dns_query(fs, f6, 40004, "example.com", 28, 0x2222);
	quic_initial(fs, f4, 40005, "quic.example.com");
	tls_flow(fs, f6, 40006, "eu.courier.push.apple.com", false, 3);
}

/* ---- link layers ---------------------------------------------------------- */

static void put16(uint8_t *p, unsigned int v, bool big)
{
	if (big) {
		p[0] = v >> 8;
		p[1] = v;
	} else {
		p[0] = v;
		p[1] = v >> 8;
	}
}

static void put32(uint8_t *p, uint32_t v, bool big)
{
	if (big) {
		put16(p, v >> 16, true);
		put16(p + 2, v, true);
	} else {
		put16(p, v, false);
		put16(p + 2, v >> 16, false);
	}
}

static void put64(uint8_t *p, uint64_t v, bool big)
{
	put32(p + (big ? 0 : 4), v >> 32, big);
	put32(p + (big ? 4 : 0), v, big);
}

struct link {
	uint32_t linktype;
	bool af_big;	   /* NULL: the writer's byte order of the family */
	uint32_t af_inet6; /* NULL, LOOP: 24, 28 or 30 */
};

/*
 * Frame f (Ethernet) as link type l would have captured it: into out,
 * returns the length; the captured length goes to *caplen.
 */
static size_t relink(const struct frame *f, const struct link *l, uint8_t *out,
		     size_t *caplen)
{
	size_t hdr = 0, n = f->len - 14, cut = f->len - f->caplen;
	unsigned int type = f->b[12] << 8 | f->b[13];

	switch (l->linktype) {
	case LT_ETHERNET:
		memcpy(out, f->b, f->len);
		*caplen = f->caplen;
		return f->len;
	case LT_SLL: /* as tcpdump -i any: the sender's MAC */
		memset(out, 0, 16);
		put16(out, f->up ? 4 : 0, true); /* outgoing, or to us */
		put16(out + 2, 1, true);	 /* ARPHRD_ETHER */
		put16(out + 4, 6, true);
		memcpy(out + 6, f->b + 6, 6);
		put16(out + 14, type, true);
		hdr = 16;
		break;
	case LT_SLL2:
		memset(out, 0, 20);
		put16(out, type, true);
		put32(out + 4, 2, true); /* ifindex */
		put16(out + 8, 1, true);
		out[10] = f->up ? 4 : 0;
		out[11] = 6;
		memcpy(out + 12, f->b + 6, 6);
		hdr = 20;
		break;
	case LT_NULL:
	case LT_LOOP:
		put32(out, f->family == 6 ? l->af_inet6 : 2,
		      l->linktype == LT_LOOP || l->af_big);
		hdr = 4;
		break;
	default: /* raw IP of any flavour */
		break;
	}
	memcpy(out + hdr, f->b + 14, n);
	*caplen = hdr + n - cut;
	return hdr + n;
}

/* ---- pcap, by libpcap or by hand ----------------------------------------- */

/* DLT_ values pcap_open_dead takes for the LINKTYPE_ values we write. */
static int dlt_of(uint32_t linktype)
{
	switch (linktype) {
	case LT_RAW:
		return DLT_RAW;
	case LT_SLL:
		return DLT_LINUX_SLL;
	default:
		return linktype;
	}
}

static void fail(const char *name, const char *what)
{
	fprintf(stderr, "gen_captures: %s: %s\n", name, what);
	failed = 1;
}

static FILE *create(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f)
		fail(name, strerror(errno));
	return f;
}

/* libpcap writes it: host byte order, usec or nsec. */
static void write_pcap_libpcap(const char *name, const struct frames *fs,
			       const struct link *l, bool nano, int snaplen)
{
	char path[4096];
	struct pcap_pkthdr h;
	uint8_t b[CAP_MAX];
	pcap_dumper_t *d;
	pcap_t *p;
	size_t i, len, caplen;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	p = pcap_open_dead_with_tstamp_precision(
		dlt_of(l->linktype), snaplen,
		nano ? PCAP_TSTAMP_PRECISION_NANO
		     : PCAP_TSTAMP_PRECISION_MICRO);
	if (!p) {
		fail(name, "pcap_open_dead");
		return;
	}
	d = pcap_dump_open(p, path);
	if (!d) {
		fail(name, pcap_geterr(p));
		pcap_close(p);
		return;
	}
	for (i = 0; i < fs->n; i++) {
		len = relink(&fs->f[i], l, b, &caplen);
		h.ts.tv_sec = fs->f[i].ts / 1000000000ULL;
		h.ts.tv_usec = fs->f[i].ts % 1000000000ULL / (nano ? 1 : 1000);
		h.caplen = caplen;
		h.len = len;
		pcap_dump((u_char *)d, &h, b);
	}
	if (pcap_dump_flush(d))
		fail(name, "pcap_dump_flush");
	pcap_dump_close(d);
	pcap_close(p);
}

/*
 * By hand: byte order big, usec or nsec, any link type value; cut_at:
 * stop writing after that many bytes (a capture cut short), 0: never.
 */
static void write_pcap_hand(const char *name, const struct frames *fs,
			    const struct link *l, bool big, bool nano,
			    int snaplen, size_t cut_at)
{
	uint8_t buf[64 * 1024], b[CAP_MAX];
	size_t n = 0, i, len, caplen;
	FILE *f = create(name);

	if (!f)
		return;
	put32(buf, nano ? 0xa1b23c4d : 0xa1b2c3d4, big);
	put16(buf + 4, 2, big);
	put16(buf + 6, 4, big);
	put32(buf + 8, 0, big);
	put32(buf + 12, 0, big);
	put32(buf + 16, snaplen, big);
	put32(buf + 20, l->linktype, big);
	n = 24;
	for (i = 0; i < fs->n; i++) {
		len = relink(&fs->f[i], l, b, &caplen);
		put32(buf + n, fs->f[i].ts / 1000000000ULL, big);
		put32(buf + n + 4,
		      fs->f[i].ts % 1000000000ULL / (nano ? 1 : 1000), big);
		put32(buf + n + 8, caplen, big);
		put32(buf + n + 12, len, big);
		memcpy(buf + n + 16, b, caplen);
		n += 16 + caplen;
	}
	if (cut_at && cut_at < n)
		n = cut_at;
	if (fwrite(buf, 1, n, f) != n)
		fail(name, "write");
	if (fclose(f))
		fail(name, strerror(errno));
}

/* ---- pcapng, by hand ------------------------------------------------------ */

struct ng {
	uint8_t buf[64 * 1024];
	size_t n;
	bool big;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* A block: type, total length, body (padded), total length. */
static void ng_block(struct ng *w, uint32_t type, const uint8_t *body, size_t n)
{
	size_t total = 12 + pad4(n);

	put32(w->buf + w->n, type, w->big);
	put32(w->buf + w->n + 4, total, w->big);
	memcpy(w->buf + w->n + 8, body, n);
	memset(w->buf + w->n + 8 + n, 0, pad4(n) - n);
	put32(w->buf + w->n + 8 + pad4(n), total, w->big);
	w->n += total;
}

static size_t ng_opt(uint8_t *p, unsigned int code, const void *v, size_t n,
		     bool big)
{
	put16(p, code, big);
	put16(p + 2, n, big);
	memcpy(p + 4, v, n);
	memset(p + 4 + n, 0, pad4(n) - n);
	return 4 + pad4(n);
}

static void ng_section(struct ng *w, bool big)
{
	uint8_t b[64];
	size_t n;

	w->big = big;
	put32(b, 0x1a2b3c4d, big);
	put16(b + 4, 1, big);
	put16(b + 6, 0, big);
	put32(b + 8, 0xffffffff, big); /* section length: not given */
	put32(b + 12, 0xffffffff, big);
	n = 16 + ng_opt(b + 16, 4, "gen_captures", 12, big); /* shb_userappl */
	n += ng_opt(b + n, 0, NULL, 0, big);
	ng_block(w, 0x0a0d0d0a, b, n);
}

/* tsresol: if_tsresol's byte, 0: none (microseconds); tsoffset seconds */
static void ng_iface(struct ng *w, uint32_t linktype, int snaplen,
		     uint8_t tsresol, int64_t tsoffset)
{
	uint8_t b[64], off[8];
	size_t n = 8;

	put16(b, linktype, w->big);
	put16(b + 2, 0, w->big);
	put32(b + 4, snaplen, w->big);
	if (tsresol)
		n += ng_opt(b + n, 9, &tsresol, 1, w->big);
	if (tsoffset) {
		put64(off, tsoffset, w->big);
		n += ng_opt(b + n, 14, off, 8, w->big);
	}
	if (n > 8)
		n += ng_opt(b + n, 0, NULL, 0, w->big);
	ng_block(w, 1, b, n);
}

/* ns since the epoch in the units of if_tsresol tsresol, less tsoffset */
static uint64_t ng_units(uint64_t ns, uint8_t tsresol, int64_t tsoffset)
{
	unsigned int n = tsresol & 0x7f, i;
	uint64_t pow = 1, sec;

	ns -= (uint64_t)tsoffset * 1000000000ULL;
	if (!tsresol)
		n = 6;
	if (tsresol & 0x80) {
		sec = ns / 1000000000ULL;
		return sec << n |
		       (uint64_t)(((unsigned __int128)(ns % 1000000000ULL)
				   << n) /
				  1000000000ULL);
	}
	for (i = n; i < 9; i++)
		pow *= 10;
	return ns / pow;
}

enum ng_kind { NG_EPB, NG_PB, NG_SPB };

static void ng_packet(struct ng *w, enum ng_kind kind, uint32_t iface,
		      uint64_t units, const uint8_t *data, size_t caplen,
		      size_t len, const char *comment)
{
	uint8_t b[CAP_MAX + 128];
	size_t n;

	if (kind == NG_SPB) {
		put32(b, len, w->big);
		memcpy(b + 4, data, caplen);
		ng_block(w, 3, b, 4 + caplen);
		return;
	}
	if (kind == NG_EPB) {
		put32(b, iface, w->big);
	} else {
		put16(b, iface, w->big);
		put16(b + 2, 0, w->big); /* drops */
	}
	put32(b + 4, units >> 32, w->big);
	put32(b + 8, units, w->big);
	put32(b + 12, caplen, w->big);
	put32(b + 16, len, w->big);
	memcpy(b + 20, data, caplen);
	memset(b + 20 + caplen, 0, pad4(caplen) - caplen);
	n = 20 + pad4(caplen);
	if (comment) {
		n += ng_opt(b + n, 1, comment, strlen(comment), w->big);
		n += ng_opt(b + n, 0, NULL, 0, w->big);
	}
	ng_block(w, kind == NG_EPB ? 6 : 2, b, n);
}

static void ng_write(const char *name, const struct ng *w, size_t cut_at)
{
	FILE *f = create(name);
	size_t n = cut_at && cut_at < w->n ? cut_at : w->n;

	if (!f)
		return;
	if (fwrite(w->buf, 1, n, f) != n)
		fail(name, "write");
	if (fclose(f))
		fail(name, strerror(errno));
}

/* ---- the captures ------------------------------------------------------- */

static const struct link L_ETH = { LT_ETHERNET, false, 0 };

/* Every link type, the same flows; pcap files. */
static void link_type_pcaps(void)
{
	static const struct {
		const char *name;
		struct link l;
		int family;
		int hand; /* 0: libpcap; else by hand */
		bool big, nano;
	} caps[] = {
		{ "link-ethernet.pcap",
		  { LT_ETHERNET, false, 0 },
		  0,
		  0,
		  false,
		  false },
		{ "link-ethernet-be-ns.pcap",
		  { LT_ETHERNET, false, 0 },
		  0,
		  1,
		  true,
		  true },
		{ "link-sll.pcap", { LT_SLL, false, 0 }, 0, 0, false, false },
		{ "link-sll2.pcap", { LT_SLL2, false, 0 }, 0, 0, false, true },
		{ "link-raw.pcap", { LT_RAW, false, 0 }, 0, 0, false, false },
		{ "link-raw-dlt12-be.pcap",
		  { LT_DLT_RAW, false, 0 },
		  0,
		  1,
		  true,
		  false },
		{ "link-raw-dlt14.pcap",
		  { LT_DLT_RAW_BSD, false, 0 },
		  0,
		  1,
		  false,
		  false },
		{ "link-ipv4.pcap", { LT_IPV4, false, 0 }, 4, 0, false, false },
		{ "link-ipv6.pcap", { LT_IPV6, false, 0 }, 6, 0, false, false },
		{ "link-null-le.pcap",
		  { LT_NULL, false, 30 },
		  0,
		  0,
		  false,
		  false },
		{ "link-null-be.pcap",
		  { LT_NULL, true, 28 },
		  0,
		  1,
		  true,
		  true },
		{ "link-loop.pcap", { LT_LOOP, true, 24 }, 0, 0, false, false },
	};
	struct frames fs;
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		the_flows(&fs, caps[i].family);
		if (caps[i].hand)
			write_pcap_hand(caps[i].name, &fs, &caps[i].l,
					caps[i].big, caps[i].nano, 262144, 0);
		else
			write_pcap_libpcap(caps[i].name, &fs, &caps[i].l,
					   caps[i].nano, 262144);
	}
}

/*
 * pcapng: interfaces of different link types and resolutions in one
 * section; a big-endian section with obsolete and simple packet blocks,
 * then a little-endian one, in one file.
 */
static void link_type_pcapngs(void)
{
	static const struct link ifs[] = {
		{ LT_ETHERNET, false, 0 },
		{ LT_SLL2, false, 0 },
		{ LT_RAW, false, 0 },
		{ LT_NULL, false, 24 },
	};
	static const uint8_t res[] = { 9, 0, 0x80 | 20, 3 };
	static const uint8_t nrb[] = { 0, 0, 0, 0 }; /* nrb_record_end */
	static struct ng w;
	uint8_t b[CAP_MAX], isb[16];
	struct frames fs;
	size_t i, len, caplen;
	struct link l;

	/* multi: four interfaces, frames handed round them */
	the_flows(&fs, 0);
	memset(&w, 0, sizeof(w));
	ng_section(&w, false);
	for (i = 0; i < 4; i++)
		ng_iface(&w, ifs[i].linktype, 262144, res[i], 0);
	ng_block(&w, 4, nrb, sizeof(nrb)); /* name resolution: skipped */
	for (i = 0; i < fs.n; i++) {
		len = relink(&fs.f[i], &ifs[i % 4], b, &caplen);
		ng_packet(&w, NG_EPB, i % 4,
			  ng_units(fs.f[i].ts, res[i % 4], 0), b, caplen, len,
			  i == 2 ? "a comment the reader steps over" : NULL);
	}
	memset(isb, 0, sizeof(isb)); /* statistics: skipped */
	put32(isb, 0, w.big);
	ng_block(&w, 5, isb, 12);
	ng_write("link-multi.pcapng", &w, 0);

	/*
	 * sections: big-endian (LOOP and Ethernet, an obsolete Packet Block
	 * and a Simple Packet Block, if_tsoffset), then little-endian (SLL,
	 * raw IPv6 and raw IPv4).
	 */
	memset(&w, 0, sizeof(w));
	ng_section(&w, true);
	ng_iface(&w, LT_ETHERNET, 0, 0, 1767225600);
	ng_iface(&w, LT_LOOP, 262144, 9, 0);
	l = (struct link){ LT_LOOP, true, 28 };
	for (i = 0; i < 5; i++) {
		bool eth = i % 2 == 0;

		len = relink(&fs.f[i], eth ? &L_ETH : &l, b, &caplen);
		if (i == 4)
			ng_packet(&w, NG_SPB, 0, 0, b, caplen, len, NULL);
		else
			ng_packet(&w, i == 1 ? NG_PB : NG_EPB, eth ? 0 : 1,
				  eth ? ng_units(fs.f[i].ts, 0, 1767225600)
				      : ng_units(fs.f[i].ts, 9, 0),
				  b, caplen, len, NULL);
	}
	ng_section(&w, false);
	ng_iface(&w, LT_SLL, 262144, 9, 0);
	ng_iface(&w, LT_IPV6, 262144, 9, 0);
	ng_iface(&w, LT_IPV4, 262144, 9, 0);
	for (; i < fs.n; i++) {
		uint32_t iface = i == 5 || i == 9      ? 0
				 : fs.f[i].family == 6 ? 1
						       : 2;

		l = (struct link){ iface == 0	? LT_SLL
				   : iface == 1 ? LT_IPV6
						: LT_IPV4,
				   false, 0 };
		len = relink(&fs.f[i], &l, b, &caplen);
		ng_packet(&w, NG_EPB, iface, ng_units(fs.f[i].ts, 9, 0), b,
			  caplen, len, NULL);
	}
	ng_write("link-sections.pcapng", &w, 0);
}

/* A frame's IPv4 header checksum, after an edit. */
static void ip4_csum(uint8_t *ip)
{
	size_t hl = (ip[0] & 0xf) * 4;

	ip[10] = ip[11] = 0;
	put16(ip + 10, br_csum_fold(br_csum_add(0, ip, hl)), true);
}

/* Captures damaged the ways real ones are. */
static void damaged(void)
{
	static struct ng w;
	struct frames fs;
	struct frame *f;
	size_t i, off;

	/* cut short in the middle of frame 8's record (the QUIC Initial) */
	the_flows(&fs, 0);
	for (off = 24, i = 0; i < 7; i++)
		off += 16 + fs.f[i].len;
	write_pcap_hand("cut-short.pcap", &fs, &L_ETH, false, false, 262144,
			off + 16 + 100);
	memset(&w, 0, sizeof(w));
	ng_section(&w, false);
	ng_iface(&w, LT_ETHERNET, 0, 9, 0);
	for (i = 0; i < fs.n; i++) {
		if (i == 7)
			off = w.n;
		ng_packet(&w, NG_EPB, 0, fs.f[i].ts, fs.f[i].b, fs.f[i].len,
			  fs.f[i].len, NULL);
	}
	ng_write("cut-short-ng.pcapng", &w, off + 40);

	/*
	 * snap length 128: the first hello is captured short, its IP packet
	 * incomplete; frame 1 (the SYN) lost only its FCS, which the
	 * capture never held (len 4 bytes over caplen): its IP packet whole.
	 */
	the_flows(&fs, 0);
	fs.n = 5; /* courier flow, the example.com SYN and hello */
	fs.f[0].len += 4;
	for (i = 0; i < fs.n; i++)
		if (fs.f[i].caplen > 128)
			fs.f[i].caplen = 128;
	write_pcap_hand("snaplen.pcap", &fs, &L_ETH, false, false, 128, 0);

	/*
	 * IP length lies: an IPv4 hello whose total length claims 4000
	 * bytes (more than the MTU too), an IPv6 one whose payload length
	 * claims 40 more than there are; both complete on the wire.
	 */
	fs.n = 0;
	tls_flow(&fs, 4, 40011, "courier.push.apple.com", false, 11);
	tls_flow(&fs, 6, 40012, "courier.push.apple.com", false, 12);
	f = &fs.f[1];
	put16(f->b + 14 + 2, 4000, true);
	ip4_csum(f->b + 14);
	f = &fs.f[3];
	put16(f->b + 14 + 4, (f->b[18] << 8 | f->b[19]) + 40, true);
	dns_query(&fs, 4, 40013, "facetime.apple.com", 1, 0x3333);
	write_pcap_hand("ip-length-lie.pcap", &fs, &L_ETH, false, false, 262144,
			0);

	/*
	 * the clock goes back: the courier flow's hello stamped 2 s before
	 * its SYN, a DNS query 1 s before the first frame; then forward.
	 */
	the_flows(&fs, 0);
	fs.n = 7;
	fs.f[2].ts = fs.f[0].ts - 2000000000ULL;
	fs.f[5].ts = fs.f[0].ts - 1000000000ULL;
	write_pcap_hand("clock-back.pcap", &fs, &L_ETH, false, true, 262144, 0);

	/* a link type replay does not read (USER0), in pcap and in pcapng */
	the_flows(&fs, 0);
	fs.n = 3;
	write_pcap_hand("link-unknown.pcap", &fs,
			&(struct link){ LT_USER0, false, 0 }, false, false,
			262144, 0);
	memset(&w, 0, sizeof(w));
	ng_section(&w, false);
	ng_iface(&w, LT_ETHERNET, 0, 9, 0);
	ng_iface(&w, LT_USER0, 0, 9, 0);
	for (i = 0; i < fs.n; i++)
		ng_packet(&w, NG_EPB, i == 2, fs.f[i].ts, fs.f[i].b,
			  fs.f[i].len, fs.f[i].len, NULL);
	ng_write("link-unknown-ng.pcapng", &w, 0);
}

/* ---- tunnels ------------------------------------------------------------ */

/*
 * The outer frame: Ethernet, IPv4 or IPv6 from 198.51.100.x-like lab
 * tunnel ends (198.18.255.1 -> .2, 2001:db8:ff::1 -> ::2), protocol
 * proto, payload p[0, n). Returns its length.
 */
static size_t outer_ip(uint8_t *o, int family, uint8_t proto, const uint8_t *p,
		       size_t n)
{
	static const uint8_t mac[12] = { 0x02, 0, 0, 0, 0xff, 2,
					 0x02, 0, 0, 0, 0xff, 1 };
	uint8_t *ip = o + 14;
	size_t hl = family == 6 ? 40 : 20;

	memcpy(o, mac, 12);
	put16(o + 12, family == 6 ? 0x86dd : 0x0800, true);
	memset(ip, 0, hl);
	if (family == 6) {
		ip[0] = 0x60;
		put16(ip + 4, n, true);
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8;
		ip[13] = 0xff, ip[23] = 1;
		memcpy(ip + 24, ip + 8, 16);
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, hl + n, true);
		put16(ip + 4, 0x7e57, true);
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 198, ip[13] = 18, ip[14] = 255, ip[15] = 1;
		ip[16] = 198, ip[17] = 18, ip[18] = 255, ip[19] = 2;
		ip4_csum(ip);
	}
	memcpy(ip + hl, p, n);
	return 14 + hl + n;
}

/* Wrap frame f in place; hdr[0, hn) goes in front of what is carried. */
static void wrap(struct frame *f, int family, uint8_t proto, const uint8_t *hdr,
		 size_t hn, bool strip_eth)
{
	uint8_t p[CAP_MAX];
	size_t skip = strip_eth ? 14 : 0, n = hn + f->len - skip;

	memcpy(p, hdr, hn);
	memcpy(p + hn, f->b + skip, f->len - skip);
	if (proto == 47 && (p[0] & 0x80)) /* GRE's C: its checksum */
		put16(p + 4, br_csum_fold(br_csum_add(0, p, n)), true);
	f->len = f->caplen = outer_ip(f->b, family, proto, p, n);
}

static void vxlan(struct frame *f, uint16_t port, uint32_t vni)
{
	struct br_ends e = ends(4, 54321, port);
	uint8_t p[CAP_MAX];

	e.server[2] = 255; /* the tunnel's far end */
	memset(p, 0, 8);
	p[0] = 0x08; /* I: the VNI is valid */
	p[4] = vni >> 16, p[5] = vni >> 8, p[6] = vni;
	memcpy(p + 8, f->b, f->len);
	f->len = f->caplen =
		br_pkt_udp(f->b, sizeof(f->b), &e, BR_DIR_UP, p, 8 + f->len);
}

static void tunnels(void)
{
	struct frames fs;
	uint8_t h[32];
	size_t i;

	/*
	 * VXLAN: the courier flow and a DNS query on 4789 (VNI 42), the
	 * example.com flow on 8472 (Linux's old default, VNI 7).
	 */
	the_flows(&fs, 0);
	fs.n = 6;
	for (i = 0; i < fs.n; i++)
		vxlan(&fs.f[i], i == 3 || i == 4 ? 8472 : 4789,
		      i == 3 || i == 4 ? 7 : 42);
	write_pcap_hand("tunnel-vxlan.pcap", &fs, &L_ETH, false, false, 262144,
			0);

	/*
	 * GRE: the courier flow over GRE with a key and a sequence number
	 * carrying Ethernet (frames 1-3), the example.com flow with a
	 * checksum carrying IPv4 (4-5), the blocked DNS query over IPv6
	 * GRE carrying IPv6 (6), then ERSPAN type II (7: the SYN of the
	 * IPv6 courier flow) and type III with its platform sub-header (8:
	 * its hello).
	 */
	fs.n = 0;
	tls_flow(&fs, 4, 40021, "courier.push.apple.com", true, 21);
	tls_flow(&fs, 4, 40022, "www.example.com", false, 22);
	dns_query(&fs, 6, 40023, "www.facetime.apple.com", 28, 0x4444);
	tls_flow(&fs, 6, 40024, "courier.push.apple.com", false, 24);
	for (i = 0; i < 3; i++) { /* K and S, TEB */
		put32(h, 0x30006558, true);
		put32(h + 4, 1001, true);
		put32(h + 8, i + 1, true);
		wrap(&fs.f[i], 4, 47, h, 12, false);
	}
	for (; i < 5; i++) { /* C (its checksum computed in wrap), IPv4 */
		put32(h, 0x80000800, true);
		put32(h + 4, 0, true);
		wrap(&fs.f[i], 4, 47, h, 8, true);
	}
	put32(h, 0x000086dd, true); /* plain, IPv6 over IPv6 */
	wrap(&fs.f[i++], 6, 47, h, 4, true);
	/* ERSPAN II: GRE with S; version 1, VLAN 0, session 5, index 0 */
	put32(h, 0x100088be, true);
	put32(h + 4, 1, true);
	put32(h + 8, 0x10000005, true);
	put32(h + 12, 0, true);
	wrap(&fs.f[i++], 4, 47, h, 16, false);
	/*
	 * ERSPAN III: GRE with S; version 2, session 9, a timestamp, SGT,
	 * FT 0 (Ethernet), O set: an 8-byte platform sub-header follows
	 */
	memset(h, 0, sizeof(h));
	put32(h, 0x100022eb, true);
	put32(h + 4, 2, true);
	put32(h + 8, 0x20000009, true);
	put32(h + 12, 0x12345678, true);
	put32(h + 16, 0x00000001, true);
	h[20] = 0x0c; /* platform id 3, then its fields */
	wrap(&fs.f[i++], 4, 47, h, 28, false);
	write_pcap_hand("tunnel-gre.pcap", &fs, &L_ETH, false, false, 262144,
			0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	link_type_pcaps();
	link_type_pcapngs();
	damaged();
	tunnels();
	return failed;
}
