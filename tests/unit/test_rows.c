// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_rows.c - the what-if matrix's rows (impact.h): when a service's
 * row splits into one per platform (br_impact_service_splits), which rows
 * a service gets over several runs (br_impact_rows), the figures of a row
 * (br_impact_service_on) and its label (br_impact_row_label).
 *
 * The runs are built here by hand: a service's instances on iOS and
 * Android, as attempted / failed / degraded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "impact.h"

/* One service in one run: iOS then Android, attempted, failed, degraded. */
struct on_def {
	uint64_t ia, i_f, id, aa, af, ad;
};

static struct br_impact_service svc_of(int s, const struct on_def *d)
{
	struct br_impact_service x = {
		.service = s,
		.on = { { d->ia, d->i_f, d->id }, { d->aa, d->af, d->ad } },
	};

	x.attempted = d->ia + d->aa;
	x.failed = d->i_f + d->af;
	x.degraded = d->id + d->ad;
	return x;
}

/* A row splits when its platforms differ: the rule, case by case. */
static void test_splits(void **state)
{
	static const struct {
		const char *what;
		struct on_def d;
		bool splits;
	} cases[] = {
		{ "iOS pushes all fail, Android none", { 100, 100, 0, 200, 0, 0 },
		  true },
		{ "the same shares", { 100, 50, 0, 200, 100, 0 }, false },
		{ "1 point apart: not over the threshold",
		  { 100, 50, 0, 100, 49, 0 }, false },
		{ "2 points apart", { 100, 50, 0, 100, 48, 0 }, true },
		{ "one failure on one platform only",
		  { 1000, 1, 0, 1000, 0, 0 }, true },
		{ "nothing fails anywhere", { 100, 0, 0, 300, 0, 0 }, false },
		{ "degraded on one only", { 100, 0, 40, 100, 0, 0 }, true },
		{ "degraded alike", { 100, 0, 100, 100, 0, 100 }, false },
		{ "one platform only attempted", { 100, 100, 0, 0, 0, 0 },
		  false },
		{ "Android only attempted", { 0, 0, 0, 10, 3, 0 }, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct br_impact_service x = svc_of(0, &cases[i].d);

		if (br_impact_service_splits(&x) != cases[i].splits)
			fail_msg("%s: splits %d, want %d", cases[i].what,
				 !cases[i].splits, cases[i].splits);
	}
}

/* Service 0 in n runs, its figures in each from d[]. */
static void runs_of(struct br_impact *runs, struct br_impact_service *svc,
		    const struct on_def *d, size_t n)
{
	size_t i;

	memset(runs, 0, n * sizeof(*runs));
	for (i = 0; i < n; i++) {
		svc[i] = svc_of(0, &d[i]);
		runs[i].services = &svc[i];
		runs[i].n_services = svc[i].attempted ? 1 : 0;
	}
}

/* The rows of a service over runs: split if any run splits it. */
static void test_rows(void **state)
{
	static const struct {
		const char *what;
		struct on_def d[2];
		int n;
		enum br_platform p0, p1;
	} cases[] = {
		{ "split in the second run only",
		  { { 100, 0, 0, 100, 0, 0 }, { 100, 100, 0, 200, 0, 0 } },
		  2, BR_PLAT_IOS, BR_PLAT_ANDROID },
		{ "alike in both runs: one row over both",
		  { { 100, 0, 0, 100, 0, 0 }, { 100, 50, 0, 200, 100, 0 } },
		  1, BR_PLAT_ANY, 0 },
		{ "iOS only: one row, on iOS",
		  { { 100, 100, 0, 0, 0, 0 }, { 100, 0, 0, 0, 0, 0 } },
		  1, BR_PLAT_IOS, 0 },
		{ "Android only: one row, on Android",
		  { { 0, 0, 0, 30, 0, 0 }, { 0, 0, 0, 30, 30, 0 } },
		  1, BR_PLAT_ANDROID, 0 },
		{ "attempted in no run: no row",
		  { { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0 } }, 0, 0, 0 },
	};
	struct br_impact runs[2];
	struct br_impact_service svc[2];
	enum br_platform plat[2];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		runs_of(runs, svc, cases[i].d, 2);
		n = br_impact_rows(runs, 2, 0, plat);
		if (n != cases[i].n)
			fail_msg("%s: %d rows, want %d", cases[i].what, n,
				 cases[i].n);
		if (n >= 1 && plat[0] != cases[i].p0)
			fail_msg("%s: row 0 on %d, want %d", cases[i].what,
				 plat[0], cases[i].p0);
		if (n == 2 && plat[1] != cases[i].p1)
			fail_msg("%s: row 1 on %d, want %d", cases[i].what,
				 plat[1], cases[i].p1);
	}
}

/* A row's figures: one platform's, or both added up. */
static void test_service_on(void **state)
{
	static const struct on_def d = { 10, 4, 1, 30, 0, 2 };
	struct br_impact run;
	struct br_impact_service svc;
	struct br_impact_count c;

	(void)state;
	runs_of(&run, &svc, &d, 1);
	assert_ptr_equal(br_impact_service_on(&run, 0, BR_PLAT_IOS, &c), &svc);
	assert_true(c.attempted == 10 && c.failed == 4 && c.degraded == 1);
	br_impact_service_on(&run, 0, BR_PLAT_ANDROID, &c);
	assert_true(c.attempted == 30 && c.failed == 0 && c.degraded == 2);
	br_impact_service_on(&run, 0, BR_PLAT_ANY, &c);
	assert_true(c.attempted == 40 && c.failed == 4 && c.degraded == 3);
	/* a service the run never attempted: NULL, and nothing counted */
	assert_null(br_impact_service_on(&run, 1, BR_PLAT_ANY, &c));
	assert_true(!c.attempted && !c.failed && !c.degraded);
}

/* "banking (iOS)": a row's label says its platform, unless both. */
static void test_row_label(void **state)
{
	struct br_cat_service svc[2] = { { .id = "bank", .label = "banking" },
					 { .id = "fcm" } };
	struct br_catalog cat = { .n_services = 2, .services = svc };
	char buf[64];

	(void)state;
	br_impact_row_label(&cat, 0, BR_PLAT_IOS, buf, sizeof(buf));
	assert_string_equal(buf, "banking (iOS)");
	br_impact_row_label(&cat, 0, BR_PLAT_ANDROID, buf, sizeof(buf));
	assert_string_equal(buf, "banking (Android)");
	br_impact_row_label(&cat, 0, BR_PLAT_ANY, buf, sizeof(buf));
	assert_string_equal(buf, "banking");
	br_impact_row_label(&cat, 1, BR_PLAT_ANDROID, buf, sizeof(buf));
	assert_string_equal(buf, "fcm (Android)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_service_on),
		cmocka_unit_test(test_row_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
