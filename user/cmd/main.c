// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c - blastradius: global options, then dispatch to one command of
 * the command table (cmdtable.c).
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "log.h"

int main(int argc, char **argv)
{
	struct br_cli cli = { .pin_dir = BR_DEFAULT_PIN_DIR };
	const struct br_cmd *cmd = NULL;

	if (br_cli_global_options(&cli, &argc, argv))
		return 2;
	/* "help [COMMAND]" and "version" as words too */
	if (argc >= 2 && !strcmp(argv[1], "help")) {
		cli.help = true;
		argc--;
		argv++;
	} else if (argc >= 2 && !strcmp(argv[1], "version")) {
		cli.version = true;
	}
	if (cli.help && argc < 2) {
		br_usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("blastradius %s\n", BR_VERSION);
		return 0;
	}
	if (argc < 2) {
		br_usage(stderr);
		return 2;
	}
	cmd = br_cmd_find(argv[1]);
	if (!cmd) {
		br_err("unknown command \"%s\" (blastradius --help lists them)",
		       argv[1]);
		return 2;
	}
	if (cli.help) {
		br_cmd_help(stdout, cmd);
		return 0;
	}
	return cmd->run(&cli, argc - 1, argv + 1);
}
