/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * compile.h - policy IR to map images for one generation slot.
 *
 * The compiler writes straight into a slot view: pointers to one slot's part
 * of every policy map (mmapped map memory when loading, plain buffers in unit
 * tests). It never touches the active slot or anything outside the view.
 */
#ifndef BR_COMPILE_H
#define BR_COMPILE_H

#include "abi.h"
#include "diag.h"
#include "policy.h"

struct br_slot_view {
	struct br_policy_hdr *hdr;    /* 1 */
	struct br_rule *rules;	      /* BR_MAX_RULES */
	struct br_class *classes;     /* BR_MAX_CLASSES */
	__u32 *v4_dir;		      /* BR_V4_DIR_SIZE */
	br_rules_t *proto;	      /* 256, by IP protocol number */
	br_rules_t *sport;	      /* BR_PORT_SLOTS */
	br_rules_t *dport;	      /* BR_PORT_SLOTS */
	br_rules_t *etype;	      /* BR_ETYPE_SLOTS, non-IP frames only */
	br_rules_t *qtype;	      /* 65536, by DNS query type; required */
	struct br_quic_version_rules *quic; /* BR_QUIC_VERSIONS; required */
	br_rules_t *stun_type;	      /* BR_STUN_TYPES; required */
	struct br_ja4_table *ja4;     /* 1; required */
	/*
	 * The domain map's content: n_domains distinct keys (br_domain_hash,
	 * bpf/domain.h) and their rule bitmaps, domain_keys[i] going with
	 * domain_vals[i]. Output only: br_compile sets the three fields to
	 * 0/NULL at entry and mallocs both arrays (NULL when no rule uses a
	 * domain set). Whatever br_compile returns, the caller frees them
	 * with br_view_free(), the lines and the filter below too. On success
	 * n_domains may be 0 (arrays NULL); on failure it means nothing,
	 * though the arrays may be allocated. The table below is built from
	 * them.
	 */
	size_t n_domains;
	__u64 *domain_keys;
	struct br_domain_rules *domain_vals;
	/* their presence filter (abi.h), hdr->domain_filter_mask + 1 lines */
	size_t n_domain_filter;
	struct br_domain_filter_line *domain_filter;
	/*
	 * Their table (abi.h): hdr->domain_buckets lines, and the distinct
	 * rule bitmaps the keys point to (entry 0 unused). The dataplane
	 * loads the three into fresh arrays for the slot.
	 */
	size_t n_domain_buckets;
	struct br_domain_bucket *domain_buckets;
	size_t n_domain_rules;
	struct br_domain_rules *domain_rules;
	/*
	 * The IPv4 lines (abi.h), output only in the same way: n_v4_lines
	 * lines, malloc'd (NULL and 0 when no rule has an IPv4 prefix); the
	 * caller frees v4_lines. The dataplane loads them into a fresh array
	 * map for the slot.
	 */
	size_t n_v4_lines;
	struct br_v4_line *v4_lines;
	size_t n_v6_lines; /* the same for IPv6 */
	struct br_v6_line *v6_lines;
};

struct br_compile_stats {
	__u32 n_classes;
	__u32 v4_prefixes;
	__u32 v4_nodes;		/* /16s of more than one class */
	__u32 v4_lines;		/* their lines, 64 bytes each */
	__u32 v4_bitmap_lines;	/* of which bitmaps */
	__u32 v4_max_k;		/* most parts of a /16: 2^v4_max_k */
	__u32 v6_prefixes;
	__u32 v6_lines;		/* filter and buckets, 64 bytes each */
	__u32 v6_max_probe;
	__u32 domains; /* distinct domain keys */
	__u32 domain_filter_lines; /* their filter, 64 bytes each */
	__u32 domain_bucket_lines; /* their table, 64 bytes each */
	__u32 domain_rule_pairs;   /* distinct meanings, 16 bytes each */
	__u32 domain_max_probe;	   /* buckets past home, most */
	__u32 ja4_prints;	   /* distinct JA4 fingerprints listed */
	__u32 quic_sni_rules;	   /* quic rules naming servers: opening */
};

/* Free what br_compile allocated in the view, and forget it. */
void br_view_free(struct br_slot_view *view);

/*
 * Compile pol into the view. hdr->generation, hdr->gen_idx and the
 * BR_HDR_FAIL_CLOSED flag are left for the caller (the dataplane) to set.
 * On success every other header field and every table of the view is
 * rewritten in full; the domain arrays are allocated (struct br_slot_view
 * says who frees them).
 * Returns 0, or a negative errno with a positioned message in diag when the
 * policy does not fit its maps (-E2BIG) or cannot be compiled.
 */
int br_compile(const struct br_policy *pol, struct br_slot_view *view,
	       struct br_compile_stats *stats, struct br_diag *diag);

#endif /* BR_COMPILE_H */
