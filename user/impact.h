/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * impact.h - what a policy did, from a simulation's ground truth: efficacy
 * against the services it targets, collateral everywhere else, and above
 * all the push notifications lost per app class and platform.
 *
 * A policy's targets are its intent. A failed instance of an action of a
 * target service is efficacy; a failed or degraded instance of any other
 * service's action is collateral. Push notifications are the actions the
 * catalog marks "push": an app class is the service that receives them
 * (bank, delivery, auth, ...), on iOS through APNs, on Android through FCM.
 */
#ifndef BR_IMPACT_H
#define BR_IMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "catalog.h"
#include "policy.h"
#include "traffic.h"

/* One catalog action on one platform (ANY: both platforms added up). */
struct br_impact_action {
	int service;
	int action;
	enum br_platform platform;
	bool target; /* its service is one of the policy's targets */
	struct br_outcome o;
};

/* A service over all its actions and platforms. */
struct br_impact_service {
	int service;
	bool target;
	uint64_t attempted, failed, degraded;
};

/* Push notifications of one app class on one platform. */
struct br_impact_push {
	int service; /* the app class: the service receiving the pushes */
	enum br_platform platform;
	uint64_t attempted;
	uint64_t lost;	    /* failed */
	uint64_t degraded;  /* late: through a fallback, or slow */
};

struct br_impact {
	const struct br_catalog *cat;
	const struct br_policy *pol; /* NULL: the baseline, no policy */
	size_t n_actions;
	struct br_impact_action *actions; /* catalog order, attempted only */
	size_t n_services;
	struct br_impact_service *services; /* catalog order, attempted */
	size_t n_push;
	struct br_impact_push *push; /* app classes with pushes attempted */
	/* efficacy: failed / attempted over the targets' actions */
	uint64_t target_attempted, target_failed;
	/* collateral: failed and degraded elsewhere */
	uint64_t other_attempted, other_failed, other_degraded;
	char headline[1024];
};

/* Compute the impact of one simulation run of pol (NULL: no policy). */
int br_impact_compute(const struct br_catalog *cat,
		      const struct br_policy *pol,
		      const struct br_traffic_result *res,
		      struct br_impact *out);

void br_impact_free(struct br_impact *im);

/* Percentages, 0 when nothing was attempted. */
static inline double br_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* "banking", "2FA", "iOS system", ...: an app class's catalog class-label. */
const char *br_impact_class_name(const struct br_catalog *cat, int service);

/* A service as such ("APNs", not "iOS system"): its catalog label. */
const char *br_impact_service_name(const struct br_catalog *cat, int service);

#endif /* BR_IMPACT_H */
