/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sha256.h - SHA-256 (FIPS 180-4) of a short message, for the JA4 hashes.
 *
 * The message sits in a buffer of BR_SHA256_BUF bytes, zero after it:
 * the padding is written in place, and every index is masked to the
 * buffer, so the same code passes the verifier and runs on the host. In
 * BPF a block is a global function: the verifier walks it once, about
 * 4,700 instructions without a loop (the 64 rounds unrolled), where
 * walking up to 8 blocks inline, as many times as the caller had ways to
 * reach it, went past its 1M, and a bpf_loop() callback was walked again
 * until its state settled.
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
	__u32 w[16];	/* the message schedule, a ring (br_sha256_block) */
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

/*
 * The rounds keep their words in __u64 registers whose upper halves are
 * left dirty: a sum or a bitwise operation's low 32 bits do not depend
 * on them, and only the rotations need the word clean. Without alu32,
 * BPF clears a 32-bit result with two shifts after every operation;
 * here a rotation's input is cleared and doubled once (br_sha_dup: x in
 * both halves), and each rotation is then one shift of the double.
 * Opaque to clang, which would see rotations and narrow them back.
 */
static __always_inline __u64 br_sha_opaque(__u64 x)
{
#if defined(__bpf__) || defined(__BPF__)
	asm volatile("" : "+r"(x));
#endif
	return x;
}

/* the low 32 bits of x in both halves: ror(x, n) is then (dup >> n) */
static __always_inline __u64 br_sha_dup(__u64 x)
{
	x <<= 32;
	return br_sha_opaque(x | x >> 32);
}

static __always_inline __u64 br_sha_S0(__u64 a)
{
	__u64 d = br_sha_dup(a);

	return (d >> 2) ^ (d >> 13) ^ (d >> 22);
}

static __always_inline __u64 br_sha_S1(__u64 e)
{
	__u64 d = br_sha_dup(e);

	return (d >> 6) ^ (d >> 11) ^ (d >> 25);
}

/* sigma0, sigma1 of the schedule: x is a clean word (a 32-bit load) */
static __always_inline __u64 br_sha_s0(__u64 x)
{
	__u64 d = br_sha_opaque(x << 32 | x);

	return (d >> 7) ^ (d >> 18) ^ (x >> 3);
}

static __always_inline __u64 br_sha_s1(__u64 x)
{
	__u64 d = br_sha_opaque(x << 32 | x);

	return (d >> 17) ^ (d >> 19) ^ (x >> 10);
}

/* The big-endian word at p. */
static __always_inline __u32 br_sha_be32(const __u8 *p)
{
	__u32 x;

	__builtin_memcpy(&x, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap32(x);
#endif
	return x;
}

/*
 * Word i of the message schedule, in the ring w[0, 16): the message's
 * own for i < 16, else computed over the word it replaces (FIPS 180-4
 * §6.2.2). The ring is volatile: in memory, read back as clean words.
 */
static __always_inline __u64 br_sha_w(volatile __u32 *w, int i)
{
	__u64 x;

	if (i < 16)
		return w[i];
	x = br_sha_s1(w[(i - 2) & 15]) + w[(i - 7) & 15] +
	    br_sha_s0(w[(i - 15) & 15]) + w[i & 15];
	w[i & 15] = x;
	return x;
}

/*
 * One round on a..h, named in their turn: only d and h change (the new
 * e and a), the next round takes the names one place on. Ch as
 * g ^ (e & (f ^ g)), Maj as (a & b) | (c & (a | b)).
 */
#define BR_SHA_ROUND(a, b, c, d, e, f, g, h, i)                          \
	do {                                                             \
		t = h + br_sha_S1(e) + (g ^ (e & (f ^ g))) +              \
		    br_sha256_k[i] + br_sha_w(w, i);                      \
		d += t;                                                  \
		h = t + br_sha_S0(a) + ((a & b) | (c & (a | b)));         \
	} while (0)

/*
 * One 64-byte block of m, from byte off on (a multiple of 4), into s->h.
 * Unrolled: the 64 rounds in registers, the names rotating in the
 * macro's arguments instead of eight moves or a rotating array in memory
 * (about 450 ns a block in BPF before, 225 now). The schedule is computed as
 * the rounds go, in a ring of 16 words (s->w[0, 16)).
 */
#if defined(__bpf__) || defined(__BPF__)
__noinline int br_sha256_block(struct br_sha256 *s,
			       const struct br_sha256_buf *m, __u32 off)
#else
static inline int br_sha256_block(struct br_sha256 *s,
				  const struct br_sha256_buf *m, __u32 off)
#endif
{
	__u64 a, b, c, d, e, f, g, h, t;
	volatile __u32 *w;
	__u32 x;
	int i;

	if (!s || !m)
		return 0;
	w = s->w;
	for (i = 0; i < 16; i++) {
		/* the word whole inside the buffer: masked to a multiple of 4 */
		x = (off + i * 4) & (BR_SHA256_MASK & ~3u);
		w[i] = br_sha_be32(&m->b[x]);
	}
	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	f = s->h[5];
	g = s->h[6];
	h = s->h[7];
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 64; i += 8) {
		BR_SHA_ROUND(a, b, c, d, e, f, g, h, i);
		BR_SHA_ROUND(h, a, b, c, d, e, f, g, i + 1);
		BR_SHA_ROUND(g, h, a, b, c, d, e, f, i + 2);
		BR_SHA_ROUND(f, g, h, a, b, c, d, e, i + 3);
		BR_SHA_ROUND(e, f, g, h, a, b, c, d, i + 4);
		BR_SHA_ROUND(d, e, f, g, h, a, b, c, i + 5);
		BR_SHA_ROUND(c, d, e, f, g, h, a, b, i + 6);
		BR_SHA_ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
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
