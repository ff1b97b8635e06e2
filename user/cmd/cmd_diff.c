// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_diff.c - blastradius diff A B: what changes when B replaces A.
 *
 * Rules are compared by their text in order (a longest common subsequence,
 * so an inserted rule shows as one added line: L7 matches and action
 * parameters are in the text); named sets by name, element by element after
 * sorting, so a million-entry registry diffs in a moment. Domain entries of
 * one name merge first ("x" and "*.x" are ".x"), as the compiler merges them.
 * Exit status as diff(1): 0 same, 1 different, 2 trouble.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "json.h"
#include "log.h"
#include "name_index.h"
#include "domain.h"
#include "policy.h"
#include "printable.h"

#define BR_DIFF_SHOW 20 /* elements listed per set and direction */
#define BR_DIFF_ELEM_LEN 272 /* a domain: 253 bytes, "*." or "." */

struct br_diff_out {
	struct br_cli *cli;
	struct br_json j;
	int changed;
};

/* A domain entry as it is written: "x", "*.x" or ".x". */
static void br_format_domain(const struct br_domain *d, char *buf, size_t len)
{
	const char *lead = "";

	if (d->flags == BR_DOMAIN_BELOW)
		lead = "*.";
	else if (d->flags & BR_DOMAIN_BELOW)
		lead = ".";
	snprintf(buf, len, "%s%s", lead, d->name);
}

static void br_format_elem(const struct br_set *s, size_t i, char *buf,
			   size_t len)
{
	if (s->type == BR_SET_DOMAIN) {
		br_format_domain(&s->domains[i], buf, len);
	} else if (s->type == BR_SET_ADDR) {
		br_prefix_format(&s->prefixes[i], buf, len);
	} else if (s->ports[i].lo == s->ports[i].hi) {
		snprintf(buf, len, "%u", s->ports[i].lo);
	} else {
		snprintf(buf, len, "%u-%u", s->ports[i].lo, s->ports[i].hi);
	}
}

static int br_cmp_prefix(const void *a, const void *b)
{
	const struct br_prefix *x = a, *y = b;

	int c;

	if (x->family != y->family)
		return x->family - y->family;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	return c ? c : x->len - y->len;
}

static int br_cmp_port(const void *a, const void *b)
{
	const struct br_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo - y->lo;
	return x->hi - y->hi;
}

static int br_cmp_domain_name(const void *a, const void *b)
{
	const struct br_domain *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int br_cmp_domain(const struct br_domain *x, const struct br_domain *y)
{
	int c = strcmp(x->name, y->name);

	return c ? c : x->flags - y->flags;
}

/* Sorted by name, the entries of one name merged into one. */
static void br_sort_domains(struct br_set *s)
{
	size_t i, n = 0;

	qsort(s->domains, s->n, sizeof(*s->domains), br_cmp_domain_name);
	for (i = 0; i < s->n; i++) {
		if (n && !strcmp(s->domains[n - 1].name, s->domains[i].name)) {
			s->domains[n - 1].flags |= s->domains[i].flags;
			free(s->domains[i].name);
			continue;
		}
		s->domains[n++] = s->domains[i];
	}
	s->n = n;
}

/* Sort a set's elements in place (the IR is ours to reorder). */
static void br_sort_set(struct br_set *s)
{
	if (s->type == BR_SET_DOMAIN)
		br_sort_domains(s);
	else if (s->type == BR_SET_ADDR)
		qsort(s->prefixes, s->n, sizeof(*s->prefixes), br_cmp_prefix);
	else
		qsort(s->ports, s->n, sizeof(*s->ports), br_cmp_port);
}

static int br_cmp_elem(const struct br_set *a, size_t i, const struct br_set *b,
		       size_t k)
{
	if (a->type == BR_SET_DOMAIN)
		return br_cmp_domain(&a->domains[i], &b->domains[k]);
	if (a->type == BR_SET_ADDR)
		return br_cmp_prefix(&a->prefixes[i], &b->prefixes[k]);
	return br_cmp_port(&a->ports[i], &b->ports[k]);
}

/* The named sets of pol by name. */
static int br_index_sets(const struct br_policy *pol, struct br_name_index *ix)
{
	size_t i;

	for (i = 0; i < pol->n_sets; i++)
		if (!pol->sets[i].anonymous &&
		    br_name_index_add(ix, pol->sets[i].name, (int)i))
			return -ENOMEM;
	return 0;
}

static struct br_set *br_find_set(const struct br_policy *pol,
				  const struct br_name_index *ix,
				  const char *name)
{
	int i = br_name_index_find(ix, name, strlen(name));

	return i < 0 ? NULL : &pol->sets[i];
}

/* "- key value": the value is the policy's own text, printed escaped. */
static void br_diff_line(struct br_diff_out *o, char sign, const char *key,
			 const char *value)
{
	if (o->cli->json)
		return;
	printf("%c %s ", sign, key);
	br_fput_printable(value, stdout);
	printf("\n");
}

static void br_diff_field(struct br_diff_out *o, const char *key, const char *a,
			  const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	if (!strcmp(a, b))
		return;
	o->changed = 1;
	if (o->cli->json) {
		br_json_key(&o->j, key);
		br_json_object(&o->j);
		br_json_kstr(&o->j, "a", a);
		br_json_kstr(&o->j, "b", b);
		br_json_end(&o->j);
		return;
	}
	br_diff_line(o, '-', key, a);
	br_diff_line(o, '+', key, b);
}

static void br_join_targets(const struct br_policy *p, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < p->n_targets && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				p->targets[i]);
}

/* Rules: longest common subsequence of the texts, then walk it. */
static int br_diff_rules(struct br_diff_out *o, const struct br_policy *a,
			 const struct br_policy *b)
{
	size_t n = a->n_rules, m = b->n_rules, i, k;
	unsigned short *lcs;

	lcs = calloc((n + 1) * (m + 1), sizeof(*lcs));
	if (!lcs)
		return -ENOMEM;
#define L(i, k) lcs[(i) * (m + 1) + (k)]
	for (i = n; i-- > 0;)
		for (k = m; k-- > 0;)
			L(i, k) = !strcmp(a->rules[i].text, b->rules[k].text)
					  ? L(i + 1, k + 1) + 1
				  : L(i + 1, k) > L(i, k + 1) ? L(i + 1, k)
							      : L(i, k + 1);
	if (o->cli->json) {
		br_json_key(&o->j, "rules");
		br_json_array(&o->j);
	}
	for (i = 0, k = 0; i < n || k < m;) {
		const char *text;
		char sign;
		size_t index;

		if (i < n && k < m &&
		    !strcmp(a->rules[i].text, b->rules[k].text)) {
			i++;
			k++;
			continue;
		}
		if (k < m && (i == n || L(i, k + 1) > L(i + 1, k))) {
			sign = '+';
			index = k;
			text = b->rules[k++].text;
		} else {
			sign = '-';
			index = i;
			text = a->rules[i++].text;
		}
		o->changed = 1;
		if (o->cli->json) {
			br_json_object(&o->j);
			br_json_kstr(&o->j, "change",
				     sign == '+' ? "added" : "removed");
			br_json_ku64(&o->j, "index", index);
			br_json_kstr(&o->j, "text", text);
			br_json_end(&o->j);
		} else {
			printf("%c rule %zu: ", sign, index);
			br_fput_printable(text, stdout);
			printf("\n");
		}
	}
#undef L
	if (o->cli->json)
		br_json_end(&o->j);
	free(lcs);
	return 0;
}

/* Call fn for every element in only one of two sorted sets. */
static void br_set_walk(const struct br_set *sa, const struct br_set *sb,
			void (*fn)(void *arg, char sign, const struct br_set *s,
				   size_t i),
			void *arg)
{
	size_t i = 0, k = 0;
	int c;

	while (i < sa->n || k < sb->n) {
		if (i < sa->n && k < sb->n)
			c = br_cmp_elem(sa, i, sb, k);
		else
			c = i < sa->n ? -1 : 1;
		if (!c) {
			i++;
			k++;
		} else if (c < 0) {
			/* A duplicate within one set is not a change. */
			if (i + 1 >= sa->n || br_cmp_elem(sa, i, sa, i + 1))
				fn(arg, '-', sa, i);
			i++;
		} else {
			if (k + 1 >= sb->n || br_cmp_elem(sb, k, sb, k + 1))
				fn(arg, '+', sb, k);
			k++;
		}
	}
}

struct br_set_walk_state {
	struct br_diff_out *o;
	size_t added, removed, shown;
	char sign; /* JSON: the sign being listed */
};

static void br_walk_count(void *arg, char sign, const struct br_set *s,
			  size_t i)
{
	struct br_set_walk_state *w = arg;

	(void)s;
	(void)i;
	if (sign == '+')
		w->added++;
	else
		w->removed++;
}

static void br_walk_print(void *arg, char sign, const struct br_set *s,
			  size_t i)
{
	struct br_set_walk_state *w = arg;
	char buf[BR_DIFF_ELEM_LEN];

	if (w->o->cli->json && sign != w->sign)
		return;
	br_format_elem(s, i, buf, sizeof(buf));
	if (w->o->cli->json)
		br_json_str(&w->o->j, buf);
	else if (w->shown++ < BR_DIFF_SHOW)
		printf("  %c %s\n", sign, buf);
}

/* One named set present in both: merge the sorted element lists. */
static void br_diff_set(struct br_diff_out *o, struct br_set *sa,
			struct br_set *sb)
{
	struct br_set_walk_state w = { .o = o };

	br_sort_set(sa);
	br_sort_set(sb);
	br_set_walk(sa, sb, br_walk_count, &w);
	if (!w.added && !w.removed)
		return;
	o->changed = 1;
	if (!o->cli->json) {
		printf("  set %s: %zu added, %zu removed\n", sa->name, w.added,
		       w.removed);
		br_set_walk(sa, sb, br_walk_print, &w);
		if (w.shown > BR_DIFF_SHOW)
			printf("    ... %zu more\n", w.shown - BR_DIFF_SHOW);
		return;
	}
	br_json_object(&o->j);
	br_json_kstr(&o->j, "set", sa->name);
	br_json_kstr(&o->j, "change", "changed");
	br_json_key(&o->j, "added");
	br_json_array(&o->j);
	w.sign = '+';
	br_set_walk(sa, sb, br_walk_print, &w);
	br_json_end(&o->j);
	br_json_key(&o->j, "removed");
	br_json_array(&o->j);
	w.sign = '-';
	br_set_walk(sa, sb, br_walk_print, &w);
	br_json_end(&o->j);
	br_json_end(&o->j);
}

static int br_diff_sets(struct br_diff_out *o, struct br_policy *a,
			struct br_policy *b)
{
	struct br_name_index ia = { 0 }, ib = { 0 };
	int err;
	size_t i;

	err = br_index_sets(a, &ia);
	if (!err)
		err = br_index_sets(b, &ib);
	if (err)
		goto out;
	if (o->cli->json) {
		br_json_key(&o->j, "sets");
		br_json_array(&o->j);
	}
	for (i = 0; i < a->n_sets; i++) {
		struct br_set *sa = &a->sets[i];
		struct br_set *sb;

		if (sa->anonymous)
			continue;
		sb = br_find_set(b, &ib, sa->name);
		if (sb && sb->type == sa->type) {
			br_diff_set(o, sa, sb);
			continue;
		}
		o->changed = 1;
		if (o->cli->json) {
			br_json_object(&o->j);
			br_json_kstr(&o->j, "set", sa->name);
			br_json_kstr(&o->j, "change", "removed");
			br_json_ku64(&o->j, "elements", sa->n);
			br_json_end(&o->j);
		} else {
			printf("- set %s (%zu elements)\n", sa->name, sa->n);
		}
	}
	for (i = 0; i < b->n_sets; i++) {
		struct br_set *sb = &b->sets[i];
		const struct br_set *sa;

		if (sb->anonymous)
			continue;
		sa = br_find_set(a, &ia, sb->name);
		if (sa && sa->type == sb->type)
			continue;
		o->changed = 1;
		if (o->cli->json) {
			br_json_object(&o->j);
			br_json_kstr(&o->j, "set", sb->name);
			br_json_kstr(&o->j, "change", "added");
			br_json_ku64(&o->j, "elements", sb->n);
			br_json_end(&o->j);
		} else {
			printf("+ set %s (%zu elements)\n", sb->name, sb->n);
		}
	}
	if (o->cli->json)
		br_json_end(&o->j);
out:
	br_name_index_free(&ia);
	br_name_index_free(&ib);
	return err;
}

int cmd_diff(struct br_cli *cli, int argc, char **argv)
{
	struct br_policy *a = NULL, *b = NULL;
	struct br_diff_out o = { .cli = cli };
	char ta[512], tb[512];
	int first, ret = 2;

	first = br_args_none(argc, argv);
	if (first < 0 || argc - first != 2) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	if (br_cli_parse_policy(argv[first], &a) ||
	    br_cli_parse_policy(argv[first + 1], &b))
		goto out;
	br_json_init(&o.j, stdout);
	if (cli->json) {
		br_json_object(&o.j);
		br_json_kstr(&o.j, "a", a->file);
		br_json_kstr(&o.j, "b", b->file);
	} else {
		printf("--- ");
		br_fput_printable(a->file, stdout);
		printf(" (policy ");
		br_fput_printable(a->name, stdout);
		printf(")\n+++ ");
		br_fput_printable(b->file, stdout);
		printf(" (policy ");
		br_fput_printable(b->name, stdout);
		printf(")\n");
	}
	br_diff_field(&o, "policy", a->name, b->name);
	br_diff_field(&o, "description", a->description, b->description);
	br_join_targets(a, ta, sizeof(ta));
	br_join_targets(b, tb, sizeof(tb));
	br_diff_field(&o, "target", ta, tb);
	br_diff_field(&o, "default", br_action_name(a->default_action),
		      br_action_name(b->default_action));
	br_diff_field(&o, "sni-default", br_action_name(a->sni_default),
		      br_action_name(b->sni_default));
	br_diff_field(&o, "tls-default", br_action_name(a->tls_default),
		      br_action_name(b->tls_default));
	br_diff_field(&o, "unreadable", br_action_name(a->unreadable),
		      br_action_name(b->unreadable));
	br_diff_field(&o, "on-swap", a->on_swap_flush ? "flush" : "keep",
		      b->on_swap_flush ? "flush" : "keep");
	if (br_diff_rules(&o, a, b) || br_diff_sets(&o, a, b)) {
		br_err("diff: out of memory");
		goto out;
	}
	if (cli->json) {
		br_json_kbool(&o.j, "same", !o.changed);
		br_json_end(&o.j);
	} else if (!o.changed) {
		printf("  (no changes)\n");
	}
	ret = o.changed ? 1 : 0;
out:
	br_policy_free(a);
	br_policy_free(b);
	return ret;
}
