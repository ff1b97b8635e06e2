/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * impact.h - what a policy did, from a simulation's ground truth: efficacy
 * against the services it targets, collateral everywhere else, and above
 * all the push notifications lost per app class and platform.
 *
 * A policy's targets are its intent (a service, or one action of it:
 * "whatsapp.call"). A failed instance of a targeted action is efficacy; a
 * failed or degraded instance of any other action is collateral. Push notifications are the actions the
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

/*
 * One catalog action: every one, in catalog order, attempted or not
 * (writers that list only what happened skip o.attempted == 0).
 */
struct br_impact_action {
	int service;
	int action;
	enum br_platform platform; /* the action's: ANY for both */
	bool target; /* a target of the policy: its service or itself */
	bool push;   /* a push notification (the catalog's "push") */
	bool derived; /* received from another device's action (catalog
		       * "from"): left out of the service's figures, which
		       * count what its users start */
	struct br_outcome o;	 /* its platforms added up */
	struct br_outcome on[2]; /* [0] iOS, [1] Android */
	/* seconds from start to completion of the instances that
	 * completed, both platforms: median and 95th percentile */
	double dur_p50, dur_p95;
	struct br_users users;	   /* its platforms added up */
	struct br_users users_on[2];
};

/*
 * What a "degraded" instance is, in words for the matrices' captions
 * (text, Markdown, HTML): one place to change when its meaning does.
 */
#define BR_IMPACT_DEGRADED_WHAT \
	"succeeded, but late: after the action's deadline, or below the " \
	"goodput needed (a fallback in time is not counted)"

/* Instances of actions: attempted, and of them failed and degraded (late). */
struct br_impact_count {
	uint64_t attempted, failed, degraded;
};

/*
 * A service over all its actions and platforms, and on each platform
 * (an action done on both counts on the platform of each instance).
 */
struct br_impact_service {
	int service;
	bool target; /* the policy targets it or one of its actions */
	struct br_impact_count tgt; /* of its targeted actions (all of them
				     * when the service is the target) */
	uint64_t attempted, failed;
	uint64_t degraded; /* late: what a user notices (struct br_outcome) */
	uint64_t fallback; /* by another path, in time: invisible */
	struct br_impact_count on[2]; /* [0] iOS, [1] Android */
};

/* Push notifications of one app class on one platform. */
struct br_impact_push {
	int service; /* the app class: the service receiving the pushes */
	enum br_platform platform;
	uint64_t attempted;
	uint64_t on_time;  /* delivered within the action's deadline */
	uint64_t lost;	   /* failed: superseded, expired, stale, held,
			    * or never sent */
	uint64_t degraded; /* delivered late, within its validity */
	struct br_outcome o; /* the breakdown of lost */
	double delay_p50, delay_p95; /* seconds, of the delivered */
	struct br_users users; /* devices sent one, missed one */
};

/*
 * One service on one platform in one bucket of the run's time, the
 * instances counted by when they started: all its actions, and of those
 * its push notifications.
 */
struct br_impact_cell {
	uint64_t attempted, failed;
	uint64_t push_attempted, push_failed, push_late;
};

/*
 * The result of one run, format-neutral: what every writer renders
 * (result.h). Built from a simulation here; a live lab or several runs'
 * intervals would fill the same fields.
 */
struct br_impact {
	const struct br_catalog *cat;
	const struct br_policy *pol; /* NULL: the baseline, no policy */
	const char *name;	     /* the policy's name, "none" */
	const char *file;	     /* its file as given; NULL: none */
	uint64_t packets;	     /* through the program */
	uint64_t unseen_packets;     /* past the censor (VPN, coverage) */
	uint64_t swaps;		     /* timeline policies put in force */
	double wall_s;		     /* the run's wall-clock time */
	size_t n_actions;
	struct br_impact_action *actions; /* every catalog action */
	size_t n_services;
	struct br_impact_service *services; /* catalog order, attempted */
	size_t n_push;
	struct br_impact_push *push; /* app classes with pushes attempted */
	/* efficacy: failed / attempted over the targets' actions */
	uint64_t target_attempted, target_failed;
	/* collateral: failed and degraded elsewhere */
	uint64_t other_attempted, other_failed, other_degraded;
	/* by bucket, service and platform: br_impact_cell() */
	size_t n_buckets;
	uint64_t bucket_ns;
	struct br_impact_cell *timeline;
	/* the devices' channels by platform; kept and down have n_buckets
	 * entries each (owned copies) */
	struct br_chan_stats chan[2];
	char headline[1024];
};

/*
 * Compute the impact of one simulation run of pol (NULL: no policy), from
 * file (NULL: none; kept, not copied). res may be freed afterwards.
 */
int br_impact_compute(const struct br_catalog *cat,
		      const struct br_policy *pol, const char *file,
		      const struct br_traffic_result *res,
		      struct br_impact *out);

void br_impact_free(struct br_impact *im);

/* Percentages, 0 when nothing was attempted. */
static inline double br_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The row of service s, or NULL when none of its actions was attempted. */
const struct br_impact_service *br_impact_find_service(
	const struct br_impact *im, int s);

/*
 * Service s's instances on platform p (ANY: both) in im, into *c; the
 * service's row (for its target flag), or NULL (*c zeroed) when none of
 * its actions was attempted in im.
 */
const struct br_impact_service *br_impact_service_on(
	const struct br_impact *im, int s, enum br_platform p,
	struct br_impact_count *c);

/*
 * Does a service's row hide a platform? True when both platforms
 * attempted its actions and their failed shares, or their degraded
 * shares, differ by more than BR_IMPACT_SPLIT_PP percentage points, or
 * are 0 on one platform and not on the other. The threshold is a
 * presentation choice (an assumption): it keeps sampling noise of a few
 * instances from splitting a row while any platform-only failure shows.
 */
#define BR_IMPACT_SPLIT_PP 1.0
bool br_impact_service_splits(const struct br_impact_service *x);

/*
 * The rows of service s in a what-if matrix of n runs, their platforms
 * into plat[]: 0 when no run attempted s; 2 (iOS, Android) when its row
 * hides a platform in any run (br_impact_service_splits); else 1, on
 * the one platform that attempted it in any run, or ANY for both.
 * Every writer of the matrix (text, Markdown, HTML) shows these rows.
 */
int br_impact_rows(const struct br_impact *runs, size_t n, int s,
		   enum br_platform plat[2]);

/* "banking (iOS)", "APNs (iOS)", "banking": the label of a matrix row. */
void br_impact_row_label(const struct br_catalog *cat, int s,
			 enum br_platform p, char *buf, size_t len);

/* "iOS", "Android", "any": a platform for people. */
const char *br_impact_plat_label(enum br_platform p);

/* The push row of app class s on platform p, or NULL. */
const struct br_impact_push *br_impact_find_push(const struct br_impact *im,
						 int s, enum br_platform p);

/* Where the cell of bucket b, service s, platform index p (0 iOS) is. */
static inline size_t br_impact_cell_at(const struct br_impact *im, size_t b,
				       size_t s, int p)
{
	return (b * im->cat->n_services + s) * 2 + p;
}

static inline const struct br_impact_cell *
br_impact_cell(const struct br_impact *im, size_t b, size_t s, int p)
{
	return &im->timeline[br_impact_cell_at(im, b, s, p)];
}

/* "banking", "2FA", "iOS system", ...: an app class's catalog class-label. */
const char *br_impact_class_name(const struct br_catalog *cat, int service);

/* A service as such ("APNs", not "iOS system"): its catalog label. */
const char *br_impact_service_name(const struct br_catalog *cat, int service);

#endif /* BR_IMPACT_H */
