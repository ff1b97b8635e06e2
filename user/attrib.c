// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * attrib.c - rules against the catalog's flow signatures (see attrib.h).
 *
 * The checks run over small universes built once per call: every address
 * prefix of the catalog's sets (and of the subscriber side), and every
 * server name its flows send or look up, with their parent domains. A
 * policy's set is scanned once, whatever its size, to mark what of a
 * universe it holds; a million-entry set costs one pass.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrplan.h"
#include "attrib.h"
#include "domain.h"

const struct br_attrib_side br_attrib_model = {
	.dev4 = BR_PLAN_DEV4,
	.dev6 = BR_PLAN_DEV6,
	.res4 = BR_PLAN_RES4,
	.res6 = BR_PLAN_RES6,
	.port_lo = BR_PLAN_PORT_LO,
	.port_hi = BR_PLAN_PORT_HI,
};

const struct br_attrib_side br_attrib_live = {
	.unknown = true,
	.dev4 = { .family = 4, .len = 0 },
	.dev6 = { .family = 6, .len = 0 },
	.res4 = { .family = 4, .len = 0 },
	.res6 = { .family = 6, .len = 0 },
	.port_lo = 1024, /* unknown: only for the shape of the packets */
	.port_hi = 65535,
};

#define BR_QTYPE_A 1
#define BR_QTYPE_AAAA 28
#define BR_QUIC_V1 0x00000001u /* the version the model's Initials carry */
#define BR_NAME_BUF 256

/* A range of the address universe: [q0, q1). */
struct ends {
	size_t q0, q1;
};

struct ctx {
	const struct br_catalog *cat;
	const struct br_policy *pol;
	const struct br_attrib_side *side;
	/* addresses: catalog sets' prefixes, then dev, res, any (v4, v6);
	 * those from unknown_q0 on are not known (a rule naming addresses
	 * there is taken not to match them) */
	size_t n_q, unknown_q0;
	struct br_prefix *q;
	size_t *set_q0; /* by catalog set, and one past the last */
	struct ends dev, res, any;
	/* q indices of prefixes of 8 bits or more, by family and first byte;
	 * shorter ones (the wildcards) apart */
	size_t *byte_q, byte_off[2][257];
	size_t *short_q, n_short[2], short_off[2];
	bool **addr_hit; /* by policy set, computed on first use */
	/* names: every name flows send or look up, and its parents */
	size_t n_names, cap_names;
	char **names;	     /* sorted, unique */
	uint8_t **dom_flags; /* by policy set: enum br_domain_flags per name */
	int err;	     /* the first allocation failure */
};

/* ---- addresses ---------------------------------------------------------- */

static bool prefix_meets(const struct br_prefix *a, const struct br_prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len;
	unsigned int bytes = len / 8, bits = len % 8;

	if (a->family != b->family)
		return false;
	if (memcmp(a->addr, b->addr, bytes))
		return false;
	if (!bits)
		return true;
	return !((a->addr[bytes] ^ b->addr[bytes]) & (0xff00 >> bits));
}

static int fam_idx(uint8_t family)
{
	return family == 6;
}

static int build_addrs(struct ctx *c)
{
	const struct br_catalog *cat = c->cat;
	const struct br_prefix side[6] = {
		c->side->dev4, c->side->dev6,	c->side->res4,
		c->side->res6, { .family = 4 }, { .family = 6 },
	};
	size_t i, k, n = 0, f, b, pos[2][256];

	for (i = 0; i < cat->n_sets; i++)
		if (cat->sets[i].type == BR_SET_ADDR)
			n += cat->sets[i].n;
	c->q = calloc(n + 6, sizeof(*c->q));
	c->set_q0 = calloc(cat->n_sets + 1, sizeof(*c->set_q0));
	c->byte_q = calloc(n + 6, sizeof(*c->byte_q));
	c->short_q = calloc(n + 6, sizeof(*c->short_q));
	if (!c->q || !c->set_q0 || !c->byte_q || !c->short_q)
		return -ENOMEM;
	for (i = 0; i < cat->n_sets; i++) {
		c->set_q0[i] = c->n_q;
		if (cat->sets[i].type != BR_SET_ADDR)
			continue;
		for (k = 0; k < cat->sets[i].n; k++)
			c->q[c->n_q++] = cat->sets[i].prefixes[k];
	}
	c->set_q0[cat->n_sets] = c->n_q;
	for (i = 0; i < 6; i++)
		c->q[c->n_q + i] = side[i];
	c->dev = (struct ends){ c->n_q, c->n_q + 2 };
	c->res = (struct ends){ c->n_q + 2, c->n_q + 4 };
	c->any = (struct ends){ c->n_q + 4, c->n_q + 6 };
	c->unknown_q0 = c->side->unknown ? c->n_q : c->n_q + 4;
	c->n_q += 6;

	/* a counting sort by (family, first byte); short prefixes apart */
	memset(c->byte_off, 0, sizeof(c->byte_off));
	memset(c->n_short, 0, sizeof(c->n_short));
	for (i = 0; i < c->n_q; i++) {
		f = fam_idx(c->q[i].family);
		if (c->q[i].len >= 8)
			c->byte_off[f][c->q[i].addr[0] + 1]++;
		else
			c->n_short[f]++;
	}
	for (b = 0; b < 256; b++)
		c->byte_off[0][b + 1] += c->byte_off[0][b];
	c->byte_off[1][0] = c->byte_off[0][256];
	for (b = 0; b < 256; b++)
		c->byte_off[1][b + 1] += c->byte_off[1][b];
	c->short_off[0] = 0;
	c->short_off[1] = c->n_short[0];
	for (f = 0; f < 2; f++)
		for (b = 0; b < 256; b++)
			pos[f][b] = c->byte_off[f][b];
	k = 0;
	for (i = 0; i < c->n_q; i++) {
		f = fam_idx(c->q[i].family);
		if (c->q[i].len >= 8)
			c->byte_q[pos[f][c->q[i].addr[0]]++] = i;
	}
	for (f = 0; f < 2; f++)
		for (i = 0; i < c->n_q; i++)
			if (fam_idx(c->q[i].family) == (int)f &&
			    c->q[i].len < 8)
				c->short_q[k++] = i;
	return 0;
}

static void mark(struct ctx *c, bool *hit, const struct br_prefix *e,
		 const size_t *idx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!hit[idx[i]] && prefix_meets(e, &c->q[idx[i]]))
			hit[idx[i]] = true;
}

/* Which prefixes of the universe policy set s meets; NULL: no memory. */
static const bool *addr_hits(struct ctx *c, int s)
{
	const struct br_set *set = &c->pol->sets[s];
	size_t i, f, b;
	bool *hit;

	if (c->addr_hit[s])
		return c->addr_hit[s];
	hit = calloc(c->n_q, sizeof(*hit));
	if (!hit) {
		c->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; set->type == BR_SET_ADDR && i < set->n; i++) {
		const struct br_prefix *e = &set->prefixes[i];

		f = fam_idx(e->family);
		mark(c, hit, e, c->short_q + c->short_off[f], c->n_short[f]);
		if (e->len >= 8) {
			b = e->addr[0];
			mark(c, hit, e, c->byte_q + c->byte_off[f][b],
			     c->byte_off[f][b + 1] - c->byte_off[f][b]);
		} else {
			mark(c, hit, e, c->byte_q + c->byte_off[f][0],
			     c->byte_off[f][256] - c->byte_off[f][0]);
		}
	}
	c->addr_hit[s] = hit;
	return hit;
}

static bool addr_ok(struct ctx *c, int s, size_t q)
{
	const bool *hit;

	if (s == BR_NO_SET)
		return true;
	if (q >= c->unknown_q0)
		return false;
	hit = addr_hits(c, s);
	return !hit || hit[q]; /* no memory: say it may match */
}

/* Some packet from src to dst, both of one family, meets the rule. */
static bool addrs_ok(struct ctx *c, const struct br_rule_ir *r, struct ends src,
		     struct ends dst)
{
	int fam;
	size_t q;

	for (fam = 4; fam <= 6; fam += 2) {
		bool s_ok = false, d_ok = false;

		for (q = src.q0; q < src.q1 && !s_ok; q++)
			s_ok = c->q[q].family == fam &&
			       addr_ok(c, r->saddr_set, q);
		for (q = dst.q0; q < dst.q1 && s_ok && !d_ok; q++)
			d_ok = c->q[q].family == fam &&
			       addr_ok(c, r->daddr_set, q);
		if (s_ok && d_ok)
			return true;
	}
	return false;
}

/* ---- ports and protocols -------------------------------------------- */

static bool port_ok(const struct br_policy *pol, int s, uint16_t lo,
		    uint16_t hi)
{
	const struct br_set *set;
	size_t i;

	if (s == BR_NO_SET)
		return true;
	set = &pol->sets[s];
	for (i = 0; set->type == BR_SET_PORT && i < set->n; i++)
		if (set->ports[i].lo <= hi && lo <= set->ports[i].hi)
			return true;
	return false;
}

/* One direction of a flow's packets. */
struct pkt {
	enum br_proto proto;
	struct ends src, dst;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	bool sport_unknown, dport_unknown; /* a device's, on a live network */
};

static bool l34_ok(struct ctx *c, const struct br_rule_ir *r,
		   const struct pkt *p)
{
	if (r->ether_type >= 0) /* non-IP frames only: no flow has them */
		return false;
	if (r->proto != BR_PROTO_ANY && r->proto != p->proto)
		return false;
	if ((p->sport_unknown && r->sport_set != BR_NO_SET) ||
	    (p->dport_unknown && r->dport_set != BR_NO_SET))
		return false;
	return port_ok(c->pol, r->sport_set, p->sport_lo, p->sport_hi) &&
	       port_ok(c->pol, r->dport_set, p->dport_lo, p->dport_hi) &&
	       addrs_ok(c, r, p->src, p->dst);
}

static struct pkt pkt_reverse(const struct pkt *p)
{
	struct pkt r = {
		.proto = p->proto,
		.src = p->dst,
		.dst = p->src,
		.sport_lo = p->dport_lo,
		.sport_hi = p->dport_hi,
		.dport_lo = p->sport_lo,
		.dport_hi = p->sport_hi,
		.sport_unknown = p->dport_unknown,
		.dport_unknown = p->sport_unknown,
	};

	return r;
}

/* ---- names -------------------------------------------------------------- */

/* The name a device sends, lowercase as the program reads it. */
static void expand(const char *tmpl, unsigned int n, char *out, size_t len)
{
	char *p;

	br_plan_name(tmpl, n, out, len);
	for (p = out; *p; p++)
		*p = tolower((unsigned char)*p);
}

static int add_name(struct ctx *c, const char *name)
{
	char **grown;

	if (c->n_names == c->cap_names) {
		c->cap_names = c->cap_names ? 2 * c->cap_names : 256;
		grown = realloc(c->names, c->cap_names * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->names = grown;
	}
	c->names[c->n_names] = strdup(name);
	if (!c->names[c->n_names])
		return -ENOMEM;
	c->n_names++;
	return 0;
}

/* A name and every parent domain of it. */
static int add_name_tree(struct ctx *c, const char *name)
{
	const char *p;
	int err = add_name(c, name);

	for (p = strchr(name, '.'); !err && p; p = strchr(p + 1, '.'))
		if (p[1])
			err = add_name(c, p + 1);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int build_names(struct ctx *c)
{
	const struct br_catalog *cat = c->cat;
	char buf[BR_NAME_BUF];
	size_t s, f, i, k;
	unsigned int n, max;
	int err = 0;

	for (s = 0; s < cat->n_services && !err; s++)
		for (f = 0; f < cat->services[s].n_flows && !err; f++) {
			const struct br_cat_flow *fl =
				&cat->services[s].flows[f];

			max = fl->sni_max ? fl->sni_max : 1;
			for (n = 1; n <= max && !err; n++) {
				if (fl->sni) {
					expand(fl->sni, n, buf, sizeof(buf));
					err = add_name_tree(c, buf);
				}
				if (fl->dns && !err) {
					expand(fl->dns, n, buf, sizeof(buf));
					err = add_name_tree(c, buf);
				}
			}
		}
	if (err)
		return err;
	if (c->n_names)
		qsort(c->names, c->n_names, sizeof(*c->names), cmp_str);
	for (i = 0, k = 0; i < c->n_names; i++) {
		if (k && !strcmp(c->names[k - 1], c->names[i])) {
			free(c->names[i]);
			continue;
		}
		c->names[k++] = c->names[i];
	}
	c->n_names = k;
	return 0;
}

/* Index of name in the universe, or -1. */
static long name_idx(const struct ctx *c, const char *name)
{
	char *const *hit;

	if (!c->n_names)
		return -1;
	hit = bsearch(&name, c->names, c->n_names, sizeof(*c->names), cmp_str);
	return hit ? hit - c->names : -1;
}

/* The flags domain set s gives each name of the universe; NULL: no memory. */
static const uint8_t *dom_flags(struct ctx *c, int s)
{
	const struct br_set *set = &c->pol->sets[s];
	uint8_t *fl;
	size_t i;
	long k;

	if (c->dom_flags[s])
		return c->dom_flags[s];
	fl = calloc(c->n_names + 1, 1);
	if (!fl) {
		c->err = -ENOMEM;
		return NULL;
	}
	for (i = 0; set->type == BR_SET_DOMAIN && i < set->n; i++) {
		k = name_idx(c, set->domains[i].name);
		if (k >= 0)
			fl[k] |= set->domains[i].flags;
	}
	c->dom_flags[s] = fl;
	return fl;
}

/* Does domain set s hold a name tmpl stands for (exactly or below)? */
static bool names_ok(struct ctx *c, int s, const char *tmpl, unsigned int max)
{
	char buf[BR_NAME_BUF];
	const uint8_t *fl;
	const char *p;
	unsigned int n;
	long k;

	if (s == BR_NO_SET)
		return true;
	if (!tmpl)
		return false; /* no name sent: the rule cannot see one */
	fl = dom_flags(c, s);
	if (!fl)
		return true;
	for (n = 1; n <= (max ? max : 1); n++) {
		expand(tmpl, n, buf, sizeof(buf));
		k = name_idx(c, buf);
		if (k >= 0 && (fl[k] & BR_DOMAIN_EXACT))
			return true;
		for (p = strchr(buf, '.'); p; p = strchr(p + 1, '.')) {
			k = p[1] ? name_idx(c, p + 1) : -1;
			if (k >= 0 && (fl[k] & BR_DOMAIN_BELOW))
				return true;
		}
		if (!strchr(tmpl, '%'))
			break;
	}
	return false;
}

/* ---- a rule against a flow ------------------------------------------- */

static bool qtype_ok(const struct br_rule_ir *r)
{
	size_t i;

	if (!r->n_qtypes)
		return true;
	for (i = 0; i < r->n_qtypes; i++)
		if (r->qtypes[i] == BR_QTYPE_A || r->qtypes[i] == BR_QTYPE_AAAA)
			return true;
	return false;
}

static bool quic_ok(const struct br_rule_ir *r)
{
	size_t i;

	if (!r->n_quic_versions)
		return true;
	for (i = 0; i < r->n_quic_versions; i++)
		if (r->quic_versions[i] == BR_QUIC_V1)
			return true;
	return false;
}

static struct ends server_ends(const struct ctx *c, const struct br_cat_flow *f)
{
	if (f->addr_set < 0 || (size_t)f->addr_set >= c->cat->n_sets ||
	    c->cat->sets[f->addr_set].type != BR_SET_ADDR)
		return c->any;
	return (struct ends){ c->set_q0[f->addr_set],
			      c->set_q0[f->addr_set + 1] };
}

/* Which packets of flow f rule r matches (enum br_attrib_part). */
static unsigned int rule_flow(struct ctx *c, const struct br_rule_ir *r,
			      const struct br_cat_flow *f)
{
	const struct br_attrib_side *sd = c->side;
	unsigned int parts = 0;
	struct pkt fwd, rev;

	if (f->dns || f->kind == BR_CAT_DNS) {
		fwd = (struct pkt){ BR_PROTO_UDP, c->dev,      c->res,
				    sd->port_lo,  sd->port_hi, 53,
				    53,		  sd->unknown, false };
		rev = pkt_reverse(&fwd);
		if (r->l7 == BR_L7_DNS) {
			if (l34_ok(c, r, &fwd) && qtype_ok(r) &&
			    names_ok(c, r->domain_set, f->dns, f->sni_max))
				parts |= BR_ATTRIB_DNS;
		} else if (r->l7 == BR_L7_NONE) {
			if (l34_ok(c, r, &fwd) || l34_ok(c, r, &rev))
				parts |= BR_ATTRIB_DNS;
		}
	}
	if (f->kind == BR_CAT_DNS)
		return parts;
	fwd = (struct pkt){
		.proto = f->kind == BR_CAT_TLS || f->kind == BR_CAT_TCP
				 ? BR_PROTO_TCP
				 : BR_PROTO_UDP,
		.src = c->dev,
		.dst = server_ends(c, f),
		.sport_lo = sd->port_lo,
		.sport_hi = sd->port_hi,
		.dport_lo = f->port,
		.dport_hi = f->port_hi > f->port ? f->port_hi : f->port,
		.sport_unknown = sd->unknown,
	};
	rev = pkt_reverse(&fwd);
	switch (r->l7) {
	case BR_L7_NONE:
		if (l34_ok(c, r, &fwd) || l34_ok(c, r, &rev))
			parts |= BR_ATTRIB_FLOW;
		break;
	case BR_L7_TLS:
		/* the hello's name; ECH only in the big (Chrome, iOS 26)
		 * hellos, which send a GREASE one */
		if (f->kind == BR_CAT_TLS && l34_ok(c, r, &fwd) &&
		    names_ok(c, r->domain_set, f->sni, f->sni_max) &&
		    (!r->ech || f->pq_hello))
			parts |= BR_ATTRIB_FLOW;
		break;
	case BR_L7_QUIC:
		if (f->kind == BR_CAT_QUIC && l34_ok(c, r, &fwd) && quic_ok(r))
			parts |= BR_ATTRIB_FLOW;
		break;
	default: /* DNS: the lookup only, above */
		break;
	}
	return parts;
}

/* ---- set-up -------------------------------------------------------------- */

static void ctx_free(struct ctx *c)
{
	size_t i;

	for (i = 0; c->pol && i < c->pol->n_sets; i++) {
		if (c->addr_hit)
			free(c->addr_hit[i]);
		if (c->dom_flags)
			free(c->dom_flags[i]);
	}
	free(c->addr_hit);
	free(c->dom_flags);
	for (i = 0; i < c->n_names; i++)
		free(c->names[i]);
	free(c->names);
	free(c->q);
	free(c->set_q0);
	free(c->byte_q);
	free(c->short_q);
	memset(c, 0, sizeof(*c));
}

static int ctx_init(struct ctx *c, const struct br_catalog *cat,
		    const struct br_policy *pol,
		    const struct br_attrib_side *side)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->cat = cat;
	c->pol = pol;
	c->side = side;
	c->addr_hit = calloc(pol->n_sets + 1, sizeof(*c->addr_hit));
	c->dom_flags = calloc(pol->n_sets + 1, sizeof(*c->dom_flags));
	if (!c->addr_hit || !c->dom_flags)
		err = -ENOMEM;
	else
		err = build_addrs(c);
	if (!err)
		err = build_names(c);
	if (err)
		ctx_free(c);
	return err;
}

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

static int attrib_rule(struct ctx *c, size_t ri, struct br_attrib_rule *ar)
{
	const struct br_catalog *cat = c->cat;
	size_t s, f, n_flows = 0;
	unsigned int parts;

	memset(ar, 0, sizeof(*ar));
	ar->rule = ri;
	for (s = 0; s < cat->n_services; s++)
		n_flows += cat->services[s].n_flows;
	ar->sigs = calloc(n_flows + 1, sizeof(*ar->sigs));
	if (!ar->sigs)
		return -ENOMEM;
	for (s = 0; s < cat->n_services; s++)
		for (f = 0; f < cat->services[s].n_flows; f++) {
			parts = rule_flow(c, &c->pol->rules[ri],
					  &cat->services[s].flows[f]);
			if (!parts)
				continue;
			ar->sigs[ar->n_sigs++] = (struct br_attrib_sig){
				.service = s,
				.flow = f,
				.parts = parts,
				.n_users = flow_users(cat, s, f),
			};
		}
	return c->err ? c->err : rule_services(cat, ar);
}

int br_attrib_compute(const struct br_catalog *cat, const struct br_policy *pol,
		      const struct br_attrib_side *side, struct br_attrib *out)
{
	struct ctx c;
	size_t r;
	int err;

	memset(out, 0, sizeof(*out));
	err = ctx_init(&c, cat, pol, side);
	if (err)
		return err;
	out->rules = calloc(pol->n_rules + 1, sizeof(*out->rules));
	if (!out->rules) {
		err = -ENOMEM;
		goto out;
	}
	for (r = 0; r < pol->n_rules && !err; r++) {
		if (!br_attrib_blocks(pol->rules[r].action))
			continue;
		err = attrib_rule(&c, r, &out->rules[out->n_rules]);
		out->n_rules++; /* freed with the rest, even half-built */
	}
out:
	ctx_free(&c);
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

bool br_attrib_touches_others(const struct br_catalog *cat,
			      const struct br_policy *pol)
{
	const struct br_cat_service *svc;
	bool *target = NULL, hit = false;
	size_t r, s, f, o, t;
	struct ctx c;
	int idx;

	if (br_attrib_blocks(pol->default_action) ||
	    br_attrib_blocks(pol->sni_default))
		return true;
	if (ctx_init(&c, cat, pol, &br_attrib_model))
		return true;
	target = calloc(cat->n_services + 1, sizeof(*target));
	if (!target) {
		hit = true;
		goto out;
	}
	for (t = 0; t < pol->n_targets; t++) {
		idx = br_catalog_service(cat, pol->targets[t]);
		if (idx >= 0)
			target[idx] = true;
	}
	for (r = 0; r < pol->n_rules && !hit; r++) {
		if (!br_attrib_blocks(pol->rules[r].action))
			continue;
		for (s = 0; s < cat->n_services && !hit; s++)
			for (f = 0; f < cat->services[s].n_flows && !hit; f++) {
				if (!rule_flow(&c, &pol->rules[r],
					       &cat->services[s].flows[f]))
					continue;
				for (o = 0; o < cat->n_services && !hit; o++) {
					svc = &cat->services[o];
					hit = !target[o] &&
					      service_needs(svc, s, f);
				}
			}
	}
	hit |= c.err != 0;
out:
	free(target);
	ctx_free(&c);
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
