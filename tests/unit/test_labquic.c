/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_labquic.c - the lab's QUIC client API (user/lab/labquic.h) against
 * its server, over loopback in a network namespace of the test's own
 * (unshare: needs root, skipped without): the states a connection goes
 * through, the bytes of a response, a request refused before UP or twice,
 * 50 connections driven from one poll loop as the device emulator drives
 * them, and FAILED when the server stops (its CONNECTION_CLOSE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "labquic.h"

#define PORT 4433
#define MANY 50

static pid_t server = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Whether UDP port PORT of family af is taken (by the server). */
static bool port_taken(int af)
{
	struct sockaddr_storage ss = { .ss_family = af };
	int fd = socket(af, SOCK_DGRAM, 0);
	bool taken;

	((struct sockaddr_in *)&ss)->sin_port = htons(PORT); /* same place */
	taken = bind(fd, (struct sockaddr *)&ss,
		     af == AF_INET ? sizeof(struct sockaddr_in)
				   : sizeof(struct sockaddr_in6)) &&
		errno == EADDRINUSE;
	close(fd);
	return taken;
}

/* The server in a child process, its ports bound. 0 or -1. */
static int start_server(void)
{
	uint16_t port = PORT;
	int i;

	server = fork();
	if (server < 0)
		return -1;
	if (!server)
		_exit(br_quic_serve(&port, 1) ? 1 : 0);
	for (i = 0; i < 500 && !(port_taken(AF_INET) && port_taken(AF_INET6));
	     i++)
		usleep(10000);
	return 0;
}

/* SIGTERM: 0 when the server exits 0. */
static int stop_server(void)
{
	int status = -1;

	kill(server, SIGTERM);
	waitpid(server, &status, 0);
	server = -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A namespace of our own with lo up, and the server. */
static int setup(void **state)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	(void)state;
	if (geteuid() || unshare(CLONE_NEWNET))
		return 0; /* each test skips: server stays -1 */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ifr.ifr_flags = IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return -1;
	close(fd);
	return start_server();
}

static int teardown(void **state)
{
	(void)state;
	return server < 0 ? 0 : stop_server();
}

/* A device's socket: connected to the server on loopback, nonblocking. */
static int dev_socket(int af)
{
	struct sockaddr_in in = {
		.sin_family = AF_INET,
		.sin_port = htons(PORT),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr_in6 in6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(PORT),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(
		af == AF_INET
			? connect(fd, (struct sockaddr *)&in, sizeof(in))
			: connect(fd, (struct sockaddr *)&in6, sizeof(in6)),
		0);
	return fd;
}

/*
 * Drive n connections from one poll loop until each is DONE or FAILED
 * (or 20 s, a bound so that a broken test ends): GET want on each once
 * UP. seen_up[i]: connection i was UP at some point.
 */
static void drive(struct br_quic **q, const int *fd, size_t n, uint64_t want,
		  bool *seen_up)
{
	struct pollfd pfd[MANY];
	uint64_t end = now_ns() + 20000000000ull, now, wake;
	size_t i, open;

	for (;;) {
		now = now_ns();
		wake = end;
		open = 0;
		for (i = 0; i < n; i++) {
			enum br_quic_state st = br_quic_state(q[i]);

			pfd[i] = (struct pollfd){ .fd = fd[i],
						  .events = POLLIN };
			if (st == BR_QUIC_UP && !seen_up[i]) {
				seen_up[i] = true;
				assert_int_equal(br_quic_get(q[i], want, now),
						 0);
				st = br_quic_state(q[i]);
			}
			if (st >= BR_QUIC_DONE)
				continue;
			open++;
			if (br_quic_timer(q[i]) < wake)
				wake = br_quic_timer(q[i]);
		}
		if (!open || now >= end)
			return;
		poll(pfd, n, wake <= now ? 0 : (wake - now) / 1000000 + 1);
		now = now_ns();
		for (i = 0; i < n; i++)
			if (br_quic_state(q[i]) < BR_QUIC_DONE &&
			    (pfd[i].revents || br_quic_timer(q[i]) <= now))
				br_quic_client_io(q[i], now);
	}
}

/*
 * Drive one connection while its state is st (or 20 s, a bound so that a
 * broken test ends); what br_quic_client_io returned last.
 */
static int run_while(struct br_quic *q, int fd, enum br_quic_state st)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = now_ns() + 20000000000ull, now, wake;
	int err = 0;

	while (br_quic_state(q) == st && (now = now_ns()) < end) {
		wake = br_quic_timer(q) < end ? br_quic_timer(q) : end;
		poll(&pfd, 1, wake <= now ? 0 : (wake - now) / 1000000 + 1);
		err = br_quic_client_io(q, now_ns());
	}
	return err;
}

/* One connection of family af: the states, the bytes, free. */
static void one(int af, const char *sni, uint64_t want)
{
	struct br_quic *q;
	bool up = false;
	int fd;

	if (server < 0)
		skip();
	fd = dev_socket(af);
	assert_int_equal(br_quic_client_new(&q, fd, sni, now_ns()), 0);
	assert_int_equal(br_quic_state(q), BR_QUIC_HANDSHAKE);
	assert_int_equal(br_quic_get(q, want, now_ns()), -EINVAL);
	drive(&q, &fd, 1, want, &up);
	assert_true(up);
	assert_int_equal(br_quic_state(q), BR_QUIC_DONE);
	assert_int_equal(br_quic_received(q), want);
	/* one request a connection */
	assert_int_equal(br_quic_get(q, want, now_ns()), -EINVAL);
	br_quic_free(q);
	/* free closed nothing of ours: the socket still works */
	assert_int_not_equal(fcntl(fd, F_GETFD), -1);
	close(fd);
}

static void test_ipv4_300000(void **state)
{
	(void)state;
	one(AF_INET, "www.example.com", 300000);
}

static void test_ipv6_300000(void **state)
{
	(void)state;
	one(AF_INET6, "www.example.com", 300000);
}

static void test_get_0_is_a_fin(void **state)
{
	(void)state;
	one(AF_INET, "www.example.com", 0);
}

static void test_no_sni(void **state)
{
	(void)state;
	one(AF_INET, NULL, 1000);
}

/* MANY connections in one loop, as the device emulator runs them. */
static void test_many_in_one_loop(void **state)
{
	struct br_quic *q[MANY];
	bool up[MANY] = { false };
	int fd[MANY];
	size_t i;

	(void)state;
	if (server < 0)
		skip();
	for (i = 0; i < MANY; i++) {
		fd[i] = dev_socket(i % 2 ? AF_INET6 : AF_INET);
		assert_int_equal(br_quic_client_new(&q[i], fd[i],
						    "www.example.com",
						    now_ns()),
				 0);
	}
	drive(q, fd, MANY, 20000, up);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(br_quic_state(q[i]), BR_QUIC_DONE);
		assert_int_equal(br_quic_received(q[i]), 20000);
		br_quic_free(q[i]);
		close(fd[i]);
	}
}

/* The server stops: its CONNECTION_CLOSE fails an open connection. */
static void test_server_stop_fails_client(void **state)
{
	struct br_quic *q;
	int fd;

	(void)state;
	if (server < 0)
		skip();
	fd = dev_socket(AF_INET);
	assert_int_equal(br_quic_client_new(&q, fd, NULL, now_ns()), 0);
	run_while(q, fd, BR_QUIC_HANDSHAKE);
	assert_int_equal(br_quic_state(q), BR_QUIC_UP);
	assert_int_equal(stop_server(), 0);
	assert_int_equal(run_while(q, fd, BR_QUIC_UP), -ECONNRESET);
	assert_int_equal(br_quic_state(q), BR_QUIC_FAILED);
	br_quic_free(q);
	close(fd);
	assert_int_equal(start_server(), 0); /* for the tests after */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_300000),
		cmocka_unit_test(test_ipv6_300000),
		cmocka_unit_test(test_get_0_is_a_fin),
		cmocka_unit_test(test_no_sni),
		cmocka_unit_test(test_many_in_one_loop),
		cmocka_unit_test(test_server_stop_fails_client),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
