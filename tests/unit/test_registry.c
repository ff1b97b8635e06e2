// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_registry.c - the registry dump reader (user/lang/registry.c) and
 * its IDN conversion (user/lang/idn.c): RFC 3492's sample strings, the
 * windows-1251 table, each corner of the row format, each refusal with
 * its message and line number.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"
#include "idn.h"
#include "registry.h"
#include "import.h"

/* RFC 3492 section 7.1: code points and their Punycode. */
static void test_punycode_rfc3492_samples(void **state)
{
	/* (L) Russian, lowercased: the RFC's "b1abfaaepdrnnbgefbaDotcwatmq2g4l" */
	static const uint32_t ru[] = { 0x043f, 0x043e, 0x0447, 0x0435, 0x043c,
				       0x0443, 0x0436, 0x0435, 0x043e, 0x043d,
				       0x0438, 0x043d, 0x0435, 0x0433, 0x043e,
				       0x0432, 0x043e, 0x0440, 0x044f, 0x0442,
				       0x043f, 0x043e, 0x0440, 0x0443, 0x0441,
				       0x0441, 0x043a, 0x0438 };
	/* (A) Arabic (Egyptian) */
	static const uint32_t ar[] = { 0x0644, 0x064a, 0x0647, 0x0645, 0x0627,
				       0x0628, 0x062a, 0x0643, 0x0644, 0x0645,
				       0x0648, 0x0634, 0x0639, 0x0631, 0x0628,
				       0x064a, 0x061f };
	/* (B) Chinese (simplified) */
	static const uint32_t zh[] = { 0x4ed6, 0x4eec, 0x4e3a, 0x4ec0, 0x4e48,
				       0x4e0d, 0x8bf4, 0x4e2d, 0x6587 };
	/* (J) Spanish: basic code points kept, then the delimiter */
	static const char es_text[] =
		"Porqu\xe9nopuedensimplementehablarenEspa\xf1ol";
	uint32_t es[sizeof(es_text)];
	char out[128];
	size_t i;

	(void)state;
	assert_int_equal(br_punycode_encode(ru, 28, out, sizeof(out)), 32);
	assert_string_equal(out, "b1abfaaepdrnnbgefbadotcwatmq2g4l");
	assert_int_equal(br_punycode_encode(ar, 17, out, sizeof(out)), 22);
	assert_string_equal(out, "egbpdaj6bu4bxfgehfvwxn");
	assert_int_equal(br_punycode_encode(zh, 9, out, sizeof(out)), 24);
	assert_string_equal(out, "ihqwcrb4cv8a8dqg056pqjye");
	for (i = 0; i < sizeof(es_text) - 1; i++)
		es[i] = (uint8_t)es_text[i]; /* Latin-1: the code point */
	br_punycode_encode(es, sizeof(es_text) - 1, out, sizeof(out));
	assert_string_equal(out,
			    "PorqunopuedensimplementehablarenEspaol-fmd56a");
	/* too small an output is refused, not cut */
	assert_int_equal(br_punycode_encode(ru, 28, out, 10), -E2BIG);
}

static void test_cp1251_table(void **state)
{
	static const struct {
		uint8_t byte;
		uint32_t ucs;
	} cases[] = {
		{ 0x41, 0x0041 }, /* ASCII as is */
		{ 0xc0, 0x0410 }, /* А */
		{ 0xdf, 0x042f }, /* Я */
		{ 0xe0, 0x0430 }, /* а */
		{ 0xff, 0x044f }, /* я */
		{ 0xa8, 0x0401 }, /* Ё */
		{ 0xb8, 0x0451 }, /* ё */
		{ 0xb2, 0x0406 }, /* І */
		{ 0xa5, 0x0490 }, /* Ґ */
		{ 0x80, 0x0402 }, /* Ђ */
		{ 0x88, 0x20ac }, /* € */
		{ 0xb9, 0x2116 }, /* № */
		{ 0x98, 0 },	  /* unassigned */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(br_cp1251_to_ucs(cases[i].byte), cases[i].ucs);
}

static void test_idn_domain(void **state)
{
	static const struct {
		const char *in;	 /* windows-1251 */
		const char *out; /* NULL: refused */
		const char *why;
	} cases[] = {
		{ "\xcf\xd0\xc8\xcc\xc5\xd0.\xd0\xd4", "xn--e1afmkfd.xn--p1ai",
		  NULL },
		{ "\xef\xf0\xe8\xec\xe5\xf0.\xf0\xf4", "xn--e1afmkfd.xn--p1ai",
		  NULL },
		{ "*.Example.COM.", "*.example.com", NULL },
		{ "xn--P1AI", "xn--p1ai", NULL },
		{ "*.\xf1\xe0\xe9\xf2.ru", "*.xn--80aswg.ru", NULL },
		{ "a_b-c.example", "a_b-c.example", NULL },
		{ "a..b", NULL, "empty label" },
		{ "bad!.ru", NULL, "character not allowed in a name" },
		{ "x\x98y.ru", NULL, "character not allowed in a name" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaa.ru",
		  NULL, "label longer than 63 bytes" },
		{ "*.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p", NULL,
		  "wildcard name deeper than 15 labels" },
		{ ".", NULL, "empty name" },
		{ "*.", NULL, "character not allowed in a name" },
	};
	const char *why;
	char out[300];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		n = br_idn_domain(cases[i].in, strlen(cases[i].in), out,
				  sizeof(out), &why);
		if (cases[i].out) {
			assert_int_equal(n, (int)strlen(cases[i].out));
			assert_string_equal(out, cases[i].out);
		} else {
			assert_int_equal(n, -EINVAL);
			assert_string_equal(why, cases[i].why);
		}
	}
}

/* One row: what it adds, or the message that refuses it. */
static const struct {
	const char *line;
	size_t v4, v6, names, urls;
	const char *msg; /* NULL: accepted */
} row_cases[] = {
	{ "1.2.3.4 | 5.6.0.0/16;ex.com;http://a/ | "
	  "https://b/;body;1;2020-01-01",
	  2, 0, 1, 2, NULL },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::2;;;b;1;2020", 0,
	  2, 0, 0, NULL },
	{ "2a02:6b8::/32;;;b;1;2020", 0, 1, 0, 0, NULL },
	{ "0.0.0.0/0;;;b;1;2020", 1, 0, 0, 0, NULL },
	{ "1.2.3.4;x.ru;http://x/;b;27-31-2020/1;2;2020", 1, 0, 1, 1, NULL },
	{ ";;;;;", 0, 0, 0, 0, NULL },
	{ ";\xcf\xd0\xc8\xcc\xc5\xd0.\xd0\xd4;;\xd4\xcd\xd1;1;2020", 0, 0, 1, 0,
	  NULL },
	{ "999.1.1.1;x.ru;;b;1;2020", 0, 0, 0, 0, "bad IP \"999.1.1.1\"" },
	{ "1.2.3.4 | 01.2.3.4;;;b;1;2020", 0, 0, 0, 0, "bad IP \"01.2.3.4\"" },
	{ "2001:db8:::1;;;b;1;2020", 0, 0, 0, 0, "bad IP \"2001:db8:::1\"" },
	{ "10.0.0.0/33;;;b;1;2020", 0, 0, 0, 0,
	  "bad CIDR \"10.0.0.0/33\": prefix length" },
	{ "10.0.0.0/08;;;b;1;2020", 0, 0, 0, 0,
	  "bad CIDR \"10.0.0.0/08\": prefix length" },
	{ "10.0.0.1/8;;;b;1;2020", 0, 0, 0, 0,
	  "bad CIDR \"10.0.0.1/8\": host bits set" },
	{ "2001:db8::1/32;;;b;1;2020", 0, 0, 0, 0,
	  "bad CIDR \"2001:db8::1/32\": host bits set" },
	{ "1.2.3.4 | ;;;b;1;2020", 0, 0, 0, 0,
	  "bad IP \"\": empty after \"|\"" },
	{ "1.2.3.4;x.ru", 0, 0, 0, 0,
	  "too few fields (2, expected at least 6)" },
	{ "1.2.3.4;bad!.ru;;b;1;2020", 0, 0, 0, 0,
	  "bad domain \"bad!.ru\": character not allowed in a name" },
	{ "1.2.3.4;x\x98y.ru;;b;1;2020", 0, 0, 0, 0,
	  "bad encoding: byte 0x98 at column 10 (not windows-1251 text)" },
	{ "1.2.3.4;x.ru;;b\x01;1;2020", 0, 0, 0, 0,
	  "bad encoding: byte 0x01 at column 16 (not windows-1251 text)" },
};

static void test_row_corners(void **state)
{
	struct br_registry r;
	char msg[256];
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < sizeof(row_cases) / sizeof(row_cases[0]); i++) {
		br_registry_init(&r);
		msg[0] = '\0';
		err = br_registry_row(&r, row_cases[i].line,
				      strlen(row_cases[i].line), msg,
				      sizeof(msg));
		if (row_cases[i].msg) {
			assert_int_equal(err, -EINVAL);
			assert_string_equal(msg, row_cases[i].msg);
		} else {
			assert_int_equal(err, 0);
		}
		/* a refused row adds nothing, even what preceded its fault */
		assert_int_equal(r.n_v4, row_cases[i].v4);
		assert_int_equal(r.n_v6, row_cases[i].v6);
		assert_int_equal(r.n_names, row_cases[i].names);
		assert_int_equal(r.urls, row_cases[i].urls);
		br_registry_free(&r);
	}
}

/* Read a whole dump from text; errs gets the messages. */
static int read_dump(struct br_registry *r, const char *text, uint64_t max,
		     char **errs)
{
	size_t len = 0;
	FILE *in, *err_f;
	int err;

	in = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(in);
	err_f = open_memstream(errs, &len);
	assert_non_null(err_f);
	br_registry_init(r);
	err = br_registry_read(r, in, "t.csv", max, err_f);
	fclose(in);
	fclose(err_f);
	return err;
}

static void test_read_reports_line_numbers(void **state)
{
	struct br_registry r;
	char *errs;

	(void)state;
	assert_int_equal(read_dump(&r,
				   "Updated: 2026-11-30 12:00:00 +0000\n"
				   "1.2.3.4;a.ru;;b;1;2020\n"
				   "999.1.1.1;b.ru;;b;1;2020\r\n"
				   "garbage\n"
				   "5.6.7.8;;;b;1;2020\n",
				   UINT64_MAX, &errs),
			 0);
	assert_string_equal(
		errs, "t.csv:3: bad IP \"999.1.1.1\"\n"
		      "t.csv:4: too few fields (1, expected at least 6)\n");
	assert_int_equal(r.rows, 4);
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.n_v4, 2);
	assert_string_equal(r.updated, "2026-11-30 12:00:00 +0000");
	free(errs);
	br_registry_free(&r);
}

static void test_read_without_header(void **state)
{
	struct br_registry r;
	char *errs;

	(void)state;
	assert_int_equal(
		read_dump(&r, "1.2.3.4;a.ru;;b;1;2020\n", UINT64_MAX, &errs),
		0);
	assert_string_equal(errs, "t.csv:1: expected \"Updated: YYYY-MM-DD "
				  "HH:MM:SS +0000\" (not a registry dump?)\n");
	assert_int_equal(r.errors, 1);
	free(errs);
	br_registry_free(&r);
}

/* With a bound given, reading stops at the first line past it. */
static void test_read_stops_past_max_errors(void **state)
{
	struct br_registry r;
	char *errs;

	(void)state;
	assert_int_equal(
		read_dump(&r, "Updated: x\nbad\nbad\nbad\nbad\n", 1, &errs), 0);
	assert_int_equal(r.errors, 2);
	assert_int_equal(r.rows, 2);
	free(errs);
	br_registry_free(&r);
}

static void test_finish_sorts_and_dedups(void **state)
{
	struct br_registry r;
	uint64_t h4, p4, h6, p6;
	char *errs;

	(void)state;
	assert_int_equal(
		read_dump(&r,
			  "Updated: x\n"
			  "9.9.9.9 | 1.2.3.4 | 1.2.3.0/24;B.ru;;b;1;2\n"
			  "1.2.3.4 | 2001:db8::1;b.RU;;b;1;2\n"
			  "2001:0db8:0:0:0:0:0:1 | 1.2.3.0/24;a.ru;;b;1;2\n",
			  UINT64_MAX, &errs),
		0);
	assert_string_equal(errs, "");
	assert_int_equal(br_registry_finish(&r), 0);
	assert_int_equal(r.n_v4, 3);
	assert_true(r.v4[0] == ((uint64_t)0x01020300 << 8 | 24));
	assert_true(r.v4[1] == ((uint64_t)0x01020304 << 8 | 32));
	assert_true(r.v4[2] == ((uint64_t)0x09090909 << 8 | 32));
	assert_int_equal(r.n_v6, 1);
	assert_int_equal(r.n_names, 2);
	assert_string_equal(r.names + r.name_off[0], "a.ru");
	assert_string_equal(r.names + r.name_off[1], "b.ru");
	br_registry_counts(&r, &h4, &p4, &h6, &p6);
	assert_int_equal(h4, 2);
	assert_int_equal(p4, 1);
	assert_int_equal(h6, 1);
	assert_int_equal(p6, 0);
	free(errs);
	br_registry_free(&r);
}

/* Lines of file path that are set elements; its size in *bytes. */
static size_t count_elements(const char *path, const char *head, size_t *bytes)
{
	char line[256];
	size_t n = 0;
	FILE *f;

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, head);
	while (fgets(line, sizeof(line), f))
		n += strcmp(line, "}\n") != 0;
	*bytes = (size_t)ftell(f);
	fclose(f);
	return n;
}

/* Addresses past a file's budget go into further set files, none lost. */
static void test_sets_split_into_parts(void **state)
{
	char dir[] = "/tmp/test_registry.XXXXXX", path[300], *errs, dump[4096];
	struct br_import imp = { .name = "reg" };
	struct br_registry r;
	size_t i, o = 0, n = 0, bytes;

	(void)state;
	o += (size_t)snprintf(dump, sizeof(dump), "Updated: x\n");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(dump + o, sizeof(dump) - o,
				      "10.0.0.%zu;;;b;1;2\n", i + 100);
	assert_int_equal(read_dump(&r, dump, UINT64_MAX, &errs), 0);
	assert_int_equal(br_registry_finish(&r), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(imp.stem, sizeof(imp.stem), "%s/p", dir);
	/* a part: 20-byte head, 2-byte tail, 11 bytes an address: 16 fit */
	assert_int_equal(br_import_write_sets(&r, &imp, 200), 0);
	assert_int_equal(imp.n_parts, 3);
	assert_int_equal(imp.n_addr_parts, 3);
	snprintf(path, sizeof(path), "%s/p.set", dir);
	n += count_elements(path, "set reg-addrs addr {\n", &bytes);
	assert_true(bytes <= 200);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p-2.set", dir);
	n += count_elements(path, "set reg-addrs-2 addr {\n", &bytes);
	assert_true(bytes <= 200);
	unlink(path);
	snprintf(path, sizeof(path), "%s/p-3.set", dir);
	n += count_elements(path, "set reg-addrs-3 addr {\n", &bytes);
	unlink(path);
	assert_int_equal(n, 40);
	rmdir(dir);
	free(errs);
	br_registry_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_punycode_rfc3492_samples),
		cmocka_unit_test(test_cp1251_table),
		cmocka_unit_test(test_idn_domain),
		cmocka_unit_test(test_row_corners),
		cmocka_unit_test(test_read_reports_line_numbers),
		cmocka_unit_test(test_read_without_header),
		cmocka_unit_test(test_read_stops_past_max_errors),
		cmocka_unit_test(test_finish_sorts_and_dedups),
		cmocka_unit_test(test_sets_split_into_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
