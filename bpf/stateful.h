/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * stateful.h - stages 3 and 4 of a stateful policy: flows, L7 facts and the
 * actions that write or police.
 *
 * A policy is stateful (BR_HDR_FLOWS) when a rule needs an L7 fact or its
 * action is reset, nxdomain, sinkhole or throttle. Its TCP and UDP packets
 * (first fragments included, later ones follow their first) come here
 * instead of the one-shot classifier:
 *
 *   flow table hit, decided      the verdict of the flow ("cached"; from an
 *                                older generation "kept", or with on-swap
 *                                flush voided and evaluated afresh)
 *   flow table hit, awaiting     client segments feed the ClientHello
 *   the ClientHello              parser; meanwhile packets get the flow's
 *                                provisional verdict ("pending"); at the
 *                                hello's end the flow is decided
 *   flow table hit, awaiting     client datagrams are checked for a QUIC
 *   a QUIC Initial               Initial (or 0-RTT) until one decides
 *   no entry                     evaluated: the L3/L4 rule bitmap, then the
 *                                L7 facts the surviving rules need
 *
 * Rules are written for the client's packets (dport is the service), so a
 * flow is judged from its client's side, and a packet from its server is
 * matched as its twin (addresses and ports swapped). The client is the
 * sender of a SYN, the receiver of a SYN-ACK, the sender of a ClientHello,
 * or of a flow's first UDP datagram; a TCP flow first seen without any of
 * these (mid-stream: a capture or a censor started late, asymmetric
 * routing, a table that overflowed) takes the subscriber for its client
 * until a hello shows otherwise.
 *
 * How a verdict is evaluated: b, the rules whose addresses, ports and
 * protocol match; m, the rules among them whose L7 condition holds; the
 * winner is the lowest rule of b that is plain (no L7 condition) or in m.
 * A TLS rule ahead of every plain candidate makes the flow await its hello;
 * a QUIC rule ahead of them, its Initial. When the hello ends without a
 * name the censor could read (no server_name, not TLS, malformed, cut by
 * fragmentation, its state lost, or never seen: mid-stream) and a TLS rule
 * was ahead of the winner, the policy's sni-default, if it has one,
 * decides instead. When an L7 fact a rule ahead needs is cut off (a DNS
 * question or a QUIC header in a first fragment), the policy's unreadable
 * action, if it has one, decides.
 *
 * The hello is read as the server will read it. The parse starts at the
 * client's first byte (from the SYN, or the SYN-ACK's acknowledgment) and
 * takes segments in sequence order; a retransmission is passed unread, an
 * overlap is read from its new bytes, and a segment ahead of its turn is
 * dropped (the client sends it again in order), so no byte reaches the
 * server unread. Segments the server would refuse are not read, so a
 * decoy killed on its way cannot stand for the hello: a TTL or hop limit
 * below the client's highest (it dies before the server), a bad TCP
 * checksum, no ACK or an ACK outside what the server sent (RFC 9293 3.10.7.4,
 * RFC 5961 5.2). A flow seen mid-stream is parsed from the first segment
 * of either side that starts a ClientHello.
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
 * through its hello), so a reused address and port pair starts afresh. A
 * flow whose parse began but whose state is gone (evicted from a full
 * table) is decided as a hello without a name: sni-default is then the
 * policy's fail mode for full tables (none: open; sni-default drop: closed).
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
#include "csum.h"
#include "copy.h"
#include "flow.h"
#include "forge.h"
#include "l7.h"

#define BR_NO_RULE_CTR 0xffffffffu

#define BR_TCP_FIN 0x01
#define BR_TCP_SYN 0x02
#define BR_TCP_ACK 0x10

#define BR_HELLO_CHUNKS 32 /* scratch-sized pieces of one segment: 64 KiB */
#define BR_QUIC_HDR_MAX 64 /* a first fragment shorter may cut the header */

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

/* Sequence numbers compared modulo 2^32 (RFC 9293 3.4). */
static __always_inline int br_seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/* Bytes of transport payload in the packet in hand (a first fragment's). */
static __always_inline __u32 br_payload_len(const struct br_pkt *pkt)
{
	return pkt->ip_end > pkt->payload_off ? pkt->ip_end - pkt->payload_off
					      : 0;
}

/*
 * The winner among b given the L7 matches m (see the top of the file).
 * name_missing: a TLS flow whose name could not be read; unread: the
 * rules whose L7 condition this packet cuts off. *unreadable tells
 * whether one of those stood ahead of the winner.
 */
static __always_inline __u32 br_decide(const struct br_policy_hdr *hdr,
				       __u32 slot, br_rules_t b, br_rules_t m,
				       int name_missing, br_rules_t unread,
				       __u32 *action, __u32 *unreadable)
{
	br_rules_t plain = b & ~br_l7_rules(hdr);
	__u32 rule = br_lowest_rule(b & (plain | m));

	*unreadable = 0;
	if (name_missing && (hdr->flags & BR_HDR_SNI_DEFAULT) &&
	    br_lowest_rule(b & hdr->l7_tls) < rule) {
		*action = hdr->sni_default;
		return BR_RULE_SNI_DEFAULT;
	}
	if (br_lowest_rule(b & unread) < rule) {
		*unreadable = 1;
		if (hdr->flags & BR_HDR_UNREADABLE) {
			*action = hdr->unreadable;
			return BR_RULE_UNREADABLE;
		}
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
	__u32 len = br_payload_len(pkt);

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

/* f's verdict: rule and action, the throttle's parameters from the rule. */
static __always_inline void br_flow_set_verdict(__u32 slot,
						struct br_flow_val *f,
						__u32 rule, __u32 action)
{
	__u32 idx = slot * BR_MAX_RULES + (rule & (BR_MAX_RULES - 1));
	struct br_rule *r;

	f->rule = rule;
	f->action = action;
	f->tat_ns = 0;
	f->ps_per_byte = 0;
	f->burst = 0;
	if (action == BR_ACT_THROTTLE && rule < BR_MAX_RULES) {
		r = bpf_map_lookup_elem(&rules, &idx);
		if (r) {
			f->ps_per_byte = r->ps_per_byte;
			f->burst = r->burst;
		}
	}
}

static __always_inline void br_flow_set_decided(const struct br_policy_hdr *hdr,
						__u32 slot,
						struct br_flow_val *f,
						__u32 rule, __u32 action)
{
	f->state = BR_FLOW_DECIDED;
	f->generation = hdr->generation;
	br_flow_set_verdict(slot, f, rule, action);
}

/* Store a decided flow; returns the entry in the map (NULL if it failed). */
static __always_inline struct br_flow_val *
br_flow_commit(const struct br_policy_hdr *hdr, const struct br_verdict *v,
	       struct br_flow_val *nf, __u32 rule, __u32 action)
{
	br_flow_set_decided(hdr, v->slot, nf, rule, action);
	if (bpf_map_update_elem(&flows, &v->key, nf, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&flows, &v->key);
}

/* What the packet in hand gets from a flow that awaits a fact. */
static __always_inline void br_provisional(const struct br_flow_val *f,
					   struct br_verdict *v)
{
	v->action = f->action;
	v->rule_ctr = br_rule_ctr(f->rule);
}

/*
 * The start of a stage for a flow that awaits a fact: the packet gets the
 * flow's provisional verdict unless the stage decides otherwise. 0 when a
 * global function's arguments are not what the verifier must assume.
 */
static __always_inline int br_await_begin(const struct br_policy_hdr *hdr,
					  const struct br_pkt *pkt,
					  const struct br_flow_val *f,
					  struct br_verdict *v)
{
	v->action = BR_ACT_PASS;
	v->xdp = XDP_PASS;
	if (!hdr || !pkt || !f || v->slot >= BR_SLOTS)
		return 0;
	br_provisional(f, v);
	return 1;
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

/* The QUIC rules of the policy in slot that the first packet qi satisfies. */
static __always_inline br_rules_t br_quic_rules(const struct br_policy_hdr *hdr,
						__u32 slot,
						const struct br_quic_info *qi)
{
	struct br_quic_version_table *t;

	t = bpf_map_lookup_elem(&quic_versions, &slot);
	if (!t)
		return 0;
	return br_quic_version_match(qi, t, hdr->n_quic_versions,
				     hdr->l7_quic_any, hdr->l7_quic);
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
 * A DNS query to port 53: parsed, matched by name and type, answered in
 * the censor's place when the winning rule says so. Not cached. Sets
 * v->rule_ctr, v->action, v->xdp; a throttle verdict is left to the caller
 * (it needs a flow entry). Returns the counter of what was done, 0 if none.
 * A first fragment is read as far as it goes: the question comes first,
 * and a query whose question it cuts is unreadable for the DNS rules.
 */
__noinline int br_dns_path(struct xdp_md *ctx, const struct br_policy_hdr *hdr,
			   const struct br_pkt *pkt, struct br_verdict *v)
{
	struct br_domain_hit hit = {};
	struct br_gen_counters *block;
	__u32 zero = 0, len, whole, rule, action, idx, slot, unreadable;
	br_rules_t m = 0, qt, unread = 0;
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
	if (len && (len == whole || pkt->frag == BR_FRAG_FIRST))
		st = br_dns_stage(&s->buf, len, &s->q);
	if (st == BR_DNS_QUERY || st == BR_DNS_UNMATCHABLE) {
		br_extra(block, BR_CTR_DNS_QUERY, pkt->frame_len);
		qt = br_dim_rules(&qtype_rules, slot, BR_QTYPE_SLOTS, s->q.qtype);
		m = hdr->l7_dns & ~hdr->l7_dns_name;
		if (st == BR_DNS_QUERY && (v->b & hdr->l7_dns_name)) {
			br_domain_match(slot, (struct br_name_buf *)s->q.name,
					s->q.name_len, &hit);
			m |= hit.rules & hdr->l7_dns_name;
		}
		m &= qt;
	} else if (st == BR_DNS_MALFORMED && pkt->frag == BR_FRAG_FIRST) {
		unread = hdr->l7_dns;
	}
	rule = br_decide(hdr, slot, v->b, m, 0, unread, &action, &unreadable);
	if (unreadable)
		v->extra = BR_CTR_UNREADABLE;
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	if (st == BR_DNS_QUERY)
		br_name_hit(hdr->generation, rule, BR_NAME_DNS, &hit,
			    (struct br_name_buf *)s->q.name, s);
	if (rule == BR_RULE_UNREADABLE) {
		br_apply(ctx, pkt, NULL, v); /* pass or drop: nothing to count */
		return BR_CTR_UNREADABLE_ACTION;
	}
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

/* Whether a TLS rule stands before every plain rule of b. */
static __always_inline int br_tls_ahead(const struct br_policy_hdr *hdr,
					br_rules_t b)
{
	return br_lowest_rule(b & hdr->l7_tls) <
	       br_lowest_rule(b & ~br_l7_rules(hdr));
}

/*
 * Judge flow f on the packet in hand, from its client's side: v->b, and
 * whether the flow must await a fact, with the verdict its packets get
 * meanwhile, or can be decided now (then the caller decides it). Sets
 * f->state, f->generation and, while awaiting, f->rule and f->action.
 *
 * A TCP flow whose client is not known yet (mid-stream) awaits a hello if
 * a TLS rule is ahead from either side: the side taken for the server may
 * turn out to send the hello.
 */
__noinline int br_flow_judge(const struct br_policy_hdr *hdr,
			     const struct br_pkt *pkt, struct br_flow_val *f,
			     struct br_verdict *v)
{
	__u32 zero = 0, slot, rule = BR_RULE_NONE, unreadable;
	__u32 action = BR_ACT_PASS;
	int from_client, other = 0;
	struct br_scratch *s;
	br_rules_t b;

	if (!hdr || !pkt || !f || !v || v->slot >= BR_SLOTS)
		return BR_FLOW_DECIDED;
	slot = v->slot;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return BR_FLOW_DECIDED;
	from_client = br_flow_from_client(f, pkt);
	if (!from_client)
		br_twin_of(pkt, &s->twin);
	br_match_l34(hdr, slot, from_client ? pkt : &s->twin, &v->b);
	b = v->b;
	f->generation = hdr->generation;
	if (pkt->proto == IPPROTO_TCP && !(f->flags & BR_FLOW_F_SIDE_KNOWN) &&
	    !br_tls_ahead(hdr, b)) {
		if (from_client)
			br_twin_of(pkt, &s->twin);
		br_match_l34(hdr, slot, from_client ? &s->twin : pkt, &v->b);
		other = br_tls_ahead(hdr, v->b);
		v->b = b;
	}
	if (pkt->proto == IPPROTO_TCP && (other || br_tls_ahead(hdr, b))) {
		/*
		 * A handshake under way passes: the hello is still to come.
		 * Mid-stream, the flow gets meanwhile what it would without
		 * the hello, if none ever shows.
		 */
		f->state = BR_FLOW_AWAIT_HELLO;
		if (!(f->flags & BR_FLOW_F_CLI_SEQ))
			rule = br_decide(hdr, slot, b, 0, 1, 0, &action,
					 &unreadable);
	} else if (pkt->proto == IPPROTO_UDP &&
		   br_lowest_rule(b & hdr->l7_quic) <
			   br_lowest_rule(b & ~br_l7_rules(hdr))) {
		f->state = BR_FLOW_AWAIT_QUIC;
		rule = br_decide(hdr, slot, b, 0, 0, 0, &action, &unreadable);
	} else {
		f->state = BR_FLOW_DECIDED;
		return f->state;
	}
	br_flow_set_verdict(slot, f, rule, action);
	return f->state;
}

/*
 * The end of a flow's ClientHello, or of what the censor will see of it:
 * count what it showed, match its name, decide the flow. Returns the
 * flow's entry, NULL if it could not be stored.
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
	int named = br_tls_name_read(st);
	__u32 rule, action, zero = 0, len = pkt->frame_len, unreadable;

	if (hello)
		br_extra(block, BR_CTR_TLS_HELLO, len);
	if (named)
		br_extra(block, BR_CTR_TLS_SNI, len);
	if (br_tls_sni_later(st))
		br_extra(block, BR_CTR_TLS_SNI_LATER, len);
	if (br_tls_rec_fragmented(st))
		br_extra(block, BR_CTR_TLS_REC_FRAG, len);
	if (br_tls_ech(st))
		br_extra(block, BR_CTR_TLS_ECH, len);
	if (st->flags & BR_TLS_F_SNI_DOT)
		br_extra(block, BR_CTR_TLS_SNI_DOT, len);
	if (st->reason == BR_TLS_R_CUT)
		br_extra(block, BR_CTR_TLS_CUT, len);
	if ((hello || named) && (f->flags & BR_FLOW_F_MIDSTREAM) &&
	    !(f->flags & BR_FLOW_F_CLI_SEQ))
		br_extra(block, BR_CTR_TLS_MIDSTREAM_HELLO, len);
	if (hello || named) {
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
	rule = br_decide(hdr, v->slot, v->b, m, !named, 0, &action,
			 &unreadable);
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
	br_flow_set_decided(hdr, v->slot, f, rule, action);
	return f;
}

/*
 * What a server-side packet tells of a flow awaiting its hello: a SYN-ACK
 * gives both initial sequence numbers (the server's, and in its ACK the
 * client's), later segments how far the server has sent.
 */
static __always_inline void br_server_seen(struct br_flow_val *f,
					   const struct br_verdict *v,
					   __u32 len)
{
	__u32 end;

	if ((v->tcp_flags & (BR_TCP_SYN | BR_TCP_ACK)) ==
	    (BR_TCP_SYN | BR_TCP_ACK)) {
		f->srv_first = v->seq + 1;
		f->srv_next = v->seq + 1;
		f->cli_next = v->ack;
		f->flags |= BR_FLOW_F_SRV_SEQ | BR_FLOW_F_CLI_SEQ |
			    BR_FLOW_F_SIDE_KNOWN;
		return;
	}
	end = v->seq + len + !!(v->tcp_flags & BR_TCP_FIN);
	if ((f->flags & BR_FLOW_F_SRV_SEQ) && br_seq_before(f->srv_next, end))
		f->srv_next = end;
}

/* Whether the payload of the packet in hand starts like a ClientHello. */
static __always_inline int br_hello_at(struct xdp_md *ctx,
				       const struct br_pkt *pkt, __u32 len)
{
	__u32 zero = 0, n;
	struct br_scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	if (!s)
		return 0;
	n = br_copy(ctx, pkt->payload_off, s->head, len, 6);
	return n && br_tls_hello_start(s->head, n);
}

/*
 * Feed the segment in hand, from its byte from on, to the flow's hello
 * parser, a scratch at a time. Returns the bytes it covered. (Inline: a
 * global function here would take the stack chain past 512 bytes.)
 */
static __always_inline __u32 br_hello_feed(struct xdp_md *ctx,
					   const struct br_pkt *pkt,
					   struct br_tls_pending *p,
					   struct br_scratch *s, __u32 from)
{
	__u32 whole = br_payload_len(pkt), off = from, n, i;

	if (from >= whole)
		return 0;
	for (i = 0; i < BR_HELLO_CHUNKS; i++) {
		if (off >= whole || br_tls_done(&p->st))
			break;
		n = br_copy(ctx, pkt->payload_off + off, s->buf.b, whole - off,
			    BR_L7_SCRATCH);
		if (!n) {
			br_tls_gap(&p->st);
			break;
		}
		br_tls_stage(p, &s->buf, n, i > 0);
		off += n;
	}
	return whole - from;
}

/*
 * A packet of a flow that awaits its ClientHello (see the top of the
 * file): the server's packets tell the sequence numbers, the client's
 * segments that the server would take feed the parser in order. Until the
 * hello ends packets get the flow's provisional verdict, and the return is
 * an extra counter (0: none); at its end BR_HELLO_ENDED, and the caller
 * decides the flow (so that the lookups a decision needs do not stack on
 * this function's frame).
 */
#define BR_HELLO_ENDED (-1)

__noinline int br_await_hello(struct xdp_md *ctx,
			      const struct br_policy_hdr *hdr,
			      const struct br_pkt *pkt, struct br_flow_val *f,
			      struct br_verdict *v)
{
	struct br_gen_counters *block;
	struct br_tls_pending *p;
	struct br_scratch *s;
	__u32 zero = 0, len, seq, start, from;

	if (!v || !br_await_begin(hdr, pkt, f, v))
		return 0;
	block = br_counters_of(hdr->gen_idx);
	len = br_payload_len(pkt);
	/* a SYN's data (TCP Fast Open) starts one past its sequence number */
	seq = v->seq + !!(v->tcp_flags & BR_TCP_SYN);

	if (!br_flow_from_client(f, pkt)) {
		br_server_seen(f, v, len);
		goto pending;
	}

	if (pkt->ttl > f->ttl)
		f->ttl = pkt->ttl;
	if ((v->tcp_flags & BR_TCP_SYN) && !(f->flags & BR_FLOW_F_CLI_SEQ)) {
		f->cli_next = seq;
		f->flags |= BR_FLOW_F_CLI_SEQ | BR_FLOW_F_SIDE_KNOWN;
	}
	if (!len)
		goto pending;
	p = bpf_map_lookup_elem(&tls_pending, &v->key);
	/* mid-stream, no hello begun and none starting: nothing to read */
	if (!p && !(f->flags & (BR_FLOW_F_CLI_SEQ | BR_FLOW_F_HELLO)) &&
	    !br_hello_at(ctx, pkt, len))
		goto pending;
	/*
	 * Segments the server would refuse: decoys, not the hello. The
	 * checksum of a segment cut into IP fragments covers bytes not here,
	 * and is not checked (policies/README.md: what it does not catch).
	 */
	if (pkt->ttl < f->ttl) {
		v->extra = BR_CTR_TCP_LOW_TTL;
		goto pending;
	}
	if ((f->flags & BR_FLOW_F_SRV_SEQ) &&
	    (!(v->tcp_flags & BR_TCP_ACK) ||
	     br_seq_before(v->ack, f->srv_first) ||
	     br_seq_before(f->srv_next, v->ack))) {
		v->extra = BR_CTR_TCP_BAD_ACK;
		goto pending;
	}
	if (pkt->frag != BR_FRAG_FIRST && !br_tcp_csum_ok(ctx, pkt)) {
		v->extra = BR_CTR_TCP_BAD_CSUM;
		goto pending;
	}

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		goto pending;
	if (!p && (f->flags & BR_FLOW_F_HELLO)) {
		/* the parse began and its state is gone: a full table */
		v->extra = BR_CTR_TLS_STATE_LOST;
		return BR_HELLO_ENDED;
	}
	if (!p) {
		/* mid-stream, the hello starts here */
		start = f->flags & BR_FLOW_F_CLI_SEQ ? f->cli_next : seq;
		__builtin_memset(&s->tp, 0, sizeof(s->tp));
		s->tp.next_seq = start;
		bpf_map_update_elem(&tls_pending, &v->key, &s->tp, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&tls_pending, &v->key);
		if (!p)
			goto pending;
		f->flags |= BR_FLOW_F_HELLO | BR_FLOW_F_SIDE_KNOWN;
	}
	if (seq == p->next_seq) {
		from = 0;
	} else if (br_seq_before(seq, p->next_seq)) {
		if (!br_seq_before(p->next_seq, seq + len))
			goto pending; /* a retransmission */
		from = p->next_seq - seq; /* an overlap: its new bytes */
	} else {
		/* ahead of its turn: it would reach the server unread */
		v->action = BR_ACT_DROP;
		v->rule_ctr = BR_NO_RULE_CTR;
		v->xdp = XDP_DROP;
		return BR_CTR_TCP_AHEAD;
	}
	p->next_seq += br_hello_feed(ctx, pkt, p, s, from);
	if (pkt->frag == BR_FRAG_FIRST)
		br_tls_cut(&p->st);
	if (br_tls_done(&p->st))
		return BR_HELLO_ENDED;

pending:
	br_extra(block, BR_CTR_FLOW_PENDING, pkt->frame_len);
	return br_apply(ctx, pkt, f, v);
}

/*
 * A packet of a UDP flow whose QUIC rule waits for an Initial: a client
 * datagram whose first packet is an Initial or 0-RTT packet (or of a
 * reserved version) is matched, and decides the flow if a QUIC rule wins;
 * every other packet gets the provisional verdict, and the flow goes on
 * waiting, so a datagram sent ahead of the Initial does not hide it.
 */
__noinline int br_await_quic(struct xdp_md *ctx,
			     const struct br_policy_hdr *hdr,
			     const struct br_pkt *pkt, struct br_flow_val *f,
			     struct br_verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, len, whole, dgram, rule, action, unreadable, ctr = 0;
	struct br_gen_counters *block;
	struct br_scratch *s;
	br_rules_t m, unread = 0;
	__u8 *first;
	int kind;

	if (!v || !br_await_begin(hdr, pkt, f, v))
		return 0;
	block = br_counters_of(hdr->gen_idx);
	if (!br_flow_from_client(f, pkt) || pkt->payload_off > BR_L4_OFF_MAX)
		goto provisional;
	/* a short header (top bit clear) is never an Initial: no copy */
	first = data + pkt->payload_off;
	if ((void *)(first + 1) > data_end || !(*first & BR_QUIC_FORM_LONG))
		goto provisional;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		goto provisional;
	len = br_load_payload(ctx, pkt, s, &whole);
	dgram = pkt->frag == BR_FRAG_FIRST ? pkt->dgram_len : whole;
	kind = len ? br_quic_stage(&s->buf, len, dgram, &s->qi) : BR_QUIC_NONE;
	if (kind == BR_QUIC_INITIAL)
		ctr = BR_CTR_QUIC_INITIAL;
	else if (kind == BR_QUIC_0RTT)
		ctr = BR_CTR_QUIC_0RTT;
	else if (kind == BR_QUIC_GREASED)
		ctr = BR_CTR_QUIC_GREASED;
	else if (pkt->frag == BR_FRAG_FIRST && len < BR_QUIC_HDR_MAX)
		unread = hdr->l7_quic; /* the header may be cut */
	else
		goto provisional;
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	m = ctr ? br_quic_rules(hdr, v->slot, &s->qi) : 0;
	br_match_l34(hdr, v->slot, pkt, &v->b);
	rule = br_decide(hdr, v->slot, v->b, m, 0, unread, &action,
			 &unreadable);
	if (unreadable)
		br_extra(block, BR_CTR_UNREADABLE, pkt->frame_len);
	if (rule == BR_RULE_UNREADABLE) {
		/* this datagram only: the flow's next one may show more */
		v->action = action;
		v->rule_ctr = BR_NO_RULE_CTR;
		br_apply(ctx, pkt, NULL, v); /* pass or drop */
		return BR_CTR_UNREADABLE_ACTION;
	}
	if (rule >= BR_MAX_RULES || !(m & v->b & (1ULL << rule)))
		goto provisional; /* no QUIC rule won: go on waiting */
	br_flow_set_decided(hdr, v->slot, f, rule, action);
	v->action = action;
	v->rule_ctr = br_rule_ctr(rule);
	return br_apply(ctx, pkt, f, v);

provisional:
	br_extra(block, BR_CTR_FLOW_PENDING, pkt->frame_len);
	return br_apply(ctx, pkt, f, v);
}

/*
 * Stages 3 and 4 for a TCP or UDP packet (not a later fragment) of a
 * stateful policy. Counts the flow and L7 counters itself; the caller
 * counts the role, v->action and v->rule_ctr, and returns v->xdp.
 */
__noinline int br_flow_stage(struct xdp_md *ctx,
			     const struct br_policy_hdr *hdr, __u32 slot,
			     const struct br_pkt *pkt, struct br_verdict *v)
{
	__u32 rule, action, len, zero = 0, state, unreadable;
	struct br_gen_counters *block;
	struct br_flow_val *f, *nf;
	struct br_tls_pending *p;
	struct br_scratch *s;
	struct tcphdr *th;
	int dns, from_client, ctr = 0;

	if (!v)
		return 0;
	v->rule_ctr = BR_NO_RULE_CTR;
	v->action = BR_ACT_PASS;
	v->xdp = XDP_PASS;
	v->extra = 0;
	v->seq = 0;
	v->ack = 0;
	v->tcp_flags = 0;
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
	if (pkt->proto == IPPROTO_TCP) {
		th = br_tcp_hdr(ctx, pkt);
		if (th) {
			v->seq = bpf_ntohl(th->seq);
			v->ack = bpf_ntohl(th->ack_seq);
			v->tcp_flags = ((__u8 *)th)[13];
		}
	}
	/* a possible DNS query: judged by itself, whatever the flow says */
	dns = pkt->proto == IPPROTO_UDP && pkt->dport == 53 && hdr->l7_dns;

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
	} else if (f && f->state != BR_FLOW_DECIDED && !dns) {
		f->seen_ns = v->now;
		state = f->state;
		/*
		 * Awaiting under an older policy: judged again under this
		 * one. Mid-stream, a hello from the side taken for the server
		 * shows it to be the client: judged again from that side.
		 */
		if (state == BR_FLOW_AWAIT_HELLO &&
		    !(f->flags & BR_FLOW_F_SIDE_KNOWN) &&
		    !br_flow_from_client(f, pkt) &&
		    br_hello_at(ctx, pkt, br_payload_len(pkt))) {
			f->flags ^= BR_FLOW_F_CLIENT_SUB;
			f->flags |= BR_FLOW_F_SIDE_KNOWN;
			state = br_flow_judge(hdr, pkt, f, v);
		} else if (f->generation != hdr->generation) {
			state = br_flow_judge(hdr, pkt, f, v);
		}
		if (state == BR_FLOW_AWAIT_HELLO) {
			ctr = br_await_hello(ctx, hdr, pkt, f, v);
			goto hello;
		}
		if (state == BR_FLOW_AWAIT_QUIC) {
			ctr = br_await_quic(ctx, hdr, pkt, f, v);
			goto out;
		}
		bpf_map_delete_elem(&tls_pending, &v->key);
		rule = br_decide(hdr, slot, v->b, 0, 0, 0, &action,
				 &unreadable);
		br_flow_set_decided(hdr, slot, f, rule, action);
		v->rule_ctr = br_rule_ctr(rule);
		v->action = action;
		ctr = br_apply(ctx, pkt, f, v);
		goto out;
	}

	/* A flow the table does not know: who is its client? */
	br_extra(block, BR_CTR_FLOW_FRESH, len);
	__builtin_memset(nf, 0, sizeof(*nf));
	nf->seen_ns = v->now;
	from_client = 1;
	if (pkt->proto == IPPROTO_TCP) {
		if ((v->tcp_flags & (BR_TCP_SYN | BR_TCP_ACK)) == BR_TCP_SYN) {
			nf->cli_next = v->seq + 1;
			nf->ttl = pkt->ttl;
			nf->flags |= BR_FLOW_F_CLI_SEQ | BR_FLOW_F_SIDE_KNOWN;
		} else {
			nf->flags |= BR_FLOW_F_MIDSTREAM;
			br_extra(block, BR_CTR_FLOW_MIDSTREAM, len);
			if (v->tcp_flags & BR_TCP_SYN) {
				from_client = 0; /* a SYN-ACK: the server */
				br_server_seen(nf, v, 0);
			} else if (br_hello_at(ctx, pkt, br_payload_len(pkt))) {
				nf->flags |= BR_FLOW_F_SIDE_KNOWN;
			} else {
				/* the subscriber, until a hello shows */
				from_client = pkt->role == BR_ROLE_SUBSCRIBER;
			}
		}
	}
	if ((pkt->role == BR_ROLE_SUBSCRIBER) == from_client)
		nf->flags |= BR_FLOW_F_CLIENT_SUB;

	if (dns) {
		br_match_l34(hdr, slot, pkt, &v->b);
		if (!(v->b & hdr->l7_dns))
			goto judge;
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

judge:
	state = br_flow_judge(hdr, pkt, nf, v);
	if (state != BR_FLOW_DECIDED) {
		/* a parse left over by an earlier flow of this key is void */
		if (state == BR_FLOW_AWAIT_HELLO)
			bpf_map_delete_elem(&tls_pending, &v->key);
		if (bpf_map_update_elem(&flows, &v->key, nf, BPF_ANY))
			goto decide; /* no room: decide without the fact */
		f = bpf_map_lookup_elem(&flows, &v->key);
		if (!f)
			goto decide;
		if (state == BR_FLOW_AWAIT_HELLO) {
			ctr = br_await_hello(ctx, hdr, pkt, f, v);
			goto hello;
		}
		ctr = br_await_quic(ctx, hdr, pkt, f, v);
		goto out;
	}

decide:
	rule = br_decide(hdr, slot, v->b, 0, 0, 0, &action, &unreadable);
	v->rule_ctr = br_rule_ctr(rule);
	v->action = action;
	f = br_flow_commit(hdr, v, nf, rule, action);
	ctr = br_apply(ctx, pkt, f, v);
	goto out;

hello:
	if (ctr != BR_HELLO_ENDED)
		goto out;
	/* the hello ended, or its state was lost: decide the flow */
	p = bpf_map_lookup_elem(&tls_pending, &v->key);
	if (!p) {
		__builtin_memset(&s->tp, 0, sizeof(s->tp));
		br_tls_gap(&s->tp.st);
		p = &s->tp;
	}
	br_match_l34(hdr, slot, pkt, &v->b);
	br_tls_decide(hdr, pkt, f, p, block, v);
	bpf_map_delete_elem(&tls_pending, &v->key);
	ctr = br_apply(ctx, pkt, f, v);
out:
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	if (v->extra)
		br_extra(block, v->extra, pkt->frame_len);
	return 0;
}

#endif /* BR_STATEFUL_H */
