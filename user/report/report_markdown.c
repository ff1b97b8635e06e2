// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_markdown.c - simulate --markdown FILE: the result as Markdown
 * (GitHub-flavoured tables), to paste into an issue or a paper: the
 * scenario, per policy its headline, the what-if matrix, the push loss per
 * app class, and what the figures assume.
 *
 * Every figure is a percentage with the counts it comes from, so a reader
 * (or tests/e2e/test_report.sh) can check it against --json.
 */
#include <errno.h>

#include "result.h"

/* Text in a table cell: '|' would end the cell, a newline the row. */
static void br_md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* "12.5% (4/32)", or "-" when nothing was attempted */
static void br_md_share(FILE *f, uint64_t part, uint64_t whole)
{
	if (!whole)
		fputs(" - |", f);
	else
		fprintf(f, " %.1f%% (%llu/%llu) |", br_pct(part, whole),
			(unsigned long long)part, (unsigned long long)whole);
}

static void br_md_scenario(FILE *f, const struct br_result *r)
{
	const struct br_scenario *scn = r->scn;
	size_t i;

	fputs("## Scenario\n\n| | |\n|---|---|\n| scenario | ", f);
	br_md_cell(f, scn->name);
	fputs(" (", f);
	br_md_cell(f, scn->file);
	fprintf(f,
		") |\n| devices | %u |\n| duration | %llu s |\n"
		"| seed | %llu |\n| censor's tables | %u flows, %u hellos "
		"being read |\n",
		scn->devices,
		(unsigned long long)(scn->duration_ns / 1000000000ull),
		(unsigned long long)r->seed, br_scn_flow_table(scn),
		br_scn_hello_table(scn));
	for (i = 0; i < scn->n_events; i++) {
		fprintf(f, "| swap at %llu:%02llu | ",
			(unsigned long long)(scn->events[i].at_ns /
					     60000000000ull),
			(unsigned long long)(scn->events[i].at_ns /
					     1000000000ull % 60));
		br_md_cell(f, scn->events[i].policy);
		fputs(" |\n", f);
	}
}

/* Per policy: targets, efficacy, collateral and the headline. */
static void br_md_headlines(FILE *f, const struct br_result *r)
{
	size_t i, t;

	fputs("\n## Policies\n\n| policy | targets | efficacy: failed | "
	      "collateral: failed | collateral: degraded | headline |\n"
	      "|---|---|---:|---:|---:|---|\n",
	      f);
	for (i = 0; i < r->n_runs; i++) {
		const struct br_impact *im = &r->runs[i];

		fputs("| ", f);
		br_md_cell(f, im->name);
		fputs(" | ", f);
		for (t = 0; im->pol && t < im->pol->n_targets; t++) {
			fputs(t ? ", " : "", f);
			br_md_cell(f, im->pol->targets[t]);
		}
		fputs(im->pol && im->pol->n_targets ? " |" : "- |", f);
		br_md_share(f, im->target_failed, im->target_attempted);
		br_md_share(f, im->other_failed, im->other_attempted);
		br_md_share(f, im->other_degraded, im->other_attempted);
		fputs(" ", f);
		br_md_cell(f, im->headline);
		fputs(" |\n", f);
	}
}

/* A header row naming every run, and its alignment row. */
static void br_md_run_header(FILE *f, const struct br_result *r,
			     const char *first, const char *align)
{
	size_t i;

	fprintf(f, "| %s |", first);
	for (i = 0; i < r->n_runs; i++) {
		fputs(" ", f);
		br_md_cell(f, r->runs[i].name);
		fputs(" |", f);
	}
	fprintf(f, "\n|%s|", align);
	for (i = 0; i < r->n_runs; i++)
		fputs("---:|", f);
	fputs("\n", f);
}

/* "both", "ios", "android": the platform column of a matrix row */
static const char *br_md_plat(enum br_platform p)
{
	return p == BR_PLAT_ANY ? "both" : br_result_plat_key(p);
}

/* A matrix cell: failed of attempted, "; degraded ..." when any was. */
static void br_md_matrix_cell(FILE *f, const struct br_impact_service *x,
			      const struct br_impact_count *c)
{
	if (!x || !c->attempted) {
		fputs(" - |", f);
		return;
	}
	fprintf(f, " %s%.1f%% (%llu/%llu)%s", x->target ? "**" : "",
		br_pct(c->failed, c->attempted), (unsigned long long)c->failed,
		(unsigned long long)c->attempted, x->target ? "**" : "");
	if (c->degraded)
		fprintf(f, "; degraded %.1f%% (%llu/%llu)",
			br_pct(c->degraded, c->attempted),
			(unsigned long long)c->degraded,
			(unsigned long long)c->attempted);
	fputs(" |", f);
}

/*
 * The what-if matrix: each service's failed share under each policy, a
 * row per platform where the platforms differ (br_impact_rows).
 */
static void br_md_matrix(FILE *f, const struct br_result *r)
{
	const struct br_catalog *cat = r->cat;
	enum br_platform plat[2];
	struct br_impact_count c;
	char label[128];
	size_t i, s;
	int n, k;

	fprintf(f,
		"\n## What-if: failed actions per service\n\n"
		"A cell: the failed share of the service's action instances "
		"(failed of attempted), and the degraded share when there is "
		"one (%s); **bold**: a target of the policy. A service gets a "
		"row per platform when, in any run, its failed or degraded "
		"shares on iOS and Android are over %.0f percentage point "
		"apart, or 0 on one only; otherwise one row, over `both` "
		"platforms or the one it runs on.\n\n",
		BR_IMPACT_DEGRADED_WHAT, BR_IMPACT_SPLIT_PP);
	br_md_run_header(f, r, "service | id | platform", "---|---|---");
	for (s = 0; s < cat->n_services; s++) {
		n = br_impact_rows(r->runs, r->n_runs, s, plat);
		for (k = 0; k < n; k++) {
			br_impact_row_label(cat, s, plat[k], label,
					    sizeof(label));
			fputs("| ", f);
			br_md_cell(f, label);
			fputs(" | ", f);
			br_md_cell(f, cat->services[s].id);
			fprintf(f, " | %s |", br_md_plat(plat[k]));
			for (i = 0; i < r->n_runs; i++)
				br_md_matrix_cell(
					f,
					br_impact_service_on(&r->runs[i], s,
							     plat[k], &c),
					&c);
			fputs("\n", f);
		}
	}
}

/* Push notifications lost per app class and platform, per policy. */
static void br_md_push(FILE *f, const struct br_result *r)
{
	const struct br_catalog *cat = r->cat;
	size_t i, s;
	int p;

	fputs("\n## Push notifications lost per app class\n\n", f);
	br_md_run_header(f, r, "app class | platform", "---|---");
	for (s = 0; s < cat->n_services; s++)
		for (p = BR_PLAT_IOS; p <= BR_PLAT_ANDROID; p++) {
			bool any = false;

			for (i = 0; i < r->n_runs && !any; i++)
				any = br_impact_find_push(&r->runs[i], s, p);
			if (!any)
				continue;
			fputs("| ", f);
			br_md_cell(f, br_impact_class_name(cat, s));
			fprintf(f, " | %s |", br_result_plat_key(p));
			for (i = 0; i < r->n_runs; i++) {
				const struct br_impact_push *x =
					br_impact_find_push(&r->runs[i], s, p);

				if (x)
					br_md_share(f, x->lost, x->attempted);
				else
					fputs(" - |", f);
			}
			fputs("\n", f);
		}
}

static void br_md_assumptions(FILE *f)
{
	fputs("\n## Assumptions\n\n"
	      "- Every policy ran through the same population: the same "
	      "seed gives the same devices, apps and action arrivals, so the "
	      "runs differ only by what the policy did to their packets.\n"
	      "- The verdicts are the kernel's: each run pushes its packets "
	      "through a private instance of the XDP program on a virtual "
	      "clock; nothing touches a live network.\n"
	      "- Each action instance has one outcome: ok; fallback (in "
	      "time, by another path: invisible); late (after its deadline, "
	      "or below the goodput a flow needs: what is called degraded "
	      "here); failed (no alternative of one of its needs worked). A "
	      "push waits in the push service's store while its channel is "
	      "down: delivered late, or lost when superseded by a newer one, "
	      "expired, past its validity, or still held at the end.\n"
	      "- Services, their flows, rates and deadlines are the "
	      "catalog's (policies/catalog/); rates and deadlines not "
	      "sourced there are assumptions.\n",
	      f);
}

static int br_markdown_write(FILE *f, const struct br_result *r)
{
	fputs("# What-if: ", f);
	br_md_cell(f, r->scn->name);
	fprintf(f, " scenario, %zu polic%s\n\n", r->n_runs,
		r->n_runs == 1 ? "y" : "ies");
	br_md_scenario(f, r);
	br_md_headlines(f, r);
	br_md_matrix(f, r);
	br_md_push(f, r);
	br_md_assumptions(f);
	fputs("\nGenerated by `blastradius simulate --markdown`; the same "
	      "seed and policies give the same figures.\n",
	      f);
	return ferror(f) ? -EIO : 0;
}

const struct br_report_format br_report_markdown = {
	.name = "markdown",
	.write = br_markdown_write,
};
