/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * stateful.h - stages 3 and 4 of a stateful policy: flows, L7 facts and the
 * actions that write or police.
 *
 * A policy is stateful (BR_HDR_FLOWS) when a rule needs an L7 fact or its
 * action is reset, nxdomain, sinkhole or throttle. Its TCP and UDP packets
 * (fragments aside) come here instead of the one-shot classifier:
 *
 *   flow table hit, decided      the verdict of the flow ("cached"; from an
 *                                older generation "kept", or with on-swap
 *                                flush voided and evaluated afresh)
 *   flow table hit, awaiting     client segments feed the ClientHello
 *   the ClientHello              parser; until it ends, packets pass
 *                                ("pending"); at its end the flow is decided
 *   no entry                     evaluated: the L3/L4 rule bitmap, then the
 *                                L7 facts the surviving rules need
 *
 * A TCP flow first seen without its SYN ("mid-stream": after a swap with
 * flush, a restart, an eviction) cannot wait for a hello: it is decided
 * at once, without L7 facts. Rules are written for the client's packets
 * (dport is the service), so the flow is judged by its client's side: the
 * subscriber is taken for the client, unless the packet is a SYN-ACK,
 * which shows its sender to be the server; a packet from the server is
 * matched as its twin (addresses and ports swapped). The flow then has
 * the verdict it would have had from its client's packet, whichever side
 * spoke first.
 *
 * How a verdict is evaluated: b, the rules whose addresses, ports and
 * protocol match; m, the rules among them whose L7 condition holds; the
 * winner is the lowest rule of b that is plain (no L7 condition) or in m.
 * A TLS rule ahead of every plain candidate makes the flow wait for its
 * hello. When the hello ends without a name (not TLS, no server_name,
 * malformed, beyond the parser's bounds) and a TLS rule was ahead of the
 * winner, the policy's sni-default, if it has one, decides instead.
 *
 * DNS queries (UDP to port 53 with a DNS rule among the candidates) are
 * evaluated one by one, never cached: one socket may ask for many names,
 * so a query never takes a verdict from the flow table (which the answer
 * to an earlier, passed query may have filled). A query a throttle rule
 * wins is policed in the socket's flow entry, kept from query to query
 * while the same rule of the same generation throttles it.
 *
 * The hello parser's state of a flow lives in "tls_pending" until the
 * hello ends. A new flow that waits for a hello first discards any state
 * left there under its key by an earlier flow (expired or evicted halfway
 * through its hello), so a reused address and port pair starts afresh.
 */
#ifndef BR_STATEFUL_H
#define BR_STATEFUL_H

#include <linux/bpf.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "abi.h"
#include "maps.h"
#include "clock.h"
#include "parse.h"
#include "match.h"
#include "action.h"
#include "count.h"
#include "flow.h"
#include "forge.h"
#include "l7.h"

#define BR_RULE_SNI_DEFAULT (BR_MAX_RULES + 1) /* decided by sni-default */
#define BR_NO_RULE_CTR 0xffffffffu


static __always_inline void br_extra(struct br_gen_counters *block, __u32 ctr,
				     __u32 len)
{
	if (block)
		br_count(block, ctr, len);
}

/*
 * The TCP header of pkt, NULL if it is not in the linear part of the frame.
 * l4_off may lie past the first 128 bytes (IPv6 extension headers): it is
 * bounded by a test, not masked, so a long chain is never read elsewhere.
 */
#define BR_L4_OFF_MAX 4095

static __always_inline struct tcphdr *br_tcp_hdr(struct xdp_md *ctx,
						 const struct br_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = pkt->l4_off;
	struct tcphdr *th;

	if (off > BR_L4_OFF_MAX)
		return NULL;
	th = data + off;
	if ((void *)(th + 1) > data_end)
		return NULL;
	return th;
}

static __always_inline br_rules_t br_l7_rules(const struct br_policy_hdr *hdr)
{
	return hdr->l7_tls | hdr->l7_dns | hdr->l7_quic;
}

/* The winner among b given the L7 matches m (see the top of the file). */
static __always_inline __u32 br_decide(const struct br_policy_hdr *hdr,
				       __u32 slot, br_rules_t b, br_rules_t m,
				       int name_missing, __u32 *action)
{
	br_rules_t plain = b & ~br_l7_rules(hdr);
	__u32 rule = br_lowest_rule(b & (plain | m));

	if (name_missing && (hdr->flags & BR_HDR_SNI_DEFAULT) &&
	    br_lowest_rule(b & hdr->l7_tls) < rule) {
		*action = hdr->sni_default;
		return BR_RULE_SNI_DEFAULT;
	}
	*action = br_rule_action(hdr, slot, rule);
	return rule;
}

static __always_inline __u32 br_rule_ctr(__u32 rule)
{
	return rule <= BR_MAX_RULES ? rule : BR_NO_RULE_CTR;
}

/* Copy the transport payload (at most the scratch) into s; its length. */
static __always_inline __u32 br_load_payload(struct xdp_md *ctx,
					     const struct br_pkt *pkt,
					     struct br_scratch *s, __u32 *whole)
{
	__u32 len = pkt->ip_end > pkt->payload_off
			    ? pkt->ip_end - pkt->payload_off
			    : 0;

	*whole = len;
	if (len > BR_L7_SCRATCH)
		len = BR_L7_SCRATCH;
	if (!len || bpf_xdp_load_bytes(ctx, pkt->payload_off, s->buf.b, len))
		return 0;
	return len;
}

/*
 * Apply v->action to the packet in hand: sets v->xdp and returns the
 * counter the action moved (RST sent, throttled, ...), 0 for none. f is
 * the flow's entry (throttle needs its policer word), NULL for an uncached
 * DNS verdict.
 */
__noinline int br_apply(struct xdp_md *ctx, const struct br_pkt *pkt,
			struct br_flow_val *f, struct br_verdict *v)
{
	__u32 ctr = 0;
	int r;

	if (!v)
		return 0;
	v->xdp = XDP_DROP;
	if (!pkt)
		return 0;
	switch (v->action) {
	case BR_ACT_PASS:
		v->xdp = XDP_PASS;
		return 0;
	case BR_ACT_RESET:
		r = br_forge_rst(ctx, pkt);
		if (!r) {
			v->xdp = XDP_TX;
			ctr = BR_CTR_RESET_SENT;
		} else {
			ctr = r > 0 ? BR_CTR_RESET_SKIPPED : BR_CTR_FORGE_FAILED;
		}
		break;
	case BR_ACT_THROTTLE:
		if (f && br_police(f, v->now, pkt->ip_end - pkt->l3_off)) {
			v->xdp = XDP_PASS;
			return 0;
		}
		ctr = BR_CTR_THROTTLED;
		break;
	default: /* drop; nxdomain and sinkhole on a packet that is no query */
		return 0;
	}
	return ctr;
}

/* Store a decided flow; returns the entry in the map (NULL if it failed). */
static __always_inline struct br_flow_val *
br_flow_commit(const struct br_policy_hdr *hdr, const struct br_verdict *v,
	       struct br_flow_val *nf, __u32 rule, __u32 action)
{
	__u32 idx = v->slot * BR_MAX_RULES + (rule & (BR_MAX_RULES - 1));
	struct br_rule *r;

	nf->state = BR_FLOW_DECIDED;
	nf->generation = hdr->generation;
	nf->rule = rule;
	nf->action = action;
	nf->tat_ns = 0;
	nf->ps_per_byte = 0;
	nf->burst = 0;
	if (action == BR_ACT_THROTTLE && rule < BR_MAX_RULES) {
		r = bpf_map_lookup_elem(&rules, &idx);
		if (r) {
			nf->ps_per_byte = r->ps_per_byte;
			nf->burst = r->burst;
		}
	}
	if (bpf_map_update_elem(&flows, &v->key, nf, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&flows, &v->key);
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
	br_note_name(key, name, s);
}

/* QUIC rules that an Initial of this version satisfies. */
static __always_inline br_rules_t br_quic_rules(const struct br_policy_hdr *hdr,
						__u32 slot, __u32 version)
{
	br_rules_t m = hdr->l7_quic_any;
	struct br_quic_version_rules *e;
	__u32 i, idx;

	for (i = 0; i < BR_QUIC_VERSIONS; i++) {
		if (i >= hdr->n_quic_versions)
			break;
		idx = slot * BR_QUIC_VERSIONS + i;
		e = bpf_map_lookup_elem(&quic_versions, &idx);
		if (e && e->version == version)
			m |= e->rules;
	}
	return m & hdr->l7_quic;
}

/*
 * A DNS query to port 53: parsed, matched by name and type, answered in
 * the censor's place when the winning rule says so. Not cached. Sets
 * v->rule_ctr, v->action, v->xdp; a throttle verdict is left to the caller
 * (it needs a flow entry). Returns the counter of what was done, 0 if none.
 */
__noinline int br_dns_path(struct xdp_md *ctx, const struct br_policy_hdr *hdr,
			   const struct br_pkt *pkt, struct br_verdict *v)
{
	struct br_domain_hit hit = {};
	struct br_gen_counters *block;
	__u32 zero = 0, len, whole, rule, action, idx, slot;
	br_rules_t m = 0, qt;
	struct br_scratch *s;
	struct br_rule *r;
	int st = BR_DNS_MALFORMED, n;

	if (!v)
		return 0;
	v->xdp = XDP_DROP;
	if (!hdr || !pkt || v->slot >= BR_SLOTS)
		return 0;
	slot = v->slot;
	block = br_counters_of(hdr->gen_idx);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	len = br_load_payload(ctx, pkt, s, &whole);
	if (len && len == whole)
		st = br_dns_stage(&s->buf, len, &s->q);
	if (st == BR_DNS_QUERY || st == BR_DNS_UNMATCHABLE) {
		br_extra(block, BR_CTR_DNS_QUERY, pkt->frame_len);
		qt = br_dim_rules(&qtype_rules, slot, 65536, s->q.qtype);
		m = hdr->l7_dns & ~hdr->l7_dns_name;
		if (st == BR_DNS_QUERY && (v->b & hdr->l7_dns_name)) {
			br_domain_match(slot, (struct br_name_buf *)s->q.name,
					s->q.name_len, &hit);
			m |= hit.rules & hdr->l7_dns_name;
		}
		m &= qt;
	}
	rule = br_decide(hdr, slot, v->b, m, 0, &action);
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	if (st == BR_DNS_QUERY)
		br_name_hit(hdr->generation, rule, BR_NAME_DNS, &hit,
			    (struct br_name_buf *)s->q.name, s);
	if (action == BR_ACT_THROTTLE)
		return 0;
	if (action != BR_ACT_NXDOMAIN && action != BR_ACT_SINKHOLE)
		return br_apply(ctx, pkt, NULL, v);
	if (st != BR_DNS_QUERY && st != BR_DNS_UNMATCHABLE)
		return 0; /* not a query: nothing to answer, dropped */
	idx = slot * BR_MAX_RULES + (rule & (BR_MAX_RULES - 1));
	r = bpf_map_lookup_elem(&rules, &idx);
	n = r ? br_dns_answer(s, r) : -1;
	if (n > 0 && !br_forge_dns(ctx, pkt, s, n)) {
		v->xdp = XDP_TX;
		return BR_CTR_DNS_FORGED;
	}
	return BR_CTR_FORGE_FAILED;
}

/*
 * The end of a flow's ClientHello: count what it showed, match its name,
 * decide the flow. Returns the flow's entry, NULL if it could not be stored.
 */
static __always_inline struct br_flow_val *
br_tls_decide(const struct br_policy_hdr *hdr, const struct br_pkt *pkt,
	      struct br_flow_val *f, struct br_tls_pending *p,
	      struct br_gen_counters *block, struct br_verdict *v)
{
	struct br_tls_state *st = &p->st;
	struct br_domain_hit hit = {};
	struct br_scratch *s;
	br_rules_t m = 0, sni_ok, ech_ok;
	int hello = st->result == BR_TLS_DONE_SNI ||
		    st->result == BR_TLS_DONE_NO_SNI;
	int named = st->result == BR_TLS_DONE_SNI;
	__u32 rule, action, zero = 0, len = pkt->frame_len;

	br_match_l34(hdr, v->slot, pkt, &v->b);
	if (hello) {
		br_extra(block, BR_CTR_TLS_HELLO, len);
		if (named)
			br_extra(block, BR_CTR_TLS_SNI, len);
		if (br_tls_sni_later(st))
			br_extra(block, BR_CTR_TLS_SNI_LATER, len);
		if (br_tls_rec_fragmented(st))
			br_extra(block, BR_CTR_TLS_REC_FRAG, len);
		if (br_tls_ech(st))
			br_extra(block, BR_CTR_TLS_ECH, len);
		sni_ok = hdr->l7_tls & ~hdr->l7_sni;
		if (named && (v->b & hdr->l7_sni)) {
			br_domain_match(v->slot, (struct br_name_buf *)st->sni,
					st->sni_len, &hit);
			sni_ok |= hit.rules & hdr->l7_sni;
		}
		ech_ok = br_tls_ech(st) ? ~0ULL : ~hdr->l7_ech;
		m = hdr->l7_tls & sni_ok & ech_ok;
	}
	if (!named)
		br_extra(block, BR_CTR_TLS_NO_SNI, len);
	rule = br_decide(hdr, v->slot, v->b, m, !named, &action);
	if (rule == BR_RULE_SNI_DEFAULT)
		br_extra(block, BR_CTR_TLS_SNI_DEFAULT, len);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return NULL;
	if (named)
		br_name_hit(hdr->generation, rule, BR_NAME_SNI, &hit,
			    (struct br_name_buf *)st->sni, s);
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	__builtin_memset(&s->nf, 0, sizeof(s->nf));
	s->nf.flags = f->flags;
	s->nf.seen_ns = v->now;
	return br_flow_commit(hdr, v, &s->nf, rule, action);
}

/*
 * A packet of a flow that awaits its ClientHello: a client segment feeds
 * the parser; at the hello's end the flow is decided and this packet gets
 * the verdict. Until then packets pass. Returns an extra counter, 0: none.
 */
__noinline int br_await_hello(struct xdp_md *ctx,
			      const struct br_policy_hdr *hdr,
			      const struct br_pkt *pkt, struct br_flow_val *f,
			      struct br_verdict *v)
{
	struct br_gen_counters *block;
	struct br_tls_pending *p;
	struct br_scratch *s;
	struct tcphdr *th;
	__u32 zero = 0, len, whole, seq;

	if (!v)
		return 0;
	v->action = BR_ACT_PASS;
	v->xdp = XDP_PASS;
	if (!hdr || !pkt || !f || v->slot >= BR_SLOTS)
		return 0;
	block = br_counters_of(hdr->gen_idx);
	len = pkt->ip_end > pkt->payload_off ? pkt->ip_end - pkt->payload_off
					     : 0;
	th = br_tcp_hdr(ctx, pkt);
	if (!len || !br_flow_from_client(f, pkt) || !th)
		return BR_CTR_FLOW_PENDING;
	/* a SYN's data (TCP Fast Open) starts one past its sequence number */
	seq = bpf_ntohl(th->seq) + th->syn;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return BR_CTR_FLOW_PENDING;
	p = bpf_map_lookup_elem(&tls_pending, &v->key);
	if (!p) {
		__builtin_memset(&s->tp, 0, sizeof(s->tp));
		s->tp.next_seq = seq;
		bpf_map_update_elem(&tls_pending, &v->key, &s->tp, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&tls_pending, &v->key);
		if (!p)
			return BR_CTR_FLOW_PENDING;
	}
	if (seq != p->next_seq) {
		if ((__s32)(seq - p->next_seq) < 0)
			return BR_CTR_FLOW_PENDING; /* a retransmission */
		br_tls_gap(&p->st);
	} else {
		len = br_load_payload(ctx, pkt, s, &whole);
		br_tls_stage(p, &s->buf, whole > len ? whole : len);
		p->next_seq = seq + whole;
	}
	if (!br_tls_done(&p->st))
		return BR_CTR_FLOW_PENDING;

	f = br_tls_decide(hdr, pkt, f, p, block, v);
	bpf_map_delete_elem(&tls_pending, &v->key);
	if (!f) {
		v->action = BR_ACT_PASS; /* no room to remember: let it be */
		v->rule_ctr = BR_NO_RULE_CTR;
		return 0;
	}
	return br_apply(ctx, pkt, f, v);
}

/*
 * The subscriber-side twin of a packet that travels from a flow's server
 * to its client: addresses and ports swapped, so rules written for the
 * client's packets (dport: the service) match it as they would its peer.
 */
static __always_inline void br_twin_of(const struct br_pkt *pkt,
				       struct br_pkt *twin)
{
	int i;

	*twin = *pkt;
	for (i = 0; i < 4; i++) {
		twin->saddr[i] = pkt->daddr[i];
		twin->daddr[i] = pkt->saddr[i];
	}
	twin->sport = pkt->dport;
	twin->dport = pkt->sport;
}

/*
 * Stages 3 and 4 for a TCP or UDP packet (not a fragment) of a stateful
 * policy. Counts the flow and L7 counters itself; the caller counts the
 * role, v->action and v->rule_ctr, and returns v->xdp.
 */
__noinline int br_flow_stage(struct xdp_md *ctx,
			     const struct br_policy_hdr *hdr, __u32 slot,
			     const struct br_pkt *pkt, struct br_verdict *v)
{
	struct br_gen_counters *block;
	__u32 rule, action, first_plain, len, zero = 0, whole, ctr;
	struct br_flow_val *f, *nf;
	br_rules_t plain, m = 0;
	struct br_scratch *s;
	struct tcphdr *th;
	int syn_only = 0, syn_ack = 0, twin = 0, dns;

	if (!v)
		return 0;
	v->rule_ctr = BR_NO_RULE_CTR;
	v->action = BR_ACT_PASS;
	v->xdp = XDP_PASS;
	if (!hdr || !pkt || slot >= BR_SLOTS)
		return 0;
	v->slot = slot;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	nf = &s->nf;
	block = br_counters_of(hdr->gen_idx);
	len = pkt->frame_len;
	v->now = br_now(ctx);
	br_flow_key_of(pkt, &v->key);
	/* a possible DNS query: judged by itself, whatever the flow says */
	dns = pkt->proto == 17 && pkt->dport == 53 && hdr->l7_dns;

	f = bpf_map_lookup_elem(&flows, &v->key);
	if (f && br_flow_expired(f, pkt->proto, v->now)) {
		bpf_map_delete_elem(&flows, &v->key);
		f = NULL;
	}
	if (f && f->state == BR_FLOW_DECIDED && !dns) {
		if (f->generation == hdr->generation) {
			ctr = BR_CTR_FLOW_CACHED;
			v->rule_ctr = br_rule_ctr(f->rule);
		} else if (hdr->flags & BR_HDR_ON_SWAP_FLUSH) {
			ctr = BR_CTR_FLOW_FLUSHED;
			bpf_map_delete_elem(&flows, &v->key);
			f = NULL;
		} else {
			ctr = BR_CTR_FLOW_KEPT;
		}
		br_extra(block, ctr, len);
		if (f) {
			f->seen_ns = v->now;
			v->action = f->action;
			ctr = br_apply(ctx, pkt, f, v);
			goto out;
		}
	} else if (f && f->state != BR_FLOW_DECIDED) {
		f->seen_ns = v->now;
		ctr = br_await_hello(ctx, hdr, pkt, f, v);
		goto out;
	}

	/* A flow the table does not know: evaluate it. */
	br_extra(block, BR_CTR_FLOW_FRESH, len);
	__builtin_memset(nf, 0, sizeof(*nf));
	nf->seen_ns = v->now;
	if (pkt->proto == 6) {
		th = br_tcp_hdr(ctx, pkt);
		if (th) {
			syn_only = th->syn && !th->ack;
			syn_ack = th->syn && th->ack;
		}
		if (!syn_only) {
			nf->flags |= BR_FLOW_F_MIDSTREAM;
			br_extra(block, BR_CTR_FLOW_MIDSTREAM, len);
			/*
			 * Without the SYN, the subscriber is taken for the
			 * client, unless a SYN-ACK shows who the server is;
			 * a packet from the server is judged as its twin.
			 */
			twin = syn_ack || pkt->role == BR_ROLE_UPSTREAM;
		}
	}
	if ((pkt->role == BR_ROLE_SUBSCRIBER) != twin)
		nf->flags |= BR_FLOW_F_CLIENT_SUB;
	if (twin) {
		br_twin_of(pkt, &s->twin);
		br_match_l34(hdr, slot, &s->twin, &v->b);
	} else {
		br_match_l34(hdr, slot, pkt, &v->b);
	}
	plain = v->b & ~br_l7_rules(hdr);
	first_plain = br_lowest_rule(plain);

	if (dns && (v->b & hdr->l7_dns)) {
		ctr = br_dns_path(ctx, hdr, pkt, v);
		if (v->action != BR_ACT_THROTTLE)
			goto out;
		/*
		 * A throttled query is policed in the socket's flow entry,
		 * kept from query to query while the same rule throttles.
		 */
		rule = v->rule_ctr;
		if (!f || f->state != BR_FLOW_DECIDED ||
		    f->action != BR_ACT_THROTTLE || f->rule != rule ||
		    f->generation != hdr->generation)
			f = br_flow_commit(hdr, v, nf, rule, v->action);
		else
			f->seen_ns = v->now;
		ctr = br_apply(ctx, pkt, f, v);
		goto out;
	}

	if (pkt->proto == 17 &&
	    br_lowest_rule(v->b & hdr->l7_quic) < first_plain) {
		len = br_load_payload(ctx, pkt, s, &whole);
		if (len && br_quic_stage(&s->buf, len, whole, &s->qi) ==
				   BR_QUIC_INITIAL) {
			br_extra(block, BR_CTR_QUIC_INITIAL, pkt->frame_len);
			m = br_quic_rules(hdr, slot, s->qi.version);
		}
	}

	if (pkt->proto == 6 && !(nf->flags & BR_FLOW_F_MIDSTREAM) &&
	    br_lowest_rule(v->b & hdr->l7_tls) < first_plain) {
		nf->state = BR_FLOW_AWAIT_HELLO;
		nf->generation = hdr->generation;
		/* a parse left over by an earlier flow of this key is void */
		bpf_map_delete_elem(&tls_pending, &v->key);
		if (bpf_map_update_elem(&flows, &v->key, nf, BPF_ANY))
			goto decide; /* no room: decide without the hello */
		f = bpf_map_lookup_elem(&flows, &v->key);
		if (!f)
			goto decide;
		ctr = br_await_hello(ctx, hdr, pkt, f, v);
		goto out;
	}

decide:
	rule = br_decide(hdr, slot, v->b, m, 0, &action);
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	f = br_flow_commit(hdr, v, nf, rule, action);
	ctr = br_apply(ctx, pkt, f, v);
out:
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	return 0;
}

#endif /* BR_STATEFUL_H */
