// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_text.c - simulate's text report and --summary.
 *
 * The report: per run each attempted action's outcome by platform, the
 * push notifications per app class, the timeline when the scenario swaps
 * policies, the headline; the what-if matrix when there are several runs.
 * The summary: per run its headline, then the what-if matrix and the push
 * loss per app class and platform across the runs.
 */
#include <errno.h>
#include <string.h>

#include "record.h"
#include "result.h"

/* "scenario default (built-in): 1000 devices, ..." and the tables' sizes */
static void br_text_scenario(FILE *f, const struct br_result *r)
{
	const struct br_scenario *scn = r->scn;

	fprintf(f, "scenario %s%s%s%s: %u devices, %llu s, seed %llu\n",
		scn->name, scn->file[0] == '(' ? " " : " (", scn->file,
		scn->file[0] == '(' ? "" : ")", scn->devices,
		(unsigned long long)(scn->duration_ns / 1000000000ull),
		(unsigned long long)r->seed);
	/* only when the scenario sizes them: the defaults go without saying */
	if (scn->flow_entries || scn->hello_entries)
		fprintf(f, "censor's tables: %u flows, %u hellos being read\n",
			br_scn_flow_table(scn), br_scn_hello_table(scn));
}

/* Push notifications by app class: attempted and lost, per platform. */
static void br_text_push(FILE *f, const struct br_impact *im)
{
	size_t i;

	if (!im->n_push)
		return;
	fprintf(f, "  push notifications  %-16s %-8s %9s %8s %7s %7s %7s %7s "
		   "%8s %8s\n",
		"app class", "platform", "attempted", "on time", "late", "lost",
		"lost %", "held", "p95 s", "users %");
	for (i = 0; i < im->n_push; i++) {
		const struct br_impact_push *x = &im->push[i];

		fprintf(f,
			"                      %-16s %-8s %9llu %8llu %7llu "
			"%7llu %6.1f%% %7llu %8.1f %7.1f%%\n",
			br_impact_class_name(im->cat, x->service),
			br_result_plat_key(x->platform),
			(unsigned long long)x->attempted,
			(unsigned long long)x->on_time,
			(unsigned long long)x->degraded,
			(unsigned long long)x->lost,
			br_pct(x->lost, x->attempted),
			(unsigned long long)x->o.held, x->delay_p95,
			br_pct(x->users.failed, x->users.did));
	}
	fprintf(f, "  (pushes, not users: lost: superseded, expired, past its "
		   "validity, held in the push service's store at the end, or "
		   "failed; p95: of the delivered's wait; users %%: of the "
		   "devices sent one, those that missed at least one)\n");
}

/* "3:05": minutes and seconds of a time in the run */
#define BR_MIN(ns) ((unsigned long long)((ns) / 60000000000ull))
#define BR_SEC(ns) ((unsigned long long)((ns) / 1000000000ull % 60))

/*
 * When the scenario swaps policies mid-run: failure rates by the time each
 * instance started, all actions and the push notifications, with the
 * swaps where they fall.
 */
static void br_text_timeline(FILE *f, const struct br_scenario *scn,
			     const struct br_impact *im)
{
	size_t b, s, e = 0;
	uint64_t t0, t1;
	int p;

	fprintf(f, "  over time (instances by when they started; channels at "
		   "the bucket's end):\n");
	fprintf(f, "  %-11s %9s %8s %11s %8s %8s %9s %9s\n", "", "attempted",
		"failed", "push tried", "late", "lost", "iOS cut", "And. cut");
	for (b = 0; b < im->n_buckets; b++) {
		uint64_t att = 0, bad = 0, patt = 0, pbad = 0, plate = 0;
		double cut[2];

		t0 = b * im->bucket_ns;
		t1 = t0 + im->bucket_ns;
		for (; e < scn->n_events && scn->events[e].at_ns < t1; e++)
			fprintf(f, "  --- %llu:%02llu swap: %s\n",
				BR_MIN(scn->events[e].at_ns),
				BR_SEC(scn->events[e].at_ns),
				scn->events[e].policy);
		for (s = 0; s < im->cat->n_services; s++)
			for (p = 0; p < 2; p++) {
				const struct br_impact_cell *c =
					br_impact_cell(im, b, s, p);

				att += c->attempted;
				bad += c->failed;
				patt += c->push_attempted;
				pbad += c->push_failed;
				plate += c->push_late;
			}
		for (p = 0; p < 2; p++)
			cut[p] = im->chan[p].kept
					 ? br_pct(im->chan[p].down[b],
						  im->chan[p].kept[b])
					 : 0;
		fprintf(f,
			"  %3llu:%02llu-%llu:%02llu %9llu %7.1f%% %11llu "
			"%7.1f%% %7.1f%% %8.1f%% %8.1f%%\n",
			BR_MIN(t0), BR_SEC(t0), BR_MIN(t1), BR_SEC(t1),
			(unsigned long long)att, br_pct(bad, att),
			(unsigned long long)patt, br_pct(plate, patt),
			br_pct(pbad, patt), cut[0], cut[1]);
	}
	fprintf(f, "  (cut: devices whose push channel was not up; late, lost: "
		   "of the pushes tried)\n");
}

/* A matrix column's width: a run's name, or its figures. */
#define BR_COL_W 21

/*
 * A matrix's header: label in a column of width w, then a column per run
 * named after it; when a name would not fit, the columns are numbered
 * and a key above names them, so no name is cut.
 */
static void br_text_heads(FILE *f, const struct br_result *r, int w,
			  const char *label)
{
	bool numbered = false;
	char num[24];
	size_t i;

	for (i = 0; i < r->n_runs; i++)
		numbered |= strlen(r->runs[i].name) > BR_COL_W;
	for (i = 0; numbered && i < r->n_runs; i++)
		fprintf(f, "  [%zu] %s\n", i + 1, r->runs[i].name);
	fprintf(f, "  %-*s", w, label);
	for (i = 0; i < r->n_runs; i++) {
		snprintf(num, sizeof(num), "[%zu]", i + 1);
		fprintf(f, " %*s", BR_COL_W, numbered ? num : r->runs[i].name);
	}
	fprintf(f, "\n");
}

/* "20% (3%)*": a matrix cell, or "-" when nothing was attempted */
static void br_text_cell(FILE *f, const struct br_impact_service *x,
			 const struct br_impact_count *c)
{
	char cell[48];

	if (!x || !c->attempted)
		snprintf(cell, sizeof(cell), "-");
	else if (c->degraded)
		snprintf(cell, sizeof(cell), "%.0f%% (%.0f%%)%s",
			 br_pct(c->failed, c->attempted),
			 br_pct(c->degraded, c->attempted),
			 x->target ? "*" : "");
	else
		snprintf(cell, sizeof(cell), "%.0f%%%s",
			 br_pct(c->failed, c->attempted), x->target ? "*" : "");
	fprintf(f, " %*s", BR_COL_W, cell);
}

/*
 * The what-if matrix: failed (and degraded) share of every service's
 * action instances under each run, side by side; a row per platform
 * where the platforms differ (br_impact_rows).
 */
static void br_text_matrix(FILE *f, const struct br_result *r)
{
	const struct br_catalog *cat = r->cat;
	enum br_platform plat[2];
	struct br_impact_count c;
	char label[128];
	int n, k, w = (int)strlen("service");
	size_t i, s;

	for (s = 0; s < cat->n_services; s++) {
		n = br_impact_rows(r->runs, r->n_runs, s, plat);
		for (k = 0; k < n; k++) {
			br_impact_row_label(cat, s, plat[k], label,
					    sizeof(label));
			if ((int)strlen(label) > w)
				w = (int)strlen(label);
		}
	}
	fprintf(f, "\nwhat-if: per service, failed %% of its action instances "
		   "(degraded %%)\n");
	br_text_heads(f, r, w, "service");
	for (s = 0; s < cat->n_services; s++) {
		n = br_impact_rows(r->runs, r->n_runs, s, plat);
		for (k = 0; k < n; k++) {
			br_impact_row_label(cat, s, plat[k], label,
					    sizeof(label));
			fprintf(f, "  %-*s", w, label);
			for (i = 0; i < r->n_runs; i++)
				br_text_cell(f,
					     br_impact_service_on(&r->runs[i],
								  s, plat[k],
								  &c),
					     &c);
			fprintf(f, "\n");
		}
	}
	fprintf(f,
		"  (* a target of the policy; a row per platform where, in "
		"any run, the platforms'\n   failed or degraded shares are "
		"over %.0f point apart or 0 on one only;\n   degraded: "
		"%s)\n",
		BR_IMPACT_SPLIT_PP, BR_IMPACT_DEGRADED_WHAT);
}

/* "name (file)", or the name alone */
static void br_text_run_name(FILE *f, const struct br_impact *im)
{
	fprintf(f, "%s%s%s%s", im->name, im->file ? " (" : "",
		im->file ? im->file : "", im->file ? ")" : "");
}

/* The push loss per app class and platform (the first run's) by run. */
static void br_text_push_matrix(FILE *f, const struct br_result *r)
{
	const struct br_impact *im0 = &r->runs[0];
	size_t i, k;

	fprintf(f, "\npush notifications lost %% per app class\n");
	br_text_heads(f, r, 26, "");
	for (k = 0; r->n_runs && k < im0->n_push; k++) {
		const struct br_impact_push *x0 = &im0->push[k];
		char label[64];

		snprintf(label, sizeof(label), "%s (%s)",
			 br_impact_class_name(r->cat, x0->service),
			 br_result_plat_key(x0->platform));
		fprintf(f, "  %-26s", label);
		for (i = 0; i < r->n_runs; i++) {
			const struct br_impact_push *x = br_impact_find_push(
				&r->runs[i], x0->service, x0->platform);

			if (x)
				fprintf(f, " %*.0f%%", BR_COL_W - 1,
					br_pct(x->lost, x->attempted));
			else
				fprintf(f, " %*s", BR_COL_W, "-");
		}
		fprintf(f, "\n");
	}
}

static int br_summary_write(FILE *f, const struct br_result *r)
{
	size_t i;

	br_text_scenario(f, r);
	for (i = 0; i < r->n_runs; i++) {
		fprintf(f, "\n");
		br_text_run_name(f, &r->runs[i]);
		fprintf(f, "\n  => %s\n", r->runs[i].headline);
	}
	br_text_matrix(f, r);
	br_text_push_matrix(f, r);
	return ferror(f) ? -EIO : 0;
}

/* One run: every attempted action, pushes, timeline, headline. */
static void br_text_run(FILE *f, const struct br_result *r,
			const struct br_impact *im)
{
	size_t k;

	fprintf(f, "\npolicy ");
	br_text_run_name(f, im);
	fprintf(f, ": %llu packets through the program",
		(unsigned long long)im->packets);
	/* a VPN or no coverage: they never crossed the censor */
	if (im->unseen_packets)
		fprintf(f, " (%llu more went around it, unseen)",
			(unsigned long long)im->unseen_packets);
	fprintf(f, " in %.1f s (%.0f packets/s)\n", im->wall_s,
		im->wall_s > 0 ? im->packets / im->wall_s : 0);
	fprintf(f, "  %-12s %-8s %-18s %9s %8s %8s %8s %8s %8s %8s\n",
		"service", "platform", "action", "attempted", "ok", "fallback",
		"late", "failed", "p50 s", "p95 s");
	for (k = 0; k < im->n_actions; k++) {
		const struct br_impact_action *a = &im->actions[k];
		const struct br_cat_service *svc =
			&r->cat->services[a->service];

		if (!a->o.attempted)
			continue;
		fprintf(f,
			"  %-12s %-8s %-18s %9llu %8llu %8llu %8llu %8llu "
			"%8.2f %8.2f\n",
			svc->id, br_result_plat_key(a->platform),
			svc->actions[a->action].name,
			(unsigned long long)a->o.attempted,
			(unsigned long long)a->o.ok,
			(unsigned long long)a->o.fallback,
			(unsigned long long)a->o.late,
			(unsigned long long)a->o.failed, a->dur_p50,
			a->dur_p95);
	}
	br_text_push(f, im);
	if (r->scn->n_events)
		br_text_timeline(f, r->scn, im);
	br_record_text(f, im);
	fprintf(f, "  => %s\n", im->headline);
}

static int br_text_write(FILE *f, const struct br_result *r)
{
	size_t i;

	br_text_scenario(f, r);
	for (i = 0; i < r->n_runs; i++)
		br_text_run(f, r, &r->runs[i]);
	if (r->n_runs > 1)
		br_text_matrix(f, r);
	return ferror(f) ? -EIO : 0;
}

const struct br_report_format br_report_text = {
	.name = "text",
	.write = br_text_write,
};

const struct br_report_format br_report_summary = {
	.name = "summary",
	.write = br_summary_write,
};
