/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outfile.h - every file a command writes at a path the user gave (--html,
 * --write-pcap, replay --write), created so that running as root never
 * writes through someone else's link.
 *
 * The last component is never followed: a symbolic link there is refused.
 * A new or existing regular file is written as a new file beside it
 * (O_CREAT|O_EXCL|O_NOFOLLOW, a random name, relative to the directory's
 * fd) and renamed over the name when complete: nothing existing is ever
 * truncated or written into, so neither a hard link to another file nor a
 * race that swaps the name for a link reaches anything but the name. A
 * failed write leaves the old file as it was. A FIFO or character device
 * (a pipe, /dev/null) is written in place; anything else is refused. The
 * directories above the last component are the caller's to trust.
 */
#ifndef BR_OUTFILE_H
#define BR_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct br_outfile {
	FILE *f;		 /* write here */
	int dir_fd;		 /* the directory of the name */
	char name[NAME_MAX + 1]; /* the last component */
	char tmp[NAME_MAX + 1];	 /* the new file's name, "" in place */
	char path[PATH_MAX];	 /* for messages */
};

/* Open path for writing; refusals are printed. 0 or -errno. */
int br_outfile_open(struct br_outfile *o, const char *path);

/*
 * Flush and close; with ok, put the new file in place of the name (an
 * error, printed, if any write failed), else remove it. 0 or -errno.
 */
int br_outfile_close(struct br_outfile *o, bool ok);

#endif /* BR_OUTFILE_H */
