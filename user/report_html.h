/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * report_html.h - simulate --html: the what-if as one self-contained HTML
 * page. Inline CSS and inline SVG charts, no script, nothing fetched:
 * per policy its headline; a policy x service heatmap of failure rates;
 * push notifications lost per app class and platform; failure rates over
 * the run with the scenario's swaps marked; the per action tables.
 *
 * Deterministic: the same runs give the same bytes (no date, no host).
 */
#ifndef BR_REPORT_HTML_H
#define BR_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "catalog.h"
#include "impact.h"
#include "policy.h"
#include "scenario.h"
#include "traffic.h"

/* One simulation run: a policy (or none) through the scenario. */
struct br_report_run {
	const char *name; /* the policy's name, "none" for the baseline */
	const char *file; /* its file; NULL or "" for none */
	const struct br_policy *pol; /* NULL: no policy */
	const struct br_traffic_result *res;
	const struct br_impact *im;
};

/*
 * Write the page for n runs of scn (run with seed) to f. The scenario's
 * swap policies are named by parsing their files again against cat (their
 * file name when that fails). Returns 0, -ENOMEM, or -EIO when f failed.
 */
int br_report_html(FILE *f, const struct br_catalog *cat,
		   const struct br_scenario *scn, uint64_t seed,
		   const struct br_report_run *runs, size_t n);

#endif /* BR_REPORT_HTML_H */
