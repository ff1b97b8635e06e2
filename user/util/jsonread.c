// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * jsonread.c - a recursive-descent JSON parser (RFC 8259) into a tree,
 * and its writer. Depth is bounded (a hostile file cannot exhaust the
 * stack); strings are UTF-8 with \u escapes resolved.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonread.h"

#define BR_JREAD_DEPTH 64

struct jp {
	const char *p, *end, *start;
	int depth;
};

static void skip_ws(struct jp *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
				   *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static struct br_jnode *node(enum br_jtype type)
{
	struct br_jnode *n = calloc(1, sizeof(*n));

	if (n)
		n->type = type;
	return n;
}

static int hex4(const char *p, unsigned int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at jp->p (at its '"') into a malloc'd buffer. */
static int parse_string(struct jp *jp, char **out)
{
	const char *p = ++jp->p;
	char *buf, *o;
	unsigned int cp, lo;

	/* the unescaped text is never longer than the escaped */
	while (p < jp->end && *p != '"')
		p += *p == '\\' ? 2 : 1;
	if (p >= jp->end)
		return -EINVAL;
	buf = malloc((size_t)(p - jp->p) + 1);
	if (!buf)
		return -ENOMEM;
	for (o = buf, p = jp->p; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			goto bad;
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case '"': case '\\': case '/':
			*o++ = *p;
			break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (jp->end - p < 5 || hex4(p + 1, &cp))
				goto bad;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && jp->end - p >= 7 &&
			    p[1] == '\\' && p[2] == 'u' && !hex4(p + 3, &lo) &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				p += 6;
			}
			if (!cp)
				goto bad; /* a NUL would cut the string */
			o += put_utf8(o, cp);
			break;
		default:
			goto bad;
		}
	}
	*o = '\0';
	jp->p = p + 1;
	*out = buf;
	return 0;
bad:
	jp->p = p;
	free(buf);
	return -EINVAL;
}

static int parse_value(struct jp *jp, struct br_jnode **out);

/* An array or object's members, jp->p past its opening bracket. */
static int parse_members(struct jp *jp, struct br_jnode *n, char close)
{
	size_t cap = 0;
	int err;

	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct br_jnode *kid = NULL;

		skip_ws(jp);
		if (close == '}') {
			if (jp->p >= jp->end || *jp->p != '"')
				return -EINVAL;
			err = parse_string(jp, &key);
			if (err)
				return err;
			skip_ws(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				free(key);
				return -EINVAL;
			}
			jp->p++;
		}
		err = parse_value(jp, &kid);
		if (!err && n->n == cap) {
			void *k2, *v2;

			cap = cap ? 2 * cap : 8;
			k2 = realloc(n->keys, cap * sizeof(*n->keys));
			if (k2)
				n->keys = k2;
			v2 = realloc(n->kids, cap * sizeof(*n->kids));
			if (v2)
				n->kids = v2;
			if (!k2 || !v2)
				err = -ENOMEM;
		}
		if (err) {
			free(key);
			br_jfree(kid);
			return err;
		}
		n->keys[n->n] = key;
		n->kids[n->n++] = kid;
		skip_ws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int parse_number(struct jp *jp, struct br_jnode *n)
{
	const char *s = jp->p;
	char *end;

	if (jp->p < jp->end && *jp->p == '-')
		jp->p++;
	while (jp->p < jp->end &&
	       ((*jp->p >= '0' && *jp->p <= '9') || *jp->p == '.' ||
		*jp->p == 'e' || *jp->p == 'E' || *jp->p == '+' ||
		*jp->p == '-'))
		jp->p++;
	n->text = strndup(s, (size_t)(jp->p - s));
	if (!n->text)
		return -ENOMEM;
	n->num = strtod(n->text, &end);
	if (end == n->text || *end) {
		jp->p = s;
		return -EINVAL;
	}
	return 0;
}

static int parse_word(struct jp *jp, const char *w)
{
	size_t len = strlen(w);

	if ((size_t)(jp->end - jp->p) < len || memcmp(jp->p, w, len))
		return -EINVAL;
	jp->p += len;
	return 0;
}

static int parse_value(struct jp *jp, struct br_jnode **out)
{
	struct br_jnode *n = NULL;
	int err = -EINVAL;
	char c;

	skip_ws(jp);
	if (jp->p >= jp->end || jp->depth >= BR_JREAD_DEPTH)
		return -EINVAL;
	c = *jp->p;
	if (c == '{' || c == '[') {
		n = node(c == '{' ? BR_J_OBJ : BR_J_ARR);
		if (!n)
			return -ENOMEM;
		jp->p++;
		jp->depth++;
		err = parse_members(jp, n, c == '{' ? '}' : ']');
		jp->depth--;
	} else if (c == '"') {
		n = node(BR_J_STR);
		err = n ? parse_string(jp, &n->text) : -ENOMEM;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		n = node(BR_J_NUM);
		err = n ? parse_number(jp, n) : -ENOMEM;
	} else if (c == 't' || c == 'f') {
		n = node(BR_J_BOOL);
		if (n)
			n->b = c == 't';
		err = n ? parse_word(jp, c == 't' ? "true" : "false") : -ENOMEM;
	} else if (c == 'n') {
		n = node(BR_J_NULL);
		err = n ? parse_word(jp, "null") : -ENOMEM;
	}
	if (err) {
		br_jfree(n);
		return err;
	}
	*out = n;
	return 0;
}

int br_jparse(const char *text, size_t len, struct br_jnode **out,
	      size_t *at)
{
	struct jp jp = { .p = text, .end = text + len, .start = text };
	int err;

	*out = NULL;
	err = parse_value(&jp, out);
	if (!err) {
		skip_ws(&jp);
		if (jp.p != jp.end) {
			br_jfree(*out);
			*out = NULL;
			err = -EINVAL;
		}
	}
	if (at)
		*at = (size_t)(jp.p - jp.start);
	return err;
}

void br_jfree(struct br_jnode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		br_jfree(n->kids[i]);
	}
	free(n->keys);
	free(n->kids);
	free(n->text);
	free(n);
}

const struct br_jnode *br_jget(const struct br_jnode *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != BR_J_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->kids[i];
	return NULL;
}

void br_jwrite(struct br_json *j, const struct br_jnode *n)
{
	size_t i;

	switch (n->type) {
	case BR_J_NULL:
		br_json_null(j);
		break;
	case BR_J_BOOL:
		br_json_bool(j, n->b);
		break;
	case BR_J_NUM:
		br_json_raw(j, n->text);
		break;
	case BR_J_STR:
		br_json_str(j, n->text);
		break;
	case BR_J_ARR:
	case BR_J_OBJ:
		if (n->type == BR_J_OBJ)
			br_json_object(j);
		else
			br_json_array(j);
		for (i = 0; i < n->n; i++) {
			if (n->type == BR_J_OBJ)
				br_json_key(j, n->keys[i]);
			br_jwrite(j, n->kids[i]);
		}
		br_json_end(j);
		break;
	}
}
