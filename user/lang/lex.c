/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lex.c - hand-written lexer for the policy language.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "printable.h"
#include "textfile.h"

/* Longest token text quoted in a message: a garbage line stays readable. */
#define BR_LEX_SHOW_MAX 64

enum {
	C_OTHER = 0,
	C_WORD,
	C_SPACE,
};

static const unsigned char
	br_lex_class[256] = {
		['A' ... 'Z'] = C_WORD, ['a' ... 'z'] = C_WORD,
		['0' ... '9'] = C_WORD, ['_'] = C_WORD,
		['.'] = C_WORD,		[':'] = C_WORD,
		['/'] = C_WORD,		['-'] = C_WORD,
		['*'] = C_WORD, /* domain wildcards: "*.example.com" */
		[' '] = C_SPACE,	['\t'] = C_SPACE,
		['\r'] = C_SPACE, /* CRLF files read like LF files */
	};

/* Positions are ints: every line and column of a text within the cap fits. */
_Static_assert(BR_TEXT_MAX < INT_MAX, "a position must fit an int");

void br_lex_init(struct br_lexer *lx, const char *file, const char *src,
		 size_t len, struct br_diag *diag, unsigned int *errors)
{
	/* the parsers refuse a longer text (br_text_check_len); clamped
	 * here all the same, so no caller can make a position overflow */
	if (len > BR_TEXT_MAX)
		len = BR_TEXT_MAX;
	lx->p = src;
	lx->end = src + len;
	lx->line_start = src;
	lx->line = 1;
	lx->file = file;
	lx->diag = diag;
	lx->errors = errors;
	lx->quiet = 0;
}

static struct br_pos lex_pos(const struct br_lexer *lx, const char *at)
{
	struct br_pos pos = {
		.file = lx->file,
		.line = lx->line,
		.col = (int)(at - lx->line_start) + 1,
	};

	return pos;
}

/* A byte as a message shows it: printable ASCII as is, the rest as \xNN. */
static const char *show_char(unsigned char c, char buf[8])
{
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
		snprintf(buf, 8, "%c", c);
	else if (c == '"' || c == '\\')
		snprintf(buf, 8, "\\%c", c);
	else
		snprintf(buf, 8, "\\x%02x", c);
	return buf;
}

__attribute__((format(printf, 3, 4))) static void
lex_report(struct br_lexer *lx, struct br_pos pos, const char *fmt, ...)
{
	char text[64];
	va_list ap;

	if (lx->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	br_diag_error(lx->diag, pos, "%s", text);
	(*lx->errors)++;
}

/*
 * p is just past the opening quote. A string holds no control character:
 * a NUL would cut it short where C reads it, and a C0 control, DEL or a
 * C1 control (U+0080-U+009F, or a byte 0x80-0x9F of its own, which a
 * Latin-1 terminal takes as one) would reach a terminal through every
 * report that prints the string. Each is refused at its position.
 */
static void lex_string(struct br_lexer *lx, struct br_token *tok)
{
	const unsigned char *end = (const unsigned char *)lx->end;
	const char *p = lx->p;
	int bad = 0, c1;
	char buf[8];
	size_t n;

	while (p < lx->end && *p != '"' && *p != '\n') {
		unsigned char c = (unsigned char)*p;

		if (c == '\r' && p + 1 < lx->end && p[1] == '\n')
			break; /* a CRLF line's end: unterminated */
		if (c < 0x20 || c == 0x7f) {
			if (!bad)
				lex_report(lx, lex_pos(lx, p),
					   "control character \"%s\" in string",
					   show_char(c, buf));
			bad = 1;
			p++;
			continue;
		}
		if (c >= 0x80) {
			n = br_utf8_len((const unsigned char *)p, end, &c1);
			/* a C1 control, in UTF-8 or as a byte of its own */
			if (!bad && c1)
				lex_report(lx, lex_pos(lx, p),
					   "control character \"\\x%02x\\x%02x\" "
					   "in string",
					   c, (unsigned char)p[1]);
			else if (!bad && !n && c <= 0x9f)
				lex_report(lx, lex_pos(lx, p),
					   "control character \"\\x%02x\" in string",
					   c);
			bad |= c1 || (!n && c <= 0x9f);
			/* other bytes that are not UTF-8 pass (text in a
			 * legacy encoding): what prints them escapes them */
			p += n ? n : 1;
			continue;
		}
		if (c != '\\') {
			p++;
			continue;
		}
		if (p + 1 >= lx->end || p[1] == '\n')
			break; /* unterminated: reported below */
		if (p[1] != '"' && p[1] != '\\' && !bad) {
			lex_report(lx, lex_pos(lx, p),
				   "unknown escape \"\\%s\" in string",
				   show_char((unsigned char)p[1], buf));
			bad = 1;
		}
		p += 2;
	}
	if (p >= lx->end || *p != '"') {
		if (!bad)
			lex_report(lx, tok->pos, "unterminated string");
		bad = 1;
	} else {
		p++;
	}
	lx->p = p;
	tok->len = (size_t)(p - tok->start);
	tok->kind = bad ? BR_TOK_ERROR : BR_TOK_STRING;
}

void br_lex_next(struct br_lexer *lx, struct br_token *tok)
{
	const char *p = lx->p;
	const char *end = lx->end;
	unsigned char c;
	char buf[8];

	/* after too many errors the rest of the text is not read */
	if (br_diag_full(lx->diag))
		p = end;
	for (;;) {
		if (p == end)
			break;
		c = (unsigned char)*p;
		if (br_lex_class[c] == C_SPACE) {
			p++;
		} else if (c == '#') {
			p = memchr(p, '\n', (size_t)(end - p));
			if (!p)
				p = end;
		} else {
			break;
		}
	}

	tok->start = p;
	tok->len = 1;
	tok->pos = lex_pos(lx, p);
	if (p == end) {
		tok->kind = BR_TOK_EOF;
		tok->len = 0;
		lx->p = p;
		return;
	}

	c = (unsigned char)*p++;
	if (br_lex_class[c] == C_WORD) {
		while (p < end && br_lex_class[(unsigned char)*p] == C_WORD)
			p++;
		/* a share, "30%", or a range of them, "20%..40%" (percent:
		 * the scenario language); a '%' after a space stays an
		 * error */
		while (lx->percent && p < end && *p == '%') {
			if (++p == end ||
			    br_lex_class[(unsigned char)*p] != C_WORD)
				break;
			while (p < end &&
			       br_lex_class[(unsigned char)*p] == C_WORD)
				p++;
		}
		tok->kind = BR_TOK_WORD;
		tok->len = (size_t)(p - tok->start);
		lx->p = p;
		return;
	}

	switch (c) {
	case '\n':
		tok->kind = BR_TOK_NEWLINE;
		lx->line++;
		lx->line_start = p;
		break;
	case '{':
		tok->kind = BR_TOK_LBRACE;
		break;
	case '}':
		tok->kind = BR_TOK_RBRACE;
		break;
	case ',':
		tok->kind = BR_TOK_COMMA;
		break;
	case '"':
		lx->p = p;
		lex_string(lx, tok);
		return;
	case '@':
		if (p == end || br_lex_class[(unsigned char)*p] != C_WORD) {
			lex_report(lx, tok->pos,
				   "expected set name after \"@\"");
			tok->kind = BR_TOK_ERROR;
			break;
		}
		while (p < end && br_lex_class[(unsigned char)*p] == C_WORD)
			p++;
		tok->kind = BR_TOK_SETREF;
		break;
	default:
		lex_report(lx, tok->pos, "unexpected character \"%s\"",
			   show_char(c, buf));
		/* one error for a multi-byte UTF-8 character, not one a byte */
		while (p < end && ((unsigned char)*p & 0xc0) == 0x80)
			p++;
		tok->kind = BR_TOK_ERROR;
		break;
	}
	tok->len = (size_t)(p - tok->start);
	lx->p = p;
}

void br_lex_report(const struct br_lexer *lx, const struct br_token *tok)
{
	struct br_lexer again = *lx;
	struct br_token t;

	/* the token alone, lexed again at its position, not quietly */
	again.p = tok->start;
	again.end = tok->start + tok->len;
	again.line = tok->pos.line;
	again.line_start = tok->start - (tok->pos.col - 1);
	again.quiet = 0;
	br_lex_next(&again, &t);
}

int br_lex_u64(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
	for (i = 0; i < n; i++) {
		d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int br_tok_is(const struct br_token *tok, const char *w)
{
	/* the first byte first: keywords are tried against every element */
	if (tok->kind != BR_TOK_WORD || !tok->len || tok->start[0] != w[0])
		return 0;
	return tok->len == strlen(w) && !memcmp(tok->start, w, tok->len);
}

char *br_tok_string(const struct br_token *tok)
{
	const char *p = tok->start + 1;
	const char *end = tok->start + tok->len - 1;
	char *out, *o;

	out = malloc(tok->len);
	if (!out)
		return NULL;
	for (o = out; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/*
 * Token text as a message quotes it: at most BR_LEX_SHOW_MAX characters,
 * anything but printable ASCII as \xNN, so neither a long token nor a
 * control character of the input reaches the terminal raw.
 */
static void show_text(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0, i, w;
	char esc[8];

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f)
			snprintf(esc, sizeof(esc), "%c", c);
		else
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		w = strlen(esc);
		if (o + w > BR_LEX_SHOW_MAX || o + w + 4 > size)
			break;
		memcpy(out + o, esc, w);
		o += w;
	}
	if (i < n && o + 4 <= size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

const char *br_tok_describe(const struct br_token *tok, char *buf, size_t size)
{
	char text[BR_LEX_SHOW_MAX + 4];

	show_text(text, sizeof(text), tok->start, tok->len);
	switch (tok->kind) {
	case BR_TOK_EOF:
		return "end of file";
	case BR_TOK_NEWLINE:
		return "end of line";
	case BR_TOK_STRING:
		snprintf(buf, size, "string %s", text);
		break;
	default:
		snprintf(buf, size, "\"%s\"", text);
		break;
	}
	return buf;
}
