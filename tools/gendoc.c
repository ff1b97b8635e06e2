// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gendoc.c - writes what the build generates from the command table:
 * "gendoc man" the man page blastradius(8), "gendoc bash" the bash
 * completion (user/cmd/cmddoc.h), on stdout.
 */
#include <stdio.h>
#include <string.h>
#include "cmddoc.h"

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "man"))
		br_doc_man(stdout);
	else if (argc == 2 && !strcmp(argv[1], "bash"))
		br_doc_bash(stdout);
	else {
		fprintf(stderr, "usage: gendoc man|bash\n");
		return 2;
	}
	return fflush(stdout) ? 1 : 0;
}
