/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmdtable.h - every command and option of blastradius, declared once.
 *
 * cmdtable.c holds the table; from it cmdline.c parses the command line
 * and writes --help, and cmddoc.c writes the man page blastradius(8) and
 * the bash completion (both generated at build time). A new option is one
 * row in the table and one case in its command's switch.
 */
#ifndef BR_CMDTABLE_H
#define BR_CMDTABLE_H

#include <stdbool.h>

struct br_cli;

/*
 * What an option's argument (or a command's positional argument) is:
 * the completion offers files of that kind, interfaces, or the choices.
 */
enum br_arg_kind {
	BR_ARG_WORD = 1 << 0,	  /* free text or a number: nothing to offer */
	BR_ARG_FILE = 1 << 1,	  /* any file */
	BR_ARG_DIR = 1 << 2,	  /* a directory */
	BR_ARG_POLICY = 1 << 3,	  /* *.policy */
	BR_ARG_PCAP = 1 << 4,	  /* *.pcap, *.pcapng */
	BR_ARG_SCENARIO = 1 << 5, /* *.scenario */
	BR_ARG_DEV = 1 << 6,	  /* a network interface */
	BR_ARG_NETNS = 1 << 7,	  /* a named network namespace */
	BR_ARG_CHOICE = 1 << 8,	  /* one of br_opt.choices */
};

/*
 * What the parser returns for each option. Above 255, so that getopt's
 * '?' never reads as one.
 */
enum br_opt_id {
	/* global options (main.c) */
	BR_OPT_JSON = 256,
	BR_OPT_PIN_DIR,
	BR_OPT_NETNS,
	BR_OPT_WAIT,
	BR_OPT_CATALOG,
	BR_OPT_QUIET,
	BR_OPT_VERBOSE,
	BR_OPT_HELP,
	BR_OPT_VERSION,
	/* load */
	BR_OPT_MODE,
	BR_OPT_FAIL_CLOSED,
	BR_OPT_FLOW_TABLE,
	BR_OPT_HELLO_TABLE,
	BR_OPT_NO_IMPACT, /* and swap */
	/* swap */
	BR_OPT_DRY_RUN,
	BR_OPT_MAX_COLLATERAL,
	/* stats */
	BR_OPT_GENERATION,
	BR_OPT_TOTALS,
	BR_OPT_TOP,
	BR_OPT_PROMETHEUS,
	BR_OPT_NO_ATTRIBUTION,
	/* simulate */
	BR_OPT_POLICY, /* and replay */
	BR_OPT_NO_POLICY,
	BR_OPT_SCENARIO,
	BR_OPT_SEED,
	BR_OPT_SUMMARY,
	BR_OPT_CSV,
	BR_OPT_HTML,
	BR_OPT_MARKDOWN,
	BR_OPT_WRITE_PCAP,
	BR_OPT_FORCE,
	BR_OPT_RUNS,
	BR_OPT_SHARD,
	BR_OPT_JOBS,
	BR_OPT_SENSITIVITY,
	/* replay */
	BR_OPT_MTU,
	BR_OPT_SUBSCRIBER,
	BR_OPT_DECAP,
	BR_OPT_VXLAN_PORT,
	BR_OPT_WRITE,
	/* lab */
	BR_OPT_LAB,
	BR_OPT_KEEP,
	BR_OPT_DIR,
	BR_OPT_TCP,
	BR_OPT_UDP,
	/* import-registry */
	BR_OPT_OUT,
	BR_OPT_NAME,
	BR_OPT_ACTION,
	BR_OPT_MAX_ERRORS,
};

struct br_opt {
	const char *name;    /* --name */
	char short_name;     /* -c, or 0 */
	enum br_opt_id id;   /* what the parser returns for it */
	const char *metavar; /* its argument as usage shows it; NULL: none */
	unsigned int kind;   /* enum br_arg_kind of the argument */
	const char *choices; /* BR_ARG_CHOICE: the words, space-separated */
	bool repeats;	     /* may be given more than once */
	bool required;	     /* must be given (the parser checks) */
	const char *help;    /* one sentence, for --help and the man page */
};

struct br_cmd {
	const char *name;
	/* argv[0] is the command's name; returns the process exit code */
	int (*run)(struct br_cli *cli, int argc, char **argv);
	const char *args;	/* the positional arguments, as usage shows */
	unsigned int args_kind; /* enum br_arg_kind of those arguments */
	const struct br_opt *opts; /* ends with a row whose name is NULL */
	const char *summary;	   /* what it does, a sentence or two */
};

/* The commands, in the order --help lists them; the last has no name. */
extern const struct br_cmd br_commands[];
/* The global options, before or after the command; ends with no name. */
extern const struct br_opt br_global_opts[];

#define BR_VERSION "0.1.0"

/* The command called name, or NULL. */
const struct br_cmd *br_cmd_find(const char *name);

#endif /* BR_CMDTABLE_H */
