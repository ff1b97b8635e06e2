/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * unit.h - helpers the unit tests share. Include after cmocka.h.
 */
#ifndef BR_TEST_UNIT_H
#define BR_TEST_UNIT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "policy.h"

/* Every message as printed, without the last newline; caller frees. */
static inline char *diag_text(const struct br_diag *d)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	br_diag_print(d, f);
	fclose(f);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

/* p is the prefix addr/len (addr an IPv4 or IPv6 literal). */
static inline void check_prefix(const struct br_prefix *p, const char *addr,
				unsigned int len)
{
	uint8_t want[16] = { 0 };
	int family = strchr(addr, ':') ? 6 : 4;

	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, addr,
				   want), 1);
	assert_int_equal(p->family, family);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->addr, want, family == 4 ? 4 : 16);
}

#endif /* BR_TEST_UNIT_H */
