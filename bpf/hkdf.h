/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * hkdf.h - HMAC-SHA256 (RFC 2104) and HKDF (RFC 5869) on sha256.h, with
 * TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1): what QUIC's Initial keys
 * are derived with (RFC 9001 §5.2).
 *
 * An HMAC key is kept as its two pad blocks already compressed (struct
 * br_hmac_key): HMAC(key, m) then costs the blocks of m plus one, and
 * the QUIC key schedule, which uses each secret for two to four HMACs,
 * runs 16 SHA-256 blocks where a plain HMAC would run 24 (14 with the
 * salt's key precomputed, as quic_initial.h does).
 *
 * Messages and keys are written into the work buffer w->m (a struct
 * br_sha256_buf) and hashed from there; the two functions that hash
 * (br_hmac_setkey, br_hmac_final) take them only there, so that in BPF
 * they can be global functions (BR_HKDF_FN), each verified once however
 * many times the key schedule calls it. The convenience functions below
 * them copy from caller buffers with loops bounded by constants; in BPF
 * they need buffers the verifier can see whole (stack, map value,
 * .rodata), and inline into their caller.
 *
 * Limits, fixed because QUIC needs no more: keys of at most 64 bytes
 * (RFC 2104 hashes a longer one first; a QUIC salt has 20 bytes, a
 * secret 32); messages of at most BR_HMAC_MAX_MSG bytes (two blocks after
 * the pad block: a DCID has 20, an HkdfLabel 20 or 21); HKDF-Expand
 * output of at most BR_HKDF_MAX_OUT bytes.
 *
 * Pure code on linux/types.h: compiles for BPF and for the host.
 */
#ifndef BR_HKDF_H
#define BR_HKDF_H

#include <linux/types.h>
#include "sha256.h"

#if defined(__bpf__) || defined(__BPF__)
#define BR_HKDF_FN __noinline
#else
#define BR_HKDF_FN static inline
#endif

#define BR_SHA256_LEN 32
#define BR_HMAC_BLOCK 64
#define BR_HMAC_MAX_KEY BR_HMAC_BLOCK
/* m[0, 128) is all a message and its padding use: two blocks */
#define BR_HMAC_AREA 128
#define BR_HMAC_MAX_MSG (BR_HMAC_AREA - 9)
#define BR_HKDF_MAX_OUT 64 /* two rounds of HKDF-Expand */
/* T(i-1), the info, the counter byte: one HMAC message */
#define BR_HKDF_MAX_INFO (BR_HMAC_MAX_MSG - BR_SHA256_LEN - 1)
#define BR_HKDF_LABEL_PREFIX "tls13 "
#define BR_HKDF_LABEL_PREFIX_LEN 6
/* HkdfLabel: length (2), label length (1), label, context length (1) */
#define BR_HKDF_MAX_LABEL (BR_HKDF_MAX_INFO - 4 - BR_HKDF_LABEL_PREFIX_LEN)

enum br_hkdf_result {
	BR_HKDF_OK = 0,
	BR_HKDF_E_ARG = -1, /* a NULL pointer (BPF: a global function's) */
	BR_HKDF_E_LEN = -2, /* a key, message, info or output too long */
};

/* A key's pad blocks, compressed: SHA-256 states after key^ipad, key^opad */
struct br_hmac_key {
	__u32 ih[8];
	__u32 oh[8];
};

/*
 * The scratch of every function here (a per-CPU map value in BPF). m
 * first and the struct 8-aligned: m[0, BR_HMAC_AREA) is cleared with
 * 64-bit stores. Between calls m[0, BR_HMAC_AREA) is zero: each function
 * expects it so (the message or key written over the zeros) and leaves it
 * so; br_hkdf_work_init() makes it so once.
 */
struct br_hkdf_work {
	struct br_sha256_buf m;
	struct br_sha256 sha;
	__u8 out[BR_SHA256_LEN]; /* the last HMAC */
} __attribute__((aligned(8)));

static __always_inline void br_hkdf_clear(struct br_hkdf_work *w)
{
	__builtin_memset(w->m.b, 0, BR_HMAC_AREA);
}

static __always_inline void br_hkdf_work_init(struct br_hkdf_work *w)
{
	br_hkdf_clear(w);
}

static __always_inline void br_sha256_digest(const struct br_sha256 *s,
					     __u8 *out)
{
	int i;

	for (i = 0; i < 8; i++) {
		out[4 * i] = s->h[i] >> 24;
		out[4 * i + 1] = s->h[i] >> 16;
		out[4 * i + 2] = s->h[i] >> 8;
		out[4 * i + 3] = s->h[i];
	}
}

/* One block of w->m (64 bytes from 0) onto the state h, into out. */
static __always_inline void br_hmac_pad_block(struct br_hkdf_work *w,
					      __u32 *out)
{
	int i;

	br_sha256_init(&w->sha);
	br_sha256_block(&w->sha, &w->m, 0);
	for (i = 0; i < 8; i++)
		out[i] = w->sha.h[i];
}

/*
 * The key in w->m.b[0, len) (len <= BR_HMAC_MAX_KEY) into k: its pad
 * blocks, compressed (RFC 2104: K zero-padded to 64 bytes, XOR 0x36 for
 * the inner, 0x5c for the outer hash).
 */
BR_HKDF_FN int br_hmac_setkey(struct br_hmac_key *k, struct br_hkdf_work *w,
			      __u32 len)
{
	int i;

	if (!k || !w)
		return BR_HKDF_E_ARG;
	if (len > BR_HMAC_MAX_KEY) {
		br_hkdf_clear(w);
		return BR_HKDF_E_LEN;
	}
	for (i = 0; i < BR_HMAC_BLOCK; i++)
		w->m.b[i] ^= 0x36;
	br_hmac_pad_block(w, k->ih);
	for (i = 0; i < BR_HMAC_BLOCK; i++)
		w->m.b[i] ^= 0x36 ^ 0x5c;
	br_hmac_pad_block(w, k->oh);
	br_hkdf_clear(w);
	return BR_HKDF_OK;
}

/*
 * HMAC(k, w->m.b[0, len)) into w->out (len <= BR_HMAC_MAX_MSG): the inner
 * hash resumes after the compressed ipad block, the outer after the opad.
 */
BR_HKDF_FN int br_hmac_final(const struct br_hmac_key *k,
			     struct br_hkdf_work *w, __u32 len)
{
	int i;

	if (!k || !w)
		return BR_HKDF_E_ARG;
	if (len > BR_HMAC_MAX_MSG) {
		br_hkdf_clear(w);
		return BR_HKDF_E_LEN;
	}
	for (i = 0; i < 8; i++)
		w->sha.h[i] = k->ih[i];
	br_sha256_resume(&w->sha, &w->m, len, BR_HMAC_BLOCK);
	br_hkdf_clear(w);
	br_sha256_digest(&w->sha, w->m.b);
	for (i = 0; i < 8; i++)
		w->sha.h[i] = k->oh[i];
	br_sha256_resume(&w->sha, &w->m, BR_SHA256_LEN, BR_HMAC_BLOCK);
	br_hkdf_clear(w);
	br_sha256_digest(&w->sha, w->out);
	return BR_HKDF_OK;
}

/* src[0, len) into w->m.b from off on; len + off <= BR_HMAC_AREA. */
static __always_inline void br_hkdf_put(struct br_hkdf_work *w, __u32 off,
					const __u8 *src, __u32 len)
{
	__u32 i;

	for (i = 0; i < BR_HMAC_AREA; i++) {
		if (i >= len || off + i >= BR_HMAC_AREA)
			break;
		w->m.b[off + i] = src[i];
	}
}

/* An HMAC key from key[0, len). */
static __always_inline int br_hmac_key_from(struct br_hmac_key *k,
					    struct br_hkdf_work *w,
					    const __u8 *key, __u32 len)
{
	if (len > BR_HMAC_MAX_KEY)
		return BR_HKDF_E_LEN;
	br_hkdf_put(w, 0, key, len);
	return br_hmac_setkey(k, w, len);
}

/* HMAC-SHA256(key, msg) into out[0, 32). */
static __always_inline int br_hmac_sha256(const __u8 *key, __u32 key_len,
					  const __u8 *msg, __u32 msg_len,
					  __u8 *out, struct br_hkdf_work *w)
{
	struct br_hmac_key k;
	int err, i;

	err = br_hmac_key_from(&k, w, key, key_len);
	if (err)
		return err;
	if (msg_len > BR_HMAC_MAX_MSG)
		return BR_HKDF_E_LEN;
	br_hkdf_put(w, 0, msg, msg_len);
	err = br_hmac_final(&k, w, msg_len);
	if (err)
		return err;
	for (i = 0; i < BR_SHA256_LEN; i++)
		out[i] = w->out[i];
	return BR_HKDF_OK;
}

/*
 * HKDF-Extract(salt, IKM) (RFC 5869 §2.2) into prk[0, 32) and, ready for
 * HKDF-Expand, into the key *k.
 */
static __always_inline int br_hkdf_extract(struct br_hmac_key *k, __u8 *prk,
					   const __u8 *salt, __u32 salt_len,
					   const __u8 *ikm, __u32 ikm_len,
					   struct br_hkdf_work *w)
{
	int err;

	err = br_hmac_sha256(salt, salt_len, ikm, ikm_len, prk, w);
	if (err)
		return err;
	return br_hmac_key_from(k, w, prk, BR_SHA256_LEN);
}

/*
 * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3) into out[0, out_len): T(i) =
 * HMAC(PRK, T(i-1) | info | i), for out_len <= BR_HKDF_MAX_OUT.
 */
static __always_inline int br_hkdf_expand(const struct br_hmac_key *prk,
					  const __u8 *info, __u32 info_len,
					  __u8 *out, __u32 out_len,
					  struct br_hkdf_work *w)
{
	__u32 i, j, t = 0, done = 0;
	int err;

	if (info_len > BR_HKDF_MAX_INFO || out_len > BR_HKDF_MAX_OUT)
		return BR_HKDF_E_LEN;
	for (i = 1; i <= BR_HKDF_MAX_OUT / BR_SHA256_LEN; i++) {
		if (done >= out_len)
			break;
		/* T(i-1) is still in w->out: the HMAC just before */
		if (t)
			br_hkdf_put(w, 0, w->out, t);
		br_hkdf_put(w, t, info, info_len);
		w->m.b[(t + info_len) & BR_SHA256_MASK] = i;
		err = br_hmac_final(prk, w, t + info_len + 1);
		if (err)
			return err;
		for (j = 0; j < BR_SHA256_LEN; j++) {
			if (done + j >= out_len)
				break;
			out[done + j] = w->out[j];
		}
		done += BR_SHA256_LEN;
		t = BR_SHA256_LEN;
	}
	return BR_HKDF_OK;
}

/*
 * HKDF-Expand-Label(Secret, Label, "", Length) (RFC 8446 §7.1): HKDF-
 * Expand with the info HkdfLabel = Length (2 bytes), "tls13 " Label
 * with its length (1 byte), an empty Context (its length byte, 0).
 */
static __always_inline int br_hkdf_expand_label(const struct br_hmac_key *k,
						const char *label,
						__u32 label_len, __u8 *out,
						__u32 out_len,
						struct br_hkdf_work *w)
{
	__u8 info[BR_HKDF_MAX_INFO];
	__u32 i, n = 0;

	if (label_len > BR_HKDF_MAX_LABEL)
		return BR_HKDF_E_LEN;
	info[n++] = out_len >> 8;
	info[n++] = out_len;
	info[n++] = BR_HKDF_LABEL_PREFIX_LEN + label_len;
	for (i = 0; i < BR_HKDF_LABEL_PREFIX_LEN; i++)
		info[n++] = BR_HKDF_LABEL_PREFIX[i];
	for (i = 0; i < BR_HKDF_MAX_LABEL; i++) {
		if (i >= label_len)
			break;
		info[n++] = label[i];
	}
	info[n++] = 0;
	return br_hkdf_expand(k, info, n, out, out_len, w);
}

#endif /* BR_HKDF_H */
