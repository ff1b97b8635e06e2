/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy_record.c - the policy language's "record" statements: the outcome
 * history documented for what a policy models, kept beside its rules so
 * that simulate can print the model next to the record (record.h).
 *
 *   record scenario "scenarios/russia-2018.scenario"
 *   record SERVICE [ios|android] FIGURE LO%..HI% source "WHO, WHEN: WHAT"
 *
 * FIGURE is failed, late or failed-or-late (br_record_figure_name()). A
 * range, not a number: a report's figure is itself uncertain ("about a
 * fifth"), and a record says how far. The source is mandatory: a record
 * nobody reported is a guess, and a guess belongs in a scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "parser.h"
#include "policy_parse.h"
#include "policy_record.h"
#include "service_rules.h"

#define RANGE_TEXT_MAX 48 /* "100.000000%..100.000000%" and then some */
#define RANGE_EXAMPLE "\"10%..35%\""

/* "record scenario PATH", cur at "scenario". */
static int parse_record_scenario(struct br_parser *ps, struct br_src *s,
				 struct br_pos pos)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_policy *pol = ps->pol;
	struct br_pos at;
	struct stat st;
	char *text;

	br_parse_next(s);
	if (br_parse_once(ps, pos, "record scenario", &pp->record_scenario_pos))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted scenario file");
	at = s->cur.pos;
	text = br_tok_string(&s->cur);
	if (!text)
		return -ENOMEM;
	pol->record_scenario_text = text;
	/* relative to the policy, as an include is: the pair travels */
	pol->record_scenario = br_parse_resolve(s->name, text);
	if (!pol->record_scenario)
		return -ENOMEM;
	if (!*text || stat(pol->record_scenario, &st) || !S_ISREG(st.st_mode))
		br_perr(ps, at, "no scenario file \"%s\" (looked for %s)", text,
			pol->record_scenario);
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

/*
 * A percentage at p[0, n), "20", "12.5" (then "%" is checked by the
 * caller), into *out; how many bytes it took, 0 for none.
 */
static size_t parse_pct(const char *p, size_t n, double *out)
{
	uint64_t v;
	size_t used;

	if (br_parse_decimal(p, n, &v, &used))
		return 0;
	*out = (double)v / BR_DECIMAL_UNIT;
	return used;
}

/* "LO%..HI%" in text[0, n); 0, or -EINVAL for any other text. */
static int parse_range_text(const char *text, size_t n, double *lo,
			    double *hi)
{
	size_t used, k;

	used = parse_pct(text, n, lo);
	if (!used || used + 3 > n || memcmp(text + used, "%..", 3))
		return -EINVAL;
	k = used + 3;
	used = parse_pct(text + k, n - k, hi);
	if (!used || k + used + 1 != n || text[k + used] != '%')
		return -EINVAL;
	return 0;
}

/* The range at cur, one word (the lexer keeps "10%..35%" together). */
static int parse_record_range(struct br_parser *ps, struct br_src *s,
			      double *lo, double *hi)
{
	const struct br_token *t = &s->cur;
	int long_text = t->len > RANGE_TEXT_MAX;
	int n = long_text ? RANGE_TEXT_MAX : (int)t->len;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a range such as " RANGE_EXAMPLE);
	if (long_text || parse_range_text(t->start, t->len, lo, hi)) {
		br_perr(ps, t->pos,
			"bad range \"%.*s%s\" (expected LO%%..HI%%, such as "
			"%s)",
			n, t->start, long_text ? "..." : "", RANGE_EXAMPLE);
		return -EINVAL;
	}
	if (*hi > 100)
		br_perr(ps, t->pos, "range \"%.*s\" out of 0-100%%", n,
			t->start);
	else if (*lo > *hi)
		br_perr(ps, t->pos,
			"range \"%.*s\" runs backwards (LO above HI)", n,
			t->start);
	br_parse_next(s);
	return 0;
}

/* ios or android at cur, consumed; BR_PLAT_ANY (0) when neither. */
static int record_platform(struct br_src *s)
{
	static const enum br_platform plats[] = { BR_PLAT_IOS,
						  BR_PLAT_ANDROID };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(plats); i++) {
		if (br_tok_is(&s->cur, br_platform_name(plats[i]))) {
			br_parse_next(s);
			return plats[i];
		}
	}
	return BR_PLAT_ANY;
}

/* failed, late or failed-or-late at cur into *out, consumed. */
static int record_figure(struct br_parser *ps, struct br_src *s,
			 enum br_record_figure *out)
{
	static const enum br_record_figure figs[] = {
		BR_RECORD_FAILED, BR_RECORD_LATE, BR_RECORD_FAILED_OR_LATE
	};
	char d[BR_PARSE_DESC_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(figs); i++) {
		if (br_tok_is(&s->cur, br_record_figure_name(figs[i]))) {
			*out = figs[i];
			br_parse_next(s);
			return 0;
		}
	}
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "failed, late or failed-or-late");
	br_perr(ps, s->cur.pos,
		"unknown figure %s (expected failed, late or failed-or-late)",
		br_parse_desc(&s->cur, d));
	return -EINVAL;
}

/* source "TEXT" at cur into *out, consumed. */
static int record_source(struct br_parser *ps, struct br_src *s,
			 struct br_pos pos, char **out)
{
	if (br_parse_at_eol(s)) {
		br_perr(ps, pos,
			"record without a source (add source \"WHO, WHEN: "
			"WHAT\")");
		return 0;
	}
	if (!br_tok_is(&s->cur, "source"))
		return br_parse_expected(ps, s, "source \"...\"");
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted source");
	*out = br_tok_string(&s->cur);
	if (!*out)
		return -ENOMEM;
	if (!**out)
		br_perr(ps, s->cur.pos, "empty source");
	br_parse_next(s);
	return 0;
}

/* Append r to the policy's records, or report it given already. */
static int add_record(struct br_parser *ps, struct br_policy_record *r)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_policy *pol = ps->pol;
	struct br_policy_record *recs;
	size_t i;

	for (i = 0; i < pol->n_records; i++) {
		const struct br_policy_record *o = &pol->records[i];

		if (!strcmp(o->service, r->service) &&
		    o->platform == r->platform && o->figure == r->figure) {
			br_perr(ps, r->pos, "record of %s %s already given at "
				POSF, r->service,
				br_record_figure_name(r->figure), POSA(o->pos));
			return -EINVAL;
		}
	}
	recs = br_grow(pol->records, &pp->cap_records, pol->n_records,
		       sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	pol->records = recs;
	pol->records[pol->n_records++] = *r;
	return 0;
}

int br_parse_record(struct br_parser *ps, struct br_src *s)
{
	struct br_pol_parser *pp = br_pol_of(ps);
	struct br_policy_record r = { 0 };
	struct br_pos pos = s->cur.pos;
	int err;

	br_parse_next(s);
	if (br_tok_is(&s->cur, "scenario") &&
	    br_parse_peek(s)->kind == BR_TOK_STRING)
		return parse_record_scenario(ps, s, pos);
	if (!pp->first_record_pos.line)
		pp->first_record_pos = pos;
	err = br_parse_name(ps, s, "service", 0, &r.service, &r.pos);
	if (err)
		return err;
	if (pp->cat && br_parse_service_id(ps, r.service, r.pos) < 0)
		goto skip;
	r.platform = record_platform(s);
	err = record_figure(ps, s, &r.figure);
	if (!err)
		err = parse_record_range(ps, s, &r.lo, &r.hi);
	if (!err)
		err = record_source(ps, s, pos, &r.source);
	if (!err)
		err = br_parse_end_statement(ps, s);
	if (!err && r.source)
		err = add_record(ps, &r);
	if (!err && r.source)
		return 0;
	free(r.source);
	free(r.service);
	return err;
skip:
	free(r.service);
	return -EINVAL;
}

void br_check_records(struct br_parser *ps)
{
	struct br_pol_parser *pp = br_pol_of(ps);

	if (pp->first_record_pos.line && !pp->record_scenario_pos.line)
		br_perr(ps, pp->first_record_pos,
			"record without \"record scenario\" (the scenario "
			"the records hold for)");
	if (pp->record_scenario_pos.line && !pp->first_record_pos.line)
		br_perr(ps, pp->record_scenario_pos,
			"record scenario without any record");
}
