/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pindir.h - the bpffs directory of a pinned instance, handled so that no
 * other local user can make the loader touch anything but its own pins.
 *
 * The loader runs as root on a bpffs that may be writable by anyone (bpffs
 * mounts default to mode 1777). So every operation goes through one
 * directory fd, opened without following a symlink and checked: a
 * directory owned by the caller, writable by no one else, on a bpffs and
 * not the mount's root. bpf_obj_pin and bpf_obj_get take paths; they get
 * "/proc/self/fd/FD/NAME", which names exactly the directory checked, not
 * whatever its path leads to by then. The loader pins a marker ("owner")
 * first and removes only its own pin names, and only where the marker
 * proves the directory its own. Only dataplane.c uses this.
 */
#ifndef BR_PINDIR_H
#define BR_PINDIR_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct br_pindir {
	int fd;			 /* the checked directory; -1: closed */
	int parent_fd;		 /* its parent: the final rmdir */
	char path[PATH_MAX];	 /* as given, trailing slashes removed */
	char name[NAME_MAX + 1]; /* its last component */
	dev_t dev;
	ino_t ino;
	int lock_depth; /* nested br_pindir_lock calls */
};

/* The pin name of the marker, pinned first and removed last. */
#define BR_PINDIR_MARKER "owner"

/*
 * Open the directory at path and check it (see above). With create, make
 * it (mode 0700) when missing, mounting bpffs at /sys/fs/bpf first if
 * that is the parent and nothing is mounted there. -ENOENT (no message)
 * when it does not exist and create is false; any refusal is printed and
 * returned as -EACCES.
 */
int br_pindir_open(struct br_pindir *pd, const char *path, bool create);
void br_pindir_close(struct br_pindir *pd);

/*
 * 1 when the directory holds a valid marker, 0 when it holds none (an
 * "owner" pin that is not one is printed and counts as none), or -errno.
 */
int br_pindir_marked(struct br_pindir *pd);
/* Pin the marker: a frozen one-entry map holding a magic value. */
int br_pindir_mark(struct br_pindir *pd);
/* Entries in the directory (0: empty), or -errno. */
int br_pindir_count(struct br_pindir *pd);

/* Call fn on each entry's name (not . and ..); stop at fn's non-zero. */
int br_pindir_each(struct br_pindir *pd, int (*fn)(const char *name, void *arg),
		   void *arg);

/* Pin fd under name; prints why not. */
int br_pindir_pin(struct br_pindir *pd, int fd, const char *name);
/* The object pinned under name (an fd), or -errno. */
int br_pindir_get(struct br_pindir *pd, const char *name);
/* Remove the pin name; a missing one is not an error. */
int br_pindir_unpin(struct br_pindir *pd, const char *name);
/* Remove the (empty) directory; -ENOTEMPTY while anything is left. */
int br_pindir_rmdir(struct br_pindir *pd);

/*
 * The instance lock: flock on the directory, nested (only the outermost
 * unlock releases it). A holder that does not let go within
 * br_pindir_lock_wait_ms is named (its PID from /proc/locks, its command
 * line and whether it is stopped) and the call fails with -ETIMEDOUT.
 */
extern unsigned int br_pindir_lock_wait_ms;
int br_pindir_lock(struct br_pindir *pd);
void br_pindir_unlock(struct br_pindir *pd);
/* The PID holding the lock and a description of it, 0 when none. */
pid_t br_pindir_lock_holder(struct br_pindir *pd, char *what, size_t len);

#endif /* BR_PINDIR_H */
