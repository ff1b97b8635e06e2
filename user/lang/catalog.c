/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * catalog.c - the service catalog (policies/catalog/README.md) into the
 * catalog IR (catalog.h).
 *
 * The catalog language is the policy language's sibling: the same lexer,
 * the same sets, set files and error recovery (parser.h), and its own
 * statements for services, their flows and their users' actions. Every
 * file of a directory is read into one parser, so set names and service
 * ids are global; flow references ("apns.courier") are resolved once all
 * files are read, so a service may name one declared after it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "lex.h"
#include "parser.h"

#ifndef BR_DATADIR
#define BR_DATADIR "/usr/local/share/blastradius"
#endif

#define BR_CAT_SNI_MAX 1000    /* '%' runs 1..sni-max: names a rule lists */
#define BR_CAT_RATE_MAX 3600e3 /* actions per hour: one a millisecond */
#define BR_CAT_DEADLINE_MAX (24 * 3600 * 1000000000ull) /* 24h */
/* FCM keeps a message at most 28 days (Firebase, "Setting message
 * lifespan"); APNs about 30 days (FACTS.md, APNs) */
#define BR_CAT_EXPIRY_MAX (30 * 24 * 3600 * 1000000000ull)

static const char *const cat_keywords[] = {
	"service", "category", "platform", "source",
	"flow",	   "action",   "set",	   "include",
	"label",   "class-label",
};

/* A flow reference of an action, resolved when every file is read. */
struct pending_ref {
	int service, action, term, alt;
	char *text; /* "flow" or "service.flow" */
	struct br_pos pos;
};

/* Growth state of one service's arrays. */
struct svc_caps {
	size_t flows, actions, sources;
	struct br_pos category_pos, platform_pos, label_pos, class_label_pos;
};

struct cat_parser {
	struct br_parser ps; /* first: the statement hook gets &cp->ps */
	struct br_catalog *cat;
	size_t cap_services;
	struct svc_caps *caps;
	int cur;     /* the service statements belong to, or -1 */
	int bad_svc; /* after a service statement that failed: skip */
	size_t n_pending, cap_pending;
	struct pending_ref *pending;
};

static struct cat_parser *cat_of(struct br_parser *ps)
{
	return ps->priv;
}

const char *br_platform_name(enum br_platform p)
{
	switch (p) {
	case BR_PLAT_IOS:
		return "ios";
	case BR_PLAT_ANDROID:
		return "android";
	default:
		return "any";
	}
}

const char *br_cat_kind_name(enum br_cat_kind k)
{
	switch (k) {
	case BR_CAT_TLS:
		return "tls";
	case BR_CAT_QUIC:
		return "quic";
	case BR_CAT_TCP:
		return "tcp";
	case BR_CAT_UDP:
		return "udp";
	default:
		return "dns";
	}
}

/* ---- lookups ---------------------------------------------------------- */

static int find_service(const struct br_catalog *cat, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < cat->n_services; i++)
		if (strlen(cat->services[i].id) == n &&
		    !memcmp(cat->services[i].id, p, n))
			return (int)i;
	return -1;
}

int br_catalog_service(const struct br_catalog *cat, const char *id)
{
	return cat && id ? find_service(cat, id, strlen(id)) : -1;
}

static int find_flow(const struct br_cat_service *svc, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < svc->n_flows; i++)
		if (strlen(svc->flows[i].name) == n &&
		    !memcmp(svc->flows[i].name, p, n))
			return (int)i;
	return -1;
}

int br_catalog_flow(const struct br_cat_service *svc, const char *name)
{
	return find_flow(svc, name, strlen(name));
}

int br_catalog_action(const struct br_cat_service *svc, const char *name,
		      enum br_platform platform)
{
	const struct br_cat_action *a;
	size_t i;

	for (i = 0; i < svc->n_actions; i++) {
		a = &svc->actions[i];
		if (strcmp(a->name, name))
			continue;
		if (a->platform == BR_PLAT_ANY || platform == BR_PLAT_ANY ||
		    a->platform == platform)
			return (int)i;
	}
	return -1;
}

static const char *suggest_service(const struct br_catalog *cat, const char *w,
				   size_t n)
{
	const char *found = NULL;
	size_t i, best = SIZE_MAX;

	for (i = 0; cat && i < cat->n_services; i++)
		if (br_parse_closer(w, n, cat->services[i].id, &best))
			found = cat->services[i].id;
	return found;
}

const char *br_catalog_suggest(const struct br_catalog *cat, const char *id)
{
	return suggest_service(cat, id, strlen(id));
}

static const char *suggest_flow(const struct br_cat_service *svc, const char *w,
				size_t n)
{
	const char *found = NULL;
	size_t i, best = SIZE_MAX;

	for (i = 0; i < svc->n_flows; i++)
		if (br_parse_closer(w, n, svc->flows[i].name, &best))
			found = svc->flows[i].name;
	return found;
}

/* ---- helpers ---------------------------------------------------------- */

/* A service or flow name: an identifier without '.' (refs use one). */
static int parse_id(struct br_parser *ps, struct br_src *s, const char *what,
		    char **out, struct br_pos *pos)
{
	int err = br_parse_name(ps, s, what, 0, out, pos);

	if (err)
		return err;
	if (strchr(*out, '.')) {
		br_perr(ps, *pos,
			"bad name \"%s\": no \".\" in %s (\"service.flow\" "
			"names another service's flow)",
			*out, what);
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The service a statement belongs to; reports one outside any. */
static int in_service(struct cat_parser *cp, struct br_src *s)
{
	if (cp->cur >= 0)
		return 1;
	br_perr(&cp->ps, s->cur.pos,
		"\"%.*s\" outside a service (a \"service ID\" statement comes "
		"first)",
		(int)s->cur.len, s->cur.start);
	return 0;
}

static struct br_cat_service *cur_svc(struct cat_parser *cp)
{
	return &cp->cat->services[cp->cur];
}

/*
 * A lexer error token that "|" gave while the lexer was quiet (see
 * parse_needs); any other is reported here as the lexer would have.
 */
static int is_pipe(const struct br_token *t)
{
	return t->kind == BR_TOK_ERROR && t->len == 1 && t->start[0] == '|';
}

static void quiet_error(struct br_src *s, const struct br_token *t)
{
	br_lex_report(&s->lx, t);
}

/* ---- service, category, platform, source ------------------------------- */

static int parse_service(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct br_catalog *cat = cp->cat;
	struct br_cat_service *svc, *svcs;
	struct svc_caps *caps;
	struct br_pos pos;
	size_t cap;
	char *id, *title = NULL;
	int idx, err;

	cp->cur = -1;
	cp->bad_svc = 1;
	br_parse_next(s);
	err = parse_id(ps, s, "service id", &id, &pos);
	if (err)
		return err;
	idx = find_service(cat, id, strlen(id));
	if (idx >= 0) {
		br_perr(ps, pos, "service \"%s\" already declared at " POSF, id,
			POSA(cat->services[idx].pos));
		free(id);
		return -EINVAL;
	}
	if (s->cur.kind == BR_TOK_STRING) {
		if (s->cur.len == 2) {
			br_perr(ps, s->cur.pos, "empty title");
			free(id);
			return -EINVAL;
		}
		title = br_tok_string(&s->cur);
		if (!title)
			goto nomem;
		br_parse_next(s);
	} else if (!br_parse_at_eol(s)) {
		free(id);
		return br_parse_expected(ps, s, "a \"title\" or end of line");
	}
	if (!title)
		title = strdup(id);
	if (!title)
		goto nomem;

	cap = cp->cap_services;
	svcs = br_grow(cat->services, &cap, cat->n_services, sizeof(*svcs));
	if (!svcs)
		goto nomem;
	cat->services = svcs;
	if (cap != cp->cap_services) {
		caps = realloc(cp->caps, cap * sizeof(*caps));
		if (!caps)
			goto nomem;
		cp->caps = caps;
		cp->cap_services = cap;
	}
	svc = &cat->services[cat->n_services];
	memset(svc, 0, sizeof(*svc));
	memset(&cp->caps[cat->n_services], 0, sizeof(*cp->caps));
	svc->id = id;
	svc->title = title;
	svc->pos = pos;
	cp->cur = (int)cat->n_services++;
	cp->bad_svc = 0;
	return br_parse_end_statement(ps, s);
nomem:
	free(id);
	free(title);
	return -ENOMEM;
}

static int parse_category(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct svc_caps *caps = &cp->caps[cp->cur];
	struct br_cat_service *svc = cur_svc(cp);
	struct br_pos pos = s->cur.pos;
	int err;

	br_parse_next(s);
	if (svc->category) {
		br_perr(ps, pos, "\"category\" already given at " POSF,
			POSA(caps->category_pos));
		return -EINVAL;
	}
	err = br_parse_name(ps, s, "category name", 0, &svc->category, &pos);
	if (err)
		return err;
	caps->category_pos = pos;
	return br_parse_end_statement(ps, s);
}

/* ios or android at cur, consumed. */
static int parse_platform_word(struct br_parser *ps, struct br_src *s,
			       enum br_platform *out)
{
	char d[BR_PARSE_DESC_LEN];

	if (br_tok_is(&s->cur, "ios")) {
		*out = BR_PLAT_IOS;
	} else if (br_tok_is(&s->cur, "android")) {
		*out = BR_PLAT_ANDROID;
	} else if (s->cur.kind == BR_TOK_WORD) {
		br_perr(ps, s->cur.pos,
			"unknown platform %s (expected ios or android)",
			br_parse_desc(&s->cur, d));
		return -EINVAL;
	} else {
		return br_parse_expected(ps, s, "ios or android");
	}
	br_parse_next(s);
	return 0;
}

static int parse_svc_platform(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct svc_caps *caps = &cp->caps[cp->cur];
	struct br_cat_service *svc = cur_svc(cp);
	struct br_pos pos = s->cur.pos;
	int err;

	br_parse_next(s);
	if (br_parse_once(ps, pos, "platform", &caps->platform_pos))
		return -EINVAL;
	err = parse_platform_word(ps, s, &svc->platform);
	if (err)
		return err;
	return br_parse_end_statement(ps, s);
}

static int parse_source_stmt(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct br_cat_service *svc = cur_svc(cp);
	char **sources;
	char *text;

	br_parse_next(s);
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted source");
	if (s->cur.len == 2) {
		br_perr(ps, s->cur.pos, "empty source");
		return -EINVAL;
	}
	text = br_tok_string(&s->cur);
	if (!text)
		return -ENOMEM;
	sources = br_grow(svc->sources, &cp->caps[cp->cur].sources,
			  svc->n_sources, sizeof(*sources));
	if (!sources) {
		free(text);
		return -ENOMEM;
	}
	svc->sources = sources;
	svc->sources[svc->n_sources++] = text;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

/*
 * label "APNs" or class-label "iOS system": the names reports show for the
 * service, once each.
 */
static int parse_label(struct cat_parser *cp, struct br_src *s, int class)
{
	struct br_parser *ps = &cp->ps;
	struct svc_caps *caps = &cp->caps[cp->cur];
	struct br_cat_service *svc = cur_svc(cp);
	struct br_pos *given = class ? &caps->class_label_pos : &caps->label_pos;
	char **to = class ? &svc->class_label : &svc->label;
	const char *kw = class ? "class-label" : "label";
	struct br_pos pos = s->cur.pos;

	br_parse_next(s);
	if (given->line) {
		br_perr(ps, pos, "\"%s\" already given at " POSF, kw,
			POSA(*given));
		return -EINVAL;
	}
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted name");
	if (s->cur.len == 2) {
		br_perr(ps, s->cur.pos, "empty %s", kw);
		return -EINVAL;
	}
	*to = br_tok_string(&s->cur);
	if (!*to)
		return -ENOMEM;
	*given = pos;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

/* ---- flow ------------------------------------------------------------- */

enum flow_opt {
	O_DADDR,
	O_DPORT,
	O_SNI,
	O_SNI_MAX,
	O_DNS,
	O_PQ,
	O_ECH,
	O_CHANNEL,
	O_BYTES,
	O_NEED,
	O_LOOKUP,
	O_ALT_SVC,
	O_ROTATE,
	O_STUN,
	O_COUNT,
};

static const char *const flow_opt_kw[O_COUNT] = {
	[O_DADDR] = "daddr",	 [O_DPORT] = "dport", [O_SNI] = "sni",
	[O_SNI_MAX] = "sni-max", [O_DNS] = "dns",     [O_PQ] = "pq",
	[O_ECH] = "ech",
	[O_CHANNEL] = "channel", [O_BYTES] = "bytes", [O_NEED] = "need",
	[O_LOOKUP] = "lookup",
	[O_ALT_SVC] = "alt-svc", [O_ROTATE] = "rotate", [O_STUN] = "stun",
};

static const char *const kind_kw[] = {
	[BR_CAT_TLS] = "tls", [BR_CAT_QUIC] = "quic", [BR_CAT_TCP] = "tcp",
	[BR_CAT_UDP] = "udp", [BR_CAT_DNS] = "dns",
};

/*
 * A host name for sni or dns at cur: a word, or a "string" (a name with
 * '%', which the lexer keeps out of words). One '%' at most: a number the
 * device picks. Lowercase, trailing dot dropped, into *out.
 */
static int parse_host(struct br_parser *ps, struct br_src *s, const char *kw,
		      char **out)
{
	const struct br_token *t = &s->cur;
	struct br_domain dom = { 0 };
	char *text, *pct, *p, *show = NULL;
	char what[64];
	size_t n;
	int err;

	if (t->kind == BR_TOK_WORD) {
		text = strndup(t->start, t->len);
	} else if (t->kind == BR_TOK_STRING) {
		text = br_tok_string(t);
	} else {
		snprintf(what, sizeof(what), "a host name after \"%s\"", kw);
		return br_parse_expected(ps, s, what);
	}
	if (!text || asprintf(&show, "\"%s\"", text) < 0) {
		free(text);
		return -ENOMEM;
	}
	err = -EINVAL;
	n = strlen(text);
	pct = strchr(text, '%');
	if (pct && strchr(pct + 1, '%')) {
		br_perr(ps, t->pos, "%s %s has two \"%%\": one number per name",
			kw, show);
		goto out;
	}
	if (text[0] == '.' || text[0] == '*') {
		br_perr(ps, t->pos,
			"%s %s: a host name, not a pattern (\".x\" and \"*.x\" "
			"are for policies)",
			kw, show);
		goto out;
	}
	/* validated as the names it stands for: '%' is 1 to sni-max */
	if (pct)
		*pct = '1';
	err = br_parse_domain_text(ps, t->pos, show, text, n, &dom);
	free(dom.name);
	if (err)
		goto out;
	if (pct)
		*pct = '%';
	if (n && text[n - 1] == '.')
		text[--n] = '\0';
	for (p = text; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	*out = text;
	text = NULL;
	br_parse_next(s);
out:
	free(show);
	free(text);
	return err;
}

static int parse_uint_word(const struct br_token *t, uint32_t max,
			   uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!t->len || t->len > 10)
		return -EINVAL;
	for (i = 0; i < t->len; i++) {
		if (t->start[i] < '0' || t->start[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(t->start[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* "rotate EVERY into @set": the period, then the pool of addresses. */
static int parse_rotate(struct br_parser *ps, struct br_src *s,
			struct br_cat_flow *f)
{
	const struct br_token *t = &s->cur;
	int err, bad = 0;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(ps, s,
					 "a period after \"rotate\", as in "
					 "\"1h\"");
	if (br_parse_duration(ps, t, "rotate", BR_CAT_DEADLINE_MAX,
			   &f->rotate_ns))
		return -EINVAL;
	br_parse_next(s);
	if (!br_tok_is(t, "into"))
		return br_parse_expected(ps, s,
					 "\"into @set\" after the period");
	br_parse_next(s);
	err = br_parse_operand(ps, s, "rotate", BR_SET_ADDR, &f->rotate_set,
			       &bad);
	return err ? err : bad ? -EINVAL : 0;
}

/* One option of a flow at cur (its keyword), with its value. */
static int parse_flow_opt(struct cat_parser *cp, struct br_src *s,
			  struct br_cat_flow *f, struct br_pos opts[O_COUNT])
{
	struct br_parser *ps = &cp->ps;
	const struct br_token *t = &s->cur;
	struct br_port_range range;
	char d[BR_PARSE_DESC_LEN];
	uint32_t v;
	int o, err, bad = 0;

	if (t->kind != BR_TOK_WORD) {
		if (t->kind == BR_TOK_COMMA)
			br_perr(ps, t->pos, "unexpected \",\"");
		else if (t->kind != BR_TOK_ERROR)
			br_perr(ps, t->pos, "unexpected %s",
				br_parse_desc(t, d));
		return -EINVAL;
	}
	for (o = 0; o < O_COUNT; o++)
		if (br_tok_is(t, flow_opt_kw[o]))
			break;
	if (o == O_COUNT) {
		br_perr(ps, t->pos,
			"unknown flow option %s (expected daddr, dport, sni, "
			"sni-max, dns, pq, channel, bytes, need, lookup, "
			"alt-svc, rotate or stun)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	if (br_parse_once(ps, t->pos, flow_opt_kw[o], &opts[o]))
		return -EINVAL;
	br_parse_next(s);

	switch (o) {
	case O_DADDR:
		err = br_parse_operand(ps, s, "daddr", BR_SET_ADDR,
				       &f->addr_set, &bad);
		return err ? err : bad ? -EINVAL : 0;
	case O_DPORT:
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a port or LO-HI after "
						 "\"dport\"");
		if (br_parse_port_range(ps, t, &range))
			return -EINVAL;
		f->port = range.lo;
		f->port_hi = range.hi;
		break;
	case O_SNI:
		return parse_host(ps, s, "sni", &f->sni);
	case O_DNS:
		return parse_host(ps, s, "dns", &f->dns);
	case O_SNI_MAX:
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a number after \"sni-max\"");
		err = parse_uint_word(t, BR_CAT_SNI_MAX, &v);
		if (err || !v) {
			br_perr(ps, t->pos, "sni-max %s out of range (1-%d)",
				br_parse_desc(t, d), BR_CAT_SNI_MAX);
			return -EINVAL;
		}
		f->sni_max = (uint16_t)v;
		break;
	case O_PQ:
		f->pq_hello = 1;
		return 0;
	case O_ECH:
		f->ech_hello = 1;
		return 0;
	case O_CHANNEL:
		f->channel = 1;
		return 0;
	case O_LOOKUP:
		f->lookup = 1;
		return 0;
	case O_ALT_SVC:
		f->alt_svc = 1;
		return 0;
	case O_ROTATE:
		return parse_rotate(ps, s, f);
	case O_STUN:
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a STUN message type after "
						 "\"stun\", as in 0x0001");
		err = br_parse_uint(t->start, t->len, 1, &v);
		if (err || v >= BR_STUN_TYPES) {
			br_perr(ps, t->pos,
				"stun %s: a STUN message type is a number of "
				"14 bits (0-0x3fff)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		f->stun = 1;
		f->stun_type = (uint16_t)v;
		break;
	case O_BYTES:
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a request size after "
						 "\"bytes\"");
		bad |= br_parse_size(ps, t, "size", &f->req_bytes) != 0;
		br_parse_next(s);
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a response size after the "
						 "request size");
		bad |= br_parse_size(ps, t, "size", &f->resp_bytes) != 0;
		break;
	default: /* O_NEED */
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(ps, s,
						 "a rate after \"need\"");
		bad = br_parse_rate(ps, t, &f->need_bps) != 0;
		break;
	}
	br_parse_next(s);
	return bad ? -EINVAL : 0;
}

/* What a whole flow statement must hold; every problem is reported. */
static int check_flow(struct br_parser *ps, struct br_cat_flow *f,
		      const struct br_pos opts[O_COUNT], struct br_pos kind_pos)
{
	const char *kind = br_cat_kind_name(f->kind);
	int has_pct, o, bad = 0;

	if (f->kind == BR_CAT_DNS) {
		/* a lookup alone: its name; daddr, if given, is the answer */
		for (o = 0; o < O_COUNT; o++) {
			if (!opts[o].line || o == O_DNS || o == O_DADDR ||
			    o == O_SNI_MAX || o == O_SNI || o == O_PQ ||
			    o == O_ECH || o == O_ALT_SVC || o == O_STUN)
				continue; /* sni, pq, ech, alt-svc, stun: below */
			br_perr(ps, opts[o], "a dns flow has no \"%s\"",
				flow_opt_kw[o]);
			bad = 1;
		}
		if (!f->dns) {
			br_perr(ps, kind_pos,
				"a dns flow needs \"dns NAME\": the name it "
				"looks up");
			bad = 1;
		}
		f->port = f->port_hi = 53;
	} else {
		if (!opts[O_DADDR].line) {
			br_perr(ps, kind_pos,
				"a %s flow needs \"daddr\": the servers", kind);
			bad = 1;
		}
		if (!opts[O_DPORT].line) {
			br_perr(ps, kind_pos,
				"a %s flow needs \"dport\": the server port",
				kind);
			bad = 1;
		}
		if (f->kind != BR_CAT_UDP && f->port_hi != f->port) {
			br_perr(ps, opts[O_DPORT],
				"a %s flow has one destination port (a range "
				"is for udp)",
				kind);
			bad = 1;
		}
	}
	if (opts[O_ECH].line && f->kind != BR_CAT_TLS) {
		/* a QUIC hello is encrypted: what it carries is not seen */
		br_perr(ps, opts[O_ECH], "\"ech\" needs a tls flow");
		bad = 1;
	}
	if (opts[O_STUN].line && f->kind != BR_CAT_UDP) {
		br_perr(ps, opts[O_STUN], "\"stun\" needs a udp flow");
		bad = 1;
	}
	if (opts[O_ALT_SVC].line && f->kind != BR_CAT_QUIC) {
		br_perr(ps, opts[O_ALT_SVC], "\"alt-svc\" needs a quic flow");
		bad = 1;
	}
	if (f->kind != BR_CAT_TLS && f->kind != BR_CAT_QUIC) {
		for (o = 0; o < O_COUNT; o++) {
			if ((o != O_SNI && o != O_PQ) || !opts[o].line)
				continue;
			br_perr(ps, opts[o], "\"%s\" needs a tls or quic flow",
				flow_opt_kw[o]);
			bad = 1;
		}
	}
	has_pct = (f->sni && strchr(f->sni, '%')) ||
		  (f->dns && strchr(f->dns, '%'));
	if (has_pct && !opts[O_SNI_MAX].line) {
		br_perr(ps, opts[f->sni && strchr(f->sni, '%') ? O_SNI : O_DNS],
			"a name with \"%%\" needs \"sni-max N\": the largest "
			"number a device picks");
		bad = 1;
	} else if (!has_pct && opts[O_SNI_MAX].line) {
		br_perr(ps, opts[O_SNI_MAX],
			"\"sni-max\" without a \"%%\" in sni or dns");
		bad = 1;
	}
	if (!f->sni_max)
		f->sni_max = 1;
	f->qtype_aaaa = f->dns != NULL;
	return bad;
}

static void flow_free(struct br_cat_flow *f)
{
	free(f->name);
	free(f->sni);
	free(f->dns);
}

static int parse_flow(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct br_cat_service *svc = cur_svc(cp);
	struct br_cat_flow f = { .addr_set = BR_NO_SET,
				 .rotate_set = BR_NO_SET };
	struct br_pos opts[O_COUNT] = { { 0 } };
	struct br_pos kind_pos;
	struct br_cat_flow *flows;
	char d[BR_PARSE_DESC_LEN], *prefix = NULL;
	int idx, err;
	size_t k;

	br_parse_next(s);
	err = parse_id(ps, s, "flow name", &f.name, &f.pos);
	if (err)
		return err;
	idx = find_flow(svc, f.name, strlen(f.name));
	if (idx >= 0) {
		br_perr(ps, f.pos, "flow \"%s\" already declared at " POSF,
			f.name, POSA(svc->flows[idx].pos));
		err = -EINVAL;
		goto out;
	}
	kind_pos = s->cur.pos;
	for (k = 0; k < ARRAY_SIZE(kind_kw); k++)
		if (br_tok_is(&s->cur, kind_kw[k]))
			break;
	if (k == ARRAY_SIZE(kind_kw)) {
		if (s->cur.kind == BR_TOK_WORD)
			br_perr(ps, s->cur.pos,
				"unknown flow kind %s (expected tls, quic, "
				"tcp, udp or dns)",
				br_parse_desc(&s->cur, d));
		else
			br_parse_expected(ps, s,
					  "a flow kind (tls, quic, tcp, udp "
					  "or dns)");
		err = -EINVAL;
		goto out;
	}
	f.kind = (enum br_cat_kind)k;
	br_parse_next(s);

	/* an inline daddr { ... } is named "service.flow.daddr" */
	if (asprintf(&prefix, "%s.%s", svc->id, f.name) < 0) {
		prefix = NULL;
		err = -ENOMEM;
		goto out;
	}
	ps->anon_prefix = prefix;
	while (!br_parse_at_eol(s)) {
		err = parse_flow_opt(cp, s, &f, opts);
		if (err)
			goto out;
	}
	if (check_flow(ps, &f, opts, kind_pos)) {
		err = br_parse_end_statement(ps, s);
		goto out;
	}
	flows = br_grow(svc->flows, &cp->caps[cp->cur].flows, svc->n_flows,
			sizeof(*flows));
	if (!flows) {
		err = -ENOMEM;
		goto out;
	}
	svc->flows = flows;
	svc->flows[svc->n_flows++] = f;
	ps->anon_prefix = NULL;
	free(prefix);
	return br_parse_end_statement(ps, s);
out:
	ps->anon_prefix = NULL;
	free(prefix);
	flow_free(&f);
	return err;
}

/* ---- action ----------------------------------------------------------- */

static void action_free(struct br_cat_action *a)
{
	size_t i;

	for (i = 0; i < a->n_terms; i++)
		free(a->terms[i].alts);
	free(a->terms);
	free(a->name);
}

/* Append an empty term to a; its index in *term. */
static int add_term(struct br_cat_action *a, size_t *cap)
{
	struct br_cat_term *terms;

	terms = br_grow(a->terms, cap, a->n_terms, sizeof(*terms));
	if (!terms)
		return -ENOMEM;
	a->terms = terms;
	memset(&a->terms[a->n_terms++], 0, sizeof(*terms));
	return 0;
}

/* "flow" or "service.flow" */
static int valid_ref(const char *p, size_t n)
{
	const char *dot = memchr(p, '.', n);
	size_t left;

	if (!dot)
		return br_is_ident(p, n);
	left = (size_t)(dot - p);
	return br_is_ident(p, left) && br_is_ident(dot + 1, n - left - 1) &&
	       !memchr(dot + 1, '.', n - left - 1);
}

/* FLOWREF at cur: a word "flow" or "service.flow", kept for resolution. */
static int add_ref(struct cat_parser *cp, struct br_src *s,
		   struct br_cat_action *a, int action)
{
	struct br_parser *ps = &cp->ps;
	const struct br_token *t = &s->cur;
	struct br_cat_term *term = &a->terms[a->n_terms - 1];
	struct br_cat_flow_ref *alts;
	struct pending_ref *pend;
	char d[BR_PARSE_DESC_LEN];
	size_t cap;

	if (t->kind != BR_TOK_WORD) {
		if (t->kind == BR_TOK_ERROR && !is_pipe(t))
			quiet_error(s, t);
		else
			br_perr(ps, t->pos,
				"expected a flow (\"flow\" or "
				"\"service.flow\"), got %s",
				br_parse_desc(t, d));
		return -EINVAL;
	}
	if (!valid_ref(t->start, t->len)) {
		br_perr(ps, t->pos,
			"bad flow reference %s (expected \"flow\" or "
			"\"service.flow\")",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	/* the alternatives of a term are few: grow one at a time */
	alts = realloc(term->alts, (term->n + 1) * sizeof(*alts));
	if (!alts)
		return -ENOMEM;
	term->alts = alts;
	alts[term->n].service = -1;
	alts[term->n].flow = -1;
	alts[term->n].pos = t->pos;
	term->n++;

	cap = cp->cap_pending;
	pend = br_grow(cp->pending, &cap, cp->n_pending, sizeof(*pend));
	if (!pend)
		return -ENOMEM;
	cp->pending = pend;
	cp->cap_pending = cap;
	pend = &cp->pending[cp->n_pending];
	pend->text = strndup(t->start, t->len);
	if (!pend->text)
		return -ENOMEM;
	pend->service = cp->cur;
	pend->action = action;
	pend->term = (int)a->n_terms - 1;
	pend->alt = (int)term->n - 1;
	pend->pos = t->pos;
	cp->n_pending++;
	br_parse_next(s);
	return 0;
}

/*
 * needs TERM [, TERM]..., TERM = FLOWREF [| FLOWREF]..., cur just past
 * "needs". The policy lexer has no "|" token: while the rest of the line
 * is read the lexer is quiet, and the error token a "|" gives is the OR.
 * parse_action turns the lexer's voice back on at the end of the line.
 */
static int parse_needs(struct cat_parser *cp, struct br_src *s,
		       struct br_cat_action *a, int action, size_t *cap_terms)
{
	int err;

	for (;;) {
		err = add_term(a, cap_terms);
		if (err)
			return err;
		for (;;) {
			err = add_ref(cp, s, a, action);
			if (err)
				return err;
			if (!is_pipe(&s->cur))
				break;
			br_parse_next(s);
		}
		if (s->cur.kind != BR_TOK_COMMA)
			return 0;
		br_parse_next(s);
	}
}

/* RATE of an action: N/h or N/d, N a decimal number. */
static int parse_per_hour(struct br_parser *ps, const struct br_token *t,
			  double *out)
{
	char buf[32], d[BR_PARSE_DESC_LEN], *end;
	const char *slash = memchr(t->start, '/', t->len);
	size_t n = slash ? (size_t)(slash - t->start) : 0, i, dots = 0;
	double v, per;

	if (!slash || !n || n >= sizeof(buf) ||
	    t->start + t->len != slash + 2 ||
	    (slash[1] != 'h' && slash[1] != 'd'))
		goto bad;
	for (i = 0; i < n; i++) {
		if (t->start[i] == '.' && i && i + 1 < n && !dots++)
			continue;
		if (t->start[i] < '0' || t->start[i] > '9')
			goto bad;
	}
	memcpy(buf, t->start, n);
	buf[n] = '\0';
	v = strtod(buf, &end);
	per = slash[1] == 'h' ? v : v / 24;
	if (!(per > 0) || per > BR_CAT_RATE_MAX) {
		br_perr(ps, t->pos,
			"rate %s out of range (more than 0, at most %.0f/h)",
			br_parse_desc(t, d), BR_CAT_RATE_MAX);
		return -EINVAL;
	}
	*out = per;
	return 0;
bad:
	br_perr(ps, t->pos,
		"bad rate %s (expected a number per hour or day, as in 6/h or "
		"0.5/d)",
		br_parse_desc(t, d));
	return -EINVAL;
}

/* An action's name may repeat for another platform, not for the same. */
static int check_action_dup(struct cat_parser *cp,
			    const struct br_cat_action *a)
{
	const struct br_cat_service *svc = cur_svc(cp);
	const struct br_cat_action *b;
	size_t i;

	for (i = 0; i < svc->n_actions; i++) {
		b = &svc->actions[i];
		if (strcmp(a->name, b->name))
			continue;
		if (a->platform != BR_PLAT_ANY && b->platform != BR_PLAT_ANY &&
		    a->platform != b->platform)
			continue;
		if (a->platform == b->platform)
			br_perr(&cp->ps, a->pos,
				"action \"%s\" already declared at " POSF,
				a->name, POSA(b->pos));
		else
			br_perr(&cp->ps, a->pos,
				"action \"%s\" for %s overlaps the one for %s "
				"at " POSF,
				a->name, br_platform_name(a->platform),
				br_platform_name(b->platform), POSA(b->pos));
		return 1;
	}
	return 0;
}

/* The pending references of a dropped action go with it. */
static void drop_pending(struct cat_parser *cp, int action)
{
	size_t i, k = 0;

	for (i = 0; i < cp->n_pending; i++) {
		if (cp->pending[i].service == cp->cur &&
		    cp->pending[i].action == action) {
			free(cp->pending[i].text);
			continue;
		}
		cp->pending[k++] = cp->pending[i];
	}
	cp->n_pending = k;
}

enum {
	A_PLATFORM,
	A_NEEDS,
	A_RATE,
	A_DEADLINE,
	A_PUSH,
	A_RECEIVED,
	A_STORE,
	A_EXPIRY,
	A_VALID,
	A_FROM,
	A_SMS,
	A_COUNT,
};
static const char *const action_opt_kw[A_COUNT] = {
	[A_PLATFORM] = "platform", [A_NEEDS] = "needs",
	[A_RATE] = "rate",	   [A_DEADLINE] = "deadline",
	[A_PUSH] = "push",	   [A_RECEIVED] = "received",
	[A_STORE] = "store",	   [A_EXPIRY] = "expiry",
	[A_VALID] = "valid",	   [A_FROM] = "from",
	[A_SMS] = "sms",
};

/*
 * "from ACTION": the instances of this (received) action are what the
 * same service's ACTION sends to another device of the population; it
 * must be declared before, for the same platform.
 */
static int parse_from(struct cat_parser *cp, struct br_src *s,
		      struct br_cat_action *a)
{
	const struct br_cat_service *svc = cur_svc(cp);
	struct br_parser *ps = &cp->ps;
	char d[BR_PARSE_DESC_LEN];
	size_t i;

	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s,
					 "an action name after \"from\"");
	for (i = 0; i < svc->n_actions; i++)
		if (br_tok_is(&s->cur, svc->actions[i].name) &&
		    (svc->actions[i].platform == a->platform ||
		     svc->actions[i].platform == BR_PLAT_ANY))
			break;
	if (i == svc->n_actions || svc->actions[i].received) {
		br_perr(ps, s->cur.pos,
			"no action %s that sends, declared before in service "
			"\"%s\"",
			br_parse_desc(&s->cur, d), svc->id);
		return -EINVAL;
	}
	a->from = (int)i;
	br_parse_next(s);
	return 0;
}

/* "store latest" or "store all": what the sender's store keeps. */
static int parse_store(struct br_parser *ps, struct br_src *s,
		       struct br_cat_action *a)
{
	char d[BR_PARSE_DESC_LEN];

	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s,
					 "\"latest\" or \"all\" after \"store\"");
	if (br_tok_is(&s->cur, "latest")) {
		a->store_latest = 1;
	} else if (!br_tok_is(&s->cur, "all")) {
		br_perr(ps, s->cur.pos,
			"unknown store %s (expected latest or all)",
			br_parse_desc(&s->cur, d));
		return -EINVAL;
	}
	br_parse_next(s);
	return 0;
}

/* A duration option's value: deadline, expiry or valid. */
static int parse_duration_opt(struct br_parser *ps, struct br_src *s,
			      const char *what, uint64_t max, uint64_t *out)
{
	char want[48];
	int err;

	if (s->cur.kind != BR_TOK_WORD) {
		snprintf(want, sizeof(want), "a duration after \"%s\"", what);
		return br_parse_expected(ps, s, want);
	}
	err = br_parse_duration(ps, &s->cur, what, max, out);
	if (!err)
		br_parse_next(s);
	return err;
}

static int parse_action(struct cat_parser *cp, struct br_src *s)
{
	struct br_parser *ps = &cp->ps;
	struct br_cat_service *svc = cur_svc(cp);
	struct br_cat_action a = { .from = -1 }, *actions;
	struct br_pos opts[A_COUNT] = { { 0 } };
	int idx = (int)svc->n_actions, err, o;
	size_t cap_terms = 0;
	char d[BR_PARSE_DESC_LEN];

	br_parse_next(s);
	err = parse_id(ps, s, "action name", &a.name, &a.pos);
	if (err)
		return err;
	while (!br_parse_at_eol(s)) {
		const struct br_token *t = &s->cur;

		if (t->kind == BR_TOK_ERROR) {
			if (s->lx.quiet)
				quiet_error(s, t);
			err = -EINVAL;
			goto out;
		}
		for (o = 0; o < A_COUNT; o++)
			if (br_tok_is(t, action_opt_kw[o]))
				break;
		if (o == A_COUNT) {
			if (t->kind == BR_TOK_WORD)
				br_perr(ps, t->pos,
					"unknown action option %s (expected "
					"platform, needs, rate, deadline, "
					"push, received, store, expiry, "
					"valid, from or sms)",
					br_parse_desc(t, d));
			else
				br_perr(ps, t->pos, "unexpected %s",
					br_parse_desc(t, d));
			err = -EINVAL;
			goto out;
		}
		if (br_parse_once(ps, t->pos, action_opt_kw[o], &opts[o])) {
			err = -EINVAL;
			goto out;
		}
		if (o == A_NEEDS) {
			s->lx.quiet = 1; /* "|": see parse_needs */
			br_parse_next(s);
			err = parse_needs(cp, s, &a, idx, &cap_terms);
		} else if (o == A_PUSH || o == A_RECEIVED) {
			/* a push comes down its channel: received too */
			a.push |= o == A_PUSH;
			a.received = 1;
			br_parse_next(s);
		} else if (o == A_PLATFORM) {
			br_parse_next(s);
			err = parse_platform_word(ps, s, &a.platform);
		} else if (o == A_DEADLINE) {
			br_parse_next(s);
			err = parse_duration_opt(ps, s, "deadline",
						 BR_CAT_DEADLINE_MAX,
						 &a.deadline_ns);
		} else if (o == A_EXPIRY || o == A_VALID) {
			br_parse_next(s);
			err = parse_duration_opt(ps, s, action_opt_kw[o],
						 BR_CAT_EXPIRY_MAX,
						 o == A_EXPIRY ? &a.expiry_ns
							       : &a.valid_ns);
		} else if (o == A_STORE) {
			br_parse_next(s);
			err = parse_store(ps, s, &a);
		} else if (o == A_FROM) {
			br_parse_next(s);
			err = parse_from(cp, s, &a);
		} else if (o == A_SMS) {
			a.sms = 1;
			br_parse_next(s);
		} else {
			br_parse_next(s);
			if (s->cur.kind != BR_TOK_WORD)
				err = br_parse_expected(
					ps, s, "a rate after \"rate\"");
			else
				err = parse_per_hour(ps, &s->cur, &a.per_hour);
			if (!err)
				br_parse_next(s);
		}
		if (err)
			goto out;
	}
	s->lx.quiet = 0;
	for (o = A_STORE; o <= A_FROM; o++)
		if (opts[o].line && !a.received) {
			br_perr(ps, opts[o], "\"%s\" applies to data the device "
				"receives: add \"push\" or \"received\"",
				action_opt_kw[o]);
			err = br_parse_end_statement(ps, s);
			goto out;
		}
	if (!opts[A_NEEDS].line) {
		br_perr(ps, a.pos,
			"action \"%s\" needs \"needs FLOW [| FLOW]... [, "
			"...]\": what it takes",
			a.name);
		err = br_parse_end_statement(ps, s);
		goto out;
	}
	if (check_action_dup(cp, &a)) {
		err = br_parse_end_statement(ps, s);
		goto out;
	}
	actions = br_grow(svc->actions, &cp->caps[cp->cur].actions,
			  svc->n_actions, sizeof(*actions));
	if (!actions) {
		err = -ENOMEM;
		goto out;
	}
	svc->actions = actions;
	svc->actions[svc->n_actions++] = a;
	return br_parse_end_statement(ps, s);
out:
	s->lx.quiet = 0;
	drop_pending(cp, idx);
	action_free(&a);
	return err;
}

/* ---- statements and files --------------------------------------------- */

static int cat_statement(struct br_parser *ps, struct br_src *s)
{
	struct cat_parser *cp = cat_of(ps);
	const struct br_token *t = &s->cur;
	char d[BR_PARSE_DESC_LEN];

	if (br_tok_is(t, "service"))
		return parse_service(cp, s);
	if (br_tok_is(t, "set"))
		return br_parse_set_stmt(ps, s);
	if (br_tok_is(t, "include"))
		return br_parse_include(ps, s);
	if (!br_parse_is_keyword(ps, t)) {
		br_perr(ps, t->pos, "unknown statement %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	/* the rest of a service whose statement failed: already reported */
	if (cp->bad_svc && cp->cur < 0)
		return -EINVAL;
	if (!in_service(cp, s))
		return -EINVAL;
	if (br_tok_is(t, "category"))
		return parse_category(cp, s);
	if (br_tok_is(t, "platform"))
		return parse_svc_platform(cp, s);
	if (br_tok_is(t, "source"))
		return parse_source_stmt(cp, s);
	if (br_tok_is(t, "label") || br_tok_is(t, "class-label"))
		return parse_label(cp, s, br_tok_is(t, "class-label"));
	if (br_tok_is(t, "flow"))
		return parse_flow(cp, s);
	return parse_action(cp, s);
}

static void cat_parser_init(struct cat_parser *cp, struct br_catalog *cat,
			    struct br_policy *holder, struct br_diag *diag)
{
	memset(cp, 0, sizeof(*cp));
	cp->ps.pol = holder;
	cp->ps.diag = diag;
	cp->ps.keywords = cat_keywords;
	cp->ps.n_keywords = ARRAY_SIZE(cat_keywords);
	cp->ps.statement = cat_statement;
	cp->ps.priv = cp;
	cp->cat = cat;
	cp->cur = -1;
}

/* One file's text into the catalog being built. */
static int parse_text(struct cat_parser *cp, const char *file, const char *text,
		      size_t len, const struct stat *st)
{
	struct br_src s;

	/* a service does not continue into the next file */
	cp->cur = -1;
	cp->bad_svc = 0;
	if (br_text_check_len(file, len, cp->ps.diag)) {
		cp->ps.errors++;
		return 0;
	}
	br_src_init(&s, &cp->ps, br_file_intern(file), text, len, st);
	return br_parse_source(&cp->ps, &s);
}

/* Resolve one reference; platform is the action's (or its service's). */
static void resolve_ref(struct cat_parser *cp, struct pending_ref *pr)
{
	struct br_parser *ps = &cp->ps;
	struct br_catalog *cat = cp->cat;
	struct br_cat_service *owner = &cat->services[pr->service];
	struct br_cat_action *a = &owner->actions[pr->action];
	struct br_cat_flow_ref *ref = &a->terms[pr->term].alts[pr->alt];
	const char *dot = strchr(pr->text, '.'), *fname = pr->text, *near;
	enum br_platform plat = a->platform ? a->platform : owner->platform;
	const struct br_cat_service *svc = owner;
	int si = pr->service, fi;

	if (dot) {
		si = find_service(cat, pr->text, (size_t)(dot - pr->text));
		if (si < 0) {
			near = suggest_service(cat, pr->text,
					       (size_t)(dot - pr->text));
			if (near)
				br_perr(ps, pr->pos,
					"unknown service \"%.*s\" (did you "
					"mean \"%s\"?)",
					(int)(dot - pr->text), pr->text, near);
			else
				br_perr(ps, pr->pos, "unknown service \"%.*s\"",
					(int)(dot - pr->text), pr->text);
			return;
		}
		svc = &cat->services[si];
		fname = dot + 1;
	}
	fi = find_flow(svc, fname, strlen(fname));
	if (fi < 0) {
		near = suggest_flow(svc, fname, strlen(fname));
		if (near)
			br_perr(ps, pr->pos,
				"service \"%s\" has no flow \"%s\" (did you "
				"mean \"%s\"?)",
				svc->id, fname, near);
		else
			br_perr(ps, pr->pos,
				"service \"%s\" has no flow \"%s\"", svc->id,
				fname);
		return;
	}
	/* an action at odds with its own service: finish() said so */
	if (owner->platform && plat != owner->platform)
		plat = owner->platform;
	if (svc->platform != BR_PLAT_ANY && plat != svc->platform) {
		br_perr(ps, pr->pos,
			"flow \"%s\" is of %s service \"%s\": the action is "
			"for %s (give it \"platform %s\")",
			pr->text, br_platform_name(svc->platform), svc->id,
			br_platform_name(plat),
			br_platform_name(svc->platform));
		return;
	}
	ref->service = si;
	ref->flow = fi;
}

/* Checks and resolution once every file is read. */
static void finish(struct cat_parser *cp)
{
	struct br_catalog *cat = cp->cat;
	const struct br_cat_service *svc;
	struct br_cat_action *a;
	size_t i, j;

	for (i = 0; i < cat->n_services; i++) {
		svc = &cat->services[i];
		for (j = 0; j < svc->n_actions; j++) {
			a = &svc->actions[j];
			if (!a->platform)
				a->platform = svc->platform;
			if (a->platform == svc->platform || !svc->platform)
				continue;
			br_perr(&cp->ps, a->pos,
				"action \"%s\" is for %s, service \"%s\" is "
				"%s only",
				a->name, br_platform_name(a->platform), svc->id,
				br_platform_name(svc->platform));
		}
		if (!svc->category)
			br_perr(&cp->ps, svc->pos,
				"service \"%s\" has no \"category\"", svc->id);
		if (!svc->n_flows)
			br_perr(&cp->ps, svc->pos, "service \"%s\" has no flow",
				svc->id);
		if (!svc->n_actions)
			br_perr(&cp->ps, svc->pos,
				"service \"%s\" has no action", svc->id);
	}
	for (i = 0; i < cp->n_pending; i++)
		resolve_ref(cp, &cp->pending[i]);
}

/*
 * The catalog built, or every error in diag. holder's sets become the
 * catalog's; the parser state is freed either way.
 */
static int conclude(struct cat_parser *cp, struct br_policy *holder, int err,
		    struct br_catalog **out)
{
	struct br_catalog *cat = cp->cat;
	size_t i;

	if (!err) {
		finish(cp);
		if (cp->ps.errors)
			err = -EINVAL;
	}
	cat->sets = holder->sets;
	cat->n_sets = holder->n_sets;
	holder->sets = NULL;
	holder->n_sets = 0;
	br_policy_free(holder);
	for (i = 0; i < cp->n_pending; i++)
		free(cp->pending[i].text);
	free(cp->pending);
	free(cp->caps);
	free(cp->ps.set_cap);
	br_name_index_free(&cp->ps.set_names);
	if (err) {
		br_catalog_free(cat);
		return err;
	}
	*out = cat;
	return 0;
}

static int begin(struct cat_parser *cp, struct br_policy **holder,
		 struct br_diag *diag)
{
	struct br_catalog *cat = calloc(1, sizeof(*cat));

	*holder = calloc(1, sizeof(**holder));
	if (!cat || !*holder) {
		free(cat);
		free(*holder);
		*holder = NULL;
		return -ENOMEM;
	}
	cat_parser_init(cp, cat, *holder, diag);
	return 0;
}

int br_catalog_parse_buffer(const char *file, const char *text, size_t len,
			    struct br_catalog **out, struct br_diag *diag)
{
	struct br_policy *holder;
	struct cat_parser cp;
	struct stat st;
	int err;

	*out = NULL;
	if (!file)
		file = "<buffer>";
	err = begin(&cp, &holder, diag);
	if (err)
		return err;
	err = parse_text(&cp, file, text, len, stat(file, &st) ? NULL : &st);
	return conclude(&cp, holder, err, out);
}

static int is_catalog_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 8 &&
	       !strcmp(e->d_name + n - 8, ".catalog");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* One file of the directory; trouble with the file itself is reported. */
static int load_file(struct cat_parser *cp, const char *dir, const char *name)
{
	char *path, *buf = NULL, why[BR_TEXT_WHY];
	struct br_pos pos = { 0 };
	struct stat st;
	size_t len = 0;
	int fd, err = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	pos.file = br_file_intern(path);
	fd = br_text_open(path, &st, why);
	if (fd < 0) {
		br_perr(&cp->ps, pos, "cannot open: %s", why);
		goto out;
	}
	err = br_text_read(fd, &st, &buf, &len, why);
	if (err && err != -ENOMEM) {
		br_perr(&cp->ps, pos, "cannot read: %s", why);
		err = 0;
		goto out;
	}
	if (!err)
		err = parse_text(cp, path, buf, len, &st);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return err;
}

int br_catalog_load_dir(const char *dir, struct br_catalog **out,
			struct br_diag *diag)
{
	struct br_pos pos = { .file = br_file_intern(dir) };
	struct dirent **list = NULL;
	struct br_policy *holder;
	struct cat_parser cp;
	int i, n, err;

	*out = NULL;
	n = scandir(dir, &list, is_catalog_file, by_name);
	if (n < 0) {
		err = -errno;
		br_diag_error(diag, pos, "cannot open: %s", strerror(-err));
		return err;
	}
	if (!n) {
		free(list);
		br_diag_error(diag, pos, "no *.catalog files");
		return -ENOENT;
	}
	err = begin(&cp, &holder, diag);
	for (i = 0; i < n; i++) {
		if (!err)
			err = load_file(&cp, dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (!holder) /* begin() failed */
		return err;
	return conclude(&cp, holder, err, out);
}

void br_catalog_free(struct br_catalog *cat)
{
	struct br_cat_service *svc;
	size_t i, j;

	if (!cat)
		return;
	for (i = 0; i < cat->n_services; i++) {
		svc = &cat->services[i];
		for (j = 0; j < svc->n_sources; j++)
			free(svc->sources[j]);
		for (j = 0; j < svc->n_flows; j++)
			flow_free(&svc->flows[j]);
		for (j = 0; j < svc->n_actions; j++)
			action_free(&svc->actions[j]);
		free(svc->sources);
		free(svc->flows);
		free(svc->actions);
		free(svc->id);
		free(svc->title);
		free(svc->label);
		free(svc->class_label);
		free(svc->category);
	}
	free(cat->services);
	br_sets_free(cat->sets, cat->n_sets);
	free(cat->sets);
	free(cat);
}

const char *br_catalog_default_dir(void)
{
	const char *env = getenv("BLASTRADIUS_CATALOG");
	struct stat st;

	if (env && *env)
		return env;
#ifdef BR_SOURCE_DIR
	if (!stat(BR_SOURCE_DIR "/policies/catalog", &st) &&
	    S_ISDIR(st.st_mode))
		return BR_SOURCE_DIR "/policies/catalog";
#else
	(void)st;
#endif
	return BR_DATADIR "/catalog";
}
