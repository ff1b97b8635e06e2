// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve.c - see serve.h: the ports, the control socket, and the loop.
 * One thread, one epoll set, every socket nonblocking: a client that
 * connects and says nothing, or asks for megabytes and never reads them,
 * only ever waits for itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "labproto.h"
#include "log.h"
#include "namemap.h"
#include "serve.h"
#include "serve_conn.h"
#include "serve_line.h"
#include "serve_tls.h"
#include "serve_udp.h"

#define BR_SERVE_EVENTS 64 /* epoll events taken per wait */

/* One number of a port list: 1 to 65535, digits only. */
static int br_serve_port(const char *s, const char *end, unsigned int *out)
{
	unsigned int n = 0;

	if (s == end || end - s > 5)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (*s - '0');
	}
	if (n < 1 || n > 65535)
		return -EINVAL;
	*out = n;
	return 0;
}

int br_serve_ports_parse(const char *text, struct br_serve_ports *p)
{
	const char *item = text, *comma, *dash;
	unsigned int lo, hi, port;
	size_t i;

	for (;;) {
		comma = strchr(item, ',');
		if (!comma)
			comma = item + strlen(item);
		dash = memchr(item, '-', comma - item);
		if (br_serve_port(item, dash ? dash : comma, &lo) ||
		    br_serve_port(dash ? dash + 1 : item, comma, &hi) ||
		    hi < lo)
			return -EINVAL;
		for (port = lo; port <= hi; port++) {
			for (i = 0; i < p->n && p->port[i] != port; i++)
				;
			if (i < p->n)
				continue;
			if (p->n == BR_SERVE_PORTS_MAX)
				return -E2BIG;
			p->port[p->n++] = port;
		}
		if (!*comma)
			return 0;
		item = comma + 1;
	}
}

/*
 * A socket bound to the wildcard address on port: it answers every
 * address the namespace routes local. IPv6 only on the IPv6 one, so that
 * the IPv4 one can have the port too.
 */
static int br_serve_socket(int family, int type, __u16 port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd, on = 1, err = 0;

	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on))))
		err = -errno;
	if (!err && type == SOCK_DGRAM)
		err = br_udp_setup(fd, family);
	if (!err &&
	    (family == AF_INET6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
				: bind(fd, (struct sockaddr *)&a4, sizeof(a4))))
		err = -errno;
	if (!err && type == SOCK_STREAM && listen(fd, BR_SERVE_BACKLOG))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Every port of the configuration, IPv4 and IPv6; errors printed. */
static int br_serve_open_ports(struct br_server *s,
			       const struct br_serve_conf *conf)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const struct br_serve_ports *ports;
	int type, fd, err;
	size_t i, f;

	for (type = 0; type < 2; type++) {
		ports = type ? &conf->udp : &conf->tcp;
		for (i = 0; i < ports->n; i++)
			for (f = 0; f < 2; f++) {
				fd = br_serve_socket(families[f],
						     type ? SOCK_DGRAM
							  : SOCK_STREAM,
						     ports->port[i]);
				err = fd < 0 ? fd
					     : br_conn_add(
						       s, fd,
						       type ? BR_CONN_UDP
							    : BR_CONN_LISTEN,
						       NULL);
				if (!err)
					continue;
				if (fd >= 0)
					close(fd);
				br_err("lab serve: %s port %u (%s): %s",
				       type ? "UDP" : "TCP", ports->port[i],
				       f ? "IPv6" : "IPv4", strerror(-err));
				return err;
			}
	}
	return 0;
}

/* The control socket at path, mode 0600, replacing a former one. */
static int br_serve_ctl(struct br_server *s, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	mode_t mask;
	int fd, err = 0;

	if (strlen(path) >= sizeof(a.sun_path)) {
		br_err("lab serve: %s: path too long for a socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	mask = umask(0177); /* no moment with a wider mode */
	if (!err && bind(fd, (struct sockaddr *)&a, sizeof(a)))
		err = -errno;
	umask(mask);
	if (!err && (listen(fd, BR_SERVE_BACKLOG) || chmod(path, 0600)))
		err = -errno;
	if (!err)
		err = br_conn_add(s, fd, BR_CONN_CTL_LISTEN, NULL);
	if (err) {
		br_err("lab serve: %s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
	}
	return err;
}

/*
 * As many open files as the hard limit allows: hundreds of devices with
 * a few connections each pass the usual soft limit of 1024.
 */
static void br_serve_files(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* SIGTERM and SIGINT as events of the loop; SIGPIPE ignored. */
static int br_serve_signals(struct br_server *s)
{
	sigset_t set;
	int fd, err;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = br_conn_add(s, fd, BR_CONN_SIGNAL, NULL);
	if (err)
		close(fd);
	return err;
}

/* Take every connection waiting on a listener. */
static void br_serve_accept(struct br_server *s, struct br_conn *l)
{
	enum br_conn_kind kind =
		l->kind == BR_CONN_LISTEN ? BR_CONN_DEVICE : BR_CONN_CTL;
	int fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
		    s->spare_fd >= 0) {
			/*
			 * Out of files: the waiting connection would wake the
			 * loop forever. Refuse it with the spare descriptor.
			 */
			close(s->spare_fd);
			fd = accept(l->fd, NULL, NULL);
			if (fd >= 0) {
				close(fd);
				s->count[BR_SERVE_refused]++;
			}
			s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			/* (accept says EMFILE before it looks for a connection) */
			if (fd < 0)
				return;
			continue;
		}
		if (fd < 0)
			return; /* EAGAIN: all taken */
		if (br_conn_add(s, fd, kind, NULL)) {
			close(fd);
			continue;
		}
		if (kind == BR_CONN_DEVICE)
			s->count[BR_SERVE_connections]++;
	}
}

/* A device's or a control client's socket is ready: move it on. */
static void br_serve_talk(struct br_server *s, struct br_conn *c)
{
	int err = br_conn_start(s, c);

	if (err > 0) {
		err = br_conn_flush(s, c);
		if (!err)
			err = br_line_input(s, c);
		if (!err)
			err = br_conn_flush(s, c);
	}
	if (err == -EPROTO) {
		s->count[BR_SERVE_bad_lines]++;
		br_conn_flush(s, c); /* the answers before it, if they fit */
	}
	if (!err && !(c->eof && !br_conn_pending(c)))
		err = br_conn_watch(s, c);
	else if (!err)
		err = -ECONNRESET; /* the peer is done and so are we */
	if (err < 0)
		br_conn_close(s, c);
}

/* Until a signal; 0, or a negative errno of epoll. */
static int br_serve_loop(struct br_server *s)
{
	struct epoll_event ev[BR_SERVE_EVENTS];
	struct br_conn *c;
	int i, n;

	for (;;) {
		n = epoll_wait(s->epfd, ev, BR_SERVE_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			switch (c->kind) {
			case BR_CONN_SIGNAL:
				return 0;
			case BR_CONN_LISTEN:
			case BR_CONN_CTL_LISTEN:
				br_serve_accept(s, c);
				break;
			case BR_CONN_UDP:
				br_udp_echo(s, c);
				break;
			default:
				br_serve_talk(s, c);
			}
		}
	}
}

/* The counters, one line on stderr, each number saying what it counts. */
static void br_serve_report(const struct br_server *s)
{
	static const char *const what[] = {
#define BR_SERVE_WHAT(name, text) text,
		BR_SERVE_COUNTERS(BR_SERVE_WHAT)
#undef BR_SERVE_WHAT
	};
	int i;

	fprintf(stderr, "blastradius: lab serve:");
	for (i = 0; i < BR_SERVE_N_COUNTERS; i++)
		fprintf(stderr, "%s %llu %s", i ? "," : "",
			(unsigned long long)s->count[i], what[i]);
	fprintf(stderr, "\n");
}

int br_serve_run(const struct br_serve_conf *conf)
{
	struct br_server s = {
		.epfd = -1, .spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
	};
	bool ctl_made = false;
	char ctl[4096];
	int err;

	snprintf(ctl, sizeof(ctl), "%s/%s", conf->dir, BR_LAB_CTL);
	br_serve_files();
	err = br_serve_tls_new(conf->dir, &s.tls);
	if (err)
		goto out; /* printed */
	err = br_namemap_new(&s.chans);
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!err && s.epfd < 0)
		err = -errno;
	if (!err)
		err = br_serve_signals(&s);
	if (err) {
		br_err("lab serve: %s", strerror(-err));
		goto out;
	}
	err = br_serve_open_ports(&s, conf);
	if (!err)
		err = br_serve_ctl(&s, ctl);
	if (err)
		goto out; /* printed */
	ctl_made = true;
	err = br_serve_loop(&s);
	if (err)
		br_err("lab serve: epoll: %s", strerror(-err));
	s.count[BR_SERVE_names] = br_serve_tls_names(s.tls);
	br_serve_report(&s);
out:
	while (s.conns)
		br_conn_close(&s, s.conns);
	if (ctl_made)
		unlink(ctl);
	if (s.epfd >= 0)
		close(s.epfd);
	if (s.spare_fd >= 0)
		close(s.spare_fd);
	br_namemap_free(s.chans);
	br_serve_tls_free(s.tls);
	return err ? 1 : 0;
}
