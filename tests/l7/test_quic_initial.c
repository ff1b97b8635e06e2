/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_quic_initial.c - bpf/hkdf.h, bpf/aes128.h and bpf/quic_initial.h
 * on the host, under ASan/UBSan.
 *
 * Every expected value comes from a published text: HMAC-SHA256 from RFC
 * 4231 §4, HKDF from RFC 5869 A.1, AES-128 from FIPS-197 Appendix C.1,
 * the Initial keys and packets from RFC 9001 Appendix A and RFC 9369
 * Appendix A (quic_vectors.h), the packet number example from RFC 9000
 * A.3. The RFC 4231/5869 and FIPS-197 values were checked against
 * OpenSSL 3 (openssl mac/kdf/enc) when copied.
 *
 * The frame cases are packets built here: frames in plaintext, encrypted
 * with the functions under test (CTR is its own inverse) and header
 * protected as RFC 9001 §5.4.1 says; that the builder reproduces RFC
 * 9001's packet byte for byte (less the tag) vouches for it.
 *
 * The buffer's bytes past the copy are poisoned, so a read beyond the
 * copy is an ASan report even though it stays inside the BR_QI_BUF buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sanitizer/asan_interface.h>

#include "quic_initial.h"
#include "quic_vectors.h"

static struct br_qi_buf buf, hello;
static struct br_qi_work work;
static struct br_qi_keys keys;
static struct br_qi_walk walk;
static struct br_qi_pkt pkt;
static struct br_quic_info qi;
static struct br_hkdf_work hw;

static __u32 unhex(const char *hex, __u8 *out)
{
	__u32 n = 0;
	unsigned int b;

	while (hex[0] && hex[1]) {
		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = b;
		hex += 2;
	}
	assert_int_equal(hex[0], '\0');
	return n;
}

static void assert_hex(const __u8 *p, const char *hex)
{
	__u8 want[BR_QI_BUF];
	__u32 n = unhex(hex, want);

	assert_memory_equal(p, want, n);
}

/* ---- RFC 4231, RFC 5869, FIPS-197 ------------------------------------- */

static void test_hmac_rfc4231(void **state)
{
	static const struct {
		const char *name;
		__u8 key_byte, key_len; /* 0 key_byte: the key is 01 02 .. */
		const char *data;	/* NULL: data_len bytes of data_byte */
		__u8 data_byte, data_len;
		const char *mac;
	} cases[] = {
		{ "4.2 test case 1", 0x0b, 20, "Hi There", 0, 0,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4.3 test case 2", 'J', 0, "what do ya want for nothing?", 0, 0,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "4.4 test case 3", 0xaa, 20, NULL, 0xdd, 50,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "4.5 test case 4", 0, 25, NULL, 0xcd, 50,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	};
	__u8 key[64], data[64], out[32];
	__u32 i, k, klen, dlen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("RFC 4231 %s\n", cases[i].name);
		klen = cases[i].key_len;
		if (cases[i].key_byte == 'J') {
			memcpy(key, "Jefe", 4);
			klen = 4;
		}
		for (k = 0; cases[i].key_byte != 'J' && k < klen; k++)
			key[k] = cases[i].key_byte ? cases[i].key_byte : k + 1;
		if (cases[i].data) {
			dlen = strlen(cases[i].data);
			memcpy(data, cases[i].data, dlen);
		} else {
			dlen = cases[i].data_len;
			memset(data, cases[i].data_byte, dlen);
		}
		br_hkdf_work_init(&hw);
		assert_int_equal(br_hmac_sha256(key, klen, data, dlen, out, &hw),
				 BR_HKDF_OK);
		assert_hex(out, cases[i].mac);
	}
	/* RFC 4231 4.7's 131-byte key would be hashed first: not supported */
	assert_int_equal(br_hmac_sha256(key, 65, data, 1, out, &hw),
			 BR_HKDF_E_LEN);
	assert_int_equal(br_hmac_sha256(key, 4, data, BR_HMAC_MAX_MSG + 1,
					out, &hw),
			 BR_HKDF_E_LEN);
}

static void test_hkdf_rfc5869(void **state)
{
	__u8 ikm[22], salt[13], info[10], prk[32], okm[42];
	struct br_hmac_key k;
	int i;

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < 13; i++)
		salt[i] = i;
	for (i = 0; i < 10; i++)
		info[i] = 0xf0 + i;
	br_hkdf_work_init(&hw);
	assert_int_equal(br_hkdf_extract(&k, prk, salt, sizeof(salt), ikm,
					 sizeof(ikm), &hw),
			 BR_HKDF_OK);
	assert_hex(prk, "077709362c2e32df0ddc3f0dc47bba63"
			"90b6c73bb50f9c3122ec844ad7c2b3e5");
	/* L = 42: two rounds, T(2) = HMAC(PRK, T(1) | info | 0x02) */
	assert_int_equal(br_hkdf_expand(&k, info, sizeof(info), okm,
					sizeof(okm), &hw),
			 BR_HKDF_OK);
	assert_hex(okm, "3cb25f25faacd57a90434f64d0362f2a"
			"2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
			"34007208d5b887185865");
	assert_int_equal(br_hkdf_expand(&k, info, sizeof(info), okm,
					BR_HKDF_MAX_OUT + 1, &hw),
			 BR_HKDF_E_LEN);
}

static void test_aes_fips197(void **state)
{
	struct br_aes128_key k;
	struct br_aes_block b;
	__u8 key[16], in[16], out[16];

	(void)state;
	unhex("000102030405060708090a0b0c0d0e0f", key);
	unhex("00112233445566778899aabbccddeeff", in);
	br_aes_load(&b, key);
	assert_int_equal(br_aes128_expand(&k, &b), 0);
	/* FIPS-197 A.1: the last round key of 2b7e1516 28aed2a6 ... */
	br_aes_load(&b, in);
	assert_int_equal(br_aes128_encrypt(&k, &b), 0);
	br_aes_store(&b, out);
	assert_hex(out, "69c4e0d86a7b0430d8cdb78070b4c55a");

	unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
	br_aes_load(&b, key);
	br_aes128_expand(&k, &b);
	assert_int_equal(k.rk[40], 0xd014f9a8);
	assert_int_equal(k.rk[43], 0xb6630ca6);
}

/* The precomputed salt keys (tools/gen_qi_salt_keys.py) are the salts'. */
static void test_salt_keys(void **state)
{
	struct br_hmac_key k;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		br_hkdf_work_init(&hw);
		assert_int_equal(br_hmac_key_from(&k, &hw, br_qi_salts[v],
						  BR_QI_SALT_LEN),
				 BR_HKDF_OK);
		assert_memory_equal(&k, &br_qi_salt_keys[v], sizeof(k));
	}
}

/* ---- RFC 9001 / RFC 9369 Appendix A --------------------------------- */

static void derive_for(__u32 version, const char *dcid_hex)
{
	memset(&qi, 0, sizeof(qi));
	qi.version = version;
	qi.dcid_len = unhex(dcid_hex, qi.dcid);
	assert_int_equal(br_qi_derive(&keys, &qi, &work), BR_QI_OK);
}

static void test_keys(void **state)
{
	(void)state;
	/* RFC 9001 A.1 */
	derive_for(BR_QUIC_V1, rfc_a2_dcid);
	assert_hex(work.initial_secret, "7db5df06e7a69e432496adedb0085192"
					"3595221596ae2ae9fb8115c1e9ed0a44");
	assert_hex(work.client_secret, "c00cf151ca5be075ed0ebfb5c80323c4"
				       "2d6b7db67881289af4008f1f6c357aea");
	assert_hex(work.key, "1f369613dd76d5467730efcbe3b1a22d");
	assert_hex(work.iv, "fa044b2f42a3fd3b46fb255c");
	assert_hex(work.hp, "9f50449e04a0e810283a1e9933adedd2");
	/* RFC 9369 A.1 */
	derive_for(BR_QUIC_V2, rfc_a2_dcid);
	assert_hex(work.initial_secret, "2062e8b3cd8d52092614b8071d0aa1fb"
					"7c2e3ac193f78b280e72d8f5751f6aba");
	assert_hex(work.client_secret, "14ec9d6eb9fd7af83bf5a668bc17a7e2"
				       "83766aade7ecd0891f70f9ff7f4bf47b");
	assert_hex(work.key, "8b1a0bc121284290a29e0971b5cd045d");
	assert_hex(work.iv, "91f73e2351d8fa91660e909f");
	assert_hex(work.hp, "45b95e15235d6f45a6b19cbcb0294ba9");
}

/*
 * The datagram pkt[0, len) (dgram bytes in all) through every step, the
 * copy's tail poisoned; payload decrypted chunk bytes at a time (walking
 * after each), or at once (chunk 0). Returns the first failing result.
 */
static int open_dgram(const __u8 *dgram_bytes, __u32 len, __u32 dgram,
		      __u32 chunk, __u32 *prefix)
{
	__u32 to;
	int r;

	memset(&buf, 0, sizeof(buf));
	memcpy(buf.b, dgram_bytes, len);
	ASAN_POISON_MEMORY_REGION(buf.b + len, sizeof(buf) - len);
	*prefix = 0;
	if (br_quic_parse(buf.b, len, dgram, &qi) != BR_QUIC_INITIAL) {
		r = BR_QI_E_NOT_INITIAL;
		goto out;
	}
	r = br_qi_check(&qi, len);
	if (r)
		goto out;
	r = br_qi_derive(&keys, &qi, &work);
	if (r)
		goto out;
	r = br_qi_unprotect(&keys, &buf, len, &qi, &pkt);
	if (r)
		goto out;
	br_qi_walk_init(&walk, &pkt);
	to = chunk ? chunk : BR_QI_BUF;
	for (;;) {
		r = br_qi_decrypt(&keys, &buf, &pkt, to);
		if (r)
			goto out;
		r = br_qi_walk(&walk, &buf, &pkt);
		if (r != BR_QI_MORE)
			break;
		assert_true(chunk && pkt.dec_len < pkt.payload_len);
		to += chunk;
	}
	if (r)
		goto out;
	r = br_qi_crypto_prefix(&walk, &buf, &hello, prefix);
out:
	ASAN_UNPOISON_MEMORY_REGION(buf.b, sizeof(buf));
	return r;
}

static void check_rfc_a2(const char *packet_hex, const char *header_hex,
			 __u32 chunk)
{
	__u8 dgram[BR_QI_BUF], frame[256];
	__u32 len = unhex(packet_hex, dgram), prefix, n;

	assert_int_equal(len, 1200);
	assert_int_equal(open_dgram(dgram, len, len, chunk, &prefix),
			 BR_QI_OK);
	/* the header, unprotected in place */
	assert_hex(buf.b, header_hex);
	assert_int_equal(pkt.first_byte, buf.b[0]);
	assert_int_equal(pkt.pn, 2);
	assert_int_equal(pkt.pn_len, 4);
	assert_int_equal(pkt.payload_off, 22);
	assert_int_equal(pkt.payload_len, 1162);
	assert_int_equal(pkt.end, 1200);
	/* the frames: the RFC's CRYPTO frame, then PADDING to the end */
	n = unhex(rfc9001_a2_crypto_frame, frame);
	assert_memory_equal(buf.b + 22, frame, n);
	for (; n < 1162; n++)
		assert_int_equal(buf.b[22 + n], 0);
	assert_int_equal(walk.ncrypto, 1);
	assert_int_equal(walk.crypto[0].offset, 0);
	assert_int_equal(walk.crypto[0].len, 241);
	assert_int_equal(walk.crypto[0].pos, 22 + 4);
	assert_int_equal(walk.seen, BR_QI_SEEN_CRYPTO | BR_QI_SEEN_PADDING);
	/* the ClientHello: the frame less its type, offset and length */
	assert_int_equal(prefix, 241);
	assert_memory_equal(hello.b, frame + 4, 241);
	assert_int_equal(hello.b[0], 0x01); /* handshake type client_hello */
}

static void test_rfc9001_a2(void **state)
{
	(void)state;
	check_rfc_a2(rfc9001_a2_packet, rfc9001_a2_header, 0);
}

static void test_rfc9369_a2(void **state)
{
	(void)state;
	check_rfc_a2(rfc9369_a2_packet, rfc9369_a2_header, 0);
}

/* Decrypted 16, 48 and 200 bytes at a time, the walk resumed: the same. */
static void test_rfc_a2_chunked(void **state)
{
	static const __u32 chunks[] = { 16, 48, 200, 1161, 1162 };
	__u32 i;

	(void)state;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		check_rfc_a2(rfc9001_a2_packet, rfc9001_a2_header, chunks[i]);
		check_rfc_a2(rfc9369_a2_packet, rfc9369_a2_header, chunks[i]);
	}
}

static void test_decode_pn(void **state)
{
	(void)state;
	/* RFC 9000 A.3's example */
	assert_int_equal(br_qi_decode_pn(0xa82f30ea, 0x9b32, 2), 0xa82f9b32);
	/* none received: the truncated value */
	assert_int_equal(br_qi_decode_pn(-1, 2, 4), 2);
	assert_int_equal(br_qi_decode_pn(-1, 0xff, 1), 0xff);
	/* past the window's half: wraps forward */
	assert_int_equal(br_qi_decode_pn(0x1fe, 0x01, 1), 0x201);
}

/*
 * Cut anywhere short of its 1200 bytes, the RFC packet is no Initial
 * (its Length runs past the datagram); with the datagram whole but the
 * copy cut, br_quic_parse may still read the header, and the check
 * stops it (the packet must be whole in the copy).
 */
static void test_truncated(void **state)
{
	__u8 dgram[BR_QI_BUF];
	__u32 len = unhex(rfc9001_a2_packet, dgram), k, prefix;
	int r;

	(void)state;
	for (k = 0; k < len; k++) {
		assert_int_equal(open_dgram(dgram, k, k, 0, &prefix),
				 BR_QI_E_NOT_INITIAL);
		r = open_dgram(dgram, k, len, 0, &prefix);
		assert_true(r == BR_QI_E_NOT_INITIAL || r == BR_QI_E_SHORT);
		if (k >= 22)
			assert_int_equal(r, BR_QI_E_SHORT);
	}
}

/* A DCID length over 20 in the packet, or in a br_quic_info handed in. */
static void test_dcid_len(void **state)
{
	__u8 dgram[BR_QI_BUF];
	__u32 len = unhex(rfc9001_a2_packet, dgram), prefix;

	(void)state;
	dgram[5] = 21;
	assert_int_equal(open_dgram(dgram, len, len, 0, &prefix),
			 BR_QI_E_NOT_INITIAL);
	dgram[5] = 0xff;
	assert_int_equal(open_dgram(dgram, len, len, 0, &prefix),
			 BR_QI_E_NOT_INITIAL);

	memset(&qi, 0, sizeof(qi));
	qi.kind = BR_QUIC_INITIAL;
	qi.version = BR_QUIC_V1;
	qi.dcid_len = 21;
	qi.pn_off = 18;
	qi.length = 1182;
	assert_int_equal(br_qi_derive(&keys, &qi, &work), BR_QI_E_SHORT);
	assert_int_equal(br_qi_check(&qi, 1200), BR_QI_E_SHORT);
	assert_int_equal(br_qi_unprotect(&keys, &buf, 1200, &qi, &pkt),
			 BR_QI_E_SHORT);
	qi.dcid_len = 8;
	qi.version = BR_QUIC_DRAFT(29);
	assert_int_equal(br_qi_derive(&keys, &qi, &work), BR_QI_E_VERSION);
	assert_int_equal(br_qi_check(&qi, 1200), BR_QI_E_VERSION);
	/* a zero-length DCID has keys all the same (HKDF of no bytes) */
	qi.version = BR_QUIC_V1;
	qi.dcid_len = 0;
	assert_int_equal(br_qi_derive(&keys, &qi, &work), BR_QI_OK);
}

/* ---- built packets --------------------------------------------------- */

/* The byte at stream offset k of every built CRYPTO frame. */
static __u8 stream_byte(__u64 k)
{
	return (__u8)(k * 7 + 1);
}

static __u32 put_varint(__u8 *p, __u64 v)
{
	if (v < 64) {
		p[0] = v;
		return 1;
	}
	if (v < 16384) {
		p[0] = 0x40 | v >> 8;
		p[1] = v;
		return 2;
	}
	p[0] = 0x80 | v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return 4;
}

/*
 * Frames from a little language, ';' between frames: "crypto OFF LEN",
 * "ping", "pings N", "pad N", "hex XX..". Returns their length.
 */
static __u32 frames_of(const char *spec, __u8 *out)
{
	char *s = strdup(spec), *save = NULL, *f, hex[2 * BR_QI_BUF + 1];
	unsigned long a, b, i;
	__u32 n = 0;

	assert_non_null(s);
	for (f = strtok_r(s, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		while (*f == ' ')
			f++;
		if (sscanf(f, "crypto %lu %lu", &a, &b) == 2) {
			out[n++] = BR_QI_FRAME_CRYPTO;
			n += put_varint(out + n, a);
			n += put_varint(out + n, b);
			for (i = 0; i < b; i++)
				out[n++] = stream_byte(a + i);
		} else if (sscanf(f, "pings %lu", &a) == 1) {
			memset(out + n, BR_QI_FRAME_PING, a);
			n += a;
		} else if (!strcmp(f, "ping")) {
			out[n++] = BR_QI_FRAME_PING;
		} else if (sscanf(f, "pad %lu", &a) == 1) {
			memset(out + n, 0, a);
			n += a;
		} else if (sscanf(f, "hex %4096s", hex) == 1) {
			n += unhex(hex, out + n);
		} else {
			fail_msg("bad frame spec '%s'", f);
		}
	}
	free(s);
	return n;
}

/*
 * A client Initial (version, DCID, packet number in pn_len bytes) with
 * the payload frames, PADDING after them up to a datagram of dgram bytes
 * (0: none), a tag of 0xee bytes, protected with the keys under test.
 * Returns the datagram's length.
 */
static __u32 build_initial(__u32 version, const char *dcid_hex, __u32 pn,
			   __u32 pn_len, const __u8 *frames, __u32 flen,
			   __u32 dgram, __u8 *out)
{
	struct br_aes_block mask;
	struct br_qi_pkt p = {0};
	__u32 n = 0, i, pn_off, plen;
	__u8 dcid[BR_QUIC_CID_MAX];
	__u32 dcid_len = unhex(dcid_hex, dcid);

	out[n++] = 0xc0 | (version == BR_QUIC_V2 ? 0x10 : 0) | (pn_len - 1);
	for (i = 0; i < 4; i++)
		out[n++] = version >> (24 - 8 * i);
	out[n++] = dcid_len;
	memcpy(out + n, dcid, dcid_len);
	n += dcid_len;
	out[n++] = 0; /* SCID length */
	out[n++] = 0; /* token length */
	/* Length in 2 bytes, then the packet number */
	plen = flen;
	if (dgram && n + 2 + pn_len + flen + BR_QI_TAG_LEN < dgram)
		plen = dgram - (n + 2 + pn_len + BR_QI_TAG_LEN);
	out[n++] = 0x40 | (pn_len + plen + BR_QI_TAG_LEN) >> 8;
	out[n++] = pn_len + plen + BR_QI_TAG_LEN;
	pn_off = n;
	for (i = 0; i < pn_len; i++)
		out[n++] = pn >> (8 * (pn_len - 1 - i));
	memcpy(out + n, frames, flen);
	memset(out + n + flen, 0, plen - flen);
	n += plen;
	memset(out + n, 0xee, BR_QI_TAG_LEN);
	n += BR_QI_TAG_LEN;
	assert_true(n <= BR_QI_BUF);

	/* encrypt: the keystream XORed over the payload, as to decrypt */
	memset(&qi, 0, sizeof(qi));
	qi.version = version;
	qi.dcid_len = dcid_len;
	memcpy(qi.dcid, dcid, dcid_len);
	assert_int_equal(br_qi_derive(&keys, &qi, &work), BR_QI_OK);
	memcpy(buf.b, out, n);
	p.pn = pn;
	p.pn_len = pn_len;
	p.payload_off = pn_off + pn_len;
	p.payload_len = plen;
	assert_int_equal(br_qi_decrypt(&keys, &buf, &p, BR_QI_BUF), BR_QI_OK);
	memcpy(out, buf.b, n);
	/* header protection (RFC 9001 §5.4.1) */
	br_aes_load(&mask, out + pn_off + BR_QI_SAMPLE_OFF);
	br_aes128_encrypt(&keys.hp, &mask);
	out[0] ^= (mask.w[0] >> 24) & 0x0f;
	for (i = 0; i < pn_len; i++)
		out[pn_off + i] ^= br_qi_byte(&mask, i + 1);
	return n;
}

/* The builder gives RFC 9001's and RFC 9369's packets, less the tag. */
static void test_builder(void **state)
{
	__u8 frames[256], want[BR_QI_BUF], got[BR_QI_BUF];
	__u32 flen = unhex(rfc9001_a2_crypto_frame, frames), n;

	(void)state;
	n = build_initial(BR_QUIC_V1, rfc_a2_dcid, 2, 4, frames, flen, 1200,
			  got);
	assert_int_equal(n, unhex(rfc9001_a2_packet, want));
	assert_memory_equal(got, want, n - BR_QI_TAG_LEN);
	n = build_initial(BR_QUIC_V2, rfc_a2_dcid, 2, 4, frames, flen, 1200,
			  got);
	assert_int_equal(n, unhex(rfc9369_a2_packet, want));
	assert_memory_equal(got, want, n - BR_QI_TAG_LEN);
}

enum {
	OK = BR_QI_OK,
	TRUNC = BR_QI_E_TRUNC,
	FRAME = BR_QI_E_FRAME,
	MANY = BR_QI_E_TOO_MANY,
	LIMIT = BR_QI_E_LIMIT,
	RANGE = BR_QI_E_RANGE,
};

#define EIGHT "crypto 0 1; crypto 1 1; crypto 2 1; crypto 3 1; " \
	      "crypto 4 1; crypto 5 1; crypto 6 1; crypto 7 1"
#define EIGHT_R "0+1 1+1 2+1 3+1 4+1 5+1 6+1 7+1"

/* clang-format off */
static const struct frame_case {
	const char *name;
	const char *frames;
	__u32 dgram;	    /* PADDING up to this datagram length; 0: none */
	int result;	    /* of the walk */
	const char *crypto; /* the CRYPTO frames reported: "offset+len ..." */
	__u32 prefix;	    /* contiguous stream bytes from offset 0 */
} frame_cases[] = {
/* name                              frames                                                   dgram result crypto                     prefix */
{ "CRYPTO, PADDING",                 "crypto 0 300",                                           1200, OK,    "0+300",                  300 },
{ "shuffled, PING and PADDING between (Chrome)", "crypto 100 50; ping; crypto 0 100; pad 37; crypto 150 10; ping", 1252, OK, "100+50 0+100 150+10", 160 },
{ "reverse order",                   "crypto 20 10; crypto 10 10; crypto 0 10",                0,    OK,    "20+10 10+10 0+10",       30 },
{ "a gap",                           "crypto 0 10; crypto 20 10",                              1200, OK,    "0+10 20+10",             10 },
{ "nothing at offset 0",             "crypto 5 10",                                            1200, OK,    "5+10",                   0 },
{ "overlap, no gap",                 "crypto 0 10; crypto 5 20",                               1200, OK,    "0+10 5+20",              25 },
{ "a zero-length CRYPTO",            "crypto 0 0; crypto 0 4",                                 1200, OK,    "0+0 0+4",                4 },
{ "ACK, ACK_ECN, CLOSE, PING",       "hex 02400a0001000102; crypto 0 8; hex 0303000000000102; hex 1c0a0003616263; ping", 1200, OK, "0+8", 8 },
{ "only PADDING",                    "",                                                       1200, OK,    "",                       0 },
{ "3 PADDING bytes, nothing else",   "pad 3",                                                  0,    OK,    "",                       0 },
{ "eight CRYPTO frames",             EIGHT,                                                    1200, OK,    EIGHT_R,                  8 },
{ "nine CRYPTO frames",              EIGHT "; crypto 8 1",                                     1200, MANY,  EIGHT_R,                  0 },
{ "CRYPTO length past the payload",  "crypto 0 4; hex 060047ff",                               1200, TRUNC, "0+4",                    0 },
{ "CRYPTO data cut at the payload end", "hex 0600200102",                                      0,    TRUNC, "",                       0 },
{ "CRYPTO varint cut at the end",    "crypto 0 2; hex 0640",                                   0,    TRUNC, "0+2",                    0 },
{ "CRYPTO offset 2^62 - 1",          "hex 06ffffffffffffffff01aa",                             1200, RANGE, "",                       0 },
{ "CRYPTO past stream offset 2^32",  "hex 06c0000000ffffffff0201aaaa",                         1200, RANGE, "",                       0 },
{ "ACK range count 2^30",            "hex 020000bfffffff00",                                   1200, TRUNC, "",                       0 },
{ "ACK cut in its ranges",           "hex 0200000300000000",                                   0,    TRUNC, "",                       0 },
{ "CLOSE reason past the payload",   "hex 1c000047ff",                                         1200, TRUNC, "",                       0 },
{ "STREAM (0x08): not in an Initial", "crypto 0 4; hex 0800",                                  1200, FRAME, "0+4",                    0 },
{ "app CONNECTION_CLOSE (0x1d)",     "hex 1d000000",                                           1200, FRAME, "",                       0 },
{ "HANDSHAKE_DONE (0x1e)",           "hex 1e",                                                 1200, FRAME, "",                       0 },
{ "CRYPTO type in two bytes (0x4006)", "hex 40060001aa",                                       1200, FRAME, "",                       0 },
{ "300 PINGs: the step limit",       "pings 300",                                              1200, LIMIT, "",                       0 },
};
/* clang-format on */

static void check_frames(const struct frame_case *fc)
{
	char got[256] = "";
	__u32 i, n = 0;

	for (i = 0; i < walk.ncrypto; i++)
		n += snprintf(got + n, sizeof(got) - n, "%s%u+%u",
			      i ? " " : "", walk.crypto[i].offset,
			      walk.crypto[i].len);
	assert_string_equal(got, fc->crypto);
	/* each frame's data lies where reported, decrypted */
	for (i = 0; i < walk.ncrypto; i++)
		for (n = 0; n < walk.crypto[i].len; n++)
			assert_int_equal(buf.b[walk.crypto[i].pos + n],
					 stream_byte(walk.crypto[i].offset + n));
}

static void run_frame_cases(__u32 version, __u32 pn_len, __u32 chunk)
{
	__u8 frames[BR_QI_BUF], dgram[BR_QI_BUF];
	__u32 i, k, flen, n, prefix;
	int r;

	for (i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *fc = &frame_cases[i];

		print_message("v%u pn_len %u chunk %u: %s\n",
			      version == BR_QUIC_V1 ? 1 : 2, pn_len, chunk,
			      fc->name);
		flen = frames_of(fc->frames, frames);
		n = build_initial(version, "0011223344556677", 1, pn_len,
				  frames, flen, fc->dgram, dgram);
		r = open_dgram(dgram, n, n, chunk, &prefix);
		assert_int_equal(r, fc->result);
		assert_int_equal(pkt.pn, 1);
		assert_int_equal(pkt.pn_len, pn_len);
		check_frames(fc);
		if (r)
			continue;
		assert_int_equal(prefix, fc->prefix);
		for (k = 0; k < prefix; k++)
			assert_int_equal(hello.b[k], stream_byte(k));
	}
}

static void test_frames(void **state)
{
	__u32 pn_len;

	(void)state;
	for (pn_len = 1; pn_len <= 4; pn_len++)
		run_frame_cases(BR_QUIC_V1, pn_len, 0);
	run_frame_cases(BR_QUIC_V2, 2, 0);
	run_frame_cases(BR_QUIC_V1, 1, 16);
	run_frame_cases(BR_QUIC_V2, 3, 80);
}

/*
 * Coalesced: an Initial, then 100 more bytes (a Handshake packet's
 * place). Only the Initial is opened; pkt.end says where the next
 * begins, and nothing past it changes.
 */
static void test_coalesced(void **state)
{
	__u8 frames[BR_QI_BUF], dgram[BR_QI_BUF];
	__u32 flen, n, prefix;

	(void)state;
	flen = frames_of("crypto 0 200", frames);
	n = build_initial(BR_QUIC_V1, "0011223344556677", 0, 2, frames, flen,
			  1100, dgram);
	memset(dgram + n, 0xab, 100);
	assert_int_equal(open_dgram(dgram, n + 100, n + 100, 0, &prefix),
			 BR_QI_OK);
	assert_int_equal(pkt.end, n);
	assert_int_equal(prefix, 200);
	for (flen = 0; flen < 100; flen++)
		assert_int_equal(buf.b[n + flen], 0xab);
}

/* Out-of-order calls and NULL pointers are refused. */
static void test_args(void **state)
{
	struct br_qi_pkt p = {0};
	__u32 len;

	(void)state;
	assert_int_equal(br_qi_derive(NULL, &qi, &work), BR_QI_E_ARG);
	assert_int_equal(br_qi_unprotect(&keys, NULL, 0, &qi, &pkt),
			 BR_QI_E_ARG);
	/* decrypt before unprotect: no packet number yet */
	assert_int_equal(br_qi_decrypt(&keys, &buf, &p, BR_QI_BUF),
			 BR_QI_E_ARG);
	assert_int_equal(br_qi_walk(NULL, &buf, &p), BR_QI_E_ARG);
	assert_int_equal(br_qi_crypto_prefix(&walk, &buf, &hello, NULL),
			 BR_QI_E_ARG);
	memset(&walk, 0, sizeof(walk));
	walk.stop = BR_QI_BUF + 1;
	assert_int_equal(br_qi_walk(&walk, &buf, &p), BR_QI_E_ARG);
	memset(&walk, 0, sizeof(walk));
	assert_int_equal(br_qi_crypto_prefix(&walk, &buf, &hello, &len),
			 BR_QI_OK);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_aes_fips197),
		cmocka_unit_test(test_salt_keys),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_rfc9001_a2),
		cmocka_unit_test(test_rfc9369_a2),
		cmocka_unit_test(test_rfc_a2_chunked),
		cmocka_unit_test(test_decode_pn),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_dcid_len),
		cmocka_unit_test(test_builder),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_coalesced),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
