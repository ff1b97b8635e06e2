/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * scenario.c - the scenario language (policies/scenarios/README.md) into
 * the scenario IR, against a service catalog.
 *
 * Built like policy.c, on the same parsing core (parser.h): one function
 * per statement, an error reported at the offending token and counted,
 * and a function that returns -EINVAL only when the rest of its line must
 * be skipped. One run lists every error; the IR is handed out only when
 * there was none.
 *
 * Quantities are read in fixed point (units of 1e-9) so shares that must
 * add up to 100% are compared exactly and times convert to nanoseconds
 * without rounding.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "lex.h"
#include "parser.h"
#include "scenario.h"

#define BR_SCN_MAX_DEVICES 1000000U
#define BR_SCN_MIN_DURATION_NS 1000000000ULL	 /* 1s */
#define BR_SCN_MAX_DURATION_NS 86400000000000ULL /* 24h */
#define BR_SCN_MAX_PER_HOUR 3600.0		 /* one a second */
#define FIX BR_DECIMAL_UNIT /* fixed point: 1e-9 units */

/* The built-in default scenario: the Makefile generates it from
 * policies/scenarios/default.scenario. */
extern const char br_scenario_default_text[];
extern const size_t br_scenario_default_len;

enum kw {
	K_SCENARIO,
	K_DESCRIPTION,
	K_DEVICES,
	K_PLATFORM,
	K_IPV6,
	K_ACCESS,
	K_DURATION,
	K_SEED,
	K_FLOW_TABLE,
	K_HELLO_TABLE,
	K_HANDOVER,
	K_KEEPALIVE,
	K_NAT_TIMEOUT,
	K_BACKOFF,
	K_IDENTITY_LOOKUP,
	K_CONTACTS,
	K_KEY_CACHE,
	K_SMS_FALLBACK,
	K_COVERAGE,
	K_APP, /* K_APP and later may repeat */
	K_RATE,
	K_VPN, /* "vpn P%" once, "vpn SERVICE P%" once a service */
	K_PROXY,
	K_OPERATOR,
	K_MOVE,
	K_AT,
	K_COUNT,
};

static const char *const kw_name[K_COUNT] = {
	[K_SCENARIO] = "scenario",
	[K_DESCRIPTION] = "description",
	[K_DEVICES] = "devices",
	[K_PLATFORM] = "platform",
	[K_IPV6] = "ipv6",
	[K_ACCESS] = "access",
	[K_DURATION] = "duration",
	[K_SEED] = "seed",
	[K_FLOW_TABLE] = "flow-table",
	[K_HELLO_TABLE] = "hello-table",
	[K_HANDOVER] = "handover",
	[K_KEEPALIVE] = "keepalive",
	[K_NAT_TIMEOUT] = "nat-timeout",
	[K_BACKOFF] = "backoff",
	[K_IDENTITY_LOOKUP] = "identity-lookup",
	[K_CONTACTS] = "contacts",
	[K_KEY_CACHE] = "key-cache",
	[K_SMS_FALLBACK] = "sms-fallback",
	[K_COVERAGE] = "coverage",
	[K_APP] = "app",
	[K_RATE] = "rate",
	[K_VPN] = "vpn",
	[K_PROXY] = "proxy",
	[K_OPERATOR] = "operator",
	[K_MOVE] = "move",
	[K_AT] = "at",
};

struct parser {
	struct br_parser core; /* errors, recovery, the statement loop */
	struct br_src *src;    /* the text: the scenario has no includes */
	struct br_scenario *scn;
	const struct br_catalog *cat;
	const char *file; /* interned; base of relative policy paths */
	unsigned int statements;
	struct br_pos seen[K_COUNT]; /* where each statement first was */
	struct br_pos vpn_all;	     /* "vpn P%": once, apart from vpn SVC */
	size_t cap_apps;
	size_t cap_vpns;
	size_t cap_proxies;
	size_t cap_operators;
	uint64_t op_sum[2]; /* the operators' shares of each access so far */
	size_t cap_rates;
	size_t cap_events;
	size_t cap_moves;
	size_t cap_params;
	int kw; /* the statement being read */
	/*
	 * The range the last value had ("LO..HI"), until the statement
	 * registers it as a param (param_add); one left at the end of a
	 * statement is an error: that value takes no range.
	 */
	struct {
		int set;
		enum br_scn_unit unit;
		double lo, mode, hi;
		int triangular;
		struct br_pos pos;
	} range;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- quantities ---------------------------------------------------------- */

/* ---- ranges: "LO..HI", "LO..MODE..HI" ----------------------------------- */

/*
 * The bounds of a word "A..B" or "A..B..C" as tokens of their own (one
 * part: no range); *n of them. -EINVAL: reported.
 */
static int range_parts(struct parser *ps, const struct br_token *t,
		       struct br_token part[3], int *n)
{
	const char *p = t->start, *end = t->start + t->len, *dd;
	char d[BR_PARSE_DESC_LEN];

	for (*n = 0;; p = dd + 2) {
		for (dd = p; dd + 1 < end && !(dd[0] == '.' && dd[1] == '.');
		     dd++)
			;
		if (dd + 1 >= end)
			dd = NULL;
		if (*n == 3 || (dd ? dd : end) == p) {
			br_perr(&ps->core, t->pos,
				"bad range %s (expected LO..HI or "
				"LO..MODE..HI, as in \"20%%..40%%\")",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		part[*n] = *t;
		part[*n].start = p;
		part[*n].len = (size_t)((dd ? dd : end) - p);
		part[*n].pos.col = t->pos.col + (int)(p - t->start);
		(*n)++;
		if (!dd)
			return 0;
	}
}

/*
 * Keep the range of n (2 or 3) values v, in unit, for the statement to
 * register; *central is its central value. -EINVAL: out of order.
 */
static int range_keep(struct parser *ps, const struct br_token *t,
		      enum br_scn_unit unit, const double v[3], int n,
		      double *central)
{
	double lo = v[0], hi = v[n - 1], mode = n == 3 ? v[1] : (lo + hi) / 2;
	char d[BR_PARSE_DESC_LEN];

	if (!(lo < hi) || mode < lo || mode > hi) {
		br_perr(&ps->core, t->pos,
			"bad range %s (LO below HI, and MODE between them)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	ps->range.set = 1;
	ps->range.unit = unit;
	ps->range.lo = lo;
	ps->range.mode = mode;
	ps->range.hi = hi;
	ps->range.triangular = n == 3;
	ps->range.pos = t->pos;
	*central = mode;
	return 0;
}

/*
 * Register the range the last value had (none: nothing to do) as param
 * name, to be put where/at/count says (struct br_scn_param).
 */
static int param_add(struct parser *ps, const char *name,
		     enum br_scn_where where, size_t at, size_t count,
		     int complement)
{
	struct br_scenario *scn = ps->scn;
	struct br_scn_param *p;

	if (!ps->range.set)
		return 0;
	ps->range.set = 0;
	p = br_grow(scn->params, &ps->cap_params, scn->n_params, sizeof(*p));
	if (!p)
		return -ENOMEM;
	scn->params = p;
	p += scn->n_params;
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	scn->n_params++;
	p->unit = ps->range.unit;
	p->lo = ps->range.lo;
	p->mode = ps->range.mode;
	p->hi = ps->range.hi;
	p->triangular = ps->range.triangular;
	p->where = where;
	p->at = at;
	p->count = count;
	p->complement = complement;
	p->pos = ps->range.pos;
	return 0;
}

/* The same for a field of struct br_scenario. */
static int param_field(struct parser *ps, const char *name, const void *field,
		       enum br_scn_where where)
{
	return param_add(ps, name, where,
			 (size_t)((const char *)field - (const char *)ps->scn),
			 1, 0);
}

/* ---- values ------------------------------------------------------------------ */

/* A share, "30%" or "12.5%", into *fixed (100% is 100 * FIX). */
static int share_tok(struct parser *ps, const struct br_token *t,
		     uint64_t *fixed)
{
	char d[BR_PARSE_DESC_LEN];
	size_t used = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "a share such as \"30%\"");
	err = br_parse_decimal(t->start, t->len, fixed, &used);
	if (err == -EINVAL || (!err && used < t->len &&
			       (used + 1 != t->len || t->start[used] != '%'))) {
		br_perr(&ps->core, t->pos,
			"bad share %s (expected a percentage such as "
			"\"30%%\" or \"12.5%%\")",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	if (!err && used == t->len) {
		br_perr(&ps->core, t->pos,
			"share %s needs a \"%%\", as in \"%.*s%%\"",
			br_parse_desc(t, d), (int)t->len, t->start);
		return -EINVAL;
	}
	if (err || *fixed > 100 * FIX) {
		br_perr(&ps->core, t->pos, "share %s out of range (0-100%%)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	return 0;
}

static double share_of(uint64_t fixed)
{
	return (double)fixed / (double)(100 * FIX);
}

/* A share or a range of shares (its central value into *fixed). */
static int parse_share(struct parser *ps, uint64_t *fixed)
{
	const struct br_token *t = &ps->src->cur;
	struct br_token part[3];
	uint64_t f[3] = { 0, 0, 0 };
	double v[3], central;
	int n = 0, i, err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "a share such as \"30%\"");
	err = range_parts(ps, t, part, &n);
	for (i = 0; !err && i < n; i++) {
		err = share_tok(ps, &part[i], &f[i]);
		v[i] = share_of(f[i]);
	}
	if (!err && n > 1) {
		err = range_keep(ps, t, BR_UNIT_SHARE, v, n, &central);
		/* exact for a mode; a midpoint to the nearest 1e-9 % */
		f[0] = n == 3 ? f[1] : f[0] + (f[n - 1] - f[0]) / 2;
	}
	if (err)
		return err;
	*fixed = f[0];
	br_parse_next(ps->src);
	return 0;
}

/* "12.5%" of a fixed-point share, for messages. */
static const char *fmt_share(uint64_t fixed, char buf[32])
{
	int n;

	n = snprintf(buf, 32, "%llu.%09llu", (unsigned long long)(fixed / FIX),
		     (unsigned long long)(fixed % FIX));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, (size_t)(32 - n), "%%");
	return buf;
}

/* A time of the simulation as the language writes it: "10m", "1.5s". */
static const char *fmt_time(uint64_t ns, char buf[32])
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = {
		{ 3600 * FIX, "h" },
		{ 60 * FIX, "m" },
		{ FIX, "s" },
	};
	size_t i;
	int n;

	if (!ns) {
		snprintf(buf, 32, "0s");
		return buf;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns % units[i].ns == 0) {
			snprintf(buf, 32, "%llu%s",
				 (unsigned long long)(ns / units[i].ns),
				 units[i].unit);
			return buf;
		}
	}
	n = snprintf(buf, 32, "%llu.%09llu", (unsigned long long)(ns / FIX),
		     (unsigned long long)(ns % FIX));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	snprintf(buf + n, (size_t)(32 - n), "s");
	return buf;
}

/*
 * A time, "90s", "10m", "1.5h", into nanoseconds; what names it in
 * messages ("duration", "time"). At most 24h.
 */
static int time_tok(struct parser *ps, const struct br_token *t,
		    const char *what, uint64_t *ns)
{
	uint64_t fixed = 0, unit;
	char d[BR_PARSE_DESC_LEN];
	size_t used;
	int err;

	if (t->kind != BR_TOK_WORD) {
		char want[48];

		snprintf(want, sizeof(want), "a %s such as \"10m\"", what);
		return br_parse_expected(&ps->core, ps->src, want);
	}
	err = br_parse_decimal(t->start, t->len, &fixed, &used);
	if (!err && used + 1 == t->len && t->start[used] == 's')
		unit = 1;
	else if (!err && used + 1 == t->len && t->start[used] == 'm')
		unit = 60;
	else if (!err && used + 1 == t->len && t->start[used] == 'h')
		unit = 3600;
	else if (err != -ERANGE)
		unit = 0;
	else
		unit = 1; /* too large whatever the unit */
	if (!unit) {
		br_perr(&ps->core, t->pos,
			"bad %s %s (expected a number and s, m or h, "
			"as in \"90s\" or \"10m\")",
			what, br_parse_desc(t, d));
		return -EINVAL;
	}
	if (err == -ERANGE || fixed > BR_SCN_MAX_DURATION_NS / unit) {
		br_perr(&ps->core, t->pos, "%s %s out of range (at most 24h)",
			what, br_parse_desc(t, d));
		return -EINVAL;
	}
	*ns = fixed * unit;
	return 0;
}

/* A time or a range of times (its central value into *ns). */
static int parse_time(struct parser *ps, const char *what, uint64_t *ns)
{
	const struct br_token *t = &ps->src->cur;
	struct br_token part[3];
	uint64_t v[3] = { 0, 0, 0 };
	double d[3], central = 0;
	int n = 0, i, err;

	if (t->kind != BR_TOK_WORD)
		return time_tok(ps, t, what, ns); /* says what was expected */
	err = range_parts(ps, t, part, &n);
	for (i = 0; !err && i < n; i++) {
		err = time_tok(ps, &part[i], what, &v[i]);
		d[i] = (double)v[i];
	}
	if (!err && n > 1)
		err = range_keep(ps, t, BR_UNIT_TIME, d, n, &central);
	if (err)
		return err;
	*ns = n > 1 ? (uint64_t)llround(central) : v[0];
	br_parse_next(ps->src);
	return 0;
}

/* ---- catalog lookups ----------------------------------------------------- */

/* *idx: the index of the service whose id is the n bytes at p, or -1. */
static int find_service(const struct br_catalog *cat, const char *p, size_t n,
			int *idx)
{
	char *id = strndup(p, n);

	if (!id)
		return -ENOMEM;
	*idx = br_catalog_service(cat, id);
	free(id);
	return 0;
}

/* The candidate closest to the n bytes at w, if close enough to suggest. */
static const char *closest(const char *w, size_t n, const char *const *cand,
			   size_t n_cand)
{
	size_t i, best = SIZE_MAX;
	const char *found = NULL;

	for (i = 0; i < n_cand; i++)
		if (br_parse_closer(w, n, cand[i], &best))
			found = cand[i];
	return found;
}

/* Report an unknown service, suggesting a close id. */
static int unknown_service(struct parser *ps, struct br_pos pos, const char *p,
			   size_t n)
{
	const struct br_catalog *cat = ps->cat;
	const char **ids;
	const char *near;
	size_t i;

	ids = malloc((cat->n_services + 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < cat->n_services; i++)
		ids[i] = cat->services[i].id;
	near = closest(p, n, ids, cat->n_services);
	if (near)
		br_perr(&ps->core, pos,
			"unknown service \"%.*s\" (did you mean \"%s\"?)",
			(int)n, p, near);
	else
		br_perr(&ps->core, pos, "unknown service \"%.*s\"", (int)n, p);
	free(ids);
	return -EINVAL;
}

/* A service id in the current token; *idx its index. */
static int parse_service(struct parser *ps, int *idx)
{
	const struct br_token *t = &ps->src->cur;
	char d[BR_PARSE_DESC_LEN];
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src, "a service");
	if (!br_is_ident(t->start, t->len)) {
		br_perr(&ps->core, t->pos, "bad service name %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	err = find_service(ps->cat, t->start, t->len, idx);
	if (err)
		return err;
	if (*idx < 0)
		return unknown_service(ps, t->pos, t->start, t->len);
	br_parse_next(ps->src);
	return 0;
}

/* ---- statements ---------------------------------------------------------- */

static int parse_scenario(struct parser *ps, int first, struct br_pos pos)
{
	const struct br_token *t = &ps->src->cur;
	struct br_scenario *scn = ps->scn;
	char d[BR_PARSE_DESC_LEN];

	if (!first) {
		br_perr(&ps->core, pos,
			"\"scenario\" must be the first statement");
		return -EINVAL;
	}
	if (t->kind == BR_TOK_WORD) {
		if (!br_is_ident(t->start, t->len)) {
			br_perr(&ps->core, t->pos, "bad name %s",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		scn->name = strndup(t->start, t->len);
	} else if (t->kind == BR_TOK_STRING) {
		if (t->len == 2) {
			br_perr(&ps->core, t->pos, "empty name");
			return -EINVAL;
		}
		scn->name = br_tok_string(t);
	} else {
		return br_parse_expected(&ps->core, ps->src, "scenario name");
	}
	if (!scn->name)
		return -ENOMEM;
	br_parse_next(ps->src);
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_description(struct parser *ps)
{
	if (ps->src->cur.kind != BR_TOK_STRING)
		return br_parse_expected(&ps->core, ps->src, "a quoted string");
	ps->scn->description = br_tok_string(&ps->src->cur);
	if (!ps->scn->description)
		return -ENOMEM;
	br_parse_next(ps->src);
	return br_parse_end_statement(&ps->core, ps->src);
}

/*
 * A count from min to max (digits only): "bad NOUN X" when it is no
 * number, "WHAT X out of range (MIN-MAX)" when it is one out of range;
 * expect says what was wanted when the word is missing.
 */
static int parse_count(struct parser *ps, const char *expect,
		       const char *noun, const char *what, uint64_t min,
		       uint64_t max, uint64_t *out)
{
	const struct br_token *t = &ps->src->cur;
	char d[BR_PARSE_DESC_LEN];
	uint64_t n = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src, expect);
	err = br_lex_u64(t->start, t->len, &n);
	if (err == -EINVAL) {
		br_perr(&ps->core, t->pos, "bad %s %s", noun,
			br_parse_desc(t, d));
		return -EINVAL;
	}
	if (err || n < min || n > max) {
		br_perr(&ps->core, t->pos, "%s %s out of range (%llu-%llu)",
			what, br_parse_desc(t, d), (unsigned long long)min,
			(unsigned long long)max);
		return -EINVAL;
	}
	*out = n;
	br_parse_next(ps->src);
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_devices(struct parser *ps)
{
	uint64_t n = 0;
	int err;

	err = parse_count(ps, "a number of devices", "number of devices",
			  "devices", 1, BR_SCN_MAX_DEVICES, &n);
	ps->scn->devices = (uint32_t)n;
	return err;
}

/*
 * "KEY P%, KEY P%": a population split two ways (platforms, access). The
 * shares must add up to 100%, so a key left out must have none; *first is
 * the first key's share. A key given as a range ("KEY LO..HI") leaves the
 * other the rest: it must be left out. The range is registered as param
 * "WHAT KEY" on field, which holds the share of keys[field_key].
 */
static int parse_split(struct parser *ps, const char *what,
		       const char *const keys[2], struct br_pos stmt,
		       uint64_t *first, double *field, int field_key)
{
	uint64_t share[2] = { 0, 0 }, sum;
	int given[2] = { 0, 0 }, k, err, ranged = -1;
	char name[64];
	char d[BR_PARSE_DESC_LEN], s[32];
	struct br_pos at[2];

	for (;;) {
		const struct br_token *t = &ps->src->cur;

		if (t->kind != BR_TOK_WORD) {
			char want[48];

			snprintf(want, sizeof(want), "%s or %s", keys[0],
				 keys[1]);
			return br_parse_expected(&ps->core, ps->src, want);
		}
		for (k = 0; k < 2; k++)
			if (br_tok_is(t, keys[k]))
				break;
		if (k == 2) {
			br_perr(&ps->core, t->pos,
				"unknown %s %s (expected %s or %s)", what,
				br_parse_desc(t, d), keys[0], keys[1]);
			return -EINVAL;
		}
		if (given[k]) {
			br_perr(&ps->core, t->pos,
				"%s \"%s\" already given at " POSF, what,
				keys[k], POSA(at[k]));
			return -EINVAL;
		}
		given[k] = 1;
		at[k] = t->pos;
		br_parse_next(ps->src);
		err = parse_share(ps, &share[k]);
		if (err)
			return err;
		if (ps->range.set) {
			snprintf(name, sizeof(name), "%s %s", what, keys[k]);
			err = param_add(ps, name, BR_PARAM_FIELD,
					(size_t)((char *)field -
						 (char *)ps->scn),
					1, k != field_key);
			if (err)
				return err;
			ranged = k;
		}
		if (ps->src->cur.kind != BR_TOK_COMMA)
			break;
		br_parse_next(ps->src);
	}
	if (!br_parse_at_eol(ps->src))
		return br_parse_expected(&ps->core, ps->src,
					 "\",\" or end of line");
	if (ranged >= 0 && given[!ranged]) {
		br_perr(&ps->core, at[!ranged],
			"%s \"%s\" is the rest of a range: leave it out",
			what, keys[!ranged]);
		return -EINVAL;
	}
	if (ranged >= 0)
		share[!ranged] = 100 * FIX - share[ranged];
	sum = share[0] + share[1];
	if (sum != 100 * FIX)
		br_perr(&ps->core, stmt, "%s shares add up to %s, not 100%%",
			what, fmt_share(sum, s));
	*first = share[0];
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_platform(struct parser *ps, struct br_pos stmt)
{
	static const char *const keys[2] = { "ios", "android" };
	uint64_t ios = 0;
	int err;

	err = parse_split(ps, "platform", keys, stmt, &ios,
			  &ps->scn->ios_share, 0);
	if (!err)
		ps->scn->ios_share = share_of(ios);
	return err;
}

static int parse_access(struct parser *ps, struct br_pos stmt)
{
	static const char *const keys[2] = { "wifi", "cellular" };
	uint64_t wifi = 0;
	int err;

	err = parse_split(ps, "access", keys, stmt, &wifi,
			  &ps->scn->cellular_share, 1);
	if (!err && wifi <= 100 * FIX)
		ps->scn->cellular_share = share_of(100 * FIX - wifi);
	return err;
}

/* A share statement's value into *out: ipv6, key-cache, sms-fallback. */
static int parse_share_stmt(struct parser *ps, double *out)
{
	uint64_t share = 0;
	int err;

	err = parse_share(ps, &share);
	if (!err)
		err = param_field(ps, kw_name[ps->kw], out, BR_PARAM_FIELD);
	if (err)
		return err;
	*out = share_of(share);
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_duration(struct parser *ps)
{
	struct br_pos pos = ps->src->cur.pos;
	char d[BR_PARSE_DESC_LEN] = "";
	uint64_t ns = 0;
	int err;

	if (ps->src->cur.kind == BR_TOK_WORD)
		br_parse_desc(&ps->src->cur, d);
	err = parse_time(ps, "duration", &ns);
	if (err)
		return err;
	if (ns < BR_SCN_MIN_DURATION_NS) {
		br_perr(&ps->core, pos, "duration %s too short (at least 1s)",
			d);
		return -EINVAL;
	}
	ps->scn->duration_ns = ns;
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_seed(struct parser *ps)
{
	const struct br_token *t = &ps->src->cur;
	char d[BR_PARSE_DESC_LEN];
	uint64_t v = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "a seed (a number)");
	err = br_lex_u64(t->start, t->len, &v);
	if (err == -ERANGE) {
		br_perr(&ps->core, t->pos, "seed %s too large (at most %llu)",
			br_parse_desc(t, d), (unsigned long long)UINT64_MAX);
		return -EINVAL;
	}
	if (err) {
		br_perr(&ps->core, t->pos, "bad seed %s (expected a number)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	ps->scn->seed = v;
	br_parse_next(ps->src);
	return br_parse_end_statement(&ps->core, ps->src);
}

/*
 * "SERVICE P%" into a list of per-service shares, once per service: the
 * apps, and the devices that reach a service through a VPN or a proxy.
 */
static int parse_svc_share(struct parser *ps, const char *what,
			   struct br_scn_app **list, size_t *n, size_t *cap,
			   enum br_scn_where where)
{
	struct br_pos pos = ps->src->cur.pos;
	struct br_scn_app *l;
	uint64_t share = 0;
	size_t i;
	int svc = -1, err;

	err = parse_service(ps, &svc);
	if (err)
		return err;
	for (i = 0; i < *n; i++) {
		if ((*list)[i].service == svc) {
			br_perr(&ps->core, pos,
				"%s \"%s\" already given at " POSF, what,
				ps->cat->services[svc].id,
				POSA((*list)[i].pos));
			return -EINVAL;
		}
	}
	err = parse_share(ps, &share);
	if (err)
		return err;
	l = br_grow(*list, cap, *n, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[*n].service = svc;
	l[*n].share = share_of(share);
	l[*n].pos = pos;
	(*n)++;
	if (ps->range.set) {
		char name[96];

		snprintf(name, sizeof(name), "%s %s", what,
			 ps->cat->services[svc].id);
		err = param_add(ps, name, where, *n - 1, 1, 0);
		if (err)
			return err;
	}
	return br_parse_end_statement(&ps->core, ps->src);
}

static int parse_app(struct parser *ps)
{
	return parse_svc_share(ps, "app", &ps->scn->apps, &ps->scn->n_apps,
			       &ps->cap_apps, BR_PARAM_APP);
}

/*
 * "vpn P%": the devices whose user keeps a VPN on for everything (once);
 * "vpn SERVICE P%": those who turn it on for one service (once each).
 */
static int parse_vpn(struct parser *ps, struct br_pos stmt)
{
	const struct br_token *t = &ps->src->cur;

	if (t->kind == BR_TOK_WORD && t->len && is_digit(t->start[0])) {
		if (br_parse_once(&ps->core, stmt, "vpn P%", &ps->vpn_all))
			return -EINVAL;
		return parse_share_stmt(ps, &ps->scn->vpn_share);
	}
	return parse_svc_share(ps, "vpn", &ps->scn->vpns, &ps->scn->n_vpns,
			       &ps->cap_vpns, BR_PARAM_VPN);
}

/* Report an unknown action of service svc; the position is the action's. */
static int unknown_action(struct parser *ps, struct br_pos pos, int svc,
			  const char *p, size_t n)
{
	const struct br_cat_service *s = &ps->cat->services[svc];
	const char **names;
	const char *near;
	char *list = NULL;
	size_t i, k = 0, len = 0;
	FILE *f;

	names = calloc(s->n_actions + 1, sizeof(*names));
	f = open_memstream(&list, &len);
	if (!names || !f) {
		free(names);
		if (f)
			fclose(f);
		free(list);
		return -ENOMEM;
	}
	/* each name once: an action may exist once per platform */
	for (i = 0; i < s->n_actions; i++) {
		size_t j;

		for (j = 0; j < k; j++)
			if (!strcmp(names[j], s->actions[i].name))
				break;
		if (j == k)
			names[k++] = s->actions[i].name;
	}
	for (i = 0; i < k; i++)
		fprintf(f, "%s%s", i ? (i + 1 == k ? " or " : ", ") : "",
			names[i]);
	fclose(f);
	near = closest(p, n, names, k);
	if (near)
		br_perr(&ps->core, pos,
			"unknown action \"%.*s\" of service \"%s\" (did you "
			"mean "
			"\"%s\"?)",
			(int)n, p, s->id, near);
	else if (k)
		br_perr(&ps->core, pos,
			"unknown action \"%.*s\" of service \"%s\" (expected "
			"%s)",
			(int)n, p, s->id, list ? list : "");
	else
		br_perr(&ps->core, pos,
			"unknown action \"%.*s\": service \"%s\" has no "
			"actions",
			(int)n, p, s->id);
	free(list);
	free(names);
	return -EINVAL;
}

/* "4/h", "0.5/m", "2/d": a rate per device into actions per hour. */
static int per_hour_tok(struct parser *ps, const struct br_token *t,
			double *per_hour)
{
	char d[BR_PARSE_DESC_LEN];
	uint64_t fixed = 0;
	double mult = 0;
	size_t used;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "a rate such as \"4/h\"");
	err = br_parse_decimal(t->start, t->len, &fixed, &used);
	if (!err && used + 2 == t->len && t->start[used] == '/') {
		switch (t->start[used + 1]) {
		case 's':
			mult = 3600;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 1;
			break;
		case 'd':
			mult = 1.0 / 24;
			break;
		}
	}
	if (err == -ERANGE ||
	    (mult && (double)fixed / FIX * mult > BR_SCN_MAX_PER_HOUR)) {
		br_perr(&ps->core, t->pos,
			"rate %s too high (at most 3600/h, one a "
			"second)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	if (!mult) {
		br_perr(&ps->core, t->pos,
			"bad rate %s (expected a number and /s, /m, "
			"/h or /d, as in \"4/h\")",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	*per_hour = (double)fixed / FIX * mult;
	return 0;
}

/* A rate or a range of rates (its central value into *per_hour). */
static int parse_per_hour(struct parser *ps, double *per_hour)
{
	const struct br_token *t = &ps->src->cur;
	struct br_token part[3];
	double v[3] = { 0, 0, 0 };
	int n = 0, i, err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "a rate such as \"4/h\"");
	err = range_parts(ps, t, part, &n);
	for (i = 0; !err && i < n; i++)
		err = per_hour_tok(ps, &part[i], &v[i]);
	if (!err && n > 1)
		err = range_keep(ps, t, BR_UNIT_RATE, v, n, &v[0]);
	if (err)
		return err;
	*per_hour = v[0];
	br_parse_next(ps->src);
	return 0;
}

static int parse_rate(struct parser *ps)
{
	const struct br_token *t = &ps->src->cur;
	struct br_scenario *scn = ps->scn;
	const struct br_cat_service *s;
	struct br_pos pos = t->pos, apos;
	const char *dot, *act;
	struct br_scn_rate *rates;
	size_t i, alen, first, n;
	double per_hour = 0;
	char d[BR_PARSE_DESC_LEN];
	int svc = -1, err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src, "SERVICE.ACTION");
	dot = memchr(t->start, '.', t->len);
	if (!dot || dot == t->start || dot + 1 == t->start + t->len) {
		br_perr(&ps->core, t->pos,
			"expected SERVICE.ACTION, as in "
			"\"bank.push-received\", got %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	err = find_service(ps->cat, t->start, (size_t)(dot - t->start), &svc);
	if (err)
		return err;
	if (svc < 0)
		return unknown_service(ps, pos, t->start,
				       (size_t)(dot - t->start));
	s = &ps->cat->services[svc];
	act = dot + 1;
	alen = (size_t)(t->start + t->len - act);
	apos = pos;
	apos.col += (int)(act - t->start);

	/* the same name may be one action per platform: a rate sets each */
	for (i = 0; i < scn->n_rates; i++) {
		const struct br_scn_rate *r = &scn->rates[i];
		const char *name;

		if (r->service != svc)
			continue;
		name = s->actions[r->action].name;
		if (strlen(name) == alen && !memcmp(name, act, alen)) {
			br_perr(&ps->core, pos,
				"rate of \"%s.%s\" already given at " POSF,
				s->id, name, POSA(r->pos));
			return -EINVAL;
		}
	}
	for (i = 0; i < s->n_actions; i++)
		if (strlen(s->actions[i].name) == alen &&
		    !memcmp(s->actions[i].name, act, alen))
			break;
	if (i == s->n_actions)
		return unknown_action(ps, apos, svc, act, alen);
	br_parse_next(ps->src);
	err = parse_per_hour(ps, &per_hour);
	if (err)
		return err;

	first = scn->n_rates;
	for (i = 0, n = 0; i < s->n_actions; i++) {
		if (strlen(s->actions[i].name) != alen ||
		    memcmp(s->actions[i].name, act, alen))
			continue;
		rates = br_grow(scn->rates, &ps->cap_rates, first + n,
				sizeof(*rates));
		if (!rates)
			return -ENOMEM;
		scn->rates = rates;
		rates[first + n].service = svc;
		rates[first + n].action = (int)i;
		rates[first + n].per_hour = per_hour;
		rates[first + n].pos = pos;
		n++;
	}
	scn->n_rates = first + n;
	if (ps->range.set) {
		char name[160];

		snprintf(name, sizeof(name), "rate %s.%s", s->id,
			 s->actions[scn->rates[first].action].name);
		err = param_add(ps, name, BR_PARAM_RATE, first, n, 0);
		if (err)
			return err;
	}
	return br_parse_end_statement(&ps->core, ps->src);
}

/* A catalog address set named by the @name token at cur; *idx its index. */
static int parse_pool(struct parser *ps, int *idx)
{
	const struct br_token *t = &ps->src->cur;
	const struct br_catalog *cat = ps->cat;
	size_t i;

	if (t->kind != BR_TOK_SETREF)
		return br_parse_expected(&ps->core, ps->src,
					 "an address set of the catalog, as "
					 "in \"@aws-2018-blocked\"");
	for (i = 0; i < cat->n_sets; i++)
		if (strlen(cat->sets[i].name) == t->len - 1 &&
		    !memcmp(cat->sets[i].name, t->start + 1, t->len - 1))
			break;
	if (i == cat->n_sets || cat->sets[i].type != BR_SET_ADDR) {
		br_perr(&ps->core, t->pos,
			"%s \"%.*s\" of the catalog",
			i == cat->n_sets ? "no address set" : "not an address set:",
			(int)t->len, t->start);
		return -EINVAL;
	}
	*idx = (int)i;
	br_parse_next(ps->src);
	return 0;
}

/*
 * "move SERVICE.FLOW after T into @set[, @set]...": the target's side of
 * a chase (struct br_scn_move). T may be a range: how soon the service
 * moves on is an assumption wherever no source dates it.
 */
static int parse_move(struct parser *ps)
{
	const struct br_token *t = &ps->src->cur;
	struct br_scenario *scn = ps->scn;
	struct br_scn_move mv = { .pos = t->pos }, *moves;
	const struct br_cat_service *s;
	const char *dot;
	char d[BR_PARSE_DESC_LEN], name[160];
	size_t i, flen;
	int err, ranged;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src, "SERVICE.FLOW");
	dot = memchr(t->start, '.', t->len);
	if (!dot || dot == t->start || dot + 1 == t->start + t->len) {
		br_perr(&ps->core, t->pos,
			"expected SERVICE.FLOW, as in \"telegram.dc\", got %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	err = find_service(ps->cat, t->start, (size_t)(dot - t->start),
			   &mv.service);
	if (err)
		return err;
	if (mv.service < 0)
		return unknown_service(ps, mv.pos, t->start,
				       (size_t)(dot - t->start));
	s = &ps->cat->services[mv.service];
	flen = (size_t)(t->start + t->len - dot - 1);
	for (i = 0; i < s->n_flows; i++)
		if (strlen(s->flows[i].name) == flen &&
		    !memcmp(s->flows[i].name, dot + 1, flen))
			break;
	if (i == s->n_flows || s->flows[i].kind == BR_CAT_DNS) {
		br_perr(&ps->core, t->pos,
			"service \"%s\" has no flow \"%.*s\" that connects "
			"to servers",
			s->id, (int)flen, dot + 1);
		return -EINVAL;
	}
	mv.flow = (int)i;
	for (i = 0; i < scn->n_moves; i++)
		if (scn->moves[i].service == mv.service &&
		    scn->moves[i].flow == mv.flow) {
			br_perr(&ps->core, mv.pos,
				"move of \"%s.%s\" already given at " POSF,
				s->id, s->flows[mv.flow].name,
				POSA(scn->moves[i].pos));
			return -EINVAL;
		}
	br_parse_next(ps->src);
	if (!br_tok_is(t, "after"))
		return br_parse_expected(&ps->core, ps->src,
					 "\"after T\": how long after the "
					 "censor's block it moves on");
	br_parse_next(ps->src);
	err = parse_time(ps, "time", &mv.after_ns);
	if (err)
		return err;
	ranged = ps->range.set;
	ps->range.set = 0; /* registered below, once the move is stored */
	if (!br_tok_is(t, "into"))
		return br_parse_expected(&ps->core, ps->src,
					 "\"into @set\" after the time");
	br_parse_next(ps->src);
	for (;;) {
		if (mv.n_pools == BR_SCN_MOVE_POOLS) {
			br_perr(&ps->core, t->pos,
				"at most %d pools to move into",
				BR_SCN_MOVE_POOLS);
			return -EINVAL;
		}
		err = parse_pool(ps, &mv.pools[mv.n_pools]);
		if (err)
			return err;
		mv.n_pools++;
		if (t->kind != BR_TOK_COMMA)
			break;
		br_parse_next(ps->src);
	}
	err = br_parse_end_statement(&ps->core, ps->src);
	if (err)
		return err;
	moves = br_grow(scn->moves, &ps->cap_moves, scn->n_moves,
			sizeof(*moves));
	if (!moves)
		return -ENOMEM;
	scn->moves = moves;
	moves[scn->n_moves++] = mv;
	if (!ranged)
		return 0;
	ps->range.set = 1;
	snprintf(name, sizeof(name), "move %s.%s after", s->id,
		 s->flows[mv.flow].name);
	return param_add(ps, name, BR_PARAM_MOVE, scn->n_moves - 1, 1, 0);
}

static int parse_at(struct parser *ps)
{
	struct br_scenario *scn = ps->scn;
	struct br_scn_event *events, *prev;
	struct br_pos pos = ps->src->cur.pos, ppos;
	char *path, *full = NULL, why[BR_TEXT_WHY];
	char a[32], b[32];
	struct stat st;
	uint64_t ns = 0, earliest, latest;
	int fd, err, ranged;

	err = parse_time(ps, "time", &ns);
	if (err)
		return err;
	/* a range (the censor's lag, uncertain): every draw of it must keep
	 * the events in order, so ranges may not overlap */
	earliest = ps->range.set ? (uint64_t)llround(ps->range.lo) : ns;
	latest = ps->range.set ? (uint64_t)llround(ps->range.hi) : ns;
	ranged = ps->range.set;
	ps->range.set = 0; /* registered below, once the event is stored */
	prev = scn->n_events ? &scn->events[scn->n_events - 1] : NULL;
	if (prev && earliest <= prev->latest_ns) {
		br_perr(&ps->core, pos,
			"event at %s is not after the one before it (at "
			"%s, " POSF "): events go in time order",
			fmt_time(earliest, a), fmt_time(prev->latest_ns, b),
			POSA(prev->pos));
		return -EINVAL;
	}
	if (!br_tok_is(&ps->src->cur, "policy"))
		return br_parse_expected(&ps->core, ps->src, "\"policy\"");
	br_parse_next(ps->src);
	if (ps->src->cur.kind != BR_TOK_STRING)
		return br_parse_expected(&ps->core, ps->src, "a quoted path");
	ppos = ps->src->cur.pos;
	if (ps->src->cur.len == 2) {
		br_perr(&ps->core, ppos, "empty path");
		return -EINVAL;
	}
	path = br_tok_string(&ps->src->cur);
	if (!path)
		return -ENOMEM;
	br_parse_next(ps->src);
	err = br_parse_end_statement(&ps->core, ps->src);
	if (err)
		goto out;
	full = br_parse_resolve(ps->file, path);
	if (!full) {
		err = -ENOMEM;
		goto out;
	}
	/* a typo in the path, a FIFO or a device is found here, where its
	 * position is known; the policy is read when the run starts */
	fd = br_text_open(full, &st, why);
	if (fd < 0) {
		br_perr(&ps->core, ppos, "cannot open \"%s\": %s", path, why);
		goto out;
	}
	close(fd);
	events = br_grow(scn->events, &ps->cap_events, scn->n_events,
			 sizeof(*events));
	if (!events) {
		err = -ENOMEM;
		goto out;
	}
	scn->events = events;
	events[scn->n_events].at_ns = ns;
	events[scn->n_events].latest_ns = latest;
	events[scn->n_events].policy = full;
	events[scn->n_events].pos = pos;
	scn->n_events++;
	full = NULL;
	if (ranged) {
		char name[160];

		ps->range.set = 1;
		snprintf(name, sizeof(name), "at policy \"%s\"", path);
		err = param_add(ps, name, BR_PARAM_EVENT, scn->n_events - 1, 1,
				0);
	}
out:
	free(full);
	free(path);
	return err;
}

/*
 * "flow-table N", "hello-table N": the sizes of the censor's state tables
 * (load --flow-table and --hello-table), to see what a censor whose
 * tables the population outgrows does with the flows it loses.
 */
static int parse_per_hour(struct parser *ps, double *per_hour);

/*
 * "wifi X, cellular Y": a parameter by access (either may be left out: it
 * keeps its default); X a rate ("2/h") when rate is set, a share ("50%")
 * when share is, else a time ("5m").
 */
static int parse_by_access(struct parser *ps, const char *what, double rate[2],
			   uint64_t ns[2], double share[2])
{
	static const char *const keys[2] = { "wifi", "cellular" };
	char d[BR_PARSE_DESC_LEN];
	struct br_pos at[2] = { { 0 } };
	int k, err;

	for (;;) {
		const struct br_token *t = &ps->src->cur;

		for (k = 0; k < 2; k++)
			if (br_tok_is(t, keys[k]))
				break;
		if (t->kind != BR_TOK_WORD)
			return br_parse_expected(&ps->core, ps->src,
						 "wifi or cellular");
		if (k == 2) {
			br_perr(&ps->core, t->pos,
				"unknown access %s (expected wifi or cellular)",
				br_parse_desc(t, d));
			return -EINVAL;
		}
		if (at[k].line) {
			br_perr(&ps->core, t->pos,
				"%s \"%s\" already given at " POSF, what,
				keys[k], POSA(at[k]));
			return -EINVAL;
		}
		at[k] = t->pos;
		br_parse_next(ps->src);
		if (share) {
			uint64_t fx = 0;

			err = parse_share(ps, &fx);
			share[k] = share_of(fx);
		} else {
			err = rate ? parse_per_hour(ps, &rate[k])
				   : parse_time(ps, what, &ns[k]);
		}
		if (!err && ps->range.set) {
			char name[64];

			snprintf(name, sizeof(name), "%s %s", what, keys[k]);
			err = share ? param_field(ps, name, &share[k],
						  BR_PARAM_FIELD)
			      : rate ? param_field(ps, name, &rate[k],
						   BR_PARAM_FIELD)
				     : param_field(ps, name, &ns[k],
						   BR_PARAM_FIELD_NS);
		}
		if (err)
			return err;
		if (ns && !ns[k]) {
			br_perr(&ps->core, at[k], "%s of %s must be above 0",
				what, keys[k]);
			return -EINVAL;
		}
		if (ps->src->cur.kind != BR_TOK_COMMA)
			break;
		br_parse_next(ps->src);
	}
	return br_parse_end_statement(&ps->core, ps->src);
}

/* A share and its range, a param of operator idx of kind where. */
static int parse_op_share(struct parser *ps, const char *what, size_t idx,
			  enum br_scn_where where, uint64_t *fixed)
{
	char name[96];
	int err;

	err = parse_share(ps, fixed);
	if (err || !ps->range.set)
		return err;
	snprintf(name, sizeof(name), "operator %s%s",
		 ps->scn->operators[idx].name, what);
	return param_add(ps, name, where, idx, 1, 0);
}

/*
 * "operator NAME ACCESS P% coverage Q%": P% of the ACCESS devices are
 * NAME's subscribers, Q% of whom the censor sees (instead of the
 * access's coverage). Once per name; an access's operators take at most
 * 100% of its devices.
 */
static int parse_operator(struct parser *ps)
{
	static const char *const keys[2] = { "wifi", "cellular" };
	struct br_scenario *scn = ps->scn;
	const struct br_token *t = &ps->src->cur;
	struct br_scn_operator *op;
	char d[BR_PARSE_DESC_LEN], s[32];
	uint64_t share = 0, cov = 0;
	struct br_pos at;
	size_t i, idx;
	int k, err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "an operator name");
	if (!br_is_ident(t->start, t->len)) {
		br_perr(&ps->core, t->pos, "bad operator name %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	for (i = 0; i < scn->n_operators; i++) {
		if (strlen(scn->operators[i].name) == t->len &&
		    !memcmp(scn->operators[i].name, t->start, t->len)) {
			br_perr(&ps->core, t->pos,
				"operator \"%s\" already given at " POSF,
				scn->operators[i].name,
				POSA(scn->operators[i].pos));
			return -EINVAL;
		}
	}
	op = br_grow(scn->operators, &ps->cap_operators, scn->n_operators,
		     sizeof(*op));
	if (!op)
		return -ENOMEM;
	scn->operators = op;
	idx = scn->n_operators;
	op += idx;
	memset(op, 0, sizeof(*op));
	op->name = strndup(t->start, t->len);
	if (!op->name)
		return -ENOMEM;
	op->pos = t->pos;
	scn->n_operators++;
	br_parse_next(ps->src);

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src,
					 "wifi or cellular");
	for (k = 0; k < 2 && !br_tok_is(t, keys[k]); k++)
		;
	if (k == 2) {
		br_perr(&ps->core, t->pos,
			"unknown access %s (expected wifi or cellular)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	op->access = k;
	br_parse_next(ps->src);
	at = t->pos;
	err = parse_op_share(ps, "", idx, BR_PARAM_OP_SHARE, &share);
	if (err)
		return err;
	op->share = share_of(share);
	ps->op_sum[k] += share;
	if (ps->op_sum[k] > 100 * FIX) {
		br_perr(&ps->core, at,
			"operators of %s add up to %s, more than 100%%",
			keys[k], fmt_share(ps->op_sum[k], s));
		return -EINVAL;
	}
	if (!br_tok_is(t, "coverage"))
		return br_parse_expected(&ps->core, ps->src,
					 "\"coverage Q%\"");
	br_parse_next(ps->src);
	err = parse_op_share(ps, " coverage", idx, BR_PARAM_OP_COVERAGE,
			     &cov);
	if (err)
		return err;
	op->coverage = share_of(cov);
	return br_parse_end_statement(&ps->core, ps->src);
}

/* "backoff MIN MAX": a failed channel's reconnect delay, doubling. */
static int parse_backoff(struct parser *ps)
{
	struct br_scenario *scn = ps->scn;
	struct br_pos pos = ps->src->cur.pos;
	uint64_t lo = 0, hi = 0;
	int err;

	err = parse_time(ps, "backoff", &lo);
	if (!err)
		err = parse_time(ps, "backoff", &hi);
	if (err)
		return err;
	if (!lo || hi < lo) {
		br_perr(&ps->core, pos,
			"backoff needs MIN MAX with 0 < MIN <= MAX, as in "
			"\"5s 2m\"");
		return -EINVAL;
	}
	scn->backoff_min_ns = lo;
	scn->backoff_max_ns = hi;
	return br_parse_end_statement(&ps->core, ps->src);
}

/* "identity-lookup channel" or "identity-lookup tls". */
static int parse_identity_lookup(struct parser *ps)
{
	const struct br_token *t = &ps->src->cur;
	char d[BR_PARSE_DESC_LEN];

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(&ps->core, ps->src, "channel or tls");
	if (br_tok_is(t, "channel")) {
		ps->scn->lookup_in_channel = 1;
	} else if (br_tok_is(t, "tls")) {
		ps->scn->lookup_in_channel = 0;
	} else {
		br_perr(&ps->core, t->pos,
			"unknown identity-lookup %s (expected channel or tls)",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	br_parse_next(ps->src);
	return br_parse_end_statement(&ps->core, ps->src);
}


static int parse_table(struct parser *ps, const char *what, uint32_t *out)
{
	char noun[32];
	uint64_t n = 0;
	int err;

	snprintf(noun, sizeof(noun), "%s size", what);
	err = parse_count(ps, "a number of entries", noun, what, BR_TABLE_MIN,
			  BR_TABLE_MAX, &n);
	*out = (uint32_t)n;
	return err;
}

static int parse_one(struct parser *ps, int k, struct br_pos pos, int first);

static int parse_statement(struct parser *ps)
{
	const struct br_token *t = &ps->src->cur;
	struct br_pos pos = t->pos;
	char d[BR_PARSE_DESC_LEN];
	int first, k, err;

	first = ++ps->statements == 1;
	for (k = 0; k < K_COUNT; k++)
		if (br_tok_is(t, kw_name[k]))
			break;
	if (k == K_COUNT) {
		br_perr(&ps->core, t->pos, "unknown statement %s",
			br_parse_desc(t, d));
		return -EINVAL;
	}
	/* a missing first statement is reported as just that */
	if (first && k != K_SCENARIO)
		br_perr(&ps->core, pos,
			"expected \"scenario NAME\" as the first statement");
	if (k < K_APP &&
	    br_parse_once(&ps->core, pos, kw_name[k], &ps->seen[k]))
		return -EINVAL;
	if (!ps->seen[k].line)
		ps->seen[k] = pos;
	br_parse_next(ps->src);
	ps->kw = k;
	ps->range.set = 0;
	err = parse_one(ps, k, pos, first);
	if (ps->range.set) {
		br_perr(&ps->core, ps->range.pos,
			"%s takes no range (a range is for an assumption: "
			"policies/scenarios/README.md)",
			kw_name[k]);
		ps->range.set = 0;
	}
	return err;
}

/* Statement k, its keyword read. */
static int parse_one(struct parser *ps, int k, struct br_pos pos, int first)
{
	switch (k) {
	case K_SCENARIO:
		return parse_scenario(ps, first, pos);
	case K_DESCRIPTION:
		return parse_description(ps);
	case K_DEVICES:
		return parse_devices(ps);
	case K_PLATFORM:
		return parse_platform(ps, pos);
	case K_IPV6:
		return parse_share_stmt(ps, &ps->scn->ipv6_share);
	case K_ACCESS:
		return parse_access(ps, pos);
	case K_DURATION:
		return parse_duration(ps);
	case K_SEED:
		return parse_seed(ps);
	case K_FLOW_TABLE:
		return parse_table(ps, "flow-table", &ps->scn->flow_entries);
	case K_HELLO_TABLE:
		return parse_table(ps, "hello-table", &ps->scn->hello_entries);
	case K_HANDOVER:
		return parse_by_access(ps, "handover", ps->scn->handover_per_hour,
				       NULL, NULL);
	case K_KEEPALIVE:
		return parse_by_access(ps, "keepalive", NULL,
				       ps->scn->keepalive_ns, NULL);
	case K_NAT_TIMEOUT:
		return parse_by_access(ps, "nat-timeout", NULL,
				       ps->scn->nat_timeout_ns, NULL);
	case K_COVERAGE:
		return parse_by_access(ps, "coverage", NULL, NULL,
				       ps->scn->coverage);
	case K_BACKOFF:
		return parse_backoff(ps);
	case K_IDENTITY_LOOKUP:
		return parse_identity_lookup(ps);
	case K_CONTACTS: {
		uint64_t n = 0;
		int err = parse_count(ps, "a number of contacts", "contacts",
				      "contacts", 1, BR_SCN_CONTACTS_MAX, &n);

		ps->scn->contacts = (uint32_t)n;
		return err;
	}
	case K_KEY_CACHE:
		return parse_share_stmt(ps, &ps->scn->key_cache);
	case K_SMS_FALLBACK:
		return parse_share_stmt(ps, &ps->scn->sms_share);
	case K_APP:
		return parse_app(ps);
	case K_RATE:
		return parse_rate(ps);
	case K_VPN:
		return parse_vpn(ps, pos);
	case K_OPERATOR:
		return parse_operator(ps);
	case K_MOVE:
		return parse_move(ps);
	case K_PROXY:
		return parse_svc_share(ps, "proxy", &ps->scn->proxies,
				       &ps->scn->n_proxies, &ps->cap_proxies,
				       BR_PARAM_PROXY);
	default:
		return parse_at(ps);
	}
}

/* The language's statement hook: cur at the statement's first word. */
static int scn_statement(struct br_parser *core, struct br_src *s)
{
	struct parser *ps = core->priv;

	ps->src = s;
	return parse_statement(ps);
}

/* ---- whole scenario ------------------------------------------------------ */

/* What the statements cannot check alone: requirements, cross-references. */
static void check_whole(struct parser *ps)
{
	const struct br_scenario *scn = ps->scn;
	struct br_pos file = { .file = ps->file };
	struct br_pos last = { 0 };
	char a[32], b[32];
	size_t i, j;

	if (!ps->seen[K_DEVICES].line)
		br_perr(&ps->core, file,
			"missing \"devices N\" (how many devices)");
	if (!ps->seen[K_PLATFORM].line)
		br_perr(&ps->core, file,
			"missing \"platform ios P%%, android Q%%\" (the "
			"devices' operating systems)");
	if (!ps->seen[K_DURATION].line)
		br_perr(&ps->core, file,
			"missing \"duration D\" (how long to simulate, "
			"as in \"10m\")");

	for (i = 0; i < scn->n_rates; i++) {
		const struct br_scn_rate *r = &scn->rates[i];

		for (j = 0; j < scn->n_apps; j++)
			if (scn->apps[j].service == r->service)
				break;
		/* one message a statement: it may have set several actions */
		if (j < scn->n_apps ||
		    (r->pos.line == last.line && r->pos.col == last.col))
			continue;
		last = r->pos;
		br_perr(&ps->core, r->pos,
			"rate of service \"%s\", which no device has "
			"(add \"app %s P%%\")",
			ps->cat->services[r->service].id,
			ps->cat->services[r->service].id);
	}

	if (!scn->duration_ns)
		return;
	for (i = 0; i < scn->n_events; i++) {
		const struct br_scn_event *e = &scn->events[i];

		if (e->latest_ns >= scn->duration_ns)
			br_perr(&ps->core, e->pos,
				"event at %s is not before the end of "
				"the scenario (duration %s)",
				fmt_time(e->latest_ns, a),
				fmt_time(scn->duration_ns, b));
	}
}

int br_scenario_parse_buffer(const char *file, const char *text, size_t len,
			     const struct br_catalog *cat,
			     struct br_scenario **out, struct br_diag *diag)
{
	struct parser ps = {
		.core = {
			.diag = diag,
			.keywords = kw_name,
			.n_keywords = K_COUNT,
			.statement = scn_statement,
			.no_blocks = 1,
			.priv = &ps,
		},
		.cat = cat,
	};
	struct br_src s;
	int err = 0;

	*out = NULL;
	if (!file)
		file = "<buffer>";
	err = br_text_check_len(file, len, diag);
	if (err)
		return err;
	ps.file = br_file_intern(file);
	ps.scn = calloc(1, sizeof(*ps.scn));
	if (!ps.scn)
		return -ENOMEM;
	ps.scn->seed = 1;
	br_scn_channel_defaults(ps.scn);
	ps.scn->file = strdup(file);
	if (!ps.scn->file) {
		err = -ENOMEM;
		goto out;
	}

	br_src_init(&s, &ps.core, ps.file, text, len, NULL);
	s.lx.percent = 1;
	err = br_parse_source(&ps.core, &s);
	if (err)
		goto out;
	if (!ps.statements) {
		struct br_pos top = { .file = ps.file, .line = 1, .col = 1 };

		br_perr(&ps.core, top,
			"expected \"scenario NAME\" as the first statement");
	}
	check_whole(&ps);
	if (ps.core.errors)
		err = -EINVAL;
out:
	if (err) {
		br_scenario_free(ps.scn);
		return err;
	}
	*out = ps.scn;
	return 0;
}

int br_scenario_parse_file(const char *path, const struct br_catalog *cat,
			   struct br_scenario **out, struct br_diag *diag)
{
	char *buf;
	struct stat st;
	size_t len;
	int err;

	*out = NULL;
	err = br_load_file(path, diag, &buf, &len, &st);
	if (!err)
		err = br_scenario_parse_buffer(path, buf, len, cat, out, diag);
	free(buf);
	return err;
}

int br_scenario_default(const struct br_catalog *cat, struct br_scenario **out,
			struct br_diag *diag)
{
	return br_scenario_parse_buffer(
		BR_SCENARIO_BUILTIN, br_scenario_default_text,
		br_scenario_default_len, cat, out, diag);
}

const char *br_scenario_default_source(size_t *len)
{
	if (len)
		*len = br_scenario_default_len;
	return br_scenario_default_text;
}

void br_scenario_free(struct br_scenario *scn)
{
	size_t i;

	if (!scn)
		return;
	for (i = 0; i < scn->n_events; i++)
		free(scn->events[i].policy);
	free(scn->name);
	free(scn->file);
	free(scn->description);
	free(scn->apps);
	free(scn->vpns);
	free(scn->proxies);
	for (i = 0; i < scn->n_operators; i++)
		free(scn->operators[i].name);
	free(scn->operators);
	free(scn->rates);
	free(scn->events);
	free(scn->moves);
	for (i = 0; i < scn->n_params; i++)
		free(scn->params[i].name);
	free(scn->params);
	free(scn);
}

uint32_t br_scn_flow_table(const struct br_scenario *scn)
{
	return scn->flow_entries ? scn->flow_entries : BR_FLOW_ENTRIES;
}

uint32_t br_scn_hello_table(const struct br_scenario *scn)
{
	return scn->hello_entries ? scn->hello_entries : BR_FLOW_PENDING;
}

/* The share of devices whose channel has not reconnected t ns after. */
static double scn_not_reconnected(const struct br_scenario *scn, double t)
{
	double share[2] = { 1 - scn->cellular_share, scn->cellular_share };
	double left = 0, n;
	int a;

	for (a = 0; a < 2; a++) {
		n = exp(-scn->handover_per_hour[a] * t / 3600e9);
		/* a NAT that forgets the channel between two keepalives: the
		 * next keepalive (uniform in its interval) reconnects it */
		if (scn->nat_timeout_ns[a] < scn->keepalive_ns[a])
			n *= t >= scn->keepalive_ns[a]
				     ? 0
				     : 1 - t / scn->keepalive_ns[a];
		left += share[a] * n;
	}
	return left;
}

uint64_t br_scn_reconnect_horizon(const struct br_scenario *scn, double share)
{
	double lo = 0, hi = 30 * 86400e9;
	int i;

	if (scn_not_reconnected(scn, hi) > 1 - share)
		return UINT64_MAX;
	for (i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (scn_not_reconnected(scn, mid) > 1 - share)
			lo = mid;
		else
			hi = mid;
	}
	return (uint64_t)hi;
}

int br_scn_move_pool(const struct br_scenario *scn, int svc, int flow,
		     uint64_t t, uint64_t *moved, uint64_t *next_ns)
{
	const struct br_scn_move *mv = NULL;
	size_t i, k = 0, n;

	*moved = 0;
	*next_ns = UINT64_MAX;
	for (i = 0; i < scn->n_moves; i++)
		if (scn->moves[i].service == svc && scn->moves[i].flow == flow)
			mv = &scn->moves[i];
	if (!mv)
		return BR_NO_SET;
	/* move k follows swap k; the swaps are in time order */
	n = scn->n_events < mv->n_pools ? scn->n_events : mv->n_pools;
	while (k < n && scn->events[k].at_ns + mv->after_ns <= t)
		k++;
	if (k < n)
		*next_ns = scn->events[k].at_ns + mv->after_ns;
	*moved = k;
	return k ? mv->pools[k - 1] : BR_NO_SET;
}
