// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_simulate.c - blastradius simulate: the what-if (its options are
 * declared in cmdtable.c).
 *
 * For each policy (none given: one run without a policy, the baseline),
 * the scenario's population runs through a private, virtual-clock instance
 * of the dataplane (sim.h, traffic.h): the same seed gives every run the
 * same devices, apps and action arrivals, so the runs differ only by what
 * the policy did to their packets. Prints, per policy, each catalog
 * action's attempted, succeeded and failed instances by platform.
 */
#include <errno.h>
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
#include "cmdline.h"
#include "json.h"
#include "lex.h"
#include "log.h"
#include "policy.h"
#include "result.h"
#include "scenario.h"
#include "sim.h"
#include "simulate.h"
#include "ensemble.h"
#include "traffic.h"


/*
 * Without --policy: every shipped policy, policies/ *.policy beside the
 * catalog directory, in name order (glob sorts). The paths live in g;
 * *runs grows to hold them.
 */
static int br_shipped_policies(struct br_sim_run **runs, size_t *n, glob_t *g)
{
	char up[PATH_MAX], dir[PATH_MAX], cwd[PATH_MAX], pattern[PATH_MAX + 16];
	const char *shown;
	struct br_sim_run *r;
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
#define BR_SIM_MAX_DRAWS 1000000
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
			"run%s, about %s in all; %s of memory (runs that "
			"block and slow nothing: a throttle adds packets)\n",
			pk, n_runs, n_runs == 1 ? "" : "s", all, mem);
	return 0;
}

/*
 * Run every policy through the scenario into (*ims)[i] (the result model:
 * impact.h; allocated, the caller frees it either way), each in a fresh
 * instance: no flow or policer carries over.
 */
int br_sim_runs(const struct br_cli *cli, const struct br_catalog *cat,
		const struct br_scenario *scn, uint64_t seed,
		struct br_policy **events, const char *pcap,
		const struct br_sim_run *runs, size_t n, struct br_impact **ims,
		struct br_sim *keep)
{
	size_t i;
	int err;

	*ims = calloc(n + 1, sizeof(**ims));
	if (!*ims)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct br_traffic_opts o = {
			.cat = cat,
			.scn = scn,
			.seed = seed,
			.initial = runs[i].pol,
			.event_policies = events,
			.labels = pcap != NULL,
		};
		struct br_traffic_result res = { 0 };
		struct br_sim fresh, *sim = keep && keep->dp ? keep : &fresh;

		err = sim == keep ? br_sim_reset(sim, scn->flow_entries,
						 scn->hello_entries)
				  : br_sim_open(sim, pcap, scn->flow_entries,
						scn->hello_entries);
		if (err) {
			br_err("simulate: cannot load the dataplane: %s",
			       strerror(-err));
			return err;
		}
		if (!cli->quiet && !cli->json)
			fprintf(stderr, "simulate: %s ...\n",
				runs[i].file ? runs[i].file : "no policy");
		err = br_traffic_run(sim, &o, &res);
		if (keep && sim == &fresh)
			*keep = fresh; /* the next run resets it */
		else if (sim == &fresh)
			br_sim_close(sim);
		if (!err)
			err = br_impact_compute(cat, runs[i].pol, runs[i].file,
						&res, &(*ims)[i]);
		br_traffic_result_free(&res);
		if (err) {
			br_err("simulate: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* --FORMAT PATH: the result as FORMAT to PATH (NULL: not asked for). */
static int br_sim_file(const struct br_cli *cli, const char *format,
		       const char *path, const struct br_result *result)
{
	int err;

	if (!path)
		return 0;
	err = br_report_to_file(format, path, result);
	if (err) {
		br_err("simulate: --%s %s: %s", format, path, strerror(-err));
		return err;
	}
	if (!cli->quiet)
		fprintf(stderr, "simulate: wrote %s\n", path);
	return 0;
}

/* The report on stdout in format, then the files asked for. */
static int br_sim_report(const struct br_cli *cli,
			 const struct br_result *result, const char *format,
			 const char *html, const char *md)
{
	br_report_format(format)->write(stdout, result);
	fflush(stdout); /* the tables before anything said on stderr */
	if (br_sim_file(cli, "html", html, result) ||
	    br_sim_file(cli, "markdown", md, result))
		return -EIO;
	return 0;
}

/*
 * The runs' policies, and the scenario's swap policies into *events
 * (allocated, one per event; freed by the caller either way).
 */
static int br_sim_policies(const struct br_scenario *scn, struct br_sim_run *runs,
			   size_t n, struct br_policy ***events)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (runs[i].file &&
		    br_cli_parse_policy(runs[i].file, &runs[i].pol))
			return -EINVAL;
	*events = calloc(scn->n_events + 1, sizeof(**events));
	if (!*events)
		return -ENOMEM;
	for (i = 0; i < scn->n_events; i++)
		if (br_cli_parse_policy(scn->events[i].policy, &(*events)[i]))
			return -EINVAL;
	return 0;
}

/* What the command line asks; the policies' files go into runs. */
struct sim_args {
	const char *scn_path;
	const char *pcap; /* --write-pcap */
	const char *html;
	const char *markdown;
	uint64_t seed;
	bool have_seed;
	bool csv;
	bool baseline; /* --no-policy */
	bool summary;
	bool force;
	size_t draws;	  /* --runs N: an ensemble of N draws; 0: one run */
	bool sensitivity; /* --sensitivity */
	size_t jobs;	  /* --jobs N; 0: the CPUs online */
	bool have_shard;  /* --shard I/K */
	size_t shard_i, shard_k;
};

/* A count option's value, min..max; -EINVAL (said) otherwise. */
static int br_sim_count(const char *opt, const char *arg, uint64_t min,
			uint64_t max, size_t *out)
{
	uint64_t v = 0;
	int err = br_lex_u64(arg, strlen(arg), &v);

	if (err || v < min || v > max) {
		br_err("--%s \"%s\": expected a number from %llu to %llu", opt,
		       arg, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

/* --shard I/K: 0 <= I < K. */
static int br_sim_shard(struct sim_args *o, const char *arg)
{
	const char *slash = strchr(arg, '/');
	uint64_t i = 0, k = 0;

	if (!slash || br_lex_u64(arg, (size_t)(slash - arg), &i) ||
	    br_lex_u64(slash + 1, strlen(slash + 1), &k) || !k || i >= k ||
	    k > BR_SIM_MAX_DRAWS) {
		br_err("--shard \"%s\": expected I/K with 0 <= I < K, as in "
		       "--shard 0/4",
		       arg);
		return -EINVAL;
	}
	o->shard_i = (size_t)i;
	o->shard_k = (size_t)k;
	o->have_shard = true;
	return 0;
}

/* --seed N, read as the scenario's seed statement reads one. */
static int br_sim_seed(struct sim_args *o, const char *arg)
{
	int err = br_lex_u64(arg, strlen(arg), &o->seed);

	if (err) {
		br_err("--seed \"%s\": %s", arg,
		       err == -ERANGE ? "too large (at most "
					"18446744073709551615)"
				      : "not a number (digits only, as in "
					"--seed 42)");
		return -EINVAL;
	}
	o->have_seed = true;
	return 0;
}

/*
 * The options into o, each --policy into runs (which has room for argc);
 * 0, or -EINVAL for a usage error (the usage said).
 */
static int br_sim_options(struct sim_args *o, struct br_sim_run *runs, size_t *n_runs,
			  int argc, char **argv)
{
	struct br_args a;
	int c;

	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_POLICY:
			runs[(*n_runs)++].file = a.arg;
			break;
		case BR_OPT_SCENARIO:
			o->scn_path = a.arg;
			break;
		case BR_OPT_SEED:
			if (br_sim_seed(o, a.arg))
				goto usage;
			break;
		case BR_OPT_WRITE_PCAP:
			o->pcap = a.arg;
			break;
		case BR_OPT_CSV:
			o->csv = true;
			break;
		case BR_OPT_NO_POLICY:
			o->baseline = true;
			break;
		case BR_OPT_SUMMARY:
			o->summary = true;
			break;
		case BR_OPT_HTML:
			o->html = a.arg;
			break;
		case BR_OPT_MARKDOWN:
			o->markdown = a.arg;
			break;
		case BR_OPT_FORCE:
			o->force = true;
			break;
		case BR_OPT_RUNS:
			if (br_sim_count("runs", a.arg, 1, BR_SIM_MAX_DRAWS,
					 &o->draws))
				goto usage;
			break;
		case BR_OPT_JOBS:
			if (br_sim_count("jobs", a.arg, 1, 1024, &o->jobs))
				goto usage;
			break;
		case BR_OPT_SHARD:
			if (br_sim_shard(o, a.arg))
				goto usage;
			break;
		case BR_OPT_SENSITIVITY:
			o->sensitivity = true;
			break;
		default:
			goto usage;
		}
	}
	if (a.next == argc)
		return 0;
usage:
	br_cmd_usage_error(argv[0]);
	return -EINVAL;
}

/* "scenario F (N), policies A, B, none": what a partial's draws ran. */
static char *br_sim_what(const struct br_scenario *scn,
			 const struct br_sim_run *runs, size_t n)
{
	char *s = NULL, *prev;
	size_t i;

	if (asprintf(&s, "scenario %s (%s), %zu ranged; policies", scn->file,
		     scn->name, scn->n_params) < 0)
		return NULL;
	for (i = 0; i < n; i++) {
		prev = s;
		if (asprintf(&s, "%s%s %s", prev, i ? "," : "",
			     runs[i].file ? runs[i].file : "none") < 0)
			s = NULL;
		free(prev);
		if (!s)
			return NULL;
	}
	return s;
}

/* Draws texts[0..n) of ks as a partial result on stdout. */
static int br_sim_partial(const struct sim_args *o,
			  const struct br_scenario *scn,
			  const struct br_sim_run *runs, size_t n_runs,
			  const size_t *ks, char **texts, size_t n)
{
	struct br_partial p = { .runs = o->draws,
				.seed = o->seed,
				.shard = o->shard_i,
				.shards = o->shard_k,
				.sensitivity = o->sensitivity };
	char *what = br_sim_what(scn, runs, n_runs);
	size_t i;
	int err;

	if (!what)
		return -ENOMEM;
	p.what = what;
	err = br_partial_write_header(stdout, &p);
	for (i = 0; !err && i < n; i++)
		err = br_partial_write_draw(stdout, ks[i], texts[i]);
	free(what);
	if (fflush(stdout) && !err)
		err = -EIO;
	return err;
}

/*
 * --runs N, --sensitivity: the draws (this shard's), then the ensemble's
 * report, or the shard's partial result. 0, or -1 (said).
 */
static int br_sim_ensemble(const struct br_cli *cli, const struct sim_args *o,
			   const struct br_catalog *cat,
			   struct br_scenario *scn, struct br_policy **events,
			   const struct br_sim_run *runs, size_t n_runs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct br_sim_job job = {
		.cli = cli,
		.cat = cat,
		.scn = scn,
		.events = events,
		.runs = runs,
		.n_runs = n_runs,
		.seed = o->seed,
		.draws = o->draws,
		.sensitivity = o->sensitivity,
		.jobs = o->jobs ? o->jobs : cpus > 0 ? (size_t)cpus : 1,
	};
	struct br_ensemble e = { .seed = o->seed };
	size_t *ks = calloc(o->draws + 1, sizeof(*ks)), n = 0, k;
	char **texts = calloc(o->draws + 1, sizeof(*texts));
	int err = -ENOMEM;

	if (!ks || !texts)
		goto out;
	for (k = 0; k < o->draws; k++)
		if (!o->have_shard || k % o->shard_k == o->shard_i)
			ks[n++] = k;
	err = br_sim_draws(&job, ks, n, texts);
	if (err)
		goto out;
	if (o->have_shard) {
		err = br_sim_partial(o, scn, runs, n_runs, ks, texts, n);
		goto out;
	}
	e.n_sens = o->sensitivity ? scn->n_params : 0;
	err = br_ensemble_from_texts(&e, texts, n);
	if (!err)
		err = e.n_sens ? br_ensemble_summaries(&e)
			       : br_ensemble_reduce(&e);
	if (!err)
		err = br_ensemble_report(&e,
					 cli->json  ? "json"
					 : o->csv   ? "csv"
					 : o->summary ? "summary"
						      : "text",
					 o->html, o->markdown, cli->quiet);
out:
	if (err)
		br_err("simulate: %s", strerror(-err));
	for (k = 0; texts && k < o->draws; k++)
		free(texts[k]);
	free(texts);
	free(ks);
	br_ensemble_free(&e);
	return err ? -1 : 0;
}

int cmd_simulate(struct br_cli *cli, int argc, char **argv)
{
	struct br_policy **events = NULL;
	const struct br_catalog *cat = NULL;
	struct br_scenario *scn = NULL;
	struct br_sim_run *runs = NULL;
	glob_t shipped = { 0 };
	size_t n_runs = 0, i;
	struct sim_args o = {};
	struct br_traffic_estimate est;
	struct br_impact *ims = NULL;
	struct br_result result;
	struct br_diag diag;
	int err, rc = 1;

	runs = calloc(argc + 1, sizeof(*runs));
	if (!runs)
		return 1;
	if (br_sim_options(&o, runs, &n_runs, argc, argv)) {
		free(runs);
		return 2;
	}
	if (!n_runs && !o.baseline &&
	    br_shipped_policies(&runs, &n_runs, &shipped))
		goto out;
	if (!n_runs || o.baseline)
		n_runs++; /* the baseline: a run without a policy, last */
	if ((o.have_shard && !o.draws && !o.sensitivity) ||
	    (o.draws && o.sensitivity) ||
	    (o.pcap && (o.draws || o.sensitivity))) {
		br_err("%s",
		       o.draws && o.sensitivity
			       ? "--runs and --sensitivity: one or the other"
		       : o.pcap ? "--write-pcap: a single run only, not with "
				  "--runs or --sensitivity"
				: "--shard: of --runs N or --sensitivity");
		rc = 2;
		goto out;
	}
	if (o.pcap && n_runs > 1) {
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
	err = o.scn_path ? br_scenario_parse_file(o.scn_path, cat, &scn, &diag)
			 : br_scenario_default(cat, &scn, &diag);
	br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	if (err)
		goto out;
	if (!o.have_seed)
		o.seed = scn->seed;
	if (o.sensitivity && !scn->n_params) {
		br_err("--sensitivity: scenario %s has no assumption given as "
		       "a range (LO..HI: policies/scenarios/README.md)",
		       scn->name);
		goto out;
	}
	if (o.sensitivity)
		o.draws = 1 + 2 * scn->n_params;
	if (br_sim_check_estimate(cli, cat, scn, n_runs * (o.draws ? o.draws
								   : 1),
				  o.force, &est))
		goto out;
	if (br_sim_policies(scn, runs, n_runs, &events))
		goto out;
	if (o.draws) {
		if (!br_sim_ensemble(cli, &o, cat, scn, events, runs, n_runs))
			rc = 0;
		goto out;
	}

	br_sim_pin(0);
	if (br_sim_runs(cli, cat, scn, o.seed, events, o.pcap, runs, n_runs,
			&ims, NULL))
		goto out;
	result = (struct br_result){ .cat = cat,
				     .scn = scn,
				     .seed = o.seed,
				     .est = &est,
				     .n_runs = n_runs,
				     .runs = ims };
	if (br_sim_report(cli, &result,
			  cli->json ? "json" : o.csv ? "csv"
					       : o.summary ? "summary" : "text",
			  o.html, o.markdown))
		goto out;
	rc = 0;
out:
	for (i = 0; runs && i < n_runs; i++) {
		br_policy_free(runs[i].pol);
		if (ims)
			br_impact_free(&ims[i]);
	}
	free(ims);
	for (i = 0; events && scn && i < scn->n_events; i++)
		br_policy_free(events[i]);
	free(events);
	free(runs);
	globfree(&shipped);
	br_scenario_free(scn);
	return rc;
}
