// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "printable.h"

int br_verbose;

/* Messages name files, interfaces and policies: printed escaped. */
void br_err(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int len;

	fputs("blastradius: ", stderr);
	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len >= 0)
		br_fput_printable(text, stderr);
	fputc('\n', stderr);
	free(text);
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
