/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * printable.h - user-supplied text made safe to print on a terminal.
 *
 * A name, a description, a rule's text, a file name from the command
 * line or a server name seen in traffic may hold bytes a terminal acts
 * on (ESC starts a control sequence; so does the C1 character U+009B).
 * Printable ASCII and well-formed UTF-8 are shown as they are; every
 * other byte as \xNN. The parsers refuse control characters in strings
 * (lex.c); this is for what reaches a report by another way, and for the
 * bytes of a string that are not UTF-8.
 */
#ifndef BR_PRINTABLE_H
#define BR_PRINTABLE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Length of the UTF-8 character at p, before end (RFC 3629: shortest
 * form, no surrogates, at most U+10FFFF); 0 if the bytes are not one.
 * *c1 is set for U+0080-U+009F, the C1 controls.
 */
size_t br_utf8_len(const unsigned char *p, const unsigned char *end, int *c1);

/* Room for any n-byte text as br_printable() writes it. */
#define BR_PRINTABLE_LEN(n) (4 * (n) + 1)

/*
 * s as it may be printed, into buf of size bytes (cut short, never in
 * the middle of an escape, if it does not fit). Returns buf.
 */
const char *br_printable(const char *s, char *buf, size_t size);

/* s as it may be printed, written to f. */
void br_fput_printable(const char *s, FILE *f);

#endif /* BR_PRINTABLE_H */
