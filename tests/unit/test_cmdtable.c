// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_cmdtable.c - every option the parser accepts is in --help, in the
 * man page and in README.md's commands table; the parser accepts each
 * option of the table and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cli.h"
#include "cmddoc.h"
#include "cmdline.h"
#include "cmdtable.h"
#include "log.h"
#include "unit.h"

/* What a writer printed, as one string; caller frees. */
static char *printed(void (*write)(FILE *out, const struct br_cmd *c),
		     const struct br_cmd *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	write(f, c);
	fclose(f);
	return buf;
}

static void usage_of(FILE *out, const struct br_cmd *c)
{
	(void)c;
	br_usage(out);
}

static void man_of(FILE *out, const struct br_cmd *c)
{
	(void)c;
	br_doc_man(out);
}

/* "--name META" as roff spells it: each - as \-. */
static void man_spelling(const struct br_opt *o, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "\\fB\\-\\-");
	const char *s;

	for (s = o->name; *s && n + 3 < len; s++)
		n += snprintf(buf + n, len - n, *s == '-' ? "\\-" : "%c", *s);
}

/* The parser returns each option's id, its argument with it. */
static void test_parser_accepts_each_option(void **state)
{
	const struct br_cmd *c;
	const struct br_opt *o;
	char name[64];

	(void)state;
	for (c = br_commands; c->name; c++) {
		for (o = c->opts; o->name; o++) {
			char *argv[] = { (char *)c->name, name, "42", NULL };
			int argc = o->metavar ? 3 : 2;
			struct br_args a;

			snprintf(name, sizeof(name), "--%s", o->name);
			br_args_init(&a, argc, argv);
			assert_int_equal(br_args_next(&a), o->id);
			if (o->metavar)
				assert_string_equal(a.arg, "42");
		}
	}
}

/* An option of another command, or none, is refused. */
static void test_parser_refuses_others(void **state)
{
	static const struct {
		const char *cmd, *opt;
	} cases[] = {
		{ "simulate", "--no-such-option" },
		{ "simulate", "--mtu" },    /* replay's */
		{ "replay", "--scenario" }, /* simulate's */
		{ "status", "--totals" },   /* stats' */
		{ "check", "--dry-run" },   /* swap's */
	};
	size_t i;

	(void)state;
	opterr = 0; /* getopt's own message is not what is tested */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)cases[i].cmd, (char *)cases[i].opt,
				 "42", NULL };
		struct br_args a;

		br_args_init(&a, 3, argv);
		assert_int_equal(br_args_next(&a), '?');
	}
	opterr = 1;
}

/* replay's --policy is required: its absence is a usage error. */
static void test_parser_required(void **state)
{
	char *argv[] = { "replay", "x.pcap", NULL };
	struct br_args a;

	(void)state;
	br_args_init(&a, 2, argv);
	assert_int_equal(br_args_next(&a), '?');
}

/* Each global option, anywhere, is taken out of argv. */
static void test_global_options(void **state)
{
	const struct br_opt *o;
	char name[64];

	(void)state;
	for (o = br_global_opts; o->name; o++) {
		char *argv[6] = { "blastradius", "check", name };
		struct br_cli cli = { .pin_dir = BR_DEFAULT_PIN_DIR };
		int argc = 3;

		if (o->metavar) /* --wait's is a number, the others' names */
			argv[argc++] = o->id == BR_OPT_WAIT ? "1" : "/tmp";
		argv[argc++] = "x";
		snprintf(name, sizeof(name), "--%s", o->name);
		assert_int_equal(br_cli_global_options(&cli, &argc, argv), 0);
		assert_int_equal(argc, 3);
		assert_string_equal(argv[1], "check");
		assert_string_equal(argv[2], "x");
	}
	br_verbose = 0;
}

/* blastradius --help and COMMAND --help show every option. */
static void test_help_lists_each_option(void **state)
{
	char *all = printed(usage_of, NULL), *one, text[96];
	const struct br_cmd *c;
	const struct br_opt *o;

	(void)state;
	for (o = br_global_opts; o->name; o++) {
		br_opt_text(o, true, text, sizeof(text));
		assert_non_null(strstr(all, text));
	}
	for (c = br_commands; c->name; c++) {
		one = printed(br_cmd_help, c);
		for (o = c->opts; o->name; o++) {
			br_opt_text(o, false, text, sizeof(text));
			assert_non_null(strstr(all, text));
			assert_non_null(strstr(one, text));
		}
		free(one);
	}
	free(all);
}

static void test_man_lists_each_option(void **state)
{
	char *man = printed(man_of, NULL), text[96];
	const struct br_cmd *c;
	const struct br_opt *o;

	(void)state;
	for (o = br_global_opts; o->name; o++) {
		man_spelling(o, text, sizeof(text));
		assert_non_null(strstr(man, text));
	}
	for (c = br_commands; c->name; c++) {
		snprintf(text, sizeof(text), ".SS %s\n", c->name);
		assert_non_null(strstr(man, text));
		for (o = c->opts; o->name; o++) {
			man_spelling(o, text, sizeof(text));
			assert_non_null(strstr(man, text));
		}
	}
	free(man);
}

/* README.md's "### Commands": a row per command naming its options. */
static void test_readme_lists_each_option(void **state)
{
	char *readme = NULL, *sect, *end, row[64], name[64];
	const struct br_cmd *c;
	const struct br_opt *o;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = fopen(BR_SOURCE_DIR "/README.md", "r");
	assert_non_null(f);
	assert_true(getdelim(&readme, &len, '\0', f) > 0);
	fclose(f);
	sect = strstr(readme, "\n### Commands\n");
	assert_non_null(sect);
	end = strstr(sect + 1, "\n### ");
	assert_non_null(end);
	*end = '\0';
	for (o = br_global_opts; o->name; o++) {
		snprintf(name, sizeof(name), "--%s", o->name);
		assert_non_null(strstr(sect, name));
	}
	for (c = br_commands; c->name; c++) {
		char *r, *eol;

		snprintf(row, sizeof(row), "\n| `%s", c->name);
		r = strstr(sect, row);
		assert_non_null(r);
		eol = strchr(r + 1, '\n');
		assert_non_null(eol);
		*eol = '\0';
		for (o = c->opts; o->name; o++) {
			snprintf(name, sizeof(name), "--%s", o->name);
			if (!strstr(r, name))
				fail_msg("README.md: %s's row lacks %s",
					 c->name, name);
		}
		*eol = '\n';
	}
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_accepts_each_option),
		cmocka_unit_test(test_parser_refuses_others),
		cmocka_unit_test(test_parser_required),
		cmocka_unit_test(test_global_options),
		cmocka_unit_test(test_help_lists_each_option),
		cmocka_unit_test(test_man_lists_each_option),
		cmocka_unit_test(test_readme_lists_each_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
