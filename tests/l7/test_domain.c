/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_domain.c - bpf/domain.h on the host, under ASan/UBSan: the suffix
 * hashes a name yields, the set semantics they support (exact, below,
 * label boundaries, the depth cap), and the hash itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

#define CHECK(what, cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg("%s: %s (line %d)", what, #cond, __LINE__);   \
	} while (0)

static int hashes_of(const char *name, __u64 out[BR_DOMAIN_MAX_LABELS],
		     __u32 *n)
{
	return br_domain_hashes(name, strlen(name), out, n);
}

static __u64 hash_of(const char *s)
{
	return br_domain_hash(s, strlen(s));
}

/* ---- suffixes ---------------------------------------------------------- */

/* Every suffix hash equals br_domain_hash of that suffix, shortest first. */
static void test_suffixes(void **state)
{
	static const char *const names[] = {
		"com",
		"example.com",
		"www.example.com",
		"a.b.c.d.e.f",
		"1-courier.push.apple.com",
		"xn--80ak6aa92e.xn--p1ai",
		"_dmarc.example.org",
		"a\x01z.\xff.c",
	};
	__u64 out[BR_DOMAIN_MAX_LABELS];
	__u32 i, j, n, labels;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *name = names[i], *p;

		labels = 1;
		for (p = name; *p; p++)
			labels += *p == '.';
		CHECK(name, hashes_of(name, out, &n) == 0);
		CHECK(name, n == labels);
		/* out[j]: the suffix after the (j + 1)-th dot from the right */
		for (j = 0, p = name + strlen(name); j + 1 < n; j++) {
			do
				p--;
			while (*p != '.');
			CHECK(name, out[j] == hash_of(p + 1));
		}
		CHECK(name, out[n - 1] == hash_of(name));
	}
}

/* The same name, however it is written, is the same key. */
static void test_spellings(void **state)
{
	static const char *const same[][2] = {
		{"www.example.com", "WWW.Example.COM"},
		{"www.example.com", "www.example.com."},
		{"www.example.com", "wWw.ExAmPlE.cOm."},
	};
	__u64 a[BR_DOMAIN_MAX_LABELS], b[BR_DOMAIN_MAX_LABELS];
	__u32 i, na, nb;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		hashes_of(same[i][0], a, &na);
		hashes_of(same[i][1], b, &nb);
		CHECK(same[i][1], na == nb && !memcmp(a, b, na * sizeof(a[0])));
		CHECK(same[i][1], hash_of(same[i][0]) == hash_of(same[i][1]));
	}
	/* only A-Z fold: 0xc4 is not 0xe4, '@' is not '`' */
	assert_true(hash_of("\xc4") != hash_of("\xe4"));
	assert_true(hash_of("@") != hash_of("`"));
	assert_true(hash_of("[") != hash_of("{"));
}

static void test_invalid(void **state)
{
	static const struct {
		const char *name;
		int ret;
	} rows[] = {
		{"", 0},	/* the root: no suffixes */
		{".", 0},
		{"..", -1},
		{"a..b", -1},
		{".a", -1},
		{"a..", -1},
		{"example..com", -1},
		{".example.com", -1},
	};
	__u64 out[BR_DOMAIN_MAX_LABELS];
	char long_name[300];
	__u32 i, n;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = 99;
		CHECK(rows[i].name, hashes_of(rows[i].name, out, &n) ==
					    rows[i].ret);
		CHECK(rows[i].name, n == 0);
		CHECK(rows[i].name, hash_of(rows[i].name) == 0);
	}

	/* 255 bytes of text is the most; a trailing dot may make it 256 */
	memset(long_name, 'a', sizeof(long_name));
	for (i = 1; i < 255; i += 2)
		long_name[i] = '.';
	long_name[255] = 0;
	assert_int_equal(hashes_of(long_name, out, &n), 128 - 16);
	assert_int_equal(n, 16);
	long_name[255] = '.';
	long_name[256] = 0;
	assert_int_equal(hashes_of(long_name, out, &n), 128 - 16);
	long_name[255] = 'a';
	assert_int_equal(hashes_of(long_name, out, &n), -1);
	assert_int_equal(n, 0);
	assert_true(hash_of(long_name) == 0);
}

/*
 * Deeper than BR_DOMAIN_MAX_LABELS: the shortest suffixes and the full
 * name stay, the longest proper suffixes go, and the return says how many.
 */
static void test_cap(void **state)
{
	__u64 out[BR_DOMAIN_MAX_LABELS];
	char name[256], *suffix[64];
	__u32 labels, i, n, len;
	int ret;

	(void)state;
	for (labels = 1; labels <= 40; labels++) {
		/* "l39.l38. ... .l1.l0": suffix[k] is the last k + 1 labels */
		len = 0;
		for (i = labels; i-- > 0;) {
			if (len)
				name[len++] = '.';
			suffix[i] = name + len;
			len += sprintf(name + len, "l%u", i);
		}
		ret = hashes_of(name, out, &n);
		CHECK(name, n == (labels < 16 ? labels : 16));
		CHECK(name, ret == (labels > 16 ? (int)labels - 16 : 0));
		for (i = 0; i + 1 < n; i++)
			CHECK(name, out[i] == hash_of(suffix[i]));
		CHECK(name, out[n - 1] == hash_of(name));
	}
}

/* ---- set semantics ----------------------------------------------------- */

struct toy_entry {
	__u64 key;
	struct br_domain_entry e;
};

/* The compiler's job, in miniature: "*.x" BELOW, ".x" EXACT|BELOW. */
static void toy_add(struct toy_entry *set, __u32 *n, const char *text)
{
	__u8 flags = BR_DOMAIN_EXACT;
	__u64 key;
	__u32 i;

	if (!strncmp(text, "*.", 2)) {
		text += 2;
		flags = BR_DOMAIN_BELOW;
	} else if (text[0] == '.') {
		text += 1;
		flags = BR_DOMAIN_EXACT | BR_DOMAIN_BELOW;
	}
	key = hash_of(text);
	assert_true(key != 0);
	for (i = 0; i < *n; i++) {
		if (set[i].key == key) {
			set[i].e.flags |= flags;
			return;
		}
	}
	set[*n].key = key;
	set[*n].e.flags = flags;
	(*n)++;
}

static const struct br_domain_entry *toy_lookup(const struct toy_entry *set,
						__u32 n, __u64 key)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (set[i].key == key)
			return &set[i].e;
	return NULL;
}

/* What the dataplane does: one lookup per suffix, the last is the name. */
static int toy_match(const struct toy_entry *set, __u32 n_set,
		     const char *name)
{
	const struct br_domain_entry *e;
	__u64 out[BR_DOMAIN_MAX_LABELS];
	__u32 i, n;

	hashes_of(name, out, &n);
	for (i = 0; i < n; i++) {
		e = toy_lookup(set, n_set, out[i]);
		if (e && br_domain_entry_matches(e, i == n - 1))
			return 1;
	}
	return 0;
}

static void test_semantics(void **state)
{
	static const char *const entries[] = {
		"example.com",	 /* that name only */
		"*.wild.org",	 /* strictly below */
		".suffix.net",	 /* the name and below */
		"exact.both.io", /* EXACT, and BELOW from the next entry */
		"*.exact.both.io",
		("l19.l18.l17.l16.l15.l14.l13.l12.l11.l10.l9.l8.l7.l6.l5.l4.l3."
		 "l2.l1.l0"),
	};
	static const struct {
		const char *name;
		int match;
	} rows[] = {
		{"example.com", 1},
		{"EXAMPLE.com.", 1},
		{"www.example.com", 0},
		{"badexample.com", 0},
		{"com", 0},
		{"wild.org", 0},
		{"a.wild.org", 1},
		{"a.b.c.wild.org", 1},
		{"badwild.org", 0},
		{"a.badwild.org", 0},
		{"suffix.net", 1},
		{"x.suffix.net", 1},
		{"xsuffix.net", 0},
		{"x.xsuffix.net", 0},
		{"net", 0},
		{"exact.both.io", 1},
		{"a.exact.both.io", 1},
		{"both.io", 0},
		/* 20 labels: the shortest suffixes survive the cap */
		{"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.suffix.net", 1},
		{"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.wild.org", 1},
		/* and the full name always does */
		{"l19.l18.l17.l16.l15.l14.l13.l12.l11.l10.l9.l8.l7.l6.l5.l4."
		 "l3.l2.l1.l0", 1},
		{"x.l19.l18.l17.l16.l15.l14.l13.l12.l11.l10.l9.l8.l7.l6.l5.l4."
		 "l3.l2.l1.l0", 0},
		/* names that match nothing at all */
		{"", 0},
		{"a..example.com", 0},
	};
	struct toy_entry set[16];
	__u32 n_set = 0, i;

	(void)state;
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		toy_add(set, &n_set, entries[i]);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK(rows[i].name,
		      toy_match(set, n_set, rows[i].name) == rows[i].match);
}

/* ---- the hash ---------------------------------------------------------- */

/*
 * The definition, written out again from the comment in domain.h: the seed,
 * then per byte from the last to the first (A-Z folded) xor, multiply,
 * xorshift 32; then fmix64. Other implementations (a Python tool, a Go
 * loader) can check themselves against this and the golden values.
 */
static __u64 ref_hash(const char *s, size_t len)
{
	__u64 h = 0x6272646f6d61696eULL;
	__u8 c;

	while (len--) {
		c = s[len];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		h = (h ^ c) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Frozen: a changed hash silently invalidates every compiled domain set. */
static void test_golden(void **state)
{
	static const struct {
		const char *name;
		__u64 hash;
	} rows[] = {
		{"com", 0x80612a56bb861781ULL},
		{"example.com", 0x2393681bbf0d375aULL},
		{"www.example.com", 0xde83f36767a672ceULL},
		{"push.apple.com", 0xbe92515cba743444ULL},
		{"a", 0x04ab91529800855eULL},
	};
	char buf[64];
	__u32 i, len;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK(rows[i].name, hash_of(rows[i].name) == rows[i].hash);
		CHECK(rows[i].name, ref_hash(rows[i].name,
					     strlen(rows[i].name)) ==
					    rows[i].hash);
	}
	/* and on arbitrary label bytes */
	srandom(7);
	for (i = 0; i < 20000; i++) {
		len = 1 + random() % 60;
		for (__u32 k = 0; k < len; k++) {
			buf[k] = random() % 256;
			if (buf[k] == '.')
				buf[k] = '-';
		}
		buf[len] = 0;
		CHECK("random label", br_domain_hash(buf, len) ==
					      ref_hash(buf, len));
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * A sanity check, not a proof: 400,000 distinct names shaped like a block
 * list (sequential hosts, short random labels, shared suffixes) get 400,000
 * distinct keys, and so do their 32-bit halves often enough to be uniform.
 */
static void test_no_collisions(void **state)
{
	static const char *const tlds[] = {"com", "ru", "org", "net", "io",
					   "xn--p1ai", "co.uk", "com.br"};
	enum { N = 400000 };
	__u64 *keys = calloc(N, sizeof(*keys)), *lo = calloc(N, sizeof(*lo));
	__u32 i, j, dup = 0, dup_lo = 0, len;
	char name[128];

	(void)state;
	assert_non_null(keys);
	assert_non_null(lo);
	srandom(1);
	for (i = 0; i < N; i++) {
		switch (i % 4) {
		case 0: /* host1234.example.com */
			len = sprintf(name, "host%u.example.%s", i,
				      tlds[i % 8]);
			break;
		case 1: /* 1234.cdn.example.ru */
			len = sprintf(name, "%u.cdn%u.%s", i / 4, i % 7,
				      tlds[(i / 8) % 8]);
			break;
		case 2: /* random letters; the index keeps them distinct */
			len = 0;
			for (j = 0; j < 3 + random() % 10; j++)
				name[len++] = 'a' + random() % 26;
			len += sprintf(name + len, "%x.%s", i, tlds[i % 8]);
			break;
		default: /* the same host under many domains */
			len = sprintf(name, "www.d%u.%s", i, tlds[(i / 4) % 8]);
			break;
		}
		keys[i] = br_domain_hash(name, len);
		lo[i] = keys[i] & 0xffffffff;
	}
	qsort(keys, N, sizeof(*keys), cmp_u64);
	qsort(lo, N, sizeof(*lo), cmp_u64);
	for (i = 1; i < N; i++) {
		dup += keys[i] == keys[i - 1];
		dup_lo += lo[i] == lo[i - 1];
	}
	assert_int_equal(dup, 0);
	/* expected about N^2 / 2^33 = 18.6 for a uniform 32-bit hash */
	print_message("32-bit collisions among %d names: %u\n", N, dup_lo);
	assert_true(dup_lo < 60);
	free(keys);
	free(lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_no_collisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
