/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lex.h - tokens of the policy language (policies/README.md).
 *
 * The lexer only splits: keywords, names, numbers, addresses, prefixes,
 * port ranges, domains, rates and sizes are all one kind of token, a word,
 * and the parser decides what a word means from where it stands. That keeps
 * IPv6 text ("fe80::/10"), ranges ("3478-3497"), names ("lab-sets.v2"),
 * domains ("*.push.apple.com", ".apple.com") and quantities ("1mbit/s",
 * "16KB") out of the lexer's way and the hot loop of a million-line set
 * file short.
 */
#ifndef BR_LEX_H
#define BR_LEX_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"

enum br_tok_kind {
	BR_TOK_EOF,
	BR_TOK_NEWLINE, /* ends a statement outside { } */
	BR_TOK_WORD,	/* run of [A-Za-z0-9_.:/-] and "*" */
	BR_TOK_STRING,	/* "...": the span includes both quotes; no
			 * control characters (C0, DEL, C1) */
	BR_TOK_SETREF,	/* @name: the span includes the '@' */
	BR_TOK_LBRACE,
	BR_TOK_RBRACE,
	BR_TOK_COMMA,
	BR_TOK_ERROR, /* bad input, already reported */
};

struct br_token {
	enum br_tok_kind kind;
	const char *start; /* raw span in the source buffer */
	size_t len;
	struct br_pos pos;
};

struct br_lexer {
	const char *p;
	const char *end;
	const char *line_start;
	int line;
	const char *file; /* interned */
	struct br_diag *diag;
	unsigned int *errors; /* incremented for every error reported */
	int quiet;	      /* skipping after an error: report nothing */
	int percent;	      /* a word directly followed by '%' takes it in */
};

/* src need not be NUL-terminated; it must outlive the tokens. */
void br_lex_init(struct br_lexer *lx, const char *file, const char *src,
		 size_t len, struct br_diag *diag, unsigned int *errors);

/* The next token; errors in the input are reported and give BR_TOK_ERROR. */
void br_lex_next(struct br_lexer *lx, struct br_token *tok);

/*
 * Report the errors of tok, a BR_TOK_ERROR the lexer gave while quiet,
 * as it would have reported them (same messages, same positions).
 */
void br_lex_report(const struct br_lexer *lx, const struct br_token *tok);

/*
 * The decimal number p[0, n): digits only (no sign, space, "0x" or
 * anything after), at most 2^64 - 1. The one number syntax of the
 * scenario language and of the command line's --seed. -EINVAL: not a
 * number; -ERANGE: too large.
 */
int br_lex_u64(const char *p, size_t n, uint64_t *out);

/* Is tok the word w? */
int br_tok_is(const struct br_token *tok, const char *w);

/* The value of a BR_TOK_STRING, escapes resolved; malloc'd, NULL on ENOMEM. */
char *br_tok_string(const struct br_token *tok);

/* How a message names tok: "word", string "...", end of line, end of file. */
const char *br_tok_describe(const struct br_token *tok, char *buf, size_t size);

#endif /* BR_LEX_H */
