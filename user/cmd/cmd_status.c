// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_status.c - blastradius status, and stats [--generation N] [--totals]
 * [--top N] [--prometheus] [--no-attribution].
 *
 * Both read the pinned instance only: any process, long after the loader
 * exited, sees the same counters. stats attributes the active generation's
 * drops to the catalog services whose signatures its rules match (attrib.h),
 * from the policy file re-read; --prometheus prints the counters in the
 * Prometheus text format instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "attrib.h"
#include "catalog.h"
#include "cli.h"
#include "cmdline.h"
#include "dataplane.h"
#include "impact.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "printable.h"

static void br_format_time(__u64 unix_ns, char *buf, size_t len)
{
	time_t t = unix_ns / 1000000000ULL;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmd_status(struct br_cli *cli, int argc, char **argv)
{
	char since[32] = "", text[160], pa[BR_PRINTABLE_LEN(BR_FILE_LEN)];
	struct br_dp_status st;
	struct br_dp *dp;
	struct br_json j;
	size_t i;
	int err;

	if (br_args_none(argc, argv) != argc) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	if (br_cli_open_pinned(cli, &dp))
		return 1;
	err = br_dp_status(dp, &st);
	br_dp_close(dp);
	if (err) {
		br_err("cannot read status: %s", strerror(-err));
		return 1;
	}
	if (st.generation)
		br_format_time(st.record.since_unix_ns, since, sizeof(since));
	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_kstr(&j, "pin_dir", cli->pin_dir);
		br_json_ku64(&j, "generation", st.generation);
		br_json_ku64(&j, "slot", st.slot);
		br_json_kstr(&j, "policy", st.record.name);
		br_json_kstr(&j, "file", st.record.file);
		br_json_kstr(&j, "since", since);
		br_json_ku64(&j, "rules", st.record.n_rules);
		br_json_kstr(&j, "malformed", st.fail_closed ? "drop" : "pass");
		br_json_ku64(&j, "flow_table", st.flow_entries);
		br_json_ku64(&j, "hello_table", st.hello_entries);
		br_cli_json_interfaces(&j, &st);
		br_json_end(&j);
		return 0;
	}
	printf("state       %s\n", cli->pin_dir);
	printf("policy      %s", br_printable(st.record.name, pa, sizeof(pa)));
	printf(" (%s)\n", br_printable(st.record.file, pa, sizeof(pa)));
	printf("generation  %llu since %s (slot %u)\n",
	       (unsigned long long)st.generation, since, st.slot);
	printf("rules       %u, default %s\n", st.record.n_rules,
	       br_action_name(st.record.default_action));
	printf("malformed   %s\n",
	       st.fail_closed ? "dropped (fail-closed)" : "passed (fail-open)");
	printf("tables      %u flows, %u hellos being read\n", st.flow_entries,
	       st.hello_entries);
	for (i = 0; i < st.n_ifaces; i++) {
		br_cli_iface_text(&st.ifaces[i], text, sizeof(text));
		printf("%s%s\n", i ? "            " : "interfaces  ",
		       br_printable(text, pa, sizeof(pa)));
	}
	if (!st.n_ifaces)
		printf("interfaces  none\n");
	return 0;
}

/* ---- stats ----------------------------------------------------------- */

/* The counters after the rules and actions (abi.h names them once). */
static const struct {
	const char *key;   /* JSON key */
	const char *label; /* table label */
	int ctr;
	bool optional; /* the table leaves the line out while it is 0 */
} br_special[] = {
#define BR_SPECIAL_ROW(name, key, label, optional) \
	{ key, label, BR_CTR_##name, optional },
	BR_SPECIAL_COUNTERS(BR_SPECIAL_ROW)
#undef BR_SPECIAL_ROW
};

#define BR_N_SPECIAL (sizeof(br_special) / sizeof(br_special[0]))

static void br_names_json(struct br_json *j, const struct br_dp_name *names,
			  size_t n);
struct br_attrib_view;
static void br_attrib_json(struct br_json *j, const struct br_attrib_view *v,
			   const struct br_counter *ctr);

/* view: the attribution of the generation in force, or NULL */
static void br_stats_json(const struct br_counter *ctr,
			  const struct br_gen_record *rec, __u64 generation,
			  const struct br_dp_name *names, size_t n_names,
			  const struct br_attrib_view *view)
{
	struct br_json j;
	__u32 i;

	br_json_init(&j, stdout);
	br_json_object(&j);
	if (rec) {
		br_json_ku64(&j, "generation", generation);
		br_json_kstr(&j, "policy", rec->name);
		br_json_kstr(&j, "file", rec->file);
		br_json_key(&j, "rules");
		br_json_array(&j);
		for (i = 0; i < rec->n_rules && i < BR_MAX_RULES; i++) {
			br_json_object(&j);
			br_json_ku64(&j, "index", i);
			br_json_ku64(&j, "line", rec->rule_line[i]);
			br_json_kstr(&j, "text", rec->rule_text[i]);
			br_json_kstr(&j, "action",
				     br_action_name(rec->rule_action[i]));
			br_json_ku64(&j, "packets",
				     ctr[BR_CTR_RULE0 + i].packets);
			br_json_ku64(&j, "bytes", ctr[BR_CTR_RULE0 + i].bytes);
			br_json_end(&j);
		}
		br_json_end(&j);
		br_json_key(&j, "default");
		br_json_object(&j);
		br_json_kstr(&j, "action", br_action_name(rec->default_action));
		br_json_ku64(&j, "packets", ctr[BR_CTR_DEFAULT].packets);
		br_json_ku64(&j, "bytes", ctr[BR_CTR_DEFAULT].bytes);
		br_json_end(&j);
	} else {
		br_json_kstr(&j, "generation", "all");
		br_json_counter(&j, "no_rule", &ctr[BR_CTR_DEFAULT]);
	}
	br_json_key(&j, "actions");
	br_json_object(&j);
	for (i = BR_ACT_PASS; i < BR_ACT_MAX; i++)
		br_json_counter(&j, br_action_name(i),
				&ctr[BR_CTR_ACTION0 + i]);
	br_json_end(&j);
	for (i = 0; i < BR_N_SPECIAL; i++)
		br_json_counter(&j, br_special[i].key, &ctr[br_special[i].ctr]);
	if (rec)
		br_names_json(&j, names, n_names);
	if (view)
		br_attrib_json(&j, view, ctr);
	br_json_end(&j);
}

static void br_stats_table(const struct br_counter *ctr,
			   const struct br_gen_record *rec, __u64 generation)
{
	char pa[BR_PRINTABLE_LEN(BR_FILE_LEN)];
	__u32 i;

	if (rec) {
		printf("generation %llu: policy %s",
		       (unsigned long long)generation,
		       br_printable(rec->name, pa, sizeof(pa)));
		printf(" (%s)\n\n", br_printable(rec->file, pa, sizeof(pa)));
		printf("%5s  %-6s %12s %14s  %s\n", "rule", "action", "packets",
		       "bytes", "match");
		for (i = 0; i < rec->n_rules && i < BR_MAX_RULES; i++)
			printf("%5u  %-6s %12llu %14llu  %s (line %u)\n", i,
			       br_action_name(rec->rule_action[i]),
			       (unsigned long long)ctr[i].packets,
			       (unsigned long long)ctr[i].bytes,
			       br_printable(rec->rule_text[i], pa, sizeof(pa)),
			       rec->rule_line[i]);
		printf("%5s  %-6s %12llu %14llu  no rule matched\n", "-",
		       br_action_name(rec->default_action),
		       (unsigned long long)ctr[BR_CTR_DEFAULT].packets,
		       (unsigned long long)ctr[BR_CTR_DEFAULT].bytes);
	} else {
		printf("all generations\n");
	}
	printf("\nverdicts:");
	for (i = BR_ACT_PASS; i < BR_ACT_MAX; i++)
		printf("  %s %llu pkts %llu B", br_action_name(i),
		       (unsigned long long)ctr[BR_CTR_ACTION0 + i].packets,
		       (unsigned long long)ctr[BR_CTR_ACTION0 + i].bytes);
	printf("\n");
	for (i = 0; i < BR_N_SPECIAL; i++) {
		if (br_special[i].optional && !ctr[br_special[i].ctr].packets)
			continue;
		printf("%-36s %12llu pkts %14llu B\n", br_special[i].label,
		       (unsigned long long)ctr[br_special[i].ctr].packets,
		       (unsigned long long)ctr[br_special[i].ctr].bytes);
	}
}

static const char *br_name_kind(__u32 kind)
{
	return kind == BR_NAME_SNI ? "sni" : kind == BR_NAME_DNS ? "dns" : "?";
}

/* The names come off the wire: a client chooses their bytes. */
static void br_names_table(const struct br_dp_name *names, size_t n)
{
	char pa[BR_PRINTABLE_LEN(BR_NAME_MAX)];
	size_t i;

	if (!n)
		return;
	printf("\ntop matched names:\n%5s  %-4s %10s  %s\n", "rule", "kind",
	       "hits", "name");
	for (i = 0; i < n; i++)
		printf("%5u  %-4s %10llu  %s\n", names[i].rule,
		       br_name_kind(names[i].kind),
		       (unsigned long long)names[i].hits,
		       br_printable(names[i].name, pa, sizeof(pa)));
}

static void br_names_json(struct br_json *j, const struct br_dp_name *names,
			  size_t n)
{
	size_t i;

	br_json_key(j, "top_names");
	br_json_array(j);
	for (i = 0; i < n; i++) {
		br_json_object(j);
		br_json_kstr(j, "name", names[i].name);
		br_json_kstr(j, "kind", br_name_kind(names[i].kind));
		br_json_ku64(j, "rule", names[i].rule);
		br_json_ku64(j, "hits", names[i].hits);
		br_json_end(j);
	}
	br_json_end(j);
}

/* ---- attribution ------------------------------------------------------- */

/* What became of the active generation's policy file. */
enum br_src {
	BR_SRC_UNCHANGED, /* re-read: its rules are the generation's */
	BR_SRC_MODIFIED,  /* written since the install, same rules */
	BR_SRC_CHANGED,	  /* its rules differ, or it no longer parses */
	BR_SRC_MISSING,	  /* gone (or never recorded) */
	BR_SRC_NO_CATALOG,
};

static const char *const br_src_key[] = {
	"unchanged", "modified", "changed", "missing", "no-catalog",
};

struct br_attrib_view {
	enum br_src src;
	char note[512];
	const struct br_catalog *cat;
	struct br_policy *pol;
	bool have; /* at holds an attribution */
	struct br_attrib at;
};

static bool br_same_rules(const struct br_policy *pol,
			  const struct br_gen_record *rec)
{
	size_t i;

	if (pol->n_rules != rec->n_rules ||
	    pol->default_action != rec->default_action ||
	    strncmp(pol->name ? pol->name : "", rec->name, BR_NAME_LEN - 1))
		return false;
	for (i = 0; i < pol->n_rules && i < BR_MAX_RULES; i++)
		if (pol->rules[i].action != rec->rule_action[i] ||
		    strncmp(pol->rules[i].text ? pol->rules[i].text : "",
			    rec->rule_text[i], BR_RULE_TEXT_LEN - 1))
			return false;
	return true;
}

/* Re-read the generation's policy file and attribute its rules. */
static void br_attrib_view_load(const struct br_gen_record *rec,
				__u64 generation, struct br_attrib_view *v)
{
	__u64 mtime_ns;
	struct br_diag diag;
	struct stat sb;
	int err;

	memset(v, 0, sizeof(*v));
	br_diag_init(&diag);
	v->src = BR_SRC_MISSING;
	if (!rec->file[0]) {
		snprintf(v->note, sizeof(v->note),
			 "generation %llu records no policy file",
			 (unsigned long long)generation);
		goto out;
	}
	if (stat(rec->file, &sb)) {
		snprintf(v->note, sizeof(v->note),
			 "%s is gone%s: no attribution", rec->file,
			 rec->file[0] == '/' ? ""
					     : ", or a path relative to where "
					       "it was loaded from (run stats "
					       "there)");
		goto out;
	}
	if (br_cli_catalog_diag(&v->cat, &diag)) {
		v->src = BR_SRC_NO_CATALOG;
		snprintf(v->note, sizeof(v->note),
			 "the service catalog %s does not load: no "
			 "attribution",
			 br_catalog_default_dir());
		goto out;
	}
	v->src = BR_SRC_CHANGED;
	err = br_policy_parse_file_cat(rec->file, v->cat, &v->pol, &diag);
	if (err) {
		snprintf(v->note, sizeof(v->note),
			 "%s has changed since generation %llu was installed "
			 "and no longer parses: no attribution",
			 rec->file, (unsigned long long)generation);
		goto out;
	}
	if (!br_same_rules(v->pol, rec)) {
		snprintf(v->note, sizeof(v->note),
			 "%s has changed since generation %llu was installed: "
			 "its rules differ, no attribution",
			 rec->file, (unsigned long long)generation);
		goto out;
	}
	v->src = BR_SRC_UNCHANGED;
	mtime_ns = (__u64)sb.st_mtim.tv_sec * 1000000000ULL +
		   sb.st_mtim.tv_nsec;
	if (mtime_ns > rec->since_unix_ns) {
		v->src = BR_SRC_MODIFIED;
		snprintf(v->note, sizeof(v->note),
			 "%s was written after generation %llu was installed; "
			 "its rules are the same, its sets are read as they "
			 "are now",
			 rec->file, (unsigned long long)generation);
	}
	err = br_attrib_compute(v->cat, v->pol, &br_attrib_live, &v->at);
	if (err)
		snprintf(v->note, sizeof(v->note), "no attribution: %s",
			 strerror(-err));
	v->have = !err;
out:
	br_diag_free(&diag);
}

static void br_attrib_view_free(struct br_attrib_view *v)
{
	if (v->have)
		br_attrib_free(&v->at);
	br_policy_free(v->pol);
	memset(v, 0, sizeof(*v));
}

/* "push-received/ios" */
static void br_action_text(const struct br_cat_action *a, char *buf,
			   size_t len)
{
	snprintf(buf, len, "%s%s%s", a->name,
		 a->platform == BR_PLAT_ANY ? "" : "/",
		 a->platform == BR_PLAT_ANY ? "" : br_platform_name(a->platform));
}

static void br_attrib_text(const struct br_attrib_view *v,
			   const struct br_counter *ctr)
{
	char buf[256], how[64], pa[BR_PRINTABLE_LEN(sizeof(v->note))];
	const struct br_catalog *cat = v->cat;
	bool any_shared = false;
	size_t r, g, k;

	printf("\ndrops attributed to services (the catalog's signatures "
	       "each rule matches):\n");
	if (v->note[0])
		printf("  %s\n", br_printable(v->note, pa, sizeof(pa)));
	if (!v->have)
		return;
	if (!v->at.n_rules)
		printf("  no rule blocks anything\n");
	for (r = 0; r < v->at.n_rules; r++) {
		const struct br_attrib_rule *ar = &v->at.rules[r];
		const struct br_rule_ir *rule = &v->pol->rules[ar->rule];

		printf("  rule %zu (%s, %llu packets): ", ar->rule,
		       br_action_name(rule->action),
		       (unsigned long long)ctr[BR_CTR_RULE0 + ar->rule].packets);
		br_fput_printable(rule->text ? rule->text : "", stdout);
		printf("\n");
		if (!ar->n_sigs) {
			printf("    matches no catalog service's signature\n");
			continue;
		}
		for (g = 0; g < ar->n_sigs; g++) {
			const struct br_attrib_sig *sg = &ar->sigs[g];
			const struct br_cat_service *svc =
				&cat->services[sg->service];

			br_attrib_flow_text(&svc->flows[sg->flow], buf,
					    sizeof(buf));
			snprintf(how, sizeof(how), "%s.%s", svc->id,
				 svc->flows[sg->flow].name);
			printf("    %-9s %-24s %s%s", g ? "" : "flows", how, buf,
			       sg->parts == BR_ATTRIB_DNS ? " (its DNS lookup)"
			       : sg->parts & BR_ATTRIB_DNS
				       ? " (and its DNS lookup)"
				       : "");
			if (sg->n_users > 1)
				printf("; shared by %zu services", sg->n_users);
			printf("\n");
			any_shared |= sg->n_users > 1;
		}
		for (g = 0; g < ar->n_svcs; g++) {
			const struct br_attrib_svc *x = &ar->svcs[g];
			const struct br_cat_service *svc =
				&cat->services[x->service];

			if (x->direct)
				snprintf(how, sizeof(how), "own flow");
			else if (x->n_via == 1)
				snprintf(how, sizeof(how), "via %s.%s",
					 cat->services[ar->sigs[x->via[0]].service].id,
					 cat->services[ar->sigs[x->via[0]].service]
						 .flows[ar->sigs[x->via[0]].flow]
						 .name);
			else
				snprintf(how, sizeof(how), "via %zu flows",
					 x->n_via);
			printf("    %-9s %-12s %-17s %-22s %-6s ",
			       g ? "" : "services", svc->id,
			       br_impact_class_name(cat, x->service), how,
			       x->shared ? "shared" : "");
			for (k = 0; k < x->n_actions; k++) {
				br_action_text(&svc->actions[x->actions[k]],
					       buf, sizeof(buf));
				printf("%s%s", k ? ", " : "", buf);
			}
			if (!x->n_actions)
				printf("(no action of its own needs it)");
			printf("\n");
		}
	}
	if (any_shared)
		printf("  (a drop on a shared signature counts against every "
		       "service that needs it)\n");
}

static void br_attrib_json(struct br_json *j, const struct br_attrib_view *v,
			   const struct br_counter *ctr)
{
	const struct br_catalog *cat = v->cat;
	size_t r, g, k;

	br_json_key(j, "attribution_source");
	br_json_object(j);
	br_json_kstr(j, "status", br_src_key[v->src]);
	br_json_kstr(j, "note", v->note);
	br_json_end(j);
	br_json_key(j, "attribution");
	br_json_array(j);
	for (r = 0; v->have && r < v->at.n_rules; r++) {
		const struct br_attrib_rule *ar = &v->at.rules[r];
		const struct br_rule_ir *rule = &v->pol->rules[ar->rule];

		br_json_object(j);
		br_json_ku64(j, "rule", ar->rule);
		br_json_kstr(j, "text", rule->text ? rule->text : "");
		br_json_kstr(j, "action", br_action_name(rule->action));
		br_json_ku64(j, "packets", ctr[BR_CTR_RULE0 + ar->rule].packets);
		br_json_ku64(j, "bytes", ctr[BR_CTR_RULE0 + ar->rule].bytes);
		br_json_key(j, "signatures");
		br_json_array(j);
		for (g = 0; g < ar->n_sigs; g++) {
			const struct br_attrib_sig *sg = &ar->sigs[g];
			const struct br_cat_service *svc =
				&cat->services[sg->service];
			const struct br_cat_flow *f = &svc->flows[sg->flow];

			br_json_object(j);
			br_json_kstr(j, "service", svc->id);
			br_json_kstr(j, "flow", f->name);
			br_json_kstr(j, "kind", br_cat_kind_name(f->kind));
			br_json_ku64(j, "port", f->port);
			br_json_ku64(j, "port_hi",
				     f->port_hi > f->port ? f->port_hi : f->port);
			br_json_kstr(j, "sni", f->sni ? f->sni : "");
			br_json_kstr(j, "dns", f->dns ? f->dns : "");
			br_json_kbool(j, "flow_packets",
				      sg->parts & BR_ATTRIB_FLOW);
			br_json_kbool(j, "dns_lookup", sg->parts & BR_ATTRIB_DNS);
			br_json_ku64(j, "users", sg->n_users);
			br_json_kbool(j, "shared", sg->n_users > 1);
			br_json_end(j);
		}
		br_json_end(j);
		br_json_key(j, "services");
		br_json_array(j);
		for (g = 0; g < ar->n_svcs; g++) {
			const struct br_attrib_svc *x = &ar->svcs[g];
			const struct br_cat_service *svc =
				&cat->services[x->service];

			br_json_object(j);
			br_json_kstr(j, "service", svc->id);
			br_json_kstr(j, "name",
				     br_impact_class_name(cat, x->service));
			br_json_kbool(j, "direct", x->direct);
			br_json_kbool(j, "shared", x->shared);
			br_json_key(j, "via");
			br_json_array(j);
			for (k = 0; k < x->n_via; k++) {
				const struct br_attrib_sig *sg =
					&ar->sigs[x->via[k]];
				char ref[160];

				snprintf(ref, sizeof(ref), "%s.%s",
					 cat->services[sg->service].id,
					 cat->services[sg->service]
						 .flows[sg->flow]
						 .name);
				br_json_str(j, ref);
			}
			br_json_end(j);
			br_json_key(j, "actions");
			br_json_array(j);
			for (k = 0; k < x->n_actions; k++) {
				const struct br_cat_action *a =
					&svc->actions[x->actions[k]];

				br_json_object(j);
				br_json_kstr(j, "action", a->name);
				br_json_kstr(j, "platform",
					     br_platform_name(a->platform));
				br_json_end(j);
			}
			br_json_end(j);
			br_json_end(j);
		}
		br_json_end(j);
		br_json_end(j);
	}
	br_json_end(j);
}

/* ---- --prometheus ------------------------------------------------------ */

/* A label value: backslash, double quote and newline escaped. */
static void br_prom_label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			printf("\\n");
		else
			putchar(*s);
	}
}

static void br_prom_head(const char *name, const char *type,
			 const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name_packets_total and name_bytes_total of one counter. */
static void br_prom_pair(const char *name, const char *what,
			 const struct br_counter *c)
{
	char metric[128], help[256];

	snprintf(metric, sizeof(metric), "blastradius_%s_packets_total", name);
	snprintf(help, sizeof(help),
		 "Packets: %s. Summed over every generation ever installed.",
		 what);
	br_prom_head(metric, "counter", help);
	printf("%s %llu\n", metric, (unsigned long long)c->packets);
	snprintf(metric, sizeof(metric), "blastradius_%s_bytes_total", name);
	snprintf(help, sizeof(help),
		 "Bytes (whole frames): %s. Summed over every generation "
		 "ever installed.",
		 what);
	br_prom_head(metric, "counter", help);
	printf("%s %llu\n", metric, (unsigned long long)c->bytes);
}

static void br_prom_rule_series(const char *metric, __u64 generation,
				const char *rule, const char *action,
				const char *text, __u64 v)
{
	printf("%s{generation=\"%llu\",rule=\"%s\",action=\"%s\",text=\"",
	       metric, (unsigned long long)generation, rule, action);
	br_prom_label(text);
	printf("\"} %llu\n", (unsigned long long)v);
}

static void br_prometheus(const struct br_counter *tot,
			  const struct br_dp_status *st,
			  const struct br_counter *ctr, bool have_gen)
{
	const struct br_gen_record *rec = &st->record;
	char idx[16];
	__u32 i;
	int pass;

	br_prom_head("blastradius_generation", "gauge",
		     "The policy generation in force (0: none).");
	printf("blastradius_generation %llu\n",
	       (unsigned long long)st->generation);
	br_prom_head("blastradius_policy_info", "gauge",
		     "The policy in force, in labels; the value is 1.");
	printf("blastradius_policy_info{generation=\"%llu\",policy=\"",
	       (unsigned long long)st->generation);
	br_prom_label(rec->name);
	printf("\",file=\"");
	br_prom_label(rec->file);
	printf("\",default=\"%s\",malformed=\"%s\"} 1\n",
	       br_action_name(rec->default_action),
	       st->fail_closed ? "drop" : "pass");
	br_prom_head("blastradius_generation_start_time_seconds", "gauge",
		     "When the generation in force was committed, Unix time.");
	printf("blastradius_generation_start_time_seconds %.3f\n",
	       rec->since_unix_ns / 1e9);
	br_prom_head("blastradius_interface_info", "gauge",
		     "An attached interface, in labels; the value is 1.");
	for (i = 0; i < st->n_ifaces; i++) {
		printf("blastradius_interface_info{name=\"");
		br_prom_label(st->ifaces[i].name);
		printf("\",netns=\"");
		br_prom_label(st->ifaces[i].netns);
		printf("\",role=\"%s\",mode=\"%s\"} 1\n",
		       br_role_name(st->ifaces[i].role),
		       br_mode_name(st->ifaces[i].mode));
	}

	/* monotonic: summed over every generation ever installed */
	for (pass = 0; pass < 2; pass++) {
		const char *m = pass ? "blastradius_bytes_total"
				     : "blastradius_packets_total";

		br_prom_head(m, "counter",
			     pass ? "Bytes (whole frames) by verdict, over every "
				    "generation ever installed."
				  : "Packets by verdict, over every generation "
				    "ever installed.");
		for (i = BR_ACT_PASS; i < BR_ACT_MAX; i++) {
			const struct br_counter *c = &tot[BR_CTR_ACTION0 + i];

			printf("%s{verdict=\"%s\"} %llu\n", m, br_action_name(i),
			       (unsigned long long)(pass ? c->bytes
							 : c->packets));
		}
	}
	for (pass = 0; pass < 2; pass++) {
		const char *m = pass ? "blastradius_role_bytes_total"
				     : "blastradius_role_packets_total";

		br_prom_head(m, "counter",
			     pass ? "Bytes by the role of the interface they "
				    "arrived on, over every generation."
				  : "Packets by the role of the interface they "
				    "arrived on, over every generation.");
		printf("%s{role=\"subscriber\"} %llu\n", m,
		       (unsigned long long)(pass
						    ? tot[BR_CTR_SUBSCRIBER].bytes
						    : tot[BR_CTR_SUBSCRIBER]
							      .packets));
		printf("%s{role=\"upstream\"} %llu\n", m,
		       (unsigned long long)(pass ? tot[BR_CTR_UPSTREAM].bytes
						 : tot[BR_CTR_UPSTREAM].packets));
	}
	br_prom_pair("no_rule", "no rule matched (the default action)",
		     &tot[BR_CTR_DEFAULT]);
	for (i = 0; i < BR_N_SPECIAL; i++)
		if (br_special[i].ctr != BR_CTR_SUBSCRIBER &&
		    br_special[i].ctr != BR_CTR_UPSTREAM)
			br_prom_pair(br_special[i].key, br_special[i].label,
				     &tot[br_special[i].ctr]);

	/* per rule: only the generation in force, from 0 at each swap */
	if (!have_gen)
		return;
	for (pass = 0; pass < 2; pass++) {
		const char *m = pass ? "blastradius_rule_bytes"
				     : "blastradius_rule_packets";

		br_prom_head(m, "gauge",
			     pass ? "Bytes matched per rule of the generation "
				    "in force. A gauge: it starts from 0 with "
				    "each generation (blastradius_bytes_total "
				    "is monotonic)."
				  : "Packets matched per rule of the generation "
				    "in force. A gauge: it starts from 0 with "
				    "each generation (blastradius_packets_total "
				    "is monotonic).");
		for (i = 0; i < rec->n_rules && i < BR_MAX_RULES; i++) {
			const struct br_counter *c = &ctr[BR_CTR_RULE0 + i];

			snprintf(idx, sizeof(idx), "%u", i);
			br_prom_rule_series(m, st->generation, idx,
					    br_action_name(rec->rule_action[i]),
					    rec->rule_text[i],
					    pass ? c->bytes : c->packets);
		}
		br_prom_rule_series(m, st->generation, "default",
				    br_action_name(rec->default_action),
				    "no rule matched",
				    pass ? ctr[BR_CTR_DEFAULT].bytes
					 : ctr[BR_CTR_DEFAULT].packets);
	}
}

/* stats --prometheus: totals, the generation in force and its rules. */
static int br_stats_prometheus(struct br_dp *dp)
{
	struct br_counter tot[BR_CTR_PER_GEN], ctr[BR_CTR_PER_GEN];
	struct br_gen_record rec;
	struct br_dp_status st;
	bool have_gen;
	int err;

	err = br_dp_status(dp, &st);
	if (!err)
		err = br_dp_totals(dp, tot);
	if (err) {
		br_err("cannot read counters: %s", strerror(-err));
		return 1;
	}
	have_gen = st.generation &&
		   !br_dp_counters(dp, st.generation, ctr, &rec);
	br_prometheus(tot, &st, ctr, have_gen);
	return 0;
}

int cmd_stats(struct br_cli *cli, int argc, char **argv)
{
	struct br_dp_name names[BR_DP_NAMES_MAX];
	size_t n_names = 0, top = 10;
	struct br_counter ctr[BR_CTR_PER_GEN];
	struct br_attrib_view view = {};
	struct br_gen_record rec;
	struct br_dp_status st;
	struct br_dp *dp;
	__u64 generation = 0;
	bool totals = false, prometheus = false, attribution = true;
	bool attributed = false;
	struct br_args a;
	char *end;
	int c, err;

	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_GENERATION:
			generation = strtoull(a.arg, &end, 10);
			if (*end || !generation) {
				br_err("--generation: a generation number");
				return 2;
			}
			break;
		case BR_OPT_TOTALS:
			totals = true;
			break;
		case BR_OPT_TOP:
			top = strtoull(a.arg, &end, 10);
			if (*end || top > BR_DP_NAMES_MAX) {
				br_err("--top: a number of names, at most %d",
				       BR_DP_NAMES_MAX);
				return 2;
			}
			break;
		case BR_OPT_PROMETHEUS:
			prometheus = true;
			break;
		case BR_OPT_NO_ATTRIBUTION:
			attribution = false;
			break;
		default:
			return 2;
		}
	}
	if (a.next != argc) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	if (prometheus && (generation || totals || cli->json)) {
		br_err("stats --prometheus: the totals and the generation in "
		       "force, always; not with --generation, --totals or "
		       "--json");
		return 2;
	}
	if (br_cli_open_pinned(cli, &dp))
		return 1;
	if (prometheus) {
		err = br_stats_prometheus(dp);
		br_dp_close(dp);
		return err;
	}
	if (totals) {
		err = br_dp_totals(dp, ctr);
	} else {
		err = br_dp_status(dp, &st);
		if (!err && !generation)
			generation = st.generation;
		/* attribution: of the generation in force only */
		attributed = attribution && !err &&
			     generation == st.generation;
		if (!err)
			err = br_dp_counters(dp, generation, ctr, &rec);
		if (err == -ENOENT)
			br_err("generation %llu is not kept (the last %d are)",
			       (unsigned long long)generation, BR_GEN_RING);
		else if (err == -ESRCH)
			br_err("generation %llu was never in force: its swap "
			       "was interrupted before the commit",
			       (unsigned long long)generation);
		if (!err)
			err = br_dp_names(dp, generation, names, top,
					  &n_names);
	}
	br_dp_close(dp);
	if (err) {
		if (err != -ENOENT && err != -ESRCH)
			br_err("cannot read counters: %s", strerror(-err));
		return 1;
	}
	if (attributed)
		br_attrib_view_load(&rec, generation, &view);
	if (cli->json) {
		br_stats_json(ctr, totals ? NULL : &rec, generation, names,
			      n_names, attributed ? &view : NULL);
	} else {
		br_stats_table(ctr, totals ? NULL : &rec, generation);
		br_names_table(names, n_names);
		if (attributed)
			br_attrib_text(&view, ctr);
	}
	br_attrib_view_free(&view);
	return 0;
}
