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

#include <stddef.h>
#include <stdint.h>
#include "dataplane.h"
#include "packet.h"
#include "pcap_io.h"
#include "policy.h"

struct br_sim {
	struct br_dp *dp;
	struct br_pcap_writer *pcap; /* --write-pcap, NULL when not asked */
	uint64_t packets;	    /* pushed through the program */
	uint64_t verdicts[5];	    /* by XDP action: aborted..redirect */
	uint64_t run_ns;	    /* wall time spent in test_run calls */
};

/* What the program did with one packet. */
struct br_sim_out {
	uint32_t xdp;	       /* XDP_PASS, XDP_DROP, XDP_TX, ... */
	enum br_reply reply;   /* for XDP_TX: what was sent back */
	uint8_t addr[16];      /* BR_REPLY_ADDR: the forged address */
	size_t addr_len;
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
 * Push one frame at virtual time now_ns, arriving from direction dir (UP:
 * a subscriber port, DOWN: an upstream port). label, if not NULL, goes with
 * the frame into the capture. Returns 0 or -errno (a test_run failure).
 */
int br_sim_push(struct br_sim *sim, enum br_dir dir, uint64_t now_ns,
		const uint8_t *frame, size_t len, const char *label,
		struct br_sim_out *out);

/*
 * Whether the verdicts of the flow between e's ends (proto: IPPROTO_TCP
 * or IPPROTO_UDP) can no longer change while the policy in force stays,
 * by the program's own state (br_dp_flow_fixed). 1, 0, or -errno.
 */
int br_sim_flow_fixed(struct br_sim *sim, const struct br_ends *e, int proto);

#endif /* BR_SIM_H */
