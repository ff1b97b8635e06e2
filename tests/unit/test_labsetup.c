/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_labsetup.c - what a live lab is built from (user/lab/labsetup.h),
 * on the shipped catalog: the servers' ports, the resolver's names (every
 * number of a '%' template, answered inside the map's block of the flow's
 * servers), the devices file (each device on its access, with the model's
 * addresses).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addrmap.h"
#include "catalog.h"
#include "diag.h"
#include "labsetup.h"

static struct br_catalog *load(void)
{
	struct br_catalog *cat = NULL;
	struct br_diag diag;

	br_diag_init(&diag);
	assert_int_equal(br_catalog_load_dir(BR_SOURCE_DIR "/policies/catalog",
					     &cat, &diag),
			 0);
	br_diag_free(&diag);
	return cat;
}

/* Whether the comma list has port p, alone or in a range. */
static bool has_port(const char *list, unsigned int p)
{
	const char *s = list;
	unsigned int a, b;
	int n;

	while (*s) {
		if (sscanf(s, "%u-%u%n", &a, &b, &n) == 2 ||
		    (sscanf(s, "%u%n", &a, &n) == 1 && (b = a)))
			if (p >= a && p <= b)
				return true;
		s += n;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return false;
}

static void test_ports(void **state)
{
	struct br_catalog *cat = load();
	char tcp[1024], udp[1024], quic[256];

	(void)state;
	br_lab_ports(cat, tcp, udp, quic, sizeof(tcp));
	/* APNs on 5223 and 443, FCM's mtalk on 5228: TLS */
	assert_true(has_port(tcp, 5223));
	assert_true(has_port(tcp, 443));
	assert_true(has_port(tcp, 5228));
	/* FaceTime's media range, UDP, not TCP */
	assert_true(has_port(udp, 16384));
	assert_true(has_port(udp, 16387));
	assert_false(has_port(tcp, 16384));
	/* HTTP/3 */
	assert_true(has_port(quic, 443));
	assert_false(has_port(quic, 5223));
	br_catalog_free(cat);
}

static void test_dnsmasq(void **state)
{
	struct br_catalog *cat = load();
	const struct br_prefix w4 = BR_ADDRMAP_WORLD4;
	struct br_addrmap *m;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	unsigned int names = 0, couriers = 0;
	FILE *f;

	(void)state;
	assert_int_equal(br_addrmap_new(&m), 0);
	assert_int_equal(br_addrmap_add_sets(m, cat->sets, cat->n_sets), 0);
	assert_int_equal(br_addrmap_build(m), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(br_lab_dnsmasq_conf(f, cat, m), 0);
	fclose(f);
	/* nothing forwarded, only its own names answered */
	assert_non_null(strstr(text, "\nno-resolv\n"));
	assert_non_null(strstr(text, "listen-address=198.19.255.53\n"));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256], addr[64];
		uint8_t a[16];

		if (strncmp(line, "address=/", 9))
			continue;
		assert_int_equal(sscanf(line, "address=/%255[^/]/%63s", name,
					addr),
				 2);
		names++;
		couriers += !!strstr(name, "-courier.push.apple.com");
		if (inet_pton(AF_INET, addr, a) == 1) /* inside the world */
			assert_int_equal(memcmp(a, w4.addr, 2) | (a[2] & 0x80),
					 0);
	}
	/* "%-courier.push.apple.com", every number the device may pick */
	assert_int_equal(couriers % 50, 0);
	assert_true(couriers >= 50);
	assert_true(names > couriers);
	free(text);
	br_addrmap_free(m);
	br_catalog_free(cat);
}

static void test_devfile(void **state)
{
	const struct br_traffic_device v[3] = {
		{ .cellular = 0 }, { .cellular = 1, .v6 = 1 }, { .cellular = 0 }
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(br_lab_devfile(f, v, 3), 0);
	fclose(f);
	/* the model's addresses (addrplan.h), device by index */
	assert_non_null(strstr(text, "\nwifi 198.18.0.1 2001:db8:1::10\n"));
	assert_non_null(strstr(text, "\ncell 198.18.0.2 2001:db8:1:1::10\n"));
	assert_non_null(strstr(text, "\nwifi 198.18.0.3 2001:db8:1:2::10\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_dnsmasq),
		cmocka_unit_test(test_devfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
