/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * registry.h - the public Roskomnadzor registry dump ("z-i" format,
 * docs/REGISTRY.md), read a line at a time into
 * address and domain lists for import-registry.
 *
 * A line is windows-1251, ';'-separated, unquoted: IPs (joined by " | "),
 * domain, URLs, issuing body, decision number, date; read as f[0], f[1],
 * ';'.join(f[2:-3]), f[-3], f[-2], f[-1]. A line that cannot be read adds
 * nothing: every list is as it was before it.
 */
#ifndef BR_REGISTRY_H
#define BR_REGISTRY_H

#include <stdint.h>
#include <stdio.h>

/* One IPv6 address or prefix. */
struct br_registry_v6 {
	uint8_t addr[16];
	uint8_t len;
};

struct br_registry {
	uint64_t *v4; /* (address, host order) << 8 | prefix length */
	size_t n_v4, cap_v4;
	struct br_registry_v6 *v6;
	size_t n_v6, cap_v6;
	char *names; /* the domains, each NUL-terminated, one after another */
	size_t names_len, names_cap;
	size_t *name_off; /* after br_registry_finish: each name's offset */
	size_t n_names;
	uint64_t rows;	  /* lines read but the "Updated:" one, errors too */
	uint64_t urls;	  /* URLs seen (not matched by blastradius) */
	uint64_t errors;  /* lines skipped */
	char updated[64]; /* the header's date, printable ASCII, or "" */
};

void br_registry_init(struct br_registry *r);
void br_registry_free(struct br_registry *r);

/*
 * One row (len bytes, no newline) into r. 0, -ENOMEM, or -EINVAL with a
 * message in msg (the row is skipped, r unchanged but for nothing).
 */
int br_registry_row(struct br_registry *r, const char *line, size_t len,
		    char *msg, size_t msglen);

/*
 * Read the whole dump f (named path in messages): each unreadable line
 * reported as "path:LINE: message" on errs and counted. Stops early when
 * errors exceed max_errors (UINT64_MAX: never). 0, -ENOMEM or -EIO.
 */
int br_registry_read(struct br_registry *r, FILE *f, const char *path,
		     uint64_t max_errors, FILE *errs);

/*
 * Sort and deduplicate the lists (addresses by family, address, length;
 * domains bytewise) and fill name_off. 0 or -ENOMEM.
 */
int br_registry_finish(struct br_registry *r);

/* Unique IPv4 hosts (/32) and shorter prefixes; IPv6 likewise (/128). */
void br_registry_counts(const struct br_registry *r, uint64_t *v4_hosts,
			uint64_t *v4_prefixes, uint64_t *v6_hosts,
			uint64_t *v6_prefixes);

#endif /* BR_REGISTRY_H */
