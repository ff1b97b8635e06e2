/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * scenario.c - the scenario language (policies/scenarios/README.md) into
 * the scenario IR, against a service catalog.
 *
 * Built like policy.c: one function per statement, the policy lexer, an
 * error reported at the offending token and counted, and a function that
 * returns -EINVAL only when the rest of its line must be skipped. One run
 * lists every error; the IR is handed out only when there was none.
 *
 * Quantities are read in fixed point (units of 1e-9) so shares that must
 * add up to 100% are compared exactly and times convert to nanoseconds
 * without rounding.
 */
#include <errno.h>
#include <stdarg.h>
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
#define FIX 1000000000ULL			 /* fixed point: 1e-9 units */
#define FIX_DIGITS 9
#define DESC_LEN 96 /* room for br_tok_describe() */


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
	K_APP, /* K_APP and later may repeat */
	K_RATE,
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
	[K_APP] = "app",
	[K_RATE] = "rate",
	[K_AT] = "at",
};

struct parser {
	struct br_scenario *scn;
	const struct br_catalog *cat;
	struct br_diag *diag;
	unsigned int errors;
	struct br_lexer lx;
	struct br_token cur;
	const char *file; /* interned; base of relative policy paths */
	unsigned int statements;
	int have[K_COUNT];
	struct br_pos seen[K_COUNT]; /* where each once-only statement was */
	size_t cap_apps;
	size_t cap_rates;
	size_t cap_events;
};

__attribute__((format(printf, 3, 4))) static void
perr(struct parser *ps, struct br_pos pos, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int len;

	ps->errors++;
	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	br_diag_error(ps->diag, pos, "%s", text);
	free(text);
}

static const char *desc(const struct br_token *t, char buf[DESC_LEN])
{
	return br_tok_describe(t, buf, DESC_LEN);
}

/*
 * The next token. A share is written "30%": '%' is no word character of
 * the policy language, so a word directly followed by '%' takes it in
 * here (a '%' after a space stays the lexer's error).
 */
static void next(struct parser *ps)
{
	br_lex_next(&ps->lx, &ps->cur);
	if (ps->cur.kind == BR_TOK_WORD && ps->lx.p < ps->lx.end &&
	    *ps->lx.p == '%') {
		ps->lx.p++;
		ps->cur.len++;
	}
}

static int at_eol(const struct parser *ps)
{
	return ps->cur.kind == BR_TOK_NEWLINE || ps->cur.kind == BR_TOK_EOF;
}

/* "expected WHAT, got TOKEN"; a lexer error was reported already. */
static int expected(struct parser *ps, const char *what)
{
	char buf[DESC_LEN];

	if (ps->cur.kind != BR_TOK_ERROR)
		perr(ps, ps->cur.pos, "expected %s, got %s", what,
		     desc(&ps->cur, buf));
	return -EINVAL;
}

static int end_statement(struct parser *ps)
{
	if (ps->cur.kind == BR_TOK_EOF)
		return 0;
	if (ps->cur.kind == BR_TOK_NEWLINE) {
		next(ps);
		return 0;
	}
	return expected(ps, "end of line");
}

/* After an error: the rest of the line, quietly (one error a line). */
static void skip_statement(struct parser *ps)
{
	ps->lx.quiet = 1;
	while (!at_eol(ps))
		next(ps);
	ps->lx.quiet = 0;
	if (ps->cur.kind == BR_TOK_NEWLINE)
		next(ps);
}

static void *grow(void *arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *q;

	if (n < *cap)
		return arr;
	ncap = *cap ? 2 * *cap : 16;
	q = realloc(arr, ncap * sz);
	if (q)
		*cap = ncap;
	return q;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ident(const char *p, size_t n)
{
	size_t i;

	if (!n || !is_alpha(p[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alpha(p[i]) && !is_digit(p[i]) && p[i] != '.' &&
		    p[i] != '-')
			return 0;
	return 1;
}

/* ---- quantities ---------------------------------------------------------- */

/*
 * A decimal number at p ("30", "12.5", "0.25") in units of 1e-9, up to
 * nine decimals; *used is how many bytes it took. -EINVAL: no number
 * there, or too many decimals; -ERANGE: too large.
 */
static int parse_fixed(const char *p, size_t n, uint64_t *out, size_t *used)
{
	uint64_t whole = 0, frac = 0, scale = FIX;
	size_t i = 0, digits;

	for (digits = 0; i < n && is_digit(p[i]); i++, digits++) {
		if (whole > (UINT64_MAX / FIX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(p[i] - '0');
	}
	if (!digits)
		return -EINVAL;
	if (i < n && p[i] == '.') {
		i++;
		for (digits = 0; i < n && is_digit(p[i]); i++, digits++) {
			if (digits == FIX_DIGITS)
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(p[i] - '0') * scale;
		}
		if (!digits)
			return -EINVAL;
	}
	*out = whole * FIX + frac;
	*used = i;
	return 0;
}

/* A share, "30%" or "12.5%", into *fixed (100% is 100 * FIX). */
static int parse_share(struct parser *ps, uint64_t *fixed)
{
	const struct br_token *t = &ps->cur;
	char d[DESC_LEN];
	size_t used = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "a share such as \"30%\"");
	err = parse_fixed(t->start, t->len, fixed, &used);
	if (err == -EINVAL || (!err && used < t->len &&
			       (used + 1 != t->len || t->start[used] != '%'))) {
		perr(ps, t->pos,
		     "bad share %s (expected a percentage such as "
		     "\"30%%\" or \"12.5%%\")",
		     desc(t, d));
		return -EINVAL;
	}
	if (!err && used == t->len) {
		perr(ps, t->pos, "share %s needs a \"%%\", as in \"%.*s%%\"",
		     desc(t, d), (int)t->len, t->start);
		return -EINVAL;
	}
	if (err || *fixed > 100 * FIX) {
		perr(ps, t->pos, "share %s out of range (0-100%%)", desc(t, d));
		return -EINVAL;
	}
	next(ps);
	return 0;
}

static double share_of(uint64_t fixed)
{
	return (double)fixed / (double)(100 * FIX);
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
static int parse_time(struct parser *ps, const char *what, uint64_t *ns)
{
	const struct br_token *t = &ps->cur;
	uint64_t fixed = 0, unit;
	char d[DESC_LEN];
	size_t used;
	int err;

	if (t->kind != BR_TOK_WORD) {
		char want[48];

		snprintf(want, sizeof(want), "a %s such as \"10m\"", what);
		return expected(ps, want);
	}
	err = parse_fixed(t->start, t->len, &fixed, &used);
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
		perr(ps, t->pos,
		     "bad %s %s (expected a number and s, m or h, "
		     "as in \"90s\" or \"10m\")",
		     what, desc(t, d));
		return -EINVAL;
	}
	if (err == -ERANGE || fixed > BR_SCN_MAX_DURATION_NS / unit) {
		perr(ps, t->pos, "%s %s out of range (at most 24h)", what,
		     desc(t, d));
		return -EINVAL;
	}
	*ns = fixed * unit;
	next(ps);
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
	size_t i, dist, best = SIZE_MAX, limit = n >= 5 ? 2 : 1;
	const char *found = NULL;

	for (i = 0; i < n_cand; i++) {
		dist = br_edit_distance(w, n, cand[i], strlen(cand[i]));
		if (dist <= limit && dist < best) {
			best = dist;
			found = cand[i];
		}
	}
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
		perr(ps, pos, "unknown service \"%.*s\" (did you mean \"%s\"?)",
		     (int)n, p, near);
	else
		perr(ps, pos, "unknown service \"%.*s\"", (int)n, p);
	free(ids);
	return -EINVAL;
}

/* A service id in the current token; *idx its index. */
static int parse_service(struct parser *ps, int *idx)
{
	const struct br_token *t = &ps->cur;
	char d[DESC_LEN];
	int err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "a service");
	if (!is_ident(t->start, t->len)) {
		perr(ps, t->pos, "bad service name %s", desc(t, d));
		return -EINVAL;
	}
	err = find_service(ps->cat, t->start, t->len, idx);
	if (err)
		return err;
	if (*idx < 0)
		return unknown_service(ps, t->pos, t->start, t->len);
	next(ps);
	return 0;
}

/* ---- statements ---------------------------------------------------------- */

static int parse_scenario(struct parser *ps, int first, struct br_pos pos)
{
	const struct br_token *t = &ps->cur;
	struct br_scenario *scn = ps->scn;
	char d[DESC_LEN];

	if (!first) {
		perr(ps, pos, "\"scenario\" must be the first statement");
		return -EINVAL;
	}
	if (t->kind == BR_TOK_WORD) {
		if (!is_ident(t->start, t->len)) {
			perr(ps, t->pos, "bad name %s", desc(t, d));
			return -EINVAL;
		}
		scn->name = strndup(t->start, t->len);
	} else if (t->kind == BR_TOK_STRING) {
		if (t->len == 2) {
			perr(ps, t->pos, "empty name");
			return -EINVAL;
		}
		scn->name = br_tok_string(t);
	} else {
		return expected(ps, "scenario name");
	}
	if (!scn->name)
		return -ENOMEM;
	next(ps);
	return end_statement(ps);
}

static int parse_description(struct parser *ps)
{
	if (ps->cur.kind != BR_TOK_STRING)
		return expected(ps, "a quoted string");
	ps->scn->description = br_tok_string(&ps->cur);
	if (!ps->scn->description)
		return -ENOMEM;
	next(ps);
	return end_statement(ps);
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
	const struct br_token *t = &ps->cur;
	char d[DESC_LEN];
	uint64_t n = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, expect);
	err = br_lex_u64(t->start, t->len, &n);
	if (err == -EINVAL) {
		perr(ps, t->pos, "bad %s %s", noun, desc(t, d));
		return -EINVAL;
	}
	if (err || n < min || n > max) {
		perr(ps, t->pos, "%s %s out of range (%llu-%llu)", what,
		     desc(t, d), (unsigned long long)min,
		     (unsigned long long)max);
		return -EINVAL;
	}
	*out = n;
	next(ps);
	return end_statement(ps);
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
 * the first key's share.
 */
static int parse_split(struct parser *ps, const char *what,
		       const char *const keys[2], struct br_pos stmt,
		       uint64_t *first)
{
	uint64_t share[2] = { 0, 0 }, sum;
	int given[2] = { 0, 0 }, k, err;
	char d[DESC_LEN], s[32];
	struct br_pos at[2];

	for (;;) {
		const struct br_token *t = &ps->cur;

		if (t->kind != BR_TOK_WORD) {
			char want[48];

			snprintf(want, sizeof(want), "%s or %s", keys[0],
				 keys[1]);
			return expected(ps, want);
		}
		for (k = 0; k < 2; k++)
			if (br_tok_is(t, keys[k]))
				break;
		if (k == 2) {
			perr(ps, t->pos, "unknown %s %s (expected %s or %s)",
			     what, desc(t, d), keys[0], keys[1]);
			return -EINVAL;
		}
		if (given[k]) {
			perr(ps, t->pos, "%s \"%s\" already given at " POSF,
			     what, keys[k], POSA(at[k]));
			return -EINVAL;
		}
		given[k] = 1;
		at[k] = t->pos;
		next(ps);
		err = parse_share(ps, &share[k]);
		if (err)
			return err;
		if (ps->cur.kind != BR_TOK_COMMA)
			break;
		next(ps);
	}
	if (!at_eol(ps))
		return expected(ps, "\",\" or end of line");
	sum = share[0] + share[1];
	if (sum != 100 * FIX)
		perr(ps, stmt, "%s shares add up to %s, not 100%%", what,
		     fmt_share(sum, s));
	*first = share[0];
	return end_statement(ps);
}

static int parse_platform(struct parser *ps, struct br_pos stmt)
{
	static const char *const keys[2] = { "ios", "android" };
	uint64_t ios = 0;
	int err;

	err = parse_split(ps, "platform", keys, stmt, &ios);
	if (!err)
		ps->scn->ios_share = share_of(ios);
	return err;
}

static int parse_access(struct parser *ps, struct br_pos stmt)
{
	static const char *const keys[2] = { "wifi", "cellular" };
	uint64_t wifi = 0;
	int err;

	err = parse_split(ps, "access", keys, stmt, &wifi);
	if (!err && wifi <= 100 * FIX)
		ps->scn->cellular_share = share_of(100 * FIX - wifi);
	return err;
}

static int parse_ipv6(struct parser *ps)
{
	uint64_t share = 0;
	int err;

	err = parse_share(ps, &share);
	if (err)
		return err;
	ps->scn->ipv6_share = share_of(share);
	return end_statement(ps);
}

static int parse_duration(struct parser *ps)
{
	struct br_pos pos = ps->cur.pos;
	char d[DESC_LEN] = "";
	uint64_t ns = 0;
	int err;

	if (ps->cur.kind == BR_TOK_WORD)
		desc(&ps->cur, d);
	err = parse_time(ps, "duration", &ns);
	if (err)
		return err;
	if (ns < BR_SCN_MIN_DURATION_NS) {
		perr(ps, pos, "duration %s too short (at least 1s)", d);
		return -EINVAL;
	}
	ps->scn->duration_ns = ns;
	return end_statement(ps);
}

static int parse_seed(struct parser *ps)
{
	const struct br_token *t = &ps->cur;
	char d[DESC_LEN];
	uint64_t v = 0;
	int err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "a seed (a number)");
	err = br_lex_u64(t->start, t->len, &v);
	if (err == -ERANGE) {
		perr(ps, t->pos, "seed %s too large (at most %llu)", desc(t, d),
		     (unsigned long long)UINT64_MAX);
		return -EINVAL;
	}
	if (err) {
		perr(ps, t->pos, "bad seed %s (expected a number)", desc(t, d));
		return -EINVAL;
	}
	ps->scn->seed = v;
	next(ps);
	return end_statement(ps);
}

static int parse_app(struct parser *ps)
{
	struct br_scenario *scn = ps->scn;
	struct br_pos pos = ps->cur.pos;
	struct br_scn_app *apps;
	uint64_t share = 0;
	size_t i;
	int svc = -1, err;

	err = parse_service(ps, &svc);
	if (err)
		return err;
	for (i = 0; i < scn->n_apps; i++) {
		if (scn->apps[i].service == svc) {
			perr(ps, pos, "app \"%s\" already given at " POSF,
			     ps->cat->services[svc].id, POSA(scn->apps[i].pos));
			return -EINVAL;
		}
	}
	err = parse_share(ps, &share);
	if (err)
		return err;
	apps = grow(scn->apps, &ps->cap_apps, scn->n_apps, sizeof(*apps));
	if (!apps)
		return -ENOMEM;
	scn->apps = apps;
	apps[scn->n_apps].service = svc;
	apps[scn->n_apps].share = share_of(share);
	apps[scn->n_apps].pos = pos;
	scn->n_apps++;
	return end_statement(ps);
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

	names = malloc((s->n_actions + 1) * sizeof(*names));
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
		perr(ps, pos,
		     "unknown action \"%.*s\" of service \"%s\" (did you mean "
		     "\"%s\"?)",
		     (int)n, p, s->id, near);
	else if (k)
		perr(ps, pos,
		     "unknown action \"%.*s\" of service \"%s\" (expected %s)",
		     (int)n, p, s->id, list ? list : "");
	else
		perr(ps, pos,
		     "unknown action \"%.*s\": service \"%s\" has no actions",
		     (int)n, p, s->id);
	free(list);
	free(names);
	return -EINVAL;
}

/* "4/h", "0.5/m", "2/d": a rate per device into actions per hour. */
static int parse_per_hour(struct parser *ps, double *per_hour)
{
	const struct br_token *t = &ps->cur;
	char d[DESC_LEN];
	uint64_t fixed = 0;
	double mult = 0;
	size_t used;
	int err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "a rate such as \"4/h\"");
	err = parse_fixed(t->start, t->len, &fixed, &used);
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
		perr(ps, t->pos,
		     "rate %s too high (at most 3600/h, one a "
		     "second)",
		     desc(t, d));
		return -EINVAL;
	}
	if (!mult) {
		perr(ps, t->pos,
		     "bad rate %s (expected a number and /s, /m, "
		     "/h or /d, as in \"4/h\")",
		     desc(t, d));
		return -EINVAL;
	}
	*per_hour = (double)fixed / FIX * mult;
	next(ps);
	return 0;
}

static int parse_rate(struct parser *ps)
{
	const struct br_token *t = &ps->cur;
	struct br_scenario *scn = ps->scn;
	const struct br_cat_service *s;
	struct br_pos pos = t->pos, apos;
	const char *dot, *act;
	struct br_scn_rate *rates;
	size_t i, alen, first, n;
	double per_hour = 0;
	char d[DESC_LEN];
	int svc = -1, err;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "SERVICE.ACTION");
	dot = memchr(t->start, '.', t->len);
	if (!dot || dot == t->start || dot + 1 == t->start + t->len) {
		perr(ps, t->pos,
		     "expected SERVICE.ACTION, as in "
		     "\"bank.push-received\", got %s",
		     desc(t, d));
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
			perr(ps, pos,
			     "rate of \"%s.%s\" already given at " POSF, s->id,
			     name, POSA(r->pos));
			return -EINVAL;
		}
	}
	for (i = 0; i < s->n_actions; i++)
		if (strlen(s->actions[i].name) == alen &&
		    !memcmp(s->actions[i].name, act, alen))
			break;
	if (i == s->n_actions)
		return unknown_action(ps, apos, svc, act, alen);
	next(ps);
	err = parse_per_hour(ps, &per_hour);
	if (err)
		return err;

	first = scn->n_rates;
	for (i = 0, n = 0; i < s->n_actions; i++) {
		if (strlen(s->actions[i].name) != alen ||
		    memcmp(s->actions[i].name, act, alen))
			continue;
		rates = grow(scn->rates, &ps->cap_rates, first + n,
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
	return end_statement(ps);
}

/* A path relative to the directory of the file that names it. */
static char *resolve(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	char *out;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s%s", (int)(slash - base + 1), base, path) < 0)
		return NULL;
	return out;
}

static int parse_at(struct parser *ps)
{
	struct br_scenario *scn = ps->scn;
	struct br_scn_event *events, *prev;
	struct br_pos pos = ps->cur.pos, ppos;
	char *path, *full = NULL, why[BR_TEXT_WHY];
	char a[32], b[32];
	struct stat st;
	uint64_t ns = 0;
	int fd, err;

	err = parse_time(ps, "time", &ns);
	if (err)
		return err;
	prev = scn->n_events ? &scn->events[scn->n_events - 1] : NULL;
	if (prev && ns <= prev->at_ns) {
		perr(ps, pos,
		     "event at %s is not after the one before it (at "
		     "%s, " POSF "): events go in time order",
		     fmt_time(ns, a), fmt_time(prev->at_ns, b),
		     POSA(prev->pos));
		return -EINVAL;
	}
	if (!br_tok_is(&ps->cur, "policy"))
		return expected(ps, "\"policy\"");
	next(ps);
	if (ps->cur.kind != BR_TOK_STRING)
		return expected(ps, "a quoted path");
	ppos = ps->cur.pos;
	if (ps->cur.len == 2) {
		perr(ps, ppos, "empty path");
		return -EINVAL;
	}
	path = br_tok_string(&ps->cur);
	if (!path)
		return -ENOMEM;
	next(ps);
	err = end_statement(ps);
	if (err)
		goto out;
	full = resolve(ps->file, path);
	if (!full) {
		err = -ENOMEM;
		goto out;
	}
	/* a typo in the path, a FIFO or a device is found here, where its
	 * position is known; the policy is read when the run starts */
	fd = br_text_open(full, &st, why);
	if (fd < 0) {
		perr(ps, ppos, "cannot open \"%s\": %s", path, why);
		goto out;
	}
	close(fd);
	events = grow(scn->events, &ps->cap_events, scn->n_events,
		      sizeof(*events));
	if (!events) {
		err = -ENOMEM;
		goto out;
	}
	scn->events = events;
	events[scn->n_events].at_ns = ns;
	events[scn->n_events].policy = full;
	events[scn->n_events].pos = pos;
	scn->n_events++;
	full = NULL;
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

static int parse_statement(struct parser *ps)
{
	const struct br_token *t = &ps->cur;
	struct br_pos pos = t->pos;
	char d[DESC_LEN];
	int first, k;

	if (t->kind != BR_TOK_WORD)
		return expected(ps, "a statement");
	first = ++ps->statements == 1;
	for (k = 0; k < K_COUNT; k++)
		if (br_tok_is(t, kw_name[k]))
			break;
	if (k == K_COUNT) {
		perr(ps, t->pos, "unknown statement %s", desc(t, d));
		return -EINVAL;
	}
	/* a missing first statement is reported as just that */
	if (first && k != K_SCENARIO)
		perr(ps, pos,
		     "expected \"scenario NAME\" as the first statement");
	if (k < K_APP && ps->have[k]) {
		perr(ps, pos, "\"%s\" already given at " POSF, kw_name[k],
		     POSA(ps->seen[k]));
		return -EINVAL;
	}
	ps->have[k] = 1;
	ps->seen[k] = pos;
	next(ps);

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
		return parse_ipv6(ps);
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
	case K_APP:
		return parse_app(ps);
	case K_RATE:
		return parse_rate(ps);
	default:
		return parse_at(ps);
	}
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

	if (!ps->have[K_DEVICES])
		perr(ps, file, "missing \"devices N\" (how many devices)");
	if (!ps->have[K_PLATFORM])
		perr(ps, file,
		     "missing \"platform ios P%%, android Q%%\" (the "
		     "devices' operating systems)");
	if (!ps->have[K_DURATION])
		perr(ps, file,
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
		perr(ps, r->pos,
		     "rate of service \"%s\", which no device has "
		     "(add \"app %s P%%\")",
		     ps->cat->services[r->service].id,
		     ps->cat->services[r->service].id);
	}

	if (!scn->duration_ns)
		return;
	for (i = 0; i < scn->n_events; i++) {
		const struct br_scn_event *e = &scn->events[i];

		if (e->at_ns >= scn->duration_ns)
			perr(ps, e->pos,
			     "event at %s is not before the end of "
			     "the scenario (duration %s)",
			     fmt_time(e->at_ns, a),
			     fmt_time(scn->duration_ns, b));
	}
}

int br_scenario_parse_buffer(const char *file, const char *text, size_t len,
			     const struct br_catalog *cat,
			     struct br_scenario **out, struct br_diag *diag)
{
	struct parser ps = { .cat = cat, .diag = diag };
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
	ps.scn->file = strdup(file);
	if (!ps.scn->file) {
		err = -ENOMEM;
		goto out;
	}

	br_lex_init(&ps.lx, ps.file, text, len, diag, &ps.errors);
	next(&ps);
	for (;;) {
		while (ps.cur.kind == BR_TOK_NEWLINE)
			next(&ps);
		if (ps.cur.kind == BR_TOK_EOF)
			break;
		err = parse_statement(&ps);
		if (err == -ENOMEM)
			goto out;
		if (err)
			skip_statement(&ps);
		err = 0;
	}
	if (!ps.statements) {
		struct br_pos top = { .file = ps.file, .line = 1, .col = 1 };

		perr(&ps, top,
		     "expected \"scenario NAME\" as the first statement");
	}
	check_whole(&ps);
	if (ps.errors)
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
	free(scn->rates);
	free(scn->events);
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
