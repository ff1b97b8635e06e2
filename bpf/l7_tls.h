/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * l7_tls.h - the TLS stage of a stateful policy: a TCP flow awaiting its
 * ClientHello, read as the server will read it, then decided by its name.
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
 * The hello parser's state starts in the per-CPU scratch. A hello that
 * ends in the segment that began it, nearly every hello, is decided from
 * there: its flow's entry, updated in place, is the one table entry it
 * writes. Only a hello that goes on in a later segment stores its state in
 * "tls_pending" (and sets BR_FLOW_F_HELLO) until it ends. A flow reads
 * that table only when its own flag says it stored a state there, and a
 * state stored overwrites whatever an earlier flow of the same address and
 * port pair left under the key (expired or evicted halfway through its
 * hello), so a reused pair starts afresh. A flow whose parse began but
 * whose state is gone (evicted from a full table) is decided as a hello
 * without a name: sni-default is then the policy's fail mode for full
 * tables (none: open; sni-default drop: closed).
 */
#ifndef BR_L7_TLS_H
#define BR_L7_TLS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"
#include "maps.h"
#include "parse.h"
#include "match.h"
#include "action.h"
#include "count.h"
#include "flow.h"
#include "l7.h"
#include "csum.h"
#include "copy.h"

#define BR_HELLO_CHUNKS 32 /* scratch-sized pieces of one segment: 64 KiB */

/*
 * The rules whose JA4 list holds the fingerprint of a whole hello, the
 * fingerprint counted (the caller counts a match: of a rule in question). Not inlined: what it keeps would take the frame of
 * the stage that decides a hello, and so the longest chain of calls,
 * past 512 bytes of stack.
 */
static __noinline br_rules_t br_ja4_of(const struct br_policy_hdr *hdr,
				       __u32 slot, struct br_tls_state *st,
				       struct br_gen_counters *block, __u32 len)
{
	struct br_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || br_ja4_stage(hdr, slot, st, &s->ja4) != BR_JA4_OK) {
		br_extra(block, BR_CTR_JA4_SKIPPED, len);
		return 0;
	}
	br_extra(block, BR_CTR_JA4_COMPUTED, len);
	return s->ja4.rules;
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
	br_rules_t m = 0, sni_ok, ech_ok, ja4_ok;
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
		/*
		 * The fingerprint, when a ja4 rule is still in question: of a
		 * whole hello only, so a hello not read to its end (or beyond
		 * the limits of ja4.h) matches no ja4 rule.
		 */
		ja4_ok = ~hdr->l7_ja4;
		if ((hdr->flags & BR_HDR_JA4) && (v->b & hdr->l7_ja4)) {
			if (hello) {
				ja4_ok |= br_ja4_of(hdr, v->slot, st, block,
						    len);
				if (ja4_ok & v->b & hdr->l7_ja4)
					br_extra(block, BR_CTR_JA4_MATCH, len);
			} else {
				br_extra(block, BR_CTR_JA4_SKIPPED, len);
			}
		}
		sni_ok = hdr->l7_tls & ~hdr->l7_sni;
		if (named && (v->b & hdr->l7_sni)) {
			br_domain_match(hdr, v->slot, (struct br_name_buf *)st->sni,
					st->sni_len, &hit);
			sni_ok |= hit.rules & hdr->l7_sni;
		}
		ech_ok = br_tls_ech(st) ? ~0ULL : ~hdr->l7_ech;
		m = hdr->l7_tls & sni_ok & ech_ok & ja4_ok;
	}
	if (!named)
		br_extra(block, BR_CTR_TLS_NO_SNI, len);
	rule = br_decide(hdr, v->slot, v->b, m, !named, 0, &action,
			 &unreadable);
	if (rule == BR_RULE_SNI_DEFAULT)
		br_extra(block, BR_CTR_TLS_SNI_DEFAULT, len);
	/* a hello that no rule decides: the policy's tls-default, if any */
	if ((hello || named) && rule == BR_MAX_RULES &&
	    (hdr->flags & BR_HDR_TLS_DEFAULT)) {
		rule = BR_RULE_TLS_DEFAULT;
		action = hdr->tls_default;
		br_extra(block, BR_CTR_TLS_DEFAULT, len);
	}
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
 * Where the parse of a flow's ended hello left its state: the table, when
 * the hello spanned segments; else the scratch the one segment was parsed
 * in. A state lost from the table reads as a gap (a hello without a name).
 */
static __always_inline struct br_tls_pending *
br_hello_state(const struct br_flow_val *f, const struct br_flow_key *key,
	       struct br_scratch *s)
{
	struct br_tls_pending *p;

	if (!(f->flags & BR_FLOW_F_HELLO))
		return &s->tp;
	p = bpf_map_lookup_elem(&tls_pending, key);
	if (p)
		return p;
	__builtin_memset(&s->tp, 0, sizeof(s->tp));
	br_tls_gap(&s->tp.st);
	return &s->tp;
}

/* A hello's state in the table, once its flow is decided, goes. */
static __always_inline void br_hello_forget(const struct br_flow_val *f,
					    const struct br_flow_key *key)
{
	if (f->flags & BR_FLOW_F_HELLO)
		bpf_map_delete_elem(&tls_pending, key);
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
 * this function's frame) from br_hello_state().
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
	br_rules_t ja4;

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
	/* mid-stream, no hello begun and none starting: nothing to read */
	if (!(f->flags & (BR_FLOW_F_CLI_SEQ | BR_FLOW_F_HELLO)) &&
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
	if (f->flags & BR_FLOW_F_HELLO) {
		p = bpf_map_lookup_elem(&tls_pending, &v->key);
		if (!p) {
			/* the parse began and its state is gone: a full table */
			v->extra = BR_CTR_TLS_STATE_LOST;
			return BR_HELLO_ENDED;
		}
	} else {
		/* the hello starts here (mid-stream: in this segment) */
		start = f->flags & BR_FLOW_F_CLI_SEQ ? f->cli_next : seq;
		/* the JA4 lists last, not cleared: a smaller memset */
		__builtin_memset(&s->tp, 0, sizeof(s->tp.st) - BR_JA4_LISTS);
		s->tp.next_seq = start;
		s->tp.reserved = 0;
		/*
		 * Collect for JA4 when a ja4 rule is in question for this
		 * flow: 1 when v->b & l7_ja4 is not 0 (its top bit, or that
		 * of its negation). Branch-free: a branch here doubles what
		 * follows.
		 */
		ja4 = v->b & hdr->l7_ja4;
		s->tp.st.ja4.flags = (__u8)((ja4 | -ja4) >> 63) & BR_JA4_F_ON;
		p = &s->tp;
		f->flags |= BR_FLOW_F_SIDE_KNOWN;
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
	if (!(f->flags & BR_FLOW_F_HELLO)) {
		/*
		 * The hello goes on in a later segment: its state moves to
		 * the table. Should that fail, the flag still says a parse
		 * began, and the next segment finds its state lost.
		 */
		bpf_map_update_elem(&tls_pending, &v->key, p, BPF_ANY);
		f->flags |= BR_FLOW_F_HELLO;
	}

pending:
	br_extra(block, BR_CTR_FLOW_PENDING, pkt->frame_len);
	return br_apply(ctx, pkt, f, v);
}

#endif /* BR_L7_TLS_H */
