/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * wire_lab.h - the live lab's wire: the model's engine (engine.h) run in
 * real time over real sockets. Every device of the scenario is emulated
 * here, its flows opened from its own address in its access's namespace,
 * through the censor router's XDP program, to the lab's servers (lab
 * serve, lab quic-serve, dnsmasq). The engine's retries, fallbacks,
 * reconnects and stores are the model's own; the stacks' retransmissions
 * are the kernel's (TCP), the emulator's (DNS, by stack.h's schedule) and
 * ngtcp2's (QUIC); a step is given up when stack.h's schedule has run out.
 */
#ifndef BR_WIRE_LAB_H
#define BR_WIRE_LAB_H

#include <stdint.h>
#include "addrmap.h"
#include "dataplane.h"
#include "labnet.h"
#include "traffic.h"

struct br_lab_opts {
	const struct br_labnet *net;
	/* real addresses to the lab's: the engine's servers are the
	 * catalog's real ones, the sockets connect to their lab hosts */
	const struct br_addrmap *map;
	struct br_dp *dp; /* the router's pinned instance: swaps go there */
};

/* How the run itself went (not the devices' outcomes: those are res). */
struct br_lab_stats {
	uint64_t lag_max_ns;  /* the latest an event ran after its time */
	uint64_t lag_sum_ns;
	uint64_t events;
	uint64_t sockets;     /* opened */
	uint64_t pushes;      /* sent down a channel by the push service */
};

/*
 * Run o's scenario in the lab: o's policies are put in force on the
 * router (already rewritten by lo->map). res as br_traffic_run's.
 */
int br_lab_run(const struct br_lab_opts *lo, const struct br_traffic_opts *o,
	       struct br_traffic_result *res, struct br_lab_stats *stats);

#endif /* BR_WIRE_LAB_H */
