// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmdline.c - the command line from the command table; see cmdline.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "dataplane.h"
#include "log.h"

#define BR_HELP_WIDTH 79
#define BR_HELP_COL 26 /* where an option's help starts */

/* ---- parsing ----------------------------------------------------------- */

void br_args_init(struct br_args *a, int argc, char **argv)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->cmd = br_cmd_find(argv[0]);
	a->argc = argc;
	a->argv = argv;
	for (i = 0; a->cmd && a->cmd->opts[i].name && i < BR_ARGS_MAX; i++) {
		const struct br_opt *o = &a->cmd->opts[i];

		a->longopts[i] = (struct option){
			.name = o->name,
			.has_arg = o->metavar ? required_argument : no_argument,
			.val = o->id,
		};
	}
	optind = 1;
}

int br_args_next(struct br_args *a)
{
	int c, i;

	c = getopt_long(a->argc, a->argv, "", a->longopts, NULL);
	a->arg = optarg;
	a->next = optind;
	for (i = 0; c > 0 && a->longopts[i].name; i++)
		if (a->longopts[i].val == c)
			a->seen |= 1u << i;
	for (i = 0; c == -1 && a->longopts[i].name; i++)
		if (a->cmd->opts[i].required && !(a->seen & (1u << i)))
			return '?';
	return c;
}

int br_args_none(int argc, char **argv)
{
	struct br_args a;

	br_args_init(&a, argc, argv);
	return br_args_next(&a) == -1 ? a.next : -1;
}

/*
 * The global options are looked for anywhere, not with getopt: they may
 * sit between a command's options, which getopt would take for unknown.
 */
static const struct br_opt *br_global_find(const char *a, const char **val)
{
	const struct br_opt *o;
	size_t n;

	*val = NULL;
	for (o = br_global_opts; o->name; o++) {
		if (o->short_name && a[0] == '-' && a[1] == o->short_name &&
		    !a[2])
			return o;
		if (strncmp(a, "--", 2))
			continue;
		n = strlen(o->name);
		if (strncmp(a + 2, o->name, n))
			continue;
		if (!a[2 + n])
			return o;
		if (a[2 + n] == '=' && o->metavar) {
			*val = a + 3 + n;
			return o;
		}
	}
	return NULL;
}

/* --wait SECONDS: a decimal number of seconds, at most a day. */
static int br_wait_option(const char *arg)
{
	char *end;
	double s;

	s = strtod(arg, &end);
	if (end == arg || *end || !(s >= 0 && s <= 86400)) {
		br_err("--wait %s: a number of seconds from 0 to 86400", arg);
		return -EINVAL;
	}
	br_dp_set_lock_wait((unsigned int)(s * 1000 + 0.5));
	return 0;
}

static int br_global_apply(struct br_cli *cli, const struct br_opt *o,
			   const char *val)
{
	switch (o->id) {
	case BR_OPT_JSON:
		cli->json = true;
		break;
	case BR_OPT_QUIET:
		cli->quiet = true;
		break;
	case BR_OPT_VERBOSE:
		br_verbose++;
		break;
	case BR_OPT_HELP:
		cli->help = true;
		break;
	case BR_OPT_VERSION:
		cli->version = true;
		break;
	case BR_OPT_WAIT:
		return br_wait_option(val);
	case BR_OPT_PIN_DIR:
		cli->pin_dir = val;
		break;
	case BR_OPT_NETNS:
		cli->netns = val;
		break;
	case BR_OPT_CATALOG:
		/* br_catalog_default_dir() reads it */
		if (setenv("BLASTRADIUS_CATALOG", val, 1))
			return -errno;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

int br_cli_global_options(struct br_cli *cli, int *argc, char **argv)
{
	const struct br_opt *o;
	const char *val;
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		o = br_global_find(argv[i], &val);
		if (!o) {
			argv[out++] = argv[i];
			continue;
		}
		if (o->metavar && !val) {
			if (i + 1 >= *argc) {
				br_err("%s needs an argument", argv[i]);
				return -EINVAL;
			}
			val = argv[++i];
		}
		if (br_global_apply(cli, o, val))
			return -EINVAL;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

/* ---- usage and help ------------------------------------------------------ */

void br_opt_text(const struct br_opt *o, bool with_short, char *buf, size_t len)
{
	char s[8] = "";

	if (with_short && o->short_name)
		snprintf(s, sizeof(s), "-%c, ", o->short_name);
	snprintf(buf, len, "%s--%s%s%s", s, o->name, o->metavar ? " " : "",
		 o->metavar ? o->metavar : "");
}

/* Words filled into lines of width (0: one line), continued at indent. */
struct br_wrap {
	FILE *out;
	int col;
	int indent;
	int width;
};

static void br_wrap_word(struct br_wrap *w, const char *word, int len)
{
	if (w->width && w->col > w->indent && w->col + 1 + len > w->width) {
		fprintf(w->out, "\n%*s", w->indent, "");
		w->col = w->indent;
	} else if (w->col > w->indent) {
		fputc(' ', w->out);
		w->col++;
	}
	fprintf(w->out, "%.*s", len, word);
	w->col += len;
}

static void br_wrap_text(struct br_wrap *w, const char *text)
{
	const char *p = text, *e;

	while (*p) {
		while (*p == ' ')
			p++;
		e = strchrnul(p, ' ');
		if (e > p)
			br_wrap_word(w, p, e - p);
		p = e;
	}
}

/* The positional arguments, then each option as [--name META]... */
static void br_wrap_synopsis(struct br_wrap *w, const struct br_cmd *cmd)
{
	const struct br_opt *o;
	char opt[64], word[80];

	br_wrap_text(w, cmd->args);
	for (o = cmd->opts; o->name; o++) {
		br_opt_text(o, false, opt, sizeof(opt));
		snprintf(word, sizeof(word), "%s%s%s%s", o->required ? "" : "[",
			 opt, o->required ? "" : "]", o->repeats ? "..." : "");
		br_wrap_word(w, word, strlen(word));
	}
}

void br_cmd_usage_error(const char *name)
{
	const struct br_cmd *cmd = br_cmd_find(name);
	struct br_wrap w = {};
	char *text = NULL;
	size_t len = 0;

	if (!cmd)
		return;
	w.out = open_memstream(&text, &len);
	if (!w.out)
		return;
	w.col = fprintf(w.out, "usage: blastradius %s", cmd->name);
	br_wrap_synopsis(&w, cmd);
	fclose(w.out);
	br_err("%s", text);
	free(text);
}

/* "  --name META   help", the help at BR_HELP_COL or on the next line. */
static void br_opt_help(FILE *out, const struct br_opt *o)
{
	struct br_wrap w = { .out = out,
			     .indent = BR_HELP_COL,
			     .width = BR_HELP_WIDTH };
	char text[64];

	br_opt_text(o, true, text, sizeof(text));
	w.col = fprintf(out, "  %s", text);
	if (w.col + 2 > BR_HELP_COL)
		fprintf(out, "\n%*s", BR_HELP_COL, "");
	else
		fprintf(out, "%*s", BR_HELP_COL - w.col, "");
	w.col = BR_HELP_COL;
	br_wrap_text(&w, o->help);
	fputc('\n', out);
}

void br_cmd_help(FILE *out, const struct br_cmd *cmd)
{
	struct br_wrap w = { .out = out, .indent = 9, .width = BR_HELP_WIDTH };
	const struct br_opt *o;

	w.col = fprintf(out, "usage: blastradius %s", cmd->name);
	br_wrap_synopsis(&w, cmd);
	fputs("\n\n", out);
	w = (struct br_wrap){ .out = out, .width = BR_HELP_WIDTH };
	br_wrap_text(&w, cmd->summary);
	fputc('\n', out);
	if (cmd->opts[0].name)
		fputs("\noptions:\n", out);
	for (o = cmd->opts; o->name; o++)
		br_opt_help(out, o);
	fputs("\nThe global options (blastradius --help) apply too.\n", out);
}

void br_usage(FILE *out)
{
	const struct br_cmd *c;
	const struct br_opt *o;
	struct br_wrap w;

	fprintf(out, "usage: blastradius [OPTIONS] COMMAND [ARGS]\n\n"
		     "Censor-style blocking policies in XDP, and what they "
		     "break.\n\ncommands (blastradius COMMAND --help for "
		     "one):\n");
	for (c = br_commands; c->name; c++) {
		w = (struct br_wrap){ .out = out,
				      .indent = 11,
				      .width = BR_HELP_WIDTH };
		w.col = fprintf(out, "  %-8s ", c->name);
		br_wrap_synopsis(&w, c);
		if (w.col > w.indent) { /* the summary on a line of its own */
			fprintf(out, "\n%*s", w.indent, "");
			w.col = w.indent;
		}
		br_wrap_text(&w, c->summary);
		fputc('\n', out);
	}
	fputs("\noptions (before or after the command):\n", out);
	for (o = br_global_opts; o->name; o++)
		br_opt_help(out, o);
}
