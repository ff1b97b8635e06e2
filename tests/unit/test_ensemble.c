// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_ensemble.c - the reduction of many draws' results (ensemble.h):
 * the JSON reader's round trip, quantiles as documented (median and the
 * 2.5th/97.5th percentiles, R's type 7), rows matched by their strings
 * whatever their order, a row missing from a draw counted as 0, shares
 * (KEY_pct) over the draws where they are defined, strings that vary,
 * the headline rebuilt, and partial results written and read back into
 * the same bytes, with their errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ensemble.h"
#include "json.h"
#include "jsonread.h"

static struct br_jnode *parse(const char *text)
{
	struct br_jnode *n = NULL;
	size_t at = 0;

	if (br_jparse(text, strlen(text), &n, &at))
		fail_msg("not JSON at %zu: %s", at, text);
	return n;
}

static char *write_tree(const struct br_jnode *n)
{
	struct br_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	br_json_init(&j, f);
	br_jwrite(&j, n);
	fclose(f);
	return buf;
}

/* The JSON reader: what it accepts gives the same bytes back. */
static void test_reader(void **state)
{
	static const char *const good[] = {
		"{\"a\":1,\"b\":[1.500,-2,3e2],\"c\":{\"d\":null,\"e\":true}}\n",
		"[\"x\\\"y\\\\z\\n\\t\",\"\\u00e9\",false]\n",
	};
	static const char *const bad[] = {
		"{", "[1,]", "{\"a\" 1}", "\"\\x\"", "01x", "[1] 2", "\"\\u0000\"",
		"", "nul",
	};
	struct br_jnode *n;
	size_t i, at;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = parse(good[i]);
		out = write_tree(n);
		if (i == 1) /* the escape of é is resolved, \t and \n kept */
			assert_string_equal(out, "[\"x\\\"y\\\\z\\n\\t\","
						 "\"\xc3\xa9\",false]\n");
		else
			assert_string_equal(out, good[i]);
		free(out);
		br_jfree(n);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = NULL;
		if (br_jparse(bad[i], strlen(bad[i]), &n, &at) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(n);
	}
	/* deep nesting is refused, not recursed into without end */
	{
		char deep[300];

		memset(deep, '[', sizeof(deep));
		assert_int_equal(br_jparse(deep, sizeof(deep), &n, &at),
				 -EINVAL);
	}
}

static struct br_ensemble ens_of(const char *const *draws, size_t n)
{
	struct br_ensemble e = { .seed = 1, .runs = n };
	size_t k;

	e.draws = calloc(n, sizeof(*e.draws));
	assert_non_null(e.draws);
	for (k = 0; k < n; k++)
		e.draws[k] = parse(draws[k]);
	assert_int_equal(br_ensemble_reduce(&e), 0);
	return e;
}

static void check_stat(const struct br_jnode *n, double v, double lo,
		       double hi)
{
	double a, b, c;

	if (!br_ens_is_stat(n))
		fail_msg("not a reduced figure");
	br_ens_stat(n, &a, &b, &c);
	if (fabs(a - v) > 1e-3 || fabs(b - lo) > 1e-3 || fabs(c - hi) > 1e-3)
		fail_msg("got %.4f [%.4f-%.4f], want %.4f [%.4f-%.4f]", a, b,
			 c, v, lo, hi);
}

/*
 * Eleven draws of one figure, 0..10: the median 5, the 2.5th percentile
 * at 0.25 of the way from the lowest to the next (h = 10 * 0.025), the
 * 97.5th at 9.75: R's quantile(0:10, c(.5, .025, .975)).
 */
static void test_quantiles(void **state)
{
	const char *draws[11];
	char buf[11][64];
	struct br_ensemble e;
	size_t k;

	(void)state;
	for (k = 0; k < 11; k++) {
		/* out of order: the reduction sorts */
		snprintf(buf[k], sizeof(buf[k]), "{\"x\":%zu}", (k * 7) % 11);
		draws[k] = buf[k];
	}
	e = ens_of(draws, 11);
	check_stat(br_jget(e.agg, "x"), 5, 0.25, 9.75);
	assert_null(br_jget(br_jget(e.agg, "x"), "draws"));
	br_ensemble_free(&e);
}

/*
 * Rows match by their strings, in any order; a row a draw lacks counts
 * as 0 there; KEY_pct is the share of attempted over the draws where
 * attempted was not 0, "draws" saying how many; a string that differs
 * lists its values.
 */
static void test_rows(void **state)
{
	static const char *const draws[] = {
		"{\"tag\":\"a\",\"rows\":[{\"service\":\"bank\",\"note\":\"x\",\"attempted\":10,"
		"\"failed\":5},{\"service\":\"web\",\"attempted\":4,\"failed\":0}]}",
		"{\"tag\":\"b\",\"rows\":[{\"service\":\"web\",\"attempted\":4,"
		"\"failed\":4},{\"service\":\"bank\",\"note\":\"y\",\"attempted\":10,\"failed\":10}]}",
		"{\"tag\":\"a\",\"rows\":[{\"service\":\"web\",\"attempted\":0,"
		"\"failed\":0}]}",
	};
	struct br_ensemble e = ens_of(draws, 3);
	const struct br_jnode *rows = br_jget(e.agg, "rows"), *bank, *web,
			      *tag = br_jget(e.agg, "tag");

	(void)state;
	assert_int_equal(rows->n, 2);
	bank = rows->kids[0];
	web = rows->kids[1];
	assert_string_equal(br_jget(bank, "service")->text, "bank");
	assert_string_equal(br_jget(web, "service")->text, "web");
	/* a string that does not name the row may differ */
	assert_int_equal(br_jget(br_jget(bank, "note"), "varies")->n, 2);
	/* bank: 10, 10, and 0 in the draw without its row */
	check_stat(br_jget(bank, "attempted"), 10, 0.5, 10);
	check_stat(br_jget(bank, "failed"), 5, 0.25, 9.75);
	/* its share: 50% and 100%, the third draw attempted none */
	check_stat(br_jget(bank, "failed_pct"), 75, 51.25, 98.75);
	assert_string_equal(br_jget(br_jget(bank, "failed_pct"), "draws")->text,
			    "2.000");
	check_stat(br_jget(web, "failed_pct"), 50, 2.5, 97.5);
	/* the order of the keys: the row's own, each share after its count */
	assert_string_equal(bank->keys[3], "failed");
	assert_string_equal(bank->keys[4], "failed_pct");
	assert_non_null(br_jget(tag, "varies"));
	assert_int_equal(br_jget(tag, "varies")->n, 2);
	br_ensemble_free(&e);
}

/* The headline: rebuilt from the intervals of the draws' summaries. */
static void test_headline(void **state)
{
	static const char *const draws[] = {
		"{\"policies\":[{\"name\":\"p\",\"targets\":[\"imessage\"],"
		"\"headline\":\"one draw's\",\"efficacy\":{\"attempted\":4,"
		"\"failed\":4},\"collateral\":{\"attempted\":10,\"failed\":1,"
		"\"degraded\":0},\"push\":[{\"platform\":\"ios\",\"attempted\":"
		"2,\"lost\":2},{\"platform\":\"android\",\"attempted\":2,"
		"\"lost\":0}]}]}",
		"{\"policies\":[{\"name\":\"p\",\"targets\":[\"imessage\"],"
		"\"headline\":\"another's\",\"efficacy\":{\"attempted\":4,"
		"\"failed\":2},\"collateral\":{\"attempted\":10,\"failed\":3,"
		"\"degraded\":0},\"push\":[{\"platform\":\"ios\",\"attempted\":"
		"2,\"lost\":1}]}]}",
	};
	struct br_ensemble e = ens_of(draws, 2);
	const struct br_jnode *p = br_jget(e.agg, "policies")->kids[0];

	(void)state;
	assert_string_equal(br_jget(p, "headline")->text,
			    "blocks 75.0% [51.2-98.8] of imessage; other "
			    "actions failed 20.0% [10.5-29.5], late 0.0% "
			    "[0.0-0.0]; push notifications lost: iOS 75.0% "
			    "[51.2-98.8], Android 0.0% [0.0-0.0]");
	/* Android was attempted in one draw only */
	assert_string_equal(br_jget(br_jget(br_jget(p, "summary"),
					    "push_lost_pct_android"),
				    "draws")
				    ->text,
			    "1.000");
	br_ensemble_free(&e);
}

static char *tmp_write(const char *text)
{
	char *path = strdup("/tmp/br-test-partial-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Partials: read back whole; each kind of bad one refused. */
static void test_partials(void **state)
{
	static const char hdr[] =
		"{\"partial\":{\"runs\":3,\"seed\":9,\"shard\":%d,\"shards\":2,"
		"\"sensitivity\":false,\"what\":\"%s\"}}\n";
	char text[512], *p0, *p1, *p2, *p3;
	const char *files[3];
	struct br_ensemble e;
	FILE *f;

	(void)state;
	f = fmemopen(text, sizeof(text), "w");
	assert_non_null(f);
	fprintf(f, hdr, 0, "w");
	assert_int_equal(br_partial_write_draw(f, 0, "{\"x\":1}\n"), 0);
	assert_int_equal(br_partial_write_draw(f, 2, "{\"x\":3}"), 0);
	fclose(f);
	p0 = tmp_write(text);
	snprintf(text, sizeof(text), hdr, 1, "w");
	strcat(text, "{\"draw\":1,\"result\":{\"x\":2}}\n");
	p1 = tmp_write(text);
	snprintf(text, sizeof(text), hdr, 1, "other");
	p2 = tmp_write(text);
	p3 = tmp_write("{\"draw\":1}\n");

	files[0] = p1;
	files[1] = p0;
	assert_int_equal(br_partial_read(files, 2, &e), 0);
	assert_int_equal(e.runs, 3);
	assert_int_equal(e.seed, 9);
	assert_int_equal(br_ensemble_reduce(&e), 0);
	check_stat(br_jget(e.agg, "x"), 2, 1.05, 2.95);
	br_ensemble_free(&e);

	/* a shard missing, another ensemble's shard, not a partial, twice */
	files[0] = p0;
	assert_int_equal(br_partial_read(files, 1, &e), -EINVAL);
	files[1] = p2;
	assert_int_equal(br_partial_read(files, 2, &e), -EINVAL);
	files[1] = p3;
	assert_int_equal(br_partial_read(files, 2, &e), -EINVAL);
	files[1] = p0;
	assert_int_equal(br_partial_read(files, 2, &e), -EINVAL);
	unlink(p0);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	free(p0);
	free(p1);
	free(p2);
	free(p3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_headline),
		cmocka_unit_test(test_partials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
