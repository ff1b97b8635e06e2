// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * quic_server.c - the lab's QUIC server, `blastradius lab quic-serve`;
 * see labquic.h.
 *
 * One poll loop over a UDP socket per (port, family) and a signalfd.
 * A datagram finds its connection by its destination connection ID in a
 * hash table that holds every ID a connection answers to: the client's
 * first (until it switches) and each one we issued. An Initial for no
 * known ID opens a connection. Each connection remembers the address its
 * first datagram was sent to and answers from there (IP_PKTINFO,
 * IPV6_PKTINFO): the lab's servers own whole prefixes routed "local" on
 * lo, and a reply from any other address would not be the server's.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "labproto.h"
#include "log.h"
#include "labquic.h"
#include "quic_tls.h"

#define BR_QS_BUCKETS 4096 /* of the ID table: a lab has hundreds */
/* IDs of one connection: the client's first and the 8 we may issue */
#define BR_QS_CIDS 10
#define BR_QS_READ_BURST 64 /* datagrams read per socket per wakeup */
#define BR_QS_ERR_REQUEST 1 /* the stream reset's error: a bad line */

struct br_qs_conn;

/* One connection ID in the table, a slot of its connection's cids[]. */
struct br_qs_cid {
	ngtcp2_cid cid;
	struct br_qs_conn *c; /* NULL: the slot is free */
	struct br_qs_cid *next;
};

/* A request stream: its line, then its response's progress. */
struct br_qs_stream {
	int64_t id;
	char line[BR_LAB_LINE_MAX];
	size_t len;
	bool asked;   /* the line arrived: respond */
	bool fin;     /* the response's FIN is out */
	bool blocked; /* flow control holds it, this round */
	uint64_t want, sent;
	struct br_qs_stream *next;
};

struct br_qs_conn {
	struct br_qs *s;
	ngtcp2_conn *conn;
	gnutls_session_t tls;
	ngtcp2_crypto_conn_ref ref;
	int fd;
	struct sockaddr_storage local, remote;
	ngtcp2_path path;
	struct br_qs_cid cids[BR_QS_CIDS];
	struct br_qs_stream *streams;
	bool dead;
	struct br_qs_conn *next;
};

struct br_qs {
	gnutls_certificate_credentials_t cred;
	uint8_t reset_secret[32]; /* stateless reset tokens from IDs */
	struct br_qs_cid *table[BR_QS_BUCKETS];
	struct br_qs_conn *conns;
	/* a socket per port and family, then the signalfd */
	struct pollfd pfd[2 * BR_QUIC_SERVE_PORTS_MAX + 1];
	size_t n_pfd;
	uint64_t n_conns, n_streams, n_bytes;
};

/* Response bytes: any will do; static, so ngtcp2 may keep pointing in. */
static const uint8_t br_qs_payload[16384];

static uint64_t br_qs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NGTCP2_SECONDS + ts.tv_nsec;
}

/* ---- the ID table ------------------------------------------------------ */

static struct br_qs_cid **br_qs_bucket(struct br_qs *s, const uint8_t *id,
				       size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a: IDs are random already */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ id[i]) * 16777619u;
	return &s->table[h % BR_QS_BUCKETS];
}

static struct br_qs_conn *br_qs_find(struct br_qs *s, const uint8_t *id,
				     size_t len)
{
	struct br_qs_cid *e;

	for (e = *br_qs_bucket(s, id, len); e; e = e->next)
		if (e->cid.datalen == len && !memcmp(e->cid.data, id, len))
			return e->c;
	return NULL;
}

static int br_qs_cid_add(struct br_qs_conn *c, const ngtcp2_cid *cid)
{
	struct br_qs_cid **b, *e;
	size_t i;

	for (i = 0; i < BR_QS_CIDS && c->cids[i].c; i++)
		;
	if (i == BR_QS_CIDS)
		return -ENOSPC;
	e = &c->cids[i];
	e->cid = *cid;
	e->c = c;
	b = br_qs_bucket(c->s, cid->data, cid->datalen);
	e->next = *b;
	*b = e;
	return 0;
}

static void br_qs_cid_unlink(struct br_qs *s, struct br_qs_cid *e)
{
	struct br_qs_cid **p;

	for (p = br_qs_bucket(s, e->cid.data, e->cid.datalen); *p;
	     p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			break;
		}
	e->c = NULL;
}

static void br_qs_cid_del(struct br_qs_conn *c, const ngtcp2_cid *cid)
{
	size_t i;

	for (i = 0; i < BR_QS_CIDS; i++)
		if (c->cids[i].c && ngtcp2_cid_eq(&c->cids[i].cid, cid))
			br_qs_cid_unlink(c->s, &c->cids[i]);
}

/* ---- ngtcp2's callbacks ------------------------------------------------ */

static ngtcp2_conn *br_qs_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct br_qs_conn *)ref->user_data)->conn;
}

static int br_qs_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token,
			 size_t cidlen, void *user)
{
	struct br_qs_conn *c = user;

	(void)conn;
	br_quic_random(cid->data, cidlen);
	cid->datalen = cidlen;
	if (ngtcp2_crypto_generate_stateless_reset_token(
		    token, c->s->reset_secret, sizeof(c->s->reset_secret),
		    cid) ||
	    br_qs_cid_add(c, cid))
		return NGTCP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int br_qs_remove_cid(ngtcp2_conn *conn, const ngtcp2_cid *cid,
			    void *user)
{
	(void)conn;
	br_qs_cid_del(user, cid);
	return 0;
}

/* "GET n": n, or -EINVAL for anything else. */
static int br_qs_parse(const char *line, size_t len, uint64_t *n)
{
	char *end;

	if (len < 5 || strncmp(line, "GET ", 4) || line[4] < '0' ||
	    line[4] > '9')
		return -EINVAL;
	errno = 0;
	*n = strtoull(line + 4, &end, 10);
	return errno || end != line + len ? -EINVAL : 0;
}

/* The request's line, bytes up to its '\n'; what follows is ignored. */
static int br_qs_request(struct br_qs_conn *c, struct br_qs_stream *st,
			 const uint8_t *data, size_t len)
{
	const uint8_t *nl = memchr(data, '\n', len);
	size_t take = nl ? (size_t)(nl - data) : len;

	if (st->asked)
		return 0;
	if (take >= sizeof(st->line) - st->len)
		goto bad; /* longer than any line of the protocol */
	memcpy(st->line + st->len, data, take);
	st->len += take;
	if (!nl)
		return 0;
	if (br_qs_parse(st->line, st->len, &st->want))
		goto bad;
	st->asked = true;
	return 0;
bad:
	st->asked = st->fin = true; /* nothing to send on it */
	return ngtcp2_conn_shutdown_stream(c->conn, st->id, BR_QS_ERR_REQUEST);
}

static int br_qs_recv_stream(ngtcp2_conn *conn, uint32_t flags, int64_t id,
			     uint64_t offset, const uint8_t *data, size_t len,
			     void *user, void *stream_user)
{
	struct br_qs_conn *c = user;
	struct br_qs_stream *st = stream_user;

	(void)flags, (void)offset;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return NGTCP2_ERR_CALLBACK_FAILURE;
		st->id = id;
		st->next = c->streams;
		c->streams = st;
		c->s->n_streams++;
		ngtcp2_conn_set_stream_user_data(conn, id, st);
	}
	ngtcp2_conn_extend_max_stream_offset(conn, id, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	return br_qs_request(c, st, data, len) ? NGTCP2_ERR_CALLBACK_FAILURE
					       : 0;
}

static int br_qs_stream_close(ngtcp2_conn *conn, uint32_t flags, int64_t id,
			      uint64_t code, void *user, void *stream_user)
{
	struct br_qs_conn *c = user;
	struct br_qs_stream **p;

	(void)flags, (void)code;
	/* room for another request: a client may ask on and on */
	if (ngtcp2_is_bidi_stream(id))
		ngtcp2_conn_extend_max_streams_bidi(conn, 1);
	for (p = &c->streams; *p; p = &(*p)->next)
		if (*p == stream_user) {
			*p = (*p)->next;
			free(stream_user);
			break;
		}
	return 0;
}

/* ---- sending ----------------------------------------------------------- */

/* One datagram from the connection's own address to its peer. */
static void br_qs_send(struct br_qs_conn *c, const uint8_t *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &c->remote,
		.msg_namelen = c->path.remote.addrlen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
	};
	struct cmsghdr *cm;

	memset(&ctl, 0, sizeof(ctl));
	cm = (struct cmsghdr *)ctl.buf;
	if (c->local.ss_family == AF_INET) {
		struct in_pktinfo pi = {
			.ipi_spec_dst =
				((struct sockaddr_in *)&c->local)->sin_addr,
		};

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = {
			.ipi6_addr =
				((struct sockaddr_in6 *)&c->local)->sin6_addr,
		};

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	/* A datagram the socket cannot take is lost: QUIC recovers. */
	if (sendmsg(c->fd, &msg, 0) < 0 && br_verbose)
		br_err("quic-serve: send: %s", strerror(errno));
}

/* The first stream with response bytes (or its FIN) to send. */
static struct br_qs_stream *br_qs_due(struct br_qs_conn *c)
{
	struct br_qs_stream *st;

	for (st = c->streams; st; st = st->next)
		if (st->asked && !st->fin && !st->blocked)
			return st;
	return NULL;
}

/* Write one datagram's worth for st (or none): ngtcp2's return value. */
static ngtcp2_ssize br_qs_write_one(struct br_qs_conn *c,
				    struct br_qs_stream *st, uint8_t *buf,
				    size_t size, uint64_t now)
{
	uint64_t left = st ? st->want - st->sent : 0;
	ngtcp2_vec v = {
		.base = (uint8_t *)br_qs_payload,
		.len = left < sizeof(br_qs_payload) ? left
						    : sizeof(br_qs_payload),
	};
	uint32_t flags = v.len == left ? NGTCP2_WRITE_STREAM_FLAG_FIN : 0;
	ngtcp2_ssize n, sent = -1;
	ngtcp2_pkt_info pi;

	n = ngtcp2_conn_writev_stream(
		c->conn, NULL, &pi, buf, size, &sent, flags, st ? st->id : -1,
		st && v.len ? &v : NULL, st && v.len ? 1 : 0, now);
	if (st && (n == NGTCP2_ERR_STREAM_DATA_BLOCKED ||
		   n == NGTCP2_ERR_STREAM_SHUT_WR)) {
		st->blocked = true;
		return NGTCP2_ERR_WRITE_MORE; /* try the next stream */
	}
	if (n <= 0 || !st || sent < 0)
		return n;
	st->sent += sent;
	c->s->n_bytes += sent;
	if (st->sent == st->want && flags)
		st->fin = true;
	return n;
}

/*
 * Everything due on the connection: ACKs, handshake, responses, until
 * ngtcp2 has nothing more or congestion control says wait. 0 or an
 * ngtcp2 error.
 */
static int br_qs_write(struct br_qs_conn *c, uint64_t now)
{
	uint8_t buf[BR_QUIC_TX_MAX];
	struct br_qs_stream *st;
	ngtcp2_ssize n;

	for (st = c->streams; st; st = st->next)
		st->blocked = false;
	for (;;) {
		n = br_qs_write_one(c, br_qs_due(c), buf, sizeof(buf), now);
		if (n == NGTCP2_ERR_WRITE_MORE)
			continue;
		if (n < 0)
			return n;
		if (n == 0)
			break;
		br_qs_send(c, buf, n);
	}
	ngtcp2_conn_update_pkt_tx_time(c->conn, now);
	return 0;
}

/* ---- connections ------------------------------------------------------- */

static void br_qs_conn_free(struct br_qs_conn *c)
{
	struct br_qs_stream *st;
	size_t i;

	for (i = 0; i < BR_QS_CIDS; i++)
		if (c->cids[i].c)
			br_qs_cid_unlink(c->s, &c->cids[i]);
	while ((st = c->streams)) {
		c->streams = st->next;
		free(st);
	}
	if (c->conn)
		ngtcp2_conn_del(c->conn);
	if (c->tls)
		gnutls_deinit(c->tls);
	free(c);
}

/*
 * The end of a connection that failed on our side or the peer's (liberr),
 * or that we close (0: the server stops): a CONNECTION_CLOSE if one is
 * due (not while draining: the peer closed), then the connection is
 * dropped at the end of the loop's round.
 */
static void br_qs_conn_end(struct br_qs_conn *c, int liberr, uint64_t now)
{
	uint8_t buf[BR_QUIC_TX_MAX];
	ngtcp2_connection_close_error ccerr;
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n;

	c->dead = true;
	if (liberr == NGTCP2_ERR_DRAINING || liberr == NGTCP2_ERR_IDLE_CLOSE ||
	    liberr == NGTCP2_ERR_DROP_CONN ||
	    ngtcp2_conn_is_in_closing_period(c->conn) ||
	    ngtcp2_conn_is_in_draining_period(c->conn))
		return;
	if (liberr)
		ngtcp2_connection_close_error_set_transport_error_liberr(
			&ccerr, liberr, NULL, 0);
	else
		ngtcp2_connection_close_error_default(&ccerr); /* NO_ERROR */
	n = ngtcp2_conn_write_connection_close(c->conn, NULL, &pi, buf,
					       sizeof(buf), &ccerr, now);
	if (n > 0)
		br_qs_send(c, buf, n);
}

/* A connection for a client's first Initial, hd; NULL if none could be. */
static struct br_qs_conn *br_qs_conn_new(struct br_qs *s, int fd,
					 const ngtcp2_path *path,
					 const ngtcp2_pkt_hd *hd, uint64_t now)
{
	ngtcp2_callbacks cb = {
		.recv_stream_data = br_qs_recv_stream,
		.stream_close = br_qs_stream_close,
	};
	uint8_t id[BR_QUIC_CID_LEN];
	ngtcp2_transport_params params;
	ngtcp2_settings settings;
	struct br_qs_conn *c;
	ngtcp2_cid scid;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->s = s;
	c->fd = fd;
	c->ref.get_conn = br_qs_get_conn;
	c->ref.user_data = c;
	memcpy(&c->local, path->local.addr, path->local.addrlen);
	memcpy(&c->remote, path->remote.addr, path->remote.addrlen);
	c->path = *path;
	c->path.local.addr = (ngtcp2_sockaddr *)&c->local;
	c->path.remote.addr = (ngtcp2_sockaddr *)&c->remote;

	br_quic_callbacks(&cb, true);
	cb.get_new_connection_id = br_qs_new_cid;
	cb.remove_connection_id = br_qs_remove_cid;
	br_quic_params(&params, true);
	params.original_dcid = hd->dcid;
	br_quic_random(id, sizeof(id));
	ngtcp2_cid_init(&scid, id, sizeof(id));
	params.stateless_reset_token_present = 1;
	ngtcp2_settings_default(&settings);
	settings.initial_ts = now;
	if (ngtcp2_crypto_generate_stateless_reset_token(
		    params.stateless_reset_token, s->reset_secret,
		    sizeof(s->reset_secret), &scid) ||
	    ngtcp2_conn_server_new(&c->conn, &hd->scid, &scid, &c->path,
				   hd->version, &cb, &settings, &params, NULL,
				   c) ||
	    br_quic_tls_session(&c->tls, true, s->cred, &c->ref) ||
	    br_qs_cid_add(c, &hd->dcid) || br_qs_cid_add(c, &scid)) {
		br_qs_conn_free(c);
		return NULL;
	}
	ngtcp2_conn_set_tls_native_handle(c->conn, c->tls);
	c->next = s->conns;
	s->conns = c;
	s->n_conns++;
	return c;
}

/* ---- reading ----------------------------------------------------------- */

/* One datagram, to its connection or a new one; garbage is dropped. */
static void br_qs_datagram(struct br_qs *s, int fd, const ngtcp2_path *path,
			   const uint8_t *pkt, size_t len, uint64_t now)
{
	ngtcp2_pkt_info pi = { 0 };
	struct br_qs_conn *c;
	ngtcp2_version_cid vc;
	ngtcp2_pkt_hd hd;
	int err;

	/*
	 * Version negotiation is not offered: the lab speaks version 1.
	 * (ngtcp2 asserts a datagram is not empty: one is garbage here.)
	 */
	if (!len ||
	    ngtcp2_pkt_decode_version_cid(&vc, pkt, len, BR_QUIC_CID_LEN))
		return;
	c = br_qs_find(s, vc.dcid, vc.dcidlen);
	if (!c) {
		if (!vc.version || ngtcp2_accept(&hd, pkt, len))
			return; /* not a client's first Initial */
		c = br_qs_conn_new(s, fd, path, &hd, now);
		if (!c)
			return;
	}
	if (c->dead)
		return;
	err = ngtcp2_conn_read_pkt(c->conn, path, &pi, pkt, len, now);
	if (err)
		br_qs_conn_end(c, err, now);
	else if ((err = br_qs_write(c, now)))
		br_qs_conn_end(c, err, now);
}

/* The address a datagram was sent to, from its IP_PKTINFO/IPV6_PKTINFO. */
static int br_qs_dest(struct msghdr *msg, struct sockaddr_storage *local)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
			return 0;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr =
				pi.ipi6_addr;
			return 0;
		}
	}
	return -ENOENT;
}

/* What waits on a socket, a burst at most so no socket starves. */
static void br_qs_read(struct br_qs *s, int fd, uint64_t now)
{
	static uint8_t buf[BR_QUIC_RX_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage local, remote;
	socklen_t llen = sizeof(local);
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ngtcp2_path path;
	ssize_t n;
	int i;

	/* The port and family; the address comes with each datagram. */
	if (getsockname(fd, (struct sockaddr *)&local, &llen))
		return;
	for (i = 0; i < BR_QS_READ_BURST; i++) {
		msg.msg_name = &remote;
		msg.msg_namelen = sizeof(remote);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(fd, &msg, 0);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error: nothing to read */
		if (br_qs_dest(&msg, &local))
			continue;
		path = (ngtcp2_path){
			.local = { (ngtcp2_sockaddr *)&local, llen },
			.remote = { (ngtcp2_sockaddr *)&remote,
				    msg.msg_namelen },
		};
		br_qs_datagram(s, fd, &path, buf, n, now);
	}
}

/* ---- the loop ---------------------------------------------------------- */

/* Timers due, dead connections dropped; the next expiry, absolute ns. */
static uint64_t br_qs_tick(struct br_qs *s, uint64_t now)
{
	struct br_qs_conn **p = &s->conns, *c;
	uint64_t next = UINT64_MAX, t;
	int err;

	while ((c = *p)) {
		if (!c->dead && ngtcp2_conn_get_expiry(c->conn) <= now) {
			err = ngtcp2_conn_handle_expiry(c->conn, now);
			if (!err)
				err = br_qs_write(c, now);
			if (err)
				br_qs_conn_end(c, err, now);
		}
		if (c->dead) {
			*p = c->next;
			br_qs_conn_free(c);
			continue;
		}
		t = ngtcp2_conn_get_expiry(c->conn);
		next = t < next ? t : next;
		p = &c->next;
	}
	return next;
}

/* UDP on the wildcard address of family af, port; the fd or -errno. */
static int br_qs_socket(int af, uint16_t port)
{
	struct sockaddr_storage ss = { .ss_family = af };
	int fd, one = 1, err = 0;

	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * FREEBIND: the replies' source is an address of a prefix routed
	 * "local", which IPv6 would otherwise refuse as not ours.
	 */
	if (af == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		err = setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
				 sizeof(one)) ||
		      setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one,
				 sizeof(one));
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		err = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one)) ||
		      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				 sizeof(one)) ||
		      setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
				 sizeof(one));
	}
	if (!err)
		err = bind(fd, (struct sockaddr *)&ss,
			   af == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6));
	if (err) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The signalfd, then the sockets, into s->pfd: SIGTERM is ours from
 * before the ports are bound, so whoever sees them bound may send it.
 * 0 or -errno (explained).
 */
static int br_qs_open(struct br_qs *s, const uint16_t *ports, size_t n)
{
	static const int afs[] = { AF_INET, AF_INET6 };
	sigset_t sigs;
	size_t i, j;
	int fd, sfd;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL))
		return -errno;
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			fd = br_qs_socket(afs[j], ports[i]);
			if (fd < 0) {
				br_err("quic-serve: UDP port %u (%s): %s",
				       ports[i], j ? "IPv6" : "IPv4",
				       strerror(-fd));
				close(sfd);
				return fd;
			}
			s->pfd[s->n_pfd++] = (struct pollfd){ fd, POLLIN, 0 };
		}
	s->pfd[s->n_pfd++] = (struct pollfd){ sfd, POLLIN, 0 };
	return 0;
}

static void br_qs_loop(struct br_qs *s)
{
	uint64_t now, next;
	size_t i, n_sock = s->n_pfd - 1;
	int timeout;

	for (;;) {
		now = br_qs_now();
		next = br_qs_tick(s, now);
		/* ms, rounded up so that the timer has come on waking */
		timeout = next == UINT64_MAX ? -1
			  : next <= now
				  ? 0
				  : (int)((next - now + 999999) / 1000000);
		if (poll(s->pfd, s->n_pfd, timeout) < 0 && errno != EINTR)
			return;
		if (s->pfd[n_sock].revents)
			return; /* SIGTERM or SIGINT */
		now = br_qs_now();
		for (i = 0; i < n_sock; i++)
			if (s->pfd[i].revents)
				br_qs_read(s, s->pfd[i].fd, now);
	}
}

int br_quic_serve(const uint16_t *ports, size_t n)
{
	struct br_qs_conn *c;
	struct br_qs *s;
	size_t i;
	int err;

	if (!n || n > BR_QUIC_SERVE_PORTS_MAX)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	br_quic_random(s->reset_secret, sizeof(s->reset_secret));
	err = br_quic_self_signed(&s->cred);
	if (err)
		br_err("quic-serve: no certificate: %s", strerror(-err));
	if (!err)
		err = br_qs_open(s, ports, n);
	if (!err) {
		br_qs_loop(s);
		/* the clients learn at once, not after their idle timeout */
		for (c = s->conns; c; c = c->next)
			if (!c->dead)
				br_qs_conn_end(c, 0, br_qs_now());
		fprintf(stderr,
			"quic-serve: %" PRIu64 " connections, %" PRIu64
			" request streams, %" PRIu64 " response bytes sent\n",
			s->n_conns, s->n_streams, s->n_bytes);
	}
	while ((c = s->conns)) {
		s->conns = c->next;
		br_qs_conn_free(c);
	}
	for (i = 0; i < s->n_pfd; i++)
		close(s->pfd[i].fd);
	if (s->cred)
		gnutls_certificate_free_credentials(s->cred);
	free(s);
	return err;
}
