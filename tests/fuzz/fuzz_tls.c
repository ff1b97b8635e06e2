/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fuzz_tls.c - libFuzzer target for bpf/tls.h.
 *
 * Input: one mode byte, three 16-bit cut positions, then the payload (at
 * most BR_L7_SCRATCH bytes, so it can also be fed whole). The payload is
 * fed whole, in up to four segments at the cuts and, when the mode says so,
 * one byte at a time. Each segment sits in a buffer of its exact size, so
 * ASan sees any read beyond it. Invariant: the final state does not depend
 * on the split (bar the segment count and "SNI in a later segment"),
 * unless a segment hit the per-segment step bound, which depends on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define HDR 7

static void feed_piece(struct br_tls_state *st, const __u8 *p, size_t len)
{
	__u8 *seg;

	if (!len)
		return;
	seg = malloc(len);
	if (!seg)
		abort();
	memcpy(seg, p, len);
	br_tls_feed(st, seg, len);
	free(seg);
}

static void check_final(const struct br_tls_state *st)
{
	int i;

	if (st->result != BR_TLS_DONE_SNI)
		return;
	/* the name's length, less a trailing dot dropped */
	if (!st->sni_len ||
	    st->sni_len != st->name_len - !!(st->flags & BR_TLS_F_SNI_DOT) ||
	    st->sni[st->sni_len] != '\0')
		abort();
	for (i = 0; i < st->sni_len; i++) {
		char c = st->sni[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			abort();
	}
	if (st->sni[0] == '.' || st->sni[st->sni_len - 1] == '.')
		abort();
}

static int limited(const struct br_tls_state *st)
{
	return st->result == BR_TLS_GAVE_UP && st->reason == BR_TLS_R_LIMIT;
}

static void same(struct br_tls_state *a, struct br_tls_state *b)
{
	check_final(a);
	check_final(b);
	if (limited(a) || limited(b))
		return;
	a->segs = b->segs = 0;
	a->flags &= ~BR_TLS_F_SNI_LATER;
	b->flags &= ~BR_TLS_F_SNI_LATER;
	if (memcmp(a, b, sizeof(*a)))
		abort();
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * With JA4 on (a bit of the header): the parse ends as it does without
 * (JA4 costs the fingerprint, never the name), and whole and split give
 * one fingerprint (the states were found equal before).
 */
static void ja4_check(struct br_tls_state *whole, struct br_tls_state *split,
		      const __u8 *p, size_t len)
{
	static struct br_ja4_work a, b;
	struct br_tls_state plain;
	int ra, rb;

	br_tls_init(&plain);
	feed_piece(&plain, p, len);
	if (plain.result != whole->result || plain.reason != whole->reason ||
	    plain.sni_len != whole->sni_len ||
	    memcmp(plain.sni, whole->sni, sizeof(plain.sni)))
		abort();
	if (limited(whole) || limited(split) || !br_tls_done(whole))
		return;
	ra = br_ja4_compute(&whole->ja4, !!(whole->flags & BR_TLS_F_SNI_EXT),
			    &a);
	rb = br_ja4_compute(&split->ja4, !!(split->flags & BR_TLS_F_SNI_EXT),
			    &b);
	if (ra != rb || ra == BR_JA4_NONE ||
	    (ra == BR_JA4_OK && memcmp(&a.fp, &b.fp, sizeof(a.fp))))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct br_tls_state whole, split;
	__u8 ja4;
	const __u8 *p = data + HDR;
	size_t len, cuts[3], from = 0, i;

	if (size < HDR)
		return 0;
	ja4 = data[0] & 8 ? BR_JA4_F_ON : 0;
	len = size - HDR;
	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;
	for (i = 0; i < 3; i++)
		cuts[i] = (data[1 + 2 * i] << 8 | data[2 + 2 * i]) % (len + 1);
	qsort(cuts, 3, sizeof(cuts[0]), cmp_size);

	br_tls_init(&whole);
	whole.ja4.flags = ja4;
	feed_piece(&whole, p, len);

	br_tls_init(&split);
	split.ja4.flags = ja4;
	for (i = 0; i < 3 && i < (size_t)(data[0] & 3); i++) {
		feed_piece(&split, p + from, cuts[i] - from);
		from = cuts[i];
	}
	feed_piece(&split, p + from, len - from);
	same(&whole, &split);
	if (ja4)
		ja4_check(&whole, &split, p, len);

	if (data[0] & 4) {
		br_tls_init(&split);
		for (i = 0; i < len; i++)
			feed_piece(&split, p + i, 1);
		br_tls_init(&whole);
		feed_piece(&whole, p, len);
		same(&whole, &split);
	}
	return 0;
}
