/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * quic_initial.h - open a client's QUIC Initial packet as a censor does:
 * derive its keys from the Destination Connection ID, remove header
 * protection, decrypt the payload, walk its frames to the CRYPTO frames
 * that carry the TLS ClientHello (and its SNI).
 *
 * The steps, each its own function, each returning enum br_qi_result:
 *
 *   br_quic_parse()      (quic.h) the long header: version, DCID, pn_off,
 *                        Length; br_qi_check() then says whether this
 *                        header can be opened here.
 *   br_qi_derive()       the Initial keys of a DCID (RFC 9001 §5.2, RFC
 *                        9369 §3.3): key, iv and hp, the AES keys expanded,
 *                        in struct br_qi_keys. 14 SHA-256 blocks and two
 *                        AES key schedules: the costly step, so the keys
 *                        are a value the caller may keep per DCID (a
 *                        client resends its Initial, and Chrome's
 *                        ClientHello with a post-quantum key share fills
 *                        two Initials, both under the same DCID).
 *   br_qi_unprotect()    header protection off (RFC 9001 §5.4): the first
 *                        byte's low 4 bits and the packet number, in place.
 *   br_qi_decrypt()      the payload in place, from where the last call
 *                        stopped up to a given end: the caller may decrypt
 *                        all of it, or a part and walk it, and go on only
 *                        if the walk asks for more (BR_QI_MORE).
 *   br_qi_walk()         the frames (RFC 9000 §12.4, §19), reporting each
 *                        CRYPTO frame as it lies in the packet; resumable.
 *   br_qi_crypto_prefix() the crypto stream's contiguous prefix from
 *                        offset 0, copied out of the frames in stream
 *                        order (Chrome shuffles them).
 *
 * Decryption without authentication. AES-128-GCM is CTR mode plus a
 * GHASH tag; the payload's plaintext is the CTR keystream XOR the
 * ciphertext (nonce = iv XOR packet number, J0 = nonce || 00000001, the
 * payload from counter 2 on: NIST SP 800-38D §7.2). The tag is not
 * checked: GHASH would double the cost, and the censor needs only the
 * ClientHello's bytes. Assumption: a packet altered in flight (or forged
 * by an evader) decrypts to bytes that the frame walk or the TLS parser
 * rejects, or to a ClientHello the server would reject as well; the
 * censor may then act on a name no server would have seen, which costs
 * the forger only its own packet. Reserved header bits (0x0c) that are
 * not zero are reported in first_byte, not rejected, for the same reason.
 *
 * Bounds. The datagram is copied into a buffer of BR_QI_BUF bytes (the
 * L7 scratch, 2,048: above any Ethernet MTU's 1,472-byte UDP payload),
 * and the Initial must lie whole inside the copy: every index is masked
 * with BR_QI_MASK, and checked against the copy before it is read. At
 * most BR_QI_BUF - 16 bytes are ever decrypted. The walk reports at most
 * BR_QI_MAX_CRYPTO CRYPTO frames and takes at most BR_QI_MAX_STEPS steps
 * (a step is a frame, one ACK range, or a run of up to BR_QI_PAD_RUN
 * PADDING bytes); past either it fails rather than report half a packet.
 *
 * Only the first packet of a datagram is opened; struct br_qi_pkt's end
 * says where a coalesced next packet (0-RTT, or a Handshake) would begin.
 *
 * Packet numbers. Without the connection's largest packet number, the
 * truncated one is taken as the packet number: RFC 9000 §A.3's decoding
 * with no packet received (expected 0) gives the same, and a client's
 * Initials are numbered from 0, so a packet number at or above 2^(8 *
 * pn_len) would need hundreds of Initials. br_qi_decode_pn() is the full
 * decoding for a caller that keeps the largest.
 *
 * In BPF the functions with BR_QI_FN are global, each verified once; the
 * decryption, the walk and the copy loop with bpf_loop(), so that their
 * bodies are verified once (or until their state settles) instead of once
 * for each iteration. Pure code otherwise: compiles for BPF and the host.
 */
#ifndef BR_QUIC_INITIAL_H
#define BR_QUIC_INITIAL_H

#include <linux/types.h>
#include "quic.h"
#include "hkdf.h"
#include "aes128.h"

#if defined(__bpf__) || defined(__BPF__)
#include <bpf/bpf_helpers.h>
#define BR_QI_FN __noinline
#else
#define BR_QI_FN static inline
#endif

#define BR_QI_BUF BR_L7_SCRATCH /* a power of two: indexes are masked */
#define BR_QI_MASK (BR_QI_BUF - 1)
#define BR_QI_MAX_CRYPTO 8
#define BR_QI_MAX_STEPS 256
#define BR_QI_PAD_RUN 64
#define BR_QI_TAG_LEN 16    /* AEAD_AES_128_GCM */
#define BR_QI_SAMPLE_OFF 4  /* RFC 9001 §5.4.2: pn_off + 4 */
#define BR_QI_SALT_LEN 20
#define BR_QI_IV_LEN 12
#define BR_QI_BLOCKS (BR_QI_BUF / BR_AES_BLOCK_LEN)

/* Frame types an Initial may carry (RFC 9000 §12.4, Table 3) */
#define BR_QI_FRAME_PADDING 0x00
#define BR_QI_FRAME_PING 0x01
#define BR_QI_FRAME_ACK 0x02
#define BR_QI_FRAME_ACK_ECN 0x03
#define BR_QI_FRAME_CRYPTO 0x06
#define BR_QI_FRAME_CLOSE 0x1c

enum br_qi_result {
	BR_QI_OK = 0,
	BR_QI_MORE = 1,		 /* walk: frames go on past the decrypted bytes */
	BR_QI_E_ARG = -1,	 /* a NULL pointer, or a call out of order */
	BR_QI_E_NOT_INITIAL = -2, /* not an Initial packet (br_quic_parse) */
	BR_QI_E_VERSION = -3,	 /* an Initial of a version without known keys */
	BR_QI_E_SHORT = -4,	 /* the packet is not whole inside the copy */
	BR_QI_E_KEY = -5,	 /* key derivation failed (a bug: never seen) */
	BR_QI_E_TRUNC = -6,	 /* a frame runs past the payload */
	BR_QI_E_FRAME = -7,	 /* a frame type an Initial may not carry */
	BR_QI_E_TOO_MANY = -8,	 /* more than BR_QI_MAX_CRYPTO CRYPTO frames */
	BR_QI_E_LIMIT = -9,	 /* more than BR_QI_MAX_STEPS steps */
	BR_QI_E_RANGE = -10,	 /* CRYPTO data beyond stream offset 2^32 */
};

struct br_qi_buf {
	__u8 b[BR_QI_BUF];
};

/* What br_qi_derive() leaves; a caller may keep it per DCID. */
struct br_qi_keys {
	struct br_aes128_key key; /* the AEAD key, expanded */
	struct br_aes128_key hp;  /* the header protection key, expanded */
	__u32 iv[3];		  /* big-endian words */
	__u32 version;
};

/* The derivation's scratch (a per-CPU map value in BPF). */
struct br_qi_work {
	struct br_hkdf_work h;
	struct br_hmac_key secret;
	/* what RFC 9001 A.1 and RFC 9369 A.1 print, kept for the tests */
	__u8 initial_secret[BR_SHA256_LEN];
	__u8 client_secret[BR_SHA256_LEN];
	__u8 key[BR_AES128_KEY_LEN];
	__u8 iv[BR_QI_IV_LEN];
	__u8 hp[BR_AES128_KEY_LEN];
} __attribute__((aligned(8)));

/* The packet, header protection removed (br_qi_unprotect). */
struct br_qi_pkt {
	__u32 pn;	   /* packet number (see the head comment) */
	__u16 payload_off; /* the payload (the frames) in the buffer */
	__u16 payload_len; /* less the 16-byte tag */
	__u16 end;	   /* the packet's end: where a coalesced one begins */
	__u16 dec_len;	   /* payload bytes decrypted so far, from 0 */
	__u8 first_byte;   /* unprotected */
	__u8 pn_len;	   /* 1 to 4 */
	__u8 reserved[2];
};

/* A CRYPTO frame's data: stream offset, length, where it is in the buffer */
struct br_qi_crypto {
	__u32 offset;
	__u16 len;
	__u16 pos;
};

/* struct br_qi_walk.seen: the frame types met, for the caller's record */
#define BR_QI_SEEN_PADDING (1 << 0)
#define BR_QI_SEEN_PING (1 << 1)
#define BR_QI_SEEN_ACK (1 << 2)
#define BR_QI_SEEN_CRYPTO (1 << 3)
#define BR_QI_SEEN_CLOSE (1 << 4)

/* The frame walk's state: br_qi_walk_init(), then br_qi_walk() calls. */
struct br_qi_walk {
	__u32 pos;	/* the next frame (or ACK range) in the buffer */
	__u32 stop;	/* the payload's end in the buffer */
	__u32 ack_left; /* ACK ranges still to skip */
	__u16 steps;
	__u8 ack_ecn; /* ECN counts follow the ranges */
	__u8 seen;    /* BR_QI_SEEN_* */
	__u8 ncrypto;
	__u8 pad[3];
	struct br_qi_crypto crypto[BR_QI_MAX_CRYPTO];
};

static const __u8 br_qi_salts[2][BR_QI_SALT_LEN] = {
	/* RFC 9001 §5.2 */
	{ 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a },
	/* RFC 9369 §3.3.1 */
	{ 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
	  0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 },
};

/*
 * The HMAC keys of the salts above (struct br_hmac_key: the SHA-256
 * states after their ipad and opad blocks), written by
 * tools/gen_qi_salt_keys.py and checked against br_hmac_setkey() by the
 * host test: a constant salt has constant pad blocks, and the derivation
 * starts from them, two SHA-256 blocks fewer (14, the fewest HMAC allows:
 * Extract 2, "client in" 2 + its key's 2, the client secret's key 2,
 * key, iv, hp 2 each).
 */
static const struct br_hmac_key br_qi_salt_keys[2] = {
	/* RFC 9001 §5.2 (v1) */
	{ .ih = { 0x2d5eed97, 0x70d71abf, 0x4c9b8799, 0xc4eb86b0,
		  0xe9b16e41, 0xd04322f6, 0xf73a0cb2, 0x9e23a203 },
	  .oh = { 0x0d3d813d, 0xcffa6f1f, 0x7dbcb03e, 0x923042dc,
		  0xd15a45f6, 0x55ab0325, 0xf3c23aab, 0x37426939 } },
	/* RFC 9369 §3.3.1 (v2) */
	{ .ih = { 0x9f201982, 0x7e771bd0, 0x601a8795, 0x5d7ab60d,
		  0x2ff30d4b, 0x72201a09, 0x6eaa0d12, 0xca4e4d6b },
	  .oh = { 0xbb153200, 0x003bcf3a, 0xf99876d1, 0xf698c9aa,
		  0x804d4d49, 0x7a379cfe, 0xc1eb346e, 0xadaf299f } },
};

/*
 * Whether qi (from br_quic_parse over the first len bytes of the
 * datagram, copied into the buffer) is an Initial this header can open:
 * QUIC v1 or v2 (the drafts had other salts), whole inside the copy.
 */
static __always_inline int br_qi_check(const struct br_quic_info *qi,
				       __u32 len)
{
	if (qi->kind != BR_QUIC_INITIAL)
		return BR_QI_E_NOT_INITIAL;
	if (qi->version != BR_QUIC_V1 && qi->version != BR_QUIC_V2)
		return BR_QI_E_VERSION;
	if (qi->dcid_len > BR_QUIC_CID_MAX ||
	    qi->length < BR_QUIC_HP_SAMPLE_END || len > BR_QI_BUF ||
	    (__u32)qi->pn_off + qi->length > len)
		return BR_QI_E_SHORT;
	return BR_QI_OK;
}

static __always_inline void br_qi_words(__u32 *w, const __u8 *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		w[i] = (__u32)p[4 * i] << 24 | (__u32)p[4 * i + 1] << 16 |
		       (__u32)p[4 * i + 2] << 8 | p[4 * i + 3];
}

/*
 * A secret's key, iv and hp (RFC 9001 §5.1, §5.4.1; RFC 9369 §3.3.2
 * renames the labels), the AES keys expanded. v2 is a constant in each
 * inlined copy, so each label is a constant string.
 */
static __always_inline int br_qi_derive_keys(struct br_qi_keys *k,
					     struct br_qi_work *w,
					     const int v2)
{
	struct br_aes_block blk;
	int err;

	err = br_hkdf_expand_label(&w->secret, v2 ? "quicv2 key" : "quic key",
				   v2 ? 10 : 8, w->key, BR_AES128_KEY_LEN,
				   &w->h);
	err |= br_hkdf_expand_label(&w->secret, v2 ? "quicv2 iv" : "quic iv",
				    v2 ? 9 : 7, w->iv, BR_QI_IV_LEN, &w->h);
	err |= br_hkdf_expand_label(&w->secret, v2 ? "quicv2 hp" : "quic hp",
				    v2 ? 9 : 7, w->hp, BR_AES128_KEY_LEN,
				    &w->h);
	if (err)
		return BR_QI_E_KEY;
	br_qi_words(blk.w, w->key, 4);
	err = br_aes128_expand(&k->key, &blk);
	br_qi_words(blk.w, w->hp, 4);
	err |= br_aes128_expand(&k->hp, &blk);
	br_qi_words(k->iv, w->iv, 3);
	return err ? BR_QI_E_KEY : BR_QI_OK;
}

/*
 * The client's Initial keys for the DCID and version of qi (RFC 9001
 * §5.2): initial_secret = HKDF-Extract(salt, DCID), client_initial_secret
 * = HKDF-Expand-Label(initial_secret, "client in", "", 32), then the keys
 * of br_qi_derive_keys().
 */
BR_QI_FN int br_qi_derive(struct br_qi_keys *k, const struct br_quic_info *qi,
			  struct br_qi_work *w)
{
	__u32 i, take, v2, cid_len;
	int err;

	if (!k || !qi || !w)
		return BR_QI_E_ARG;
	if (qi->version != BR_QUIC_V1 && qi->version != BR_QUIC_V2)
		return BR_QI_E_VERSION;
	cid_len = qi->dcid_len;
	if (cid_len > BR_QUIC_CID_MAX)
		return BR_QI_E_SHORT;
	v2 = qi->version == BR_QUIC_V2;
	br_hkdf_work_init(&w->h);

	w->secret = br_qi_salt_keys[v2 & 1];
	/* the DCID over the zeros, branch-free as in br_quic_parse */
	for (i = 0; i < BR_QUIC_CID_MAX; i++) {
		take = br_quic_lt(i, cid_len);
		w->h.m.b[i] = qi->dcid[i] & (0u - take);
	}
	err = br_hmac_final(&w->secret, &w->h, cid_len);
	for (i = 0; i < BR_SHA256_LEN; i++) {
		w->initial_secret[i] = w->h.out[i];
		w->h.m.b[i] = w->h.out[i];
	}
	err |= br_hmac_setkey(&w->secret, &w->h, BR_SHA256_LEN);
	err |= br_hkdf_expand_label(&w->secret, "client in", 9,
				    w->client_secret, BR_SHA256_LEN, &w->h);
	for (i = 0; i < BR_SHA256_LEN; i++)
		w->h.m.b[i] = w->client_secret[i];
	err |= br_hmac_setkey(&w->secret, &w->h, BR_SHA256_LEN);
	if (err)
		return BR_QI_E_KEY;
	k->version = qi->version;
	if (v2)
		return br_qi_derive_keys(k, w, 1);
	return br_qi_derive_keys(k, w, 0);
}

/*
 * RFC 9000 §A.3: the packet number closest to largest + 1 that ends in
 * the pn_len bytes truncated; largest < 0: none received yet.
 */
static __always_inline __u64 br_qi_decode_pn(__s64 largest, __u32 truncated,
					     __u32 pn_len)
{
	__s64 expected = largest + 1, win = 1ll << (8 * pn_len),
	      hwin = win / 2, cand;

	cand = (expected & ~(win - 1)) | truncated;
	if (cand <= expected - hwin && cand < (1ll << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

static __always_inline __u8 br_qi_byte(const struct br_aes_block *b,
				       __u32 i)
{
	return b->w[(i >> 2) & 3] >> (8 * (3 - (i & 3)));
}

/*
 * Header protection off (RFC 9001 §5.4): the 16 bytes at pn_off + 4,
 * encrypted with the hp key, mask the low 4 bits of the first byte (a
 * long header) and the packet number's bytes, as many as those bits
 * then say. The header is unprotected in buf, and pkt filled. qi and len
 * as for br_qi_check(), which this repeats: qi may come from anywhere.
 */
BR_QI_FN int br_qi_unprotect(const struct br_qi_keys *k, struct br_qi_buf *buf,
			     __u32 len, const struct br_quic_info *qi,
			     struct br_qi_pkt *pkt)
{
	struct br_aes_block mask;
	__u32 i, off, take, pn = 0, pn_len;
	__u8 first, b;
	int err;

	if (!k || !buf || !qi || !pkt)
		return BR_QI_E_ARG;
	err = br_qi_check(qi, len);
	if (err)
		return err;
	off = qi->pn_off + BR_QI_SAMPLE_OFF;
	for (i = 0; i < 4; i++, off += 4)
		mask.w[i] = (__u32)buf->b[off & BR_QI_MASK] << 24 |
			    (__u32)buf->b[(off + 1) & BR_QI_MASK] << 16 |
			    (__u32)buf->b[(off + 2) & BR_QI_MASK] << 8 |
			    buf->b[(off + 3) & BR_QI_MASK];
	br_aes128_encrypt(&k->hp, &mask);

	first = buf->b[0] ^ (br_qi_byte(&mask, 0) & 0x0f);
	buf->b[0] = first;
	pn_len = (first & 3) + 1;
	/* branch-free: bytes past the packet number are read, not changed */
	for (i = 0; i < 4; i++) {
		take = br_quic_lt(i, pn_len);
		off = (qi->pn_off + i) & BR_QI_MASK;
		b = buf->b[off] ^ (br_qi_byte(&mask, i + 1) & (0u - take));
		buf->b[off] = b;
		pn = (pn << (8 * take)) | (b & (0u - take));
	}
	pkt->first_byte = first;
	pkt->pn_len = pn_len;
	pkt->pn = pn;
	pkt->payload_off = qi->pn_off + pn_len;
	/* length >= 20 (br_qi_check): pn_len + the tag fit */
	pkt->payload_len = qi->length - pn_len - BR_QI_TAG_LEN;
	pkt->end = qi->pn_off + qi->length;
	pkt->dec_len = 0;
	return BR_QI_OK;
}

/* One bpf_loop() step of br_qi_decrypt(): the context, on the stack. */
struct br_qi_ctr {
	const struct br_qi_keys *k;
	struct br_qi_buf *buf;
	__u32 nonce[3];
	__u32 base; /* the payload in buf */
	__u32 from; /* payload bytes: the first block's, a multiple of 16 */
	__u32 to;   /* and the end */
};

/*
 * 8 bytes of the keystream, w0's then w1's (big-endian words), as a
 * 64-bit load of them from memory holds them: XORed 8 bytes at a time,
 * a block costs 4 loads and stores where byte by byte it cost 16 of each
 * and the shifts (about 15 ns a block in BPF).
 */
static __always_inline __u64 br_qi_ks64(__u32 w0, __u32 w1)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u64)__builtin_bswap32(w0) | (__u64)__builtin_bswap32(w1) << 32;
#else
	return (__u64)w0 << 32 | w1;
#endif
}

static __always_inline void br_qi_xor64(__u8 *p, __u64 ks)
{
#if defined(__bpf__) || defined(__BPF__)
	/* p need not be 8-aligned: the verifier asks it only of packets */
	*(__u64 *)p ^= ks;
#else
	__u64 v;

	__builtin_memcpy(&v, p, 8); /* unaligned: UBSan */
	v ^= ks;
	__builtin_memcpy(p, &v, 8);
#endif
}

/*
 * The 8 bytes at b[i, i + 8), i masked inside the buffer; past its end
 * (callers check i + 8 against the bytes they have first) all ones.
 */
static __always_inline __u64 br_qi_load64(const __u8 *b, __u32 i)
{
	__u64 v;

	i &= BR_QI_MASK;
	if (i > BR_QI_BUF - 8)
		return ~0ull;
#if defined(__bpf__) || defined(__BPF__)
	v = *(const __u64 *)&b[i]; /* unaligned: as br_qi_xor64 */
#else
	__builtin_memcpy(&v, &b[i], 8);
#endif
	return v;
}

/* v into b[i, i + 8), i masked inside the buffer; nothing past its end. */
static __always_inline void br_qi_store64(__u8 *b, __u32 i, __u64 v)
{
	i &= BR_QI_MASK;
	if (i > BR_QI_BUF - 8)
		return;
#if defined(__bpf__) || defined(__BPF__)
	*(__u64 *)&b[i] = v; /* unaligned: as br_qi_xor64 */
#else
	__builtin_memcpy(&b[i], &v, 8);
#endif
}

/*
 * Block i from from on: the keystream block for counter 2 + its index in
 * the payload, XORed over the payload's bytes below to; the bytes of the
 * block past to (the tag's, still inside the packet) are XORed with 0.
 */
static long br_qi_ctr_step(__u32 i, void *ctx)
{
	struct br_qi_ctr *c = ctx;
	struct br_aes_block ks;
	__u32 j, off, take, x;

	off = c->from + i * BR_AES_BLOCK_LEN;
	if (off >= c->to)
		return 1;
	ks.w[0] = c->nonce[0];
	ks.w[1] = c->nonce[1];
	ks.w[2] = c->nonce[2];
	ks.w[3] = 2 + off / BR_AES_BLOCK_LEN;
	br_aes128_encrypt(&c->k->key, &ks);
	if (off + BR_AES_BLOCK_LEN <= c->to) {
		/* a whole block (all but the last): two 8-byte XORs */
		x = (c->base + off) & BR_QI_MASK;
		/* never for br_qi_unprotect's pkt: the packet is in buf */
		if (x > BR_QI_BUF - BR_AES_BLOCK_LEN)
			return 1;
		br_qi_xor64(&c->buf->b[x], br_qi_ks64(ks.w[0], ks.w[1]));
		br_qi_xor64(&c->buf->b[x + 8], br_qi_ks64(ks.w[2], ks.w[3]));
		return 0;
	}
	for (j = 0; j < BR_AES_BLOCK_LEN; j++) {
		take = br_quic_lt(off + j, c->to);
		x = (c->base + off + j) & BR_QI_MASK;
		c->buf->b[x] ^= br_qi_byte(&ks, j) & (0u - take);
	}
	return 0;
}

/*
 * The payload decrypted in place from pkt->dec_len up to to (clipped to
 * the payload), with the AES-GCM keystream and without the tag (see the
 * head comment). Call br_qi_unprotect() first: the nonce takes the
 * packet number.
 */
BR_QI_FN int br_qi_decrypt(const struct br_qi_keys *k, struct br_qi_buf *buf,
			   struct br_qi_pkt *pkt, __u32 to)
{
	struct br_qi_ctr c;

	if (!k || !buf || !pkt || !pkt->pn_len)
		return BR_QI_E_ARG;
	/* whole blocks: the next call starts on a block's first byte */
	to = (to + BR_AES_BLOCK_LEN - 1) & ~(__u32)(BR_AES_BLOCK_LEN - 1);
	if (to > pkt->payload_len)
		to = pkt->payload_len;
	if (pkt->dec_len >= to)
		return BR_QI_OK;
	if (pkt->dec_len & (BR_AES_BLOCK_LEN - 1))
		return BR_QI_E_ARG;
	c.k = k;
	c.buf = buf;
	/* nonce = iv XOR the packet number, left-padded (RFC 9001 §5.3) */
	c.nonce[0] = k->iv[0];
	c.nonce[1] = k->iv[1];
	c.nonce[2] = k->iv[2] ^ pkt->pn;
	c.base = pkt->payload_off;
	c.from = pkt->dec_len;
	c.to = to;
#if defined(__bpf__) || defined(__BPF__)
	bpf_loop(BR_QI_BLOCKS, br_qi_ctr_step, &c, 0);
#else
	for (__u32 i = 0; i < BR_QI_BLOCKS; i++)
		if (br_qi_ctr_step(i, &c))
			break;
#endif
	pkt->dec_len = to;
	return BR_QI_OK;
}

static __always_inline void br_qi_walk_init(struct br_qi_walk *st,
					    const struct br_qi_pkt *pkt)
{
	__builtin_memset(st, 0, sizeof(*st));
	st->pos = pkt->payload_off;
	st->stop = pkt->payload_off + pkt->payload_len;
}

/* One bpf_loop() step of br_qi_walk(): the context, on the stack. */
struct br_qi_walker {
	struct br_qi_walk *st;
	const struct br_qi_buf *buf;
	__u32 end; /* decrypted bytes end here in buf */
	int result;
};

/* Out of bytes at end: more may be decrypted, or the frame is cut. */
static __always_inline long br_qi_short(struct br_qi_walker *w)
{
	w->result = w->end < w->st->stop ? BR_QI_MORE : BR_QI_E_TRUNC;
	return 1;
}

static __always_inline long br_qi_fail(struct br_qi_walker *w, int result)
{
	w->result = result;
	return 1;
}

/*
 * n varints from p on into v[0, n); the position after them, or 0 when
 * they do not all fit below end.
 */
static __always_inline __u32 br_qi_varints(const __u8 *b, __u32 p, __u32 end,
					   __u64 *v, int n)
{
	__u32 k;
	int i;

	for (i = 0; i < n; i++) {
		k = br_quic_varint(b, p, end, &v[i]);
		if (!k)
			return 0;
		p += k;
	}
	return p;
}

/*
 * One step: one frame, one ACK range (or the ECN counts after them), or
 * a run of up to BR_QI_PAD_RUN PADDING bytes. A frame not whole below
 * end is left for the next call, st->pos on its first byte, so that the
 * walk resumes there.
 */
static long br_qi_walk_step(__u32 i, void *ctx)
{
	struct br_qi_walker *w = ctx;
	struct br_qi_walk *st = w->st;
	const __u8 *b = w->buf->b;
	__u32 p = st->pos, end = w->end, n, k;
	__u64 v[4];
	__u8 type;

	(void)i;
	if (p >= st->stop)
		return br_qi_fail(w, BR_QI_OK);
	if (st->steps >= BR_QI_MAX_STEPS)
		return br_qi_fail(w, BR_QI_E_LIMIT);
	if (p >= end)
		return br_qi_short(w);
	st->steps++;

	if (st->ack_left) {
		/* Gap and ACK Range Length (RFC 9000 §19.3.1) */
		p = br_qi_varints(b, p, end, v, 2);
		if (!p)
			return br_qi_short(w);
		st->ack_left--;
		st->pos = p;
		return 0;
	}
	if (st->ack_ecn) {
		/* ECT0, ECT1, ECN-CE counts (RFC 9000 §19.3.2) */
		p = br_qi_varints(b, p, end, v, 3);
		if (!p)
			return br_qi_short(w);
		st->ack_ecn = 0;
		st->pos = p;
		return 0;
	}

	/* a type byte of 0x40 or more is a longer varint: no Initial frame */
	type = b[p & BR_QI_MASK];
	switch (type) {
	case BR_QI_FRAME_PADDING:
		/*
		 * 8 zero bytes at a time (one 64-bit load), then byte by
		 * byte: the same run, 16 steps at most where 63 were.
		 */
		for (n = 1; n + 8 <= BR_QI_PAD_RUN; n += 8)
			if (p + n + 8 > end || br_qi_load64(b, p + n))
				break;
		for (k = 0; k < 8; k++, n++)
			if (n >= BR_QI_PAD_RUN || p + n >= end ||
			    b[(p + n) & BR_QI_MASK])
				break;
		st->seen |= BR_QI_SEEN_PADDING;
		st->pos = p + n;
		return 0;
	case BR_QI_FRAME_PING:
		st->seen |= BR_QI_SEEN_PING;
		st->pos = p + 1;
		return 0;
	case BR_QI_FRAME_ACK:
	case BR_QI_FRAME_ACK_ECN:
		/* Largest Acknowledged, ACK Delay, Range Count, First Range */
		p = br_qi_varints(b, p + 1, end, v, 4);
		if (!p)
			return br_qi_short(w);
		/* a range takes two bytes at least: a count past that is cut */
		if (v[2] > (st->stop - p) / 2)
			return br_qi_fail(w, BR_QI_E_TRUNC);
		st->ack_left = v[2];
		st->ack_ecn = type == BR_QI_FRAME_ACK_ECN;
		st->seen |= BR_QI_SEEN_ACK;
		st->pos = p;
		return 0;
	case BR_QI_FRAME_CRYPTO:
		/* Offset, Length, Crypto Data (RFC 9000 §19.6) */
		p = br_qi_varints(b, p + 1, end, v, 2);
		if (!p)
			return br_qi_short(w);
		if (v[1] > st->stop - p)
			return br_qi_fail(w, BR_QI_E_TRUNC);
		if (v[1] > end - p)
			return br_qi_short(w);
		if (v[0] + v[1] > 0xffffffffull)
			return br_qi_fail(w, BR_QI_E_RANGE);
		n = st->ncrypto;
		if (n >= BR_QI_MAX_CRYPTO)
			return br_qi_fail(w, BR_QI_E_TOO_MANY);
		st->crypto[n & (BR_QI_MAX_CRYPTO - 1)].offset = v[0];
		st->crypto[n & (BR_QI_MAX_CRYPTO - 1)].len = v[1];
		st->crypto[n & (BR_QI_MAX_CRYPTO - 1)].pos = p;
		st->ncrypto = n + 1;
		st->seen |= BR_QI_SEEN_CRYPTO;
		st->pos = p + v[1];
		return 0;
	case BR_QI_FRAME_CLOSE:
		/* Error Code, Frame Type, Reason Phrase Length, Reason */
		p = br_qi_varints(b, p + 1, end, v, 3);
		if (!p)
			return br_qi_short(w);
		if (v[2] > st->stop - p)
			return br_qi_fail(w, BR_QI_E_TRUNC);
		if (v[2] > end - p)
			return br_qi_short(w);
		st->seen |= BR_QI_SEEN_CLOSE;
		st->pos = p + v[2];
		return 0;
	default:
		return br_qi_fail(w, BR_QI_E_FRAME);
	}
}

/*
 * Walk the frames from st->pos over the bytes decrypted so far.
 * BR_QI_OK: the payload's end reached; BR_QI_MORE: the next frame is not
 * whole in the decrypted bytes (decrypt more and call again); an error:
 * the walk is over, the CRYPTO frames reported so far stand.
 */
BR_QI_FN int br_qi_walk(struct br_qi_walk *st, const struct br_qi_buf *buf,
			const struct br_qi_pkt *pkt)
{
	struct br_qi_walker w;

	if (!st || !buf || !pkt)
		return BR_QI_E_ARG;
	w.st = st;
	w.buf = buf;
	w.end = pkt->payload_off + pkt->dec_len;
	w.result = BR_QI_E_LIMIT;
	if (st->stop > BR_QI_BUF || w.end > st->stop)
		return BR_QI_E_ARG;
#if defined(__bpf__) || defined(__BPF__)
	bpf_loop(BR_QI_MAX_STEPS + 1, br_qi_walk_step, &w, 0);
#else
	for (__u32 i = 0; i <= BR_QI_MAX_STEPS; i++)
		if (br_qi_walk_step(i, &w))
			break;
#endif
	return w.result;
}

/* One bpf_loop() step of a copy: 16 bytes. The context, on the stack. */
struct br_qi_copy {
	struct br_qi_buf *dst;
	const struct br_qi_buf *src;
	__u32 doff, soff, n;
};

/*
 * Bytes 16 i to 16 i + 15 of the copy; the last, partial 16 branch-free:
 * a byte past n reads src[soff] (inside the copy) and writes dst back
 * unchanged.
 */
static long br_qi_copy_step(__u32 i, void *ctx)
{
	struct br_qi_copy *c = ctx;
	__u32 j, k, take, x, s0, d0;
	__u8 d, s;

	if (i * BR_AES_BLOCK_LEN >= c->n)
		return 1;
	k = i * BR_AES_BLOCK_LEN;
	s0 = (c->soff + k) & BR_QI_MASK;
	d0 = (c->doff + k) & BR_QI_MASK;
	/* a whole 16 bytes, both ends inside the buffers: two 8-byte moves */
	if (k + BR_AES_BLOCK_LEN <= c->n && s0 <= BR_QI_BUF - 16 &&
	    d0 <= BR_QI_BUF - 16) {
		br_qi_store64(c->dst->b, d0, br_qi_load64(c->src->b, s0));
		br_qi_store64(c->dst->b, d0 + 8, br_qi_load64(c->src->b, s0 + 8));
		return 0;
	}
	for (j = 0; j < BR_AES_BLOCK_LEN; j++) {
		k = i * BR_AES_BLOCK_LEN + j;
		take = br_quic_lt(k, c->n);
		x = (c->doff + k) & BR_QI_MASK;
		s = c->src->b[(c->soff + k * take) & BR_QI_MASK];
		d = c->dst->b[x];
		c->dst->b[x] = d ^ ((d ^ s) & (0u - take));
	}
	return 0;
}

/*
 * 1 when a < b, for a, b < 2^63, without a branch (as br_quic_lt): a
 * branch per frame and round would give the verifier 2^8 paths a round.
 */
static __always_inline __u64 br_qi_lt(__u64 a, __u64 b)
{
	asm volatile("" : "+r"(b));
	return (a - b) >> 63;
}

/*
 * The first of the walk's CRYPTO frames that holds stream byte have
 * (BR_QI_MAX_CRYPTO if none), chosen without a branch.
 */
static __always_inline __u32 br_qi_holder(const struct br_qi_walk *st,
					  __u32 have)
{
	__u64 off, end, c, found = 0, hit = 0;
	__u32 f;

	for (f = 0; f < BR_QI_MAX_CRYPTO; f++) {
		off = st->crypto[f].offset;
		end = off + st->crypto[f].len;
		c = br_qi_lt(f, st->ncrypto) & (1 - br_qi_lt(have, off)) &
		    br_qi_lt(have, end) & (1 - found);
		hit += f * c;
		found |= c;
	}
	return found ? hit : BR_QI_MAX_CRYPTO;
}

/*
 * The crypto stream from offset 0 on, as far as this packet's CRYPTO
 * frames hold it without a gap, into out[0, *len). Where frames overlap,
 * the first in packet order gives the bytes (RFC 9000 §2.2 forbids a
 * sender to change them; a receiver keeps what it has). out's bytes
 * from *len on are unspecified. An empty prefix (no frame at offset 0)
 * is BR_QI_OK with *len 0. Each round copies from one frame, and a frame
 * serves one round at most: BR_QI_MAX_CRYPTO rounds.
 */
BR_QI_FN int br_qi_crypto_prefix(const struct br_qi_walk *st,
				 const struct br_qi_buf *buf,
				 struct br_qi_buf *out, __u32 *len)
{
	const struct br_qi_crypto *fr;
	struct br_qi_copy c;
	__u32 r, hit, have = 0;

	if (!st || !buf || !out || !len)
		return BR_QI_E_ARG;
	c.dst = out;
	c.src = buf;
	for (r = 0; r < BR_QI_MAX_CRYPTO; r++) {
		hit = br_qi_holder(st, have);
		if (hit >= BR_QI_MAX_CRYPTO || have >= BR_QI_BUF)
			break;
		/* opaque to clang, which would drop the mask the verifier needs */
		asm volatile("" : "+r"(hit));
		fr = &st->crypto[hit & (BR_QI_MAX_CRYPTO - 1)];
		c.n = fr->offset + fr->len - have;
		if (c.n > BR_QI_BUF - have)
			c.n = BR_QI_BUF - have;
		c.doff = have;
		c.soff = fr->pos + (have - fr->offset);
#if defined(__bpf__) || defined(__BPF__)
		bpf_loop(BR_QI_BLOCKS, br_qi_copy_step, &c, 0);
#else
		for (__u32 i = 0; i < BR_QI_BLOCKS; i++)
			if (br_qi_copy_step(i, &c))
				break;
#endif
		have += c.n;
	}
	*len = have;
	return BR_QI_OK;
}

#endif /* BR_QUIC_INITIAL_H */
