// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_check.c - blastradius check POLICY...
 *
 * Parses and compiles each policy (into scratch memory, never into a live
 * instance), so a policy that passes check also fits the maps. Policies are
 * read against the service catalog: targets must be catalog services, and
 * service rules are expanded. Every error is printed as file:line:col:
 * message; the exit code is 1 if any failed, the catalog's errors included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "cli.h"
#include "cmdline.h"
#include "compile.h"
#include "diag.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "printable.h"

/* Scratch tables: calloc'd, so pages the compiler never touches cost nothing. */
struct br_scratch {
	struct br_policy_hdr hdr;
	struct br_slot_view view;
};

static int br_scratch_alloc(struct br_scratch *s)
{
	struct br_slot_view *v = &s->view;

	memset(s, 0, sizeof(*s));
	v->hdr = &s->hdr;
	v->rules = calloc(BR_MAX_RULES, sizeof(*v->rules));
	v->classes = calloc(BR_MAX_CLASSES, sizeof(*v->classes));
	v->v4_dir = calloc(BR_V4_DIR_SIZE, sizeof(*v->v4_dir));
	v->proto = calloc(BR_PROTO_SLOTS, sizeof(*v->proto));
	v->sport = calloc(BR_PORT_SLOTS, sizeof(*v->sport));
	v->dport = calloc(BR_PORT_SLOTS, sizeof(*v->dport));
	v->etype = calloc(BR_ETYPE_SLOTS, sizeof(*v->etype));
	v->qtype = calloc(BR_QTYPE_SLOTS, sizeof(*v->qtype));
	v->quic = calloc(BR_QUIC_VERSIONS, sizeof(*v->quic));
	v->stun_type = calloc(BR_STUN_TYPES, sizeof(*v->stun_type));
	v->ja4 = calloc(1, sizeof(*v->ja4));
	if (!v->rules || !v->classes || !v->v4_dir || !v->proto ||
	    !v->sport || !v->dport ||
	    !v->etype || !v->qtype || !v->quic || !v->stun_type ||
	    !v->ja4)
		return -ENOMEM;
	return 0;
}

static void br_scratch_free(struct br_scratch *s)
{
	struct br_slot_view *v = &s->view;

	free(v->rules);
	free(v->classes);
	free(v->v4_dir);
	free(v->proto);
	free(v->sport);
	free(v->dport);
	free(v->etype);
	free(v->qtype);
	free(v->quic);
	free(v->stun_type);
	free(v->ja4);
}

static size_t br_count_elements(const struct br_policy *pol)
{
	size_t i, n = 0;

	for (i = 0; i < pol->n_sets; i++)
		n += pol->sets[i].n;
	return n;
}

static size_t br_count_named_sets(const struct br_policy *pol)
{
	size_t i, n = 0;

	for (i = 0; i < pol->n_sets; i++)
		n += !pol->sets[i].anonymous;
	return n;
}

static void br_check_json_errors(struct br_json *j, const struct br_diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		br_json_object(j);
		br_json_kstr(j, "file", d->msgs[i].pos.file);
		br_json_ku64(j, "line", d->msgs[i].pos.line);
		br_json_ku64(j, "col", d->msgs[i].pos.col);
		br_json_kstr(j, "message", d->msgs[i].text);
		br_json_end(j);
	}
}

static int br_check_one(struct br_cli *cli, struct br_json *j, const char *path,
			const struct br_catalog *cat,
			struct br_scratch *scratch)
{
	struct br_compile_stats stats = {};
	struct br_policy *pol = NULL;
	struct br_diag diag;
	size_t i;
	int err;

	br_diag_init(&diag);
	err = br_policy_parse_file_cat(path, cat, &pol, &diag);
	if (!err) {
		err = br_compile(pol, &scratch->view, &stats, &diag);
		br_view_free(&scratch->view);
	}
	if (err && !diag.n)
		br_diag_error(&diag, (struct br_pos){ path, 0, 0 }, "%s",
			      strerror(-err));

	if (cli->json) {
		br_json_object(j);
		br_json_kstr(j, "file", path);
		br_json_kbool(j, "ok", !err);
		if (!err) {
			br_json_kstr(j, "name", pol->name);
			br_json_ku64(j, "rules", pol->n_rules);
			br_json_ku64(j, "named_sets", br_count_named_sets(pol));
			br_json_ku64(j, "elements", br_count_elements(pol));
			br_json_ku64(j, "classes", stats.n_classes);
			br_json_ku64(j, "domains", stats.domains);
			br_json_ku64(j, "ja4_prints", stats.ja4_prints);
			br_json_ku64(j, "quic_sni_rules", stats.quic_sni_rules);
			br_json_kstr(j, "default",
				     br_action_name(pol->default_action));
			br_json_kstr(j, "sni_default",
				     br_action_name(pol->sni_default));
			br_json_kstr(j, "tls_default",
				     br_action_name(pol->tls_default));
			br_json_kstr(j, "unreadable",
				     br_action_name(pol->unreadable));
			br_json_kstr(j, "on_swap",
				     pol->on_swap_flush ? "flush" : "keep");
			br_json_key(j, "targets");
			br_json_array(j);
			for (i = 0; i < pol->n_targets; i++)
				br_json_str(j, pol->targets[i]);
			br_json_end(j);
		}
		br_json_key(j, "errors");
		br_json_array(j);
		br_check_json_errors(j, &diag);
		br_json_end(j);
		br_json_end(j);
	} else if (err) {
		br_diag_print(&diag, stderr);
	} else if (!cli->quiet) {
		br_fput_printable(path, stdout); /* from the command line */
		printf(": ok: policy %s, %zu rule%s, %zu named set%s, "
		       "%zu element%s, %u address class%s",
		       pol->name, pol->n_rules,
		       pol->n_rules == 1 ? "" : "s", br_count_named_sets(pol),
		       br_count_named_sets(pol) == 1 ? "" : "s",
		       br_count_elements(pol),
		       br_count_elements(pol) == 1 ? "" : "s", stats.n_classes,
		       stats.n_classes == 1 ? "" : "es");
		/* v2 facts only when present: a v1 summary reads as before */
		if (stats.domains)
			printf(", %u domain key%s", stats.domains,
			       stats.domains == 1 ? "" : "s");
		if (stats.ja4_prints)
			printf(", %u JA4 print%s", stats.ja4_prints,
			       stats.ja4_prints == 1 ? "" : "s");
		if (stats.quic_sni_rules)
			printf(", %u rule%s opening QUIC Initials",
			       stats.quic_sni_rules,
			       stats.quic_sni_rules == 1 ? "" : "s");
		printf(", default %s", br_action_name(pol->default_action));
		if (pol->sni_default != BR_ACT_NONE)
			printf(", sni-default %s",
			       br_action_name(pol->sni_default));
		if (pol->tls_default != BR_ACT_NONE)
			printf(", tls-default %s",
			       br_action_name(pol->tls_default));
		if (pol->unreadable != BR_ACT_NONE)
			printf(", unreadable %s",
			       br_action_name(pol->unreadable));
		if (pol->on_swap_flush)
			printf(", on-swap flush");
		if (pol->n_targets) {
			printf(", targets ");
			for (i = 0; i < pol->n_targets; i++)
				printf("%s%s", i ? "," : "", pol->targets[i]);
		}
		printf("\n");
	}
	br_policy_free(pol);
	br_diag_free(&diag);
	return err;
}

/* The catalog's errors: on stderr, or in JSON as a failed "catalog". */
static void br_check_catalog_failed(struct br_cli *cli, struct br_diag *diag,
				    int err)
{
	struct br_json j;

	if (!diag->n)
		br_diag_error(diag,
			      (struct br_pos){ br_catalog_default_dir(), 0, 0 },
			      "%s", strerror(-err));
	if (!cli->json) {
		br_diag_print(diag, stderr);
		return;
	}
	br_json_init(&j, stdout);
	br_json_object(&j);
	br_json_key(&j, "catalog");
	br_json_object(&j);
	br_json_kstr(&j, "dir", br_catalog_default_dir());
	br_json_kbool(&j, "ok", 0);
	br_json_key(&j, "errors");
	br_json_array(&j);
	br_check_json_errors(&j, diag);
	br_json_end(&j);
	br_json_end(&j);
	br_json_key(&j, "policies");
	br_json_array(&j);
	br_json_end(&j);
	br_json_kbool(&j, "ok", 0);
	br_json_end(&j);
}

int cmd_check(struct br_cli *cli, int argc, char **argv)
{
	const struct br_catalog *cat;
	struct br_scratch scratch;
	struct br_diag cat_diag;
	struct br_json j;
	int i, first, err, failed = 0;

	first = br_args_none(argc, argv);
	if (first < 0 || first == argc) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	br_diag_init(&cat_diag);
	err = br_cli_catalog_diag(&cat, &cat_diag);
	if (err) {
		br_check_catalog_failed(cli, &cat_diag, err);
		br_diag_free(&cat_diag);
		return 1;
	}
	br_diag_free(&cat_diag);
	if (br_scratch_alloc(&scratch)) {
		br_err("out of memory");
		br_scratch_free(&scratch);
		return 1;
	}
	br_json_init(&j, stdout);
	if (cli->json) {
		br_json_object(&j);
		br_json_key(&j, "policies");
		br_json_array(&j);
	}
	for (i = first; i < argc; i++)
		failed |= br_check_one(cli, &j, argv[i], cat, &scratch) != 0;
	if (cli->json) {
		br_json_end(&j);
		br_json_kbool(&j, "ok", !failed);
		br_json_end(&j);
	}
	br_scratch_free(&scratch);
	return failed ? 1 : 0;
}
