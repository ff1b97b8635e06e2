// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_load.c - blastradius load DEV[:ROLE]... POLICY, and unload [DEV...].
 *
 * load is all or nothing: the policy is parsed before anything is made;
 * then, holding the instance lock throughout, the instance is pinned, the
 * policy compiled into its slot, every interface attached, and the policy
 * committed last, so it comes into force on every interface at once.
 * Until that commit the program passes every packet; a failure removes
 * what was made, and a load killed before the commit leaves an instance
 * that status calls incomplete and the next load or unload clears. Once
 * the policy is in force, its impact on the default scenario (whatif.h) is
 * printed when it has collateral; --quiet and --no-impact skip it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "dataplane.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "whatif.h"

struct br_dev_arg {
	char name[64];
	enum br_role role;
};

static int br_parse_dev(const char *arg, struct br_dev_arg *dev)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	if (!len || len >= sizeof(dev->name)) {
		br_err("bad interface name \"%s\"", arg);
		return -EINVAL;
	}
	memcpy(dev->name, arg, len);
	dev->name[len] = '\0';
	dev->role = BR_ROLE_SUBSCRIBER;
	if (!colon || !strcmp(colon + 1, "subscriber"))
		return 0;
	if (!strcmp(colon + 1, "upstream")) {
		dev->role = BR_ROLE_UPSTREAM;
		return 0;
	}
	br_err("unknown role \"%s\" for %s: subscriber or upstream", colon + 1,
	       dev->name);
	return -EINVAL;
}

/* wi: the policy's what-if for JSON, NULL when skipped (--no-impact). */
static void br_print_loaded(struct br_cli *cli, struct br_dp *dp,
			    const struct br_policy *pol,
			    const struct br_whatif *wi)
{
	struct br_dp_status st;
	struct br_json j;
	char text[160];
	size_t i;

	if (br_dp_status(dp, &st) || cli->quiet)
		return;
	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_kstr(&j, "pin_dir", cli->pin_dir);
		br_json_ku64(&j, "generation", st.generation);
		br_json_kstr(&j, "policy", pol->name);
		br_json_kstr(&j, "file", pol->file);
		br_cli_json_interfaces(&j, &st);
		if (wi) {
			br_json_key(&j, "impact");
			br_whatif_json(&j, wi);
		}
		br_json_end(&j);
		return;
	}
	printf("loaded policy %s (generation %llu) on", pol->name,
	       (unsigned long long)st.generation);
	for (i = 0; i < st.n_ifaces; i++) {
		br_cli_iface_text(&st.ifaces[i], text, sizeof(text));
		printf("%s %s", i ? "," : "", text);
	}
	printf("; state in %s\n", cli->pin_dir);
	fflush(stdout);
}

/*
 * The policy's what-if once it is in force: a report, never a failure (a
 * simulation that cannot run says so and the load stands).
 */
static struct br_whatif *br_load_whatif(const struct br_policy *pol,
					struct br_whatif *wi)
{
	const struct br_catalog *cat;
	int err;

	if (br_cli_catalog(&cat))
		return NULL;
	err = br_whatif_maybe(cat, pol, wi);
	if (err) {
		br_err("cannot simulate the impact of %s: %s", pol->file,
		       strerror(-err));
		return NULL;
	}
	return wi;
}

static void br_already_loaded(struct br_cli *cli, struct br_dp *dp)
{
	struct br_dp_status st;

	if (br_dp_status(dp, &st)) {
		br_err("already loaded at %s; use swap, or unload first",
		       cli->pin_dir);
		return;
	}
	br_err("already loaded at %s: policy %s (%s), generation %llu. "
	       "Use \"blastradius swap POLICY\" to replace the policy, or "
	       "\"blastradius unload\" first",
	       cli->pin_dir, st.record.name, st.record.file,
	       (unsigned long long)st.generation);
}

int cmd_load(struct br_cli *cli, int argc, char **argv)
{
	struct br_dp_opts opts = {};
	enum br_xdp_mode mode = BR_MODE_NATIVE;
	struct br_dev_arg *devs = NULL;
	struct br_whatif wi, *impact = NULL;
	struct br_policy *pol = NULL;
	bool no_impact = false;
	struct br_dp *dp = NULL;
	struct br_args a;
	struct br_diag diag;
	int c, i, n_devs, err, ret = 1;

	br_diag_init(&diag);
	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_MODE:
			if (!strcmp(a.arg, "native")) {
				mode = BR_MODE_NATIVE;
			} else if (!strcmp(a.arg, "generic")) {
				mode = BR_MODE_GENERIC;
			} else {
				br_err("--mode: native or generic");
				return 2;
			}
			break;
		case BR_OPT_FAIL_CLOSED:
			opts.fail_closed = true;
			break;
		case BR_OPT_NO_IMPACT:
			no_impact = true;
			break;
		case BR_OPT_FLOW_TABLE:
			if (br_cli_table_size("--flow-table", a.arg,
					      &opts.flow_entries))
				return 2;
			break;
		case BR_OPT_HELLO_TABLE:
			if (br_cli_table_size("--hello-table", a.arg,
					      &opts.hello_entries))
				return 2;
			break;
		default:
			return 2;
		}
	}
	n_devs = argc - a.next - 1;
	if (n_devs < 1) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	devs = calloc(n_devs, sizeof(*devs));
	if (!devs)
		return 1;
	for (i = 0; i < n_devs; i++)
		if (br_parse_dev(argv[a.next + i], &devs[i]))
			goto out;

	/*
	 * Privileges first: without them nothing below can work, and the
	 * catalog the policy is parsed against may not be readable either.
	 */
	if (br_cli_require_privileges())
		goto out;
	if (br_cli_parse_policy(argv[argc - 1], &pol))
		goto out;

	err = br_dp_create_pinned(cli->pin_dir, &opts, &dp);
	if (err == -EEXIST) {
		if (br_dp_open_pinned(cli->pin_dir, &dp) == 0)
			br_already_loaded(cli, dp);
		else
			br_err("already loaded at %s (damaged: run "
			       "\"blastradius unload\")",
			       cli->pin_dir);
		goto out;
	}
	if (err)
		goto out;
	err = br_dp_stage(dp, pol, NULL, &diag);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("cannot install %s: %s", pol->file,
			       strerror(-err));
		goto undo;
	}
	for (i = 0; i < n_devs; i++) {
		err = br_dp_attach(dp, cli->netns, devs[i].name, devs[i].role,
				   mode);
		if (err)
			goto undo;
	}
	/* The commit: the policy in force on every interface at once. */
	err = br_dp_commit(dp);
	if (err)
		goto undo;
	ret = 0;
	if (!cli->json)
		br_print_loaded(cli, dp, pol, NULL);
	if (!no_impact && !cli->quiet)
		impact = br_load_whatif(pol, &wi);
	if (cli->json)
		br_print_loaded(cli, dp, pol, impact);
	else if (impact && impact->collateral)
		br_whatif_print(stdout, impact);
	if (impact)
		br_whatif_free(impact);
	goto out;
undo:
	br_dp_destroy_pins(dp);
out:
	br_dp_close(dp);
	br_policy_free(pol);
	br_diag_free(&diag);
	free(devs);
	return ret;
}

int cmd_unload(struct br_cli *cli, int argc, char **argv)
{
	int i, first, err = 0;
	struct br_dp *dp;

	first = br_args_none(argc, argv);
	if (first < 0) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	/* An instance whose load died before its commit is unloaded too. */
	err = br_cli_open_any(cli, &dp);
	if (err == -EBADF && argc == first) {
		/* Damaged beyond opening: its own pins, if the marker is. */
		err = br_dp_remove_pins(cli->pin_dir);
		if (!err && !cli->quiet)
			printf("unloaded (removed an incomplete instance)\n");
		return err ? 1 : 0;
	}
	if (err)
		return 1;
	if (argc > first) {
		for (i = first; i < argc && !err; i++)
			err = br_dp_detach(dp, cli->netns, argv[i]);
	} else {
		err = br_dp_destroy_pins(dp);
	}
	br_dp_close(dp);
	if (err)
		return 1;
	if (cli->json) {
		printf("{\"unloaded\":true}\n");
	} else if (!cli->quiet) {
		printf("unloaded");
		for (i = first; i < argc; i++)
			printf("%s %s", i == first ? " from" : ",", argv[i]);
		printf("\n");
	}
	return 0;
}
