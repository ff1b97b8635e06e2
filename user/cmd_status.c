// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_status.c - blastradius status, and stats [--generation N] [--totals].
 *
 * Both read the pinned instance only: any process, long after the loader
 * exited, sees the same counters.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "dataplane.h"
#include "json.h"
#include "log.h"
#include "policy.h"

static void br_format_time(__u64 unix_ns, char *buf, size_t len)
{
	time_t t = unix_ns / 1000000000ULL;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmd_status(struct br_cli *cli, int argc, char **argv)
{
	struct br_dp_status st;
	struct br_dp *dp;
	struct br_json j;
	char since[32] = "", text[160];
	size_t i;
	int err;

	(void)argv;
	if (argc > 1) {
		br_err("usage: blastradius status");
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
		br_cli_json_interfaces(&j, &st);
		br_json_end(&j);
		return 0;
	}
	printf("state       %s\n", cli->pin_dir);
	printf("policy      %s (%s)\n", st.record.name, st.record.file);
	printf("generation  %llu since %s (slot %u)\n",
	       (unsigned long long)st.generation, since, st.slot);
	printf("rules       %u, default %s\n", st.record.n_rules,
	       br_action_name(st.record.default_action));
	printf("malformed   %s\n",
	       st.fail_closed ? "dropped (fail-closed)" : "passed (fail-open)");
	for (i = 0; i < st.n_ifaces; i++) {
		br_cli_iface_text(&st.ifaces[i], text, sizeof(text));
		printf("%s%s\n", i ? "            " : "interfaces  ", text);
	}
	if (!st.n_ifaces)
		printf("interfaces  none\n");
	return 0;
}

/* ---- stats ----------------------------------------------------------- */

/* optional: the table leaves the line out while it is 0 (L7 counters) */
static const struct {
	const char *key;   /* JSON key */
	const char *label; /* table label */
	int ctr;
	bool optional;
} br_special[] = {
	{ "malformed", "malformed", BR_CTR_MALFORMED, false },
	{ "unparsed", "unparsed", BR_CTR_UNPARSED, false },
	{ "nonip", "non-IP", BR_CTR_NONIP, false },
	{ "frag_followed", "fragments following their first",
	  BR_CTR_FRAG_FOLLOWED, false },
	{ "frag_orphan", "fragments without their first", BR_CTR_FRAG_ORPHAN, false },
	{ "subscriber", "from subscribers", BR_CTR_SUBSCRIBER, false },
	{ "upstream", "from upstream", BR_CTR_UPSTREAM, false },
	{ "flow_fresh", "flows: verdict evaluated", BR_CTR_FLOW_FRESH, true },
	{ "flow_cached", "flows: verdict cached", BR_CTR_FLOW_CACHED, true },
	{ "flow_kept", "flows: kept from an older generation",
	  BR_CTR_FLOW_KEPT, true },
	{ "flow_flushed", "flows: older verdict flushed", BR_CTR_FLOW_FLUSHED,
	  true },
	{ "flow_midstream", "flows: first seen mid-stream",
	  BR_CTR_FLOW_MIDSTREAM, true },
	{ "flow_pending", "flows: passed awaiting a hello",
	  BR_CTR_FLOW_PENDING, true },
	{ "tls_hello", "TLS: ClientHellos", BR_CTR_TLS_HELLO, true },
	{ "tls_sni", "TLS: with a server name", BR_CTR_TLS_SNI, true },
	{ "tls_sni_later", "TLS: name after segment 1", BR_CTR_TLS_SNI_LATER,
	  true },
	{ "tls_record_fragmented", "TLS: hello over several records",
	  BR_CTR_TLS_REC_FRAG, true },
	{ "tls_ech", "TLS: with ECH", BR_CTR_TLS_ECH, true },
	{ "tls_no_sni", "TLS: name never found", BR_CTR_TLS_NO_SNI, true },
	{ "tls_sni_default", "TLS: got sni-default", BR_CTR_TLS_SNI_DEFAULT,
	  true },
	{ "dns_query", "DNS: queries", BR_CTR_DNS_QUERY, true },
	{ "dns_forged", "DNS: answers forged", BR_CTR_DNS_FORGED, true },
	{ "quic_initial", "QUIC: Initials", BR_CTR_QUIC_INITIAL, true },
	{ "reset_sent", "resets sent", BR_CTR_RESET_SENT, true },
	{ "reset_skipped", "resets not sent (to an RST)",
	  BR_CTR_RESET_SKIPPED, true },
	{ "throttled", "throttle: over the rate, dropped", BR_CTR_THROTTLED,
	  true },
	{ "forge_failed", "could not forge: dropped", BR_CTR_FORGE_FAILED,
	  true },
};

#define BR_N_SPECIAL (sizeof(br_special) / sizeof(br_special[0]))

static void br_json_counter(struct br_json *j, const char *key,
			    const struct br_counter *c)
{
	br_json_key(j, key);
	br_json_object(j);
	br_json_ku64(j, "packets", c->packets);
	br_json_ku64(j, "bytes", c->bytes);
	br_json_end(j);
}

static void br_names_json(struct br_json *j, const struct br_dp_name *names,
			  size_t n);

static void br_stats_json(const struct br_counter *ctr,
			  const struct br_gen_record *rec, __u64 generation,
			  const struct br_dp_name *names, size_t n_names)
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
	br_json_end(&j);
}

static void br_stats_table(const struct br_counter *ctr,
			   const struct br_gen_record *rec, __u64 generation)
{
	__u32 i;

	if (rec) {
		printf("generation %llu: policy %s (%s)\n\n",
		       (unsigned long long)generation, rec->name, rec->file);
		printf("%5s  %-6s %12s %14s  %s\n", "rule", "action", "packets",
		       "bytes", "match");
		for (i = 0; i < rec->n_rules && i < BR_MAX_RULES; i++)
			printf("%5u  %-6s %12llu %14llu  %s (line %u)\n", i,
			       br_action_name(rec->rule_action[i]),
			       (unsigned long long)ctr[i].packets,
			       (unsigned long long)ctr[i].bytes,
			       rec->rule_text[i], rec->rule_line[i]);
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

static void br_names_table(const struct br_dp_name *names, size_t n)
{
	size_t i;

	if (!n)
		return;
	printf("\ntop matched names:\n%5s  %-4s %10s  %s\n", "rule", "kind",
	       "hits", "name");
	for (i = 0; i < n; i++)
		printf("%5u  %-4s %10llu  %s\n", names[i].rule,
		       br_name_kind(names[i].kind),
		       (unsigned long long)names[i].hits, names[i].name);
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

int cmd_stats(struct br_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "generation", required_argument, NULL, 'g' },
		{ "totals", no_argument, NULL, 't' },
		{ "top", required_argument, NULL, 'n' },
		{}
	};
	struct br_dp_name names[BR_DP_NAMES_MAX];
	size_t n_names = 0, top = 10;
	struct br_counter ctr[BR_CTR_PER_GEN];
	struct br_gen_record rec;
	struct br_dp_status st;
	struct br_dp *dp;
	__u64 generation = 0;
	bool totals = false;
	char *end;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			generation = strtoull(optarg, &end, 10);
			if (*end || !generation) {
				br_err("--generation: a generation number");
				return 2;
			}
			break;
		case 't':
			totals = true;
			break;
		case 'n':
			top = strtoull(optarg, &end, 10);
			if (*end || top > BR_DP_NAMES_MAX) {
				br_err("--top: a number of names, at most %d",
				       BR_DP_NAMES_MAX);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		br_err("usage: blastradius stats [--generation N] [--totals] "
		       "[--top N]");
		return 2;
	}
	if (br_cli_open_pinned(cli, &dp))
		return 1;
	if (totals) {
		err = br_dp_totals(dp, ctr);
	} else {
		if (!generation) {
			err = br_dp_status(dp, &st);
			generation = st.generation;
		}
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
	if (cli->json) {
		br_stats_json(ctr, totals ? NULL : &rec, generation, names,
			      n_names);
	} else {
		br_stats_table(ctr, totals ? NULL : &rec, generation);
		br_names_table(names, n_names);
	}
	return 0;
}
