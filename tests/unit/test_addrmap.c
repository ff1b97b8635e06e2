/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_addrmap.c - the lab's address map (user/lab/addrmap.h): containment
 * kept both ways for prefixes and addresses, on random nested prefixes and
 * on the shipped catalog and policies, whose sets all fit the lab's world
 * and rewrite; the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addrmap.h"
#include "catalog.h"
#include "diag.h"
#include "policy.h"
#include "rng.h"

/* Whether p holds the address a (16 bytes, IPv4 in the first 4). */
static bool holds(const struct br_prefix *p, const uint8_t *a)
{
	unsigned int i, bits = p->len;

	for (i = 0; bits; i++) {
		unsigned int k = bits < 8 ? bits : 8;
		uint8_t mask = (uint8_t)(0xff << (8 - k));

		if ((p->addr[i] ^ a[i]) & mask)
			return false;
		bits -= k;
	}
	return true;
}

static bool inside(const struct br_prefix *p, const struct br_prefix *q)
{
	return p->family == q->family && p->len >= q->len &&
	       holds(q, p->addr);
}

static bool meet(const struct br_prefix *p, const struct br_prefix *q)
{
	return inside(p, q) || inside(q, p);
}

/* Random prefixes, many nested: inside earlier ones, or fresh. */
#define N_RANDOM 400

/* Random bits from bit `from` on, then none past len. */
static void randomize(struct br_prefix *p, unsigned int from, uint64_t *seed)
{
	unsigned int k;

	for (k = from; k < 128; k++)
		if (br_rnd(seed) & 1)
			p->addr[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
	for (k = p->len; k < 128; k++)
		p->addr[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
}

static void random_prefixes(struct br_prefix *v, size_t n, uint64_t *seed)
{
	unsigned int width;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t r = br_rnd(seed);

		memset(&v[i], 0, sizeof(v[i]));
		if (i && r % 3) { /* inside an earlier one */
			const struct br_prefix *q = &v[(r >> 8) % i];

			v[i] = *q;
			width = q->family == 6 ? 128 : 32;
			if (q->len < width)
				v[i].len += 1 + (r >> 20) % (width - q->len);
			randomize(&v[i], q->len, seed);
		} else if (r & 8) { /* under 2001::/16 */
			v[i].family = 6;
			v[i].addr[0] = 0x20;
			v[i].addr[1] = 0x01;
			v[i].len = 16 + (r >> 20) % 113;
			randomize(&v[i], 16, seed);
		} else {
			v[i].family = 4;
			v[i].len = 1 + (r >> 20) % 32;
			randomize(&v[i], 0, seed);
		}
		if (v[i].family == 4)
			memset(v[i].addr + 4, 0, 12);
	}
}

static void lab_of(const struct br_addrmap *m, const struct br_prefix *p,
		   struct br_prefix *lab)
{
	const struct br_prefix w4 = BR_ADDRMAP_WORLD4, w6 = BR_ADDRMAP_WORLD6;

	assert_int_equal(br_addrmap_prefix(m, p, lab), 0);
	assert_int_equal(lab->family, p->family);
	assert_true(inside(lab, p->family == 6 ? &w6 : &w4));
}

static void test_containment(void **state)
{
	struct br_prefix *v = calloc(N_RANDOM, sizeof(*v)), *lab;
	struct br_addrmap *m;
	uint64_t seed = 42;
	size_t i, k, nested = 0, apart = 0, hits = 0;
	uint8_t a[16], la[16];

	(void)state;
	lab = calloc(N_RANDOM, sizeof(*lab));
	assert_non_null(v);
	assert_non_null(lab);
	random_prefixes(v, N_RANDOM, &seed);
	assert_int_equal(br_addrmap_new(&m), 0);
	for (i = 0; i < N_RANDOM; i++)
		assert_int_equal(br_addrmap_add(m, &v[i]), 0);
	assert_int_equal(br_addrmap_build(m), 0);
	for (i = 0; i < N_RANDOM; i++)
		lab_of(m, &v[i], &lab[i]);
	/* prefixes: inside exactly when inside, apart exactly when apart */
	for (i = 0; i < N_RANDOM; i++)
		for (k = 0; k < N_RANDOM; k++) {
			if (inside(&v[i], &v[k]) != inside(&lab[i], &lab[k]))
				fail_msg("prefixes %zu and %zu: containment "
					 "not kept", i, k);
			if (meet(&v[i], &v[k]) != meet(&lab[i], &lab[k]))
				fail_msg("prefixes %zu and %zu: overlap not "
					 "kept", i, k);
			nested += i != k && inside(&v[i], &v[k]);
			apart += !meet(&v[i], &v[k]);
		}
	/* addresses: in P exactly when their image is in P's block; each
	 * prefix's first and last address, and random ones */
	for (i = 0; i < 3 * N_RANDOM; i++) {
		const struct br_prefix *p = &v[i % N_RANDOM];

		memcpy(a, p->addr, 16);
		if (i / N_RANDOM == 1) /* its last address */
			for (k = p->len; k < (p->family == 6 ? 128u : 32u); k++)
				a[k / 8] |= (uint8_t)(0x80 >> (k % 8));
		if (i / N_RANDOM == 2) /* anywhere */
			for (k = 0; k < (p->family == 6 ? 16u : 4u); k++)
				a[k] = (uint8_t)br_rnd(&seed);
		br_addrmap_addr(m, p->family, a, la);
		for (k = 0; k < N_RANDOM; k++) {
			if (v[k].family != p->family)
				continue;
			if (holds(&v[k], a) != holds(&lab[k], la))
				fail_msg("address %zu, prefix %zu: membership "
					 "not kept", i, k);
			hits += holds(&v[k], a);
		}
	}
	/* the sample means something: nesting, disjoint pairs, hits */
	assert_true(nested > N_RANDOM);
	assert_true(apart > N_RANDOM);
	assert_true(hits > 3 * N_RANDOM);
	br_addrmap_free(m);
	free(v);
	free(lab);
}

/* Every shipped policy and the catalog: they fit, and rewrite. */
static void test_shipped(void **state)
{
	struct br_catalog *cat = NULL;
	struct br_addrmap *m;
	struct br_policy **pols;
	struct br_diag diag;
	glob_t g;
	size_t i, bad = 0;

	(void)state;
	br_diag_init(&diag);
	assert_int_equal(br_catalog_load_dir(BR_SOURCE_DIR
					     "/policies/catalog",
					     &cat, &diag),
			 0);
	assert_int_equal(glob(BR_SOURCE_DIR "/policies/*.policy", 0, NULL,
			      &g),
			 0);
	assert_true(g.gl_pathc >= 7);
	pols = calloc(g.gl_pathc, sizeof(*pols));
	assert_non_null(pols);
	assert_int_equal(br_addrmap_new(&m), 0);
	assert_int_equal(br_addrmap_add_sets(m, cat->sets, cat->n_sets), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		assert_int_equal(br_policy_parse_file_cat(g.gl_pathv[i], cat,
							  &pols[i], &diag),
				 0);
		assert_int_equal(br_addrmap_add_sets(m, pols[i]->sets,
						     pols[i]->n_sets),
				 0);
	}
	assert_int_equal(br_addrmap_build(m), 0);
	assert_true(br_addrmap_count(m) > 50);
	for (i = 0; i < g.gl_pathc; i++)
		assert_int_equal(br_addrmap_rewrite(m, pols[i]->sets,
						    pols[i]->n_sets, &bad),
				 0);
	assert_int_equal(br_addrmap_rewrite(m, cat->sets, cat->n_sets, &bad),
			 0);
	for (i = 0; i < g.gl_pathc; i++)
		br_policy_free(pols[i]);
	free(pols);
	globfree(&g);
	br_catalog_free(cat);
	br_addrmap_free(m);
	br_diag_free(&diag);
}

static void test_errors(void **state)
{
	struct br_prefix p = { .family = 4, .len = 32, .addr = { 10 } }, lab;
	struct br_addrmap *m;
	struct br_set set = { .name = "s", .type = BR_SET_ADDR, .n = 1,
			      .prefixes = &p };
	size_t i, bad = 7;

	(void)state;
	assert_int_equal(br_addrmap_new(&m), 0);
	p.family = 5;
	assert_int_equal(br_addrmap_add(m, &p), -EINVAL);
	p.family = 4;
	p.len = 33;
	assert_int_equal(br_addrmap_add(m, &p), -EINVAL);
	p.len = 32;
	assert_int_equal(br_addrmap_add(m, &p), 0);
	assert_int_equal(br_addrmap_build(m), 0);
	/* a prefix it was not built with */
	p.addr[3] = 1;
	assert_int_equal(br_addrmap_prefix(m, &p, &lab), -ENOENT);
	assert_int_equal(br_addrmap_rewrite(m, &set, 1, &bad), -ENOENT);
	assert_int_equal(bad, 0);
	/* more blocks than the IPv4 world holds (2^15 addresses) */
	for (i = 0; i < 40000; i++) {
		p.addr[2] = (uint8_t)(i >> 8);
		p.addr[3] = (uint8_t)i;
		p.addr[1] = (uint8_t)(i >> 16);
		assert_int_equal(br_addrmap_add(m, &p), 0);
	}
	assert_int_equal(br_addrmap_build(m), -ENOSPC);
	br_addrmap_free(m);
}

/* The lab's world: what a forged DNS answer is told apart by. */
static void test_in_world(void **state)
{
	static const uint8_t in4[16] = { 198, 19, 3, 7 },
			     edge4[16] = { 198, 19, 127, 255 },
			     out4[16] = { 198, 19, 128, 0 },
			     real4[16] = { 17, 0, 0, 1 },
			     in6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x80, [15] = 5 },
			     out6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1,
					  [15] = 0x10 };

	(void)state;
	assert_true(br_addrmap_in_world(4, in4));
	assert_true(br_addrmap_in_world(4, edge4));
	assert_false(br_addrmap_in_world(4, out4));
	assert_false(br_addrmap_in_world(4, real4));
	assert_true(br_addrmap_in_world(6, in6));
	assert_false(br_addrmap_in_world(6, out6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_world),
		cmocka_unit_test(test_containment),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
