/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * service_rules.c - a catalog service's observable signature as policy
 * rules: what "rule service ID ACTION" and "drop service ID" expand to
 * (policy.c parses the statements), and the service ids they and
 * "target" name, checked against the catalog.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "domain.h"
#include "parser.h"
#include "policy_parse.h"
#include "service_rules.h"

/* The catalog's index of service id, or -1 with the error reported. */
int br_parse_service_id(struct br_parser *ps, const char *id, struct br_pos pos)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	const char *near;
	int idx = br_catalog_service(pp->cat, id);

	if (idx >= 0)
		return idx;
	near = br_catalog_suggest(pp->cat, id);
	if (near)
		br_perr(ps, pos,
			"unknown service \"%s\" (did you mean \"%s\"?)", id,
			near);
	else
		br_perr(ps, pos,
			"unknown service \"%s\" (not in the service catalog)",
			id);
	return -1;
}

/*
 * A target: a service id, or SERVICE.ACTION naming an action of it (on any
 * platform). 0, or -1 with the error reported.
 */
int br_parse_target_name(struct br_parser *ps, const char *name,
			 struct br_pos pos)
{
	const struct br_catalog *cat = br_pol_of(ps)->cat;
	const struct br_cat_service *svc;
	const char *dot = strchr(name, '.');
	char *id, list[256] = "";
	size_t a, b, used = 0;
	int idx;

	id = dot ? strndup(name, dot - name) : strdup(name);
	if (!id)
		return -1;
	idx = br_parse_service_id(ps, id, pos);
	if (idx < 0 || !dot) {
		free(id);
		return idx < 0 ? -1 : 0;
	}
	svc = &cat->services[idx];
	for (a = 0; a < svc->n_actions; a++) {
		if (!strcmp(svc->actions[a].name, dot + 1)) {
			free(id);
			return 0;
		}
		/* each name once (an action may have one line per platform) */
		for (b = 0; b < a; b++)
			if (!strcmp(svc->actions[b].name, svc->actions[a].name))
				break;
		if (b == a && used < sizeof(list))
			used += snprintf(list + used, sizeof(list) - used,
					 "%s%s", used ? ", " : "",
					 svc->actions[a].name);
	}
	br_perr(ps, pos, "service \"%s\" has no action \"%s\" (its actions: %s)",
		id, dot + 1, used ? list : "none");
	free(id);
	return -1;
}

/*
 * Rules a statement makes count against the policy's limit; the statement
 * that first goes past it is the error (svc: a service rule's id).
 */
void br_claim_rules(struct br_parser *ps, unsigned int n, struct br_pos pos,
		    const char *svc)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	unsigned int before = pp->rule_slots;

	pp->rule_slots += n;
	if (before > BR_MAX_RULES || pp->rule_slots <= BR_MAX_RULES)
		return;
	if (svc)
		br_perr(ps, pos,
			"too many rules: at most %d per policy (service \"%s\" "
			"makes %u)",
			BR_MAX_RULES, svc, n);
	else
		br_perr(ps, pos, "too many rules: at most %d per policy",
			BR_MAX_RULES);
}

/*
 * One rule of an expansion: what a censor sees of one or more flows. TLS
 * flows with a name are matched by it (on their port), DNS flows by the
 * names they look up, the others by address set and port.
 */
struct sig {
	enum br_cat_kind kind; /* BR_CAT_TCP also for a TLS flow without sni */
	int cat_set;
	uint16_t lo, hi;
	size_t first; /* the flow that opened it */
	enum br_action action;
};

static enum br_cat_kind sig_kind(const struct br_cat_flow *f)
{
	if (f->kind == BR_CAT_TLS && !f->sni)
		return BR_CAT_TCP;
	return f->kind;
}

static int same_sig(const struct sig *g, const struct br_cat_flow *f)
{
	enum br_cat_kind k = sig_kind(f);

	if (g->kind != k)
		return 0;
	switch (k) {
	case BR_CAT_DNS:
		return 1;
	case BR_CAT_TLS:
		return g->lo == f->port;
	default:
		return g->cat_set == f->addr_set && g->lo == f->port &&
		       g->hi == f->port_hi;
	}
}

/* The action a rule of kind k takes for a service rule's action. */
static enum br_action sig_action(enum br_cat_kind k, enum br_action act)
{
	int udp = k == BR_CAT_UDP || k == BR_CAT_QUIC;

	if (k == BR_CAT_DNS) {
		if (act == BR_ACT_RESET)
			return BR_ACT_NXDOMAIN; /* the fast failure of DNS */
		if (act == BR_ACT_THROTTLE || act == BR_ACT_FREEZE ||
		    act == BR_ACT_PENALTY)
			return BR_ACT_NONE; /* a lookup has no rate, no
					     * transfer to freeze, and its
					     * destination is the resolver,
					     * not the service */
	}
	if (udp && act == BR_ACT_RESET)
		return BR_ACT_DROP;
	return act;
}

/* A new anonymous set "NAME.what" of the policy; its index in *idx. */
static int expansion_set(struct br_parser *ps, const char *svc,
			 const char *flow, const char *what,
			 enum br_set_type type, struct br_pos pos, int *idx)
{
	char *name;

	if (asprintf(&name, "%s.%s.%s", svc, flow, what) < 0)
		return -ENOMEM;
	return br_parse_new_set(ps, name, 1, type, pos, idx);
}

static int add_port_range(struct br_parser *ps, int idx, uint16_t lo,
			  uint16_t hi)
{
	struct br_set *set = &ps->pol->sets[idx];
	struct br_port_range *p;

	p = br_grow(set->ports, &ps->set_cap[idx], set->n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	set->ports = p;
	set->ports[set->n].lo = lo;
	set->ports[set->n++].hi = hi;
	return 0;
}

/* Add the exact name to domain set idx, once. */
static int add_name(struct br_parser *ps, int idx, const char *name,
		    struct br_pos pos)
{
	struct br_set *set = &ps->pol->sets[idx];
	struct br_domain *d;
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->domains[i].name, name))
			return 0;
	d = br_grow(set->domains, &ps->set_cap[idx], set->n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	set->domains = d;
	d = &set->domains[set->n];
	d->name = strdup(name);
	if (!d->name)
		return -ENOMEM;
	d->flags = BR_DOMAIN_EXACT;
	d->pos = pos;
	set->n++;
	return 0;
}

/* The names a catalog name stands for: itself, or '%' as 1..max. */
static int add_names(struct br_parser *ps, int idx, const char *tmpl,
		     unsigned int max, struct br_pos pos)
{
	const char *pct = strchr(tmpl, '%');
	char name[BR_DOMAIN_TEXT_LEN + 8];
	unsigned int n;
	int err;

	if (!pct)
		return add_name(ps, idx, tmpl, pos);
	for (n = 1; n <= max; n++) {
		snprintf(name, sizeof(name), "%.*s%u%s", (int)(pct - tmpl),
			 tmpl, n, pct + 1);
		err = add_name(ps, idx, name, pos);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Catalog set cat_set as an anonymous set of the policy, copied once per
 * policy (the policy parser's cat_copy maps catalog sets to their copies).
 */
static int copy_cat_set(struct br_parser *ps, int cat_set, struct br_pos pos,
			int *idx)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	const struct br_set *from = &pp->cat->sets[cat_set];
	struct br_set *to;
	size_t i;
	char *name;
	int err;

	if (!pp->cat_copy) {
		pp->cat_copy =
			malloc((pp->cat->n_sets + 1) * sizeof(*pp->cat_copy));
		if (!pp->cat_copy)
			return -ENOMEM;
		for (i = 0; i < pp->cat->n_sets; i++)
			pp->cat_copy[i] = -1;
	}
	if (pp->cat_copy[cat_set] >= 0) {
		*idx = pp->cat_copy[cat_set];
		return 0;
	}
	name = strdup(from->name);
	err = br_parse_new_set(ps, name, 1, from->type, pos, idx);
	if (err)
		return err;
	/* a flow's servers: always an address set (the catalog checks) */
	to = &ps->pol->sets[*idx];
	to->prefixes = malloc(from->n * sizeof(*to->prefixes) + 1);
	if (!to->prefixes)
		return -ENOMEM;
	memcpy(to->prefixes, from->prefixes, from->n * sizeof(*to->prefixes));
	to->n = from->n;
	ps->set_cap[*idx] = from->n;
	pp->cat_copy[cat_set] = *idx;
	return 0;
}

/* "a" or "{ a, b }": the names (as the catalog writes them) of a sig. */
static void names_text(FILE *f, const struct br_cat_service *svc,
		       const struct sig *g, int dns)
{
	const struct br_cat_flow *fl;
	const char *name, *seen[64];
	size_t i, k, n = 0;

	for (i = g->first; i < svc->n_flows; i++) {
		fl = &svc->flows[i];
		if (!same_sig(g, fl))
			continue;
		name = dns ? fl->dns : fl->sni;
		for (k = 0; k < n && strcmp(seen[k], name); k++)
			;
		if (k < n || n == ARRAY_SIZE(seen))
			continue;
		seen[n++] = name;
	}
	if (n == 1) {
		fprintf(f, "%s", seen[0]);
		return;
	}
	fprintf(f, "{ ");
	for (k = 0; k < n; k++)
		fprintf(f, "%s%s", k ? ", " : "", seen[k]);
	fprintf(f, " }");
}

/* The stats label of an expanded rule. */
static char *expansion_text(const struct br_rule_ir *r,
			    const struct br_cat_service *svc,
			    const struct sig *g, const char *cat_set,
			    const char *act_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (r->name)
		fprintf(f, "rule \"%s\" ", r->name);
	fprintf(f, "service %s: ", svc->id);
	switch (g->kind) {
	case BR_CAT_TLS:
		fprintf(f, "tcp dport %u sni ", g->lo);
		names_text(f, svc, g, 0);
		break;
	case BR_CAT_DNS:
		fprintf(f, "dns ");
		names_text(f, svc, g, 1);
		break;
	default:
		fprintf(f, "%s daddr @%s dport %u",
			g->kind == BR_CAT_TCP ? "tcp" : "udp", cat_set, g->lo);
		if (g->hi != g->lo)
			fprintf(f, "-%u", g->hi);
		if (g->kind == BR_CAT_QUIC)
			fprintf(f, " quic");
		break;
	}
	fprintf(f, " %s", act_text);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* The rule of sig g, its sets added to the policy, into *e. */
static int expansion_rule(struct br_parser *ps, const struct br_rule_ir *r,
			  const struct br_cat_service *svc, const struct sig *g,
			  const char *act_text, struct br_rule_ir *e)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	const struct br_cat_flow *first = &svc->flows[g->first], *fl;
	const char *cat_set = NULL;
	size_t i;
	int err;

	*e = *r;
	e->name = NULL;
	e->text = NULL;
	e->action = g->action;
	e->proto = g->kind == BR_CAT_TLS || g->kind == BR_CAT_TCP
			   ? BR_PROTO_TCP
			   : BR_PROTO_UDP;
	if (g->kind == BR_CAT_TLS || g->kind == BR_CAT_DNS) {
		e->l7 = g->kind == BR_CAT_TLS ? BR_L7_TLS : BR_L7_DNS;
		err = expansion_set(ps, svc->id, first->name,
				    g->kind == BR_CAT_TLS ? "sni" : "dns",
				    BR_SET_DOMAIN, r->pos, &e->domain_set);
		for (i = g->first; !err && i < svc->n_flows; i++) {
			fl = &svc->flows[i];
			if (same_sig(g, fl))
				err = add_names(ps, e->domain_set,
						g->kind == BR_CAT_TLS ? fl->sni
								      : fl->dns,
						fl->sni_max, r->pos);
		}
		if (err)
			return err;
		pp->sni_matches += g->kind == BR_CAT_TLS;
	} else {
		e->l7 = g->kind == BR_CAT_QUIC ? BR_L7_QUIC : BR_L7_NONE;
		err = copy_cat_set(ps, g->cat_set, r->pos, &e->daddr_set);
		if (err)
			return err;
		cat_set = pp->cat->sets[g->cat_set].name;
	}
	if (g->kind != BR_CAT_DNS) {
		err = expansion_set(ps, svc->id, first->name, "dport",
				    BR_SET_PORT, r->pos, &e->dport_set);
		if (!err)
			err = add_port_range(ps, e->dport_set, g->lo, g->hi);
		if (err)
			return err;
	}
	if (r->name) {
		e->name = strdup(r->name);
		if (!e->name)
			return -ENOMEM;
	}
	e->text = expansion_text(
		r, svc, g, cat_set,
		g->action == r->action ? act_text : br_action_name(g->action));
	return e->text ? 0 : -ENOMEM;
}

/*
 * Service svc's own flows (not those of services it rides on) as rules
 * with r's action, appended to the policy: one rule per distinct
 * signature, in the order of the flows.
 */
int br_expand_service(struct br_parser *ps, const struct br_rule_ir *r,
		      int svc_idx, const char *act_text)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	const struct br_cat_service *svc = &pp->cat->services[svc_idx];
	struct br_policy *pol = ps->pol;
	struct br_rule_ir *rules;
	struct sig *sigs;
	size_t i, k, n = 0, made = 0;
	int err = 0;

	sigs = calloc(svc->n_flows + 1, sizeof(*sigs));
	if (!sigs)
		return -ENOMEM;
	for (i = 0; i < svc->n_flows; i++) {
		for (k = 0; k < n && !same_sig(&sigs[k], &svc->flows[i]); k++)
			;
		if (k < n)
			continue;
		sigs[n].kind = sig_kind(&svc->flows[i]);
		sigs[n].cat_set = svc->flows[i].addr_set;
		sigs[n].lo = svc->flows[i].port;
		sigs[n].hi = svc->flows[i].port_hi;
		sigs[n].first = i;
		sigs[n].action = sig_action(sigs[n].kind, r->action);
		made += sigs[n].action != BR_ACT_NONE;
		n++;
	}
	if (!made) {
		br_perr(ps, r->pos,
			"service \"%s\" has no flow a %s rule can match",
			svc->id, br_action_name(r->action));
		br_claim_rules(ps, 1, r->pos, NULL);
		goto out;
	}
	br_claim_rules(ps, (unsigned int)made, r->pos, svc->id);
	if (pp->rule_slots > BR_MAX_RULES)
		goto out;
	for (k = 0; k < n; k++) {
		if (sigs[k].action == BR_ACT_NONE)
			continue;
		rules = br_grow(pol->rules, &pp->cap_rules, pol->n_rules,
				sizeof(*rules));
		if (!rules) {
			err = -ENOMEM;
			goto out;
		}
		pol->rules = rules;
		err = expansion_rule(ps, r, svc, &sigs[k], act_text,
				     &pol->rules[pol->n_rules]);
		if (err) {
			free(pol->rules[pol->n_rules].name);
			free(pol->rules[pol->n_rules].text);
			goto out;
		}
		pol->n_rules++;
	}
out:
	free(sigs);
	return err;
}
