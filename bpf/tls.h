/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tls.h - L7: the server_name of a TLS ClientHello, streamed over segments.
 *
 * A ClientHello with a post-quantum key share (X25519MLKEM768) is ~1.8 KB,
 * and browsers shuffle extension order, so the SNI is often in the second
 * TCP segment. A censor that looks at the first segment only misses it.
 * This parser is fed the payload of a flow's client-to-server segments one
 * at a time, in order, and keeps everything it needs between them in
 * struct br_tls_state, which the dataplane stores in the flow entry.
 *
 * It never copies the hello. It walks it by counting: a record header
 * (5 bytes), the handshake header (4), legacy_version, then skips random,
 * session id, cipher suites and compression methods, and walks the
 * extensions, skipping all but server_name (0) and noting
 * encrypted_client_hello (0xfe0d). Fixed-size fields are read a byte at a
 * time into an accumulator, so a segment may end anywhere: inside a record
 * header, a handshake header, an extension header or the name itself.
 * Record headers may also fall anywhere inside the hello (record-layer
 * fragmentation, an evasion trick): the record layer and the handshake layer
 * have their own counters, and the record header is checked byte by byte.
 *
 * The result is final when the whole ClientHello has been walked, not when
 * the name has been read, because an ECH extension after the SNI still
 * changes what rules match. Only the first host_name is taken; it is folded
 * to lowercase and must be a hostname (letters, digits, '-', '_', '.', no
 * empty label, 1..255 bytes). RFC 6066 forbids a trailing dot, but servers
 * take "name." for "name" (OpenSSL does), so a censor that refused it would
 * let the name through: one trailing dot is dropped (BR_TLS_F_SNI_DOT).
 *
 * BPF: the caller copies the payload into a scratch buffer of
 * BR_L7_SCRATCH bytes (a per-CPU map value) and every read is masked to it.
 * A buffer is walked in steps of one field each (a header, a length, a run
 * of skipped bytes or up to BR_TLS_NAME_CHUNK name bytes), so the work
 * grows with the number of fields, not bytes. The steps run under
 * bpf_loop() in BPF and a plain loop on the host; inside a step every loop
 * has a small constant bound. Every step consumes at least one byte, so
 * BR_TLS_MAX_STEPS, the size of the buffer, is never the limit: hundreds of
 * tiny extensions or one-byte records cost time, not the name. A longer
 * segment is fed to the parser in buffer-sized pieces by the caller.
 *
 * With BR_JA4_F_ON in st->ja4.flags (a policy with a ja4 rule) the walk
 * also reads what the JA4 fingerprint needs (ja4.h): each cipher suite,
 * each extension's type, and inside supported_versions, ALPN and
 * signature_algorithms their lists, a field per step as above. What it
 * finds malformed inside those three costs the fingerprint, not the
 * parse: the name and the result stay what they are without JA4.
 *
 * Pure code on linux/types.h (plus bpf_loop() from bpf_helpers.h in BPF):
 * compiles for BPF and for the host (unit tests, libFuzzer) from this one
 * source.
 */
#ifndef BR_TLS_H
#define BR_TLS_H

#include <linux/types.h>
#include "abi.h"
#include "ja4.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Hide a value from the compiler so that a mask the verifier needs is not
 * optimised away when the compiler can prove it redundant.
 */
#if defined(__bpf__) || defined(__BPF__)
#define br_tls_opaque(v) asm volatile("" : "+r"(v))
#else
#define br_tls_opaque(v) ((void)0)
#endif

/* a step takes a byte or more, or acts on the field the one before read */
#define BR_TLS_MAX_STEPS (2 * BR_L7_SCRATCH)
#define BR_TLS_NAME_CHUNK 32 /* name bytes copied per step */
#define BR_TLS_SCRATCH_MASK (BR_L7_SCRATCH - 1)
#define BR_TLS_REC_MAX 16384 /* TLSPlaintext.length <= 2^14 */
#define BR_TLS_SID_MAX 32
#define BR_TLS_RANDOM_LEN 32
#define BR_TLS_CT_HANDSHAKE 22
#define BR_TLS_HS_CLIENT_HELLO 1
/* BR_TLS_EXT_SNI and the types JA4 reads inside: ja4.h */
#define BR_TLS_EXT_ECH 0xfe0d /* encrypted_client_hello */
#define BR_TLS_SNI_HOST_NAME 0

/* What br_tls_feed() returns; also kept in st->result once final. */
enum br_tls_result {
	BR_TLS_NEED_MORE = 0, /* feed the next segment */
	BR_TLS_DONE_SNI,      /* whole ClientHello walked, name in st->sni */
	BR_TLS_DONE_NO_SNI,   /* whole ClientHello walked, no host_name */
	BR_TLS_NOT_TLS,	      /* not a TLS handshake, or not a ClientHello */
	BR_TLS_MALFORMED,     /* lengths that disagree, or a bad name */
	BR_TLS_GAVE_UP,	      /* a hole in the stream, or beyond our bounds */
};

/* Why it ended: finer than the result, for counters and debugging. */
enum br_tls_reason {
	BR_TLS_R_NONE = 0,  /* still parsing, or SNI found */
	BR_TLS_R_NOT_TLS,   /* first record header is not TLS handshake */
	BR_TLS_R_NOT_HELLO, /* handshake type other than ClientHello */
	BR_TLS_R_MALFORMED, /* a length overruns its container, etc. */
	BR_TLS_R_NO_SNI,    /* complete ClientHello without host_name */
	BR_TLS_R_BAD_SNI,   /* host_name outside the hostname charset */
	BR_TLS_R_GAP,	    /* caller: segment not contiguous */
	BR_TLS_R_LIMIT,	    /* more than the scratch fed at once */
	BR_TLS_R_CUT,	    /* caller: the rest of the segment travels in
			     * IP fragments, which are not reassembled */
};

/* st->flags */
#define BR_TLS_F_REC_FRAG 0x01	/* hello spans more than one record */
#define BR_TLS_F_ECH 0x02	/* encrypted_client_hello present */
#define BR_TLS_F_SNI_LATER 0x04 /* name completed after segment 1 */
#define BR_TLS_F_SNI_FOUND 0x08 /* st->sni holds the name */
#define BR_TLS_F_SNI_EXT 0x10	/* a server_name extension was seen */
#define BR_TLS_F_IN_EXT 0x20	/* walking inside server_name, or an
				 * extension JA4 reads: ext_left counts */
#define BR_TLS_F_REC_SEEN 0x40	/* a complete record header seen */
#define BR_TLS_F_SNI_DOT 0x80	/* the name ended in a dot, dropped */

/* Where the handshake layer is; 0 is the start, so a zeroed state is new. */
enum br_tls_phase {
	BR_TLS_P_HS_HDR = 0,   /* msg_type(1) length(3) */
	BR_TLS_P_VERSION,      /* legacy_version(2) */
	BR_TLS_P_SID_LEN,      /* (1), after skipping random */
	BR_TLS_P_CS_LEN,       /* cipher_suites length (2) */
	BR_TLS_P_COMP_LEN,     /* compression_methods length (1) */
	BR_TLS_P_EXTS_LEN,     /* extensions block length (2) */
	BR_TLS_P_EXT_HDR,      /* extension type(2) length(2) */
	BR_TLS_P_SNI_LIST_LEN, /* server_name_list length (2) */
	BR_TLS_P_SNI_ENTRY,    /* name_type(1) length(2) */
	BR_TLS_P_SNI_NAME,     /* copying the host_name */
	BR_TLS_P_SKIP,	       /* skipping val bytes, then phase next */
	/* JA4 only (ja4.h) */
	BR_TLS_P_CIPHER,	/* a cipher suite (2) */
	BR_TLS_P_SV_LEN,	/* supported_versions list length (1) */
	BR_TLS_P_SV_ITEM,	/* a version (2) */
	BR_TLS_P_SIG_LEN,	/* signature_algorithms list length (2) */
	BR_TLS_P_SIG_ITEM,	/* an algorithm (2) */
	BR_TLS_P_ALPN_LEN,	/* protocol_name_list length (2) */
	BR_TLS_P_ALPN_NAME_LEN, /* the first name's length (1) */
	BR_TLS_P_ALPN_FIRST,	/* its first byte (1) */
	BR_TLS_P_ALPN_LAST,	/* its last byte (1) */
	BR_TLS_P_END,	       /* result is final */
};

/*
 * Per-flow parser state: 24 bytes of counters plus the name, and what
 * JA4 needs (collected only with BR_JA4_F_ON), 552 bytes in all.
 * A zeroed struct is a fresh parser (br_tls_init does just that).
 * The accumulator val is the carry of a header split across segments; the
 * record header needs none, being checked as its bytes arrive and its
 * length built in rec_left.
 */
struct br_tls_state {
	__u32 msg_left; /* ClientHello body bytes not yet walked */
	__u32 val;	/* field read so far (big-endian), or bytes to skip */
	__u16 rec_left; /* bytes left in the current record */
	__u16 ext_left; /* bytes left in the server_name extension */
	__u8 phase;	/* enum br_tls_phase */
	__u8 next;	/* phase after BR_TLS_P_SKIP */
	__u8 have;	/* bytes of the current field read */
	__u8 rec_hdr;	/* bytes of a record header read (0..4) */
	__u8 name_len;	/* length of the host_name being copied */
	__u8 sni_len;	/* bytes of it copied; once found, the name's length
			 * (name_len, less a trailing dot dropped) */
	__u8 flags;	/* BR_TLS_F_* */
	__u8 result;	/* enum br_tls_result */
	__u8 reason;	/* enum br_tls_reason */
	__u8 segs;	/* non-empty segments fed, saturating at 255 */
	__u8 full;	/* the field's bytes are read: act on it next step */
	__u8 reserved;
	char sni[BR_NAME_MAX]; /* lowercase, NUL-terminated once found */
	struct br_ja4_raw ja4;
};

_Static_assert(__builtin_offsetof(struct br_tls_state, ja4.sig) ==
		       sizeof(struct br_tls_state) - BR_JA4_LISTS,
	       "the JA4 lists end the parser's state");

static __always_inline void br_tls_init(struct br_tls_state *st)
{
	__builtin_memset(st, 0, sizeof(*st));
}

/* ---- counters and results the dataplane reads ----------------------- */

static __always_inline int br_tls_done(const struct br_tls_state *st)
{
	return st->phase == BR_TLS_P_END;
}

static __always_inline int br_tls_has_sni(const struct br_tls_state *st)
{
	return st->result == BR_TLS_DONE_SNI;
}

/*
 * Whether the name was read, even if the hello did not end well after it
 * (a hole, a cut, a malformed later field): the censor knows it.
 */
static __always_inline int br_tls_name_read(const struct br_tls_state *st)
{
	return !!(st->flags & BR_TLS_F_SNI_FOUND);
}

static __always_inline int br_tls_sni_later(const struct br_tls_state *st)
{
	return br_tls_has_sni(st) && (st->flags & BR_TLS_F_SNI_LATER);
}

static __always_inline int br_tls_rec_fragmented(const struct br_tls_state *st)
{
	return !!(st->flags & BR_TLS_F_REC_FRAG);
}

static __always_inline int br_tls_ech(const struct br_tls_state *st)
{
	return !!(st->flags & BR_TLS_F_ECH);
}

/* Final and without a usable name: the policy's default applies. */
static __always_inline int br_tls_sni_missing(const struct br_tls_state *st)
{
	return br_tls_done(st) && !br_tls_has_sni(st);
}

/*
 * Whether a segment's first n bytes (n <= 6) can begin a ClientHello: a
 * handshake record (22), of version 3.x (x <= 4), whose first message is
 * a ClientHello (1). A censor that missed a flow's handshake looks for
 * this at the start of its segments; even one byte of it is taken, so a
 * hello sent a byte at a time is still read from its first byte.
 */
static __always_inline int br_tls_hello_start(const __u8 *b, __u32 n)
{
	if (n < 1 || b[0] != BR_TLS_CT_HANDSHAKE)
		return 0;
	if (n > 1 && b[1] != 3)
		return 0;
	if (n > 2 && b[2] > 4)
		return 0;
	return n < 6 || b[5] == BR_TLS_HS_CLIENT_HELLO;
}

/* ---- the parser ----------------------------------------------------- */

static __always_inline int br_tls_end(struct br_tls_state *st, int result,
				      int reason)
{
	st->phase = BR_TLS_P_END;
	st->result = result;
	st->reason = reason;
	return result;
}

/*
 * The caller saw a segment that does not continue the bytes fed so far
 * (a hole, an overlap, a retransmission with other data): give up.
 */
static __always_inline int br_tls_gap(struct br_tls_state *st)
{
	if (!br_tls_done(st))
		br_tls_end(st, BR_TLS_GAVE_UP, BR_TLS_R_GAP);
	return st->result;
}

/* The caller will see no more of the hello: the segment was cut. */
static __always_inline int br_tls_cut(struct br_tls_state *st)
{
	if (!br_tls_done(st))
		br_tls_end(st, BR_TLS_GAVE_UP, BR_TLS_R_CUT);
	return st->result;
}

static __always_inline __u32 br_tls_field_size(__u8 phase)
{
	switch (phase) {
	case BR_TLS_P_HS_HDR:
	case BR_TLS_P_EXT_HDR:
		return 4;
	case BR_TLS_P_SNI_ENTRY:
		return 3;
	case BR_TLS_P_VERSION:
	case BR_TLS_P_CS_LEN:
	case BR_TLS_P_EXTS_LEN:
	case BR_TLS_P_SNI_LIST_LEN:
	case BR_TLS_P_CIPHER:
	case BR_TLS_P_SV_ITEM:
	case BR_TLS_P_SIG_LEN:
	case BR_TLS_P_SIG_ITEM:
	case BR_TLS_P_ALPN_LEN:
		return 2;
	default:
		return 1;
	}
}

/* n more bytes must fit in the hello and, inside an extension, in it. */
static __always_inline int br_tls_fits(const struct br_tls_state *st, __u32 n)
{
	if (n > st->msg_left)
		return 0;
	return !(st->flags & BR_TLS_F_IN_EXT) || n <= st->ext_left;
}

/* Start reading the field of phase, or end where the hello ends. */
static __always_inline void br_tls_expect(struct br_tls_state *st, __u8 phase)
{
	if (phase == BR_TLS_P_EXT_HDR)
		st->flags &= ~BR_TLS_F_IN_EXT;
	if (phase == BR_TLS_P_SNI_ENTRY && !st->ext_left) {
		st->flags &= ~BR_TLS_F_IN_EXT;
		phase = BR_TLS_P_EXT_HDR;
	}
	if ((phase == BR_TLS_P_EXTS_LEN || phase == BR_TLS_P_EXT_HDR) &&
	    !st->msg_left) {
		if (st->flags & BR_TLS_F_SNI_FOUND)
			br_tls_end(st, BR_TLS_DONE_SNI, BR_TLS_R_NONE);
		else
			br_tls_end(st, BR_TLS_DONE_NO_SNI, BR_TLS_R_NO_SNI);
		return;
	}
	if (!br_tls_fits(st, br_tls_field_size(phase))) {
		br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_MALFORMED);
		return;
	}
	st->phase = phase;
	st->have = 0;
	st->full = 0;
	st->val = 0;
}

static __always_inline void br_tls_skip(struct br_tls_state *st, __u32 n,
					__u8 next)
{
	if (!br_tls_fits(st, n)) {
		br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_MALFORMED);
		return;
	}
	if (!n) {
		br_tls_expect(st, next);
		return;
	}
	st->phase = BR_TLS_P_SKIP;
	st->next = next;
	st->val = n;
}

/*
 * The JA4 fields below end in one br_tls_skip() each, the field's only
 * way on: every inlined copy of it (and of br_tls_expect() in it) is
 * walked by the verifier for each path through the parser's step, and a
 * copy per case took the step past its budget.
 */
#define BR_TLS_P_EXT_REST 0xff /* a JA4 field's next: the extension's end */

/*
 * The extension whose header was just read, *n bytes: if JA4 reads inside
 * it (the first supported_versions, signature_algorithms, ALPN), returns
 * the phase to start with and sets *n to 0 (nothing to skip); else
 * BR_TLS_P_EXT_HDR, *n unchanged (the extension is skipped).
 */
static __always_inline __u8 br_tls_ja4_enter(struct br_tls_state *st,
					     __u32 type, __u32 *n)
{
	__u8 phase, seen;

	if (type == BR_TLS_EXT_SUPPORTED_VERSIONS) {
		phase = BR_TLS_P_SV_LEN;
		seen = BR_JA4_F_SV;
	} else if (type == BR_TLS_EXT_SIG_ALGS) {
		phase = BR_TLS_P_SIG_LEN;
		seen = BR_JA4_F_SIGS;
	} else if (type == BR_TLS_EXT_ALPN) {
		phase = BR_TLS_P_ALPN_LEN;
		seen = BR_JA4_F_ALPN;
	} else {
		return BR_TLS_P_EXT_HDR;
	}
	if (st->ja4.flags & seen)
		return BR_TLS_P_EXT_HDR;
	st->ja4.flags |= seen;
	if (*n < br_tls_field_size(phase)) {
		st->ja4.flags |= BR_JA4_F_BAD;
		return BR_TLS_P_EXT_HDR;
	}
	st->flags |= BR_TLS_F_IN_EXT;
	st->ext_left = *n;
	*n = 0;
	return phase;
}

/* A field only JA4 reads is complete in st->val. */
static __always_inline void br_tls_ja4_field(struct br_tls_state *st,
					     __u8 phase)
{
	struct br_ja4_raw *r = &st->ja4;
	__u32 v = st->val, skip = 0;
	__u8 next = BR_TLS_P_EXT_REST;

	switch (phase) {
	case BR_TLS_P_CIPHER:
	case BR_TLS_P_SV_ITEM:
	case BR_TLS_P_SIG_ITEM:
		if (phase == BR_TLS_P_CIPHER)
			br_ja4_cipher(r, v);
		else if (phase == BR_TLS_P_SV_ITEM)
			br_ja4_version(r, v);
		else
			br_ja4_sig(r, v);
		r->list_left -= 2;
		if (r->list_left)
			next = phase;
		else if (phase == BR_TLS_P_CIPHER)
			next = BR_TLS_P_COMP_LEN;
		break;
	case BR_TLS_P_SV_LEN:
	case BR_TLS_P_SIG_LEN:
		/* both lists hold 2-byte items, at least one */
		if (!v || (v & 1) || v > st->ext_left) {
			r->flags |= BR_JA4_F_BAD;
			break;
		}
		r->list_left = v;
		next = phase + 1; /* the list's items */
		break;
	case BR_TLS_P_ALPN_LEN:
		if (v > st->ext_left)
			r->flags |= BR_JA4_F_BAD;
		else if (v) /* else no name: "00" */
			next = BR_TLS_P_ALPN_NAME_LEN;
		r->list_left = v;
		break;
	case BR_TLS_P_ALPN_NAME_LEN:
		if (v + 1 > r->list_left)
			r->flags |= BR_JA4_F_BAD;
		else if (v) /* else an empty name: "00" */
			next = BR_TLS_P_ALPN_FIRST;
		r->alpn_len = v;
		break;
	case BR_TLS_P_ALPN_FIRST:
		r->alpn[0] = v;
		r->alpn[1] = v;
		if (r->alpn_len > 1) {
			skip = r->alpn_len - 2;
			next = BR_TLS_P_ALPN_LAST;
		}
		break;
	default: /* BR_TLS_P_ALPN_LAST */
		r->alpn[1] = v;
		break;
	}
	if (next == BR_TLS_P_EXT_REST) {
		skip = st->ext_left;
		next = BR_TLS_P_EXT_HDR;
	}
	br_tls_skip(st, skip, next);
}

/* A fixed-size field is complete in st->val: act on it. */
/*
 * phase is the caller's copy of st->phase: a value the verifier follows
 * from the step's first switch on, where a new read of st->phase would
 * make it walk every case again.
 */
static __always_inline void br_tls_field_done(struct br_tls_state *st,
					      __u8 phase)
{
	__u32 v = st->val, type, n;
	__u8 next;

	if (phase >= BR_TLS_P_CIPHER) {
		br_tls_ja4_field(st, phase);
		return;
	}
	switch (phase) {
	case BR_TLS_P_HS_HDR:
		if (v >> 24 != BR_TLS_HS_CLIENT_HELLO) {
			br_tls_end(st, BR_TLS_NOT_TLS, BR_TLS_R_NOT_HELLO);
			return;
		}
		st->msg_left = v & 0xffffff;
		br_tls_expect(st, BR_TLS_P_VERSION);
		return;
	case BR_TLS_P_VERSION:
		/* SSL 3.0 to TLS 1.2; TLS 1.3 says 1.2 here too */
		if (v >> 8 != 3 || (v & 0xff) > 4)
			break;
		st->ja4.legacy = v;
		br_tls_skip(st, BR_TLS_RANDOM_LEN, BR_TLS_P_SID_LEN);
		return;
	case BR_TLS_P_SID_LEN:
		if (v > BR_TLS_SID_MAX)
			break;
		br_tls_skip(st, v, BR_TLS_P_CS_LEN);
		return;
	case BR_TLS_P_CS_LEN:
		if (v < 2 || (v & 1))
			break;
		next = BR_TLS_P_COMP_LEN;
		if ((st->ja4.flags & BR_JA4_F_ON) && br_tls_fits(st, v)) {
			st->ja4.list_left = v;
			v = 0;
			next = BR_TLS_P_CIPHER;
		}
		br_tls_skip(st, v, next);
		return;
	case BR_TLS_P_COMP_LEN:
		if (v < 1)
			break;
		br_tls_skip(st, v, BR_TLS_P_EXTS_LEN);
		return;
	case BR_TLS_P_EXTS_LEN:
		if (v != st->msg_left)
			break;
		br_tls_expect(st, BR_TLS_P_EXT_HDR);
		return;
	case BR_TLS_P_EXT_HDR:
		type = v >> 16;
		n = v & 0xffff;
		if (n > st->msg_left)
			break;
		if (type == BR_TLS_EXT_ECH)
			st->flags |= BR_TLS_F_ECH;
		next = BR_TLS_P_EXT_HDR;
		if (st->ja4.flags & BR_JA4_F_ON) {
			br_ja4_ext(&st->ja4, type);
			next = br_tls_ja4_enter(st, type, &n);
		}
		if (type == BR_TLS_EXT_SNI && !(st->flags & BR_TLS_F_SNI_EXT)) {
			st->flags |= BR_TLS_F_SNI_EXT | BR_TLS_F_IN_EXT;
			st->ext_left = n;
			br_tls_expect(st, BR_TLS_P_SNI_LIST_LEN);
			return;
		}
		/* GREASE (0x?a?a), later duplicates: skipped like any other */
		br_tls_skip(st, n, next);
		return;
	case BR_TLS_P_SNI_LIST_LEN:
		if (v != st->ext_left)
			break;
		br_tls_expect(st, BR_TLS_P_SNI_ENTRY);
		return;
	case BR_TLS_P_SNI_ENTRY:
		n = v & 0xffff;
		if (n > st->ext_left)
			break;
		if (v >> 16 != BR_TLS_SNI_HOST_NAME ||
		    (st->flags & BR_TLS_F_SNI_FOUND)) {
			br_tls_skip(st, n, BR_TLS_P_SNI_ENTRY);
			return;
		}
		if (!n || n > BR_NAME_MAX - 1) {
			br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_BAD_SNI);
			return;
		}
		st->name_len = n;
		st->sni_len = 0;
		st->phase = BR_TLS_P_SNI_NAME;
		return;
	}
	br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_MALFORMED);
}

/* Record header bytes from buf[pos, len); returns the new position. */
static __always_inline __u32 br_tls_rec_hdr(struct br_tls_state *st,
					    const __u8 *buf, __u32 pos,
					    __u32 len)
{
	int i, bad = 0;
	__u8 b;

	for (i = 0; i < 5; i++) {
		if (pos >= len || bad)
			break;
		b = buf[pos & BR_TLS_SCRATCH_MASK];
		pos++;
		switch (st->rec_hdr) {
		case 0:
			bad = b != BR_TLS_CT_HANDSHAKE;
			break;
		case 1:
			bad = b != 3;
			break;
		case 2:
			bad = b > 4; /* 0x0300..0x0304 */
			break;
		case 3:
			st->rec_left = b << 8;
			break;
		default:
			st->rec_left |= b;
			bad = !st->rec_left || st->rec_left > BR_TLS_REC_MAX;
			break;
		}
		st->rec_hdr++;
		if (!bad && st->rec_hdr == 5) {
			if (st->flags & BR_TLS_F_REC_SEEN)
				st->flags |= BR_TLS_F_REC_FRAG;
			st->flags |= BR_TLS_F_REC_SEEN;
			st->rec_hdr = 0;
			break;
		}
	}
	if (bad) {
		/* the stream does not start as TLS, or a later record lies */
		if (st->flags & BR_TLS_F_REC_SEEN)
			br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_MALFORMED);
		else
			br_tls_end(st, BR_TLS_NOT_TLS, BR_TLS_R_NOT_TLS);
	}
	return pos;
}

static __always_inline int br_tls_name_char(__u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_' || c == '.';
}

/* Up to BR_TLS_NAME_CHUNK name bytes, folded and checked as they come. */
static __always_inline __u32 br_tls_copy_name(struct br_tls_state *st,
					      const __u8 *buf, __u32 pos,
					      __u32 end)
{
	__u32 idx;
	int i, bad = 0;
	__u8 c, prev;

	for (i = 0; i < BR_TLS_NAME_CHUNK; i++) {
		if (st->sni_len >= st->name_len || pos >= end)
			break;
		c = buf[pos & BR_TLS_SCRATCH_MASK];
		pos++;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		idx = st->sni_len;
		br_tls_opaque(idx);
		prev = idx ? st->sni[(idx - 1) & 0xff] : '.';
		if (!br_tls_name_char(c) || (c == '.' && prev == '.')) {
			bad = 1;
			break;
		}
		st->sni[idx & 0xff] = c;
		st->sni_len = idx + 1;
	}
	if (bad)
		br_tls_end(st, BR_TLS_MALFORMED, BR_TLS_R_BAD_SNI);
	return pos;
}

static __always_inline void br_tls_name_done(struct br_tls_state *st)
{
	/* "a." (copy refused "." and "a..") stands for "a" */
	if (st->sni[(st->name_len - 1) & 0xff] == '.') {
		st->flags |= BR_TLS_F_SNI_DOT;
		st->sni_len = st->name_len - 1;
	}
	st->sni[st->sni_len & 0xff] = '\0';
	st->flags |= BR_TLS_F_SNI_FOUND;
	if (st->segs > 1)
		st->flags |= BR_TLS_F_SNI_LATER;
	br_tls_expect(st, BR_TLS_P_SNI_ENTRY);
}

/*
 * One field's worth of handshake bytes from buf[pos, end), end being the
 * end of the segment or of the record, whichever comes first.
 */
static __always_inline __u32 br_tls_hs_step(struct br_tls_state *st,
					    const __u8 *buf, __u32 pos,
					    __u32 end)
{
	__u8 phase = st->phase;
	__u32 start = pos, size = 0, n;
	int i;

	if (phase == BR_TLS_P_SKIP) {
		n = end - pos;
		if (n > st->val)
			n = st->val;
		pos += n;
		st->val -= n;
	} else if (phase == BR_TLS_P_SNI_NAME) {
		pos = br_tls_copy_name(st, buf, pos, end);
	} else {
		size = br_tls_field_size(phase);
		for (i = 0; i < 4; i++) {
			if (st->have >= size || pos >= end)
				break;
			st->val = st->val << 8 | buf[pos & BR_TLS_SCRATCH_MASK];
			st->have++;
			pos++;
		}
	}

	/* bounds were checked when the field began: nothing wraps */
	n = pos - start;
	st->rec_left -= n;
	if (phase != BR_TLS_P_HS_HDR)
		st->msg_left -= n;
	if (st->flags & BR_TLS_F_IN_EXT)
		st->ext_left -= n;

	if (st->phase == BR_TLS_P_END)
		return pos;
	if (phase == BR_TLS_P_SKIP) {
		if (!st->val)
			br_tls_expect(st, st->next);
	} else if (phase == BR_TLS_P_SNI_NAME) {
		if (st->sni_len == st->name_len)
			br_tls_name_done(st);
	} else if (st->have == size) {
		st->full = 1; /* br_tls_step acts on it */
	}
	return pos;
}

/* One walk over one segment; a bpf_loop() callback takes it as its ctx. */
struct br_tls_walk {
	struct br_tls_state *st;
	const __u8 *buf;
	__u32 len;
	__u32 pos;
};

/*
 * One field (or part of a record header), or acting on the field the
 * step before read; returns 1 to stop the walk. The two are separate
 * steps so that the verifier walks each way of reading a field and each
 * kind of field on their own, not every pair of them: with the fields
 * JA4 reads, the pairs took the program past its budget.
 */
static __always_inline int br_tls_step(struct br_tls_walk *w)
{
	struct br_tls_state *st = w->st;
	__u32 pos = w->pos, len = w->len, end;

	if (br_tls_done(st))
		return 1;
	if (st->full) {
		st->full = 0;
		br_tls_field_done(st, st->phase);
		return 0;
	}
	if (pos >= len)
		return 1;
	if (st->rec_hdr || !st->rec_left) {
		w->pos = br_tls_rec_hdr(st, w->buf, pos, len);
		return 0;
	}
	end = len - pos > st->rec_left ? pos + st->rec_left : len;
	w->pos = br_tls_hs_step(st, w->buf, pos, end);
	return 0;
}

#if defined(__bpf__) || defined(__BPF__)
#include <bpf/bpf_helpers.h>

/*
 * The verifier checks a bpf_loop() callback once, where it would walk a
 * constant-bound loop of this body BR_TLS_MAX_STEPS times (beyond its
 * 1M-instruction budget already at 64).
 */
static inline long br_tls_step_cb(__u32 i, void *ctx)
{
	(void)i;
	return br_tls_step(ctx);
}
#endif

/*
 * Feed bytes that follow those fed so far: buf[0, len), len <=
 * BR_L7_SCRATCH, in a buffer of BR_L7_SCRATCH bytes. new_segment says
 * whether they begin a TCP segment (a longer segment comes in pieces, the
 * later ones not new): segments are counted, for BR_TLS_F_SNI_LATER.
 * Segments must follow each other in the stream (br_tls_gap() otherwise);
 * empty ones change nothing. Once final, returns the same result without
 * reading buf.
 *
 * From a global BPF function, pass the scratch as a pointer to a struct of
 * BR_L7_SCRATCH bytes: a global function's pointer argument is memory of
 * its pointee's size, so a __u8 * would be one byte to the verifier.
 */
static __always_inline int br_tls_walk_bytes(struct br_tls_state *st,
					     const __u8 *buf, __u32 len,
					     int new_segment)
{
	struct br_tls_walk w = { .st = st, .buf = buf, .len = len, .pos = 0 };

	if (br_tls_done(st) || !len)
		return st->result;
	if (len > BR_L7_SCRATCH)
		return br_tls_end(st, BR_TLS_GAVE_UP, BR_TLS_R_LIMIT);
	if (new_segment && st->segs < 255)
		st->segs++;

#if defined(__bpf__) || defined(__BPF__)
	bpf_loop(BR_TLS_MAX_STEPS, br_tls_step_cb, &w, 0);
#else
	for (int i = 0; i < BR_TLS_MAX_STEPS; i++)
		if (br_tls_step(&w))
			break;
#endif
	if (br_tls_done(st) || w.pos >= len)
		return st->result;
	return br_tls_end(st, BR_TLS_GAVE_UP, BR_TLS_R_LIMIT);
}

/* The next segment's payload (or its first BR_L7_SCRATCH bytes). */
static __always_inline int br_tls_feed(struct br_tls_state *st, const __u8 *buf,
				       __u32 len)
{
	return br_tls_walk_bytes(st, buf, len, 1);
}

/* More of the segment fed last. */
static __always_inline int br_tls_feed_more(struct br_tls_state *st,
					    const __u8 *buf, __u32 len)
{
	return br_tls_walk_bytes(st, buf, len, 0);
}

#endif /* BR_TLS_H */
