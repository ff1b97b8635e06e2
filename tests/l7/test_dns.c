/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_dns.c - bpf/dns.h on the host, under ASan/UBSan.
 *
 * Queries are real: captured from dig 9.18 and kdig 3.2 (Debian 12) sending
 * to a UDP socket that only recorded them. Malformed queries are built from
 * them or by hand, one table row each. The forged answers are read back by
 * decode_msg() below, a plain RFC 1035 decoder that shares no code with
 * dns.h (it follows compression pointers, which dns.h never reads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* ---- captured queries ------------------------------------------------- */

/* dig example.com A (EDNS, cookie) */
static const __u8 dig_a[] = {
	0x4a, 0x50, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x14, 0x94, 0xa2, 0x47,
	0x82, 0xb2, 0xd2, 0x11,
};

/* dig example.com AAAA +noedns */
static const __u8 dig_aaaa_noedns[] = {
	0x37, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x1c, 0x00, 0x01,
};

/* dig www.Example.COM HTTPS */
static const __u8 dig_https_mixed_case[] = {
	0xb5, 0x56, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x43, 0x4f, 0x4d, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08,
	0xa4, 0x1e, 0xaf, 0xb8, 0x7d, 0x43, 0xda, 0x91,
};

/* dig example.com MX +nocookie */
static const __u8 dig_mx_nocookie[] = {
	0x9e, 0x81, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* dig example.com TXT +noedns +norec */
static const __u8 dig_txt_norec[] = {
	0xd2, 0x8f, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x10, 0x00, 0x01,
};

/* dig . NS +noedns */
static const __u8 dig_root_ns[] = {
	0x3f, 0x92, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x01,
};

/* kdig example.com A */
static const __u8 kdig_a[] = {
	0x9f, 0xb1, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01,
};

/* kdig WWW.EXAMPLE.ORG AAAA +edns +nsid */
static const __u8 kdig_aaaa_nsid[] = {
	0xb4, 0xc0, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x29,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00,
};

/* kdig example.com HTTPS +cookie */
static const __u8 kdig_https_cookie[] = {
	0x39, 0x85, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 0x28, 0x22, 0x08, 0x45,
	0xfa, 0x2a, 0xfb, 0xfe,
};

/* dig example.com A +dnssec +nocookie */
static const __u8 dig_a_dnssec[] = {
	0xcf, 0x02, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00,
};

/* kdig example.com A +padding=128 */
static const __u8 kdig_a_padding[] = {
	0x74, 0x9a, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x84, 0x00, 0x0c, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

/* dig <63 x a>.example.com A +noedns */
static const __u8 dig_label63[] = {
	0xe0, 0x6c, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x3f, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* dig <63a>.<63a>.<63a>.<61b> A +noedns */
static const __u8 dig_name255[] = {
	0x03, 0xaa, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x3f, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x3f, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x3f, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
	0x3d, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* ---- helpers ---------------------------------------------------------- */

#define CHECK(what, cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg("%s: %s (line %d)", what, #cond, __LINE__);   \
	} while (0)

/* The query in a zeroed scratch buffer of the size the dataplane uses. */
static __u8 *scratch_of(const __u8 *pkt, __u32 len)
{
	__u8 *buf = calloc(1, BR_L7_SCRATCH);

	assert_non_null(buf);
	assert_true(len <= BR_L7_SCRATCH);
	memcpy(buf, pkt, len);
	return buf;
}

/* Header + wire name + QTYPE/QCLASS, counts given: a hand-built query. */
static __u32 build_query(__u8 *buf, __u16 flags, __u16 qd, __u16 an,
			 __u16 ar, const void *wire, __u32 wire_len,
			 __u16 qtype)
{
	__u8 hdr[12] = {0xbe, 0xef, flags >> 8, flags & 0xff, qd >> 8,
			qd & 0xff, an >> 8, an & 0xff, 0, 0, ar >> 8,
			ar & 0xff};

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 12, wire, wire_len);
	buf[12 + wire_len] = qtype >> 8;
	buf[13 + wire_len] = qtype & 0xff;
	buf[14 + wire_len] = 0;
	buf[15 + wire_len] = 1;
	return 16 + wire_len;
}

/* n labels of label_len 'x' bytes: the wire form, root label included. */
static __u32 wire_labels(__u8 *wire, __u32 n, __u32 label_len)
{
	__u32 i, off = 0;

	for (i = 0; i < n; i++) {
		wire[off++] = label_len;
		memset(wire + off, 'x', label_len);
		off += label_len;
	}
	wire[off++] = 0;
	return off;
}

/* ---- an independent decoder ------------------------------------------- */

struct rr {
	char name[512];
	__u16 type, cls;
	__u32 ttl;
	__u16 rdlen;
	const __u8 *rdata;
};

struct msg {
	__u16 id, flags, qd, an, ns, ar;
	char qname[512];
	__u16 qtype, qclass;
	__u32 question_end;
	struct rr an_rr, ar_rr;
};

static int get16(const __u8 *p, __u32 len, __u32 *off, __u16 *v)
{
	if (*off + 2 > len)
		return -1;
	*v = p[*off] << 8 | p[*off + 1];
	*off += 2;
	return 0;
}

/* Dotted text ("." for the root), following at most 16 pointers. */
static int read_name(const __u8 *p, __u32 len, __u32 *off, char *out)
{
	__u32 pos = *off, hops = 0, o = 0;
	int jumped = 0;

	for (;;) {
		if (pos >= len)
			return -1;
		if ((p[pos] & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > 16)
				return -1;
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = (p[pos] & 0x3f) << 8 | p[pos + 1];
			continue;
		}
		if (p[pos] & 0xc0)
			return -1;
		if (!p[pos])
			break;
		if (pos + 1 + p[pos] > len || o + p[pos] + 2 > 500)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, p + pos + 1, p[pos]);
		o += p[pos];
		pos += 1 + p[pos];
	}
	if (!jumped)
		*off = pos + 1;
	if (!o)
		out[o++] = '.';
	out[o] = 0;
	return 0;
}

static int read_rr(const __u8 *p, __u32 len, __u32 *off, struct rr *rr)
{
	__u16 hi, lo;

	if (read_name(p, len, off, rr->name) || get16(p, len, off, &rr->type) ||
	    get16(p, len, off, &rr->cls) || get16(p, len, off, &hi) ||
	    get16(p, len, off, &lo) || get16(p, len, off, &rr->rdlen))
		return -1;
	rr->ttl = (__u32)hi << 16 | lo;
	if (*off + rr->rdlen > len)
		return -1;
	rr->rdata = p + *off;
	*off += rr->rdlen;
	return 0;
}

/* 0 if p[0, len) is exactly one message of at most one record a section. */
static int decode_msg(const __u8 *p, __u32 len, struct msg *m)
{
	__u32 off = 0;

	memset(m, 0, sizeof(*m));
	if (get16(p, len, &off, &m->id) || get16(p, len, &off, &m->flags) ||
	    get16(p, len, &off, &m->qd) || get16(p, len, &off, &m->an) ||
	    get16(p, len, &off, &m->ns) || get16(p, len, &off, &m->ar))
		return -1;
	if (m->qd != 1 || m->an > 1 || m->ns || m->ar > 1)
		return -1;
	if (read_name(p, len, &off, m->qname) ||
	    get16(p, len, &off, &m->qtype) || get16(p, len, &off, &m->qclass))
		return -1;
	m->question_end = off;
	if (m->an && read_rr(p, len, &off, &m->an_rr))
		return -1;
	if (m->ar && read_rr(p, len, &off, &m->ar_rr))
		return -1;
	return off == len ? 0 : -1;
}

/* ---- parsing: real queries -------------------------------------------- */

struct real_case {
	const char *what;
	const __u8 *pkt;
	__u32 len;
	const char *name;
	__u16 qtype;
	__u16 opt_len; /* 0: no OPT record */
};

#define REAL(pkt, name, qtype, opt_len) \
	{ #pkt, pkt, sizeof(pkt), name, qtype, opt_len }

static const char a63[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char b61[] =
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static char name255_text[256];
static char label63_text[128];

static const struct real_case real_cases[] = {
	REAL(dig_a, "example.com", 1, 23),
	REAL(dig_aaaa_noedns, "example.com", 28, 0),
	REAL(dig_https_mixed_case, "www.example.com", 65, 23),
	REAL(dig_mx_nocookie, "example.com", 15, 11),
	REAL(dig_txt_norec, "example.com", 16, 0),
	REAL(dig_root_ns, "", 2, 0),
	REAL(kdig_a, "example.com", 1, 0),
	REAL(kdig_aaaa_nsid, "www.example.org", 28, 15),
	REAL(kdig_https_cookie, "example.com", 65, 23),
	REAL(dig_a_dnssec, "example.com", 1, 11),
	REAL(kdig_a_padding, "example.com", 1, 143),
	REAL(dig_label63, label63_text, 1, 0),
	REAL(dig_name255, name255_text, 1, 0),
};

#define N_REAL (sizeof(real_cases) / sizeof(real_cases[0]))

static int setup_names(void **state)
{
	(void)state;
	snprintf(label63_text, sizeof(label63_text), "%s.example.com", a63);
	snprintf(name255_text, sizeof(name255_text), "%s.%s.%s.%s", a63, a63,
		 a63, b61);
	return 0;
}

static void test_real_queries(void **state)
{
	struct br_dns_query q;
	__u32 i;

	(void)state;
	for (i = 0; i < N_REAL; i++) {
		const struct real_case *c = &real_cases[i];
		__u8 *buf = scratch_of(c->pkt, c->len);
		__u32 name_len = strlen(c->name);

		memset(&q, 0xa5, sizeof(q));
		CHECK(c->what, br_dns_parse(buf, c->len, &q) == BR_DNS_QUERY);
		CHECK(c->what, q.id == (c->pkt[0] << 8 | c->pkt[1]));
		CHECK(c->what, q.flags == (c->pkt[2] << 8 | c->pkt[3]));
		CHECK(c->what, q.name_len == name_len);
		CHECK(c->what, !memcmp(q.name, c->name, name_len + 1));
		CHECK(c->what, q.qtype == c->qtype);
		CHECK(c->what, q.qclass == BR_DNS_CLASS_IN);
		/* the question: header, wire name (text + 2), QTYPE, QCLASS */
		CHECK(c->what, q.question_end ==
				       12 + (name_len ? name_len + 2 : 1) + 4);
		CHECK(c->what, q.opt_len == c->opt_len);
		CHECK(c->what, q.opt_off == (c->opt_len ? q.question_end : 0));
		CHECK(c->what, q.question_end + q.opt_len == c->len);
		free(buf);
	}
}

/* The 255-byte name, 63-byte labels and label counts, read exactly. */
static void test_limits(void **state)
{
	struct br_dns_query q;
	__u8 wire[300], buf[BR_L7_SCRATCH];
	__u32 len, wl;

	(void)state;
	CHECK("name255", br_dns_parse(dig_name255, sizeof(dig_name255), &q) ==
				 BR_DNS_QUERY);
	CHECK("name255", q.name_len == 253 && q.n_labels == 4);

	/* 127 one-byte labels: 255 bytes, the most labels a name can have */
	wl = wire_labels(wire, 127, 1);
	assert_int_equal(wl, 255);
	len = build_query(buf, 0x0100, 1, 0, 0, wire, wl, 1);
	CHECK("127 labels", br_dns_parse(buf, len, &q) == BR_DNS_QUERY);
	CHECK("127 labels", q.n_labels == 127 && q.name_len == 253);
	CHECK("127 labels", q.name[0] == 'x' && q.name[1] == '.' &&
				    q.name[252] == 'x' && q.name[253] == 0);

	/* one label more, or one byte more, is over 255 */
	wl = wire_labels(wire, 128, 1);
	len = build_query(buf, 0x0100, 1, 0, 0, wire, wl, 1);
	CHECK("128 labels", br_dns_parse(buf, len, &q) == BR_DNS_MALFORMED);
	wl = wire_labels(wire, 4, 63); /* 4 * 64 + 1 = 257 */
	len = build_query(buf, 0x0100, 1, 0, 0, wire, wl, 1);
	CHECK("257 bytes", br_dns_parse(buf, len, &q) == BR_DNS_MALFORMED);
	wl = wire_labels(wire, 3, 63);	/* 193 */
	wire[wl - 1] = 62;		/* a 62-byte fourth label: 256 */
	memset(wire + wl, 'y', 62);
	wire[wl + 62] = 0;
	len = build_query(buf, 0x0100, 1, 0, 0, wire, wl + 63, 1);
	CHECK("256 bytes", br_dns_parse(buf, len, &q) == BR_DNS_MALFORMED);
	wire[wl - 1] = 61;		/* 255 again */
	wire[wl + 61] = 0;
	len = build_query(buf, 0x0100, 1, 0, 0, wire, wl + 62, 1);
	CHECK("255 bytes", br_dns_parse(buf, len, &q) == BR_DNS_QUERY);
	CHECK("255 bytes", q.name_len == 253);
}

/* ---- parsing: malformed and other messages ----------------------------- */

struct bad_case {
	const char *what;
	const void *pkt;
	__u32 len;
	int status;
};

#define HDR(flags, qd, an, ar) \
	"\xbe\xef" flags "\x00" qd "\x00" an "\x00\x00\x00" ar
#define Q_HDR HDR("\x01\x00", "\x01", "\x00", "\x00")
#define TAIL "\x00\x01\x00\x01" /* QTYPE A, QCLASS IN */
#define A16 "aaaaaaaaaaaaaaaa"
#define BAD(what, lit, status) { what, lit, sizeof(lit) - 1, status }

static const struct bad_case bad_cases[] = {
	BAD("empty", "", BR_DNS_MALFORMED),
	BAD("11-byte header", "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00",
	    BR_DNS_MALFORMED),
	BAD("header, no question", Q_HDR, BR_DNS_MALFORMED),
	BAD("label runs past the end", Q_HDR "\x07" "exa", BR_DNS_MALFORMED),
	BAD("no root label", Q_HDR "\x03" "com", BR_DNS_MALFORMED),
	BAD("no QTYPE", Q_HDR "\x03" "com\x00", BR_DNS_MALFORMED),
	BAD("half a QCLASS", Q_HDR "\x03" "com\x00\x00\x01\x00",
	    BR_DNS_MALFORMED),
	BAD("pointer as the name", Q_HDR "\xc0\x0c" TAIL, BR_DNS_MALFORMED),
	BAD("pointer after a label", Q_HDR "\x03www\xc0\x0c" TAIL,
	    BR_DNS_MALFORMED),
	BAD("extended label type 0x40", Q_HDR "\x41" "a" TAIL,
	    BR_DNS_MALFORMED),
	BAD("0x41 read as a 65-byte label", Q_HDR "\x41" A16 A16 A16 A16 "a"
	    "\x00" TAIL, BR_DNS_MALFORMED),
	BAD("label type 0x80", Q_HDR "\x81" "a" TAIL, BR_DNS_MALFORMED),
	BAD("QDCOUNT 0", HDR("\x01\x00", "\x00", "\x00", "\x00")
	    "\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("QDCOUNT 2", HDR("\x01\x00", "\x02", "\x00", "\x00")
	    "\x03" "com\x00" TAIL "\x03" "org\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("QDCOUNT 256", "\xbe\xef\x01\x00\x01\x00\x00\x00\x00\x00"
	    "\x00\x00\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("a response (QR 1)", HDR("\x81\x80", "\x01", "\x00", "\x00")
	    "\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("opcode STATUS", HDR("\x11\x00", "\x01", "\x00", "\x00")
	    "\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("opcode NOTIFY", HDR("\x20\x00", "\x01", "\x00", "\x00")
	    "\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("opcode UPDATE", HDR("\x28\x00", "\x01", "\x00", "\x00")
	    "\x03" "com\x00" TAIL, BR_DNS_NOT_QUERY),
	BAD("a response cut short", "\xbe\xef\x81\x80\x00\x01\x00\x01\x00\x00"
	    "\x00\x00\xc0", BR_DNS_NOT_QUERY),
	BAD("a '.' inside a label", Q_HDR "\x07" "exa.ple\x03" "com\x00" TAIL,
	    BR_DNS_UNMATCHABLE),
	BAD("a label that is one '.'", Q_HDR "\x01.\x00" TAIL,
	    BR_DNS_UNMATCHABLE),
	BAD("the empty query, root name", Q_HDR "\x00" TAIL, BR_DNS_QUERY),
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_queries(void **state)
{
	struct br_dns_query q;
	__u32 i;

	(void)state;
	for (i = 0; i < N_BAD; i++) {
		const struct bad_case *c = &bad_cases[i];
		__u8 *buf = scratch_of(c->pkt, c->len);

		/* past len the scratch holds stale bytes, not the query */
		memset(buf + c->len, 0x3f, BR_L7_SCRATCH - c->len);
		CHECK(c->what, br_dns_parse(buf, c->len, &q) == c->status);
		free(buf);
	}
}

/* Every prefix of every real query is cut short: malformed or, with the
 * question whole, a query that lost only (part of) its OPT record. */
static void test_truncations(void **state)
{
	struct br_dns_query q, whole;
	__u32 i, cut;

	(void)state;
	for (i = 0; i < N_REAL; i++) {
		const struct real_case *c = &real_cases[i];

		assert_int_equal(br_dns_parse(c->pkt, c->len, &whole),
				 BR_DNS_QUERY);
		for (cut = 0; cut < c->len; cut++) {
			/* exactly cut bytes: ASan sees any read past len */
			__u8 *buf = malloc(cut ? cut : 1);
			int st;

			assert_non_null(buf);
			memcpy(buf, c->pkt, cut);
			st = br_dns_parse(buf, cut, &q);

			if (cut < whole.question_end) {
				CHECK(c->what, st == BR_DNS_MALFORMED);
			} else {
				CHECK(c->what, st == BR_DNS_QUERY);
				CHECK(c->what, q.opt_off == 0);
				CHECK(c->what, q.question_end ==
						       whole.question_end);
			}
			free(buf);
		}
	}
}

static void test_name_bytes(void **state)
{
	static const char nul[] = Q_HDR "\x03" "a\x00" "b\x03" "com\x00" TAIL;
	static const char high[] =
		Q_HDR "\x04\xc3\x84" "Bz\x02" "AZ\x02@[\x00" TAIL;
	static const char dotted[] = Q_HDR "\x07" "Exa.ple\x03" "com\x00" TAIL;
	struct br_dns_query q;

	(void)state;
	/* a NUL is a byte like any other: name_len, not strlen, ends it */
	assert_int_equal(br_dns_parse((const __u8 *)nul, sizeof(nul) - 1, &q),
			 BR_DNS_QUERY);
	assert_int_equal(q.name_len, 7);
	assert_memory_equal(q.name, "a\0b.com", 8);

	/* only A-Z fold; UTF-8 bytes and the neighbours of A and Z stay */
	assert_int_equal(br_dns_parse((const __u8 *)high, sizeof(high) - 1, &q),
			 BR_DNS_QUERY);
	assert_int_equal(q.name_len, 10);
	assert_memory_equal(q.name, "\xc3\x84" "bz.az.@[", 11);
	assert_int_equal(q.n_labels, 3);

	/* unmatchable, but every field is there for a forged answer */
	assert_int_equal(br_dns_parse((const __u8 *)dotted, sizeof(dotted) - 1,
				      &q),
			 BR_DNS_UNMATCHABLE);
	assert_string_equal(q.name, "exa.ple.com");
	assert_int_equal(q.n_labels, 2);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.question_end, sizeof(dotted) - 1);
}

/* Where the OPT record is and is not looked for. */
static void test_opt(void **state)
{
	static const char opt[] = "\x00\x00\x29\x04\xd0\x00\x00\x00\x00"
				  "\x00\x04\x00\x0a\x00\x00";
	static const char tsig_like[] = "\x00\x00\xfa\x00\xff\x00\x00\x00\x00"
					"\x00\x00";
	static const char named_opt[] = "\x01x\x00\x29\x04\xd0\x00\x00\x00\x00"
					"\x00\x00";
	__u8 buf[BR_L7_SCRATCH], big[2 * BR_L7_SCRATCH];
	struct br_dns_query q;
	__u32 len;

	(void)state;
	len = build_query(buf, 0x0100, 1, 0, 1, "\x03" "com", 5, 1);
	memcpy(buf + len, opt, sizeof(opt) - 1);
	assert_int_equal(br_dns_parse(buf, len + sizeof(opt) - 1, &q),
			 BR_DNS_QUERY);
	assert_int_equal(q.opt_off, len);
	assert_int_equal(q.opt_len, 15);

	/* ARCOUNT 0: the bytes are trailing garbage, not a record */
	buf[11] = 0;
	br_dns_parse(buf, len + sizeof(opt) - 1, &q);
	assert_int_equal(q.opt_off, 0);

	/* an answer record before it: not a shape a stub sends */
	buf[11] = 1;
	buf[7] = 1;
	br_dns_parse(buf, len + sizeof(opt) - 1, &q);
	assert_int_equal(q.opt_off, 0);
	buf[7] = 0;

	/* RDLENGTH past the end */
	assert_int_equal(br_dns_parse(buf, len + sizeof(opt) - 2, &q),
			 BR_DNS_QUERY);
	assert_int_equal(q.opt_off, 0);

	/* another type, or a name that is not the root */
	memcpy(buf + len, tsig_like, sizeof(tsig_like) - 1);
	br_dns_parse(buf, len + sizeof(tsig_like) - 1, &q);
	assert_int_equal(q.opt_off, 0);
	memcpy(buf + len, named_opt, sizeof(named_opt) - 1);
	br_dns_parse(buf, len + sizeof(named_opt) - 1, &q);
	assert_int_equal(q.opt_off, 0);

	/* more than the scratch holds: the caller copied only that much */
	memset(big, 0, sizeof(big));
	memcpy(big, dig_a, sizeof(dig_a));
	assert_int_equal(br_dns_parse(big, sizeof(big), &q), BR_DNS_QUERY);
	assert_int_equal(q.opt_len, 23);
}

/* ---- answers ----------------------------------------------------------- */

static const __u8 sink4[4] = {198, 18, 0, 66};
static const __u8 sink6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			       0, 0, 0, 0, 0, 0, 0, 0x66};

static const char *const kind_name[] = {"NXDOMAIN", "NODATA", "A", "AAAA"};

static int build(__u8 *buf, const struct br_dns_query *q, int kind)
{
	switch (kind) {
	case BR_DNS_ANS_NXDOMAIN:
		return br_dns_build_nxdomain(buf, q);
	case BR_DNS_ANS_NODATA:
		return br_dns_build_nodata(buf, q);
	case BR_DNS_ANS_A:
		return br_dns_build_addr(buf, q, sink4, 4);
	default:
		return br_dns_build_addr(buf, q, sink6, 16);
	}
}

/* Check one forged answer against the query it answers, field by field. */
static void check_answer(const char *what, const __u8 *query, __u32 qlen,
			 const __u8 *resp, int len, int kind)
{
	__u16 qflags = query[2] << 8 | query[3];
	struct br_dns_query q, again;
	struct msg m;

	assert_int_equal(br_dns_parse(query, qlen, &q), BR_DNS_QUERY);
	CHECK(what, len > 0 && (__u32)len == br_dns_response_len(&q, kind));
	CHECK(what, decode_msg(resp, len, &m) == 0);
	CHECK(what, m.id == q.id);
	CHECK(what, m.flags & BR_DNS_QR);
	CHECK(what, !(m.flags & (BR_DNS_OPCODE | BR_DNS_AA | BR_DNS_TC |
				 BR_DNS_AD | 0x0040)));
	CHECK(what, (m.flags & BR_DNS_RD) == (qflags & BR_DNS_RD));
	CHECK(what, !!(m.flags & BR_DNS_RA) == !!(qflags & BR_DNS_RD));
	CHECK(what, (m.flags & BR_DNS_CD) == (qflags & BR_DNS_CD));
	CHECK(what, (m.flags & BR_DNS_RCODE) ==
			    (kind == BR_DNS_ANS_NXDOMAIN ? 3 : 0));

	/* the question, byte for byte as sent (0x20 case included) */
	CHECK(what, m.question_end == q.question_end);
	CHECK(what, !memcmp(resp + 12, query + 12, q.question_end - 12));

	if (kind == BR_DNS_ANS_A || kind == BR_DNS_ANS_AAAA) {
		__u16 alen = kind == BR_DNS_ANS_A ? 4 : 16;

		CHECK(what, m.an == 1);
		CHECK(what, !strcmp(m.an_rr.name, m.qname));
		CHECK(what, resp[q.question_end] == 0xc0 &&
				    resp[q.question_end + 1] == 12);
		CHECK(what, m.an_rr.type == (kind == BR_DNS_ANS_A ? 1 : 28));
		CHECK(what, m.an_rr.cls == 1 && m.an_rr.ttl == 60);
		CHECK(what, m.an_rr.rdlen == alen);
		CHECK(what, !memcmp(m.an_rr.rdata,
				    kind == BR_DNS_ANS_A ? sink4 : sink6,
				    alen));
	} else {
		CHECK(what, m.an == 0);
	}

	CHECK(what, m.ar == (q.opt_off ? 1 : 0));
	if (m.ar) {
		CHECK(what, !strcmp(m.ar_rr.name, "."));
		CHECK(what, m.ar_rr.type == 41 && m.ar_rr.cls == 1232);
		CHECK(what, m.ar_rr.ttl == 0 && m.ar_rr.rdlen == 0);
	}

	/* and to the parser it is no longer a query */
	CHECK(what, br_dns_parse(resp, len, &again) == BR_DNS_NOT_QUERY);
}

static void test_answers(void **state)
{
	struct br_dns_query q;
	char what[96];
	__u32 i;
	int kind, len;

	(void)state;
	for (i = 0; i < N_REAL; i++) {
		const struct real_case *c = &real_cases[i];

		for (kind = BR_DNS_ANS_NXDOMAIN; kind <= BR_DNS_ANS_AAAA;
		     kind++) {
			__u8 *buf = scratch_of(c->pkt, c->len);

			snprintf(what, sizeof(what), "%s %s", c->what,
				 kind_name[kind]);
			assert_int_equal(br_dns_parse(buf, c->len, &q),
					 BR_DNS_QUERY);
			len = build(buf, &q, kind);
			check_answer(what, c->pkt, c->len, buf, len, kind);
			free(buf);
		}
	}
}

/* The one answer br_dns_build_sinkhole picks, per query type and address. */
static void test_sinkhole(void **state)
{
	static const struct {
		const char *what;
		__u16 flags, qtype, qclass;
		int v4, v6;
		int kind;
	} rows[] = {
		{"A, both addresses", 0x0100, 1, 1, 1, 1, BR_DNS_ANS_A},
		{"AAAA, both addresses", 0x0100, 28, 1, 1, 1, BR_DNS_ANS_AAAA},
		{"A, IPv6 sinkhole only", 0x0100, 1, 1, 0, 1, BR_DNS_ANS_NODATA},
		{"AAAA, IPv4 only", 0x0100, 28, 1, 1, 0, BR_DNS_ANS_NODATA},
		{"HTTPS", 0x0100, 65, 1, 1, 1, BR_DNS_ANS_NODATA},
		{"MX", 0x0100, 15, 1, 1, 1, BR_DNS_ANS_NODATA},
		{"TXT", 0x0100, 16, 1, 1, 1, BR_DNS_ANS_NODATA},
		{"ANY", 0x0100, 255, 1, 1, 1, BR_DNS_ANS_NODATA},
		{"A in class CH", 0x0100, 1, 3, 1, 1, BR_DNS_ANS_NODATA},
		{"A, no RD (to an authority)", 0x0000, 1, 1, 1, 1, BR_DNS_ANS_A},
		{"A, RD and CD", 0x0110, 1, 1, 1, 1, BR_DNS_ANS_A},
		{"NODATA, CD and AD", 0x0130, 16, 1, 1, 1, BR_DNS_ANS_NODATA},
	};
	__u8 buf[BR_L7_SCRATCH], query[64];
	struct br_dns_query q;
	__u32 i, qlen;
	int len;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct br_rule r = { .action = BR_ACT_SINKHOLE };

		if (rows[i].v4) {
			r.flags |= BR_RULE_F_SINK4;
			memcpy(r.sink4, sink4, sizeof(r.sink4));
		}
		if (rows[i].v6) {
			r.flags |= BR_RULE_F_SINK6;
			memcpy(r.sink6, sink6, sizeof(r.sink6));
		}

		qlen = build_query(query, rows[i].flags, 1, 0, 0, "\x03" "com",
				   5, rows[i].qtype);
		query[qlen - 1] = rows[i].qclass;
		memcpy(buf, query, qlen);
		assert_int_equal(br_dns_parse(buf, qlen, &q), BR_DNS_QUERY);
		CHECK(rows[i].what,
		      br_dns_sinkhole_kind(&q, &r) == rows[i].kind);
		len = br_dns_build_sinkhole(buf, &q, &r);
		check_answer(rows[i].what, query, qlen, buf, len,
			     rows[i].kind);
	}
}

/* In place: the answer overwrites the query's OPT record, never its
 * question, and grows the payload by at most BR_DNS_MAX_GROWTH. */
static void test_answer_sizes(void **state)
{
	struct br_dns_query q;
	__u32 i;
	int kind, len;

	(void)state;
	for (i = 0; i < N_REAL; i++) {
		const struct real_case *c = &real_cases[i];

		br_dns_parse(c->pkt, c->len, &q);
		for (kind = BR_DNS_ANS_NXDOMAIN; kind <= BR_DNS_ANS_AAAA;
		     kind++) {
			len = br_dns_response_len(&q, kind);
			CHECK(c->what,
			      len <= (int)(c->len + BR_DNS_MAX_GROWTH));
			if (kind <= BR_DNS_ANS_NODATA) /* never grows */
				CHECK(c->what, len <= (int)c->len);
		}
	}
	/* dig's cookie query grows by 4 bytes for an A answer */
	br_dns_parse(dig_a, sizeof(dig_a), &q);
	assert_int_equal(br_dns_response_len(&q, BR_DNS_ANS_A),
			 sizeof(dig_a) + 4);
}

static void test_builders_refuse(void **state)
{
	struct br_dns_query q;
	__u8 buf[BR_L7_SCRATCH];

	(void)state;
	memset(&q, 0, sizeof(q));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(br_dns_build_nxdomain(buf, &q), -1);
	assert_int_equal(br_dns_build_nodata(buf, &q), -1);
	assert_int_equal(br_dns_build_addr(buf, &q, sink4, 4), -1);
	q.question_end = BR_L7_SCRATCH - 10;
	assert_int_equal(br_dns_build_nxdomain(buf, &q), -1);

	memcpy(buf, dig_a, sizeof(dig_a));
	assert_int_equal(br_dns_parse(buf, sizeof(dig_a), &q), BR_DNS_QUERY);
	assert_int_equal(br_dns_build_addr(buf, &q, sink4, 5), -1);
	assert_int_equal(br_dns_build_addr(buf, &q, sink4, 0), -1);
	/* nothing was written */
	assert_memory_equal(buf, dig_a, sizeof(dig_a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_queries),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_name_bytes),
		cmocka_unit_test(test_opt),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_sinkhole),
		cmocka_unit_test(test_answer_sizes),
		cmocka_unit_test(test_builders_refuse),
	};

	return cmocka_run_group_tests(tests, setup_names, NULL);
}
