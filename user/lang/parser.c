/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parser.c - the parsing core the policy, catalog and scenario languages
 * share (parser.h): the token cursor over the lexer, errors and recovery,
 * names, statements given once, and the statement loop with its include
 * and set files. Sets and their elements are parse_set.c's, the literal
 * values parse_value.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lex.h"
#include "parser.h"
#include "textfile.h"

#define BR_INCLUDE_MAX_DEPTH 8

void br_perr(struct br_parser *ps, struct br_pos pos, const char *fmt, ...)
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

const char *br_parse_desc(const struct br_token *t, char buf[BR_PARSE_DESC_LEN])
{
	return br_tok_describe(t, buf, BR_PARSE_DESC_LEN);
}

void br_parse_next(struct br_src *s)
{
	s->prev_kind = s->cur.kind;
	s->prev_end = s->cur.start + s->cur.len;
	s->prev_end_pos = s->cur.pos;
	s->prev_end_pos.col += (int)s->cur.len;
	if (s->have_ahead) {
		s->cur = s->ahead;
		s->have_ahead = 0;
	} else {
		br_lex_next(&s->lx, &s->cur);
	}
}

const struct br_token *br_parse_peek(struct br_src *s)
{
	if (!s->have_ahead) {
		br_lex_next(&s->lx, &s->ahead);
		s->have_ahead = 1;
	}
	return &s->ahead;
}

int br_parse_at_eol(const struct br_src *s)
{
	return s->cur.kind == BR_TOK_NEWLINE || s->cur.kind == BR_TOK_EOF;
}

/* "expected WHAT, got TOKEN"; a lexer error was reported already. */
int br_parse_expected(struct br_parser *ps, struct br_src *s, const char *what)
{
	char buf[BR_PARSE_DESC_LEN];

	if (s->cur.kind != BR_TOK_ERROR)
		br_perr(ps, s->cur.pos, "expected %s, got %s", what,
			br_parse_desc(&s->cur, buf));
	return -EINVAL;
}

int br_parse_end_statement(struct br_parser *ps, struct br_src *s)
{
	if (s->cur.kind == BR_TOK_EOF)
		return 0;
	if (s->cur.kind == BR_TOK_NEWLINE) {
		br_parse_next(s);
		return 0;
	}
	return br_parse_expected(ps, s, "end of line");
}

int br_parse_is_keyword(const struct br_parser *ps, const struct br_token *t)
{
	size_t i;

	if (t->kind != BR_TOK_WORD)
		return 0;
	for (i = 0; i < ps->n_keywords; i++)
		if (br_tok_is(t, ps->keywords[i]))
			return 1;
	return 0;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int br_is_ident(const char *p, size_t n)
{
	size_t i;

	if (!n || !is_alpha(p[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alpha(p[i]) && !(p[i] >= '0' && p[i] <= '9') &&
		    p[i] != '.' && p[i] != '-')
			return 0;
	return 1;
}

/*
 * Room for element n of size sz in arr, whose capacity is *cap: arr itself,
 * or arr moved to a bigger block, or NULL when out of memory (arr intact).
 */
void *br_grow(void *arr, size_t *cap, size_t n, size_t sz)
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

/*
 * Skip the rest of a statement after an error: to the end of its line, or
 * past the end of a { } it opened. A statement keyword at the start of a
 * line inside { } means the } was forgotten: stop there, not at the end of
 * the file.
 */
static void skip_statement(struct br_parser *ps, struct br_src *s)
{
	struct br_pos open = { 0 };
	int depth = 0;

	/* one error a line: what the skipped text holds would be noise */
	s->lx.quiet = 1;
	for (;;) {
		switch (s->cur.kind) {
		case BR_TOK_EOF:
			if (depth)
				br_perr(ps, open, "unterminated \"{\"");
			goto out;
		case BR_TOK_NEWLINE:
			if (!depth) {
				s->lx.quiet = 0;
				br_parse_next(s);
				goto out;
			}
			break;
		case BR_TOK_LBRACE:
			if (ps->no_blocks)
				break;
			if (!depth++)
				open = s->cur.pos;
			break;
		case BR_TOK_RBRACE:
			if (depth)
				depth--;
			break;
		case BR_TOK_WORD:
			if (depth && s->prev_kind == BR_TOK_NEWLINE &&
			    br_parse_is_keyword(ps, &s->cur)) {
				br_perr(ps, open, "unterminated \"{\"");
				goto out;
			}
			break;
		default:
			break;
		}
		br_parse_next(s);
	}
out:
	s->lx.quiet = 0;
}

/* An identifier, or with allow_string a non-empty "string". */
int br_parse_name(struct br_parser *ps, struct br_src *s, const char *what,
		  int allow_string, char **out, struct br_pos *pos)
{
	const struct br_token *t = &s->cur;
	char d[BR_PARSE_DESC_LEN];

	*out = NULL;
	*pos = t->pos;
	if (t->kind == BR_TOK_WORD) {
		if (!br_is_ident(t->start, t->len)) {
			br_perr(ps, t->pos, "bad name %s", br_parse_desc(t, d));
			return -EINVAL;
		}
		*out = strndup(t->start, t->len);
	} else if (t->kind == BR_TOK_STRING && allow_string) {
		if (t->len == 2) {
			br_perr(ps, t->pos, "empty name");
			return -EINVAL;
		}
		*out = br_tok_string(t);
	} else {
		return br_parse_expected(ps, s, what);
	}
	if (!*out)
		return -ENOMEM;
	br_parse_next(s);
	return 0;
}

/*
 * A statement that may be given once: records where it first was, or
 * reports the repeat (a position's line is never 0 once set).
 */
int br_parse_once(struct br_parser *ps, struct br_pos pos, const char *kw,
		  struct br_pos *first)
{
	if (first->line) {
		br_perr(ps, pos, "\"%s\" already given at " POSF, kw,
			POSA(*first));
		return -EINVAL;
	}
	*first = pos;
	return 0;
}

void br_src_init(struct br_src *s, struct br_parser *ps, const char *name,
		 const char *text, size_t len, const struct stat *st)
{
	memset(s, 0, sizeof(*s));
	br_lex_init(&s->lx, name, text, len, ps->diag, &ps->errors);
	s->name = name;
	s->prev_kind = BR_TOK_NEWLINE; /* the file starts a line */
	if (st) {
		s->has_id = 1;
		s->dev = st->st_dev;
		s->ino = st->st_ino;
	}
}

char *br_parse_resolve(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	char *out;

	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s%s", (int)(slash - base + 1), base, path) < 0)
		return NULL;
	return out;
}

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * for the did-you-mean of every language; SIZE_MAX if too long.
 */
size_t br_edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t rows[3][64], i, j, v;
	size_t *pp = rows[0], *p = rows[1], *c = rows[2], *t;

	if (na >= 63 || nb >= 63)
		return SIZE_MAX;
	for (j = 0; j <= nb; j++)
		p[j] = j;
	for (i = 1; i <= na; i++) {
		c[0] = i;
		for (j = 1; j <= nb; j++) {
			v = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[nb];
}

int br_parse_closer(const char *w, size_t n, const char *cand, size_t *best)
{
	size_t d = br_edit_distance(w, n, cand, strlen(cand));

	if (d > (n >= 5 ? 2 : 1) || d >= *best)
		return 0;
	*best = d;
	return 1;
}

/* Report a cycle if the file with st/name is already being read. */
static int check_cycle(struct br_parser *ps, const struct br_src *s,
		       const struct stat *st, const char *name,
		       struct br_pos pos)
{
	const struct br_src *t, *u;
	size_t size = strlen(name) + 1;
	char *chain;
	int same;

	for (t = s; t; t = t->parent) {
		same = t->has_id ? t->dev == st->st_dev && t->ino == st->st_ino
				 : t->name == name;
		if (same)
			break;
	}
	if (!t)
		return 0;

	/* the chain outermost first; the parent links run the other way */
	for (u = s; u != t->parent; u = u->parent)
		size += strlen(u->name) + 4;
	chain = malloc(size);
	if (!chain)
		return -ENOMEM;
	strcpy(chain + size - strlen(name) - 1, name);
	size -= strlen(name) + 1;
	for (u = s; u != t->parent; u = u->parent) {
		size -= strlen(u->name) + 4;
		memcpy(chain + size, u->name, strlen(u->name));
		memcpy(chain + size + strlen(u->name), " -> ", 4);
	}
	br_perr(ps, pos, "include cycle: %s", chain);
	free(chain);
	return 1;
}

/* Read the set file path, named by s at pos. Errors there are counted. */
static int include_file(struct br_parser *ps, struct br_src *s,
			const char *path, struct br_pos pos)
{
	char *full, *buf = NULL, why[BR_TEXT_WHY];
	struct br_src child;
	const char *name;
	struct stat st;
	size_t len = 0;
	int fd, err = 0;

	if (s->depth >= BR_INCLUDE_MAX_DEPTH) {
		br_perr(ps, pos, "include nested too deep (at most %d levels)",
			BR_INCLUDE_MAX_DEPTH);
		return 0;
	}
	full = br_parse_resolve(s->name, path);
	if (!full)
		return -ENOMEM;
	fd = br_text_open(full, &st, why);
	if (fd < 0) {
		br_perr(ps, pos, "cannot open \"%s\": %s", path, why);
		goto out;
	}
	name = br_file_intern(full);
	err = check_cycle(ps, s, &st, name, pos);
	if (err) {
		err = err < 0 ? err : 0;
		goto out;
	}
	err = br_text_read(fd, &st, &buf, &len, why);
	if (err == -ENOMEM)
		goto out;
	if (err) {
		br_perr(ps, pos, "cannot read \"%s\": %s", path, why);
		err = 0;
		goto out;
	}

	br_src_init(&child, ps, name, buf, len, &st);
	child.set_file = 1;
	child.incl_pos = pos;
	child.incl_path = path;
	child.depth = s->depth + 1;
	child.parent = s;
	err = br_parse_source(ps, &child);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(full);
	return err;
}

int br_parse_include(struct br_parser *ps, struct br_src *s)
{
	struct br_pos pos;
	char *path;
	int err;

	br_parse_next(s);
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted path");
	pos = s->cur.pos;
	if (s->cur.len == 2) {
		br_perr(ps, pos, "empty path");
		return -EINVAL;
	}
	path = br_tok_string(&s->cur);
	if (!path)
		return -ENOMEM;
	br_parse_next(s);
	err = br_parse_end_statement(ps, s);
	if (!err)
		err = include_file(ps, s, path, pos);
	free(path);
	return err;
}

/* A set file's statement, in every language: set and include only. */
static int parse_set_file_statement(struct br_parser *ps, struct br_src *s)
{
	const struct br_token *t = &s->cur;
	char d[BR_PARSE_DESC_LEN];

	if (br_tok_is(t, "include"))
		return br_parse_include(ps, s);
	if (br_tok_is(t, "set"))
		return br_parse_set_stmt(ps, s);
	if (br_parse_is_keyword(ps, t)) {
		br_perr(ps, t->pos, "\"%.*s\" is not allowed in a set file",
			(int)t->len, t->start);
		return -EINVAL;
	}
	br_perr(ps, t->pos, "unknown statement %s", br_parse_desc(t, d));
	return -EINVAL;
}

/*
 * Is the included file s a set file at all? Its first token decides,
 * read quietly: a file that does not start with a statement of the
 * language (an unrelated file, a binary) gets one message at the
 * include, instead of one a line echoing its contents. Returns 1 to
 * read it.
 */
static int sniff_set_file(struct br_parser *ps, struct br_src *s)
{
	char d[BR_PARSE_DESC_LEN];

	s->lx.quiet = 1;
	br_lex_next(&s->lx, &s->cur);
	while (s->cur.kind == BR_TOK_NEWLINE)
		br_parse_next(s);
	s->lx.quiet = 0;
	if (s->cur.kind == BR_TOK_EOF || br_parse_is_keyword(ps, &s->cur))
		return 1;
	br_perr(ps, s->incl_pos,
		"\"%s\" is not a set file: it starts with %s at line %d "
		"(expected \"set\" or \"include\")",
		s->incl_path, br_parse_desc(&s->cur, d), s->cur.pos.line);
	return 0;
}

int br_parse_source(struct br_parser *ps, struct br_src *s)
{
	int err;

	if (!s->set_file)
		br_lex_next(&s->lx, &s->cur);
	else if (!sniff_set_file(ps, s))
		return 0;
	for (;;) {
		while (s->cur.kind == BR_TOK_NEWLINE)
			br_parse_next(s);
		if (s->cur.kind == BR_TOK_EOF)
			return 0;
		if (s->cur.kind != BR_TOK_WORD)
			err = br_parse_expected(ps, s, "a statement");
		else if (s->set_file)
			err = parse_set_file_statement(ps, s);
		else
			err = ps->statement(ps, s);
		if (err == -ENOMEM)
			return err;
		if (err && !s->resume)
			skip_statement(ps, s);
		s->resume = 0;
	}
}
