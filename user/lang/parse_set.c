/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse_set.c - named and inline sets in every language: the set
 * statement, { } element lists, @references and single literals as a
 * rule's operand (parser.h). The sets live in parser->pol.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "name_index.h"
#include "parser.h"

static const char *set_type_name(enum br_set_type type)
{
	switch (type) {
	case BR_SET_ADDR:
		return "an address set";
	case BR_SET_PORT:
		return "a port set";
	default:
		return "a domain set";
	}
}

/* What one element of a set of type is called in messages. */
static const char *elem_name(enum br_set_type type)
{
	switch (type) {
	case BR_SET_ADDR:
		return "address";
	case BR_SET_PORT:
		return "port";
	default:
		return "domain";
	}
}

int br_parse_find_set(const struct br_parser *ps, const char *name, size_t len)
{
	return br_name_index_find(&ps->set_names, name, len);
}

/* Append an empty set; takes name, also on failure. */
int br_parse_new_set(struct br_parser *ps, char *name, int anonymous,
		     enum br_set_type type, struct br_pos pos, int *idx)
{
	struct br_policy *pol = ps->pol;
	size_t cap = ps->cap_sets;
	struct br_set *sets, *set;

	if (!name)
		return -ENOMEM;
	sets = br_grow(pol->sets, &cap, pol->n_sets, sizeof(*sets));
	if (!sets)
		goto nomem;
	pol->sets = sets;
	if (cap != ps->cap_sets) {
		size_t *c = realloc(ps->set_cap, cap * sizeof(*c));

		if (!c)
			goto nomem;
		ps->set_cap = c;
		ps->cap_sets = cap;
	}
	/* the name lives as long as the set: the index may point at it */
	if (!anonymous &&
	    br_name_index_add(&ps->set_names, name, (int)pol->n_sets))
		goto nomem;
	set = &pol->sets[pol->n_sets];
	memset(set, 0, sizeof(*set));
	set->name = name;
	set->anonymous = anonymous;
	set->type = type;
	set->pos = pos;
	ps->set_cap[pol->n_sets] = 0;
	*idx = (int)pol->n_sets++;
	return 0;
nomem:
	free(name);
	return -ENOMEM;
}

/* Parse the word t as an element of set idx and append it. */
static int add_element(struct br_parser *ps, const struct br_token *t, int idx)
{
	struct br_set *set = &ps->pol->sets[idx];
	size_t *cap = &ps->set_cap[idx];
	struct br_port_range range;
	struct br_prefix prefix;
	struct br_domain domain;
	void *p;
	int err;

	if (set->type == BR_SET_DOMAIN) {
		err = br_parse_domain(ps, t, &domain);
		if (err)
			return err;
		p = br_grow(set->domains, cap, set->n, sizeof(domain));
		if (!p) {
			free(domain.name);
			return -ENOMEM;
		}
		set->domains = p;
		set->domains[set->n++] = domain;
	} else if (set->type == BR_SET_ADDR) {
		if (br_parse_prefix(ps, t, &prefix))
			return -EINVAL;
		p = br_grow(set->prefixes, cap, set->n, sizeof(prefix));
		if (!p)
			return -ENOMEM;
		set->prefixes = p;
		set->prefixes[set->n++] = prefix;
	} else {
		if (br_parse_port_range(ps, t, &range))
			return -EINVAL;
		p = br_grow(set->ports, cap, set->n, sizeof(range));
		if (!p)
			return -ENOMEM;
		set->ports = p;
		set->ports[set->n++] = range;
	}
	return 0;
}

/* After a bad element: on to the next separator, staying inside { }. */
static void skip_element(struct br_src *s)
{
	while (s->cur.kind != BR_TOK_COMMA && s->cur.kind != BR_TOK_NEWLINE &&
	       s->cur.kind != BR_TOK_RBRACE && s->cur.kind != BR_TOK_EOF)
		br_parse_next(s);
	if (s->cur.kind == BR_TOK_COMMA || s->cur.kind == BR_TOK_NEWLINE)
		br_parse_next(s);
}

/*
 * { ELEM, ELEM ... } at cur, each element (a word) handed to fn; what names
 * an element in messages. Elements are separated by commas and/or
 * newlines. Returns 0 once past the }, with *bad set if an element was
 * wrong and *n the elements seen; -EINVAL when the } is missing.
 */
int br_parse_braced(struct br_parser *ps, struct br_src *s, const char *what,
		    br_elem_fn fn, void *arg, unsigned int *n, int *bad)
{
	struct br_pos open = s->cur.pos;
	int err;

	*n = 0;
	br_parse_next(s);
	for (;;) {
		while (s->cur.kind == BR_TOK_NEWLINE)
			br_parse_next(s);
		if (s->cur.kind == BR_TOK_RBRACE) {
			br_parse_next(s);
			return 0;
		}
		if (s->cur.kind == BR_TOK_EOF) {
			br_perr(ps, open, "unterminated \"{\"");
			return -EINVAL;
		}
		if (s->cur.kind != BR_TOK_WORD) {
			br_parse_expected(ps, s, what);
			*bad = 1;
			skip_element(s);
			continue;
		}
		if (s->prev_kind == BR_TOK_NEWLINE &&
		    br_parse_is_keyword(ps, &s->cur)) {
			br_perr(ps, open, "unterminated \"{\"");
			s->resume = 1;
			return -EINVAL;
		}
		(*n)++;
		err = fn(ps, &s->cur, arg);
		if (err == -ENOMEM)
			return err;
		if (err)
			*bad = 1;
		br_parse_next(s);

		switch (s->cur.kind) {
		case BR_TOK_COMMA:
		case BR_TOK_NEWLINE:
			br_parse_next(s);
			break;
		case BR_TOK_RBRACE:
		case BR_TOK_EOF:
			break;
		default:
			br_parse_expected(ps, s, "\",\" or \"}\"");
			*bad = 1;
			skip_element(s);
			break;
		}
	}
}

static int add_set_element(struct br_parser *ps, const struct br_token *t,
			   void *arg)
{
	return add_element(ps, t, *(const int *)arg);
}

/* { ELEM, ELEM ... } at cur, into set idx; as parse_braced. */
static int parse_set_body(struct br_parser *ps, struct br_src *s, int idx,
			  int named, int *bad)
{
	const char *what = elem_name(ps->pol->sets[idx].type);
	struct br_pos open = s->cur.pos;
	const struct br_set *set;
	unsigned int n;
	int err;

	err = br_parse_braced(ps, s, what, add_set_element, &idx, &n, bad);
	if (err)
		return err;
	set = &ps->pol->sets[idx];
	if (!set->n && !*bad) {
		if (named)
			br_perr(ps, set->pos, "set \"%s\" is empty", set->name);
		else
			br_perr(ps, open, "empty set");
		*bad = 1;
	}
	return 0;
}

/* IP families in an address set: bit 0 IPv4, bit 1 IPv6. */
unsigned int br_parse_set_families(const struct br_set *set)
{
	unsigned int f = 0;
	size_t i;

	for (i = 0; i < set->n && f != 3; i++)
		f |= set->prefixes[i].family == 4 ? 1 : 2;
	return f;
}

int br_parse_set_stmt(struct br_parser *ps, struct br_src *s)
{
	enum br_set_type type;
	struct br_pos pos;
	char d[BR_PARSE_DESC_LEN];
	int idx, err, bad = 0;
	char *name;

	br_parse_next(s);
	err = br_parse_name(ps, s, "set name", 0, &name, &pos);
	if (err)
		return err;
	idx = br_parse_find_set(ps, name, strlen(name));
	if (idx >= 0) {
		br_perr(ps, pos, "set \"%s\" already declared at " POSF, name,
			POSA(ps->pol->sets[idx].pos));
		goto bad;
	}
	if (br_tok_is(&s->cur, "addr")) {
		type = BR_SET_ADDR;
	} else if (br_tok_is(&s->cur, "port")) {
		type = BR_SET_PORT;
	} else if (br_tok_is(&s->cur, "domain")) {
		type = BR_SET_DOMAIN;
	} else if (s->cur.kind == BR_TOK_WORD) {
		br_perr(ps, s->cur.pos,
			"unknown set type %s (expected addr, port or domain)",
			br_parse_desc(&s->cur, d));
		goto bad;
	} else {
		br_parse_expected(ps, s, "set type (addr, port or domain)");
		goto bad;
	}
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_LBRACE) {
		br_parse_expected(ps, s, "\"{\"");
		goto bad;
	}
	err = br_parse_new_set(ps, name, 0, type, pos, &idx);
	if (err)
		return err;
	err = parse_set_body(ps, s, idx, 1, &bad);
	if (err)
		return err;
	return br_parse_end_statement(ps, s);
bad:
	free(name);
	return -EINVAL;
}

/* saddr/daddr/sport/dport/sni/dns OPERAND: @set, { ... } or one literal. */
int br_parse_operand(struct br_parser *ps, struct br_src *s, const char *kw,
		     enum br_set_type type, int *set_idx, int *bad)
{
	const struct br_token *t = &s->cur;
	char what[64];
	char *name;
	int idx, err;

	switch (t->kind) {
	case BR_TOK_SETREF:
		idx = br_parse_find_set(ps, t->start + 1, t->len - 1);
		if (idx < 0) {
			br_perr(ps, t->pos, "unknown set \"%.*s\"",
				(int)t->len - 1, t->start + 1);
			return -EINVAL;
		}
		if (ps->pol->sets[idx].type != type) {
			br_perr(ps, t->pos, "set \"%s\" is %s, \"%s\" needs %s",
				ps->pol->sets[idx].name,
				set_type_name(ps->pol->sets[idx].type), kw,
				set_type_name(type));
			return -EINVAL;
		}
		*set_idx = idx;
		br_parse_next(s);
		return 0;
	case BR_TOK_WORD:
	case BR_TOK_LBRACE:
		if ((ps->anon_prefix
			     ? asprintf(&name, "%s.%s", ps->anon_prefix, kw)
			     : asprintf(&name, "rule%u.%s", ps->rule_stmts,
					kw)) < 0)
			return -ENOMEM;
		err = br_parse_new_set(ps, name, 1, type, t->pos, &idx);
		if (err)
			return err;
		*set_idx = idx;
		if (t->kind == BR_TOK_LBRACE)
			return parse_set_body(ps, s, idx, 0, bad);
		err = add_element(ps, t, idx);
		if (!err)
			br_parse_next(s);
		return err;
	default:
		snprintf(what, sizeof(what), "%s, @set or \"{\" after \"%s\"",
			 elem_name(type), kw);
		return br_parse_expected(ps, s, what);
	}
}
