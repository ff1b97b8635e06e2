// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

int br_verbose;

void br_err(const char *fmt, ...)
{
	va_list ap;

	fputs("blastradius: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int br_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (level == LIBBPF_DEBUG && br_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && br_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void br_log_setup(void)
{
	libbpf_set_print(br_libbpf_print);
}
