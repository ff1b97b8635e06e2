// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wire_sim.c - the model's wire (engine.h): every packet of a step
 * built (packet.h) and pushed through the kernel program by
 * BPF_PROG_TEST_RUN at its virtual time (sim.h), from the direction it
 * travels in; what the program did decides the step: XDP_PASS delivers
 * the packet, XDP_DROP loses it, XDP_TX sends back what the program wrote
 * (a reset, a DNS answer). The model sends the stack's retries itself, on
 * the schedules of stack.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "addrplan.h"
#include "log.h"
#include "rng.h"
#include "stun.h"
#include "tls.h"
#include "engine.h"

/*
 * The label of the next packets: who sends them for what. push_tcp and
 * push_udp add the protocol and server port, and for a ClientHello, a QUIC
 * Initial or a DNS query the name it carries, so a capture can be checked
 * against them (tests/e2e/test_simulate.sh does, with tshark).
 */
static void set_label(struct model *m, const struct job *j, const char *what)
{
	const struct br_cat_service *s;

	/* every packet is labelled first: where it goes is decided here */
	m->unseen = !br_tm_censor_sees(m, j->dev, j->fr.flow ? j->fr.svc : -1);
	if (!m->o->labels)
		return;
	m->label_key = NULL;
	if (!strncmp(what, "client-hello", 12) ||
	    !strncmp(what, "quic-initial", 12)) {
		if (j->fr.sni[0]) {
			m->label_key = "sni";
			m->label_val = j->fr.sni;
		}
	} else if (!strcmp(what, "dns-query")) {
		m->label_key = "qname";
		m->label_val = j->fr.dns;
	}
	s = svc_of(m, j->svc);
	if (j->kind == JOB_CONNECT) {
		snprintf(m->label_base, sizeof(m->label_base),
			 "dev=%u job=channel flow=%s.%s step=%s", j->dev,
			 svc_of(m, j->fr.svc)->id, j->fr.flow->name, what);
		return;
	}
	snprintf(m->label_base, sizeof(m->label_base),
		 "dev=%u svc=%s act=%s#%u flow=%s.%s step=%s", j->dev, s->id,
		 s->actions[j->act].name, j->instance,
		 j->fr.flow ? svc_of(m, j->fr.svc)->id : "-",
		 j->fr.flow ? j->fr.flow->name : "-", what);
}

static void finish_label(struct model *m, const char *proto,
			 const struct br_ends *e)
{
	if (!m->o->labels)
		return;
	if (m->label_key)
		snprintf(m->label, sizeof(m->label), "%s proto=%s port=%u %s=%s",
			 m->label_base, proto, e->sport, m->label_key,
			 m->label_val);
	else
		snprintf(m->label, sizeof(m->label), "%s proto=%s port=%u",
			 m->label_base, proto, e->sport);
}

/*
 * The frame in m->frame into the batch (sim.h: br_sim_add; sflags and out
 * as there), to run at the next run(). A frame the censor does not see
 * never crosses it: it arrives, without the program, and counts as
 * unseen; BR_SIM_FIXED holds for it, and ends its chain as it would.
 */
static int add(struct model *m, enum br_dir dir, uint64_t t, size_t len,
	       unsigned int sflags, struct br_sim_out *out)
{
	int err;

	if (!len)
		return -EMSGSIZE;
	if (m->unseen) {
		if (out) {
			memset(out, 0, sizeof(*out));
			out->xdp = m->unseen_ended ? BR_SIM_NOT_SENT : XDP_PASS;
			out->fixed = !!(sflags & BR_SIM_FIXED);
			if (m->unseen_ended)
				return 0;
			m->unseen_ended = out->fixed;
		}
		m->res->unseen++;
		return 0;
	}
	err = br_sim_add(m->sim, dir, t, m->frame, len,
			 m->o->labels ? m->label : NULL, sflags, out);
	if (err)
		br_err("simulate: test_run: %s", strerror(-err));
	return err;
}

/* What was added goes through the program: the outs are filled. */
static int run(struct model *m)
{
	int err = br_sim_run(m->sim);

	m->unseen_ended = false;
	if (err)
		br_err("simulate: test_run: %s", strerror(-err));
	return err;
}

static int add_tcp(struct model *m, const struct br_ends *e, enum br_dir dir,
		   uint64_t t, uint8_t flags, uint32_t seq, uint32_t ack,
		   const void *pl, size_t n, unsigned int sflags,
		   struct br_sim_out *out)
{
	finish_label(m, "tcp", e);
	return add(m, dir, t,
		   br_pkt_tcp(m->frame, sizeof(m->frame), e, dir, flags, seq,
			      ack, pl, n),
		   sflags, out);
}

static int add_udp(struct model *m, const struct br_ends *e, enum br_dir dir,
		   uint64_t t, const void *pl, size_t n, unsigned int sflags,
		   struct br_sim_out *out)
{
	finish_label(m, "udp", e);
	return add(m, dir, t,
		   br_pkt_udp(m->frame, sizeof(m->frame), e, dir, pl, n),
		   sflags, out);
}

/* One frame, through the program at once. */
static int push_tcp(struct model *m, const struct br_ends *e, enum br_dir dir,
		    uint64_t t, uint8_t flags, uint32_t seq, uint32_t ack,
		    const void *pl, size_t n, struct br_sim_out *out)
{
	int err = add_tcp(m, e, dir, t, flags, seq, ack, pl, n, 0, out);

	return err ? err : run(m);
}

static int push_udp(struct model *m, const struct br_ends *e, enum br_dir dir,
		    uint64_t t, const void *pl, size_t n, struct br_sim_out *out)
{
	int err = add_udp(m, e, dir, t, pl, n, 0, out);

	return err ? err : run(m);
}

static int64_t step_dns(struct model *m, struct job *j)
{
	struct device *d = &m->devs[j->dev];
	struct flow_run *fr = &j->fr;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	struct br_ends res_ends;
	struct br_sim_out out[2];
	uint8_t addr[16];
	int err, fam, qtype;
	size_t n;

	/* ask for the family the device will use: AAAA when both have
	 * IPv6 (Happy Eyeballs prefers it), A otherwise */
	fam = br_tm_pick_server(m, j, addr);
	if (!fam) {
		br_tm_flow_fail(fr, false);
		return 0;
	}
	qtype = fam == 6 ? 28 : 1;
	memset(&res_ends, 0, sizeof(res_ends));
	res_ends.family = d->v6 ? 6 : 4;
	br_plan_dev_addr(d->index, res_ends.family, res_ends.client);
	memcpy(res_ends.server, br_plan_resolver(res_ends.family),
	       d->v6 ? 16 : 4);
	res_ends.cport = fr->ends.cport;
	res_ends.sport = 53;
	memcpy(res_ends.client_mac, fr->ends.client_mac, 6);
	memcpy(res_ends.server_mac, fr->ends.server_mac, 6);
	/* the query, and its answer if the query passed */
	set_label(m, j, "dns-query");
	n = br_pkt_dns_query(m->payload, sizeof(m->payload), fr->dns_id,
			     fr->dns, qtype, 1);
	err = add_udp(m, &res_ends, BR_DIR_UP, t, m->payload, n, BR_SIM_STOP,
		      &out[0]);
	set_label(m, j, "dns-answer");
	n = br_pkt_dns_answer(m->payload, sizeof(m->payload), fr->dns_id,
			      fr->dns, qtype, addr, fam == 6 ? 16 : 4, 1);
	if (!err)
		err = add_udp(m, &res_ends, BR_DIR_DOWN, t + rtt, m->payload,
			      n, 0, &out[1]);
	if (!err)
		err = run(m);
	if (err)
		return err;
	if (out[0].xdp == XDP_TX) {
		/* NXDOMAIN, NODATA, or a sinkhole that is not it */
		fr->why_kind = out[0].reply == BR_REPLY_NXDOMAIN
				       ? BR_FAIL_NXDOMAIN
			       : out[0].reply == BR_REPLY_NODATA
				       ? BR_FAIL_NO_ANSWER
				       : BR_FAIL_SINKHOLE;
		br_tm_flow_fail(fr, false);
		return 0;
	}
	if (out[0].xdp == XDP_PASS && out[1].xdp == XDP_PASS) {
		br_tm_dns_cache(m, j, addr, fam, t + rtt + BR_DNS_TTL);
		br_tm_flow_connect(m, j, addr, fam);
		return rtt;
	}
	return br_tm_retry_after(fr, BR_DNS_RETRIES, SEC);
}

/* The handshake: SYN, SYN-ACK, ACK; a reset either way ends the flow. */
static int64_t step_syn(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	struct br_sim_out out[3];
	int err, i;

	/* each one only if the one before passed */
	set_label(m, j, "syn");
	err = add_tcp(m, &fr->ends, BR_DIR_UP, t, BR_TCP_SYN, fr->cseq, 0,
		      NULL, 0, BR_SIM_STOP, &out[0]);
	set_label(m, j, "syn-ack");
	if (!err)
		err = add_tcp(m, &fr->ends, BR_DIR_DOWN, t + rtt / 2,
			      BR_TCP_SYN | BR_TCP_ACK, fr->sseq, fr->cseq + 1,
			      NULL, 0, BR_SIM_STOP, &out[1]);
	set_label(m, j, "ack");
	if (!err)
		err = add_tcp(m, &fr->ends, BR_DIR_UP, t + rtt, BR_TCP_ACK,
			      fr->cseq + 1, fr->sseq + 1, NULL, 0, 0, &out[2]);
	if (!err)
		err = run(m);
	if (err)
		return err;
	for (i = 0; i < 2; i++) {
		if (out[i].xdp == XDP_TX) {
			br_tm_flow_fail(fr, true);
			return 0;
		}
		if (out[i].xdp != XDP_PASS)
			return br_tm_retry_after(fr, BR_SYN_RETRIES, SEC);
	}
	fr->cseq++;
	fr->sseq++;
	fr->tries = 0;
	fr->step = fr->flow->kind == BR_CAT_TLS ? ST_HELLO : ST_REQUEST;
	return rtt;
}

/* The ClientHello (in two segments when it outgrows one) and the answer. */
static int64_t step_hello(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	struct br_sim_out out[3];
	int err, i, k = 0;
	size_t n, half;

	n = br_pkt_client_hello_ex(m->payload, sizeof(m->payload),
				   fr->sni[0] ? fr->sni : NULL, NULL,
				   br_hello_flags(fr->flow->pq_hello,
						  fr->flow->ech_hello),
				   br_mix64(fr->cseq));
	if (!n)
		return -EMSGSIZE;
	/* each segment only if the one before passed */
	half = n > BR_MSS ? BR_MSS : n;
	set_label(m, j, "client-hello");
	err = add_tcp(m, &fr->ends, BR_DIR_UP, t,
		      BR_TCP_ACK | (half == n ? BR_TCP_PSH : 0), fr->cseq,
		      fr->sseq, m->payload, half, BR_SIM_STOP, &out[k++]);
	if (!err && half < n) {
		set_label(m, j, "client-hello-2");
		err = add_tcp(m, &fr->ends, BR_DIR_UP, t + 1000,
			      BR_TCP_ACK | BR_TCP_PSH, fr->cseq + half,
			      fr->sseq, m->payload + half, n - half,
			      BR_SIM_STOP, &out[k++]);
	}
	memset(m->payload, 0x16, 1200);
	set_label(m, j, "server-hello");
	if (!err)
		err = add_tcp(m, &fr->ends, BR_DIR_DOWN, t + rtt / 2,
			      BR_TCP_ACK | BR_TCP_PSH, fr->sseq, fr->cseq + n,
			      m->payload, 1200, BR_SIM_STOP, &out[k++]);
	if (!err)
		err = run(m);
	if (err)
		return err;
	for (i = 0; i < k; i++) {
		if (out[i].xdp == XDP_TX) {
			br_tm_flow_fail(fr, true);
			return 0;
		}
		if (out[i].xdp != XDP_PASS)
			return br_tm_retry_after(fr, BR_DATA_RETRIES, BR_RTO);
	}
	fr->cseq += n;
	fr->sseq += 1200;
	fr->tries = 0;
	fr->step = ST_REQUEST;
	return rtt;
}

/*
 * The client's Initials (two for a post-quantum hello: br_pkt_quic_flight)
 * and the server's.
 */
static int64_t step_quic(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	uint64_t h = br_mix64(fr->cseq ^ fr->tries);
	struct br_sim_out out[3];
	size_t n, count, i;
	uint8_t dcid[8];
	int err = 0;

	memcpy(dcid, &h, sizeof(dcid));
	n = br_pkt_quic_flight(m->payload, sizeof(m->payload), 1, dcid,
			       fr->sni[0] ? fr->sni : NULL,
			       br_hello_flags(fr->flow->pq_hello,
					      fr->flow->ech_hello),
			       h, &count);
	if (!n || count > 2)
		return -EMSGSIZE;
	/* each only if the one before passed; the server's after them */
	for (i = 0; i < count && !err; i++) {
		set_label(m, j, i ? "quic-initial-2" : "quic-initial");
		err = add_udp(m, &fr->ends, BR_DIR_UP, t + i * 1000,
			      m->payload + i * n, n, BR_SIM_STOP, &out[i]);
	}
	memset(m->payload, 0, 1200);
	m->payload[0] = 0xc0;
	m->payload[4] = 1;
	set_label(m, j, "quic-server-initial");
	if (!err)
		err = add_udp(m, &fr->ends, BR_DIR_DOWN, t + rtt / 2,
			      m->payload, 1200, 0, &out[count]);
	if (!err)
		err = run(m);
	if (err)
		return err;
	for (i = 0; i <= count; i++)
		if (out[i].xdp != XDP_PASS)
			break;
	if (i > count) { /* all passed */
		fr->tries = 0;
		fr->step = ST_REQUEST;
		return rtt;
	}
	if (fr->race) { /* lost the race: the next alternative goes on */
		br_tm_flow_fail(fr, false);
		return fr->race_wait;
	}
	return br_tm_retry_after(fr, BR_QUIC_RETRIES, SEC);
}

/*
 * A call's media both ways: it fails when half or more is lost. A flow
 * with "stun" (catalog.h) sends a STUN message of its type first, in the
 * place of the first datagram up.
 */
static int64_t step_media(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	const struct br_cat_flow *f = fr->flow;
	struct br_sim_out out[2 * BR_MEDIA_PKTS];
	uint8_t stun[BR_STUN_HDR_LEN];
	unsigned int i, lost = 0;
	size_t n;
	int err;

	n = f->stun ? br_pkt_stun(stun, sizeof(stun), f->stun_type,
				  br_mix64(fr->cseq ^ fr->tries))
		    : 0;
	memset(m->payload, 0x80, 200); /* RTP version 2 */
	for (i = 0; i < 2 * BR_MEDIA_PKTS; i++) {
		bool first_stun = n && !i;

		set_label(m, j, first_stun ? "stun"
				: i % 2	   ? "media-down"
					   : "media-up");
		err = add_udp(m, &fr->ends, i % 2 ? BR_DIR_DOWN : BR_DIR_UP,
			      m->now + i * 20 * MS,
			      first_stun ? stun : m->payload,
			      first_stun ? n : 200, 0, &out[i]);
		if (err)
			return err;
	}
	err = run(m);
	if (err)
		return err;
	for (i = 0; i < 2 * BR_MEDIA_PKTS; i++)
		lost += out[i].xdp != XDP_PASS;
	if (2 * lost >= 2 * BR_MEDIA_PKTS)
		br_tm_flow_fail(fr, false);
	else
		fr->step = ST_DONE;
	return 0;
}

static int64_t step_request(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	const struct br_cat_flow *f = fr->flow;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	struct br_sim_out out;
	size_t n;
	int err;

	n = f->req_bytes ? f->req_bytes : 400;
	if (n > BR_MSS)
		n = BR_MSS;
	memset(m->payload, 0x17, n);
	set_label(m, j, "request");
	err = f->kind == BR_CAT_QUIC
		      ? push_udp(m, &fr->ends, BR_DIR_UP, t, m->payload, n,
				 &out)
		      : push_tcp(m, &fr->ends, BR_DIR_UP, t,
				 BR_TCP_ACK | BR_TCP_PSH, fr->cseq, fr->sseq,
				 m->payload, n, &out);
	if (err)
		return err;
	if (out.xdp == XDP_TX) {
		br_tm_flow_fail(fr, true);
		return 0;
	}
	if (out.xdp != XDP_PASS)
		return br_tm_retry_after(fr, BR_DATA_RETRIES, BR_RTO);
	fr->cseq += n;
	fr->step = ST_RESPONSE;
	fr->tries = 0;
	fr->bytes = br_tm_resp_size(m, j);
	fr->total = (fr->bytes + BR_MSS - 1) / BR_MSS;
	fr->window = BR_WINDOW_INIT;
	fr->ssthresh = BR_WINDOW_MAX;
	fr->data_start = t + rtt / 2;
	fr->swaps = m->res->swaps;
	return rtt / 2;
}

/*
 * One window of the response, then the client's acknowledgement, with a
 * Reno-like window (an assumption, kept simple): doubling per round trip
 * (slow start) up to ssthresh, then one more segment a round trip; a loss
 * halves it (at least 2) and sets ssthresh there; a round that lost all
 * waits the RTO, doubling.
 *
 * Every packet of the response goes through the program, except where
 * the program shows that none of the rest can be affected: when the
 * window's first packet passed and its flow is fixed (BR_SIM_FIXED: no
 * policy, a stateless one, or a decided verdict other than throttle and
 * freeze, of the generation in force), the first packet stands for the
 * window. Not after a swap since the response began (a swap ends the
 * shortcut for good), and a policed, counted or dropped flow never takes
 * it, so its timing is exact and a freeze stops it at its byte. A flow
 * the censor does not see passes whole the same way: its packets are
 * counted as those of a fixed flow, one a window, so that unseen_packets
 * and packets count alike.
 *
 * A response that stops arriving (every segment of BR_DATA_RETRIES + 1
 * rounds in a row dropped, the RTO doubling between them: about 6 s) has
 * its flow fail; when part of it had come (a freeze: the transfer hangs
 * after its first bytes), as transfer_stalled, else as a timeout.
 *
 * The window goes as one chain until a packet does not pass: a dropped
 * segment's successor carries the same sequence number, so the next
 * chain starts after it. A first packet that asks whether its flow is
 * fixed goes alone: in the common case, a fixed flow, the rest of the
 * window is never built.
 */
static int64_t step_response(struct model *m, struct job *j)
{
	struct flow_run *fr = &j->fr;
	bool quic = fr->flow->kind == BR_CAT_QUIC;
	uint64_t t = m->now, rtt = rtt_of(m, j->dev);
	struct br_sim_out out[BR_WINDOW_MAX];
	unsigned int i, c, k = fr->window, got = 0, end;
	unsigned int sflags;
	int err;

	if (k > fr->total - fr->delivered)
		k = fr->total - fr->delivered;
	memset(m->payload, 0x17, BR_MSS);
	for (i = 0; i < k;) {
		for (c = i; c < k; c++) {
			uint64_t tc = t + c * 120000; /* 100 Mbit/s spacing */
			uint32_t seq = fr->sseq + (c - i) * BR_MSS;

			set_label(m, j, "response");
			sflags = BR_SIM_STOP;
			if (!c && k > 1 &&
			    (m->unseen || fr->swaps == m->res->swaps))
				sflags |= BR_SIM_FIXED;
			err = quic ? add_udp(m, &fr->ends, BR_DIR_DOWN, tc,
					     m->payload, BR_MSS, sflags,
					     &out[c])
				   : add_tcp(m, &fr->ends, BR_DIR_DOWN, tc,
					     BR_TCP_ACK, seq, fr->cseq,
					     m->payload, BR_MSS, sflags,
					     &out[c]);
			if (err)
				return err;
			if (sflags & BR_SIM_FIXED) {
				c++; /* the rest is not built unless needed */
				break;
			}
		}
		end = c;
		err = run(m);
		if (err)
			return err;
		for (c = i; c < end && out[c].xdp != BR_SIM_NOT_SENT; c++) {
			if (out[c].xdp == XDP_TX) {
				br_tm_flow_fail(fr, true);
				return 0;
			}
			if (out[c].xdp == XDP_PASS) {
				got++;
				fr->sseq += BR_MSS;
			}
		}
		if (!i && out[0].xdp == XDP_PASS && out[0].fixed) {
			/* the program would pass the rest: see above */
			got += k - 1;
			fr->sseq += (k - 1) * BR_MSS;
			break;
		}
		if (c == i) /* a chain always sends its first */
			return -EPROTO;
		i = c;
	}
	fr->delivered += got;
	if (got) { /* the client acknowledges what arrived */
		/* nobody waits for its verdict: it goes with the next run */
		set_label(m, j, "ack");
		err = quic ? add_udp(m, &fr->ends, BR_DIR_UP, t + rtt / 2,
				     m->payload, 40, 0, NULL)
			   : add_tcp(m, &fr->ends, BR_DIR_UP, t + rtt / 2,
				     BR_TCP_ACK, fr->cseq, fr->sseq, NULL, 0, 0,
				     NULL);
		if (err)
			return err;
	}
	if (fr->delivered >= fr->total) {
		uint64_t dt = t + k * 120000 - fr->data_start + 1;
		fr->goodput_bps = fr->bytes * 8.0 * 1e9 / dt;
		fr->step = ST_DONE;
		return 0;
	}
	if (got < k) {
		fr->window = fr->window > 4 ? fr->window / 2 : 2;
		fr->ssthresh = fr->window;
		fr->dropped_rounds = got ? 0 : fr->dropped_rounds + 1;
		if (fr->dropped_rounds > BR_DATA_RETRIES) {
			/* part of it came, then nothing: it hangs there */
			if (fr->delivered)
				fr->why_kind = BR_FAIL_STALLED;
			br_tm_flow_fail(fr, false);
			return 0;
		}
		return got ? rtt : BR_RTO << (fr->dropped_rounds - 1);
	}
	fr->dropped_rounds = 0;
	if (fr->window < fr->ssthresh)
		fr->window *= 2;
	else
		fr->window++;
	if (fr->window > BR_WINDOW_MAX)
		fr->window = BR_WINDOW_MAX;
	return rtt;
}

static int64_t sim_step(struct model *m, struct job *j)
{
	switch (j->fr.step) {
	case ST_DNS:
		return step_dns(m, j);
	case ST_SYN:
		return step_syn(m, j);
	case ST_HELLO:
		return step_hello(m, j);
	case ST_QUIC:
		return step_quic(m, j);
	case ST_MEDIA:
		return step_media(m, j);
	case ST_REQUEST:
		return step_request(m, j);
	case ST_RESPONSE:
		return step_response(m, j);
	default:
		return -EINVAL;
	}
}

/*
 * Data over an up channel: a segment the sender retransmits at the RTO,
 * doubling, BR_DATA_RETRIES times, until one passes or a reset comes.
 */
static int sim_chan_io(struct model *m, uint32_t id, struct channel *c,
		       bool down, uint64_t *t)
{
	struct job *j = &m->jobs[id];
	struct br_sim_out out;
	int err, tries;

	memset(m->payload, 0x17, 300);
	for (tries = 0; tries <= BR_DATA_RETRIES; tries++) {
		*t = m->now + ((BR_RTO << tries) - BR_RTO);
		set_label(m, j, down ? "channel-down" : "channel-up");
		err = push_tcp(m, &c->ends, down ? BR_DIR_DOWN : BR_DIR_UP, *t,
			       BR_TCP_ACK | BR_TCP_PSH,
			       down ? c->sseq : c->cseq,
			       down ? c->cseq : c->sseq, m->payload, 300, &out);
		if (err)
			return err;
		if (out.xdp == XDP_PASS) {
			if (down)
				c->sseq += 300;
			else
				c->cseq += 300;
			return BR_IO_OK;
		}
		if (out.xdp == XDP_TX) /* a reset */
			return BR_IO_RESET;
	}
	return BR_IO_DEAD;
}

/* A keepalive: a small segment up, retransmitted as channel data. */
static int sim_keepalive(struct model *m, uint32_t dev, int key,
			 struct channel *c, uint64_t *t)
{
	struct job fake = { .kind = JOB_CONNECT, .dev = dev };
	struct br_sim_out out;
	int tries, err;

	fake.fr.flow = flow_of(m, &m->keys[key].term->alts[c->alt]);
	fake.fr.svc = m->keys[key].term->alts[c->alt].service;
	memset(m->payload, 0x17, 60);
	for (tries = 0; tries <= BR_DATA_RETRIES; tries++) {
		*t = m->now + ((BR_RTO << tries) - BR_RTO);
		set_label(m, &fake, "keepalive");
		err = push_tcp(m, &c->ends, BR_DIR_UP, *t,
			       BR_TCP_ACK | BR_TCP_PSH, c->cseq, c->sseq,
			       m->payload, 60, &out);
		if (err)
			return err;
		if (out.xdp == XDP_PASS) {
			c->cseq += 60;
			return BR_IO_OK;
		}
		if (out.xdp == XDP_TX)
			return BR_IO_RESET;
	}
	return BR_IO_DEAD;
}

static int sim_install(struct model *m, const struct br_policy *p)
{
	return br_sim_install(m->sim, p, m->diag);
}

const struct br_wire br_wire_sim = {
	.step = sim_step,
	.chan_io = sim_chan_io,
	.keepalive = sim_keepalive,
	.install = sim_install,
	.end = run, /* what waits for a run goes through now */
};
