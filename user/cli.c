// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli.c - helpers the commands share; see cli.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "cli.h"
#include "dataplane.h"
#include "diag.h"
#include "log.h"
#include "policy.h"

int br_cli_parse_policy(const char *path, struct br_policy **out)
{
	struct br_diag diag;
	int err;

	br_diag_init(&diag);
	err = br_policy_parse_file(path, out, &diag);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("%s: %s", path, strerror(-err));
	}
	br_diag_free(&diag);
	return err;
}

int br_cli_open_pinned(struct br_cli *cli, struct br_dp **out)
{
	int err = br_cli_require_privileges();

	if (err)
		return err;
	err = br_dp_open_pinned(cli->pin_dir, out);

	if (err == -ENOENT)
		br_err("not loaded: nothing pinned at %s (blastradius load "
		       "DEV... POLICY)", cli->pin_dir);
	else if (err == -EPERM || err == -EACCES)
		br_err("cannot open %s: permission denied (run as root)",
		       cli->pin_dir);
	else if (err && err != -EBADF)	/* EBADF: already explained */
		br_err("cannot open %s: %s", cli->pin_dir, strerror(-err));
	return err;
}

/* True when the effective set holds capability cap (no libcap needed). */
static bool br_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int br_cli_require_privileges(void)
{
	if (geteuid() == 0 || ((br_has_cap(CAP_BPF) ||
				br_has_cap(CAP_SYS_ADMIN)) &&
			       br_has_cap(CAP_NET_ADMIN)))
		return 0;
	br_err("permission denied: loading, reading and detaching XDP "
	       "programs needs root (or CAP_BPF and CAP_NET_ADMIN)");
	return -EPERM;
}
