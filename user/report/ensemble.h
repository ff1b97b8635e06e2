/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ensemble.h - many runs of one what-if, each with its own draw of the
 * scenario's uncertain assumptions and its own seed, reduced to a central
 * value and an interval per figure.
 *
 * A draw's result is the JSON simulate prints for one run (report_json.c).
 * The reduction works on that text, parsed (jsonread.h), not on the
 * traffic model's structures, so simulate --runs and merge of shards'
 * partial results (which carry the same text) print the same bytes.
 *
 * Every number of the draws' JSON becomes {"value", "lo", "hi"}: the
 * median of the draws and their 2.5th and 97.5th percentiles (linear
 * interpolation between order statistics, as R's default type 7), so the
 * interval is where 95% of the draws fell: the spread that the
 * assumptions' ranges and the population sample (each draw its own
 * seed) make together. It is not a confidence interval of a mean. With
 * few draws its ends are the extreme draws: 20 draws put 2.5% between the
 * lowest two. An object whose "attempted" (or "did") the draws counted
 * also gets each sibling count as a share, KEY_pct (of attempted, or of
 * did for users), reduced the same way over the draws in which it was
 * defined; "draws": n says when a figure was defined in fewer than all.
 * Rows of arrays are matched across draws by the strings that name them
 * (name, service, platform, action, from, app_class; rows without any by
 * place); numbers missing from a draw count as 0.
 */
#ifndef BR_ENSEMBLE_H
#define BR_ENSEMBLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "jsonread.h"

/* The interval's ends, as quantiles of the draws. */
#define BR_ENS_LO 0.025
#define BR_ENS_HI 0.975

struct br_ensemble {
	uint64_t seed;	/* the ensemble's: draw k's comes from (seed, k) */
	size_t runs;	/* draws */
	size_t n_sens;	/* --sensitivity: params varied, else 0 */
	struct br_jnode **draws; /* runs of them, in draw order */
	struct br_jnode *agg;	 /* the reduction: br_ensemble_reduce() */
};

/*
 * Reduce e->draws into e->agg: the first draw's structure, every number
 * a {"value", "lo", "hi"} object, shares added, the headline rebuilt.
 */
int br_ensemble_reduce(struct br_ensemble *e);

void br_ensemble_free(struct br_ensemble *e);

/*
 * Each draw's headline figures, added to its policies' objects before the
 * reduction as "summary": efficacy_pct, collateral_failed_pct,
 * collateral_late_pct, push_lost_pct_ios, push_lost_pct_android (of the
 * push notifications of all app classes on that platform). A figure whose
 * base is 0 in a draw is null there, and left out of its interval.
 */
int br_ensemble_summaries(struct br_ensemble *e);

/* Each reduced policy's "headline", rebuilt from its summary's intervals. */
int br_ensemble_headlines(struct br_ensemble *e);

/* Is n a reduced figure ({"value", "lo", "hi"})? */
int br_ens_is_stat(const struct br_jnode *n);

/* The three numbers of a reduced figure (0 when n is not one). */
void br_ens_stat(const struct br_jnode *n, double *value, double *lo,
		 double *hi);

/* Write the ensemble as format ("text", "json", "csv", "html",
 * "markdown", "summary") to f. */
int br_ensemble_write(const struct br_ensemble *e, const char *format,
		      FILE *f);

/*
 * The report as format on stdout, and as HTML and Markdown to the files
 * given (NULL: none): what simulate --runs and merge both print.
 */
int br_ensemble_report(const struct br_ensemble *e, const char *format,
		       const char *html, const char *markdown, int quiet);

/* The same to path, whole or not at all (outfile.h). */
int br_ensemble_to_file(const struct br_ensemble *e, const char *format,
			const char *path);

/* e->draws from n draws' JSON texts (e->runs = n; other fields kept). */
int br_ensemble_from_texts(struct br_ensemble *e, char **texts, size_t n);

/* ---- --sensitivity (ensemble_sens.c) ------------------------------------ */

/* The headline figures a sensitivity ranks assumptions for. */
#define BR_SENS_FIGURES 5
struct br_sens_figure {
	const char *key;   /* in a draw's "summary" */
	const char *label; /* for people */
};
extern const struct br_sens_figure br_sens_figures[BR_SENS_FIGURES];

/* One assumption's effect on one figure of one policy. */
struct br_sens_row {
	const char *name;	 /* "platform ios" */
	const char *low, *high;	 /* its ends, as the draws' JSON gives them */
	const char *unit;	 /* "percent", "seconds", "per_hour" */
	double at_low, at_high;	 /* the figure with it at each end */
	double central;		 /* the figure with every one central */
};

/*
 * The assumptions' rows (room for e->n_sens) for figure of policy pol
 * (index in the draws' "policies"), the one that moves it most first;
 * how many (0: the figure is not defined, or no such policy).
 */
size_t br_sens_rank(const struct br_ensemble *e, size_t pol,
		    const char *figure, double *central,
		    struct br_sens_row *rows);

/* "33%", "900s", "8/h": end v of r's assumption as the scenario says it. */
const char *br_sens_end_text(const struct br_sens_row *r, const char *v,
			     char *buf, size_t len);

/* Does r's assumption move its figure at all? */
int br_sens_moves(const struct br_sens_row *r);

/* The name of policy pol, or NULL past the last. */
const char *br_sens_policy_name(const struct br_ensemble *e, size_t pol);

int br_ensemble_write_sensitivity(const struct br_ensemble *e,
				  const char *format, FILE *f);

/* The HTML report of an ensemble or a sensitivity (ensemble_html.c). */
int br_ensemble_html(const struct br_ensemble *e, FILE *f);

/* ---- partial results of shards (docs/CLUSTER.md) ------------------------- */

/*
 * A partial result is JSON Lines: a header line {"partial": {"runs": N,
 * "seed": S, "shard": I, "shards": K, "sensitivity": B, "what": W}} and a
 * line per draw of the shard, {"draw": k, "result": {...}}, k in order.
 * W names what every draw ran (the scenario, the policies): partials
 * merge only when their headers agree on everything but the shard.
 */
struct br_partial {
	size_t runs;
	uint64_t seed;
	size_t shard, shards;
	int sensitivity;
	const char *what;
};

int br_partial_write_header(FILE *f, const struct br_partial *p);
int br_partial_write_draw(FILE *f, size_t k, const char *json);

/*
 * Read the partial results files[0..n) into e (runs, seed, n_sens,
 * draws): every draw of 0..runs-1 exactly once, headers that agree.
 * -EINVAL with the file, line and what on stderr.
 */
int br_partial_read(const char *const *files, size_t n,
		    struct br_ensemble *e);

#endif /* BR_ENSEMBLE_H */
