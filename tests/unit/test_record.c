// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_record.c - the model's figure for a policy's record (record.h):
 * which share of which instances each figure takes, per platform or both,
 * and when a run says nothing (NAN) or the model falls in the range.
 *
 * The run is built here by hand: service "app" with its instances on iOS
 * and Android as attempted / failed / degraded (late).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "catalog.h"
#include "record.h"

static const char catalog[] =
	"set srv addr { 1.2.3.0/24 }\n"
	"service other\ncategory c\n"
	"flow api tls daddr @srv dport 443 sni other.example\n"
	"action open needs api\n"
	"service app\ncategory c\n"
	"flow api tls daddr @srv dport 443 sni api.example\n"
	"action open needs api\n";

/*
 * app: iOS 100 attempted, 10 failed, 30 late; Android 300 attempted, 90
 * failed, 0 late. "other" attempted nothing.
 */
static void test_figures(void **state)
{
	struct br_catalog *cat = NULL;
	struct br_impact_service row = {
		.attempted = 400, .failed = 100, .degraded = 30,
		.on = { { 100, 10, 30 }, { 300, 90, 0 } },
	};
	struct br_impact im = { .n_services = 1, .services = &row };
	static const struct {
		const char *service;
		int platform;
		enum br_record_figure figure;
		double want; /* percent; NAN: the run says nothing */
	} cases[] = {
		{ "app", BR_PLAT_ANY, BR_RECORD_FAILED, 25.0 },
		{ "app", BR_PLAT_ANY, BR_RECORD_LATE, 7.5 },
		{ "app", BR_PLAT_ANY, BR_RECORD_FAILED_OR_LATE, 32.5 },
		{ "app", BR_PLAT_IOS, BR_RECORD_FAILED, 10.0 },
		{ "app", BR_PLAT_IOS, BR_RECORD_FAILED_OR_LATE, 40.0 },
		{ "app", BR_PLAT_ANDROID, BR_RECORD_FAILED, 30.0 },
		{ "app", BR_PLAT_ANDROID, BR_RECORD_LATE, 0.0 },
		{ "other", BR_PLAT_ANY, BR_RECORD_FAILED, NAN },
		{ "nosuch", BR_PLAT_ANY, BR_RECORD_FAILED, NAN },
	};
	struct br_diag d;
	size_t i;

	(void)state;
	br_diag_init(&d);
	assert_int_equal(br_catalog_parse_buffer("c.catalog", catalog,
						 strlen(catalog), &cat, &d),
			 0);
	br_diag_free(&d);
	im.cat = cat;
	row.service = br_catalog_service(cat, "app");
	assert_true(row.service >= 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct br_policy_record r = {
			.service = (char *)cases[i].service,
			.platform = cases[i].platform,
			.figure = cases[i].figure,
			.lo = 0,
			.hi = 100,
		};
		double got = br_record_model(&im, &r);

		if (isnan(cases[i].want) ? !isnan(got) : got != cases[i].want)
			fail_msg("case %zu (%s %s): got %f, want %f", i,
				 cases[i].service,
				 br_record_figure_name(cases[i].figure), got,
				 cases[i].want);
		/* a run that says nothing is never within, even 0-100% */
		assert_int_equal(br_record_within(&r, got),
				 !isnan(cases[i].want));
	}
	br_catalog_free(cat);
}

/* Within: the bounds belong to the range; outside is outside. */
static void test_within(void **state)
{
	struct br_policy_record r = { .lo = 10, .hi = 35 };

	(void)state;
	assert_true(br_record_within(&r, 10.0));
	assert_true(br_record_within(&r, 35.0));
	assert_true(br_record_within(&r, 20.0));
	assert_false(br_record_within(&r, 9.99));
	assert_false(br_record_within(&r, 35.01));
	assert_false(br_record_within(&r, NAN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
