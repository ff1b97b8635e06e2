/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dns.h - DNS queries over UDP 53: the question a censor matches on, and the
 * answers it forges in their place (NXDOMAIN, sinkhole A/AAAA, NODATA).
 *
 * Pure code over a scratch copy of the UDP payload (BR_L7_SCRATCH bytes: a
 * per-CPU map value in BPF, a plain array on the host). Every index into it
 * is masked with BR_DNS_MASK so the verifier sees offsets inside the buffer;
 * every loop has a constant bound. No helpers, maps or libc: the same source
 * is the unit-tested, fuzzed and verified one.
 *
 * What br_dns_parse() decides:
 *   BR_DNS_QUERY        a plain query: QR 0, opcode QUERY, one question with
 *                       an uncompressed name of at most 255 bytes (wire
 *                       form). The name comes out as lowercase dotted text.
 *   BR_DNS_UNMATCHABLE  a plain query whose name has a '.' inside a label.
 *                       Its dotted text would be ambiguous ("a.b" as one
 *                       label or two), and no resolver treats it as the
 *                       two-label name, so no domain set can list it: the
 *                       caller matches it against nothing. Every field but
 *                       the name is filled, so it can still be forged.
 *   BR_DNS_NOT_QUERY    a response, another opcode (NOTIFY, UPDATE, ...) or
 *                       a QDCOUNT other than 1: DNS, but not what a censor
 *                       answers in a resolver's place.
 *   BR_DNS_MALFORMED    shorter than a header, a question cut short, a label
 *                       type other than a plain length (a compression pointer
 *                       has nothing to point back to in a question; 0x40 and
 *                       0x80 are reserved), or a name over 255 bytes.
 * A name may hold any byte (RFC 2181 section 11): bytes are kept as they are
 * but A-Z, which fold to a-z as DNS compares names. name_len, not the NUL,
 * ends the text, so a NUL inside a label does not cut the name short.
 *
 * The answers are built in place, over the query in the same buffer: the
 * question (its bytes as sent, so 0x20 case randomisation is echoed) is kept,
 * an answer and an OPT record follow it. They never grow the payload by more
 * than BR_DNS_MAX_GROWTH bytes; growing at the tail fails on native veth, so
 * the dataplane grows the frame at the head by br_dns_response_len() minus
 * the query's length, when positive, and shrinks the tail otherwise.
 *
 * In BPF: q must be in a map value (the per-CPU scratch), and the parse is
 * best called from a global function of its own, as br_parse is. Measured
 * with kernel 6.18 and clang 14: parse and sinkhole builder in one global
 * function cost the verifier 78k instructions; br_domain_hashes in another,
 * 43k; both inlined in one function, 254k (of the 1M limit).
 */
#ifndef BR_DNS_H
#define BR_DNS_H

#include <linux/types.h>
#include "abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define BR_DNS_PORT 53
#define BR_DNS_HDR_LEN 12
#define BR_DNS_NAME_WIRE_MAX 255 /* RFC 1035 2.3.4, length bytes included */
#define BR_DNS_MASK (BR_L7_SCRATCH - 1)
#define BR_DNS_NAME_MASK (BR_NAME_MAX - 1)

/* header flags, host order */
#define BR_DNS_QR 0x8000
#define BR_DNS_OPCODE 0x7800
#define BR_DNS_AA 0x0400
#define BR_DNS_TC 0x0200
#define BR_DNS_RD 0x0100
#define BR_DNS_RA 0x0080
#define BR_DNS_AD 0x0020
#define BR_DNS_CD 0x0010
#define BR_DNS_RCODE 0x000f

#define BR_DNS_RCODE_NOERROR 0
#define BR_DNS_RCODE_NXDOMAIN 3

#define BR_DNS_TYPE_A 1
#define BR_DNS_TYPE_AAAA 28
#define BR_DNS_TYPE_OPT 41
#define BR_DNS_CLASS_IN 1

#define BR_DNS_OPT_FIXED 11    /* root name, type, class, TTL, RDLENGTH */
#define BR_DNS_RR_FIXED 12     /* pointer to the qname + the same fields */
#define BR_DNS_NAME_PTR 0xc00c /* the question's name, at offset 12 */

/* What the forged answers say about themselves. */
#define BR_DNS_ANSWER_TTL 60	  /* short: the block can be lifted */
#define BR_DNS_EDNS_UDP_SIZE 1232 /* the DNS flag day 2020 value */

/* Largest answer plus our OPT record, over a question without EDNS. */
#define BR_DNS_MAX_GROWTH (BR_DNS_RR_FIXED + 16 + BR_DNS_OPT_FIXED)

enum br_dns_status {
	BR_DNS_QUERY = 0,
	BR_DNS_UNMATCHABLE,
	BR_DNS_NOT_QUERY,
	BR_DNS_MALFORMED,
};

enum br_dns_answer {
	BR_DNS_ANS_NXDOMAIN, /* RCODE 3, no answer */
	BR_DNS_ANS_NODATA,   /* RCODE 0, no answer: the name, not this type */
	BR_DNS_ANS_A,	     /* one A record */
	BR_DNS_ANS_AAAA,     /* one AAAA record */
};

/*
 * One parsed query. Integers are in host order. Offsets are into the
 * payload. Lives in a per-CPU map value in BPF: too big for the stack.
 */
struct br_dns_query {
	char name[BR_NAME_MAX]; /* lowercase dotted text, NUL after name_len */
	__u16 name_len;		/* root: 0; at most 253 */
	__u16 id;
	__u16 flags; /* as received */
	__u16 qtype;
	__u16 qclass;
	__u16 question_end; /* first byte after QCLASS */
	__u16 opt_off;	    /* the query's OPT record; 0: none */
	__u16 opt_len;	    /* its size: BR_DNS_OPT_FIXED + RDLENGTH */
	__u8 n_labels;
	__u8 dotted; /* a label holds a '.': BR_DNS_UNMATCHABLE */
	__u8 pad[2];
};

static __always_inline __u16 br_dns_get16(const __u8 *buf, __u32 off)
{
	return (__u16)buf[off & BR_DNS_MASK] << 8 |
	       buf[(off + 1) & BR_DNS_MASK];
}

static __always_inline void br_dns_put16(__u8 *buf, __u32 off, __u16 v)
{
	buf[off & BR_DNS_MASK] = v >> 8;
	buf[(off + 1) & BR_DNS_MASK] = v & 0xff;
}

/*
 * The OPT record is looked for only where every stub puts it: first after
 * the question, with no answer or authority records before it. One that does
 * not fit in len is ignored rather than failing the query: the question is
 * what the censor matches, and the answer then goes out without EDNS.
 */
static __always_inline void br_dns_find_opt(const __u8 *buf, __u32 len,
					    struct br_dns_query *q)
{
	__u32 off = q->question_end, rdlen;

	q->opt_off = 0;
	q->opt_len = 0;
	if (br_dns_get16(buf, 6) || br_dns_get16(buf, 8) ||
	    !br_dns_get16(buf, 10))
		return;
	if (off + BR_DNS_OPT_FIXED > len || buf[off & BR_DNS_MASK] ||
	    br_dns_get16(buf, off + 1) != BR_DNS_TYPE_OPT)
		return;
	rdlen = br_dns_get16(buf, off + 9);
	if (off + BR_DNS_OPT_FIXED + rdlen > len)
		return;
	q->opt_off = off;
	q->opt_len = BR_DNS_OPT_FIXED + rdlen;
}

/*
 * The compiler must assume memory changed here: what was stored in q is
 * read back from it rather than carried over in registers. The verifier
 * does not track map memory (q lives in a map value), so paths that stored
 * different constants become one state again after the read.
 */
static __always_inline void br_dns_forget(void)
{
	asm volatile("" ::: "memory");
}

/*
 * Parse the query in buf[0, len); len above BR_L7_SCRATCH is clamped (the
 * caller copied at most that much). Returns an enum br_dns_status; q is
 * complete for BR_DNS_QUERY and BR_DNS_UNMATCHABLE only. In BPF, q must be
 * in a map value (it is too big for the stack anyway).
 *
 * The name is walked in one flat loop over its wire bytes rather than a loop
 * of labels around a loop of bytes: wire byte i (after the first length
 * byte) becomes text byte i - 1 whether it is a length byte (a '.') or not,
 * so the loop carries no output cursor, and the verifier walks it once per
 * byte. The loop can end at any of 255 bytes: what depends on where, or on
 * what the name held, is stored in q and read back after the loop, so the
 * code after it is verified once rather than once per exit and per flag.
 */
static __always_inline int br_dns_parse(const __u8 *buf, __u32 len,
					struct br_dns_query *q)
{
	__u32 i, off, end, text_len, left = 0;
	__u8 c;

	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;
	if (len < BR_DNS_HDR_LEN)
		return BR_DNS_MALFORMED;
	q->id = br_dns_get16(buf, 0);
	q->flags = br_dns_get16(buf, 2);
	if (q->flags & (BR_DNS_QR | BR_DNS_OPCODE) || br_dns_get16(buf, 4) != 1)
		return BR_DNS_NOT_QUERY;
	q->dotted = 0;
	q->n_labels = 0;

	for (i = 0; i < BR_DNS_NAME_WIRE_MAX; i++) {
		off = BR_DNS_HDR_LEN + i;
		if (off >= len)
			return BR_DNS_MALFORMED;
		c = buf[off & BR_DNS_MASK];
		if (left) {
			left--;
			if (c == '.')
				q->dotted = 1;
			else if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			q->name[(i - 1) & BR_DNS_NAME_MASK] = c;
			continue;
		}
		if (!c) {
			/* the root label: i - 1 bytes of text, none for root */
			text_len = i ? i - 1 : 0;
			q->name[text_len & BR_DNS_NAME_MASK] = 0;
			q->name_len = text_len;
			q->question_end = off + 1 + 4; /* QTYPE, QCLASS */
			break;
		}
		if (c & 0xc0)
			return BR_DNS_MALFORMED;
		left = c;
		q->n_labels++; /* in memory: a register would split states */
		if (i)
			q->name[(i - 1) & BR_DNS_NAME_MASK] = '.';
	}
	if (i == BR_DNS_NAME_WIRE_MAX)
		return BR_DNS_MALFORMED;

	br_dns_forget();
	end = q->question_end;
	if (end > len)
		return BR_DNS_MALFORMED;
	q->qtype = br_dns_get16(buf, end - 4);
	q->qclass = br_dns_get16(buf, end - 2);
	br_dns_find_opt(buf, len, q);
	return q->dotted ? BR_DNS_UNMATCHABLE : BR_DNS_QUERY;
}

/* The payload length an answer of this kind will have. */
static __always_inline __u32 br_dns_response_len(const struct br_dns_query *q,
						 int kind)
{
	__u32 len = q->question_end;

	if (kind == BR_DNS_ANS_A)
		len += BR_DNS_RR_FIXED + 4;
	else if (kind == BR_DNS_ANS_AAAA)
		len += BR_DNS_RR_FIXED + 16;
	if (q->opt_off)
		len += BR_DNS_OPT_FIXED;
	return len;
}

/*
 * The response header. RD and CD are copied (RFC 1035, RFC 4035 3.1.6);
 * RA follows RD, as a recursive resolver's would: a stub that asked for
 * recursion got it, one that did not (a query to an authority) sees no
 * resolver. AA stays clear: the answer does not claim to be authoritative.
 */
static __always_inline void br_dns_put_header(__u8 *buf, __u16 id, __u16 qflags,
					      __u16 rcode, __u16 ancount,
					      __u16 arcount)
{
	__u16 flags = BR_DNS_QR | (qflags & (BR_DNS_RD | BR_DNS_CD)) | rcode;

	if (qflags & BR_DNS_RD)
		flags |= BR_DNS_RA;
	br_dns_put16(buf, 0, id);
	br_dns_put16(buf, 2, flags);
	br_dns_put16(buf, 4, 1);
	br_dns_put16(buf, 6, ancount);
	br_dns_put16(buf, 8, 0);
	br_dns_put16(buf, 10, arcount);
}

/*
 * A fresh, minimal OPT record rather than the query's: the query's options
 * (cookie, padding, client subnet) are the client's to send, not ours to
 * echo, and a server that does not know an option leaves it out (RFC 6891
 * 6.1.2, RFC 7873 5.2). DO stays clear: nothing here is signed.
 */
static __always_inline __u32 br_dns_put_opt(__u8 *buf, __u32 off)
{
	buf[off & BR_DNS_MASK] = 0;
	br_dns_put16(buf, off + 1, BR_DNS_TYPE_OPT);
	br_dns_put16(buf, off + 3, BR_DNS_EDNS_UDP_SIZE);
	br_dns_put16(buf, off + 5, 0); /* extended RCODE, version */
	br_dns_put16(buf, off + 7, 0); /* flags */
	br_dns_put16(buf, off + 9, 0); /* RDLENGTH */
	return off + BR_DNS_OPT_FIXED;
}

/*
 * Where the answer goes, or 0 if q does not describe a parsed query. Read
 * once: buf may alias q as far as the compiler knows, so a second read
 * after a write would be a new, unchecked value to the verifier. The check
 * is for correctness only; the verifier relies on the masks, so the
 * compiler is kept from learning the bound and dropping them.
 */
static __always_inline __u32 br_dns_answer_off(const struct br_dns_query *q)
{
	__u32 end = q->question_end;

	if (end <= BR_DNS_HDR_LEN || end + BR_DNS_MAX_GROWTH > BR_L7_SCRATCH)
		return 0;
	asm volatile("" : "+r"(end));
	return end;
}

/*
 * Build a response with no answer record over the query in buf: NXDOMAIN
 * ("no such name") or NODATA ("the name exists, not with this type").
 * Returns the new payload length, or -1 if q does not describe a parsed
 * query.
 */
static __always_inline int
br_dns_build_empty(__u8 *buf, const struct br_dns_query *q, __u16 rcode)
{
	__u32 off = br_dns_answer_off(q), has_opt = q->opt_off != 0;

	if (!off)
		return -1;
	br_dns_put_header(buf, q->id, q->flags, rcode, 0, has_opt);
	if (has_opt)
		off = br_dns_put_opt(buf, off);
	return off;
}

static __always_inline int br_dns_build_nxdomain(__u8 *buf,
						 const struct br_dns_query *q)
{
	return br_dns_build_empty(buf, q, BR_DNS_RCODE_NXDOMAIN);
}

static __always_inline int br_dns_build_nodata(__u8 *buf,
					       const struct br_dns_query *q)
{
	return br_dns_build_empty(buf, q, BR_DNS_RCODE_NOERROR);
}

/*
 * Build a response with one A (addr_len 4) or AAAA (addr_len 16) record for
 * the question's name, named by a compression pointer to it. Returns the new
 * payload length, or -1 for another addr_len or an unparsed q. The record's
 * type follows addr_len, not the question: choosing is the caller's
 * (br_dns_build_sinkhole).
 */
static __always_inline int br_dns_build_addr(__u8 *buf,
					     const struct br_dns_query *q,
					     const __u8 *addr, __u32 addr_len)
{
	__u32 off = br_dns_answer_off(q), has_opt = q->opt_off != 0, i;

	if (!off || (addr_len != 4 && addr_len != 16))
		return -1;
	br_dns_put_header(buf, q->id, q->flags, BR_DNS_RCODE_NOERROR, 1,
			  has_opt);
	br_dns_put16(buf, off, BR_DNS_NAME_PTR);
	br_dns_put16(buf, off + 2,
		     addr_len == 4 ? BR_DNS_TYPE_A : BR_DNS_TYPE_AAAA);
	br_dns_put16(buf, off + 4, BR_DNS_CLASS_IN);
	br_dns_put16(buf, off + 6, BR_DNS_ANSWER_TTL >> 16);
	br_dns_put16(buf, off + 8, BR_DNS_ANSWER_TTL & 0xffff);
	br_dns_put16(buf, off + 10, addr_len);
	off += BR_DNS_RR_FIXED;
	for (i = 0; i < 16; i++) {
		if (i >= addr_len)
			break;
		buf[(off + i) & BR_DNS_MASK] = addr[i];
	}
	off += addr_len;
	if (has_opt)
		off = br_dns_put_opt(buf, off);
	return off;
}

/*
 * Which answer a sinkhole rule r gives this query: see
 * br_dns_build_sinkhole. (The addresses' presence is r's flags, not NULL
 * pointers: a "flag ? address : NULL" compiles to pointer masking, which
 * the verifier refuses.)
 */
static __always_inline int br_dns_sinkhole_kind(const struct br_dns_query *q,
						const struct br_rule *r)
{
	if (q->qclass == BR_DNS_CLASS_IN) {
		if (q->qtype == BR_DNS_TYPE_A && (r->flags & BR_RULE_F_SINK4))
			return BR_DNS_ANS_A;
		if (q->qtype == BR_DNS_TYPE_AAAA &&
		    (r->flags & BR_RULE_F_SINK6))
			return BR_DNS_ANS_AAAA;
	}
	return BR_DNS_ANS_NODATA;
}

/*
 * The sinkhole answer of rule r for a blocked name: its IPv4 address for A
 * queries, its IPv6 address for AAAA (either may be absent); NODATA for
 * every other type and for the family without an address, so a client
 * sees one consistent name that exists and has only the sinkhole's address
 * (an HTTPS or AAAA record pointing elsewhere would route around it).
 */
static __always_inline int br_dns_build_sinkhole(__u8 *buf,
						 const struct br_dns_query *q,
						 const struct br_rule *r)
{
	switch (br_dns_sinkhole_kind(q, r)) {
	case BR_DNS_ANS_A:
		return br_dns_build_addr(buf, q, r->sink4, 4);
	case BR_DNS_ANS_AAAA:
		return br_dns_build_addr(buf, q, r->sink6, 16);
	default:
		return br_dns_build_nodata(buf, q);
	}
}

#endif /* BR_DNS_H */
