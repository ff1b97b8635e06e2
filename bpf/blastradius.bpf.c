/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * blastradius.bpf.c - the XDP program: the stages of a packet, in order.
 *
 *   policy slot -> parse -> penalty -> frag -> match -----------> action -> count
 *                                                \-> flow -> L7 stage -/
 *
 * Files, in that order: maps.h and abi.h (what the loader shares), parse.h,
 * frag.h, match.h (the rule bitmaps, and which rule wins), flow.h (the flow
 * table of a stateful policy, and how a flow is judged), l7.h with the
 * stages l7_dns.h, l7_tls.h and l7_dgram.h with l7_quic.h and l7_stun.h
 * (the L7 facts a rule can ask for), action.h (what an action does to the
 * packet: forge.h, police.h), penalty.h (scopes a penalty rule put in
 * penalty, dropped before any rule, when the policy has penalty rules) and
 * count.h. A stateless policy, and what of a stateful one is not TCP
 * or UDP (or is a later fragment), takes the one-shot path: match, then
 * action. TCP and UDP of a stateful policy take br_flow_stage below.
 *
 * One entry point per interface role, so no packet pays for a role lookup.
 * The active slot is read once, first; everything after it, counters
 * included, uses that slot and its generation, so a swap never splits a
 * packet between two policies.
 *
 * An Initial whose server name a quic rule needs goes through a program
 * of its own first, br_xdp_quic_open (l7_quic_open.h): br_xdp returns
 * BR_XDP_OPEN before counting anything, its entry point tail-calls the
 * opener, which tail-calls it back, and the packet runs again with its
 * name.
 *
 * Each stage is a global (separately verified) function, or calls them:
 * the verifier checks it once rather than once per path that reaches it,
 * and no one function outgrows the verifier's limits. Their state lives
 * in a per-CPU scratch (maps.h), so the stack chain stays under 512 bytes.
 *
 * Counting, per generation: every packet of a slot that holds a policy
 * counts once under its role and once under its action. It counts under a
 * rule (or BR_CTR_DEFAULT) only when a rule decided its fate: malformed
 * frames (the fail-open/closed switch decided) and non-IP frames no "ether
 * type" rule matched (always passed, whatever the default) do not, so the
 * default counter means "got the default action". Malformed, unparsed,
 * non-IP, followed and orphan fragments are each counted once more under
 * their own counter. A packet of a scope in penalty counts under the
 * action penalty, the rule that set the penalty (when it is of this
 * generation) and "penalised"; the one that sets it under its rule, the
 * action penalty and "penalty_set".
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "clock.h"
#include "parse.h"
#include "frag.h"
#include "match.h"
#include "action.h"
#include "count.h"
#include "flow.h"
#include "l7_dns.h"
#include "l7_tls.h"
#include "l7_dgram.h"
#include "l7_quic_open.h"
#include "penalty.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__noinline int br_parse(struct xdp_md *ctx, struct br_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!pkt)
		return BR_PKT_MALFORMED;
	return br_parse_frame(data, data_end, bpf_xdp_get_buff_len(ctx), pkt);
}

/*
 * A policy is stateful (BR_HDR_FLOWS) when a rule needs an L7 fact or its
 * action is reset, nxdomain, sinkhole, throttle or freeze. Its TCP and UDP
 * packets (first fragments included, later ones follow their first) come
 * here instead of the one-shot classifier:
 *
 *   flow table hit, decided      the verdict of the flow ("cached"; from an
 *                                older generation "kept", or with on-swap
 *                                flush voided and evaluated afresh)
 *   flow table hit, awaiting     client segments feed the ClientHello
 *   the ClientHello              parser; meanwhile packets get the flow's
 *                                provisional verdict ("pending"); at the
 *                                hello's end the flow is decided
 *   flow table hit, awaiting     client datagrams are checked for a QUIC
 *   a QUIC Initial or a STUN     Initial (or 0-RTT) or a STUN message
 *   message                      until one decides
 *   no entry                     evaluated: the L3/L4 rule bitmap, then the
 *                                L7 facts the surviving rules need
 *
 * Counts the flow and L7 counters itself; the caller counts the role,
 * v->action and v->rule_ctr, and returns v->xdp.
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
		if (state == BR_FLOW_AWAIT_DGRAM) {
			ctr = br_await_dgram(ctx, hdr, pkt, f, v);
			goto out;
		}
		br_hello_forget(f, &v->key);
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
		if (!br_action_metered(v->action))
			goto out;
		/*
		 * A throttled (frozen) query is policed (counted) in the
		 * socket's flow entry, kept from query to query while the
		 * same rule wins them.
		 */
		rule = v->rule_ctr;
		if (!f || f->state != BR_FLOW_DECIDED ||
		    f->action != v->action || f->rule != rule ||
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
		if (bpf_map_update_elem(&flows, &v->key, nf, BPF_ANY))
			goto decide; /* no room: decide without the fact */
		f = bpf_map_lookup_elem(&flows, &v->key);
		if (!f)
			goto decide;
		if (state == BR_FLOW_AWAIT_HELLO) {
			ctr = br_await_hello(ctx, hdr, pkt, f, v);
			goto hello;
		}
		ctr = br_await_dgram(ctx, hdr, pkt, f, v);
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
	p = br_hello_state(f, &v->key, s);
	br_match_l34(hdr, slot, pkt, &v->b);
	br_tls_decide(hdr, pkt, f, p, block, v);
	br_hello_forget(f, &v->key);
	ctr = br_apply(ctx, pkt, f, v);
out:
	if (ctr)
		br_extra(block, ctr, pkt->frame_len);
	if (v->extra)
		br_extra(block, v->extra, pkt->frame_len);
	return 0;
}

static __always_inline int br_xdp(struct xdp_md *ctx, enum br_role role)
{
	__u32 zero = 0, slot, gen_idx, action, extra = 0, extra2 = 0, xdp;
	__u32 rule = BR_RULE_NONE;
	int c;
	struct br_scratch *s;
	int status;
	__u32 rule_ctr = BR_NO_RULE_CTR; /* until a rule decides */
	struct br_pkt pkt = {};
	struct br_gen_counters *block;
	struct br_policy_hdr *hdr;
	__u32 *active_slot;
	__u64 generation;

	/* The one read of the active slot: the swap's commit point. */
	active_slot = bpf_map_lookup_elem(&active, &zero);
	if (!active_slot)
		return XDP_PASS;
	slot = *(volatile __u32 *)active_slot;
	hdr = bpf_map_lookup_elem(&policy, &slot);
	if (!hdr || !hdr->generation)
		return XDP_PASS;
	generation = hdr->generation;
	gen_idx = hdr->gen_idx;

	pkt.role = role;
	status = br_parse(ctx, &pkt);

	switch (status) {
	case BR_PKT_MALFORMED:
		action = hdr->flags & BR_HDR_FAIL_CLOSED ? BR_ACT_DROP
							 : BR_ACT_PASS;
		extra = BR_CTR_MALFORMED;
		/*
		 * A first fragment too short for its transport header (tiny
		 * fragments): its later fragments follow the fail mode's
		 * verdict rather than pass for orphans.
		 */
		if (pkt.frag == BR_FRAG_FIRST)
			br_frag_remember(&pkt, generation, br_now(ctx),
					 BR_RULE_NONE, action);
		break;
	case BR_PKT_NONIP:
		extra = BR_CTR_NONIP;
		rule = br_match_etype(hdr, slot, pkt.eth_proto);
		if (rule < BR_MAX_RULES) {
			action = br_rule_action(hdr, slot, rule);
			rule_ctr = rule;
		} else {
			action = BR_ACT_PASS;
		}
		break;
	default:
		if (status == BR_PKT_UNPARSED)
			extra = BR_CTR_UNPARSED;
		/* a scope in penalty: dropped before any rule (penalty.h) */
		if (hdr->flags & BR_HDR_PENALTY) {
			c = br_penalised(ctx, hdr, &pkt);
			if (c >= 0) {
				action = BR_ACT_PENALTY;
				rule_ctr = br_rule_ctr(c);
				extra2 = BR_CTR_PENALISED;
				xdp = XDP_DROP;
				goto count;
			}
		}
		if (pkt.frag == BR_FRAG_LATER) {
			if (br_frag_follow(&pkt, generation, br_now(ctx), &rule,
					   &action)) {
				extra = BR_CTR_FRAG_FOLLOWED;
				rule_ctr = br_rule_ctr(rule);
				break;
			}
			extra = BR_CTR_FRAG_ORPHAN;
		}
		/* TCP and UDP, first fragments included, go by their flow */
		if ((hdr->flags & BR_HDR_FLOWS) && pkt.frag != BR_FRAG_LATER &&
		    status == BR_PKT_IP && pkt.l4_off &&
		    (pkt.proto == IPPROTO_TCP || pkt.proto == IPPROTO_UDP)) {
			s = bpf_map_lookup_elem(&scratch, &zero);
			if (!s)
				return XDP_PASS;
			br_flow_stage(ctx, hdr, slot, &pkt, &s->v);
			if (s->qh.seq && !s->qh.done)
				return BR_XDP_OPEN; /* an Initial to open */
			action = s->v.action;
			rule = s->v.rule_ctr;
			rule_ctr = br_rule_ctr(rule);
			xdp = s->v.xdp;
			if (pkt.frag == BR_FRAG_FIRST)
				br_frag_remember(&pkt, generation, br_now(ctx),
						 rule, action);
			goto judged;
		}
		c = br_classify(hdr, slot, &pkt);
		rule = BR_CLASS_RULE(c);
		action = BR_CLASS_ACTION(c);
		rule_ctr = br_rule_ctr(rule);
		if (BR_CLASS_UNREADABLE(c))
			extra2 = rule == BR_RULE_UNREADABLE
					 ? BR_CTR_UNREADABLE_ACTION
					 : BR_CTR_UNREADABLE;
		if (pkt.frag == BR_FRAG_FIRST)
			br_frag_remember(&pkt, generation, br_now(ctx), rule,
					 action);
		break;
	}

	xdp = br_verdict(action);
judged:
	/* counts itself under "penalty_set" */
	if (action == BR_ACT_PENALTY && rule < BR_MAX_RULES)
		br_penalise(ctx, hdr, slot, &pkt, rule);
count:
	block = br_counters_of(gen_idx);
	if (!block)
		return xdp;
	if (rule_ctr != BR_NO_RULE_CTR)
		br_count(block, BR_CTR_RULE0 + rule_ctr, pkt.frame_len);
	if (extra)
		br_count(block, extra, pkt.frame_len);
	if (extra2 == BR_CTR_UNREADABLE_ACTION)
		br_count(block, BR_CTR_UNREADABLE, pkt.frame_len);
	if (extra2)
		br_count(block, extra2, pkt.frame_len);
	br_count(block, BR_CTR_ACTION0 + (action % BR_ACT_SLOTS),
		 pkt.frame_len);
	br_count(block,
		 role == BR_ROLE_SUBSCRIBER ? BR_CTR_SUBSCRIBER
					    : BR_CTR_UPSTREAM,
		 pkt.frame_len);
	return xdp;
}

/*
 * The Initial handed over (s->qh) to the opener, which comes back to
 * quic_progs[ret]. Only if the tail call fails does this return: the
 * packet passes, uncounted (l7_quic_open.h).
 */
static __always_inline int br_quic_hand_over(struct xdp_md *ctx, __u32 ret)
{
	struct br_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return XDP_PASS;
	s->qh.ret = ret;
	bpf_tail_call(ctx, &quic_progs, BR_QUIC_PROG_OPEN);
	s->qh.seq = 0;
	return XDP_PASS;
}

SEC("xdp")
int br_xdp_subscriber(struct xdp_md *ctx)
{
	int xdp = br_xdp(ctx, BR_ROLE_SUBSCRIBER);

	if (xdp == BR_XDP_OPEN)
		return br_quic_hand_over(ctx, BR_QUIC_PROG_SUBSCRIBER);
	return xdp;
}

SEC("xdp")
int br_xdp_upstream(struct xdp_md *ctx)
{
	int xdp = br_xdp(ctx, BR_ROLE_UPSTREAM);

	if (xdp == BR_XDP_OPEN)
		return br_quic_hand_over(ctx, BR_QUIC_PROG_UPSTREAM);
	return xdp;
}

/* ---- batches: a simulation's packets, many a call (abi.h) ------------- */

/*
 * Whether every later packet of the flow of the packet in hand passes
 * while the policy in force stays: no policy, a stateless one, or a
 * decided verdict that does not meter the flow (br_action_metered: not
 * throttle, not freeze), of the generation in force; never under a
 * policy with penalty rules (any packet may find its scope in penalty). A traffic model lets
 * the rest of a response window skip the program then; a freeze's flow
 * must send every packet through, or its count would miss them.
 */
static __always_inline int br_batch_fixed(struct xdp_md *ctx, __u32 role)
{
	__u32 zero = 0, *slot;
	struct br_policy_hdr *hdr;
	struct br_flow_key key;
	struct br_flow_val *f;
	struct br_pkt pkt = {};

	slot = bpf_map_lookup_elem(&active, &zero);
	if (!slot)
		return 0;
	hdr = bpf_map_lookup_elem(&policy, slot);
	if (hdr && hdr->generation && (hdr->flags & BR_HDR_PENALTY))
		return 0; /* another flow may put its scope in penalty */
	if (!hdr || !hdr->generation || !(hdr->flags & BR_HDR_FLOWS))
		return 1;
	pkt.role = role;
	if (br_parse(ctx, &pkt) != BR_PKT_IP)
		return 0;
	br_flow_key_of(&pkt, &key);
	f = bpf_map_lookup_elem(&flows, &key);
	return f && f->state == BR_FLOW_DECIDED &&
	       !br_action_metered(f->action) &&
	       f->generation == hdr->generation;
}

/*
 * Pool entry i into the frame, at its time: the role it arrives in, or -1
 * for an entry user space filled wrong.
 */
__noinline int br_batch_load(struct xdp_md *ctx, __u32 i)
{
	struct br_batch_pkt *p = bpf_map_lookup_elem(&batch_pool, &i);
	struct br_xdp_meta *meta;
	__u32 len, cur;

	if (!p)
		return -1;
	len = p->len;
	if (len < ETH_HLEN || len > BR_BATCH_FRAME)
		return -1;
	cur = ctx->data_end - ctx->data;
	if (len != cur && bpf_xdp_adjust_tail(ctx, (int)len - (int)cur))
		return -1;
	if (bpf_xdp_store_bytes(ctx, 0, p->frame, len))
		return -1;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return -1;
	meta->now_ns = p->now_ns;
	return p->flags & BR_BATCH_F_UPSTREAM ? BR_ROLE_UPSTREAM
					      : BR_ROLE_SUBSCRIBER;
}

/* What entry i got, and whether the batch ends: enum br_batch_end. */
__noinline int br_batch_note(struct xdp_md *ctx, __u32 i, __u32 xdp)
{
	struct br_batch_pkt *p = bpf_map_lookup_elem(&batch_pool, &i);
	struct br_batch_res *res;
	struct br_batch_ctl *c;
	__u32 zero = 0, fixed;
	int end;

	c = bpf_map_lookup_elem(&batch_ctl, &zero);
	if (!p || !c || i >= BR_BATCH_MAX)
		return BR_BATCH_BAD;
	if (xdp == BR_XDP_OPEN) {
		/* not run yet: the batch goes on from it, opened */
		c->next = i;
		c->first = i;
		c->end = BR_BATCH_OPEN;
		return BR_BATCH_OPEN;
	}
	res = &c->res[i];
	fixed = xdp == XDP_PASS && (p->flags & BR_BATCH_F_FIXED) &&
		br_batch_fixed(ctx, p->flags & BR_BATCH_F_UPSTREAM
					    ? BR_ROLE_UPSTREAM
					    : BR_ROLE_SUBSCRIBER);
	res->xdp = xdp;
	res->fixed = fixed;
	if ((xdp < 16 && (p->stop >> xdp) & 1) || fixed)
		end = BR_BATCH_STOPPED;
	else if (xdp != XDP_PASS && xdp != XDP_DROP)
		end = BR_BATCH_MOVED;
	else
		end = BR_BATCH_RAN;
	c->next = i + 1;
	c->end = end;
	return end;
}

/* The batch's first entry, and how many: first | n << 16; -1 if none. */
__noinline int br_batch_begin(void)
{
	struct br_batch_ctl *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&batch_ctl, &zero);
	if (!c)
		return -1;
	c->next = c->first;
	c->end = BR_BATCH_BAD;
	if (c->count > BR_BATCH_MAX || c->first >= c->count)
		return -1;
	return c->first | (c->count - c->first) << 16;
}

/* What the loop of br_xdp_batch carries from one entry to the next. */
struct br_batch_loop {
	struct xdp_md *ctx;
	__u32 i; /* the entry in hand */
	int end;
};

/*
 * One entry through the same br_xdp() as the interface entry points.
 * Loading and noting are functions of their own, and what lives across
 * br_xdp() is in *l, so that this frame is br_xdp's and little more: the
 * deepest chain of calls stays within the verifier's 512 bytes of stack
 * with the loop's two frames on top (each frame counts rounded up to 16
 * bytes).
 */
static long br_batch_step(__u64 k, void *data)
{
	struct br_batch_loop *l = data;
	int role;

	(void)k;
	role = br_batch_load(l->ctx, l->i);
	if (role < 0) {
		l->end = BR_BATCH_BAD;
		return 1;
	}
	l->end = br_xdp(l->ctx, role);
	l->end = br_batch_note(l->ctx, l->i, l->end);
	l->i++;
	return l->end != BR_BATCH_RAN;
}

/*
 * Entries first..count-1 of the pool, in order, until one ends the batch.
 * A loop in one run (bpf_loop), not test_run's repeat: a repeat above one
 * makes the kernel add the program to the XDP dispatcher and take it out
 * again, each with an RCU grace period, on every call.
 */
SEC("xdp")
int br_xdp_batch(struct xdp_md *ctx)
{
	struct br_batch_loop l = { .ctx = ctx };
	int b = br_batch_begin();

	if (b < 0)
		return XDP_ABORTED;
	l.i = b & 0xffff;
	bpf_loop(b >> 16, br_batch_step, &l, 0);
	if (l.end == BR_BATCH_OPEN)
		return br_quic_hand_over(ctx, BR_QUIC_PROG_BATCH);
	return XDP_PASS;
}
