/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * quic_tls.h - what the lab's QUIC client and server share (labquic.h):
 * the TLS session set up for QUIC, the ngtcp2 callbacks the crypto
 * library provides, the transport parameters both offer, randomness.
 */
#ifndef BR_QUIC_TLS_H
#define BR_QUIC_TLS_H

#include <stdbool.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <gnutls/gnutls.h>

/* The largest datagram ngtcp2 writes (its path MTU probing's ceiling). */
#define BR_QUIC_TX_MAX NGTCP2_MAX_PMTUD_UDP_PAYLOAD_SIZE
/* The largest a peer may send, so that none is cut short on reading. */
#define BR_QUIC_RX_MAX 65536
/* Connection IDs we choose: 16 bytes, within RFC 9000's 20. */
#define BR_QUIC_CID_LEN 16

/*
 * A TLS 1.3 session for QUIC on cred, ALPN "h3" only, its ngtcp2
 * connection found through ref. 0 or -errno.
 */
int br_quic_tls_session(gnutls_session_t *out, bool server,
			gnutls_certificate_credentials_t cred,
			ngtcp2_crypto_conn_ref *ref);

/*
 * Credentials holding a fresh self-signed certificate (ECDSA P-256,
 * CN "blastradius lab", valid a year from an hour ago), for the server:
 * its clients do not verify it (labquic.h). 0 or -errno.
 */
int br_quic_self_signed(gnutls_certificate_credentials_t *out);

/* The callbacks ngtcp2's crypto library fills for either side. */
void br_quic_callbacks(ngtcp2_callbacks *cb, bool server);

/* The transport parameters both sides offer (30 s idle timeout, ...). */
void br_quic_params(ngtcp2_transport_params *p, bool server);

/*
 * Unpredictable bytes, for connection IDs and tokens: a real QUIC stack
 * needs them (RFC 9000, 5.1); the model's seeded randomness never
 * reaches the lab's wire, so determinism is not at stake here.
 */
void br_quic_random(uint8_t *dest, size_t len);

/* An ngtcp2 library error as -errno, for the callers' one error space. */
int br_quic_errno(int liberr);

#endif /* BR_QUIC_TLS_H */
