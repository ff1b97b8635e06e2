// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pindir.c - the instance's bpffs directory, opened, checked, marked,
 * locked and removed without following a symlink; see pindir.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>

#include "log.h"
#include "pindir.h"

#define BR_BPF_FS_MAGIC 0xcafe4a11

/* The marker's value: what says "a blastradius instance lives here". */
static const char br_marker_magic[32] = "blastradius instance v1";

unsigned int br_pindir_lock_wait_ms = 10000;

static bool br_fd_on_bpffs(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == BR_BPF_FS_MAGIC;
}

static bool br_initial_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return true; /* cannot tell: let the mount attempt decide */
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

/*
 * Only the default location /sys/fs/bpf is mounted automatically, and only
 * from the initial mount namespace: `ip netns exec` runs in a private one
 * where a fresh mount would vanish with the process and take the pins with
 * it. Anything else is checked on the parent's fd afterwards.
 */
static int br_ensure_default_bpffs(const char *parent)
{
	struct statfs fs;

	if (strcmp(parent, "/sys/fs/bpf"))
		return 0;
	if (statfs(parent, &fs) == 0 && fs.f_type == BR_BPF_FS_MAGIC)
		return 0;
	if (!br_initial_mount_ns()) {
		br_err("/sys/fs/bpf is not mounted and this process runs in a "
		       "private mount namespace (ip netns exec?): pins made "
		       "here would vanish when it exits. Run blastradius from "
		       "the host with --netns NAME, or use --pin-dir on a "
		       "bpffs mounted in the host (e.g. under /run)");
		return -EPERM;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		int err = -errno;

		br_err("cannot mount bpffs at /sys/fs/bpf: %s%s",
		       strerror(-err), err == -EPERM ? " (run as root)" : "");
		return err;
	}
	return 0;
}

static void br_pindir_reset(struct br_pindir *pd)
{
	memset(pd, 0, sizeof(*pd));
	pd->fd = pd->parent_fd = -1;
}

void br_pindir_close(struct br_pindir *pd)
{
	if (pd->fd >= 0)
		close(pd->fd); /* releases the lock */
	if (pd->parent_fd >= 0)
		close(pd->parent_fd);
	br_pindir_reset(pd);
}

/* Split pd->path into its parent (in parent) and pd->name. */
static int br_pindir_split(struct br_pindir *pd, const char *path, char *parent,
			   size_t len)
{
	size_t n = strlen(path);
	const char *name;
	char *slash;

	if (!n || n >= sizeof(pd->path)) {
		br_err("pin directory \"%s\": empty or too long", path);
		return -EINVAL;
	}
	memcpy(pd->path, path, n + 1);
	/* "/sys/fs/bpf/" names /sys/fs/bpf, the mount's root: see below */
	while (n > 1 && pd->path[n - 1] == '/')
		pd->path[--n] = '\0';
	slash = strrchr(pd->path, '/');
	if (!slash) {
		snprintf(parent, len, ".");
		name = pd->path;
	} else {
		snprintf(parent, len, "%.*s",
			 slash == pd->path ? 1 : (int)(slash - pd->path),
			 pd->path);
		name = slash + 1;
	}
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..")) {
		br_err("pin directory %s: name the directory itself (not /, "
		       ". or ..)",
		       path);
		return -EINVAL;
	}
	if (strlen(name) > NAME_MAX) {
		br_err("pin directory %s: name too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(pd->name, sizeof(pd->name), "%s", name);
	return 0;
}

/* Why the parent is not a bpffs: it may be the bpffs root that was named. */
static int br_pindir_not_bpffs(struct br_pindir *pd, const char *parent,
			       bool create)
{
	int fd = openat(pd->parent_fd, pd->name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool root = fd >= 0 && br_fd_on_bpffs(fd);

	if (fd >= 0)
		close(fd);
	if (root) {
		br_err("%s is the root of a bpffs mount: blastradius keeps its "
		       "pins in a directory of their own below it (e.g. "
		       "--pin-dir %s/blastradius) and never touches the root",
		       pd->path, pd->path);
		return -EACCES;
	}
	if (!create)
		return -ENOENT; /* nothing of ours can be there */
	br_err("%s is not on a bpffs: mount one first (mount -t bpf bpf %s) "
	       "or use the default --pin-dir",
	       parent, parent);
	return -EACCES;
}

/* The directory opened as pd->fd must be the caller's and no one else's. */
static int br_pindir_check(struct br_pindir *pd, const struct stat *parent)
{
	struct stat st;

	if (fstat(pd->fd, &st))
		return -errno;
	if (st.st_dev != parent->st_dev) {
		br_err("%s is the root of a mounted file system: blastradius "
		       "keeps its pins in a directory of their own below it "
		       "(e.g. --pin-dir %s/blastradius)",
		       pd->path, pd->path);
		return -EACCES;
	}
	if (st.st_uid != geteuid()) {
		br_err("%s is owned by uid %u, not by this user (uid %u): not "
		       "touched. Remove it, or give another --pin-dir",
		       pd->path, (unsigned int)st.st_uid,
		       (unsigned int)geteuid());
		return -EACCES;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		br_err("%s is writable by group or others (mode %04o): anyone "
		       "could remove the pins that keep the censor attached; "
		       "not touched. Remove it, or give another --pin-dir",
		       pd->path, (unsigned int)(st.st_mode & 07777));
		return -EACCES;
	}
	pd->dev = st.st_dev;
	pd->ino = st.st_ino;
	return 0;
}

int br_pindir_open(struct br_pindir *pd, const char *path, bool create)
{
	char parent[PATH_MAX];
	struct stat pst, lst;
	int err;

	br_pindir_reset(pd);
	err = br_pindir_split(pd, path, parent, sizeof(parent));
	if (err)
		return err;
	if (create) {
		err = br_ensure_default_bpffs(parent);
		if (err)
			return err;
	}
	pd->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pd->parent_fd < 0) {
		err = -errno;
		if (err == -ENOENT && !create)
			goto out;
		if (err == -ENOENT)
			br_err("%s is not on a bpffs (it does not exist): "
			       "mount one first (mkdir -p %s; mount -t bpf bpf "
			       "%s) or use the default --pin-dir",
			       parent, parent, parent);
		else
			br_err("pin directory %s: cannot open %s: %s", pd->path,
			       parent, strerror(-err));
		goto out;
	}
	if (!br_fd_on_bpffs(pd->parent_fd)) {
		err = br_pindir_not_bpffs(pd, parent, create);
		goto out;
	}
	if (fstat(pd->parent_fd, &pst)) {
		err = -errno;
		goto out;
	}
	/* Without the sticky bit, anyone could rename the instance away. */
	if (create && (pst.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(pst.st_mode & S_ISVTX)) {
		br_err("%s is writable by others without the sticky bit (mode "
		       "%04o): anyone could move the instance away or put "
		       "another in its place. Mount the bpffs with mode=0700 "
		       "(or 1777), or give another --pin-dir",
		       parent, (unsigned int)(pst.st_mode & 07777));
		err = -EACCES;
		goto out;
	}
	if (create && mkdirat(pd->parent_fd, pd->name, 0700) &&
	    errno != EEXIST) {
		err = -errno;
		br_err("cannot create %s: %s", pd->path, strerror(-err));
		goto out;
	}
	/* An existing entry is checked, never trusted (it may be anyone's). */
	pd->fd = openat(pd->parent_fd, pd->name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pd->fd < 0) {
		err = -errno;
		if (err == -ENOENT && !create)
			goto out;
		/* O_DIRECTORY before O_NOFOLLOW: a symlink is "ENOTDIR" */
		if (err == -ELOOP || (!fstatat(pd->parent_fd, pd->name, &lst,
					       AT_SYMLINK_NOFOLLOW) &&
				      S_ISLNK(lst.st_mode)))
			br_err("%s is a symbolic link: not followed (a pin "
			       "directory is never reached through a link)",
			       pd->path);
		else if (err == -ENOTDIR)
			br_err("%s is not a directory", pd->path);
		else
			br_err("cannot open %s: %s", pd->path, strerror(-err));
		err = err == -ENOENT ? -ENOENT : -EACCES;
		goto out;
	}
	err = br_pindir_check(pd, &pst);
out:
	if (err)
		br_pindir_close(pd);
	return err;
}

static void br_pindir_path(const struct br_pindir *pd, const char *name,
			   char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", pd->fd, name);
}

int br_pindir_pin(struct br_pindir *pd, int fd, const char *name)
{
	char path[64 + NAME_MAX];

	br_pindir_path(pd, name, path, sizeof(path));
	if (bpf_obj_pin(fd, path)) {
		int err = -errno;

		br_err("cannot pin %s/%s: %s", pd->path, name, strerror(-err));
		return err;
	}
	return 0;
}

static int br_pindir_get_flags(struct br_pindir *pd, const char *name,
			       __u32 flags)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = flags);
	char path[64 + NAME_MAX];
	int fd;

	br_pindir_path(pd, name, path, sizeof(path));
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

int br_pindir_get(struct br_pindir *pd, const char *name)
{
	return br_pindir_get_flags(pd, name, 0);
}

int br_pindir_unpin(struct br_pindir *pd, const char *name)
{
	if (unlinkat(pd->fd, name, 0) && errno != ENOENT)
		return -errno;
	return 0;
}

int br_pindir_mark(struct br_pindir *pd)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_RDONLY_PROG);
	__u32 key = 0;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "br_owner", sizeof(key),
			    sizeof(br_marker_magic), 1, &opts);
	if (fd < 0) {
		err = -errno;
		br_err("cannot create the marker map: %s", strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(fd, &key, br_marker_magic, 0) ||
	    bpf_map_freeze(fd)) {
		err = -errno;
		br_err("cannot fill the marker map: %s", strerror(-err));
	}
	if (!err)
		err = br_pindir_pin(pd, fd, BR_PINDIR_MARKER);
	close(fd);
	return err;
}

int br_pindir_marked(struct br_pindir *pd)
{
	char value[sizeof(br_marker_magic)];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;
	struct stat st;
	bool ok;
	int fd;

	if (fstatat(pd->fd, BR_PINDIR_MARKER, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	fd = br_pindir_get_flags(pd, BR_PINDIR_MARKER, BPF_F_RDONLY);
	ok = S_ISREG(st.st_mode) && st.st_uid == geteuid() && fd >= 0 &&
	     !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	     info.type == BPF_MAP_TYPE_ARRAY && info.key_size == sizeof(key) &&
	     info.value_size == sizeof(value) && info.max_entries == 1 &&
	     !strcmp(info.name, "br_owner") &&
	     !bpf_map_lookup_elem(fd, &key, value) &&
	     !memcmp(value, br_marker_magic, sizeof(value));
	if (fd >= 0)
		close(fd);
	if (!ok)
		br_err("%s/%s is not a blastradius marker", pd->path,
		       BR_PINDIR_MARKER);
	return ok;
}

int br_pindir_each(struct br_pindir *pd, int (*fn)(const char *name, void *arg),
		   void *arg)
{
	struct dirent *e;
	DIR *d;
	int fd, ret = 0;

	fd = openat(pd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = fn(e->d_name, arg);
	closedir(d);
	return ret;
}

static int br_count_one(const char *name, void *arg)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

int br_pindir_count(struct br_pindir *pd)
{
	int n = 0, err;

	err = br_pindir_each(pd, br_count_one, &n);
	return err ? err : n;
}

int br_pindir_rmdir(struct br_pindir *pd)
{
	struct stat st;

	/* Only the directory checked: not one put in its place since. */
	if (fstatat(pd->parent_fd, pd->name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (st.st_dev != pd->dev || st.st_ino != pd->ino)
		return 0;
	if (unlinkat(pd->parent_fd, pd->name, AT_REMOVEDIR))
		return -errno;
	return 0;
}

/* ---- the lock ---------------------------------------------------------- */

static __u64 br_pindir_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "blastradius swap x.policy, stopped" from /proc/PID. */
static void br_describe_pid(pid_t pid, char *what, size_t len)
{
	char path[64], cmd[160] = "", stat[512], *paren;
	const char *state = "";
	size_t n = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
	}
	while (n && !cmd[n - 1])
		n--;
	/* NULs between arguments, and nothing raw to the terminal */
	for (i = 0; i < n; i++)
		if (cmd[i] < ' ' || cmd[i] >= 0x7f)
			cmd[i] = ' ';
	cmd[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(stat, 1, sizeof(stat) - 1, f);
		stat[n] = '\0';
		fclose(f);
		paren = strrchr(stat, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'T')
			state = ", stopped: kill -CONT it, or end it";
		else if (paren && paren[1] == ' ' && paren[2] == 't')
			state = ", stopped by a debugger";
	}
	snprintf(what, len, "%s%s", cmd[0] ? cmd : "gone", state);
}

pid_t br_pindir_lock_holder(struct br_pindir *pd, char *what, size_t len)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256], kind[16];
	pid_t holder = 0;
	int pid;
	FILE *f;

	if (len)
		what[0] = '\0';
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:2f:5678 0 EOF"; "->" waits */
	while (!holder && fgets(line, sizeof(line), f)) {
		if (strstr(line, "->") ||
		    sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid,
			   &maj, &min, &ino) != 5)
			continue;
		if (!strcmp(kind, "FLOCK") && pid > 0 &&
		    maj == major(pd->dev) && min == minor(pd->dev) &&
		    ino == pd->ino)
			holder = pid;
	}
	fclose(f);
	if (holder && len)
		br_describe_pid(holder, what, len);
	return holder;
}

int br_pindir_lock(struct br_pindir *pd)
{
	__u64 start = br_pindir_ms(), now;
	unsigned int step_ms = 1;
	char what[256];
	pid_t holder;

	if (pd->lock_depth) {
		pd->lock_depth++;
		return 0;
	}
	while (flock(pd->fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		now = br_pindir_ms();
		if (now - start >= br_pindir_lock_wait_ms) {
			holder = br_pindir_lock_holder(pd, what, sizeof(what));
			if (holder)
				br_err("%s is locked by PID %d (%s): gave up "
				       "after %.1f s (--wait SECONDS waits "
				       "longer)",
				       pd->path, (int)holder, what,
				       br_pindir_lock_wait_ms / 1000.0);
			else
				br_err("%s is locked by another process: gave "
				       "up after %.1f s (--wait SECONDS waits "
				       "longer)",
				       pd->path,
				       br_pindir_lock_wait_ms / 1000.0);
			return -ETIMEDOUT;
		}
		/* Polled, not blocking: one that never lets go is named. */
		if (step_ms > br_pindir_lock_wait_ms - (now - start))
			step_ms = br_pindir_lock_wait_ms - (now - start);
		usleep(step_ms * 1000);
		if (step_ms < 20)
			step_ms *= 2;
	}
	pd->lock_depth = 1;
	return 0;
}

void br_pindir_unlock(struct br_pindir *pd)
{
	if (pd->lock_depth && --pd->lock_depth == 0)
		flock(pd->fd, LOCK_UN);
}
