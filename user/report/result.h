/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * result.h - the result model and the formats that render it.
 *
 * A result is what simulate found: the scenario and seed, and per run (a
 * policy, or none) its impact (impact.h): outcomes per service, action and
 * platform, push notifications per app class and platform, the timeline,
 * the headline. Display names come from the catalog (its labels). Every
 * report format renders a result and nothing else: none goes back to the
 * traffic model's raw counts, so a later source of results (several runs'
 * intervals, a live lab) feeds every format at once.
 *
 * A format is one report_*.c file defining a struct br_report_format and
 * one line in report_formats.c's table.
 */
#ifndef BR_RESULT_H
#define BR_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "catalog.h"
#include "impact.h"
#include "scenario.h"
#include "traffic.h"

struct br_json;

struct br_result {
	const struct br_catalog *cat;
	const struct br_scenario *scn;
	uint64_t seed;
	const struct br_traffic_estimate *est; /* NULL: none made */
	size_t n_runs;
	const struct br_impact *runs; /* in the order asked, baseline last */
};

struct br_report_format {
	const char *name; /* "text", "json", "html": as simulate names it */
	/* Render r to f: 0, or a negative errno (-EIO when f failed). */
	int (*write)(FILE *f, const struct br_result *r);
};

/* The format called name, or NULL. */
const struct br_report_format *br_report_format(const char *name);

/* Write r as format name to path (outfile.h: whole or not at all). */
int br_report_to_file(const char *name, const char *path,
		      const struct br_result *r);

/* ---- pieces more than one writer shows --------------------------------- */

/* "ios", "android", "any": platforms as JSON, CSV and tables key them. */
const char *br_result_plat_key(enum br_platform p);

/*
 * An outcome's keys: attempted, ok, fallback, late, failed, slow, and
 * when any is not 0, what a store did (superseded, expired, stale, held).
 */
void br_report_json_outcome(struct br_json *j, const struct br_outcome *o);

/* KEY: {"p50", "p95"}, seconds (durations, a push's delay). */
void br_report_json_quantiles(struct br_json *j, const char *key, double p50,
			      double p95);

/* "users": {"did", "failed", "late"}: devices, not instances. */
void br_report_json_users(struct br_json *j, const struct br_users *u);

/* "channels" and "timeline" of a run's JSON object (result.c says what). */
void br_report_json_channels(struct br_json *j, const struct br_impact *im);
void br_report_json_timeline(struct br_json *j, const struct br_impact *im);

/* The efficacy, collateral and push keys of a run's JSON object. */
void br_report_json_impact(struct br_json *j, const struct br_impact *im);

#endif /* BR_RESULT_H */
