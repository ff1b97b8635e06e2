/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * html.h - what the HTML reports share (report_html.c): escaping and the
 * style sheet, so an ensemble's page looks like a single run's.
 */
#ifndef BR_HTML_H
#define BR_HTML_H

#include <stdio.h>

/* s as HTML text or attribute value: escaped, valid UTF-8, no controls. */
void br_html_esc(FILE *f, const char *s);

/* The reports' style sheet. */
const char *br_html_css(void);

#endif /* BR_HTML_H */
