// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dataplane.c - one instance of the BPF object: load, pin, fill a slot,
 * commit, attach, read counters, run test packets.
 *
 * Pinned layout under the pin directory (one bpffs directory per instance):
 *   <map name>              every map of the BPF object ("active", "policy",
 *                           "counters", ...)
 *   prog_subscriber, prog_upstream
 *                           the two entry points, so a later process can
 *                           attach more interfaces without reloading
 *   state, ifaces, retired  loader-only maps: the next generation number and
 *                           load options, the attached interfaces, and the
 *                           counters of generations that left the ring
 *   grace                   an array-of-maps whose update waits for an RCU
 *                           grace period (see br_dp_grace_period)
 *   link@NETNS@IFNAME       one pinned XDP bpf_link per interface
 *   owner                   the marker (pindir.h): pinned first, removed
 *                           last; without it nothing here is touched
 *
 * A load pins the marker, the maps and programs, attaches and pins the
 * links, and commits its policy last: until then the program passes every
 * packet (no generation in force), and an instance without a committed
 * generation is a load that died, which status reports and the next load
 * or unload clears.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "blastradius.skel.h"
#include "dataplane.h"
#include "log.h"
#include "pindir.h"

#define BR_MAX_IFACES 64

enum br_map_id {
	BR_MAP_ACTIVE,
	BR_MAP_POLICY,
	BR_MAP_RULES,
	BR_MAP_CLASSES,
	BR_MAP_V4_DIR,
	BR_MAP_V4_LINES,
	BR_MAP_V6_LINES,
	BR_MAP_DOMAIN_FILTER,
	BR_MAP_PROTO,
	BR_MAP_SPORT,
	BR_MAP_DPORT,
	BR_MAP_ETYPE,
	BR_MAP_GENERATIONS,
	BR_MAP_COUNTERS,
	BR_MAP_FRAGS,
	BR_MAP_QTYPE,
	BR_MAP_QUIC,
	BR_MAP_STUN_TYPE,
	BR_MAP_JA4,
	BR_MAP_DOMAINS,
	BR_MAP_DOMAIN_RULES,
	BR_MAP_FLOWS,
	BR_MAP_TLS_PENDING,
	BR_MAP_NAMES,
	BR_MAP_PENALTIES,
	BR_MAP_QUIC_PROGS,
	BR_MAP_N,
};

/* slot_bytes: size of one slot's part; 0 for maps that are not slotted. */
static const struct {
	const char *name;
	size_t slot_bytes;
	bool mmapable;
} br_maps[BR_MAP_N] = {
	[BR_MAP_ACTIVE] = { "active", 0, false },
	[BR_MAP_POLICY] = { "policy", sizeof(struct br_policy_hdr), true },
	[BR_MAP_RULES] = { "rules", BR_MAX_RULES * sizeof(struct br_rule),
			   true },
	[BR_MAP_CLASSES] = { "classes",
			     BR_MAX_CLASSES * sizeof(struct br_class), true },
	[BR_MAP_V4_DIR] = { "v4_dir", BR_V4_DIR_SIZE * sizeof(__u32), true },
	[BR_MAP_V4_LINES] = { "v4_lines", 0, false },
	[BR_MAP_V6_LINES] = { "v6_lines", 0, false },
	[BR_MAP_DOMAIN_FILTER] = { "domain_filter", 0, false },
	[BR_MAP_PROTO] = { "proto_rules", BR_PROTO_SLOTS * sizeof(br_rules_t), true },
	[BR_MAP_SPORT] = { "sport_rules", BR_PORT_SLOTS * sizeof(br_rules_t),
			   true },
	[BR_MAP_DPORT] = { "dport_rules", BR_PORT_SLOTS * sizeof(br_rules_t),
			   true },
	[BR_MAP_ETYPE] = { "etype_rules", BR_ETYPE_SLOTS * sizeof(br_rules_t),
			   true },
	[BR_MAP_GENERATIONS] = { "generations", 0, true },
	[BR_MAP_COUNTERS] = { "counters", 0, false },
	[BR_MAP_FRAGS] = { "frags", 0, false },
	[BR_MAP_QTYPE] = { "qtype_rules", BR_QTYPE_SLOTS * sizeof(br_rules_t), true },
	[BR_MAP_QUIC] = { "quic_versions", sizeof(struct br_quic_version_table),
			  true },
	[BR_MAP_STUN_TYPE] = { "stun_type_rules",
			       BR_STUN_TYPES * sizeof(br_rules_t), true },
	[BR_MAP_JA4] = { "ja4_fps", sizeof(struct br_ja4_table), true },
	[BR_MAP_DOMAINS] = { "domains", 0, false },
	[BR_MAP_DOMAIN_RULES] = { "domain_rules", 0, false },
	[BR_MAP_FLOWS] = { "flows", 0, false },
	[BR_MAP_TLS_PENDING] = { "tls_pending", 0, false },
	[BR_MAP_NAMES] = { "names", 0, false },
	[BR_MAP_PENALTIES] = { "penalties", 0, false },
	/*
	 * Pinned like the rest, and so held: the kernel empties a program
	 * array when the last user reference to it goes, and the opener's
	 * tail calls would then fail once the loader exits.
	 */
	[BR_MAP_QUIC_PROGS] = { "quic_progs", 0, false },
};

/* The maps of lines per slot (BR_LINES_MAP in maps.h). */
static const enum br_map_id br_lines_maps[] = {
	BR_MAP_V4_LINES, BR_MAP_V6_LINES, BR_MAP_DOMAIN_FILTER,
	BR_MAP_DOMAINS, BR_MAP_DOMAIN_RULES,
};

static const char *const br_prog_pin[2] = { "prog_subscriber",
					    "prog_upstream" };

/* What the loader keeps about the instance ("state" map, one entry). */
struct br_loader_state {
	__u64 next_generation;
	__u64 created_unix_ns;
	__u32 fail_closed;
	__u32 reserved;
};

/*
 * Counters of generations that left the ring ("retired" map, one entry).
 * folded[i] is the newest generation of ring position i already added to
 * total: one map update adds a generation and records it, so a loader
 * killed half-way through retiring never adds a generation twice.
 */
struct br_retired {
	__u64 folded[BR_GEN_RING];
	struct br_counter total[BR_CTR_PER_GEN];
};

/* One attached interface ("ifaces" map, BR_MAX_IFACES entries). */
struct br_iface_record {
	__u32 used;
	__u32 ifindex;
	__u32 role;
	__u32 mode;
	char name[IF_NAMESIZE * 2];
	char netns[64];
};

struct br_dp {
	struct blastradius_bpf *skel; /* NULL when opened from pins */
	struct br_pindir pd;	      /* fd -1 for a private instance */
	int map_fd[BR_MAP_N];
	void *mem[BR_MAP_N];
	size_t mem_len[BR_MAP_N];
	int prog_fd[2]; /* by role - 1 */
	int state_fd;
	int ifaces_fd;
	int retired_fd;
	int grace_fd;
	int ncpus;
	__u32 prog_id[2]; /* by role - 1, 0 until br_dp_prog_ids */
	bool staged;	  /* br_dp_stage filled staged_slot, uncommitted */
	__u32 staged_slot;
	__u64 staged_generation;
	__u64 commit_t0;
	struct br_install_report report; /* of the last install */
	bool virtual_clock; /* reads the time br_dp_run gives it */
	__u8 *run_in, *run_out; /* br_dp_run's buffers, made at the first */
	int batch_fd;		    /* br_xdp_batch, -1 without batches */
	struct br_batch_pkt *batch_pool; /* the maps, mmapped */
	struct br_batch_ctl *batch_ctl;
	size_t batch_pool_len, batch_ctl_len;
};

static __u64 br_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static struct br_dp *br_dp_alloc(void)
{
	struct br_dp *dp = calloc(1, sizeof(*dp));
	int i;

	if (!dp)
		return NULL;
	for (i = 0; i < BR_MAP_N; i++)
		dp->map_fd[i] = -1;
	dp->prog_fd[0] = dp->prog_fd[1] = -1;
	dp->state_fd = dp->ifaces_fd = dp->retired_fd = -1;
	dp->grace_fd = -1;
	dp->batch_fd = -1;
	dp->pd.fd = dp->pd.parent_fd = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	return dp;
}

static void br_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void br_dp_close(struct br_dp *dp)
{
	int i;

	if (!dp)
		return;
	for (i = 0; i < BR_MAP_N; i++) {
		if (dp->mem[i])
			munmap(dp->mem[i], dp->mem_len[i]);
		/* A skeleton owns its map fds; pinned opens own theirs. */
		if (!dp->skel)
			br_close_fd(&dp->map_fd[i]);
	}
	if (!dp->skel) {
		br_close_fd(&dp->prog_fd[0]);
		br_close_fd(&dp->prog_fd[1]);
	}
	br_close_fd(&dp->state_fd);
	br_close_fd(&dp->ifaces_fd);
	br_close_fd(&dp->retired_fd);
	br_close_fd(&dp->grace_fd);
	if (dp->batch_pool)
		munmap(dp->batch_pool, dp->batch_pool_len);
	if (dp->batch_ctl)
		munmap(dp->batch_ctl, dp->batch_ctl_len);
	br_pindir_close(&dp->pd); /* and with it the lock */
	blastradius_bpf__destroy(dp->skel);
	free(dp->run_in);
	free(dp->run_out);
	free(dp);
}

/* A BPF_F_MMAPABLE array's memory: *mem and its length, or -errno. */
static int br_fd_mmap(int fd, void **mem, size_t *len_out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	size_t bytes;
	void *m;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	/* Array elements are rounded up to 8 bytes by the kernel. */
	bytes = (size_t)((info.value_size + 7) & ~7u) * info.max_entries;
	bytes = (bytes + page - 1) & ~(size_t)(page - 1);
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	*mem = m;
	*len_out = bytes;
	return 0;
}

static int br_map_mmap(struct br_dp *dp, enum br_map_id id)
{
	return br_fd_mmap(dp->map_fd[id], &dp->mem[id], &dp->mem_len[id]);
}

/* The batch program's maps, for an instance loaded with it. */
static int br_batch_map(struct br_dp *dp)
{
	void *pool, *ctl;
	int err;

	dp->batch_fd = bpf_program__fd(dp->skel->progs.br_xdp_batch);
	err = br_fd_mmap(bpf_map__fd(dp->skel->maps.batch_pool), &pool,
			 &dp->batch_pool_len);
	if (err)
		return err;
	dp->batch_pool = pool;
	err = br_fd_mmap(bpf_map__fd(dp->skel->maps.batch_ctl), &ctl,
			 &dp->batch_ctl_len);
	if (err)
		return err;
	dp->batch_ctl = ctl;
	return 0;
}

static int br_dp_map_all(struct br_dp *dp)
{
	int i, err;

	for (i = 0; i < BR_MAP_N; i++) {
		if (!br_maps[i].mmapable)
			continue;
		err = br_map_mmap(dp, i);
		if (err) {
			br_err("cannot mmap map %s: %s", br_maps[i].name,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The smallest map an array-of-maps can hold; its content never matters. */
static int br_grace_inner_create(void)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "br_grace_in", sizeof(__u32),
			      sizeof(__u32), 1, NULL);
}

static int br_loader_maps_create(struct br_dp *dp)
{
	LIBBPF_OPTS(bpf_map_create_opts, outer_opts);
	int inner;

	dp->state_fd =
		bpf_map_create(BPF_MAP_TYPE_ARRAY, "br_state", sizeof(__u32),
			       sizeof(struct br_loader_state), 1, NULL);
	dp->ifaces_fd = bpf_map_create(
		BPF_MAP_TYPE_ARRAY, "br_ifaces", sizeof(__u32),
		sizeof(struct br_iface_record), BR_MAX_IFACES, NULL);
	dp->retired_fd =
		bpf_map_create(BPF_MAP_TYPE_ARRAY, "br_retired", sizeof(__u32),
			       sizeof(struct br_retired), 1, NULL);
	inner = br_grace_inner_create();
	if (inner < 0)
		return -errno;
	outer_opts.inner_map_fd = inner;
	dp->grace_fd =
		bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "br_grace",
			       sizeof(__u32), sizeof(__u32), 1, &outer_opts);
	close(inner);
	if (dp->state_fd < 0 || dp->ifaces_fd < 0 || dp->retired_fd < 0 ||
	    dp->grace_fd < 0)
		return -errno;
	return 0;
}

/*
 * Wait until every CPU that might still run the program on an old slot has
 * left it. XDP programs run inside an RCU read-side section, and the kernel
 * waits for a grace period (synchronize_rcu) when user space stores a map
 * into an array-of-maps, so one such update is exactly the wait we need.
 */
int br_dp_grace_period(struct br_dp *dp)
{
	__u32 key = 0;
	int inner, err = 0;

	inner = br_grace_inner_create();
	if (inner < 0)
		return -errno;
	if (bpf_map_update_elem(dp->grace_fd, &key, &inner, 0))
		err = -errno;
	close(inner);
	return err;
}

static int br_state_get(struct br_dp *dp, struct br_loader_state *st)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(dp->state_fd, &key, st) ? -errno : 0;
}

static int br_state_put(struct br_dp *dp, const struct br_loader_state *st)
{
	__u32 key = 0;

	return bpf_map_update_elem(dp->state_fd, &key, st, 0) ? -errno : 0;
}

/*
 * The programs an Initial's opening goes through (abi.h, enum
 * br_quic_prog): the opener, and the entry points it goes back to, of
 * this instance's kind (the role entry points, or the batch).
 */
static int br_quic_progs_fill(struct br_dp *dp, bool batch)
{
	struct blastradius_bpf *k = dp->skel;
	int fd = bpf_map__fd(k->maps.quic_progs);
	const struct {
		__u32 idx;
		struct bpf_program *prog;
	} e[] = {
		{ BR_QUIC_PROG_OPEN, k->progs.br_xdp_quic_open },
		{ BR_QUIC_PROG_SUBSCRIBER, batch ? NULL : k->progs.br_xdp_subscriber },
		{ BR_QUIC_PROG_UPSTREAM, batch ? NULL : k->progs.br_xdp_upstream },
		{ BR_QUIC_PROG_BATCH, batch ? k->progs.br_xdp_batch : NULL },
	};
	size_t i;
	int pfd;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (!e[i].prog)
			continue;
		pfd = bpf_program__fd(e[i].prog);
		if (bpf_map_update_elem(fd, &e[i].idx, &pfd, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Load the skeleton: maps created, programs verified by the kernel. */
static int br_dp_load(struct br_dp *dp, const struct br_dp_opts *opts)
{
	struct br_loader_state st = {};
	bool batch;
	int i, err;

	br_log_setup();
	dp->skel = blastradius_bpf__open();
	if (!dp->skel) {
		err = -errno;
		br_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	dp->virtual_clock = opts && opts->virtual_clock;
	dp->skel->rodata->cfg_virtual_clock = dp->virtual_clock;
	/*
	 * The verifier's time (about 0.7 s of CPU a program) goes where a
	 * program is used: a batch instance runs every frame through
	 * br_xdp_batch, the others through the role entry points.
	 */
	batch = dp->virtual_clock && opts->batch;
	bpf_program__set_autoload(dp->skel->progs.br_xdp_batch, batch);
	bpf_program__set_autoload(dp->skel->progs.br_xdp_subscriber, !batch);
	bpf_program__set_autoload(dp->skel->progs.br_xdp_upstream, !batch);
	if (opts && opts->flow_entries)
		bpf_map__set_max_entries(dp->skel->maps.flows,
					 opts->flow_entries);
	if (opts && opts->hello_entries)
		bpf_map__set_max_entries(dp->skel->maps.tls_pending,
					 opts->hello_entries);
	err = blastradius_bpf__load(dp->skel);
	if (err) {
		if (err == -EPERM)
			br_err("cannot load the BPF program: permission denied "
			       "(run as root: needs CAP_BPF, CAP_NET_ADMIN)");
		else
			br_err("cannot load the BPF program: %s",
			       strerror(-err));
		return err;
	}
	for (i = 0; i < BR_MAP_N; i++) {
		struct bpf_map *m;

		m = bpf_object__find_map_by_name(dp->skel->obj,
						 br_maps[i].name);
		if (!m) {
			br_err("BPF object has no map %s", br_maps[i].name);
			return -ENOENT;
		}
		dp->map_fd[i] = bpf_map__fd(m);
	}
	if (!batch) {
		dp->prog_fd[0] =
			bpf_program__fd(dp->skel->progs.br_xdp_subscriber);
		dp->prog_fd[1] =
			bpf_program__fd(dp->skel->progs.br_xdp_upstream);
	} else {
		err = br_batch_map(dp);
		if (err) {
			br_err("cannot map the batch: %s", strerror(-err));
			return err;
		}
	}

	err = br_quic_progs_fill(dp, batch);
	if (err) {
		br_err("cannot link the QUIC Initial opener: %s",
		       strerror(-err));
		return err;
	}
	err = br_loader_maps_create(dp);
	if (err) {
		br_err("cannot create loader maps: %s", strerror(-err));
		return err;
	}
	st.next_generation = 1;
	st.created_unix_ns = br_unix_ns();
	st.fail_closed = opts && opts->fail_closed;
	err = br_state_put(dp, &st);
	if (err)
		return err;
	return br_dp_map_all(dp);
}

/*
 * Delete every entry of a hash map, a chunk of entries a system call
 * (BPF_MAP_LOOKUP_AND_DELETE_BATCH: a run's flow table holds some 40,000
 * flows, two system calls each one by one). Not for per-CPU maps.
 */
#define BR_CLEAR_CHUNK 4096

static int br_map_clear(int fd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), token, count;
	void *keys, *vals, *in = NULL;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	keys = malloc((size_t)BR_CLEAR_CHUNK * info.key_size);
	vals = malloc((size_t)BR_CLEAR_CHUNK * info.value_size);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = BR_CLEAR_CHUNK;
		if (bpf_map_lookup_and_delete_batch(fd, in, &token, keys, vals,
						    &count, &opts)) {
			/* ENOENT: the last chunk, deleted too */
			if (errno != ENOENT)
				err = -errno;
			break;
		}
		in = &token;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Zero every entry of an array map (per-CPU: every CPU's copy). */
static int br_map_zero(int fd, int ncpus)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i;
	size_t vlen;
	void *zero;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	vlen = info.type == BPF_MAP_TYPE_PERCPU_ARRAY
		       ? (size_t)((info.value_size + 7) & ~7u) * (size_t)ncpus
		       : info.value_size;
	zero = calloc(1, vlen);
	if (!zero)
		return -ENOMEM;
	for (i = 0; i < info.max_entries && !err; i++)
		if (bpf_map_update_elem(fd, &i, zero, 0))
			err = -errno;
	free(zero);
	return err;
}

/* Zero every entry of an array map in one system call (not per-CPU). */
static int br_array_zero(int fd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i, count;
	__u32 *keys;
	void *zero;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	keys = malloc((size_t)info.max_entries * sizeof(*keys));
	zero = calloc(info.max_entries, info.value_size);
	if (!keys || !zero) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < info.max_entries; i++)
		keys[i] = i;
	count = info.max_entries;
	if (bpf_map_update_batch(fd, keys, zero, &count, &opts))
		err = -errno;
out:
	free(keys);
	free(zero);
	return err;
}

/*
 * The QUIC opener's state, the instance's own (not pinned): keys and
 * hellos being gathered by DCID, and the budgets, on a clock that a new
 * run starts again (a budget left from a run that ended later would hold
 * a source back, and a worker's second run differ from the same run
 * alone).
 */
static int br_quic_state_clear(struct br_dp *dp)
{
	struct blastradius_bpf *k = dp->skel;
	int err;

	if (!k)
		return 0;
	err = br_map_clear(bpf_map__fd(k->maps.quic_keys));
	if (!err)
		err = br_map_clear(bpf_map__fd(k->maps.quic_hellos));
	if (!err)
		err = br_array_zero(bpf_map__fd(k->maps.quic_budget));
	return err;
}

int br_dp_reset(struct br_dp *dp, const struct br_dp_opts *opts)
{
	struct br_loader_state st = {};
	__u32 key, zero = 0;
	int i, err = 0, ncpus = libbpf_num_possible_cpus();

	if (dp->pd.fd >= 0 || ncpus <= 0)
		return -EINVAL;
	if (bpf_map_update_elem(dp->map_fd[BR_MAP_ACTIVE], &zero, &zero, 0))
		return -errno;
	for (i = 0; i < BR_MAP_N; i++)
		if (dp->mem[i])
			memset(dp->mem[i], 0, dp->mem_len[i]);
	/* every slot's lines: nothing of an earlier instance's sets is kept */
	for (i = 0; i < (int)(sizeof(br_lines_maps) / sizeof(*br_lines_maps));
	     i++)
		for (key = 0; key < BR_SLOTS; key++)
			if (bpf_map_delete_elem(dp->map_fd[br_lines_maps[i]],
						&key) &&
			    errno != ENOENT)
				return -errno;
	err = br_map_zero(dp->map_fd[BR_MAP_COUNTERS], ncpus);
	if (!err)
		err = br_map_zero(dp->retired_fd, ncpus);
	if (!err)
		err = br_map_zero(dp->map_fd[BR_MAP_NAMES], ncpus);
	for (i = BR_MAP_FRAGS; !err && i < BR_MAP_N; i++)
		if (i == BR_MAP_FRAGS || i == BR_MAP_FLOWS ||
		    i == BR_MAP_TLS_PENDING || i == BR_MAP_PENALTIES)
			err = br_map_clear(dp->map_fd[i]);
	if (!err)
		err = br_quic_state_clear(dp);
	if (err)
		return err;
	br_state_get(dp, &st);
	st.next_generation = 1;
	st.fail_closed = opts && opts->fail_closed;
	dp->staged = false;
	memset(&dp->report, 0, sizeof(dp->report));
	return br_state_put(dp, &st);
}

int br_dp_open_private(const struct br_dp_opts *opts, struct br_dp **out)
{
	struct br_dp *dp = br_dp_alloc();
	int err;

	if (!dp)
		return -ENOMEM;
	err = br_dp_load(dp, opts);
	if (err) {
		br_dp_close(dp);
		return err;
	}
	*out = dp;
	return 0;
}

/* ---- pins ------------------------------------------------------------- */

static int br_dp_lock(struct br_dp *dp)
{
	return dp->pd.fd < 0 ? 0 : br_pindir_lock(&dp->pd);
}

static void br_dp_unlock(struct br_dp *dp)
{
	if (dp->pd.fd >= 0)
		br_pindir_unlock(&dp->pd);
}

static void br_link_pin_name(char *buf, size_t len, const char *netns,
			     const char *ifname)
{
	snprintf(buf, len, "link@%s@%s", netns ? netns : "", ifname);
}

static bool br_is_link_pin(const char *name)
{
	return !strncmp(name, "link@", 5);
}

/* Detach (now, whoever else holds the link) and unpin a link pin. */
static int br_unpin_link(const char *name, void *arg)
{
	struct br_pindir *pd = arg;
	int fd;

	if (!br_is_link_pin(name))
		return 0;
	fd = br_pindir_get(pd, name);
	if (fd >= 0) {
		bpf_link_detach(fd);
		close(fd);
	}
	return br_pindir_unpin(pd, name);
}

/*
 * Remove the pins the loader creates, by name, but the marker: whatever
 * else someone put there stays. Only for a directory the marker proves
 * ours. Removing a link pin detaches its program.
 */
static int br_pins_clear(struct br_pindir *pd)
{
	static const char *const loader[] = { "state", "ifaces", "retired",
					      "grace" };
	size_t i;
	int err;

	err = br_pindir_each(pd, br_unpin_link, pd);
	for (i = 0; i < BR_MAP_N && !err; i++)
		err = br_pindir_unpin(pd, br_maps[i].name);
	for (i = 0; i < 2 && !err; i++)
		err = br_pindir_unpin(pd, br_prog_pin[i]);
	for (i = 0; i < sizeof(loader) / sizeof(loader[0]) && !err; i++)
		err = br_pindir_unpin(pd, loader[i]);
	if (err)
		br_err("cannot remove the pins in %s: %s", pd->path,
		       strerror(-err));
	return err;
}

struct br_names {
	char *buf;
	size_t len, used;
};

static int br_name_add(const char *name, void *arg)
{
	struct br_names *b = arg;
	int n;

	if (!strcmp(name, BR_PINDIR_MARKER) || b->used >= b->len)
		return 0;
	n = snprintf(b->buf + b->used, b->len - b->used, "%s%s",
		     b->used ? ", " : "", name);
	b->used += n > 0 ? (size_t)n : 0;
	return 0;
}

/* Say what is left in a directory of ours that blastradius did not pin. */
static int br_pins_foreign(struct br_pindir *pd)
{
	char left[512] = "";
	struct br_names b = { left, sizeof(left), 0 };

	if (br_pindir_count(pd) <= 1)
		return 0;
	br_pindir_each(pd, br_name_add, &b);
	br_err("%s also holds what blastradius did not pin there (%s): left "
	       "as it is, with the directory and its marker %s",
	       pd->path, left, BR_PINDIR_MARKER);
	return -ENOTEMPTY;
}

/* br_pins_clear, then the marker and the directory if nothing else is left. */
static int br_pins_remove(struct br_pindir *pd)
{
	int err;

	err = br_pins_clear(pd);
	if (!err)
		err = br_pins_foreign(pd);
	if (err)
		return err;
	err = br_pindir_unpin(pd, BR_PINDIR_MARKER);
	if (!err)
		err = br_pindir_rmdir(pd);
	if (err)
		br_err("cannot remove %s: %s", pd->path, strerror(-err));
	return err;
}

/*
 * Remove what an interrupted load or a damaged instance left in pin_dir,
 * if its marker says blastradius made it.
 */
int br_dp_remove_pins(const char *pin_dir)
{
	struct br_pindir pd;
	int err;

	err = br_pindir_open(&pd, pin_dir, false);
	if (err)
		return err == -ENOENT ? 0 : err;
	err = br_pindir_lock(&pd);
	if (err)
		goto out;
	err = br_pindir_marked(&pd);
	if (err == 0) {
		br_err("%s holds no blastradius marker (%s): not removed",
		       pd.path, BR_PINDIR_MARKER);
		err = -EACCES;
	}
	if (err > 0)
		err = br_pins_remove(&pd);
out:
	br_pindir_close(&pd);
	return err;
}

/*
 * Whether pin_dir holds an instance whose load committed a policy: 1; 0
 * for what a load left that died before its commit (no "state" yet, or no
 * generation in force); -EBADF when it cannot tell (damaged: unload).
 */
static int br_pinned_committed(struct br_pindir *pd)
{
	struct br_policy_hdr hdr = {};
	int state = br_pindir_get(pd, "state");
	int active = br_pindir_get(pd, "active");
	int policy = br_pindir_get(pd, "policy");
	__u32 key = 0, slot = 0;
	int ret = -EBADF;

	if (state == -ENOENT)
		ret = 0;
	else if (state >= 0 && active >= 0 && policy >= 0 &&
		 !bpf_map_lookup_elem(active, &key, &slot) &&
		 !bpf_map_lookup_elem(policy, &(__u32){ slot & (BR_SLOTS - 1) },
				      &hdr))
		ret = hdr.generation != 0;
	if (state >= 0)
		close(state);
	if (active >= 0)
		close(active);
	if (policy >= 0)
		close(policy);
	return ret;
}

/*
 * Make pin_dir ours and empty: 0 for a new directory or an empty one of
 * ours; 1 for one our marker proves ours whose load never committed a
 * policy, cleared down to the marker (the lock is held: that load is
 * gone). -EEXIST when it holds a committed (or damaged) instance.
 */
static int br_pins_claim(struct br_pindir *pd)
{
	char what[512] = "";
	struct br_names b = { what, sizeof(what), 0 };
	int err;

	err = br_pindir_marked(pd);
	if (err < 0)
		return err;
	if (err) {
		if (br_pinned_committed(pd))
			return -EEXIST; /* or damaged: open says which */
		br_err("clearing what an interrupted load left in %s",
		       pd->path);
		err = br_pins_clear(pd);
		if (!err)
			err = br_pins_foreign(pd);
		return err ? err : 1;
	}
	err = br_pindir_count(pd);
	if (err <= 0)
		return err;
	br_pindir_each(pd, br_name_add, &b);
	br_err("%s is not empty and holds no blastradius marker (%s): another "
	       "tool's pins? Nothing touched; give another --pin-dir",
	       pd->path, what);
	return -EACCES;
}

int br_dp_create_pinned(const char *pin_dir, const struct br_dp_opts *opts,
			struct br_dp **out)
{
	static const char *const loader[] = { "ifaces", "retired", "grace",
					      "state" };
	int loader_fd[4];
	struct br_dp *dp;
	int i, err;

	dp = br_dp_alloc();
	if (!dp)
		return -ENOMEM;
	err = br_pindir_open(&dp->pd, pin_dir, true);
	if (err)
		goto fail;
	/* Held until the load is done (br_dp_close): see cmd_load.c. */
	err = br_pindir_lock(&dp->pd);
	if (err)
		goto fail;
	err = br_pins_claim(&dp->pd);
	if (err < 0)
		goto fail;
	/* The marker first: whatever follows is provably ours. */
	err = err ? 0 : br_pindir_mark(&dp->pd);
	if (err)
		goto unpin;
	err = br_dp_load(dp, opts);
	if (err)
		goto unpin;
	for (i = 0; i < BR_MAP_N && !err; i++)
		err = br_pindir_pin(&dp->pd, dp->map_fd[i], br_maps[i].name);
	for (i = 0; i < 2 && !err; i++)
		err = br_pindir_pin(&dp->pd, dp->prog_fd[i], br_prog_pin[i]);
	loader_fd[0] = dp->ifaces_fd;
	loader_fd[1] = dp->retired_fd;
	loader_fd[2] = dp->grace_fd;
	loader_fd[3] = dp->state_fd;
	for (i = 0; i < 4 && !err; i++)
		err = br_pindir_pin(&dp->pd, loader_fd[i], loader[i]);
	if (err)
		goto unpin;
	*out = dp;
	return 0;
unpin:
	br_pins_remove(&dp->pd);
fail:
	br_dp_close(dp);
	return err;
}

static void br_open_damaged(struct br_dp *dp, const char *what, int err)
{
	br_err("%s: incomplete instance (%s missing): %s; blastradius unload "
	       "removes it",
	       dp->pd.path, what, strerror(-err));
}

int br_dp_open_pinned(const char *pin_dir, struct br_dp **out)
{
	struct br_dp *dp;
	int i, err;

	dp = br_dp_alloc();
	if (!dp)
		return -ENOMEM;
	err = br_pindir_open(&dp->pd, pin_dir, false);
	if (err)
		goto fail;
	err = br_pindir_marked(&dp->pd);
	if (err < 0)
		goto fail;
	if (!err) {
		/* An empty directory: a load killed before its marker. */
		err = br_pindir_count(&dp->pd);
		if (err > 0) {
			br_err("%s holds no blastradius marker (%s): not a "
			       "blastradius instance, not touched",
			       dp->pd.path, BR_PINDIR_MARKER);
			err = -EACCES;
		} else if (!err) {
			err = -ENOENT;
		}
		goto fail;
	}
	dp->state_fd = br_pindir_get(&dp->pd, "state");
	if (dp->state_fd < 0) {
		err = dp->state_fd;
		if (err == -EACCES || err == -EPERM) {
			err = -EPERM;
			goto fail;
		}
		br_open_damaged(dp, "state", err);
		err = -EBADF;
		goto fail;
	}
	for (i = 0; i < BR_MAP_N; i++) {
		dp->map_fd[i] = br_pindir_get(&dp->pd, br_maps[i].name);
		if (dp->map_fd[i] < 0) {
			br_open_damaged(dp, br_maps[i].name, dp->map_fd[i]);
			err = -EBADF;
			goto fail;
		}
	}
	for (i = 0; i < 2; i++) {
		dp->prog_fd[i] = br_pindir_get(&dp->pd, br_prog_pin[i]);
		if (dp->prog_fd[i] < 0) {
			br_open_damaged(dp, br_prog_pin[i], dp->prog_fd[i]);
			err = -EBADF;
			goto fail;
		}
	}
	dp->ifaces_fd = br_pindir_get(&dp->pd, "ifaces");
	dp->retired_fd = br_pindir_get(&dp->pd, "retired");
	dp->grace_fd = br_pindir_get(&dp->pd, "grace");
	if (dp->ifaces_fd < 0 || dp->retired_fd < 0 || dp->grace_fd < 0) {
		/* Not "not loaded": the instance is there, but broken. */
		br_open_damaged(dp, "ifaces, retired or grace",
				dp->ifaces_fd < 0    ? dp->ifaces_fd
				: dp->retired_fd < 0 ? dp->retired_fd
						     : dp->grace_fd);
		err = -EBADF;
		goto fail;
	}
	err = br_dp_map_all(dp);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	br_dp_close(dp);
	return err;
}

const char *br_dp_pin_dir(const struct br_dp *dp)
{
	return dp->pd.path;
}

void br_dp_set_lock_wait(unsigned int ms)
{
	br_pindir_lock_wait_ms = ms;
}

pid_t br_dp_lock_holder(struct br_dp *dp, char *what, size_t len)
{
	return dp->pd.fd < 0 ? 0 : br_pindir_lock_holder(&dp->pd, what, len);
}

/* ---- slots, generations, counters ------------------------------------ */

static void *br_slot_part(struct br_dp *dp, enum br_map_id id, __u32 slot)
{
	return (char *)dp->mem[id] + (size_t)slot * br_maps[id].slot_bytes;
}

static void br_slot_view(struct br_dp *dp, __u32 slot, struct br_slot_view *v)
{
	v->hdr = br_slot_part(dp, BR_MAP_POLICY, slot);
	v->rules = br_slot_part(dp, BR_MAP_RULES, slot);
	v->classes = br_slot_part(dp, BR_MAP_CLASSES, slot);
	v->v4_dir = br_slot_part(dp, BR_MAP_V4_DIR, slot);
	v->proto = br_slot_part(dp, BR_MAP_PROTO, slot);
	v->sport = br_slot_part(dp, BR_MAP_SPORT, slot);
	v->dport = br_slot_part(dp, BR_MAP_DPORT, slot);
	v->etype = br_slot_part(dp, BR_MAP_ETYPE, slot);
	v->qtype = br_slot_part(dp, BR_MAP_QTYPE, slot);
	v->quic = br_slot_part(dp, BR_MAP_QUIC, slot);
	v->stun_type = br_slot_part(dp, BR_MAP_STUN_TYPE, slot);
	v->ja4 = br_slot_part(dp, BR_MAP_JA4, slot);
	v->n_domains = 0;
	v->domain_keys = NULL;
	v->domain_vals = NULL;
	v->n_domain_filter = 0;
	v->domain_filter = NULL;
	v->n_domain_buckets = 0;
	v->domain_buckets = NULL;
	v->n_domain_rules = 0;
	v->domain_rules = NULL;
	v->n_v4_lines = 0;
	v->v4_lines = NULL;
	v->n_v6_lines = 0;
	v->v6_lines = NULL;
}

/*
 * Put compiled lines in force for a slot (an address family's, a domain
 * table's): a new array of exactly n lines of line_size bytes, filled
 * through mmap, replaces the slot's inner map of outer in one update (the
 * old one goes when no CPU uses it). Before the commit, so the slot is not
 * in force yet. No lines: the slot's policy never reads one.
 */
static int br_lines_install(struct br_dp *dp, enum br_map_id outer, __u32 slot,
			    const void *lines, size_t n, size_t line_size)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts,
		    .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	size_t len = 0;
	void *mem = NULL;
	int fd, err = 0;

	if (!n) {
		if (bpf_map_delete_elem(dp->map_fd[outer], &slot) &&
		    errno != ENOENT)
			return -errno;
		return 0;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, br_maps[outer].name,
			    sizeof(__u32), line_size, n, &copts);
	if (fd < 0)
		return -errno;
	err = br_fd_mmap(fd, &mem, &len);
	if (err)
		goto out;
	memcpy(mem, lines, n * line_size);
	munmap(mem, len);
	if (bpf_map_update_elem(dp->map_fd[outer], &slot, &fd, 0))
		err = -errno;
out:
	close(fd);
	return err;
}

static int br_active_slot(struct br_dp *dp, __u32 *slot)
{
	__u32 key = 0;

	if (bpf_map_lookup_elem(dp->map_fd[BR_MAP_ACTIVE], &key, slot))
		return -errno;
	*slot &= BR_SLOTS - 1;
	return 0;
}

static struct br_gen_record *br_record(struct br_dp *dp, __u32 gen_idx)
{
	return (struct br_gen_record *)dp->mem[BR_MAP_GENERATIONS] + gen_idx;
}

/* Sum one generation's per-CPU counters; optionally zero them. */
static int br_counters_sum(struct br_dp *dp, __u32 gen_idx,
			   struct br_counter out[BR_CTR_PER_GEN], bool zero)
{
	struct br_gen_counters *percpu;
	__u32 key = gen_idx;
	int i, c, err = 0;

	/* One element per generation: every CPU's block in one read. */
	percpu = calloc(dp->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->map_fd[BR_MAP_COUNTERS], &key, percpu)) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < BR_CTR_PER_GEN; i++) {
		out[i].packets = out[i].bytes = 0;
		for (c = 0; c < dp->ncpus; c++) {
			out[i].packets += percpu[c].ctr[i].packets;
			out[i].bytes += percpu[c].ctr[i].bytes;
		}
	}
	if (zero) {
		memset(percpu, 0, dp->ncpus * sizeof(*percpu));
		if (bpf_map_update_elem(dp->map_fd[BR_MAP_COUNTERS], &key,
					percpu, 0))
			err = -errno;
	}
out:
	free(percpu);
	return err;
}

/*
 * A ring position is about to hold generation `generation`: fold the
 * counters of the generation leaving it into "retired", then zero them.
 * Both steps are safe to repeat after a loader was killed between them:
 * folded[] says the generation is already in the total, and zeroing twice
 * is zeroing. A record of `generation` itself was left by an install killed
 * before it saved the generation number: it never committed, counted
 * nothing, and must not be marked folded, or the generation installed now
 * would be left out of the totals for good.
 */
static int br_retire(struct br_dp *dp, __u32 gen_idx, __u64 generation)
{
	struct br_counter sum[BR_CTR_PER_GEN];
	__u64 leaving = br_record(dp, gen_idx)->generation;
	struct br_retired ret;
	__u32 i, key = 0;
	int err;

	if (bpf_map_lookup_elem(dp->retired_fd, &key, &ret))
		return -errno;
	if (leaving && leaving < generation && ret.folded[gen_idx] < leaving) {
		err = br_counters_sum(dp, gen_idx, sum, false);
		if (err)
			return err;
		for (i = 0; i < BR_CTR_PER_GEN; i++) {
			ret.total[i].packets += sum[i].packets;
			ret.total[i].bytes += sum[i].bytes;
		}
		ret.folded[gen_idx] = leaving;
		if (bpf_map_update_elem(dp->retired_fd, &key, &ret, 0))
			return -errno;
	}
	return br_counters_sum(dp, gen_idx, sum, true);
}

static void br_record_fill(struct br_gen_record *rec, __u64 generation,
			   const struct br_policy *pol)
{
	size_t i;

	memset(rec, 0, sizeof(*rec));
	rec->generation = generation;
	rec->since_unix_ns = br_unix_ns();
	rec->n_rules = pol->n_rules;
	rec->default_action = pol->default_action;
	snprintf(rec->name, sizeof(rec->name), "%s",
		 pol->name ? pol->name : "");
	snprintf(rec->file, sizeof(rec->file), "%s",
		 pol->file ? pol->file : "");
	for (i = 0; i < pol->n_rules && i < BR_MAX_RULES; i++) {
		snprintf(rec->rule_text[i], BR_RULE_TEXT_LEN, "%s",
			 pol->rules[i].text ? pol->rules[i].text : "");
		rec->rule_line[i] = pol->rules[i].pos.line;
		rec->rule_action[i] = pol->rules[i].action;
	}
}

static __u64 br_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The swap, in the order that makes it atomic and safe to interrupt:
 *  1. lock the pin directory (concurrent swaps run one after the other);
 *  2. if the inactive slot was in force before, wait for an RCU grace
 *     period, so no CPU still evaluates a packet against it;
 *  3. mark it empty and compile the policy into it (a failure here, or a
 *     kill, leaves the active slot untouched and in force);
 *  4. retire the counters leaving the ring, write the generation record,
 *     then the slot's header, then the next generation number;
 *  5. write the active-slot index: the commit point. A packet reads the
 *     index once, so it sees the old policy or the new one, never a mix.
 * br_dp_stage does 2 to 4, br_dp_commit 5; the lock is held around each.
 */
static int br_dp_stage_locked(struct br_dp *dp, const struct br_policy *pol,
			      struct br_diag *diag)
{
	struct br_install_report *rep = &dp->report;
	struct br_loader_state st;
	struct br_slot_view view = { 0 };
	struct br_policy_hdr *cur_hdr;
	__u32 cur, next, gen_idx;
	__u64 generation, t0;
	int err;

	dp->staged = false;
	err = br_state_get(dp, &st);
	if (err)
		goto out;
	err = br_active_slot(dp, &cur);
	if (err)
		goto out;
	cur_hdr = br_slot_part(dp, BR_MAP_POLICY, cur);
	rep->previous = cur_hdr->generation;
	/*
	 * The generation in force was committed: say so in its record now,
	 * before anything can replace it. A record never marked belongs to
	 * an install killed before its commit (see br_dp_counters).
	 */
	if (rep->previous &&
	    br_record(dp, cur_hdr->gen_idx)->generation == rep->previous)
		br_record(dp, cur_hdr->gen_idx)->committed = 1;
	next = cur ^ 1;
	br_slot_view(dp, next, &view);

	if (view.hdr->generation) {
		t0 = br_mono_ns();
		err = br_dp_grace_period(dp);
		if (err) {
			br_err("grace period before reusing slot %u: %s", next,
			       strerror(-err));
			goto out;
		}
		rep->grace_ns = br_mono_ns() - t0;
	}
	view.hdr->generation = 0;
	view.hdr->flags = st.fail_closed ? BR_HDR_FAIL_CLOSED : 0;
	t0 = br_mono_ns();
	err = br_compile(pol, &view, &rep->compile, diag);
	if (err)
		goto out;
	err = br_lines_install(dp, BR_MAP_V4_LINES, next, view.v4_lines,
			       view.n_v4_lines, sizeof(*view.v4_lines));
	if (!err)
		err = br_lines_install(dp, BR_MAP_V6_LINES, next, view.v6_lines,
				       view.n_v6_lines, sizeof(*view.v6_lines));
	if (err) {
		br_err("cannot load %zu IPv4 and %zu IPv6 set lines: %s",
		       view.n_v4_lines, view.n_v6_lines, strerror(-err));
		goto out;
	}
	err = br_lines_install(dp, BR_MAP_DOMAINS, next, view.domain_buckets,
			       view.n_domain_buckets,
			       sizeof(*view.domain_buckets));
	if (!err)
		err = br_lines_install(dp, BR_MAP_DOMAIN_RULES, next,
				       view.domain_rules, view.n_domain_rules,
				       sizeof(*view.domain_rules));
	if (!err)
		err = br_lines_install(dp, BR_MAP_DOMAIN_FILTER, next,
				       view.domain_filter, view.n_domain_filter,
				       sizeof(*view.domain_filter));
	if (err) {
		br_err("cannot load %zu domain-set names: %s",
		       view.n_domains, strerror(-err));
		goto out;
	}
	rep->compile_ns = br_mono_ns() - t0;

	dp->commit_t0 = br_mono_ns();
	generation = st.next_generation;
	/*
	 * Never reuse the ring position of the generation in force: only
	 * possible after BR_GEN_RING - 1 installs in a row were killed
	 * between saving the number and committing, but then skip one.
	 */
	if (rep->previous &&
	    generation % BR_GEN_RING == rep->previous % BR_GEN_RING)
		generation++;
	gen_idx = generation % BR_GEN_RING;
	err = br_retire(dp, gen_idx, generation);
	if (err) {
		br_err("retiring the counters of ring position %u: %s", gen_idx,
		       strerror(-err));
		goto out;
	}
	br_record_fill(br_record(dp, gen_idx), generation, pol);
	view.hdr->generation = generation;
	view.hdr->gen_idx = gen_idx;
	if (st.fail_closed)
		view.hdr->flags |= BR_HDR_FAIL_CLOSED;
	st.next_generation = generation + 1;
	err = br_state_put(dp, &st);
	if (err) {
		br_err("saving the next generation number: %s", strerror(-err));
		goto out;
	}
	dp->staged = true;
	dp->staged_slot = next;
	dp->staged_generation = generation;
out:
	br_view_free(&view);
	return err;
}

/* The commit point: one write of the active-slot index. */
static int br_dp_commit_locked(struct br_dp *dp)
{
	struct br_install_report *rep = &dp->report;
	__u32 key = 0;
	int err;

	if (!dp->staged)
		return -EINVAL;
	dp->staged = false;
	if (bpf_map_update_elem(dp->map_fd[BR_MAP_ACTIVE], &key,
				&dp->staged_slot, 0)) {
		err = -errno;
		br_err("commit (active-slot index write): %s", strerror(-err));
		return err;
	}
	rep->commit_ns = br_mono_ns() - dp->commit_t0;
	rep->generation = dp->staged_generation;
	return 0;
}

/* Lock, as step 1 says, and say how long that took. */
static int br_dp_lock_timed(struct br_dp *dp)
{
	__u64 t0 = br_mono_ns();
	int err = br_dp_lock(dp);

	dp->report.lock_ns = br_mono_ns() - t0;
	return err;
}

int br_dp_install(struct br_dp *dp, const struct br_policy *pol,
		  struct br_compile_stats *stats, struct br_diag *diag)
{
	int err;

	memset(&dp->report, 0, sizeof(dp->report));
	err = br_dp_lock_timed(dp);
	if (err)
		return err;
	err = br_dp_stage_locked(dp, pol, diag);
	if (!err)
		err = br_dp_commit_locked(dp);
	br_dp_unlock(dp);
	if (stats)
		*stats = dp->report.compile;
	return err;
}

int br_dp_stage(struct br_dp *dp, const struct br_policy *pol,
		struct br_compile_stats *stats, struct br_diag *diag)
{
	int err;

	memset(&dp->report, 0, sizeof(dp->report));
	err = br_dp_lock_timed(dp);
	if (err)
		return err;
	err = br_dp_stage_locked(dp, pol, diag);
	br_dp_unlock(dp);
	if (stats)
		*stats = dp->report.compile;
	return err;
}

int br_dp_commit(struct br_dp *dp)
{
	int err;

	err = br_dp_lock(dp);
	if (err)
		return err;
	err = br_dp_commit_locked(dp);
	br_dp_unlock(dp);
	return err;
}

const struct br_install_report *br_dp_last_install(struct br_dp *dp)
{
	return &dp->report;
}

int br_dp_counters(struct br_dp *dp, __u64 generation,
		   struct br_counter out[BR_CTR_PER_GEN],
		   struct br_gen_record *record)
{
	__u32 gen_idx = generation % BR_GEN_RING;
	struct br_gen_record *rec = br_record(dp, gen_idx);
	__u32 slot;
	int err;

	if (!generation || rec->generation != generation)
		return -ENOENT;
	err = br_active_slot(dp, &slot);
	if (err)
		return err;
	if (!rec->committed &&
	    ((struct br_policy_hdr *)br_slot_part(dp, BR_MAP_POLICY, slot))
			    ->generation != generation)
		return -ESRCH;
	err = br_counters_sum(dp, gen_idx, out, false);
	if (err)
		return err;
	if (record)
		*record = *rec;
	return 0;
}

int br_dp_totals(struct br_dp *dp, struct br_counter out[BR_CTR_PER_GEN])
{
	struct br_counter sum[BR_CTR_PER_GEN];
	struct br_retired ret;
	__u32 i, g, key = 0;
	int err;

	if (bpf_map_lookup_elem(dp->retired_fd, &key, &ret))
		return -errno;
	memcpy(out, ret.total, sizeof(ret.total));
	for (g = 0; g < BR_GEN_RING; g++) {
		__u64 generation = br_record(dp, g)->generation;

		/* Skip a generation already folded into the total. */
		if (!generation || generation <= ret.folded[g])
			continue;
		err = br_counters_sum(dp, g, sum, false);
		if (err)
			return err;
		for (i = 0; i < BR_CTR_PER_GEN; i++) {
			out[i].packets += sum[i].packets;
			out[i].bytes += sum[i].bytes;
		}
	}
	return 0;
}

/* Whether the link pinned for r still has a device (pin missing: -ENOENT). */
static int br_link_ifindex(struct br_dp *dp, const struct br_iface_record *r,
			   __u32 *ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char pin[NAME_MAX + 1];
	int fd, err = 0;

	br_link_pin_name(pin, sizeof(pin), r->netns, r->name);
	fd = br_pindir_get(&dp->pd, pin);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	close(fd);
	/* The kernel lets go of a deleted device: the link stays, ifindex 0. */
	*ifindex = info.xdp.ifindex;
	return err;
}

/* The max_entries of a map, 0 if the kernel will not say. */
static __u32 br_map_size(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

int br_dp_hellos_reading(struct br_dp *dp)
{
	struct br_flow_key key, next;
	int n = 0, fd = dp->map_fd[BR_MAP_TLS_PENDING];

	if (bpf_map_get_next_key(fd, NULL, &next))
		return errno == ENOENT ? 0 : -errno;
	do {
		n++;
		key = next;
	} while (!bpf_map_get_next_key(fd, &key, &next));
	return errno == ENOENT ? n : -errno;
}

int br_dp_status(struct br_dp *dp, struct br_dp_status *st)
{
	struct br_loader_state ls;
	struct br_policy_hdr *hdr;
	__u32 i, ifindex;
	int err;

	memset(st, 0, sizeof(*st));
	err = br_state_get(dp, &ls);
	if (err)
		return err;
	err = br_active_slot(dp, &st->slot);
	if (err)
		return err;
	hdr = br_slot_part(dp, BR_MAP_POLICY, st->slot);
	st->generation = hdr->generation;
	st->fail_closed = ls.fail_closed;
	st->flow_entries = br_map_size(dp->map_fd[BR_MAP_FLOWS]);
	st->hello_entries = br_map_size(dp->map_fd[BR_MAP_TLS_PENDING]);
	if (st->generation)
		st->record = *br_record(dp, hdr->gen_idx);
	for (i = 0; dp->ifaces_fd >= 0 && i < BR_MAX_IFACES; i++) {
		struct br_iface_record r;
		struct br_dp_iface *out;

		if (bpf_map_lookup_elem(dp->ifaces_fd, &i, &r) || !r.used)
			continue;
		out = &st->ifaces[st->n_ifaces++];
		snprintf(out->name, sizeof(out->name), "%s", r.name);
		snprintf(out->netns, sizeof(out->netns), "%s", r.netns);
		out->ifindex = r.ifindex;
		out->role = r.role;
		out->mode = r.mode;
		err = br_link_ifindex(dp, &r, &ifindex);
		out->state = err == -ENOENT ? BR_IFACE_UNPINNED
			     : !err && !ifindex ? BR_IFACE_GONE
						: BR_IFACE_ATTACHED;
	}
	return 0;
}

/* ---- interfaces ------------------------------------------------------ */

/* Run fn inside network namespace netns (NULL: here), then come back. */
static int br_in_netns(const char *netns, int (*fn)(void *), void *arg)
{
	char path[PATH_MAX];
	int self = -1, target = -1, err, ret;

	if (!netns || !netns[0])
		return fn(arg);
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		err = -errno;
		br_err("network namespace %s: %s", netns, strerror(-err));
		return err;
	}
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(target, CLONE_NEWNET)) {
		err = -errno;
		br_err("cannot enter network namespace %s: %s", netns,
		       strerror(-err));
		goto out;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET)) {
		err = -errno;
		br_err("cannot return to the original network namespace");
		goto out;
	}
	err = ret;
out:
	if (self >= 0)
		close(self);
	close(target);
	return err;
}

struct br_attach_req {
	struct br_dp *dp;
	const char *ifname;
	enum br_role role;
	enum br_xdp_mode mode;
	int ifindex;
	int link_fd;
};

/* The MTU of ifname in the current network namespace, 0 if unknown. */
static int br_if_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, mtu = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static void br_attach_error(const struct br_attach_req *req, int err)
{
	const char *mode = req->mode == BR_MODE_GENERIC ? "generic" : "native";
	int mtu = br_if_mtu(req->ifname);

	if (err == -EBUSY || err == -EEXIST)
		br_err("%s already has an XDP program attached "
		       "(blastradius status; ip link show %s)",
		       req->ifname, req->ifname);
	else if (req->mode == BR_MODE_NATIVE && mtu > 1500 &&
		 (err == -ERANGE || err == -EINVAL))
		/*
		 * Native XDP without multi-buffer support (this program's)
		 * takes a frame in one page: veth refuses a larger MTU with
		 * ERANGE (its own or its peer's), most NIC drivers with
		 * EINVAL.
		 */
		br_err("cannot attach to %s in native mode: %s: its MTU is %d "
		       "(or its veth peer's is larger), more than native XDP "
		       "takes on this device (one frame in one 4 KiB page: "
		       "about 3,500 bytes on a veth). Lower the MTU (ip link "
		       "set dev %s mtu 1500, and its peer's), or use --mode "
		       "generic",
		       req->ifname, strerror(-err), mtu, req->ifname);
	else if (err == -EOPNOTSUPP || err == -EINVAL || err == -ERANGE)
		br_err("cannot attach to %s in %s mode: %s (try --mode "
		       "generic)",
		       req->ifname, mode, strerror(-err));
	else if (err == -EPERM)
		br_err("cannot attach to %s: permission denied (run as root)",
		       req->ifname);
	else
		br_err("cannot attach to %s: %s", req->ifname, strerror(-err));
}

static int br_attach_here(void *arg)
{
	struct br_attach_req *req = arg;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int err;

	req->ifindex = if_nametoindex(req->ifname);
	if (!req->ifindex) {
		br_err("unknown interface %s", req->ifname);
		return -ENODEV;
	}
	opts.flags = req->mode == BR_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
						  : XDP_FLAGS_DRV_MODE;
	req->link_fd = bpf_link_create(req->dp->prog_fd[req->role - 1],
				       req->ifindex, BPF_XDP, &opts);
	if (req->link_fd >= 0)
		return 0;
	err = -errno;
	br_attach_error(req, err);
	return err;
}

/* Is r the interface ifname of netns (NULL or "": the caller's)? */
static bool br_iface_is(const struct br_iface_record *r, const char *netns,
			const char *ifname)
{
	return r->used && !strcmp(r->name, ifname) &&
	       !strcmp(r->netns, netns ? netns : "");
}

int br_dp_attach(struct br_dp *dp, const char *netns, const char *ifname,
		 enum br_role role, enum br_xdp_mode mode)
{
	struct br_attach_req req = { dp, ifname, role, mode, 0, -1 };
	struct br_iface_record rec = {};
	char pin[NAME_MAX + 1];
	__u32 i, free_slot = BR_MAX_IFACES;
	int err;

	if (dp->pd.fd < 0)
		return -EINVAL;
	if (role != BR_ROLE_SUBSCRIBER && role != BR_ROLE_UPSTREAM)
		return -EINVAL;
	/* Cut in the record, unload would look for another link pin. */
	if (netns && strlen(netns) >= sizeof(rec.netns)) {
		br_err("network namespace name %s is %zu characters long: at "
		       "most %zu (rename it: ip netns attach SHORT PID)",
		       netns, strlen(netns), sizeof(rec.netns) - 1);
		return -ENAMETOOLONG;
	}
	if (strlen(ifname) >= sizeof(rec.name)) {
		br_err("interface name %s too long", ifname);
		return -ENAMETOOLONG;
	}
	err = br_dp_lock(dp);
	if (err)
		return err;
	for (i = 0; i < BR_MAX_IFACES; i++) {
		struct br_iface_record r;

		if (bpf_map_lookup_elem(dp->ifaces_fd, &i, &r)) {
			err = -errno;
			goto out;
		}
		if (!r.used) {
			if (free_slot == BR_MAX_IFACES)
				free_slot = i;
			continue;
		}
		if (br_iface_is(&r, netns, ifname)) {
			br_err("%s is already attached", ifname);
			err = -EEXIST;
			goto out;
		}
	}
	if (free_slot == BR_MAX_IFACES) {
		br_err("too many interfaces (at most %d)", BR_MAX_IFACES);
		err = -ENOSPC;
		goto out;
	}
	err = br_in_netns(netns, br_attach_here, &req);
	if (err)
		goto out;
	br_link_pin_name(pin, sizeof(pin), netns, ifname);
	err = br_pindir_pin(&dp->pd, req.link_fd, pin);
	close(req.link_fd); /* the pin holds the link from now on */
	if (err)
		goto out;
	rec.used = 1;
	rec.ifindex = req.ifindex;
	rec.role = role;
	rec.mode = mode;
	snprintf(rec.name, sizeof(rec.name), "%s", ifname);
	snprintf(rec.netns, sizeof(rec.netns), "%s", netns ? netns : "");
	if (bpf_map_update_elem(dp->ifaces_fd, &free_slot, &rec, 0))
		err = -errno;
out:
	br_dp_unlock(dp);
	return err;
}

static int br_dp_prog_ids(struct br_dp *dp)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (dp->prog_id[i])
			continue;
		if (bpf_obj_get_info_by_fd(dp->prog_fd[i], &info, &len))
			return -errno;
		dp->prog_id[i] = info.id;
	}
	return 0;
}

struct br_query_req {
	struct br_dp *dp;
	int ifindex;
	bool attached;
};

static int br_query_here(void *arg)
{
	struct br_query_req *req = arg;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int i;

	if (bpf_xdp_query(req->ifindex, 0, &q))
		return 0; /* no such device: nothing attached to it */
	for (i = 0; i < 2; i++)
		if (req->dp->prog_id[i] &&
		    (q.drv_prog_id == req->dp->prog_id[i] ||
		     q.skb_prog_id == req->dp->prog_id[i] ||
		     q.hw_prog_id == req->dp->prog_id[i]))
			req->attached = true;
	return 0;
}

/* Does one of this instance's programs still run on r's interface? */
static bool br_still_attached(struct br_dp *dp, const struct br_iface_record *r)
{
	struct br_query_req req = { dp, r->ifindex, false };
	char path[PATH_MAX];

	if (br_dp_prog_ids(dp))
		return true; /* cannot tell: do not claim it is gone */
	/* A namespace deleted took its virtual devices with it. */
	snprintf(path, sizeof(path), "/run/netns/%s", r->netns);
	if (r->netns[0] && access(path, F_OK))
		return false;
	if (br_in_netns(r->netns, br_query_here, &req))
		return true;
	return req.attached;
}

/*
 * Detach every XDP link of this instance's programs that has no pin here
 * (a pin renamed or removed by hand, a link held by another process): full
 * unload must leave none of them running anywhere.
 */
static void br_detach_strays(struct br_dp *dp)
{
	__u32 id = 0;

	if (br_dp_prog_ids(dp))
		return;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_LINK_TYPE_XDP && info.xdp.ifindex &&
		    (info.prog_id == dp->prog_id[0] ||
		     info.prog_id == dp->prog_id[1]) &&
		    !bpf_link_detach(fd))
			br_err("detached link %u (ifindex %u) of this "
			       "instance: it had no pin in %s",
			       id, info.xdp.ifindex, dp->pd.path);
		close(fd);
	}
}

/*
 * Detach one interface or all (ifname NULL): each link is detached through
 * its pin (at once, even if another process holds the link), unpinned, and
 * then checked: an interface that still runs the program keeps its record
 * and fails the call, so unload never says "unloaded" while it filters.
 */
int br_dp_detach(struct br_dp *dp, const char *netns, const char *ifname)
{
	struct br_iface_record r;
	char pin[NAME_MAX + 1];
	__u32 i;
	int err, found = 0;

	err = br_dp_lock(dp);
	if (err)
		return err;
	for (i = 0; i < BR_MAX_IFACES; i++) {
		if (bpf_map_lookup_elem(dp->ifaces_fd, &i, &r)) {
			err = -errno;
			goto out;
		}
		if (!r.used || (ifname && !br_iface_is(&r, netns, ifname)))
			continue;
		br_link_pin_name(pin, sizeof(pin), r.netns, r.name);
		err = br_unpin_link(pin, &dp->pd);
		if (err) {
			br_err("cannot remove %s/%s: %s", dp->pd.path, pin,
			       strerror(-err));
			goto out;
		}
	}
	if (!ifname)
		br_detach_strays(dp);
	for (i = 0; i < BR_MAX_IFACES; i++) {
		if (bpf_map_lookup_elem(dp->ifaces_fd, &i, &r)) {
			err = -errno;
			goto out;
		}
		if (!r.used || (ifname && !br_iface_is(&r, netns, ifname)))
			continue;
		found++;
		if (br_still_attached(dp, &r)) {
			br_err("%s%s%s: the XDP program of %s is still "
			       "attached (its link is held elsewhere: bpftool "
			       "link show); not unloaded",
			       r.name, r.netns[0] ? " in " : "", r.netns,
			       dp->pd.path);
			err = -EBUSY;
			continue;
		}
		memset(&r, 0, sizeof(r));
		if (bpf_map_update_elem(dp->ifaces_fd, &i, &r, 0)) {
			err = -errno;
			goto out;
		}
	}
	if (!err && ifname && !found) {
		br_err("%s is not attached", ifname);
		err = -ENOENT;
	}
out:
	br_dp_unlock(dp);
	return err;
}

int br_dp_destroy_pins(struct br_dp *dp)
{
	int err;

	if (dp->pd.fd < 0)
		return -EINVAL;
	err = br_dp_lock(dp);
	if (err)
		return err;
	err = br_dp_detach(dp, NULL, NULL);
	if (!err)
		err = br_pins_remove(&dp->pd);
	br_dp_unlock(dp);
	return err;
}

/* ---- test packets ---------------------------------------------------- */

int br_dp_prog_fd(struct br_dp *dp, enum br_role role)
{
	if (role != BR_ROLE_SUBSCRIBER && role != BR_ROLE_UPSTREAM)
		return -EINVAL;
	return dp->prog_fd[role - 1];
}

/* Room for a frame the program grows (a DNS answer over its query). */
#define BR_DP_RUN_ROOM 256

int br_dp_run(struct br_dp *dp, enum br_role role, __u64 now_ns,
	      const void *frame, size_t len, struct br_dp_result *res)
{
	struct br_xdp_meta meta = { .now_ns = now_ns };
	size_t meta_len = dp->virtual_clock ? sizeof(meta) : 0;
	struct xdp_md ctx_in = {
		.data = meta_len,
		.data_end = meta_len + len,
	}, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	int fd = br_dp_prog_fd(dp, role);

	memset(res, 0, sizeof(*res));
	if (fd < 0)
		return fd;
	if (len > BR_DP_FRAME_MAX)
		return -EMSGSIZE;
	if (!dp->run_in)
		dp->run_in = malloc(sizeof(meta) + BR_DP_FRAME_MAX);
	if (!dp->run_out)
		dp->run_out =
			malloc(sizeof(meta) + BR_DP_FRAME_MAX + BR_DP_RUN_ROOM);
	if (!dp->run_in || !dp->run_out)
		return -ENOMEM;
	/* the time travels in the XDP metadata, in front of the frame */
	if (meta_len) {
		memcpy(dp->run_in, &meta, meta_len);
		opts.ctx_in = &ctx_in;
		opts.ctx_size_in = sizeof(ctx_in);
		opts.ctx_out = &ctx_out;
		opts.ctx_size_out = sizeof(ctx_out);
	}
	memcpy(dp->run_in + meta_len, frame, len);
	opts.data_in = dp->run_in;
	opts.data_size_in = meta_len + len;
	opts.data_out = dp->run_out;
	opts.data_size_out = sizeof(meta) + BR_DP_FRAME_MAX + BR_DP_RUN_ROOM;
	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	res->verdict = opts.retval;
	res->frame = dp->run_out;
	res->len = opts.data_size_out;
	if (!meta_len)
		return 0;
	/* the output starts at the metadata too: the frame is ctx's window */
	if (ctx_out.data > ctx_out.data_end ||
	    ctx_out.data_end > opts.data_size_out)
		return -EBADMSG;
	res->frame = dp->run_out + ctx_out.data;
	res->len = ctx_out.data_end - ctx_out.data;
	return 0;
}

struct br_batch_pkt *br_dp_batch_entry(struct br_dp *dp, unsigned int i)
{
	if (!dp->batch_pool || i >= BR_BATCH_MAX)
		return NULL;
	return &dp->batch_pool[i];
}

/* The frame a batch starts from: the first entry replaces it. */
#define BR_BATCH_SEED_LEN 60

int br_dp_batch_run(struct br_dp *dp, unsigned int first, unsigned int count,
		    const struct br_batch_ctl **ctl,
		    struct br_dp_result *last)
{
	size_t meta_len = sizeof(struct br_xdp_meta);
	struct xdp_md ctx_in = {
		.data = meta_len,
		.data_end = meta_len + BR_BATCH_SEED_LEN,
	}, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out));

	memset(last, 0, sizeof(*last));
	if (dp->batch_fd < 0 || !dp->batch_ctl)
		return -EOPNOTSUPP;
	if (first >= count || count > BR_BATCH_MAX)
		return -EINVAL;
	if (!dp->run_in)
		dp->run_in = calloc(1, meta_len + BR_DP_FRAME_MAX);
	if (!dp->run_out)
		dp->run_out = malloc(meta_len + BR_DP_FRAME_MAX + BR_DP_RUN_ROOM);
	if (!dp->run_in || !dp->run_out)
		return -ENOMEM;
	dp->batch_ctl->first = first;
	dp->batch_ctl->count = count;
	dp->batch_ctl->next = first;
	dp->batch_ctl->end = BR_BATCH_BAD;
	opts.data_in = dp->run_in;
	opts.data_size_in = meta_len + BR_BATCH_SEED_LEN;
	opts.data_out = dp->run_out;
	opts.data_size_out = meta_len + BR_DP_FRAME_MAX + BR_DP_RUN_ROOM;
	if (bpf_prog_test_run_opts(dp->batch_fd, &opts))
		return -errno;
	*ctl = dp->batch_ctl;
	if (dp->batch_ctl->next <= first || dp->batch_ctl->next > count)
		return -EBADMSG;
	if (ctx_out.data > ctx_out.data_end ||
	    ctx_out.data_end > opts.data_size_out)
		return -EBADMSG;
	last->verdict = dp->batch_ctl->res[dp->batch_ctl->next - 1].xdp;
	last->frame = dp->run_out + ctx_out.data;
	last->len = ctx_out.data_end - ctx_out.data;
	return 0;
}

static int br_name_cmp(const void *a, const void *b)
{
	const struct br_dp_name *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits < y->hits ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The same name of the same rule: its ways on every CPU. */
static int br_name_key_cmp(const void *a, const void *b)
{
	const struct br_dp_name *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->name, y->name);
}

int br_dp_names(struct br_dp *dp, __u64 generation, struct br_dp_name *out,
		size_t max, size_t *n)
{
	size_t vlen = (sizeof(struct br_name_set) + 7) & ~(size_t)7;
	int fd = dp->map_fd[BR_MAP_NAMES], c, w, err = 0;
	const struct br_name_set *set;
	struct br_dp_name *all;
	size_t cnt = 0, i, j;
	__u32 idx;
	char *buf;

	*n = 0;
	all = calloc((size_t)dp->ncpus * BR_NAME_ENTRIES, sizeof(*all));
	buf = malloc(vlen * dp->ncpus);
	if (!all || !buf) {
		err = -ENOMEM;
		goto out;
	}
	for (idx = 0; idx < BR_NAME_SETS; idx++) {
		if (bpf_map_lookup_elem(fd, &idx, buf)) {
			err = -errno;
			goto out;
		}
		for (c = 0; c < dp->ncpus; c++) {
			set = (const void *)(buf + vlen * c);
			if (set->generation != generation)
				continue;
			for (w = 0; w < BR_NAME_WAYS; w++) {
				if (!set->way[w].tag || !set->way[w].hits)
					continue;
				memcpy(all[cnt].name, set->rec[w].name,
				       BR_NAME_MAX);
				all[cnt].name[BR_NAME_MAX - 1] = 0;
				all[cnt].kind = set->rec[w].key.kind;
				all[cnt].rule = set->rec[w].key.rule;
				all[cnt].hits = set->way[w].hits;
				cnt++;
			}
		}
	}
	/* one entry a name and rule: its CPUs' hits summed */
	qsort(all, cnt, sizeof(*all), br_name_key_cmp);
	for (i = 0, j = 0; i < cnt; i++) {
		if (j && !br_name_key_cmp(&all[j - 1], &all[i]))
			all[j - 1].hits += all[i].hits;
		else
			all[j++] = all[i];
	}
	cnt = j;
	qsort(all, cnt, sizeof(*all), br_name_cmp);
	*n = cnt < max ? cnt : max;
	memcpy(out, all, *n * sizeof(*all));
out:
	free(buf);
	free(all);
	return err;
}
