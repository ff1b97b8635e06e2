// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * labnet.c - sockets in a live lab's device namespaces (labnet.h). A
 * socket belongs to the namespace it was created in for its whole life,
 * so the emulator steps into the namespace for socket() only.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "labnet.h"

bool br_labnet_id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (!n || n > BR_LAB_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'z')))
			return false;
	return true;
}

void br_labnet_ns_name(const char *id, const char *role, char *out,
		       size_t len)
{
	snprintf(out, len, BR_LAB_NS_FMT, id, role);
}

static int ns_open(const char *id, const char *role)
{
	char name[64], path[128];
	int fd;

	br_labnet_ns_name(id, role, name, sizeof(name));
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int br_labnet_open(struct br_labnet *ln, const char *id)
{
	int err;

	memset(ln, 0, sizeof(*ln));
	ln->ns_fd[0] = ln->ns_fd[1] = ln->self_fd = -1;
	if (!br_labnet_id_ok(id))
		return -EINVAL;
	snprintf(ln->id, sizeof(ln->id), "%s", id);
	snprintf(ln->dir, sizeof(ln->dir), "%s/%s", BR_LAB_RUN_DIR, id);
	ln->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ln->self_fd < 0) {
		err = -errno;
		goto fail;
	}
	ln->ns_fd[0] = ns_open(id, BR_LAB_NS_WIFI);
	ln->ns_fd[1] = ns_open(id, BR_LAB_NS_CELL);
	err = ln->ns_fd[0] < 0 ? ln->ns_fd[0] : ln->ns_fd[1];
	if (err < 0)
		goto fail;
	return 0;
fail:
	br_labnet_close(ln);
	return err;
}

void br_labnet_close(struct br_labnet *ln)
{
	int i;

	for (i = 0; i < 2; i++)
		if (ln->ns_fd[i] >= 0)
			close(ln->ns_fd[i]);
	if (ln->self_fd >= 0)
		close(ln->self_fd);
	ln->ns_fd[0] = ln->ns_fd[1] = ln->self_fd = -1;
}

int br_labnet_socket(const struct br_labnet *ln, bool cellular, int domain,
		     int type)
{
	int fd, err = 0;

	if (setns(ln->ns_fd[cellular], CLONE_NEWNET))
		return -errno;
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = -errno;
	/* back home, whatever happened: later sockets must not land here */
	if (setns(ln->self_fd, CLONE_NEWNET)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
	}
	return err ? err : fd;
}
