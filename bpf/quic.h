/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * quic.h - L7 extractor: is this UDP datagram a QUIC long-header Initial?
 *
 * A censor that blocks QUIC drops the client's first datagram, the Initial
 * (Russia did so for QUIC v1 to foreign sites from 2022-03-04: the Initial
 * got no reply). Rules match "quic", optionally by version, together with
 * the address and port dimensions; this header tells the dataplane whether
 * a datagram starts with an Initial and which version it claims.
 *
 * SNI rules do not cover QUIC: the ClientHello inside an Initial is
 * encrypted with keys derived from the DCID (RFC 9001 §5.2). Decrypting it
 * is a later stage; br_quic_info keeps what it needs (version, DCID, the
 * packet number offset and the Length).
 *
 * Pure code over a scratch buffer, as parse.h: buf holds the first len
 * bytes of the UDP payload in a buffer of BR_L7_SCRATCH bytes (a per-CPU
 * map value in BPF), dgram_len is the whole payload. Every index is masked
 * with BR_L7_SCRATCH - 1 so the verifier sees it inside the buffer, and is
 * checked against len before the read so that no byte past the copy counts.
 * No libc, no recursion, loops bounded by constants: the same source builds
 * for BPF and for the host tests and fuzzer.
 *
 * What is recognised (RFC 8999 invariants, RFC 9000 §17.2, RFC 9369):
 *   - versions whose long header we know: 1, 2 (0x6b3343cf), the v2 draft
 *     version 0x709a50c4 (sent by ngtcp2's "v2draft", same packet types as
 *     v2), and IETF drafts 22 to 34 (0xff000016..0xff000022, h3-29 among
 *     them), whose header is v1's: one length byte per connection ID, v1
 *     packet types. Older drafts packed both CID lengths in one byte.
 *   - reserved versions 0x?a?a?a?a (RFC 9000 §15): a client sends one to
 *     provoke Version Negotiation, then its real version. Only their
 *     connection IDs are checked (RFC 8999 allows 255 bytes each); they are
 *     reported as BR_QUIC_GREASED, with no packet type.
 *   - not recognised: Google's Q0xx/T0xx (layouts differ by version and are
 *     not checked here), any other version, and short headers: they carry
 *     no version and no length, so any UDP byte string with the top bit
 *     clear would look like one.
 *   - Version Negotiation (version 0) is reported as such, never as Initial.
 *   - only the first packet of a coalesced datagram is examined.
 *   - Retry is checked only for room for a token and the 16-byte integrity
 *     tag of RFC 9001 §5.8 (drafts 22 to 24 had no tag: a Retry of theirs
 *     with a token under 16 bytes is missed).
 *
 * Sanity checks, each a reason real endpoints drop the packet (RFC 9000
 * §17.2, RFC 9001 §5.4.2), and what is only reported:
 *   - DCID and SCID at most 20 bytes (every recognised version says so);
 *   - the Length field reaches no further than the datagram, and covers
 *     at least the 4 + 16 bytes header protection samples;
 *   - the fixed bit (0x40) may be clear: RFC 9287 lets endpoints grease it
 *     (ngtcp2 does, in resumed Initials and in server Initials), so a clear
 *     bit is reported (BR_QUIC_F_FIXED_CLEAR), not rejected;
 *   - an Initial in a datagram shorter than 1200 bytes is reported
 *     (BR_QUIC_F_SHORT_DGRAM), not rejected: RFC 9000 §14.1 binds clients
 *     only, and the parser does not know the direction.
 */
#ifndef BR_QUIC_H
#define BR_QUIC_H

#include <linux/types.h>
#include "abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Fixed-count loops are unrolled: straight-line code costs the verifier
 * one pass, a loop one pass per iteration and per state entering it.
 */
#ifdef __clang__
#define BR_QUIC_UNROLL _Pragma("unroll")
#else
#define BR_QUIC_UNROLL
#endif

#define BR_QUIC_V1 0x00000001u
#define BR_QUIC_V2 0x6b3343cfu	      /* RFC 9369 */
#define BR_QUIC_V2_DRAFT 0x709a50c4u  /* draft-ietf-quic-v2 */
#define BR_QUIC_DRAFT_MIN 0xff000016u /* draft-22: one byte per CID length */
#define BR_QUIC_DRAFT_MAX 0xff000022u /* draft-34, the last one */
#define BR_QUIC_DRAFT(n) (0xff000000u | (n))

#define BR_QUIC_CID_MAX 20 /* RFC 9000 §17.2: 20 in every version we know */
#define BR_QUIC_MIN_DGRAM 1200	 /* RFC 9000 §14.1, client Initials */
#define BR_QUIC_HP_SAMPLE_END 20 /* pn offset + 4 + 16-byte sample */
#define BR_QUIC_RETRY_TAG 16	 /* RFC 9001 §5.8 integrity tag */

#define BR_QUIC_FORM_LONG 0x80
#define BR_QUIC_FIXED_BIT 0x40
#define BR_QUIC_MASK (BR_L7_SCRATCH - 1)

/* What the first packet of a datagram is. */
enum br_quic_kind {
	BR_QUIC_NONE = 0, /* not recognised: not QUIC, cut short, invalid */
	BR_QUIC_INITIAL,  /* the only kind a "quic" rule matches */
	BR_QUIC_0RTT,
	BR_QUIC_HANDSHAKE,
	BR_QUIC_RETRY,
	BR_QUIC_VERSION_NEG, /* version 0: a server's list of versions */
	BR_QUIC_GREASED,     /* a reserved version 0x?a?a?a?a (RFC 9000 §15):
			      * only the invariants are known (RFC 8999) */
};

enum br_quic_flags {
	BR_QUIC_F_FIXED_CLEAR = 1 << 0, /* fixed bit greased (RFC 9287) */
	BR_QUIC_F_SHORT_DGRAM = 1 << 1, /* Initial in a datagram < 1200 */
	BR_QUIC_F_TOKEN = 1 << 2,	/* Initial with a token: a client after
					 * Retry or NEW_TOKEN (servers send none) */
	BR_QUIC_F_COALESCED = 1 << 3,	/* bytes follow the first packet */
};

/*
 * The result, 40 bytes, small enough for the BPF stack. Offsets index buf.
 * Set for Initial, 0-RTT and Handshake; for Retry and Version Negotiation
 * only version, kind, flags and the connection IDs are (pn_off, length and
 * the token fields stay 0). For Version Negotiation dcid_len may exceed
 * BR_QUIC_CID_MAX (RFC 8999 allows 255); dcid then holds its first bytes.
 */
struct br_quic_info {
	__u32 version;
	__u16 pn_off;	 /* packet number, still header-protected */
	__u16 length;	 /* Length field: packet number + payload */
	__u16 token_off; /* Initial token (0 bytes when token_len is 0) */
	__u16 token_len;
	__u8 kind;  /* enum br_quic_kind */
	__u8 type;  /* raw long packet type bits, before decoding */
	__u8 flags; /* enum br_quic_flags */
	__u8 dcid_len;
	__u8 scid_len;
	__u8 reserved;
	__u8 dcid[BR_QUIC_CID_MAX];
};

/*
 * The QUIC rules (of quic) that a datagram whose first packet is qi
 * satisfies: an Initial or 0-RTT packet of a version the policy's version
 * table t names for them (its first n entries, as the compiler writes
 * them: names such as "v1" or "draft-29" expanded to numbers), or of any
 * version for the rules in any; a reserved (greased) version satisfies
 * only the rules in any. Rules not in quic never match.
 */
static __always_inline br_rules_t
br_quic_version_match(const struct br_quic_info *qi,
		      const struct br_quic_version_table *t, __u32 n,
		      br_rules_t any, br_rules_t quic)
{
	br_rules_t m = any;
	__u32 i;

	if (qi->kind != BR_QUIC_GREASED) {
		for (i = 0; i < BR_QUIC_VERSIONS; i++) {
			if (i >= n)
				break;
			if (t->v[i].version == qi->version)
				m |= t->v[i].rules;
		}
	}
	return m & quic;
}

/*
 * The versions RFC 9000 §15 reserves to exercise version negotiation,
 * 0x?a?a?a?a: a client that sends one is a QUIC client all the same.
 */
static __always_inline int br_quic_reserved(__u32 version)
{
	return (version & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

/* 0: a version whose long header we do not know; 1: v1 types; 2: v2 types */
static __always_inline int br_quic_version_family(__u32 version)
{
	if (version == BR_QUIC_V1)
		return 1;
	if (version == BR_QUIC_V2 || version == BR_QUIC_V2_DRAFT)
		return 2;
	if (version >= BR_QUIC_DRAFT_MIN && version <= BR_QUIC_DRAFT_MAX)
		return 1;
	return 0;
}

/*
 * Long packet type bits to a kind. v1 numbers them Initial 0, 0-RTT 1,
 * Handshake 2, Retry 3; v2 (RFC 9369 §3.2) Retry 0, Initial 1, 0-RTT 2,
 * Handshake 3, so that a v1 middlebox cannot mistake v2 for v1.
 */
static __always_inline int br_quic_decode_type(int family, __u32 type)
{
	if (family == 2)
		type = (type + 3) & 3;
	return BR_QUIC_INITIAL + type;
}

/*
 * 1 when a < b, else 0, for a, b < 2^31, without a branch. The empty asm
 * hides b's range from clang, which would otherwise see a comparison and
 * emit it as a jump (BPF has no conditional move).
 */
static __always_inline __u32 br_quic_lt(__u32 a, __u32 b)
{
	asm volatile("" : "+r"(b));
	return (a - b) >> 31;
}

/*
 * Variable-length integer (RFC 9000 §16) at off: the top two bits of the
 * first byte give its size, 1, 2, 4 or 8 bytes. Returns the size, or 0 when
 * it does not fit in len.
 *
 * The loop has no data-dependent branch: a branch per size would hand the
 * verifier four paths per varint, multiplied down the rest of the parse.
 * Bytes past the size are not read (buf[off] instead) and not used.
 */
static __always_inline __u32 br_quic_varint(const __u8 *buf, __u32 off,
					    __u32 len, __u64 *val)
{
	__u32 n, i, take;
	__u64 v;

	if (off >= len)
		return 0;
	v = buf[off & BR_QUIC_MASK];
	n = 1u << (v >> 6);
	if (n > len - off)
		return 0;
	v &= 0x3f;
	BR_QUIC_UNROLL
	for (i = 1; i < 8; i++) {
		take = br_quic_lt(i, n);
		v = (v << (8 * take)) |
		    (buf[(off + i * take) & BR_QUIC_MASK] & (0u - take));
	}
	*val = v;
	return n;
}

static __always_inline __u32 br_quic_be32(const __u8 *buf, __u32 off)
{
	return (__u32)buf[off & BR_QUIC_MASK] << 24 |
	       (__u32)buf[(off + 1) & BR_QUIC_MASK] << 16 |
	       (__u32)buf[(off + 2) & BR_QUIC_MASK] << 8 |
	       (__u32)buf[(off + 3) & BR_QUIC_MASK];
}

/*
 * Parse the first packet of a UDP datagram. buf holds its first len bytes
 * (len <= BR_L7_SCRATCH), dgram_len is the whole UDP payload. Returns the
 * kind (BR_QUIC_NONE when not recognised) and fills qi, which is zeroed
 * first: after BR_QUIC_NONE it holds nothing.
 */
static __always_inline int br_quic_parse(const __u8 *buf, __u32 len,
					 __u32 dgram_len,
					 struct br_quic_info *qi)
{
	__u64 token_len = 0, length;
	__u32 off, n, i, take, cid_len, version, type;
	int family, kind;
	__u8 first;

	__builtin_memset(qi, 0, sizeof(*qi));
	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;
	/* a copy never holds more than the datagram; UDP stops at 64 KiB */
	if (dgram_len > 0xffff || len > dgram_len)
		return BR_QUIC_NONE;
	/* form byte, version, DCID length: the least a long header has */
	if (len < 6)
		return BR_QUIC_NONE;

	first = buf[0];
	if (!(first & BR_QUIC_FORM_LONG))
		goto none;
	version = br_quic_be32(buf, 1);
	off = 5;

	family = br_quic_version_family(version);
	if (version != 0 && family == 0 && !br_quic_reserved(version))
		goto none;

	cid_len = buf[off & BR_QUIC_MASK];
	if (family && cid_len > BR_QUIC_CID_MAX)
		goto none;
	off++;
	/* the SCID length byte must follow: buf[off] is then in the copy */
	if (cid_len >= len - off)
		goto none;
	/* branch-free for the verifier, as in br_quic_varint */
	BR_QUIC_UNROLL
	for (i = 0; i < BR_QUIC_CID_MAX; i++) {
		take = br_quic_lt(i, cid_len);
		qi->dcid[i] =
			buf[(off + i * take) & BR_QUIC_MASK] & (0u - take);
	}
	qi->dcid_len = cid_len;
	off += cid_len;
	qi->scid_len = buf[off & BR_QUIC_MASK];
	if (family && qi->scid_len > BR_QUIC_CID_MAX)
		goto none;
	off++;
	if (qi->scid_len > len - off)
		goto none;
	off += qi->scid_len;

	qi->version = version;
	/* what follows the connection IDs is the version's own business */
	if (version != 0 && !family)
		return qi->kind = BR_QUIC_GREASED;

	/*
	 * Version Negotiation: the rest of the datagram is a list of 32-bit
	 * versions, at least one. The first byte's low bits are arbitrary.
	 */
	if (version == 0) {
		n = dgram_len - off;
		if (n < 4 || (n & 3))
			goto none;
		return qi->kind = BR_QUIC_VERSION_NEG;
	}

	if (!(first & BR_QUIC_FIXED_BIT))
		qi->flags |= BR_QUIC_F_FIXED_CLEAR;

	type = (first >> 4) & 3;
	qi->type = type;
	kind = br_quic_decode_type(family, type);

	/* Retry: a token of at least one byte, then the integrity tag. */
	if (kind == BR_QUIC_RETRY) {
		if (dgram_len - off < 1 + BR_QUIC_RETRY_TAG)
			goto none;
		return qi->kind = BR_QUIC_RETRY;
	}

	if (kind == BR_QUIC_INITIAL) {
		n = br_quic_varint(buf, off, len, &token_len);
		if (!n)
			goto none;
		off += n;
		if (token_len > len - off)
			goto none;
		qi->token_off = off;
		qi->token_len = token_len;
		off += token_len;
		if (token_len)
			qi->flags |= BR_QUIC_F_TOKEN;
	}

	n = br_quic_varint(buf, off, len, &length);
	if (!n)
		goto none;
	off += n;
	if (length < BR_QUIC_HP_SAMPLE_END || length > dgram_len - off)
		goto none;
	qi->pn_off = off;
	qi->length = length;
	if (off + length < dgram_len)
		qi->flags |= BR_QUIC_F_COALESCED;
	if (kind == BR_QUIC_INITIAL && dgram_len < BR_QUIC_MIN_DGRAM)
		qi->flags |= BR_QUIC_F_SHORT_DGRAM;
	return qi->kind = kind;

none:
	__builtin_memset(qi, 0, sizeof(*qi));
	return BR_QUIC_NONE;
}

#endif /* BR_QUIC_H */
