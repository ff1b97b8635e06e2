// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_lab.c - blastradius lab plan [POLICY...]
 *
 * The live lab (issue 14) starts with its address map (lab/addrmap.h):
 * where the lab puts every real prefix the service catalog and the given
 * policies name, so that the policies load there unmodified. "plan" prints
 * that map, text or --json.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "addrmap.h"
#include "catalog.h"
#include "cli.h"
#include "cmdline.h"
#include "json.h"
#include "log.h"
#include "policy.h"

static void br_lab_print(const struct br_cli *cli, const struct br_addrmap *m)
{
	const struct br_prefix w4 = BR_ADDRMAP_WORLD4, w6 = BR_ADDRMAP_WORLD6;
	char real_s[64], lab_s[64], w4_s[64], w6_s[64];
	struct br_prefix real, lab;
	struct br_json j;
	size_t i, n = br_addrmap_count(m);

	br_prefix_format(&w4, w4_s, sizeof(w4_s));
	br_prefix_format(&w6, w6_s, sizeof(w6_s));
	if (!cli->json) {
		printf("the lab's address map: %zu real prefixes into %s and "
		       "%s (each block: its sub-prefixes' blocks and up to "
		       "%d lab hosts of its own)\n",
		       n, w4_s, w6_s, BR_ADDRMAP_HOSTS);
		for (i = 0; i < n; i++) {
			br_addrmap_entry(m, i, &real, &lab);
			br_prefix_format(&real, real_s, sizeof(real_s));
			br_prefix_format(&lab, lab_s, sizeof(lab_s));
			printf("  %-43s -> %s\n", real_s, lab_s);
		}
		return;
	}
	br_json_init(&j, stdout);
	br_json_object(&j);
	br_json_key(&j, "world");
	br_json_array(&j);
	br_json_str(&j, w4_s);
	br_json_str(&j, w6_s);
	br_json_end(&j);
	br_json_ku64(&j, "hosts_per_block", BR_ADDRMAP_HOSTS);
	br_json_key(&j, "map");
	br_json_array(&j);
	for (i = 0; i < n; i++) {
		br_addrmap_entry(m, i, &real, &lab);
		br_prefix_format(&real, real_s, sizeof(real_s));
		br_prefix_format(&lab, lab_s, sizeof(lab_s));
		br_json_object(&j);
		br_json_kstr(&j, "real", real_s);
		br_json_kstr(&j, "lab", lab_s);
		br_json_end(&j);
	}
	br_json_end(&j);
	br_json_end(&j);
}

/* The map of the catalog's and the policies' prefixes; exit code. */
static int br_lab_plan(const struct br_cli *cli, int argc, char **argv)
{
	const struct br_catalog *cat;
	struct br_policy *pol;
	struct br_addrmap *m;
	int i, err;

	if (br_cli_catalog(&cat))
		return 1;
	if (br_addrmap_new(&m)) {
		br_err("out of memory");
		return 1;
	}
	err = br_addrmap_add_sets(m, cat->sets, cat->n_sets);
	for (i = 0; !err && i < argc; i++) {
		err = br_cli_parse_policy(argv[i], &pol);
		if (err)
			goto out; /* printed */
		err = br_addrmap_add_sets(m, pol->sets, pol->n_sets);
		br_policy_free(pol);
	}
	if (!err)
		err = br_addrmap_build(m);
	if (err == -ENOSPC)
		br_err("lab plan: the prefixes need more blocks than the "
		       "lab's world holds");
	else if (err)
		br_err("lab plan: %s", strerror(-err));
	else
		br_lab_print(cli, m);
out:
	br_addrmap_free(m);
	return err ? 1 : 0;
}

int cmd_lab(struct br_cli *cli, int argc, char **argv)
{
	int first;

	if (argc > 1 && !strcmp(argv[1], "serve"))
		return cmd_lab_serve(cli, argc, argv);
	if (argc > 1 && !strncmp(argv[1], "quic-", 5))
		return cmd_lab_quic(cli, argc - 1, argv + 1);
	first = br_args_none(argc, argv);
	if (first >= 0 && first < argc && !strcmp(argv[first], "plan"))
		return br_lab_plan(cli, argc - first - 1, argv + first + 1);
	return cmd_lab_verbs(cli, argc, argv);
}
