/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * diag.h - diagnostics with source positions. Every stage that reads user
 * input reports through a br_diag, so the CLI prints every error in the one
 * format editors understand: file:line:col: message.
 */
#ifndef BR_DIAG_H
#define BR_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct br_pos {
	const char *file; /* from br_file_intern(): lives until exit */
	int line;	  /* 1-based; 0 when the error is about the file */
	int col;	  /* 1-based, in bytes */
};

struct br_diag_msg {
	struct br_pos pos;
	char *text;
};

/*
 * At most BR_DIAG_MAX errors are kept: the next one is replaced by "too
 * many errors" at its position and the rest are dropped, so a garbage
 * file of millions of errors costs a bounded amount of memory and
 * output, and the lexer stops reading it (br_diag_full).
 */
#define BR_DIAG_MAX 100

struct br_diag {
	size_t n;
	size_t cap;
	struct br_diag_msg *msgs;
	int full; /* the cap was reached: later errors are dropped */
};

void br_diag_init(struct br_diag *d);
void br_diag_free(struct br_diag *d);

/* Record an error at pos; printf-style message without trailing newline. */
void br_diag_error(struct br_diag *d, struct br_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Was the cap reached? A parser reading on would report nothing more. */
static inline int br_diag_full(const struct br_diag *d)
{
	return d->full;
}

/*
 * Intern a file name: positions in the IR point at these strings, which live
 * until the process exits, so a policy can outlive the diag of its parse.
 */
const char *br_file_intern(const char *name);

/* "file:line:col: message\n" for every error, in order of discovery. */
void br_diag_print(const struct br_diag *d, FILE *out);

#endif /* BR_DIAG_H */
