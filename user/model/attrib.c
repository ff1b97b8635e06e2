// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * attrib.c - the services a rule's verdicts fall on (see attrib.h): the
 * flows the program says the rule reaches (classify.h), and every service
 * that needs one of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "targets.h"

/* ---- users of a flow ---------------------------------------------------- */

static bool action_needs(const struct br_cat_action *a, int svc, int flow)
{
	size_t t, k;

	for (t = 0; t < a->n_terms; t++)
		for (k = 0; k < a->terms[t].n; k++)
			if (a->terms[t].alts[k].service == svc &&
			    a->terms[t].alts[k].flow == flow)
				return true;
	return false;
}

static bool service_needs(const struct br_cat_service *s, int svc, int flow)
{
	size_t a;

	for (a = 0; a < s->n_actions; a++)
		if (action_needs(&s->actions[a], svc, flow))
			return true;
	return false;
}

/* Services needing flow (svc, flow): its own service and those it serves. */
static size_t flow_users(const struct br_catalog *cat, int svc, int flow)
{
	size_t s, n = 1;

	for (s = 0; s < cat->n_services; s++)
		if ((int)s != svc &&
		    service_needs(&cat->services[s], svc, flow))
			n++;
	return n;
}

bool br_attrib_blocks(enum br_action a)
{
	return a != BR_ACT_NONE && a != BR_ACT_PASS;
}

/* ---- attribution ------------------------------------------------------ */

static void rule_free(struct br_attrib_rule *ar)
{
	size_t i;

	for (i = 0; i < ar->n_svcs; i++) {
		free(ar->svcs[i].via);
		free(ar->svcs[i].actions);
	}
	free(ar->svcs);
	free(ar->sigs);
}

static int rule_services(const struct br_catalog *cat,
			 struct br_attrib_rule *ar)
{
	size_t s, g, a;

	ar->svcs = calloc(cat->n_services + 1, sizeof(*ar->svcs));
	if (!ar->svcs)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++) {
		const struct br_cat_service *svc = &cat->services[s];
		struct br_attrib_svc *x = &ar->svcs[ar->n_svcs];

		x->service = s;
		x->via = calloc(ar->n_sigs + 1, sizeof(*x->via));
		x->actions = calloc(svc->n_actions + 1, sizeof(*x->actions));
		if (!x->via || !x->actions) {
			free(x->via);
			free(x->actions);
			return -ENOMEM;
		}
		for (g = 0; g < ar->n_sigs; g++) {
			const struct br_attrib_sig *sig = &ar->sigs[g];

			if (sig->service == (int)s) {
				x->direct = true;
			} else if (service_needs(svc, sig->service,
						 sig->flow)) {
				x->via[x->n_via++] = g;
			} else {
				continue;
			}
			x->shared |= sig->n_users > 1;
		}
		for (a = 0; a < svc->n_actions; a++)
			for (g = 0; g < ar->n_sigs; g++)
				if (action_needs(&svc->actions[a],
						 ar->sigs[g].service,
						 ar->sigs[g].flow)) {
					x->actions[x->n_actions++] = a;
					break;
				}
		if (!x->direct && !x->n_via) {
			free(x->via);
			free(x->actions);
			memset(x, 0, sizeof(*x));
			continue;
		}
		ar->n_svcs++;
	}
	return 0;
}

static size_t n_flows(const struct br_catalog *cat)
{
	size_t s, n = 0;

	for (s = 0; s < cat->n_services; s++)
		n += cat->services[s].n_flows;
	return n;
}

/* The flows rule ri reaches, from parts (br_classify_rule's). */
static int attrib_rule(const struct br_catalog *cat, size_t ri,
		       const unsigned int *parts, struct br_attrib_rule *ar)
{
	size_t s, f, k = 0;

	memset(ar, 0, sizeof(*ar));
	ar->rule = ri;
	ar->sigs = calloc(n_flows(cat) + 1, sizeof(*ar->sigs));
	if (!ar->sigs)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++)
		for (f = 0; f < cat->services[s].n_flows; f++, k++) {
			if (!parts[k])
				continue;
			ar->sigs[ar->n_sigs++] = (struct br_attrib_sig){
				.service = s,
				.flow = f,
				.parts = parts[k],
				.n_users = flow_users(cat, s, f),
			};
		}
	return rule_services(cat, ar);
}

int br_attrib_compute(const struct br_catalog *cat, const struct br_policy *pol,
		      const struct br_attrib_side *side, struct br_attrib *out)
{
	unsigned int *parts;
	size_t r;
	int err = 0;

	memset(out, 0, sizeof(*out));
	parts = calloc(n_flows(cat) + 1, sizeof(*parts));
	out->rules = calloc(pol->n_rules + 1, sizeof(*out->rules));
	if (!parts || !out->rules) {
		err = -ENOMEM;
		goto out;
	}
	for (r = 0; r < pol->n_rules && !err; r++) {
		if (!br_attrib_blocks(pol->rules[r].action))
			continue;
		err = br_classify_rule(cat, pol, r, side, parts);
		if (err)
			break;
		err = attrib_rule(cat, r, parts, &out->rules[out->n_rules]);
		out->n_rules++; /* freed with the rest, even half-built */
	}
out:
	free(parts);
	if (err)
		br_attrib_free(out);
	return err;
}

void br_attrib_free(struct br_attrib *a)
{
	size_t i;

	for (i = 0; a->rules && i < a->n_rules; i++)
		rule_free(&a->rules[i]);
	free(a->rules);
	memset(a, 0, sizeof(*a));
}

/* Does an action pol does not target need flow (svc, flow)? */
static bool others_need(const struct br_catalog *cat,
			const struct br_policy *pol, int svc, int flow)
{
	size_t o, a;

	for (o = 0; o < cat->n_services; o++) {
		const struct br_cat_service *os = &cat->services[o];

		for (a = 0; a < os->n_actions; a++)
			if (action_needs(&os->actions[a], svc, flow) &&
			    !br_targets(cat, pol, o, os->actions[a].name))
				return true;
	}
	return false;
}

bool br_attrib_touches_others(const struct br_catalog *cat,
			      const struct br_policy *pol)
{
	unsigned int *parts = NULL;
	bool hit = false;
	size_t r, s, f, k;

	if (br_attrib_blocks(pol->default_action) ||
	    br_attrib_blocks(pol->sni_default) ||
	    br_attrib_blocks(pol->tls_default))
		return true;
	parts = calloc(n_flows(cat) + 1, sizeof(*parts));
	if (!parts)
		return true;
	for (r = 0; r < pol->n_rules && !hit; r++) {
		if (!br_attrib_blocks(pol->rules[r].action))
			continue;
		if (br_classify_rule(cat, pol, r, &br_attrib_model, parts)) {
			hit = true;
			break;
		}
		for (s = 0, k = 0; s < cat->n_services && !hit; s++)
			for (f = 0; f < cat->services[s].n_flows && !hit;
			     f++, k++)
				hit = parts[k] && others_need(cat, pol, s, f);
	}
	free(parts);
	return hit;
}

void br_attrib_flow_text(const struct br_cat_flow *f, char *buf, size_t len)
{
	char ports[16] = "";

	if (f->kind != BR_CAT_DNS) {
		if (f->port_hi > f->port)
			snprintf(ports, sizeof(ports), " %u-%u", f->port,
				 f->port_hi);
		else
			snprintf(ports, sizeof(ports), " %u", f->port);
	}
	snprintf(buf, len, "%s%s%s%s%s%s", br_cat_kind_name(f->kind), ports,
		 f->sni ? " sni " : "", f->sni ? f->sni : "",
		 f->dns && (!f->sni || strcmp(f->sni, f->dns)) ? " dns " : "",
		 f->dns && (!f->sni || strcmp(f->sni, f->dns)) ? f->dns : "");
}
