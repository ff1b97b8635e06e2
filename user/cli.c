// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli.c - helpers the commands share; see cli.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "dataplane.h"
#include "diag.h"
#include "log.h"
#include "policy.h"

int br_cli_parse_policy(const char *path, struct br_policy **out)
{
	struct br_diag diag;
	int err;

	br_diag_init(&diag);
	err = br_policy_parse_file(path, out, &diag);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("%s: %s", path, strerror(-err));
	}
	br_diag_free(&diag);
	return err;
}

int br_cli_open_pinned(struct br_cli *cli, struct br_dp **out)
{
	int err = br_dp_open_pinned(cli->pin_dir, out);

	if (err == -ENOENT)
		br_err("not loaded: nothing pinned at %s (blastradius load "
		       "DEV... POLICY)", cli->pin_dir);
	else if (err == -EPERM || err == -EACCES)
		br_err("cannot open %s: permission denied (run as root)",
		       cli->pin_dir);
	else if (err)
		br_err("cannot open %s: %s", cli->pin_dir, strerror(-err));
	return err;
}
