/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve.h - blastradius lab serve: the live lab's servers in one process,
 * run in the lab's server namespace. TCP ports answer plain or TLS (told
 * apart by the first byte) with labproto.h's lines; the control socket
 * takes pushes for the devices' channels; UDP ports echo.
 */
#ifndef BR_SERVE_H
#define BR_SERVE_H

#include <stddef.h>
#include <linux/types.h>

/* Ports of one protocol (assumption: a lab's services use a few dozen). */
#define BR_SERVE_PORTS_MAX 256
/* Connections that may wait to be accepted on a port (hundreds of
 * devices connect at once when a lab starts). */
#define BR_SERVE_BACKLOG 4096

struct br_serve_ports {
	__u16 port[BR_SERVE_PORTS_MAX];
	size_t n;
};

struct br_serve_conf {
	const char *dir; /* the state directory: the CA, the control socket */
	struct br_serve_ports tcp, udp;
};

/*
 * Add the ports of text, a comma list of ports and ranges (443,8080-8081),
 * to p, each once. 0, or -EINVAL (not such a list; port 0) or -E2BIG.
 */
int br_serve_ports_parse(const char *text, struct br_serve_ports *p);

/*
 * Serve until SIGTERM or SIGINT, then close everything, remove the
 * control socket, print the counters on stderr: exit code 0. A failure
 * to start (port in use, directory not writable) is printed: exit 1.
 */
int br_serve_run(const struct br_serve_conf *conf);

#endif /* BR_SERVE_H */
