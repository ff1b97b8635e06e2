/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve_udp.h - the lab's UDP media ports: every datagram goes back to
 * its sender, from the address it was sent to. The server namespace
 * answers a whole range on lo (AnyIP); a reply from any other address
 * would not reach the device's connected socket.
 */
#ifndef BR_SERVE_UDP_H
#define BR_SERVE_UDP_H

struct br_server;
struct br_conn;

/* Ask the socket (AF_INET or AF_INET6) for each datagram's destination. */
int br_udp_setup(int fd, int family);

/* Echo every datagram waiting on c. */
void br_udp_echo(struct br_server *s, struct br_conn *c);

#endif /* BR_SERVE_UDP_H */
