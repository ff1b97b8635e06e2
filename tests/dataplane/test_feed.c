/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_feed.c - bench_feed, the feeder of the benchmark's streamed runs
 * (bpf/bench.h): run after run it writes the next pool entry into the
 * packet, at the offsets it is given, in pool order and wrapping at the
 * pool's end, and tail-calls the program in its slot, so that each run is
 * the packet built with that destination, byte for byte; a configuration
 * that does not fit the packet, or an empty slot, gives XDP_ABORTED rather
 * than a run that looks measured. And the premise of the benchmark's
 * second feeder: a prog array takes only programs loaded with the
 * multi-buffer flag of its owner. Needs root (BPF_PROG_TEST_RUN).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bench.h"
#include "bench.skel.h"
#include "packets.h"

#define POOL 3

/*
 * One row per packet kind: the template's spec (its destination is
 * replaced), the pool's destinations, and where the feeder must write, as
 * this test counts the bytes: Ethernet 14, a VLAN tag 4; IPv4 checksum at
 * +10 and destination at +16 of its header; IPv6 destination at +24; the
 * TCP checksum at +16 of a 20-byte TCP header.
 */
static const struct feed_case {
	const char *name;
	struct pkt_spec spec;
	const char *dst[POOL];
	struct bench_feed_cfg at;
} feed_cases[] = {
	{ "IPv4 TCP",
	  PKT(IP("100.64.0.1", "198.18.0.1"), TCP(40000, 443)),
	  { "198.18.0.2", "203.0.113.77", "17.57.144.9" },
	  { .daddr_off = 14 + 16, .daddr_len = 4, .ip_csum_off = 14 + 10,
	    .l4_csum_off = 14 + 20 + 16 } },
	{ "IPv4 TCP in 802.1Q",
	  PKT(IP("100.64.0.1", "198.18.0.1"), TCP(40000, 443), VLAN(DOT1Q)),
	  { "198.18.0.2", "203.0.113.77", "17.57.144.9" },
	  { .daddr_off = 18 + 16, .daddr_len = 4, .ip_csum_off = 18 + 10,
	    .l4_csum_off = 18 + 20 + 16 } },
	{ "IPv6 TCP",
	  PKT(IP("fd00::1", "2001:db8::1"), TCP(40000, 443)),
	  { "2001:db8::2", "2620:149:a44::1", "2a01:b740:a42:ffff::9" },
	  { .daddr_off = 14 + 24, .daddr_len = 16,
	    .l4_csum_off = 14 + 40 + 16 } },
};

/* The frame of case fc with destination dst; its length. */
static size_t frame_to(const struct feed_case *fc, const char *dst,
		       uint8_t *f)
{
	struct pkt_spec s = fc->spec;
	size_t len;

	s.dst = dst;
	len = pkt_build(&s, f);
	assert_int_not_equal(len, 0);
	return len;
}

/* The pool entry for dst: the bytes the frame built with it has there. */
static void entry_of(const struct feed_case *fc, const char *dst,
		     struct bench_feed_entry *e)
{
	uint8_t f[PKT_MAX];

	frame_to(fc, dst, f);
	memset(e, 0, sizeof(*e));
	memcpy(e->daddr, f + fc->at.daddr_off, fc->at.daddr_len);
	if (fc->at.ip_csum_off)
		memcpy(e->ip_csum, f + fc->at.ip_csum_off, 2);
	memcpy(e->l4_csum, f + fc->at.l4_csum_off, 2);
}

/* A bench.bpf.o instance with a pool of POOL; flags on its programs. */
static struct bench_bpf *feed_open(__u32 prog_flags)
{
	struct bench_bpf *b = bench_bpf__open();

	assert_non_null(b);
	assert_int_equal(bpf_map__set_max_entries(b->maps.bench_feed_pool,
						  POOL), 0);
	assert_int_equal(bpf_program__set_flags(b->progs.bench_feed,
						prog_flags), 0);
	assert_int_equal(bpf_program__set_flags(b->progs.bench_drop,
						prog_flags), 0);
	assert_int_equal(bench_bpf__load(b), 0);
	return b;
}

static int slot_set(struct bench_bpf *b, int prog_fd)
{
	__u32 k = BENCH_FEED_SLOT;

	return bpf_map_update_elem(bpf_map__fd(b->maps.bench_feed_progs), &k,
				   &prog_fd, BPF_ANY)
		       ? -errno
		       : 0;
}

/* The feeder's configuration (bench_feed_ctl): where, n = POOL, next. */
static void ctl_set(struct bench_bpf *b, const struct bench_feed_cfg *at,
		    __u32 next)
{
	struct bench_feed_cfg c = *at;
	__u32 zero = 0;

	c.n = POOL;
	c.next = next;
	assert_int_equal(bpf_map_update_elem(
				 bpf_map__fd(b->maps.bench_feed_ctl), &zero,
				 &c, BPF_ANY),
			 0);
}

/* The entry the feeder's next run writes. */
static __u32 ctl_next(struct bench_bpf *b)
{
	struct bench_feed_cfg c;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(
				 bpf_map__fd(b->maps.bench_feed_ctl), &zero,
				 &c),
			 0);
	return c.next;
}

/* repeat runs of the feeder on frame in; the frame as the last left it. */
static __u32 feed_run(struct bench_bpf *b, const uint8_t *in, size_t len,
		      unsigned int repeat, uint8_t *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = PKT_MAX,
		    .repeat = repeat);

	assert_int_equal(
		bpf_prog_test_run_opts(bpf_program__fd(b->progs.bench_feed),
				       &o),
		0);
	assert_int_equal(o.data_size_out, len);
	return o.retval;
}

static void pool_fill(struct bench_bpf *b, const struct feed_case *fc)
{
	struct bench_feed_entry e;
	__u32 i;

	for (i = 0; i < POOL; i++) {
		entry_of(fc, fc->dst[i], &e);
		assert_int_equal(bpf_map_update_elem(
					 bpf_map__fd(b->maps.bench_feed_pool),
					 &i, &e, BPF_ANY),
				 0);
	}
	ctl_set(b, &fc->at, 0);
}

/*
 * One run at a time, twice round the pool: run k is the frame built with
 * destination k % POOL, every byte, and bench_drop's verdict.
 */
static void test_one_run_each(void **state)
{
	struct bench_bpf *b = feed_open(0);
	uint8_t tmpl[PKT_MAX], want[PKT_MAX], out[PKT_MAX];
	size_t c, k, len;

	(void)state;
	assert_int_equal(slot_set(b, bpf_program__fd(b->progs.bench_drop)),
			 0);
	for (c = 0; c < sizeof(feed_cases) / sizeof(feed_cases[0]); c++) {
		const struct feed_case *fc = &feed_cases[c];

		pool_fill(b, fc);
		len = frame_to(fc, fc->spec.dst, tmpl);
		for (k = 0; k < 2 * POOL; k++) {
			assert_int_equal(frame_to(fc, fc->dst[k % POOL], want),
					 len);
			assert_int_equal(feed_run(b, tmpl, len, 1, out),
					 XDP_DROP);
			if (memcmp(out, want, len))
				fail_msg("%s, run %zu: not the frame to %s",
					 fc->name, k, fc->dst[k % POOL]);
			assert_int_equal(ctl_next(b), (k + 1) % POOL);
		}
	}
	bench_bpf__destroy(b);
}

/* One call, repeat 7 over a pool of 3: the last run wrote entry 6 % 3. */
static void test_repeat_streams(void **state)
{
	const struct feed_case *fc = &feed_cases[0];
	struct bench_bpf *b = feed_open(0);
	uint8_t tmpl[PKT_MAX], want[PKT_MAX], out[PKT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(slot_set(b, bpf_program__fd(b->progs.bench_drop)),
			 0);
	pool_fill(b, fc);
	len = frame_to(fc, fc->spec.dst, tmpl);
	frame_to(fc, fc->dst[6 % POOL], want);
	assert_int_equal(feed_run(b, tmpl, len, 7, out), XDP_DROP);
	assert_memory_equal(out, want, len);
	assert_int_equal(ctl_next(b), 7 % POOL);
	bench_bpf__destroy(b);
}

/* Nothing that fails is taken for a run: each gives XDP_ABORTED. */
static void test_aborts(void **state)
{
	const struct feed_case *fc = &feed_cases[2]; /* IPv6: 16 bytes */
	struct bench_bpf *b = feed_open(0);
	struct bench_feed_cfg at;
	uint8_t tmpl[PKT_MAX], out[PKT_MAX];
	size_t len;

	(void)state;
	pool_fill(b, fc);
	len = frame_to(fc, fc->spec.dst, tmpl);
	/* empty slot */
	assert_int_equal(feed_run(b, tmpl, len, 1, out), XDP_ABORTED);
	assert_int_equal(slot_set(b, bpf_program__fd(b->progs.bench_drop)),
			 0);
	assert_int_equal(feed_run(b, tmpl, len, 1, out), XDP_DROP);
	/* the address would end past the frame */
	at = fc->at;
	at.daddr_off = len - 8;
	ctl_set(b, &at, 0);
	assert_int_equal(feed_run(b, tmpl, len, 1, out), XDP_ABORTED);
	/* a checksum past the frame */
	at = fc->at;
	at.l4_csum_off = len - 1;
	ctl_set(b, &at, 0);
	assert_int_equal(feed_run(b, tmpl, len, 1, out), XDP_ABORTED);
	/* an entry past the pool */
	ctl_set(b, &fc->at, POOL);
	assert_int_equal(feed_run(b, tmpl, len, 1, out), XDP_ABORTED);
	bench_bpf__destroy(b);
}

/*
 * A feeder loaded with BPF_F_XDP_HAS_FRAGS takes a program loaded with it
 * and refuses one loaded without (and the plain feeder the reverse): why
 * the benchmark keeps a feeder of each kind.
 */
static void test_frags_kinds(void **state)
{
	struct bench_bpf *plain = feed_open(0);
	struct bench_bpf *frags = feed_open(BPF_F_XDP_HAS_FRAGS);
	const struct feed_case *fc = &feed_cases[0];
	uint8_t tmpl[PKT_MAX], out[PKT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(slot_set(frags,
				  bpf_program__fd(plain->progs.bench_drop)),
			 -EINVAL);
	assert_int_equal(slot_set(plain,
				  bpf_program__fd(frags->progs.bench_drop)),
			 -EINVAL);
	assert_int_equal(slot_set(frags,
				  bpf_program__fd(frags->progs.bench_drop)),
			 0);
	pool_fill(frags, fc);
	len = frame_to(fc, fc->spec.dst, tmpl);
	assert_int_equal(feed_run(frags, tmpl, len, 1, out), XDP_DROP);
	bench_bpf__destroy(frags);
	bench_bpf__destroy(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_run_each),
		cmocka_unit_test(test_repeat_streams),
		cmocka_unit_test(test_aborts),
		cmocka_unit_test(test_frags_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
