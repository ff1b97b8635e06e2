// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve_line.c - see serve_line.h. A line is words split by single
 * spaces, each printable ASCII, ending in '\n'; anything else, an unknown
 * verb or a wrong count of words is a bad line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "namemap.h"
#include "serve_conn.h"
#include "serve_line.h"

#define BR_LINE_WORDS 6 /* PUSH dev key id n, and one too many */

/* Split line (NUL-terminated, no '\n') into w; the count, or -EPROTO. */
static int br_line_split(char *line, char **w)
{
	int n = 0;
	char *p;

	for (p = line; *p; p++)
		if (*p < '!' && *p != ' ')
			return -EPROTO;
		else if (*p > '~')
			return -EPROTO;
	for (p = line; n < BR_LINE_WORDS; n++) {
		w[n] = p;
		p = strchr(p, ' ');
		if (w[n] == p || !*w[n])
			return -EPROTO; /* an empty word */
		if (!p)
			return n + 1;
		*p++ = '\0';
	}
	return -EPROTO;
}

/* A body's length: decimal digits, at most BR_SERVE_BODY_MAX. */
static int br_line_count(const char *s, __u64 *out)
{
	__u64 n = 0;

	if (!*s || strlen(s) > 20)
		return -EPROTO;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EPROTO;
		n = n * 10 + (*s - '0');
		if (n > BR_SERVE_BODY_MAX)
			return -EPROTO;
	}
	*out = n;
	return 0;
}

/* printf into c's output; a line is never over BR_LAB_LINE_MAX. */
static int __attribute__((format(printf, 2, 3)))
br_line_reply(struct br_conn *c, const char *fmt, ...)
{
	char line[BR_LAB_LINE_MAX + 32];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return br_conn_queue(c, line, len);
}

/* CHAN dev key: c is now the channel of (dev, key), a former one not. */
static int br_line_chan(struct br_server *s, struct br_conn *c, char **w)
{
	struct br_conn *old;
	char name[BR_LAB_LINE_MAX];
	int err;

	snprintf(name, sizeof(name), "%s %s", w[1], w[2]);
	if (c->chan[0] && strcmp(c->chan, name))
		br_namemap_drop(s->chans, c->chan, c);
	err = br_namemap_set(s->chans, name, c, (void **)&old);
	if (err)
		return err;
	if (old && old != c)
		old->chan[0] = '\0'; /* the device reconnected */
	strcpy(c->chan, name);
	s->count[BR_SERVE_channels]++;
	return br_conn_queue(c, "OK\n", 3);
}

/* ACK id: to every control client as ACKED id. */
static int br_line_ack(struct br_server *s, const char *id)
{
	struct br_conn *ctl;
	int err;

	s->count[BR_SERVE_acks]++;
	for (ctl = s->conns; ctl; ctl = ctl->next) {
		if (ctl->kind != BR_CONN_CTL)
			continue;
		err = br_line_reply(ctl, "ACKED %s\n", id);
		if (!err)
			err = br_conn_watch(s, ctl);
		if (err)
			return err;
	}
	return 0;
}

static int br_line_device(struct br_server *s, struct br_conn *c, char **w,
			  int n)
{
	__u64 len;

	if (n == 2 && !strcmp(w[0], "GET")) {
		if (br_line_count(w[1], &len))
			return -EPROTO;
		s->count[BR_SERVE_gets]++;
		br_conn_fill(c, len);
		return 0;
	}
	if (n == 3 && !strcmp(w[0], "CHAN"))
		return br_line_chan(s, c, w);
	if (n == 1 && !strcmp(w[0], "PING"))
		return br_conn_queue(c, "PONG\n", 5);
	if (n == 3 && !strcmp(w[0], "SEND")) {
		if (br_line_count(w[2], &c->body))
			return -EPROTO;
		strcpy(c->body_id, w[1]); /* OK id once the body is in */
		return 0;
	}
	if (n == 2 && !strcmp(w[0], "ACK"))
		return br_line_ack(s, w[1]);
	return -EPROTO;
}

/* PUSH dev key id n: "PUSH id n" and n bytes down the channel. */
static int br_line_ctl(struct br_server *s, struct br_conn *c, char **w, int n)
{
	char name[BR_LAB_LINE_MAX];
	struct br_conn *ch;
	__u64 len;
	int err;

	if (n != 5 || strcmp(w[0], "PUSH") || br_line_count(w[4], &len))
		return -EPROTO;
	snprintf(name, sizeof(name), "%s %s", w[1], w[2]);
	ch = br_namemap_get(s->chans, name);
	if (!ch) {
		s->count[BR_SERVE_nochan]++;
		return br_line_reply(c, "NOCHAN %s\n", w[3]);
	}
	err = br_line_reply(ch, "PUSH %s %s\n", w[3], w[4]);
	if (err)
		return err;
	br_conn_fill(ch, len);
	err = br_conn_watch(s, ch);
	if (err)
		return err;
	s->count[BR_SERVE_pushes]++;
	return br_line_reply(c, "SENT %s\n", w[3]);
}

/* The whole lines and SEND bodies in c->in, until output backs up. */
static int br_line_consume(struct br_server *s, struct br_conn *c)
{
	char *w[BR_LINE_WORDS], *nl;
	size_t k;
	int n, err = 0;

	while (!err && c->in_len && br_conn_pending(c) <= BR_CONN_OUT_HIGH) {
		if (c->body) {
			k = c->body < c->in_len ? c->body : c->in_len;
			c->body -= k;
		} else {
			nl = memchr(c->in, '\n', c->in_len);
			if (!nl)
				return c->in_len == sizeof(c->in) ? -EPROTO : 0;
			*nl = '\0';
			k = nl - c->in + 1;
			n = br_line_split(c->in, w);
			if (n < 0)
				return n;
			err = c->kind == BR_CONN_CTL
				      ? br_line_ctl(s, c, w, n)
				      : br_line_device(s, c, w, n);
		}
		memmove(c->in, c->in + k, c->in_len - k);
		c->in_len -= k;
		if (!err && c->body == 0 && c->body_id[0]) {
			err = br_line_reply(c, "OK %s\n", c->body_id);
			c->body_id[0] = '\0';
		}
	}
	return err;
}

int br_line_input(struct br_server *s, struct br_conn *c)
{
	char scratch[BR_LAB_LINE_MAX * 128];
	ssize_t n;
	int err;

	for (;;) {
		err = br_line_consume(s, c);
		if (err || br_conn_pending(c) > BR_CONN_OUT_HIGH || c->eof)
			return err;
		if (c->body && !c->in_len) {
			/* a SEND's body: read in bulk, not line by line */
			n = br_conn_recv(s, c, scratch,
					 c->body < sizeof(scratch)
						 ? c->body
						 : sizeof(scratch));
			if (n > 0)
				c->body -= n;
			if (n > 0 && !c->body) {
				err = br_line_reply(c, "OK %s\n", c->body_id);
				c->body_id[0] = '\0';
			}
		} else {
			n = br_conn_recv(s, c, c->in + c->in_len,
					 sizeof(c->in) - c->in_len);
			if (n > 0)
				c->in_len += n;
		}
		if (err || n == -EAGAIN)
			return err;
		if (n == 0)
			c->eof = true;
		if (n < 0)
			return n;
	}
}
