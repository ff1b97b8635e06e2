// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_import.c - blastradius import-registry DUMP: the public registry
 * dump (registry.h) into a policy that check accepts.
 *
 * Addresses go into one address set, dropped; domains into one domain
 * set, matched by TLS server name (reset or drop) or by DNS query
 * (nxdomain), as --action says. With --out P the sets go into a set file
 * beside P that the policy includes (a set file holds only sets, so a
 * dump can never change the rules: policies/README.md); on stdout they
 * are inline. Nothing is written when more lines than --max-errors
 * could not be read. URLs are counted and ignored: the dataplane does
 * not read HTTP, so it cannot match a URL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cmdline.h"
#include "json.h"
#include "log.h"
#include "outfile.h"
#include "registry.h"
#include "textfile.h"
#include "import.h"

/* The default bound on unreadable lines: 1% of the rows, at least this. */
#define BR_IMPORT_MIN_ERRORS 100

/* [A-Za-z_][A-Za-z0-9_.-]*: a name of the policy language */
static bool br_import_ident(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool letter = (c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z') || c == '_';

		if (!letter &&
		    (!i || !((c >= '0' && c <= '9') || c == '.' || c == '-')))
			return false;
	}
	return i && i <= 64;
}

/* Address i of r (IPv4 first, then IPv6) as a set element and a newline. */
static int br_import_addr_text(const struct br_registry *r, size_t i, char *buf,
			       size_t size)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int len;
	uint32_t a4;

	if (i < r->n_v4) {
		a4 = htonl((uint32_t)(r->v4[i] >> 8));
		inet_ntop(AF_INET, &a4, a, sizeof(a));
		len = (unsigned int)(r->v4[i] & 0xff);
		return len == 32 ? snprintf(buf, size, "%s\n", a)
				 : snprintf(buf, size, "%s/%u\n", a, len);
	}
	i -= r->n_v4;
	inet_ntop(AF_INET6, r->v6[i].addr, a, sizeof(a));
	len = r->v6[i].len;
	return len == 128 ? snprintf(buf, size, "%s\n", a)
			  : snprintf(buf, size, "%s/%u\n", a, len);
}

/*
 * One address set, part (1: "NAME-addrs", k: "NAME-addrs-k"), from
 * address *i on, as long as the set's text stays within budget bytes (at
 * least one address): the file cap of the language (textfile.h) holds
 * about 15M IPv4 addresses, so 20M go into two parts.
 */
static void br_import_addr_part(FILE *f, const struct br_registry *r,
				const char *name, unsigned int part, size_t *i,
				size_t budget)
{
	size_t n = r->n_v4 + r->n_v6, used;
	char buf[INET6_ADDRSTRLEN + 8];
	int len;

	used = (size_t)(part == 1 ? fprintf(f, "set %s-addrs addr {\n", name)
				  : fprintf(f, "set %s-addrs-%u addr {\n", name,
					    part));
	used += 2; /* the closing "}\n" */
	for (; *i < n; ++*i) {
		len = br_import_addr_text(r, *i, buf, sizeof(buf));
		if (used + (size_t)len > budget && used > 64)
			break;
		fputs(buf, f);
		used += (size_t)len;
	}
	fputs("}\n", f);
}

/* The domain set; its length in bytes. */
static size_t br_import_domain_set(FILE *f, const struct br_registry *r,
				   const char *name)
{
	size_t i, used = 0;

	if (!r->n_names)
		return 0;
	used += (size_t)fprintf(f, "set %s-domains domain {\n", name);
	for (i = 0; i < r->n_names; i++)
		used += (size_t)fprintf(f, "%s\n", r->names + r->name_off[i]);
	used += (size_t)fprintf(f, "}\n");
	return used;
}

static void br_import_write_policy(FILE *f, const struct br_registry *r,
				   const struct br_import *imp)
{
	const char *act = imp->action;
	unsigned int k;
	size_t i = 0;

	fprintf(f, "# Written by blastradius import-registry from a registry "
		   "dump; URLs are not matched.\n");
	fprintf(f, "policy %s\n", imp->name);
	fprintf(f, "description \"Roskomnadzor registry dump%s%s\"\n",
		r->updated[0] ? ", updated " : "", r->updated);
	fprintf(f, "default pass\n\n");
	if (imp->out) {
		for (k = 1; k <= imp->n_parts; k++)
			if (k == 1)
				fprintf(f, "include \"%s.set\"\n", imp->base);
			else
				fprintf(f, "include \"%s-%u.set\"\n", imp->base,
					k);
		fprintf(f, "\n");
	} else {
		br_import_domain_set(f, r, imp->name);
		if (r->n_v4 || r->n_v6)
			br_import_addr_part(f, r, imp->name, 1, &i, SIZE_MAX);
	}
	for (k = 1; k <= imp->n_addr_parts; k++)
		if (k == 1)
			fprintf(f,
				"rule \"registry addresses\" daddr @%s-addrs "
				"drop\n",
				imp->name);
		else
			fprintf(f,
				"rule \"registry addresses %u\" daddr "
				"@%s-addrs-%u drop\n",
				k, imp->name, k);
	if (!r->n_names)
		return;
	if (!strcmp(act, "nxdomain"))
		fprintf(f,
			"rule \"registry domains\" dns @%s-domains nxdomain\n",
			imp->name);
	else
		fprintf(f, "rule \"registry domains\" sni @%s-domains %s\n",
			imp->name, act);
}

/*
 * The set files: STEM.set with the domain set and the first part of the
 * addresses, STEM-K.set with part K; each within budget bytes where it
 * can be. Counts the parts in imp. 0 or -errno.
 */
int br_import_write_sets(const struct br_registry *r, struct br_import *imp,
			 size_t budget)
{
	size_t i = 0, n = r->n_v4 + r->n_v6, used;
	char path[PATH_MAX + 16];
	struct br_outfile o;
	unsigned int part;
	int err;

	imp->n_parts = imp->n_addr_parts = 0;
	for (part = 1; part == 1 || i < n; part++) {
		if (part == 1)
			snprintf(path, sizeof(path), "%s.set", imp->stem);
		else
			snprintf(path, sizeof(path), "%s-%u.set", imp->stem,
				 part);
		err = br_outfile_open(&o, path);
		if (err)
			return err;
		used = part == 1 ? br_import_domain_set(o.f, r, imp->name) : 0;
		if (i < n) {
			br_import_addr_part(o.f, r, imp->name, part, &i,
					    used < budget ? budget - used : 0);
			imp->n_addr_parts++;
		}
		err = br_outfile_close(&o, true);
		if (err)
			return err;
		imp->n_parts++;
	}
	return 0;
}

/* The policy at --out and its set files, or the policy on stdout. */
static int br_import_write(const struct br_registry *r, struct br_import *imp)
{
	struct br_outfile pol;
	int err;

	if (!imp->out) {
		imp->n_addr_parts = r->n_v4 || r->n_v6;
		br_import_write_policy(stdout, r, imp);
		return fflush(stdout) ? -EIO : 0;
	}
	/* room for the set's first and last lines within the language's cap */
	err = br_import_write_sets(r, imp, BR_TEXT_MAX - 4096);
	if (err)
		return err;
	err = br_outfile_open(&pol, imp->out);
	if (err)
		return err;
	br_import_write_policy(pol.f, r, imp);
	return br_outfile_close(&pol, true);
}

static void br_import_summary(struct br_cli *cli, const struct br_registry *r,
			      const struct br_import *imp, bool ok)
{
	uint64_t h4, p4, h6, p6;
	struct br_json j;

	br_registry_counts(r, &h4, &p4, &h6, &p6);
	if (!cli->json) {
		if (cli->quiet && ok)
			return;
		fprintf(stderr,
			"%s: %llu rows: %llu IPv4 addresses and %llu IPv4 "
			"prefixes, %llu IPv6 addresses and %llu IPv6 prefixes, "
			"%zu domains (each counted once); %llu URLs ignored "
			"(blastradius does not match URLs); %llu lines with "
			"errors skipped (at most %llu allowed)\n",
			imp->dump, (unsigned long long)r->rows,
			(unsigned long long)h4, (unsigned long long)p4,
			(unsigned long long)h6, (unsigned long long)p6,
			r->n_names, (unsigned long long)r->urls,
			(unsigned long long)r->errors,
			(unsigned long long)imp->max_errors);
		return;
	}
	br_json_init(&j, stdout);
	br_json_object(&j);
	br_json_kstr(&j, "dump", imp->dump);
	br_json_kstr(&j, "updated", r->updated);
	br_json_ku64(&j, "rows", r->rows);
	br_json_ku64(&j, "ipv4_addresses", h4);
	br_json_ku64(&j, "ipv4_prefixes", p4);
	br_json_ku64(&j, "ipv6_addresses", h6);
	br_json_ku64(&j, "ipv6_prefixes", p6);
	br_json_ku64(&j, "domains", r->n_names);
	br_json_ku64(&j, "urls_ignored", r->urls);
	br_json_ku64(&j, "error_lines", r->errors);
	br_json_ku64(&j, "max_errors", imp->max_errors);
	br_json_kstr(&j, "policy", imp->out);
	br_json_ku64(&j, "set_files", imp->n_parts);
	br_json_kbool(&j, "ok", ok);
	br_json_end(&j);
}

/* --out P: the set files are named after P without ".policy". */
static int br_import_stem(struct br_import *imp)
{
	size_t n = strlen(imp->out);
	const char *slash;

	if (n > 7 && !strcmp(imp->out + n - 7, ".policy"))
		n -= 7;
	if (!n || n >= sizeof(imp->stem))
		return -ENAMETOOLONG;
	memcpy(imp->stem, imp->out, n);
	imp->stem[n] = '\0';
	slash = strrchr(imp->stem, '/');
	imp->base = slash ? slash + 1 : imp->stem;
	if (!*imp->base || strchr(imp->base, '"') || strchr(imp->base, '\\') ||
	    strchr(imp->base, '\n'))
		return -EINVAL;
	return 0;
}

/* The options into imp; 0, or 2 after a usage message. */
static int br_import_options(struct br_cli *cli, int argc, char **argv,
			     struct br_import *imp)
{
	struct br_args a;
	char *end;
	int c;

	imp->name = "registry";
	imp->action = "reset";
	br_args_init(&a, argc, argv);
	while ((c = br_args_next(&a)) != -1) {
		switch (c) {
		case BR_OPT_OUT:
			imp->out = a.arg;
			break;
		case BR_OPT_NAME:
			imp->name = a.arg;
			break;
		case BR_OPT_ACTION:
			imp->action = a.arg;
			break;
		case BR_OPT_MAX_ERRORS:
			errno = 0;
			imp->max_errors = strtoull(a.arg, &end, 10);
			if (errno || *end || a.arg[0] < '0' || a.arg[0] > '9') {
				br_err("--max-errors: \"%s\" is not a number",
				       a.arg);
				return 2;
			}
			imp->max_given = true;
			break;
		default:
			br_cmd_usage_error(argv[0]);
			return 2;
		}
	}
	if (a.next != argc - 1) {
		br_cmd_usage_error(argv[0]);
		return 2;
	}
	imp->dump = argv[a.next];
	if (!br_import_ident(imp->name)) {
		br_err("--name: \"%s\" is not a name "
		       "([A-Za-z_][A-Za-z0-9_.-]*, "
		       "at most 64)",
		       imp->name);
		return 2;
	}
	if (strcmp(imp->action, "drop") && strcmp(imp->action, "reset") &&
	    strcmp(imp->action, "nxdomain")) {
		br_err("--action: \"%s\" is not drop, reset or nxdomain",
		       imp->action);
		return 2;
	}
	if (cli->json && !imp->out) {
		br_err("--json needs --out: stdout holds the policy");
		return 2;
	}
	if (imp->out && br_import_stem(imp)) {
		br_err("--out: \"%s\": cannot name a set file beside it",
		       imp->out);
		return 2;
	}
	return 0;
}

int cmd_import(struct br_cli *cli, int argc, char **argv)
{
	struct br_import imp = {};
	struct br_registry r;
	bool ok = false;
	FILE *f;
	int err;

	err = br_import_options(cli, argc, argv, &imp);
	if (err)
		return err;
	f = fopen(imp.dump, "r");
	if (!f) {
		br_err("%s: %s", imp.dump, strerror(errno));
		return 1;
	}
	br_registry_init(&r);
	err = br_registry_read(&r, f, imp.dump,
			       imp.max_given ? imp.max_errors : UINT64_MAX,
			       stderr);
	fclose(f);
	if (!imp.max_given)
		imp.max_errors = r.rows / 100 > BR_IMPORT_MIN_ERRORS
					 ? r.rows / 100
					 : BR_IMPORT_MIN_ERRORS;
	if (!err)
		err = br_registry_finish(&r);
	if (err) {
		br_err("%s: %s", imp.dump, strerror(-err));
	} else if (r.errors > imp.max_errors) {
		br_err("%s: more than %llu lines with errors: nothing written",
		       imp.dump, (unsigned long long)imp.max_errors);
	} else if (!r.n_v4 && !r.n_v6 && !r.n_names) {
		br_err("%s: no address and no domain: nothing written",
		       imp.dump);
	} else {
		ok = !br_import_write(&r, &imp);
	}
	br_import_summary(cli, &r, &imp, ok);
	br_registry_free(&r);
	return ok ? 0 : 1;
}
