// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* json.c - streaming JSON writer, see json.h. */
#include <inttypes.h>
#include "abi.h"
#include "json.h"

void br_json_init(struct br_json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->count[0] = 0;
	j->in_key = 0;
}

/* Separator before a value or key at the current level. */
static void br_json_sep(struct br_json *j)
{
	if (j->in_key) {
		j->in_key = 0;
		return;
	}
	if (j->count[j->depth]++)
		fputc(',', j->out);
}

static void br_json_open(struct br_json *j, char open, char close)
{
	br_json_sep(j);
	fputc(open, j->out);
	if (j->depth < BR_JSON_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
	j->close[j->depth] = close;
}

void br_json_object(struct br_json *j)
{
	br_json_open(j, '{', '}');
}

void br_json_array(struct br_json *j)
{
	br_json_open(j, '[', ']');
}

void br_json_end(struct br_json *j)
{
	if (j->depth == 0)
		return;
	fputc(j->close[j->depth], j->out);
	j->depth--;
	if (j->depth == 0)
		fputc('\n', j->out);
}

void br_json_key(struct br_json *j, const char *key)
{
	br_json_str(j, key);
	fputc(':', j->out);
	j->in_key = 1;
}

void br_json_str(struct br_json *j, const char *s)
{
	br_json_sep(j);
	fputc('"', j->out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(j->out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", j->out);
		else if (c == '\t')
			fputs("\\t", j->out);
		else if (c < 0x20)
			fprintf(j->out, "\\u%04x", c);
		else
			fputc(c, j->out);
	}
	fputc('"', j->out);
}

void br_json_u64(struct br_json *j, uint64_t v)
{
	br_json_sep(j);
	fprintf(j->out, "%" PRIu64, v);
}

/* Three decimals: figures are printed to a millisecond or 0.1%. */
void br_json_num(struct br_json *j, double v)
{
	br_json_sep(j);
	fprintf(j->out, "%.3f", v);
}

void br_json_raw(struct br_json *j, const char *text)
{
	br_json_sep(j);
	fputs(text, j->out);
}

void br_json_i64(struct br_json *j, int64_t v)
{
	br_json_sep(j);
	fprintf(j->out, "%" PRId64, v);
}

void br_json_bool(struct br_json *j, int v)
{
	br_json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void br_json_null(struct br_json *j)
{
	br_json_sep(j);
	fputs("null", j->out);
}

void br_json_kstr(struct br_json *j, const char *key, const char *s)
{
	br_json_key(j, key);
	br_json_str(j, s);
}

void br_json_ku64(struct br_json *j, const char *key, uint64_t v)
{
	br_json_key(j, key);
	br_json_u64(j, v);
}

void br_json_knum(struct br_json *j, const char *key, double v)
{
	br_json_key(j, key);
	br_json_num(j, v);
}

void br_json_kbool(struct br_json *j, const char *key, int v)
{
	br_json_key(j, key);
	br_json_bool(j, v);
}

void br_json_counter(struct br_json *j, const char *key,
		     const struct br_counter *c)
{
	br_json_key(j, key);
	br_json_object(j);
	br_json_ku64(j, "packets", c->packets);
	br_json_ku64(j, "bytes", c->bytes);
	br_json_end(j);
}
