/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * simulate.h - what simulate's single run and its ensembles share: the
 * runs of policies through one draw of the scenario (cmd_simulate.c), and
 * the draws of an ensemble on every CPU (simulate_draws.c).
 */
#ifndef BR_SIMULATE_H
#define BR_SIMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "cli.h"
#include "impact.h"
#include "policy.h"
#include "scenario.h"
#include "sim.h"

/* One policy to run (file NULL: the baseline, no policy). */
struct br_sim_run {
	const char *file;
	struct br_policy *pol;
};

/*
 * Run every policy through the scenario as it stands into (*ims)[i]
 * (allocated; the caller frees it either way), each in a fresh instance
 * of the dataplane; progress on stderr unless quiet. With keep, the
 * instance is kept there for the next call, which resets it instead of
 * loading another (br_sim_reset); the caller closes it at the end.
 */
int br_sim_runs(const struct br_cli *cli, const struct br_catalog *cat,
		const struct br_scenario *scn, uint64_t seed,
		struct br_policy **events, const char *pcap,
		const struct br_sim_run *runs, size_t n,
		struct br_impact **ims, struct br_sim *keep);

/* An ensemble's draws: what every draw runs, and how they are set. */
struct br_sim_job {
	const struct br_cli *cli;
	const struct br_catalog *cat;
	struct br_scenario *scn; /* each draw sets its params */
	struct br_policy **events;
	const struct br_sim_run *runs;
	size_t n_runs;
	uint64_t seed;
	size_t draws;	  /* --runs N; 1 + 2 per param for --sensitivity */
	bool sensitivity; /* draw 0 central, 2i+1 param i low, 2i+2 high */
	size_t jobs;	  /* processes at a time */
};

/*
 * Keep the calling process (worker w) on one CPU of those allowed (the
 * w-th, round robin): the kernel's LRU tables keep free entries per CPU,
 * so a run that hops between CPUs may evict other flows than the same run
 * on one, and its figures would change from one run to the next once a
 * table fills (a whitelist's blocked retries fill the flow table).
 */
void br_sim_pin(size_t w);

/*
 * Draws ks[0..n) of job, texts[i] the JSON of draw ks[i] (malloc'd; the
 * caller frees them), run jobs at a time in child processes. 0, or a
 * negative errno (a draw failed; said on stderr).
 */
int br_sim_draws(const struct br_sim_job *job, const size_t *ks, size_t n,
		 char **texts);

#endif /* BR_SIMULATE_H */
