/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_capture.c - the capture reader, piece by piece: capture files
 * (user/capture/capfile.c: pcap and pcapng in both byte orders, timestamp units,
 * damage found to the byte), link layers made Ethernet (linktype.c),
 * tunnels taken off (decap.c) and what br_pcap_next tells of each frame
 * (pcap_io.c: captured short, IP length lies, made-up headers).
 *
 * Files are built here byte by byte from the format drafts, one table
 * row per case with its expectation beside it. The capture suite
 * (tests/captures, test_captures.sh) holds the same cases as files that
 * tshark reads too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capfile.h"
#include "decap.h"
#include "linktype.h"
#include "packet.h"
#include "pcap_io.h"

/* ---- bytes ---------------------------------------------------------- */

struct buf {
	uint8_t b[16384];
	size_t n;
	bool big;
};

static void put(struct buf *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void p16(struct buf *w, unsigned int v)
{
	uint8_t b[2] = { v >> 8, v };

	if (!w->big) {
		b[0] = v;
		b[1] = v >> 8;
	}
	put(w, b, 2);
}

static void p32(struct buf *w, uint32_t v)
{
	if (w->big) {
		p16(w, v >> 16);
		p16(w, v);
	} else {
		p16(w, v);
		p16(w, v >> 16);
	}
}

static void pad(struct buf *w)
{
	static const uint8_t zero[4];

	put(w, zero, (4 - w->n % 4) % 4);
}

static bool kuznetzov; /* the next pcap_header and records are his */

static void pcap_header(struct buf *w, bool nano, uint32_t linktype)
{
	p32(w, kuznetzov ? 0xa1b2cd34 : nano ? 0xa1b23c4d : 0xa1b2c3d4);
	p16(w, 2);
	p16(w, 4);
	p32(w, 0);
	p32(w, 0);
	p32(w, 262144);
	p32(w, linktype);
}

static void pcap_record(struct buf *w, uint32_t sec, uint32_t frac,
			const void *p, uint32_t caplen, uint32_t len)
{
	p32(w, sec);
	p32(w, frac);
	p32(w, caplen);
	p32(w, len);
	if (kuznetzov) { /* ifindex, protocol, packet type, padding */
		p32(w, 2);
		p16(w, 0x0800);
		p16(w, 0);
	}
	put(w, p, caplen);
}

/* A pcapng block around body[0, n), padded. */
static void ng_block(struct buf *w, uint32_t type, const struct buf *body)
{
	uint32_t total = 12 + ((body->n + 3) & ~3u);

	p32(w, type);
	p32(w, total);
	put(w, body->b, body->n);
	pad(w);
	p32(w, total);
}

static void ng_shb(struct buf *w)
{
	struct buf b = { .big = w->big };

	p32(&b, 0x1a2b3c4d);
	p16(&b, 1);
	p16(&b, 0);
	p32(&b, 0xffffffff);
	p32(&b, 0xffffffff);
	ng_block(w, 0x0a0d0d0a, &b);
}

/* tsresol 0: none; tsoffset 0: none */
static void ng_idb(struct buf *w, uint32_t linktype, uint8_t tsresol,
		   uint64_t tsoffset)
{
	struct buf b = { .big = w->big };

	p16(&b, linktype);
	p16(&b, 0);
	p32(&b, 0);
	if (tsresol) {
		p16(&b, 9);
		p16(&b, 1);
		put(&b, &tsresol, 1);
		pad(&b);
	}
	if (tsoffset) {
		p16(&b, 14);
		p16(&b, 8);
		if (w->big) {
			p32(&b, tsoffset >> 32);
			p32(&b, tsoffset);
		} else {
			p32(&b, tsoffset);
			p32(&b, tsoffset >> 32);
		}
	}
	if (tsresol || tsoffset)
		p32(&b, 0); /* opt_endofopt */
	ng_block(w, 1, &b);
}

static void ng_epb(struct buf *w, uint32_t iface, uint64_t units, const void *p,
		   uint32_t caplen, uint32_t len)
{
	struct buf b = { .big = w->big };

	p32(&b, iface);
	p32(&b, units >> 32);
	p32(&b, units);
	p32(&b, caplen);
	p32(&b, len);
	put(&b, p, caplen);
	ng_block(w, 6, &b);
}

static char tmp_path[64];

static int tmp_setup(void **state)
{
	int fd;

	(void)state;
	strcpy(tmp_path, "/tmp/test_capture.XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int tmp_teardown(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

static void save(const struct buf *w, size_t n)
{
	FILE *f = fopen(tmp_path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(w->b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A small IPv4 UDP frame: Ethernet, 20 + 8 + 4 bytes. */
static size_t udp4(uint8_t *f, size_t cap)
{
	struct br_ends e = {
		.family = 4,
		.client = { 198, 18, 0, 2 },
		.server = { 198, 19, 0, 1 },
		.cport = 40000,
		.sport = 9,
	};

	return br_pkt_udp(f, cap, &e, BR_DIR_UP, "abcd", 4);
}

/* ---- capture files: formats and timestamps ---------------------------- */

enum fmt { PCAP_US, PCAP_NS, PCAP_KUZ, NG };

static const struct ts_case {
	const char *what;
	enum fmt fmt;
	bool big;
	uint8_t tsresol;    /* pcapng: if_tsresol, 0 none */
	uint64_t tsoffset;  /* pcapng: if_tsoffset s */
	uint32_t sec, frac; /* pcap */
	uint64_t units;	    /* pcapng */
	uint64_t want_ns;
} ts_cases[] = {
	{ "pcap LE us", PCAP_US, false, 0, 0, 10, 5, 0, 10000005000ULL },
	{ "pcap BE us", PCAP_US, true, 0, 0, 10, 5, 0, 10000005000ULL },
	{ "pcap LE ns", PCAP_NS, false, 0, 0, 10, 5, 0, 10000000005ULL },
	{ "pcap BE ns", PCAP_NS, true, 0, 0, 10, 5, 0, 10000000005ULL },
	{ "pcap LE Kuznetzov", PCAP_KUZ, false, 0, 0, 10, 5, 0,
	  10000005000ULL },
	{ "pcap BE Kuznetzov", PCAP_KUZ, true, 0, 0, 10, 5, 0, 10000005000ULL },
	{ "ng LE default us", NG, false, 0, 0, 0, 0, 10000005, 10000005000ULL },
	{ "ng BE 10^-9", NG, true, 9, 0, 0, 0, 10000000005, 10000000005ULL },
	{ "ng LE 2^-10", NG, false, 0x80 | 10, 0, 0, 0, 10 * 1024 + 512,
	  10500000000ULL },
	{ "ng BE ms, offset 100 s", NG, true, 3, 100, 0, 0, 1,
	  100001000000ULL },
};

static void test_timestamps(void **state)
{
	uint8_t f[BR_FRAME_MAX];
	size_t len = udp4(f, sizeof(f)), i, off;
	struct br_capfile *c;
	struct br_record rec;
	char err[256];

	(void)state;
	for (i = 0; i < sizeof(ts_cases) / sizeof(ts_cases[0]); i++) {
		const struct ts_case *t = &ts_cases[i];
		struct buf w = { .big = t->big };

		if (t->fmt == NG) {
			ng_shb(&w);
			ng_idb(&w, BR_LT_ETHERNET, t->tsresol, t->tsoffset);
			ng_epb(&w, 0, t->units, f, len, len);
		} else {
			kuznetzov = t->fmt == PCAP_KUZ;
			pcap_header(&w, t->fmt == PCAP_NS, BR_LT_ETHERNET);
			pcap_record(&w, t->sec, t->frac, f, len, len);
			kuznetzov = false;
		}
		save(&w, w.n);
		assert_int_equal(
			br_capfile_open(tmp_path, &c, err, sizeof(err)), 0);
		assert_string_equal(br_capfile_format(c),
				    t->fmt == NG ? "pcapng" : "pcap");
		assert_int_equal(br_capfile_next(c, &rec, err, sizeof(err)), 1);
		if (rec.ts_ns != t->want_ns)
			fail_msg("%s: %llu ns, want %llu", t->what,
				 (unsigned long long)rec.ts_ns,
				 (unsigned long long)t->want_ns);
		assert_int_equal(rec.caplen, len);
		assert_memory_equal(rec.data, f, len);
		assert_int_equal(rec.number, 1);
		/* after the file header; or the section header, the
		 * interface and its options */
		off = 24;
		if (t->fmt == NG)
			off = 28 + 20 + (t->tsresol ? 8 : 0) +
			      (t->tsoffset ? 12 : 0) +
			      (t->tsresol || t->tsoffset ? 4 : 0);
		assert_int_equal(rec.offset, off);
		assert_int_equal(br_capfile_next(c, &rec, err, sizeof(err)), 0);
		br_capfile_close(c);
	}
}

/* pcapng: interfaces of different link types, a second section. */
static void test_pcapng_interfaces(void **state)
{
	static const uint32_t want_lt[] = { BR_LT_SLL2, BR_LT_RAW, BR_LT_SLL2,
					    BR_LT_NULL };
	uint8_t f[BR_FRAME_MAX];
	size_t len = udp4(f, sizeof(f)), i;
	struct buf w = { .big = false };
	struct buf skip = { .big = false };
	struct br_capfile *c;
	struct br_record rec;
	char err[256];

	(void)state;
	ng_shb(&w);
	ng_idb(&w, BR_LT_SLL2, 9, 0);
	ng_idb(&w, BR_LT_RAW, 0, 0);
	ng_epb(&w, 0, 1, f, len, len);
	p32(&skip, 0);
	ng_block(&w, 4, &skip); /* name resolution, read past */
	ng_epb(&w, 1, 2, f, len, len);
	ng_epb(&w, 0, 3, f, len, len);
	w.big = true; /* a new section, big-endian: interfaces start over */
	ng_shb(&w);
	ng_idb(&w, BR_LT_NULL, 9, 0);
	ng_epb(&w, 0, 4, f, len, len);
	save(&w, w.n);
	assert_int_equal(br_capfile_open(tmp_path, &c, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(br_capfile_next(c, &rec, err, sizeof(err)), 1);
		assert_int_equal(rec.linktype, want_lt[i]);
		assert_int_equal(rec.number, i + 1);
		assert_memory_equal(rec.data, f, len);
	}
	assert_int_equal(br_capfile_next(c, &rec, err, sizeof(err)), 0);
	br_capfile_close(c);
}

/* ---- capture files: damage -------------------------------------------- */

enum damage { CUT, BIG_CAPLEN, BAD_TAIL, BAD_IFACE };

static const struct damage_case {
	const char *what;
	bool ng;
	enum damage how;
	long at;	 /* CUT: bytes kept, from the end when negative */
	int open_rc;	 /* br_capfile_open's */
	int frames;	 /* good frames before the error */
	int rc;		 /* then br_capfile_next's */
	const char *msg; /* the message, from its start */
} damage_cases[] = {
	{ "pcap: file header cut", false, CUT, 10, -EINVAL, 0, 0,
	  "cut short in its file header (10 of 24 bytes)" },
	{ "pcap: empty", false, CUT, 0, -EINVAL, 0, 0,
	  "not a pcap or pcapng file (0 bytes)" },
	/* records of 16 + 46 bytes: frame 3's starts at 24 + 2 * 62 = 148 */
	{ "pcap: record header of frame 3 cut", false, CUT, -(46 + 6), 0, 2,
	  -EBADMSG,
	  "cut short at byte offset 148, in frame 3: its record header needs "
	  "16 bytes, 10 are there" },
	{ "pcap: frame 3's data cut", false, CUT, -20, 0, 2, -EBADMSG,
	  "cut short at byte offset 148, in frame 3: its record needs 62 "
	  "bytes, 42 are there" },
	{ "pcap: frame 1 claims 1 MB", false, BIG_CAPLEN, 0, 0, 0, -EBADMSG,
	  "damaged at byte offset 24: frame 1 claims 1048576 captured bytes" },
	/*
	 * a section header of 28 bytes, an interface of 20, blocks of 80:
	 * frame 3's starts at 28 + 20 + 2 * 80 = 208
	 */
	{ "pcapng: a block header cut", true, CUT, -76, 0, 2, -EBADMSG,
	  "cut short at byte offset 208, in the header of a block (4 of 8 "
	  "bytes there), after frame 2" },
	{ "pcapng: frame 3's block cut", true, CUT, -1, 0, 2, -EBADMSG,
	  "cut short at byte offset 208, in frame 3: its block needs 80 "
	  "bytes, 79 are there" },
	{ "pcapng: a block's lengths differ", true, BAD_TAIL, 0, 0, 2, -EBADMSG,
	  "damaged at byte offset 208: a block (type 0x6) of 80 bytes ends "
	  "with the length 81, after frame 2" },
	{ "pcapng: frame 3 names interface 7", true, BAD_IFACE, 0, 0, 2,
	  -EBADMSG,
	  "damaged at byte offset 208: frame 3 names interface 7, its "
	  "section describes 1" },
};

static void test_damage(void **state)
{
	uint8_t f[BR_FRAME_MAX];
	size_t len = udp4(f, sizeof(f)), i, n;
	struct br_capfile *c;
	struct br_record rec;
	char err[256];
	int k, rc;

	(void)state;
	assert_int_equal(len, 46);
	for (i = 0; i < sizeof(damage_cases) / sizeof(damage_cases[0]); i++) {
		const struct damage_case *d = &damage_cases[i];
		struct buf w = { .big = false };

		if (d->ng) {
			ng_shb(&w);
			ng_idb(&w, BR_LT_ETHERNET, 0, 0);
			for (k = 0; k < 3; k++)
				ng_epb(&w,
				       k == 2 && d->how == BAD_IFACE ? 7 : 0, k,
				       f, len, len);
			if (d->how == BAD_TAIL)
				w.b[w.n - 4]++;
		} else {
			pcap_header(&w, false, BR_LT_ETHERNET);
			for (k = 0; k < 3; k++)
				pcap_record(&w, k, 0, f, len, len);
			if (d->how == BIG_CAPLEN)
				memcpy(w.b + 24 + 8, "\x00\x00\x10\x00", 4);
		}
		n = d->how != CUT ? w.n
		    : d->at < 0	  ? w.n + d->at
				  : (size_t)d->at;
		save(&w, n);
		err[0] = 0;
		rc = br_capfile_open(tmp_path, &c, err, sizeof(err));
		if (rc != d->open_rc)
			fail_msg("%s: open %d, want %d (%s)", d->what, rc,
				 d->open_rc, err);
		if (!rc) {
			for (k = 0; k < d->frames; k++)
				assert_int_equal(br_capfile_next(c, &rec, err,
								 sizeof(err)),
						 1);
			rc = br_capfile_next(c, &rec, err, sizeof(err));
			if (rc != d->rc)
				fail_msg("%s: %d, want %d (%s)", d->what, rc,
					 d->rc, err);
			/* and nothing after */
			assert_int_equal(
				br_capfile_next(c, &rec, err, sizeof(err)), 0);
			br_capfile_close(c);
		}
		if (strncmp(err, d->msg, strlen(d->msg)))
			fail_msg("%s: \"%s\", want \"%s...\"", d->what, err,
				 d->msg);
	}
}

/* ---- link layers ------------------------------------------------------ */

static const uint8_t ip4[] = { 0x45, 0, 0, 20, [19] = 0 };
static const uint8_t ip6[] = { 0x60, 0, 0, 0, 0, 0, 59, 64, [39] = 0 };

static const struct link_case {
	const char *what;
	uint32_t lt;
	const char *hdr; /* the link header */
	size_t hdr_len;
	const uint8_t *payload;
	size_t payload_len;
	int rc;
	unsigned int want_type;
	const char *want_src; /* the made-up Ethernet source, 6 bytes */
} link_cases[] = {
	{ "SLL, IPv4, a MAC", BR_LT_SLL,
	  "\x00\x04\x00\x01\x00\x06\x02\x00\x00\x00\x00\x02\x00\x00\x08\x00",
	  16, ip4, sizeof(ip4), 0, 0x0800, "\x02\x00\x00\x00\x00\x02" },
	{ "SLL, ARP", BR_LT_SLL,
	  "\x00\x00\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00\x08\x06",
	  16, ip4, sizeof(ip4), 0, 0x0806, "\x02\x00\x00\x00\x00\x01" },
	{ "SLL, no address (tun)", BR_LT_SLL,
	  "\x00\x00\xff\xfe\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x86\xdd",
	  16, ip6, sizeof(ip6), 0, 0x86dd, "\x00\x00\x00\x00\x00\x00" },
	{ "SLL cut in its header", BR_LT_SLL, "\x00\x04\x00\x01\x00\x06", 6,
	  NULL, 0, 0, 0, "\x00\x00\x00\x00\x00\x00" },
	{ "SLL2, IPv6", BR_LT_SLL2,
	  "\x86\xdd\x00\x00\x00\x00\x00\x02\x00\x01\x04\x06\x02\x00\x00\x00"
	  "\x00\x07\x00\x00",
	  20, ip6, sizeof(ip6), 0, 0x86dd, "\x02\x00\x00\x00\x00\x07" },
	{ "raw 101, IPv4", BR_LT_RAW, "", 0, ip4, sizeof(ip4), 0, 0x0800,
	  NULL },
	{ "raw 12, IPv6", BR_LT_DLT_RAW, "", 0, ip6, sizeof(ip6), 0, 0x86dd,
	  NULL },
	{ "raw 14, IPv4", BR_LT_DLT_RAW_BSD, "", 0, ip4, sizeof(ip4), 0, 0x0800,
	  NULL },
	{ "raw, version 5: not IP", BR_LT_RAW, "\x50", 1, NULL, 0, 0, 0, NULL },
	{ "IPv4 228", BR_LT_IPV4, "", 0, ip4, sizeof(ip4), 0, 0x0800, NULL },
	{ "IPv6 229", BR_LT_IPV6, "", 0, ip6, sizeof(ip6), 0, 0x86dd, NULL },
	{ "NULL LE AF_INET", BR_LT_NULL, "\x02\x00\x00\x00", 4, ip4,
	  sizeof(ip4), 0, 0x0800, NULL },
	{ "NULL BE AF_INET", BR_LT_NULL, "\x00\x00\x00\x02", 4, ip4,
	  sizeof(ip4), 0, 0x0800, NULL },
	{ "NULL LE 24 (NetBSD IPv6)", BR_LT_NULL, "\x18\x00\x00\x00", 4, ip6,
	  sizeof(ip6), 0, 0x86dd, NULL },
	{ "NULL BE 28 (FreeBSD IPv6)", BR_LT_NULL, "\x00\x00\x00\x1c", 4, ip6,
	  sizeof(ip6), 0, 0x86dd, NULL },
	{ "NULL LE 30 (macOS IPv6)", BR_LT_NULL, "\x1e\x00\x00\x00", 4, ip6,
	  sizeof(ip6), 0, 0x86dd, NULL },
	{ "LOOP 24", BR_LT_LOOP, "\x00\x00\x00\x18", 4, ip6, sizeof(ip6), 0,
	  0x86dd, NULL },
	{ "LOOP, family 99: not IP", BR_LT_LOOP, "\x00\x00\x00\x63", 4, ip4,
	  sizeof(ip4), 0, 0, NULL },
	{ "Ethernet as it is", BR_LT_ETHERNET, "", 0, NULL, 0, 0, 0, NULL },
	{ "USER0: not read", 147, "", 0, ip4, sizeof(ip4), -EPROTONOSUPPORT, 0,
	  NULL },
};

static void test_link_types(void **state)
{
	uint8_t in[256], out[256 + 14];
	const uint8_t *got;
	size_t i, n, got_len;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		const struct link_case *l = &link_cases[i];

		memcpy(in, l->hdr, l->hdr_len);
		if (l->payload_len)
			memcpy(in + l->hdr_len, l->payload, l->payload_len);
		n = l->hdr_len + l->payload_len;
		rc = br_linktype_to_ether(l->lt, in, n, out, &got, &got_len);
		if (rc != l->rc)
			fail_msg("%s: %d, want %d", l->what, rc, l->rc);
		assert_int_equal(br_linktype_known(l->lt), !l->rc);
		if (rc)
			continue;
		if (l->lt == BR_LT_ETHERNET) {
			assert_ptr_equal(got, in);
			assert_int_equal(got_len, n);
			continue;
		}
		assert_ptr_equal(got, out);
		if ((unsigned int)(got[12] << 8 | got[13]) != l->want_type)
			fail_msg("%s: EtherType 0x%04x, want 0x%04x", l->what,
				 got[12] << 8 | got[13], l->want_type);
		assert_memory_equal(got, "\0\0\0\0\0\0", 6);
		if (l->want_src)
			assert_memory_equal(got + 6, l->want_src, 6);
		if (n >= l->hdr_len && l->payload_len) {
			assert_int_equal(got_len, 14 + l->payload_len);
			assert_memory_equal(got + 14, l->payload,
					    l->payload_len);
		}
	}
}

static void test_link_names(void **state)
{
	static const struct {
		uint32_t lt;
		const char *want;
	} names[] = {
		{ BR_LT_ETHERNET, "Ethernet (1)" },
		{ BR_LT_SLL2, "Linux SLL2 (276)" },
		{ BR_LT_DLT_RAW_BSD, "raw IP (14)" },
		{ BR_LT_LOOP, "OpenBSD loopback LOOP (108)" },
		{ 105, "IEEE802_11 (105)" }, /* libpcap's name */
		{ 70000, "70000" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		br_linktype_text(names[i].lt, buf, sizeof(buf));
		assert_string_equal(buf, names[i].want);
	}
}

/* ---- tunnels ---------------------------------------------------------- */

/*
 * An outer Ethernet + IPv4 (or IPv6) frame with protocol proto around
 * payload; returns its length.
 */
static size_t outer(uint8_t *o, int family, uint8_t proto, uint16_t frag,
		    const uint8_t *payload, size_t n)
{
	size_t hl = family == 6 ? 40 : 20;

	memset(o, 0, 14 + hl);
	o[12] = family == 6 ? 0x86 : 0x08;
	o[13] = family == 6 ? 0xdd : 0x00;
	if (family == 6) {
		o[14] = 0x60;
		o[18] = n >> 8;
		o[19] = n;
		o[20] = proto;
	} else {
		o[14] = 0x45;
		o[16] = (hl + n) >> 8;
		o[17] = hl + n;
		o[20] = frag >> 8;
		o[21] = frag;
		o[23] = proto;
	}
	memcpy(o + 14 + hl, payload, n);
	return 14 + hl + n;
}

static const struct decap_case {
	const char *what;
	int family;
	uint8_t proto; /* 17: UDP to port dport, then hdr; 47: GRE hdr */
	uint16_t dport;
	uint16_t frag;
	const char *hdr; /* the tunnel header (after UDP for VXLAN) */
	size_t hdr_len;
	bool inner_ip; /* the tunnel carries IP, not Ethernet */
	unsigned int kinds;
	uint16_t port; /* a --vxlan-port, 0: none */
	int found;
	enum br_tunnel tunnel;
	int has_id;
	uint32_t id;
} decap_cases[] = {
	{ "VXLAN 4789, VNI 42", 4, 17, 4789, 0,
	  "\x08\x00\x00\x00\x00\x00\x2a\x00", 8, false, BR_DECAP_VXLAN, 0, 1,
	  BR_TUNNEL_VXLAN, 1, 42 },
	{ "VXLAN, I flag clear: no VNI", 4, 17, 4789, 0,
	  "\x00\x00\x00\x00\x00\x00\x2a\x00", 8, false, BR_DECAP_ALL, 0, 1,
	  BR_TUNNEL_VXLAN, 0, 42 },
	{ "VXLAN over IPv6", 6, 17, 4789, 0, "\x08\x00\x00\x00\x00\x01\x00\x00",
	  8, false, BR_DECAP_VXLAN, 0, 1, BR_TUNNEL_VXLAN, 1, 256 },
	{ "UDP 8472, not a VXLAN port", 4, 17, 8472, 0,
	  "\x08\x00\x00\x00\x00\x00\x07\x00", 8, false, BR_DECAP_VXLAN, 0, 0, 0,
	  0, 0 },
	{ "UDP 8472, --vxlan-port 8472", 4, 17, 8472, 0,
	  "\x08\x00\x00\x00\x00\x00\x07\x00", 8, false, BR_DECAP_VXLAN, 8472, 1,
	  BR_TUNNEL_VXLAN, 1, 7 },
	{ "VXLAN, only GRE asked for", 4, 17, 4789, 0,
	  "\x08\x00\x00\x00\x00\x00\x2a\x00", 8, false, BR_DECAP_GRE, 0, 0, 0,
	  0, 0 },
	{ "VXLAN in an IPv4 fragment", 4, 17, 4789, 0x2000,
	  "\x08\x00\x00\x00\x00\x00\x2a\x00", 8, false, BR_DECAP_VXLAN, 0, 0, 0,
	  0, 0 },
	{ "GRE, Ethernet, key and sequence", 4, 47, 0, 0,
	  "\x30\x00\x65\x58\x00\x00\x03\xe9\x00\x00\x00\x01", 12, false,
	  BR_DECAP_GRE, 0, 1, BR_TUNNEL_GRE, 1, 1001 },
	{ "GRE, checksum, IPv4", 4, 47, 0, 0,
	  "\x80\x00\x08\x00\x00\x00\x00\x00", 8, true, BR_DECAP_GRE, 0, 1,
	  BR_TUNNEL_GRE, 0, 0 },
	{ "GRE over IPv6, IPv4", 6, 47, 0, 0, "\x00\x00\x08\x00", 4, true,
	  BR_DECAP_ALL, 0, 1, BR_TUNNEL_GRE, 0, 0 },
	{ "GRE version 1 (PPTP)", 4, 47, 0, 0, "\x30\x01\x88\x0b", 4, false,
	  BR_DECAP_GRE, 0, 0, 0, 0, 0 },
	{ "GRE with routing (RFC 1701)", 4, 47, 0, 0,
	  "\x40\x00\x65\x58\x00\x00\x00\x00", 8, false, BR_DECAP_GRE, 0, 0, 0,
	  0, 0 },
	{ "GRE, a protocol not carried", 4, 47, 0, 0, "\x00\x00\x88\x47", 4,
	  false, BR_DECAP_GRE, 0, 0, 0, 0, 0 },
	{ "GRE, only VXLAN asked for", 4, 47, 0, 0, "\x00\x00\x65\x58", 4,
	  false, BR_DECAP_VXLAN, 0, 0, 0, 0, 0 },
	{ "ERSPAN type I (no header)", 4, 47, 0, 0, "\x00\x00\x88\xbe", 4,
	  false, BR_DECAP_GRE, 0, 1, BR_TUNNEL_ERSPAN, 0, 0 },
	{ "ERSPAN type II, session 5", 4, 47, 0, 0,
	  "\x10\x00\x88\xbe\x00\x00\x00\x01\x10\x00\x00\x05\x00\x00\x00\x00",
	  16, false, BR_DECAP_GRE, 0, 1, BR_TUNNEL_ERSPAN, 1, 5 },
	{ "ERSPAN type II, version 2: not", 4, 47, 0, 0,
	  "\x10\x00\x88\xbe\x00\x00\x00\x01\x20\x00\x00\x05\x00\x00\x00\x00",
	  16, false, BR_DECAP_GRE, 0, 0, 0, 0, 0 },
	{ "ERSPAN type III, session 9", 4, 47, 0, 0,
	  "\x10\x00\x22\xeb\x00\x00\x00\x01\x20\x00\x00\x09\x00\x00\x00\x00"
	  "\x00\x00\x00\x00",
	  20, false, BR_DECAP_GRE, 0, 1, BR_TUNNEL_ERSPAN, 1, 9 },
	{ "ERSPAN type III, platform sub-header", 4, 47, 0, 0,
	  "\x10\x00\x22\xeb\x00\x00\x00\x01\x20\x00\x03\xff\x00\x00\x00\x00"
	  "\x00\x00\x00\x01\x0c\x00\x00\x00\x00\x00\x00\x00",
	  28, false, BR_DECAP_GRE, 0, 1, BR_TUNNEL_ERSPAN, 1, 1023 },
	{ "ERSPAN type III, frame type IP", 4, 47, 0, 0,
	  "\x10\x00\x22\xeb\x00\x00\x00\x01\x20\x00\x00\x09\x00\x00\x00\x00"
	  "\x00\x00\x08\x00",
	  20, true, BR_DECAP_GRE, 0, 1, BR_TUNNEL_ERSPAN, 1, 9 },
};

static void test_decap(void **state)
{
	uint8_t inner[BR_FRAME_MAX], p[BR_FRAME_MAX + 64],
		f[BR_FRAME_MAX + 128];
	uint8_t made[sizeof(f)];
	size_t inner_len = udp4(inner, sizeof(inner)), n, len, i, out_len;
	const uint8_t *out;
	struct br_decap d;
	int found;

	(void)state;
	for (i = 0; i < sizeof(decap_cases) / sizeof(decap_cases[0]); i++) {
		const struct decap_case *c = &decap_cases[i];
		struct br_decap_opts o = { .kinds = c->kinds };
		const uint8_t *carried = c->inner_ip ? inner + 14 : inner;
		size_t carried_len = c->inner_ip ? inner_len - 14 : inner_len;

		if (c->port) {
			o.vxlan_ports[0] = BR_VXLAN_PORT;
			o.vxlan_ports[1] = c->port;
			o.n_vxlan_ports = 2;
		}
		n = 0;
		if (c->proto == 17) { /* UDP: ports, length, no checksum */
			memset(p, 0, 8);
			p[0] = 0xd4, p[1] = 0x31;
			p[2] = c->dport >> 8, p[3] = c->dport;
			n = 8;
		}
		memcpy(p + n, c->hdr, c->hdr_len);
		n += c->hdr_len;
		memcpy(p + n, carried, carried_len);
		n += carried_len;
		if (c->proto == 17) {
			p[4] = n >> 8;
			p[5] = n;
		}
		len = outer(f, c->family, c->proto, c->frag, p, n);
		found = br_decap_find(&o, f, len, &d);
		if (found != c->found)
			fail_msg("%s: found %d, want %d", c->what, found,
				 c->found);
		if (!found)
			continue;
		assert_int_equal(d.tunnel, c->tunnel);
		assert_int_equal(d.has_id, c->has_id);
		if (c->has_id)
			assert_int_equal(d.id, c->id);
		assert_int_equal(d.end, len);
		br_decap_frame(&d, f, made, &out, &out_len);
		/* the inner frame, whole; an IP one given Ethernet */
		assert_int_equal(out_len, inner_len);
		if (c->inner_ip) {
			assert_ptr_equal(out, made);
			assert_memory_equal(out + 12, inner + 12,
					    inner_len - 12);
		} else {
			assert_memory_equal(out, inner, inner_len);
		}
	}
}

/* ---- what br_pcap_next tells of a frame -------------------------------- */

/* A TCP segment of n payload bytes, IPv4 or IPv6, as packet.c builds it. */
static size_t segment(uint8_t *f, size_t cap, int family, size_t n)
{
	static uint8_t payload[1400];
	struct br_ends e = {
		.family = family,
		.client = { 198, 18, 0, 2 },
		.server = { 198, 19, 0, 1 },
		.cport = 40000,
		.sport = 443,
	};

	if (family == 6) {
		memset(e.client, 0, 16);
		memset(e.server, 0, 16);
		e.client[0] = e.server[0] = 0x20;
		e.client[15] = 2;
		e.server[15] = 1;
	}
	return br_pkt_tcp(f, cap, &e, BR_DIR_UP, BR_TCP_ACK, 1, 1, payload, n);
}

enum edit { NONE, V4_LEN, V6_LEN, V4_LEN0, ARP };

static const struct flag_case {
	const char *what;
	int family;
	size_t payload;
	enum edit edit;
	unsigned int edit_to; /* the IP length written */
	long cut;	      /* bytes captured less than the frame's */
	long wire_more;	      /* bytes on the wire past the frame */
	unsigned int want;    /* BR_FRAME_* */
	size_t want_claim, want_held;
} flag_cases[] = {
	{ "whole", 4, 100, NONE, 0, 0, 0, 0, 0, 0 },
	{ "captured short, IP incomplete", 4, 100, NONE, 0, 40, 0,
	  BR_FRAME_SHORT | BR_FRAME_INCOMPLETE, 0, 0 },
	{ "IPv6 captured short, IP incomplete", 6, 100, NONE, 0, 1, 0,
	  BR_FRAME_SHORT | BR_FRAME_INCOMPLETE, 0, 0 },
	{ "FCS not captured: IP whole", 4, 100, NONE, 0, 0, 4, BR_FRAME_SHORT,
	  0, 0 },
	{ "short, not IP", 4, 100, ARP, 0, 10, 0,
	  BR_FRAME_SHORT | BR_FRAME_INCOMPLETE, 0, 0 },
	{ "IPv4 length claims 4000", 4, 100, V4_LEN, 4000, 0, 0,
	  BR_FRAME_IP_LIE, 4000, 20 + 32 + 100 },
	{ "IPv4 length claims 1 more", 4, 100, V4_LEN, 20 + 32 + 101, 0, 0,
	  BR_FRAME_IP_LIE, 153, 152 },
	{ "IPv6 payload length claims 40 more", 6, 100, V6_LEN, 32 + 140, 0, 0,
	  BR_FRAME_IP_LIE, 40 + 172, 40 + 132 },
	{ "IPv4 length 0 (TSO): no claim", 4, 100, V4_LEN0, 0, 0, 0, 0, 0, 0 },
	{ "IPv4 length shorter (padding follows)", 4, 100, V4_LEN, 60, 0, 0, 0,
	  0, 0 },
};

static void test_frame_flags(void **state)
{
	uint8_t f[4096];
	struct br_pcap_writer *w;
	struct br_pcap_reader *r;
	struct br_pcap_stats st;
	struct br_frame fr;
	size_t len, i;
	char err[256];

	(void)state;
	for (i = 0; i < sizeof(flag_cases) / sizeof(flag_cases[0]); i++) {
		const struct flag_case *c = &flag_cases[i];

		len = segment(f, sizeof(f), c->family, c->payload);
		switch (c->edit) {
		case V4_LEN:
		case V4_LEN0:
			f[16] = c->edit_to >> 8;
			f[17] = c->edit_to;
			break;
		case V6_LEN:
			f[18] = c->edit_to >> 8;
			f[19] = c->edit_to;
			break;
		case ARP:
			f[12] = 0x08;
			f[13] = 0x06;
			break;
		default:
			break;
		}
		assert_int_equal(br_pcap_create(tmp_path, &w), 0);
		assert_int_equal(br_pcap_write_short(w, 1, f, len - c->cut,
						     len + c->wire_more, NULL),
				 0);
		assert_int_equal(br_pcap_close(w), 0);
		assert_int_equal(
			br_pcap_open(tmp_path, NULL, &r, err, sizeof(err)), 0);
		assert_int_equal(br_pcap_next(r, &fr), 1);
		if (fr.flags != c->want)
			fail_msg("%s: flags 0x%x, want 0x%x", c->what, fr.flags,
				 c->want);
		assert_int_equal(fr.len, len - c->cut);
		assert_int_equal(fr.wire_len, len + c->wire_more);
		if (c->want & BR_FRAME_IP_LIE) {
			assert_int_equal(fr.ip_claim, c->want_claim);
			assert_int_equal(fr.ip_held, c->want_held);
		}
		br_pcap_stats(r, &st);
		assert_int_equal(st.short_frames, !!(c->want & BR_FRAME_SHORT));
		assert_int_equal(st.incomplete,
				 !!(c->want & BR_FRAME_INCOMPLETE));
		assert_int_equal(st.ip_lies, !!(c->want & BR_FRAME_IP_LIE));
		assert_int_equal(st.oversize, 0);
		br_pcap_close_reader(r);
	}
}

/* Through br_pcap_next: a made-up header, a tunnel taken off. */
static void test_reader_pipeline(void **state)
{
	static const uint8_t sll[16] = { 0, 4, 0, 1, 0, 6, 2,	 0,
					 0, 0, 0, 9, 0, 0, 0x08, 0x00 };
	static const uint8_t vxlan[8] = { 0x08, 0, 0, 0, 0, 0, 42, 0 };
	struct br_pcap_opts o = { .decap = { .kinds = BR_DECAP_VXLAN } };
	uint8_t f[BR_FRAME_MAX], p[BR_FRAME_MAX + 64], t[BR_FRAME_MAX + 128];
	size_t len = udp4(f, sizeof(f)), n;
	struct buf w = { .big = false };
	struct br_pcap_reader *r;
	struct br_pcap_stats st;
	struct br_frame fr;
	char err[256];

	(void)state;
	/* frame 1: SLL; frame 2: VXLAN in Ethernet, 4 bytes not captured */
	ng_shb(&w);
	ng_idb(&w, BR_LT_SLL, 0, 0);
	ng_idb(&w, BR_LT_ETHERNET, 0, 0);
	memcpy(p, sll, 16);
	memcpy(p + 16, f + 14, len - 14);
	ng_epb(&w, 0, 1, p, len + 2, len + 2);
	memset(p, 0, 8);
	p[2] = 0x12, p[3] = 0xb5; /* 4789 */
	memcpy(p + 8, vxlan, 8);
	memcpy(p + 16, f, len);
	p[4] = (16 + len) >> 8;
	p[5] = 16 + len;
	n = outer(t, 4, 17, 0, p, 16 + len);
	ng_epb(&w, 1, 2, t, n, n + 4);
	save(&w, w.n);

	assert_int_equal(br_pcap_open(tmp_path, &o, &r, err, sizeof(err)), 0);
	assert_string_equal(br_pcap_format(r), "pcapng");
	assert_int_equal(br_pcap_next(r, &fr), 1);
	assert_int_equal(fr.flags, BR_FRAME_LINK_MADE);
	assert_int_equal(fr.linktype, BR_LT_SLL);
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data + 6, "\x02\x00\x00\x00\x00\x09", 6);
	assert_memory_equal(fr.data + 12, f + 12, len - 12);
	assert_int_equal(br_pcap_next(r, &fr), 1);
	assert_int_equal(fr.number, 2);
	assert_int_equal(fr.decap.tunnel, BR_TUNNEL_VXLAN);
	assert_int_equal(fr.decap.id, 42);
	assert_int_equal(fr.len, len);
	assert_memory_equal(fr.data, f, len);
	/* the inner frame is whole: the 4 bytes missing were the outer's */
	assert_int_equal(fr.flags, BR_FRAME_SHORT);
	assert_int_equal(fr.wire_len, len + 4);
	assert_int_equal(br_pcap_next(r, &fr), 0);
	br_pcap_stats(r, &st);
	assert_int_equal(st.n_links, 2);
	assert_int_equal(st.links[0].linktype, BR_LT_SLL);
	assert_int_equal(st.links[1].linktype, BR_LT_ETHERNET);
	assert_int_equal(st.decap[BR_TUNNEL_VXLAN], 1);
	br_pcap_close_reader(r);

	/* a link type replay does not read: the frame and the type named */
	w.n = 0;
	pcap_header(&w, false, 147);
	pcap_record(&w, 1, 0, f, len, len);
	save(&w, w.n);
	assert_int_equal(br_pcap_open(tmp_path, NULL, &r, err, sizeof(err)), 0);
	assert_int_equal(br_pcap_next(r, &fr), -EPROTONOSUPPORT);
	assert_string_equal(
		br_pcap_error(r),
		"frame 1 (byte offset 24): link type 147 is not one "
		"replay reads (Ethernet, Linux SLL and SLL2, raw "
		"IP, NULL, LOOP)");
	br_pcap_close_reader(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timestamps, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_pcapng_interfaces,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_damage, tmp_setup,
						tmp_teardown),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_link_names),
		cmocka_unit_test(test_decap),
		cmocka_unit_test_setup_teardown(test_frame_flags, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_reader_pipeline, tmp_setup,
						tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
