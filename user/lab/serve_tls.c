// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve_tls.c - see serve_tls.h. Keys are EC P-256: one for the CA, one
 * shared by every leaf (minting a name costs a signature, not a key).
 * Certificates are valid from an hour back (assumption: slack for a clock
 * stepped while the lab runs) for a day; serial numbers count up from 1,
 * which is all a lab's verifier asks of them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "labproto.h"
#include "log.h"
#include "namemap.h"
#include "serve_tls.h"

#define BR_TLS_VALID_SECS (24 * 3600)
#define BR_TLS_BACKDATE_SECS 3600
#define BR_TLS_CA_NAME "blastradius lab CA"
#define BR_TLS_NAME_MAX 253 /* a DNS name's longest text form */

struct br_serve_tls {
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca;
	SSL_CTX *ctx;
	struct br_namemap *leaves; /* lowercase name -> X509 */
	long serial;		   /* the last one given */
};

/* "critical,CA:TRUE" and the like onto x, issued by issuer. */
static int br_tls_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -EINVAL;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -ENOMEM;
}

/*
 * A certificate for key named cn; self-signed when issuer is NULL (the
 * CA), else a server's for DNS name cn.
 */
static X509 *br_tls_cert(struct br_serve_tls *t, const char *cn, EVP_PKEY *key,
			 X509 *issuer)
{
	X509 *x = X509_new();
	X509_NAME *name;
	char san[BR_TLS_NAME_MAX + 8];
	int err = -ENOMEM;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), ++t->serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -BR_TLS_BACKDATE_SECS) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), BR_TLS_VALID_SECS) ||
	    !X509_set_pubkey(x, key) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x,
				  X509_get_subject_name(issuer ? issuer : x)))
		goto out;
	err = br_tls_ext(x, x, NID_subject_key_identifier, "hash");
	if (!err && !issuer)
		err = br_tls_ext(x, x, NID_basic_constraints,
				 "critical,CA:TRUE");
	if (!err && !issuer)
		err = br_tls_ext(x, x, NID_key_usage,
				 "critical,keyCertSign,cRLSign");
	if (issuer) {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		if (!err)
			err = br_tls_ext(x, issuer,
					 NID_authority_key_identifier,
					 "keyid:always");
		if (!err)
			err = br_tls_ext(x, issuer, NID_basic_constraints,
					 "critical,CA:FALSE");
		if (!err)
			err = br_tls_ext(x, issuer, NID_key_usage,
					 "critical,digitalSignature");
		if (!err)
			err = br_tls_ext(x, issuer, NID_ext_key_usage,
					 "serverAuth");
		if (!err)
			err = br_tls_ext(x, issuer, NID_subject_alt_name, san);
	}
	if (!err && !X509_sign(x, issuer ? t->ca_key : key, EVP_sha256()))
		err = -EINVAL;
out:
	if (err) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Write dir/name through a temporary file and a rename, mode mode. */
static int br_tls_write(const char *dir, const char *name, mode_t mode,
			EVP_PKEY *key, X509 *cert)
{
	char path[4096], tmp[4096 + 8];
	FILE *f;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		br_err("lab serve: %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : PEM_write_X509(f, cert);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path)) {
		br_err("lab serve: cannot write %s", path);
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

/* The CA from dir: 1 when it is there, valid and whole, else 0. */
static int br_tls_load_ca(struct br_serve_tls *t, const char *dir)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, BR_LAB_CA_KEY);
	f = fopen(path, "r");
	if (!f)
		return 0;
	t->ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, BR_LAB_CA);
	f = fopen(path, "r");
	if (!f)
		return 0;
	t->ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return t->ca_key && t->ca && X509_check_private_key(t->ca, t->ca_key) &&
	       X509_cmp_current_time(X509_get0_notAfter(t->ca)) > 0;
}

static int br_tls_make_ca(struct br_serve_tls *t, const char *dir)
{
	int err;

	EVP_PKEY_free(t->ca_key);
	X509_free(t->ca);
	t->ca = NULL;
	t->ca_key = EVP_EC_gen("P-256");
	if (t->ca_key)
		t->ca = br_tls_cert(t, BR_TLS_CA_NAME, t->ca_key, NULL);
	if (!t->ca) {
		br_err("lab serve: cannot make the lab CA");
		return -ENOMEM;
	}
	/* the key first: a ca.pem is never there without its key */
	err = br_tls_write(dir, BR_LAB_CA_KEY, 0600, t->ca_key, NULL);
	return err ?: br_tls_write(dir, BR_LAB_CA, 0644, NULL, t->ca);
}

/* name as a certificate may carry it (lowercase), or -EINVAL. */
static int br_tls_hostname(const char *name, char *out)
{
	size_t i, len = strlen(name);

	if (!len || len > BR_TLS_NAME_MAX)
		return -EINVAL;
	for (i = 0; i <= len; i++) {
		out[i] = tolower((unsigned char)name[i]);
		if (i < len && !isalnum((unsigned char)out[i]) &&
		    !strchr(".-_", out[i]))
			return -EINVAL;
	}
	return 0;
}

/* The certificate for name, minted on first use; NULL: not a hostname. */
static X509 *br_tls_leaf(struct br_serve_tls *t, const char *name)
{
	char host[BR_TLS_NAME_MAX + 1];
	X509 *x;

	if (br_tls_hostname(name, host))
		return NULL;
	x = br_namemap_get(t->leaves, host);
	if (x)
		return x;
	x = br_tls_cert(t, host, t->leaf_key, t->ca);
	if (x && br_namemap_set(t->leaves, host, x, NULL)) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/*
 * The SNI callback: the certificate of the name asked for. Without SNI
 * (or when the name cannot be minted) the context's default stays.
 */
static int br_tls_servername(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	X509 *x;

	(void)alert;
	if (!name)
		return SSL_TLSEXT_ERR_NOACK;
	x = br_tls_leaf(arg, name);
	if (!x)
		return SSL_TLSEXT_ERR_NOACK;
	if (SSL_use_certificate(ssl, x) != 1 ||
	    SSL_use_PrivateKey(ssl, ((struct br_serve_tls *)arg)->leaf_key) !=
		    1)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static int br_tls_context(struct br_serve_tls *t)
{
	X509 *def;

	t->ctx = SSL_CTX_new(TLS_server_method());
	t->leaf_key = EVP_EC_gen("P-256");
	if (!t->ctx || !t->leaf_key)
		return -ENOMEM;
	def = br_tls_leaf(t, BR_SERVE_TLS_DEFAULT_NAME);
	if (!def || !SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate(t->ctx, def) != 1 ||
	    SSL_CTX_use_PrivateKey(t->ctx, t->leaf_key) != 1)
		return -EINVAL;
	/* output buffers are written as far as the socket takes them */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* a device that closes without close_notify has just ended */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_tlsext_servername_callback(t->ctx, br_tls_servername);
	SSL_CTX_set_tlsext_servername_arg(t->ctx, t);
	return 0;
}

int br_serve_tls_new(const char *dir, struct br_serve_tls **out)
{
	struct br_serve_tls *t = calloc(1, sizeof(*t));
	int err = -ENOMEM;

	*out = NULL;
	if (!t || br_namemap_new(&t->leaves)) {
		br_err("out of memory");
		goto out;
	}
	err = 0;
	if (!br_tls_load_ca(t, dir))
		err = br_tls_make_ca(t, dir);
	if (err)
		goto out;
	err = br_tls_context(t);
	if (err)
		br_err("lab serve: cannot set up TLS: %s",
		       ERR_reason_error_string(ERR_get_error()) ?: "no memory");
out:
	if (err) {
		br_serve_tls_free(t);
		return err;
	}
	*out = t;
	return 0;
}

static void br_tls_free_cert(void *x)
{
	X509_free(x);
}

void br_serve_tls_free(struct br_serve_tls *t)
{
	if (!t)
		return;
	if (t->leaves)
		br_namemap_each(t->leaves, br_tls_free_cert);
	br_namemap_free(t->leaves);
	SSL_CTX_free(t->ctx);
	EVP_PKEY_free(t->leaf_key);
	EVP_PKEY_free(t->ca_key);
	X509_free(t->ca);
	free(t);
}

SSL *br_serve_tls_accept(struct br_serve_tls *t, int fd)
{
	SSL *ssl = SSL_new(t->ctx);

	if (ssl && SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	if (ssl)
		SSL_set_accept_state(ssl);
	return ssl;
}

size_t br_serve_tls_names(const struct br_serve_tls *t)
{
	return br_namemap_count(t->leaves);
}
