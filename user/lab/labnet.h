/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * labnet.h - a live lab seen from its device emulator: the lab's state
 * directory, and sockets opened inside its device namespaces (one for
 * the Wi-Fi-like link, one for the cellular one; labproto.h names them)
 * from a process that stays in its own.
 */
#ifndef BR_LABNET_H
#define BR_LABNET_H

#include <limits.h>
#include <stdbool.h>
#include "labproto.h"

struct br_labnet {
	char id[BR_LAB_ID_MAX + 1];
	char dir[PATH_MAX];	/* BR_LAB_RUN_DIR/ID */
	int ns_fd[2];		/* wifi, cell */
	int self_fd;		/* the namespace the process came from */
};

/* A valid lab id: 1-8 characters of [0-9a-z]. */
bool br_labnet_id_ok(const char *id);

/* Namespace name of a lab's role ("wifi", "rtr", ...) into out. */
void br_labnet_ns_name(const char *id, const char *role, char *out,
		       size_t len);

/* Open lab id's device namespaces. 0 or -errno (-ENOENT: not up). */
int br_labnet_open(struct br_labnet *ln, const char *id);
void br_labnet_close(struct br_labnet *ln);

/*
 * A nonblocking socket(domain, type) in the namespace of a device's
 * access (cellular or not). The fd or -errno.
 */
int br_labnet_socket(const struct br_labnet *ln, bool cellular, int domain,
		     int type);

#endif /* BR_LABNET_H */
