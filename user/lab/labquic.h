/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * labquic.h - the live lab's QUIC (issue 14): a nonblocking client that the
 * device emulator drives from its event loop, and the server behind
 * `blastradius lab quic-serve`. ngtcp2 carries the transport, GnuTLS the
 * handshake.
 *
 * What goes on the wire is what a browser's HTTP/3 connection opens
 * with: QUIC version 1, a ClientHello offering ALPN "h3" and carrying
 * the SNI, in an Initial padded to at least 1200 bytes (RFC 9000, 14.1).
 * The censor reads only the Initial (bpf/quic.h). What follows is not
 * HTTP/3 framing but the lab's line protocol (labproto.h), of which QUIC
 * uses only GET: "GET n\n" on a bidirectional stream, answered with
 * exactly n bytes and FIN.
 *
 * The client does not verify the server's certificate: the lab's server
 * answers for every name with one self-signed certificate, it is not the
 * name's owner, and what the lab measures is whether the censor lets
 * the handshake through, not who is on the other end.
 */
#ifndef BR_LABQUIC_H
#define BR_LABQUIC_H

#include <stddef.h>
#include <stdint.h>

struct br_quic;

enum br_quic_state {
	BR_QUIC_HANDSHAKE, /* the Initial is out, no handshake yet */
	BR_QUIC_UP,	   /* handshake complete: br_quic_get may go */
	BR_QUIC_DONE,	   /* the response arrived whole, with its FIN */
	BR_QUIC_FAILED,	   /* closed by the peer, reset, or idle 30 s */
};

/*
 * A client connection on fd: a UDP socket the caller created, bound to
 * the device's address, connected to the server, nonblocking (it stays
 * the caller's). sni: the name the ClientHello carries, NULL for none.
 * now: CLOCK_MONOTONIC in ns, as for every call below. Sends the
 * Initial before it returns. 0 or -errno.
 */
int br_quic_client_new(struct br_quic **out, int fd, const char *sni,
		       uint64_t now);

/*
 * After fd was readable or the timer came: read what arrived, act on
 * it, send what is due. 0 while the connection can go on; -errno when it
 * cannot, and the state is then FAILED: -ECONNRESET (the peer closed it
 * or reset it), -ETIMEDOUT (idle 30 s), -EPROTO (the response broke the
 * protocol), -ENOMEM and the like for local failures. There is no
 * retransmission policy beyond ngtcp2's: the caller gives up at its own
 * deadline by freeing. Not thread-safe: one thread drives every
 * connection (they share a receive buffer).
 */
int br_quic_client_io(struct br_quic *q, uint64_t now);

/* When br_quic_client_io is next due, absolute ns; UINT64_MAX: never. */
uint64_t br_quic_timer(const struct br_quic *q);

enum br_quic_state br_quic_state(const struct br_quic *q);

/*
 * Once UP: "GET n\n" on a new bidirectional stream (sent by the next
 * br_quic_client_io, which this calls); the response, n bytes then FIN,
 * makes the state DONE. One request per connection. 0 or -errno
 * (-EINVAL before UP or for a second request).
 */
int br_quic_get(struct br_quic *q, uint64_t n, uint64_t now);

/* Response bytes received so far. */
uint64_t br_quic_received(const struct br_quic *q);

/*
 * Free the connection; an open one is closed with a CONNECTION_CLOSE
 * first (no error), so the server forgets it at once. Closes nothing it
 * did not open: fd stays the caller's. NULL is fine.
 */
void br_quic_free(struct br_quic *q);

/*
 * The server: UDP on 0.0.0.0 and [::] of each of ports[0..n), every
 * bidirectional stream's "GET n\n" answered with n bytes and FIN, each
 * reply from the address its request was sent to (the lab routes whole
 * prefixes "local": AnyIP); at most BR_QUIC_SERVE_PORTS_MAX ports. Runs
 * until SIGTERM or SIGINT, then closes every open connection
 * (CONNECTION_CLOSE, no error) and writes its counts on stderr. 0, or
 * -errno when it could not start.
 */
#define BR_QUIC_SERVE_PORTS_MAX 16
int br_quic_serve(const uint16_t *ports, size_t n);

#endif /* BR_LABQUIC_H */
