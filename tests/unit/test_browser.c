/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_browser.c - a browser's memory of HTTP/3 (user/model/browser.h):
 * nothing learnt at first, Alt-Svc learnt from a load, QUIC broken for
 * 5 minutes after a lost race and doubling, forgotten when QUIC works,
 * and how long TCP waits for a racing QUIC. The catalog is built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "browser.h"

#define S(n) ((uint64_t)(n)*1000000000ull)
#define MS(n) ((uint64_t)(n)*1000000ull)

/* flat flows: 0 other.x, 1 web.quic (alt-svc), 2 web.tls */
static struct br_cat_flow other_flows[1];
static struct br_cat_flow web_flows[2] = { { .alt_svc = 1 }, { 0 } };
static struct br_cat_service services[2] = {
	{ .id = "other", .n_flows = 1, .flows = other_flows },
	{ .id = "web", .n_flows = 2, .flows = web_flows },
};
static const struct br_catalog cat = { .n_services = 2, .services = services };

static void test_slots(void **state)
{
	struct br_browser b;

	(void)state;
	assert_int_equal(br_browser_init(&b, &cat, 3), 0);
	assert_int_equal(b.n_slots, 1);
	assert_false(br_browser_is_alt(&b, 0));
	assert_true(br_browser_is_alt(&b, 1));
	assert_false(br_browser_is_alt(&b, 2));
	br_browser_free(&b);
}

/* One device through a censor that drops QUIC, then lifts the block. */
static void test_learn_break_double_confirm(void **state)
{
	struct br_browser b;

	(void)state;
	assert_int_equal(br_browser_init(&b, &cat, 2), 0);
	/* a first visit: nothing learnt, TCP as usual */
	assert_int_equal(br_browser_use(&b, 0, 1, S(10)), BR_ALT_UNKNOWN);
	br_browser_loaded(&b, 0, 1, S(10), 0);
	/* Alt-Svc learnt: race; another device learnt nothing */
	assert_int_equal(br_browser_use(&b, 0, 1, S(20)), BR_ALT_RACE);
	assert_int_equal(br_browser_use(&b, 1, 1, S(20)), BR_ALT_UNKNOWN);
	/* TCP waits 1.5 RTT for QUIC, at most 3 s */
	assert_int_equal(br_browser_main_wait(&b, 0, 1, MS(30)), MS(45));
	assert_int_equal(br_browser_main_wait(&b, 0, 1, S(4)), S(3));
	/* QUIC lost the race: broken for 300 s */
	br_browser_loaded(&b, 0, 1, S(20), 1);
	assert_int_equal(br_browser_use(&b, 0, 1, S(319)), BR_ALT_BROKEN);
	assert_int_equal(br_browser_use(&b, 0, 1, S(320)), BR_ALT_RACE);
	/* recently broken: TCP no longer waits */
	assert_int_equal(br_browser_main_wait(&b, 0, 1, MS(30)), 0);
	/* broken again: 600 s, then 1200 s */
	br_browser_loaded(&b, 0, 1, S(320), 1);
	assert_int_equal(br_browser_use(&b, 0, 1, S(919)), BR_ALT_BROKEN);
	assert_int_equal(br_browser_use(&b, 0, 1, S(920)), BR_ALT_RACE);
	br_browser_loaded(&b, 0, 1, S(920), 1);
	assert_int_equal(br_browser_use(&b, 0, 1, S(2119)), BR_ALT_BROKEN);
	assert_int_equal(br_browser_use(&b, 0, 1, S(2120)), BR_ALT_RACE);
	/* QUIC works: the breaks are forgotten, the wait is back */
	br_browser_confirmed(&b, 0, 1);
	assert_int_equal(br_browser_main_wait(&b, 0, 1, MS(30)), MS(45));
	br_browser_loaded(&b, 0, 1, S(3000), 1);
	assert_int_equal(br_browser_use(&b, 0, 1, S(3299)), BR_ALT_BROKEN);
	assert_int_equal(br_browser_use(&b, 0, 1, S(3300)), BR_ALT_RACE);
	br_browser_free(&b);
}

/* The backoff's shift stops at 9 (about two days), as Chromium's. */
static void test_backoff_cap(void **state)
{
	struct br_browser b;
	uint64_t t = 0;
	int i;

	(void)state;
	assert_int_equal(br_browser_init(&b, &cat, 1), 0);
	for (i = 0; i < 12; i++)
		br_browser_loaded(&b, 0, 1, t, 1);
	assert_int_equal(b.mem[0].broken_until, S(300) << 9);
	/* Alt-Svc outlives its 24 h only when loads renew it */
	assert_int_equal(br_browser_use(&b, 0, 1, S(86400)), BR_ALT_UNKNOWN);
	br_browser_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_learn_break_double_confirm),
		cmocka_unit_test(test_backoff_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
