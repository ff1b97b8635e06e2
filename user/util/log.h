/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h - messages to the operator on stderr, and libbpf's verbosity. */
#ifndef BR_LOG_H
#define BR_LOG_H

extern int br_verbose;

/* "blastradius: message\n" on stderr. */
void br_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf's messages through br_verbose (warnings only by default). */
void br_log_setup(void);

#endif /* BR_LOG_H */
