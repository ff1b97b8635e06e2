// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * report_formats.c - the report formats simulate knows (result.h): a new
 * format is its report_*.c file and one line here.
 */
#include <string.h>

#include "result.h"

/*
 * Each X(name): the struct br_report_format br_report_<name> a report_*.c
 * defines. A new format is one line here.
 */
#define BR_REPORT_FORMATS(X)                                                   \
	X(text)                                                                \
	X(summary)                                                             \
	X(json)                                                                \
	X(csv)                                                                 \
	X(html)                                                                \
	X(markdown)                                                            \
	/* the formats, above this line */

#define BR_DECLARE(n) extern const struct br_report_format br_report_##n;
BR_REPORT_FORMATS(BR_DECLARE)

#define BR_ENTRY(n) &br_report_##n,
static const struct br_report_format *const br_formats[] = { BR_REPORT_FORMATS(
	BR_ENTRY) };

const struct br_report_format *br_report_format(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(br_formats) / sizeof(br_formats[0]); i++)
		if (!strcmp(br_formats[i]->name, name))
			return br_formats[i];
	return NULL;
}
