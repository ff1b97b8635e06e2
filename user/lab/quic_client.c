// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * quic_client.c - the lab's QUIC client, for an event loop; see labquic.h.
 *
 * One connection, one request. Everything happens in br_quic_client_io:
 * datagrams are read until the socket is dry, timers ngtcp2 set are
 * served, and then whatever ngtcp2 has to send goes out, the request's
 * bytes with it once br_quic_get asked for them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "labproto.h"
#include "labquic.h"
#include "quic_tls.h"

struct br_quic {
	ngtcp2_conn *conn;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
	ngtcp2_crypto_conn_ref ref;
	int fd;
	struct sockaddr_storage local, remote;
	ngtcp2_path path;
	enum br_quic_state state;
	int err;	/* why FAILED, -errno */
	int64_t stream; /* the request's, -1 before br_quic_get */
	char req[BR_LAB_LINE_MAX];
	size_t req_len, req_sent;
	uint64_t want, got; /* response bytes asked for, received */
	uint64_t last;	    /* now, at the last call: for free's close */
};

static int br_quic_write(struct br_quic *q, uint64_t now);

static ngtcp2_conn *br_quic_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	return ((struct br_quic *)ref->user_data)->conn;
}

static void br_quic_fail(struct br_quic *q, int err)
{
	if (q->state == BR_QUIC_FAILED || q->state == BR_QUIC_DONE)
		return; /* a whole response stays DONE whatever follows */
	q->state = BR_QUIC_FAILED;
	q->err = err;
}

static int br_quic_handshake_done(ngtcp2_conn *conn, void *user)
{
	struct br_quic *q = user;

	(void)conn;
	if (q->state == BR_QUIC_HANDSHAKE)
		q->state = BR_QUIC_UP;
	return 0;
}

/* The response: counted, the windows reopened by what was consumed. */
static int br_quic_recv_stream(ngtcp2_conn *conn, uint32_t flags, int64_t id,
			       uint64_t offset, const uint8_t *data, size_t len,
			       void *user, void *stream_user)
{
	struct br_quic *q = user;

	(void)offset, (void)data, (void)stream_user;
	if (id != q->stream)
		return 0; /* the server opens none: nothing to read there */
	q->got += len;
	ngtcp2_conn_extend_max_stream_offset(conn, id, len);
	ngtcp2_conn_extend_max_offset(conn, len);
	if (q->got > q->want ||
	    ((flags & NGTCP2_STREAM_DATA_FLAG_FIN) && q->got != q->want)) {
		br_quic_fail(q, -EPROTO);
		return NGTCP2_ERR_CALLBACK_FAILURE;
	}
	if (flags & NGTCP2_STREAM_DATA_FLAG_FIN)
		q->state = BR_QUIC_DONE;
	return 0;
}

static int br_quic_reset(ngtcp2_conn *conn,
			 const ngtcp2_pkt_stateless_reset *sr, void *user)
{
	(void)conn, (void)sr;
	br_quic_fail(user, -ECONNRESET);
	return 0;
}

/* The connection and its TLS session, on the socket's own addresses. */
static int br_quic_conn_new(struct br_quic *q, const char *sni, uint64_t now)
{
	ngtcp2_callbacks cb = {
		.handshake_completed = br_quic_handshake_done,
		.recv_stream_data = br_quic_recv_stream,
		.recv_stateless_reset = br_quic_reset,
	};
	uint8_t ids[2 * BR_QUIC_CID_LEN];
	ngtcp2_transport_params params;
	ngtcp2_settings settings;
	ngtcp2_cid dcid, scid;
	int err;

	br_quic_callbacks(&cb, false);
	br_quic_params(&params, false);
	ngtcp2_settings_default(&settings);
	settings.initial_ts = now;
	/* No deadline of ngtcp2's for the handshake: the caller has one. */
	settings.handshake_timeout = UINT64_MAX;
	br_quic_random(ids, sizeof(ids));
	ngtcp2_cid_init(&dcid, ids, BR_QUIC_CID_LEN);
	ngtcp2_cid_init(&scid, ids + BR_QUIC_CID_LEN, BR_QUIC_CID_LEN);
	err = ngtcp2_conn_client_new(&q->conn, &dcid, &scid, &q->path,
				     NGTCP2_PROTO_VER_V1, &cb, &settings,
				     &params, NULL, q);
	if (err)
		return br_quic_errno(err);
	if (gnutls_certificate_allocate_credentials(&q->cred))
		return -ENOMEM;
	/* No trust store and no verification: see labquic.h. */
	err = br_quic_tls_session(&q->tls, false, q->cred, &q->ref);
	if (err)
		return err;
	if (sni &&
	    gnutls_server_name_set(q->tls, GNUTLS_NAME_DNS, sni, strlen(sni)))
		return -EINVAL;
	ngtcp2_conn_set_tls_native_handle(q->conn, q->tls);
	return 0;
}

int br_quic_client_new(struct br_quic **out, int fd, const char *sni,
		       uint64_t now)
{
	socklen_t llen = sizeof(struct sockaddr_storage);
	socklen_t rlen = llen;
	struct br_quic *q;
	int err;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->fd = fd;
	q->stream = -1;
	q->last = now;
	q->ref.get_conn = br_quic_get_conn;
	q->ref.user_data = q;
	if (getsockname(fd, (struct sockaddr *)&q->local, &llen) ||
	    getpeername(fd, (struct sockaddr *)&q->remote, &rlen)) {
		err = -errno;
		goto out;
	}
	q->path.local.addr = (ngtcp2_sockaddr *)&q->local;
	q->path.local.addrlen = llen;
	q->path.remote.addr = (ngtcp2_sockaddr *)&q->remote;
	q->path.remote.addrlen = rlen;
	err = br_quic_conn_new(q, sni, now);
	if (!err)
		err = br_quic_write(q, now); /* the Initial */
out:
	if (err) {
		br_quic_free(q);
		return err;
	}
	*out = q;
	return 0;
}

/* Every datagram waiting on the socket, into ngtcp2. 0 or -errno. */
static int br_quic_read(struct br_quic *q, uint64_t now)
{
	/* static: off the stack, shared by all connections of one loop */
	static uint8_t buf[BR_QUIC_RX_MAX];
	ngtcp2_pkt_info pi = { 0 };
	ssize_t n;
	int err;

	for (;;) {
		n = recv(q->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/* An ICMP error on the connected socket: a lost datagram. */
		if (n < 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			      errno == ENETUNREACH || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			continue; /* an empty datagram is no packet */
		err = ngtcp2_conn_read_pkt(q->conn, &q->path, &pi, buf, n, now);
		if (err)
			return q->state == BR_QUIC_FAILED ? q->err
							  : br_quic_errno(err);
	}
}

/* The request's bytes still unsent, as the vector writev_stream takes. */
static size_t br_quic_pending(struct br_quic *q, ngtcp2_vec *v)
{
	if (q->stream < 0 || q->req_sent == q->req_len)
		return 0;
	v->base = (uint8_t *)q->req + q->req_sent;
	v->len = q->req_len - q->req_sent;
	return 1;
}

/*
 * Whatever ngtcp2 has to send, the request's bytes with it. A datagram
 * the socket cannot take now counts as lost: QUIC recovers from that.
 */
static int br_quic_write(struct br_quic *q, uint64_t now)
{
	uint8_t buf[BR_QUIC_TX_MAX];
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n, sent;
	ngtcp2_vec v;
	size_t cnt;

	for (;;) {
		cnt = br_quic_pending(q, &v);
		sent = -1;
		n = ngtcp2_conn_writev_stream(
			q->conn, NULL, &pi, buf, sizeof(buf), &sent,
			NGTCP2_WRITE_STREAM_FLAG_FIN, cnt ? q->stream : -1,
			cnt ? &v : NULL, cnt, now);
		if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED ||
		    n == NGTCP2_ERR_STREAM_SHUT_WR) {
			/* not yet (or no more) room for the request */
			n = ngtcp2_conn_writev_stream(q->conn, NULL, &pi, buf,
						      sizeof(buf), NULL, 0, -1,
						      NULL, 0, now);
			cnt = 0;
		}
		if (n < 0)
			return br_quic_errno(n);
		if (n == 0)
			break;
		if (cnt && sent > 0)
			q->req_sent += sent;
		if (send(q->fd, buf, n, 0) < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != ECONNREFUSED &&
		    errno != EHOSTUNREACH && errno != ENETUNREACH &&
		    errno != EPERM)
			return -errno;
	}
	ngtcp2_conn_update_pkt_tx_time(q->conn, now);
	return 0;
}

int br_quic_client_io(struct br_quic *q, uint64_t now)
{
	int err;

	q->last = now;
	if (q->state == BR_QUIC_FAILED)
		return q->err;
	err = br_quic_read(q, now);
	if (!err && ngtcp2_conn_get_expiry(q->conn) <= now) {
		err = ngtcp2_conn_handle_expiry(q->conn, now);
		err = err ? br_quic_errno(err) : 0;
	}
	if (!err)
		err = br_quic_write(q, now);
	if (err)
		br_quic_fail(q, err);
	return q->state == BR_QUIC_FAILED ? q->err : 0;
}

uint64_t br_quic_timer(const struct br_quic *q)
{
	return ngtcp2_conn_get_expiry(q->conn);
}

enum br_quic_state br_quic_state(const struct br_quic *q)
{
	return q->state;
}

int br_quic_get(struct br_quic *q, uint64_t n, uint64_t now)
{
	int len, err;

	if (q->state != BR_QUIC_UP || q->stream >= 0)
		return -EINVAL;
	len = snprintf(q->req, sizeof(q->req), "GET %" PRIu64 "\n", n);
	err = ngtcp2_conn_open_bidi_stream(q->conn, &q->stream, NULL);
	if (err)
		return br_quic_errno(err);
	q->req_len = len;
	q->want = n;
	return br_quic_client_io(q, now);
}

uint64_t br_quic_received(const struct br_quic *q)
{
	return q->got;
}

/* CONNECTION_CLOSE, no error, one datagram: the server may drop us now. */
static void br_quic_close(struct br_quic *q)
{
	uint8_t buf[BR_QUIC_TX_MAX];
	ngtcp2_connection_close_error ccerr;
	ngtcp2_pkt_info pi;
	ngtcp2_ssize n;

	if (ngtcp2_conn_is_in_closing_period(q->conn) ||
	    ngtcp2_conn_is_in_draining_period(q->conn))
		return;
	ngtcp2_connection_close_error_default(&ccerr);
	n = ngtcp2_conn_write_connection_close(q->conn, NULL, &pi, buf,
					       sizeof(buf), &ccerr, q->last);
	if (n > 0 && send(q->fd, buf, n, 0) < 0)
		return; /* lost: the server's idle timeout takes over */
}

void br_quic_free(struct br_quic *q)
{
	if (!q)
		return;
	if (q->conn && q->tls && q->state != BR_QUIC_FAILED)
		br_quic_close(q);
	if (q->conn)
		ngtcp2_conn_del(q->conn);
	if (q->tls)
		gnutls_deinit(q->tls);
	if (q->cred)
		gnutls_certificate_free_credentials(q->cred);
	free(q);
}
