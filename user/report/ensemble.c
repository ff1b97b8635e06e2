// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ensemble.c - the reduction of many draws' results to central values and
 * intervals (ensemble.h says what every figure becomes).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ensemble.h"

/* ---- building a tree ----------------------------------------------------- */

static struct br_jnode *jnew(enum br_jtype type)
{
	struct br_jnode *n = calloc(1, sizeof(*n));

	if (n)
		n->type = type;
	return n;
}

/* Append kid to n under key (NULL in an array); kid is taken. */
static int jadd(struct br_jnode *n, const char *key, struct br_jnode *kid)
{
	char **k;
	struct br_jnode **v;

	if (!kid)
		return -ENOMEM;
	k = realloc(n->keys, (n->n + 1) * sizeof(*k));
	if (k)
		n->keys = k;
	v = realloc(n->kids, (n->n + 1) * sizeof(*v));
	if (v)
		n->kids = v;
	if (!k || !v || (key && !(n->keys[n->n] = strdup(key)))) {
		br_jfree(kid);
		return -ENOMEM;
	}
	if (!key)
		n->keys[n->n] = NULL;
	n->kids[n->n++] = kid;
	return 0;
}

static struct br_jnode *jnum(double v)
{
	struct br_jnode *n = jnew(BR_J_NUM);

	if (n && asprintf(&n->text, "%.3f", v) < 0) {
		n->text = NULL;
		br_jfree(n);
		return NULL;
	}
	if (n)
		n->num = strtod(n->text, NULL);
	return n;
}

static struct br_jnode *jstr(const char *s)
{
	struct br_jnode *n = jnew(BR_J_STR);

	if (n && !(n->text = strdup(s))) {
		br_jfree(n);
		return NULL;
	}
	return n;
}

/* A deep copy of n. */
static struct br_jnode *jcopy(const struct br_jnode *n)
{
	struct br_jnode *c = jnew(n->type);
	size_t i;

	if (!c)
		return NULL;
	c->b = n->b;
	c->num = n->num;
	if (n->text && !(c->text = strdup(n->text)))
		goto fail;
	for (i = 0; i < n->n; i++)
		if (jadd(c, n->keys ? n->keys[i] : NULL, jcopy(n->kids[i])))
			goto fail;
	return c;
fail:
	br_jfree(c);
	return NULL;
}

/* ---- figures ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values, interpolated linearly (type 7). */
static double quantile(const double *x, size_t n, double q)
{
	double h = (double)(n - 1) * q, f = floor(h);
	size_t i = (size_t)f;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - f) * (x[i + 1] - x[i]);
}

/* {"value", "lo", "hi"} of n values (sorted here), "draws" when short. */
static struct br_jnode *stat_of(double *x, size_t n, size_t runs)
{
	struct br_jnode *s = jnew(BR_J_OBJ);

	if (!s)
		return NULL;
	if (!n) {
		if (jadd(s, "draws", jnum(0))) {
			br_jfree(s);
			return NULL;
		}
		return s;
	}
	qsort(x, n, sizeof(*x), cmp_double);
	if (jadd(s, "value", jnum(quantile(x, n, 0.5))) ||
	    jadd(s, "lo", jnum(quantile(x, n, BR_ENS_LO))) ||
	    jadd(s, "hi", jnum(quantile(x, n, BR_ENS_HI))) ||
	    (n < runs && jadd(s, "draws", jnum((double)n)))) {
		br_jfree(s);
		return NULL;
	}
	return s;
}

static int is_num(const struct br_jnode *n)
{
	return n && n->type == BR_J_NUM;
}

int br_ens_is_stat(const struct br_jnode *n)
{
	return n && n->type == BR_J_OBJ && is_num(br_jget(n, "value")) &&
	       is_num(br_jget(n, "lo")) && is_num(br_jget(n, "hi"));
}

void br_ens_stat(const struct br_jnode *n, double *value, double *lo,
		 double *hi)
{
	const struct br_jnode *v = br_jget(n, "value"), *l = br_jget(n, "lo"),
			      *h = br_jget(n, "hi");

	*value = v && v->type == BR_J_NUM ? v->num : 0;
	*lo = l && l->type == BR_J_NUM ? l->num : 0;
	*hi = h && h->type == BR_J_NUM ? h->num : 0;
}

/* ---- the reduction ------------------------------------------------------- */

static struct br_jnode *reduce(const struct br_jnode *const *v, size_t runs);

static struct br_jnode *reduce_num(const struct br_jnode *const *v,
				   size_t runs)
{
	struct br_jnode *s;
	double *x = calloc(runs + 1, sizeof(*x));
	size_t k, n = 0;

	if (!x)
		return NULL;
	for (k = 0; k < runs; k++) {
		if (!v[k])
			x[n++] = 0; /* not in this draw's rows: none */
		else if (v[k]->type == BR_J_NUM)
			x[n++] = v[k]->num;
	}
	s = stat_of(x, n, runs);
	free(x);
	return s;
}

/* Strings, booleans: one value, or {"varies": [the distinct values]}. */
static struct br_jnode *reduce_const(const struct br_jnode *const *v,
				     size_t runs, const struct br_jnode *first)
{
	struct br_jnode *out, *list;
	size_t k, i;

	for (k = 0; k < runs; k++)
		if (v[k] && (v[k]->type != first->type || v[k]->b != first->b ||
			     (first->text && strcmp(v[k]->text, first->text))))
			break;
	if (k == runs)
		return jcopy(first);
	out = jnew(BR_J_OBJ);
	list = jnew(BR_J_ARR);
	if (!out || !list || jadd(out, "varies", list)) {
		br_jfree(out);
		return NULL;
	}
	for (k = 0; k < runs; k++) {
		if (!v[k] || v[k]->type != BR_J_STR)
			continue;
		for (i = 0; i < list->n; i++)
			if (!strcmp(list->kids[i]->text, v[k]->text))
				break;
		if (i == list->n && jadd(list, NULL, jstr(v[k]->text))) {
			br_jfree(out);
			return NULL;
		}
	}
	return out;
}

/* The count an object's shares are of: "attempted", or "did" (users). */
static const char *share_base(const struct br_jnode *o)
{
	const struct br_jnode *a = br_jget(o, "attempted");

	if (a && a->type == BR_J_NUM)
		return "attempted";
	a = br_jget(o, "did");
	return a && a->type == BR_J_NUM ? "did" : NULL;
}

/* KEY_pct for each numeric member key of objects v (of base). */
static int add_shares(struct br_jnode *out, const struct br_jnode *const *v,
		      size_t runs, const char *base, const char *key)
{
	char name[96];
	double *x = calloc(runs + 1, sizeof(*x));
	size_t k, n = 0;
	int err;

	if (!x)
		return -ENOMEM;
	for (k = 0; k < runs; k++) {
		const struct br_jnode *b = br_jget(v[k], base),
				      *m = br_jget(v[k], key);

		if (b && b->type == BR_J_NUM && b->num > 0)
			x[n++] = 100.0 *
				 (m && m->type == BR_J_NUM ? m->num : 0) /
				 b->num;
	}
	snprintf(name, sizeof(name), "%s_pct", key);
	err = jadd(out, name, stat_of(x, n, runs));
	free(x);
	return err;
}

static struct br_jnode *reduce_obj(const struct br_jnode *const *v,
				   size_t runs)
{
	const struct br_jnode **kid = calloc(runs + 1, sizeof(*kid));
	struct br_jnode *out = jnew(BR_J_OBJ);
	const char *base = NULL;
	size_t k, i, j;

	if (!kid || !out)
		goto fail;
	for (k = 0; k < runs && !base; k++)
		base = v[k] ? share_base(v[k]) : NULL;
	/* the union of the keys, in the order they first appear */
	for (k = 0; k < runs; k++) {
		for (i = 0; v[k] && i < v[k]->n; i++) {
			const char *key = v[k]->keys[i];

			if (br_jget(out, key))
				continue;
			for (j = 0; j < runs; j++)
				kid[j] = br_jget(v[j], key);
			if (jadd(out, key, reduce(kid, runs)))
				goto fail_out;
			if (base && strcmp(key, base) && v[k]->kids[i]->type ==
			    BR_J_NUM && add_shares(out, v, runs, base, key))
				goto fail_out;
		}
	}
	free(kid);
	return out;
fail:
	free(kid);
	br_jfree(out);
	return NULL;
fail_out:
	out = NULL;
	goto fail;
}

/*
 * The members that say which row a row is (a policy, a service on a
 * platform, an action, an app class, an assumption); other strings, a
 * headline, may differ from draw to draw.
 */
static const char *const row_names[] = {
	"name", "service", "platform", "action", "from", "app_class", "figure",
};

static int names_row(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(row_names) / sizeof(row_names[0]); i++)
		if (!strcmp(key, row_names[i]))
			return 1;
	return 0;
}

/* The naming strings of a row, joined: what it is, without how many. */
static char *row_key(const struct br_jnode *r)
{
	char *s = strdup(""), *prev;
	size_t i;

	for (i = 0; s && r->type == BR_J_OBJ && i < r->n; i++) {
		if (r->kids[i]->type != BR_J_STR || !names_row(r->keys[i]))
			continue;
		prev = s;
		if (asprintf(&s, "%s\x1f%s=%s", prev, r->keys[i],
			     r->kids[i]->text) < 0)
			s = NULL;
		free(prev);
	}
	return s;
}

static void free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

/*
 * The rows' identities across draws: a row's naming strings (row_names)
 * and how many rows before it in the array had the same (rows without
 * any, a timeline's buckets, match by place).
 */
static char **row_ids(const struct br_jnode *arr)
{
	char **key = calloc(arr->n + 1, sizeof(*key));
	char **ids = calloc(arr->n + 1, sizeof(*ids));
	size_t i, j, same;

	if (!key || !ids)
		goto fail;
	for (i = 0; i < arr->n; i++)
		if (!(key[i] = row_key(arr->kids[i])))
			goto fail;
	for (i = 0; i < arr->n; i++) {
		for (j = 0, same = 0; j < i; j++)
			same += !strcmp(key[i], key[j]);
		if (asprintf(&ids[i], "%s#%zu", key[i], same) < 0) {
			ids[i] = NULL;
			goto fail;
		}
	}
	free_ids(key, arr->n);
	return ids;
fail:
	free_ids(key, arr->n);
	free_ids(ids, arr->n);
	return NULL;
}

static struct br_jnode *reduce_arr(const struct br_jnode *const *v,
				   size_t runs)
{
	const struct br_jnode **kid = calloc(runs + 1, sizeof(*kid));
	char ***ids = calloc(runs + 1, sizeof(*ids));
	struct br_jnode *out = jnew(BR_J_ARR);
	char **seen = NULL;
	size_t n_seen = 0, k, i, j, m;
	int err = -ENOMEM;

	if (!kid || !ids || !out)
		goto out;
	for (k = 0; k < runs; k++)
		if (v[k] && !(ids[k] = row_ids(v[k])))
			goto out;
	/* every identity, in the order it first appears, reduced once */
	for (k = 0; k < runs; k++) {
		for (i = 0; v[k] && i < v[k]->n; i++) {
			char **grown;

			for (m = 0; m < n_seen; m++)
				if (!strcmp(seen[m], ids[k][i]))
					break;
			if (m < n_seen)
				continue;
			grown = realloc(seen, (n_seen + 1) * sizeof(*seen));
			if (!grown)
				goto out;
			seen = grown;
			seen[n_seen++] = ids[k][i];
			for (j = 0; j < runs; j++) {
				kid[j] = NULL;
				for (m = 0; v[j] && m < v[j]->n; m++)
					if (!strcmp(ids[j][m], ids[k][i]))
						kid[j] = v[j]->kids[m];
			}
			if (jadd(out, NULL, reduce(kid, runs)))
				goto out;
		}
	}
	err = 0;
out:
	for (k = 0; ids && k < runs; k++)
		if (v[k])
			free_ids(ids[k], v[k]->n);
	free(ids);
	free(seen);
	free(kid);
	if (err) {
		br_jfree(out);
		return NULL;
	}
	return out;
}

static struct br_jnode *reduce(const struct br_jnode *const *v, size_t runs)
{
	const struct br_jnode *first = NULL;
	size_t k;

	for (k = 0; k < runs && !first; k++)
		if (v[k] && v[k]->type != BR_J_NULL)
			first = v[k];
	if (!first) /* null (or absent) in every draw */
		return jnew(BR_J_NULL);
	switch (first->type) {
	case BR_J_NUM:
		return reduce_num(v, runs);
	case BR_J_OBJ:
		return reduce_obj(v, runs);
	case BR_J_ARR:
		return reduce_arr(v, runs);
	default:
		return reduce_const(v, runs, first);
	}
}

int br_ensemble_reduce(struct br_ensemble *e)
{
	int err = br_ensemble_summaries(e);

	if (err)
		return err;
	br_jfree(e->agg);
	e->agg = reduce((const struct br_jnode *const *)e->draws, e->runs);
	if (!e->agg)
		return -ENOMEM;
	return br_ensemble_headlines(e);
}

void br_ensemble_free(struct br_ensemble *e)
{
	size_t k;

	for (k = 0; e->draws && k < e->runs; k++)
		br_jfree(e->draws[k]);
	free(e->draws);
	br_jfree(e->agg);
	memset(e, 0, sizeof(*e));
}

/* ---- headline figures ---------------------------------------------------- */

static double num_of(const struct br_jnode *o, const char *key)
{
	const struct br_jnode *n = br_jget(o, key);

	return n && n->type == BR_J_NUM ? n->num : 0;
}

/* key: 100 * part / whole; null when whole is 0 (not a 0: undefined). */
static int add_pct(struct br_jnode *o, const char *key, double part,
		   double whole)
{
	return jadd(o, key,
		    whole > 0 ? jnum(100.0 * part / whole) : jnew(BR_J_NULL));
}

static int draw_summary(struct br_jnode *pol)
{
	const struct br_jnode *eff = br_jget(pol, "efficacy"),
			      *col = br_jget(pol, "collateral"),
			      *push = br_jget(pol, "push");
	double att[2] = { 0, 0 }, lost[2] = { 0, 0 };
	struct br_jnode *s;
	size_t i;

	if (br_jget(pol, "summary"))
		return 0;
	s = jnew(BR_J_OBJ);
	if (!s)
		return -ENOMEM;
	for (i = 0; push && i < push->n; i++) {
		const struct br_jnode *r = push->kids[i],
				      *plat = br_jget(r, "platform");
		int p = plat && plat->text && !strcmp(plat->text, "android");

		att[p] += num_of(r, "attempted");
		lost[p] += num_of(r, "lost");
	}
	if (add_pct(s, "efficacy_pct", num_of(eff, "failed"),
		    num_of(eff, "attempted")) ||
	    add_pct(s, "collateral_failed_pct", num_of(col, "failed"),
		    num_of(col, "attempted")) ||
	    add_pct(s, "collateral_late_pct", num_of(col, "degraded"),
		    num_of(col, "attempted")) ||
	    add_pct(s, "push_lost_pct_ios", lost[0], att[0]) ||
	    add_pct(s, "push_lost_pct_android", lost[1], att[1])) {
		br_jfree(s);
		return -ENOMEM;
	}
	return jadd(pol, "summary", s);
}

int br_ensemble_summaries(struct br_ensemble *e)
{
	size_t k, i;
	int err;

	for (k = 0; k < e->runs; k++) {
		const struct br_jnode *pols = br_jget(e->draws[k], "policies");

		for (i = 0; pols && pols->type == BR_J_ARR && i < pols->n;
		     i++) {
			err = draw_summary(pols->kids[i]);
			if (err)
				return err;
		}
	}
	return 0;
}

/* "97.1% (95%: 96.0-98.2%)" of stat key of o into buf at *used. */
static void cat_stat(char *buf, size_t len, const struct br_jnode *o,
		     const char *key, const char *what)
{
	const struct br_jnode *st = br_jget(o, key);
	size_t used = strlen(buf);
	double v, lo, hi;

	if (!br_ens_is_stat(st) || used + 1 >= len)
		return;
	br_ens_stat(st, &v, &lo, &hi);
	snprintf(buf + used, len - used, "%s%.1f%% [%.1f-%.1f]", what, v, lo,
		 hi);
}

static int headline(struct br_jnode *pol)
{
	const struct br_jnode *sum = br_jget(pol, "summary"),
			      *tg = br_jget(pol, "targets");
	char buf[1024] = "";
	size_t i;

	if (br_jget(sum, "efficacy_pct")) {
		snprintf(buf, sizeof(buf), "blocks ");
		cat_stat(buf, sizeof(buf), sum, "efficacy_pct", "");
		for (i = 0; tg && i < tg->n; i++)
			if (tg->kids[i]->type == BR_J_STR)
				snprintf(buf + strlen(buf),
					 sizeof(buf) - strlen(buf), "%s%s",
					 i ? ", " : " of ", tg->kids[i]->text);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; ");
	}
	cat_stat(buf, sizeof(buf), sum, "collateral_failed_pct",
		 "other actions failed ");
	cat_stat(buf, sizeof(buf), sum, "collateral_late_pct", ", late ");
	cat_stat(buf, sizeof(buf), sum, "push_lost_pct_ios",
		 "; push notifications lost: iOS ");
	cat_stat(buf, sizeof(buf), sum, "push_lost_pct_android",
		 ", Android ");
	for (i = 0; i < pol->n; i++) {
		if (strcmp(pol->keys[i], "headline"))
			continue;
		br_jfree(pol->kids[i]);
		pol->kids[i] = jstr(buf);
		return pol->kids[i] ? 0 : -ENOMEM;
	}
	return 0;
}

/*
 * A record's "within", for the ensemble: does the model's interval meet
 * the record's range (policy_record.h)? A run's own "within" says it of
 * one run; the runs' verdicts would only vary.
 */
static void records_within(const struct br_jnode *pol)
{
	const struct br_jnode *recs = br_jget(pol, "record");
	double v, lo, hi, rlo, rhi, x;
	size_t i, m;

	for (i = 0; recs && recs->type == BR_J_ARR && i < recs->n; i++) {
		struct br_jnode *r = recs->kids[i];

		if (!br_ens_is_stat(br_jget(r, "model")))
			continue; /* no run attempted the service */
		br_ens_stat(br_jget(r, "model"), &v, &lo, &hi);
		br_ens_stat(br_jget(r, "record_lo"), &rlo, &x, &x);
		br_ens_stat(br_jget(r, "record_hi"), &rhi, &x, &x);
		for (m = 0; m < r->n; m++) {
			if (strcmp(r->keys[m], "within"))
				continue;
			br_jfree(r->kids[m]);
			r->kids[m] = jnew(BR_J_BOOL);
			if (r->kids[m])
				r->kids[m]->b = lo <= rhi && hi >= rlo;
		}
	}
}

int br_ensemble_headlines(struct br_ensemble *e)
{
	const struct br_jnode *pols = br_jget(e->agg, "policies");
	size_t i;
	int err;

	for (i = 0; pols && pols->type == BR_J_ARR && i < pols->n; i++) {
		err = headline(pols->kids[i]);
		if (err)
			return err;
		records_within(pols->kids[i]);
	}
	return 0;
}
