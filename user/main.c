// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c - blastradius: global options, then dispatch to one command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "dataplane.h"
#include "log.h"

#define BR_VERSION "0.1.0"

static const struct br_command {
	const char *name;
	int (*run)(struct br_cli *cli, int argc, char **argv);
	const char *args;
	const char *summary;
} br_commands[] = {
	{ "check", cmd_check, "POLICY...",
	  "parse and validate policies; errors as file:line:col: message" },
	{ "load", cmd_load,
	  "DEV[:ROLE]... POLICY [--mode native|generic] [--fail-closed] "
	  "[--no-impact]",
	  "attach to interfaces and enforce POLICY (ROLE: "
	  "subscriber|upstream);\n"
	  "          prints its impact when it blocks what other services "
	  "need" },
	{ "swap", cmd_swap,
	  "POLICY [--dry-run] [--max-collateral CLASS=PCT]... [--no-impact]",
	  "replace the policy in force, atomically, on every interface;\n"
	  "          prints its impact when it has collateral (CLASS: push, "
	  "any, bank, ...)" },
	{ "diff", cmd_diff, "POLICY_A POLICY_B",
	  "rules and set elements added and removed from A to B" },
	{ "unload", cmd_unload, "[DEV...]",
	  "detach from DEVs, or everything and remove the pinned state" },
	{ "status", cmd_status, "",
	  "what is attached, the active generation and its policy" },
	{ "stats", cmd_stats,
	  "[--generation N] [--totals] [--top N] [--prometheus] "
	  "[--no-attribution]",
	  "counters per rule, per action, malformed and non-IP; drops "
	  "attributed\n          to the catalog services they hit" },
	{ "simulate", cmd_simulate,
	  "[--policy P]... [--scenario S] [--seed N] [--write-pcap FILE]",
	  "the what-if: a scenario's population through the program" },
	{ "replay", cmd_replay,
	  "PCAP --policy POLICY [--mtu N] [--subscriber PREFIX]... "
	  "[--write OUT]",
	  "run a capture through the program: verdicts per flow, rule, "
	  "name" },
};

#define BR_N_COMMANDS (sizeof(br_commands) / sizeof(br_commands[0]))

static void br_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: blastradius [OPTIONS] COMMAND [ARGS]\n\n"
		     "Censor-style blocking policies in XDP, and what they "
		     "break.\n\n"
		     "commands:\n");
	for (i = 0; i < BR_N_COMMANDS; i++)
		fprintf(out, "  %-7s %s\n          %s\n", br_commands[i].name,
			br_commands[i].args, br_commands[i].summary);
	fprintf(out,
		"\noptions (before or after the command):\n"
		"  --json           machine-readable output\n"
		"  --pin-dir DIR    state directory on a bpffs (default %s)\n"
		"  --netns NAME     interfaces are in network namespace NAME;\n"
		"                   pins stay in the host's bpffs\n"
		"  --wait SECONDS   how long load, swap and unload wait for a\n"
		"                   lock another process holds (default 10)\n"
		"  --catalog DIR    the service catalog (default: "
		"$BLASTRADIUS_CATALOG,\n"
		"                   else the source tree's or the installed "
		"one)\n"
		"  -q, --quiet      print errors only (load and swap: no "
		"impact report)\n"
		"  -v, --verbose    more libbpf output (twice: debug)\n"
		"  -h, --help       this text\n"
		"  --version        print the version\n",
		BR_DEFAULT_PIN_DIR);
}

/* --wait SECONDS: a decimal number of seconds, at most a day. */
static int br_wait_option(const char *arg)
{
	char *end;
	double s;

	s = strtod(arg, &end);
	if (end == arg || *end || !(s >= 0 && s <= 86400)) {
		br_err("--wait %s: a number of seconds from 0 to 86400", arg);
		return -1;
	}
	br_dp_set_lock_wait((unsigned int)(s * 1000 + 0.5));
	return 0;
}

/*
 * Global options may appear anywhere; they are removed from argv so each
 * command sees only its own arguments.
 */
static int br_global_options(struct br_cli *cli, int *argc, char **argv)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			cli->json = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cli->quiet = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			br_verbose++;
		} else if (!strcmp(a, "--wait")) {
			if (i + 1 >= *argc) {
				br_err("%s needs an argument", a);
				return -1;
			}
			if (br_wait_option(argv[++i]))
				return -1;
		} else if (!strcmp(a, "--pin-dir") || !strcmp(a, "--netns") ||
			   !strcmp(a, "--catalog")) {
			if (i + 1 >= *argc) {
				br_err("%s needs an argument", a);
				return -1;
			}
			if (!strcmp(a, "--pin-dir"))
				cli->pin_dir = argv[++i];
			else if (!strcmp(a, "--netns"))
				cli->netns = argv[++i];
			else if (setenv("BLASTRADIUS_CATALOG", argv[++i], 1))
				return -1; /* br_catalog_default_dir() reads it */
		} else if (!strncmp(a, "--pin-dir=", 10)) {
			cli->pin_dir = a + 10;
		} else if (!strncmp(a, "--netns=", 8)) {
			cli->netns = a + 8;
		} else if (!strncmp(a, "--wait=", 7)) {
			if (br_wait_option(a + 7))
				return -1;
		} else if (!strncmp(a, "--catalog=", 10)) {
			if (setenv("BLASTRADIUS_CATALOG", a + 10, 1))
				return -1;
		} else if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct br_cli cli = { .pin_dir = BR_DEFAULT_PIN_DIR };
	size_t i;

	if (br_global_options(&cli, &argc, argv))
		return 2;
	if (argc < 2) {
		br_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		br_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("blastradius %s\n", BR_VERSION);
		return 0;
	}
	for (i = 0; i < BR_N_COMMANDS; i++) {
		if (!strcmp(argv[1], br_commands[i].name))
			return br_commands[i].run(&cli, argc - 1, argv + 1);
	}
	br_err("unknown command \"%s\" (blastradius --help lists them)",
	       argv[1]);
	return 2;
}
