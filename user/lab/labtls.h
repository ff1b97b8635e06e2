/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * labtls.h - the lab devices' TLS: OpenSSL clients that send the
 * catalog's SNIs and verify the lab servers against the lab's CA.
 */
#ifndef BR_LABTLS_H
#define BR_LABTLS_H

#include <openssl/ssl.h>

/*
 * A client context trusting ca_file. pq: its ClientHellos carry an extra
 * 1,200 bytes, the size a post-quantum key share adds (X25519MLKEM768's
 * 1,216-byte share: draft-ietf-tls-ecdhe-mlkem), so they span two
 * segments as the catalog's pq flows' do: OpenSSL 3.0 has no ML-KEM, so
 * the lab's stand-in is a private extension of that size (an assumption:
 * the censor reads the SNI, not the key share). NULL on error.
 */
SSL_CTX *br_labtls_ctx(const char *ca_file, int pq);

#endif /* BR_LABTLS_H */
