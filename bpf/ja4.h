/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ja4.h - the JA4 fingerprint of a TLS ClientHello (FoxIO-LLC/ja4,
 * technical_details/JA4.md, read at commit 0e54bc8).
 *
 * JA4 = JA4_a "_" JA4_b "_" JA4_c, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1:
 *   JA4_a  "t" (TLS over TCP: the only transport read here), the version
 *          (the highest non-GREASE supported_versions entry if the
 *          extension is there, else legacy_version: 13 12 11 10 s3 s2,
 *          d1 d2 d3, else 00), "d" with a server_name extension or "i",
 *          the non-GREASE cipher suites and extensions (SNI and ALPN
 *          included) as two digits each, capped at 99, and the first and
 *          last characters of the first ALPN name ("00" without one; the
 *          first and last hex digits of the name when either end is not
 *          an ASCII letter or digit; a one-byte name gives both);
 *   JA4_b  the first 12 hex digits of the SHA-256 of the non-GREASE
 *          cipher suites, sorted, as 4 lowercase hex digits joined by
 *          "," (000000000000 when there are none);
 *   JA4_c  the same over the non-GREASE extensions less server_name
 *          (0000) and ALPN (0010), sorted, then "_" and the non-GREASE
 *          signature algorithms in the order sent (no "_" when there are
 *          none); 000000000000 when the string is empty.
 *
 * The hello parser (tls.h) streams the hello over segments and never
 * keeps it, so it collects what JA4 needs as it walks, into struct
 * br_ja4_raw in its state: the cipher suites, the extension types and
 * the signature algorithms as sent, the versions, the ALPN name's ends
 * (a field a step, each stored in O(1): the parser's step is verified
 * once for every path through it, and a sorting loop there took it past
 * the verifier's 1M instructions). At
 * most BR_JA4_MAX_* of each are kept; a hello with more, or with one of
 * those three extensions malformed inside, gets no fingerprint
 * (BR_JA4_SKIPPED): a ja4 rule never matches what was not fully read.
 * br_ja4_compute() then sorts the two lists (an insertion sort, one
 * bpf_loop() step an element), writes the two strings and hashes them
 * (sha256.h) into the 24-byte binary form of abi.h.
 *
 * Pure code on linux/types.h: compiles for BPF and for the host.
 */
#ifndef BR_JA4_H
#define BR_JA4_H

#include <linux/types.h>
#include "abi.h"
#include "sha256.h"

#if defined(__bpf__) || defined(__BPF__)
#include <bpf/bpf_helpers.h>
#endif

#define BR_JA4_MAX_CIPHERS 64 /* powers of two: indexes are masked */
#define BR_JA4_MAX_EXTS 32
#define BR_JA4_MAX_SIGS 32

#define BR_TLS_EXT_SNI 0x0000
#define BR_TLS_EXT_SIG_ALGS 0x000d
#define BR_TLS_EXT_ALPN 0x0010
#define BR_TLS_EXT_SUPPORTED_VERSIONS 0x002b

/* struct br_ja4_raw.flags */
#define BR_JA4_F_ON 0x01      /* collect (the policy has a ja4 rule) */
#define BR_JA4_F_SV 0x04      /* supported_versions seen (its first) */
#define BR_JA4_F_SIGS 0x08    /* signature_algorithms seen */
#define BR_JA4_F_ALPN 0x10    /* ALPN seen; alpn[] set if alpn_len */
#define BR_JA4_F_SV_SET 0x20  /* sv_max holds a non-GREASE version */
#define BR_JA4_F_LIMIT 0x40   /* more of something than is kept */
#define BR_JA4_F_BAD 0x80     /* one of the three malformed inside */

/*
 * What the hello parser collects for JA4: 272 bytes. The lists are
 * walked by callbacks that mask indexes with BR_JA4_MASK, the largest
 * list's, so the shorter ones come first: a masked index stays in the
 * struct (a real one is always below its list's count).
 */
#define BR_JA4_MASK (BR_JA4_MAX_CIPHERS - 1)

struct br_ja4_raw {
	__u16 n_cipher;	 /* non-GREASE cipher suites */
	__u16 n_ext;	 /* non-GREASE extensions, SNI and ALPN included */
	__u8 n_ext_kept; /* entries of ext[] */
	__u8 n_sig;	 /* entries of sig[] */
	__u16 legacy;	 /* legacy_version */
	__u16 sv_max;	 /* the highest non-GREASE supported_version */
	__u16 list_left; /* bytes left of the list being walked */
	__u8 alpn[2];	 /* the first ALPN name's first and last bytes */
	__u8 alpn_len;	 /* its length, 0: none */
	__u8 flags;	 /* BR_JA4_F_* */
	/* last: a new parse clears what is above only (BR_JA4_LISTS) */
	__u16 sig[BR_JA4_MAX_SIGS];	  /* as sent, no GREASE */
	__u16 ext[BR_JA4_MAX_EXTS];	  /* as sent, no GREASE, SNI, ALPN */
	__u16 cipher[BR_JA4_MAX_CIPHERS]; /* as sent, no GREASE */
};

/* The lists need no clearing: their counts say what they hold. */
#define BR_JA4_LISTS (sizeof(__u16) * (BR_JA4_MAX_SIGS + BR_JA4_MAX_EXTS + \
				       BR_JA4_MAX_CIPHERS))

/* What br_ja4_compute() says. */
enum br_ja4_result {
	BR_JA4_NONE = 0, /* not collected: no ja4 rule when the hello began */
	BR_JA4_OK,	 /* work->fp holds the fingerprint */
	BR_JA4_SKIPPED,	 /* beyond the limits, or malformed: none */
};

/* The scratch br_ja4_compute() writes in (a per-CPU map value in BPF). */
struct br_ja4_work {
	struct br_sha256_buf text[2]; /* the strings of JA4_b and JA4_c */
	__u32 len[2];
	struct br_sha256 sha;
	struct br_ja4_fp fp;
	br_rules_t rules; /* l7.h: the rules whose list holds fp */
};

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static __always_inline int br_ja4_grease(__u32 v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static __always_inline void br_ja4_cipher(struct br_ja4_raw *r, __u32 v)
{
	if (br_ja4_grease(v))
		return;
	if (r->n_cipher >= BR_JA4_MAX_CIPHERS) {
		r->flags |= BR_JA4_F_LIMIT;
		if (r->n_cipher < 0xffff)
			r->n_cipher++;
		return;
	}
	r->cipher[r->n_cipher & (BR_JA4_MAX_CIPHERS - 1)] = v;
	r->n_cipher++;
}

/* An extension's type, as the parser reaches its header. */
static __always_inline void br_ja4_ext(struct br_ja4_raw *r, __u32 type)
{
	if (br_ja4_grease(type))
		return;
	if (r->n_ext < 0xffff)
		r->n_ext++;
	if (type == BR_TLS_EXT_SNI || type == BR_TLS_EXT_ALPN)
		return;
	if (r->n_ext_kept >= BR_JA4_MAX_EXTS) {
		r->flags |= BR_JA4_F_LIMIT;
		return;
	}
	r->ext[r->n_ext_kept & (BR_JA4_MAX_EXTS - 1)] = type;
	r->n_ext_kept++;
}

static __always_inline void br_ja4_sig(struct br_ja4_raw *r, __u32 v)
{
	if (br_ja4_grease(v))
		return;
	if (r->n_sig >= BR_JA4_MAX_SIGS) {
		r->flags |= BR_JA4_F_LIMIT;
		return;
	}
	r->sig[r->n_sig & (BR_JA4_MAX_SIGS - 1)] = v;
	r->n_sig++;
}

static __always_inline void br_ja4_version(struct br_ja4_raw *r, __u32 v)
{
	if (br_ja4_grease(v))
		return;
	if (!(r->flags & BR_JA4_F_SV_SET) || v > r->sv_max)
		r->sv_max = v;
	r->flags |= BR_JA4_F_SV_SET;
}

/* ---- the fingerprint ------------------------------------------------ */

/*
 * A walk over a list a[0, n) (n <= its capacity), one bpf_loop() step an
 * item: to sort it, or to write it as "xxxx,xxxx,..." into text from pos
 * on. One struct for both, on the stack (bpf_loop() wants its context
 * there), which the program's longest chain of calls nearly fills.
 */
struct br_ja4_walk {
	__u16 *a;
	__u8 *text;
	__u32 n;
	__u32 pos;
};

/* Step i of a sort: a[i] into the sorted a[0, i). */
static __always_inline long br_ja4_sort_step(__u32 i, void *ctx)
{
	struct br_ja4_walk *s = ctx;
	__u16 *a = s->a, v;
	__u32 k, j = i, m = BR_JA4_MASK;

	if (i >= s->n)
		return 1;
	v = a[i & m];
	for (k = 0; k < BR_JA4_MAX_CIPHERS; k++) {
		if (!j || a[(j - 1) & m] <= v)
			break;
		a[j & m] = a[(j - 1) & m];
		j--;
	}
	a[j & m] = v;
	return 0;
}

static __always_inline void br_ja4_sort(struct br_ja4_walk *s, __u16 *a,
					__u32 n)
{
	s->a = a;
	s->n = n;
#if defined(__bpf__) || defined(__BPF__)
	bpf_loop(BR_JA4_MAX_CIPHERS, br_ja4_sort_step, s, 0);
#else
	for (__u32 i = 0; i < BR_JA4_MAX_CIPHERS; i++)
		if (br_ja4_sort_step(i, s))
			break;
#endif
}

/* Without a branch: four of them a list item cost 16 verifier paths. */
static __always_inline __u8 br_ja4_hexdigit(__u32 n)
{
	__s32 d = n & 15;

	return '0' + d + (((9 - d) >> 31) & ('a' - '0' - 10));
}

/* Step i of a write: item i, after a "," unless the first. */
static __always_inline long br_ja4_hex_step(__u32 i, void *ctx)
{
	struct br_ja4_walk *h = ctx;
	__u8 *t = h->text;
	__u32 pos = h->pos, v;

	if (i >= h->n)
		return 1;
	v = h->a[i & BR_JA4_MASK];
	if (i)
		t[pos++ & BR_SHA256_MASK] = ',';
	t[pos++ & BR_SHA256_MASK] = br_ja4_hexdigit(v >> 12);
	t[pos++ & BR_SHA256_MASK] = br_ja4_hexdigit(v >> 8);
	t[pos++ & BR_SHA256_MASK] = br_ja4_hexdigit(v >> 4);
	t[pos++ & BR_SHA256_MASK] = br_ja4_hexdigit(v);
	h->pos = pos;
	return 0;
}

/* a[0, n) at text[pos]; the new pos. */
static __always_inline __u32 br_ja4_put_list(struct br_ja4_walk *h,
					     __u8 *text, __u32 pos,
					     __u16 *a, __u32 n)
{
	h->text = text;
	h->a = a;
	h->n = n;
	h->pos = pos;
#if defined(__bpf__) || defined(__BPF__)
	bpf_loop(BR_JA4_MAX_CIPHERS, br_ja4_hex_step, h, 0);
#else
	for (__u32 i = 0; i < BR_JA4_MAX_CIPHERS; i++)
		if (br_ja4_hex_step(i, h))
			break;
#endif
	return h->pos;
}

/*
 * JA4_b (c 0) or JA4_c (c 1): the first 6 bytes of the digest of its
 * string (a block of SHA-256 is a global function in BPF: sha256.h).
 */
static __always_inline int br_ja4_digest(struct br_ja4_work *w, int c)
{
	__u32 len;
	__u8 *out;
	int i;

	c = !!c;
	out = c ? w->fp.c : w->fp.b;
	len = w->len[c];
	if (!len || br_sha256(&w->sha, &w->text[c], len)) {
		for (i = 0; i < BR_JA4_HASH_LEN; i++)
			out[i] = 0;
		return 0;
	}
	for (i = 0; i < BR_JA4_HASH_LEN; i++)
		out[i] = (__u8)(w->sha.h[i / 4] >> (24 - 8 * (i % 4)));
	return 0;
}

static __always_inline void br_ja4_version_text(__u32 v, char *out)
{
	const char *s;

	switch (v) {
	case 0x0304: s = "13"; break;
	case 0x0303: s = "12"; break;
	case 0x0302: s = "11"; break;
	case 0x0301: s = "10"; break;
	case 0x0300: s = "s3"; break;
	case 0x0002: s = "s2"; break;
	case 0xfeff: s = "d1"; break;
	case 0xfefd: s = "d2"; break;
	case 0xfefc: s = "d3"; break;
	default: s = "00"; break;
	}
	out[0] = s[0];
	out[1] = s[1];
}

static __always_inline void br_ja4_count_text(__u32 n, char *out)
{
	if (n > 99)
		n = 99;
	out[0] = '0' + n / 10;
	out[1] = '0' + n % 10;
}

static __always_inline int br_ja4_alnum(__u8 c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

static __always_inline void br_ja4_alpn_text(const struct br_ja4_raw *r,
					     char *out)
{
	__u8 first = r->alpn[0], last = r->alpn[1];

	if (!r->alpn_len) {
		out[0] = '0';
		out[1] = '0';
	} else if (br_ja4_alnum(first) && br_ja4_alnum(last)) {
		out[0] = first;
		out[1] = last;
	} else {
		out[0] = br_ja4_hexdigit(first >> 4);
		out[1] = br_ja4_hexdigit(last);
	}
}

/*
 * JA4_a and the strings JA4_b and JA4_c hash, of a whole hello from what
 * the parser collected (its two lists sorted in place); sni: whether it
 * had a server_name extension. Returns enum br_ja4_result; on
 * BR_JA4_OK, br_ja4_digest() of each string completes w->fp.
 */
static __always_inline int br_ja4_prepare(struct br_ja4_raw *r, int sni,
					  struct br_ja4_work *w)
{
	struct br_ja4_fp *fp = &w->fp;
	struct br_ja4_walk walk;
	__u8 *text;
	__u32 pos;

	if (!(r->flags & BR_JA4_F_ON))
		return BR_JA4_NONE;
	if (r->flags & (BR_JA4_F_LIMIT | BR_JA4_F_BAD))
		return BR_JA4_SKIPPED;

	fp->a[0] = 't';
	br_ja4_version_text(r->flags & BR_JA4_F_SV ?
			    (r->flags & BR_JA4_F_SV_SET ? r->sv_max : 0) :
			    r->legacy, &fp->a[1]);
	fp->a[3] = sni ? 'd' : 'i';
	br_ja4_count_text(r->n_cipher, &fp->a[4]);
	br_ja4_count_text(r->n_ext, &fp->a[6]);
	br_ja4_alpn_text(r, &fp->a[8]);
	fp->reserved[0] = 0;
	fp->reserved[1] = 0;
	br_ja4_sort(&walk, r->cipher, r->n_cipher);
	br_ja4_sort(&walk, r->ext, r->n_ext_kept);

	__builtin_memset(w->text, 0, sizeof(w->text)); /* sha256.h wants 0s */
	text = w->text[0].b;
	w->len[0] = br_ja4_put_list(&walk, text, 0, r->cipher, r->n_cipher);
	text = w->text[1].b;
	pos = br_ja4_put_list(&walk, text, 0, r->ext, r->n_ext_kept);
	if (r->n_sig) {
		text[pos++ & BR_SHA256_MASK] = '_';
		pos = br_ja4_put_list(&walk, text, pos, r->sig, r->n_sig);
	}
	w->len[1] = pos;
	return BR_JA4_OK;
}

/* The whole fingerprint (the host's tests; BPF calls the steps, l7.h). */
static inline int br_ja4_compute(struct br_ja4_raw *r, int sni,
				 struct br_ja4_work *w)
{
	int res = br_ja4_prepare(r, sni, w);

	if (res == BR_JA4_OK) {
		br_ja4_digest(w, 0);
		br_ja4_digest(w, 1);
	}
	return res;
}

#endif /* BR_JA4_H */
