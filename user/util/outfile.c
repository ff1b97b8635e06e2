// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* outfile.c - output files created without following links; see outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "log.h"
#include "outfile.h"

/* A FIFO or a character device: written in place, never created. */
static int br_outfile_in_place(struct br_outfile *o, const struct stat *st)
{
	struct stat now;
	int fd;

	fd = openat(o->dir_fd, o->name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Still the same thing: not a file swapped in since the look. */
	if (fstat(fd, &now) || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		close(fd);
		return -EAGAIN;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		return -errno;
	}
	return 0;
}

/* A new file beside the name, which br_outfile_close renames over it. */
static int br_outfile_new(struct br_outfile *o)
{
	unsigned int r;
	int fd = -1, i;

	for (i = 0; i < 100 && fd < 0; i++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + i;
		snprintf(o->tmp, sizeof(o->tmp), ".%.200s.%08x", o->name, r);
		fd = openat(o->dir_fd, o->tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				    O_CLOEXEC,
			    0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		o->tmp[0] = '\0';
		return -errno;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int err = -errno;

		close(fd);
		unlinkat(o->dir_fd, o->tmp, 0);
		o->tmp[0] = '\0';
		return err;
	}
	return 0;
}

int br_outfile_open(struct br_outfile *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	char dir[PATH_MAX];
	struct stat st;
	int err;

	memset(o, 0, sizeof(*o));
	o->dir_fd = -1;
	if (!path[0] || strlen(path) >= sizeof(o->path) ||
	    strlen(name) > NAME_MAX) {
		br_err("output file \"%s\": empty or too long", path);
		return -EINVAL;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..")) {
		br_err("%s names a directory, not a file", path);
		return -EISDIR;
	}
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(dir, sizeof(dir), "%.*s",
		 !slash		 ? 1
		 : slash == path ? 1
				 : (int)(slash - path),
		 !slash ? "." : path);
	o->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dir_fd < 0) {
		err = -errno;
		br_err("%s: cannot open its directory %s: %s", path, dir,
		       strerror(-err));
		return err;
	}
	if (!fstatat(o->dir_fd, o->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode)) {
			br_err("%s is a symbolic link: not followed (an output "
			       "file never is; name the file itself)",
			       path);
			err = -ELOOP;
		} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
			err = br_outfile_in_place(o, &st);
		} else if (!S_ISREG(st.st_mode)) {
			br_err("%s is not a regular file: not written", path);
			err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		} else {
			err = br_outfile_new(o);
		}
	} else {
		err = errno == ENOENT ? br_outfile_new(o) : -errno;
	}
	if (err) {
		close(o->dir_fd);
		o->dir_fd = -1;
	}
	return err;
}

int br_outfile_close(struct br_outfile *o, bool ok)
{
	int err = 0;

	if (!o->f)
		return 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? -errno : -EIO;
	if (fclose(o->f) && !err)
		err = errno ? -errno : -EIO;
	o->f = NULL;
	if (o->tmp[0]) {
		if (ok && !err &&
		    renameat(o->dir_fd, o->tmp, o->dir_fd, o->name))
			err = -errno;
		if (!ok || err)
			unlinkat(o->dir_fd, o->tmp, 0);
	}
	if (ok && err)
		br_err("%s: not written: %s", o->path, strerror(-err));
	close(o->dir_fd);
	o->dir_fd = -1;
	return err;
}
