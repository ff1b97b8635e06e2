// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_serve.c - the parts of lab serve (user/lab/serve.h) that need no
 * socket: the port lists of --tcp and --udp, and the name map behind its
 * channels and certificates (a newer channel takes over; a closing
 * connection drops only its own). The servers themselves are
 * tests/e2e/test_lab_serve.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "namemap.h"
#include "serve.h"

/* One port list a row: the text, and the ports or the error it gives. */
static const struct {
	const char *text;
	int err;
	const char *ports; /* as "p,p,p" */
} port_cases[] = {
	{ "443", 0, "443" },
	{ "443,5223,5228", 0, "443,5223,5228" },
	{ "8080-8082", 0, "8080,8081,8082" },
	{ "443,8080-8081,443", 0, "443,8080,8081" }, /* each once */
	{ "1,65535", 0, "1,65535" },
	{ "7-7", 0, "7" },
	{ "0", -EINVAL, NULL },
	{ "65536", -EINVAL, NULL },
	{ "100000", -EINVAL, NULL },
	{ "5-3", -EINVAL, NULL },
	{ "", -EINVAL, NULL },
	{ "443,", -EINVAL, NULL },
	{ ",443", -EINVAL, NULL },
	{ "443,,5223", -EINVAL, NULL },
	{ "-443", -EINVAL, NULL },
	{ "443-", -EINVAL, NULL },
	{ "1-2-3", -EINVAL, NULL },
	{ "+443", -EINVAL, NULL },
	{ " 443", -EINVAL, NULL },
	{ "0x1bb", -EINVAL, NULL },
	{ "1-257", -E2BIG, NULL }, /* BR_SERVE_PORTS_MAX is 256 */
	{ "1-256", 0, NULL },
};

static void test_ports(void **state)
{
	struct br_serve_ports p;
	char got[4096];
	size_t i, j, len;

	(void)state;
	for (i = 0; i < sizeof(port_cases) / sizeof(port_cases[0]); i++) {
		memset(&p, 0, sizeof(p));
		if (br_serve_ports_parse(port_cases[i].text, &p) !=
		    port_cases[i].err)
			fail_msg("\"%s\": not %d", port_cases[i].text,
				 port_cases[i].err);
		if (!port_cases[i].ports)
			continue;
		for (j = 0, len = 0; j < p.n; j++)
			len += snprintf(got + len, sizeof(got) - len, "%s%u",
					j ? "," : "", p.port[j]);
		got[len] = '\0';
		if (strcmp(got, port_cases[i].ports))
			fail_msg("\"%s\": %s, not %s", port_cases[i].text, got,
				 port_cases[i].ports);
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(br_serve_ports_parse("1-256", &p), 0);
	assert_int_equal(p.n, BR_SERVE_PORTS_MAX);
	/* a second --tcp adds to the first, but not past the limit */
	assert_int_equal(br_serve_ports_parse("300", &p), -E2BIG);
	assert_int_equal(br_serve_ports_parse("256", &p), 0);
}

static void test_namemap(void **state)
{
	struct br_namemap *m;
	int a, b, c;
	void *old;

	(void)state;
	assert_int_equal(br_namemap_new(&m), 0);
	assert_null(br_namemap_get(m, "d1 apns"));
	assert_int_equal(br_namemap_set(m, "d1 apns", &a, &old), 0);
	assert_null(old);
	assert_int_equal(br_namemap_set(m, "d1 fcm", &c, NULL), 0);
	assert_ptr_equal(br_namemap_get(m, "d1 apns"), &a);
	assert_int_equal(br_namemap_count(m), 2);
	/* the device reconnected: b takes over, a is said to be replaced */
	assert_int_equal(br_namemap_set(m, "d1 apns", &b, &old), 0);
	assert_ptr_equal(old, &a);
	assert_ptr_equal(br_namemap_get(m, "d1 apns"), &b);
	assert_int_equal(br_namemap_count(m), 2);
	/* a closing later drops nothing of b's */
	br_namemap_drop(m, "d1 apns", &a);
	assert_ptr_equal(br_namemap_get(m, "d1 apns"), &b);
	br_namemap_drop(m, "d1 apns", &b);
	assert_null(br_namemap_get(m, "d1 apns"));
	assert_ptr_equal(br_namemap_get(m, "d1 fcm"), &c);
	assert_int_equal(br_namemap_count(m), 1);
	br_namemap_free(m);
}

/* Many names: each found again, none mixed up (chains shared). */
static void test_namemap_many(void **state)
{
	static int vals[20000];
	struct br_namemap *m;
	char name[32];
	int i;

	(void)state;
	assert_int_equal(br_namemap_new(&m), 0);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "d%d apns", i);
		assert_int_equal(br_namemap_set(m, name, &vals[i], NULL), 0);
	}
	assert_int_equal(br_namemap_count(m), 20000);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "d%d apns", i);
		assert_ptr_equal(br_namemap_get(m, name), &vals[i]);
	}
	br_namemap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_namemap),
		cmocka_unit_test(test_namemap_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
