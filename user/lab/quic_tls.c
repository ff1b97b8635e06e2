// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* quic_tls.c - what the lab's QUIC client and server share; quic_tls.h. */
#include <errno.h>
#include <stdlib.h>
#include <gnutls/crypto.h>
#include <time.h>
#include <gnutls/x509.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include "quic_tls.h"

/*
 * TLS 1.3 only, with the AEADs QUIC defines (RFC 9001, 5.3), and without
 * the middlebox compatibility mode, whose ChangeCipherSpec QUIC forbids
 * (RFC 9001, 8.4).
 */
#define BR_QUIC_PRIORITY                                          \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:" \
	"+AES-256-GCM:+CHACHA20-POLY1305:%DISABLE_TLS13_COMPAT_MODE"

/* What a browser offers for HTTP/3 (RFC 9114, 3.1). */
static const char br_quic_alpn[] = "h3";

#define BR_QUIC_IDLE_NS (30 * NGTCP2_SECONDS)

int br_quic_tls_session(gnutls_session_t *out, bool server,
			gnutls_certificate_credentials_t cred,
			ngtcp2_crypto_conn_ref *ref)
{
	gnutls_datum_t alpn = {
		.data = (unsigned char *)br_quic_alpn,
		.size = sizeof(br_quic_alpn) - 1,
	};
	gnutls_session_t s;
	int err;

	if (gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
				    GNUTLS_NO_END_OF_EARLY_DATA))
		return -ENOMEM;
	err = gnutls_priority_set_direct(s, BR_QUIC_PRIORITY, NULL);
	if (!err)
		err = server ? ngtcp2_crypto_gnutls_configure_server_session(s)
			     : ngtcp2_crypto_gnutls_configure_client_session(s);
	if (!err)
		err = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (!err)
		err = gnutls_alpn_set_protocols(s, &alpn, 1,
						GNUTLS_ALPN_MANDATORY);
	if (err) {
		gnutls_deinit(s);
		return -EINVAL;
	}
	gnutls_session_set_ptr(s, ref);
	*out = s;
	return 0;
}

#define BR_QUIC_CERT_CN "blastradius lab"

int br_quic_self_signed(gnutls_certificate_credentials_t *out)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	time_t now = time(NULL);
	unsigned char serial[8];
	int err = -ENOMEM;

	br_quic_random(serial, sizeof(serial));
	serial[0] &= 0x7f; /* a positive number (RFC 5280, 4.1.2.2) */
	if (gnutls_x509_privkey_init(&key) || gnutls_x509_crt_init(&crt) ||
	    gnutls_certificate_allocate_credentials(&cred))
		goto out;
	err = -EINVAL;
	if (gnutls_x509_privkey_generate(
		    key, GNUTLS_PK_ECDSA,
		    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) ||
	    gnutls_x509_crt_set_version(crt, 3) ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400) ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
					  BR_QUIC_CERT_CN,
					  sizeof(BR_QUIC_CERT_CN) - 1) ||
	    gnutls_x509_crt_set_key(crt, key) ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) ||
	    gnutls_certificate_set_x509_key(cred, &crt, 1, key))
		goto out;
	*out = cred;
	cred = NULL;
	err = 0;
out:
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return err;
}

static void br_quic_rand_cb(uint8_t *dest, size_t len,
			    const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	br_quic_random(dest, len);
}

/*
 * A spare connection ID for the peer to switch to: random, with a random
 * reset token (the client's; the server keeps its IDs in a table and
 * sets its own callback).
 */
static int br_quic_new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid,
			      uint8_t *token, size_t cidlen, void *user)
{
	(void)conn, (void)user;
	br_quic_random(cid->data, cidlen);
	cid->datalen = cidlen;
	br_quic_random(token, NGTCP2_STATELESS_RESET_TOKENLEN);
	return 0;
}

void br_quic_callbacks(ngtcp2_callbacks *cb, bool server)
{
	cb->get_new_connection_id = br_quic_new_cid_cb;
	if (server)
		cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
	else
		cb->client_initial = ngtcp2_crypto_client_initial_cb;
	cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
	cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
	cb->encrypt = ngtcp2_crypto_encrypt_cb;
	cb->decrypt = ngtcp2_crypto_decrypt_cb;
	cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
	cb->update_key = ngtcp2_crypto_update_key_cb;
	cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
	cb->delete_crypto_cipher_ctx =
		ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
	cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
	cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
	cb->rand = br_quic_rand_cb;
}

/*
 * Windows: assumptions, sized so that a lab response of a few MB is not
 * held back by flow control (ngtcp2 widens them further as data flows,
 * up to its default max_window). The server takes up to 100 requests at
 * once per connection; the client takes none (it only asks).
 */
void br_quic_params(ngtcp2_transport_params *p, bool server)
{
	ngtcp2_transport_params_default(p);
	p->max_idle_timeout = BR_QUIC_IDLE_NS;
	if (server) {
		p->initial_max_stream_data_bidi_remote = 64 * 1024;
		p->initial_max_streams_bidi = 100;
		p->initial_max_data = 1024 * 1024;
	} else {
		p->initial_max_stream_data_bidi_local = 1024 * 1024;
		p->initial_max_data = 4 * 1024 * 1024;
	}
}

void br_quic_random(uint8_t *dest, size_t len)
{
	/* GNUTLS_RND_NONCE: unpredictable, not key material. */
	if (gnutls_rnd(GNUTLS_RND_NONCE, dest, len))
		abort();
}

int br_quic_errno(int liberr)
{
	switch (liberr) {
	case NGTCP2_ERR_NOMEM:
		return -ENOMEM;
	case NGTCP2_ERR_IDLE_CLOSE:
	case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
		return -ETIMEDOUT;
	case NGTCP2_ERR_DRAINING:
	case NGTCP2_ERR_CLOSING:
	case NGTCP2_ERR_DROP_CONN:
		return -ECONNRESET;
	default:
		return -EPROTO;
	}
}
