// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ensemble_sens.c - simulate --sensitivity: which assumption moves each
 * headline figure most. Draw 0 has every ranged assumption at its central
 * value; draws 2i+1 and 2i+2 set assumption i to its low and its high end
 * with the others central, all with the same seed, so what a figure does
 * between them is that assumption's doing alone (one at a time: it does
 * not show what two assumptions do together).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "json.h"

const struct br_sens_figure br_sens_figures[BR_SENS_FIGURES] = {
	{ "efficacy_pct", "the targets' actions failed %" },
	{ "collateral_failed_pct", "other services' actions failed %" },
	{ "collateral_late_pct", "other services' actions late %" },
	{ "push_lost_pct_ios", "iOS push notifications lost %" },
	{ "push_lost_pct_android", "Android push notifications lost %" },
};

static const struct br_jnode *draw_policy(const struct br_ensemble *e,
					  size_t k, size_t pol)
{
	const struct br_jnode *ps = br_jget(e->draws[k], "policies");

	return ps && pol < ps->n ? ps->kids[pol] : NULL;
}

/* figure of policy pol in draw k into *v; 0 when it has none there. */
static int draw_figure(const struct br_ensemble *e, size_t k, size_t pol,
		       const char *figure, double *v)
{
	const struct br_jnode *n =
		br_jget(br_jget(draw_policy(e, k, pol), "summary"), figure);

	if (!n || n->type != BR_J_NUM)
		return 0;
	*v = n->num;
	return 1;
}

static double dev(double x, double c)
{
	return fabs(x - c);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct br_sens_row *x = a, *y = b;
	double dx = fmax(dev(x->at_low, x->central),
			 dev(x->at_high, x->central));
	double dy = fmax(dev(y->at_low, y->central),
			 dev(y->at_high, y->central));

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

int br_sens_moves(const struct br_sens_row *r)
{
	return r->at_low != r->central || r->at_high != r->central;
}

size_t br_sens_rank(const struct br_ensemble *e, size_t pol,
		    const char *figure, double *central,
		    struct br_sens_row *rows)
{
	const struct br_jnode *ps =
		br_jget(br_jget(e->draws[0], "scenario"), "parameters");
	size_t i, n = 0;

	if (!draw_figure(e, 0, pol, figure, central))
		return 0;
	for (i = 0; ps && i < e->n_sens && i < ps->n; i++) {
		const struct br_jnode *p = ps->kids[i];
		struct br_sens_row *r = &rows[n];
		const struct br_jnode *nm = br_jget(p, "name"),
				      *lo = br_jget(p, "low"),
				      *hi = br_jget(p, "high");

		if (!draw_figure(e, 2 * i + 1, pol, figure, &r->at_low) ||
		    !draw_figure(e, 2 * i + 2, pol, figure, &r->at_high))
			continue;
		r->name = nm && nm->type == BR_J_STR ? nm->text : "?";
		r->unit = br_jget(p, "unit") && br_jget(p, "unit")->text
				  ? br_jget(p, "unit")->text
				  : "";
		r->low = lo && lo->type == BR_J_NUM ? lo->text : "?";
		r->high = hi && hi->type == BR_J_NUM ? hi->text : "?";
		r->central = *central;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	return n;
}

const char *br_sens_policy_name(const struct br_ensemble *e, size_t pol)
{
	const struct br_jnode *n = br_jget(draw_policy(e, 0, pol), "name");

	return n && n->type == BR_J_STR ? n->text : NULL;
}

/* ---- writers ------------------------------------------------------------- */

const char *br_sens_end_text(const struct br_sens_row *r, const char *v,
			     char *buf, size_t len)
{
	snprintf(buf, len, "%.4g%s", strtod(v, NULL),
		 !strcmp(r->unit, "percent")   ? "%"
		 : !strcmp(r->unit, "seconds") ? "s"
		 : !strcmp(r->unit, "per_hour") ? "/h"
						: "");
	return buf;
}

/* The assumptions that move a figure, then how many do not. */
static void sens_rows(FILE *f, const struct br_sens_row *rows, size_t n,
		      int md)
{
	char lo[32], hi[32], range[80];
	size_t i, still = 0;

	for (i = 0; i < n; i++)
		still += !br_sens_moves(&rows[i]);
	if (still == n) {
		fprintf(f, "%s(%zu assumption%s: no change)\n",
			md ? "\n" : "    ", n, n == 1 ? "" : "s");
		return;
	}
	still = 0;
	fprintf(f, md ? "\n| assumption | range | at low | at high |\n"
			"|---|---|--:|--:|\n"
		      : "    %-28s %-22s %8s %8s\n",
		"assumption", "range", "at low", "at high");
	for (i = 0; i < n; i++) {
		if (!br_sens_moves(&rows[i])) {
			still++;
			continue;
		}
		br_sens_end_text(&rows[i], rows[i].low, lo, sizeof(lo));
		br_sens_end_text(&rows[i], rows[i].high, hi, sizeof(hi));
		snprintf(range, sizeof(range), "%s..%s", lo, hi);
		fprintf(f, md ? "| %s | %s | %.1f | %.1f |\n"
			      : "    %-28s %-22s %8.1f %8.1f\n",
			rows[i].name, range, rows[i].at_low, rows[i].at_high);
	}
	if (still)
		fprintf(f, "%s(%zu other assumption%s: no change)\n",
			md ? "\n" : "    ", still, still == 1 ? "" : "s");
}

static int sens_text(const struct br_ensemble *e, FILE *f, int md)
{
	struct br_sens_row *rows = calloc(e->n_sens + 1, sizeof(*rows));
	const char *name;
	double central;
	size_t pol, fi, n;

	if (!rows)
		return -ENOMEM;
	fprintf(f, "%ssensitivity: %zu ranged assumptions, each set to its low "
		   "and its high end with the others central, seed %llu "
		   "(%zu runs)\n",
		md ? "## " : "", e->n_sens, (unsigned long long)e->seed,
		e->runs);
	for (pol = 0; (name = br_sens_policy_name(e, pol)); pol++) {
		fprintf(f, "%s%s\n", md ? "\n### " : "\n", name);
		for (fi = 0; fi < BR_SENS_FIGURES; fi++) {
			n = br_sens_rank(e, pol, br_sens_figures[fi].key,
					 &central, rows);
			if (!n)
				continue;
			fprintf(f, "%s%s: %.1f with every assumption central; "
				   "%s%s\n",
				md ? "\n" : "  ", br_sens_figures[fi].label,
				central,
				br_sens_moves(&rows[0]) ? "moved most by "
							: "moved by none",
				br_sens_moves(&rows[0]) ? rows[0].name : "");
			sens_rows(f, rows, n, md);
		}
	}
	free(rows);
	return ferror(f) ? -EIO : 0;
}

static int sens_json(const struct br_ensemble *e, FILE *f)
{
	struct br_sens_row *rows = calloc(e->n_sens + 1, sizeof(*rows));
	const char *name;
	struct br_json j;
	double central;
	size_t pol, fi, i, n;

	if (!rows)
		return -ENOMEM;
	br_json_init(&j, f);
	br_json_object(&j);
	br_json_key(&j, "sensitivity");
	br_json_object(&j);
	br_json_ku64(&j, "seed", e->seed);
	br_json_ku64(&j, "runs", e->runs);
	br_json_key(&j, "policies");
	br_json_array(&j);
	for (pol = 0; (name = br_sens_policy_name(e, pol)); pol++) {
		br_json_object(&j);
		br_json_kstr(&j, "name", name);
		br_json_key(&j, "figures");
		br_json_array(&j);
		for (fi = 0; fi < BR_SENS_FIGURES; fi++) {
			n = br_sens_rank(e, pol, br_sens_figures[fi].key,
					 &central, rows);
			if (!n)
				continue;
			br_json_object(&j);
			br_json_kstr(&j, "figure", br_sens_figures[fi].key);
			br_json_knum(&j, "central", central);
			br_json_key(&j, "moved_most_by");
			if (br_sens_moves(&rows[0]))
				br_json_str(&j, rows[0].name);
			else
				br_json_null(&j);
			br_json_key(&j, "ranking");
			br_json_array(&j);
			for (i = 0; i < n; i++) {
				br_json_object(&j);
				br_json_kstr(&j, "assumption", rows[i].name);
				br_json_key(&j, "low");
				br_json_raw(&j, rows[i].low);
				br_json_key(&j, "high");
				br_json_raw(&j, rows[i].high);
				br_json_knum(&j, "at_low", rows[i].at_low);
				br_json_knum(&j, "at_high", rows[i].at_high);
				br_json_end(&j);
			}
			br_json_end(&j);
			br_json_end(&j);
		}
		br_json_end(&j);
		br_json_end(&j);
	}
	br_json_end(&j);
	br_json_end(&j);
	br_json_end(&j);
	free(rows);
	return ferror(f) ? -EIO : 0;
}

static int sens_csv(const struct br_ensemble *e, FILE *f)
{
	struct br_sens_row *rows = calloc(e->n_sens + 1, sizeof(*rows));
	const char *name;
	double central;
	size_t pol, fi, i, n;

	if (!rows)
		return -ENOMEM;
	fprintf(f, "policy,figure,central,assumption,low,high,at_low,"
		   "at_high\n");
	for (pol = 0; (name = br_sens_policy_name(e, pol)); pol++)
		for (fi = 0; fi < BR_SENS_FIGURES; fi++) {
			n = br_sens_rank(e, pol, br_sens_figures[fi].key,
					 &central, rows);
			for (i = 0; i < n; i++)
				fprintf(f, "%s,%s,%.3f,%s,%s,%s,%.3f,%.3f\n",
					name, br_sens_figures[fi].key, central,
					rows[i].name, rows[i].low,
					rows[i].high, rows[i].at_low,
					rows[i].at_high);
		}
	free(rows);
	return ferror(f) ? -EIO : 0;
}

int br_ensemble_write_sensitivity(const struct br_ensemble *e,
				  const char *format, FILE *f)
{
	if (!strcmp(format, "json"))
		return sens_json(e, f);
	if (!strcmp(format, "csv"))
		return sens_csv(e, f);
	if (!strcmp(format, "html"))
		return br_ensemble_html(e, f);
	return sens_text(e, f, !strcmp(format, "markdown"));
}
