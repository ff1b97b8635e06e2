// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_lab_quic.c - blastradius lab quic-serve --port N [--port N...]
 *                  blastradius lab quic-get ADDR PORT SNI N [--bind ADDR]
 *
 * The lab's QUIC server (lab/labquic.h), and a client for debugging it and
 * for the tests: one connection through the same client API the device
 * emulator drives, one "GET N", the bytes received and the time taken.
 * The two are subcommands of `lab`, whose table row declares no options
 * (cmdtable.c), so their few options are parsed here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "cmdline.h"
#include "log.h"
#include "labquic.h"

#define BR_QUIC_GET_DEADLINE_NS (10 * 1000000000ull)

static uint64_t br_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A decimal number in [lo, hi]; 0 or -EINVAL. */
static int br_parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v < lo || *v > hi ? -EINVAL : 0;
}

/* An IPv4 or IPv6 address and port into ss; 0 or -EINVAL. */
static int br_parse_sockaddr(const char *addr, uint16_t port,
			     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

/* The socket a device would have: bound (to bind, if given), connected. */
static int br_quic_get_socket(const struct sockaddr_storage *srv,
			      socklen_t srv_len, const char *bind_addr)
{
	struct sockaddr_storage local;
	socklen_t local_len;
	int fd;

	fd = socket(srv->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (bind_addr && (br_parse_sockaddr(bind_addr, 0, &local, &local_len) ||
			  local.ss_family != srv->ss_family)) {
		close(fd);
		return -EAFNOSUPPORT;
	}
	if ((bind_addr && bind(fd, (struct sockaddr *)&local, local_len)) ||
	    connect(fd, (const struct sockaddr *)srv, srv_len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Drive q until DONE, FAILED or the deadline; the final state. */
static enum br_quic_state br_quic_get_run(struct br_quic *q, int fd, uint64_t n,
					  uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now, wake;
	bool asked = false;
	int timeout;

	for (;;) {
		now = br_now_ns();
		if (br_quic_state(q) == BR_QUIC_UP && !asked) {
			asked = true;
			br_quic_get(q, n, now);
		}
		if (br_quic_state(q) >= BR_QUIC_DONE || now >= deadline)
			return br_quic_state(q);
		wake = br_quic_timer(q);
		wake = wake < deadline ? wake : deadline;
		timeout = wake <= now ? 0
				      : (int)((wake - now + 999999) / 1000000);
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
			return BR_QUIC_FAILED;
		br_quic_client_io(q, br_now_ns());
	}
}

static int br_quic_get_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{},
	};
	const char *bind_addr = NULL, *sni;
	struct sockaddr_storage srv;
	uint64_t port, n, start;
	enum br_quic_state st;
	struct br_quic *q;
	socklen_t srv_len;
	int c, fd, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (c == 'b')
			bind_addr = optarg;
		else
			return 2;
	if (argc - optind != 4 ||
	    br_parse_num(argv[optind + 1], 1, 65535, &port) ||
	    br_parse_num(argv[optind + 3], 0, UINT64_MAX, &n) ||
	    br_parse_sockaddr(argv[optind], port, &srv, &srv_len)) {
		br_err("usage: blastradius lab quic-get ADDR PORT SNI N "
		       "[--bind ADDR]");
		return 2;
	}
	sni = *argv[optind + 2] ? argv[optind + 2] : NULL;
	fd = br_quic_get_socket(&srv, srv_len, bind_addr);
	if (fd < 0) {
		br_err("quic-get: socket: %s", strerror(-fd));
		return 1;
	}
	start = br_now_ns();
	err = br_quic_client_new(&q, fd, sni, start);
	if (err) {
		br_err("quic-get: %s", strerror(-err));
		close(fd);
		return 1;
	}
	st = br_quic_get_run(q, fd, n, start + BR_QUIC_GET_DEADLINE_NS);
	printf("quic-get: %s: %" PRIu64 " of %" PRIu64
	       " response bytes received in %.3f s\n",
	       st == BR_QUIC_DONE     ? "done"
	       : st == BR_QUIC_FAILED ? "failed"
				      : "deadline (10 s) passed",
	       br_quic_received(q), n, (br_now_ns() - start) / 1e9);
	br_quic_free(q);
	close(fd);
	return st == BR_QUIC_DONE ? 0 : 1;
}

static int br_quic_serve_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{},
	};
	uint16_t ports[BR_QUIC_SERVE_PORTS_MAX];
	size_t n_ports = 0;
	uint64_t port;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p' || n_ports == BR_QUIC_SERVE_PORTS_MAX ||
		    br_parse_num(optarg, 1, 65535, &port))
			goto usage;
		ports[n_ports++] = port;
	}
	if (!n_ports || optind != argc)
		goto usage;
	err = br_quic_serve(ports, n_ports);
	return err ? 1 : 0;
usage:
	br_err("usage: blastradius lab quic-serve --port N [--port N...] "
	       "(at most %d ports)",
	       BR_QUIC_SERVE_PORTS_MAX);
	return 2;
}

int cmd_lab_quic(struct br_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (!strcmp(argv[0], "quic-get"))
		return br_quic_get_cmd(argc, argv);
	if (!strcmp(argv[0], "quic-serve"))
		return br_quic_serve_cmd(argc, argv);
	br_cmd_usage_error("lab");
	return 2;
}
