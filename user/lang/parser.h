/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parser.h - the parsing core the policy language (policy.c) shares with
 * the service catalog (catalog.c) and the scenario language (scenario.c):
 * token handling, errors and recovery, statements given once, did-you-mean
 * suggestions, sets and set files, and the values (addresses, ports,
 * rates, sizes, domain names) the languages write the same way.
 * Implemented in parser.c, parse_set.c and parse_value.c; private to the
 * parsers.
 *
 * A language plugs in its statement keywords (where parsing resumes after
 * an error) and its statement function; `set` and `include` and the set
 * files an include reads are handled here for every language. Sets are
 * collected in parser->pol, a policy that for other languages only holds
 * them.
 */
#ifndef BR_PARSER_H
#define BR_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lex.h"
#include "name_index.h"
#include "policy_ir.h"
#include "textfile.h"

#define BR_PARSE_DESC_LEN 96 /* room for br_tok_describe() */

/* Decimal numbers as the languages write them: units of 1e-9. */
#define BR_DECIMAL_UNIT 1000000000ULL
#define BR_DECIMAL_DIGITS 9 /* decimals at most */

/*
 * A decimal number at p[0, n) ("30", "12.5", "0.25") in BR_DECIMAL_UNITs;
 * *used is how many bytes it took. -EINVAL: no number there, or too many
 * decimals; -ERANGE: too large.
 */
int br_parse_decimal(const char *p, size_t n, uint64_t *out, size_t *used);
#define BR_DOMAIN_TEXT_LEN 253 /* a DNS name's text, trailing dot excluded */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A position in a message: "... at " POSF, POSA(pos) */
#define POSF "%s:%d:%d"
#define POSA(p) (p).file, (p).line, (p).col

/* One file being read: the top file, or an include nested in it. */
struct br_src {
	struct br_lexer lx;
	struct br_token cur;
	struct br_token ahead;
	int have_ahead;
	enum br_tok_kind prev_kind;
	const char *prev_end; /* just past the last consumed token */
	struct br_pos prev_end_pos;
	int resume;	  /* cur starts a statement: skip none */
	const char *name; /* interned; base of relative includes */
	int set_file;	  /* an include: only set and include */
	struct br_pos incl_pos; /* an include: where it was named, how */
	const char *incl_path;
	int depth;
	int has_id; /* dev/ino known: cycles seen by inode */
	dev_t dev;
	ino_t ino;
	const struct br_src *parent;
};

struct br_parser;

/* A language's statement outside set files, cur at its first word. */
typedef int (*br_stmt_fn)(struct br_parser *ps, struct br_src *s);

struct br_parser {
	struct br_policy *pol; /* the policy, or the holder of the sets */
	struct br_diag *diag;
	unsigned int errors;
	size_t cap_sets;
	size_t *set_cap; /* element capacity of each set */
	struct br_name_index set_names; /* the named sets, by name */
	/* the language */
	const char *const *keywords; /* statement keywords */
	size_t n_keywords;
	br_stmt_fn statement;
	int no_blocks; /* no { }: recovery skips to the end of the line */
	const char *anon_prefix; /* inline sets: "PREFIX.kw", not "ruleN.kw" */
	void *priv;		 /* the language's own state */
	/* inline sets without anon_prefix: "ruleN.kw" (the policy language) */
	unsigned int rule_stmts; /* rule statements seen, good or bad */
};

/* Report an error at pos and count it. */
__attribute__((format(printf, 3, 4))) void
br_perr(struct br_parser *ps, struct br_pos pos, const char *fmt, ...);

/* The token t as messages show it, in buf. */
const char *br_parse_desc(const struct br_token *t,
			  char buf[BR_PARSE_DESC_LEN]);

/*
 * A statement that may be given once (kw): records where it first was in
 * *first, or reports the repeat and returns -EINVAL.
 */
int br_parse_once(struct br_parser *ps, struct br_pos pos, const char *kw,
		  struct br_pos *first);

void br_src_init(struct br_src *s, struct br_parser *ps, const char *name,
		 const char *text, size_t len, const struct stat *st);

/* Statements until the end of s; -ENOMEM is the only error returned. */
int br_parse_source(struct br_parser *ps, struct br_src *s);

void br_parse_next(struct br_src *s);
const struct br_token *br_parse_peek(struct br_src *s);
int br_parse_at_eol(const struct br_src *s);

/* "expected WHAT, got TOKEN" at cur; returns -EINVAL. */
int br_parse_expected(struct br_parser *ps, struct br_src *s, const char *what);

/* The end of the line (or file) at cur, consumed; else an error. */
int br_parse_end_statement(struct br_parser *ps, struct br_src *s);

/* Is t a statement keyword of the parser's language? */
int br_parse_is_keyword(const struct br_parser *ps, const struct br_token *t);

/* An identifier, or with allow_string a non-empty "string", at cur. */
int br_parse_name(struct br_parser *ps, struct br_src *s, const char *what,
		  int allow_string, char **out, struct br_pos *pos);
int br_is_ident(const char *p, size_t n);

/* The statements every language has; cur at their keyword. */
int br_parse_set_stmt(struct br_parser *ps, struct br_src *s);
int br_parse_include(struct br_parser *ps, struct br_src *s);

/* A named set's index, or -1. */
int br_parse_find_set(const struct br_parser *ps, const char *name, size_t len);

/* OPERAND after kw: @set (of type), { ... } or one literal. */
int br_parse_operand(struct br_parser *ps, struct br_src *s, const char *kw,
		     enum br_set_type type, int *set_idx, int *bad);

/* Append an empty set, its index in *idx; takes name, also on failure. */
int br_parse_new_set(struct br_parser *ps, char *name, int anonymous,
		     enum br_set_type type, struct br_pos pos, int *idx);

/* One element of a { } list, the word t; -EINVAL when reported bad. */
typedef int (*br_elem_fn)(struct br_parser *ps, const struct br_token *t,
			  void *arg);

/*
 * { ELEM, ELEM ... } at cur, each element handed to fn; what names an
 * element in messages. *n counts the elements, *bad is set if one was
 * wrong; -EINVAL when the } is missing.
 */
int br_parse_braced(struct br_parser *ps, struct br_src *s, const char *what,
		    br_elem_fn fn, void *arg, unsigned int *n, int *bad);

/* IP families in an address set: bit 0 IPv4, bit 1 IPv6. */
unsigned int br_parse_set_families(const struct br_set *set);

/* Decimal, or with hex_ok also 0x hex. -EINVAL: not a number. */
int br_parse_uint(const char *p, size_t n, int hex_ok, uint32_t *out);

/* An address or prefix (host bits zero), the word t. */
int br_parse_prefix(struct br_parser *ps, const struct br_token *t,
		    struct br_prefix *out);

/* A domain-set element, the word t (see br_parse_domain_text). */
int br_parse_domain(struct br_parser *ps, const struct br_token *t,
		    struct br_domain *out);

int br_parse_port_range(struct br_parser *ps, const struct br_token *t,
			struct br_port_range *out);

/* RATE: an integer and bit, kbit, mbit or gbit, optionally "/s". */
int br_parse_rate(struct br_parser *ps, const struct br_token *t,
		  uint64_t *bps);

/* SIZE: bytes, or an integer and B, K, KB, KiB, MB or MiB; what names it. */
int br_parse_size(struct br_parser *ps, const struct br_token *t,
		  const char *what, uint32_t *bytes);

/*
 * DURATION: a decimal number and ms, s, m, h or d ("10m", "1.5s"), into
 * nanoseconds, more than 0 and at most max; what names it in messages.
 */
int br_parse_duration(struct br_parser *ps, const struct br_token *t,
		      const char *what, uint64_t max, uint64_t *out);

/* A JA4 fingerprint, a part of it possibly "*" (parse_ja4.c). */
int br_parse_ja4(struct br_parser *ps, const struct br_token *t,
		 struct br_ja4_pattern *out);

/*
 * The domain text p[0, n), shown as show in messages, into out; the forms
 * of policies/README.md ("x", "*.x", ".x"). Reported at pos.
 */
int br_parse_domain_text(struct br_parser *ps, struct br_pos pos,
			 const char *show, const char *p, size_t n,
			 struct br_domain *out);

/* A path relative to the directory of base, the file that names it. */
char *br_parse_resolve(const char *base, const char *path);

/* Room for element n of size sz in arr of capacity *cap (realloc'd). */
void *br_grow(void *arr, size_t *cap, size_t n, size_t sz);

/* Edit distance for did-you-mean suggestions; SIZE_MAX if too long. */
size_t br_edit_distance(const char *a, size_t na, const char *b, size_t nb);

/*
 * Is cand close enough to the n bytes at w to suggest ("did you mean"),
 * and closer than *best (SIZE_MAX at first)? Then *best is its distance.
 */
int br_parse_closer(const char *w, size_t n, const char *cand, size_t *best);

#endif /* BR_PARSER_H */
