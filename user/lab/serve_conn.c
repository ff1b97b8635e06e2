// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve_conn.c - see serve_conn.h. Filler (a GET's response, a push's
 * payload) is counted, not buffered, so a 4 MB GET to a client that never
 * reads costs a counter; it turns into bytes only when something must
 * follow it in the same buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include "namemap.h"
#include "serve_conn.h"
#include "serve_tls.h"

#define BR_TLS_RECORD 0x16 /* a TLS handshake record's first byte */
#define BR_CONN_CHUNK 16384

static const char br_filler[BR_CONN_CHUNK] = { [0 ... BR_CONN_CHUNK - 1] =
						       'x' };

int br_conn_add(struct br_server *s, int fd, enum br_conn_kind kind,
		struct br_conn **out)
{
	struct br_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->kind = kind;
	c->state = kind == BR_CONN_DEVICE ? BR_CONN_DETECT : BR_CONN_LINES;
	c->events = ev.events;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(c);
		return -errno;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	if (out)
		*out = c;
	return 0;
}

void br_conn_close(struct br_server *s, struct br_conn *c)
{
	if (c->chan[0])
		br_namemap_drop(s->chans, c->chan, c);
	SSL_free(c->ssl);
	close(c->fd); /* leaves the epoll set too */
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->out);
	free(c);
}

/* Room for len more bytes at the end of out, moving the written away. */
static int br_conn_room(struct br_conn *c, size_t len)
{
	size_t cap;
	char *p;

	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + len <= c->out_cap)
		return 0;
	cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + len)
		cap *= 2;
	p = realloc(c->out, cap);
	if (!p)
		return -ENOMEM;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

int br_conn_queue(struct br_conn *c, const void *buf, size_t len)
{
	int err = br_conn_room(c, c->fill + len);

	if (err)
		return err;
	memset(c->out + c->out_len, 'x', c->fill);
	c->out_len += c->fill;
	c->fill = 0;
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

void br_conn_fill(struct br_conn *c, __u64 n)
{
	c->fill += n;
}

__u64 br_conn_pending(const struct br_conn *c)
{
	return c->out_len - c->out_off + c->fill;
}

/*
 * An SSL call's outcome: its count, -EAGAIN (waiting), or an error. The
 * thread's error queue is read too: the caller cleared it before the call
 * (br_conn_ssl_begin), or another connection's error would count here.
 */
static int br_conn_ssl_result(struct br_conn *c, int ret)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_NONE:
		return ret;
	case SSL_ERROR_WANT_WRITE:
		c->want_write = true;
		return -EAGAIN;
	case SSL_ERROR_WANT_READ:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		return -ECONNRESET;
	}
}

static void br_conn_ssl_begin(struct br_conn *c)
{
	ERR_clear_error();
	c->want_write = false;
}

int br_conn_start(struct br_server *s, struct br_conn *c)
{
	unsigned char first;
	ssize_t n;
	int ret;

	if (c->state == BR_CONN_DETECT) {
		n = recv(c->fd, &first, 1, MSG_PEEK);
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -ECONNRESET;
		c->state = first == BR_TLS_RECORD ? BR_CONN_HANDSHAKE
						  : BR_CONN_LINES;
		if (c->state == BR_CONN_HANDSHAKE) {
			c->ssl = br_serve_tls_accept(s->tls, c->fd);
			if (!c->ssl)
				return -ENOMEM;
		}
	}
	if (c->state != BR_CONN_HANDSHAKE)
		return 1;
	br_conn_ssl_begin(c);
	ret = br_conn_ssl_result(c, SSL_do_handshake(c->ssl));
	if (ret == -EAGAIN)
		return 0;
	if (ret <= 0) {
		s->count[BR_SERVE_tls_failed]++;
		return -ECONNRESET;
	}
	s->count[BR_SERVE_tls]++;
	if (SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name))
		s->count[BR_SERVE_tls_sni]++;
	c->state = BR_CONN_LINES;
	return 1;
}

/* Write up to len bytes: the count, -EAGAIN, or an error. */
static ssize_t br_conn_send(struct br_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl) {
		br_conn_ssl_begin(c);
		return br_conn_ssl_result(c, SSL_write(c->ssl, buf, len))
			       ?: -ECONNRESET;
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

int br_conn_flush(struct br_server *s, struct br_conn *c)
{
	ssize_t n;
	size_t len;

	while (c->state == BR_CONN_LINES && br_conn_pending(c)) {
		len = c->out_len - c->out_off;
		if (len)
			n = br_conn_send(c, c->out + c->out_off,
					 len < BR_CONN_CHUNK ? len
							     : BR_CONN_CHUNK);
		else
			n = br_conn_send(c, br_filler,
					 c->fill < BR_CONN_CHUNK
						 ? c->fill
						 : BR_CONN_CHUNK);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return n;
		s->count[BR_SERVE_bytes_out] += n;
		if (len)
			c->out_off += n;
		else
			c->fill -= n;
		if (c->out_off == c->out_len)
			c->out_off = c->out_len = 0;
	}
	return 0;
}

ssize_t br_conn_recv(struct br_server *s, struct br_conn *c, void *buf,
		     size_t len)
{
	ssize_t n;

	if (c->ssl) {
		br_conn_ssl_begin(c);
		n = br_conn_ssl_result(c, SSL_read(c->ssl, buf, len));
	} else {
		n = recv(c->fd, buf, len, 0);
		if (n < 0)
			n = -errno;
	}
	if (n > 0)
		s->count[BR_SERVE_bytes_in] += n;
	return n;
}

int br_conn_watch(struct br_server *s, struct br_conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	if (!c->eof && (c->state != BR_CONN_LINES ||
			br_conn_pending(c) <= BR_CONN_OUT_HIGH))
		ev.events |= EPOLLIN;
	if (c->want_write || (c->state == BR_CONN_LINES && br_conn_pending(c)))
		ev.events |= EPOLLOUT;
	if (ev.events == c->events)
		return 0;
	c->events = ev.events;
	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) ? -errno : 0;
}
