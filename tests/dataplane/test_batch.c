/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_batch.c - the simulation's batches (abi.h "batches", sim.h
 * br_sim_add/br_sim_run): many frames a BPF_PROG_TEST_RUN call give the
 * kernel the same packets in the same order as one call each, so every
 * verdict, answer and counter is the one br_dp_run gives through the
 * interface entry points; a chain ends where its flags say, and the
 * frames after the end are not sent; an answered frame (XDP_TX) ends a
 * call, and the frames after it go on in the next. Needs root (private
 * instances).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <linux/bpf.h>

#include "instance.h"
#include "sim.h"

#define MS 1000000ull

/* Each rule gives a different verdict, on TCP, TLS, DNS and UDP. */
static const char policy[] =
	"policy batch\n"
	"set names domain { .blocked.example }\n"
	"rule \"sni reset\" tcp dport 443 sni @names reset\n"
	"rule \"dns nx\" dns @names nxdomain\n"
	"rule \"udp drop\" udp dport 9000 drop\n"
	"rule \"tcp drop\" tcp dport 7000 drop\n";

/* A mixed sequence: frame k of it, into f; its direction. */
struct frame {
	uint8_t b[BR_FRAME_MAX];
	size_t len;
	enum br_dir dir;
	uint64_t t;
};

static void ends_of(struct br_ends *e, unsigned int k, uint16_t sport)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	memset(e, 0, sizeof(*e));
	e->family = 4;
	e->client[0] = 198;
	e->client[1] = 18;
	e->client[3] = 2 + k % 200;
	e->server[0] = 198;
	e->server[1] = 19;
	e->server[3] = 1 + k % 7;
	e->cport = 40000 + k;
	e->sport = sport;
	memcpy(e->client_mac, mac, 6);
	memcpy(e->server_mac, mac, 6);
}

/*
 * Frame k of the sequence: handshakes and hellos (blocked and not), DNS
 * queries (blocked and not), UDP to a dropped port and not, a TCP port
 * dropped, the server's data after a passed hello.
 */
static void frame_of(unsigned int k, struct frame *f)
{
	static const uint8_t data[600];
	uint8_t pl[BR_FRAME_MAX];
	unsigned int flow = k / 6, step = k % 6;
	bool blocked = flow % 3 == 1;
	const char *name = blocked ? "www.blocked.example" : "www.ok.example";
	struct br_ends e;
	size_t n;

	f->t = k * MS;
	f->dir = BR_DIR_UP;
	switch (flow % 5) {
	case 0: /* TLS: SYN, SYN-ACK, ACK, hello, data down, data up */
	case 1:
		ends_of(&e, flow, 443);
		if (step == 3) {
			n = br_pkt_client_hello(pl, sizeof(pl), name, NULL, 0,
						flow);
			assert_true(n > 0 && n < 1400);
			f->len = br_pkt_tcp(f->b, sizeof(f->b), &e, BR_DIR_UP,
					    BR_TCP_ACK | BR_TCP_PSH, 101, 501,
					    pl, n);
			break;
		}
		if (step == 1 || step == 4)
			f->dir = BR_DIR_DOWN;
		f->len = br_pkt_tcp(f->b, sizeof(f->b), &e, f->dir,
				    step == 0   ? BR_TCP_SYN
				    : step == 1 ? BR_TCP_SYN | BR_TCP_ACK
						: BR_TCP_ACK,
				    step == 1 ? 500 : 101, step ? 501 : 0,
				    step >= 4 ? data : NULL,
				    step >= 4 ? sizeof(data) : 0);
		break;
	case 2: /* DNS */
		ends_of(&e, flow, 53);
		n = br_pkt_dns_query(pl, sizeof(pl), k, name, 1, step & 1);
		f->len = br_pkt_udp(f->b, sizeof(f->b), &e, BR_DIR_UP, pl, n);
		break;
	case 3: /* UDP, dropped or not */
		ends_of(&e, flow, step & 1 ? 9000 : 9001);
		f->len = br_pkt_udp(f->b, sizeof(f->b), &e, BR_DIR_UP, data,
				    100 + step);
		break;
	default: /* TCP to a dropped port */
		ends_of(&e, flow, 7000);
		f->len = br_pkt_tcp(f->b, sizeof(f->b), &e, BR_DIR_UP,
				    BR_TCP_SYN, 100, 0, NULL, 0);
		break;
	}
	assert_true(f->len > 0);
}

#define N_FRAMES 200 /* over three pools' worth */

/*
 * The sequence through both paths: one br_dp_run a frame on a plain
 * instance, and one chain of N_FRAMES frames (no flags) on a batch
 * instance. Every verdict, answer and counter agrees.
 */
static void test_same_as_one_a_call(void **state)
{
	static struct br_counter a[BR_CTR_PER_GEN], b[BR_CTR_PER_GEN];
	struct br_dp_opts opts = { .virtual_clock = true };
	struct br_sim_out *out;
	struct br_dp_result res;
	__u64 gen_a, gen_b;
	struct frame *f;
	struct br_sim sim;
	struct br_dp *dp;
	uint8_t addr[16];
	size_t addr_len;
	unsigned int k, tx = 0, drop = 0;
	char name[64];
	int i;

	(void)state;
	f = calloc(N_FRAMES, sizeof(*f));
	out = calloc(N_FRAMES, sizeof(*out));
	assert_non_null(f);
	assert_non_null(out);
	assert_int_equal(br_dp_open_private(&opts, &dp), 0);
	assert_int_equal(br_sim_open(&sim, NULL, 0, 0), 0);
	gen_a = dp_install_text(dp, "batch.policy", policy, NULL);
	gen_b = dp_install_text(sim.dp, "batch.policy", policy, NULL);
	for (k = 0; k < N_FRAMES; k++) {
		frame_of(k, &f[k]);
		assert_int_equal(br_sim_add(&sim, f[k].dir, f[k].t, f[k].b,
					    f[k].len, NULL, 0, &out[k]),
				 0);
	}
	assert_int_equal(br_sim_run(&sim), 0);
	assert_int_equal(sim.packets, N_FRAMES);
	/* every answer ends a call: the calls are the answers and the pools */
	for (k = 0; k < N_FRAMES; k++) {
		assert_int_equal(br_dp_run(dp,
					   f[k].dir == BR_DIR_UP
						   ? BR_ROLE_SUBSCRIBER
						   : BR_ROLE_UPSTREAM,
					   f[k].t, f[k].b, f[k].len, &res),
				 0);
		if (out[k].xdp != res.verdict)
			fail_msg("frame %u: batch %u, one a call %u", k,
				 out[k].xdp, res.verdict);
		if (res.verdict == XDP_TX) {
			tx++;
			assert_int_equal(out[k].reply,
					 br_pkt_reply(res.frame, res.len, addr,
						      &addr_len));
		}
		drop += res.verdict == XDP_DROP;
	}
	/* the sequence means something: answers, drops and passes */
	assert_true(tx >= 10);
	assert_true(drop >= 10);
	assert_true(tx + drop + 20 <= N_FRAMES);
	assert_true(sim.calls >= tx && sim.calls <= tx + N_FRAMES / 64 + 2);
	dp_read_counters(dp, gen_a, a);
	dp_read_counters(sim.dp, gen_b, b);
	for (i = 0; i < BR_CTR_PER_GEN; i++)
		if (a[i].packets != b[i].packets || a[i].bytes != b[i].bytes)
			fail_msg("%s: one a call %llu/%llu, batch %llu/%llu",
				 dp_ctr_name(i, name, sizeof(name)),
				 (unsigned long long)a[i].packets,
				 (unsigned long long)a[i].bytes,
				 (unsigned long long)b[i].packets,
				 (unsigned long long)b[i].bytes);
	br_sim_close(&sim);
	br_dp_close(dp);
	free(f);
	free(out);
}

/* Frame k of the sequence into the batch, with flags and out. */
static void add(struct br_sim *sim, unsigned int k, unsigned int flags,
		struct br_sim_out *out)
{
	struct frame f;

	frame_of(k, &f);
	assert_int_equal(br_sim_add(sim, f.dir, f.t, f.b, f.len, NULL, flags,
				    out),
			 0);
}

/*
 * A chain ends after the first frame its flags stop at; the rest is not
 * sent (not counted, not judged), while a frame nobody waits for still
 * goes; the next run starts a new chain.
 */
static void test_chain_ends(void **state)
{
	struct br_sim_out out[6];
	struct br_sim sim;

	(void)state;
	assert_int_equal(br_sim_open(&sim, NULL, 0, 0), 0);
	dp_install_text(sim.dp, "batch.policy", policy, NULL);
	/* frames 18..23: UDP, passed at even steps, dropped at odd ones */
	add(&sim, 18, BR_SIM_STOP, &out[0]);
	add(&sim, 20, BR_SIM_STOP, &out[1]);
	add(&sim, 21, BR_SIM_STOP, &out[2]); /* dropped: the end */
	add(&sim, 22, BR_SIM_STOP, &out[3]);
	add(&sim, 23, 0, NULL);		     /* nobody waits: it goes */
	add(&sim, 18, BR_SIM_STOP, &out[4]);
	assert_int_equal(br_sim_run(&sim), 0);
	assert_int_equal(out[0].xdp, XDP_PASS);
	assert_int_equal(out[1].xdp, XDP_PASS);
	assert_int_equal(out[2].xdp, XDP_DROP);
	assert_int_equal(out[3].xdp, BR_SIM_NOT_SENT);
	assert_int_equal(out[4].xdp, BR_SIM_NOT_SENT);
	assert_int_equal(sim.packets, 4);
	/* BR_SIM_STOP_TX lets a drop by, not an answer (frame 9: a hello
	 * for a blocked name, reset) */
	add(&sim, 21, BR_SIM_STOP_TX, &out[0]);
	add(&sim, 9, BR_SIM_STOP_TX, &out[1]);
	add(&sim, 18, BR_SIM_STOP_TX, &out[2]);
	assert_int_equal(br_sim_run(&sim), 0);
	assert_int_equal(out[0].xdp, XDP_DROP);
	assert_int_equal(out[1].xdp, XDP_TX);
	assert_int_equal(out[1].reply, BR_REPLY_RST);
	assert_int_equal(out[2].xdp, BR_SIM_NOT_SENT);
	/* a new run, a new chain */
	add(&sim, 18, BR_SIM_STOP, &out[5]);
	assert_int_equal(br_sim_run(&sim), 0);
	assert_int_equal(out[5].xdp, XDP_PASS);
	assert_int_equal(sim.packets, 7);
	br_sim_close(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_one_a_call),
		cmocka_unit_test(test_chain_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
