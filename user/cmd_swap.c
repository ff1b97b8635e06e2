// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_swap.c - blastradius swap POLICY: replace the policy in force on every
 * attached interface in one atomic step (br_dp_install explains the order).
 * Any failure before the commit leaves the old policy in force and the
 * command exits 1 saying why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "dataplane.h"
#include "json.h"
#include "log.h"
#include "policy.h"

static double br_ms(__u64 ns)
{
	return ns / 1e6;
}

int cmd_swap(struct br_cli *cli, int argc, char **argv)
{
	const struct br_install_report *rep;
	struct br_policy *pol = NULL;
	struct br_dp *dp = NULL;
	struct br_dp_status before;
	struct br_diag diag;
	struct br_json j;
	int err, ret = 1;

	if (argc != 2) {
		br_err("usage: blastradius swap POLICY");
		return 2;
	}
	br_diag_init(&diag);
	/* Parse first: a broken policy never gets near the live instance. */
	if (br_cli_parse_policy(argv[1], &pol))
		goto out;
	if (br_cli_open_pinned(cli, &dp))
		goto out;
	err = br_dp_status(dp, &before);
	if (err)
		goto out;
	err = br_dp_install(dp, pol, NULL, &diag);
	rep = br_dp_last_install(dp);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("cannot swap in %s: %s", pol->file,
			       strerror(-err));
		br_err("nothing changed: generation %llu (%s) stays in force",
		       (unsigned long long)before.generation,
		       before.record.name);
		goto out;
	}
	ret = 0;
	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_ku64(&j, "generation", rep->generation);
		br_json_kstr(&j, "policy", pol->name);
		br_json_kstr(&j, "file", pol->file);
		br_json_ku64(&j, "previous_generation", rep->previous);
		br_json_kstr(&j, "previous_policy", before.record.name);
		br_json_key(&j, "ns");
		br_json_object(&j);
		br_json_ku64(&j, "lock", rep->lock_ns);
		br_json_ku64(&j, "grace", rep->grace_ns);
		br_json_ku64(&j, "compile", rep->compile_ns);
		br_json_ku64(&j, "commit", rep->commit_ns);
		br_json_end(&j);
		br_json_end(&j);
	} else if (!cli->quiet) {
		printf("swapped: generation %llu, policy %s (was generation "
		       "%llu, %s); grace %.1f ms, compile %.1f ms, commit "
		       "%.1f ms\n",
		       (unsigned long long)rep->generation, pol->name,
		       (unsigned long long)rep->previous, before.record.name,
		       br_ms(rep->grace_ns), br_ms(rep->compile_ns),
		       br_ms(rep->commit_ns));
	}
out:
	br_dp_close(dp);
	br_policy_free(pol);
	br_diag_free(&diag);
	return ret;
}
