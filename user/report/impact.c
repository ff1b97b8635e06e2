// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * impact.c - efficacy, collateral and push loss from a simulation's
 * outcomes (see impact.h), and the one-line headline.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impact.h"
#include "targets.h"

const char *br_impact_class_name(const struct br_catalog *cat, int service)
{
	return br_cat_class_label(&cat->services[service]);
}

const char *br_impact_service_name(const struct br_catalog *cat, int service)
{
	return br_cat_label(&cat->services[service]);
}

static void br_add(struct br_outcome *to, const struct br_outcome *o)
{
	int i, k;

	to->attempted += o->attempted;
	to->ok += o->ok;
	to->fallback += o->fallback;
	to->late += o->late;
	to->failed += o->failed;
	to->slow += o->slow;
	to->superseded += o->superseded;
	to->expired += o->expired;
	to->stale += o->stale;
	to->held += o->held;
	to->sms += o->sms;
	for (i = 0; i < BR_STAGES; i++)
		for (k = 0; k < BR_FAILS; k++)
			to->why[i][k] += o->why[i][k];
}

static void br_users_add(struct br_users *to, const struct br_users *u)
{
	to->did += u->did;
	to->failed += u->failed;
	to->late += u->late;
}

/*
 * The median and 95th percentile, in seconds, of the completion times of
 * n sample sets together (nearest rank); 0 when there is none.
 */
static int br_quantiles(struct br_samples *const *sets, int n, double *p50,
			double *p95)
{
	struct br_samples all = { 0 };
	size_t len = 0;
	int i;

	*p50 = *p95 = 0;
	for (i = 0; i < n; i++)
		len += sets[i] ? sets[i]->n : 0;
	if (!len)
		return 0;
	all.v = malloc(len * sizeof(*all.v));
	if (!all.v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!sets[i])
			continue;
		memcpy(all.v + all.n, sets[i]->v, sets[i]->n * sizeof(*all.v));
		all.n += sets[i]->n;
	}
	*p50 = br_samples_quantile(&all, 0.5) / 1e9;
	*p95 = br_samples_quantile(&all, 0.95) / 1e9;
	free(all.v);
	return 0;
}

/* Append to a fixed-size headline buffer, truncating quietly. */
static void br_cat_str(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void br_cat_str(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * part of whole as the headline says it: whole percents, and "<1%" for a
 * share that is not 0 but rounds to it (a headline never says 0% of
 * something lost).
 */
static const char *br_pct_words(char *buf, size_t len, uint64_t part,
				uint64_t whole)
{
	double p = br_pct(part, whole);

	if (part && p < 0.5)
		snprintf(buf, len, "<1%%");
	else
		snprintf(buf, len, "%.0f%%", p);
	return buf;
}

/* "loses 100% of iOS push notifications (banking 100%, ...)" */
static void br_push_phrase(struct br_impact *im, enum br_platform p,
			   const char *plat, bool *first)
{
	char pct[16];
	uint64_t att = 0, lost = 0;
	size_t i;
	bool open = false;

	for (i = 0; i < im->n_push; i++) {
		if (im->push[i].platform != p)
			continue;
		att += im->push[i].attempted;
		lost += im->push[i].lost;
	}
	if (!lost)
		return;
	br_cat_str(im->headline, sizeof(im->headline),
		   "%s%s of %s push notifications", *first ? "" : ", ",
		   br_pct_words(pct, sizeof(pct), lost, att), plat);
	*first = false;
	for (i = 0; i < im->n_push; i++) {
		const struct br_impact_push *x = &im->push[i];

		/*
		 * a one-OS service's pushes (APNs', FCM's) are the system's
		 * own: part of the whole, not an app class to name
		 */
		if (x->platform != p || !x->lost ||
		    im->cat->services[x->service].platform != BR_PLAT_ANY)
			continue;
		br_cat_str(im->headline, sizeof(im->headline), "%s%s %s",
			   open ? ", " : " (",
			   br_impact_class_name(im->cat, x->service),
			   br_pct_words(pct, sizeof(pct), x->lost,
					x->attempted));
		open = true;
	}
	if (open)
		br_cat_str(im->headline, sizeof(im->headline), ")");
}

/*
 * After a service's name in the headline: the actions targeted, in
 * parentheses, when the policy targets some of its actions, not it.
 */
static void br_target_actions(struct br_impact *im,
			      const struct br_impact_service *s)
{
	const struct br_cat_service *svc = &im->cat->services[s->service];
	bool open = false;
	size_t k, b;

	if (br_targets_whole(im->cat, im->pol, s->service))
		return;
	for (k = 0; k < im->n_actions; k++) {
		const struct br_impact_action *a = &im->actions[k];

		if (a->service != s->service || !a->target || a->derived)
			continue;
		/* a name once, though it has a line per platform */
		for (b = 0; b < k; b++)
			if (im->actions[b].service == a->service &&
			    im->actions[b].target &&
			    !strcmp(svc->actions[im->actions[b].action].name,
				    svc->actions[a->action].name))
				break;
		if (b < k)
			continue;
		br_cat_str(im->headline, sizeof(im->headline), "%s%s",
			   open ? ", " : " (", svc->actions[a->action].name);
		open = true;
	}
	if (open)
		br_cat_str(im->headline, sizeof(im->headline), ")");
}

/*
 * Past BR_HEADLINE_TARGETS target services the headline sums them up, with
 * the least and the most blocked, instead of naming each (a whitelist
 * targets everything it does not approve). Whether it did.
 */
#define BR_HEADLINE_TARGETS 6
static bool br_headline_targets(struct br_impact *im)
{
	const struct br_impact_service *lo = NULL, *hi = NULL;
	size_t i, n = 0;

	for (i = 0; i < im->n_services; i++) {
		const struct br_impact_service *s = &im->services[i];

		if (!s->target || !s->tgt.attempted)
			continue;
		n++;
		if (!lo || br_pct(s->tgt.failed, s->tgt.attempted) <
				   br_pct(lo->tgt.failed, lo->tgt.attempted))
			lo = s;
		if (!hi || br_pct(s->tgt.failed, s->tgt.attempted) >
				   br_pct(hi->tgt.failed, hi->tgt.attempted))
			hi = s;
	}
	if (n <= BR_HEADLINE_TARGETS)
		return false;
	br_cat_str(im->headline, sizeof(im->headline),
		   "blocks %.0f%% of the actions of its %zu target services ",
		   br_pct(im->target_failed, im->target_attempted), n);
	if (br_pct(lo->tgt.failed, lo->tgt.attempted) ==
	    br_pct(hi->tgt.failed, hi->tgt.attempted))
		br_cat_str(im->headline, sizeof(im->headline),
			   "(%.0f%% of each)",
			   br_pct(lo->tgt.failed, lo->tgt.attempted));
	else
		br_cat_str(im->headline, sizeof(im->headline),
			   "(from %.0f%% of %s to %.0f%% of %s)",
			   br_pct(lo->tgt.failed, lo->tgt.attempted),
			   br_impact_service_name(im->cat, lo->service),
			   br_pct(hi->tgt.failed, hi->tgt.attempted),
			   br_impact_service_name(im->cat, hi->service));
	return true;
}

static void br_headline(struct br_impact *im)
{
	const struct br_catalog *cat = im->cat;
	bool first = true, any = false, many;
	size_t i;

	im->headline[0] = 0;
	if (!im->pol && im->swaps) {
		/* the timeline's policies did it: say so, with the pushes */
		br_cat_str(im->headline, sizeof(im->headline),
			   "no policy at the start, %llu swapped in: %.1f%% of "
			   "actions fail",
			   (unsigned long long)im->swaps,
			   br_pct(im->other_failed, im->other_attempted));
		br_cat_str(im->headline, sizeof(im->headline), "; loses ");
		br_push_phrase(im, BR_PLAT_IOS, "iOS", &first);
		br_push_phrase(im, BR_PLAT_ANDROID, "Android", &first);
		if (first)
			im->headline[strlen(im->headline) - strlen("; loses ")] =
				0;
		return;
	}
	if (!im->pol) {
		br_cat_str(im->headline, sizeof(im->headline),
			   "no policy: %.1f%% of actions fail",
			   br_pct(im->other_failed, im->other_attempted));
		return;
	}
	many = br_headline_targets(im);
	if (many)
		first = false;
	for (i = 0; i < im->n_services && !many; i++) {
		const struct br_impact_service *s = &im->services[i];

		if (!s->target)
			continue;
		br_cat_str(im->headline, sizeof(im->headline), "%s%.0f%% of %s",
			   first ? "blocks " : ", ",
			   br_pct(s->tgt.failed, s->tgt.attempted),
			   br_impact_service_name(cat, s->service));
		br_target_actions(im, s);
		if (s->tgt.degraded)
			br_cat_str(im->headline, sizeof(im->headline),
				   " (and makes %.0f%% late)",
				   br_pct(s->tgt.degraded, s->tgt.attempted));
		first = false;
	}
	if (first)
		br_cat_str(im->headline, sizeof(im->headline),
			   "no target attempted");

	/* collateral: pushes first, then every other service that fails */
	br_cat_str(im->headline, sizeof(im->headline), "; also loses ");
	first = true;
	br_push_phrase(im, BR_PLAT_IOS, "iOS", &first);
	br_push_phrase(im, BR_PLAT_ANDROID, "Android", &first);
	any = !first;
	for (i = 0; i < im->n_services; i++) {
		const struct br_impact_service *s = &im->services[i];
		uint64_t att = 0, bad = 0;
		size_t k;

		/* the service's own actions not targeted, pushes aside
		 * (counted above) */
		for (k = 0; k < im->n_actions; k++) {
			const struct br_impact_action *a = &im->actions[k];

			if (a->service != s->service || a->target || a->push ||
			    a->derived)
				continue;
			att += a->o.attempted;
			bad += a->o.failed;
		}
		if (!bad)
			continue;
		br_cat_str(im->headline, sizeof(im->headline),
			   "%s%.0f%% of %s", first ? "" : ", ", br_pct(bad, att),
			   br_impact_service_name(cat, s->service));
		first = false;
		any = true;
	}
	if (!any) {
		/* nothing lost: say so, and what was only late */
		im->headline[strlen(im->headline) - strlen("also loses ")] = 0;
		br_cat_str(im->headline, sizeof(im->headline),
			   "no collateral failure");
	}
	if (im->other_degraded)
		br_cat_str(im->headline, sizeof(im->headline),
			   "; makes %.1f%% of other actions late",
			   br_pct(im->other_degraded, im->other_attempted));
}

/* The push row of one app class and platform from its outcome. */
static int br_push_row(struct br_impact *out, int s, enum br_platform plat,
		       const struct br_outcome *o, struct br_samples *d,
		       const struct br_users *u)
{
	struct br_impact_push *x = &out->push[out->n_push++];

	x->service = s;
	x->platform = plat;
	x->attempted = o->attempted;
	x->on_time = o->ok + o->fallback;
	x->lost = o->failed;
	x->degraded = o->late;
	x->o = *o;
	x->users = *u;
	return br_quantiles(&d, 1, &x->delay_p50, &x->delay_p95);
}

/* The actions of service s into out's rows, summed into its service row. */
static int br_impact_actions(struct br_impact *out, size_t s,
			     const struct br_traffic_result *res)
{
	const struct br_cat_service *svc = &out->cat->services[s];
	struct br_impact_service *sv = &out->services[out->n_services];
	size_t a;
	int p, err;

	sv->service = s;
	sv->target = br_targets(out->cat, out->pol, s, NULL);
	for (a = 0; a < svc->n_actions; a++) {
		const struct br_cat_action *act = &svc->actions[a];
		size_t fa = res->action_base[s] + a;
		struct br_impact_action *row = &out->actions[out->n_actions++];
		bool target = br_targets(out->cat, out->pol, s, act->name);

		row->service = s;
		row->action = a;
		row->platform = act->platform;
		row->target = target;
		row->push = act->push;
		row->derived = act->from >= 0;
		for (p = 0; p < 2; p++) {
			const struct br_outcome *o = &res->by_platform[p][fa];
			enum br_platform plat =
				p ? BR_PLAT_ANDROID : BR_PLAT_IOS;

			if (act->platform != BR_PLAT_ANY &&
			    act->platform != plat)
				continue;
			row->on[p] = *o;
			br_add(&row->o, o);
			row->users_on[p] = res->users[p][fa];
			br_users_add(&row->users, &res->users[p][fa]);
			if (!row->derived) {
				sv->on[p].attempted += o->attempted;
				sv->on[p].failed += o->failed;
				sv->on[p].degraded += o->late;
			}
			if (act->push && o->attempted) {
				err = br_push_row(out, s, plat, o,
						  &res->durations[p][fa],
						  &res->users[p][fa]);
				if (err)
					return err;
			}
		}
		{
			struct br_samples *d[2] = { &res->durations[0][fa],
						    &res->durations[1][fa] };

			err = br_quantiles(d, 2, &row->dur_p50, &row->dur_p95);
			if (err)
				return err;
		}
		/* what its users receive from others' sends is in its own
		 * row (and the push table), not the service's figures */
		if (row->derived)
			continue;
		sv->attempted += row->o.attempted;
		sv->failed += row->o.failed;
		sv->degraded += row->o.late;
		sv->fallback += row->o.fallback;
		if (target) {
			sv->tgt.attempted += row->o.attempted;
			sv->tgt.failed += row->o.failed;
			sv->tgt.degraded += row->o.late;
			out->target_attempted += row->o.attempted;
			out->target_failed += row->o.failed;
		} else {
			out->other_attempted += row->o.attempted;
			out->other_failed += row->o.failed;
			out->other_degraded += row->o.late;
		}
	}
	if (sv->attempted)
		out->n_services++;
	else
		memset(sv, 0, sizeof(*sv));
	return 0;
}

/* Service s's actions in o (its outcomes, flat index 0) into cell c. */
static void br_cell_add(struct br_impact_cell *c,
			const struct br_cat_service *svc,
			const struct br_outcome *o)
{
	size_t a;

	for (a = 0; a < svc->n_actions; a++) {
		c->attempted += o[a].attempted;
		c->failed += o[a].failed;
		if (!svc->actions[a].push)
			continue;
		c->push_attempted += o[a].attempted;
		c->push_failed += o[a].failed;
		c->push_late += o[a].late;
	}
}

/* The run's timeline by service and platform, and the pushes in it. */
static int br_impact_timeline(struct br_impact *out,
			      const struct br_traffic_result *res)
{
	const struct br_catalog *cat = out->cat;
	size_t b, s;
	int p;

	if (!res->timeline || !res->n_buckets)
		return 0;
	out->timeline = calloc(res->n_buckets * cat->n_services * 2 + 1,
			       sizeof(*out->timeline));
	if (!out->timeline)
		return -ENOMEM;
	out->n_buckets = res->n_buckets;
	out->bucket_ns = res->bucket_ns;
	for (p = 0; p < 2; p++) {
		out->chan[p] = res->chan[p];
		out->chan[p].kept = calloc(res->n_buckets, sizeof(uint64_t));
		out->chan[p].down = calloc(res->n_buckets, sizeof(uint64_t));
		if (!out->chan[p].kept || !out->chan[p].down)
			return -ENOMEM;
		if (res->chan[p].kept)
			memcpy(out->chan[p].kept, res->chan[p].kept,
			       res->n_buckets * sizeof(uint64_t));
		if (res->chan[p].down)
			memcpy(out->chan[p].down, res->chan[p].down,
			       res->n_buckets * sizeof(uint64_t));
	}
	for (b = 0; b < res->n_buckets; b++)
		for (p = 0; p < 2; p++) {
			const struct br_outcome *o =
				&res->timeline[(b * 2 + p) * res->n_actions];

			for (s = 0; s < cat->n_services; s++)
				br_cell_add(&out->timeline[br_impact_cell_at(
						    out, b, s, p)],
					    &cat->services[s],
					    o + res->action_base[s]);
		}
	return 0;
}

int br_impact_compute(const struct br_catalog *cat, const struct br_policy *pol,
		      const char *file, const struct br_traffic_result *res,
		      struct br_impact *out)
{
	size_t s;
	int err;

	memset(out, 0, sizeof(*out));
	out->cat = cat;
	out->pol = pol;
	out->name = pol ? pol->name : "none";
	out->file = file;
	out->packets = res->packets;
	out->unseen_packets = res->unseen;
	out->swaps = res->swaps;
	out->wall_s = res->wall_s;
	out->actions = calloc(res->n_actions + 1, sizeof(*out->actions));
	out->services = calloc(cat->n_services + 1, sizeof(*out->services));
	out->push = calloc(cat->n_services * 2 + 1, sizeof(*out->push));
	if (!out->actions || !out->services || !out->push) {
		br_impact_free(out);
		return -ENOMEM;
	}
	for (s = 0, err = 0; s < cat->n_services && !err; s++)
		err = br_impact_actions(out, s, res);
	if (!err)
		err = br_impact_timeline(out, res);
	if (err) {
		br_impact_free(out);
		return err;
	}
	br_headline(out);
	return 0;
}

const struct br_impact_service *br_impact_find_service(
	const struct br_impact *im, int s)
{
	size_t k;

	for (k = 0; k < im->n_services; k++)
		if (im->services[k].service == s)
			return &im->services[k];
	return NULL;
}

const struct br_impact_service *br_impact_service_on(
	const struct br_impact *im, int s, enum br_platform p,
	struct br_impact_count *c)
{
	const struct br_impact_service *x = br_impact_find_service(im, s);

	memset(c, 0, sizeof(*c));
	if (!x)
		return NULL;
	if (p == BR_PLAT_ANY) {
		c->attempted = x->attempted;
		c->failed = x->failed;
		c->degraded = x->degraded;
	} else {
		*c = x->on[p == BR_PLAT_ANDROID];
	}
	return x;
}

/* Do two platforms' shares, part_a of a and part_b of b, differ? */
static bool br_shares_differ(uint64_t part_a, uint64_t a, uint64_t part_b,
			     uint64_t b)
{
	double d = br_pct(part_a, a) - br_pct(part_b, b);

	return !part_a != !part_b || d > BR_IMPACT_SPLIT_PP ||
	       d < -BR_IMPACT_SPLIT_PP;
}

bool br_impact_service_splits(const struct br_impact_service *x)
{
	const struct br_impact_count *i = &x->on[0], *a = &x->on[1];

	if (!i->attempted || !a->attempted)
		return false;
	return br_shares_differ(i->failed, i->attempted, a->failed,
				a->attempted) ||
	       br_shares_differ(i->degraded, i->attempted, a->degraded,
				a->attempted);
}

int br_impact_rows(const struct br_impact *runs, size_t n, int s,
		   enum br_platform plat[2])
{
	bool ios = false, android = false, split = false;
	const struct br_impact_service *x;
	size_t i;

	for (i = 0; i < n; i++) {
		x = br_impact_find_service(&runs[i], s);
		if (!x)
			continue;
		ios |= x->on[0].attempted > 0;
		android |= x->on[1].attempted > 0;
		split |= br_impact_service_splits(x);
	}
	if (split) {
		plat[0] = BR_PLAT_IOS;
		plat[1] = BR_PLAT_ANDROID;
		return 2;
	}
	if (!ios && !android)
		return 0;
	plat[0] = ios && android ? BR_PLAT_ANY
		  : ios		 ? BR_PLAT_IOS
				 : BR_PLAT_ANDROID;
	return 1;
}

const char *br_impact_plat_label(enum br_platform p)
{
	return p == BR_PLAT_IOS	      ? "iOS"
	       : p == BR_PLAT_ANDROID ? "Android"
				      : "any";
}

void br_impact_row_label(const struct br_catalog *cat, int s,
			 enum br_platform p, char *buf, size_t len)
{
	if (p == BR_PLAT_ANY)
		snprintf(buf, len, "%s", br_impact_service_name(cat, s));
	else
		snprintf(buf, len, "%s (%s)", br_impact_service_name(cat, s),
			 br_impact_plat_label(p));
}

const struct br_impact_push *br_impact_find_push(const struct br_impact *im,
						 int s, enum br_platform p)
{
	size_t k;

	for (k = 0; k < im->n_push; k++)
		if (im->push[k].service == s && im->push[k].platform == p)
			return &im->push[k];
	return NULL;
}

void br_impact_free(struct br_impact *im)
{
	free(im->actions);
	free(im->services);
	free(im->push);
	free(im->timeline);
	free(im->chan[0].kept);
	free(im->chan[0].down);
	free(im->chan[1].kept);
	free(im->chan[1].down);
	memset(im->chan, 0, sizeof(im->chan));
	im->actions = NULL;
	im->services = NULL;
	im->push = NULL;
	im->timeline = NULL;
	im->n_actions = im->n_services = im->n_push = im->n_buckets = 0;
}
