// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_lab_run.c - blastradius lab up|run|compare|down|list
 *
 * up builds a lab from a scenario (scripts/labctl.sh wires it; the
 * resolver, the TLS and push servers start in it); run plays the
 * scenario's devices there (lab/wire_lab.h) with a policy in force on
 * the router, and prints simulate's report; compare runs the model on
 * the same scenario and seed and puts both side by side; down removes a
 * lab, whatever state it is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli.h"
#include "cmdline.h"
#include "impact.h"
#include "json.h"
#include "lex.h"
#include "labsetup.h"
#include "log.h"
#include "result.h"
#include "stack.h"
#include "wire_lab.h"

#ifndef BR_DATADIR
#define BR_DATADIR "/usr/local/share/blastradius"
#endif
/* the source tree's (as the catalog is found), else the installed one */
#ifdef BR_SOURCE_DIR
#define LAB_SOURCE_SCENARIO BR_SOURCE_DIR "/policies/scenarios/lab.scenario"
#else
#define LAB_SOURCE_SCENARIO BR_DATADIR "/scenarios/lab.scenario"
#endif
#define LAB_DEFAULT_SCENARIO "policies/scenarios/lab.scenario"

static const char *lab_default_scenario(void)
{
	if (!access(LAB_SOURCE_SCENARIO, R_OK))
		return LAB_SOURCE_SCENARIO;
	return BR_DATADIR "/scenarios/lab.scenario";
}
#define LAB_MAX_POLICIES 16
/*
 * The round trip of a lab link that adds no delay (a kernel without
 * netem): two veth hops and the router's program each way take well
 * under a millisecond (assumption: 1 ms covers a loaded 2-core run).
 */
#define LAB_RTT_FLOOR (1 * MS)

struct lab_args {
	const char *id;
	const char *scn_path;
	const char *pol[LAB_MAX_POLICIES];
	size_t n_pol;
	const char *html, *md;
	uint64_t seed;
	bool have_seed;
	bool keep;
};

/* What a lab command works on: catalog, scenario, policies, the map. */
struct lab_world {
	const struct br_catalog *cat;
	struct br_scenario *scn;
	struct br_policy *pol[LAB_MAX_POLICIES]; /* rewritten for the lab */
	struct br_policy **events;		 /* rewritten for the lab */
	struct br_addrmap *map;
	uint64_t seed;
	uint64_t rtt_ns[2]; /* the lab's links', both runs use them */
};

static void world_free(struct lab_world *w)
{
	size_t i;

	for (i = 0; i < LAB_MAX_POLICIES; i++)
		br_policy_free(w->pol[i]);
	for (i = 0; w->events && w->scn && i < w->scn->n_events; i++)
		br_policy_free(w->events[i]);
	free(w->events);
	br_addrmap_free(w->map);
	br_scenario_free(w->scn);
	memset(w, 0, sizeof(*w));
}

static int rewrite(const struct lab_world *w, struct br_policy *p,
		   const char *file)
{
	size_t bad;
	int err = br_addrmap_rewrite(w->map, p->sets, p->n_sets, &bad);

	if (err)
		br_err("lab: %s: set %s has a prefix the lab's map lacks "
		       "(bring the lab up with --policy %s)",
		       file, p->sets[bad].name, file);
	return err;
}

/*
 * The scenario (its own path, or the lab's default), the policies, and
 * the map of every prefix they and the catalog name; for the lab (lab
 * true) the policies rewritten by it, for the model as written.
 */
static int world_load(const struct lab_args *a, bool lab,
		      struct lab_world *w)
{
	const char *path = a->scn_path ? a->scn_path : lab_default_scenario();
	struct br_diag diag;
	size_t i;
	int err;

	memset(w, 0, sizeof(*w));
	if (br_cli_catalog(&w->cat))
		return -EINVAL;
	br_diag_init(&diag);
	err = br_scenario_parse_file(path, w->cat, &w->scn, &diag);
	br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	if (err)
		return err;
	w->seed = a->have_seed ? a->seed : w->scn->seed;
	for (i = 0; i < a->n_pol; i++)
		if (br_cli_parse_policy(a->pol[i], &w->pol[i]))
			return -EINVAL;
	w->events = calloc(w->scn->n_events + 1, sizeof(*w->events));
	if (!w->events)
		return -ENOMEM;
	for (i = 0; i < w->scn->n_events; i++)
		if (br_cli_parse_policy(w->scn->events[i].policy,
					&w->events[i]))
			return -EINVAL;
	err = br_addrmap_new(&w->map);
	if (!err)
		err = br_addrmap_add_sets(w->map, w->cat->sets, w->cat->n_sets);
	for (i = 0; !err && i < a->n_pol; i++)
		err = br_addrmap_add_sets(w->map, w->pol[i]->sets,
					  w->pol[i]->n_sets);
	for (i = 0; !err && i < w->scn->n_events; i++)
		err = br_addrmap_add_sets(w->map, w->events[i]->sets,
					  w->events[i]->n_sets);
	if (!err)
		err = br_addrmap_build(w->map);
	if (err) {
		br_err("lab: the address map: %s", strerror(-err));
		return err;
	}
	for (i = 0; lab && !err && i < a->n_pol; i++)
		err = rewrite(w, w->pol[i], a->pol[i]);
	for (i = 0; lab && !err && i < w->scn->n_events; i++)
		err = rewrite(w, w->events[i], w->scn->events[i].policy);
	return err;
}

/* The lab must see every device: no VPN, proxy or uncovered access. */
static int devices_check(const struct lab_world *w,
			 struct br_traffic_device **devs)
{
	struct br_traffic_opts o = { .cat = w->cat, .scn = w->scn,
				     .seed = w->seed };
	int n = br_traffic_devices(&o, devs), i;

	if (n < 0)
		return n;
	if (n > BR_LAB_DEVICES_MAX) {
		br_err("lab: scenario %s has %d devices; the lab emulates at "
		       "most %d (a lab-sized one: %s)",
		       w->scn->name, n, BR_LAB_DEVICES_MAX,
		       LAB_DEFAULT_SCENARIO);
		return -E2BIG;
	}
	for (i = 0; i < n; i++)
		if ((*devs)[i].unseen || (*devs)[i].proxy) {
			br_err("lab: scenario %s has devices the censor does "
			       "not see (vpn, coverage, operators) or that "
			       "use a proxy: the lab has no path around its "
			       "router yet",
			       w->scn->name);
			return -ENOTSUP;
		}
	return n;
}

static int write_file(const char *path, int (*fill)(FILE *, const void *),
		      const void *arg)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f) {
		br_err("lab: %s: %s", path, strerror(errno));
		return -errno;
	}
	err = fill(f, arg);
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

struct devfile_arg {
	const struct br_traffic_device *v;
	uint32_t n;
};

static int fill_devfile(FILE *f, const void *arg)
{
	const struct devfile_arg *d = arg;

	return br_lab_devfile(f, d->v, d->n);
}

static int fill_dnsmasq(FILE *f, const void *arg)
{
	const struct lab_world *w = arg;

	return br_lab_dnsmasq_conf(f, w->cat, w->map);
}

/* Wait until the push service answers on its control socket. */
static int wait_ctl(const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i, fd, ok;

	snprintf(a.sun_path, sizeof(a.sun_path), "%.90s/%s", dir, BR_LAB_CTL);
	for (i = 0; i < 200; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		ok = !connect(fd, (void *)&a, sizeof(a));
		close(fd);
		if (ok)
			return 0;
		nanosleep(&ts, NULL);
	}
	br_err("lab: the push service did not come up (see %s/serve.log)",
	       dir);
	return -ETIMEDOUT;
}

/* Start the lab's servers in its server namespace. */
static int servers_start(const char *id, const char *dir,
			 const struct lab_world *w)
{
	char tcp[1024], udp[1024], quic[256], bin[PATH_MAX], exe[PATH_MAX + 16];
	char conf[PATH_MAX + 32], confarg[PATH_MAX + 48], pid[64];
	int err;

	err = br_lab_bin_dir(bin, sizeof(bin));
	if (err)
		return err;
	snprintf(exe, sizeof(exe), "%s/blastradius", bin);
	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", dir);
	snprintf(confarg, sizeof(confarg), "--conf-file=%s", conf);
	err = write_file(conf, fill_dnsmasq, w);
	if (err)
		return err;
	br_lab_ports(w->cat, tcp, udp, quic, sizeof(tcp));
	{
		const char *dns[] = { "spawn", id, BR_LAB_NS_SERVER, "dnsmasq",
				      "/usr/sbin/dnsmasq", "--keep-in-foreground",
				      confarg, NULL };
		const char *serve[] = { "spawn", id, BR_LAB_NS_SERVER, "serve",
					exe, "lab", "serve", "--dir", dir,
					"--tcp", tcp, "--udp", udp, NULL };

		const char *qs[8 + 2 * 16] = { "spawn", id, BR_LAB_NS_SERVER,
					       "quic", exe, "lab",
					       "quic-serve" };
		char *save = NULL, *tok;
		int k = 7;

		for (tok = strtok_r(quic, ",", &save); tok && k < 8 + 2 * 15;
		     tok = strtok_r(NULL, ",", &save)) {
			qs[k++] = "--port";
			qs[k++] = tok;
		}
		qs[k] = NULL;
		if (br_labctl(pid, sizeof(pid), dns) ||
		    br_labctl(pid, sizeof(pid), serve) ||
		    (k > 7 && br_labctl(pid, sizeof(pid), qs))) {
			br_err("lab: cannot start the lab's servers");
			return -EIO;
		}
	}
	return wait_ctl(dir);
}

/* Bring lab id up for w's scenario. */
static int lab_bring_up(const char *id, const struct lab_world *w)
{
	struct br_traffic_device *devs = NULL;
	char devpath[PATH_MAX], dir[PATH_MAX], bin[PATH_MAX];
	struct devfile_arg d;
	int n, err;

	n = devices_check(w, &devs);
	if (n < 0) {
		free(devs);
		return n;
	}
	d = (struct devfile_arg){ .v = devs, .n = (uint32_t)n };
	mkdir(BR_LAB_RUN_DIR, 0700);
	snprintf(devpath, sizeof(devpath), "%s/.devices-%s", BR_LAB_RUN_DIR,
		 id);
	snprintf(dir, sizeof(dir), "%s/%s", BR_LAB_RUN_DIR, id);
	err = write_file(devpath, fill_devfile, &d);
	free(devs);
	if (!err)
		err = br_lab_bin_dir(bin, sizeof(bin));
	if (!err) {
		const char *probe[] = { "netem", NULL };
		char wifi[16] = "0", cell[16] = "0";
		const char *up[] = { "up",	   id,	 devpath,     "--bin",
				     bin,	   "--rtt-wifi", wifi,
				     "--rtt-cell", cell, NULL };

		/* the model's round trips where the kernel can delay */
		if (!br_labctl(NULL, 0, probe)) {
			snprintf(wifi, sizeof(wifi), "%llu",
				 (unsigned long long)(BR_RTT_WIFI / MS));
			snprintf(cell, sizeof(cell), "%llu",
				 (unsigned long long)(BR_RTT_CELL / MS));
		} else {
			fprintf(stderr, "lab %s: this kernel has no netem: "
					"the links add no delay, and the "
					"comparison's model runs with the "
					"lab's round trips\n",
				id);
		}
		err = br_labctl(NULL, 0, up) ? -EIO : 0;
	}
	unlink(devpath);
	if (!err)
		err = servers_start(id, dir, w);
	if (err) {
		const char *down[] = { "down", id, NULL };

		br_labctl(NULL, 0, down);
	}
	return err;
}

static int lab_take_down(const char *id)
{
	const char *down[] = { "down", id, NULL };

	return br_labctl(NULL, 0, down) ? -EIO : 0;
}

static void new_id(char id[BR_LAB_ID_MAX + 1])
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	snprintf(id, BR_LAB_ID_MAX + 1, "%06x", r & 0xffffff);
}

/*
 * Whether lab id was wired for w's devices (labctl.sh's STATE/devices:
 * each device on its access, in order): a lab brought up for another
 * population has its devices' addresses elsewhere.
 */
static int lab_devices_match(const char *id, const struct lab_world *w)
{
	struct br_traffic_device *devs = NULL;
	char path[PATH_MAX], line[256], access[8];
	int n, i = 0, err = 0;
	FILE *f;

	n = devices_check(w, &devs);
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "%s/%s/devices", BR_LAB_RUN_DIR, id);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		br_err("lab %s: %s: %s", id, path, strerror(errno));
		goto out;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s", access) != 1 || access[0] == '#')
			continue;
		if (i >= n || !strcmp(access, "cell") != !!devs[i].cellular)
			err = -EINVAL;
		i++;
	}
	fclose(f);
	if (!err && i != n)
		err = -EINVAL;
	if (err == -EINVAL)
		br_err("lab %s was brought up for another population than "
		       "scenario %s's: bring one up for it (lab up --scenario "
		       "S), or run without --lab",
		       id, w->scn->name);
out:
	free(devs);
	return err;
}

/* The round trips lab id's links add (labctl.sh's STATE/rtt), into w. */
static int lab_rtts(const char *id, struct lab_world *w)
{
	char path[PATH_MAX], kind[8];
	unsigned long long ms;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/rtt", BR_LAB_RUN_DIR, id);
	f = fopen(path, "re");
	if (!f) {
		br_err("lab %s: %s: %s", id, path, strerror(errno));
		return -errno;
	}
	while (fscanf(f, "%7s %llu", kind, &ms) == 2) {
		int c = !strcmp(kind, "cell");

		w->rtt_ns[c] = ms ? ms * MS : LAB_RTT_FLOOR;
	}
	fclose(f);
	return 0;
}

/* A policy that passes everything: what "no policy" puts in force. */
static int open_policy(struct br_policy **out)
{
	static const char text[] = "policy none\n"
				   "description \"the lab: no policy\"\n"
				   "default pass\n";
	struct br_diag diag;
	int err;

	br_diag_init(&diag);
	err = br_policy_parse_buffer("(none)", text, sizeof(text) - 1, out,
				     &diag);
	br_diag_print(&diag, stderr);
	br_diag_free(&diag);
	return err;
}

/*
 * The scenario in lab id, with policy p in force first (NULL: none, and
 * none is put in force over what an earlier run left): res filled.
 */
static int lab_play(const char *id, const struct lab_world *w,
		    struct br_policy *p, struct br_traffic_result *res,
		    struct br_lab_stats *st)
{
	struct br_policy *none = NULL;
	struct br_traffic_opts o = { .cat = w->cat, .scn = w->scn,
				     .seed = w->seed, .initial = p,
				     .event_policies = w->events,
				     .rtt_ns = { w->rtt_ns[0], w->rtt_ns[1] } };
	char pins[PATH_MAX + 32];
	struct br_labnet net;
	struct br_lab_opts lo = { .net = &net, .map = w->map };
	int err;

	if (!p) {
		err = open_policy(&none);
		if (err)
			return err;
		o.initial = none;
	}
	err = br_labnet_open(&net, id);
	if (err) {
		br_err("lab: no lab %s is up: %s", id, strerror(-err));
		br_policy_free(none);
		return err;
	}
	snprintf(pins, sizeof(pins), "%s/bpf/state", net.dir);
	err = br_dp_open_pinned(pins, &lo.dp);
	if (err)
		br_err("lab: the router's program in %s: %s", pins,
		       strerror(-err));
	if (!err)
		err = br_lab_run(&lo, &o, res, st);
	if (lo.dp)
		br_dp_close(lo.dp);
	br_labnet_close(&net);
	br_policy_free(none);
	return err;
}

static int lab_args_parse(int argc, char **argv, struct lab_args *a,
			  int *first)
{
	struct br_args p;
	int c;

	memset(a, 0, sizeof(*a));
	br_args_init(&p, argc, argv);
	while ((c = br_args_next(&p)) != -1) {
		switch (c) {
		case BR_OPT_POLICY:
			if (a->n_pol == LAB_MAX_POLICIES)
				return -E2BIG;
			a->pol[a->n_pol++] = p.arg;
			break;
		case BR_OPT_SCENARIO:
			a->scn_path = p.arg;
			break;
		case BR_OPT_SEED: /* as simulate reads it */
			if (br_lex_u64(p.arg, strlen(p.arg), &a->seed)) {
				br_err("--seed \"%s\": not a number from 0 to "
				       "18446744073709551615",
				       p.arg);
				return -EINVAL;
			}
			a->have_seed = true;
			break;
		case BR_OPT_LAB:
			a->id = p.arg;
			break;
		case BR_OPT_KEEP:
			a->keep = true;
			break;
		case BR_OPT_HTML:
			a->html = p.arg;
			break;
		case BR_OPT_MARKDOWN:
			a->md = p.arg;
			break;
		default:
			return -EINVAL;
		}
	}
	*first = p.next;
	return 0;
}

/* ---- compare -------------------------------------------------------------- */

/* Rows that differ by more than this many percentage points are flagged. */
#define LAB_AGREE_PP 5.0

static double pct(uint64_t k, uint64_t n)
{
	return n ? 100.0 * (double)k / (double)n : 0;
}

struct cmp_row {
	const char *svc, *act, *plat;
	const struct br_outcome *mo, *lo;
	double d_failed, d_late;
	bool flagged;
};

/* Row i of the comparison (service by action by platform); false past
 * the end. Rows no instance of either run attempted are skipped. */
static bool cmp_row(const struct br_catalog *cat,
		    const struct br_traffic_result *model,
		    const struct br_traffic_result *lab, size_t *i,
		    struct cmp_row *r)
{
	size_t s, a, fa;
	int p;

	for (; *i < 2 * model->n_actions; (*i)++) {
		fa = *i / 2;
		p = (int)(*i % 2);
		r->mo = &model->by_platform[p][fa];
		r->lo = &lab->by_platform[p][fa];
		if (!r->mo->attempted && !r->lo->attempted)
			continue;
		for (s = 0; s + 1 < cat->n_services &&
			    model->action_base[s + 1] <= fa;)
			s++;
		a = fa - model->action_base[s];
		r->svc = cat->services[s].id;
		r->act = cat->services[s].actions[a].name;
		r->plat = p ? "android" : "ios";
		r->d_failed = pct(r->lo->failed, r->lo->attempted) -
			      pct(r->mo->failed, r->mo->attempted);
		r->d_late = pct(r->lo->late, r->lo->attempted) -
			    pct(r->mo->late, r->mo->attempted);
		r->flagged = r->d_failed > LAB_AGREE_PP ||
			     r->d_failed < -LAB_AGREE_PP ||
			     r->d_late > LAB_AGREE_PP ||
			     r->d_late < -LAB_AGREE_PP;
		(*i)++;
		return true;
	}
	return false;
}

static size_t cmp_print(const struct br_cli *cli, const struct lab_world *w,
			const char *policy,
			const struct br_traffic_result *model,
			const struct br_traffic_result *lab,
			const struct br_lab_stats *st)
{
	struct cmp_row r;
	size_t i = 0, flagged = 0;
	struct br_json j;

	if (cli->json) {
		br_json_init(&j, stdout);
		br_json_object(&j);
		br_json_kstr(&j, "scenario", w->scn->name);
		br_json_ku64(&j, "seed", w->seed);
		br_json_kstr(&j, "policy", policy ? policy : "none");
		br_json_knum(&j, "agree_pp", LAB_AGREE_PP);
		br_json_key(&j, "rows");
		br_json_array(&j);
	} else {
		printf("lab compare: scenario %s, seed %llu, policy %s: per "
		       "action instance, the model (simulate) and the lab\n"
		       "(real stacks through the router); ! marks a row whose "
		       "failed or late share differs by more than %.0f "
		       "percentage points\n\n",
		       w->scn->name, (unsigned long long)w->seed,
		       policy ? policy : "none", LAB_AGREE_PP);
		printf("  %-14s %-20s %-8s %13s %15s %8s %15s %8s\n",
		       "service", "action", "platform", "attempted",
		       "failed %", "diff", "late %", "diff");
		printf("  %-14s %-20s %-8s %6s %6s %7s %7s %8s %7s %7s %8s\n",
		       "", "", "", "model", "lab", "model", "lab", "pp",
		       "model", "lab", "pp");
	}
	while (cmp_row(w->cat, model, lab, &i, &r)) {
		flagged += r.flagged;
		if (!cli->json) {
			printf("%c %-14s %-20s %-8s %6llu %6llu %7.1f %7.1f "
			       "%+8.1f %7.1f %7.1f %+8.1f\n",
			       r.flagged ? '!' : ' ', r.svc, r.act, r.plat,
			       (unsigned long long)r.mo->attempted,
			       (unsigned long long)r.lo->attempted,
			       pct(r.mo->failed, r.mo->attempted),
			       pct(r.lo->failed, r.lo->attempted), r.d_failed,
			       pct(r.mo->late, r.mo->attempted),
			       pct(r.lo->late, r.lo->attempted), r.d_late);
			continue;
		}
		br_json_object(&j);
		br_json_kstr(&j, "service", r.svc);
		br_json_kstr(&j, "action", r.act);
		br_json_kstr(&j, "platform", r.plat);
		br_json_key(&j, "model");
		br_json_object(&j);
		br_json_ku64(&j, "attempted", r.mo->attempted);
		br_json_ku64(&j, "failed", r.mo->failed);
		br_json_ku64(&j, "late", r.mo->late);
		br_json_end(&j);
		br_json_key(&j, "lab");
		br_json_object(&j);
		br_json_ku64(&j, "attempted", r.lo->attempted);
		br_json_ku64(&j, "failed", r.lo->failed);
		br_json_ku64(&j, "late", r.lo->late);
		br_json_end(&j);
		br_json_knum(&j, "failed_diff_pp", r.d_failed);
		br_json_knum(&j, "late_diff_pp", r.d_late);
		br_json_kbool(&j, "flagged", r.flagged);
		br_json_end(&j);
	}
	if (cli->json) {
		br_json_end(&j);
		br_json_ku64(&j, "flagged", flagged);
		br_json_key(&j, "lab_run");
		br_json_object(&j);
		br_json_knum(&j, "lag_max_s", st->lag_max_ns / 1e9);
		br_json_knum(&j, "lag_mean_s",
				st->events ? st->lag_sum_ns / 1e9 / st->events
					   : 0);
		br_json_ku64(&j, "sockets", st->sockets);
		br_json_ku64(&j, "pushes", st->pushes);
		br_json_knum(&j, "wall_s", lab->wall_s);
		br_json_end(&j);
		br_json_end(&j);
	} else {
		printf("\n%zu row%s flagged. The lab's run: %.1f s, events "
		       "late by %.3f s at most (%.4f s on average), %llu "
		       "sockets, %llu pushes delivered down channels.\n",
		       flagged, flagged == 1 ? "" : "s", lab->wall_s,
		       st->lag_max_ns / 1e9,
		       st->events ? st->lag_sum_ns / 1e9 / st->events : 0,
		       (unsigned long long)st->sockets,
		       (unsigned long long)st->pushes);
	}
	return flagged;
}

/* ---- the verbs ------------------------------------------------------------ */

static int lab_report(const struct br_cli *cli, const struct lab_args *a,
		      const struct lab_world *w, struct br_traffic_result *res)
{
	struct br_impact im;
	struct br_result result;
	int err;

	err = br_impact_compute(w->cat, w->pol[0], a->n_pol ? a->pol[0] : NULL,
				res, &im);
	if (err)
		return err;
	result = (struct br_result){ .cat = w->cat, .scn = w->scn,
				     .seed = w->seed, .n_runs = 1,
				     .runs = &im };
	br_report_format(cli->json ? "json" : "text")->write(stdout, &result);
	fflush(stdout);
	if (!err && a->html)
		err = br_report_to_file("html", a->html, &result);
	if (!err && a->md)
		err = br_report_to_file("markdown", a->md, &result);
	br_impact_free(&im);
	return err;
}

/* The model's run of the same scenario, seed and policies. */
static int model_play(const struct lab_args *a, const uint64_t rtt_ns[2],
		      struct br_traffic_result *res)
{
	struct lab_world mw;
	struct br_traffic_opts o;
	struct br_sim sim;
	int err;

	/* the policies as written: the model has the real addresses */
	err = world_load(a, false, &mw);
	if (err)
		goto out;
	o = (struct br_traffic_opts){ .cat = mw.cat, .scn = mw.scn,
				      .seed = mw.seed, .initial = mw.pol[0],
				      .rtt_ns = { rtt_ns[0], rtt_ns[1] } };
	err = br_sim_open(&sim, NULL, mw.scn->flow_entries,
			  mw.scn->hello_entries);
	if (err) {
		br_err("lab compare: the model's dataplane: %s",
		       strerror(-err));
		goto out;
	}
	o.event_policies = mw.events;
	err = br_traffic_run(&sim, &o, res);
	br_sim_close(&sim);
out:
	world_free(&mw);
	return err;
}

static int lab_run_verb(const struct br_cli *cli, const struct lab_args *a,
			bool compare)
{
	char id[BR_LAB_ID_MAX + 1];
	struct br_traffic_result res = { 0 }, model = { 0 };
	struct br_lab_stats st;
	struct lab_world w;
	bool own = !a->id;
	int err, rc = 1;

	if (a->n_pol > 1) {
		br_err("lab: one --policy at most (the scenario's timeline "
		       "swaps others in)");
		return 2;
	}
	err = world_load(a, true, &w);
	if (err)
		goto out;
	if (own) {
		new_id(id);
		if (!cli->quiet)
			fprintf(stderr, "lab %s: bringing it up (if this run "
					"is killed: blastradius lab down %s)\n",
				id, id);
		err = lab_bring_up(id, &w);
		if (err)
			goto out;
	} else {
		snprintf(id, sizeof(id), "%s", a->id);
		err = lab_devices_match(id, &w);
		if (err)
			goto out;
	}
	err = lab_rtts(id, &w);
	if (err)
		goto down;
	if (!cli->quiet)
		fprintf(stderr, "lab %s: %s, %.0f s of real time ...\n", id,
			w.scn->name, w.scn->duration_ns / 1e9);
	err = lab_play(id, &w, w.pol[0], &res, &st);
	if (err)
		br_err("lab %s: the run failed: %s", id, strerror(-err));
down:
	if (own && !a->keep && lab_take_down(id) && !err)
		err = -EIO;
	if (err)
		goto out;
	if (!compare) {
		rc = lab_report(cli, a, &w, &res) ? 1 : 0;
		goto out;
	}
	err = model_play(a, w.rtt_ns, &model);
	if (!err)
		rc = cmp_print(cli, &w, a->n_pol ? a->pol[0] : NULL, &model,
			       &res, &st)
			     ? 3
			     : 0;
out:
	br_traffic_result_free(&res);
	br_traffic_result_free(&model);
	world_free(&w);
	return rc;
}

static int lab_up_verb(const struct br_cli *cli, const struct lab_args *a)
{
	char id[BR_LAB_ID_MAX + 1];
	struct lab_world w;
	int err;

	if (a->id && !br_labnet_id_ok(a->id)) {
		br_err("lab up: --lab %s: an id is 1-8 of [0-9a-z]", a->id);
		return 2;
	}
	if (a->id)
		snprintf(id, sizeof(id), "%s", a->id);
	else
		new_id(id);
	err = world_load(a, true, &w);
	if (!err)
		err = lab_bring_up(id, &w);
	world_free(&w);
	if (err)
		return 1;
	if (cli->json)
		printf("{\"lab\":\"%s\"}\n", id);
	else
		printf("lab %s is up (%s): run in it with blastradius lab run "
		       "--lab %s --policy P; remove it with blastradius lab "
		       "down %s\n",
		       id, a->scn_path ? a->scn_path : LAB_DEFAULT_SCENARIO,
		       id, id);
	return 0;
}

int cmd_lab_verbs(struct br_cli *cli, int argc, char **argv)
{
	struct lab_args a;
	const char *verb;
	int first, i;

	if (lab_args_parse(argc, argv, &a, &first) || first >= argc) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	verb = argv[first];
	if (br_cli_require_privileges())
		return 1;
	if (!strcmp(verb, "up") && first + 1 == argc)
		return lab_up_verb(cli, &a);
	if ((!strcmp(verb, "run") || !strcmp(verb, "compare")) &&
	    first + 1 == argc)
		return lab_run_verb(cli, &a, verb[0] == 'c');
	if (!strcmp(verb, "down") && first + 1 < argc) {
		for (i = first + 1; i < argc; i++) {
			if (!br_labnet_id_ok(argv[i])) {
				br_err("lab down: %s: an id is 1-8 of "
				       "[0-9a-z]",
				       argv[i]);
				return 2;
			}
			if (lab_take_down(argv[i]))
				return 1;
		}
		return 0;
	}
	if (!strcmp(verb, "list") && first + 1 == argc) {
		const char *list[] = { "list", NULL };
		static char ids[65536];
		int rc = br_labctl(ids, sizeof(ids), list);

		fputs(ids, stdout);
		return rc ? 1 : 0;
	}
	br_cmd_usage_error(argv[0]);
	return 2;
}
