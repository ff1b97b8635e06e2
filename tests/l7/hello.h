/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * hello.h - a TLS ClientHello builder for tests: one letter per extension,
 * the server name and every length a test may want to get wrong. Used by
 * the extractor's unit tests (tests/l7/test_tls.c) and the dataplane's L7
 * fixtures (tests/dataplane/test_l7.c). Needs cmocka's assert_true.
 */
#ifndef BR_TEST_HELLO_H
#define BR_TEST_HELLO_H

#include <stddef.h>
#include <string.h>
#include "tls.h"

struct wbuf {
	__u8 b[16384];
	size_t n;
};

static void put8(struct wbuf *w, unsigned int v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = v;
}

static void put16(struct wbuf *w, unsigned int v)
{
	put8(w, v >> 8);
	put8(w, v);
}

static void put_fill(struct wbuf *w, __u8 byte, size_t n)
{
	while (n--)
		put8(w, byte);
}

static void put_str(struct wbuf *w, const char *s)
{
	while (*s)
		put8(w, (__u8)*s++);
}

static size_t open16(struct wbuf *w) /* a length to patch at close16 */
{
	put16(w, 0);
	return w->n;
}

static void close16(struct wbuf *w, size_t at, int delta)
{
	size_t len = w->n - at + delta;

	w->b[at - 2] = len >> 8;
	w->b[at - 1] = len;
}

/*
 * Extension layout letters:
 *   S server_name with spec.sni      N ... after a non-host_name entry
 *   T ... then a second host_name    Z a second server_name extension
 *   O server_name, no host_name
 *   G GREASE 0x0a0a, empty           g GREASE 0xfafa, one byte
 *   K key_share x25519               Q key_share X25519MLKEM768 + x25519
 *   E encrypted_client_hello (outer) V supported_versions
 *   A ALPN h2, http/1.1              M extended_master_secret (empty)
 *   C supported_groups               W signature_algorithms
 *   P padding, 100 bytes             X session_ticket, 192 bytes
 */
struct spec {
	const char *exts;
	const char *sni;
	__u16 rec_version;	/* record header; 0: 0x0301 */
	__u16 version;		/* legacy_version; 0: 0x0303 */
	__u8 hs_type;		/* 0: ClientHello */
	__u8 rec_type2;		/* type of the records after the first */
	int sid_len;		/* 0: 32, -1: empty */
	int cs_len;		/* cipher suites bytes; 0: 32, -1: none */
	int no_exts;		/* no extension block at all */
	int n_empty;		/* empty extensions 0x7f00.. before exts */
	int exts_delta;		/* added to the extension block length */
	int ext_delta;		/* added to the last extension's length */
	int list_delta;		/* added to server_name_list length */
	int name_delta;		/* added to the first host_name length */
	__u16 rec[3];		/* sizes of the first records; 0: one record */
};

static void put_sni_ext(struct wbuf *w, const struct spec *sp, char how,
			size_t *name_end)
{
	size_t ext, list;

	put16(w, BR_TLS_EXT_SNI);
	ext = open16(w);
	list = open16(w);
	if (how == 'N' || how == 'O') {
		put8(w, 1); /* not host_name: skipped */
		put16(w, 2);
		put_str(w, "xx");
	}
	if (how == 'O')
		goto out;
	put8(w, BR_TLS_SNI_HOST_NAME);
	put16(w, strlen(sp->sni) + sp->name_delta);
	put_str(w, sp->sni);
	if (name_end)
		*name_end = w->n;
	if (how == 'T') {
		put8(w, BR_TLS_SNI_HOST_NAME);
		put16(w, 14);
		put_str(w, "second.example");
	}
out:
	close16(w, list, sp->list_delta);
	close16(w, ext, 0);
}

static void put_ext(struct wbuf *w, __u16 type, __u8 byte, size_t n)
{
	put16(w, type);
	put16(w, n);
	put_fill(w, byte, n);
}

static void put_key_share(struct wbuf *w, int pq)
{
	size_t ext, shares;

	put16(w, 51);
	ext = open16(w);
	shares = open16(w);
	if (pq) {
		put16(w, 0x11ec); /* X25519MLKEM768: 1184 + 32 bytes */
		put16(w, 1216);
		put_fill(w, 0x5a, 1216);
	}
	put16(w, 0x001d);
	put16(w, 32);
	put_fill(w, 0x42, 32);
	close16(w, shares, 0);
	close16(w, ext, 0);
}

/* ECH outer: type, cipher suite, config id, enc (32), payload (176). */
static void put_ech(struct wbuf *w)
{
	size_t ext;

	put16(w, BR_TLS_EXT_ECH);
	ext = open16(w);
	put8(w, 0);
	put16(w, 0x0001);
	put16(w, 0x0001);
	put8(w, 0x33);
	put16(w, 32);
	put_fill(w, 0x77, 32);
	put16(w, 176);
	put_fill(w, 0x88, 176);
	close16(w, ext, 0);
}

/*
 * Compose the payload of sp into out; returns its length and, in
 * *name_end, the payload offset just past the first host_name (0: none).
 */
static size_t build(const struct spec *sp, __u8 *out, size_t cap,
		    size_t *name_end)
{
	static struct wbuf hs;
	size_t exts, last = 0, hs_name_end = 0, off = 0, n = 0, take;
	const char *e;
	int i, r = 0;

	hs.n = 0;
	put8(&hs, sp->hs_type ? sp->hs_type : BR_TLS_HS_CLIENT_HELLO);
	put8(&hs, 0); /* 24-bit length, patched below */
	put16(&hs, 0);
	put16(&hs, sp->version ? sp->version : 0x0303);
	put_fill(&hs, 0x11, 32);
	i = sp->sid_len < 0 ? 0 : sp->sid_len ? sp->sid_len : 32;
	put8(&hs, i);
	put_fill(&hs, 0x22, i > 32 ? 32 : i);
	i = sp->cs_len < 0 ? 0 : sp->cs_len ? sp->cs_len : 32;
	put16(&hs, i);
	put_fill(&hs, 0x13, i);
	put8(&hs, 1);
	put8(&hs, 0);
	if (!sp->no_exts) {
		exts = open16(&hs);
		for (i = 0; i < sp->n_empty; i++)
			put_ext(&hs, 0x7f00 + i, 0, 0);
		for (e = sp->exts; e && *e; e++) {
			last = hs.n;
			switch (*e) {
			case 'S':
			case 'N':
			case 'O':
			case 'T':
				put_sni_ext(&hs, sp, *e,
					    hs_name_end ? NULL : &hs_name_end);
				break;
			case 'Z':
				put_sni_ext(&hs,
					    &(struct spec){.sni = "evil.example"},
					    'S', NULL);
				break;
			case 'G':
				put_ext(&hs, 0x0a0a, 0, 0);
				break;
			case 'g':
				put_ext(&hs, 0xfafa, 0, 1);
				break;
			case 'K':
			case 'Q':
				put_key_share(&hs, *e == 'Q');
				break;
			case 'E':
				put_ech(&hs);
				break;
			case 'V':
				put_ext(&hs, 43, 0x03, 7);
				break;
			case 'A':
				put16(&hs, 16);
				put16(&hs, 14);
				put16(&hs, 12);
				put8(&hs, 2);
				put_str(&hs, "h2");
				put8(&hs, 8);
				put_str(&hs, "http/1.1");
				break;
			case 'M':
				put_ext(&hs, 23, 0, 0);
				break;
			case 'C':
				put_ext(&hs, 10, 0x1d, 10);
				break;
			case 'W':
				put_ext(&hs, 13, 0x04, 18);
				break;
			case 'P':
				put_ext(&hs, 21, 0, 100);
				break;
			case 'X':
				put_ext(&hs, 35, 0x5e, 192);
				break;
			default:
				fail_msg("unknown extension letter %c", *e);
			}
		}
		if (sp->ext_delta) {
			size_t len = (hs.b[last + 2] << 8 | hs.b[last + 3]) +
				     sp->ext_delta;

			hs.b[last + 2] = len >> 8;
			hs.b[last + 3] = len;
		}
		close16(&hs, exts, sp->exts_delta);
	}
	hs.b[1] = (hs.n - 4) >> 16;
	hs.b[2] = (hs.n - 4) >> 8;
	hs.b[3] = hs.n - 4;

	/* the handshake message over records of the given sizes */
	*name_end = 0;
	while (off < hs.n) {
		take = r < 3 && sp->rec[r] ? sp->rec[r] : hs.n - off;
		if (take > hs.n - off)
			take = hs.n - off;
		assert_true(n + 5 + take <= cap);
		out[n++] = r && sp->rec_type2 ? sp->rec_type2 :
						BR_TLS_CT_HANDSHAKE;
		out[n++] = (sp->rec_version ? sp->rec_version : 0x0301) >> 8;
		out[n++] = sp->rec_version ? sp->rec_version & 0xff : 0x01;
		out[n++] = take >> 8;
		out[n++] = take;
		if (hs_name_end > off && hs_name_end <= off + take)
			*name_end = n + hs_name_end - off;
		memcpy(out + n, hs.b + off, take);
		n += take;
		off += take;
		r++;
	}
	return n;
}

#endif /* BR_TEST_HELLO_H */
