// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * labsetup.c - what a live lab is built from (labsetup.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "addrplan.h"
#include "labsetup.h"
#include "log.h"

#ifndef BR_DATADIR
#define BR_DATADIR "/usr/local/share/blastradius"
#endif
#define BR_LAB_DATADIR BR_DATADIR

static void addr_text(int fam, const uint8_t *a, char *out, size_t len)
{
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, out, (socklen_t)len);
}

int br_lab_devfile(FILE *f, const struct br_traffic_device *v, uint32_t n)
{
	char a4[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	uint8_t a[16];
	uint32_t i;

	fprintf(f, "# blastradius lab: one device a line, by index: "
		   "access, IPv4, IPv6\n");
	for (i = 0; i < n; i++) {
		br_plan_dev_addr(i, 4, a);
		addr_text(4, a, a4, sizeof(a4));
		br_plan_dev_addr(i, 6, a);
		addr_text(6, a, a6, sizeof(a6));
		fprintf(f, "%s %s %s\n", v[i].cellular ? "cell" : "wifi", a4,
			a6);
	}
	return ferror(f) ? -EIO : 0;
}

/* The lab host answering for set's servers of family fam; 0 if none. */
static int set_host(const struct br_catalog *cat, const struct br_addrmap *map,
		    int set_idx, int fam, uint8_t out[16])
{
	const struct br_set *set;
	struct br_prefix lab;
	size_t i;

	if (set_idx < 0 || (size_t)set_idx >= cat->n_sets)
		return 0;
	set = &cat->sets[set_idx];
	for (i = 0; i < set->n; i++) {
		if (set->prefixes[i].family != fam ||
		    br_addrmap_prefix(map, &set->prefixes[i], &lab))
			continue;
		memset(out, 0, 16);
		memcpy(out, lab.addr, 16);
		out[fam == 4 ? 3 : 15] |= 1; /* a host, not the network */
		return fam;
	}
	return 0;
}

int br_lab_dnsmasq_conf(FILE *f, const struct br_catalog *cat,
			const struct br_addrmap *map)
{
	char name[BR_NAME_MAX], text[INET6_ADDRSTRLEN];
	const uint8_t *r4 = br_plan_resolver(4), *r6 = br_plan_resolver(6);
	uint8_t a[16];
	size_t s, k;
	unsigned int n;
	int fam;

	addr_text(4, r4, text, sizeof(text));
	fprintf(f, "# blastradius lab: the resolver (lab/labsetup.c)\n"
		   "no-resolv\nno-hosts\nno-poll\nbind-interfaces\n"
		   "listen-address=%s\n", text);
	addr_text(6, r6, text, sizeof(text));
	fprintf(f, "listen-address=%s\nlocal-ttl=300\ncache-size=0\n"
		   "log-facility=-\n", text);
	for (s = 0; s < cat->n_services; s++)
		for (k = 0; k < cat->services[s].n_flows; k++) {
			const struct br_cat_flow *fl =
				&cat->services[s].flows[k];

			if (!fl->dns)
				continue;
			for (n = 1; n <= fl->sni_max; n++) {
				br_plan_name(fl->dns, n, name, sizeof(name));
				for (fam = 4; fam <= 6; fam += 2) {
					if (!set_host(cat, map, fl->addr_set,
						      fam, a))
						continue;
					addr_text(fam, a, text, sizeof(text));
					fprintf(f, "address=/%s/%s\n", name,
						text);
				}
			}
		}
	return ferror(f) ? -EIO : 0;
}

/* Bitmap of ports to "a,b,c-d". */
static void ports_text(const uint8_t *bits, char *out, size_t len)
{
	size_t used = 0;
	unsigned int p, q;

	out[0] = '\0';
	for (p = 1; p < 65536; p++) {
		if (!(bits[p / 8] >> (p % 8) & 1))
			continue;
		for (q = p; q + 1 < 65536 && bits[(q + 1) / 8] >> ((q + 1) % 8) & 1;)
			q++;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used,
						 q > p ? "%s%u-%u" : "%s%u",
						 used ? "," : "", p, q);
		p = q;
	}
}

void br_lab_ports(const struct br_catalog *cat, char *tcp, char *udp,
		  char *quic, size_t len)
{
	static uint8_t bits[3][8192];
	size_t s, k;
	unsigned int p;

	memset(bits, 0, sizeof(bits));
	for (s = 0; s < cat->n_services; s++)
		for (k = 0; k < cat->services[s].n_flows; k++) {
			const struct br_cat_flow *fl =
				&cat->services[s].flows[k];
			int which = fl->kind == BR_CAT_UDP    ? 1
				    : fl->kind == BR_CAT_QUIC ? 2
				    : fl->kind == BR_CAT_DNS  ? -1
							      : 0;
			unsigned int hi = fl->port_hi > fl->port ? fl->port_hi
								 : fl->port;

			for (p = fl->port; which >= 0 && p && p <= hi; p++)
				bits[which][p / 8] |= 1u << (p % 8);
		}
	ports_text(bits[0], tcp, len);
	ports_text(bits[1], udp, len);
	ports_text(bits[2], quic, len);
}

int br_lab_bin_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	char *slash;

	if (n < 0)
		return -errno;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

int br_labctl(char *out, size_t len, const char *const args[])
{
	char script[PATH_MAX + 32], dir[PATH_MAX];
	const char *argv[32];
	const char *env = getenv("BLASTRADIUS_LABCTL");
	int pipefd[2] = { -1, -1 }, status, i, err;
	size_t used = 0;
	pid_t pid;

	if (env) {
		snprintf(script, sizeof(script), "%s", env);
	} else {
		/* the source tree's, next to the build; else the installed */
		err = br_lab_bin_dir(dir, sizeof(dir));
		if (err)
			return err;
		snprintf(script, sizeof(script), "%s/../scripts/labctl.sh",
			 dir);
		if (access(script, R_OK))
			snprintf(script, sizeof(script), "%s",
				 BR_LAB_DATADIR "/labctl.sh");
	}
	argv[0] = "bash";
	argv[1] = script;
	for (i = 0; args[i] && i < 29; i++)
		argv[i + 2] = args[i];
	argv[i + 2] = NULL;
	if (out && pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		/* what it says goes to stderr: stdout is the command's result */
		if (out) {
			dup2(pipefd[1], 1);
			close(pipefd[0]);
			close(pipefd[1]);
		} else {
			dup2(2, 1);
		}
		execvp("bash", (char *const *)argv);
		_exit(127);
	}
	if (out) {
		close(pipefd[1]);
		for (;;) { /* all of it, keeping what fits */
			char scrap[256];
			ssize_t n = used + 1 < len
					    ? read(pipefd[0], out + used,
						   len - 1 - used)
					    : read(pipefd[0], scrap,
						   sizeof(scrap));

			if (n <= 0)
				break;
			if (used + 1 < len)
				used += (size_t)n;
		}
		out[used] = '\0';
		close(pipefd[0]);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
