// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ensemble_html.c - an ensemble's page: per policy its headline and two
 * charts, the failed share of every service's actions and the lost share
 * of every app class's push notifications, each bar the median of the
 * runs with an error bar over the interval where 95% of them fell; a
 * sensitivity's page: a tornado chart per headline figure.
 * Self-contained (inline SVG, the single-run report's style sheet).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "html.h"

#define W_LABEL 250 /* px: the row labels */
#define W_PLOT 520  /* px: 0 to 100% */
#define H_ROW 22

static double x_of(double pct)
{
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	return W_LABEL + pct / 100.0 * W_PLOT;
}

static void svg_open(FILE *f, size_t rows, const char *what)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		   "height=\"%zu\" role=\"img\" aria-label=\"",
		W_LABEL + W_PLOT + 150, rows * H_ROW + 30);
	br_html_esc(f, what);
	fprintf(f, "\" font-size=\"12\">\n");
	/* the axis: 0, 50 and 100% */
	fprintf(f, "<g stroke=\"#ccd\" font-size=\"10\" fill=\"#667\">"
		   "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\"/>"
		   "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\"/>"
		   "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\"/>"
		   "<text x=\"%.1f\" y=\"%zu\" stroke=\"none\">0%%</text>"
		   "<text x=\"%.1f\" y=\"%zu\" stroke=\"none\">50%%</text>"
		   "<text x=\"%.1f\" y=\"%zu\" stroke=\"none\">100%%</text>"
		   "</g>\n",
		x_of(0), x_of(0), rows * H_ROW, x_of(50), x_of(50),
		rows * H_ROW, x_of(100), x_of(100), rows * H_ROW, x_of(0),
		rows * H_ROW + 14, x_of(50) - 8, rows * H_ROW + 14,
		x_of(100) - 14, rows * H_ROW + 14);
}

static void svg_label(FILE *f, size_t row, const char *label)
{
	fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">",
		W_LABEL - 8, row * H_ROW + 15);
	br_html_esc(f, label);
	fputs("</text>\n", f);
}

/* A bar to v with an error bar from lo to hi, and its figures. */
static void svg_bar(FILE *f, size_t row, const char *label, double v,
		    double lo, double hi)
{
	double y = (double)row * H_ROW, m = y + H_ROW / 2.0;

	svg_label(f, row, label);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
		   "fill=\"#d9534f\" opacity=\"0.75\"/>"
		   "<g stroke=\"#1d2330\"><line x1=\"%.1f\" y1=\"%.1f\" "
		   "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" "
		   "x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" "
		   "x2=\"%.1f\" y2=\"%.1f\"/></g>"
		   "<text x=\"%.1f\" y=\"%.1f\">%.1f%% [%.1f-%.1f]</text>\n",
		x_of(0), y + 4, x_of(v) - x_of(0), x_of(lo), m, x_of(hi), m,
		x_of(lo), m - 5, x_of(lo), m + 5, x_of(hi), m - 5, x_of(hi),
		m + 5, x_of(100) + 6, y + 15, v, lo, hi);
}

/* Rows of arr with their share key as bars (those attempted in a run). */
static void chart(FILE *f, const struct br_jnode *arr, const char *name_key,
		  const char *share, const char *what)
{
	size_t i, n = 0, row = 0;
	double v, lo, hi;

	for (i = 0; arr && i < arr->n; i++) {
		br_ens_stat(br_jget(arr->kids[i], "attempted"), &v, &lo, &hi);
		n += hi > 0 && br_ens_is_stat(br_jget(arr->kids[i], share));
	}
	if (!n)
		return;
	fprintf(f, "<h3>");
	br_html_esc(f, what);
	fprintf(f, "</h3>\n<div class=\"chart-box\">\n");
	svg_open(f, n, what);
	for (i = 0; arr && i < arr->n; i++) {
		const struct br_jnode *r = arr->kids[i];
		const struct br_jnode *nm = br_jget(r, name_key),
				      *pl = br_jget(r, "platform");
		char label[160];

		br_ens_stat(br_jget(r, "attempted"), &v, &lo, &hi);
		if (hi <= 0 || !br_ens_is_stat(br_jget(r, share)))
			continue;
		snprintf(label, sizeof(label), "%s (%s)",
			 nm && nm->text ? nm->text : "?",
			 pl && pl->text ? pl->text : "?");
		br_ens_stat(br_jget(r, share), &v, &lo, &hi);
		svg_bar(f, row++, label, v, lo, hi);
	}
	fputs("</svg>\n</div>\n", f);
}

static void page_open(FILE *f, const char *title, const char *sub)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n<title>");
	br_html_esc(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n"
		   "<header>\n<h1>",
		br_html_css());
	br_html_esc(f, title);
	fputs("</h1>\n<p class=\"sub\">", f);
	br_html_esc(f, sub);
	fputs("</p>\n</header>\n", f);
}

static int ens_page(const struct br_ensemble *e, FILE *f)
{
	const struct br_jnode *pols = br_jget(e->agg, "policies"),
			      *scn = br_jget(e->agg, "scenario"),
			      *nm = br_jget(scn, "name");
	char title[256], sub[512];
	size_t i;

	snprintf(title, sizeof(title), "What-if: %zu runs of scenario %s",
		 e->runs, nm && nm->text ? nm->text : "?");
	snprintf(sub, sizeof(sub),
		 "Each run draws its own value of every ranged assumption "
		 "and its own population (seed %llu). A bar is the median of "
		 "the runs; its error bar spans the 2.5th to the 97.5th "
		 "percentile of the runs, where 95%% of them fell.",
		 (unsigned long long)e->seed);
	page_open(f, title, sub);
	for (i = 0; pols && i < pols->n; i++) {
		const struct br_jnode *p = pols->kids[i],
				      *n = br_jget(p, "name"),
				      *h = br_jget(p, "headline");

		fputs("<section>\n<h2>", f);
		br_html_esc(f, n && n->text ? n->text : "?");
		fputs("</h2>\n<p>", f);
		br_html_esc(f, h && h->text ? h->text : "");
		fputs("</p>\n", f);
		chart(f, br_jget(p, "service_platforms"), "service",
		      "failed_pct", "Actions failed, % per service");
		chart(f, br_jget(p, "push"), "name", "lost_pct",
		      "Push notifications lost, % per app class");
		fputs("</section>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* A tornado: per assumption a bar from the central figure to each end. */
static void tornado(FILE *f, const struct br_sens_row *rows, size_t n,
		    double central, const char *what)
{
	size_t i;

	fprintf(f, "<h3>");
	br_html_esc(f, what);
	fprintf(f, "</h3>\n<div class=\"chart-box\">\n");
	svg_open(f, n, what);
	for (i = 0; i < n; i++) {
		double y = (double)i * H_ROW + 4, c = x_of(central),
		       l = x_of(rows[i].at_low), h = x_of(rows[i].at_high);
		char label[160], lo[32], hi[32];

		snprintf(label, sizeof(label), "%s %s..%s", rows[i].name,
			 br_sens_end_text(&rows[i], rows[i].low, lo,
					  sizeof(lo)),
			 br_sens_end_text(&rows[i], rows[i].high, hi,
					  sizeof(hi)));
		svg_label(f, i, label);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			   "height=\"14\" fill=\"#4a78b5\"/>"
			   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			   "height=\"14\" fill=\"#e8a23a\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\">low %.1f%%, high "
			   "%.1f%%</text>\n",
			l < c ? l : c, y, l < c ? c - l : l - c, h < c ? h : c,
			y, h < c ? c - h : h - c, x_of(100) + 6, y + 11,
			rows[i].at_low, rows[i].at_high);
	}
	fprintf(f, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\" "
		   "stroke=\"#1d2330\"/>\n</svg>\n</div>\n",
		x_of(central), x_of(central), n * H_ROW);
}

static int sens_page(const struct br_ensemble *e, FILE *f)
{
	struct br_sens_row *rows = calloc(e->n_sens + 1, sizeof(*rows));
	const char *name;
	char sub[512], what[256];
	double central;
	size_t pol, fi, n;

	if (!rows)
		return -ENOMEM;
	snprintf(sub, sizeof(sub),
		 "Each of %zu ranged assumptions set to its low end (blue) "
		 "and its high end (orange), the others at their central "
		 "values, the same seed %llu; the line is every assumption "
		 "central. The longest bars are the assumptions a figure "
		 "rests on most.",
		 e->n_sens, (unsigned long long)e->seed);
	page_open(f, "Sensitivity: which assumption moves each figure", sub);
	for (pol = 0; (name = br_sens_policy_name(e, pol)); pol++) {
		fputs("<section>\n<h2>", f);
		br_html_esc(f, name);
		fputs("</h2>\n", f);
		for (fi = 0; fi < BR_SENS_FIGURES; fi++) {
			n = br_sens_rank(e, pol, br_sens_figures[fi].key,
					 &central, rows);
			if (!n)
				continue;
			snprintf(what, sizeof(what), "%s (central %.1f)",
				 br_sens_figures[fi].label, central);
			tornado(f, rows, n, central, what);
		}
		fputs("</section>\n", f);
	}
	fputs("</main>\n</body>\n</html>\n", f);
	free(rows);
	return ferror(f) ? -EIO : 0;
}

int br_ensemble_html(const struct br_ensemble *e, FILE *f)
{
	return e->n_sens ? sens_page(e, f) : ens_page(e, f);
}
