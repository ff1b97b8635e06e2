// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmddoc.c - the man page and the bash completion from the command
 * table; see cmddoc.h. What is not in the table (the description, exit
 * status, files) is the few fixed paragraphs below.
 */
#include <stdbool.h>
#include <string.h>
#include "cli.h"
#include "cmddoc.h"
#include "cmdtable.h"

/* ---- the man page -------------------------------------------------------- */

/* Text as roff reads it literally: \ and - escaped, no request at bol. */
static void br_man_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

/* ".TP" and "\fB-q\fR, \fB--quiet\fR \fIMETA\fR", then the help. */
static void br_man_opt(FILE *out, const struct br_opt *o)
{
	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", out);
	br_man_text(out, o->name);
	fputs("\\fR", out);
	if (o->metavar) {
		fputs(" \\fI", out);
		br_man_text(out, o->metavar);
		fputs("\\fR", out);
	}
	if (o->repeats)
		fputs(" ...", out);
	fputc('\n', out);
	br_man_text(out, o->help);
	fputs(o->required ? " (required)\n" : "\n", out);
}

static void br_man_cmd(FILE *out, const struct br_cmd *c)
{
	const struct br_opt *o;
	const char *sep = *c->args ? " " : ""; /* a line opens with no space */

	fprintf(out, ".SS %s\n.B blastradius %s\n", c->name, c->name);
	br_man_text(out, c->args);
	for (o = c->opts; o->name; o++, sep = " ") {
		fputs(sep, out);
		fputs(o->required ? "\\-\\-" : "[\\-\\-", out);
		br_man_text(out, o->name);
		if (o->metavar) {
			fputc(' ', out);
			br_man_text(out, o->metavar);
		}
		fputs(o->required ? "" : "]", out);
		fputs(o->repeats ? "..." : "", out);
	}
	fputs("\n.PP\n", out);
	br_man_text(out, c->summary);
	fputs(".\n", out);
	for (o = c->opts; o->name; o++)
		br_man_opt(out, o);
}

void br_doc_man(FILE *out)
{
	const struct br_cmd *c;
	const struct br_opt *o;

	fprintf(out,
		".\\\" SPDX-License-Identifier: (GPL-2.0-only OR "
		"BSD-2-Clause)\n"
		".\\\" Generated from user/cmd/cmdtable.c by tools/gendoc.c.\n"
		".TH BLASTRADIUS 8 \"\" \"blastradius %s\" "
		"\"System Administration\"\n"
		".SH NAME\n"
		"blastradius \\- censor\\-style blocking policies in XDP, and "
		"what they break\n"
		".SH SYNOPSIS\n"
		".B blastradius\n"
		".RI [ OPTIONS ] \" \" COMMAND \" \" [ ARGS ]\n"
		".SH DESCRIPTION\n"
		"blastradius enforces censor\\-style blocking policies in an "
		"XDP "
		"program, replaces them atomically, and runs simulated "
		"populations or captures through the same program to report "
		"what a policy breaks beyond its targets.\n"
		"The policy language, the service catalog and the traffic "
		"model are described in the README and policies/README.md of "
		"the source.\n"
		".SH OPTIONS\n"
		"Global options, before or after the command:\n",
		BR_VERSION);
	for (o = br_global_opts; o->name; o++)
		br_man_opt(out, o);
	fputs(".SH COMMANDS\n", out);
	for (c = br_commands; c->name; c++)
		br_man_cmd(out, c);
	fputs(".SH EXIT STATUS\n"
	      "0 success, 1 failure (with a message), 2 usage error.\n"
	      "\\fBdiff\\fR exits 1 when the policies differ; \\fBreplay\\fR "
	      "exits 3 when the capture is damaged or cut short (the frames "
	      "before are reported).\n"
	      ".SH ENVIRONMENT\n"
	      ".TP\n.B BLASTRADIUS_CATALOG\n"
	      "the service catalog directory, when \\fB\\-\\-catalog\\fR is "
	      "not given.\n"
	      ".SH FILES\n"
	      ".TP\n.I " BR_DEFAULT_PIN_DIR "\n"
	      "the pinned state of the instance (\\fB\\-\\-pin\\-dir\\fR).\n"
	      ".SH SEE ALSO\n"
	      ".BR ip (8),\n.BR bpftool (8)\n",
	      out);
}

/* ---- the bash completion --------------------------------------------- */

/*
 * _blastradius_args KIND...: COMPREPLY from the argument kinds of
 * enum br_arg_kind, named as br_bash_kinds[] says.
 */
static const char br_bash_helpers[] =
	"_blastradius_files()\n"
	"{\n"
	"\tlocal ext\n"
	"\tfor ext; do\n"
	"\t\tCOMPREPLY+=($(compgen -f -X \"!*.$ext\" -- \"$cur\"))\n"
	"\tdone\n"
	"\tCOMPREPLY+=($(compgen -d -S / -- \"$cur\"))\n"
	"\tcompopt -o filenames -o nospace 2>/dev/null\n"
	"}\n"
	"\n"
	"_blastradius_args()\n"
	"{\n"
	"\tlocal kind\n"
	"\tfor kind; do\n"
	"\t\tcase $kind in\n"
	"\t\tpolicy) _blastradius_files policy ;;\n"
	"\t\tpcap) _blastradius_files pcap pcapng ;;\n"
	"\t\tscenario) _blastradius_files scenario ;;\n"
	"\t\tfile) COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
	"\t\t\tcompopt -o filenames 2>/dev/null ;;\n"
	"\t\tdir) COMPREPLY+=($(compgen -d -- \"$cur\"))\n"
	"\t\t\tcompopt -o filenames 2>/dev/null ;;\n"
	"\t\tdev) COMPREPLY+=($(compgen -W \"$(ls /sys/class/net "
	"2>/dev/null)\" -- \"$cur\")) ;;\n"
	"\t\tnetns) COMPREPLY+=($(compgen -W \"$(ip netns list "
	"2>/dev/null | cut -d' ' -f1)\" -- \"$cur\")) ;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"}\n";

static const struct {
	unsigned int kind;
	const char *name;
} br_bash_kinds[] = {
	{ BR_ARG_POLICY, "policy" },	 { BR_ARG_PCAP, "pcap" },
	{ BR_ARG_SCENARIO, "scenario" }, { BR_ARG_FILE, "file" },
	{ BR_ARG_DIR, "dir" },		 { BR_ARG_DEV, "dev" },
	{ BR_ARG_NETNS, "netns" },
};

/* " policy dev": the kinds as _blastradius_args names them. */
static void br_bash_kind_names(FILE *out, unsigned int kind)
{
	size_t i;

	for (i = 0; i < sizeof(br_bash_kinds) / sizeof(br_bash_kinds[0]); i++)
		if (kind & br_bash_kinds[i].kind)
			fprintf(out, " %s", br_bash_kinds[i].name);
}

/* The case of "$cmd:$prev": an option's argument. */
static void br_bash_opt_arg(FILE *out, const char *cmd, const struct br_opt *o)
{
	if (!o->metavar)
		return;
	/* a number or a text (BR_ARG_WORD): nothing offered, no file */
	fprintf(out, "\t%s:--%s)\n", cmd, o->name);
	if (o->kind == BR_ARG_CHOICE) {
		fprintf(out,
			"\t\tCOMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n",
			o->choices);
	} else if (o->kind != BR_ARG_WORD) {
		fputs("\t\t_blastradius_args", out);
		br_bash_kind_names(out, o->kind);
		fputc('\n', out);
	}
	fputs("\t\treturn ;;\n", out);
}

static void br_bash_words(FILE *out, const struct br_opt *opts)
{
	const struct br_opt *o;

	for (o = opts; o->name; o++) {
		fprintf(out, " --%s", o->name);
		if (o->short_name)
			fprintf(out, " -%c", o->short_name);
	}
}

static void br_bash_main(FILE *out)
{
	const struct br_cmd *c;
	const struct br_opt *o;
	const char *sep = "";

	fputs("_blastradius()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]}\n"
	      "\tlocal prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	      "\tlocal cmd= i\n"
	      "\n"
	      "\tCOMPREPLY=()\n"
	      "\t# the command: the first word that is not a global "
	      "option or its argument\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n\t\t",
	      out);
	for (o = br_global_opts; o->name; o++)
		if (o->metavar) {
			fprintf(out, "%s--%s", sep, o->name);
			sep = "|";
		}
	fputs(") ((i++)) ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tcase $cmd:$prev in\n",
	      out);
	for (o = br_global_opts; o->name; o++)
		br_bash_opt_arg(out, "*", o);
	for (c = br_commands; c->name; c++)
		for (o = c->opts; o->name; o++)
			br_bash_opt_arg(out, c->name, o);
	fputs("\tesac\n\tcase $cmd in\n\t\"\")\n"
	      "\t\tif [[ $cur == -* ]]; then\n"
	      "\t\t\tCOMPREPLY=($(compgen -W \"",
	      out);
	br_bash_words(out, br_global_opts);
	fputs("\" -- \"$cur\"))\n\t\telse\n"
	      "\t\t\tCOMPREPLY=($(compgen -W \"",
	      out);
	for (c = br_commands; c->name; c++)
		fprintf(out, " %s", c->name);
	fputs(" help version\" -- \"$cur\"))\n\t\tfi ;;\n", out);
	for (c = br_commands; c->name; c++) {
		fprintf(out,
			"\t%s)\n\t\tif [[ $cur == -* ]]; then\n"
			"\t\t\tCOMPREPLY=($(compgen -W \"",
			c->name);
		br_bash_words(out, c->opts);
		br_bash_words(out, br_global_opts);
		fputs("\" -- \"$cur\"))\n\t\telse\n\t\t\t_blastradius_args",
		      out);
		br_bash_kind_names(out, c->args_kind);
		fputs("\n\t\tfi ;;\n", out);
	}
	fputs("\thelp)\n\t\tCOMPREPLY=($(compgen -W \"", out);
	for (c = br_commands; c->name; c++)
		fprintf(out, " %s", c->name);
	fputs("\" -- \"$cur\")) ;;\n\tesac\n}\n", out);
}

void br_doc_bash(FILE *out)
{
	fputs("# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)\n"
	      "# bash completion for blastradius(8); generated from "
	      "user/cmd/cmdtable.c\n# by tools/gendoc.c.\n\n",
	      out);
	fputs(br_bash_helpers, out);
	fputc('\n', out);
	br_bash_main(out);
	fputs("complete -F _blastradius blastradius\n", out);
}
