/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow.h - stage 3 of a stateful policy: the flow table, and how a flow is
 * judged.
 *
 * A stateful censor decides a flow once (for TLS, at its ClientHello) and
 * applies that verdict to every later packet of the flow, both ways, until
 * the entry expires. The key is written from the subscriber's side (the
 * role of the interface says which side that is), so a packet and its
 * answer find the same entry without a second lookup.
 *
 * Rules are written for the client's packets (dport is the service), so a
 * flow is judged from its client's side, and a packet from its server is
 * matched as its twin (addresses and ports swapped). The client is the
 * sender of a SYN, the receiver of a SYN-ACK, the sender of a ClientHello,
 * or of a flow's first UDP datagram; a TCP flow first seen without any of
 * these (mid-stream: a capture or a censor started late, asymmetric
 * routing, a table that overflowed) takes the subscriber for its client
 * until a hello shows otherwise.
 */
#ifndef BR_FLOW_H
#define BR_FLOW_H

#include <linux/bpf.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "match.h"
#include "side.h"

#define BR_TCP_FIN 0x01
#define BR_TCP_SYN 0x02
#define BR_TCP_ACK 0x10

static __always_inline void br_flow_key_of(const struct br_pkt *pkt,
					   struct br_flow_key *key)
{
	int from_sub = pkt->role == BR_ROLE_SUBSCRIBER;
	int i;

	for (i = 0; i < 4; i++) {
		key->sub_addr[i] = from_sub ? pkt->saddr[i] : pkt->daddr[i];
		key->remote_addr[i] = from_sub ? pkt->daddr[i] : pkt->saddr[i];
	}
	key->sub_port = from_sub ? pkt->sport : pkt->dport;
	key->remote_port = from_sub ? pkt->dport : pkt->sport;
	key->proto = pkt->proto;
	key->family = pkt->family;
	key->reserved = 0;
}

/*
 * Whether a flow has been idle past its TTL. seen_ns may be later than
 * now: the two directions of a flow run on different CPUs, and the other
 * one can store its later time between this one's clock read and its
 * lookup. That is a live flow, not an expired one (an unsigned difference
 * would wrap and delete it mid-stream, and its next packet would be judged
 * without its ClientHello).
 */
static __always_inline int br_flow_expired(const struct br_flow_val *f,
					   __u8 proto, __u64 now)
{
	__u64 ttl = proto == IPPROTO_TCP ? BR_FLOW_TCP_TTL_NS : BR_FLOW_UDP_TTL_NS;
	__u64 seen = f->seen_ns;

	return now > seen && now - seen >= ttl;
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
 * f's verdict: rule and action, and the state a throttle or a freeze
 * keeps, started afresh with the rule's parameters (a flow decided again,
 * by its hello or a flush, starts counting again).
 */
static __always_inline void br_flow_set_verdict(__u32 slot,
						struct br_flow_val *f,
						__u32 rule, __u32 action)
{
	__u32 idx = slot * BR_MAX_RULES + (rule & (BR_MAX_RULES - 1));
	struct br_rule *r = NULL;

	f->rule = rule;
	f->action = action;
	f->tat_ns = 0; /* freeze: counted */
	f->ps_per_byte = 0; /* freeze: limit and both */
	f->burst = 0;
	if (br_action_metered(action) && rule < BR_MAX_RULES)
		r = bpf_map_lookup_elem(&rules, &idx);
	if (!r)
		return;
	if (action == BR_ACT_THROTTLE) {
		f->ps_per_byte = r->ps_per_byte;
		f->burst = r->burst;
	} else {
		f->limit = r->freeze_after;
		f->both = !!(r->flags & BR_RULE_F_FREEZE_BOTH);
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
		   br_lowest_rule(b & (hdr->l7_quic | hdr->l7_stun)) <
			   br_lowest_rule(b & ~br_l7_rules(hdr))) {
		f->state = BR_FLOW_AWAIT_DGRAM;
		rule = br_decide(hdr, slot, b, 0, 0, 0, &action, &unreadable);
	} else {
		f->state = BR_FLOW_DECIDED;
		return f->state;
	}
	br_flow_set_verdict(slot, f, rule, action);
	return f->state;
}

#endif /* BR_FLOW_H */
