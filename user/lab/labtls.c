// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * labtls.c - the lab devices' TLS client contexts (labtls.h).
 */
#include <string.h>
#include <openssl/ssl.h>

#include "labtls.h"

/*
 * A private-use extension number (RFC 8446 section 4.2: 65280-65535;
 * not 65281, which is renegotiation_info, RFC 5746).
 */
#define BR_LABTLS_PQ_EXT 65330
#define BR_LABTLS_PQ_BYTES 1200

static const unsigned char pq_pad[BR_LABTLS_PQ_BYTES];

static int pq_add(SSL *s, unsigned int ext, unsigned int ctx,
		  const unsigned char **out, size_t *len, X509 *x,
		  size_t chain, int *al, void *arg)
{
	(void)s, (void)ext, (void)x, (void)chain, (void)al, (void)arg;
	if (!(ctx & SSL_EXT_CLIENT_HELLO))
		return 0;
	*out = pq_pad;
	*len = sizeof(pq_pad);
	return 1;
}

SSL_CTX *br_labtls_ctx(const char *ca_file, int pq)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
		goto fail;
	if (pq && SSL_CTX_add_custom_ext(ctx, BR_LABTLS_PQ_EXT,
					 SSL_EXT_CLIENT_HELLO, pq_add, NULL,
					 NULL, NULL, NULL) != 1)
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
