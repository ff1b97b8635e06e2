/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_flow_fixed.c - BR_SIM_FIXED (the batch program's br_batch_fixed):
 * when the program's own state says, after a packet passed, that its
 * flow's verdicts can no longer change, so the traffic model may stand a
 * window of its response by one packet (user/model/wire_sim.c,
 * step_response), and the chain ends there (never for a throttle's or a
 * freeze's flow). One row a case: the policy,
 * the flow's packets so far, the answer. Needs root (a private instance).
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

static const char stateless[] = "policy s\nrule tcp daddr 10.0.0.0/8 drop\n";
static const char metered[] = "policy t\nset n domain { .twimg.com }\n"
			      "set f domain { .frozen.example }\n"
			      "rule sni @n throttle 130kbit burst 16KB\n"
			      "rule sni @f freeze after 16KB\n";

/* A TLS flow from a subscriber to 192.0.2.<host>:443, client port cport. */
static void ends_of(struct br_ends *e, uint8_t host, uint16_t cport)
{
	static const uint8_t cli[4] = { 198, 18, 0, 2 };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	memset(e, 0, sizeof(*e));
	e->family = 4;
	memcpy(e->client, cli, 4);
	e->server[0] = 192;
	e->server[2] = 2;
	e->server[3] = host;
	e->cport = cport;
	e->sport = 443;
	memcpy(e->client_mac, mac, 6);
	memcpy(e->server_mac, mac, 6);
}

static uint32_t push_tcp(struct br_sim *sim, const struct br_ends *e,
			 enum br_dir dir, uint64_t t, uint8_t flags,
			 uint32_t seq, uint32_t ack, const void *pl, size_t n)
{
	uint8_t frame[BR_FRAME_MAX];
	struct br_sim_out out;
	size_t len = br_pkt_tcp(frame, sizeof(frame), e, dir, flags, seq, ack,
				pl, n);

	assert_true(len > 0);
	assert_int_equal(br_sim_push(sim, dir, t, frame, len, NULL, &out), 0);
	return out.xdp;
}

/* The handshake, then (with sni) a ClientHello; its verdict. */
static uint32_t open_flow(struct br_sim *sim, const struct br_ends *e,
			  const char *sni, uint64_t t)
{
	uint8_t hello[BR_FRAME_MAX];
	size_t n;

	push_tcp(sim, e, BR_DIR_UP, t, BR_TCP_SYN, 100, 0, NULL, 0);
	push_tcp(sim, e, BR_DIR_DOWN, t + MS, BR_TCP_SYN | BR_TCP_ACK, 500, 101,
		 NULL, 0);
	push_tcp(sim, e, BR_DIR_UP, t + 2 * MS, BR_TCP_ACK, 101, 501, NULL, 0);
	if (!sni)
		return XDP_PASS;
	n = br_pkt_client_hello(hello, sizeof(hello), sni, NULL, 0, 7);
	assert_true(n > 0 && n <= BR_MSS);
	return push_tcp(sim, e, BR_DIR_UP, t + 3 * MS, BR_TCP_ACK | BR_TCP_PSH,
			101, 501, hello, n);
}

/*
 * A segment of the server's response asking BR_SIM_FIXED, and a second
 * one in the same chain: sent only when the first's flow is not fixed.
 */
static int fixed(struct br_sim *sim, const struct br_ends *e)
{
	static const uint8_t data[BR_MSS];
	uint8_t frame[BR_FRAME_MAX];
	struct br_sim_out out[2];
	size_t len;
	int i;

	for (i = 0; i < 2; i++) {
		len = br_pkt_tcp(frame, sizeof(frame), e, BR_DIR_DOWN,
				 BR_TCP_ACK, 501 + i * BR_MSS, 1000, data,
				 sizeof(data));
		assert_true(len > 0);
		assert_int_equal(br_sim_add(sim, BR_DIR_DOWN, 10 * MS, frame,
					    len, NULL,
					    BR_SIM_STOP |
						    (i ? 0 : BR_SIM_FIXED),
					    &out[i]),
				 0);
	}
	assert_int_equal(br_sim_run(sim), 0);
	/* asked only of a packet that passed */
	assert_int_equal(out[0].xdp, XDP_PASS);
	assert_int_equal(out[1].xdp, out[0].fixed ? BR_SIM_NOT_SENT : XDP_PASS);
	return out[0].fixed;
}

static void test_no_policy_and_stateless(void **state)
{
	struct br_sim sim;
	struct br_ends e;

	(void)state;
	assert_int_equal(br_sim_open(&sim, NULL, 0, 0), 0);
	ends_of(&e, 1, 40000);
	/* no policy: everything passes, whatever the flow */
	assert_int_equal(fixed(&sim, &e), 1);
	/* stateless: a verdict is a function of the headers */
	dp_install_text(sim.dp, "s.policy", stateless, NULL);
	assert_int_equal(open_flow(&sim, &e, "www.site.example", 0), XDP_PASS);
	assert_int_equal(fixed(&sim, &e), 1);
	br_sim_close(&sim);
}

static void test_stateful(void **state)
{
	struct br_ends passed, policed, counted, waiting, unseen;
	struct br_sim sim;

	(void)state;
	assert_int_equal(br_sim_open(&sim, NULL, 0, 0), 0);
	dp_install_text(sim.dp, "t.policy", metered, NULL);
	ends_of(&passed, 1, 40001);
	ends_of(&policed, 2, 40002);
	ends_of(&waiting, 3, 40003);
	ends_of(&unseen, 4, 40004);
	ends_of(&counted, 5, 40005);
	assert_int_equal(open_flow(&sim, &passed, "www.site.example", 0),
			 XDP_PASS);
	assert_int_equal(open_flow(&sim, &policed, "pbs.twimg.com", 0),
			 XDP_PASS); /* the first bytes fit the burst */
	assert_int_equal(open_flow(&sim, &counted, "www.frozen.example", 0),
			 XDP_PASS);
	open_flow(&sim, &waiting, NULL, 0);
	/* decided pass, this generation: fixed */
	assert_int_equal(fixed(&sim, &passed), 1);
	/* throttled: a policer's verdict depends on time and bytes */
	assert_int_equal(fixed(&sim, &policed), 0);
	/* frozen after 16 KB: every packet counts, the first ones pass */
	assert_int_equal(fixed(&sim, &counted), 0);
	/* the hello not seen yet: the verdict is still to come */
	assert_int_equal(fixed(&sim, &waiting), 0);
	/* no entry before this packet: nothing was known */
	assert_int_equal(fixed(&sim, &unseen), 0);
	/* a swap: an older generation's verdict may be judged again */
	dp_install_text(sim.dp, "t.policy", metered, NULL);
	assert_int_equal(fixed(&sim, &passed), 0);
	br_sim_close(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_policy_and_stateless),
		cmocka_unit_test(test_stateful),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
