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
	to->attempted += o->attempted;
	to->succeeded += o->succeeded;
	to->degraded += o->degraded;
	to->failed += o->failed;
	to->fallback += o->fallback;
	to->slow += o->slow;
	to->late += o->late;
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

/* "loses 100% of iOS push notifications (banking 100%, ...)" */
static void br_push_phrase(struct br_impact *im, enum br_platform p,
			   const char *plat, bool *first)
{
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
		   "%s%.0f%% of %s push notifications", *first ? "" : ", ",
		   br_pct(lost, att), plat);
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
		br_cat_str(im->headline, sizeof(im->headline), "%s%s %.0f%%",
			   open ? ", " : " (",
			   br_impact_class_name(im->cat, x->service),
			   br_pct(x->lost, x->attempted));
		open = true;
	}
	if (open)
		br_cat_str(im->headline, sizeof(im->headline), ")");
}

static void br_headline(struct br_impact *im)
{
	const struct br_catalog *cat = im->cat;
	bool first = true, any = false;
	size_t i;

	im->headline[0] = 0;
	if (!im->pol) {
		br_cat_str(im->headline, sizeof(im->headline),
			   "no policy: %.1f%% of actions fail",
			   br_pct(im->other_failed, im->other_attempted));
		return;
	}
	for (i = 0; i < im->n_services; i++) {
		const struct br_impact_service *s = &im->services[i];

		if (!s->target)
			continue;
		br_cat_str(im->headline, sizeof(im->headline), "%s%.0f%% of %s",
			   first ? "blocks " : ", ",
			   br_pct(s->failed, s->attempted),
			   br_impact_service_name(cat, s->service));
		if (s->degraded)
			br_cat_str(im->headline, sizeof(im->headline),
				   " (and degrades %.0f%%)",
				   br_pct(s->degraded, s->attempted));
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

		if (s->target)
			continue;
		/* the service's own actions, pushes aside (counted above) */
		for (k = 0; k < im->n_actions; k++) {
			const struct br_impact_action *a = &im->actions[k];

			if (a->service != s->service || a->push)
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
		/* nothing lost: say so, and what was only degraded */
		im->headline[strlen(im->headline) - strlen("also loses ")] = 0;
		br_cat_str(im->headline, sizeof(im->headline),
			   "no collateral failure");
	}
	if (im->other_degraded)
		br_cat_str(im->headline, sizeof(im->headline),
			   "; degrades %.1f%% of other actions",
			   br_pct(im->other_degraded, im->other_attempted));
}

/* The actions of service s into out's rows, summed into its service row. */
static void br_impact_actions(struct br_impact *out, size_t s, bool target,
			      const struct br_traffic_result *res)
{
	const struct br_cat_service *svc = &out->cat->services[s];
	struct br_impact_service *sv = &out->services[out->n_services];
	size_t a;
	int p;

	sv->service = s;
	sv->target = target;
	for (a = 0; a < svc->n_actions; a++) {
		const struct br_cat_action *act = &svc->actions[a];
		size_t fa = res->action_base[s] + a;
		struct br_impact_action *row = &out->actions[out->n_actions++];

		row->service = s;
		row->action = a;
		row->platform = act->platform;
		row->target = target;
		row->push = act->push;
		for (p = 0; p < 2; p++) {
			const struct br_outcome *o = &res->by_platform[p][fa];
			enum br_platform plat =
				p ? BR_PLAT_ANDROID : BR_PLAT_IOS;

			if (act->platform != BR_PLAT_ANY &&
			    act->platform != plat)
				continue;
			row->on[p] = *o;
			br_add(&row->o, o);
			sv->on[p].attempted += o->attempted;
			sv->on[p].failed += o->failed;
			sv->on[p].degraded += o->degraded;
			if (act->push && o->attempted) {
				struct br_impact_push *x =
					&out->push[out->n_push++];

				x->service = s;
				x->platform = plat;
				x->attempted = o->attempted;
				x->lost = o->failed;
				x->degraded = o->degraded;
			}
		}
		sv->attempted += row->o.attempted;
		sv->failed += row->o.failed;
		sv->degraded += row->o.degraded;
		if (target) {
			out->target_attempted += row->o.attempted;
			out->target_failed += row->o.failed;
		} else {
			out->other_attempted += row->o.attempted;
			out->other_failed += row->o.failed;
			out->other_degraded += row->o.degraded;
		}
	}
	if (sv->attempted)
		out->n_services++;
	else
		memset(sv, 0, sizeof(*sv));
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
	size_t s, t;
	bool *target;
	int idx, err;

	memset(out, 0, sizeof(*out));
	out->cat = cat;
	out->pol = pol;
	out->name = pol ? pol->name : "none";
	out->file = file;
	out->packets = res->packets;
	out->swaps = res->swaps;
	out->wall_s = res->wall_s;
	target = calloc(cat->n_services + 1, sizeof(*target));
	out->actions = calloc(res->n_actions + 1, sizeof(*out->actions));
	out->services = calloc(cat->n_services + 1, sizeof(*out->services));
	out->push = calloc(cat->n_services * 2 + 1, sizeof(*out->push));
	if (!target || !out->actions || !out->services || !out->push) {
		free(target);
		br_impact_free(out);
		return -ENOMEM;
	}
	for (t = 0; pol && t < pol->n_targets; t++) {
		idx = br_catalog_service(cat, pol->targets[t]);
		if (idx >= 0)
			target[idx] = true;
	}
	for (s = 0; s < cat->n_services; s++)
		br_impact_actions(out, s, target[s], res);
	free(target);
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
	im->actions = NULL;
	im->services = NULL;
	im->push = NULL;
	im->timeline = NULL;
	im->n_actions = im->n_services = im->n_push = im->n_buckets = 0;
}
