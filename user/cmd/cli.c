// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli.c - helpers the commands share; see cli.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "catalog.h"
#include "cli.h"
#include "dataplane.h"
#include "diag.h"
#include "json.h"
#include "lex.h"
#include "log.h"
#include "policy.h"

/*
 * Loaded once per process and kept until exit: every command that reads a
 * policy checks it against the catalog.
 */
static struct br_catalog *br_cli_cat;
static int br_cli_cat_err = 1; /* 1: not loaded yet */

int br_cli_catalog_diag(const struct br_catalog **out, struct br_diag *diag)
{
	if (br_cli_cat_err == 1)
		br_cli_cat_err = br_catalog_load_dir(br_catalog_default_dir(),
						     &br_cli_cat, diag);
	*out = br_cli_cat;
	return br_cli_cat_err;
}

int br_cli_catalog(const struct br_catalog **out)
{
	int first = br_cli_cat_err == 1;
	struct br_diag diag;
	int err;

	br_diag_init(&diag);
	err = br_cli_catalog_diag(out, &diag);
	if (err && first) { /* said once */
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("service catalog %s: %s",
			       br_catalog_default_dir(), strerror(-err));
	}
	br_diag_free(&diag);
	return err;
}

int br_cli_parse_policy(const char *path, struct br_policy **out)
{
	const struct br_catalog *cat;
	struct br_diag diag;
	int err;

	*out = NULL;
	err = br_cli_catalog(&cat);
	if (err)
		return err;
	br_diag_init(&diag);
	err = br_policy_parse_file_cat(path, cat, out, &diag);
	if (err) {
		if (diag.n)
			br_diag_print(&diag, stderr);
		else
			br_err("%s: %s", path, strerror(-err));
	}
	br_diag_free(&diag);
	return err;
}

int br_cli_open_any(struct br_cli *cli, struct br_dp **out)
{
	int err = br_cli_require_privileges();

	if (err)
		return err;
	err = br_dp_open_pinned(cli->pin_dir, out);

	if (err == -ENOENT)
		br_err("not loaded: nothing pinned at %s (blastradius load "
		       "DEV... POLICY)",
		       cli->pin_dir);
	else if (err == -EPERM)
		br_err("cannot open %s: permission denied (run as root)",
		       cli->pin_dir);
	else if (err && err != -EBADF && err != -EACCES) /* explained */
		br_err("cannot open %s: %s", cli->pin_dir, strerror(-err));
	return err;
}

/*
 * A load that died before its commit left its pins, maybe links: nothing
 * is enforced (no generation: the program passes every packet), but it is
 * not an instance to read or swap into either.
 */
static void br_cli_incomplete(struct br_dp *dp, const struct br_dp_status *st)
{
	char ifaces[256] = "", what[256];
	size_t i, n = 0;
	pid_t holder;

	for (i = 0; i < st->n_ifaces && n < sizeof(ifaces); i++)
		n += snprintf(ifaces + n, sizeof(ifaces) - n, "%s%s",
			      i ? ", " : " on ", st->ifaces[i].name);
	br_err("%s: incomplete instance: a load stopped before it committed "
	       "its policy, so nothing is enforced (the program attached%s "
	       "passes every packet). blastradius unload removes it; load "
	       "clears it first",
	       br_dp_pin_dir(dp), st->n_ifaces ? ifaces : " nowhere");
	holder = br_dp_lock_holder(dp, what, sizeof(what));
	if (holder)
		br_err("PID %d (%s) holds its lock: that load may still be "
		       "running",
		       (int)holder, what);
}

int br_cli_open_pinned(struct br_cli *cli, struct br_dp **out)
{
	struct br_dp_status st;
	int err;

	err = br_cli_open_any(cli, out);
	if (err)
		return err;
	err = br_dp_status(*out, &st);
	if (err) {
		br_err("cannot read %s: %s", cli->pin_dir, strerror(-err));
	} else if (!st.generation) {
		br_cli_incomplete(*out, &st);
		err = -EBADF;
	}
	if (err) {
		br_dp_close(*out);
		*out = NULL;
	}
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
	if (geteuid() == 0 ||
	    ((br_has_cap(CAP_BPF) || br_has_cap(CAP_SYS_ADMIN)) &&
	     br_has_cap(CAP_NET_ADMIN)))
		return 0;
	br_err("permission denied: loading, reading and detaching XDP "
	       "programs needs root (or CAP_BPF and CAP_NET_ADMIN)");
	return -EPERM;
}

int br_cli_table_size(const char *opt, const char *arg, __u32 *out)
{
	uint64_t v;

	if (br_lex_u64(arg, strlen(arg), &v) || v < BR_TABLE_MIN ||
	    v > BR_TABLE_MAX) {
		br_err("%s: a number of entries from %u to %u, not \"%s\"", opt,
		       BR_TABLE_MIN, BR_TABLE_MAX, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

const char *br_role_name(unsigned int role)
{
	return role == BR_ROLE_UPSTREAM ? "upstream" : "subscriber";
}

const char *br_mode_name(unsigned int mode)
{
	return mode == BR_MODE_GENERIC ? "generic" : "native";
}

void br_cli_json_interfaces(struct br_json *j, const struct br_dp_status *st)
{
	size_t i;

	br_json_key(j, "interfaces");
	br_json_array(j);
	for (i = 0; i < st->n_ifaces; i++) {
		br_json_object(j);
		br_json_kstr(j, "name", st->ifaces[i].name);
		br_json_kstr(j, "netns", st->ifaces[i].netns);
		br_json_ku64(j, "ifindex", st->ifaces[i].ifindex);
		br_json_kstr(j, "role", br_role_name(st->ifaces[i].role));
		br_json_kstr(j, "mode", br_mode_name(st->ifaces[i].mode));
		br_json_kstr(j, "state",
			     br_iface_state_name(st->ifaces[i].state));
		br_json_end(j);
	}
	br_json_end(j);
}

const char *br_iface_state_name(unsigned int state)
{
	return state == BR_IFACE_GONE	    ? "gone"
	       : state == BR_IFACE_UNPINNED ? "unpinned"
					    : "attached";
}

/*
 * "sub0 in NETNS (subscriber, native)", as status and load print it, and
 * what became of an interface that is no longer filtered.
 */
void br_cli_iface_text(const struct br_dp_iface *ifc, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s (%s, %s)%s", ifc->name,
		 ifc->netns[0] ? " in " : "", ifc->netns,
		 br_role_name(ifc->role), br_mode_name(ifc->mode),
		 ifc->state == BR_IFACE_GONE
			 ? ": gone, the interface was deleted (unload DEV "
			   "forgets it)"
		 : ifc->state == BR_IFACE_UNPINNED
			 ? ": its link pin is missing (unload removes the "
			   "rest)"
			 : "");
}
