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
 *      the Initial's stage finds the fact for this packet (seq and flow
 *      key), and matches the name.
 *
 * What is not opened gets BR_QO_FAILED or BR_QO_MORE, and the quic sni
 * rules are unreadable for that datagram (the policy's "unreadable"
 * decides, else they do not match): a version without known Initial keys
 * (drafts, the v2 draft), an Initial that does not lie whole in the
 * 2,048-byte copy, frames an Initial may not carry, a hello that goes on
 * in a later Initial (BR_QO_MORE: the reassembly across Initials is not
 * done yet), a hello the parser refuses.
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

/* Whether len bytes of the crypto stream hold the whole ClientHello. */
static __always_inline int br_quic_hello_whole(const struct br_quic_work *w,
					       __u32 len)
{
	__u32 hs;

	if (len < 4)
		return 0;
	hs = 4 + ((__u32)w->hello.b[1] << 16 | (__u32)w->hello.b[2] << 8 |
		  w->hello.b[3]);
	return len >= hs;
}

/*
 * The hello in w->hello (len bytes of the crypto stream from offset 0)
 * through the hello parser, behind a TLS record header that announces
 * the whole handshake message: enum br_quic_open_result.
 */
static __always_inline int br_quic_hello(struct br_quic_work *w, __u32 len)
{
	__u32 hs;
	int r;

	if (len < 4 || w->hello.b[0] != 1) /* a ClientHello */
		return BR_QO_FAILED;
	hs = 4 + ((__u32)w->hello.b[1] << 16 | (__u32)w->hello.b[2] << 8 |
		  w->hello.b[3]);
	if (hs > 0x4000) /* one record: TLS's bound, and far past ours */
		return BR_QO_FAILED;
	w->rec.b[0] = 0x16; /* handshake */
	w->rec.b[1] = 0x03;
	w->rec.b[2] = 0x01;
	w->rec.b[3] = hs >> 8;
	w->rec.b[4] = hs & 0xff;
	__builtin_memset(&w->tp, 0, sizeof(w->tp));
	r = br_tls_stage(&w->tp, &w->rec, 5, 0);
	if (r == BR_TLS_NEED_MORE)
		r = br_tls_stage(&w->tp, (const struct br_l7_buf *)&w->hello,
				 len < hs ? len : hs, 1);
	if (r == BR_TLS_DONE_SNI)
		return BR_QO_SNI;
	if (r == BR_TLS_DONE_NO_SNI)
		return BR_QO_NO_SNI;
	if (r == BR_TLS_NEED_MORE && len < hs)
		return BR_QO_MORE;
	return BR_QO_FAILED;
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
		if (r == BR_QI_OK || br_quic_hello_whole(w, plen))
			break;
	}
	r = br_quic_hello(w, plen);
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
