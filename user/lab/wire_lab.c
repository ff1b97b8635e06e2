// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * wire_lab.c - the live lab's wire (wire_lab.h, engine.h's struct
 * br_wire): each step of a flow is real I/O on a nonblocking socket of
 * the device's own, one epoll loop for every device, the engine's clock
 * the real one (ns since the run began).
 *
 *   dns     a UDP query to the lab's resolver (dnsmasq), resent on the
 *           model's schedule (stack.h); NXDOMAIN, NODATA or an address
 *           outside the lab's world (a forged answer) fail it as in the
 *           model; a real answer connects to the lab host of the address
 *           the engine picked (the model's server choice, so both runs
 *           reach the same hosts)
 *   tcp     connect(); the kernel retransmits the SYN; refused or reset:
 *           a reset
 *   tls     OpenSSL's handshake with the flow's SNI, verified against
 *           the lab's CA
 *   quic    ngtcp2's handshake (quic.h)
 *   udp     three media datagrams, echoed by the server
 *   data    "GET n" and n bytes back (labproto.h); its goodput measured
 *           as the model does, from the request's send plus half an RTT
 *
 * A step that gets no answer is given up when stack.h's schedule for it
 * has run out, plus two round trips for the last try's answer (the model
 * knows at once that its last try was lost; a device waits for it).
 *
 * Channels are real TLS connections to the push services: a device's
 * "CHAN dev key" makes one its channel; data up is "SEND", a keepalive
 * "PING"; a push comes down because the emulator asks the push service
 * on its control socket, as the provider's server would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "addrplan.h"
#include "engine.h"
#include "labquic.h"
#include "labtls.h"
#include "log.h"
#include "packet.h"
#include "rng.h"
#include "stun.h"
#include "wire_lab.h"

#define MEDIA_GAP (20 * MS)
#define MEDIA_BYTES 200
#define CHAN_BYTES 300 /* a message or a push, as the model's */

enum conn_kind { C_DNS, C_TCP, C_MEDIA, C_QUIC, C_CTL };
enum pend_kind { P_SEND, P_PUSH, P_PING };

/* A channel operation under way: its answer wakes the job (or the
 * channel's keepalive). */
struct pend {
	uint32_t job;
	uint8_t kind;
	uint64_t deadline;
};

struct conn {
	int fd;
	uint8_t kind;
	uint8_t is_chan;
	uint8_t dead;	   /* a channel closed under the device */
	uint8_t want_out;  /* EPOLLOUT asked for */
	SSL *ssl;
	struct br_quic *quic;
	uint64_t qtimer;   /* the QUIC stack's next timer (lab clock) */
	uint32_t job;	   /* a flow's job; NO_JOB for a channel */
	uint32_t dev;
	int key;	   /* a channel's */
	size_t open_ix;	   /* in lab.open */
	uint64_t deadline; /* a flow's step: give up (DNS: resend) then */
	/* reading: a line, or the payload after "PUSH id n" */
	char line[BR_LAB_LINE_MAX];
	size_t line_n;
	uint64_t skip;
	uint32_t push_id;
	uint64_t want, got; /* a GET's response */
	uint32_t echoes;    /* media */
	/* DNS: the query, for resending */
	uint8_t q[512];
	size_t q_len;
	uint16_t q_id;
	uint16_t qtype;
	/* writing */
	char *out;
	size_t out_len, out_cap;
	struct pend *pend;
	size_t n_pend, cap_pend;
};

struct lab {
	const struct br_lab_opts *lo;
	struct br_lab_stats *st;
	struct model *m;
	int ep;
	uint64_t t0;
	SSL_CTX *tls[2]; /* plain, with a post-quantum sized hello */
	struct conn **flows; /* by job id */
	size_t n_flows;
	struct conn **chans; /* by dev * n_keys + key */
	struct conn **open;  /* every open one, for deadlines */
	size_t n_open, cap_open;
	struct conn ctl;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t lab_now(const struct lab *L)
{
	return mono_ns() - L->t0;
}

/* What the last two round trips of a step cost: the last try's answer. */
static uint64_t answer_wait(const struct model *m, uint32_t dev)
{
	return 2 * rtt_of(m, dev);
}

/* ---- connections --------------------------------------------------------- */

static int ep_set(struct lab *L, struct conn *c, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0),
				  .data.ptr = c };

	c->want_out = out;
	return epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev) ? -errno : 0;
}

static struct conn *conn_new(struct lab *L, uint32_t dev, int domain,
			     int type, enum conn_kind kind)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return NULL;
	fd = br_labnet_socket(L->lo->net, L->m->devs[dev].cellular, domain,
			      type);
	if (fd < 0) {
		br_err("lab: socket: %s", strerror(-fd));
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->kind = kind;
	c->dev = dev;
	c->job = NO_JOB;
	ev.data.ptr = c;
	if (L->n_open == L->cap_open) {
		size_t cap = L->cap_open ? L->cap_open * 2 : 256;
		struct conn **v = realloc(L->open, cap * sizeof(*v));

		if (!v)
			goto fail;
		L->open = v;
		L->cap_open = cap;
	}
	if (epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev))
		goto fail;
	c->open_ix = L->n_open;
	L->open[L->n_open++] = c;
	L->st->sockets++;
	return c;
fail:
	close(fd);
	free(c);
	return NULL;
}

static void conn_free(struct lab *L, struct conn *c)
{
	if (!c)
		return;
	L->open[c->open_ix] = L->open[--L->n_open];
	L->open[c->open_ix]->open_ix = c->open_ix;
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->quic)
		br_quic_free(c->quic);
	close(c->fd);
	free(c->out);
	free(c->pend);
	free(c);
}

/* Bind the device's own address of family fam, then connect to addr. */
static int dev_connect(struct lab *L, struct conn *c, int fam,
		       const uint8_t addr[16], uint16_t port)
{
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	uint8_t me[16];
	socklen_t len;

	br_plan_dev_addr(L->m->devs[c->dev].index, fam, me);
	if (fam == 4) {
		struct sockaddr_in *s = (void *)&src, *d = (void *)&dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, me, 4);
		memcpy(&d->sin_addr, addr, 4);
		d->sin_port = htons(port);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)&src, *d = (void *)&dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, me, 16);
		memcpy(&d->sin6_addr, addr, 16);
		d->sin6_port = htons(port);
		len = sizeof(*s);
	}
	if (bind(c->fd, (void *)&src, len))
		return -errno;
	if (connect(c->fd, (void *)&dst, len) && errno != EINPROGRESS)
		return -errno;
	return 0;
}

/* Queue bytes out and send what the socket takes now. */
static int conn_flush(struct lab *L, struct conn *c)
{
	ssize_t n;

	while (c->out_len) {
		if (c->ssl) {
			n = SSL_write(c->ssl, c->out, (int)c->out_len);
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, (int)n);

				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ)
					break;
				return -ECONNRESET;
			}
		} else {
			n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN)
					break;
				return -errno;
			}
		}
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
	}
	if (!!c->out_len != c->want_out)
		return ep_set(L, c, c->out_len);
	return 0;
}

static int conn_write(struct lab *L, struct conn *c, const void *p, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = (c->out_len + n) * 2;
		char *v = realloc(c->out, cap);

		if (!v)
			return -ENOMEM;
		c->out = v;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return conn_flush(L, c);
}

/* How a socket error ends a step: a reset, or no answer. */
static bool is_reset(int err)
{
	return err == -ECONNRESET || err == -ECONNREFUSED || err == -EPIPE;
}

/* ---- flows --------------------------------------------------------------- */

static int flows_fit(struct lab *L, uint32_t id)
{
	size_t n;
	struct conn **v;

	if (id < L->n_flows)
		return 0;
	n = L->n_flows ? L->n_flows : 1024;
	while (n <= id)
		n *= 2;
	v = realloc(L->flows, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + L->n_flows, 0, (n - L->n_flows) * sizeof(*v));
	L->flows = v;
	L->n_flows = n;
	return 0;
}

/* The step of job id is over: the engine steps it on now. */
static int step_over(struct lab *L, struct conn *c)
{
	c->deadline = 0;
	L->m->now = lab_now(L);
	return br_tm_wake(L->m, c->job, 0);
}

static int step_fail(struct lab *L, struct conn *c, bool reset)
{
	br_tm_flow_fail(&L->m->jobs[c->job].fr, reset);
	return step_over(L, c);
}

/* The lab host of the engine's (real) server address. */
static void lab_addr(const struct lab *L, const struct flow_run *fr,
		     uint8_t out[16])
{
	br_addrmap_addr(L->lo->map, fr->ends.family, fr->ends.server, out);
}

/* A new connection for job j's flow step. */
static struct conn *flow_conn(struct lab *L, struct job *j, int domain,
			      int type, enum conn_kind kind)
{
	uint32_t id = (uint32_t)(j - L->m->jobs);
	struct conn *c;

	if (flows_fit(L, id))
		return NULL;
	conn_free(L, L->flows[id]);
	L->flows[id] = NULL;
	c = conn_new(L, j->dev, domain, type, kind);
	if (!c)
		return NULL;
	c->job = id;
	L->flows[id] = c;
	return c;
}

/*
 * A connection of job j's flow to the lab host of its server: *out, and
 * 0 or -errno of the connect (a refused or reset one is the caller's).
 */
static int server_conn(struct lab *L, struct job *j, int type,
		       enum conn_kind kind, struct conn **out)
{
	struct flow_run *fr = &j->fr;
	uint8_t to[16];

	*out = flow_conn(L, j, fr->ends.family == 4 ? AF_INET : AF_INET6,
			 type, kind);
	if (!*out)
		return -ENOMEM;
	lab_addr(L, fr, to);
	return dev_connect(L, *out, fr->ends.family, to, fr->ends.sport);
}

static int64_t dns_send(struct lab *L, struct conn *c)
{
	struct model *m = L->m;
	struct flow_run *fr = &m->jobs[c->job].fr;

	if (send(c->fd, c->q, c->q_len, 0) < 0 && errno != ECONNREFUSED)
		return -errno;
	/* the next try after the schedule's wait, the last one's answer
	 * within two round trips */
	c->deadline = lab_now(L) +
		      (fr->tries < BR_DNS_RETRIES
			       ? (uint64_t)SEC << fr->tries
			       : answer_wait(m, c->dev));
	return BR_WIRE_WAIT;
}

static int64_t step_dns(struct lab *L, struct job *j)
{
	struct model *m = L->m;
	struct flow_run *fr = &j->fr;
	int res_fam = m->devs[j->dev].v6 ? 6 : 4, fam, err;
	uint8_t addr[16];
	struct conn *c;

	fam = br_tm_pick_server(m, j, addr);
	if (!fam) {
		br_tm_flow_fail(fr, false);
		return 0;
	}
	c = flow_conn(L, j, res_fam == 4 ? AF_INET : AF_INET6, SOCK_DGRAM,
		      C_DNS);
	if (!c)
		return -ENOMEM;
	err = dev_connect(L, c, res_fam, br_plan_resolver(res_fam), 53);
	if (err)
		return err;
	c->qtype = fam == 6 ? 28 : 1;
	c->q_id = fr->dns_id;
	c->q_len = br_pkt_dns_query(c->q, sizeof(c->q), c->q_id, fr->dns,
				    c->qtype, 1);
	if (!c->q_len)
		return -EMSGSIZE;
	return dns_send(L, c);
}

/* Skip a DNS name at p (labels or a pointer); the offset after it. */
static size_t dns_skip_name(const uint8_t *b, size_t n, size_t p)
{
	while (p < n) {
		if ((b[p] & 0xc0) == 0xc0)
			return p + 2;
		if (!b[p])
			return p + 1;
		p += 1 + b[p];
	}
	return n + 1;
}

/* The answer to job c's query: its address into addr; 0 or a failure. */
static int dns_answer(const struct conn *c, const uint8_t *b, size_t n,
		      uint8_t addr[16])
{
	unsigned int an, i;
	size_t p;

	if (n < 12 || (b[0] << 8 | b[1]) != c->q_id)
		return -EAGAIN; /* not ours */
	if ((b[3] & 0xf) == 3)
		return BR_FAIL_NXDOMAIN;
	an = b[6] << 8 | b[7];
	p = dns_skip_name(b, n, 12) + 4;
	for (i = 0; i < an && p < n; i++) {
		unsigned int type, len;

		p = dns_skip_name(b, n, p);
		if (p + 10 > n)
			break;
		type = b[p] << 8 | b[p + 1];
		len = b[p + 8] << 8 | b[p + 9];
		p += 10;
		if (p + len > n)
			break;
		if (type == c->qtype && len == (type == 28 ? 16u : 4u)) {
			memset(addr, 0, 16);
			memcpy(addr, b + p, len);
			return 0;
		}
		p += len;
	}
	return BR_FAIL_NO_ANSWER;
}

static int dns_read(struct lab *L, struct conn *c)
{
	struct model *m = L->m;
	struct job *j = &m->jobs[c->job];
	struct flow_run *fr = &j->fr;
	uint8_t b[1500], got[16], real[16];
	ssize_t n;
	int r, fam;

	n = recv(c->fd, b, sizeof(b), 0);
	if (n < 0)
		return errno == EAGAIN || errno == ECONNREFUSED ? 0 : -errno;
	r = dns_answer(c, b, (size_t)n, got);
	if (r == -EAGAIN)
		return 0;
	fam = c->qtype == 28 ? 6 : 4;
	if (!r && !br_addrmap_in_world(fam, got))
		r = BR_FAIL_SINKHOLE; /* forged: not a host the lab has */
	if (r) {
		fr->why_kind = r;
		return step_fail(L, c, false);
	}
	/* a real answer: the host the engine picked, as the model's */
	br_tm_pick_server(m, j, real);
	L->m->now = lab_now(L);
	br_tm_dns_cache(m, j, real, fam, m->now + BR_DNS_TTL);
	br_tm_flow_connect(m, j, real, fam);
	return step_over(L, c);
}

static int dns_timeout(struct lab *L, struct conn *c)
{
	struct flow_run *fr = &L->m->jobs[c->job].fr;
	int64_t r;

	if (fr->tries >= BR_DNS_RETRIES)
		return step_fail(L, c, false);
	fr->tries++;
	r = dns_send(L, c);
	return r < 0 ? (int)r : 0;
}

static int64_t step_syn(struct lab *L, struct job *j)
{
	struct conn *c;
	int err;

	err = server_conn(L, j, SOCK_STREAM, C_TCP, &c);
	if (err && (!c || !is_reset(err)))
		return err;
	if (err) {
		err = step_fail(L, c, true);
		return err ? err : BR_WIRE_WAIT;
	}
	c->deadline = lab_now(L) + br_stack_give_up(SEC, BR_SYN_RETRIES) +
		      answer_wait(L->m, j->dev);
	err = ep_set(L, c, true);
	return err ? err : BR_WIRE_WAIT;
}

static int syn_ready(struct lab *L, struct conn *c)
{
	struct flow_run *fr = &L->m->jobs[c->job].fr;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	if (err == EINPROGRESS || err == EALREADY)
		return 0;
	if (err)
		return step_fail(L, c, is_reset(-err));
	ep_set(L, c, false);
	fr->tries = 0;
	fr->step = fr->flow->kind == BR_CAT_TLS ? ST_HELLO : ST_REQUEST;
	return step_over(L, c);
}

/* Drive the handshake: 1 done, 0 more to do, or a failure. */
static int tls_drive(struct lab *L, struct conn *c)
{
	int r = SSL_connect(c->ssl), e;

	if (r == 1)
		return 1;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return ep_set(L, c, false);
	if (e == SSL_ERROR_WANT_WRITE)
		return ep_set(L, c, true);
	ERR_clear_error();
	/* a reset, or a close in the middle of it, is a reset */
	return e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN
		       ? -ECONNRESET
		       : -EPROTO;
}

static int tls_ready(struct lab *L, struct conn *c)
{
	struct flow_run *fr = &L->m->jobs[c->job].fr;
	int r = tls_drive(L, c);

	if (r == 0)
		return 0;
	if (r < 0)
		return step_fail(L, c, r == -ECONNRESET);
	ep_set(L, c, false);
	fr->tries = 0;
	fr->step = ST_REQUEST;
	return step_over(L, c);
}

static int64_t step_hello(struct lab *L, struct job *j)
{
	uint32_t id = (uint32_t)(j - L->m->jobs);
	struct flow_run *fr = &j->fr;
	struct conn *c = id < L->n_flows ? L->flows[id] : NULL;
	int r;

	if (!c)
		return -EPROTO;
	c->ssl = SSL_new(L->tls[fr->flow->pq_hello ? 1 : 0]);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	if (fr->sni[0] && (SSL_set_tlsext_host_name(c->ssl, fr->sni) != 1 ||
			   SSL_set1_host(c->ssl, fr->sni) != 1))
		return -ENOMEM;
	c->deadline = lab_now(L) + br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
		      answer_wait(L->m, j->dev);
	r = tls_ready(L, c);
	return r < 0 ? r : BR_WIRE_WAIT;
}

static int64_t step_media(struct lab *L, struct job *j)
{
	const struct br_cat_flow *f = j->fr.flow;
	uint8_t pkt[MEDIA_BYTES], stun[BR_STUN_HDR_LEN];
	struct conn *c;
	unsigned int i;
	size_t n;
	int err;

	err = server_conn(L, j, SOCK_DGRAM, C_MEDIA, &c);
	if (err)
		return err;
	/* a flow with "stun" begins with its STUN message, as the model's */
	n = f->stun ? br_pkt_stun(stun, sizeof(stun), f->stun_type,
				  br_mix64(j->fr.cseq ^ j->fr.tries))
		    : 0;
	memset(pkt, 0x80, sizeof(pkt)); /* RTP version 2 */
	for (i = 0; i < BR_MEDIA_PKTS; i++)
		if (send(c->fd, n && !i ? stun : pkt, n && !i ? n : sizeof(pkt),
			 0) < 0 &&
		    errno != ECONNREFUSED)
			return -errno;
	c->deadline = lab_now(L) + BR_MEDIA_PKTS * MEDIA_GAP +
		      answer_wait(L->m, j->dev);
	return BR_WIRE_WAIT;
}

/*
 * The media's end: every datagram that came back crossed both ways;
 * one that did not counts as lost both ways (the lab cannot tell which),
 * and the call fails when half or more is lost, as in the model.
 */
static int media_end(struct lab *L, struct conn *c)
{
	unsigned int lost = 2 * (BR_MEDIA_PKTS - c->echoes);

	if (2 * lost >= 2 * BR_MEDIA_PKTS)
		return step_fail(L, c, false);
	L->m->jobs[c->job].fr.step = ST_DONE;
	return step_over(L, c);
}

static int media_read(struct lab *L, struct conn *c)
{
	char b[2048];

	while (recv(c->fd, b, sizeof(b), 0) >= 0)
		if (++c->echoes >= BR_MEDIA_PKTS)
			return media_end(L, c);
	return 0;
}

/* The QUIC stack's timer, on the lab's clock. */
static void quic_timer(struct lab *L, struct conn *c)
{
	uint64_t t = br_quic_timer(c->quic);

	c->qtimer = t == UINT64_MAX ? 0 : t > L->t0 ? t - L->t0 : 1;
}

/*
 * A QUIC connection's progress: the handshake done (the request goes
 * next), the response whole, or the connection gone.
 */
static int quic_progress(struct lab *L, struct conn *c, int err)
{
	struct model *m = L->m;
	struct job *j = &m->jobs[c->job];
	struct flow_run *fr = &j->fr;
	enum br_quic_state st = br_quic_state(c->quic);
	uint64_t now = lab_now(L), got;

	quic_timer(L, c);
	if (!c->deadline)
		return 0; /* nothing waits for it */
	if (err || st == BR_QUIC_FAILED)
		return step_fail(L, c, err == -ECONNRESET);
	if (fr->step == ST_QUIC && st != BR_QUIC_HANDSHAKE) {
		fr->tries = 0;
		fr->step = ST_REQUEST;
		return step_over(L, c);
	}
	if (fr->step != ST_RESPONSE)
		return 0;
	got = br_quic_received(c->quic);
	if (got > c->got) { /* progress: the stall clock starts again */
		c->got = got;
		c->deadline = now + br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
			      answer_wait(m, j->dev);
	}
	if (st != BR_QUIC_DONE)
		return 0;
	fr->goodput_bps = fr->bytes * 8.0 * 1e9 /
			  (double)(now > fr->data_start ? now - fr->data_start
							: 1);
	fr->step = ST_DONE;
	return step_over(L, c);
}

static int quic_io(struct lab *L, struct conn *c)
{
	int err = br_quic_client_io(c->quic, mono_ns());

	if (err && err != -ECONNRESET && err != -ETIMEDOUT && err != -EPROTO)
		return err;
	return quic_progress(L, c, err);
}

/*
 * A QUIC handshake: ngtcp2 resends the Initial on its PTO; the step is
 * given up when stack.h's QUIC schedule has run out, or, racing the next
 * alternative, when the browser stops waiting for it (browser.h).
 */
static int64_t step_quic(struct lab *L, struct job *j)
{
	struct flow_run *fr = &j->fr;
	struct conn *c;
	int err;

	err = server_conn(L, j, SOCK_DGRAM, C_QUIC, &c);
	if (!err)
		err = br_quic_client_new(&c->quic, c->fd,
					 fr->sni[0] ? fr->sni : NULL,
					 mono_ns());
	if (err)
		return err;
	quic_timer(L, c);
	c->deadline = lab_now(L) +
		      (fr->race ? fr->race_wait
				: br_stack_give_up(SEC, BR_QUIC_RETRIES) +
					  answer_wait(L->m, j->dev));
	return BR_WIRE_WAIT;
}

static int64_t step_request(struct lab *L, struct job *j)
{
	uint32_t id = (uint32_t)(j - L->m->jobs);
	struct flow_run *fr = &j->fr;
	struct conn *c = id < L->n_flows ? L->flows[id] : NULL;
	char line[BR_LAB_LINE_MAX];
	int n, err;

	if (!c)
		return -EPROTO;
	if (c->kind == C_QUIC) {
		fr->bytes = br_tm_resp_size(L->m, j);
		fr->data_start = lab_now(L) + rtt_of(L->m, j->dev) / 2;
		fr->step = ST_RESPONSE;
		c->got = 0;
		c->deadline = lab_now(L) +
			      br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
			      answer_wait(L->m, j->dev);
		err = br_quic_get(c->quic, fr->bytes, mono_ns());
		if (err)
			err = step_fail(L, c, false);
		else
			err = quic_progress(L, c, 0);
		return err ? err : BR_WIRE_WAIT;
	}
	if (j->kind == JOB_CONNECT) /* a channel: register it */
		n = snprintf(line, sizeof(line), "CHAN %u %d\n", j->dev,
			     j->chan);
	else
		n = snprintf(line, sizeof(line), "GET %u\n",
			     fr->bytes = br_tm_resp_size(L->m, j));
	c->want = j->kind == JOB_CONNECT ? 0 : fr->bytes;
	c->got = 0;
	c->line_n = 0;
	fr->data_start = lab_now(L) + rtt_of(L->m, j->dev) / 2;
	fr->step = ST_RESPONSE;
	c->deadline = lab_now(L) + br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
		      answer_wait(L->m, j->dev);
	err = conn_write(L, c, line, n);
	if (is_reset(err))
		err = step_fail(L, c, true);
	return err ? err : BR_WIRE_WAIT;
}

/* Bytes of a flow's response: done when all came (or the channel's OK). */
static int response_in(struct lab *L, struct conn *c, const char *b,
		       size_t n)
{
	struct model *m = L->m;
	struct job *j = &m->jobs[c->job];
	struct flow_run *fr = &j->fr;
	uint64_t now = lab_now(L);

	c->deadline = now + br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
		      answer_wait(m, j->dev);
	if (j->kind == JOB_CONNECT) {
		if (n < 3 || memcmp(b, "OK\n", 3))
			return step_fail(L, c, true);
		fr->step = ST_DONE;
		return step_over(L, c);
	}
	c->got += n;
	if (c->got < c->want)
		return 0;
	fr->goodput_bps = fr->bytes * 8.0 * 1e9 /
			  (double)(now > fr->data_start ? now - fr->data_start
							: 1);
	fr->step = ST_DONE;
	return step_over(L, c);
}

/* ---- channels ------------------------------------------------------------ */

static int pend_add(struct conn *c, uint32_t job, uint8_t kind,
		    uint64_t deadline)
{
	if (c->n_pend == c->cap_pend) {
		size_t cap = c->cap_pend ? c->cap_pend * 2 : 4;
		struct pend *v = realloc(c->pend, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->pend = v;
		c->cap_pend = cap;
	}
	c->pend[c->n_pend++] = (struct pend){ .job = job, .kind = kind,
					      .deadline = deadline };
	return 0;
}

/* Answer pending operation i of channel c with res, and drop it. */
static int pend_answer(struct lab *L, struct conn *c, size_t i, int res)
{
	struct pend p = c->pend[i];

	c->pend[i] = c->pend[--c->n_pend];
	L->m->now = lab_now(L);
	return br_tm_io_done(L->m, p.kind == P_PING ? NO_JOB : p.job, c->dev,
			     c->key, res);
}

static int pend_find(struct lab *L, struct conn *c, uint8_t kind,
		     uint32_t job, int res)
{
	size_t i;

	for (i = 0; i < c->n_pend; i++)
		if (c->pend[i].kind == kind &&
		    (kind == P_PING || c->pend[i].job == job))
			return pend_answer(L, c, i, res);
	return 0; /* an answer to an operation given up already */
}

/* The channel's connection is gone: every operation on it too. */
static int chan_broken(struct lab *L, struct conn *c, int res)
{
	int err = 0;

	c->dead = 1;
	while (c->n_pend && !err)
		err = pend_answer(L, c, 0, res);
	return err;
}

static int chan_line(struct lab *L, struct conn *c, char *line)
{
	unsigned int id;
	unsigned long long n;
	char ack[64];
	int k;

	if (sscanf(line, "PUSH %u %llu", &id, &n) == 2) {
		c->push_id = id;
		c->skip = n;
		if (n)
			return 0;
	} else if (sscanf(line, "OK %u", &id) == 1) {
		return pend_find(L, c, P_SEND, id, BR_IO_OK);
	} else if (!strcmp(line, "PONG")) {
		return pend_find(L, c, P_PING, 0, BR_IO_OK);
	} else {
		return chan_broken(L, c, BR_IO_RESET);
	}
	/* a push with no payload: acknowledged at once */
	k = snprintf(ack, sizeof(ack), "ACK %u\n", c->push_id);
	conn_write(L, c, ack, k);
	return pend_find(L, c, P_PUSH, c->push_id, BR_IO_OK);
}

/* Bytes that came down a channel: lines, and the pushes' payloads. */
static int chan_in(struct lab *L, struct conn *c, const char *b, size_t n)
{
	char ack[64];
	size_t i;
	int err, k;

	for (i = 0; i < n;) {
		if (c->skip) {
			size_t take = n - i < c->skip ? n - i : c->skip;

			c->skip -= take;
			i += take;
			if (c->skip)
				break;
			k = snprintf(ack, sizeof(ack), "ACK %u\n", c->push_id);
			err = conn_write(L, c, ack, k);
			if (!err)
				err = pend_find(L, c, P_PUSH, c->push_id,
						BR_IO_OK);
			if (err)
				return err;
			L->st->pushes++;
			continue;
		}
		if (b[i] != '\n') {
			if (c->line_n + 1 >= sizeof(c->line))
				return chan_broken(L, c, BR_IO_RESET);
			c->line[c->line_n++] = b[i++];
			continue;
		}
		i++;
		c->line[c->line_n] = '\0';
		c->line_n = 0;
		err = chan_line(L, c, c->line);
		if (err || c->dead)
			return err;
	}
	return 0;
}

static int chans_fit(struct lab *L)
{
	if (L->chans)
		return 0;
	L->chans = calloc((size_t)L->m->n_devs * L->m->n_keys + 1,
			  sizeof(*L->chans));
	return L->chans ? 0 : -ENOMEM;
}

static void lab_chan_up(struct model *m, uint32_t id, uint32_t dev, int key)
{
	struct lab *L = m->wire_ctx;
	size_t slot = (size_t)dev * m->n_keys + key;
	struct conn *c = id < L->n_flows ? L->flows[id] : NULL;

	if (!c || chans_fit(L))
		return;
	L->flows[id] = NULL;
	conn_free(L, L->chans[slot]);
	c->is_chan = 1;
	c->job = NO_JOB;
	c->key = key;
	c->deadline = 0;
	c->line_n = 0;
	L->chans[slot] = c;
}

static void lab_chan_down(struct model *m, uint32_t dev, int key)
{
	struct lab *L = m->wire_ctx;
	size_t slot = (size_t)dev * m->n_keys + key;
	struct conn *c = L->chans ? L->chans[slot] : NULL;

	if (!c)
		return;
	L->chans[slot] = NULL;
	/* what was under way on it: no answer (the engine parks it) */
	chan_broken(L, c, BR_IO_DEAD);
	conn_free(L, c);
}

static struct conn *chan_conn(struct lab *L, uint32_t dev, int key)
{
	if (chans_fit(L))
		return NULL;
	return L->chans[(size_t)dev * L->m->n_keys + key];
}

static int lab_chan_io(struct model *m, uint32_t id, struct channel *ch,
		       bool down, uint64_t *t)
{
	struct lab *L = m->wire_ctx;
	struct job *j = &m->jobs[id];
	struct conn *c = chan_conn(L, j->dev, (int)(ch - chan_at(m, j->dev, 0)));
	uint64_t deadline;
	char line[BR_LAB_LINE_MAX + CHAN_BYTES];
	int n, err;

	*t = m->now;
	if (!c || c->dead)
		return BR_IO_RESET;
	deadline = lab_now(L) + br_stack_give_up(BR_RTO, BR_DATA_RETRIES) +
		   answer_wait(m, j->dev);
	if (down) {
		/* the provider's server hands the push service the data */
		n = snprintf(line, sizeof(line), "PUSH %u %d %u %u\n", j->dev,
			     c->key, id, CHAN_BYTES);
		err = conn_write(L, &L->ctl, line, n);
	} else {
		n = snprintf(line, sizeof(line), "SEND %u %u\n", id,
			     CHAN_BYTES);
		memset(line + n, 0x17, CHAN_BYTES);
		err = conn_write(L, c, line, n + CHAN_BYTES);
		if (is_reset(err)) {
			chan_broken(L, c, BR_IO_RESET);
			return BR_IO_RESET;
		}
	}
	if (!err)
		err = pend_add(c, id, down ? P_PUSH : P_SEND, deadline);
	return err ? err : BR_IO_WAIT;
}

static int lab_keepalive(struct model *m, uint32_t dev, int key,
			 struct channel *ch, uint64_t *t)
{
	struct lab *L = m->wire_ctx;
	struct conn *c = chan_conn(L, dev, key);
	int err;

	(void)ch;
	*t = m->now;
	if (!c || c->dead)
		return BR_IO_RESET;
	err = conn_write(L, c, "PING\n", 5);
	if (is_reset(err))
		return BR_IO_RESET;
	if (!err)
		err = pend_add(c, NO_JOB, P_PING,
			       lab_now(L) +
				       br_stack_give_up(BR_RTO,
							BR_DATA_RETRIES) +
				       answer_wait(m, dev));
	return err ? err : BR_IO_WAIT;
}

/* The push service's answers on the control socket. */
static int ctl_in(struct lab *L, const char *b, size_t n)
{
	struct conn *c = &L->ctl;
	unsigned int id;
	size_t i, k;
	int err;

	for (i = 0; i < n; i++) {
		if (b[i] != '\n') {
			if (c->line_n + 1 < sizeof(c->line))
				c->line[c->line_n++] = b[i];
			continue;
		}
		c->line[c->line_n] = '\0';
		c->line_n = 0;
		if (sscanf(c->line, "NOCHAN %u", &id) != 1)
			continue; /* SENT, ACKED: the device tells itself */
		/* the service has no channel for it: the device's is gone */
		for (k = 0; k < L->n_open; k++) {
			struct conn *o = L->open[k];

			if (o->is_chan && o->n_pend) {
				err = pend_find(L, o, P_PUSH, id, BR_IO_RESET);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* ---- the loop ------------------------------------------------------------ */

/* Read what a connection has: a response, a channel's lines, an answer. */
static int conn_read(struct lab *L, struct conn *c)
{
	char b[16384];
	ssize_t n;
	int err;

	for (;;) {
		if (c->ssl) {
			int r = SSL_read(c->ssl, b, sizeof(b)), e;

			if (r > 0) {
				n = r;
			} else {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					return 0;
				ERR_clear_error();
				n = -1;
				errno = ECONNRESET;
			}
		} else {
			n = recv(c->fd, b, sizeof(b), 0);
			if (n < 0 && errno == EAGAIN)
				return 0;
			if (n == 0) {
				n = -1;
				errno = ECONNRESET;
			}
		}
		if (n < 0) { /* closed or reset under the device */
			if (c->kind == C_CTL) {
				br_err("lab: the push service's control "
				       "socket closed");
				return -EPIPE;
			}
			if (c->is_chan)
				return c->dead ? 0 : chan_broken(L, c,
								 BR_IO_RESET);
			if (c->deadline)
				return step_fail(L, c, true);
			return 0;
		}
		if (c->kind == C_CTL)
			err = ctl_in(L, b, (size_t)n);
		else if (c->is_chan)
			err = c->dead ? 0 : chan_in(L, c, b, (size_t)n);
		else if (c->deadline &&
			 L->m->jobs[c->job].fr.step == ST_RESPONSE)
			err = response_in(L, c, b, (size_t)n);
		else
			err = 0; /* nothing waits for it */
		if (err)
			return err;
	}
}

static int conn_event(struct lab *L, struct conn *c, uint32_t events)
{
	struct flow_run *fr;
	int err;

	if (c->kind == C_CTL || c->is_chan) {
		if (events & EPOLLOUT) {
			err = conn_flush(L, c);
			if (err && c->is_chan)
				return chan_broken(L, c, BR_IO_RESET);
			if (err)
				return err;
		}
		return conn_read(L, c);
	}
	if (c->kind == C_QUIC) /* the stack reads even when no step waits */
		return quic_io(L, c);
	if (!c->deadline) /* its step is over: nothing waits */
		return 0;
	fr = &L->m->jobs[c->job].fr;
	switch (c->kind) {
	case C_DNS:
		return dns_read(L, c);
	case C_MEDIA:
		return media_read(L, c);
	case C_QUIC:
		return quic_io(L, c);
	default:
		break;
	}
	if (fr->step == ST_SYN)
		return syn_ready(L, c);
	if (fr->step == ST_HELLO)
		return tls_ready(L, c);
	if (events & EPOLLOUT) {
		err = conn_flush(L, c);
		if (err)
			return step_fail(L, c, is_reset(err));
	}
	return conn_read(L, c);
}

/* A step or a channel's operation whose time ran out. */
static int conn_timeout(struct lab *L, struct conn *c, uint64_t now)
{
	size_t i;
	int err;

	for (i = 0; i < c->n_pend;) {
		if (c->pend[i].deadline > now) {
			i++;
			continue;
		}
		err = pend_answer(L, c, i, BR_IO_DEAD);
		if (err)
			return err;
	}
	if (c->quic && c->qtimer && c->qtimer <= now) {
		err = quic_io(L, c);
		if (err || !c->deadline)
			return err;
	}
	if (!c->deadline || c->deadline > now)
		return 0;
	if (c->kind == C_DNS)
		return dns_timeout(L, c);
	if (c->kind == C_MEDIA)
		return media_end(L, c);
	return step_fail(L, c, false);
}

/* The earliest deadline of every open connection. */
static uint64_t next_deadline(const struct lab *L)
{
	uint64_t t = UINT64_MAX;
	size_t i, k;

	for (i = 0; i < L->n_open; i++) {
		const struct conn *c = L->open[i];

		if (c->deadline && c->deadline < t)
			t = c->deadline;
		if (c->quic && c->qtimer && c->qtimer < t)
			t = c->qtimer;
		for (k = 0; k < c->n_pend; k++)
			if (c->pend[k].deadline < t)
				t = c->pend[k].deadline;
	}
	return t;
}

static int lab_wait(struct model *m, uint64_t until, uint64_t *now)
{
	struct lab *L = m->wire_ctx;
	struct epoll_event ev[64];
	uint64_t t = lab_now(L), dl;
	struct timespec ts;
	size_t i;
	int n, k, err;

	dl = next_deadline(L);
	if (dl < until)
		until = dl;
	if (until > t) {
		uint64_t d = until - t;

		if (d > 5 * SEC)
			d = 5 * SEC;
		ts.tv_sec = d / SEC;
		ts.tv_nsec = d % SEC;
	} else {
		ts.tv_sec = ts.tv_nsec = 0;
	}
	n = epoll_pwait2(L->ep, ev, 64, &ts, NULL);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (k = 0; k < n; k++) {
		err = conn_event(L, ev[k].data.ptr, ev[k].events);
		if (err)
			return err;
	}
	t = lab_now(L);
	for (i = 0; i < L->n_open;) {
		struct conn *c = L->open[i];

		err = conn_timeout(L, c, t);
		if (err)
			return err;
		/* a timeout may close it: look at this slot again then */
		if (i < L->n_open && L->open[i] == c)
			i++;
	}
	*now = t;
	return 0;
}

static bool lab_busy(const struct model *m)
{
	const struct lab *L = m->wire_ctx;
	size_t i;

	for (i = 0; i < L->n_open; i++)
		if (L->open[i]->deadline || L->open[i]->n_pend)
			return true;
	return false;
}

static void lab_flow_reset(struct model *m, uint32_t id)
{
	struct lab *L = m->wire_ctx;

	if (id < L->n_flows && L->flows[id]) {
		conn_free(L, L->flows[id]);
		L->flows[id] = NULL;
	}
}

static int64_t lab_step(struct model *m, struct job *j)
{
	struct lab *L = m->wire_ctx;
	uint64_t lag = lab_now(L) > m->now ? lab_now(L) - m->now : 0;

	L->st->events++;
	L->st->lag_sum_ns += lag;
	if (lag > L->st->lag_max_ns)
		L->st->lag_max_ns = lag;
	switch (j->fr.step) {
	case ST_DNS:
		return step_dns(L, j);
	case ST_SYN:
		return step_syn(L, j);
	case ST_HELLO:
		return step_hello(L, j);
	case ST_MEDIA:
		return step_media(L, j);
	case ST_REQUEST:
		return step_request(L, j);
	case ST_QUIC:
		return step_quic(L, j);
	default:
		return -EPROTO;
	}
}

/* The engine is ready: the run's clock starts now. */
static int lab_start(struct model *m)
{
	struct lab *L = m->wire_ctx;

	L->m = m;
	L->t0 = mono_ns();
	return chans_fit(L);
}

static int lab_install(struct model *m, const struct br_policy *p)
{
	struct lab *L = m->wire_ctx;

	if (!p)
		return 0;
	return br_dp_install(L->lo->dp, p, NULL, m->diag);
}

static const struct br_wire br_wire_lab = {
	.start = lab_start,
	.step = lab_step,
	.chan_io = lab_chan_io,
	.keepalive = lab_keepalive,
	.install = lab_install,
	.flow_reset = lab_flow_reset,
	.chan_up = lab_chan_up,
	.chan_down = lab_chan_down,
	.wait = lab_wait,
	.busy = lab_busy,
};

static int ctl_open(struct lab *L)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &L->ctl };
	int fd;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%.*s/%s",
			     (int)(sizeof(a.sun_path) - sizeof(BR_LAB_CTL) - 1),
			     L->lo->net->dir, BR_LAB_CTL) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&a, sizeof(a))) {
		int err = -errno;

		br_err("lab: the push service's control socket %s: %s",
		       a.sun_path, strerror(errno));
		close(fd);
		return err;
	}
	L->ctl.fd = fd;
	L->ctl.kind = C_CTL;
	L->ctl.job = NO_JOB;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) ||
	    epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	return 0;
}

int br_lab_run(const struct br_lab_opts *lo, const struct br_traffic_opts *o,
	       struct br_traffic_result *res, struct br_lab_stats *stats)
{
	struct lab L = { .lo = lo, .st = stats, .ep = -1 };
	char ca[PATH_MAX + 16];
	size_t i;
	int err;

	memset(stats, 0, sizeof(*stats));
	L.ctl.fd = -1;
	snprintf(ca, sizeof(ca), "%s/%s", lo->net->dir, BR_LAB_CA);
	L.tls[0] = br_labtls_ctx(ca, 0);
	L.tls[1] = br_labtls_ctx(ca, 1);
	L.ep = epoll_create1(EPOLL_CLOEXEC);
	err = L.tls[0] && L.tls[1] ? 0 : -EINVAL;
	if (err)
		br_err("lab: TLS: cannot trust the lab's CA %s", ca);
	if (!err && L.ep < 0)
		err = -errno;
	if (!err)
		err = ctl_open(&L);
	if (!err)
		err = br_tm_run(&br_wire_lab, &L, NULL, o, res);
	while (L.n_open)
		conn_free(&L, L.open[0]);
	free(L.open);
	free(L.flows);
	free(L.chans);
	if (L.ctl.fd >= 0)
		close(L.ctl.fd);
	free(L.ctl.out);
	if (L.ep >= 0)
		close(L.ep);
	for (i = 0; i < 2; i++)
		SSL_CTX_free(L.tls[i]);
	return err;
}
