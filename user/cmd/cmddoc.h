/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmddoc.h - the man page blastradius(8) and the bash completion, written
 * from the command table (cmdtable.h). The Makefile generates both at
 * build time with tools/gendoc.c; make install installs them.
 */
#ifndef BR_CMDDOC_H
#define BR_CMDDOC_H

#include <stdio.h>

/* blastradius(8) in groff's man macros. */
void br_doc_man(FILE *out);

/* A bash completion script: complete -F _blastradius blastradius. */
void br_doc_bash(FILE *out);

#endif /* BR_CMDDOC_H */
