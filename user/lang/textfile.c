/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * textfile.c - reading the text of a policy, catalog or scenario file;
 * see textfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "textfile.h"

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	default:
		return "unknown type";
	}
}

/* 0 for a regular file within the cap, else -errno and why. */
static int check_stat(const struct stat *st, char why[BR_TEXT_WHY])
{
	if (S_ISDIR(st->st_mode)) {
		snprintf(why, BR_TEXT_WHY, "%s", strerror(EISDIR));
		return -EISDIR;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, BR_TEXT_WHY, "not a regular file (%s)",
			 file_kind(st->st_mode));
		return -EINVAL;
	}
	if ((unsigned long long)st->st_size > BR_TEXT_MAX) {
		snprintf(why, BR_TEXT_WHY, "larger than %s (%lld bytes)",
			 BR_TEXT_MAX_TEXT, (long long)st->st_size);
		return -EFBIG;
	}
	return 0;
}

int br_text_open(const char *path, struct stat *st, char why[BR_TEXT_WHY])
{
	int fd, err;

	/* look before opening: opening a device can do something (a tape
	 * rewinds, a watchdog arms) */
	if (stat(path, st))
		goto sys;
	err = check_stat(st, why);
	if (err)
		return err;
	/* O_NONBLOCK: should the path be swapped for a FIFO meanwhile, the
	 * open returns at once, and the fstat below refuses it */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		goto sys;
	if (fstat(fd, st)) {
		err = -errno;
		close(fd);
		snprintf(why, BR_TEXT_WHY, "%s", strerror(-err));
		return err;
	}
	err = check_stat(st, why);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
sys:
	err = -errno;
	snprintf(why, BR_TEXT_WHY, "%s", strerror(-err));
	return err;
}

int br_text_read(int fd, const struct stat *st, char **buf, size_t *len,
		 char why[BR_TEXT_WHY])
{
	size_t cap = (size_t)st->st_size + 1, n = 0;
	char *b = NULL, *nb;
	ssize_t r;
	int err;

	*buf = NULL;
	*len = 0;
	/* one byte past the cap at most: enough to see a file grew past it */
	if (cap > BR_TEXT_MAX + 1)
		cap = BR_TEXT_MAX + 1;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto fail;
	}
	for (;;) {
		if (n == cap) {
			if (cap > BR_TEXT_MAX)
				break;
			cap = cap > BR_TEXT_MAX / 2 ? BR_TEXT_MAX + 1 : 2 * cap;
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (n > BR_TEXT_MAX) {
		snprintf(why, BR_TEXT_WHY, "grew past %s while read",
			 BR_TEXT_MAX_TEXT);
		free(b);
		return -EFBIG;
	}
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	snprintf(why, BR_TEXT_WHY, "%s", strerror(-err));
	return err;
}

int br_load_file(const char *path, struct br_diag *diag, char **buf,
		 size_t *len, struct stat *st)
{
	struct br_pos pos = { .file = br_file_intern(path) };
	char why[BR_TEXT_WHY];
	int fd, err;

	*buf = NULL;
	*len = 0;
	fd = br_text_open(path, st, why);
	if (fd < 0) {
		br_diag_error(diag, pos, "cannot open: %s", why);
		return fd;
	}
	err = br_text_read(fd, st, buf, len, why);
	if (err)
		br_diag_error(diag, pos, "cannot read: %s", why);
	close(fd);
	return err;
}

int br_text_check_len(const char *file, size_t len, struct br_diag *diag)
{
	struct br_pos pos = { .file = br_file_intern(file) };

	if (len <= BR_TEXT_MAX)
		return 0;
	br_diag_error(diag, pos, "larger than %s (%zu bytes)",
		      BR_TEXT_MAX_TEXT, len);
	return -EFBIG;
}
