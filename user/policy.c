/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy.c - the policy language (policies/README.md) into the policy IR.
 *
 * One function per statement. An error is reported at the offending token
 * and counted; a function returns -EINVAL only when the input position is
 * lost and the statement loop must skip to the next line. So one run lists
 * every error, and the IR is handed out only when there was none.
 *
 * The token handling, recovery, sets, set files and quantities are the
 * parsing core the service catalog shares (parse.h); with a catalog,
 * targets are checked against it and "rule service ID ACTION" expands to
 * the service's signature.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "domain.h"
#include "lex.h"
#include "parser.h"
#include "policy.h"
#include "quic.h"

#define BR_INCLUDE_MAX_DEPTH 8
#define BR_DOMAIN_TEXT_LEN 253 /* a DNS name's text, trailing dot excluded */
#define BR_DOMAIN_LABEL_LEN 63
#define BR_THROTTLE_MIN_BURST 1514 /* one full Ethernet frame */
#define BR_THROTTLE_MIN_BPS 8000ULL
#define BR_THROTTLE_MAX_BPS 100000000000ULL
#define BR_ACTIONS "pass, drop, reset, nxdomain, sinkhole or throttle"
#define DESC_LEN BR_PARSE_DESC_LEN

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define POSF "%s:%d:%d"
#define POSA(p) (p).file, (p).line, (p).col

/* Match dimensions of a rule, to find repeats and conflicts. */
enum dim {
	D_PROTO,
	D_SADDR,
	D_DADDR,
	D_SPORT,
	D_DPORT,
	D_ETHER,
	D_SNI, /* L7 matches: D_SNI .. D_QUIC */
	D_ECH,
	D_DNS,
	D_QTYPE,
	D_QUIC,
	D_ACTION,
	D_COUNT,
};

static const char *const dim_kw[D_COUNT] = {
	[D_SNI] = "sni", [D_ECH] = "ech",   [D_DNS] = "dns",
	[D_QTYPE] = "qtype", [D_QUIC] = "quic",
};

static const char *const stmt_keywords[] = {
	"policy", "description", "target",	"default",     "include",
	"set",	  "rule",	 "on-swap", "sni-default", "unreadable",
	"drop",	  "pass",	 "reset",
};

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

static const char *desc(const struct br_token *t, char buf[DESC_LEN])
{
	return br_tok_describe(t, buf, DESC_LEN);
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
	char buf[DESC_LEN];

	if (s->cur.kind != BR_TOK_ERROR)
		br_perr(ps, s->cur.pos, "expected %s, got %s", what,
			desc(&s->cur, buf));
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
	const char *const *kw = ps->keywords ? ps->keywords : stmt_keywords;
	size_t i, n = ps->keywords ? ps->n_keywords : ARRAY_SIZE(stmt_keywords);

	if (t->kind != BR_TOK_WORD)
		return 0;
	for (i = 0; i < n; i++)
		if (br_tok_is(t, kw[i]))
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

/* ---- numbers, addresses, ports ---------------------------------------- */

/* Decimal, or with hex_ok also 0x hex. -EINVAL: not a number. */
static int parse_uint(const char *p, size_t n, int hex_ok, uint32_t *out)
{
	unsigned int base = 10, d;
	int overflow = 0;
	uint64_t v = 0;
	size_t i = 0;

	if (hex_ok && n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = (unsigned int)(p[i] - '0');
		else if (base == 16 && p[i] >= 'a' && p[i] <= 'f')
			d = (unsigned int)(p[i] - 'a' + 10);
		else if (base == 16 && p[i] >= 'A' && p[i] <= 'F')
			d = (unsigned int)(p[i] - 'A' + 10);
		else
			return -EINVAL;
		if (!overflow) {
			v = v * base + d;
			overflow = v > UINT32_MAX;
		}
	}
	if (overflow)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* Dotted quad; leading zeros are refused, as they read as octal elsewhere. */
static int parse_v4(const char *p, size_t n, uint8_t out[4])
{
	const char *end = p + n;
	unsigned int v, digits;
	int i;

	for (i = 0; i < 4; i++) {
		if (i) {
			if (p == end || *p != '.')
				return -EINVAL;
			p++;
		}
		v = 0;
		digits = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			if (digits && !v)
				return -EINVAL;
			v = v * 10 + (unsigned int)(*p - '0');
			if (v > 255)
				return -EINVAL;
			digits++;
			p++;
		}
		if (!digits)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return p == end ? 0 : -EINVAL;
}

static void mask_prefix(uint8_t *a, unsigned int plen, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

static int parse_prefix(struct br_parser *ps, const struct br_token *t,
			struct br_prefix *out)
{
	const char *slash = memchr(t->start, '/', t->len);
	size_t alen = slash ? (size_t)(slash - t->start) : t->len;
	char buf[INET6_ADDRSTRLEN + 8];
	char want[INET6_ADDRSTRLEN];
	char d[DESC_LEN];
	unsigned int max, bytes;
	uint8_t masked[16];
	uint32_t plen;
	int err;

	memset(out, 0, sizeof(*out));
	if (memchr(t->start, ':', alen)) {
		/* IPv4-mapped addresses stay IPv6: that is how they travel */
		if (alen >= sizeof(buf))
			goto bad;
		memcpy(buf, t->start, alen);
		buf[alen] = '\0';
		if (inet_pton(AF_INET6, buf, out->addr) != 1)
			goto bad;
		out->family = 6;
		max = 128;
	} else {
		if (parse_v4(t->start, alen, out->addr))
			goto bad;
		out->family = 4;
		max = 32;
	}

	plen = max;
	if (slash) {
		err = parse_uint(slash + 1, t->len - alen - 1, 0, &plen);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				desc(t, d));
			return -EINVAL;
		}
		if (err)
			goto bad;
		if (plen > max) {
			br_perr(ps, t->pos,
				"prefix length %u out of range (0-%u)", plen,
				max);
			return -EINVAL;
		}
	}
	out->len = (uint8_t)plen;

	bytes = max / 8;
	memcpy(masked, out->addr, bytes);
	mask_prefix(masked, plen, bytes);
	if (memcmp(masked, out->addr, bytes)) {
		inet_ntop(out->family == 4 ? AF_INET : AF_INET6, masked, want,
			  sizeof(want));
		br_perr(ps, t->pos,
			"prefix %.*s has host bits set (did you mean %s/%u?)",
			(int)t->len, t->start, want, plen);
		return -EINVAL;
	}
	return 0;
bad:
	br_perr(ps, t->pos, "bad address %s", desc(t, d));
	return -EINVAL;
}

int br_parse_port_range(struct br_parser *ps, const struct br_token *t,
			struct br_port_range *out)
{
	const char *dash = memchr(t->start, '-', t->len);
	size_t llen = dash ? (size_t)(dash - t->start) : t->len;
	uint32_t lo = 0, hi = 0;
	int e1, e2 = 0;
	char d[DESC_LEN];

	e1 = parse_uint(t->start, llen, 0, &lo);
	if (dash)
		e2 = parse_uint(dash + 1, t->len - llen - 1, 0, &hi);
	else
		hi = lo;
	if (e1 == -EINVAL || e2 == -EINVAL) {
		br_perr(ps, t->pos, "bad port %s", desc(t, d));
		return -EINVAL;
	}
	if (e1 || e2) {
		br_perr(ps, t->pos, "number too large in %s", desc(t, d));
		return -EINVAL;
	}
	if (lo > 65535 || hi > 65535) {
		br_perr(ps, t->pos, "port %u out of range (0-65535)",
			lo > 65535 ? lo : hi);
		return -EINVAL;
	}
	if (lo > hi) {
		br_perr(ps, t->pos,
			"port range %u-%u is reversed (did you mean %u-%u?)",
			lo, hi, hi, lo);
		return -EINVAL;
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

/* ---- sets ------------------------------------------------------------- */

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

/* A byte as a message shows it: printable ASCII as is, else \xNN. */
static const char *show_byte(unsigned char c, char buf[8])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\x%02x", c);
	return buf;
}

/*
 * A domain-set element: "example.com" (that name), "*.example.com" (every
 * name strictly below it) or ".example.com" (both). The name is stored
 * lowercase, without the wildcard, the leading dot or a trailing dot.
 */
int br_parse_domain_text(struct br_parser *ps, struct br_pos pos,
			 const char *show, const char *p, size_t n,
			 struct br_domain *out)
{
	size_t i, label = 0;
	unsigned int labels = 1;
	uint8_t flags = BR_DOMAIN_EXACT;
	char c, bad[8];

	if (n >= 2 && p[0] == '*' && p[1] == '.') {
		flags = BR_DOMAIN_BELOW;
		p += 2;
		n -= 2;
	} else if (n >= 1 && p[0] == '.') {
		flags = BR_DOMAIN_EXACT | BR_DOMAIN_BELOW;
		p++;
		n--;
	}
	if (n && p[n - 1] == '.')
		n--;
	if (!n) {
		br_perr(ps, pos, "bad domain %s: no name", show);
		return -EINVAL;
	}
	if (n > BR_DOMAIN_TEXT_LEN) {
		br_perr(ps, pos, "domain %s is longer than %d bytes", show,
			BR_DOMAIN_TEXT_LEN);
		return -EINVAL;
	}
	for (i = 0; i <= n; i++) {
		c = i < n ? p[i] : '.';
		if (c == '.') {
			if (i == label) {
				br_perr(ps, pos, "bad domain %s: empty label",
					show);
				return -EINVAL;
			}
			if (i - label > BR_DOMAIN_LABEL_LEN) {
				br_perr(ps, pos,
					"bad domain %s: label \"%.*s\" is "
					"longer than %d bytes",
					show, (int)(i - label), p + label,
					BR_DOMAIN_LABEL_LEN);
				return -EINVAL;
			}
			if (i < n)
				labels++;
			label = i + 1;
			continue;
		}
		if (c == '*') {
			br_perr(ps, pos,
				"bad domain %s: \"*\" only as a whole first "
				"label, as in \"*.example.com\"",
				show);
			return -EINVAL;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			br_perr(ps, pos,
				"bad domain %s: \"%s\" is not allowed in a "
				"name (letters, digits, \"-\" and \"_\")",
				show, show_byte((unsigned char)c, bad));
			return -EINVAL;
		}
	}
	/* domain.h: a name keeps only its 15 shortest proper suffixes */
	if ((flags & BR_DOMAIN_BELOW) && labels >= BR_DOMAIN_MAX_LABELS) {
		br_perr(ps, pos,
			"domain %s has %u labels: names below it cannot be "
			"matched (at most %d for \"*.\" or \".\" entries)",
			show, labels, BR_DOMAIN_MAX_LABELS - 1);
		return -EINVAL;
	}
	out->name = malloc(n + 1);
	if (!out->name)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		c = p[i];
		out->name[i] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
	}
	out->name[n] = '\0';
	out->flags = flags;
	out->pos = pos;
	return 0;
}

static int parse_domain(struct br_parser *ps, const struct br_token *t,
			struct br_domain *out)
{
	char d[DESC_LEN];

	return br_parse_domain_text(ps, t->pos, desc(t, d), t->start, t->len,
				    out);
}

int br_parse_find_set(const struct br_parser *ps, const char *name, size_t len)
{
	return br_name_index_find(&ps->set_names, name, len);
}

/* Append an empty set; takes name, also on failure. */
static int new_set(struct br_parser *ps, char *name, int anonymous,
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
		err = parse_domain(ps, t, &domain);
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
		if (parse_prefix(ps, t, &prefix))
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

/* One element of a { } list, the word t; -EINVAL when reported bad. */
typedef int (*elem_fn)(struct br_parser *ps, const struct br_token *t,
		       void *arg);

/*
 * { ELEM, ELEM ... } at cur, each element (a word) handed to fn; what names
 * an element in messages. Elements are separated by commas and/or
 * newlines. Returns 0 once past the }, with *bad set if an element was
 * wrong and *n the elements seen; -EINVAL when the } is missing.
 */
static int parse_braced(struct br_parser *ps, struct br_src *s,
			const char *what, elem_fn fn, void *arg,
			unsigned int *n, int *bad)
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

	err = parse_braced(ps, s, what, add_set_element, &idx, &n, bad);
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
static unsigned int set_families(const struct br_set *set)
{
	unsigned int f = 0;
	size_t i;

	for (i = 0; i < set->n && f != 3; i++)
		f |= set->prefixes[i].family == 4 ? 1 : 2;
	return f;
}

/* ---- statements ------------------------------------------------------- */

/* An identifier, or with allow_string a non-empty "string". */
int br_parse_name(struct br_parser *ps, struct br_src *s, const char *what,
		  int allow_string, char **out, struct br_pos *pos)
{
	const struct br_token *t = &s->cur;
	char d[DESC_LEN];

	*out = NULL;
	*pos = t->pos;
	if (t->kind == BR_TOK_WORD) {
		if (!br_is_ident(t->start, t->len)) {
			br_perr(ps, t->pos, "bad name %s", desc(t, d));
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

static enum br_action action_of(const struct br_token *t)
{
	if (br_tok_is(t, "pass"))
		return BR_ACT_PASS;
	if (br_tok_is(t, "drop"))
		return BR_ACT_DROP;
	return BR_ACT_NONE;
}

/* A rule's action keyword, the ones with parameters included. */
static enum br_action rule_action_of(const struct br_token *t)
{
	enum br_action act = action_of(t);

	if (act != BR_ACT_NONE)
		return act;
	if (br_tok_is(t, "reset"))
		return BR_ACT_RESET;
	if (br_tok_is(t, "nxdomain"))
		return BR_ACT_NXDOMAIN;
	if (br_tok_is(t, "sinkhole"))
		return BR_ACT_SINKHOLE;
	if (br_tok_is(t, "throttle"))
		return BR_ACT_THROTTLE;
	return BR_ACT_NONE;
}

/*
 * A statement that may be given once: records where it first was, or
 * reports the repeat (a position's line is never 0 once set).
 */
static int once(struct br_parser *ps, struct br_pos pos, const char *kw,
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

static int parse_policy(struct br_parser *ps, struct br_src *s, int first)
{
	struct br_pos pos = s->cur.pos;
	int err;

	br_parse_next(s);
	if (!first && !ps->policy_pos.line) {
		br_perr(ps, pos, "\"policy\" must be the first statement");
		return -EINVAL;
	}
	if (once(ps, pos, "policy", &ps->policy_pos))
		return -EINVAL;
	err = br_parse_name(ps, s, "policy name", 1, &ps->pol->name,
			    &ps->pol->name_pos);
	if (err)
		return err;
	return br_parse_end_statement(ps, s);
}

static int parse_description(struct br_parser *ps, struct br_src *s)
{
	struct br_pos pos = s->cur.pos;

	br_parse_next(s);
	if (once(ps, pos, "description", &ps->description_pos))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_STRING)
		return br_parse_expected(ps, s, "a quoted string");
	ps->pol->description = br_tok_string(&s->cur);
	if (!ps->pol->description)
		return -ENOMEM;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

/* The catalog's index of service id, or -1 with the error reported. */
static int catalog_service(struct br_parser *ps, const char *id,
			   struct br_pos pos)
{
	const char *near;
	int idx = br_catalog_service(ps->cat, id);

	if (idx >= 0)
		return idx;
	near = br_catalog_suggest(ps->cat, id);
	if (near)
		br_perr(ps, pos,
			"unknown service \"%s\" (did you mean \"%s\"?)", id,
			near);
	else
		br_perr(ps, pos,
			"unknown service \"%s\" (not in the service catalog)",
			id);
	return -1;
}

static int parse_target(struct br_parser *ps, struct br_src *s)
{
	struct br_policy *pol = ps->pol;
	struct br_pos pos, *where;
	char **names, *name;
	size_t cap, i;
	int err;

	br_parse_next(s);
	for (;;) {
		err = br_parse_name(ps, s, "target name", 0, &name, &pos);
		if (err)
			return err;
		for (i = 0; i < pol->n_targets; i++) {
			if (!strcmp(pol->targets[i], name)) {
				br_perr(ps, pos,
					"target \"%s\" already given at " POSF,
					name, POSA(pol->target_pos[i]));
				free(name);
				return -EINVAL;
			}
		}
		if (ps->cat && catalog_service(ps, name, pos) < 0) {
			free(name);
			goto next;
		}
		cap = ps->cap_targets;
		names = br_grow(pol->targets, &cap, pol->n_targets,
				sizeof(*names));
		if (names)
			pol->targets = names;
		where = br_grow(pol->target_pos, &ps->cap_targets,
				pol->n_targets, sizeof(*where));
		if (where)
			pol->target_pos = where;
		if (!names || !where) {
			free(name);
			return -ENOMEM;
		}
		pol->targets[pol->n_targets] = name;
		pol->target_pos[pol->n_targets++] = pos;
	next:
		if (s->cur.kind != BR_TOK_COMMA)
			break;
		br_parse_next(s);
	}
	if (!br_parse_at_eol(s))
		return br_parse_expected(ps, s, "\",\" or end of line");
	return br_parse_end_statement(ps, s);
}

/*
 * "KEYWORD ACTION": a statement given at most once (its position in
 * *seen) that names the action of what no rule decides: pass or drop, and
 * reset where with_reset. Stores it in *out.
 */
static int parse_action_statement(struct br_parser *ps, struct br_src *s,
				  const char *keyword, struct br_pos *seen,
				  int with_reset, enum br_action *out)
{
	const char *expect = with_reset ? "pass, drop or reset" : "pass or drop";
	struct br_pos pos = s->cur.pos;
	enum br_action act;
	char d[DESC_LEN];

	br_parse_next(s);
	if (once(ps, pos, keyword, seen))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, expect);
	act = action_of(&s->cur);
	if (with_reset && br_tok_is(&s->cur, "reset"))
		act = BR_ACT_RESET;
	if (act == BR_ACT_NONE) {
		br_perr(ps, s->cur.pos, "unknown action %s (expected %s)",
			desc(&s->cur, d), expect);
		return -EINVAL;
	}
	*out = act;
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

static int parse_default(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "default", &ps->default_pos, 0,
				      &ps->pol->default_action);
}

static int parse_on_swap(struct br_parser *ps, struct br_src *s)
{
	struct br_pos pos = s->cur.pos;
	char d[DESC_LEN];

	br_parse_next(s);
	if (once(ps, pos, "on-swap", &ps->on_swap_pos))
		return -EINVAL;
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "keep or flush");
	if (br_tok_is(&s->cur, "keep")) {
		ps->pol->on_swap_flush = 0;
	} else if (br_tok_is(&s->cur, "flush")) {
		ps->pol->on_swap_flush = 1;
	} else {
		br_perr(ps, s->cur.pos,
			"unknown on-swap mode %s (expected keep or flush)",
			desc(&s->cur, d));
		return -EINVAL;
	}
	br_parse_next(s);
	return br_parse_end_statement(ps, s);
}

static int parse_sni_default(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "sni-default",
				      &ps->sni_default_pos, 1,
				      &ps->pol->sni_default);
}

/*
 * "unreadable pass|drop": what a packet gets when a rule ahead of the one
 * it matches needs a field the censor cannot read in it (ports behind an
 * IPv6 chain, an orphan fragment, an L7 fact cut by fragmentation).
 */
static int parse_unreadable(struct br_parser *ps, struct br_src *s)
{
	return parse_action_statement(ps, s, "unreadable",
				      &ps->unreadable_pos, 0,
				      &ps->pol->unreadable);
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
	full = resolve(s->name, path);
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

int br_parse_set_stmt(struct br_parser *ps, struct br_src *s)
{
	enum br_set_type type;
	struct br_pos pos;
	char d[DESC_LEN];
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
			desc(&s->cur, d));
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
	err = new_set(ps, name, 0, type, pos, &idx);
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
		err = new_set(ps, name, 1, type, t->pos, &idx);
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

static int parse_ether_type(struct br_parser *ps, struct br_src *s, int *out)
{
	const struct br_token *t = &s->cur;
	char d[DESC_LEN];
	uint32_t v;
	int err;

	if (t->kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "arp, lldp or a number");
	if (br_tok_is(t, "arp")) {
		v = 0x0806;
	} else if (br_tok_is(t, "lldp")) {
		v = 0x88cc;
	} else {
		err = parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown ether type %s (expected arp, lldp or "
				"a "
				"number)",
				desc(t, d));
			return -EINVAL;
		}
		if (v > 0xffff) {
			br_perr(ps, t->pos,
				"ether type %.*s out of range (0-0xffff)",
				(int)t->len, t->start);
			return -EINVAL;
		}
	}
	/* IP and VLAN tags never reach this match: the parser eats them */
	switch (v) {
	case 0x0800:
	case 0x86dd:
		br_perr(ps, t->pos,
			"ether type 0x%04x is IPv%d: match IP with protocol "
			"and "
			"address matches",
			v, v == 0x0800 ? 4 : 6);
		return -EINVAL;
	case 0x8100:
	case 0x88a8:
		br_perr(ps, t->pos,
			"ether type 0x%04x is a VLAN tag: rules see the frame "
			"inside the tags",
			v);
		return -EINVAL;
	}
	*out = (int)v;
	br_parse_next(s);
	return 0;
}

/* ---- L7 matches and action parameters --------------------------------- */

/*
 * One value, or { V, V ... }, at cur: each handed to fn, which reports a
 * bad value and returns -EINVAL, marking *bad. what names a value, after
 * names the keyword before it, in messages.
 */
static int parse_values(struct br_parser *ps, struct br_src *s,
			const char *what, const char *after, elem_fn fn,
			void *arg, int *bad)
{
	struct br_pos open = s->cur.pos;
	char buf[96];
	unsigned int n;
	int err;

	if (s->cur.kind == BR_TOK_WORD) {
		err = fn(ps, &s->cur, arg);
		if (err == -ENOMEM)
			return err;
		if (err)
			*bad = 1;
		br_parse_next(s);
		return 0;
	}
	if (s->cur.kind != BR_TOK_LBRACE) {
		snprintf(buf, sizeof(buf), "%s or \"{\" after \"%s\"", what,
			 after);
		return br_parse_expected(ps, s, buf);
	}
	err = parse_braced(ps, s, what, fn, arg, &n, bad);
	if (err)
		return err;
	if (!n && !*bad) {
		br_perr(ps, open, "empty list");
		*bad = 1;
	}
	return 0;
}

/* The DNS types most worth naming (IANA "Resource Record (RR) TYPEs"). */
static const struct {
	const char *name;
	uint16_t type;
} qtype_names[] = {
	{ "A", 1 },	   { "NS", 2 },	     { "CNAME", 5 },   { "SOA", 6 },
	{ "PTR", 12 },	   { "MX", 15 },     { "TXT", 16 },    { "AAAA", 28 },
	{ "SRV", 33 },	   { "NAPTR", 35 },  { "DS", 43 },     { "RRSIG", 46 },
	{ "DNSKEY", 48 }, { "SVCB", 64 },   { "HTTPS", 65 },  { "ANY", 255 },
};

/* A list being filled: the first value past its room is reported once. */
struct value_list {
	struct br_rule_ir *r;
	int overflow;
};

static int add_qtype(struct br_parser *ps, const struct br_token *t, void *arg)
{
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	char d[DESC_LEN];
	uint32_t v = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(qtype_names) / sizeof(qtype_names[0]); i++) {
		if (t->len == strlen(qtype_names[i].name) &&
		    !strncasecmp(t->start, qtype_names[i].name, t->len)) {
			v = qtype_names[i].type;
			break;
		}
	}
	if (i == sizeof(qtype_names) / sizeof(qtype_names[0])) {
		err = parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE || (!err && v > 0xffff)) {
			br_perr(ps, t->pos,
				"query type %s out of range (0-65535)",
				desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown query type %s (expected A, NS, CNAME, "
				"SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, DS, "
				"RRSIG, DNSKEY, SVCB, HTTPS, ANY or a number)",
				desc(t, d));
			return -EINVAL;
		}
	}
	for (i = 0; i < r->n_qtypes; i++)
		if (r->qtypes[i] == v)
			return 0; /* a duplicate merges */
	if (r->n_qtypes == BR_MAX_QTYPES) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many query types: at most %d per rule",
				BR_MAX_QTYPES);
		return -EINVAL;
	}
	r->qtypes[r->n_qtypes++] = (uint16_t)v;
	return 0;
}

/* v1, v2, draft-NN or a number; only versions quic.h recognises. */
static int add_quic_version(struct br_parser *ps, const struct br_token *t,
			    void *arg)
{
	struct value_list *l = arg;
	struct br_rule_ir *r = l->r;
	char d[DESC_LEN];
	uint32_t v, n;
	size_t i;
	int err;

	if (br_tok_is(t, "v1")) {
		v = BR_QUIC_V1;
	} else if (br_tok_is(t, "v2")) {
		v = BR_QUIC_V2;
	} else if (t->len > 6 && !memcmp(t->start, "draft-", 6)) {
		err = parse_uint(t->start + 6, t->len - 6, 0, &n);
		if (err || n < 22 || n > 34) {
			br_perr(ps, t->pos,
				"unknown QUIC draft %s (draft-22 to draft-34)",
				desc(t, d));
			return -EINVAL;
		}
		v = BR_QUIC_DRAFT(n);
	} else {
		err = parse_uint(t->start, t->len, 1, &v);
		if (err == -ERANGE) {
			br_perr(ps, t->pos, "number too large in %s",
				desc(t, d));
			return -EINVAL;
		}
		if (err) {
			br_perr(ps, t->pos,
				"unknown QUIC version %s (expected v1, v2, "
				"draft-NN or a number)",
				desc(t, d));
			return -EINVAL;
		}
		if (!br_quic_version_family(v)) {
			br_perr(ps, t->pos,
				"QUIC version 0x%08x is not one the dataplane "
				"recognises (v1, v2, 0x709a50c4, draft-22 to "
				"draft-34): the rule could never match",
				v);
			return -EINVAL;
		}
	}
	for (i = 0; i < r->n_quic_versions; i++)
		if (r->quic_versions[i] == v)
			return 0;
	if (r->n_quic_versions == BR_MAX_QUIC_VERSIONS) {
		if (!l->overflow++)
			br_perr(ps, t->pos,
				"too many QUIC versions: at most %d per rule",
				BR_MAX_QUIC_VERSIONS);
		return -EINVAL;
	}
	r->quic_versions[r->n_quic_versions++] = v;
	return 0;
}

/* sinkhole ADDR [ADDR]: one IPv4 and/or one IPv6 address. */
static int parse_sinkhole(struct br_parser *ps, struct br_src *s,
			  struct br_rule_ir *r)
{
	const struct br_token *t = &s->cur;
	struct br_prefix a;
	char d[DESC_LEN];
	int k;

	for (k = 0; k < 2; k++) {
		if (t->kind != BR_TOK_WORD) {
			if (k)
				return 0;
			return br_parse_expected(
				ps, s, "an address after \"sinkhole\"");
		}
		/* a second word that is no address: "after the action" */
		if (k && !memchr(t->start, ':', t->len) &&
		    !(t->start[0] >= '0' && t->start[0] <= '9'))
			return 0;
		if (memchr(t->start, '/', t->len)) {
			br_perr(ps, t->pos,
				"sinkhole takes an address, not a prefix: %s",
				desc(t, d));
			return -EINVAL;
		}
		if (parse_prefix(ps, t, &a))
			return -EINVAL;
		if ((a.family == 4 && r->has_sink4) ||
		    (a.family == 6 && r->has_sink6)) {
			br_perr(ps, t->pos,
				"sinkhole has two IPv%d addresses (at most one "
				"of "
				"each family)",
				a.family);
			return -EINVAL;
		}
		if (a.family == 4) {
			r->has_sink4 = 1;
			memcpy(r->sink4, a.addr, 4);
		} else {
			r->has_sink6 = 1;
			memcpy(r->sink6, a.addr, 16);
		}
		br_parse_next(s);
	}
	return 0;
}

/* Leading decimal digits of p[0, n) into *v; their count, 0 on overflow. */
static size_t parse_digits(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return 0;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return i;
}

/* RATE: an integer and bit, kbit, mbit or gbit (SI), optionally "/s". */
int br_parse_rate(struct br_parser *ps, const struct br_token *t, uint64_t *bps)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "bit", 1 },
		{ "kbit", 1000 },
		{ "mbit", 1000000 },
		{ "gbit", 1000000000 },
	};
	size_t n = t->len, digits, i, ulen;
	char d[DESC_LEN];
	uint64_t v;

	if (n > 2 && !memcmp(t->start + n - 2, "/s", 2))
		n -= 2;
	digits = parse_digits(t->start, n, &v);
	if (!digits && n && t->start[0] >= '0' && t->start[0] <= '9')
		goto range;
	for (i = 0; digits && i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i].unit);
		if (n - digits != ulen ||
		    memcmp(t->start + digits, units[i].unit, ulen))
			continue;
		if (v > BR_THROTTLE_MAX_BPS / units[i].mul)
			goto range;
		v *= units[i].mul;
		if (v < BR_THROTTLE_MIN_BPS || v > BR_THROTTLE_MAX_BPS)
			goto range;
		*bps = v;
		return 0;
	}
	br_perr(ps, t->pos,
		"bad rate %s (expected a number and bit, kbit, mbit or gbit, "
		"as in 128kbit)",
		desc(t, d));
	return -EINVAL;
range:
	br_perr(ps, t->pos, "rate %s out of range (8kbit to 100gbit)",
		desc(t, d));
	return -EINVAL;
}

/* SIZE: bytes, or an integer and B, K, KB, KiB (1024), MB or MiB (2^20). */
int br_parse_size(struct br_parser *ps, const struct br_token *t,
		  const char *what, uint32_t *bytes)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "", 1 },	     { "B", 1 },	 { "K", 1024 },
		{ "KB", 1024 },	     { "KiB", 1024 },	 { "MB", 1048576 },
		{ "MiB", 1048576 },
	};
	size_t digits, i, ulen;
	char d[DESC_LEN];
	uint64_t v;

	digits = parse_digits(t->start, t->len, &v);
	if (!digits && t->start[0] >= '0' && t->start[0] <= '9')
		goto range;
	for (i = 0; digits && i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i].unit);
		if (t->len - digits != ulen ||
		    memcmp(t->start + digits, units[i].unit, ulen))
			continue;
		if (v > UINT32_MAX / units[i].mul)
			goto range;
		*bytes = (uint32_t)(v * units[i].mul);
		return 0;
	}
	br_perr(ps, t->pos,
		"bad size %s (expected bytes, or a number and B, K, KB, KiB, "
		"MB "
		"or MiB, as in 16KB)",
		desc(t, d));
	return -EINVAL;
range:
	br_perr(ps, t->pos, "%s %s too large (at most %u bytes)", what,
		desc(t, d), UINT32_MAX);
	return -EINVAL;
}

/* throttle RATE burst SIZE */
static int parse_throttle(struct br_parser *ps, struct br_src *s,
			  struct br_rule_ir *r)
{
	char d[DESC_LEN];
	int bad = 0;

	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a rate after \"throttle\"");
	bad |= br_parse_rate(ps, &s->cur, &r->rate_bps) != 0;
	br_parse_next(s);
	if (!br_tok_is(&s->cur, "burst"))
		return br_parse_expected(ps, s, "\"burst\" after the rate");
	br_parse_next(s);
	if (s->cur.kind != BR_TOK_WORD)
		return br_parse_expected(ps, s, "a size after \"burst\"");
	if (br_parse_size(ps, &s->cur, "burst", &r->burst_bytes)) {
		bad = 1;
	} else if (r->burst_bytes < BR_THROTTLE_MIN_BURST) {
		br_perr(ps, s->cur.pos,
			"burst %s is below one full frame (%d bytes): no "
			"packet could ever pass",
			desc(&s->cur, d), BR_THROTTLE_MIN_BURST);
		bad = 1;
	}
	br_parse_next(s);
	return bad ? -EINVAL : 0;
}

static const struct {
	const char *kw;
	enum dim dim;
	enum br_set_type type;
} operand_kws[] = {
	{ "saddr", D_SADDR, BR_SET_ADDR },
	{ "daddr", D_DADDR, BR_SET_ADDR },
	{ "sport", D_SPORT, BR_SET_PORT },
	{ "dport", D_DPORT, BR_SET_PORT },
};

static const struct {
	const char *kw;
	enum br_proto proto;
} proto_kws[] = {
	{ "any", BR_PROTO_ANY },
	{ "tcp", BR_PROTO_TCP },
	{ "udp", BR_PROTO_UDP },
	{ "icmp", BR_PROTO_ICMP },
};

static int *dim_set(struct br_rule_ir *r, enum dim dim)
{
	switch (dim) {
	case D_SADDR:
		return &r->saddr_set;
	case D_DADDR:
		return &r->daddr_set;
	case D_SPORT:
		return &r->sport_set;
	default:
		return &r->dport_set;
	}
}

/* The operand of an L7 match, cur just past its keyword. */
static int parse_l7(struct br_parser *ps, struct br_src *s,
		    struct br_rule_ir *r, enum dim dim, int *bad)
{
	struct value_list list = { .r = r };

	switch (dim) {
	case D_SNI:
		ps->any_sni = 1;
		r->l7 = BR_L7_TLS;
		return br_parse_operand(ps, s, "sni", BR_SET_DOMAIN,
					&r->domain_set, bad);
	case D_ECH:
		r->l7 = BR_L7_TLS;
		r->ech = 1;
		return 0;
	case D_DNS:
		r->l7 = BR_L7_DNS;
		return br_parse_operand(ps, s, "dns", BR_SET_DOMAIN,
					&r->domain_set, bad);
	case D_QTYPE:
		r->l7 = BR_L7_DNS;
		return parse_values(ps, s, "query type", "qtype", add_qtype,
				    &list, bad);
	default:
		r->l7 = BR_L7_QUIC;
		if (!br_tok_is(&s->cur, "version"))
			return 0;
		br_parse_next(s);
		return parse_values(ps, s, "QUIC version", "version",
				    add_quic_version, &list, bad);
	}
}

/* One match or the action, at cur. */
static int parse_match(struct br_parser *ps, struct br_src *s,
		       struct br_rule_ir *r, struct br_pos dims[D_COUNT],
		       int *bad)
{
	const struct br_token *t = &s->cur;
	const struct br_token *ahead;
	struct br_pos pos = t->pos;
	char d[DESC_LEN];
	enum br_action act;
	size_t i;

	if (t->kind == BR_TOK_COMMA) {
		br_perr(ps, pos,
			"unexpected \",\": list several values in { }");
		return -EINVAL;
	}
	if (t->kind != BR_TOK_WORD) {
		if (t->kind != BR_TOK_ERROR)
			br_perr(ps, pos, "unexpected %s", desc(t, d));
		return -EINVAL;
	}

	for (i = 0; i < sizeof(proto_kws) / sizeof(proto_kws[0]); i++) {
		if (!br_tok_is(t, proto_kws[i].kw))
			continue;
		if (dims[D_PROTO].line) {
			br_perr(ps, pos, "protocol already given at " POSF,
				POSA(dims[D_PROTO]));
			return -EINVAL;
		}
		dims[D_PROTO] = pos;
		r->proto = proto_kws[i].proto;
		br_parse_next(s);
		return 0;
	}

	for (i = 0; i < sizeof(operand_kws) / sizeof(operand_kws[0]); i++) {
		if (!br_tok_is(t, operand_kws[i].kw))
			continue;
		if (dims[operand_kws[i].dim].line) {
			br_perr(ps, pos, "\"%s\" already given at " POSF,
				operand_kws[i].kw,
				POSA(dims[operand_kws[i].dim]));
			return -EINVAL;
		}
		dims[operand_kws[i].dim] = pos;
		br_parse_next(s);
		return br_parse_operand(ps, s, operand_kws[i].kw,
					operand_kws[i].type,
					dim_set(r, operand_kws[i].dim), bad);
	}

	if (br_tok_is(t, "ether")) {
		if (dims[D_ETHER].line) {
			br_perr(ps, pos,
				"\"ether type\" already given at " POSF,
				POSA(dims[D_ETHER]));
			return -EINVAL;
		}
		dims[D_ETHER] = pos;
		br_parse_next(s);
		if (!br_tok_is(&s->cur, "type"))
			return br_parse_expected(ps, s,
						 "\"type\" after \"ether\"");
		br_parse_next(s);
		return parse_ether_type(ps, s, &r->ether_type);
	}

	for (i = D_SNI; i <= D_QUIC; i++) {
		if (!br_tok_is(t, dim_kw[i]))
			continue;
		if (dims[i].line) {
			br_perr(ps, pos, "\"%s\" already given at " POSF,
				dim_kw[i], POSA(dims[i]));
			return -EINVAL;
		}
		dims[i] = pos;
		br_parse_next(s);
		return parse_l7(ps, s, r, (enum dim)i, bad);
	}

	act = rule_action_of(t);
	if (act != BR_ACT_NONE) {
		r->action = act;
		dims[D_ACTION] = pos;
		br_parse_next(s);
		if (act == BR_ACT_SINKHOLE)
			return parse_sinkhole(ps, s, r);
		if (act == BR_ACT_THROTTLE)
			return parse_throttle(ps, s, r);
		return 0;
	}

	if (br_tok_is(t, "service")) {
		br_perr(ps, pos,
			"\"service\" takes no other match: rule [\"name\"] "
			"service ID ACTION");
		return -EINVAL;
	}

	/* the last word of a rule stands where the action goes */
	ahead = br_parse_peek(s);
	if (ahead->kind == BR_TOK_NEWLINE || ahead->kind == BR_TOK_EOF)
		br_perr(ps, pos, "unknown action %s (expected " BR_ACTIONS ")",
			desc(t, d));
	else
		br_perr(ps, pos, "unknown match %s", desc(t, d));
	return -EINVAL;
}

/* The rule's source, comments dropped and whitespace runs made one space. */
static char *collapse(const char *p, const char *end)
{
	char *out = malloc((size_t)(end - p) + 1);
	int space = 0;
	char *o = out;

	if (!out)
		return NULL;
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			p++;
			continue;
		}
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (space && o > out)
			*o++ = ' ';
		space = 0;
		if (*p == '"') {
			*o++ = *p++;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					*o++ = *p++;
				*o++ = *p++;
			}
			if (p < end)
				*o++ = *p++;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

static int pos_before(struct br_pos a, struct br_pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static enum br_l7 dim_l7(int dim)
{
	switch (dim) {
	case D_SNI:
	case D_ECH:
		return BR_L7_TLS;
	case D_DNS:
	case D_QTYPE:
		return BR_L7_DNS;
	default:
		return BR_L7_QUIC;
	}
}

/*
 * One L7 protocol per rule, and the transport it implies: tcp for TLS,
 * udp for DNS and QUIC. A rule without a protocol gets that one.
 */
static int check_l7(struct br_parser *ps, struct br_rule_ir *r,
		    const struct br_pos dims[D_COUNT])
{
	int d, first = -1, other = -1;
	enum br_proto want;

	for (d = D_SNI; d <= D_QUIC; d++)
		if (dims[d].line &&
		    (first < 0 || pos_before(dims[d], dims[first])))
			first = d;
	if (first < 0)
		return 0;
	for (d = D_SNI; d <= D_QUIC; d++)
		if (dims[d].line && dim_l7(d) != dim_l7(first) &&
		    (other < 0 || pos_before(dims[d], dims[other])))
			other = d;
	if (other >= 0) {
		br_perr(ps, dims[other],
			"\"%s\" cannot be combined with \"%s\": one L7 "
			"protocol per rule",
			dim_kw[other], dim_kw[first]);
		return 1;
	}
	r->l7 = dim_l7(first);
	want = r->l7 == BR_L7_TLS ? BR_PROTO_TCP : BR_PROTO_UDP;
	if (r->proto == BR_PROTO_ANY) {
		r->proto = want;
	} else if (r->proto != want) {
		br_perr(ps, dims[first], "\"%s\" needs protocol %s",
			dim_kw[first], br_proto_name(want));
		return 1;
	}
	return 0;
}

/* Actions that only make sense for some rules. */
static int check_action(struct br_parser *ps, const struct br_rule_ir *r,
			const struct br_pos dims[D_COUNT])
{
	switch (r->action) {
	case BR_ACT_RESET:
		if (r->proto == BR_PROTO_TCP)
			return 0;
		br_perr(ps, dims[D_ACTION], "reset needs a tcp rule");
		return 1;
	case BR_ACT_NXDOMAIN:
	case BR_ACT_SINKHOLE:
		if (r->l7 == BR_L7_DNS)
			return 0;
		br_perr(ps, dims[D_ACTION], "%s needs a dns or qtype rule",
			br_action_name(r->action));
		return 1;
	case BR_ACT_THROTTLE:
		if (r->proto == BR_PROTO_TCP || r->proto == BR_PROTO_UDP)
			return 0;
		br_perr(ps, dims[D_ACTION], "throttle needs a tcp or udp rule");
		return 1;
	default:
		return 0;
	}
}

/* Checks that need the whole rule; every error found is reported. */
static int check_rule(struct br_parser *ps, struct br_rule_ir *r,
		      const struct br_pos dims[D_COUNT])
{
	const struct br_set *sets = ps->pol->sets;
	unsigned int fs, fd;
	int d, bad = 0;

	if (dims[D_ETHER].line) {
		if (dims[D_PROTO].line || dims[D_SADDR].line ||
		    dims[D_DADDR].line || dims[D_SPORT].line ||
		    dims[D_DPORT].line) {
			br_perr(ps, dims[D_ETHER],
				"\"ether type\" cannot be combined with "
				"protocol, "
				"address or port matches");
			bad = 1;
		}
		for (d = D_SNI; d <= D_QUIC && !bad; d++) {
			if (!dims[d].line)
				continue;
			br_perr(ps, dims[D_ETHER],
				"\"ether type\" cannot be combined with L7 "
				"matches (sni, ech, dns, qtype, quic)");
			bad = 1;
		}
		return bad || check_action(ps, r, dims);
	}
	if (check_l7(ps, r, dims))
		return 1;
	if (r->proto != BR_PROTO_TCP && r->proto != BR_PROTO_UDP) {
		if (dims[D_SPORT].line) {
			br_perr(ps, dims[D_SPORT],
				"\"sport\" needs protocol tcp or udp");
			bad = 1;
		}
		if (dims[D_DPORT].line) {
			br_perr(ps, dims[D_DPORT],
				"\"dport\" needs protocol tcp or udp");
			bad = 1;
		}
	}
	if (r->saddr_set != BR_NO_SET && r->daddr_set != BR_NO_SET) {
		fs = set_families(&sets[r->saddr_set]);
		fd = set_families(&sets[r->daddr_set]);
		if ((fs == 1 && fd == 2) || (fs == 2 && fd == 1)) {
			br_perr(ps,
				pos_before(dims[D_SADDR], dims[D_DADDR])
					? dims[D_DADDR]
					: dims[D_SADDR],
				"rule can never match: saddr is IPv%d only, "
				"daddr "
				"is IPv%d only",
				fs == 1 ? 4 : 6, fd == 1 ? 4 : 6);
			bad = 1;
		}
	}
	return check_action(ps, r, dims) | bad;
}

/* ---- service rules: a catalog service's observable signature ---------- */

/*
 * Rules a statement makes count against the policy's limit; the statement
 * that first goes past it is the error (svc: a service rule's id).
 */
static void claim_rules(struct br_parser *ps, unsigned int n, struct br_pos pos,
			const char *svc)
{
	unsigned int before = ps->rule_slots;

	ps->rule_slots += n;
	if (before > BR_MAX_RULES || ps->rule_slots <= BR_MAX_RULES)
		return;
	if (svc)
		br_perr(ps, pos,
			"too many rules: at most %d per policy (service \"%s\" "
			"makes %u)",
			BR_MAX_RULES, svc, n);
	else
		br_perr(ps, pos, "too many rules: at most %d per policy",
			BR_MAX_RULES);
}

/*
 * One rule of an expansion: what a censor sees of one or more flows. TLS
 * flows with a name are matched by it (on their port), DNS flows by the
 * names they look up, the others by address set and port.
 */
struct sig {
	enum br_cat_kind kind; /* BR_CAT_TCP also for a TLS flow without sni */
	int cat_set;
	uint16_t lo, hi;
	size_t first; /* the flow that opened it */
	enum br_action action;
};

static enum br_cat_kind sig_kind(const struct br_cat_flow *f)
{
	if (f->kind == BR_CAT_TLS && !f->sni)
		return BR_CAT_TCP;
	return f->kind;
}

static int same_sig(const struct sig *g, const struct br_cat_flow *f)
{
	enum br_cat_kind k = sig_kind(f);

	if (g->kind != k)
		return 0;
	switch (k) {
	case BR_CAT_DNS:
		return 1;
	case BR_CAT_TLS:
		return g->lo == f->port;
	default:
		return g->cat_set == f->addr_set && g->lo == f->port &&
		       g->hi == f->port_hi;
	}
}

/* The action a rule of kind k takes for a service rule's action. */
static enum br_action sig_action(enum br_cat_kind k, enum br_action act)
{
	int udp = k == BR_CAT_UDP || k == BR_CAT_QUIC;

	if (k == BR_CAT_DNS) {
		if (act == BR_ACT_RESET)
			return BR_ACT_NXDOMAIN; /* the fast failure of DNS */
		if (act == BR_ACT_THROTTLE)
			return BR_ACT_NONE; /* a lookup has no rate */
	}
	if (udp && act == BR_ACT_RESET)
		return BR_ACT_DROP;
	return act;
}

/* A new anonymous set "NAME.what" of the policy; its index in *idx. */
static int expansion_set(struct br_parser *ps, const char *svc,
			 const char *flow, const char *what,
			 enum br_set_type type, struct br_pos pos, int *idx)
{
	char *name;

	if (asprintf(&name, "%s.%s.%s", svc, flow, what) < 0)
		return -ENOMEM;
	return new_set(ps, name, 1, type, pos, idx);
}

static int add_port_range(struct br_parser *ps, int idx, uint16_t lo,
			  uint16_t hi)
{
	struct br_set *set = &ps->pol->sets[idx];
	struct br_port_range *p;

	p = br_grow(set->ports, &ps->set_cap[idx], set->n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	set->ports = p;
	set->ports[set->n].lo = lo;
	set->ports[set->n++].hi = hi;
	return 0;
}

/* Add the exact name to domain set idx, once. */
static int add_name(struct br_parser *ps, int idx, const char *name,
		    struct br_pos pos)
{
	struct br_set *set = &ps->pol->sets[idx];
	struct br_domain *d;
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->domains[i].name, name))
			return 0;
	d = br_grow(set->domains, &ps->set_cap[idx], set->n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	set->domains = d;
	d = &set->domains[set->n];
	d->name = strdup(name);
	if (!d->name)
		return -ENOMEM;
	d->flags = BR_DOMAIN_EXACT;
	d->pos = pos;
	set->n++;
	return 0;
}

/* The names a catalog name stands for: itself, or '%' as 1..max. */
static int add_names(struct br_parser *ps, int idx, const char *tmpl,
		     unsigned int max, struct br_pos pos)
{
	const char *pct = strchr(tmpl, '%');
	char name[BR_DOMAIN_TEXT_LEN + 8];
	unsigned int n;
	int err;

	if (!pct)
		return add_name(ps, idx, tmpl, pos);
	for (n = 1; n <= max; n++) {
		snprintf(name, sizeof(name), "%.*s%u%s", (int)(pct - tmpl),
			 tmpl, n, pct + 1);
		err = add_name(ps, idx, name, pos);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Catalog set cat_set as an anonymous set of the policy, copied once per
 * policy (ps->cat_copy maps catalog sets to their copies).
 */
static int copy_cat_set(struct br_parser *ps, int cat_set, struct br_pos pos,
			int *idx)
{
	const struct br_set *from = &ps->cat->sets[cat_set];
	struct br_set *to;
	size_t i;
	char *name;
	int err;

	if (!ps->cat_copy) {
		ps->cat_copy =
			malloc((ps->cat->n_sets + 1) * sizeof(*ps->cat_copy));
		if (!ps->cat_copy)
			return -ENOMEM;
		for (i = 0; i < ps->cat->n_sets; i++)
			ps->cat_copy[i] = -1;
	}
	if (ps->cat_copy[cat_set] >= 0) {
		*idx = ps->cat_copy[cat_set];
		return 0;
	}
	name = strdup(from->name);
	err = new_set(ps, name, 1, from->type, pos, idx);
	if (err)
		return err;
	/* a flow's servers: always an address set (the catalog checks) */
	to = &ps->pol->sets[*idx];
	to->prefixes = malloc(from->n * sizeof(*to->prefixes) + 1);
	if (!to->prefixes)
		return -ENOMEM;
	memcpy(to->prefixes, from->prefixes, from->n * sizeof(*to->prefixes));
	to->n = from->n;
	ps->set_cap[*idx] = from->n;
	ps->cat_copy[cat_set] = *idx;
	return 0;
}

/* "a" or "{ a, b }": the names (as the catalog writes them) of a sig. */
static void names_text(FILE *f, const struct br_cat_service *svc,
		       const struct sig *g, int dns)
{
	const struct br_cat_flow *fl;
	const char *name, *seen[64];
	size_t i, k, n = 0;

	for (i = g->first; i < svc->n_flows; i++) {
		fl = &svc->flows[i];
		if (!same_sig(g, fl))
			continue;
		name = dns ? fl->dns : fl->sni;
		for (k = 0; k < n && strcmp(seen[k], name); k++)
			;
		if (k < n || n == ARRAY_SIZE(seen))
			continue;
		seen[n++] = name;
	}
	if (n == 1) {
		fprintf(f, "%s", seen[0]);
		return;
	}
	fprintf(f, "{ ");
	for (k = 0; k < n; k++)
		fprintf(f, "%s%s", k ? ", " : "", seen[k]);
	fprintf(f, " }");
}

/* The stats label of an expanded rule. */
static char *expansion_text(const struct br_rule_ir *r,
			    const struct br_cat_service *svc,
			    const struct sig *g, const char *cat_set,
			    const char *act_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (r->name)
		fprintf(f, "rule \"%s\" ", r->name);
	fprintf(f, "service %s: ", svc->id);
	switch (g->kind) {
	case BR_CAT_TLS:
		fprintf(f, "tcp dport %u sni ", g->lo);
		names_text(f, svc, g, 0);
		break;
	case BR_CAT_DNS:
		fprintf(f, "dns ");
		names_text(f, svc, g, 1);
		break;
	default:
		fprintf(f, "%s daddr @%s dport %u",
			g->kind == BR_CAT_TCP ? "tcp" : "udp", cat_set, g->lo);
		if (g->hi != g->lo)
			fprintf(f, "-%u", g->hi);
		if (g->kind == BR_CAT_QUIC)
			fprintf(f, " quic");
		break;
	}
	fprintf(f, " %s", act_text);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* The rule of sig g, its sets added to the policy, into *e. */
static int expansion_rule(struct br_parser *ps, const struct br_rule_ir *r,
			  const struct br_cat_service *svc, const struct sig *g,
			  const char *act_text, struct br_rule_ir *e)
{
	const struct br_cat_flow *first = &svc->flows[g->first], *fl;
	const char *cat_set = NULL;
	size_t i;
	int err;

	*e = *r;
	e->name = NULL;
	e->text = NULL;
	e->action = g->action;
	e->proto = g->kind == BR_CAT_TLS || g->kind == BR_CAT_TCP
			   ? BR_PROTO_TCP
			   : BR_PROTO_UDP;
	if (g->kind == BR_CAT_TLS || g->kind == BR_CAT_DNS) {
		e->l7 = g->kind == BR_CAT_TLS ? BR_L7_TLS : BR_L7_DNS;
		err = expansion_set(ps, svc->id, first->name,
				    g->kind == BR_CAT_TLS ? "sni" : "dns",
				    BR_SET_DOMAIN, r->pos, &e->domain_set);
		for (i = g->first; !err && i < svc->n_flows; i++) {
			fl = &svc->flows[i];
			if (same_sig(g, fl))
				err = add_names(ps, e->domain_set,
						g->kind == BR_CAT_TLS ? fl->sni
								      : fl->dns,
						fl->sni_max, r->pos);
		}
		if (err)
			return err;
		ps->any_sni |= g->kind == BR_CAT_TLS;
	} else {
		e->l7 = g->kind == BR_CAT_QUIC ? BR_L7_QUIC : BR_L7_NONE;
		err = copy_cat_set(ps, g->cat_set, r->pos, &e->daddr_set);
		if (err)
			return err;
		cat_set = ps->cat->sets[g->cat_set].name;
	}
	if (g->kind != BR_CAT_DNS) {
		err = expansion_set(ps, svc->id, first->name, "dport",
				    BR_SET_PORT, r->pos, &e->dport_set);
		if (!err)
			err = add_port_range(ps, e->dport_set, g->lo, g->hi);
		if (err)
			return err;
	}
	if (r->name) {
		e->name = strdup(r->name);
		if (!e->name)
			return -ENOMEM;
	}
	e->text = expansion_text(
		r, svc, g, cat_set,
		g->action == r->action ? act_text : br_action_name(g->action));
	return e->text ? 0 : -ENOMEM;
}

/*
 * Service svc's own flows (not those of services it rides on) as rules
 * with r's action, appended to the policy: one rule per distinct
 * signature, in the order of the flows.
 */
static int expand_service(struct br_parser *ps, const struct br_rule_ir *r,
			  int svc_idx, const char *act_text)
{
	const struct br_cat_service *svc = &ps->cat->services[svc_idx];
	struct br_policy *pol = ps->pol;
	struct br_rule_ir *rules;
	struct sig *sigs;
	size_t i, k, n = 0, made = 0;
	int err = 0;

	sigs = calloc(svc->n_flows + 1, sizeof(*sigs));
	if (!sigs)
		return -ENOMEM;
	for (i = 0; i < svc->n_flows; i++) {
		for (k = 0; k < n && !same_sig(&sigs[k], &svc->flows[i]); k++)
			;
		if (k < n)
			continue;
		sigs[n].kind = sig_kind(&svc->flows[i]);
		sigs[n].cat_set = svc->flows[i].addr_set;
		sigs[n].lo = svc->flows[i].port;
		sigs[n].hi = svc->flows[i].port_hi;
		sigs[n].first = i;
		sigs[n].action = sig_action(sigs[n].kind, r->action);
		made += sigs[n].action != BR_ACT_NONE;
		n++;
	}
	if (!made) {
		br_perr(ps, r->pos,
			"service \"%s\" has no flow a %s rule can match",
			svc->id, br_action_name(r->action));
		claim_rules(ps, 1, r->pos, NULL);
		goto out;
	}
	claim_rules(ps, (unsigned int)made, r->pos, svc->id);
	if (ps->rule_slots > BR_MAX_RULES)
		goto out;
	for (k = 0; k < n; k++) {
		if (sigs[k].action == BR_ACT_NONE)
			continue;
		rules = br_grow(pol->rules, &ps->cap_rules, pol->n_rules,
				sizeof(*rules));
		if (!rules) {
			err = -ENOMEM;
			goto out;
		}
		pol->rules = rules;
		err = expansion_rule(ps, r, svc, &sigs[k], act_text,
				     &pol->rules[pol->n_rules]);
		if (err) {
			free(pol->rules[pol->n_rules].name);
			free(pol->rules[pol->n_rules].text);
			goto out;
		}
		pol->n_rules++;
	}
out:
	free(sigs);
	return err;
}

static int is_match_keyword(const struct br_token *t)
{
	static const char *const kw[] = {
		"tcp",	 "udp",	  "icmp", "any", "saddr", "daddr", "sport",
		"dport", "ether", "sni",  "ech", "dns",	  "qtype", "quic",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kw); i++)
		if (br_tok_is(t, kw[i]))
			return 1;
	return 0;
}

/*
 * rule ["name"] service ID ACTION, cur at "service": the service's
 * signature as rules (expand_service). r holds the rule's position and
 * name, and is used up.
 */
static int parse_service_rule(struct br_parser *ps, struct br_src *s,
			      struct br_rule_ir *r)
{
	struct br_pos kw = s->cur.pos, id_pos;
	const char *act_start;
	char *id = NULL, *act_text = NULL;
	char d[DESC_LEN];
	int svc, err;

	br_parse_next(s);
	err = br_parse_name(ps, s, "service id", 0, &id, &id_pos);
	if (err)
		goto bad;
	if (!ps->cat) {
		br_perr(ps, kw,
			"no service catalog: cannot expand \"service %s\"", id);
		err = -EINVAL;
		goto bad;
	}
	svc = catalog_service(ps, id, id_pos);
	if (svc < 0) {
		err = -EINVAL;
		goto bad;
	}
	if (s->cur.kind != BR_TOK_WORD) {
		err = br_parse_expected(ps, s,
					"an action (pass, drop, reset or "
					"throttle)");
		goto bad;
	}
	r->action = rule_action_of(&s->cur);
	if (is_match_keyword(&s->cur)) {
		br_perr(ps, s->cur.pos,
			"a service rule takes no other match: rule [\"name\"] "
			"service ID ACTION");
		err = -EINVAL;
		goto bad;
	}
	if (r->action == BR_ACT_NONE || r->action == BR_ACT_NXDOMAIN ||
	    r->action == BR_ACT_SINKHOLE) {
		if (r->action == BR_ACT_NONE)
			br_perr(ps, s->cur.pos,
				"unknown action %s (expected pass, drop, reset "
				"or throttle)",
				desc(&s->cur, d));
		else
			br_perr(ps, s->cur.pos,
				"%s is not an action of service rules "
				"(expected "
				"pass, drop, reset or throttle)",
				br_action_name(r->action));
		err = -EINVAL;
		goto bad;
	}
	act_start = s->cur.start;
	br_parse_next(s);
	if (r->action == BR_ACT_THROTTLE) {
		err = parse_throttle(ps, s, r);
		if (err)
			goto bad;
	}
	if (!br_parse_at_eol(s)) {
		if (s->cur.kind != BR_TOK_ERROR)
			br_perr(ps, s->cur.pos,
				"unexpected %s after the action",
				desc(&s->cur, d));
		err = -EINVAL;
		goto bad;
	}
	act_text = collapse(act_start, s->prev_end);
	err = act_text ? expand_service(ps, r, svc, act_text) : -ENOMEM;
	if (!err)
		err = br_parse_end_statement(ps, s);
	goto out;
bad:
	claim_rules(ps, 1, r->pos, NULL);
out:
	free(id);
	free(act_text);
	free(r->name);
	return err;
}

/*
 * drop|pass|reset service ID: the short form of "rule service ID ACTION",
 * as an analyst says it ("drop service facetime").
 */
static int parse_service_short(struct br_parser *ps, struct br_src *s)
{
	struct br_rule_ir r = {
		.pos = s->cur.pos,
		.saddr_set = BR_NO_SET,
		.daddr_set = BR_NO_SET,
		.sport_set = BR_NO_SET,
		.dport_set = BR_NO_SET,
		.ether_type = -1,
		.domain_set = BR_NO_SET,
	};
	struct br_pos kw, id_pos;
	char *id = NULL, *act_text;
	char d[DESC_LEN];
	int svc, err = -EINVAL;

	ps->rule_stmts++;
	r.action = rule_action_of(&s->cur);
	act_text = strndup(s->cur.start, s->cur.len);
	if (!act_text)
		return -ENOMEM;
	br_parse_next(s);
	if (!br_tok_is(&s->cur, "service")) {
		br_perr(ps, s->cur.pos,
			"expected \"service ID\" after \"%s\" (a rule is "
			"written \"rule MATCH... %s\")",
			act_text, act_text);
		goto bad;
	}
	kw = s->cur.pos;
	br_parse_next(s);
	err = br_parse_name(ps, s, "service id", 0, &id, &id_pos);
	if (err)
		goto bad;
	err = -EINVAL;
	if (!ps->cat) {
		br_perr(ps, kw,
			"no service catalog: cannot expand \"service %s\"", id);
		goto bad;
	}
	svc = catalog_service(ps, id, id_pos);
	if (svc < 0)
		goto bad;
	if (!br_parse_at_eol(s)) {
		if (s->cur.kind != BR_TOK_ERROR)
			br_perr(ps, s->cur.pos,
				"unexpected %s after the service id",
				desc(&s->cur, d));
		goto bad;
	}
	err = expand_service(ps, &r, svc, act_text);
	if (!err)
		err = br_parse_end_statement(ps, s);
	goto out;
bad:
	claim_rules(ps, 1, r.pos, NULL);
out:
	free(id);
	free(act_text);
	return err;
}

static int parse_rule(struct br_parser *ps, struct br_src *s)
{
	struct br_rule_ir r = {
		.pos = s->cur.pos,
		.saddr_set = BR_NO_SET,
		.daddr_set = BR_NO_SET,
		.sport_set = BR_NO_SET,
		.dport_set = BR_NO_SET,
		.ether_type = -1,
		.domain_set = BR_NO_SET,
		.action = BR_ACT_NONE,
	};
	struct br_pos dims[D_COUNT] = { { 0 } };
	const char *start = s->cur.start;
	struct br_policy *pol = ps->pol;
	struct br_rule_ir *rules;
	char d[DESC_LEN];
	int err, bad = 0;

	ps->rule_stmts++;
	br_parse_next(s);
	if (s->cur.kind == BR_TOK_STRING) {
		if (s->cur.len == 2) {
			br_perr(ps, s->cur.pos, "empty name");
			claim_rules(ps, 1, r.pos, NULL);
			return -EINVAL;
		}
		r.name = br_tok_string(&s->cur);
		if (!r.name)
			return -ENOMEM;
		br_parse_next(s);
	}
	if (br_tok_is(&s->cur, "service"))
		return parse_service_rule(ps, s, &r);
	claim_rules(ps, 1, r.pos, NULL);

	while (!br_parse_at_eol(s)) {
		if (r.action != BR_ACT_NONE) {
			if (s->cur.kind != BR_TOK_ERROR)
				br_perr(ps, s->cur.pos,
					"unexpected %s after the action",
					desc(&s->cur, d));
			err = -EINVAL;
			goto out;
		}
		err = parse_match(ps, s, &r, dims, &bad);
		if (err)
			goto out;
	}
	if (r.action == BR_ACT_NONE) {
		br_perr(ps, s->prev_end_pos,
			"missing action at end of rule (expected " BR_ACTIONS
			")");
		bad = 1;
	} else if (!bad) {
		bad = check_rule(ps, &r, dims);
	}
	if (bad || ps->rule_slots > BR_MAX_RULES) {
		err = br_parse_end_statement(ps, s);
		goto out;
	}

	r.text = collapse(start, s->prev_end);
	rules = br_grow(pol->rules, &ps->cap_rules, pol->n_rules, sizeof(r));
	if (rules)
		pol->rules = rules;
	if (!r.text || !rules) {
		err = -ENOMEM;
		goto out;
	}
	pol->rules[pol->n_rules++] = r;
	return br_parse_end_statement(ps, s);
out:
	free(r.name);
	free(r.text);
	return err;
}

static int parse_statement(struct br_parser *ps, struct br_src *s)
{
	const struct br_token *t = &s->cur;
	int first;
	char d[DESC_LEN];

	first = ++ps->statements == 1;
	/* a typo in the first keyword is reported as just that */
	if (first && br_parse_is_keyword(ps, t) && !br_tok_is(t, "policy"))
		br_perr(ps, t->pos,
			"expected \"policy NAME\" as the first statement");

	if (br_tok_is(t, "policy"))
		return parse_policy(ps, s, first);
	if (br_tok_is(t, "description"))
		return parse_description(ps, s);
	if (br_tok_is(t, "target"))
		return parse_target(ps, s);
	if (br_tok_is(t, "default"))
		return parse_default(ps, s);
	if (br_tok_is(t, "include"))
		return br_parse_include(ps, s);
	if (br_tok_is(t, "set"))
		return br_parse_set_stmt(ps, s);
	if (br_tok_is(t, "rule"))
		return parse_rule(ps, s);
	if (br_tok_is(t, "on-swap"))
		return parse_on_swap(ps, s);
	if (br_tok_is(t, "sni-default"))
		return parse_sni_default(ps, s);
	if (br_tok_is(t, "unreadable"))
		return parse_unreadable(ps, s);
	if (br_tok_is(t, "drop") || br_tok_is(t, "pass") ||
	    br_tok_is(t, "reset"))
		return parse_service_short(ps, s);
	br_perr(ps, t->pos, "unknown statement %s", desc(t, d));
	return -EINVAL;
}

/* A set file's statement, in every language: set and include only. */
static int parse_set_file_statement(struct br_parser *ps, struct br_src *s)
{
	const struct br_token *t = &s->cur;
	char d[DESC_LEN];

	if (br_tok_is(t, "include"))
		return br_parse_include(ps, s);
	if (br_tok_is(t, "set"))
		return br_parse_set_stmt(ps, s);
	if (br_parse_is_keyword(ps, t)) {
		br_perr(ps, t->pos, "\"%.*s\" is not allowed in a set file",
			(int)t->len, t->start);
		return -EINVAL;
	}
	br_perr(ps, t->pos, "unknown statement %s", desc(t, d));
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
	char d[DESC_LEN];

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
		s->incl_path, desc(&s->cur, d), s->cur.pos.line);
	return 0;
}

int br_parse_source(struct br_parser *ps, struct br_src *s)
{
	br_stmt_fn stmt = ps->statement ? ps->statement : parse_statement;
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
			err = stmt(ps, s);
		if (err == -ENOMEM)
			return err;
		if (err && !s->resume)
			skip_statement(ps, s);
		s->resume = 0;
	}
}

/* ---- whole policy ----------------------------------------------------- */

/* Named sets first, in order of declaration, as policy.h promises. */
static int order_sets(struct br_policy *pol)
{
	struct br_set *sets;
	size_t i, k = 0;
	int pass, *map;

	sets = malloc(pol->n_sets * sizeof(*sets) + 1);
	map = malloc(pol->n_sets * sizeof(*map) + 1);
	if (!sets || !map) {
		free(sets);
		free(map);
		return -ENOMEM;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < pol->n_sets; i++) {
			if (pol->sets[i].anonymous != pass)
				continue;
			map[i] = (int)k;
			sets[k++] = pol->sets[i];
		}
	}
	for (i = 0; i < pol->n_rules; i++) {
		struct br_rule_ir *r = &pol->rules[i];

		if (r->saddr_set != BR_NO_SET)
			r->saddr_set = map[r->saddr_set];
		if (r->daddr_set != BR_NO_SET)
			r->daddr_set = map[r->daddr_set];
		if (r->sport_set != BR_NO_SET)
			r->sport_set = map[r->sport_set];
		if (r->dport_set != BR_NO_SET)
			r->dport_set = map[r->dport_set];
		if (r->domain_set != BR_NO_SET)
			r->domain_set = map[r->domain_set];
	}
	free(pol->sets);
	free(map);
	pol->sets = sets;
	return 0;
}

/*
 * The dataplane probes one IPv6 hash tier per distinct prefix length, and
 * has room for BR_V6_MAX_TIERS. Only sets some rule uses reach the maps.
 */
static int check_v6_tiers(struct br_parser *ps)
{
	const struct br_policy *pol = ps->pol;
	unsigned char seen[129] = { 0 };
	unsigned int tiers = 0;
	unsigned char *used;
	const struct br_set *set;
	size_t i, j;

	used = calloc(pol->n_sets + 1, 1);
	if (!used)
		return -ENOMEM;
	for (i = 0; i < pol->n_rules; i++) {
		if (pol->rules[i].saddr_set != BR_NO_SET)
			used[pol->rules[i].saddr_set] = 1;
		if (pol->rules[i].daddr_set != BR_NO_SET)
			used[pol->rules[i].daddr_set] = 1;
	}
	for (i = 0; i < pol->n_sets; i++) {
		set = &pol->sets[i];
		if (!used[i] || set->type != BR_SET_ADDR)
			continue;
		for (j = 0; j < set->n; j++) {
			if (set->prefixes[j].family != 6 ||
			    seen[set->prefixes[j].len])
				continue;
			seen[set->prefixes[j].len] = 1;
			if (++tiers > BR_V6_MAX_TIERS) {
				br_perr(ps, set->pos,
					"too many IPv6 prefix lengths: /%u "
					"makes "
					"%u, at most %d per policy",
					set->prefixes[j].len, tiers,
					BR_V6_MAX_TIERS);
				goto out;
			}
		}
	}
out:
	free(used);
	return 0;
}

static int parse_policy_text(const char *file, const char *text, size_t len,
			     const struct stat *st,
			     const struct br_catalog *cat,
			     struct br_policy **out, struct br_diag *diag)
{
	struct br_parser ps = { .diag = diag, .cat = cat };
	struct br_src s;
	int err;

	*out = NULL;
	err = br_text_check_len(file, len, diag);
	if (err)
		return err;
	ps.pol = calloc(1, sizeof(*ps.pol));
	if (!ps.pol)
		return -ENOMEM;
	ps.pol->default_action = BR_ACT_PASS;
	ps.pol->file = strdup(file);
	if (!ps.pol->file) {
		err = -ENOMEM;
		goto out;
	}

	br_src_init(&s, &ps, br_file_intern(file), text, len, st);
	err = br_parse_source(&ps, &s);
	if (err)
		goto out;
	if (!ps.statements) {
		struct br_pos top = { .file = s.name, .line = 1, .col = 1 };

		br_perr(&ps, top,
			"expected \"policy NAME\" as the first statement");
	}
	if (ps.pol->sni_default != BR_ACT_NONE && !ps.any_sni)
		br_perr(&ps, ps.sni_default_pos,
			"sni-default without any sni rule");
	if (!ps.errors)
		err = order_sets(ps.pol);
	if (!err && !ps.errors)
		err = check_v6_tiers(&ps);
	if (!err && ps.errors)
		err = -EINVAL;
out:
	free(ps.set_cap);
	free(ps.cat_copy);
	br_name_index_free(&ps.set_names);
	if (err) {
		br_policy_free(ps.pol);
		return err;
	}
	*out = ps.pol;
	return 0;
}

int br_policy_parse_buffer_cat(const char *file, const char *text, size_t len,
			       const struct br_catalog *cat,
			       struct br_policy **out, struct br_diag *diag)
{
	struct stat st;

	if (!file)
		file = "<buffer>";
	/* the buffer may be a file's text: an include of it is a cycle */
	return parse_policy_text(file, text, len, stat(file, &st) ? NULL : &st,
				 cat, out, diag);
}

int br_policy_parse_buffer(const char *file, const char *text, size_t len,
			   struct br_policy **out, struct br_diag *diag)
{
	return br_policy_parse_buffer_cat(file, text, len, NULL, out, diag);
}

int br_policy_parse_file(const char *path, struct br_policy **out,
			 struct br_diag *diag)
{
	return br_policy_parse_file_cat(path, NULL, out, diag);
}

int br_policy_parse_file_cat(const char *path, const struct br_catalog *cat,
			     struct br_policy **out, struct br_diag *diag)
{
	char *buf;
	struct stat st;
	size_t len;
	int err;

	*out = NULL;
	err = br_load_file(path, diag, &buf, &len, &st);
	if (!err)
		err = parse_policy_text(path, buf, len, &st, cat, out, diag);
	free(buf);
	return err;
}

void br_sets_free(struct br_set *sets, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; sets[i].domains && j < sets[i].n; j++)
			free(sets[i].domains[j].name);
		free(sets[i].name);
		free(sets[i].prefixes);
		free(sets[i].ports);
		free(sets[i].domains);
	}
}

void br_policy_free(struct br_policy *pol)
{
	size_t i;

	if (!pol)
		return;
	for (i = 0; i < pol->n_targets; i++)
		free(pol->targets[i]);
	br_sets_free(pol->sets, pol->n_sets);
	for (i = 0; i < pol->n_rules; i++) {
		free(pol->rules[i].name);
		free(pol->rules[i].text);
	}
	free(pol->file);
	free(pol->name);
	free(pol->description);
	free(pol->targets);
	free(pol->target_pos);
	free(pol->sets);
	free(pol->rules);
	free(pol);
}

const char *br_action_name(enum br_action action)
{
	switch (action) {
	case BR_ACT_NONE:
		return "none";
	case BR_ACT_PASS:
		return "pass";
	case BR_ACT_DROP:
		return "drop";
	case BR_ACT_RESET:
		return "reset";
	case BR_ACT_NXDOMAIN:
		return "nxdomain";
	case BR_ACT_SINKHOLE:
		return "sinkhole";
	case BR_ACT_THROTTLE:
		return "throttle";
	default:
		return "unknown";
	}
}

const char *br_proto_name(enum br_proto proto)
{
	switch (proto) {
	case BR_PROTO_ANY:
		return "any";
	case BR_PROTO_TCP:
		return "tcp";
	case BR_PROTO_UDP:
		return "udp";
	case BR_PROTO_ICMP:
		return "icmp";
	default:
		return "unknown";
	}
}
