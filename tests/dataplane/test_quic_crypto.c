/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_quic_crypto.c - quic_initial.h in the kernel: the verifier takes
 * it, and BPF_PROG_TEST_RUN of quic_initial_test.bpf.c on the client
 * Initials of RFC 9001 A.2 and RFC 9369 A.2, in Ethernet/IPv4/UDP, finds
 * what the RFCs print: the unprotected first byte, packet number 2, one
 * CRYPTO frame of 241 bytes at offset 0, the ClientHello's bytes.
 *
 * And what it costs, printed (not asserted: it depends on the machine):
 * the instructions the verifier processed for each program, and the
 * nanoseconds a run takes, for a first Initial (keys derived) and a later
 * one (keys from the cache). Needs root (BPF_PROG_TEST_RUN).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "quic_initial_test.h"
#include "quic_initial_test.skel.h"
#include "quic_vectors.h"

#define FRAME_MAX 2048
#define UDP_OFF (14 + 20 + 8)
#define LOG_SIZE (1 << 20)
#define REPEAT 10000
/* the median of BATCHES means of BATCH runs: steadier on a busy machine */
#define BATCHES 21
#define BATCH 500

static char log_first[LOG_SIZE], log_cached[LOG_SIZE];

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] && hex[1]) {
		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = b;
		hex += 2;
	}
	return n;
}

/* Ethernet, IPv4 (no options), UDP to 443, then the datagram. */
static size_t frame_of(const char *dgram_hex, size_t cut, uint8_t *f)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1,
					 0x08, 0x00 };
	size_t n = unhex(dgram_hex, f + UDP_OFF);
	uint8_t *ip = f + 14, *udp = f + 34;

	if (cut && cut < n)
		n = cut;
	memcpy(f, eth, sizeof(eth));
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (20 + 8 + n) >> 8;
	ip[3] = 20 + 8 + n;
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	memcpy(ip + 12, (uint8_t[]){ 100, 64, 0, 1, 198, 18, 0, 1 }, 8);
	udp[0] = 40000 >> 8;
	udp[1] = 40000 & 0xff;
	udp[2] = 443 >> 8;
	udp[3] = 443 & 0xff;
	udp[4] = (8 + n) >> 8;
	udp[5] = 8 + n;
	udp[6] = udp[7] = 0; /* no checksum: the program does not read it */
	return UDP_OFF + n;
}

static unsigned long processed(const char *log)
{
	const char *p = strstr(log, "processed ");

	assert_non_null(p);
	return strtoul(p + strlen("processed "), NULL, 10);
}

static struct quic_initial_test_bpf *open_load(void)
{
	struct quic_initial_test_bpf *s = quic_initial_test_bpf__open();

	assert_non_null(s);
	/* level 4: the statistics only, "processed N insns" among them */
	bpf_program__set_log_level(s->progs.qi_first, 4);
	bpf_program__set_log_buf(s->progs.qi_first, log_first, LOG_SIZE);
	bpf_program__set_log_level(s->progs.qi_cached, 4);
	bpf_program__set_log_buf(s->progs.qi_cached, log_cached, LOG_SIZE);
	assert_int_equal(quic_initial_test_bpf__load(s), 0);
	return s;
}

/* repeat runs on the frame; the mean duration of one in ns. */
static __u32 run(struct bpf_program *prog, const uint8_t *f, size_t len,
		 int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len,
		    .repeat = repeat);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	assert_int_equal(o.retval, XDP_PASS);
	return o.duration;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The median of BATCHES batch means: a batch the scheduler or another
 * guest interrupted moves the mean of all runs, not the median.
 */
static __u32 run_median(struct bpf_program *prog, const uint8_t *f,
			size_t len)
{
	__u32 d[BATCHES];
	int i;

	for (i = 0; i < BATCHES; i++)
		d[i] = run(prog, f, len, BATCH);
	qsort(d, BATCHES, sizeof(d[0]), cmp_u32);
	return d[BATCHES / 2];
}

static void result_of(struct quic_initial_test_bpf *s,
		      struct qi_test_result *r)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.qi_result),
					     &zero, r),
			 0);
}

/* What the RFCs print, in the kernel's result. */
static void check_rfc(const struct qi_test_result *r, __u8 first_byte)
{
	uint8_t frame[256];

	assert_int_equal(r->at, QI_AT_DONE);
	assert_int_equal(r->result, BR_QI_OK);
	assert_int_equal(r->first_byte, first_byte);
	assert_int_equal(r->pn_len, 4);
	assert_int_equal(r->pn, 2);
	assert_int_equal(r->ncrypto, 1);
	assert_int_equal(r->crypto[0].offset, 0);
	assert_int_equal(r->crypto[0].len, 241);
	assert_int_equal(r->crypto[0].pos, 22 + 4);
	assert_int_equal(r->prefix_len, 241);
	unhex(rfc9001_a2_crypto_frame, frame);
	assert_memory_equal(r->hello, frame + 4, QI_TEST_HELLO);
}

static const struct rfc_case {
	const char *name, *packet;
	__u8 first_byte; /* unprotected, as the RFC prints the header */
} rfc_cases[] = {
	{ "RFC 9001 A.2 (v1)", rfc9001_a2_packet, 0xc3 },
	{ "RFC 9369 A.2 (v2)", rfc9369_a2_packet, 0xd3 },
};

static void test_rfc_first(void **state)
{
	struct quic_initial_test_bpf *s = open_load();
	struct qi_test_result r;
	uint8_t f[FRAME_MAX];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++) {
		print_message("%s\n", rfc_cases[i].name);
		len = frame_of(rfc_cases[i].packet, 0, f);
		run(s->progs.qi_first, f, len, 1);
		result_of(s, &r);
		check_rfc(&r, rfc_cases[i].first_byte);
		assert_int_equal(r.cached, 0);
	}
	quic_initial_test_bpf__destroy(s);
}

/* The second run of a DCID takes its keys from the cache: the same. */
static void test_rfc_cached(void **state)
{
	struct quic_initial_test_bpf *s = open_load();
	struct qi_test_result r;
	uint8_t f[FRAME_MAX];
	size_t i, len;
	int k;

	(void)state;
	for (i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++) {
		len = frame_of(rfc_cases[i].packet, 0, f);
		for (k = 0; k < 2; k++) {
			run(s->progs.qi_cached, f, len, 1);
			result_of(s, &r);
			check_rfc(&r, rfc_cases[i].first_byte);
			assert_int_equal(r.cached, k);
		}
	}
	quic_initial_test_bpf__destroy(s);
}

/* A datagram cut short: no Initial (its Length runs past the datagram). */
static void test_cut(void **state)
{
	struct quic_initial_test_bpf *s = open_load();
	static const size_t cuts[] = { 1, 21, 22, 600, 1199 };
	struct qi_test_result r;
	uint8_t f[FRAME_MAX];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		len = frame_of(rfc9001_a2_packet, cuts[i], f);
		run(s->progs.qi_first, f, len, 1);
		result_of(s, &r);
		assert_int_equal(r.at, QI_AT_PARSE);
	}
	quic_initial_test_bpf__destroy(s);
}

/*
 * REPEAT runs of the same Initial under qi_cached open it with the keys
 * the first run cached, to the end. Printed for information, asserted
 * nowhere (timing goals are benchmarks): verifier instructions of each
 * program, ns per run of a first Initial (qi_first: keys derived every
 * run) and of a later one (qi_cached), the mean of REPEAT runs and the median of
 * BATCHES means of BATCH runs.
 */
static void test_repeat_uses_cache(void **state)
{
	struct quic_initial_test_bpf *s = open_load();
	struct qi_test_result r;
	uint8_t f[FRAME_MAX];
	__u32 first, cached, first_med, cached_med;
	size_t len;

	(void)state;
	len = frame_of(rfc9001_a2_packet, 0, f);
	first = run(s->progs.qi_first, f, len, REPEAT);
	first_med = run_median(s->progs.qi_first, f, len);
	run(s->progs.qi_cached, f, len, 1);
	cached = run(s->progs.qi_cached, f, len, REPEAT);
	cached_med = run_median(s->progs.qi_cached, f, len);
	result_of(s, &r);
	assert_int_equal(r.cached, 1);
	assert_int_equal(r.at, QI_AT_DONE);
	print_message("verifier: qi_first %lu insns, qi_cached %lu insns\n",
		      processed(log_first), processed(log_cached));
	print_message("RFC 9001 A.2 (1162-byte payload): first Initial %u "
		      "ns/run, keys cached %u ns/run\n",
		      first, cached);
	print_message("median of %d batches of %d: first Initial %u ns/run, "
		      "keys cached %u ns/run\n",
		      BATCHES, BATCH, first_med, cached_med);
	quic_initial_test_bpf__destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_first),
		cmocka_unit_test(test_rfc_cached),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_repeat_uses_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
