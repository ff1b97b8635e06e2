/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sim.h - the dataplane as the traffic model sees it: a private instance of
 * the real BPF object (its own maps: a simulation never touches the live
 * instance's counters, flows or policers) with the virtual clock switched
 * on, packets pushed through it with BPF_PROG_TEST_RUN at the model's time,
 * and what it answers. The kernel's verdict is the only verdict.
 */
#ifndef BR_SIM_H
#define BR_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dataplane.h"
#include "packet.h"
#include "pcap_io.h"
#include "policy.h"

/* The longest label a frame takes into the capture, its NUL included. */
#define BR_SIM_LABEL_MAX 384

struct br_sim_queued; /* sim.c: a frame in the batch, and who reads it */

struct br_sim {
	struct br_dp *dp;
	struct br_pcap_writer *pcap; /* --write-pcap, NULL when not asked */
	uint64_t packets;	    /* pushed through the program */
	uint64_t verdicts[5];	    /* by XDP action: aborted..redirect */
	uint64_t run_ns;	    /* wall time spent in test_run calls */
	uint64_t calls;		    /* test_run calls */
	/* the batch: frames added, not run yet (sim.c) */
	struct br_sim_queued *q;
	char (*labels)[BR_SIM_LABEL_MAX]; /* with a capture only */
	unsigned int n_q;
	bool stopped; /* the chain ended: its later frames are not sent */
};

/* What the program did with one packet. */
struct br_sim_out {
	uint32_t xdp;	       /* XDP_PASS, XDP_DROP, XDP_TX, ...; or: */
#define BR_SIM_NOT_SENT UINT32_MAX /* its chain ended before it */
	enum br_reply reply;   /* for XDP_TX: what was sent back */
	uint8_t addr[16];      /* BR_REPLY_ADDR: the forged address */
	size_t addr_len;
	bool fixed;	       /* BR_SIM_FIXED asked, and it holds */
};

/*
 * A private, virtual-clock instance; pcap_path NULL for none. The
 * censor's tables hold flow_entries flows and hello_entries hellos being
 * read (0: the dataplane's defaults).
 */
int br_sim_open(struct br_sim *sim, const char *pcap_path,
		uint32_t flow_entries, uint32_t hello_entries);
/*
 * Make an open instance (without a capture) as br_sim_open left it, for
 * the next run, keeping its verified programs (br_dp_reset); the table
 * sizes must be the ones it was opened with.
 */
int br_sim_reset(struct br_sim *sim, uint32_t flow_entries,
		 uint32_t hello_entries);

void br_sim_close(struct br_sim *sim);

/* Put pol in force (a swap on the simulation's own instance). */
int br_sim_install(struct br_sim *sim, const struct br_policy *pol,
		   struct br_diag *diag);

/*
 * Frames go to the program in batches, many a BPF_PROG_TEST_RUN call, in
 * the order they are added, each at its own virtual time (abi.h,
 * "batches"): the kernel sees the same packets in the same order as one
 * call each, and its verdict is still the only verdict.
 *
 * br_sim_add: a frame at virtual time now_ns, arriving from direction dir
 * (UP: a subscriber port, DOWN: an upstream port); label, if not NULL,
 * goes with it into the capture. Its result lands in *out at the next
 * br_sim_run; out NULL: nobody waits for it, and it may wait for a later
 * run (a frame whose verdict the model never reads, as an acknowledgement
 * the sender does not watch).
 *
 * The frames with an out added since the last run form a chain, sent in
 * order until one meets its flags: BR_SIM_STOP ends the chain after a
 * frame the program did not pass, BR_SIM_STOP_TX after one it answered
 * (XDP_TX). The frames after it are not sent (out->xdp BR_SIM_NOT_SENT):
 * exactly what a sender that reacts to each verdict would have sent.
 * BR_SIM_FIXED asks whether, after this frame passed, every later frame
 * of its flow passes too while the policy stays (out->fixed: no policy, a
 * stateless one, or a decided verdict other than throttle and freeze, of
 * the generation in force; the program answers).
 *
 * br_sim_run: run what was added; 0 or -errno (a test_run failure).
 * br_sim_push: one frame, run at once.
 */
enum br_sim_flags {
	BR_SIM_STOP = 1 << 0,
	BR_SIM_STOP_TX = 1 << 1,
	BR_SIM_FIXED = 1 << 2,
};

int br_sim_add(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
	       const uint8_t *frame, size_t len, const char *label,
	       unsigned int flags, struct br_sim_out *out);
int br_sim_run(struct br_sim *sim);
int br_sim_push(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
		const uint8_t *frame, size_t len, const char *label,
		struct br_sim_out *out);

#endif /* BR_SIM_H */
