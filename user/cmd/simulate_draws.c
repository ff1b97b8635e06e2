// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * simulate_draws.c - an ensemble's draws, each one run of every policy
 * through the scenario with its own values of the ranged assumptions and
 * its own seed, run a few at a time in child processes (each with its own
 * instances of the dataplane: one BPF program per worker), their results
 * handed back as the JSON simulate prints for a single run.
 *
 * A worker writes its draws to a temporary file the parent made before
 * the fork: "k length\n" and the JSON, draw after draw.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "log.h"
#include "result.h"
#include "simulate.h"

/* Set scn for draw k; the draw's seed. */
static uint64_t draw_setup(const struct br_sim_job *job, size_t k)
{
	struct br_scenario *scn = job->scn;
	size_t p;

	if (!job->sensitivity)
		return br_scn_draw(scn, job->seed, k);
	/* one assumption at an end, the others central, the same seed:
	 * what moves is that assumption's doing */
	br_scn_param_central(scn);
	if (k > 0) {
		p = (k - 1) / 2;
		br_scn_param_set(scn, p, (k - 1) % 2 ? scn->params[p].hi
						    : scn->params[p].lo);
	}
	return job->seed;
}

/* Draw k as the JSON of a single run into *text, on the instance sim. */
static int draw_one(const struct br_sim_job *job, size_t k, char **text,
		    size_t *len, struct br_sim *sim)
{
	struct br_cli quiet = *job->cli;
	struct br_impact *ims = NULL;
	struct br_result result;
	uint64_t seed;
	size_t i;
	FILE *m;
	int err;

	quiet.quiet = true;
	seed = draw_setup(job, k);
	err = br_sim_runs(&quiet, job->cat, job->scn, seed, job->events, NULL,
			  job->runs, job->n_runs, &ims, sim);
	if (!err) {
		result = (struct br_result){ .cat = job->cat,
					     .scn = job->scn,
					     .seed = seed,
					     .n_runs = job->n_runs,
					     .runs = ims };
		m = open_memstream(text, len);
		err = m ? br_report_format("json")->write(m, &result)
			: -ENOMEM;
		if (m && fclose(m) && !err)
			err = -EIO;
	}
	for (i = 0; ims && i < job->n_runs; i++)
		br_impact_free(&ims[i]);
	free(ims);
	return err;
}

void br_sim_pin(size_t w)
{
	cpu_set_t allowed, one;
	size_t seen = 0, want;
	int cpu;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	want = w % (size_t)CPU_COUNT(&allowed);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed) || seen++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

/* Worker w of n: draws ks[w], ks[w + n], ... into f. */
static int worker(const struct br_sim_job *job, const size_t *ks,
		  size_t n_ks, size_t w, size_t n, FILE *f)
{
	struct br_sim sim = { 0 };
	char *text = NULL;
	size_t i, len = 0;
	int err = 0;

	br_sim_pin(w);
	/*
	 * One instance for all the worker's runs, loaded once and reset
	 * (br_sim_reset), unless the scenario sets the censor's tables:
	 * small ones overflow, and which flow the kernel's LRU evicts then
	 * depends on what the table held before: a reset table is not a
	 * fresh one.
	 */
	for (i = w; i < n_ks && !err; i += n) {
		if (!job->cli->quiet && !job->cli->json)
			fprintf(stderr, "simulate: run %zu of %zu ...\n",
				ks[i] + 1, job->draws);
		err = draw_one(job, ks[i], &text, &len,
			       job->scn->flow_entries ||
					       job->scn->hello_entries
				       ? NULL
				       : &sim);
		if (err) {
			br_err("simulate: run %zu: %s", ks[i] + 1,
			       strerror(-err));
			break;
		}
		fprintf(f, "%zu %zu\n", i, len);
		fwrite(text, 1, len, f);
		free(text);
		text = NULL;
	}
	if (sim.dp)
		br_sim_close(&sim);
	return err ? err : fflush(f) || ferror(f) ? -EIO : 0;
}

/* The records of a worker's file into texts[]. */
static int collect(FILE *f, size_t n_ks, char **texts)
{
	size_t i, len;

	rewind(f);
	while (fscanf(f, "%zu %zu", &i, &len) == 2) {
		if (fgetc(f) != '\n' || i >= n_ks || texts[i])
			return -EIO;
		texts[i] = malloc(len + 1);
		if (!texts[i])
			return -ENOMEM;
		if (fread(texts[i], 1, len, f) != len)
			return -EIO;
		texts[i][len] = '\0';
	}
	return 0;
}

int br_sim_draws(const struct br_sim_job *job, const size_t *ks, size_t n,
		 char **texts)
{
	size_t w, n_w = job->jobs < n ? job->jobs : n;
	FILE **files = calloc(n_w + 1, sizeof(*files));
	pid_t *pids = calloc(n_w + 1, sizeof(*pids));
	int err = 0, status;

	if (!files || !pids) {
		err = -ENOMEM;
		goto out;
	}
	fflush(NULL); /* nothing buffered gets written twice */
	for (w = 0; w < n_w && !err; w++) {
		files[w] = tmpfile();
		if (!files[w]) {
			err = -errno;
			break;
		}
		pids[w] = fork();
		if (pids[w] < 0) {
			err = -errno;
			break;
		}
		if (!pids[w])
			_exit(worker(job, ks, n, w, n_w, files[w]) ? 1 : 0);
	}
	for (w = 0; w < n_w; w++) {
		if (pids[w] <= 0)
			continue;
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			err = err ? err : -ECHILD;
		else if (!err)
			err = collect(files[w], n, texts);
	}
	for (w = 0; !err && w < n; w++)
		if (!texts[w])
			err = -EIO;
out:
	for (w = 0; files && w < n_w; w++)
		if (files[w])
			fclose(files[w]);
	free(files);
	free(pids);
	return err;
}
