/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * domain.h - domain-set keys: a 64-bit hash of every label suffix of a name.
 *
 * A domain set (a DNS qname set or a TLS/QUIC SNI set) is a hash set keyed
 * by br_domain_hash() of its entries. A name is matched with one lookup per
 * label suffix, so the cost depends on the name's depth, never on the size
 * of the set: "www.example.com" looks up "com", "example.com" and
 * "www.example.com", and nothing else. Suffixes start only after a '.', so
 * "badexample.com" never looks up "example.com".
 *
 * Entries and what they match (the compiler ORs the flags of entries that
 * share a suffix):
 *   example.com      EXACT         example.com only
 *   *.example.com    BELOW         a.example.com, a.b.example.com, ...
 *   .example.com     EXACT|BELOW   example.com and every name below it
 * A name matches when its full-name hash finds an entry with EXACT, or one
 * of its proper suffixes finds an entry with BELOW (br_domain_entry_matches).
 *
 * Names are compared as DNS compares them: A-Z fold to a-z inside the hash,
 * so neither side has to fold first, and one trailing dot ("example.com.",
 * the absolute form) is ignored. A name with an empty label ("a..b", ".a")
 * has no suffixes at all: it matches nothing.
 *
 * Depth cap: at most BR_DOMAIN_MAX_LABELS hashes per name. A deeper name
 * keeps its BR_DOMAIN_MAX_LABELS - 1 shortest suffixes and its full name, and
 * drops the longest proper suffixes in between: prefixing labels to a blocked
 * name cannot hide it, and exact entries always match. What is lost is a
 * BELOW entry of BR_DOMAIN_MAX_LABELS labels or more, which the compiler
 * must therefore refuse.
 *
 * The hash is computed right to left, one byte at a time, from a fixed seed;
 * each suffix's hash is the running state at a label boundary put through a
 * finaliser that leaves the state alone. The hash of a suffix is thus the
 * same function of its bytes whether it is hashed alone or inside a longer
 * name. It is not keyed: a collision can only make a name look blocked, which
 * a client gains nothing by.
 */
#ifndef BR_DOMAIN_H
#define BR_DOMAIN_H

#include <linux/types.h>
#include "abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Hide a value's bounds from the compiler so that the masks the verifier
 * needs are not dropped as redundant.
 */
#if defined(__bpf__) || defined(__BPF__)
#define br_domain_opaque(v) asm volatile("" : "+r"(v))
#else
#define br_domain_opaque(v) ((void)0)
#endif

#define BR_DOMAIN_SEED 0x6272646f6d61696eULL /* "brdomain" */
#define BR_DOMAIN_MUL 0x9e3779b97f4a7c15ULL  /* odd: a bijection */
#define BR_DOMAIN_TEXT_MAX (BR_NAME_MAX - 1) /* text, NUL excluded */
#define BR_DOMAIN_TEXT_MASK (BR_NAME_MAX - 1)

_Static_assert((BR_DOMAIN_MAX_LABELS & (BR_DOMAIN_MAX_LABELS - 1)) == 0,
	       "out[] indices are masked");
_Static_assert((BR_NAME_MAX & (BR_NAME_MAX - 1)) == 0,
	       "name indices are masked");

enum br_domain_flags {
	BR_DOMAIN_EXACT = 1 << 0, /* the entry's name itself */
	BR_DOMAIN_BELOW = 1 << 1, /* every name strictly below it */
};

/* The value of a domain set's hash map, keyed by br_domain_hash(). */
struct br_domain_entry {
	__u8 flags; /* enum br_domain_flags */
};

/*
 * One byte into the running state: xor, an odd multiply (carries the byte
 * upwards) and an xorshift (brings the high bits back down). Each step is a
 * bijection of the state, so two names can only collide by chance.
 */
static __always_inline __u64 br_domain_step(__u64 h, __u8 c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	h ^= c;
	h *= BR_DOMAIN_MUL;
	h ^= h >> 32;
	return h;
}

/* MurmurHash3's fmix64: every state bit reaches every key bit. */
static __always_inline __u64 br_domain_final(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The text length that is hashed: one trailing dot is not part of it. */
static __always_inline __u32 br_domain_trim(const char *name, __u32 len)
{
	if (len && name[(len - 1) & BR_DOMAIN_TEXT_MASK] == '.')
		len--;
	return len;
}

/*
 * Hash every label suffix of name[0, len), shortest first, the full name
 * last: out[0 .. *n - 2] are the proper suffixes, out[*n - 1] the name.
 * Returns how many suffixes the depth cap dropped (0 for a name of at most
 * BR_DOMAIN_MAX_LABELS labels), or -1 for a name with an empty label or
 * longer than BR_DOMAIN_TEXT_MAX. The root name (len 0, or ".") has no
 * suffixes. Whatever it returns, *n hashes are valid, so a caller may just
 * look up out[0 .. *n - 1].
 *
 * In BPF, name must point to at least BR_NAME_MAX readable bytes (indices
 * are masked to that); on the host, len bytes are enough.
 *
 * Written for the verifier, which walks a bounded loop once per iteration
 * and per distinct state, and keeps states apart that differ in a value a
 * branch or a pointer depended on. So nothing in the loop may be a number
 * the paths disagree on, even when the caller's len is a known constant
 * (a parser inlined in the same function):
 *   - the slot index cnt must be exact (it is added to a pointer): it starts
 *     as a zero the verifier cannot prove, the difference of two reads of
 *     one byte, and stays masked, so every path holds "a slot in 0..15";
 *     it saturates by arithmetic, not by a test;
 *   - an empty label is found by reading the neighbouring byte, not by
 *     comparing positions the paths computed.
 */
static __always_inline int br_domain_hashes(const char *name, __u32 len,
					    __u64 out[BR_DOMAIN_MAX_LABELS],
					    __u32 *n)
{
	__u32 k, i, cnt, dots = 0;
	__u64 h = BR_DOMAIN_SEED;
	__u8 c;

	*n = 0;
	len = br_domain_trim(name, len);
	if (!len)
		return 0;
	if (len > BR_DOMAIN_TEXT_MAX)
		return -1;
	br_domain_opaque(len);
	/* a leading dot, or a second trailing one: an empty label */
	if (name[0] == '.' || name[(len - 1) & BR_DOMAIN_TEXT_MASK] == '.')
		return -1;

	cnt = name[0];
	cnt -= *(const volatile char *)name; /* 0 */
	cnt &= BR_DOMAIN_MAX_LABELS - 1;

	for (k = 0; k < BR_DOMAIN_TEXT_MAX; k++) {
		if (k >= len)
			break;
		i = len - 1 - k;
		c = name[i & BR_DOMAIN_TEXT_MASK];
		if (c == '.') {
			if (name[(i + 1) & BR_DOMAIN_TEXT_MASK] == '.')
				return -1;
			/*
			 * Slots fill up to the last one, which then keeps being
			 * overwritten until the full name lands in it.
			 */
			out[cnt] = br_domain_final(h);
			cnt++;
			cnt -= cnt / BR_DOMAIN_MAX_LABELS;
			cnt &= BR_DOMAIN_MAX_LABELS - 1;
			dots++;
		}
		h = br_domain_step(h, c);
	}
	out[cnt] = br_domain_final(h);
	*n = cnt + 1;
	return dots - cnt;
}

/*
 * The key of one set entry, for the compiler: the hash br_domain_hashes()
 * gives the same text, as a suffix or as the full name. The caller strips
 * "*." or a leading "." first. 0 for text br_domain_hashes() would refuse
 * or find no suffix in (an empty label, the root, too long).
 */
static __always_inline __u64 br_domain_hash(const char *suffix, __u32 len)
{
	__u64 h = BR_DOMAIN_SEED;
	__u32 k, label = 0;
	__u8 c;

	len = br_domain_trim(suffix, len);
	if (!len || len > BR_DOMAIN_TEXT_MAX)
		return 0;
	for (k = 0; k < BR_DOMAIN_TEXT_MAX; k++) {
		if (k >= len)
			break;
		c = suffix[(len - 1 - k) & BR_DOMAIN_TEXT_MASK];
		if (c == '.' && !label)
			return 0;
		label = c != '.';
		h = br_domain_step(h, c);
	}
	if (!label)
		return 0;
	return br_domain_final(h);
}

/* Whether an entry found under one of a name's hashes matches the name. */
static __always_inline int
br_domain_entry_matches(const struct br_domain_entry *e, int is_full_name)
{
	return e->flags & (is_full_name ? BR_DOMAIN_EXACT : BR_DOMAIN_BELOW);
}

#endif /* BR_DOMAIN_H */
