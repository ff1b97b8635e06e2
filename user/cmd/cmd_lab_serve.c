// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_lab_serve.c - blastradius lab serve --dir DIR --tcp PORTS
 * [--udp PORTS]: the live lab's servers (lab/serve.h), run by the lab in
 * its server namespace until SIGTERM.
 */
#include <errno.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "log.h"
#include "serve.h"

/* --tcp or --udp: its ports added to p; a message and 1 when bad. */
static int br_lab_serve_ports(const char *opt, const char *arg,
			      struct br_serve_ports *p)
{
	int err = br_serve_ports_parse(arg, p);

	if (err == -E2BIG)
		br_err("lab serve: --%s %s: more than %d ports", opt, arg,
		       BR_SERVE_PORTS_MAX);
	else if (err)
		br_err("lab serve: --%s %s: not a comma list of ports (1 to "
		       "65535) and ranges (LOW-HIGH)",
		       opt, arg);
	return err ? 1 : 0;
}

int cmd_lab_serve(struct br_cli *cli, int argc, char **argv)
{
	static struct br_serve_conf conf; /* two port tables: not on stack */
	struct br_args a;
	int c, bad = 0;

	(void)cli;
	br_args_init(&a, argc, argv);
	while (!bad && (c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_DIR:
			conf.dir = a.arg;
			break;
		case BR_OPT_TCP:
			bad = br_lab_serve_ports("tcp", a.arg, &conf.tcp);
			break;
		case BR_OPT_UDP:
			bad = br_lab_serve_ports("udp", a.arg, &conf.udp);
			break;
		default:
			bad = 2;
		}
	}
	if (bad == 1)
		return 1;
	/* "serve" is the one positional argument */
	if (bad || !conf.dir || !conf.tcp.n || a.next != argc - 1 ||
	    strcmp(argv[a.next], "serve")) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	return br_serve_run(&conf);
}
