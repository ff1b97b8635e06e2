// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_swap.c - blastradius swap POLICY: replace the policy in force on every
 * attached interface in one atomic step (br_dp_install explains the order).
 * Any failure before the commit leaves the old policy in force and the
 * command exits 1 saying why.
 *
 *   swap POLICY [--dry-run] [--max-collateral CLASS=PCT]... [--no-impact]
 *
 * After the swap, the policy's impact on the default scenario (whatif.h) is
 * printed when it has collateral: when it blocks something a service other
 * than its targets needs. --quiet and --no-impact skip it. --dry-run
 * compiles the policy into a private instance and prints its impact,
 * changing nothing; --max-collateral refuses a swap whose simulated loss
 * for a class exceeds the limit, before touching the live instance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "cli.h"
#include "cmdline.h"
#include "dataplane.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "result.h"
#include "whatif.h"

static double br_ms(__u64 ns)
{
	return ns / 1e6;
}

struct br_swap {
	struct br_cli *cli;
	const struct br_catalog *cat;
	struct br_policy *pol;
	bool dry_run, no_impact;
	size_t n_limits;
	struct br_whatif_limit *limits;
	bool have_whatif; /* wi holds a what-if (run or skipped) */
	struct br_whatif wi;
	bool refused; /* a limit is exceeded */
};

static void br_limits_json(struct br_json *j, const struct br_swap *s)
{
	size_t i;

	br_json_key(j, "limits");
	br_json_array(j);
	for (i = 0; i < s->n_limits; i++) {
		const struct br_whatif_limit *l = &s->limits[i];

		br_json_object(j);
		br_json_kstr(j, "limit", l->arg);
		br_json_kstr(j, "class",
			     l->service == BR_LIMIT_PUSH ? "push"
			     : l->service == BR_LIMIT_ANY
				     ? "any"
				     : s->cat->services[l->service].id);
		br_json_kstr(j, "platform", br_result_plat_key(l->platform));
		br_json_ku64(j, "attempted", l->attempted);
		br_json_ku64(j, "lost", l->lost);
		br_json_kbool(j, "exceeded", l->exceeded);
		br_json_end(j);
	}
	br_json_end(j);
}

/* "push notifications lost 30.3% (3937 of 13152)" */
static void br_limit_text(const struct br_swap *s,
			  const struct br_whatif_limit *l, char *buf,
			  size_t len)
{
	char what[128];

	br_whatif_limit_name(&s->wi, l, what, sizeof(what));
	snprintf(buf, len, "%s lost %.1f%% (%llu of %llu)", what,
		 br_pct(l->lost, l->attempted), (unsigned long long)l->lost,
		 (unsigned long long)l->attempted);
}

/* Text: each limit against the what-if; refusals as errors. */
static void br_limits_text(const struct br_swap *s, bool dry_run)
{
	char text[256];
	size_t i;

	for (i = 0; i < s->n_limits; i++) {
		const struct br_whatif_limit *l = &s->limits[i];

		br_limit_text(s, l, text, sizeof(text));
		if (l->exceeded)
			br_err("%s: %s in the what-if, over --max-collateral "
			       "%s",
			       dry_run ? "would be refused" : "refused", text,
			       l->arg);
		else if (!s->cli->quiet && !s->cli->json)
			printf("--max-collateral %s: %s, within the limit\n",
			       l->arg, text);
	}
}

/* Run the what-if (all of it: limits need numbers even without collateral). */
static int br_swap_whatif(struct br_swap *s, bool always)
{
	size_t i;
	int err;

	err = always ? br_whatif_run(s->cat, s->pol, &s->wi)
		     : br_whatif_maybe(s->cat, s->pol, &s->wi);
	if (err) {
		br_err("cannot simulate the impact of %s: %s", s->pol->file,
		       strerror(-err));
		return err;
	}
	s->have_whatif = true;
	for (i = 0; i < s->n_limits; i++)
		s->refused |= br_whatif_limit_check(&s->wi, &s->limits[i]);
	return 0;
}

/* --dry-run: compile into a private instance, the what-if, no change. */
static int br_swap_dry_run(struct br_swap *s)
{
	struct br_cli *cli = s->cli;
	struct br_dp_status st = {};
	struct br_dp_opts opts = {};
	struct br_dp *dp = NULL;
	struct br_diag diag;
	struct br_json j;
	bool loaded = false;
	int err;

	br_diag_init(&diag);
	err = br_dp_open_private(&opts, &dp);
	if (!err)
		err = br_dp_install(dp, s->pol, NULL, &diag);
	br_dp_close(dp);
	dp = NULL;
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("cannot compile %s: %s", s->pol->file,
			       strerror(-err));
		br_err("dry run: the swap would fail; nothing changed");
		br_diag_free(&diag);
		return 1;
	}
	br_diag_free(&diag);
	if (br_dp_open_pinned(cli->pin_dir, &dp) == 0) {
		loaded = br_dp_status(dp, &st) == 0;
		br_dp_close(dp);
	}
	/* quiet: the what-if only for the limits */
	if (!s->no_impact && (!cli->quiet || s->n_limits) &&
	    br_swap_whatif(s, true))
		return 1;
	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_kbool(&j, "dry_run", true);
		br_json_kstr(&j, "policy", s->pol->name);
		br_json_kstr(&j, "file", s->pol->file);
		br_json_ku64(&j, "generation", loaded ? st.generation : 0);
		br_json_kstr(&j, "current_policy",
			     loaded ? st.record.name : "");
		br_json_kbool(&j, "would_refuse", s->refused);
		if (s->n_limits)
			br_limits_json(&j, s);
		if (s->have_whatif) {
			br_json_key(&j, "impact");
			br_whatif_json(&j, &s->wi);
		}
		br_json_end(&j);
	} else if (!cli->quiet) {
		printf("dry run: policy %s (%s) compiles; ", s->pol->name,
		       s->pol->file);
		if (loaded)
			printf("it would replace generation %llu (%s); "
			       "nothing changed\n",
			       (unsigned long long)st.generation,
			       st.record.name);
		else
			printf("nothing is loaded at %s\n", cli->pin_dir);
		if (s->have_whatif)
			br_whatif_print(stdout, &s->wi);
	}
	br_limits_text(s, true);
	return s->refused ? 1 : 0;
}

/*
 * What the policy's address sets take in the kernel: the IPv4 and IPv6
 * lines made for it at the swap (64 bytes each), beside the fixed tables
 * every slot has.
 */
static __u64 br_set_bytes(const struct br_compile_stats *st)
{
	return (__u64)st->v4_lines * sizeof(struct br_v4_line) +
	       (__u64)st->v6_lines * sizeof(struct br_v6_line) +
	       (__u64)st->domain_filter_lines *
		       sizeof(struct br_domain_filter_line) +
	       (__u64)st->domain_bucket_lines *
		       sizeof(struct br_domain_bucket) +
	       (__u64)(st->domain_rule_pairs + !!st->domains) *
		       sizeof(struct br_domain_rules);
}

static void br_swapped(struct br_swap *s, const struct br_install_report *rep,
		       const struct br_dp_status *before)
{
	struct br_cli *cli = s->cli;
	struct br_json j;

	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_ku64(&j, "generation", rep->generation);
		br_json_kstr(&j, "policy", s->pol->name);
		br_json_kstr(&j, "file", s->pol->file);
		br_json_ku64(&j, "previous_generation", rep->previous);
		br_json_kstr(&j, "previous_policy", before->record.name);
		br_json_key(&j, "ns");
		br_json_object(&j);
		br_json_ku64(&j, "lock", rep->lock_ns);
		br_json_ku64(&j, "grace", rep->grace_ns);
		br_json_ku64(&j, "compile", rep->compile_ns);
		br_json_ku64(&j, "commit", rep->commit_ns);
		br_json_end(&j);
		br_json_key(&j, "sets");
		br_json_object(&j);
		br_json_ku64(&j, "v4_prefixes", rep->compile.v4_prefixes);
		br_json_ku64(&j, "v4_lines", rep->compile.v4_lines);
		br_json_ku64(&j, "v6_prefixes", rep->compile.v6_prefixes);
		br_json_ku64(&j, "v6_lines", rep->compile.v6_lines);
		br_json_ku64(&j, "bytes", br_set_bytes(&rep->compile));
		br_json_ku64(&j, "domain_keys", rep->compile.domains);
		br_json_ku64(&j, "domain_filter_lines",
			     rep->compile.domain_filter_lines);
		br_json_ku64(&j, "domain_bucket_lines",
			     rep->compile.domain_bucket_lines);
		br_json_ku64(&j, "domain_rule_pairs",
			     rep->compile.domain_rule_pairs);
		br_json_end(&j);
		if (s->n_limits)
			br_limits_json(&j, s);
		if (s->have_whatif) {
			br_json_key(&j, "impact");
			br_whatif_json(&j, &s->wi);
		}
		br_json_end(&j);
		return;
	}
	if (cli->quiet)
		return;
	if (s->n_limits)
		br_limits_text(s, false);
	if (s->have_whatif && s->wi.collateral)
		br_whatif_print(stdout, &s->wi);
}

/* A limit exceeded: what the policy would do, nothing swapped. */
static void br_refused(struct br_swap *s, const struct br_dp_status *before)
{
	struct br_cli *cli = s->cli;
	struct br_json j;

	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_kbool(&j, "refused", true);
		br_json_kstr(&j, "policy", s->pol->name);
		br_json_kstr(&j, "file", s->pol->file);
		br_json_ku64(&j, "generation", before->generation);
		br_json_kstr(&j, "current_policy", before->record.name);
		br_limits_json(&j, s);
		br_json_key(&j, "impact");
		br_whatif_json(&j, &s->wi);
		br_json_end(&j);
	} else if (!cli->quiet) {
		br_whatif_print(stdout, &s->wi);
	}
	fflush(stdout);
}

int cmd_swap(struct br_cli *cli, int argc, char **argv)
{
	const struct br_install_report *rep;
	struct br_swap s = { .cli = cli };
	struct br_dp *dp = NULL;
	struct br_dp_status before;
	const char **limit_args;
	struct br_diag diag;
	struct br_args a;
	size_t i, n_args = 0;
	int c, err, ret = 1;

	limit_args = calloc(argc + 1, sizeof(*limit_args));
	if (!limit_args)
		return 1;
	br_diag_init(&diag);
	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_DRY_RUN:
			s.dry_run = true;
			break;
		case BR_OPT_MAX_COLLATERAL:
			limit_args[n_args++] = a.arg;
			break;
		case BR_OPT_NO_IMPACT:
			s.no_impact = true;
			break;
		default:
			ret = 2;
			goto out;
		}
	}
	if (a.next != argc - 1) {
		br_cmd_usage_error(argv[0]);
		ret = 2;
		goto out;
	}
	if (n_args && s.no_impact) {
		br_err("--max-collateral needs the impact: not with "
		       "--no-impact");
		ret = 2;
		goto out;
	}
	/*
	 * Privileges first (load says why); then parse: a broken policy
	 * never gets near the live instance.
	 */
	if (br_cli_require_privileges())
		goto out;
	if (br_cli_parse_policy(argv[a.next], &s.pol))
		goto out;
	if (br_cli_catalog(&s.cat))
		goto out;
	s.limits = calloc(n_args + 1, sizeof(*s.limits));
	if (!s.limits)
		goto out;
	for (i = 0; i < n_args; i++)
		if (br_whatif_limit_parse(s.cat, limit_args[i],
					  &s.limits[s.n_limits++])) {
			ret = 2;
			goto out;
		}
	if (s.dry_run) {
		ret = br_swap_dry_run(&s);
		goto out;
	}
	if (br_cli_open_pinned(cli, &dp))
		goto out;
	err = br_dp_status(dp, &before);
	if (err)
		goto out;
	/* Limits are checked before the live instance is touched. */
	if (s.n_limits) {
		if (br_swap_whatif(&s, true)) {
			br_err("nothing changed: generation %llu (%s) stays in "
			       "force",
			       (unsigned long long)before.generation,
			       before.record.name);
			goto out;
		}
		if (s.refused) {
			br_refused(&s, &before);
			br_limits_text(&s, false);
			br_err("nothing changed: generation %llu (%s) stays in "
			       "force",
			       (unsigned long long)before.generation,
			       before.record.name);
			goto out;
		}
	}
	err = br_dp_install(dp, s.pol, NULL, &diag);
	rep = br_dp_last_install(dp);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else if (err != -ETIMEDOUT) /* the lock's holder was named */
			br_err("cannot swap in %s: %s", s.pol->file,
			       strerror(-err));
		br_err("nothing changed: generation %llu (%s) stays in force",
		       (unsigned long long)before.generation,
		       before.record.name);
		goto out;
	}
	ret = 0;
	if (!cli->quiet && !cli->json) {
		const struct br_compile_stats *st = &rep->compile;
		__u32 n = st->v4_prefixes + st->v6_prefixes;

		printf("swapped: generation %llu, policy %s (was generation "
		       "%llu, %s); grace %.1f ms, compile %.1f ms, commit "
		       "%.1f ms",
		       (unsigned long long)rep->generation, s.pol->name,
		       (unsigned long long)rep->previous, before.record.name,
		       br_ms(rep->grace_ns), br_ms(rep->compile_ns),
		       br_ms(rep->commit_ns));
		if (br_set_bytes(st))
			printf("; address sets %.1f MB for %u prefixes (%.1f "
			       "bytes each)",
			       br_set_bytes(st) / 1e6, n,
			       (double)br_set_bytes(st) / n);
		printf("\n");
		fflush(stdout);
	}
	/* The policy is in force: its impact is a report, never a failure. */
	if (!s.have_whatif && !s.no_impact && !cli->quiet)
		br_swap_whatif(&s, false);
	br_swapped(&s, rep, &before);
out:
	if (s.have_whatif)
		br_whatif_free(&s.wi);
	br_dp_close(dp);
	br_policy_free(s.pol);
	br_diag_free(&diag);
	free(s.limits);
	free(limit_args);
	return ret;
}
