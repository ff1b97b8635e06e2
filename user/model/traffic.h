/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * traffic.h - the closed-loop traffic model: a scenario's population doing
 * its catalog actions, every deciding packet pushed through the dataplane
 * (sim.h), each device's stack reacting to what the program did.
 *
 * Ground truth is per action instance: what a device tried, and whether it
 * got it, from the kernel's verdicts alone. Deterministic for a seed.
 */
#ifndef BR_TRAFFIC_H
#define BR_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "policy.h"
#include "scenario.h"
#include "sim.h"

struct br_traffic_opts {
	const struct br_catalog *cat;
	const struct br_scenario *scn;
	uint64_t seed;
	/* in force from t = 0; NULL: none (everything passes) */
	const struct br_policy *initial;
	/* the scenario's timeline, parsed: events[i] puts policies[i] in
	 * force at scn->events[i].at_ns */
	struct br_policy *const *event_policies;
	int labels; /* label every packet (for --write-pcap) */
};

/* What happened to the instances of one action on one platform. */
struct br_outcome {
	uint64_t attempted;
	uint64_t succeeded; /* at full quality, on the first alternative */
	uint64_t degraded;  /* succeeded, but by a fallback or below the
			     * goodput the flow needs */
	uint64_t failed;
	uint64_t fallback;  /* of succeeded + degraded: a later alternative */
	uint64_t slow;	    /* of degraded: below the needed goodput */
	uint64_t late;	    /* of degraded: later than the action's
			     * deadline after it started */
};

struct br_traffic_result {
	/*
	 * Outcomes by action, [platform][flat action index]: flat index of
	 * action a of service s is action_base[s] + a. platform: ios,
	 * android (enum br_platform minus one).
	 */
	size_t n_actions;
	size_t *action_base;		/* by service */
	struct br_outcome *by_platform[2];
	uint64_t devices[2];		/* by platform */
	uint64_t packets;		/* pushed through the program */
	uint64_t verdicts[5];		/* by XDP action */
	uint64_t swaps;			/* timeline policies put in force */
	/*
	 * The same outcomes by the time the instance started: n_buckets of
	 * bucket_ns each, timeline[(b * 2 + platform) * n_actions + flat
	 * action index].
	 */
	size_t n_buckets;
	uint64_t bucket_ns;
	struct br_outcome *timeline;
	double wall_s;			/* the whole run */
	double run_s;			/* of which in BPF_PROG_TEST_RUN */
};

/*
 * What one run of a scenario will cost, estimated from the scenario and
 * the catalog before it starts (no packet is pushed): the model's own
 * arithmetic on the expected action instances, channel connections and
 * keepalives of a run in which nothing is blocked (a blocking policy
 * adds retries, or saves what a blocked flow would have sent).
 */
struct br_traffic_estimate {
	double instances; /* action instances started */
	double packets;	  /* pushed through the program */
	double seconds;	  /* at BR_SIM_PACKETS_PER_S */
	double memory;	  /* bytes at the peak: the model and the instance */
};

/*
 * Packets a second a run pushes, model included: what the time of an
 * estimate assumes. Measured with the default scenario: 780,000-875,000
 * on the quiet bench machine (docs/PERFORMANCE.md), 150,000-330,000 on
 * the same 2 cores shared with other builds (2026-12-06); 100,000 devices
 * ran no slower a packet than 10,000.
 */
#define BR_SIM_PACKETS_PER_S 500000.0

void br_traffic_estimate(const struct br_catalog *cat,
			 const struct br_scenario *scn,
			 struct br_traffic_estimate *est);

/* Run the scenario through sim. res is filled; free with the function below. */
int br_traffic_run(struct br_sim *sim, const struct br_traffic_opts *o,
		   struct br_traffic_result *res);

void br_traffic_result_free(struct br_traffic_result *res);

#endif /* BR_TRAFFIC_H */
