/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve_tls.h - the lab's TLS: its CA (labproto.h's BR_LAB_CA and
 * BR_LAB_CA_KEY in the state directory, made when missing or expired),
 * and a server context that answers each SNI with a certificate for that
 * name, signed by the CA, minted on first use and kept.
 */
#ifndef BR_SERVE_TLS_H
#define BR_SERVE_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

/* The name served to a client that sends no SNI (or one not a hostname). */
#define BR_SERVE_TLS_DEFAULT_NAME "lab.invalid"

struct br_serve_tls;

/* Load or make the CA in dir, and the context; errors printed. */
int br_serve_tls_new(const char *dir, struct br_serve_tls **out);
void br_serve_tls_free(struct br_serve_tls *t);

/* A server-side SSL for fd (nonblocking), or NULL. */
SSL *br_serve_tls_accept(struct br_serve_tls *t, int fd);

/* The names a certificate was minted for (the default's included). */
size_t br_serve_tls_names(const struct br_serve_tls *t);

#endif /* BR_SERVE_TLS_H */
