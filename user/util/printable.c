/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * printable.c - user-supplied text made safe to print; see printable.h.
 */
#include <string.h>

#include "printable.h"

size_t br_utf8_len(const unsigned char *p, const unsigned char *end, int *c1)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	*c1 = 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		*c1 = p[0] == 0xc2 && p + 1 < end && p[1] <= 0x9f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * How many bytes at p print as they are (0: the first must be escaped).
 * A C1 control is a well-formed character that is escaped all the same.
 */
static size_t plain_len(const unsigned char *p, const unsigned char *end)
{
	size_t n;
	int c1;

	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] < 0x80)
		return 0;
	n = br_utf8_len(p, end, &c1);
	return c1 ? 0 : n;
}

const char *br_printable(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	size_t o = 0, n;

	if (!size)
		return buf;
	end = p + strlen(s);
	while (p < end) {
		n = plain_len(p, end);
		if (o + (n ? n : 4) >= size)
			break;
		if (n) {
			memcpy(buf + o, p, n);
			o += n;
			p += n;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = "0123456789abcdef"[*p >> 4];
		buf[o++] = "0123456789abcdef"[*p & 15];
		p++;
	}
	buf[o] = '\0';
	return buf;
}

void br_fput_printable(const char *s, FILE *f)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	size_t n;

	end = p + strlen(s);
	while (p < end) {
		n = plain_len(p, end);
		if (n) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fprintf(f, "\\x%02x", *p++);
		}
	}
}
