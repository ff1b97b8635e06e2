/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * abi.h - everything that crosses the kernel/user boundary, defined once.
 *
 * The XDP program (bpf/blastradius.bpf.c) and the loader (user/) both include
 * this header. It holds the layout of every map value, the encodings of the
 * lookup structures the compiler writes and the program reads, and the hash
 * both sides must agree on. Nothing here may depend on vmlinux.h or libc.
 *
 * Policy state lives in BR_SLOTS generation slots. Every per-policy map is a
 * flat array indexed by (slot, index): the program reads the active slot
 * index once per packet and evaluates only that slot. A swap fills the
 * inactive slot and then writes the slot index: that write is the commit.
 */
#ifndef BR_ABI_H
#define BR_ABI_H

#include <linux/types.h>

/* ---- sizes ---------------------------------------------------------- */

#define BR_SLOTS		2
#define BR_MAX_RULES		64	/* one bit per rule in a br_rules_t */
#define BR_GEN_RING		16	/* generations whose counters stay live */
#define BR_MAX_CLASSES		65536	/* address equivalence classes / slot */

/*
 * IPv4 address sets: a directory by /16 (static, 256 KiB a slot) over
 * cache-line nodes sized to the set (a map per slot, made at each install).
 */
#define BR_V4_DIR_BITS		16
#define BR_V4_DIR_SIZE		(1u << BR_V4_DIR_BITS)
#define BR_V4_MAX_LINES		(1u << 26)	/* what a dir entry can address */

/* IPv6 address sets: a filter and a table per slot, probed per tier. */
#define BR_V6_MAX_PROBE		32	/* linear probes before a miss */
#define BR_V6_MAX_TIERS		8	/* distinct prefix lengths per policy */

/* Port dimensions: one bitmap per port value, plus one for "no port". */
#define BR_PORT_NONE		65536
#define BR_PORT_SLOTS		65537
#define BR_ETYPE_SLOTS		65536
#define BR_PROTO_SLOTS		256	/* IP protocol numbers */
#define BR_QTYPE_SLOTS		65536	/* DNS query types */
#define BR_STUN_TYPES		16384	/* STUN message types: 14 bits */

#define BR_FRAG_ENTRIES		8192
#define BR_FRAG_TTL_NS		(30ULL * 1000000000ULL)	/* as ipfrag_time */

#define BR_NAME_LEN		64
#define BR_FILE_LEN		256
#define BR_RULE_TEXT_LEN	96

typedef __u64 br_rules_t;

/* ---- actions -------------------------------------------------------- */

/*
 * Counters reserve BR_ACT_SLOTS per generation so that later actions (reset,
 * DNS forgery, throttle, freeze, penalty) slot in without changing the
 * counter layout.
 */
enum br_action {
	BR_ACT_NONE = 0,
	BR_ACT_PASS = 1,
	BR_ACT_DROP = 2,
	BR_ACT_RESET = 3,    /* TCP: answer with an RST (XDP_TX); else drop */
	BR_ACT_NXDOMAIN = 4, /* DNS query: forged NXDOMAIN (XDP_TX) */
	BR_ACT_SINKHOLE = 5, /* DNS query: forged A/AAAA or NODATA (XDP_TX) */
	BR_ACT_THROTTLE = 6, /* police the flow, both directions (GCRA) */
	BR_ACT_FREEZE = 7,   /* pass the flow until it carried N bytes, then
			      * drop it, both directions (struct br_rule) */
	BR_ACT_PENALTY = 8,  /* drop, and put the packet's scope in penalty
			      * for a while (penalty.h) */
	BR_ACT_MAX,
};
#define BR_ACT_SLOTS		16

/* ---- interface roles (one XDP program per role: no per-packet lookup) - */

enum br_role {
	BR_ROLE_SUBSCRIBER = 1,	/* faces subscribers: packets go upstream */
	BR_ROLE_UPSTREAM = 2,	/* faces the upstream: packets go to subscribers */
};

/* ---- per-slot policy header ("policy" map, BR_SLOTS entries) --------- */

enum br_hdr_flags {
	BR_HDR_V4_ADDRS = 1 << 0,	/* some rule constrains an IPv4 address */
	BR_HDR_V6_ADDRS = 1 << 1,	/* some rule constrains an IPv6 address */
	BR_HDR_FAIL_CLOSED = 1 << 2,	/* malformed IP is dropped, not passed */
	BR_HDR_SADDR = 1 << 3,		/* some rule matches the source address */
	BR_HDR_DADDR = 1 << 4,		/* some rule matches the destination */
	BR_HDR_FLOWS = 1 << 5,		/* stateful: the flow table is used */
	BR_HDR_ON_SWAP_FLUSH = 1 << 6,	/* older generations' verdicts void */
	BR_HDR_SNI_DEFAULT = 1 << 7,	/* sni_default applies (else: fall
					 * through to the rules without L7) */
	BR_HDR_UNREADABLE = 1 << 9,	/* unreadable applies (else: a rule
					 * whose field cannot be read does
					 * not match) */
	BR_HDR_SPORT = 1 << 10,		/* some rule matches the source port */
	BR_HDR_DPORT = 1 << 11,		/* some rule matches the dest. port */
	BR_HDR_PROTO = 1 << 12,		/* some rule names a protocol (else
					 * every protocol's bitmap is
					 * ip_rules) */
	BR_HDR_TLS_DEFAULT = 1 << 13,	/* tls_default applies to a hello no
					 * rule decides (else: default) */
	/* some penalty rule puts this scope in penalty: its entries are
	 * checked (else: no penalty lookup at all) */
	BR_HDR_PENALTY_SUB = 1 << 14,
	BR_HDR_PENALTY_DST = 1 << 15,
	BR_HDR_PENALTY_PAIR = 1 << 16,
	BR_HDR_JA4 = 1 << 17,		/* some rule matches a JA4: hellos
					 * are fingerprinted (else never) */
	BR_HDR_QUIC_SNI = 1 << 18,	/* some quic rule matches a name:
					 * Initials are opened (else never) */
};

#define BR_HDR_PENALTY \
	(BR_HDR_PENALTY_SUB | BR_HDR_PENALTY_DST | BR_HDR_PENALTY_PAIR)

struct br_policy_hdr {
	__u64 generation;	/* 0: slot holds no policy */
	br_rules_t rules_valid;	/* one bit per rule of the policy */
	__u32 gen_idx;		/* counter block: generation % BR_GEN_RING */
	__u32 flags;		/* enum br_hdr_flags */
	__u16 n_rules;
	__u8 default_action;	/* enum br_action */
	__u8 v6_n_tiers;
	__u8 v6_tiers[BR_V6_MAX_TIERS];	/* prefix lengths, longest first */
	/*
	 * L7 conditions, one bit per rule (br_classify ANDs the L3/L4
	 * dimensions first; these say which of the survivors still need an
	 * L7 fact). A rule in none of them is "plain".
	 */
	br_rules_t l7_tls;	/* needs a parsed ClientHello: sni and/or ech */
	br_rules_t l7_sni;	/* ... whose server_name is in its domain set */
	br_rules_t l7_ech;	/* ... that carries encrypted_client_hello */
	br_rules_t l7_dns;	/* needs a DNS query (UDP, dport 53) */
	br_rules_t l7_dns_name;	/* ... whose qname is in its domain set */
	br_rules_t l7_quic;	/* needs a QUIC Initial (UDP) */
	br_rules_t l7_quic_any;	/* ... of any version (else: quic_versions) */
	br_rules_t l7_stun;	/* needs a STUN message (UDP), of a type its
				 * bit is set for in stun_type_rules */
	br_rules_t l7_ja4;	/* needs a hello (l7_tls) whose JA4 is in
				 * the rule's list (ja4_fps) */
	br_rules_t l7_quic_sni;	/* needs an Initial (l7_quic) whose
				 * ClientHello names a server in its set */
	__u8 sni_default;	/* enum br_action, with BR_HDR_SNI_DEFAULT */
	__u8 n_quic_versions;	/* entries used in the slot's quic_versions */
	__u8 unreadable;	/* enum br_action, with BR_HDR_UNREADABLE */
	__u8 tls_default;	/* enum br_action, with BR_HDR_TLS_DEFAULT */
	__u8 n_ja4;		/* entries used in the slot's ja4_fps */
	__u8 reserved[3];
	/* IPv6 lines (below): filter lines - 1, buckets - 1, first bucket line */
	__u32 v6_filter_mask;
	__u32 v6_bucket_mask;
	__u32 v6_bucket_base;
	__u32 domain_filter_mask; /* domain filter lines - 1 (below) */
	br_rules_t ip_rules;	/* the rules an IP packet can match */
	__u32 domain_buckets;	/* lines of the domain table (below) */
	__u32 reserved2;
};

/* ---- rules ("rules" map, BR_SLOTS * BR_MAX_RULES entries) ------------ */

/*
 * A rule's action and its parameters, 40 bytes (the layout below is what
 * the loader writes through mmap; freeze_after took the 4 bytes that were
 * reserved at the end, a penalty shares the throttle's word).
 */
struct br_rule {
	__u8 action;		/* enum br_action */
	__u8 flags;		/* BR_RULE_F_* */
	__u8 penalty_scope;	/* penalty: enum br_penalty_scope */
	__u8 reserved;
	__u32 burst;		/* throttle: bytes */
	union {
		__u64 ps_per_byte; /* throttle: 1e12 / rate in bytes per
				    * second */
		__u64 penalty_ns;  /* penalty: how long, 1 ns to
				    * BR_PENALTY_MAX_NS */
	};
	__u8 sink4[4];		/* sinkhole: IPv4 address (BR_RULE_F_SINK4) */
	__u8 sink6[16];		/* sinkhole: IPv6 address (BR_RULE_F_SINK6) */
	__u32 freeze_after;	/* freeze: transport payload bytes, 1 or more,
				 * from the server (BR_RULE_F_FREEZE_BOTH:
				 * both ways together) */
};

_Static_assert(sizeof(struct br_rule) == 40, "struct br_rule is 40 bytes");

enum br_rule_flags {
	BR_RULE_F_SINK4 = 1 << 0,
	BR_RULE_F_SINK6 = 1 << 1,
	BR_RULE_F_FREEZE_BOTH = 1 << 2,
};

/* ---- transports ("proto" map: BR_SLOTS * 256 rule bitmaps) ---------- */

/*
 * The transports a rule names (policies/README.md) and the IP protocol
 * numbers whose bitmaps the compiler sets for each, the program looking
 * up the packet's own: X(NAME, keyword, IPv4 number, IPv6 number), -1
 * for every number. The numbers are the IANA ones of <linux/in.h> and
 * <netinet/in.h>, named where the list is expanded, so this header
 * depends on neither.
 */
#define BR_RULE_PROTOS(X)					\
	X(ANY, "any", -1, -1)					\
	X(TCP, "tcp", IPPROTO_TCP, IPPROTO_TCP)			\
	X(UDP, "udp", IPPROTO_UDP, IPPROTO_UDP)			\
	X(ICMP, "icmp", IPPROTO_ICMP, IPPROTO_ICMPV6)

/* ---- address classes ("classes" map, BR_SLOTS * BR_MAX_CLASSES) ----- */

/*
 * Addresses are grouped into equivalence classes: all addresses that belong
 * to exactly the same sets share a class. A class holds, per direction, the
 * rules whose address match it satisfies (rules without an address match of
 * that direction have their bit set in every class). Class 0 is "in no set".
 */
struct br_class {
	br_rules_t src;
	br_rules_t dst;
};

/*
 * IPv4: one directory entry per /16 ("v4_dir", BR_V4_DIR_SIZE entries per
 * slot, indexed by the top 16 bits of the address in host order):
 *   LEAF (bit 31 clear): bits 30..0 are the class of the whole /16;
 *   NODE (bit 31 set):   the /16 is cut into 2^k equal parts (bits 30..26:
 *                        k, 0..16), each one line of the slot's "v4_lines"
 *                        map, from line bits 25..0 on: the address's part
 *                        is its 16 low bits >> (16 - k).
 * The compiler picks for each /16 the smallest k whose parts all fit a
 * line, so a lookup reads one directory entry (256 KiB a slot: it stays in
 * the caches) and at most one line, whatever the set's size; the lines of
 * a set take about 10 bytes per entry of a registry-shaped set (a lab's
 * ten entries: a few lines), instead of a fixed 64 MiB table.
 *
 * A line (64 bytes, one cache line) holds the classes of its part:
 *   RANGES: up to BR_V4_LINE_RANGES disjoint ranges [lo, hi] of 16-bit
 *           suffixes with their class; addresses in none have class miss.
 *           Unused ranges are lo 0xffff, hi 0, which hold nothing.
 *   BITMAP: a part of at most 256 addresses in two classes (clustered
 *           hosts, as in cloud ranges): a bit per address (suffix modulo
 *           the part's size), set for class hit, clear for miss.
 */
#define BR_V4_NODE		0x80000000u
#define BR_V4_NODE_K(e)		(((e) >> 26) & 0x1fu)
#define BR_V4_NODE_LINE(e)	((e) & (BR_V4_MAX_LINES - 1))
#define BR_V4_LEAF_CLASS(e)	((e) & ~BR_V4_NODE)

#define BR_V4_LINE_RANGES	10
#define BR_V4_LINE_BITMAP_MAX	256	/* addresses a BITMAP part may hold */

enum br_v4_line_kind {
	BR_V4_RANGES = 0,
	BR_V4_BITMAP = 1,
};

struct br_v4_line {
	__u16 kind;	/* enum br_v4_line_kind */
	__u16 miss;	/* class of the part's addresses no range holds */
	union {
		struct {
			__u16 lo[BR_V4_LINE_RANGES];
			__u16 hi[BR_V4_LINE_RANGES];
			__u16 cls[BR_V4_LINE_RANGES];
		} r;
		struct {
			__u16 hit;
			__u16 reserved[13];
			__u32 bits[8]; /* bit (i & 31) of bits[i >> 5] */
		} b;
	};
};

/*
 * The kernel rounds array map elements up to 8 bytes, so a map of __u32
 * would waste half its memory and break the flat mmapped view: "v4_dir"
 * holds BR_SLOTS * BR_V4_DIR_ELEMS elements of 16 entries (one cache line).
 * Seen through mmap, each slot's part is a plain __u32 array of
 * BR_V4_DIR_SIZE entries.
 */
#define BR_V4_DIR_PER_ELEM	16
#define BR_V4_DIR_ELEMS		(BR_V4_DIR_SIZE / BR_V4_DIR_PER_ELEM)

struct br_v4_dir_elem {
	__u32 entry[BR_V4_DIR_PER_ELEM];
};

static inline __u32 br_v4_leaf(__u32 class_id)
{
	return class_id;
}

static inline __u32 br_v4_node(__u32 k, __u32 line)
{
	return BR_V4_NODE | k << 26 | line;
}

/* The line of a NODE entry that holds suffix (the address's low 16 bits). */
static inline __u32 br_v4_line_of(__u32 e, __u32 suffix)
{
	return BR_V4_NODE_LINE(e) + ((suffix & 0xffff) >> (16 - BR_V4_NODE_K(e)));
}

/* Class of suffix in the line that holds it. */
static inline __u32 br_v4_line_class(const struct br_v4_line *l, __u32 suffix)
{
	__u32 i;

	if (l->kind == BR_V4_BITMAP) {
		i = suffix & (BR_V4_LINE_BITMAP_MAX - 1);
		return (l->b.bits[(i >> 5) & 7] >> (i & 31)) & 1 ? l->b.hit
								 : l->miss;
	}
	for (i = 0; i < BR_V4_LINE_RANGES; i++)
		if (suffix >= l->r.lo[i] && suffix <= l->r.hi[i])
			return l->r.cls[i];
	return l->miss;
}

/*
 * IPv6 sets: one array of 64-byte lines per slot ("v6_lines", made by the
 * loader at each install, sized to the set): first a presence filter, then
 * the buckets of an open-addressing table.
 *
 * Filter: hdr->v6_filter_mask + 1 lines of 512 bits (a power of two, about
 * 16 bits per prefix), from line 0 on. An address's /32 (its first word)
 * picks one line, br_v6_filter_line(); in it, bit br_v6_filter_bit() of
 * the /32 and a prefix length is set when some prefix of that length (32
 * or more) lies in the /32. One line read tells a lookup which tiers of
 * /32 and longer can hold the address: a miss probes none of them (where
 * it probed one bucket per tier), a hit nearly always its own tier only.
 *
 * Buckets: hdr->v6_bucket_mask + 1 of them (a power of two, at least twice
 * the prefixes), two per line from line hdr->v6_bucket_base on. Key: the
 * address masked to plen (network byte order words) and plen. The program
 * probes the slot's tiers longest first; the first hit gives the class.
 * The compiler stores in each prefix's class every set containing it.
 */
struct br_v6_bucket {
	__u32 addr[4];
	__u32 class_id;
	__u8 plen;
	__u8 used;
	__u16 reserved;
	__u64 reserved2;	/* two buckets per cache line */
};

#define BR_V6_FILTER_LINE_BITS	512
#define BR_V6_MAX_LINES		(1u << 28)

struct br_v6_line {
	union {
		__u64 bits[8];			/* filter lines */
		struct br_v6_bucket b[2];	/* bucket lines */
	};
};

/* Hash of a masked IPv6 prefix; the compiler and the program share it. */
static inline __u32 br_v6_hash(const __u32 addr[4], __u32 plen)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ plen;

	h = (h ^ addr[0]) * 0xff51afd7ed558ccdULL;
	h = (h ^ addr[1]) * 0xc4ceb9fe1a85ec53ULL;
	h = (h ^ addr[2]) * 0xff51afd7ed558ccdULL;
	h = (h ^ addr[3]) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (__u32)h;
}

/* The filter line of an address's /32 (its first word, network order). */
static inline __u32 br_v6_filter_line(__u32 top, __u32 mask)
{
	__u64 h = (top ^ 0x2545f491ULL) * 0x9e3779b97f4a7c15ULL;

	return (__u32)(h >> 32) & mask;
}

/* The bit, in that line, of the /32 and a prefix length. */
static inline __u32 br_v6_filter_bit(__u32 top, __u32 plen)
{
	__u64 h = (top ^ (__u64)plen << 32) * 0xff51afd7ed558ccdULL;

	return (__u32)(h >> 40) & (BR_V6_FILTER_LINE_BITS - 1);
}

/* The line and the bucket in it of bucket i. */
static inline __u32 br_v6_bucket_line(const struct br_policy_hdr *hdr,
				      __u32 i)
{
	return hdr->v6_bucket_base + ((i & hdr->v6_bucket_mask) >> 1);
}

/* ---- counters ("counters" per-CPU map, BR_GEN_RING blocks) ------------ */

struct br_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * The counters after the rules and the actions, in their order, defined
 * once: X(NAME, key, label, optional) gives BR_CTR_NAME, the key of stats
 * --json and Prometheus, the label of the stats table, and whether the
 * table leaves the line out while it is 0 (the flow and L7 counters, which
 * stateless policies never move).
 */
#define BR_SPECIAL_COUNTERS(X)						\
	X(MALFORMED, "malformed", "malformed", 0)			\
	/* IP the parser cannot follow (header chains, ESP) */		\
	X(UNPARSED, "unparsed", "unparsed", 0)				\
	/* ARP, LLDP, ...: passed unless an ether type rule matches */	\
	X(NONIP, "nonip", "non-IP", 0)					\
	X(FRAG_FOLLOWED, "frag_followed",				\
	  "fragments following their first", 0)				\
	X(FRAG_ORPHAN, "frag_orphan", "fragments without their first", 0) \
	X(SUBSCRIBER, "subscriber", "from subscribers", 0)		\
	X(UPSTREAM, "upstream", "from upstream", 0)			\
	/* flows (policies with BR_HDR_FLOWS) */			\
	X(FLOW_FRESH, "flow_fresh", "flows: verdict evaluated", 1)	\
	X(FLOW_CACHED, "flow_cached", "flows: verdict cached", 1)	\
	X(FLOW_KEPT, "flow_kept", "flows: kept from an older generation", 1) \
	X(FLOW_FLUSHED, "flow_flushed", "flows: older verdict flushed", 1) \
	/* TCP flows first seen without their SYN */			\
	X(FLOW_MIDSTREAM, "flow_midstream", "flows: first seen mid-stream", 1) \
	X(FLOW_PENDING, "flow_pending", "flows: passed awaiting a hello", 1) \
	/* TLS */							\
	X(TLS_HELLO, "tls_hello", "TLS: ClientHellos", 1)		\
	X(TLS_SNI, "tls_sni", "TLS: with a server name", 1)		\
	X(TLS_SNI_LATER, "tls_sni_later", "TLS: name after segment 1", 1) \
	X(TLS_REC_FRAG, "tls_record_fragmented",			\
	  "TLS: hello over several records", 1)				\
	X(TLS_ECH, "tls_ech", "TLS: with ECH", 1)			\
	X(TLS_NO_SNI, "tls_no_sni", "TLS: name never found", 1)		\
	X(TLS_SNI_DEFAULT, "tls_sni_default", "TLS: got sni-default", 1) \
	X(TLS_DEFAULT, "tls_default", "TLS: got tls-default", 1)	\
	/* DNS and QUIC */						\
	X(DNS_QUERY, "dns_query", "DNS: queries", 1)			\
	X(DNS_FORGED, "dns_forged", "DNS: answers forged", 1)		\
	X(QUIC_INITIAL, "quic_initial", "QUIC: Initials", 1)		\
	X(STUN, "stun", "STUN: messages", 1)				\
	/* actions that write or police */				\
	X(RESET_SENT, "reset_sent", "resets sent", 1)			\
	X(RESET_SKIPPED, "reset_skipped", "resets not sent (to an RST)", 1) \
	X(THROTTLED, "throttled", "throttle: over the rate, dropped", 1) \
	X(FROZEN, "frozen", "freeze: flow past its bytes, dropped", 1)	\
	X(PENALTY_SET, "penalty_set",					\
	  "penalty: a scope put in penalty", 1)				\
	X(PENALISED, "penalised",					\
	  "penalty: scope in penalty, dropped", 1)			\
	X(FORGE_FAILED, "forge_failed", "could not forge: dropped", 1)	\
	/* what the censor could not read, and the policy's answer */	\
	X(UNREADABLE, "unreadable",					\
	  "unreadable: a rule ahead needed what it hides", 1)		\
	X(UNREADABLE_ACTION, "unreadable_action",			\
	  "unreadable: got the policy's unreadable action", 1)		\
	/* segments an end host would refuse: not read (insertions) */	\
	X(TCP_LOW_TTL, "tcp_low_ttl",					\
	  "TCP: below the flow's TTL, not read", 1)			\
	X(TCP_BAD_CSUM, "tcp_bad_checksum",				\
	  "TCP: bad checksum, not read", 1)				\
	X(TCP_BAD_ACK, "tcp_bad_ack",					\
	  "TCP: an ACK the server refuses, not read", 1)		\
	X(TCP_AHEAD, "tcp_ahead",					\
	  "TCP: hello bytes ahead of their turn, dropped", 1)		\
	/* TLS and QUIC facts found the hard way */			\
	X(TLS_MIDSTREAM_HELLO, "tls_midstream_hello",			\
	  "TLS: hellos of flows seen mid-stream", 1)			\
	X(TLS_STATE_LOST, "tls_state_lost",				\
	  "TLS: hello state lost (table full)", 1)			\
	X(TLS_CUT, "tls_cut", "TLS: hello cut by IP fragmentation", 1)	\
	X(TLS_SNI_DOT, "tls_sni_dot", "TLS: name with a trailing dot", 1) \
	/* JA4 (policies with a ja4 rule only) */			\
	X(JA4_COMPUTED, "ja4_computed", "JA4: hellos fingerprinted", 1)	\
	X(JA4_MATCH, "ja4_match",					\
	  "JA4: listed by a ja4 rule in question", 1)			\
	X(JA4_SKIPPED, "ja4_skipped",					\
	  "JA4: hellos not fingerprinted (limits, cut)", 1)		\
	X(QUIC_0RTT, "quic_0rtt", "QUIC: 0-RTT packets", 1)		\
	X(QUIC_GREASED, "quic_greased", "QUIC: reserved versions", 1)	\
	/* QUIC Initials opened (policies with a quic sni rule only) */	\
	X(QUIC_OPENED, "quic_opened", "QUIC: Initials decrypted", 1)	\
	X(QUIC_SNI, "quic_sni", "QUIC: Initials with a server name", 1) \
	X(QUIC_UNOPENED, "quic_unopened",				\
	  "QUIC: Initials not opened (version, cut, budget)", 1)	\
	X(QUIC_PARTIAL, "quic_partial",					\
	  "QUIC: Initials without the whole hello (flow waits)", 1)	\
	X(QUIC_OVER_BUDGET, "quic_over_budget",				\
	  "QUIC: Initials past their source's budget", 1)

enum br_ctr {
	BR_CTR_RULE0 = 0,			/* + rule index: matched rule */
	BR_CTR_DEFAULT = BR_MAX_RULES,		/* no rule matched */
	BR_CTR_ACTION0 = BR_MAX_RULES + 1,	/* + enum br_action: verdicts */
	BR_CTR_SPECIAL0 = BR_CTR_ACTION0 + BR_ACT_SLOTS,
	BR_CTR_BEFORE_SPECIAL = BR_CTR_SPECIAL0 - 1,
#define BR_CTR_ENUM(name, key, label, optional) BR_CTR_##name,
	BR_SPECIAL_COUNTERS(BR_CTR_ENUM)
#undef BR_CTR_ENUM
	BR_CTR_SPECIAL_END,
	BR_CTR_PER_GEN = 256,	/* a power of two: count.h masks */
};

_Static_assert(BR_CTR_SPECIAL_END <= BR_CTR_PER_GEN,
	       "a generation's counter block holds every counter");

/* The key of a counter after the rules and actions; NULL for the others. */
static inline const char *br_ctr_key(int ctr)
{
	switch (ctr) {
#define BR_CTR_CASE(name, key, label, optional) \
	case BR_CTR_##name:                       \
		return key;
		BR_SPECIAL_COUNTERS(BR_CTR_CASE)
#undef BR_CTR_CASE
	default:
		return (const char *)0;
	}
}

/*
 * One generation's counters, one per-CPU map element: a packet looks the
 * block up once and bumps its three or four counters in it.
 */
struct br_gen_counters {
	struct br_counter ctr[BR_CTR_PER_GEN];
};

/* ---- generation records ("generations" map, BR_GEN_RING entries) ----- */

/*
 * Written by the loader before the commit, read only by user space: what a
 * generation was, so that stats can label counters after the policy file
 * changed or the loader restarted.
 */
struct br_gen_record {
	__u64 generation;	/* 0: unused */
	__u64 since_unix_ns;	/* CLOCK_REALTIME of the commit */
	__u32 n_rules;
	__u8 default_action;
	__u8 committed;		/* was in force; set by the install after it */
	__u8 reserved[2];
	char name[BR_NAME_LEN];
	char file[BR_FILE_LEN];
	char rule_text[BR_MAX_RULES][BR_RULE_TEXT_LEN];
	__u32 rule_line[BR_MAX_RULES];
	__u8 rule_action[BR_MAX_RULES];	/* enum br_action */
};

/* ---- fragments ("frags" LRU hash) ----------------------------------- */

struct br_frag_key {
	__u32 saddr[4];
	__u32 daddr[4];
	__u32 id;		/* IPv4 id or IPv6 fragment identification */
	__u8 proto;
	__u8 family;		/* 4 or 6 */
	__u16 reserved;
};

struct br_frag_val {
	__u64 generation;	/* verdict only valid under this generation */
	__u64 seen_ns;		/* program clock at the first fragment */
	__u32 rule;		/* winning rule, or BR_MAX_RULES for default */
	__u32 action;
};

/* ---- L7 extractors (tls.h, dns.h, quic.h) --------------------------- */

/*
 * The extractors parse a copy of the payload in a scratch buffer of
 * BR_L7_SCRATCH bytes (a per-CPU map value in BPF, filled with
 * bpf_xdp_load_bytes; a plain array on the host), so the same code runs in
 * both and the verifier sees offsets masked to the buffer.
 */
#define BR_L7_SCRATCH		2048	/* power of two: offsets are masked */
#define BR_NAME_MAX		256	/* a DNS name or SNI, NUL included */
#define BR_DOMAIN_MAX_LABELS	16	/* label suffixes hashed per name */

/* ---- domain sets ("domains": a table of lines per slot) -------------- */

/*
 * Every key of a slot's domain sets (br_domain_hash() of an entry,
 * domain.h) sits in a table of buckets of one cache line
 * ("domains", BR_LINES_MAP in maps.h), hdr->domain_buckets of them: a
 * key goes to the first bucket with a free place from its home bucket
 * (br_domain_home), wrapping. The compiler places the keys in order of
 * home, so a key waits only behind keys of earlier homes (the farthest
 * any key goes is then least: at 80% of the places used, 5 buckets for
 * 900,000 keys), and makes the table larger until every key sits at most
 * BR_DOMAIN_MAX_PROBE buckets from home. A lookup walks from home until
 * it finds the key or a free place. Beside
 * each key is the index in "domain_rules" (BR_LINES_MAP too) of what it
 * means to the rules: for every rule whose sni or dns set lists the
 * entry, whether it matches the name itself or the names below it. The
 * distinct meanings are few (index 0, an empty entry, marks a free place),
 * so a key takes 12 bytes of a line (16 at the load the compiler aims
 * for) where a BPF hash map entry locks 91 (900,000 entries: 78 MiB).
 *
 * A name found costs one bucket line where a BPF hash map costs a bucket
 * head and then an element: two dependent cold reads (docs/PERFORMANCE.md).
 * The loader makes new arrays for each install and puts them in the outer
 * arrays before the commit, so a swap replaces a whole domain set at once.
 */
#define BR_DOMAIN_BUCKET_KEYS	5
#define BR_DOMAIN_MAX_PROBE	8
#define BR_DOMAIN_LOAD_PCT	80	/* keys per place, first try */

struct br_domain_rules {
	br_rules_t exact;	/* rules matching this very name */
	br_rules_t below;	/* rules matching every name strictly below */
};

struct br_domain_bucket {
	__u64 key[BR_DOMAIN_BUCKET_KEYS];
	__u32 rules[BR_DOMAIN_BUCKET_KEYS]; /* domain_rules index, 0: free */
	__u32 reserved;
};

/* A key's home bucket of n: multiply-shift over its low half. */
static inline __u32 br_domain_home(__u64 key, __u32 n)
{
	return (__u32)(((key & 0xffffffffULL) * n) >> 32);
}

/*
 * Beside each slot's table, a presence filter of its keys
 * ("domain_filter": an array of lines per slot, BR_LINES_MAP in maps.h),
 * so that a name's suffixes that are in no set cost no hash lookup: a
 * blocked Bloom filter, hdr->domain_filter_mask + 1 lines of 512 bits (a
 * power of two, about BR_DOMAIN_FILTER_BITS bits a key), each key setting
 * BR_DOMAIN_FILTER_K bits in the one line its hash picks. A name of four
 * labels not in the set costs four filter lines (2 MiB for a million keys,
 * mostly cache-resident) where it cost four cold bucket reads; a false
 * positive (under 1% of absent keys: 0.37% for 900,000 keys in
 * test_compile) only costs the lookup it would have made anyway. The key
 * is a finalised 64-bit hash: the line comes from its high half, the bits
 * from its low one.
 */
#define BR_DOMAIN_FILTER_BITS	16
#define BR_DOMAIN_FILTER_K	3
#define BR_DOMAIN_FILTER_LINE_BITS 512

struct br_domain_filter_line {
	__u64 bits[BR_DOMAIN_FILTER_LINE_BITS / 64];
};

static inline __u32 br_domain_filter_line(__u64 key, __u32 mask)
{
	return (__u32)(key >> 32) & mask;
}

/* Bit j (0 .. BR_DOMAIN_FILTER_K - 1) of a key in its line. */
static inline __u32 br_domain_filter_bit(__u64 key, __u32 j)
{
	return (__u32)(key >> (9 * j)) & (BR_DOMAIN_FILTER_LINE_BITS - 1);
}

/* Whether line l may hold key: all of its bits set. */
static inline int br_domain_filter_has(const struct br_domain_filter_line *l,
				       __u64 key)
{
	__u32 j, bit;

	for (j = 0; j < BR_DOMAIN_FILTER_K; j++) {
		bit = br_domain_filter_bit(key, j);
		if (!((l->bits[(bit / 64) & 7] >> (bit & 63)) & 1))
			return 0;
	}
	return 1;
}

/* ---- QUIC versions ("quic_versions", one table per slot) ------------- */

#define BR_QUIC_VERSIONS	16	/* distinct versions named per policy */

struct br_quic_version_rules {
	__u32 version;
	__u32 reserved;
	br_rules_t rules;	/* quic rules naming this version */
};

/* The first hdr->n_quic_versions entries are in use. */
struct br_quic_version_table {
	struct br_quic_version_rules v[BR_QUIC_VERSIONS];
};

/* ---- TLS fingerprints ("ja4_fps", one table per slot) ----------------- */

/*
 * A JA4 fingerprint (FoxIO's technical_details/JA4.md) in 24 bytes:
 * JA4_a as its 10 characters ("t13d1516h2"), JA4_b and JA4_c as the 6
 * bytes their 12 hex digits spell ("000000000000", no ciphers or no
 * extensions, is 6 zero bytes). The program computes one per hello
 * (bpf/ja4.h); the compiler turns each fingerprint a rule names into a
 * key and a mask (a part given as "*" is masked out), and a hello's JA4
 * matches an entry when (fp & mask) == key, word by word.
 */
#define BR_JA4_A_LEN		10
#define BR_JA4_HASH_LEN		6
#define BR_JA4_FPS		64	/* distinct fingerprints per policy */

struct br_ja4_fp {
	union {
		struct {
			char a[BR_JA4_A_LEN];
			__u8 b[BR_JA4_HASH_LEN];
			__u8 c[BR_JA4_HASH_LEN];
			__u8 reserved[2];	/* 0 */
		};
		__u64 w[3];
	};
};

_Static_assert(sizeof(struct br_ja4_fp) == 24, "struct br_ja4_fp is 24 bytes");

struct br_ja4_rules {
	struct br_ja4_fp key;	/* (masked) */
	struct br_ja4_fp mask;
	br_rules_t rules;	/* ja4 rules listing it */
};

/* The first hdr->n_ja4 entries are in use. */
struct br_ja4_table {
	struct br_ja4_rules e[BR_JA4_FPS];
};

static inline int br_ja4_fp_match(const struct br_ja4_fp *fp,
				  const struct br_ja4_rules *r)
{
	return !(((fp->w[0] & r->mask.w[0]) ^ r->key.w[0]) |
		 ((fp->w[1] & r->mask.w[1]) ^ r->key.w[1]) |
		 ((fp->w[2] & r->mask.w[2]) ^ r->key.w[2]));
}

#define BR_JA4_TEXT		37	/* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* The text of a fingerprint, into out[BR_JA4_TEXT]. */
static inline void br_ja4_format(const struct br_ja4_fp *fp, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < BR_JA4_A_LEN; i++)
		out[o++] = fp->a[i];
	out[o++] = '_';
	for (i = 0; i < BR_JA4_HASH_LEN; i++) {
		out[o++] = hex[fp->b[i] >> 4];
		out[o++] = hex[fp->b[i] & 15];
	}
	out[o++] = '_';
	for (i = 0; i < BR_JA4_HASH_LEN; i++) {
		out[o++] = hex[fp->c[i] >> 4];
		out[o++] = hex[fp->c[i] & 15];
	}
	out[o] = '\0';
}

/* ---- QUIC Initials opened (a quic rule with sni) ---------------------- */

#define BR_QUIC_KEYS		4096	/* connections' Initial keys cached */

/* The key of "quic_keys": a version and a Destination Connection ID. */
struct br_quic_key_id {
	__u32 version;
	__u8 dcid_len;
	__u8 reserved[3];	/* 0 */
	__u8 dcid[20];		/* past dcid_len: 0 */
};

/*
 * A ClientHello over several Initials (a post-quantum key share makes
 * Chrome's about 1.8 KB): its bytes gathered by flow, version and DCID
 * ("quic_hellos", a common LRU), up to BR_QH_MAX bytes of the crypto
 * stream. A hello longer is not read (BR_QO_FAILED).
 */
#define BR_QUIC_HELLOS		1024	/* hellos being gathered at once */
#define BR_QH_MAX		4096	/* two L7 buffers: a power of two */

/*
 * The budget of Initials opened per client address (GCRA: a source may
 * have BR_QUIC_BURST opened at once, then one per BR_QUIC_OPEN_GAP_NS),
 * so that a flood of Initials from one source cannot pin the CPU: past
 * it an Initial is not opened, and its quic sni rules are unreadable
 * (the policy's "unreadable" decides: pass when absent, the fail-open
 * censor). Kept in BR_QUIC_BUDGETS slots by a hash of the address:
 * addresses in one slot share its budget (two given addresses, one time
 * in 65,536). A flood from many addresses (spoofed) is not bounded by
 * it: each address brings its own budget.
 * Assumption, not a measured censor's figure: a browser opens a few
 * dozen QUIC connections for a page, one or two Initials each; 1,000 a
 * second sustained, 256 at once, is far above that, and bounds one
 * source's opening to ~1% of a core (~8 us each, docs/PERFORMANCE.md).
 */
#define BR_QUIC_BUDGETS		65536	/* slots: a power of two */
#define BR_QUIC_OPEN_GAP_NS	1000000ULL	/* 1,000 a second */
#define BR_QUIC_BURST		256ULL
_Static_assert((BR_QUIC_BUDGETS & (BR_QUIC_BUDGETS - 1)) == 0,
	       "BR_QUIC_BUDGETS is a power of two");

/* "quic_progs": the opener, and where it goes back to after. */
enum br_quic_prog {
	BR_QUIC_PROG_OPEN = 0,
	BR_QUIC_PROG_SUBSCRIBER = BR_ROLE_SUBSCRIBER,	/* br_xdp_subscriber */
	BR_QUIC_PROG_UPSTREAM = BR_ROLE_UPSTREAM,	/* br_xdp_upstream */
	BR_QUIC_PROG_BATCH = 3,				/* br_xdp_batch */
	BR_QUIC_PROGS,
};

/* What br_xdp returns for a packet it handed over to be opened. */
#define BR_XDP_OPEN		0x100

/* What opening an Initial gave (struct br_quic_handoff's result). */
enum br_quic_open_result {
	BR_QO_NONE = 0,	/* not opened: no opener ran */
	BR_QO_SNI,	/* the ClientHello whole, with a server name */
	BR_QO_NO_SNI,	/* the ClientHello whole, without one */
	BR_QO_MORE,	/* the ClientHello not whole yet: its bytes kept
			 * for the next Initials (or none in this one) */
	BR_QO_FAILED,	/* a version without known keys, a cut or
			 * malformed packet, a hello the parser refused */
	BR_QO_BUDGET,	/* not opened: its source is past its budget */
};

/* ---- flows ("flows" common LRU hash) --------------------------------- */

#define BR_FLOW_ENTRIES		131072
#define BR_FLOW_PENDING		16384	/* flows with a hello in progress */
/* What the two may be sized to instead (load --flow-table, a scenario). */
#define BR_TABLE_MIN		64
#define BR_TABLE_MAX		(1u << 24)
#define BR_FLOW_TCP_TTL_NS	(300ULL * 1000000000ULL)
#define BR_FLOW_UDP_TTL_NS	(60ULL * 1000000000ULL)

/*
 * A flow seen from the censor: the subscriber's address and port first,
 * the remote side's second, whichever way the packet goes, so both
 * directions find one entry.
 */
struct br_flow_key {
	__u32 sub_addr[4];
	__u32 remote_addr[4];
	__u16 sub_port;
	__u16 remote_port;
	__u8 proto;
	__u8 family;
	__u16 reserved;
};

/*
 * A flow that awaits a fact (its ClientHello, a QUIC Initial, a STUN
 * message) holds in rule and action the verdict its packets get
 * meanwhile: pass for a handshake in progress, what the rules say without
 * the fact for a flow seen mid-stream or a UDP flow that may never show
 * an Initial or a STUN message.
 */
enum br_flow_state {
	BR_FLOW_DECIDED = 0,	/* action and rule hold the verdict */
	BR_FLOW_AWAIT_HELLO,	/* verdict waits for the ClientHello */
	BR_FLOW_AWAIT_DGRAM,	/* client datagrams are checked for a QUIC
				 * Initial or 0-RTT packet, or a STUN
				 * message */
};

enum br_flow_flags {
	BR_FLOW_F_CLIENT_SUB = 1 << 0,	/* the subscriber opened the flow */
	BR_FLOW_F_MIDSTREAM = 1 << 1,	/* first seen without a SYN */
	BR_FLOW_F_CLI_SEQ = 1 << 2,	/* cli_next known (SYN or SYN-ACK) */
	BR_FLOW_F_SRV_SEQ = 1 << 3,	/* srv_first, srv_next known */
	BR_FLOW_F_SIDE_KNOWN = 1 << 4,	/* a SYN, SYN-ACK or hello showed
					 * which side is the client */
	BR_FLOW_F_HELLO = 1 << 5,	/* the hello's parse began */
};

/*
 * The verdict's state lives beside it: the throttle's policer, or the
 * freeze's byte count (a union: a flow has one action). Both are copied
 * from the rule when the verdict is set, so a swap that keeps the flow
 * keeps its parameters too; 56 bytes either way.
 */
struct br_flow_val {
	__u64 generation;	/* that decided the verdict */
	__u64 seen_ns;		/* program clock at the last packet */
	union {
		struct {
			__u64 tat_ns;	   /* throttle: GCRA theoretical
					    * arrival time */
			__u64 ps_per_byte; /* throttle: from the rule */
		};
		struct {
			/* freeze: transport payload bytes the flow carried
			 * the counted way(s) since the verdict; past limit,
			 * the flow is frozen (freeze.h) */
			__u64 counted;
			__u32 limit;	/* freeze: from the rule */
			__u32 both;	/* freeze: 1 counts both ways, 0 from
					 * the server only */
		};
	};
	__u32 burst;		/* throttle: bytes */
	__u32 rule;		/* winning rule, BR_MAX_RULES for default */
	__u8 action;		/* enum br_action */
	__u8 state;		/* enum br_flow_state */
	__u8 flags;		/* enum br_flow_flags */
	__u8 ttl;		/* highest TTL / hop limit seen from the client */
	/* TCP, while the hello is awaited: what the end hosts accept */
	__u32 cli_next;		/* sequence number of the client's first byte */
	__u32 srv_first;	/* the server's ISN + 1 */
	__u32 srv_next;		/* one past the server's last byte seen */
};

/* ---- penalties ("penalties" common LRU hash) -------------------------- */

/*
 * A penalty rule that wins a packet drops it and puts the packet's scope
 * in penalty until now + the rule's duration: while it lasts, every
 * packet of that scope is dropped, whatever the rules say (penalty.h).
 * The scope is a set of addresses seen from the censor, as a flow's key
 * is: the subscriber's (the address on the subscriber side), the
 * destination's (the address on the upstream side), or both together.
 *
 * BR_PENALTY_ENTRIES: one entry per scope in penalty, 60 bytes of key
 * and value (bpftool counts 8 MiB of memlock for the table, the kernel's
 * element headers and buckets included): a lab's or a scenario's
 * subscribers many times over. A full table evicts its least recently
 * used entry: under pressure, a penalty may end early.
 */
#define BR_PENALTY_ENTRIES	65536
#define BR_PENALTY_MAX_NS	(24ULL * 3600 * 1000000000ULL) /* 24h */

/* Which addresses the key holds: a bit each. */
enum br_penalty_scope {
	BR_PENALTY_SUBSCRIBER = 1,
	BR_PENALTY_DESTINATION = 2,
	BR_PENALTY_PAIR = 3,	/* both */
};

struct br_penalty_key {
	__u32 sub_addr[4];	/* 0 unless the scope holds the subscriber */
	__u32 remote_addr[4];	/* 0 unless it holds the destination */
	__u8 scope;		/* enum br_penalty_scope */
	__u8 family;		/* 4 or 6 */
	__u16 reserved;
};

struct br_penalty_val {
	__u64 until_ns;		/* program clock: in penalty while now is
				 * before it; absent after */
	__u64 generation;	/* whose rule set it */
	__u32 rule;		/* that rule */
	__u32 reserved;
};

/* ---- top matched names ("names": per-CPU, set-associative) ------------ */

/*
 * The names that decided verdicts, for "stats" and "replay": a per-CPU
 * array of BR_NAME_SETS sets of BR_NAME_WAYS ways, written by the program
 * without a lock or a map update (a hash map's update takes a bucket lock
 * with interrupts off, measured at about 380 ns a new name on this
 * machine; docs/PERFORMANCE.md). A name goes to the set its tag picks:
 * a way holding its tag counts it; else a free way takes it; else the way
 * with the fewest hits is challenged, and the name takes it once the
 * challenges outnumber that way's hits (its count then starts again at 1).
 * So a name's hits are exact from when it took its way; a rare name in a
 * set of busier ones may go uncounted. A set holds one generation: a
 * name of a later one empties it, one of an earlier one is not counted.
 * User space sums a name's ways over the CPUs.
 */
#define BR_NAME_SETS		1024
#define BR_NAME_WAYS		4
#define BR_NAME_ENTRIES		(BR_NAME_SETS * BR_NAME_WAYS) /* per CPU */

struct br_name_key {
	__u64 hash;		/* br_domain_hash of the full name */
	__u64 generation;
	__u32 rule;
	__u32 kind;		/* enum br_name_kind */
};

enum br_name_kind {
	BR_NAME_SNI = 1,	/* a TLS server_name */
	BR_NAME_DNS = 2,	/* a DNS query name */
};

/* The tag of a key within its generation: never 0 (a free way). */
static inline __u64 br_name_tag(const struct br_name_key *k)
{
	__u64 t = k->hash ^ (((__u64)k->rule << 8 | k->kind) *
			     0x9e3779b97f4a7c15ULL);

	return t ? t : 1;
}

static inline __u32 br_name_set_of(__u64 tag)
{
	return (__u32)(tag >> 32) & (BR_NAME_SETS - 1);
}

struct br_name_set {
	__u64 generation;	/* of every way's name; 0: none yet */
	__u64 reserved;
	struct br_name_way {
		__u64 tag;	/* br_name_tag, 0: free */
		__u32 hits;	/* flows (TLS, QUIC) or queries (DNS) decided */
		__u32 rivals;	/* names of the set refused since */
	} way[BR_NAME_WAYS];
	struct br_name_rec {
		struct br_name_key key;
		char name[BR_NAME_MAX];
	} rec[BR_NAME_WAYS];	/* written when a name takes the way */
};

/* ---- batches (simulation) -------------------------------------------- */

/*
 * A simulation pushes its packets in batches: user space writes up to
 * BR_BATCH_MAX frames into "batch_pool" (mmap), and one BPF_PROG_TEST_RUN
 * of br_xdp_batch runs them in order through the same br_xdp() as the
 * interface entry points, each at its own virtual time. A packet's stop
 * mask (bit n: XDP action n) ends the batch after it; so does any
 * verdict but XDP_PASS and XDP_DROP, since forging an answer moves the
 * frame's bounds: that frame is then the run's output, as with one
 * packet a call, and the packets after it go in the next call.
 */
#define BR_BATCH_MAX		64
#define BR_BATCH_FRAME		2048	/* one MTU-sized frame and its headers */

enum br_batch_flags {
	BR_BATCH_F_UPSTREAM = 1 << 0,	/* arrives on an upstream port */
	/* after a pass: report whether its flow is fixed (every later
	 * packet of it passes while the policy stays), ending it if so */
	BR_BATCH_F_FIXED = 1 << 1,
};

struct br_batch_pkt {
	__u64 now_ns;		/* the virtual time it arrives at */
	__u32 len;		/* of frame, 14..BR_BATCH_FRAME */
	__u16 flags;		/* enum br_batch_flags */
	__u16 stop;		/* XDP actions (bit n: action n) that end it */
	__u8 frame[BR_BATCH_FRAME];
};

enum br_batch_end {
	BR_BATCH_RAN = 0,	/* on to the next packet */
	BR_BATCH_STOPPED,	/* its verdict was in its stop mask */
	BR_BATCH_MOVED,		/* it was answered: its frame is the output */
	BR_BATCH_BAD,		/* a malformed pool entry: not run */
	BR_BATCH_OPEN,		/* a QUIC Initial to open: next is that
				 * entry again, run it from there */
};

/* What each packet got; element 0 of "batch_ctl". */
struct br_batch_ctl {
	__u32 first;		/* user: the first pool entry to run */
	__u32 count;		/* user: one past the last */
	__u32 next;		/* program: one past the last it ran */
	__u32 end;		/* program: enum br_batch_end of the last */
	struct br_batch_res {
		__u32 xdp;	/* its XDP verdict */
		__u32 fixed;	/* BR_BATCH_F_FIXED asked: 1 if fixed */
	} res[BR_BATCH_MAX];
};

/* ---- virtual clock -------------------------------------------------- */

/*
 * With the load-time constant cfg_virtual_clock set (simulation), the
 * program reads "now" from this struct in the XDP metadata area in front of
 * the packet instead of from bpf_ktime_get_ns().
 */
struct br_xdp_meta {
	__u64 now_ns;
};

#endif /* BR_ABI_H */
