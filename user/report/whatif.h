/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * whatif.h - the impact of one policy as load and swap report it: the
 * built-in default scenario run against the policy through a private,
 * virtual-clock instance of the program (sim.h, traffic.h), the same run
 * `simulate --policy P` makes, and its impact (impact.h). Never touches a
 * live instance. A few seconds for the default scenario (3 to 5 s).
 *
 * A policy has collateral when a service that is not one of its targets
 * fails or is degraded: it blocks something a non-target service depends
 * on. The baseline (no policy) fails nothing, so any such failure is the
 * policy's.
 */
#ifndef BR_WHATIF_H
#define BR_WHATIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "catalog.h"
#include "impact.h"
#include "policy.h"

struct br_json;

struct br_whatif {
	bool simulated;	 /* false: skipped, the policy touches no flow a
			  * non-target service needs (br_attrib_touches_others) */
	bool collateral; /* non-target services failed or degraded */
	const struct br_catalog *cat;
	char scenario[64];
	uint32_t devices;
	uint64_t duration_s, seed;
	struct br_impact im; /* the result (result.h), valid when simulated */
};

/*
 * Could pol have collateral at all? A static check over the catalog's
 * signatures, microseconds: false means a simulation would find none.
 */
bool br_whatif_needed(const struct br_catalog *cat,
		      const struct br_policy *pol);

/* Simulate pol on the default scenario. pol must outlive w. */
int br_whatif_run(const struct br_catalog *cat, const struct br_policy *pol,
		  struct br_whatif *w);

/* The check alone, w marked not simulated when it says no collateral. */
int br_whatif_maybe(const struct br_catalog *cat, const struct br_policy *pol,
		    struct br_whatif *w);

void br_whatif_free(struct br_whatif *w);

/*
 * The impact summary: the headline, push notifications lost per app class
 * and platform, and each non-target service that failed or degraded
 * (non-zero rows only).
 */
void br_whatif_print(FILE *out, const struct br_whatif *w);

/* The same as one JSON object (the value of an "impact" key). */
void br_whatif_json(struct br_json *j, const struct br_whatif *w);

/*
 * swap --max-collateral CLASS[:PLATFORM]=PCT. CLASS is a service id or an
 * app class name (bank, banking, 2FA), "push" (every push notification of
 * a non-target service) or "any" (every action of a non-target service);
 * PLATFORM ios or android. The loss is the share of failed instances.
 */
#define BR_LIMIT_PUSH (-1)
#define BR_LIMIT_ANY (-2)

struct br_whatif_limit {
	const char *arg;	   /* as given */
	int service;		   /* catalog index or BR_LIMIT_* */
	enum br_platform platform; /* ANY: both */
	double pct;		   /* the most that may be lost */
	uint64_t attempted, lost;  /* from br_whatif_limit_check */
	bool exceeded;
};

/* Parse arg; a message and -EINVAL when it is not one. */
int br_whatif_limit_parse(const struct br_catalog *cat, const char *arg,
			  struct br_whatif_limit *lim);

/* Measure the loss the limit is about in w; true when it exceeds it. */
bool br_whatif_limit_check(const struct br_whatif *w,
			   struct br_whatif_limit *lim);

/* "push notifications", "banking (bank) on ios": what a limit is about. */
void br_whatif_limit_name(const struct br_whatif *w,
			  const struct br_whatif_limit *lim, char *buf,
			  size_t len);

#endif /* BR_WHATIF_H */
