/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmdline.h - the command line, parsed and explained from the command
 * table (cmdtable.h): the global options, each command's options,
 * --help and the usage errors.
 */
#ifndef BR_CMDLINE_H
#define BR_CMDLINE_H

#include <getopt.h>
#include <stdio.h>
#include "cmdtable.h"

#define BR_ARGS_MAX 16 /* options of one command */

/*
 * One command's options, parsed by getopt_long from its table row:
 *
 *	br_args_init(&a, argc, argv);
 *	while ((c = br_args_next(&a)) != -1)
 *		switch (c) { case BR_OPT_MTU: ... a.arg ...; default: usage }
 *	positional arguments: argv[a.next] to argv[argc - 1]
 */
struct br_args {
	const struct br_cmd *cmd;
	int argc;
	char **argv;
	const char *arg;   /* the argument of the option just returned */
	int next;	   /* after the last option: the first positional */
	unsigned int seen; /* bit i: cmd->opts[i] was given */
	struct option longopts[BR_ARGS_MAX + 1];
};

/* argv[0] names the command (as main.c passes it). */
void br_args_init(struct br_args *a, int argc, char **argv);

/*
 * The next option's enum br_opt_id, -1 at the end, '?' when an option is
 * unknown or lacks its argument (getopt said which) or, at the end, when
 * a required option was not given (the usage will say).
 */
int br_args_next(struct br_args *a);

/*
 * For a command without options: the index in argv of its first
 * positional argument, or -1 when an option was given (getopt said so).
 */
int br_args_none(int argc, char **argv);

/* "blastradius: usage: blastradius CMD ARGS [--opt X]..." on stderr. */
void br_cmd_usage_error(const char *name);

/* blastradius COMMAND --help, and blastradius --help. */
void br_cmd_help(FILE *out, const struct br_cmd *cmd);
void br_usage(FILE *out);

/*
 * The global options, wherever they appear before a "--": applied to cli
 * (and the lock wait, the verbosity, $BLASTRADIUS_CATALOG) and removed
 * from argv, so that each command sees only its own. 0, or -EINVAL
 * (explained).
 */
struct br_cli;
int br_cli_global_options(struct br_cli *cli, int *argc, char **argv);

/* "--name META" (or "-s, --name META" with short), as help shows it. */
void br_opt_text(const struct br_opt *o, bool with_short, char *buf,
		 size_t len);

#endif /* BR_CMDLINE_H */
