/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bench_l7.c - what an L7 packet costs: ns/packet through BPF_PROG_TEST_RUN
 * of the dataplane holding a policy with a 1,000,000-name domain set,
 * beside a bare XDP_DROP program measured the same way in the same run.
 *
 * Every packet is the first of its kind for its flow (a fresh flow per
 * packet: new client address and port), run once, and timed by the kernel
 * (test_run's duration, repeat 1); rows report the mean and the median
 * over FLOWS packets, and the median of ROUNDS rounds. Packets that need
 * their flow to be in a state first (a hello needs its SYN, a cached
 * packet its decided flow) get those packets untimed before them.
 *
 *   hello, SNI hit / miss    one-segment ClientHello; the name is / is not
 *                            in the 1M-name set
 *   hello in 2 segments      a 1.8 KB post-quantum hello, SNI in the
 *                            second segment: both segments, summed
 *   DNS query hit / miss     A query; a hit is answered (forged NXDOMAIN)
 *   hello, JA4 listed / not  curl's real hello (ja4_hellos.h), its JA4
 *                            computed and in / not in a 64-print list
 *                            (openssl's hello for "not"); and curl's to
 *                            the sni rule's port, no JA4 made: the base
 *   QUIC Initial             v1, 1200 bytes, dropped
 *   QUIC Initial by name     a real Initial (packet.c) naming a name in
 *                            the 1M set, opened by the tail-called opener
 *                            (l7_quic_open.h): keys derived (a new DCID),
 *                            or cached (a DCID seen before, another flow);
 *                            the same Initial again on its flow, and a
 *                            short header of it, both decided; a
 *                            post-quantum hello over two Initials (both,
 *                            and the second alone: keys cached)
 *   classified flow          a data segment of a flow already decided
 *   XDP_DROP                 bench_drop: the floor of the method
 *
 * Prints markdown (a generated part of docs/PERFORMANCE.md) on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"
#include "dataplane.h"
#include "policy.h"
#include "packet.h"

/* hello.h asserts with cmocka's assert_true and fail_msg */
#define assert_true(x)                                                         \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)
#define fail_msg(...) abort()
#include "../l7/hello.h"
#include "../l7/ja4_hellos.h"

#define SET_N 1000000u
#define FLOWS 20000u
#define ROUNDS 3
#define FRAME_MAX 4096
#define SEED 0x626c617374726164ULL
#define JA4_PORT 8443
#define QSNI_PORT 4443
#define QSNI_N 2000u /* Initials a round: built by packet.c, 1200 bytes */
#define JA4_LIST 64 /* BR_JA4_FPS: a full table, curl's print last */

static uint64_t rng = SEED;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Name i of the set: two or three labels under one of 64 zones. */
static void set_name(uint32_t i, char *buf, size_t len)
{
	if (i % 3)
		snprintf(buf, len, "h%u.svc%u.zone%u.example", i, i % 997,
			 i % 64);
	else
		snprintf(buf, len, "n%u.zone%u.example", i, i % 64);
}

/* ---- frames ----------------------------------------------------------- */

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

/*
 * The transport checksum over the pseudo-header (RFC 1071), as a packet
 * on a wire carries it: the censor verifies the hello's segments.
 */
static void l4_checksum(const uint8_t *ip, uint8_t proto, uint8_t *l4,
			size_t len)
{
	uint8_t *check = l4 + (proto == 6 ? 16 : 6);
	uint64_t sum = proto + len;
	size_t i;

	for (i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	check[0] = check[1] = 0;
	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)l4[i] << 8 | l4[i + 1];
	if (len & 1)
		sum += (uint32_t)l4[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (proto == 17 && !sum)
		sum = 0xffff;
	be16(check, sum);
}

/* Ethernet + IPv4 + TCP or UDP from flow i's client to 198.19.0.1. */
static void frame_build(struct frame *f, uint32_t i, uint8_t proto,
			uint16_t dport, uint8_t tcp_flags, uint32_t seq,
			const uint8_t *pl, size_t n)
{
	uint8_t *ip = f->b + ETH_HLEN, *l4 = ip + 20;
	size_t l4h = proto == 6 ? 20 : 8;

	memset(f->b, 0, ETH_HLEN + 20 + l4h);
	memcpy(f->b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", ETH_HLEN);
	ip[0] = 0x45;
	be16(ip + 2, 20 + l4h + n);
	ip[8] = 64;
	ip[9] = proto;
	be32(ip + 12, 0xc6120000u | (i & 0xffff) << 0); /* 198.18.x.y */
	be32(ip + 16, 0xc6130001u);			  /* 198.19.0.1 */
	be16(l4, 10000 + (i >> 16));
	be16(l4 + 2, dport);
	if (proto == 6) {
		be32(l4 + 4, seq);
		be32(l4 + 8, tcp_flags & 0x10 ? 1 : 0);
		l4[12] = 5 << 4;
		l4[13] = tcp_flags;
		be16(l4 + 14, 64240);
	} else {
		be16(l4 + 4, 8 + n);
	}
	memcpy(l4 + l4h, pl, n);
	f->len = ETH_HLEN + 20 + l4h + n;
	l4_checksum(ip, proto, l4, l4h + n);
}

static size_t hello_build(const char *name, const char *exts, uint8_t *out)
{
	struct spec sp = { .exts = exts, .sni = name };
	size_t name_end;

	return build(&sp, out, FRAME_MAX - 100, &name_end);
}

static size_t dns_build(const char *name, uint16_t id, uint8_t *out)
{
	size_t n = 12, l;
	const char *p = name, *dot;

	memset(out, 0, 12);
	be16(out, id);
	be16(out + 2, 0x0100);
	be16(out + 4, 1);
	while (*p) {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		out[n++] = l;
		memcpy(out + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	out[n++] = 0;
	be16(out + n, 1);
	be16(out + n + 2, 1);
	return n + 4;
}

static size_t quic_build(uint8_t *out)
{
	size_t n = 0;

	memset(out, 0, 1200);
	out[n++] = 0xc3; /* long, Initial (v1 type 00), pn length 4 */
	be32(out + n, 1);
	n += 4;
	out[n++] = 8;
	memcpy(out + n, "\x83\x94\xc8\xf0\x3e\x51\x57\x08", 8);
	n += 8;
	out[n++] = 0; /* SCID */
	out[n++] = 0; /* token length */
	be16(out + n, 0x4000 | (1200 - n - 2));
	return 1200;
}

/* ---- running ---------------------------------------------------------- */

static int run(int fd, const struct frame *f, __u32 *ns)
{
	uint8_t out[FRAME_MAX + 512];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b,
		    .data_size_in = f->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench_l7: test_run: %s\n", strerror(errno));
		exit(1);
	}
	if (ns)
		*ns = o.duration;
	return o.retval;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum row {
	R_HELLO_HIT,
	R_HELLO_MISS,
	R_HELLO_SPLIT,
	R_JA4_HIT,
	R_JA4_MISS,
	R_JA4_NONE,
	R_DNS_HIT,
	R_DNS_MISS,
	R_QUIC,
	R_QSNI_FIRST,
	R_QSNI_CACHED,
	R_QSNI_AGAIN,
	R_QSNI_DECIDED,
	R_QSNI_SPLIT,
	R_QSNI_SPLIT2,
	R_CACHED,
	R_MIDSTREAM,
	R_QUIC_WAIT,
	R_DROP,
	R_N,
};

static const char *const row_name[R_N] = {
	[R_HELLO_HIT] = "ClientHello, SNI in the 1M-name set (dropped)",
	[R_HELLO_MISS] = "ClientHello, SNI not in the set (passed)",
	[R_HELLO_SPLIT] = "ClientHello of 1.8 KB in 2 segments, SNI in the "
			  "2nd (both segments)",
	[R_JA4_HIT] = "ClientHello (curl's), JA4 computed, in a 64-print "
		      "list (dropped)",
	[R_JA4_MISS] = "ClientHello (openssl's), JA4 computed, not in the "
		       "list (passed)",
	[R_JA4_NONE] = "ClientHello (curl's) to the sni rule's port: no JA4 "
		       "made, name not in the set (passed)",
	[R_DNS_HIT] = "DNS query, name in the set (NXDOMAIN forged)",
	[R_DNS_MISS] = "DNS query, name not in the set (passed)",
	[R_QUIC] = "QUIC v1 Initial, 1200 bytes (dropped)",
	[R_QSNI_FIRST] = "QUIC v1 Initial naming a name in the set, opened: "
			 "keys derived (dropped)",
	[R_QSNI_CACHED] = "the same, keys cached (a DCID opened before, "
			  "another flow) (dropped)",
	[R_QSNI_AGAIN] = "the same Initial again on its own flow (a "
			 "retransmission: the first decided the flow) "
			 "(dropped)",
	[R_QSNI_DECIDED] = "short-header datagram of a flow a QUIC Initial's "
			   "name decided (dropped)",
	[R_QSNI_SPLIT] = "post-quantum hello over 2 QUIC Initials, name in the "
			 "set: both, keys derived (dropped)",
	[R_QSNI_SPLIT2] = "its second Initial alone (keys cached, the hello "
			  "gathered and read) (dropped)",
	[R_CACHED] = "data segment of an already classified flow",
	[R_MIDSTREAM] = "data segment of a flow seen mid-stream (no hello "
			"yet: its start looked at)",
	[R_QUIC_WAIT] = "short-header datagram of a UDP flow whose QUIC rule "
			"awaits an Initial",
	[R_DROP] = "bare XDP_DROP program (bench_drop)",
};

static const int row_verdict[R_N] = {
	[R_HELLO_HIT] = XDP_DROP, [R_HELLO_MISS] = XDP_PASS,
	[R_HELLO_SPLIT] = XDP_DROP, [R_DNS_HIT] = XDP_TX,
	[R_JA4_HIT] = XDP_DROP,	    [R_JA4_MISS] = XDP_PASS,
	[R_JA4_NONE] = XDP_PASS,
	[R_QSNI_FIRST] = XDP_DROP,  [R_QSNI_CACHED] = XDP_DROP,
	[R_QSNI_DECIDED] = XDP_DROP, [R_QSNI_SPLIT] = XDP_DROP,
	[R_QSNI_AGAIN] = XDP_DROP,  [R_QSNI_SPLIT2] = XDP_DROP,
	[R_DNS_MISS] = XDP_PASS,    [R_QUIC] = XDP_DROP,
	[R_CACHED] = XDP_DROP,	    [R_MIDSTREAM] = XDP_PASS,
	[R_QUIC_WAIT] = XDP_PASS,   [R_DROP] = XDP_DROP,
};

static double mean_of[R_N][ROUNDS], median_of[R_N][ROUNDS];

/* The Initials of a round (each naming a name of the set) */
static struct {
	uint8_t b[1500];
	size_t n;
} qsni[QSNI_N];

/* The two-Initial flights of a round (post-quantum hellos, packet.c) */
static struct {
	uint8_t b[2 * 1200];
	size_t n;
} qsplit[QSNI_N];

static int qsni_build(int round)
{
	char name[BR_NAME_MAX];
	uint8_t dcid[8];
	uint64_t r;
	uint32_t i;
	size_t n;

	for (i = 0; i < QSNI_N; i++) {
		r = rnd64();
		memcpy(dcid, &r, sizeof(dcid));
		set_name(rnd64() % SET_N, name, sizeof(name));
		qsni[i].n = br_pkt_quic_initial(qsni[i].b, sizeof(qsni[i].b),
						1, dcid, name,
						(uint64_t)round << 32 | i);
		if (!qsni[i].n)
			return -1;
		dcid[0] ^= 0xff; /* another connection */
		qsplit[i].n = br_pkt_quic_flight(qsplit[i].b,
						 sizeof(qsplit[i].b), 1, dcid,
						 name, BR_HELLO_PQ,
						 (uint64_t)round << 32 | i, &n);
		if (!qsplit[i].n || n != 2)
			return -1;
	}
	return 0;
}
static __u32 samples[FLOWS];
static __u32 second[QSNI_N]; /* the second Initials of split hellos */

static void record(enum row r, int round, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += samples[i];
	qsort(samples, n, sizeof(samples[0]), cmp_u32);
	mean_of[r][round] = (double)sum / n;
	median_of[r][round] = samples[n / 2];
}

static double med(const double *v)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(s[0]), cmp_double);
	return s[ROUNDS / 2];
}

static void check(enum row r, int got)
{
	if (got != row_verdict[r]) {
		fprintf(stderr, "bench_l7: %s: verdict %d, expected %d\n",
			row_name[r], got, row_verdict[r]);
		exit(1);
	}
}

/* One round: FLOWS fresh flows per row, flow numbers from base. */
static void round_run(int fd, int drop_fd, int round, uint32_t base)
{
	static struct frame f, seg;
	static uint8_t pl[FRAME_MAX];
	char name[BR_NAME_MAX];
	uint32_t i, k, flow;
	__u32 a, b;
	size_t n;

	for (k = 0; k < 2; k++) { /* hello hit, miss */
		for (i = 0; i < FLOWS; i++) {
			flow = base + k * FLOWS + i;
			frame_build(&f, flow, 6, 443, 0x02, 0, NULL, 0);
			run(fd, &f, NULL);
			if (k == 0)
				set_name(rnd64() % SET_N, name, sizeof(name));
			else
				snprintf(name, sizeof(name),
					 "miss%u.zone%u.example", flow,
					 flow % 64);
			n = hello_build(name, "SVKCW", pl);
			frame_build(&f, flow, 6, 443, 0x18, 1, pl, n);
			check(k ? R_HELLO_MISS : R_HELLO_HIT,
			      run(fd, &f, &samples[i]));
		}
		record(k ? R_HELLO_MISS : R_HELLO_HIT, round, FLOWS);
	}

	for (i = 0; i < FLOWS; i++) { /* split hello, then a cached segment */
		flow = base + 2 * FLOWS + i;
		frame_build(&f, flow, 6, 443, 0x02, 0, NULL, 0);
		run(fd, &f, NULL);
		set_name(rnd64() % SET_N, name, sizeof(name));
		n = hello_build(name, "GXVAKQ" "S" "CWMgP", pl);
		frame_build(&seg, flow, 6, 443, 0x10, 1, pl, 1448);
		if (run(fd, &seg, &a) != XDP_PASS) {
			fprintf(stderr, "bench_l7: first segment not passed\n");
			exit(1);
		}
		frame_build(&f, flow, 6, 443, 0x18, 1 + 1448, pl + 1448,
			    n - 1448);
		check(R_HELLO_SPLIT, run(fd, &f, &b));
		samples[i] = a + b;
	}
	record(R_HELLO_SPLIT, round, FLOWS);
	for (i = 0; i < FLOWS; i++) {
		flow = base + 2 * FLOWS + i;
		frame_build(&f, flow, 6, 443, 0x10, 5000, pl, 100);
		check(R_CACHED, run(fd, &f, &samples[i]));
	}
	record(R_CACHED, round, FLOWS);

	for (k = 0; k < 3; k++) { /* JA4 listed, not, none made */
		enum row r = k == 0 ? R_JA4_HIT : k == 1 ? R_JA4_MISS
							 : R_JA4_NONE;
		uint16_t port = k == 2 ? 443 : JA4_PORT;

		for (i = 0; i < FLOWS; i++) {
			flow = base + (8 + k) * FLOWS + i;
			frame_build(&f, flow, 6, port, 0x02, 0, NULL, 0);
			run(fd, &f, NULL);
			if (k != 1)
				frame_build(&f, flow, 6, port, 0x18, 1,
					    hello_curl_tls13,
					    sizeof(hello_curl_tls13));
			else
				frame_build(&f, flow, 6, port, 0x18, 1,
					    hello_openssl_tls12_ip,
					    sizeof(hello_openssl_tls12_ip));
			check(r, run(fd, &f, &samples[i]));
		}
		record(r, round, FLOWS);
	}

	for (k = 0; k < 2; k++) { /* DNS hit, miss */
		for (i = 0; i < FLOWS; i++) {
			flow = base + (3 + k) * FLOWS + i;
			if (k == 0)
				set_name(rnd64() % SET_N, name, sizeof(name));
			else
				snprintf(name, sizeof(name),
					 "miss%u.zone%u.example", flow,
					 flow % 64);
			n = dns_build(name, flow, pl);
			frame_build(&f, flow, 17, 53, 0, 0, pl, n);
			check(k ? R_DNS_MISS : R_DNS_HIT,
			      run(fd, &f, &samples[i]));
		}
		record(k ? R_DNS_MISS : R_DNS_HIT, round, FLOWS);
	}

	n = quic_build(pl);
	for (i = 0; i < FLOWS; i++) {
		flow = base + 5 * FLOWS + i;
		frame_build(&f, flow, 17, 443, 0, 0, pl, n);
		check(R_QUIC, run(fd, &f, &samples[i]));
	}
	record(R_QUIC, round, FLOWS);

	/*
	 * QUIC Initials by name, to QSNI_PORT: a new DCID each (keys
	 * derived), then the same Initials again from other flows (keys
	 * cached), then a short header of each first flow.
	 */
	for (k = 0; k < 2; k++) {
		enum row r = k ? R_QSNI_CACHED : R_QSNI_FIRST;

		for (i = 0; i < QSNI_N; i++) {
			flow = base + (11 + k) * FLOWS + i;
			frame_build(&f, flow, 17, QSNI_PORT, 0, 0,
				    qsni[i].b, qsni[i].n);
			check(r, run(fd, &f, &samples[i]));
		}
		record(r, round, QSNI_N);
	}
	for (i = 0; i < QSNI_N; i++) {
		flow = base + 11 * FLOWS + i;
		frame_build(&f, flow, 17, QSNI_PORT, 0, 0, qsni[i].b,
			    qsni[i].n);
		check(R_QSNI_AGAIN, run(fd, &f, &samples[i]));
	}
	record(R_QSNI_AGAIN, round, QSNI_N);
	memset(pl, 0x41, 100);
	for (i = 0; i < QSNI_N; i++) {
		flow = base + 11 * FLOWS + i;
		frame_build(&f, flow, 17, QSNI_PORT, 0, 0, pl, 100);
		check(R_QSNI_DECIDED, run(fd, &f, &samples[i]));
	}
	record(R_QSNI_DECIDED, round, QSNI_N);
	/* the two Initials of a post-quantum hello: gathered, then read */
	for (i = 0; i < QSNI_N; i++) {
		__u32 a, b;

		flow = base + 13 * FLOWS + i;
		frame_build(&f, flow, 17, QSNI_PORT, 0, 0, qsplit[i].b,
			    qsplit[i].n);
		if (run(fd, &f, &a) != XDP_PASS) {
			fprintf(stderr, "bench_l7: a hello's first Initial "
					"not passed\n");
			exit(1);
		}
		frame_build(&f, flow, 17, QSNI_PORT, 0, 0,
			    qsplit[i].b + qsplit[i].n, qsplit[i].n);
		check(R_QSNI_SPLIT, run(fd, &f, &b));
		samples[i] = a + b;
		second[i] = b;
	}
	record(R_QSNI_SPLIT, round, QSNI_N);
	memcpy(samples, second, sizeof(second));
	record(R_QSNI_SPLIT2, round, QSNI_N);

	/* a flow's first packet is data: then its second, both pass */
	memset(pl, 'x', 100);
	for (i = 0; i < FLOWS; i++) {
		flow = base + 6 * FLOWS + i;
		frame_build(&f, flow, 6, 443, 0x10, 7000, pl, 100);
		run(fd, &f, NULL);
		frame_build(&f, flow, 6, 443, 0x10, 7100, pl, 100);
		check(R_MIDSTREAM, run(fd, &f, &samples[i]));
	}
	record(R_MIDSTREAM, round, FLOWS);

	/* a datagram that is no QUIC to 443, then a short header */
	for (i = 0; i < FLOWS; i++) {
		flow = base + 7 * FLOWS + i;
		pl[0] = 0;
		frame_build(&f, flow, 17, 443, 0, 0, pl, 100);
		run(fd, &f, NULL);
		pl[0] = 0x41;
		frame_build(&f, flow, 17, 443, 0, 0, pl, 100);
		check(R_QUIC_WAIT, run(fd, &f, &samples[i]));
	}
	record(R_QUIC_WAIT, round, FLOWS);

	for (i = 0; i < FLOWS; i++) {
		frame_build(&f, base + i, 6, 443, 0x02, 0, NULL, 0);
		check(R_DROP, run(drop_fd, &f, &samples[i]));
	}
	record(R_DROP, round, FLOWS);
}

static char tmpdir[] = "/tmp/bench_l7.XXXXXX";

static struct br_policy *policy_build(void)
{
	char path[PATH_MAX], name[BR_NAME_MAX];
	struct br_policy *pol = NULL;
	struct br_diag diag;
	FILE *f;
	uint32_t i;

	if (!mkdtemp(tmpdir))
		return NULL;
	snprintf(path, sizeof(path), "%s/names.set", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "set names domain {\n");
	for (i = 0; i < SET_N; i++) {
		set_name(i, name, sizeof(name));
		fprintf(f, "%s\n", name);
	}
	fprintf(f, "}\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/bench.policy", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "policy bench-l7\n"
		   "include \"names.set\"\n"
		   "rule \"sni\" tcp dport 443 sni @names drop\n"
		   "rule \"dns\" dns @names nxdomain\n"
		   "rule \"quic\" udp dport 443 quic drop\n"
		   "rule \"quic sni\" udp dport 4443 quic sni @names drop\n"
		   "rule \"ja4\" tcp dport %d ja4 {\n", JA4_PORT);
	/* 63 prints that are not curl's, in lists of 16 a rule */
	for (i = 0; i + 1 < JA4_LIST; i++) {
		if (i && i % BR_MAX_JA4 == 0)
			fprintf(f, "} drop\nrule tcp dport %d ja4 {\n",
				JA4_PORT);
		fprintf(f, "t13d%02u%02uh2_%012llx_*,\n", 10 + i % 40,
			10 + i % 20,
			(unsigned long long)(rnd64() & 0xffffffffffffULL));
	}
	fprintf(f, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6 } drop\n");
	fclose(f);
	br_diag_init(&diag);
	if (br_policy_parse_file(path, &pol, &diag))
		br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	return pol;
}

static void cleanup(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/names.set", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.policy", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	const char *date = "", *commit = "";
	struct br_dp_opts opts = { 0 };
	struct br_compile_stats stats;
	struct bench_bpf *drop;
	struct br_policy *pol;
	struct br_diag diag;
	struct utsname u;
	struct br_dp *dp;
	int c, fd, drop_fd, r, round;
	static const struct option longopts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "commit", required_argument, NULL, 'c' },
		{}
	};

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'd')
			date = optarg;
		else if (c == 'c')
			commit = optarg;
		else
			return 2;
	}
	pol = policy_build();
	if (!pol) {
		cleanup();
		fprintf(stderr, "bench_l7: cannot build the policy\n");
		return 1;
	}
	if (br_dp_open_private(&opts, &dp)) {
		cleanup();
		return 1;
	}
	br_diag_init(&diag);
	if (br_dp_install(dp, pol, &stats, &diag)) {
		br_diag_print(&diag, stderr);
		cleanup();
		return 1;
	}
	br_diag_free(&diag);
	cleanup();
	drop = bench_bpf__open_and_load();
	if (!drop) {
		fprintf(stderr, "bench_l7: cannot load bench_drop\n");
		return 1;
	}
	fd = br_dp_prog_fd(dp, BR_ROLE_SUBSCRIBER);
	drop_fd = bpf_program__fd(drop->progs.bench_drop);

	for (round = 0; round < ROUNDS; round++) {
		fprintf(stderr, "bench_l7: round %d of %d\n", round + 1,
			ROUNDS);
		if (qsni_build(round)) {
			fprintf(stderr, "bench_l7: cannot build Initials\n");
			return 1;
		}
		/* 14 * FLOWS flows a round: disjoint */
		round_run(fd, drop_fd, round, round * 14 * FLOWS);
	}

	uname(&u);
	printf("### L7 packets (`bench_l7`)\n\n");
	printf("Run %s on commit %s, kernel %s. Policy: one domain set of "
	       "%u names (%u keys) used by an `sni` rule, a `dns ... "
	       "nxdomain` rule, a `quic` rule and a `quic sni` rule, and 64 "
	       "JA4 prints in `ja4` rules on another port. Each packet is the "
	       "first "
	       "of its kind on a fresh flow, timed by the kernel "
	       "(BPF_PROG_TEST_RUN duration, one call per packet); %u "
	       "packets a row (%u for the QUIC Initials by name), median of "
	       "%d rounds.\n\n",
	       date, commit, u.release, SET_N, stats.domains, FLOWS, QSNI_N,
	       ROUNDS);
	printf("| packet | mean ns | median ns |\n|---|---:|---:|\n");
	for (r = 0; r < R_N; r++)
		printf("| %s | %.0f | %.0f |\n", row_name[r], med(mean_of[r]),
		       med(median_of[r]));
	printf("\n");
	bench_bpf__destroy(drop);
	br_dp_close(dp);
	br_policy_free(pol);
	return 0;
}
