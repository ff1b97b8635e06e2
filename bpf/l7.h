/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7.h - the L7 facts a rule can ask for, as separately verified functions.
 *
 * Each extractor (tls.h, dns.h, quic.h) runs inside a global function of
 * its own, so the verifier checks it once instead of once per call site and
 * path of the stage that calls it (dns.h measures the difference: 78k
 * instructions alone, 254k inlined with the domain hashes). Arguments are
 * map values of known size: a global function's pointer argument is memory
 * of its pointee's size only.
 *
 * The domain match is the one place a name meets a set: one hash per label
 * suffix (domain.h), one lookup each in the slot's domain map, so its cost
 * depends on the name's depth and never on the size of the set.
 */
#ifndef BR_L7_H
#define BR_L7_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "tls.h"
#include "dns.h"
#include "quic.h"
#include "domain.h"

/* Rules whose domain set holds a name, and the name's own hash. */
struct br_domain_hit {
	br_rules_t rules;
	__u64 full_hash;
};

/*
 * The meaning of key in a slot's domain table (abi.h), or NULL. Walks
 * from its home bucket until it finds the key or a free place.
 */
static __always_inline const struct br_domain_rules *
br_domain_find(void *buckets, void *rules, __u32 n, __u64 key)
{
	const struct br_domain_bucket *b;
	__u32 p, j, idx = br_domain_home(key, n);

	for (p = 0; p < BR_DOMAIN_MAX_PROBE; p++) {
		b = bpf_map_lookup_elem(buckets, &idx);
		if (!b)
			return NULL;
		for (j = 0; j < BR_DOMAIN_BUCKET_KEYS; j++) {
			if (!b->rules[j])
				return NULL;
			if (b->key[j] == key) {
				idx = b->rules[j];
				return bpf_map_lookup_elem(rules, &idx);
			}
		}
		if (++idx >= n)
			idx = 0;
	}
	return NULL;
}

__noinline int br_domain_match(const struct br_policy_hdr *hdr, __u32 slot,
			       const struct br_name_buf *name, __u32 len,
			       struct br_domain_hit *hit)
{
	const struct br_domain_rules *v;
	struct br_domain_filter_line *l;
	void *buckets, *rules, *filter;
	struct br_scratch *s;
	__u32 n = 0, i, zero = 0, idx;
	__u64 *h;

	if (!hit)
		return 0;
	hit->rules = 0;
	hit->full_hash = 0;
	if (!hdr || !name || slot >= BR_SLOTS)
		return 0;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	h = s->hashes;
	if (br_domain_hashes(name->s, len, h, &n) < 0 || !n)
		return 0;
	hit->full_hash = h[(n - 1) & (BR_DOMAIN_MAX_LABELS - 1)];
	buckets = bpf_map_lookup_elem(&domains, &slot);
	rules = bpf_map_lookup_elem(&domain_rules, &slot);
	filter = bpf_map_lookup_elem(&domain_filter, &slot);
	if (!buckets || !rules || !filter)
		return 0;
	for (i = 0; i < BR_DOMAIN_MAX_LABELS; i++) {
		if (i >= n)
			break;
		idx = br_domain_filter_line(h[i], hdr->domain_filter_mask);
		l = bpf_map_lookup_elem(filter, &idx);
		if (!l || !br_domain_filter_has(l, h[i]))
			continue;
		v = br_domain_find(buckets, rules, hdr->domain_buckets, h[i]);
		if (v)
			hit->rules |= i == n - 1 ? v->exact : v->below;
	}
	return 1;
}

/*
 * Feed len bytes in buf to a flow's hello parser: a client segment, or
 * (more) the next piece of the one fed last.
 */
__noinline int br_tls_stage(struct br_tls_pending *p,
			    const struct br_l7_buf *buf, __u32 len, int more)
{
	if (!p || !buf)
		return BR_TLS_GAVE_UP;
	if (more)
		return br_tls_feed_more(&p->st, buf->b, len);
	return br_tls_feed(&p->st, buf->b, len);
}

/* JA4_a and the strings to hash (ja4.h): a frame of its own, see below. */
__noinline int br_ja4_text(struct br_tls_state *st, struct br_ja4_work *w)
{
	if (!st || !w)
		return BR_JA4_NONE;
	return br_ja4_prepare(&st->ja4, !!(st->flags & BR_TLS_F_SNI_EXT), w);
}

/*
 * The JA4 of the hello whose parse ended in st (ja4.h), and the rules of
 * the slot whose list holds it, into w->rules. Returns enum
 * br_ja4_result. (Not inlined into the hello's decision, nor the text
 * into it: either frame would take the longest chain of calls, down to
 * a block of SHA-256, past 512 bytes of stack.)
 */
__noinline int br_ja4_stage(const struct br_policy_hdr *hdr, __u32 slot,
			    struct br_tls_state *st, struct br_ja4_work *w)
{
	const struct br_ja4_table *t;
	__u32 i, n;
	int res;

	if (!hdr || !st || !w)
		return BR_JA4_NONE;
	w->rules = 0;
	res = br_ja4_text(st, w);
	if (res != BR_JA4_OK)
		return res;
	br_ja4_digest(w, 0);
	br_ja4_digest(w, 1);
	t = bpf_map_lookup_elem(&ja4_fps, &slot);
	if (!t)
		return res;
	n = hdr->n_ja4;
	for (i = 0; i < BR_JA4_FPS; i++) {
		if (i >= n)
			break;
		/* branch-free: a path per entry and word would add up */
		w->rules |= t->e[i].rules &
			    -(br_rules_t)br_ja4_fp_match(&w->fp, &t->e[i]);
	}
	return res;
}

/* Parse the DNS query copied into buf (len bytes) into q. */
__noinline int br_dns_stage(const struct br_l7_buf *buf, __u32 len,
			    struct br_dns_query *q)
{
	if (!buf || !q)
		return BR_DNS_MALFORMED;
	return br_dns_parse(buf->b, len, q);
}

/*
 * Build the answer of a nxdomain or sinkhole rule over the query in s.
 * Returns the answer's length, or -1.
 */
__noinline int br_dns_answer(struct br_scratch *s, const struct br_rule *r)
{
	const struct br_dns_query *q;

	if (!s || !r)
		return -1;
	q = &s->q;
	if (r->action == BR_ACT_NXDOMAIN)
		return br_dns_build_nxdomain(s->buf.b, q);
	if (r->action != BR_ACT_SINKHOLE)
		return -1;
	return br_dns_build_sinkhole(s->buf.b, q, r);
}

/* The first packet of a UDP datagram, len of its dgram_len bytes in buf. */
__noinline int br_quic_stage(const struct br_l7_buf *buf, __u32 len,
			     __u32 dgram_len, struct br_quic_info *qi)
{
	if (!buf || !qi)
		return BR_QUIC_NONE;
	return br_quic_parse(buf->b, len, dgram_len, qi);
}

/*
 * Count a name that decided a verdict, for "stats" (abi.h's "names": best
 * effort, read by user space only). The set is this CPU's: no other
 * program writes it while this one runs.
 */
__noinline int br_note_name(const struct br_name_key *key,
			    const struct br_name_buf *name)
{
	struct br_name_set *set;
	struct br_name_way *w;
	__u32 idx, i, low = 0;
	__u64 tag;

	if (!key || !name)
		return 0;
	tag = br_name_tag(key);
	idx = br_name_set_of(tag);
	set = bpf_map_lookup_elem(&names, &idx);
	if (!set)
		return 0;
	if (set->generation != key->generation) {
		if (set->generation > key->generation)
			return 0;
		__builtin_memset(set->way, 0, sizeof(set->way));
		set->generation = key->generation;
	}
	for (i = 0; i < BR_NAME_WAYS; i++) {
		if (set->way[i].tag == tag) {
			if (set->way[i].hits != (__u32)-1) /* saturates */
				set->way[i].hits++;
			return 0;
		}
		if (set->way[i].hits < set->way[low].hits)
			low = i;
	}
	w = &set->way[low & (BR_NAME_WAYS - 1)];
	if (w->tag && ++w->rivals <= w->hits)
		return 0;
	w->tag = tag;
	w->hits = 1;
	w->rivals = 0;
	set->rec[low & (BR_NAME_WAYS - 1)].key = *key;
	__builtin_memcpy(set->rec[low & (BR_NAME_WAYS - 1)].name, name->s,
			 BR_NAME_MAX);
	set->rec[low & (BR_NAME_WAYS - 1)].name[BR_NAME_MAX - 1] = 0;
	return 0;
}

/* Copy the transport payload (at most the scratch) into s; its length. */
static __always_inline __u32 br_load_payload(struct xdp_md *ctx,
					     const struct br_pkt *pkt,
					     struct br_scratch *s, __u32 *whole)
{
	__u64 len = br_payload_len(pkt); /* 64-bit: tested as passed */

	*whole = len;
	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;
	if (!len || bpf_xdp_load_bytes(ctx, pkt->payload_off, s->buf.b, len))
		return 0;
	return len;
}

static __always_inline void br_name_hit(__u64 generation, __u32 rule,
					__u32 kind,
					const struct br_domain_hit *hit,
					const struct br_name_buf *name,
					struct br_scratch *s)
{
	struct br_name_key *key = &s->nk;

	if (rule >= BR_MAX_RULES || !(hit->rules & (1ULL << rule)))
		return;
	key->hash = hit->full_hash;
	key->generation = generation;
	key->rule = rule;
	key->kind = kind;
	br_note_name(key, name);
}

#endif /* BR_L7_H */
