/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * textfile.h - the text of a policy, catalog or scenario file, read the
 * one way all three languages read their files: a regular file of at most
 * BR_TEXT_MAX bytes, opened without blocking. A FIFO, a device or a file
 * that grows without end is refused with a reason, never waited on or
 * read into memory.
 */
#ifndef BR_TEXTFILE_H
#define BR_TEXTFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "diag.h"

/*
 * The largest file of any language: 256 MiB. Registry-scale set files
 * are far smaller (measured 2026-12-06): a million IPv4 addresses take
 * 14 MB, a million IPv6 addresses written in full 40 MB, a million
 * blocklist-like names 21 MB; a policy including all three (75 MB)
 * checks in 2.8 s in 350 MB. Even a million names of the longest length
 * a DNS name may have (253 bytes) fit. Positions are ints: a line or
 * column within the cap cannot overflow one.
 */
#define BR_TEXT_MAX ((size_t)256 << 20)
#define BR_TEXT_MAX_TEXT "256 MiB"

/* Room for a reason: "not a regular file (a character device)". */
#define BR_TEXT_WHY 64

/*
 * Open path for reading: a regular file no larger than the cap. Returns
 * the descriptor, st filled; or -errno with the reason in why (-EINVAL:
 * not a regular file, -EFBIG: over the cap, else the system's error).
 */
int br_text_open(const char *path, struct stat *st, char why[BR_TEXT_WHY]);

/*
 * The whole of fd (from br_text_open, st its stat) into *buf (freed by
 * the caller) and *len; -errno with the reason in why (-EFBIG: the file
 * grew past the cap while it was read).
 */
int br_text_read(int fd, const struct stat *st, char **buf, size_t *len,
		 char why[BR_TEXT_WHY]);

/*
 * A whole file of a language into *buf (freed by the caller, NULL on
 * failure), st its stat; trouble with the file itself goes to diag as
 * "path: cannot open: ..." or "path: cannot read: ...".
 */
int br_load_file(const char *path, struct br_diag *diag, char **buf,
		 size_t *len, struct stat *st);

/*
 * A text handed to a parser as a buffer: over the cap, reported to diag
 * as "file: larger than 256 MiB (N bytes)" and -EFBIG; else 0.
 */
int br_text_check_len(const char *file, size_t len, struct br_diag *diag);

#endif /* BR_TEXTFILE_H */
