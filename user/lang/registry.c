// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * registry.c - the registry dump's lines into address and domain lists;
 * see registry.h. The dump is streamed: only the lists stay in memory,
 * 8 bytes an IPv4 entry, 17 an IPv6 one, a domain's bytes and a NUL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "idn.h"
#include "registry.h"

#define BR_REG_MIN_FIELDS 6
#define BR_REG_ADDR_MAX 64 /* longer than any address/length spelling */

void br_registry_init(struct br_registry *r)
{
	memset(r, 0, sizeof(*r));
}

void br_registry_free(struct br_registry *r)
{
	free(r->v4);
	free(r->v6);
	free(r->names);
	free(r->name_off);
	br_registry_init(r);
}

/* Room for one more element of size sz in *arr (cap grows by half). */
static int br_reg_grow(void **arr, size_t *cap, size_t n, size_t need,
		       size_t sz)
{
	size_t ncap;
	void *p;

	if (n + need <= *cap)
		return 0;
	ncap = *cap ? *cap + *cap / 2 : 4096;
	if (ncap < n + need)
		ncap = n + need;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* s[0..len) with the spaces around it cut. */
static void br_reg_trim(const char **s, size_t *len)
{
	while (*len && **s == ' ')
		(*s)++, (*len)--;
	while (*len && (*s)[*len - 1] == ' ')
		(*len)--;
}

/* text for a message: printable ASCII as is, any other byte as \xNN */
static void br_reg_quote(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* A prefix length: decimal, no leading zero, at most max. */
static int br_reg_plen(const char *s, size_t len, unsigned int max,
		       unsigned int *out)
{
	unsigned int v = 0;
	size_t i;

	if (!len || len > 3 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool br_reg_host_bits(const uint8_t *a, unsigned int bytes,
			     unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		unsigned int lo = i * 8;
		uint8_t mask = plen >= lo + 8 ? 0
			       : plen <= lo   ? 0xff
					      : (uint8_t)(0xff >> (plen - lo));

		if (a[i] & mask)
			return true;
	}
	return false;
}

/* One address or prefix of the IP column onto r's lists. */
static int br_reg_addr(struct br_registry *r, const char *s, size_t len,
		       char *msg, size_t msglen)
{
	char buf[BR_REG_ADDR_MAX + 1], q[4 * BR_REG_ADDR_MAX + 8];
	const char *slash;
	uint8_t a[16];
	unsigned int plen;
	bool v6;

	br_reg_quote(s, len, q, sizeof(q));
	if (!len || len > BR_REG_ADDR_MAX) {
		snprintf(msg, msglen, "bad IP \"%s\"", q);
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	v6 = memchr(buf, ':', len) != NULL;
	slash = strchr(buf, '/');
	if (slash) {
		if (br_reg_plen(slash + 1, len - (size_t)(slash + 1 - buf),
				v6 ? 128 : 32, &plen)) {
			snprintf(msg, msglen, "bad CIDR \"%s\": prefix length",
				 q);
			return -EINVAL;
		}
		buf[slash - buf] = '\0';
	} else {
		plen = v6 ? 128 : 32;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1) {
		snprintf(msg, msglen, "bad IP \"%s\"", q);
		return -EINVAL;
	}
	if (br_reg_host_bits(a, v6 ? 16 : 4, plen)) {
		snprintf(msg, msglen, "bad CIDR \"%s\": host bits set", q);
		return -EINVAL;
	}
	if (v6) {
		if (br_reg_grow((void **)&r->v6, &r->cap_v6, r->n_v6, 1,
				sizeof(*r->v6)))
			return -ENOMEM;
		memcpy(r->v6[r->n_v6].addr, a, 16);
		r->v6[r->n_v6++].len = (uint8_t)plen;
		return 0;
	}
	if (br_reg_grow((void **)&r->v4, &r->cap_v4, r->n_v4, 1,
			sizeof(*r->v4)))
		return -ENOMEM;
	r->v4[r->n_v4++] = (uint64_t)ntohl(*(uint32_t *)a) << 8 | plen;
	return 0;
}

/* The IP column: addresses joined by " | ", or nothing. */
static int br_reg_addrs(struct br_registry *r, const char *s, size_t len,
			char *msg, size_t msglen)
{
	const char *bar, *item;
	size_t n, ilen;
	int err;

	br_reg_trim(&s, &len);
	while (len) {
		bar = memchr(s, '|', len);
		n = bar ? (size_t)(bar - s) : len;
		item = s;
		ilen = n;
		br_reg_trim(&item, &ilen);
		err = br_reg_addr(r, item, ilen, msg, msglen);
		if (err)
			return err;
		if (!bar)
			break;
		s += n + 1;
		len -= n + 1;
		if (!len) {
			snprintf(msg, msglen, "bad IP \"\": empty after \"|\"");
			return -EINVAL;
		}
	}
	return 0;
}

/* The domain column, converted, onto r->names. */
static int br_reg_domain(struct br_registry *r, const char *s, size_t len,
			 char *msg, size_t msglen)
{
	char name[BR_IDN_NAME_MAX + 8], q[4 * BR_IDN_NAME_MAX + 8];
	const char *why = "";
	int n;

	br_reg_trim(&s, &len);
	if (!len)
		return 0;
	n = br_idn_domain(s, len, name, sizeof(name), &why);
	if (n < 0) {
		br_reg_quote(s, len > BR_IDN_NAME_MAX ? BR_IDN_NAME_MAX : len,
			     q, sizeof(q));
		snprintf(msg, msglen, "bad domain \"%s\": %s", q,
			 n == -EINVAL ? why : "too long");
		return -EINVAL;
	}
	if (br_reg_grow((void **)&r->names, &r->names_cap, r->names_len,
			(size_t)n + 1, 1))
		return -ENOMEM;
	memcpy(r->names + r->names_len, name, (size_t)n + 1);
	r->names_len += (size_t)n + 1;
	r->n_names++;
	return 0;
}

/* The URLs joined by " | ": counted, never matched. */
static uint64_t br_reg_count_urls(const char *s, size_t len)
{
	const char *bar, *item;
	size_t part, ilen;
	uint64_t n = 0;

	while (len) {
		bar = memchr(s, '|', len);
		part = bar ? (size_t)(bar - s) : len;
		item = s;
		ilen = part;
		br_reg_trim(&item, &ilen);
		n += ilen != 0;
		if (!bar)
			break;
		s += part + 1;
		len -= part + 1;
	}
	return n;
}

/* A byte no registry text holds: a control character or 0x98 (unassigned). */
static int br_reg_encoding(const char *line, size_t len, char *msg,
			   size_t msglen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f || c == 0x98) {
			snprintf(msg, msglen,
				 "bad encoding: byte 0x%02x at column %zu (not "
				 "windows-1251 text)",
				 c, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

int br_registry_row(struct br_registry *r, const char *line, size_t len,
		    char *msg, size_t msglen)
{
	size_t n_v4 = r->n_v4, n_v6 = r->n_v6, names_len = r->names_len;
	size_t n_names = r->n_names, nf = 1, i, semi[3] = { 0 };
	const char *s1, *s2;
	int err;

	err = br_reg_encoding(line, len, msg, msglen);
	if (err)
		return err;
	/* the last three ';' end the URLs; the first two start the rest */
	for (i = 0; i < len; i++) {
		if (line[i] != ';')
			continue;
		nf++;
		semi[0] = semi[1];
		semi[1] = semi[2];
		semi[2] = i;
	}
	if (nf < BR_REG_MIN_FIELDS) {
		snprintf(msg, msglen,
			 "too few fields (%zu, expected at least %d)", nf,
			 BR_REG_MIN_FIELDS);
		return -EINVAL;
	}
	s1 = memchr(line, ';', len);
	s2 = memchr(s1 + 1, ';', len - (size_t)(s1 + 1 - line));
	err = br_reg_addrs(r, line, (size_t)(s1 - line), msg, msglen);
	if (!err)
		err = br_reg_domain(r, s1 + 1, (size_t)(s2 - s1 - 1), msg,
				    msglen);
	if (err) {
		r->n_v4 = n_v4;
		r->n_v6 = n_v6;
		r->names_len = names_len;
		r->n_names = n_names;
		return err;
	}
	r->urls += br_reg_count_urls(s2 + 1, semi[0] - (size_t)(s2 + 1 - line));
	return 0;
}

/* "Updated: ..." into r->updated; false when the line is not that. */
static bool br_reg_header(struct br_registry *r, const char *line, size_t len)
{
	static const char tag[] = "Updated:";
	size_t i, o = 0;

	if (len < sizeof(tag) - 1 || memcmp(line, tag, sizeof(tag) - 1))
		return false;
	line += sizeof(tag) - 1;
	len -= sizeof(tag) - 1;
	br_reg_trim(&line, &len);
	for (i = 0; i < len && o + 1 < sizeof(r->updated); i++)
		if (line[i] >= 0x20 && line[i] < 0x7f && line[i] != '"' &&
		    line[i] != '\\')
			r->updated[o++] = line[i];
	r->updated[o] = '\0';
	return true;
}

int br_registry_read(struct br_registry *r, FILE *f, const char *path,
		     uint64_t max_errors, FILE *errs)
{
	char *line = NULL, msg[1024];
	uint64_t lineno = 0;
	size_t cap = 0, len;
	ssize_t got;
	int err = 0;

	while ((got = getline(&line, &cap, f)) >= 0) {
		len = (size_t)got;
		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		if (lineno == 1 && br_reg_header(r, line, len))
			continue;
		r->rows++;
		if (lineno == 1) {
			snprintf(msg, sizeof(msg),
				 "expected \"Updated: "
				 "YYYY-MM-DD HH:MM:SS +0000\" (not a registry "
				 "dump?)");
			err = -EINVAL;
		} else {
			err = br_registry_row(r, line, len, msg, sizeof(msg));
		}
		if (err == -ENOMEM)
			break;
		if (err) {
			fprintf(errs, "%s:%llu: %s\n", path,
				(unsigned long long)lineno, msg);
			err = 0;
			if (++r->errors > max_errors)
				break;
		}
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	return err;
}

static int br_reg_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int br_reg_cmp_v6(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct br_registry_v6));
}

static int br_reg_cmp_name(const void *a, const void *b, void *arena)
{
	return strcmp((const char *)arena + *(const size_t *)a,
		      (const char *)arena + *(const size_t *)b);
}

int br_registry_finish(struct br_registry *r)
{
	size_t i, n, off;

	/* qsort's array may not be NULL, even empty */
	if (r->n_v4)
		qsort(r->v4, r->n_v4, sizeof(*r->v4), br_reg_cmp_u64);
	for (i = n = 0; i < r->n_v4; i++)
		if (!n || r->v4[i] != r->v4[n - 1])
			r->v4[n++] = r->v4[i];
	r->n_v4 = n;
	if (r->n_v6)
		qsort(r->v6, r->n_v6, sizeof(*r->v6), br_reg_cmp_v6);
	for (i = n = 0; i < r->n_v6; i++)
		if (!n || br_reg_cmp_v6(&r->v6[i], &r->v6[n - 1]))
			r->v6[n++] = r->v6[i];
	r->n_v6 = n;
	free(r->name_off);
	r->name_off = malloc((r->n_names ? r->n_names : 1) * sizeof(size_t));
	if (!r->name_off)
		return -ENOMEM;
	for (i = off = 0; i < r->n_names; i++) {
		r->name_off[i] = off;
		off += strlen(r->names + off) + 1;
	}
	if (r->n_names)
		qsort_r(r->name_off, r->n_names, sizeof(size_t),
			br_reg_cmp_name, r->names);
	for (i = n = 0; i < r->n_names; i++)
		if (!n || strcmp(r->names + r->name_off[i],
				 r->names + r->name_off[n - 1]))
			r->name_off[n++] = r->name_off[i];
	r->n_names = n;
	return 0;
}

void br_registry_counts(const struct br_registry *r, uint64_t *v4_hosts,
			uint64_t *v4_prefixes, uint64_t *v6_hosts,
			uint64_t *v6_prefixes)
{
	size_t i;

	*v4_hosts = *v4_prefixes = *v6_hosts = *v6_prefixes = 0;
	for (i = 0; i < r->n_v4; i++)
		(r->v4[i] & 0xff) == 32 ? ++*v4_hosts : ++*v4_prefixes;
	for (i = 0; i < r->n_v6; i++)
		r->v6[i].len == 128 ? ++*v6_hosts : ++*v6_prefixes;
}
