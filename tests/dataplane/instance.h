/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * instance.h - what the dataplane tests do to their private instance:
 * install a policy from its text, read a generation's counters, name a
 * counter in a failure message. (One frame through the program is
 * br_dp_run, dataplane.h.) cmocka asserts: include after cmocka.h.
 */
#ifndef BR_TEST_INSTANCE_H
#define BR_TEST_INSTANCE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"
#include "dataplane.h"
#include "diag.h"
#include "policy.h"

/* Parse text and install it on dp; the generation it got. */
static inline __u64 dp_install_text(struct br_dp *dp, const char *name,
				    const char *text,
				    struct br_compile_stats *stats)
{
	struct br_policy *pol = NULL;
	struct br_dp_status *st;
	struct br_diag diag;
	__u64 generation;
	int err;

	br_diag_init(&diag);
	err = br_policy_parse_buffer(name, text, strlen(text), &pol, &diag);
	if (err)
		br_diag_print(&diag, stderr);
	assert_int_equal(err, 0);
	err = br_dp_install(dp, pol, stats, &diag);
	if (err)
		br_diag_print(&diag, stderr);
	assert_int_equal(err, 0);
	br_policy_free(pol);
	br_diag_free(&diag);

	st = calloc(1, sizeof(*st));
	assert_non_null(st);
	assert_int_equal(br_dp_status(dp, st), 0);
	assert_int_not_equal(st->generation, 0);
	generation = st->generation;
	free(st);
	return generation;
}

static inline void dp_read_counters(struct br_dp *dp, __u64 generation,
				    struct br_counter *c)
{
	struct br_gen_record record;

	assert_int_equal(br_dp_counters(dp, generation, c, &record), 0);
}

/* A counter's name as abi.h's tables give it. */
static inline const char *dp_ctr_name(int i, char *buf, size_t len)
{
	if (i < BR_CTR_DEFAULT)
		snprintf(buf, len, "RULE%d", i);
	else if (i == BR_CTR_DEFAULT)
		snprintf(buf, len, "DEFAULT");
	else if (i < BR_CTR_SPECIAL0)
		snprintf(buf, len, "ACTION%d", i - BR_CTR_ACTION0);
	else if (br_ctr_key(i))
		snprintf(buf, len, "%s", br_ctr_key(i));
	else
		snprintf(buf, len, "counter %d", i);
	return buf;
}

#endif /* BR_TEST_INSTANCE_H */
