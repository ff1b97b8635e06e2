// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmdtable.c - the commands and their options; see cmdtable.h. The help
 * texts are read in --help (wrapped) and in the man page (filled by
 * groff): plain sentences, no layout.
 */
#include <string.h>
#include "cli.h"
#include "cmdtable.h"

/* A table, one option a row. */
/* clang-format off */
#define BR_FLAG(n, i, h) { .name = n, .id = i, .help = h }
#define BR_VALUE(n, i, m, k, h) \
	{ .name = n, .id = i, .metavar = m, .kind = k, .help = h }
#define BR_END {}

const struct br_opt br_global_opts[] = {
	BR_FLAG("json", BR_OPT_JSON,
		"machine-readable output: one JSON object on stdout"),
	BR_VALUE("pin-dir", BR_OPT_PIN_DIR, "DIR", BR_ARG_DIR,
		 "the state directory on a bpffs (default "
		 BR_DEFAULT_PIN_DIR ")"),
	BR_VALUE("netns", BR_OPT_NETNS, "NAME", BR_ARG_NETNS,
		 "the interfaces are in network namespace NAME; the pins "
		 "stay in the host's bpffs"),
	BR_VALUE("wait", BR_OPT_WAIT, "SECONDS", BR_ARG_WORD,
		 "how long load, swap and unload wait for a lock another "
		 "process holds (default 10)"),
	BR_VALUE("catalog", BR_OPT_CATALOG, "DIR", BR_ARG_DIR,
		 "the service catalog (default: $BLASTRADIUS_CATALOG, else "
		 "the source tree's or the installed one)"),
	{ .name = "quiet", .short_name = 'q', .id = BR_OPT_QUIET,
	  .help = "print errors only (load and swap: no impact report)" },
	{ .name = "verbose", .short_name = 'v', .id = BR_OPT_VERBOSE,
	  .repeats = true, .help = "more libbpf output (twice: debug)" },
	{ .name = "help", .short_name = 'h', .id = BR_OPT_HELP,
	  .help = "the commands and options; with a command, its usage "
		  "and options" },
	BR_FLAG("version", BR_OPT_VERSION, "print the version"),
	BR_END
};

static const struct br_opt br_no_opts[] = { BR_END };

static const struct br_opt br_load_opts[] = {
	{ .name = "mode", .id = BR_OPT_MODE, .metavar = "native|generic",
	  .kind = BR_ARG_CHOICE, .choices = "native generic",
	  .help = "the XDP attach mode (default native)" },
	BR_FLAG("fail-closed", BR_OPT_FAIL_CLOSED,
		"drop malformed IP packets rather than pass them"),
	BR_VALUE("flow-table", BR_OPT_FLOW_TABLE, "N", BR_ARG_WORD,
		 "entries of the censor's flow table (64 to 2^24; default "
		 "131072)"),
	BR_VALUE("hello-table", BR_OPT_HELLO_TABLE, "N", BR_ARG_WORD,
		 "entries of the table of hellos being read (64 to 2^24; "
		 "default 16384)"),
	BR_FLAG("no-impact", BR_OPT_NO_IMPACT,
		"do not simulate the policy's impact after the load"),
	BR_END
};

static const struct br_opt br_swap_opts[] = {
	BR_FLAG("dry-run", BR_OPT_DRY_RUN,
		"compile POLICY into a private instance and print its impact, "
		"changing nothing"),
	{ .name = "max-collateral", .id = BR_OPT_MAX_COLLATERAL,
	  .metavar = "CLASS=PCT", .kind = BR_ARG_WORD, .repeats = true,
	  .help = "refuse the swap when more than PCT % of CLASS's instances "
		  "fail (CLASS: push, any or a service such as bank, with "
		  ":ios or :android)" },
	BR_FLAG("no-impact", BR_OPT_NO_IMPACT,
		"do not simulate the policy's impact"),
	BR_END
};

static const struct br_opt br_stats_opts[] = {
	BR_VALUE("generation", BR_OPT_GENERATION, "N", BR_ARG_WORD,
		 "the counters of generation N, while it is among the last "
		 "16"),
	BR_FLAG("totals", BR_OPT_TOTALS,
		"the sum over every generation ever installed"),
	BR_VALUE("top", BR_OPT_TOP, "N", BR_ARG_WORD,
		 "the N names that decided the most flows or queries "
		 "(default 10)"),
	BR_FLAG("prometheus", BR_OPT_PROMETHEUS,
		"the counters in Prometheus text format"),
	BR_FLAG("no-attribution", BR_OPT_NO_ATTRIBUTION,
		"do not attribute the drops to catalog services"),
	BR_END
};

static const struct br_opt br_simulate_opts[] = {
	{ .name = "policy", .id = BR_OPT_POLICY, .metavar = "P",
	  .kind = BR_ARG_POLICY, .repeats = true,
	  .help = "a policy to simulate, one run each (none given: every "
		  "shipped policy)" },
	BR_FLAG("no-policy", BR_OPT_NO_POLICY,
		"a run without any policy, the baseline"),
	BR_VALUE("scenario", BR_OPT_SCENARIO, "S", BR_ARG_SCENARIO,
		 "the scenario (default: the built-in one)"),
	BR_VALUE("seed", BR_OPT_SEED, "N", BR_ARG_WORD,
		 "replaces the scenario's seed (decimal digits, 0 to "
		 "18446744073709551615)"),
	BR_FLAG("summary", BR_OPT_SUMMARY, "headlines and matrices only"),
	BR_FLAG("csv", BR_OPT_CSV, "the outcomes as CSV, for scripts"),
	BR_VALUE("html", BR_OPT_HTML, "F", BR_ARG_FILE,
		 "write a self-contained report with charts to F"),
	BR_VALUE("markdown", BR_OPT_MARKDOWN, "F", BR_ARG_FILE,
		 "write the report as Markdown to F"),
	BR_VALUE("write-pcap", BR_OPT_WRITE_PCAP, "F", BR_ARG_FILE,
		 "write every packet pushed to F (pcapng), each labelled in "
		 "a comment; one run at most"),
	BR_FLAG("force", BR_OPT_FORCE,
		"run a simulation the estimate says will not fit in memory "
		"or will take over an hour"),
	BR_VALUE("runs", BR_OPT_RUNS, "N", BR_ARG_WORD,
		 "N runs, each with its own draw of the scenario's ranged "
		 "assumptions and its own seed; every figure as the median "
		 "and the interval where 95% of the runs fell"),
	BR_FLAG("sensitivity", BR_OPT_SENSITIVITY,
		"set each ranged assumption to its low and its high end, "
		"the others central, and rank what moves each headline"),
	BR_VALUE("shard", BR_OPT_SHARD, "I/K", BR_ARG_WORD,
		 "run only the runs k with k % K == I (0 <= I < K) and print "
		 "them as a partial result for merge"),
	BR_VALUE("jobs", BR_OPT_JOBS, "N", BR_ARG_WORD,
		 "run N runs at a time, each in its own process (default: "
		 "the CPUs online)"),
	BR_END
};

static const struct br_opt br_merge_opts[] = {
	BR_FLAG("summary", BR_OPT_SUMMARY, "headlines only"),
	BR_FLAG("csv", BR_OPT_CSV, "every figure as CSV, for scripts"),
	BR_VALUE("html", BR_OPT_HTML, "F", BR_ARG_FILE,
		 "write a self-contained report with charts to F"),
	BR_VALUE("markdown", BR_OPT_MARKDOWN, "F", BR_ARG_FILE,
		 "write the report as Markdown to F"),
	BR_END
};

static const struct br_opt br_replay_opts[] = {
	{ .name = "policy", .id = BR_OPT_POLICY, .metavar = "P",
	  .kind = BR_ARG_POLICY, .required = true,
	  .help = "the policy the capture runs through" },
	BR_VALUE("mtu", BR_OPT_MTU, "N", BR_ARG_WORD,
		 "the IP MTU, 68 to 65535 (default 1500): larger frames are "
		 "cut back into segments"),
	{ .name = "subscriber", .id = BR_OPT_SUBSCRIBER, .metavar = "PREFIX",
	  .kind = BR_ARG_WORD, .repeats = true,
	  .help = "a frame whose source lies in PREFIX comes from a "
		  "subscriber, any other from upstream" },
	{ .name = "decap", .id = BR_OPT_DECAP, .metavar = "vxlan|gre|auto",
	  .kind = BR_ARG_CHOICE, .choices = "vxlan gre auto",
	  .repeats = true,
	  .help = "judge the inner frames of VXLAN or GRE/ERSPAN tunnels" },
	{ .name = "vxlan-port", .id = BR_OPT_VXLAN_PORT, .metavar = "N",
	  .kind = BR_ARG_WORD, .repeats = true,
	  .help = "a UDP port that carries VXLAN besides 4789" },
	BR_VALUE("write", BR_OPT_WRITE, "OUT", BR_ARG_FILE,
		 "write every frame as judged to OUT (pcapng), with its "
		 "frame number and verdict as a comment"),
	BR_END
};

static const struct br_opt br_lab_opts[] = {
	{ .name = "policy", .id = BR_OPT_POLICY, .metavar = "P",
	  .kind = BR_ARG_POLICY, .repeats = true,
	  .help = "run, compare: the policy in force from the start; up: a "
		  "policy whose prefixes the lab must hold" },
	BR_VALUE("scenario", BR_OPT_SCENARIO, "S", BR_ARG_SCENARIO,
		 "the scenario (default: policies/scenarios/lab.scenario; "
		 "at most 2,000 devices)"),
	BR_VALUE("seed", BR_OPT_SEED, "N", BR_ARG_WORD,
		 "replaces the scenario's seed"),
	BR_VALUE("lab", BR_OPT_LAB, "ID", BR_ARG_WORD,
		 "run, compare: in lab ID (from lab up); without it a lab is "
		 "brought up for the run and taken down after"),
	BR_FLAG("keep", BR_OPT_KEEP,
		"run, compare: leave the lab up afterwards"),
	BR_VALUE("html", BR_OPT_HTML, "F", BR_ARG_FILE,
		 "run: write a self-contained report with charts to F"),
	BR_VALUE("markdown", BR_OPT_MARKDOWN, "F", BR_ARG_FILE,
		 "run: write the report as Markdown to F"),
	BR_VALUE("dir", BR_OPT_DIR, "DIR", BR_ARG_DIR,
		 "serve: the lab's state directory (the CA, the control "
		 "socket)"),
	BR_VALUE("tcp", BR_OPT_TCP, "PORTS", BR_ARG_WORD,
		 "serve: TCP ports to answer, plain or TLS (a comma list of "
		 "ports and ranges)"),
	BR_VALUE("udp", BR_OPT_UDP, "PORTS", BR_ARG_WORD,
		 "serve: UDP ports to echo"),
	BR_END
};

static const struct br_opt br_import_opts[] = {
	BR_VALUE("out", BR_OPT_OUT, "P", BR_ARG_FILE,
		 "write the policy to P and its sets to a set file beside it "
		 "(P without .policy, plus .set) that it includes (default: "
		 "the policy, sets inline, on stdout)"),
	BR_VALUE("name", BR_OPT_NAME, "N", BR_ARG_WORD,
		 "the policy's name, and the prefix of its sets' names "
		 "(default registry)"),
	{ .name = "action", .id = BR_OPT_ACTION,
	  .metavar = "drop|reset|nxdomain", .kind = BR_ARG_CHOICE,
	  .choices = "drop reset nxdomain",
	  .help = "what the domains get: the TLS flow naming one reset or "
		  "dropped, or its DNS query answered NXDOMAIN (default "
		  "reset); addresses are always dropped" },
	BR_VALUE("max-errors", BR_OPT_MAX_ERRORS, "N", BR_ARG_WORD,
		 "fail, writing nothing, when more than N lines cannot be "
		 "read (default: 1% of the rows, at least 100)"),
	BR_END
};

const struct br_cmd br_commands[] = {
	{ "check", cmd_check, "POLICY...", BR_ARG_POLICY, br_no_opts,
	  "parse and validate policies; errors as file:line:col: message" },
	{ "load", cmd_load, "DEV[:ROLE]... POLICY", BR_ARG_DEV | BR_ARG_POLICY,
	  br_load_opts,
	  "attach to interfaces and enforce POLICY (ROLE: "
	  "subscriber|upstream); prints its impact when it blocks what "
	  "other services need" },
	{ "swap", cmd_swap, "POLICY", BR_ARG_POLICY, br_swap_opts,
	  "replace the policy in force, atomically, on every interface; "
	  "prints its impact when it has collateral" },
	{ "diff", cmd_diff, "POLICY_A POLICY_B", BR_ARG_POLICY, br_no_opts,
	  "rules and set elements added and removed from A to B" },
	{ "unload", cmd_unload, "[DEV...]", BR_ARG_DEV, br_no_opts,
	  "detach from DEVs, or everything and remove the pinned state" },
	{ "status", cmd_status, "", 0, br_no_opts,
	  "what is attached, the active generation and its policy" },
	{ "stats", cmd_stats, "", 0, br_stats_opts,
	  "counters per rule, per action, malformed and non-IP; drops "
	  "attributed to the catalog services they hit" },
	{ "simulate", cmd_simulate, "", 0, br_simulate_opts,
	  "the what-if: a scenario's population through the program" },
	{ "merge", cmd_merge, "PARTIAL...", BR_ARG_FILE, br_merge_opts,
	  "combine the partial results of simulate --shard into the report "
	  "simulate --runs prints" },
	{ "replay", cmd_replay, "PCAP", BR_ARG_PCAP, br_replay_opts,
	  "run a capture through the program: verdicts per flow, rule, "
	  "name" },
	{ "lab", cmd_lab,
	  "plan|up|run|compare|down|list|serve|quic-serve|quic-get "
	  "[ID|POLICY...]",
	  BR_ARG_POLICY, br_lab_opts,
	  "the live lab: real devices' stacks, servers and the program on a "
	  "router in namespaces; run prints simulate's report from it, "
	  "compare puts it beside simulate's; plan prints the address map; "
	  "serve runs the lab's servers (TLS with a certificate for every "
	  "SNI, channels and pushes, UDP echo) until SIGTERM; quic-serve "
	  "answers QUIC (v1, ALPN h3) on UDP ports; quic-get fetches N bytes "
	  "from one" },
	{ "import-registry", cmd_import, "DUMP", BR_ARG_FILE, br_import_opts,
	  "the public Roskomnadzor registry dump (windows-1251, "
	  "';'-separated) into a policy: its addresses dropped, its domains "
	  "matched by TLS name or DNS; unreadable lines reported as "
	  "DUMP:LINE: message and skipped" },
	{}
};

/* clang-format on */

const struct br_cmd *br_cmd_find(const char *name)
{
	const struct br_cmd *c;

	for (c = br_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}
