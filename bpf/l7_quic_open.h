/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_quic_open.h - open a client's QUIC Initial for its server name: the
 * program br_xdp_quic_open, reached by a tail call.
 *
 * A quic rule with a name set (l7_quic_sni) needs the SNI of the
 * ClientHello inside the Initial, which is encrypted under keys derived
 * from its Destination Connection ID (quic_initial.h). That work does not
 * fit in the per-packet program beside the rest (the verifier's budget),
 * so it is a program of its own, and the packet goes through it in three
 * steps, all within one run on one CPU:
 *
 *   1. the per-packet program (br_xdp, any entry point) reaches the
 *      Initial's stage (l7_quic.h) with the datagram copied and parsed in
 *      the per-CPU scratch, and no name for it: it hands the packet over
 *      (struct br_quic_handoff: seq, flow key, length, where to go back)
 *      and unwinds before counting or deciding anything;
 *   2. its entry point tail-calls this program, which opens the copy:
 *      keys from the cache or derived, header protection off, payload
 *      decrypted, CRYPTO frames walked, the hello's bytes put in stream
 *      order and read by the same hello parser as TCP's (tls.h) behind a
 *      TLS record header; it writes the fact (the name, or why none) and
 *      tail-calls the entry point it came from;
 *   3. the per-packet program runs the packet again from the start, and
 *      the Initial's stage finds the fact for this packet (seq, flow key
 *      and length), takes the first run's parse of the header (the
 *      datagram is not copied again), and matches the name.
 *
 * A ClientHello longer than one Initial holds (a post-quantum key share:
 * Chrome's is ~1.8 KB) comes in two or more, their CRYPTO frames in any
 * order within and across them: an Initial whose frames do not hold the
 * whole hello from offset 0 has them gathered by flow and DCID
 * ("quic_hellos", up to BR_QH_MAX bytes of the stream, one bit per byte
 * for what is in), and gets BR_QO_MORE, the flow waiting, until the
 * Initial that completes the hello, which is read then (BR_QO_SNI or
 * BR_QO_NO_SNI). An Initial without CRYPTO frames (an ACK, PING or
 * PADDING only) is BR_QO_MORE too: it shows nothing.
 *
 * Each client address opens at most BR_QUIC_BURST Initials at once, then
 * one per BR_QUIC_OPEN_GAP_NS (abi.h; "quic_budget"): past it an Initial
 * is BR_QO_BUDGET, not opened. What is not opened gets BR_QO_FAILED (or
 * BR_QO_BUDGET), and the quic sni rules are unreadable for that datagram
 * (the policy's "unreadable" decides, else they do not match): a version
 * without known Initial keys (drafts, the v2 draft), an Initial that does
 * not lie whole in the 2,048-byte copy, frames an Initial may not carry,
 * a hello longer than BR_QH_MAX, a hello the parser refuses.
 *
 * A tail call that fails (the loader did not fill "quic_progs") leaves the
 * packet passed and uncounted by its rules; the opener's own failure to
 * go back the same. Both are loader faults, not packet ones: a packet can
 * only make the opener fail, never skip it.
 */
#ifndef BR_L7_QUIC_OPEN_H
#define BR_L7_QUIC_OPEN_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "quic_initial.h"
#include "tls.h"
#include "l7.h"

/* The keys of the Initial in s->qi: cached by its DCID, else derived. */
static __always_inline const struct br_qi_keys *
br_quic_keys_of(struct br_scratch *s, struct br_quic_work *w)
{
	const struct br_qi_keys *k;
	__u32 i;

	__builtin_memset(&w->id, 0, sizeof(w->id));
	w->id.version = s->qi.version;
	w->id.dcid_len = s->qi.dcid_len;
	for (i = 0; i < BR_QUIC_CID_MAX; i++)
		if (i < s->qi.dcid_len)
			w->id.dcid[i] = s->qi.dcid[i];
	k = bpf_map_lookup_elem(&quic_keys, &w->id);
	if (k)
		return k;
	if (br_qi_derive(&w->keys, &s->qi, &w->qw) != BR_QI_OK)
		return NULL;
	bpf_map_update_elem(&quic_keys, &w->id, &w->keys, BPF_ANY);
	return &w->keys;
}

#define BR_QO_CHUNK 256 /* bytes decrypted before the frames are looked at */

/* The length of the ClientHello that starts h (its handshake header). */
static __always_inline __u32 br_quic_hello_len(const struct br_qi_buf *h)
{
	return 4 + ((__u32)h->b[1] << 16 | (__u32)h->b[2] << 8 | h->b[3]);
}

/*
 * The hello in h0 (and h1 after it: BR_QH_MAX bytes in two buffers), len
 * bytes of the crypto stream from offset 0, through the hello parser,
 * behind a TLS record header that announces the whole handshake message:
 * enum br_quic_open_result.
 */
static __always_inline int br_quic_hello(struct br_quic_work *w,
					 const struct br_qi_buf *h0,
					 const struct br_qi_buf *h1, __u32 len)
{
	__u32 hs;
	int r;

	if (len < 4 || h0->b[0] != 1) /* a ClientHello */
		return BR_QO_FAILED;
	hs = br_quic_hello_len(h0);
	if (hs > BR_QH_MAX) /* past what is gathered; TLS allows 16 KB */
		return BR_QO_FAILED;
	if (len > hs)
		len = hs;
	w->rec.b[0] = 0x16; /* handshake */
	w->rec.b[1] = 0x03;
	w->rec.b[2] = 0x01;
	w->rec.b[3] = hs >> 8;
	w->rec.b[4] = hs & 0xff;
	__builtin_memset(&w->tp, 0, sizeof(w->tp));
	r = br_tls_stage(&w->tp, &w->rec, 5, 0);
	if (r == BR_TLS_NEED_MORE)
		r = br_tls_stage(&w->tp, (const struct br_l7_buf *)h0,
				 len < BR_QI_BUF ? len : BR_QI_BUF, 1);
	if (r == BR_TLS_NEED_MORE && len > BR_QI_BUF && h1)
		r = br_tls_stage(&w->tp, (const struct br_l7_buf *)h1,
				 len - BR_QI_BUF, 1);
	if (r == BR_TLS_DONE_SNI)
		return BR_QO_SNI;
	if (r == BR_TLS_DONE_NO_SNI)
		return BR_QO_NO_SNI;
	if (r == BR_TLS_NEED_MORE && len < hs)
		return BR_QO_MORE;
	return BR_QO_FAILED;
}

/*
 * The budget slot of a client address: a multiply-shift hash of its
 * words (the family apart, so that an IPv4 address and the IPv6 address
 * of the same words differ), its top bits.
 */
static __always_inline __u32 br_quic_budget_slot(const struct br_quic_src *src)
{
	__u64 h;

	h = ((__u64)src->addr[0] << 32 | src->addr[1]) * 0x9e3779b97f4a7c15ULL;
	h ^= ((__u64)src->addr[2] << 32 | src->addr[3]) * 0xc2b2ae3d27d4eb4fULL;
	h ^= src->family;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return (__u32)(h >> 32) & (BR_QUIC_BUDGETS - 1);
}

/*
 * Whether the source of the Initial in s->qh is within its budget (abi.h,
 * BR_QUIC_BURST), taking one Initial from it: GCRA, its theoretical
 * arrival time tat moving BR_QUIC_OPEN_GAP_NS per Initial opened, and an
 * Initial allowed while tat is less than the burst's worth ahead of now
 * (a slot never used holds 0: a full budget).
 */
static __always_inline int br_quic_budget_take(struct br_scratch *s)
{
	const __u64 tau = (BR_QUIC_BURST - 1) * BR_QUIC_OPEN_GAP_NS;
	__u32 slot = br_quic_budget_slot(&s->qh.src);
	__u64 now = s->qh.now, tat, *t;

	t = bpf_map_lookup_elem(&quic_budget, &slot);
	if (!t)
		return 0; /* never: the slot is within the array */
	tat = *t > now ? *t : now;
	if (tat - now > tau)
		return 0;
	*t = tat + BR_QUIC_OPEN_GAP_NS;
	return 1;
}

/* The bits of a bitmap's word i for stream bytes [a, b): any a, b (clipped) */
static __always_inline __u64 br_qh_bits(__u32 i, __u32 a, __u32 b)
{
	__u32 lo = i * 64, hi = lo + 64;
	__u64 m = ~0ULL;

	if (a < lo)
		a = lo;
	if (b > hi)
		b = hi;
	if (a >= b)
		return 0;
	if (b - lo < 64)
		m = (1ULL << (b - lo)) - 1;
	return m & ~((1ULL << (a - lo)) - 1);
}

/* One bpf_loop() step over the words of a hello's bitmap. */
struct br_qh_mark {
	struct br_quic_hello *st;
	__u32 a, b;	/* stream bytes [a, b) */
	__u32 missing;	/* br_qh_covered: bits of [a, b) not set */
};

static long br_qh_mark_step(__u32 i, void *ctx)
{
	struct br_qh_mark *c = ctx;

	/* i < BR_QH_MAX / 64 (bpf_loop's count): the mask, for the verifier */
	c->st->have[i & (BR_QH_MAX / 64 - 1)] |= br_qh_bits(i, c->a, c->b);
	return 0;
}

static long br_qh_covered_step(__u32 i, void *ctx)
{
	struct br_qh_mark *c = ctx;
	__u64 m;

	m = br_qh_bits(i, c->a, c->b);
	if ((c->st->have[i & (BR_QH_MAX / 64 - 1)] & m) != m)
		c->missing = 1;
	return c->missing;
}

/*
 * Copy the CRYPTO data of the walk's frame f (in buf) into the hello
 * being gathered, at its stream offset, and mark it in. Where a later
 * Initial brings bytes again (a retransmission), they are written again:
 * RFC 9000 §2.2 forbids a sender to change them. A global function: its
 * loops verified once, not once per frame.
 */
__noinline int br_qh_frame(struct br_quic_hello *st,
			   const struct br_qi_walk *walk,
			   const struct br_qi_buf *buf, __u32 f)
{
	const struct br_qi_crypto *fr;
	struct br_qh_mark mark;
	struct br_qi_copy c;
	__u32 h, a, b, cut;

	if (!st || !walk || !buf || f >= BR_QI_MAX_CRYPTO)
		return 0;
	fr = &walk->crypto[f];
	a = fr->offset;
	if (a >= BR_QH_MAX)
		return 0;
	b = a + fr->len > BR_QH_MAX ? BR_QH_MAX : a + fr->len;
	c.src = buf;
	/* into each half of the buffer it touches */
	for (h = 0; h < BR_QH_MAX / BR_QI_BUF; h++) {
		cut = h * BR_QI_BUF;
		if (b <= cut || a >= cut + BR_QI_BUF)
			continue;
		c.dst = &st->half[h];
		c.doff = (a > cut ? a : cut) - cut;
		c.n = (b < cut + BR_QI_BUF ? b : cut + BR_QI_BUF) - cut -
		      c.doff;
		c.soff = fr->pos + (cut + c.doff - a);
		bpf_loop(BR_QI_BLOCKS, br_qi_copy_step, &c, 0);
	}
	mark.st = st;
	mark.a = a;
	mark.b = b;
	mark.missing = 0;
	bpf_loop(BR_QH_MAX / 64, br_qh_mark_step, &mark, 0);
	return 0;
}

/* Whether the hello gathered holds stream bytes [0, n). */
static __always_inline int br_qh_covered(struct br_quic_hello *st, __u32 n)
{
	struct br_qh_mark c = { .st = st, .a = 0, .b = n };

	bpf_loop(BR_QH_MAX / 64, br_qh_covered_step, &c, 0);
	return !c.missing;
}

/*
 * An Initial whose CRYPTO frames do not hold the whole hello from offset
 * 0: its bytes gathered with those of the flow's earlier Initials under
 * the same DCID, and the hello read once they hold it whole.
 */
static __always_inline int br_quic_gather(struct br_scratch *s,
					  struct br_quic_work *w,
					  const struct br_qi_buf *buf)
{
	struct br_quic_hello *st;
	__u32 hs, f;
	int r;

	if (!w->walk.ncrypto) /* no part of a hello: nothing to keep */
		return BR_QO_MORE;
	w->hid.flow = s->qh.key;
	w->hid.id = w->id;
	st = bpf_map_lookup_elem(&quic_hellos, &w->hid);
	if (!st) {
		__builtin_memset(w->fresh.have, 0, sizeof(w->fresh.have));
		bpf_map_update_elem(&quic_hellos, &w->hid, &w->fresh,
				    BPF_NOEXIST);
		st = bpf_map_lookup_elem(&quic_hellos, &w->hid);
		if (!st)
			return BR_QO_FAILED;
	}
	for (f = 0; f < BR_QI_MAX_CRYPTO; f++)
		if (f < w->walk.ncrypto)
			br_qh_frame(st, &w->walk, buf, f);
	if (!br_qh_covered(st, 4))
		return BR_QO_MORE;
	hs = br_quic_hello_len(&st->half[0]);
	if (st->half[0].b[0] == 1 && hs <= BR_QH_MAX && !br_qh_covered(st, hs))
		return BR_QO_MORE;
	r = br_quic_hello(w, &st->half[0], &st->half[1], hs);
	if (r == BR_QO_SNI || r == BR_QO_NO_SNI || r == BR_QO_FAILED)
		bpf_map_delete_elem(&quic_hellos, &w->hid);
	return r;
}

/*
 * Open the Initial whose first h->len bytes are in s->buf, parsed into
 * s->qi, and put what it says in s->qh: enum br_quic_open_result.
 */
__noinline int br_quic_open(struct br_scratch *s, struct br_quic_work *w)
{
	struct br_qi_buf *buf;
	const struct br_qi_keys *k;
	__u32 len, plen = 0, i;
	int r;

	if (!s || !w)
		return BR_QO_FAILED;
	len = s->qh.len;
	buf = (struct br_qi_buf *)&s->buf;
	if (br_qi_check(&s->qi, len) != BR_QI_OK)
		return BR_QO_FAILED;
	if (!br_quic_budget_take(s))
		return BR_QO_BUDGET;
	k = br_quic_keys_of(s, w);
	if (!k)
		return BR_QO_FAILED;
	if (br_qi_unprotect(k, buf, len, &s->qi, &w->pkt) != BR_QI_OK)
		return BR_QO_FAILED;
	/*
	 * Decrypted as far as the hello needs, BR_QO_CHUNK bytes at a time:
	 * a client pads its Initial to 1,200 bytes and more, and most of it
	 * is PADDING after the hello (RFC 9001 A.2: 241 bytes of CRYPTO in a
	 * 1,162-byte payload), each AES block about 50 ns.
	 */
	br_qi_walk_init(&w->walk, &w->pkt);
	for (i = 1; i <= BR_QI_BUF / BR_QO_CHUNK; i++) {
		if (br_qi_decrypt(k, buf, &w->pkt, i * BR_QO_CHUNK) !=
		    BR_QI_OK)
			return BR_QO_FAILED;
		r = br_qi_walk(&w->walk, buf, &w->pkt);
		if (r != BR_QI_OK && r != BR_QI_MORE)
			return BR_QO_FAILED;
		if (br_qi_crypto_prefix(&w->walk, buf, &w->hello, &plen) !=
		    BR_QI_OK)
			return BR_QO_FAILED;
		if (r == BR_QI_OK)
			break;
		if (plen >= 4 && plen >= br_quic_hello_len(&w->hello))
			break;
	}
	/* the whole hello in this Initial: read it (most clients) */
	if (plen >= 4 && plen >= br_quic_hello_len(&w->hello))
		r = br_quic_hello(w, &w->hello, NULL, plen);
	else if (r == BR_QI_OK)
		r = br_quic_gather(s, w, buf);
	else
		return BR_QO_FAILED;
	if (r == BR_QO_SNI) {
		for (i = 0; i < BR_NAME_MAX; i++)
			s->qh.sni[i] = w->tp.st.sni[i];
		s->qh.sni_len = w->tp.st.sni_len;
	}
	return r;
}

/*
 * The opener (step 2 above). Whatever it finds, it goes back to the
 * entry point that asked, which then finds the fact.
 */
SEC("xdp")
int br_xdp_quic_open(struct xdp_md *ctx)
{
	struct br_quic_work *w;
	struct br_scratch *s;
	__u32 zero = 0, ret;

	s = bpf_map_lookup_elem(&scratch, &zero);
	w = bpf_map_lookup_elem(&quic_work, &zero);
	if (!s || !s->qh.seq)
		return XDP_PASS;
	s->qh.sni_len = 0;
	s->qh.result = w ? br_quic_open(s, w) : BR_QO_FAILED;
	s->qh.done = s->qh.seq;
	ret = s->qh.ret;
	if (ret != BR_QUIC_PROG_OPEN && ret < BR_QUIC_PROGS)
		bpf_tail_call(ctx, &quic_progs, ret);
	s->qh.seq = 0; /* no way back: see the head comment */
	return XDP_PASS;
}

#endif /* BR_L7_QUIC_OPEN_H */
