// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ja4.c - the JA4 of ClientHellos (bpf/ja4.h, collected by tls.h),
 * compiled for the host from the same source as the dataplane's.
 *
 * Every expected value comes from elsewhere: SHA-256 from FIPS 180-2's
 * vectors, the hashes of the example in FoxIO's technical_details/JA4.md,
 * the fingerprints of real hellos from FoxIO's python/ja4.py on captures
 * of them (ja4_hellos.h), and JA4_a of built hellos derived by hand from
 * the spec, next to each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tls.h"
#include "hello.h"
#include "ja4_hellos.h"

static struct br_ja4_work work;

/* The digest of s, as hex. */
static void sha_hex(const char *s, char *out)
{
	static struct br_sha256_buf m;
	static struct br_sha256 sha;
	int i;

	memset(&m, 0, sizeof(m));
	memcpy(m.b, s, strlen(s));
	assert_int_equal(br_sha256(&sha, &m, strlen(s)), 0);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", sha.h[i]);
}

static void test_sha256(void **state)
{
	char hex[65];

	(void)state;
	sha_hex("abc", hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	sha_hex("", hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	/* two blocks: the padding no longer fits the first */
	sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
				 "a33ce45964ff2167f6ecedd419db06c1");
}

/* The example strings of JA4.md and the 12 digits it gives for each. */
static void test_spec_example(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
		  "c02f,c030,cca8,cca9",
		  "8daaf6152771" },
		{ "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,"
		  "0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
		  "e5627efa2ab1" },
		{ "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,"
		  "0033,4469,ff01",
		  "6d807ffa2a79" },
	};
	char hex[65];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sha_hex(cases[i].text, hex);
		hex[12] = '\0';
		assert_string_equal(hex, cases[i].want);
	}
}

/*
 * Feed p (len bytes) with JA4 on, cut after `cut` bytes (0: whole), and
 * return the fingerprint's text in out, or the result if not BR_JA4_OK.
 */
static int fingerprint(const __u8 *p, size_t len, size_t cut, char *out)
{
	static struct br_tls_state st;
	int res;

	br_tls_init(&st);
	st.ja4.flags = BR_JA4_F_ON;
	if (cut && cut < len) {
		br_tls_feed(&st, p, cut);
		res = br_tls_feed(&st, p + cut, len - cut);
	} else {
		res = br_tls_feed(&st, p, len);
	}
	assert_true(res == BR_TLS_DONE_SNI || res == BR_TLS_DONE_NO_SNI);
	res = br_ja4_compute(&st.ja4, !!(st.flags & BR_TLS_F_SNI_EXT), &work);
	if (res == BR_JA4_OK)
		br_ja4_format(&work.fp, out);
	return res;
}

static void test_real_hellos(void **state)
{
	static const struct {
		const char *desc;
		const __u8 *p;
		size_t len;
		const char *want;
	} cases[] = {
		{ "curl TLS 1.3", hello_curl_tls13, sizeof(hello_curl_tls13),
		  "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6" },
		{ "openssl s_client -tls1_2 to an address",
		  hello_openssl_tls12_ip, sizeof(hello_openssl_tls12_ip),
		  "t12i280600_d943125447b4_e7e480e5a997" },
	};
	static __u8 buf[BR_L7_SCRATCH];
	char got[BR_JA4_TEXT];
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* whole, then cut at every byte: one field may span two */
		for (cut = 0; cut < cases[i].len; cut++) {
			memcpy(buf, cases[i].p, cases[i].len);
			assert_int_equal(fingerprint(buf, cases[i].len, cut,
						     got),
					 BR_JA4_OK);
			if (strcmp(got, cases[i].want))
				fail_msg("%s cut at %zu: %s, want %s",
					 cases[i].desc, cut, got, cases[i].want);
		}
	}
}

/*
 * Built hellos (hello.h): JA4_a by hand. Their cipher suites are 16
 * times 0x1313, legacy_version 0x0303; A is ALPN "h2", "http/1.1"; G, g
 * GREASE extensions (not counted); the lists inside V (length 3: odd)
 * and W (length 0x0404: longer than the extension) are malformed, which
 * costs the fingerprint, not the parse.
 */
static void test_built_hellos(void **state)
{
	static const struct {
		const char *exts;
		const char *sni;
		const char *want_a; /* NULL: BR_JA4_SKIPPED */
	} cases[] = {
		{ "SKC", "a.example", "t12d160300" },
		{ "SKCA", "a.example", "t12d1604h2" },
		{ "GSKCgA", "a.example", "t12d1604h2" },
		{ "KCA", NULL, "t12i1603h2" },
		{ "KCM", NULL, "t12i160300" },
		{ "SKCW", "a.example", NULL },
		{ "SKCV", "a.example", NULL },
	};
	static __u8 buf[4096];
	char got[BR_JA4_TEXT];
	size_t i, len, name_end;
	int res;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spec sp = { .exts = cases[i].exts,
				   .sni = cases[i].sni ? cases[i].sni : "" };

		len = build(&sp, buf, sizeof(buf), &name_end);
		res = fingerprint(buf, len, 0, got);
		if (!cases[i].want_a) {
			assert_int_equal(res, BR_JA4_SKIPPED);
			continue;
		}
		assert_int_equal(res, BR_JA4_OK);
		got[10] = '\0';
		if (strcmp(got, cases[i].want_a))
			fail_msg("%s: %s, want %s", cases[i].exts, got,
				 cases[i].want_a);
	}
}

/* Beyond what is kept: no fingerprint, never a wrong one. */
static void test_limits(void **state)
{
	static __u8 buf[8192];
	char got[BR_JA4_TEXT];
	size_t len, name_end;
	struct spec many_ciphers = { .exts = "SK", .sni = "a.example",
				     .cs_len = 2 * (BR_JA4_MAX_CIPHERS + 1) };
	struct spec max_ciphers = { .exts = "SK", .sni = "a.example",
				    .cs_len = 2 * BR_JA4_MAX_CIPHERS };
	struct spec many_exts = { .exts = "SK", .sni = "a.example",
				  .n_empty = BR_JA4_MAX_EXTS };
	struct spec max_exts = { .exts = "SK", .sni = "a.example",
				 .n_empty = BR_JA4_MAX_EXTS - 1 };

	(void)state;
	len = build(&many_ciphers, buf, sizeof(buf), &name_end);
	assert_int_equal(fingerprint(buf, len, 0, got), BR_JA4_SKIPPED);
	len = build(&max_ciphers, buf, sizeof(buf), &name_end);
	assert_int_equal(fingerprint(buf, len, 0, got), BR_JA4_OK);
	got[10] = '\0';
	assert_string_equal(got, "t12d640200");
	len = build(&many_exts, buf, sizeof(buf), &name_end);
	assert_int_equal(fingerprint(buf, len, 0, got), BR_JA4_SKIPPED);
	len = build(&max_exts, buf, sizeof(buf), &name_end);
	assert_int_equal(fingerprint(buf, len, 0, got), BR_JA4_OK);
	got[10] = '\0';
	assert_string_equal(got, "t12d163300");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_real_hellos),
		cmocka_unit_test(test_built_hellos),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("ja4", tests, NULL, NULL);
}
