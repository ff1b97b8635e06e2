/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sha256.h - SHA-256 (FIPS 180-4) of a short message, for the JA4 hashes.
 *
 * The message sits in a buffer of BR_SHA256_BUF bytes, zero after it:
 * the padding is written in place, and every index is masked to the
 * buffer, so the same code passes the verifier and runs on the host. In
 * BPF a block is a global function (BR_SHA256_BLOCK_FN): the verifier
 * walks its constant-bound loops (16 words, 48 more, 64 rounds) once,
 * about 3,000 instructions, where walking up to 8 blocks inline, as many
 * times as the caller had ways to reach it, went past its 1M, and a
 * bpf_loop() callback was walked again until its state settled.
 *
 * Pure code on linux/types.h: compiles for BPF and for the host.
 */
#ifndef BR_SHA256_H
#define BR_SHA256_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define BR_SHA256_BUF 512 /* power of two: indexes are masked */
#define BR_SHA256_MASK (BR_SHA256_BUF - 1)
#define BR_SHA256_BLOCKS (BR_SHA256_BUF / 64)
/* the longest message that leaves room for its padding */
#define BR_SHA256_MAX_MSG (BR_SHA256_BUF - 9)

/* The message buffer, as a type: a global function's pointer argument. */
struct br_sha256_buf {
	__u8 b[BR_SHA256_BUF];
};

struct br_sha256 {
	__u32 h[8];
	__u32 v[8];	/* a..h of the rounds, rotating (br_sha256_block) */
	__u32 w[64];
};

static const __u32 br_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static __always_inline __u32 br_ror32(__u32 x, __u32 n)
{
	return x >> n | x << (32 - n);
}

/* One 64-byte block of m, from byte off on, into s->h. */
#if defined(__bpf__) || defined(__BPF__)
__noinline int br_sha256_block(struct br_sha256 *s,
			       const struct br_sha256_buf *m, __u32 off)
#else
static inline int br_sha256_block(struct br_sha256 *s,
				  const struct br_sha256_buf *m, __u32 off)
#endif
{
	__u32 a, b, c, e, f, g, t1, t2, x, y, *v;
	const __u8 *buf;
	int i;

	if (!s || !m)
		return 0;
	v = s->v;
	buf = m->b;

	for (i = 0; i < 16; i++) {
		x = off + i * 4;
		s->w[i] = (__u32)buf[x & BR_SHA256_MASK] << 24 |
			  (__u32)buf[(x + 1) & BR_SHA256_MASK] << 16 |
			  (__u32)buf[(x + 2) & BR_SHA256_MASK] << 8 |
			  buf[(x + 3) & BR_SHA256_MASK];
	}
	for (i = 16; i < 64; i++) {
		x = s->w[(i - 15) & 63];
		y = s->w[(i - 2) & 63];
		s->w[i & 63] = s->w[(i - 16) & 63] + s->w[(i - 7) & 63] +
			       (br_ror32(x, 7) ^ br_ror32(x, 18) ^ x >> 3) +
			       (br_ror32(y, 17) ^ br_ror32(y, 19) ^ y >> 10);
	}
	for (i = 0; i < 8; i++)
		v[i] = s->h[i];
	/*
	 * a..h rotate through v[] instead of moving: round i finds a at
	 * v[-i & 7], b at v[(1 - i) & 7] and so on, and writes only the new
	 * a (where h was) and the new e (where d was). Eight words in
	 * registers took a bpf_loop() callback's stack to 136 bytes, too
	 * much for the program's longest chain of calls.
	 */
	for (i = 0; i < 64; i++) {
		a = v[(0 - i) & 7];
		b = v[(1 - i) & 7];
		c = v[(2 - i) & 7];
		e = v[(4 - i) & 7];
		f = v[(5 - i) & 7];
		g = v[(6 - i) & 7];
		t1 = v[(7 - i) & 7] +
		     (br_ror32(e, 6) ^ br_ror32(e, 11) ^ br_ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + br_sha256_k[i & 63] + s->w[i & 63];
		t2 = (br_ror32(a, 2) ^ br_ror32(a, 13) ^ br_ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		v[(3 - i) & 7] += t1;
		v[(7 - i) & 7] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
	return 0;
}

static __always_inline void br_sha256_init(struct br_sha256 *s)
{
	s->h[0] = 0x6a09e667;
	s->h[1] = 0xbb67ae85;
	s->h[2] = 0x3c6ef372;
	s->h[3] = 0xa54ff53a;
	s->h[4] = 0x510e527f;
	s->h[5] = 0x9b05688c;
	s->h[6] = 0x1f83d9ab;
	s->h[7] = 0x5be0cd19;
}

/*
 * The end of a message whose first done bytes (a multiple of 64) are
 * already in s->h: the rest is buf[0, len) (len <= BR_SHA256_MAX_MSG,
 * the rest of buf zero), the padding counts done + len bytes. HMAC
 * (hkdf.h) resumes from its key's compressed pad block this way.
 */
static __always_inline int br_sha256_resume(struct br_sha256 *s,
					    struct br_sha256_buf *m,
					    __u32 len, __u32 done)
{
	__u8 *buf = m->b;
	__u32 i, end, blocks;
	__u64 bits = ((__u64)done + len) * 8;

	if (len > BR_SHA256_MAX_MSG)
		return -1;
	blocks = (len + 9 + 63) / 64;
	end = blocks * 64;
	buf[len & BR_SHA256_MASK] = 0x80;
	for (i = 0; i < 8; i++)
		buf[(end - 1 - i) & BR_SHA256_MASK] = (__u8)(bits >> (8 * i));

	/*
	 * Hidden from clang, which knows blocks <= BR_SHA256_BLOCKS from the
	 * check of len and would loop to blocks alone: a bound the verifier,
	 * seeing len checked in another register, cannot tell is finite.
	 */
	asm volatile("" : "+r"(blocks));
	for (i = 0; i < BR_SHA256_BLOCKS; i++) {
		if (i >= blocks)
			break;
		br_sha256_block(s, m, i * 64);
	}
	return 0;
}

/*
 * The digest of buf[0, len) (len <= BR_SHA256_MAX_MSG, the rest of buf
 * zero) in s->h; the padding is written into buf. Returns -1 if the
 * message is too long.
 */
static __always_inline int br_sha256(struct br_sha256 *s,
				     struct br_sha256_buf *m, __u32 len)
{
	br_sha256_init(s);
	return br_sha256_resume(s, m, len, 0);
}

#endif /* BR_SHA256_H */
