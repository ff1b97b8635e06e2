/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli.h - what every command gets: the global options parsed by main.c.
 * Each command lives in its own cmd_*.c and parses its own options, as
 * declared in the command table (cmdtable.c), with cmdline.h.
 */
#ifndef BR_CLI_H
#define BR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define BR_DEFAULT_PIN_DIR "/sys/fs/bpf/blastradius"

struct br_cli {
	bool json;	     /* --json: machine-readable output */
	bool quiet;	     /* --quiet: only errors */
	const char *pin_dir; /* --pin-dir DIR */
	const char *netns;   /* --netns NAME: interfaces live there */
	bool help;	     /* --help: the command's help, or all */
	bool version;	     /* --version */
};

/* Commands get argv[0] = command name; they return the process exit code. */
int cmd_check(struct br_cli *cli, int argc, char **argv);
int cmd_load(struct br_cli *cli, int argc, char **argv);
int cmd_unload(struct br_cli *cli, int argc, char **argv);
int cmd_swap(struct br_cli *cli, int argc, char **argv);
int cmd_diff(struct br_cli *cli, int argc, char **argv);
int cmd_status(struct br_cli *cli, int argc, char **argv);
int cmd_stats(struct br_cli *cli, int argc, char **argv);
int cmd_replay(struct br_cli *cli, int argc, char **argv);
int cmd_simulate(struct br_cli *cli, int argc, char **argv);
int cmd_merge(struct br_cli *cli, int argc, char **argv);
int cmd_lab(struct br_cli *cli, int argc, char **argv);
int cmd_import(struct br_cli *cli, int argc, char **argv);
/* lab up|run|compare|down|list (cmd_lab_run.c) */
int cmd_lab_verbs(struct br_cli *cli, int argc, char **argv);
/* lab serve (cmd_lab_serve.c); argv[0] is "lab" */
int cmd_lab_serve(struct br_cli *cli, int argc, char **argv);
int cmd_lab_quic(struct br_cli *cli, int argc, char **argv); /* lab quic-* */

/*
 * Parse a policy file against the service catalog (br_cli_catalog),
 * printing every error as file:line:col: message.
 */
struct br_policy;
int br_cli_parse_policy(const char *path, struct br_policy **out);

/*
 * The service catalog, loaded once from br_catalog_default_dir() (the
 * global option --catalog DIR sets $BLASTRADIUS_CATALOG). br_cli_catalog
 * prints its errors; br_cli_catalog_diag leaves them in diag (the first
 * call's only: later calls return the same result).
 */
struct br_catalog;
struct br_diag;
int br_cli_catalog(const struct br_catalog **out);
int br_cli_catalog_diag(const struct br_catalog **out, struct br_diag *diag);

/*
 * The value of --flow-table or --hello-table (opt): digits (the number
 * syntax of br_lex_u64), from BR_TABLE_MIN to BR_TABLE_MAX entries; else
 * a message and -EINVAL.
 */
int br_cli_table_size(const char *opt, const char *arg, __u32 *out);

/* Root, or CAP_BPF/CAP_SYS_ADMIN with CAP_NET_ADMIN; else a message. */
int br_cli_require_privileges(void);

/*
 * Open the pinned instance, with a clear message when there is none, or
 * when its load never committed a policy (-EBADF: see br_cli_open_any).
 */
struct br_dp;
int br_cli_open_pinned(struct br_cli *cli, struct br_dp **out);
/* The same, but an instance whose load died before its commit opens too. */
int br_cli_open_any(struct br_cli *cli, struct br_dp **out);

/* Interfaces as every command shows them. */
struct br_json;
struct br_dp_status;
struct br_dp_iface;
const char *br_role_name(unsigned int role);
const char *br_mode_name(unsigned int mode);
const char *br_iface_state_name(unsigned int state);
void br_cli_json_interfaces(struct br_json *j, const struct br_dp_status *st);
void br_cli_iface_text(const struct br_dp_iface *ifc, char *buf, size_t len);

#endif /* BR_CLI_H */
