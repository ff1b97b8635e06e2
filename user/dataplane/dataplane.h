/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dataplane.h - one instance of the blastradius BPF object.
 *
 * An instance is either pinned (the live one: maps, programs and XDP links
 * under a bpffs directory, surviving the loader) or private (unit tests,
 * benchmarks and later simulation: its own maps, packets pushed with
 * BPF_PROG_TEST_RUN, gone when closed). This module is the only one that
 * touches maps; the rest of user/ goes through these calls.
 */
#ifndef BR_DATAPLANE_H
#define BR_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "abi.h"
#include "diag.h"
#include "policy.h"
#include "compile.h"

struct br_dp;

enum br_xdp_mode {
	BR_MODE_NATIVE = 0,
	BR_MODE_GENERIC,
};

struct br_dp_opts {
	bool fail_closed;   /* drop malformed IP instead of passing it */
	bool virtual_clock; /* clock from XDP metadata (simulation) */
	/* the censor's state tables, 0: BR_FLOW_ENTRIES, BR_FLOW_PENDING */
	__u32 flow_entries;  /* flows of stateful policies */
	__u32 hello_entries; /* ClientHellos being read */
	/* load br_xdp_batch, for br_dp_batch_run, instead of the role
	 * entry points of br_dp_run and attach (needs virtual_clock) */
	bool batch;
};


/* Load a private instance (not pinned, not attached). */
int br_dp_open_private(const struct br_dp_opts *opts, struct br_dp **out);

/*
 * Make a private instance as br_dp_open_private left it, keeping the
 * programs the kernel verified (the costly part of a load): no policy,
 * no generation, every flow, hello, name and fragment forgotten, the
 * QUIC opener's keys, gathered hellos and budgets too, every counter 0.
 * simulate's ensembles run many runs on one instance this way;
 * tests/e2e/test_ensemble.sh checks that they print what fresh
 * instances print. -EINVAL for a pinned instance.
 */
int br_dp_reset(struct br_dp *dp, const struct br_dp_opts *opts);

/*
 * Load a new instance and pin it under pin_dir: -EEXIST when it holds one
 * with a policy in force. Mounts bpffs at /sys/fs/bpf when that is the
 * parent and nothing is mounted there. The directory is checked and
 * marked as pindir.h says; what a load that died before its commit left
 * there is cleared first. The instance lock stays held until br_dp_close,
 * so the caller attaches and installs (the commit) as one load. Errors
 * other than -EEXIST are printed.
 */
int br_dp_create_pinned(const char *pin_dir, const struct br_dp_opts *opts,
			struct br_dp **out);

/*
 * Open the instance pinned under pin_dir: -ENOENT when there is none,
 * -EPERM without the privileges, -EBADF for a damaged one and -EACCES for
 * a directory that is not safely ours (both printed). An instance whose
 * load never committed a policy opens; br_dp_status says generation 0.
 */
int br_dp_open_pinned(const char *pin_dir, struct br_dp **out);

/* The pin directory as given (trailing slashes removed). */
const char *br_dp_pin_dir(const struct br_dp *dp);

/*
 * How long br_dp_install, attach and detach wait for the instance lock
 * another process holds before they name it and fail (-ETIMEDOUT).
 */
void br_dp_set_lock_wait(unsigned int ms);

/* The PID holding the instance lock and what it is (0 when none). */
pid_t br_dp_lock_holder(struct br_dp *dp, char *what, size_t len);

/* Unmap and close; the pinned state stays. */
void br_dp_close(struct br_dp *dp);

/*
 * Compile pol into the inactive slot and commit it: the next packet sees
 * the new generation. Fails without touching the active slot. Serialised
 * with every other install, attach and detach by a lock on the pin
 * directory; safe to kill at any point (the old or the new policy stays in
 * force, complete). This is both `load`'s first install and `swap`.
 */
int br_dp_install(struct br_dp *dp, const struct br_policy *pol,
		  struct br_compile_stats *stats, struct br_diag *diag);

/*
 * The two halves of br_dp_install, for load: compile into the inactive
 * slot (a policy that does not fit fails before anything is attached),
 * attach, then commit. The caller holds the lock across them (load does:
 * br_dp_create_pinned).
 */
int br_dp_stage(struct br_dp *dp, const struct br_policy *pol,
		struct br_compile_stats *stats, struct br_diag *diag);
int br_dp_commit(struct br_dp *dp);

/* What the last br_dp_install did and how long each step took. */
struct br_install_report {
	__u64 generation; /* now in force (0 if the install failed) */
	__u64 previous;	  /* the one it replaced, 0 if none */
	__u64 lock_ns;	  /* waiting for a concurrent install */
	__u64 grace_ns;	  /* RCU grace period before reusing the slot */
	__u64 compile_ns; /* compile and fill the slot's maps */
	__u64 commit_ns;  /* retire, record, header, index write */
	struct br_compile_stats compile;
};

const struct br_install_report *br_dp_last_install(struct br_dp *dp);

/* Wait for an RCU grace period: no CPU still runs on an old slot after. */
int br_dp_grace_period(struct br_dp *dp);

/*
 * Attach to ifname in network namespace netns (NULL or "" for the caller's)
 * with a pinned bpf_link; the program stays attached after the loader exits.
 */
int br_dp_attach(struct br_dp *dp, const char *netns, const char *ifname,
		 enum br_role role, enum br_xdp_mode mode);

/*
 * Detach one interface or, with ifname NULL, every attached one (and any
 * other XDP link of this instance's programs). -EBUSY, printed, when the
 * program still runs on one afterwards.
 */
int br_dp_detach(struct br_dp *dp, const char *netns, const char *ifname);

/*
 * Detach all, then remove the pins the loader made and the directory;
 * anything else found there stays, with the directory (-ENOTEMPTY).
 */
int br_dp_destroy_pins(struct br_dp *dp);

/*
 * For an instance too damaged to open: remove the pins the loader makes
 * (detaching links), if the marker proves the directory ours.
 */
int br_dp_remove_pins(const char *pin_dir);

enum br_iface_state {
	BR_IFACE_ATTACHED = 0,
	BR_IFACE_GONE,	   /* its link lost the device: deleted */
	BR_IFACE_UNPINNED, /* its link pin is missing */
};

struct br_dp_iface {
	char name[32];
	char netns[64];
	int ifindex;
	enum br_role role;
	enum br_xdp_mode mode;
	enum br_iface_state state;
};

struct br_dp_status {
	__u64 generation;
	__u32 slot;
	bool fail_closed;
	__u32 flow_entries;  /* the size of the flow table */
	__u32 hello_entries; /* and of the table of hellos being read */
	struct br_gen_record record; /* of the active generation */
	size_t n_ifaces;
	struct br_dp_iface ifaces[64];
};

int br_dp_status(struct br_dp *dp, struct br_dp_status *st);

/*
 * Entries of the table of hellos being read: hellos that span segments,
 * between their first and their last (a hello in one segment never
 * takes one), and states left by flows that went before their hello
 * ended. A negative errno on failure.
 */
int br_dp_hellos_reading(struct br_dp *dp);

/*
 * Counters of one generation, summed over CPUs: -ENOENT if it is not among
 * those kept, -ESRCH if its install was interrupted before its commit, so
 * it was never in force.
 */
int br_dp_counters(struct br_dp *dp, __u64 generation,
		   struct br_counter out[BR_CTR_PER_GEN],
		   struct br_gen_record *record);

/* The largest frame br_dp_run takes (a GSO super-frame). */
#define BR_DP_FRAME_MAX 65536

/*
 * What one frame did in the program: the XDP action, and the frame as the
 * program left it (rewritten, for XDP_TX), in the instance's own buffer,
 * valid until its next run.
 */
struct br_dp_result {
	__u32 verdict;
	const __u8 *frame;
	size_t len;
};

/*
 * Run one frame through the program with BPF_PROG_TEST_RUN, as if it
 * arrived on an interface of the given role at time now_ns: the one way
 * simulate, replay and the tests run frames. An instance loaded with the
 * virtual clock reads now_ns (it travels in struct br_xdp_meta in front
 * of the frame); a live one reads its own clock and ignores it. len at
 * most BR_DP_FRAME_MAX. 0 or -errno.
 */
int br_dp_run(struct br_dp *dp, enum br_role role, __u64 now_ns,
	      const void *frame, size_t len, struct br_dp_result *res);

/*
 * Batches (abi.h, "batches"): many frames a BPF_PROG_TEST_RUN call, each at
 * its own virtual time, in order, through the same program code as
 * br_dp_run's. For an instance opened with opts.batch and virtual_clock.
 *
 * br_dp_batch_entry: pool entry i (< BR_BATCH_MAX), to be filled in place
 * (it is the map's memory); NULL for an instance without batches.
 *
 * br_dp_batch_run: runs entries first..count-1 until one ends the batch
 * (its stop mask, or an answer: enum br_batch_end). *ctl then tells how
 * far it got (next, end) and what each entry got (res[i]); last holds the
 * frame of the last entry run as the program left it (an answer, for
 * XDP_TX), valid until the next run. 0 or -errno.
 */
struct br_batch_pkt *br_dp_batch_entry(struct br_dp *dp, unsigned int i);
int br_dp_batch_run(struct br_dp *dp, unsigned int first, unsigned int count,
		    const struct br_batch_ctl **ctl,
		    struct br_dp_result *last);

/* The program fd for a role, for benchmarks that drive test_run directly. */
int br_dp_prog_fd(struct br_dp *dp, enum br_role role);

/* A name that decided verdicts of a generation (TLS SNI or DNS qname). */
#define BR_DP_NAMES_MAX 100

struct br_dp_name {
	char name[BR_NAME_MAX];
	__u32 kind; /* enum br_name_kind */
	__u32 rule;
	__u64 hits; /* flows (TLS) or queries (DNS) */
};

/*
 * The max names with the most hits under a generation, most first, each
 * summed over the CPUs. Kept per CPU in a table of BR_NAME_ENTRIES (abi.h
 * says which names it keeps): under churn of many names the rarest go.
 */
int br_dp_names(struct br_dp *dp, __u64 generation, struct br_dp_name *out,
		size_t max, size_t *n);

/* Counters summed over every generation ever installed (for exporters). */
int br_dp_totals(struct br_dp *dp, struct br_counter out[BR_CTR_PER_GEN]);

#endif /* BR_DATAPLANE_H */
