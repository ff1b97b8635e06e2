/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * diag.c - positioned diagnostics and the file name intern table.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "printable.h"

void br_diag_init(struct br_diag *d)
{
	d->n = 0;
	d->cap = 0;
	d->msgs = NULL;
	d->full = 0;
}

void br_diag_free(struct br_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	br_diag_init(d);
}

/*
 * Out of memory loses the message: the caller still fails with its own
 * error code, so the failure is not hidden, only its explanation.
 */
void br_diag_error(struct br_diag *d, struct br_pos pos, const char *fmt, ...)
{
	struct br_diag_msg *msgs;
	char *text;
	va_list ap;
	size_t cap;
	int len;

	if (d->full)
		return;
	if (d->n == BR_DIAG_MAX) {
		d->full = 1;
		len = asprintf(&text,
			       "too many errors, stopping here (at most %d "
			       "are reported)",
			       BR_DIAG_MAX);
	} else {
		va_start(ap, fmt);
		len = vasprintf(&text, fmt, ap);
		va_end(ap);
	}
	if (len < 0)
		return;

	if (d->n == d->cap) {
		cap = d->cap ? 2 * d->cap : 8;
		msgs = realloc(d->msgs, cap * sizeof(*msgs));
		if (!msgs) {
			free(text);
			return;
		}
		d->msgs = msgs;
		d->cap = cap;
	}
	d->msgs[d->n].pos = pos;
	d->msgs[d->n].text = text;
	d->n++;
}

struct br_intern {
	struct br_intern *next;
	char name[];
};

static struct br_intern *br_interned;
static pthread_mutex_t br_intern_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A list is enough: a run reads a handful of files (a policy, its includes,
 * the catalog). Never freed: positions in long-lived IR point here.
 */
const char *br_file_intern(const char *name)
{
	struct br_intern *e;
	const char *ret = "?";
	size_t len;

	if (!name)
		return NULL;

	pthread_mutex_lock(&br_intern_lock);
	for (e = br_interned; e; e = e->next) {
		if (!strcmp(e->name, name)) {
			ret = e->name;
			goto out;
		}
	}
	len = strlen(name);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		goto out;
	memcpy(e->name, name, len + 1);
	e->next = br_interned;
	br_interned = e;
	ret = e->name;
out:
	pthread_mutex_unlock(&br_intern_lock);
	return ret;
}

/*
 * File names come from the command line and from includes, messages
 * quote names and paths: both are printed escaped (printable.h).
 */
void br_diag_print(const struct br_diag *d, FILE *out)
{
	const struct br_diag_msg *m;
	size_t i;

	for (i = 0; i < d->n; i++) {
		m = &d->msgs[i];
		if (m->pos.file) {
			br_fput_printable(m->pos.file, out);
			if (m->pos.line > 0)
				fprintf(out, ":%d:%d", m->pos.line, m->pos.col);
			fputs(": ", out);
		}
		br_fput_printable(m->text, out);
		fputc('\n', out);
	}
}
