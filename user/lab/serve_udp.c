// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve_udp.c - see serve_udp.h. The destination comes in IP_PKTINFO
 * (IPV6_PKTINFO) and goes back as the reply's source. IPv6 checks that
 * source against the addresses configured, which AnyIP's are not:
 * IPV6_FREEBIND lifts that check (IPv4 already accepts an address routed
 * local).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "serve_conn.h"
#include "serve_udp.h"

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 /* linux/in6.h, since Linux 4.15 */
#endif

#define BR_UDP_MAX 65536

int br_udp_setup(int fd, int family)
{
	int on = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on))
			       ? -errno
			       : 0;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof(on)))
		return -errno;
	return 0;
}

/* Make the destination in msg's IP_PKTINFO its source, for the reply. */
static void br_udp_turn(struct msghdr *msg)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (void *)CMSG_DATA(cm);

			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (void *)CMSG_DATA(cm);

			pi->ipi6_ifindex = 0;
		}
	}
}

void br_udp_echo(struct br_server *s, struct br_conn *c)
{
	static char buf[BR_UDP_MAX];
	char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_in6 from;
	struct iovec iov;
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		iov = (struct iovec){ .iov_base = buf, .iov_len = sizeof(buf) };
		msg = (struct msghdr){ .msg_name = &from,
				       .msg_namelen = sizeof(from),
				       .msg_iov = &iov,
				       .msg_iovlen = 1,
				       .msg_control = ctl,
				       .msg_controllen = sizeof(ctl) };
		n = recvmsg(c->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			return; /* EAGAIN: all echoed; else the next event */
		br_udp_turn(&msg);
		iov.iov_len = n;
		/* a reply the socket cannot take now is lost, as on a link */
		if (sendmsg(c->fd, &msg, MSG_DONTWAIT) == n)
			s->count[BR_SERVE_udp]++;
	}
}
