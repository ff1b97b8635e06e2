// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_simulate.c - blastradius simulate: the what-if.
 *
 *   simulate [--policy P]... [--scenario S] [--seed N] [--write-pcap F]
 *
 * For each policy (none given: one run without a policy, the baseline),
 * the scenario's population runs through a private, virtual-clock instance
 * of the dataplane (sim.h, traffic.h): the same seed gives every run the
 * same devices, apps and action arrivals, so the runs differ only by what
 * the policy did to their packets. Prints, per policy, each catalog
 * action's attempted, succeeded and failed instances by platform.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "catalog.h"
#include "impact.h"
#include "cli.h"
#include "json.h"
#include "lex.h"
#include "log.h"
#include "outfile.h"
#include "policy.h"
#include "report_html.h"
#include "scenario.h"
#include "sim.h"
#include "traffic.h"

struct run {
	const char *file; /* NULL: no policy */
	struct br_policy *pol;
	struct br_traffic_result res;
	struct br_impact im;
};

static const char *br_plat_key(int p)
{
	return p == BR_PLAT_IOS ? "ios" : p == BR_PLAT_ANDROID ? "android"
							       : "any";
}

/* The outcome of action a of service s on platform p (ANY: both added). */
static struct br_outcome br_outcome_of(const struct br_traffic_result *r,
				       size_t s, size_t a, int p)
{
	struct br_outcome o = { 0 };
	size_t fa = r->action_base[s] + a;
	int i;

	for (i = 0; i < 2; i++) {
		const struct br_outcome *x = &r->by_platform[i][fa];

		if (p != BR_PLAT_ANY && p != (i ? BR_PLAT_ANDROID : BR_PLAT_IOS))
			continue;
		o.attempted += x->attempted;
		o.succeeded += x->succeeded;
		o.degraded += x->degraded;
		o.failed += x->failed;
		o.fallback += x->fallback;
		o.slow += x->slow;
		o.late += x->late;
	}
	return o;
}

static void br_sim_json(struct br_json *j, const struct br_catalog *cat,
			const struct br_scenario *scn, uint64_t seed,
			const struct br_traffic_estimate *est,
			const struct run *runs, size_t n)
{
	size_t r, s, a, t;

	br_json_object(j);
	br_json_key(j, "scenario");
	br_json_object(j);
	br_json_kstr(j, "name", scn->name);
	br_json_kstr(j, "file", scn->file);
	br_json_ku64(j, "devices", scn->devices);
	br_json_ku64(j, "duration_s", scn->duration_ns / 1000000000ull);
	br_json_ku64(j, "seed", seed);
	br_json_ku64(j, "flow_table", br_scn_flow_table(scn));
	br_json_ku64(j, "hello_table", br_scn_hello_table(scn));
	br_json_key(j, "estimate");
	br_json_object(j);
	br_json_ku64(j, "instances", (uint64_t)est->instances);
	br_json_ku64(j, "packets", (uint64_t)est->packets);
	br_json_ku64(j, "seconds", (uint64_t)est->seconds);
	br_json_ku64(j, "memory_bytes", (uint64_t)est->memory);
	br_json_end(j);
	br_json_end(j);
	br_json_key(j, "policies");
	br_json_array(j);
	for (r = 0; r < n; r++) {
		const struct run *run = &runs[r];

		br_json_object(j);
		br_json_kstr(j, "name", run->pol ? run->pol->name : "none");
		br_json_kstr(j, "file", run->file ? run->file : "");
		br_json_key(j, "targets");
		br_json_array(j);
		for (t = 0; run->pol && t < run->pol->n_targets; t++)
			br_json_str(j, run->pol->targets[t]);
		br_json_end(j);
		br_json_kstr(j, "headline", run->im.headline);
		br_json_ku64(j, "packets", run->res.packets);
		br_json_ku64(j, "swaps", run->res.swaps);
		br_json_key(j, "efficacy");
		br_json_object(j);
		br_json_ku64(j, "attempted", run->im.target_attempted);
		br_json_ku64(j, "failed", run->im.target_failed);
		br_json_end(j);
		br_json_key(j, "collateral");
		br_json_object(j);
		br_json_ku64(j, "attempted", run->im.other_attempted);
		br_json_ku64(j, "failed", run->im.other_failed);
		br_json_ku64(j, "degraded", run->im.other_degraded);
		br_json_end(j);
		br_json_key(j, "push");
		br_json_array(j);
		for (t = 0; t < run->im.n_push; t++) {
			const struct br_impact_push *x = &run->im.push[t];

			br_json_object(j);
			br_json_kstr(j, "app_class", cat->services[x->service].id);
			br_json_kstr(j, "name",
				     br_impact_class_name(cat, x->service));
			br_json_kstr(j, "platform", br_plat_key(x->platform));
			br_json_ku64(j, "attempted", x->attempted);
			br_json_ku64(j, "lost", x->lost);
			br_json_ku64(j, "degraded", x->degraded);
			br_json_end(j);
		}
		br_json_end(j);
		br_json_key(j, "services");
		br_json_array(j);
		for (s = 0; s < cat->n_services; s++)
			for (a = 0; a < cat->services[s].n_actions; a++) {
				const struct br_cat_action *act =
					&cat->services[s].actions[a];
				struct br_outcome o = br_outcome_of(
					&run->res, s, a, act->platform);

				br_json_object(j);
				br_json_kstr(j, "service",
					     cat->services[s].id);
				br_json_kstr(j, "platform",
					     br_plat_key(act->platform));
				br_json_kstr(j, "action", act->name);
				br_json_ku64(j, "attempted", o.attempted);
				br_json_ku64(j, "succeeded",
					     o.succeeded + o.degraded);
				br_json_ku64(j, "failed", o.failed);
				br_json_ku64(j, "degraded", o.degraded);
				br_json_ku64(j, "late", o.late);
				br_json_end(j);
			}
		br_json_end(j);
		br_json_end(j);
	}
	br_json_end(j);
	br_json_end(j);
}

/* Push notifications by app class: attempted and lost, per platform. */
static void br_push_text(const struct br_catalog *cat,
			 const struct br_impact *im)
{
	size_t i;

	if (!im->n_push)
		return;
	printf("  push notifications  %-16s %-8s %9s %9s %7s\n", "app class",
	       "platform", "attempted", "lost", "lost %");
	for (i = 0; i < im->n_push; i++) {
		const struct br_impact_push *x = &im->push[i];

		printf("                      %-16s %-8s %9llu %9llu %6.1f%%\n",
		       br_impact_class_name(cat, x->service),
		       br_plat_key(x->platform),
		       (unsigned long long)x->attempted,
		       (unsigned long long)x->lost,
		       br_pct(x->lost, x->attempted));
	}
}

/*
 * When the scenario swaps policies mid-run: failure rates by the time each
 * instance started, all actions and the push notifications, with the
 * swaps where they fall.
 */
static void br_timeline_text(const struct br_catalog *cat,
			     const struct br_scenario *scn,
			     const struct br_traffic_result *res)
{
	size_t b, p, s, a, e = 0;
	uint64_t t0, t1;

	printf("  over time (by when each instance started):\n");
	printf("  %-11s %9s %8s %11s %8s\n", "", "attempted", "failed",
	       "push tried", "lost");
	for (b = 0; b < res->n_buckets; b++) {
		uint64_t att = 0, bad = 0, patt = 0, pbad = 0;

		t0 = b * res->bucket_ns;
		t1 = t0 + res->bucket_ns;
		for (; e < scn->n_events && scn->events[e].at_ns < t1; e++)
			printf("  --- %llu:%02llu swap: %s\n",
			       (unsigned long long)(scn->events[e].at_ns /
						    60000000000ull),
			       (unsigned long long)(scn->events[e].at_ns /
						    1000000000ull % 60),
			       scn->events[e].policy);
		for (p = 0; p < 2; p++)
			for (s = 0; s < cat->n_services; s++)
				for (a = 0; a < cat->services[s].n_actions;
				     a++) {
					size_t fa = res->action_base[s] + a;
					const struct br_outcome *o =
						&res->timeline[(b * 2 + p) *
								       res->n_actions +
							       fa];

					att += o->attempted;
					bad += o->failed;
					if (!cat->services[s].actions[a].push)
						continue;
					patt += o->attempted;
					pbad += o->failed;
				}
		printf("  %3llu:%02llu-%llu:%02llu %9llu %7.1f%% %11llu %7.1f%%\n",
		       (unsigned long long)(t0 / 60000000000ull),
		       (unsigned long long)(t0 / 1000000000ull % 60),
		       (unsigned long long)(t1 / 60000000000ull),
		       (unsigned long long)(t1 / 1000000000ull % 60),
		       (unsigned long long)att, br_pct(bad, att),
		       (unsigned long long)patt, br_pct(pbad, patt));
	}
}

/*
 * The what-if matrix: failed (and degraded) share of every service's
 * actions under each policy, side by side.
 */
static void br_matrix_text(const struct br_catalog *cat,
			   const struct run *runs, size_t n)
{
	size_t r, s, k;

	printf("\nwhat-if: failed %% (degraded %%) per service\n  %-16s",
	       "service");
	for (r = 0; r < n; r++)
		printf(" %21.21s", runs[r].pol ? runs[r].pol->name : "none");
	printf("\n");
	for (s = 0; s < cat->n_services; s++) {
		bool any = false;

		for (r = 0; r < n && !any; r++)
			for (k = 0; k < runs[r].im.n_services; k++)
				any |= runs[r].im.services[k].service == (int)s;
		if (!any)
			continue;
		printf("  %-16s", br_impact_service_name(cat, s));
		for (r = 0; r < n; r++) {
			const struct br_impact_service *x = NULL;
			char cell[32];

			for (k = 0; k < runs[r].im.n_services; k++)
				if (runs[r].im.services[k].service == (int)s)
					x = &runs[r].im.services[k];
			if (!x)
				snprintf(cell, sizeof(cell), "-");
			else if (x->degraded)
				snprintf(cell, sizeof(cell), "%.0f%% (%.0f%%)%s",
					 br_pct(x->failed, x->attempted),
					 br_pct(x->degraded, x->attempted),
					 x->target ? "*" : "");
			else
				snprintf(cell, sizeof(cell), "%.0f%%%s",
					 br_pct(x->failed, x->attempted),
					 x->target ? "*" : "");
			printf(" %21s", cell);
		}
		printf("\n");
	}
	printf("  (* a target of the policy)\n");
}

/* --csv: one row per policy, service, platform and action. */
static void br_sim_csv(const struct br_catalog *cat, const struct run *runs,
		       size_t n)
{
	size_t r, k;

	printf("policy,file,service,platform,action,target,attempted,"
	       "succeeded,degraded,failed\n");
	for (r = 0; r < n; r++)
		for (k = 0; k < runs[r].im.n_actions; k++) {
			const struct br_impact_action *a = &runs[r].im.actions[k];
			const struct br_cat_service *svc =
				&cat->services[a->service];

			printf("%s,%s,%s,%s,%s,%d,%llu,%llu,%llu,%llu\n",
			       runs[r].pol ? runs[r].pol->name : "none",
			       runs[r].file ? runs[r].file : "", svc->id,
			       br_plat_key(a->platform),
			       svc->actions[a->action].name, a->target,
			       (unsigned long long)a->o.attempted,
			       (unsigned long long)(a->o.succeeded +
						    a->o.degraded),
			       (unsigned long long)a->o.degraded,
			       (unsigned long long)a->o.failed);
		}
}

/*
 * --summary: per policy its headline, then the what-if matrix and the push
 * loss per app class and platform across the policies.
 */
static void br_sim_summary(const struct br_catalog *cat,
			   const struct run *runs, size_t n)
{
	size_t r, k, m;

	for (r = 0; r < n; r++)
		printf("\n%s%s%s%s\n  => %s\n",
		       runs[r].pol ? runs[r].pol->name : "none",
		       runs[r].file ? " (" : "",
		       runs[r].file ? runs[r].file : "",
		       runs[r].file ? ")" : "", runs[r].im.headline);
	br_matrix_text(cat, runs, n);
	printf("\npush notifications lost %% per app class\n  %-26s", "");
	for (r = 0; r < n; r++)
		printf(" %21.21s", runs[r].pol ? runs[r].pol->name : "none");
	printf("\n");
	for (k = 0; n && k < runs[0].im.n_push; k++) {
		const struct br_impact_push *x0 = &runs[0].im.push[k];
		char label[64];

		snprintf(label, sizeof(label), "%s (%s)",
			 br_impact_class_name(cat, x0->service),
			 br_plat_key(x0->platform));
		printf("  %-26s", label);
		for (r = 0; r < n; r++) {
			const struct br_impact_push *x = NULL;

			for (m = 0; m < runs[r].im.n_push; m++)
				if (runs[r].im.push[m].service == x0->service &&
				    runs[r].im.push[m].platform ==
					    x0->platform)
					x = &runs[r].im.push[m];
			if (x)
				printf(" %20.0f%%", br_pct(x->lost, x->attempted));
			else
				printf(" %21s", "-");
		}
		printf("\n");
	}
}

static void br_sim_text(const struct br_catalog *cat,
			const struct br_scenario *scn, uint64_t seed,
			const struct run *runs, size_t n, bool summary)
{
	size_t r, s, a;

	printf("scenario %s%s%s%s: %u devices, %llu s, seed %llu\n",
	       scn->name, scn->file[0] == '(' ? " " : " (", scn->file,
	       scn->file[0] == '(' ? "" : ")", scn->devices,
	       (unsigned long long)(scn->duration_ns / 1000000000ull),
	       (unsigned long long)seed);
	/* only when the scenario sizes them: the defaults go without saying */
	if (scn->flow_entries || scn->hello_entries)
		printf("censor's tables: %u flows, %u hellos being read\n",
		       br_scn_flow_table(scn), br_scn_hello_table(scn));
	if (summary) {
		br_sim_summary(cat, runs, n);
		return;
	}
	for (r = 0; r < n; r++) {
		const struct run *run = &runs[r];

		printf("\npolicy %s%s%s%s: %llu packets through the program "
		       "in %.1f s (%.0f packets/s)\n",
		       run->pol ? run->pol->name : "none",
		       run->file ? " (" : "", run->file ? run->file : "",
		       run->file ? ")" : "",
		       (unsigned long long)run->res.packets, run->res.wall_s,
		       run->res.wall_s > 0 ? run->res.packets / run->res.wall_s
					   : 0);
		printf("  %-12s %-8s %-18s %9s %9s %9s %9s\n", "service",
		       "platform", "action", "attempted", "succeeded",
		       "degraded", "failed");
		for (s = 0; s < cat->n_services; s++)
			for (a = 0; a < cat->services[s].n_actions; a++) {
				const struct br_cat_action *act =
					&cat->services[s].actions[a];
				struct br_outcome o = br_outcome_of(
					&run->res, s, a, act->platform);

				if (!o.attempted)
					continue;
				printf("  %-12s %-8s %-18s %9llu %9llu %9llu "
				       "%9llu\n",
				       cat->services[s].id,
				       br_plat_key(act->platform), act->name,
				       (unsigned long long)o.attempted,
				       (unsigned long long)(o.succeeded +
							    o.degraded),
				       (unsigned long long)o.degraded,
				       (unsigned long long)o.failed);
			}
		br_push_text(cat, &run->im);
		if (scn->n_events)
			br_timeline_text(cat, scn, &run->res);
		printf("  => %s\n", run->im.headline);
	}
	if (n > 1)
		br_matrix_text(cat, runs, n);
}

/*
 * Without --policy: every shipped policy, policies/ *.policy beside the
 * catalog directory, in name order (glob sorts). The paths live in g;
 * *runs grows to hold them.
 */
static int br_shipped_policies(struct run **runs, size_t *n, glob_t *g)
{
	char up[PATH_MAX], dir[PATH_MAX], cwd[PATH_MAX], pattern[PATH_MAX + 16];
	const char *shown;
	struct run *r;
	size_t i, len;
	int rc;

	/* policies/, shown relative to the working directory when under it */
	snprintf(up, sizeof(up), "%s/..", br_catalog_default_dir());
	if (!realpath(up, dir))
		snprintf(dir, sizeof(dir), "%s", up);
	shown = dir;
	if (getcwd(cwd, sizeof(cwd))) {
		len = strlen(cwd);
		if (!strncmp(dir, cwd, len) && dir[len] == '/')
			shown = dir + len + 1;
	}
	snprintf(pattern, sizeof(pattern), "%s/*.policy", shown);
	rc = glob(pattern, 0, NULL, g);
	if (rc == GLOB_NOMATCH)
		return 0;
	if (rc) {
		br_err("simulate: cannot list %s", pattern);
		return -EIO;
	}
	r = realloc(*runs, (g->gl_pathc + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(r, 0, (g->gl_pathc + 1) * sizeof(*r));
	for (i = 0; i < g->gl_pathc; i++)
		r[i].file = g->gl_pathv[i];
	*runs = r;
	*n = g->gl_pathc;
	return 0;
}

/* ---- the estimate ------------------------------------------------------- */

/* Longer than this for all runs, simulate refuses without --force. */
#define BR_SIM_MAX_SECONDS 3600.0

/* "2.3M": a count as people read it. */
static const char *br_count_text(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *br_duration_text(double s, char *buf, size_t len)
{
	if (s >= 2 * 86400)
		snprintf(buf, len, "%.1f days", s / 86400);
	else if (s >= 2 * 3600)
		snprintf(buf, len, "%.1f h", s / 3600);
	else if (s >= 120)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.0f s", s < 1 ? 1 : s);
	return buf;
}

static const char *br_bytes_text(double b, char *buf, size_t len)
{
	if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, len, "%.1f GB", b / (1024.0 * 1024 * 1024));
	else
		snprintf(buf, len, "%.0f MB", b / (1024.0 * 1024));
	return buf;
}

/*
 * Memory this process may still take: what the kernel calls available,
 * less when an address-space limit or the memory cgroup (v2) allows less.
 */
static double br_mem_available(void)
{
	unsigned long long kb, max, cur;
	char line[256], path[512];
	double avail = 1e300;
	struct rlimit rl;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			avail = kb * 1024.0;
	if (f)
		fclose(f);
	if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < avail)
		avail = rl.rlim_cur;
	f = fopen("/proc/self/cgroup", "r");
	if (f && fgets(line, sizeof(line), f) && !strncmp(line, "0::", 3)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max",
			 line + 3);
		fclose(f);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &max) == 1) {
			fclose(f);
			snprintf(path, sizeof(path),
				 "/sys/fs/cgroup%s/memory.current", line + 3);
			f = fopen(path, "r");
			if (f && fscanf(f, "%llu", &cur) == 1 && cur < max &&
			    max - cur < avail)
				avail = max - cur;
		}
	}
	if (f)
		fclose(f);
	return avail;
}

/*
 * Estimate the work before any of it starts, say it, and refuse a run
 * that would not fit in memory or would take longer than an hour,
 * unless forced. Returns 0 to go on.
 */
static int br_sim_check_estimate(const struct br_cli *cli,
				 const struct br_catalog *cat,
				 const struct br_scenario *scn, size_t n_runs,
				 bool force, struct br_traffic_estimate *est)
{
	char pk[32], all[32], mem[32], avail[32], dur[32];
	double free_mem = br_mem_available();
	bool too_long, too_big;

	br_traffic_estimate(cat, scn, est);
	too_long = est->seconds * n_runs > BR_SIM_MAX_SECONDS;
	too_big = est->memory > free_mem;
	br_count_text(est->packets, pk, sizeof(pk));
	br_duration_text(est->seconds * n_runs, all, sizeof(all));
	br_bytes_text(est->memory, mem, sizeof(mem));
	br_bytes_text(free_mem, avail, sizeof(avail));
	if ((too_long || too_big) && !force) {
		br_err("simulate: scenario %s (%u devices, %s simulated): "
		       "about %s packets a run, %zu run%s, about %s in all "
		       "at %.0fk packets/s, and %s of memory (%s available): "
		       "%s; make it smaller (devices, duration) or pass "
		       "--force",
		       scn->name, scn->devices,
		       br_duration_text(scn->duration_ns / 1e9, dur, sizeof(dur)),
		       pk, n_runs, n_runs == 1 ? "" : "s", all,
		       BR_SIM_PACKETS_PER_S / 1e3, mem, avail,
		       too_big ? "more memory than is available"
			       : "longer than the hour a simulation may take");
		return -E2BIG;
	}
	if (!cli->quiet && !cli->json)
		fprintf(stderr,
			"simulate: estimate: about %s packets a run, %zu "
			"run%s, about %s in all; %s of memory\n",
			pk, n_runs, n_runs == 1 ? "" : "s", all, mem);
	return 0;
}

/* --html FILE: the runs as one self-contained page (report_html.h). */
static int br_sim_html(const char *path, const struct br_catalog *cat,
		       const struct br_scenario *scn, uint64_t seed,
		       const struct run *runs, size_t n)
{
	struct br_report_run *rr = calloc(n + 1, sizeof(*rr));
	struct br_outfile out;
	size_t i;
	int err, ret;

	if (!rr)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rr[i].name = runs[i].pol ? runs[i].pol->name : "none";
		rr[i].file = runs[i].file;
		rr[i].pol = runs[i].pol;
		rr[i].res = &runs[i].res;
		rr[i].im = &runs[i].im;
	}
	err = br_outfile_open(&out, path);
	if (!err) {
		err = br_report_html(out.f, cat, scn, seed, rr, n);
		ret = br_outfile_close(&out, !err);
		err = err ? err : ret;
	}
	free(rr);
	return err;
}

int cmd_simulate(struct br_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "write-pcap", required_argument, NULL, 'w' },
		{ "csv", no_argument, NULL, 'c' },
		{ "no-policy", no_argument, NULL, 'n' },
		{ "summary", no_argument, NULL, 'y' },
		{ "html", required_argument, NULL, 'H' },
		{ "force", no_argument, NULL, 'f' },
		{}
	};
	const char *scn_path = NULL, *pcap = NULL, *html = NULL;
	struct br_policy **events = NULL;
	const struct br_catalog *cat = NULL;
	struct br_scenario *scn = NULL;
	struct run *runs = NULL;
	glob_t shipped = { 0 };
	size_t n_runs = 0, i;
	uint64_t seed = 0;
	bool have_seed = false, csv = false, baseline = false, summary = false;
	bool force = false;
	struct br_traffic_estimate est;
	struct br_diag diag;
	struct br_json j;
	int c, err, rc = 1;

	runs = calloc(argc + 1, sizeof(*runs));
	if (!runs)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			runs[n_runs++].file = optarg;
			break;
		case 's':
			scn_path = optarg;
			break;
		case 'S':
			/* as the scenario's seed statement reads one */
			err = br_lex_u64(optarg, strlen(optarg), &seed);
			if (err) {
				br_err("--seed \"%s\": %s", optarg,
				       err == -ERANGE
					       ? "too large (at most "
						 "18446744073709551615)"
					       : "not a number (digits only, "
						 "as in --seed 42)");
				goto usage;
			}
			have_seed = true;
			break;
		case 'w':
			pcap = optarg;
			break;
		case 'c':
			csv = true;
			break;
		case 'n':
			baseline = true;
			break;
		case 'y':
			summary = true;
			break;
		case 'H':
			html = optarg;
			break;
		case 'f':
			force = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (!n_runs && !baseline &&
	    br_shipped_policies(&runs, &n_runs, &shipped))
		goto out;
	if (!n_runs || baseline)
		n_runs++; /* the baseline: a run without a policy, last */
	if (pcap && n_runs > 1) {
		br_err("--write-pcap: one run at most (one --policy, or "
		       "--no-policy)");
		rc = 2;
		goto out;
	}
	if (br_cli_require_privileges())
		goto out;

	/* the catalog the policies are parsed against, loaded once */
	if (br_cli_catalog(&cat))
		goto out;
	br_diag_init(&diag);
	err = scn_path ? br_scenario_parse_file(scn_path, cat, &scn, &diag)
		       : br_scenario_default(cat, &scn, &diag);
	br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	if (err)
		goto out;
	if (!have_seed)
		seed = scn->seed;
	if (br_sim_check_estimate(cli, cat, scn, n_runs, force, &est))
		goto out;
	for (i = 0; i < n_runs; i++)
		if (runs[i].file &&
		    br_cli_parse_policy(runs[i].file, &runs[i].pol))
			goto out;
	events = calloc(scn->n_events + 1, sizeof(*events));
	if (!events)
		goto out;
	for (i = 0; i < scn->n_events; i++)
		if (br_cli_parse_policy(scn->events[i].policy, &events[i]))
			goto out;

	for (i = 0; i < n_runs; i++) {
		struct br_traffic_opts o = {
			.cat = cat,
			.scn = scn,
			.seed = seed,
			.initial = runs[i].pol,
			.event_policies = events,
			.labels = pcap != NULL,
		};
		struct br_sim sim;

		/* a fresh instance per run: no flow or policer carries over */
		err = br_sim_open(&sim, pcap, scn->flow_entries,
				  scn->hello_entries);
		if (err) {
			br_err("simulate: cannot load the dataplane: %s",
			       strerror(-err));
			goto out;
		}
		if (!cli->quiet && !cli->json)
			fprintf(stderr, "simulate: %s ...\n",
				runs[i].file ? runs[i].file : "no policy");
		err = br_traffic_run(&sim, &o, &runs[i].res);
		br_sim_close(&sim);
		if (!err)
			err = br_impact_compute(cat, runs[i].pol, &runs[i].res,
						&runs[i].im);
		if (err) {
			br_err("simulate: %s", strerror(-err));
			goto out;
		}
	}
	if (cli->json) {
		br_json_init(&j, stdout);
		br_sim_json(&j, cat, scn, seed, &est, runs, n_runs);
	} else if (csv) {
		br_sim_csv(cat, runs, n_runs);
	} else {
		br_sim_text(cat, scn, seed, runs, n_runs, summary);
	}
	fflush(stdout); /* the tables before anything said on stderr */
	if (html) {
		err = br_sim_html(html, cat, scn, seed, runs, n_runs);
		if (err) {
			br_err("simulate: --html %s: %s", html, strerror(-err));
			goto out;
		}
		if (!cli->quiet)
			fprintf(stderr, "simulate: wrote %s\n", html);
	}
	rc = 0;
out:
	for (i = 0; runs && i < n_runs; i++) {
		br_policy_free(runs[i].pol);
		br_traffic_result_free(&runs[i].res);
		br_impact_free(&runs[i].im);
	}
	for (i = 0; events && scn && i < scn->n_events; i++)
		br_policy_free(events[i]);
	free(events);
	free(runs);
	globfree(&shipped);
	br_scenario_free(scn);
	return rc;
usage:
	br_err("usage: blastradius simulate [--policy P]... [--no-policy] "
	       "[--scenario S] [--seed N] [--write-pcap FILE] [--csv] "
	       "[--summary] [--html FILE] [--force]");
	free(runs);
	return 2;
}
