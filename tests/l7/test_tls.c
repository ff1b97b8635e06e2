/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_tls.c - bpf/tls.h: the SNI of a ClientHello, streamed over segments.
 *
 * Each row is a ClientHello (captured from openssl s_client, or composed by
 * the builder below from a one-letter-per-extension layout) and what the
 * parser must conclude. Every row is fed whole, split in two at every byte
 * offset, in three at a sample of offset pairs, and one byte at a time: the
 * final state must be the same whatever the split (bar the segment count),
 * and "SNI in a later segment" must be set exactly when the name ends past
 * the first segment. Each segment is copied into a buffer of its exact
 * size, so ASan reports any read beyond what was fed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls.h"

/* ---- hellos captured on loopback from openssl 3.0 s_client ------------ */

/* openssl_tls13: 317 bytes */
static const __u8 real_openssl_tls13[] = {
	0x16, 0x03, 0x01, 0x01, 0x38, 0x01, 0x00, 0x01, 0x34, 0x03, 0x03, 0x37,
	0x3b, 0x1d, 0xc8, 0x36, 0x56, 0xec, 0xfb, 0xf8, 0x27, 0x89, 0x57, 0x3a,
	0xd0, 0x34, 0x69, 0x32, 0x8d, 0x43, 0x39, 0x9d, 0x88, 0x20, 0x73, 0xa1,
	0xaa, 0x80, 0x12, 0x14, 0x42, 0x24, 0x6f, 0x20, 0xc4, 0xa5, 0x13, 0xa5,
	0x7e, 0xf5, 0x1e, 0xa9, 0x38, 0x3c, 0xda, 0xa6, 0xbd, 0x51, 0xe2, 0xa1,
	0xdd, 0xb5, 0x45, 0x1d, 0xcd, 0xf6, 0x2f, 0xc4, 0x76, 0xd3, 0x70, 0x1c,
	0x95, 0xda, 0x0c, 0x1a, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xad,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b, 0x00, 0x04,
	0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d,
	0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01,
	0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16,
	0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28,
	0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09,
	0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01,
	0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02,
	0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03,
	0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00,
	0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x34, 0x73, 0xb8,
	0x74, 0x1e, 0x39, 0x37, 0x03, 0x8d, 0xf2, 0xce, 0x8c, 0x7c, 0x8d, 0xae,
	0x99, 0x35, 0x0b, 0xb1, 0x36, 0x61, 0x72, 0xc7, 0x76, 0xe4, 0xd0, 0xa9,
	0xcb, 0x8e, 0xb0, 0x4c, 0x30,
};
/* openssl_tls12_upper: 211 bytes */
static const __u8 real_openssl_tls12_upper[] = {
	0x16, 0x03, 0x01, 0x00, 0xce, 0x01, 0x00, 0x00, 0xca, 0x03, 0x03, 0x78,
	0xa0, 0x25, 0xb8, 0x83, 0x0f, 0x35, 0x26, 0x23, 0xa6, 0x87, 0xc0, 0xf5,
	0x74, 0x46, 0x44, 0x8d, 0x68, 0x4e, 0x6c, 0x33, 0x45, 0x92, 0x7c, 0xe9,
	0x40, 0xe9, 0x7f, 0xcc, 0x7c, 0x8a, 0x21, 0x00, 0x00, 0x38, 0xc0, 0x2c,
	0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23,
	0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09,
	0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
	0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x69, 0x00, 0x00,
	0x00, 0x13, 0x00, 0x11, 0x00, 0x00, 0x0e, 0x50, 0x75, 0x73, 0x68, 0x2e,
	0x41, 0x70, 0x70, 0x6c, 0x65, 0x2e, 0x43, 0x4f, 0x4d, 0x00, 0x0b, 0x00,
	0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00,
	0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00,
	0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00,
	0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08,
	0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08,
	0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03,
	0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
};
/* openssl_nosni: 297 bytes */
static const __u8 real_openssl_nosni[] = {
	0x16, 0x03, 0x01, 0x01, 0x24, 0x01, 0x00, 0x01, 0x20, 0x03, 0x03, 0x9d,
	0xe0, 0x45, 0xc0, 0x2a, 0x41, 0x6c, 0x88, 0x82, 0xc8, 0x3f, 0x21, 0x7b,
	0xe2, 0x48, 0xab, 0x17, 0x53, 0xa7, 0xa7, 0xc7, 0x39, 0x3c, 0xa3, 0x16,
	0xfe, 0x21, 0x56, 0x99, 0x87, 0x77, 0x4f, 0x20, 0x51, 0x06, 0xf2, 0x3b,
	0xe3, 0x2e, 0x8e, 0xa9, 0xcc, 0x6e, 0x4b, 0xd4, 0xff, 0x3a, 0x2b, 0x5f,
	0xc5, 0x86, 0x1d, 0xf1, 0x7a, 0xbd, 0x3d, 0xf1, 0x12, 0xe2, 0x93, 0x26,
	0x72, 0xc5, 0xa9, 0x71, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x99,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09,
	0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0x41, 0xd1, 0x7e, 0xeb, 0x2e, 0x07, 0xa4, 0xb7, 0xf6, 0xa5, 0xe3,
	0xdf, 0xdb, 0x56, 0x01, 0x6e, 0x43, 0x70, 0x08, 0x20, 0x80, 0xc6, 0xa3,
	0xf8, 0xb6, 0xa6, 0x2f, 0x95, 0xac, 0x00, 0xfb, 0x1b,
};
/* openssl_tls10: 128 bytes */
static const __u8 real_openssl_tls10[] = {
	0x16, 0x03, 0x01, 0x00, 0x7b, 0x01, 0x00, 0x00, 0x77, 0x03, 0x01, 0x49,
	0xf5, 0x47, 0x71, 0x6a, 0xd4, 0x33, 0xac, 0x93, 0xfe, 0x56, 0xf3, 0xe3,
	0x37, 0x4c, 0x04, 0xa1, 0xf9, 0x00, 0xad, 0x86, 0x84, 0xe1, 0x1f, 0x4b,
	0xd5, 0x84, 0x14, 0xde, 0x71, 0x1e, 0x9e, 0x00, 0x00, 0x12, 0xc0, 0x0a,
	0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x35,
	0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x14,
	0x00, 0x12, 0x00, 0x00, 0x0f, 0x6f, 0x6c, 0x64, 0x2e, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00, 0x0b, 0x00, 0x04,
	0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d,
	0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00,
	0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00,
};

#include "hello.h"

/* ---- feeding ---------------------------------------------------------- */

/* Feed p[0, len) cut at cuts[0..ncuts), each piece in its own buffer. */
static int feed_cuts(struct br_tls_state *st, const __u8 *p, size_t len,
		     const size_t *cuts, int ncuts)
{
	size_t from = 0, to;
	int i, ret = BR_TLS_NEED_MORE;
	__u8 *seg;

	br_tls_init(st);
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		if (to == from)
			continue;
		seg = malloc(to - from);
		assert_non_null(seg);
		memcpy(seg, p + from, to - from);
		ret = br_tls_feed(st, seg, to - from);
		free(seg);
		from = to;
	}
	return ret;
}

/* The split-independent part of the state. */
static void normalise(struct br_tls_state *st)
{
	st->segs = 0;
	st->flags &= ~BR_TLS_F_SNI_LATER;
}

struct want {
	const char *desc;
	int result;
	int reason;
	const char *sni;
	__u8 flags; /* of BR_TLS_F_ECH | BR_TLS_F_REC_FRAG */
};

static void check_whole(const struct want *w, const __u8 *p, size_t len,
			struct br_tls_state *st)
{
	int ret = feed_cuts(st, p, len, NULL, 0);

	if (ret != w->result || st->reason != w->reason)
		fail_msg("%s: result %d reason %d, want %d reason %d", w->desc,
			 ret, st->reason, w->result, w->reason);
	if (w->sni) {
		assert_true(br_tls_has_sni(st));
		assert_int_equal(st->sni_len, strlen(w->sni));
		assert_string_equal(st->sni, w->sni);
	} else {
		assert_false(br_tls_has_sni(st));
	}
	if ((st->flags & (BR_TLS_F_ECH | BR_TLS_F_REC_FRAG)) != w->flags)
		fail_msg("%s: flags 0x%x, want 0x%x", w->desc, st->flags,
			 w->flags);
	assert_int_equal(br_tls_ech(st), !!(w->flags & BR_TLS_F_ECH));
	assert_int_equal(br_tls_rec_fragmented(st),
			 !!(w->flags & BR_TLS_F_REC_FRAG));
	assert_false(br_tls_sni_later(st)); /* one segment */
	assert_int_equal(br_tls_sni_missing(st),
			 w->result != BR_TLS_NEED_MORE && !w->sni);
}

static void check_split(const char *desc, const __u8 *p, size_t len,
			size_t name_end, const struct br_tls_state *whole,
			const size_t *cuts, int ncuts)
{
	struct br_tls_state st, ref = *whole;
	int later;

	feed_cuts(&st, p, len, cuts, ncuts);
	later = !!(st.flags & BR_TLS_F_SNI_LATER);
	if (later != ((st.flags & BR_TLS_F_SNI_FOUND) && name_end > cuts[0]))
		fail_msg("%s: cut at %zu: later %d with the name ending at %zu",
			 desc, cuts[0], later, name_end);
	normalise(&st);
	normalise(&ref);
	if (memcmp(&st, &ref, sizeof(st)))
		fail_msg("%s: cut at %zu%s%zu: state differs from whole "
			 "(result %d/%d reason %d/%d)",
			 desc, cuts[0], ncuts > 1 ? ", " : "",
			 ncuts > 1 ? cuts[1] : 0, st.result, ref.result,
			 st.reason, ref.reason);
}

/* Whole, two pieces at every offset, three at sampled pairs, bytewise. */
static void check_all_splits(const struct want *w, const __u8 *p, size_t len,
			     size_t name_end)
{
	struct br_tls_state whole, st;
	size_t cuts[2], a, b, step, *bytes;

	check_whole(w, p, len, &whole);
	for (a = 1; a < len; a++) {
		cuts[0] = a;
		check_split(w->desc, p, len, name_end, &whole, cuts, 1);
	}
	step = len / 40 + 1;
	for (a = 1; a < len; a += step) {
		for (b = a + 1; b < len; b += step + 2) {
			cuts[0] = a;
			cuts[1] = b;
			check_split(w->desc, p, len, name_end, &whole, cuts, 2);
		}
	}
	bytes = calloc(len, sizeof(*bytes));
	assert_non_null(bytes);
	for (a = 1; a < len; a++)
		bytes[a - 1] = a;
	feed_cuts(&st, p, len, bytes, len - 1);
	free(bytes);
	if (len > 1 && (st.flags & BR_TLS_F_SNI_FOUND) &&
	    !(st.flags & BR_TLS_F_SNI_LATER) && name_end > 1)
		fail_msg("%s: bytewise, the name was not in a later segment",
			 w->desc);
	normalise(&st);
	normalise(&whole);
	if (memcmp(&st, &whole, sizeof(st)))
		fail_msg("%s: bytewise: state differs from whole", w->desc);
}

/* ---- the captured hellos ---------------------------------------------- */

struct real_case {
	struct want want;
	const __u8 *bytes;
	size_t len;
};

#define REAL(arr) .bytes = arr, .len = sizeof(arr)

static const struct real_case real_cases[] = {
	{{"openssl TLS 1.3", BR_TLS_DONE_SNI, 0, "example.com", 0},
	 REAL(real_openssl_tls13)},
	{{"openssl TLS 1.2, uppercase SNI folded", BR_TLS_DONE_SNI, 0,
	  "push.apple.com", 0},
	 REAL(real_openssl_tls12_upper)},
	{{"openssl -noservername", BR_TLS_DONE_NO_SNI, BR_TLS_R_NO_SNI, NULL,
	  0},
	 REAL(real_openssl_nosni)},
	{{"openssl -tls1: legacy_version 0x0301", BR_TLS_DONE_SNI, 0,
	  "old.example.org", 0},
	 REAL(real_openssl_tls10)},
};

/* Offset just past name in p, matched without case; 0 if absent. */
static size_t find_name_end(const __u8 *p, size_t len, const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	for (i = 0; n && i + n <= len; i++)
		if (!strncasecmp((const char *)p + i, name, n))
			return i + n;
	return 0;
}

static void test_real_hellos(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(real_cases) / sizeof(real_cases[0]); i++) {
		const struct real_case *c = &real_cases[i];

		check_all_splits(&c->want, c->bytes, c->len,
				 find_name_end(c->bytes, c->len, c->want.sni));
	}
}

/* ---- composed hellos -------------------------------------------------- */

static char name255[256], name256[257];

struct built_case {
	struct want want;
	struct spec in;
};

#define OK(d, s, f) {d, BR_TLS_DONE_SNI, BR_TLS_R_NONE, s, f}
#define NO_SNI(d, f) {d, BR_TLS_DONE_NO_SNI, BR_TLS_R_NO_SNI, NULL, f}
#define BAD(d, res, why) {d, res, why, NULL, 0}
#define FRAG BR_TLS_F_REC_FRAG
#define ECH BR_TLS_F_ECH
#define MAL BR_TLS_MALFORMED
#define R_MAL BR_TLS_R_MALFORMED
#define R_BAD BR_TLS_R_BAD_SNI

/* Chrome-like: GREASE first and last, PQ key share, shuffled. */
#define CHROME "GAWCMKVgP"
/* ~1.8 KB, the SNI past the first 1448-byte segment */
#define PQ_HELLO "GXVAKQ" "S" "CWMgP"

static const struct built_case built_cases[] = {
	/* shapes that succeed */
	{OK("TLS 1.3 shape, SNI first", "example.com", 0),
	 {.exts = "SVKCW"}},
	{OK("TLS 1.2 shape, record 0x0303", "example.com", 0),
	 {.exts = "SCWM", .rec_version = 0x0303}},
	{OK("record version 0x0300 (SSL 3.0)", "a.example", 0),
	 {.exts = "S", .rec_version = 0x0300, .version = 0x0300}},
	{OK("record version 0x0304", "a.example", 0),
	 {.exts = "S", .rec_version = 0x0304}},
	{OK("1.8 KB: 1216-byte ML-KEM share before SNI", "push.apple.com", 0),
	 {.exts = PQ_HELLO}},
	{OK("SNI last, after PQ share and ECH", "public.example", ECH),
	 {.exts = "GAWCQVEMgS"}},
	{OK("ECH before SNI", "cover.example", ECH),
	 {.exts = "ESV"}},
	{OK("GREASE around SNI", "example.com", 0),
	 {.exts = "GgSgG"}},
	{OK("Chrome-like, SNI in the middle", "www.google.com", 0),
	 {.exts = "GAW" "S" CHROME}},
	{OK("uppercase folded", "www.example.com", 0),
	 {.exts = "SV", .sni = "WWW.Example.COM"}},
	{OK("digits, '-', '_'", "a-1_b.x9", 0),
	 {.exts = "S", .sni = "A-1_b.X9"}},
	{OK("one-letter name", "x", 0),
	 {.exts = "S", .sni = "x"}},
	/* servers take "name." for "name": so does the censor */
	{OK("trailing dot dropped", "courier.push.apple.com", 0),
	 {.exts = "SV", .sni = "courier.push.apple.com."}},
	{OK("300 empty extensions: fields, not bytes", "example.com", 0),
	 {.exts = "S", .n_empty = 300}},
	{OK("255-byte name", name255, 0),
	 {.exts = "VS", .sni = name255}},
	{OK("non-host_name entry skipped", "example.com", 0),
	 {.exts = "N"}},
	{OK("first host_name taken", "example.com", 0),
	 {.exts = "T"}},
	{OK("second server_name extension ignored", "example.com", 0),
	 {.exts = "SZ"}},
	{OK("no session id", "example.com", 0),
	 {.exts = "S", .sid_len = -1}},
	{OK("2 records, split in SNI", "push.apple.com", FRAG),
	 {.exts = "VS", .rec = {70}}},
	{OK("3 records, PQ hello", "push.apple.com", FRAG),
	 {.exts = "GVAKQSCW", .rec = {512, 1000}}},
	{OK("3 records: 1 byte, 3 bytes (in headers)", "example.com", FRAG),
	 {.exts = "SV", .rec = {1, 3}}},
	{OK("record ends inside the name", "example.com", FRAG),
	 {.exts = "S", .rec = {96}}},
	{OK("tiny records, 2 bytes each at first", "example.com", FRAG),
	 {.exts = "GS", .rec = {2, 2, 2}}},
	/* complete hellos without a name */
	{NO_SNI("no server_name", 0), {.exts = "VKCW"}},
	{NO_SNI("no extensions at all", 0), {.no_exts = 1}},
	{NO_SNI("empty extension block", 0), {.exts = ""}},
	{NO_SNI("ECH without SNI", ECH), {.exts = "EV"}},
	{NO_SNI("only a non-host_name entry", 0), {.exts = "VO"}},
	/* not a ClientHello */
	{BAD("ServerHello", BR_TLS_NOT_TLS, BR_TLS_R_NOT_HELLO),
	 {.exts = "S", .hs_type = 2}},
	{BAD("record version 0x0305", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 {.exts = "S", .rec_version = 0x0305}},
	{BAD("record version 0x0203", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 {.exts = "S", .rec_version = 0x0203}},
	/* lengths that lie */
	{BAD("legacy_version 0x0401", MAL, R_MAL),
	 {.exts = "S", .version = 0x0401}},
	{BAD("session id of 33", MAL, R_MAL), {.exts = "S", .sid_len = 33}},
	{BAD("odd cipher suites length", MAL, R_MAL),
	 {.exts = "S", .cs_len = 31}},
	{BAD("no cipher suites", MAL, R_MAL), {.exts = "S", .cs_len = -1}},
	{BAD("extension block 1 longer", MAL, R_MAL),
	 {.exts = "SV", .exts_delta = 1}},
	{BAD("extension block 1 shorter", MAL, R_MAL),
	 {.exts = "SV", .exts_delta = -1}},
	{BAD("last extension overruns", MAL, R_MAL),
	 {.exts = "VSA", .ext_delta = 1}},
	{BAD("server_name_list longer", MAL, R_MAL),
	 {.exts = "S", .list_delta = 1}},
	{BAD("host_name longer than its list", MAL, R_MAL),
	 {.exts = "S", .name_delta = 1}},
	{BAD("second record is an alert", MAL, R_MAL),
	 {.exts = "SV", .rec = {40}, .rec_type2 = 21}},
	/* names that are not hostnames */
	{BAD("space in name", MAL, R_BAD), {.exts = "S", .sni = "a b.com"}},
	{BAD("control byte in name", MAL, R_BAD),
	 {.exts = "S", .sni = "a\x01b"}},
	{BAD("empty label", MAL, R_BAD), {.exts = "S", .sni = "a..b"}},
	{BAD("leading dot", MAL, R_BAD), {.exts = "S", .sni = ".a"}},
	{BAD("two trailing dots", MAL, R_BAD), {.exts = "S", .sni = "a.b.."}},
	{BAD("a dot alone", MAL, R_BAD), {.exts = "S", .sni = "."}},
	{BAD("high byte", MAL, R_BAD), {.exts = "S", .sni = "caf\xc3\xa9"}},
	{BAD("256-byte name", MAL, R_BAD), {.exts = "S", .sni = name256}},
	{BAD("empty name", MAL, R_BAD), {.exts = "S", .sni = ""}},
};

static void test_built_hellos(void **state)
{
	static __u8 buf[16384];
	struct spec in;
	size_t i, len, name_end;

	(void)state;
	for (i = 0; i < sizeof(built_cases) / sizeof(built_cases[0]); i++) {
		const struct built_case *c = &built_cases[i];

		in = c->in;
		if (!in.sni)
			in.sni = c->want.sni ? c->want.sni : "example.com";
		len = build(&in, buf, sizeof(buf), &name_end);
		assert_true(len <= BR_L7_SCRATCH);
		check_all_splits(&c->want, buf, len, name_end);
	}
}

/* ---- payloads that are not a ClientHello, or not yet one ------------- */

struct raw_case {
	struct want want;
	const char *bytes;
	size_t len;
};

#define RAW(s) .bytes = s, .len = sizeof(s) - 1

static const struct raw_case raw_cases[] = {
	{BAD("HTTP GET", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 RAW("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")},
	{BAD("application data record", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 RAW("\x17\x03\x03\x00\x10" "0123456789abcdef")},
	{BAD("SSLv2 ClientHello", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 RAW("\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10")},
	{BAD("zero-length record", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 RAW("\x16\x03\x01\x00\x00\x01\x00\x00\x00")},
	{BAD("record over 2^14", BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS),
	 RAW("\x16\x03\x01\x40\x01\x01\x00\x00\x00")},
	{BAD("Finished, not ClientHello", BR_TLS_NOT_TLS, BR_TLS_R_NOT_HELLO),
	 RAW("\x16\x03\x03\x00\x04\x14\x00\x00\x00")},
	{BAD("zero-length ClientHello", MAL, R_MAL),
	 RAW("\x16\x03\x01\x00\x04\x01\x00\x00\x00")},
	{BAD("ClientHello too short for its fields", MAL, R_MAL),
	 RAW("\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00")},
	{BAD("one byte of a record header", BR_TLS_NEED_MORE, 0),
	 RAW("\x16")},
	{BAD("a record header alone", BR_TLS_NEED_MORE, 0),
	 RAW("\x16\x03\x01\x02\x00")},
	{BAD("handshake header, body to come", BR_TLS_NEED_MORE, 0),
	 RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")},
};

static void test_raw_payloads(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		const struct raw_case *c = &raw_cases[i];

		check_all_splits(&c->want, (const __u8 *)c->bytes, c->len, 0);
	}
}

/* ---- the streaming contract ------------------------------------------- */

static void test_state_layout(void **state)
{
	struct br_tls_state st, zero;

	(void)state;
	assert_int_equal(sizeof(struct br_tls_state), 552);
	memset(&st, 0xff, sizeof(st));
	br_tls_init(&st);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&st, &zero, sizeof(st)); /* zeroed == fresh */
}

/* Every proper prefix of a valid hello asks for more, whatever its cut. */
static void test_truncated(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "GVAKQSCWM", .sni = "push.apple.com"};
	struct br_tls_state st;
	size_t len, name_end, l;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	for (l = 1; l < len; l++) {
		if (feed_cuts(&st, buf, l, NULL, 0) != BR_TLS_NEED_MORE)
			fail_msg("prefix of %zu/%zu bytes: %d reason %d", l,
				 len, st.result, st.reason);
	}
	assert_int_equal(feed_cuts(&st, buf, len, NULL, 0), BR_TLS_DONE_SNI);
}

static void test_empty_segments(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "VS", .sni = "example.com"};
	struct br_tls_state st, zero;
	size_t len, name_end;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	br_tls_init(&st);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(br_tls_feed(&st, buf, 0), BR_TLS_NEED_MORE);
	assert_memory_equal(&st, &zero, sizeof(st)); /* a bare ACK */
	assert_int_equal(br_tls_feed(&st, buf, 10), BR_TLS_NEED_MORE);
	assert_int_equal(br_tls_feed(&st, buf + 10, 0), BR_TLS_NEED_MORE);
	assert_int_equal(br_tls_feed(&st, buf + 10, len - 10),
			 BR_TLS_DONE_SNI);
	assert_int_equal(st.segs, 2);
	assert_true(br_tls_sni_later(&st));
}

/* A final result stays, and later segments are not even read. */
static void test_final_is_sticky(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "S", .sni = "example.com"};
	struct br_tls_state st;
	size_t len, name_end;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	assert_int_equal(feed_cuts(&st, buf, len, NULL, 0), BR_TLS_DONE_SNI);
	assert_int_equal(br_tls_feed(&st, NULL, 100), BR_TLS_DONE_SNI);
	assert_int_equal(br_tls_gap(&st), BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, "example.com");
}

static void test_gap(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "QS", .sni = "example.com"};
	struct br_tls_state st;
	size_t len, name_end;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	br_tls_init(&st);
	assert_int_equal(br_tls_feed(&st, buf, 700), BR_TLS_NEED_MORE);
	assert_int_equal(br_tls_gap(&st), BR_TLS_GAVE_UP);
	assert_int_equal(st.reason, BR_TLS_R_GAP);
	assert_int_equal(br_tls_feed(&st, buf + 700, len - 700),
			 BR_TLS_GAVE_UP);
	assert_true(br_tls_sni_missing(&st));
}

/*
 * Nearly as many fields as a scratch-sized segment can hold: 470 empty
 * extensions of 4 bytes each, in one segment. Every step consumes a byte
 * or more, so BR_TLS_MAX_STEPS (the scratch size) is never the limit.
 */
static void test_no_step_limit(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "SV", .sni = "example.com", .n_empty = 470};
	struct br_tls_state st;
	size_t len, name_end;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	assert_true(len <= BR_L7_SCRATCH && len > BR_L7_SCRATCH - 200);
	assert_int_equal(feed_cuts(&st, buf, len, NULL, 0), BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, "example.com");
}

/* The dot is dropped, and said so: the name is the server's "name". */
static void test_trailing_dot(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = "SV", .sni = "Courier.Push.Apple.com."};
	struct br_tls_state st;
	size_t len, name_end;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	assert_int_equal(feed_cuts(&st, buf, len, NULL, 0), BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, "courier.push.apple.com");
	assert_int_equal(st.sni_len, strlen("courier.push.apple.com"));
	assert_true(st.flags & BR_TLS_F_SNI_DOT);
	in.sni = "courier.push.apple.com";
	len = build(&in, buf, sizeof(buf), &name_end);
	assert_int_equal(feed_cuts(&st, buf, len, NULL, 0), BR_TLS_DONE_SNI);
	assert_false(st.flags & BR_TLS_F_SNI_DOT);
}

/* The start of a hello, as a censor that missed the handshake sees it. */
static void test_hello_start(void **state)
{
	static const struct {
		const char *bytes;
		__u32 n;
		int start;
	} cases[] = {
		{ "\x16\x03\x01\x02\x00\x01", 6, 1 },
		{ "\x16\x03\x04\x02\x00\x01", 6, 1 },
		{ "\x16", 1, 1 },	       /* one byte: it could be */
		{ "\x16\x03\x03", 3, 1 },
		{ "\x16\x03\x05", 3, 0 },	       /* no TLS 1.5 */
		{ "\x16\x03\x01\x02\x00\x02", 6, 0 }, /* a ServerHello */
		{ "\x17\x03\x03\x00\x20\x01", 6, 0 }, /* application data */
		{ "\x16\x02\x00", 3, 0 },
		{ "GET / ", 6, 0 },
		{ "", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (br_tls_hello_start((const __u8 *)cases[i].bytes,
				       cases[i].n) != cases[i].start)
			fail_msg("case %zu: want %d", i, cases[i].start);
}

/* The case of the issue: at a 1448-byte MSS the name is in segment 2. */
static void test_pq_hello_at_mss(void **state)
{
	static __u8 buf[4096];
	struct spec in = {.exts = PQ_HELLO, .sni = "push.apple.com"};
	struct br_tls_state st;
	size_t len, name_end, mss = 1448;

	(void)state;
	len = build(&in, buf, sizeof(buf), &name_end);
	assert_in_range(len, 1750, 1900);
	assert_true(name_end > mss);
	br_tls_init(&st);
	assert_int_equal(br_tls_feed(&st, buf, mss), BR_TLS_NEED_MORE);
	assert_int_equal(br_tls_feed(&st, buf + mss, len - mss),
			 BR_TLS_DONE_SNI);
	assert_string_equal(st.sni, "push.apple.com");
	assert_true(br_tls_sni_later(&st));
	assert_false(br_tls_rec_fragmented(&st));
}

static void test_oversized_segment(void **state)
{
	static __u8 buf[BR_L7_SCRATCH + 1];
	struct br_tls_state st;

	(void)state;
	br_tls_init(&st);
	assert_int_equal(br_tls_feed(&st, buf, sizeof(buf)), BR_TLS_GAVE_UP);
	assert_int_equal(st.reason, BR_TLS_R_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_layout),
		cmocka_unit_test(test_real_hellos),
		cmocka_unit_test(test_built_hellos),
		cmocka_unit_test(test_raw_payloads),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_empty_segments),
		cmocka_unit_test(test_final_is_sticky),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_no_step_limit),
		cmocka_unit_test(test_trailing_dot),
		cmocka_unit_test(test_hello_start),
		cmocka_unit_test(test_pq_hello_at_mss),
		cmocka_unit_test(test_oversized_segment),
	};
	int i;

	/* four labels of 63: the longest name; one more byte is too long */
	for (i = 0; i < 255; i++)
		name255[i] = i % 64 == 63 ? '.' : 'a' + i / 64;
	memcpy(name256, name255, 255);
	name256[255] = 'e';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
