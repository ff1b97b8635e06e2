// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ensemble_write.c - an ensemble's reduced figures as JSON, CSV, text and
 * Markdown (the HTML is ensemble_html.c). Everything here reads the
 * reduced tree (ensemble.h), never the draws, so simulate --runs and
 * merge print the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"
#include "json.h"
#include "outfile.h"

#define BR_ENS_CENTRAL "the median of the runs"
#define BR_ENS_INTERVAL \
	"95% of the runs: their 2.5th to 97.5th percentile"

/* ---- JSON ---------------------------------------------------------------- */

static int ens_json(const struct br_ensemble *e, FILE *f)
{
	struct br_json j;
	size_t i;

	br_json_init(&j, f);
	br_json_object(&j);
	br_json_key(&j, "ensemble");
	br_json_object(&j);
	br_json_ku64(&j, "runs", e->runs);
	br_json_ku64(&j, "seed", e->seed);
	br_json_kstr(&j, "central", BR_ENS_CENTRAL);
	br_json_kstr(&j, "interval", BR_ENS_INTERVAL);
	br_json_end(&j);
	for (i = 0; e->agg && i < e->agg->n; i++) {
		br_json_key(&j, e->agg->keys[i]);
		br_jwrite(&j, e->agg->kids[i]);
	}
	br_json_end(&j);
	return ferror(f) ? -EIO : 0;
}

/* ---- CSV: one row per figure --------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A row's name in a figure's path: its strings joined by "/". */
static void row_name(const struct br_jnode *r, size_t at, char *buf,
		     size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; r->type == BR_J_OBJ && i < r->n && used + 1 < len; i++)
		if (r->kids[i]->type == BR_J_STR)
			used += (size_t)snprintf(buf + used, len - used,
						 "%s%s", used ? "/" : "",
						 r->kids[i]->text);
	if (!used)
		snprintf(buf, len, "%zu", at);
}

static void csv_walk(FILE *f, const char *policy, const struct br_jnode *n,
		     char *path, size_t len)
{
	size_t used = strlen(path), i;
	double v, lo, hi;

	if (br_ens_is_stat(n)) {
		const struct br_jnode *d = br_jget(n, "draws");

		br_ens_stat(n, &v, &lo, &hi);
		csv_field(f, policy);
		fputc(',', f);
		csv_field(f, path);
		fprintf(f, ",%.3f,%.3f,%.3f,", v, lo, hi);
		if (d && d->type == BR_J_NUM)
			fputs(d->text, f);
		fputc('\n', f);
		return;
	}
	for (i = 0; (n->type == BR_J_OBJ || n->type == BR_J_ARR) && i < n->n;
	     i++) {
		if (n->type == BR_J_OBJ) {
			snprintf(path + used, len - used, "%s%s",
				 used ? "." : "", n->keys[i]);
		} else {
			char row[256];

			row_name(n->kids[i], i, row, sizeof(row));
			snprintf(path + used, len - used, "[%s]", row);
		}
		csv_walk(f, policy, n->kids[i], path, len);
		path[used] = '\0';
	}
}

static int ens_csv(const struct br_ensemble *e, FILE *f)
{
	const struct br_jnode *pols = br_jget(e->agg, "policies");
	char path[1024] = "";
	size_t i;

	fprintf(f, "policy,figure,value,lo,hi,draws\n");
	if (br_jget(e->agg, "scenario"))
		csv_walk(f, "(scenario)", br_jget(e->agg, "scenario"), path,
			 sizeof(path));
	for (i = 0; pols && i < pols->n; i++) {
		const struct br_jnode *name = br_jget(pols->kids[i], "name");

		path[0] = '\0';
		csv_walk(f, name && name->text ? name->text : "", pols->kids[i],
			 path, sizeof(path));
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- text and Markdown --------------------------------------------------- */

/* "12.3 [10.1-14.0]" of stat key of o, or "-" when it was never defined. */
static const char *fig(const struct br_jnode *o, const char *key, char *buf,
		       size_t len, int decimals)
{
	const struct br_jnode *st = br_jget(o, key);
	double v, lo, hi;

	if (!br_ens_is_stat(st)) {
		snprintf(buf, len, "-");
		return buf;
	}
	br_ens_stat(st, &v, &lo, &hi);
	if (lo == hi) /* the same in every run */
		snprintf(buf, len, "%.*f", decimals, v);
	else
		snprintf(buf, len, "%.*f [%.*f-%.*f]", decimals, v, decimals,
			 lo, decimals, hi);
	return buf;
}

static const char *str_of(const struct br_jnode *o, const char *key)
{
	const struct br_jnode *s = br_jget(o, key);

	return s && s->type == BR_J_STR ? s->text : "?";
}

/* A row was attempted in some run: its attempted's interval is not 0-0. */
static int row_seen(const struct br_jnode *r, const char *key)
{
	double v, lo, hi;

	br_ens_stat(br_jget(r, key), &v, &lo, &hi);
	return hi > 0;
}

struct table_fmt {
	int md; /* Markdown: pipes and a rule under the header */
};

static void table_row(FILE *f, const struct table_fmt *t, const char *c0,
		      const char *c1, const char *c2, const char *c3)
{
	if (t->md)
		fprintf(f, "| %s | %s | %s | %s |\n", c0, c1, c2, c3);
	else
		fprintf(f, "  %-28s %22s %24s %24s\n", c0, c1, c2, c3);
}

/* A param's number as the scenario wrote it: "30%", "300s", "4/h". */
static const char *param_num(const struct br_jnode *p, const char *key,
			     char *buf, size_t len)
{
	const char *unit = str_of(p, "unit");
	double v, lo, hi;

	br_ens_stat(br_jget(p, key), &v, &lo, &hi);
	snprintf(buf, len, "%.4g%s", v,
		 !strcmp(unit, "percent") ? "%"
		 : !strcmp(unit, "seconds") ? "s"
					    : "/h");
	return buf;
}

static void ens_params(FILE *f, const struct br_ensemble *e, int md)
{
	const struct br_jnode *ps =
		br_jget(br_jget(e->agg, "scenario"), "parameters");
	char lo[32], mode[32], hi[32], v[64], range[112];
	size_t i;

	fprintf(f, "%suncertain assumptions (each run draws its own value, "
		   "and its own population sample):\n", md ? "\n" : "");
	if (!ps || !ps->n)
		fprintf(f, "%s(none: the runs differ only by their seeds, the "
			   "population sample)\n", md ? "" : "  ");
	for (i = 0; ps && i < ps->n; i++) {
		const struct br_jnode *p = ps->kids[i];
		int tri = !strcmp(str_of(p, "distribution"), "triangular");

		param_num(p, "low", lo, sizeof(lo));
		param_num(p, "central", mode, sizeof(mode));
		param_num(p, "high", hi, sizeof(hi));
		snprintf(range, sizeof(range), "%s..%s%s%s", lo,
			 tri ? mode : "", tri ? ".." : "", hi);
		fprintf(f, "%s%-28s %-24s %-10s drawn: %s\n", md ? "- " : "  ",
			str_of(p, "name"), range, str_of(p, "distribution"),
			fig(p, "value", v, sizeof(v), 3));
	}
}

/*
 * The rows of arr attempted in some run: NAME (platform), attempted,
 * and the shares of two of its counts (a and b, as "a_pct").
 */
static void ens_table(FILE *f, const struct table_fmt *t,
		      const struct br_jnode *arr, const char *name,
		      const char *head, const char *a, const char *b)
{
	char n[64], x[64], y[64], row[128], ka[32], kb[32];
	size_t i;

	snprintf(ka, sizeof(ka), "%s_pct", a);
	snprintf(kb, sizeof(kb), "%s_pct", b);
	if (t->md)
		fprintf(f, "\n");
	table_row(f, t, head, "attempted",
		  !strcmp(a, "lost") ? "lost %" : "failed %", "late %");
	if (t->md)
		fprintf(f, "|---|--:|--:|--:|\n");
	for (i = 0; arr && i < arr->n; i++) {
		const struct br_jnode *r = arr->kids[i];

		if (!row_seen(r, "attempted"))
			continue;
		snprintf(row, sizeof(row), "%s (%s)", str_of(r, name),
			 str_of(r, "platform"));
		table_row(f, t, row, fig(r, "attempted", n, sizeof(n), 0),
			  fig(r, ka, x, sizeof(x), 1),
			  fig(r, kb, y, sizeof(y), 1));
	}
}

static void ens_policy(FILE *f, const struct br_jnode *pol, int md,
		       int summary)
{
	const struct br_jnode *sp = br_jget(pol, "service_platforms"),
			      *push = br_jget(pol, "push");
	struct table_fmt t = { .md = md };

	fprintf(f, "%s%s: %s\n", md ? "\n### " : "\n", str_of(pol, "name"),
		str_of(pol, "headline"));
	if (summary)
		return;
	ens_table(f, &t, sp, "service", "service (platform)", "failed",
		  "degraded");
	ens_table(f, &t, push, "name", "push notifications", "lost", "late");
}

/*
 * A policy's records: the documented outcome beside the model's interval
 * (within: they meet).
 */
static void ens_records(FILE *f, const struct br_jnode *pol, int md)
{
	const struct br_jnode *recs = br_jget(pol, "record");
	char m[64], rlo[32], rhi[32], row[128];
	size_t i;

	if (!recs || !recs->n)
		return;
	fprintf(f, md ? "\n| record | documented %% | model %% | within "
			"| source |\n|---|--:|--:|---|---|\n"
		      : "  record (%s)                      documented %%"
			"           model %%  within\n",
		md ? "" : str_of(pol, "record_scenario"));
	for (i = 0; i < recs->n; i++) {
		const struct br_jnode *r = recs->kids[i],
				      *w = br_jget(r, "within");

		snprintf(row, sizeof(row), "%s%s%s %s", str_of(r, "service"),
			 strcmp(str_of(r, "platform"), "any") ? " " : "",
			 strcmp(str_of(r, "platform"), "any")
				 ? str_of(r, "platform")
				 : "",
			 str_of(r, "figure"));
		fig(r, "record_lo", rlo, sizeof(rlo), 0);
		fig(r, "record_hi", rhi, sizeof(rhi), 0);
		fig(r, "model", m, sizeof(m), 1);
		if (md)
			fprintf(f, "| %s | %s-%s | %s | %s | %s |\n", row, rlo,
				rhi, m, w && w->type == BR_J_BOOL && w->b
						? "yes"
						: "**no**",
				str_of(r, "source"));
		else
			fprintf(f, "  %-34s %8s-%-8s %20s  %s\n", row, rlo, rhi,
				m,
				w && w->type == BR_J_BOOL && w->b ? "yes"
								  : "NO");
	}
}

static int ens_text(const struct br_ensemble *e, FILE *f, int md,
		    int summary)
{
	const struct br_jnode *scn = br_jget(e->agg, "scenario"),
			      *pols = br_jget(e->agg, "policies");
	char d[64];
	size_t i;

	fprintf(f, "%s%zu runs of scenario %s (%s devices), seed %llu\n",
		md ? "## " : "", e->runs, str_of(scn, "name"),
		fig(scn, "devices", d, sizeof(d), 0),
		(unsigned long long)e->seed);
	fprintf(f, "%severy figure: %s [%s]; shares in %% of the instances "
		   "attempted in each run\n",
		md ? "\n" : "", BR_ENS_CENTRAL, BR_ENS_INTERVAL);
	ens_params(f, e, md);
	for (i = 0; pols && i < pols->n; i++) {
		ens_policy(f, pols->kids[i], md, summary);
		ens_records(f, pols->kids[i], md);
	}
	return ferror(f) ? -EIO : 0;
}

int br_ensemble_write(const struct br_ensemble *e, const char *format,
		      FILE *f)
{
	if (e->n_sens)
		return br_ensemble_write_sensitivity(e, format, f);
	if (!strcmp(format, "json"))
		return ens_json(e, f);
	if (!strcmp(format, "csv"))
		return ens_csv(e, f);
	if (!strcmp(format, "html"))
		return br_ensemble_html(e, f);
	if (!strcmp(format, "markdown"))
		return ens_text(e, f, 1, 0);
	return ens_text(e, f, 0, !strcmp(format, "summary"));
}

int br_ensemble_to_file(const struct br_ensemble *e, const char *format,
			const char *path)
{
	struct br_outfile out;
	int err, ret;

	err = br_outfile_open(&out, path);
	if (err)
		return err;
	err = br_ensemble_write(e, format, out.f);
	ret = br_outfile_close(&out, !err);
	return err ? err : ret;
}

int br_ensemble_from_texts(struct br_ensemble *e, char **texts, size_t n)
{
	size_t k, at;
	int err = 0;

	e->draws = calloc(n + 1, sizeof(*e->draws));
	if (!e->draws)
		return -ENOMEM;
	e->runs = n;
	for (k = 0; !err && k < n; k++) {
		err = br_jparse(texts[k], strlen(texts[k]), &e->draws[k], &at);
		if (err == -EINVAL)
			fprintf(stderr, "blastradius: run %zu: its result is "
					"not JSON at byte %zu\n",
				k + 1, at);
	}
	return err;
}

int br_ensemble_report(const struct br_ensemble *e, const char *format,
		       const char *html, const char *markdown, int quiet)
{
	const char *fmt[2] = { "html", "markdown" }, *path[2] = { html,
								  markdown };
	int err, i;

	err = br_ensemble_write(e, format, stdout);
	fflush(stdout);
	if (err)
		return err;
	for (i = 0; i < 2; i++) {
		if (!path[i])
			continue;
		err = br_ensemble_to_file(e, fmt[i], path[i]);
		if (err) {
			fprintf(stderr, "blastradius: --%s %s: %s\n", fmt[i],
				path[i], strerror(-err));
			return err;
		}
		if (!quiet)
			fprintf(stderr, "blastradius: wrote %s\n", path[i]);
	}
	return 0;
}
