/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve_conn.h - the lab servers' state (struct br_server) and each of
 * their sockets (struct br_conn): a device's connection with its TLS
 * detection and handshake, its input and its output buffer, all
 * nonblocking, so that a client that stalls never holds up another.
 */
#ifndef BR_SERVE_CONN_H
#define BR_SERVE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include <openssl/ssl.h>
#include "labproto.h"

/* What lab serve counts, printed as one line at exit: (name, what). */
#define BR_SERVE_COUNTERS(X)                                         \
	X(connections, "TCP connections accepted")                   \
	X(refused, "TCP connections refused, out of open files")     \
	X(tls, "TLS handshakes completed")                           \
	X(tls_sni, "TLS handshakes with an SNI")                     \
	X(tls_failed, "TLS handshakes that failed")                  \
	X(names, "server names a certificate was minted for")        \
	X(gets, "GET lines answered")                                \
	X(bytes_out, "bytes written to devices and control clients") \
	X(bytes_in, "bytes read from them")                          \
	X(channels, "CHAN lines registered")                         \
	X(pushes, "pushes written to a channel")                     \
	X(nochan, "pushes without a channel")                        \
	X(acks, "ACK lines forwarded")                               \
	X(bad_lines, "bad lines (their connection closed)")          \
	X(udp, "UDP datagrams echoed")

enum br_serve_counter {
#define BR_SERVE_ENUM(name, what) BR_SERVE_##name,
	BR_SERVE_COUNTERS(BR_SERVE_ENUM)
#undef BR_SERVE_ENUM
		BR_SERVE_N_COUNTERS
};

enum br_conn_kind {
	BR_CONN_LISTEN,	    /* a TCP port's listener */
	BR_CONN_DEVICE,	    /* a device's connection, plain or TLS */
	BR_CONN_CTL_LISTEN, /* the control socket */
	BR_CONN_CTL,	    /* a control client */
	BR_CONN_UDP,	    /* a UDP port */
	BR_CONN_SIGNAL,	    /* the signalfd of SIGTERM and SIGINT */
};

enum br_conn_state {
	BR_CONN_DETECT,	   /* waiting for the first byte: 0x16 is TLS */
	BR_CONN_HANDSHAKE, /* TLS handshake under way */
	BR_CONN_LINES,	   /* labproto.h's lines */
};

/*
 * Past this much queued output a connection's input is not read (a
 * client that pipelines requests but does not read waits for itself).
 */
#define BR_CONN_OUT_HIGH (256 * 1024)

struct br_serve_tls;
struct br_namemap;
struct br_conn;

struct br_server {
	int epfd;
	struct br_serve_tls *tls;
	struct br_namemap *chans; /* "dev key" -> its channel's br_conn */
	struct br_conn *conns;	  /* every socket, to close them at exit */
	int spare_fd;		  /* given up to refuse one when out of files */
	__u64 count[BR_SERVE_N_COUNTERS];
};

struct br_conn {
	struct br_conn *prev, *next;
	enum br_conn_kind kind;
	enum br_conn_state state;
	int fd;
	unsigned int events; /* what epoll watches for it */
	SSL *ssl;
	bool want_write; /* TLS needs the socket writable to go on */
	bool eof;	 /* the peer is done sending: close once flushed */
	char in[BR_LAB_LINE_MAX];
	size_t in_len;
	__u64 body;		       /* SEND: its bytes still to come */
	char body_id[BR_LAB_LINE_MAX]; /* and its id, for the OK */
	char *out;		       /* output not yet written */
	size_t out_off, out_len, out_cap;
	__u64 fill;		    /* filler bytes to write after out */
	char chan[BR_LAB_LINE_MAX]; /* "dev key" it is the channel of */
};

/* A socket into the server's epoll (watching input) and list. */
int br_conn_add(struct br_server *s, int fd, enum br_conn_kind kind,
		struct br_conn **out);
/* Close it: its channel dropped, its socket closed, freed. */
void br_conn_close(struct br_server *s, struct br_conn *c);

/* Output after what is queued: bytes, or n bytes of filler. 0, -ENOMEM. */
int br_conn_queue(struct br_conn *c, const void *buf, size_t len);
void br_conn_fill(struct br_conn *c, __u64 n);
/* Bytes queued and not yet written. */
__u64 br_conn_pending(const struct br_conn *c);

/*
 * Detection and TLS handshake: 1 once in BR_CONN_LINES, 0 while waiting
 * for the peer, negative errno when the connection is to be closed.
 */
int br_conn_start(struct br_server *s, struct br_conn *c);
/* Write what the socket takes: 0, or negative errno (to be closed). */
int br_conn_flush(struct br_server *s, struct br_conn *c);
/* Read: bytes, 0 at the peer's end, -EAGAIN, or negative errno. */
ssize_t br_conn_recv(struct br_server *s, struct br_conn *c, void *buf,
		     size_t len);
/* Make epoll watch what c waits for now (input, output, or both). */
int br_conn_watch(struct br_server *s, struct br_conn *c);

#endif /* BR_SERVE_CONN_H */
